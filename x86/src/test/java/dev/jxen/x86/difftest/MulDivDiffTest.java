package dev.jxen.x86.difftest;

import static dev.jxen.x86.difftest.CpuDiff.AF;
import static dev.jxen.x86.difftest.CpuDiff.CF;
import static dev.jxen.x86.difftest.CpuDiff.OF;
import static dev.jxen.x86.difftest.CpuDiff.PF;
import static dev.jxen.x86.difftest.CpuDiff.SF;
import static dev.jxen.x86.difftest.CpuDiff.ZF;
import static dev.jxen.x86.difftest.Regs.name;
import static dev.jxen.x86.difftest.Regs.ptr;

import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * MUL, IMUL (one, two and three operands), DIV and IDIV at every size, including #DE for a zero
 * divisor and for quotients that overflow (the dividend is often built to be close to overflow).
 * After MUL/IMUL SF ZF AF PF are undefined; after DIV/IDIV all six flags are.
 */
class MulDivDiffTest {
    private static DiffHarness harness;

    @BeforeAll
    static void start() {
        harness = new DiffHarness("MulDiv");
    }

    @AfterAll
    static void stop() {
        harness.close();
    }

    static final long MUL_UNDEFINED = SF | ZF | AF | PF;
    static final long DIV_UNDEFINED = CF | PF | AF | ZF | SF | OF;

    @TestFactory
    Stream<DynamicTest> multiply() {
        Forms f = new Forms(harness);
        Forms.Setup u = Forms.undefined(MUL_UNDEFINED);
        for (int bits : Regs.SIZES) {
            for (String op : new String[] {"mul", "imul"}) {
                f.add(op + " " + name(1, bits), bits, 500, u);
                f.add(op + " " + name(12, bits), bits, 150, u);
                f.add(op + " " + ptr(bits) + " [rbx+4]", bits, 200, u);
            }
            if (bits == 8) {
                f.add("mul ah", bits, 150, u);
                continue;
            }
            f.add("imul " + name(0, bits) + ", " + name(6, bits), bits, 400, u);
            f.add("imul " + name(10, bits) + ", " + ptr(bits) + " [rbx]", bits, 200, u);
            for (long imm : new long[] {3, -1, 0x7F, -128, 0x7FFF, -0x8000}) {
                f.add("imul " + name(2, bits) + ", " + name(7, bits) + ", " + imm, bits, 100, u);
            }
            if (bits > 16) {
                f.add("imul " + name(2, bits) + ", " + name(7, bits) + ", 0x12345678", bits, 100, u);
            }
        }
        return f.tests();
    }

    /** Divisors and dividends biased to edges: zero divisors, overflowing quotients, sign boundaries. */
    private static Forms.Setup divState(int bits, boolean signed, int divisorReg) {
        return (v, c) -> {
            c.undefinedFlags = DIV_UNDEFINED;
            long mask = bits == 64 ? -1L : (1L << bits) - 1;
            long divisor = v.chance(5) ? 0 : v.value(bits);
            // High half of the dividend: often below the divisor (no overflow), sometimes not.
            long high = switch (v.nextInt(4)) {
                case 0 -> 0;
                case 1 -> mask;
                case 2 -> divisor == 0 ? 0 : Long.remainderUnsigned(v.nextLong() & mask, divisor) & mask;
                default -> v.value(bits);
            };
            if (signed && v.chance(50)) {
                // A sign-extended dividend (what CQO/CDQ produce), the common case for IDIV.
                long low = v.value(bits);
                high = (low & (1L << (bits - 1))) != 0 ? mask : 0;
                setDividendLow(c, bits, low);
            } else {
                setDividendLow(c, bits, v.value(bits));
            }
            if (bits == 8) {
                c.gpr[0] = (c.gpr[0] & ~0xFF00L) | ((high & 0xFF) << 8);
            } else {
                c.gpr[2] = bits == 64 ? high : (c.gpr[2] & ~mask) | (high & mask);
            }
            if (divisorReg >= 0) {
                c.gpr[divisorReg] = (c.gpr[divisorReg] & ~mask) | (divisor & mask);
            } else {
                long at = c.gpr[3] - Layout.DATA_BASE;
                byte[] page = c.pages[0];
                for (int k = 0; k < bits / 8; k++) {
                    page[(int) at + k] = (byte) (divisor >>> (8 * k));
                }
            }
        };
    }

    private static void setDividendLow(CpuCase c, int bits, long low) {
        long mask = bits == 64 ? -1L : (1L << bits) - 1;
        c.gpr[0] = (c.gpr[0] & ~mask) | (low & mask);
    }

    @TestFactory
    Stream<DynamicTest> divide() {
        Forms f = new Forms(harness);
        for (int bits : Regs.SIZES) {
            for (String op : new String[] {"div", "idiv"}) {
                boolean signed = op.equals("idiv");
                f.add(op + " " + name(1, bits), bits, 800, divState(bits, signed, 1));
                f.add(op + " " + name(13, bits), bits, 200, divState(bits, signed, 13));
                f.add(op + " " + ptr(bits) + " [rbx]", bits, 300, divState(bits, signed, -1));
            }
        }
        return f.tests();
    }
}
