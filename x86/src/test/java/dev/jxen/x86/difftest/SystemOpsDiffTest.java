package dev.jxen.x86.difftest;

import static dev.jxen.x86.difftest.CpuDiff.AF;
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
 * The 0F map's integer and system instructions the other suites leave out: CRC32 (all source
 * sizes), the 16-bit BSWAP, byte/word CMPXCHG and XADD, SHLD/SHRD and IMUL on memory, hint NOPs
 * and fences, FXSAVE/FXRSTOR/LDMXCSR/STMXCSR, and privileged instructions at CPL 3.
 */
class SystemOpsDiffTest {
    private static DiffHarness harness;

    @BeforeAll
    static void start() {
        harness = new DiffHarness("SystemOps");
    }

    @AfterAll
    static void stop() {
        harness.close();
    }

    @TestFactory
    Stream<DynamicTest> extra() {
        Forms f = new Forms(harness);
        f.add("crc32 eax, byte ptr [rbx]", 8, 200, Forms.NONE);
        f.add("crc32 eax, cl", 8, 200, Forms.NONE);
        f.add("crc32 eax, ah", 8, 100, Forms.NONE);
        f.add("crc32 rax, r9b", 8, 100, Forms.NONE);
        f.add("crc32 eax, cx", 16, 200, Forms.NONE);
        f.add("crc32 eax, dword ptr [rbx+1]", 32, 200, Forms.NONE);
        f.add("crc32 rax, rcx", 64, 200, Forms.NONE);
        f.add(".byte 0x66, 0x0f, 0xc8", 16, 50, Forms.NONE);
        f.add(".byte 0x66, 0x41, 0x0f, 0xcb", 16, 50, Forms.NONE);
        for (int bits : new int[] {8, 16}) {
            f.add("cmpxchg " + name(1, bits) + ", " + name(2, bits), bits, 200, Forms.NONE);
            f.add("lock cmpxchg " + ptr(bits) + " [rbx+1], " + name(2, bits), bits, 200, Forms.NONE);
            f.add("xadd " + name(1, bits) + ", " + name(2, bits), bits, 200, Forms.NONE);
        }
        f.add("cmpxchg eax, ecx", 32, 100, Forms.NONE);
        f.add("xadd eax, eax", 32, 100, Forms.NONE);
        f.add("cmpxchg ah, bl", 8, 100, Forms.NONE);
        for (int bits : new int[] {16, 32, 64}) {
            for (String op : new String[] {"shld", "shrd"}) {
                f.add(op + " " + ptr(bits) + " [rbx+3], " + name(2, bits) + ", cl", bits, 300, Forms.undefined(OF | AF));
                f.add(op + " " + ptr(bits) + " [rbx], " + name(2, bits) + ", 7", bits, 100, Forms.undefined(OF | AF));
            }
            f.add("imul " + name(3, bits) + ", " + ptr(bits) + " [rbx+5]", bits, 200, Forms.undefined(SF | ZF | AF | PF));
            f.add("cmovz " + name(3, bits) + ", " + ptr(bits) + " [rbx+5]", bits, 100, Forms.NONE);
        }
        f.add("ud2", 32, 3, Forms.NONE);
        f.add(".byte 0x0f, 0xb9, 0xc0", 32, 3, Forms.NONE);
        f.add("nop dword ptr [rax+rax*1+0]", 32, 3, Forms.NONE);
        f.add("lfence; mfence; sfence", 32, 3, Forms.NONE);
        f.add("prefetcht0 [rbx]", 32, 3, Forms.NONE);
        Forms.Setup aligned = (v, c) -> c.gpr[3] &= ~15L;
        f.add("fxsave64 [rbx]", 64, 50, aligned);
        f.add("fxsave [rbx]", 64, 20, aligned);
        f.add("fxsave64 [rbx+8]", 64, 10, aligned);
        f.add("stmxcsr [rbx+2]", 32, 20, Forms.NONE);
        f.add("ldmxcsr [rbx]", 32, 50, Forms.NONE);
        f.add("rdmsr", 32, 3, Forms.NONE);
        f.add("mov rax, cr0", 32, 3, Forms.NONE);
        f.add("swapgs", 32, 3, Forms.NONE);
        return f.tests();
    }
}
