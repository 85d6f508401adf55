package dev.jxen.x86.difftest;

import static dev.jxen.x86.difftest.Regs.name;
import static dev.jxen.x86.difftest.Regs.ptr;

import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** BSWAP, MOVBE, XCHG, CMPXCHG/CMPXCHG8B/16B, XADD, MOVSX/MOVZX/MOVSXD and LEA in all addressing forms. */
class MiscIntegerDiffTest {
    private static DiffHarness harness;

    @BeforeAll
    static void start() {
        harness = new DiffHarness("MiscInteger");
    }

    @AfterAll
    static void stop() {
        harness.close();
    }

    @TestFactory
    Stream<DynamicTest> swapsAndExchanges() {
        Forms f = new Forms(harness);
        for (int bits : new int[] {32, 64}) {
            f.add("bswap " + name(0, bits), bits, 100, Forms.NONE);
            f.add("bswap " + name(12, bits), bits, 100, Forms.NONE);
        }
        for (int bits : new int[] {16, 32, 64}) {
            f.add("movbe " + name(0, bits) + ", " + ptr(bits) + " [rbx]", bits, 100, Forms.NONE);
            f.add("movbe " + ptr(bits) + " [rbx+3], " + name(9, bits), bits, 100, Forms.NONE);
        }
        for (int bits : Regs.SIZES) {
            f.add("xchg " + name(1, bits) + ", " + name(2, bits), bits, 100, Forms.NONE);
            f.add("xchg " + ptr(bits) + " [rbx], " + name(10, bits), bits, 100, Forms.NONE);
            f.add("xadd " + name(1, bits) + ", " + name(2, bits), bits, 200, Forms.NONE);
            f.add("lock xadd " + ptr(bits) + " [rbx], " + name(10, bits), bits, 200, Forms.NONE);
            // CMPXCHG: make the accumulator equal to the destination half of the time.
            Forms.Setup eqReg = (v, c) -> {
                if (v.chance(50)) {
                    long mask = bits == 64 ? -1L : (1L << bits) - 1;
                    c.gpr[0] = (c.gpr[0] & ~mask) | (c.gpr[1] & mask);
                }
            };
            f.add("cmpxchg " + name(1, bits) + ", " + name(2, bits), bits, 300, eqReg);
            Forms.Setup eqMem = (v, c) -> {
                if (v.chance(50)) {
                    long mask = bits == 64 ? -1L : (1L << bits) - 1;
                    c.gpr[0] = (c.gpr[0] & ~mask) | (load(c, c.gpr[3], bits / 8) & mask);
                }
            };
            f.add("lock cmpxchg " + ptr(bits) + " [rbx], " + name(2, bits), bits, 300, eqMem);
        }
        {
            Forms.Setup eq8 = (v, c) -> {
                if (v.chance(50)) {
                    long m = load(c, c.gpr[3], 8);
                    c.gpr[0] = m & 0xFFFF_FFFFL | (c.gpr[0] & ~0xFFFF_FFFFL);
                    c.gpr[2] = (m >>> 32) | (c.gpr[2] & ~0xFFFF_FFFFL);
                }
            };
            f.add("lock cmpxchg8b qword ptr [rbx]", 64, 300, eq8);
            Forms.Setup eq16 = (v, c) -> {
                c.gpr[3] = (c.gpr[3] & ~15L) + (v.chance(10) ? 8 : 0); // misaligned: #GP
                if (v.chance(50)) {
                    c.gpr[0] = load(c, c.gpr[3], 8);
                    c.gpr[2] = load(c, c.gpr[3] + 8, 8);
                }
            };
            f.add("lock cmpxchg16b xmmword ptr [rbx]", 64, 300, eq16);
        }
        return f.tests();
    }

    /** Little-endian load from a case's data pages (bytes outside them read as zero). */
    static long load(CpuCase c, long addr, int size) {
        long v = 0;
        for (int k = size - 1; k >= 0; k--) {
            long a = addr + k - Layout.DATA_BASE;
            if (a < 0 || a >= (long) Layout.DATA_PAGES * Layout.PAGE) {
                v <<= 8;
                continue;
            }
            byte[] page = c.pages[(int) (a / Layout.PAGE)];
            v = (v << 8) | (page == null ? 0 : page[(int) (a % Layout.PAGE)] & 0xFF);
        }
        return v;
    }

    @TestFactory
    Stream<DynamicTest> extensions() {
        Forms f = new Forms(harness);
        for (String op : new String[] {"movsx", "movzx"}) {
            for (int to : new int[] {16, 32, 64}) {
                f.add(op + " " + name(0, to) + ", " + name(1, 8), 8, 100, Forms.NONE);
                f.add(op + " " + name(9, to) + ", " + ptr(8) + " [rbx]", 8, 60, Forms.NONE);
                if (to > 16) {
                    f.add(op + " " + name(0, to) + ", " + name(13, 16), 16, 100, Forms.NONE);
                    f.add(op + " " + name(9, to) + ", " + ptr(16) + " [rbx+1]", 16, 60, Forms.NONE);
                }
            }
            f.add(op + " eax, ah", 16, 100, Forms.NONE);
        }
        f.add("movsxd rax, ecx", 32, 150, Forms.NONE);
        f.add("movsxd r10, dword ptr [rbx]", 32, 100, Forms.NONE);
        return f.tests();
    }

    @TestFactory
    Stream<DynamicTest> lea() {
        Forms f = new Forms(harness);
        String[] addressing = {"[rbx]", "[rbx+0x7f]", "[rbx-0x80]", "[rbx+0x12345678]", "[rbx-0x7fffffff]",
            "[rbx+rcx]", "[rbx+rcx*2+1]", "[rbx+rcx*4-9]", "[rdx+rcx*8+0x1000]", "[rcx*8+0x40]", "[rcx*2]",
            "[rsp]", "[rsp+rax*4+8]", "[rbp]", "[rbp+rcx]", "[r12]", "[r12+r13*2]", "[r13]", "[r13+8]",
            "[r8+r15*8-1]", "[rip]", "[rip+0x100]", "[0x12345678]", "[ebx+ecx*2+5]", "[eax]", "[r9d+r10d*4]",
            "[esp+4]", "[ebp+eax]", "[eip+0x10]"};
        for (String a : addressing) {
            for (int bits : new int[] {16, 32, 64}) {
                f.add("lea " + name(bits == 64 ? 7 : bits == 32 ? 11 : 0, bits) + ", " + a, 64, 60,
                        (v, c) -> {
                            c.gpr[3] = v.register(64);
                            c.gpr[4] = v.register(64);
                        });
            }
        }
        return f.tests();
    }
}
