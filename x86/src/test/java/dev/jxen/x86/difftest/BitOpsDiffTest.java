package dev.jxen.x86.difftest;

import static dev.jxen.x86.difftest.CpuDiff.AF;
import static dev.jxen.x86.difftest.CpuDiff.CF;
import static dev.jxen.x86.difftest.CpuDiff.OF;
import static dev.jxen.x86.difftest.CpuDiff.PF;
import static dev.jxen.x86.difftest.CpuDiff.SF;
import static dev.jxen.x86.difftest.Regs.name;
import static dev.jxen.x86.difftest.Regs.ptr;

import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * BT BTS BTR BTC (register, immediate and memory forms, where a register bit offset reaches
 * outside the operand), BSF BSR, TZCNT LZCNT POPCNT at 16/32/64 bits. Zero sources are frequent.
 */
class BitOpsDiffTest {
    private static DiffHarness harness;

    @BeforeAll
    static void start() {
        harness = new DiffHarness("BitOps");
    }

    @AfterAll
    static void stop() {
        harness.close();
    }

    @TestFactory
    Stream<DynamicTest> bitTests() {
        Forms f = new Forms(harness);
        Forms.Setup u = Forms.undefined(OF | SF | AF | PF);
        for (String op : new String[] {"bt", "bts", "btr", "btc"}) {
            for (int bits : new int[] {16, 32, 64}) {
                f.add(op + " " + name(0, bits) + ", " + name(2, bits), bits, 300, u);
                for (int imm : new int[] {0, 5, bits - 1, bits + 3, 255}) {
                    f.add(op + " " + name(9, bits) + ", " + imm, bits, 40, u);
                }
                f.add(op + " " + ptr(bits) + " [rbx], " + (bits - 1), bits, 100, u);
                // A register bit offset addresses memory relative to the operand, also far before or after it.
                Forms.Setup far = Forms.all(u, (v, c) -> {
                    c.gpr[3] = Layout.DATA_BASE + 0x1000 + v.nextInt(0x100);
                    // Far offsets stay within +-128 KiB: beyond, the host's address space (its own
                    // mappings, the kernel half) no longer matches the emulator's.
                    long off = v.chance(80) ? v.nextInt(0x1E00 * 8) - 0xF00 * 8 : v.nextInt(1 << 21) - (1 << 20);
                    long mask = bits == 64 ? -1L : (1L << bits) - 1;
                    c.gpr[2] = (c.gpr[2] & ~mask) | (off & mask);
                });
                f.add(op + " " + ptr(bits) + " [rbx], " + name(2, bits), bits, 300, far);
                if (!op.equals("bt")) {
                    f.add("lock " + op + " " + ptr(bits) + " [rbx+2], " + name(2, bits), bits, 150, far);
                }
            }
        }
        return f.tests();
    }

    /** Makes the source register zero in a tenth of the cases. */
    private static Forms.Setup zeroSometimes(int reg, int bits) {
        return (v, c) -> {
            if (v.chance(10)) {
                long mask = bits == 64 ? -1L : (1L << bits) - 1;
                c.gpr[reg] &= ~mask;
            }
        };
    }

    @TestFactory
    Stream<DynamicTest> scansAndCounts() {
        Forms f = new Forms(harness);
        for (int bits : new int[] {16, 32, 64}) {
            for (String op : new String[] {"bsf", "bsr"}) {
                Forms.Setup s = Forms.all(Forms.undefined(CF | OF | SF | AF | PF), zeroSometimes(1, bits));
                f.add(op + " " + name(0, bits) + ", " + name(1, bits), bits, 400, s);
                f.add(op + " " + name(12, bits) + ", " + ptr(bits) + " [rbx]", bits, 150, Forms.undefined(CF | OF | SF | AF | PF));
            }
            for (String op : new String[] {"tzcnt", "lzcnt"}) {
                Forms.Setup s = Forms.all(Forms.undefined(OF | SF | AF | PF), zeroSometimes(1, bits));
                f.add(op + " " + name(0, bits) + ", " + name(1, bits), bits, 400, s);
                f.add(op + " " + name(12, bits) + ", " + ptr(bits) + " [rbx]", bits, 150, Forms.undefined(OF | SF | AF | PF));
            }
            f.add("popcnt " + name(0, bits) + ", " + name(1, bits), bits, 400, zeroSometimes(1, bits));
            f.add("popcnt " + name(12, bits) + ", " + ptr(bits) + " [rbx]", bits, 150, Forms.NONE);
        }
        return f.tests();
    }
}
