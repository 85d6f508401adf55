package dev.jxen.x86.difftest;

import static dev.jxen.x86.difftest.Regs.name;
import static dev.jxen.x86.difftest.Regs.ptr;

import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * CMOVcc (16/32/64, register and memory; a 32-bit CMOV clears the upper half even when the
 * condition is false), SETcc and Jcc for all 16 conditions, from random flag combinations.
 */
class CondMovDiffTest {
    private static DiffHarness harness;

    @BeforeAll
    static void start() {
        harness = new DiffHarness("CondMov");
    }

    @AfterAll
    static void stop() {
        harness.close();
    }

    static final String[] CC = {"o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g"};

    @TestFactory
    Stream<DynamicTest> conditions() {
        Forms f = new Forms(harness);
        for (String cc : CC) {
            for (int bits : new int[] {16, 32, 64}) {
                f.add("cmov" + cc + " " + name(0, bits) + ", " + name(1, bits), bits, 128, Forms.NONE);
            }
            f.add("cmov" + cc + " r11d, dword ptr [rbx]", 32, 64, Forms.NONE);
            f.add("set" + cc + " al", 8, 128, Forms.NONE);
            f.add("set" + cc + " r9b", 8, 64, Forms.NONE);
            f.add("set" + cc + " " + ptr(8) + " [rbx+1]", 8, 64, Forms.NONE);
            f.add("j" + cc + " 1f; mov eax, 1; 1: nop", 32, 128, Forms.NONE);
        }
        return f.tests();
    }
}
