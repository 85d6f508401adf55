package dev.jxen.x86.difftest;

import static dev.jxen.x86.difftest.Regs.name;
import static dev.jxen.x86.difftest.Regs.ptr;

import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Exceptions as a CPL-3 process sees them, compared with the host: precise #PF on the guard page
 * (loads, stores, read-modify-write, page-crossing accesses, pushes, instruction fetch), on the
 * read-only page and on non-executable data; #GP for non-canonical addresses, privileged
 * instructions and INT n; #UD for undefined opcodes and misused LOCK; #DE; #BP; #XM for unmasked
 * SSE exceptions. Each fault must leave every register, flag and byte of memory unchanged.
 */
class ExceptionsDiffTest {
    private static DiffHarness harness;

    @BeforeAll
    static void start() {
        harness = new DiffHarness("Exceptions");
    }

    @AfterAll
    static void stop() {
        harness.close();
    }

    /** RBX at {@code base - below}: accesses of any size at [rbx] end on or cross into the next page. */
    private static Forms.Setup near(long base, int maxBelow) {
        return (v, c) -> c.gpr[3] = base - v.nextInt(maxBelow + 1);
    }

    @TestFactory
    Stream<DynamicTest> pageFaults() {
        Forms f = new Forms(harness);
        for (int bits : Regs.SIZES) {
            int size = bits / 8;
            // Data page 7 ends at the guard page: accesses straddle it or land in it.
            Forms.Setup straddle = near(Layout.GUARD_PAGE, size + 2);
            f.add("mov " + name(0, bits) + ", " + ptr(bits) + " [rbx]", bits, 60, straddle);
            f.add("mov " + ptr(bits) + " [rbx], " + name(1, bits), bits, 60, straddle);
            f.add("add " + ptr(bits) + " [rbx], " + name(1, bits), bits, 60, straddle);
            f.add("lock xadd " + ptr(bits) + " [rbx], " + name(1, bits), bits, 40, straddle);
            f.add("ro read " + bits, "mov " + name(0, bits) + ", " + ptr(bits) + " [rbx]", bits, 40, near(Layout.RO_PAGE + 64, 64));
            f.add("ro write " + bits, "mov " + ptr(bits) + " [rbx], " + name(1, bits) + "; nop", bits, 40, near(Layout.RO_PAGE + 64, 64));
            f.add("neg " + ptr(bits) + " [rbx]", bits, 40, near(Layout.RO_PAGE + 4000, 200));
        }
        f.add("push rax (stack at guard)", "push rax", 64, 40, (v, c) -> c.gpr[4] = Layout.GUARD_PAGE + 8 + v.nextInt(3));
        f.add("push below data", "push rax", 64, 40, (v, c) -> c.gpr[4] = Layout.DATA_BASE + v.nextInt(8));
        f.add("pop rax (stack in guard)", "pop rax", 64, 40, (v, c) -> c.gpr[4] = Layout.GUARD_PAGE - 4 + v.nextInt(6));
        f.add("call through guard stack", "call 1f; 1: nop", 64, 20, (v, c) -> c.gpr[4] = Layout.GUARD_PAGE + 8);
        f.add("jump to guard page", "jmp rax", 64, 20, (v, c) -> c.gpr[0] = Layout.GUARD_PAGE + v.nextInt(4096));
        f.add("jump to data (NX)", "jmp rax", 64, 20, (v, c) -> c.gpr[0] = Layout.DATA_BASE + v.nextInt(8 * 4096));
        f.add("jump to unmapped 0", "jmp rax", 64, 20, (v, c) -> c.gpr[0] = v.nextInt(4096));
        f.add("rep movsb into guard", "rep movsb", 64, 100, (v, c) -> {
            c.page(7, v.page());
            c.page(2, v.page());
            c.gpr[6] = Layout.DATA_BASE + 0x2000;
            c.gpr[7] = Layout.GUARD_PAGE - v.nextInt(64);
            c.gpr[1] = v.nextInt(200);
        });
        f.add("rep stosq into guard", "rep stosq", 64, 100, (v, c) -> {
            c.page(7, v.page());
            c.gpr[7] = Layout.GUARD_PAGE - 8 * v.nextInt(20) - v.nextInt(8);
            c.gpr[1] = v.nextInt(40);
        });
        f.add("load non-canonical", "mov rax, [rbx]", 64, 40, (v, c) -> c.gpr[3] = 0x8000_0000_0000_0000L + v.nextInt(1 << 20));
        f.add("store non-canonical", "mov [rbx], rax", 64, 40, (v, c) -> c.gpr[3] = 0x0000_8000_0000_0000L + v.nextLong() % (1L << 40));
        return f.tests();
    }

    @TestFactory
    Stream<DynamicTest> otherFaults() {
        Forms f = new Forms(harness);
        String[] undefined = {"ud2", ".byte 0x0f, 0xff", ".byte 0x06", ".byte 0x07", ".byte 0x0e", ".byte 0x16",
            ".byte 0x17", ".byte 0x1e", ".byte 0x1f", ".byte 0x27", ".byte 0x2f", ".byte 0x37", ".byte 0x3f",
            ".byte 0x60", ".byte 0x61", ".byte 0xce", ".byte 0xd4, 0x0a", ".byte 0xd5, 0x0a", ".byte 0xd6",
            ".byte 0x9a, 0, 0, 0, 0, 0, 0", ".byte 0xea, 0, 0, 0, 0, 0, 0",
            ".byte 0xf0, 0x01, 0xd8", ".byte 0xf0, 0x90", ".byte 0xf0, 0x8b, 0x03", ".byte 0x8d, 0xc0",
            ".byte 0x0f, 0x0b", ".byte 0xfe, 0xf8", ".byte 0xff, 0xff", ".byte 0x8e, 0xc8"};
        for (String u : undefined) {
            f.add(u, 64, 5, Forms.NONE);
        }
        f.add("div zero", "div ecx", 32, 20, (v, c) -> c.gpr[1] = 0);
        f.add("idiv overflow", "idiv rcx", 64, 20, (v, c) -> {
            c.gpr[0] = Long.MIN_VALUE;
            c.gpr[2] = -1;
            c.gpr[1] = -1;
        });
        f.add("int3", 64, 5, Forms.NONE);
        f.add("int 3", ".byte 0xcd, 0x03", 64, 5, Forms.NONE);
        f.add("int 0x41", 64, 5, Forms.NONE);
        f.add("int1", ".byte 0xf1", 64, 5, Forms.NONE);
        for (String p : new String[] {"hlt", "cli", "sti", "in al, dx", "out dx, al", "rdmsr", "wrmsr", "mov cr3, rax",
            "mov rax, cr0", "lgdt [rbx]", "invlpg [rbx]", "wbinvd", "swapgs", "clts", "mov dr7, rax", "sysretq"}) {
            f.add(p, 64, 5, Forms.NONE);
        }
        f.add("divss by zero unmasked", "divss xmm0, xmm1", 64, 20, (v, c) -> {
            c.mxcsr(0x1F80 & ~0x200);
            c.xmm(0, 0x3F80_0000L, 0);
            c.xmm(1, 0, 0);
        });
        f.add("sqrtsd invalid unmasked", "sqrtsd xmm2, xmm3", 64, 20, (v, c) -> {
            c.mxcsr(0x1F80 & ~0x80);
            c.xmm(3, 0xBFF0_0000_0000_0000L, 0);
        });
        f.add("movaps misaligned", "movaps xmm0, [rbx]", 64, 20, (v, c) -> c.gpr[3] |= 1);
        return f.tests();
    }
}
