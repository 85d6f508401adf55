package dev.jxen.x86.difftest;

import static dev.jxen.x86.difftest.CpuDiff.AF;
import static dev.jxen.x86.difftest.CpuDiff.CF;
import static dev.jxen.x86.difftest.CpuDiff.OF;
import static dev.jxen.x86.difftest.Regs.name;
import static dev.jxen.x86.difftest.Regs.ptr;

import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * ROL ROR RCL RCR SHL SHR SAR with every count in CL (0..255, so the masking is covered), by 1 and
 * by immediates, at 8/16/32/64 bits; SHLD/SHRD at 16/32/64 bits. Undefined flags per the SDM:
 * AF after any non-zero shift, OF after multi-bit shifts and rotates, CF for SHL/SHR by the
 * operand size or more.
 */
class ShiftRotateDiffTest {
    private static DiffHarness harness;

    @BeforeAll
    static void start() {
        harness = new DiffHarness("ShiftRotate");
    }

    @AfterAll
    static void stop() {
        harness.close();
    }

    private static final String[] OPS = {"rol", "ror", "rcl", "rcr", "shl", "shr", "sar"};

    /** The flags the SDM leaves undefined after {@code op} by {@code count} (before masking). */
    static long undefinedAfter(String op, int bits, int count) {
        int m = count & (bits == 64 ? 63 : 31);
        if (m == 0) {
            return 0;
        }
        boolean rotate = op.startsWith("ro") || op.startsWith("rc");
        long u = m == 1 ? 0 : OF;
        if (!rotate) {
            u |= AF;
            if ((op.equals("shl") || op.equals("shr")) && m >= bits) {
                u |= CF;
            }
        }
        return u;
    }

    @TestFactory
    Stream<DynamicTest> shiftsAndRotates() {
        Forms f = new Forms(harness);
        for (String op : OPS) {
            for (int bits : Regs.SIZES) {
                // CL sweeps all 256 counts, then random ones.
                Forms.Setup byCl = (v, c) -> {
                    int count = c.index < 256 ? c.index : v.nextInt(256);
                    c.gpr[1] = (c.gpr[1] & ~0xFFL) | count;
                    c.undefinedFlags = undefinedAfter(op, bits, count);
                };
                f.add(op + " " + name(0, bits) + ", cl", bits, 512, byCl);
                f.add(op + " " + name(11, bits) + ", cl", bits, 256, byCl);
                f.add(op + " " + ptr(bits) + " [rbx+2], cl", bits, 256, byCl);
                f.add(op + " " + name(2, bits) + ", 1", bits, 200, Forms.undefined(undefinedAfter(op, bits, 1)));
                f.add(op + " " + ptr(bits) + " [rbx], 1", bits, 100, Forms.undefined(undefinedAfter(op, bits, 1)));
                for (int imm : new int[] {0, 2, bits - 1, bits, 31, 63, 200}) {
                    f.add(op + " " + name(6, bits) + ", " + imm, bits, 60, Forms.undefined(undefinedAfter(op, bits, imm)));
                }
                if (bits == 8) {
                    f.add(op + " ch, cl", bits, 256, byCl);
                }
            }
        }
        return f.tests();
    }

    @TestFactory
    Stream<DynamicTest> doubleShifts() {
        Forms f = new Forms(harness);
        for (String op : new String[] {"shld", "shrd"}) {
            for (int bits : new int[] {16, 32, 64}) {
                // 16-bit counts above 16 leave the result undefined: sweep 0..16 there (upper CL bits random).
                Forms.Setup byCl = (v, c) -> {
                    int count = bits == 16 ? (c.index % 17) | (v.nextInt(8) << 5) : c.index < 256 ? c.index : v.nextInt(256);
                    c.gpr[1] = (c.gpr[1] & ~0xFFL) | count;
                    c.undefinedFlags = doubleUndefined(bits, count);
                };
                f.add(op + " " + name(0, bits) + ", " + name(2, bits) + ", cl", bits, 512, byCl);
                f.add(op + " " + ptr(bits) + " [rbx+1], " + name(9, bits) + ", cl", bits, 256, byCl);
                for (int imm : new int[] {0, 1, 7, bits / 2, bits - 1}) {
                    f.add(op + " " + name(6, bits) + ", " + name(7, bits) + ", " + imm, bits, 80,
                            Forms.undefined(doubleUndefined(bits, imm)));
                }
            }
        }
        return f.tests();
    }

    static long doubleUndefined(int bits, int count) {
        int m = count & (bits == 64 ? 63 : 31);
        if (m == 0) {
            return 0;
        }
        return m == 1 ? AF : AF | OF;
    }
}
