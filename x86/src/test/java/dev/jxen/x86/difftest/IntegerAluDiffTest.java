package dev.jxen.x86.difftest;

import static dev.jxen.x86.difftest.Regs.name;
import static dev.jxen.x86.difftest.Regs.ptr;

import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** ADD OR ADC SBB AND SUB XOR CMP, INC DEC NEG NOT TEST at 8/16/32/64 bits: register, immediate, memory and LOCK forms. */
class IntegerAluDiffTest {
    private static DiffHarness harness;

    @BeforeAll
    static void start() {
        harness = new DiffHarness("IntegerAlu");
    }

    @AfterAll
    static void stop() {
        harness.close();
    }

    private static final String[] BINARY = {"add", "or", "adc", "sbb", "and", "sub", "xor", "cmp"};

    static boolean logic(String op) {
        return op.equals("and") || op.equals("or") || op.equals("xor") || op.equals("test");
    }

    @TestFactory
    Stream<DynamicTest> binaryOps() {
        Forms f = new Forms(harness);
        for (String op : BINARY) {
            Forms.Setup u = logic(op) ? Forms.undefined(CpuDiff.AF) : Forms.NONE;
            for (int bits : Regs.SIZES) {
                f.add(op + " " + name(0, bits) + ", " + name(5, bits), bits, 400, u);
                f.add(op + " " + name(9, bits) + ", " + name(14, bits), bits, 200, u);
                f.add(op + " " + name(1, bits) + ", " + name(1, bits), bits, 100, u);
                if (bits == 8) {
                    f.add(op + " ah, dh", bits, 200, u);
                    f.add(op + " sil, r10b", bits, 200, u);
                }
                long[] imms = bits == 8 ? new long[] {1, 0x7F, 0x80, 0xFF} : new long[] {1, -1, 0x7F, -128, 0x7FFF, 0x12345678, -0x80000000L};
                for (long imm : imms) {
                    if (bits == 16 && (imm > 0xFFFF || imm < -0x8000)) {
                        continue;
                    }
                    f.add(op + " " + name(2, bits) + ", " + imm, bits, 80, u);
                }
                f.add(op + " " + name(0, bits) + ", " + (bits == 8 ? 0x5A : 0x5A5A), bits, 80, u); // accumulator short form
                f.add(op + " " + ptr(bits) + " [rbx+8], " + name(1, bits), bits, 150, u);
                f.add(op + " " + name(1, bits) + ", " + ptr(bits) + " [rbx-3]", bits, 150, u);
                f.add(op + " " + ptr(bits) + " [rbx], 0x61", bits, 100, u);
                if (!op.equals("cmp")) {
                    f.add("lock " + op + " " + ptr(bits) + " [rbx], " + name(2, bits), bits, 100, u);
                }
            }
        }
        return f.tests();
    }

    @TestFactory
    Stream<DynamicTest> unaryOpsAndTest() {
        Forms f = new Forms(harness);
        for (int bits : Regs.SIZES) {
            for (String op : new String[] {"inc", "dec", "neg", "not"}) {
                f.add(op + " " + name(1, bits), bits, 300, Forms.NONE);
                f.add(op + " " + name(13, bits), bits, 100, Forms.NONE);
                f.add(op + " " + ptr(bits) + " [rbx+1]", bits, 150, Forms.NONE);
                f.add("lock " + op + " " + ptr(bits) + " [rbx]", bits, 80, Forms.NONE);
            }
            if (bits == 8) {
                f.add("inc ch", bits, 100, Forms.NONE);
                f.add("neg dh", bits, 100, Forms.NONE);
            }
            Forms.Setup af = Forms.undefined(CpuDiff.AF);
            f.add("test " + name(1, bits) + ", " + name(2, bits), bits, 300, af);
            f.add("test " + name(0, bits) + ", " + (bits == 8 ? 0x81 : 0x8001), bits, 100, af);
            f.add("test " + name(6, bits) + ", " + (bits == 8 ? 0x40 : -2), bits, 100, af);
            f.add("test " + ptr(bits) + " [rbx], " + name(5, bits), bits, 150, af);
        }
        return f.tests();
    }
}
