package dev.jxen.x86.sse;

import dev.jxen.x86.difftest.CpuCase;
import dev.jxen.x86.difftest.DiffHarness;
import dev.jxen.x86.difftest.Forms;
import dev.jxen.x86.difftest.FxImage;
import dev.jxen.x86.difftest.Values;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * SSE..SSE4.2 against the host CPU: every form runs from random states whose XMM registers and
 * memory hold FP edge values (NaNs with payloads, infinities, denormals, ±0, extremes, halfway
 * integers, integer limits) under all four rounding modes with DAZ/FTZ on and off, exceptions
 * masked; MXCSR, XMM registers, flags and memory must be bit-identical.
 */
class SseDiffTest {
    private static DiffHarness harness;

    @BeforeAll
    static void start() {
        harness = new DiffHarness("Sse");
    }

    @AfterAll
    static void stop() {
        harness.close();
    }

    /** A float (low 32 bits) or double shaped for FP edge cases. */
    static long fp(Values v, boolean d) {
        var r = v.random();
        int fb = d ? 52 : 23;
        long sign = r.nextBoolean() ? (d ? Long.MIN_VALUE : 0x8000_0000L) : 0;
        long expAll = d ? 0x7FFL : 0xFFL;
        long frac = r.nextLong() & ((1L << fb) - 1);
        long bits = switch (r.nextInt(16)) {
            case 0 -> 0; // zero
            case 1 -> expAll << fb; // infinity
            case 2 -> expAll << fb | 1L << (fb - 1) | (frac >>> 3); // QNaN with payload
            case 3 -> expAll << fb | Math.max(1, frac >>> 2); // SNaN
            case 4 -> frac; // denormal
            case 5 -> r.nextBoolean() ? 1 : (1L << fb) - 1; // smallest / largest denormal
            case 6 -> 1L << fb | (r.nextBoolean() ? 0 : frac); // around the smallest normal
            case 7 -> (expAll - 1) << fb | (r.nextBoolean() ? (1L << fb) - 1 : frac); // near overflow
            case 8 -> d ? Double.doubleToRawLongBits(r.nextInt(-70000, 70000) * 0.5)
                    : Float.floatToRawIntBits(r.nextInt(-70000, 70000) * 0.5f) & 0xFFFF_FFFFL;
            case 9 -> { // near integer limits (conversions)
                double x = Math.scalb(1.0, r.nextBoolean() ? 31 : 63) + r.nextInt(-3, 3) * (r.nextBoolean() ? 0.5 : 1024);
                yield d ? Double.doubleToRawLongBits(x) : Float.floatToRawIntBits((float) x) & 0xFFFF_FFFFL;
            }
            case 10, 11 -> (long) (r.nextInt(d ? 60 : 20) + (d ? 1003 : 117)) << fb | frac; // moderate magnitudes
            case 12 -> (long) (r.nextInt(d ? 100 : 30) + 1) << fb | frac; // tiny normals: products underflow
            default -> r.nextLong() & ((1L << (d ? 63 : 31)) - 1);
        };
        return (bits & (d ? Long.MAX_VALUE : 0x7FFF_FFFFL)) | sign;
    }

    private static long fpPair(Values v, boolean d) {
        return d ? fp(v, true) : fp(v, false) | fp(v, false) << 32;
    }

    /** XMM registers and page 0 filled with FP values, a random MXCSR (exceptions masked), RBX aligned. */
    static Forms.Setup fpState(boolean d) {
        return fpState(d, false);
    }

    /** As {@link #fpState(boolean)}; with {@code unmask}, some exceptions are unmasked (#XM). */
    static Forms.Setup fpState(boolean d, boolean unmask) {
        return (v, c) -> {
            for (int i = 0; i < 16; i++) {
                FxImage.putXmm(c.fx, i, fpPair(v, d), fpPair(v, d));
            }
            int rc = v.nextInt(4);
            int mx = 0x1F80 | rc << 13;
            if (v.chance(25)) {
                mx |= 0x40; // DAZ
            }
            if (v.chance(25)) {
                mx |= 0x8000; // FTZ
            }
            if (v.chance(20)) {
                mx |= v.nextInt(64); // sticky flags already set
            }
            if (unmask) {
                mx &= ~(1 << (7 + v.nextInt(6)));
                if (v.chance(30)) {
                    mx &= ~(v.nextInt(64) << 7);
                }
            }
            FxImage.putInt(c.fx, FxImage.MXCSR, mx);
            byte[] p = new byte[4096];
            for (int i = 0; i < p.length; i += 8) {
                long x = fpPair(v, d);
                for (int k = 0; k < 8; k++) {
                    p[i + k] = (byte) (x >>> (8 * k));
                }
            }
            c.page(0, p);
            c.gpr[3] &= ~15L;
        };
    }

    /** XMM registers with integer edge values (for integer SIMD and string forms). */
    static Forms.Setup intState() {
        return (v, c) -> {
            for (int i = 0; i < 16; i++) {
                FxImage.putXmm(c.fx, i, lanes(v), lanes(v));
            }
            c.gpr[3] &= ~15L;
        };
    }

    /**
     * RDI for MASKMOV*: inside the data pages, straddling into the guard page, or in the unmapped
     * low pages (user addresses only: the host reports kernel addresses as present pages).
     */
    private static void maskTarget(Values v, CpuCase c) {
        c.gpr[7] = switch (v.nextInt(4)) {
            case 0 -> dev.jxen.x86.difftest.Layout.GUARD_PAGE - 16 + v.nextInt(24);
            case 1 -> v.nextInt(0x2000);
            default -> dev.jxen.x86.difftest.Layout.DATA_BASE + v.nextInt(0x1F00);
        };
    }

    private static long lanes(Values v) {
        return switch (v.nextInt(5)) {
            case 0 -> v.edge(64);
            case 1 -> v.edge(16) | v.edge(16) << 16 | v.edge(16) << 32 | v.edge(16) << 48;
            case 2 -> v.edge(8) * 0x0101_0101_0101_0101L ^ (v.nextLong() & 0x0000_FF00_00FF_0000L);
            case 3 -> v.edge(32) | v.edge(32) << 32;
            default -> v.nextLong();
        };
    }

    private static final String[] REG_MEM = {"xmm2", "xmmword ptr [rbx]"};

    @TestFactory
    Stream<DynamicTest> arithmetic() {
        Forms f = new Forms(harness);
        for (String op : new String[] {"add", "sub", "mul", "div", "min", "max", "sqrt"}) {
            for (String t : new String[] {"ps", "pd", "ss", "sd"}) {
                boolean d = t.endsWith("d");
                f.add(op + t + " xmm1, xmm2", 64, 400, fpState(d));
                String mem = t.startsWith("p") ? "xmmword" : d ? "qword" : "dword";
                f.add(op + t + " xmm9, " + mem + " ptr [rbx]", 64, 100, fpState(d));
            }
        }
        for (String a : new String[] {"addps xmm1, xmm2", "mulsd xmm1, xmm2", "divps xmm1, xmm2", "sqrtsd xmm1, xmm2",
            "subpd xmm1, xmm2", "minss xmm1, xmm2", "cmpltps xmm1, xmm2", "comisd xmm1, xmm2", "cvtpd2ps xmm1, xmm2",
            "cvtsd2si eax, xmm2", "cvttps2dq xmm1, xmm2", "roundps xmm1, xmm2, 0", "dpps xmm1, xmm2, 0xff",
            "haddpd xmm1, xmm2", "cvtsi2ss xmm1, rax", "mulps xmm1, xmm2", "divpd xmm1, xmm2", "sqrtps xmm1, xmm2",
            "maxpd xmm1, xmm2", "cmpnleps xmm1, xmm2", "ucomiss xmm1, xmm2", "cvtps2pd xmm1, xmm2", "cvtdq2ps xmm1, xmm2",
            "cvtps2dq xmm1, xmm2", "cvttsd2si rax, xmm2", "addsubps xmm1, xmm2", "dppd xmm1, xmm2, 0x33",
            "roundsd xmm1, xmm2, 4", "cvtsd2ss xmm1, xmm2", "cvtss2sd xmm1, xmm2", "hsubps xmm1, xmm2"}) {
            boolean d = a.contains("sd") || a.contains("pd");
            f.add("unmasked " + a, a, 64, 300, fpState(d, true));
        }
        for (String op : new String[] {"haddps", "hsubps", "addsubps"}) {
            f.add(op + " xmm1, xmm2", 64, 300, fpState(false));
        }
        for (String op : new String[] {"haddpd", "hsubpd", "addsubpd"}) {
            f.add(op + " xmm1, xmm2", 64, 300, fpState(true));
        }
        for (int imm : new int[] {0xFF, 0xF1, 0x7F, 0x31, 0xA5}) {
            f.add("dpps xmm1, xmm2, " + imm, 64, 200, fpState(false));
        }
        for (int imm : new int[] {0x33, 0x31, 0x12}) {
            f.add("dppd xmm1, xmm2, " + imm, 64, 200, fpState(true));
        }
        return f.tests();
    }

    @TestFactory
    Stream<DynamicTest> comparesAndLogic() {
        Forms f = new Forms(harness);
        for (int p = 0; p < 8; p++) {
            f.add("cmpps xmm1, xmm2, " + p, 64, 200, fpState(false));
            f.add("cmppd xmm1, xmm2, " + p, 64, 200, fpState(true));
            f.add("cmpss xmm1, xmm2, " + p, 64, 150, fpState(false));
            f.add("cmpsd xmm1, xmm2, " + p, 64, 150, fpState(true));
        }
        for (int p : new int[] {8, 11, 0x1F, 0xF5}) { // legacy encodings ignore imm8[7:3]
            f.add("cmpps xmm1, xmm2, " + p, 64, 60, fpState(false));
            f.add("cmpsd xmm1, xmm2, " + p, 64, 60, fpState(true));
        }
        for (String a : new String[] {"rcpps xmm1, xmm2", "rcpss xmm1, xmm2", "rsqrtps xmm1, xmm2", "rsqrtss xmm1, xmm2"}) {
            f.add(a, 64, 400, fpState(false));
        }
        for (String op : new String[] {"comiss", "ucomiss"}) {
            f.add(op + " xmm1, xmm2", 64, 400, fpState(false));
        }
        for (String op : new String[] {"comisd", "ucomisd"}) {
            f.add(op + " xmm1, xmm2", 64, 400, fpState(true));
        }
        for (String op : new String[] {"andps", "andnps", "orps", "xorps", "andpd", "andnpd", "orpd", "xorpd"}) {
            f.add(op + " xmm1, xmm2", 64, 50, fpState(false));
        }
        return f.tests();
    }

    @TestFactory
    Stream<DynamicTest> conversionsAndRounding() {
        Forms f = new Forms(harness);
        f.add("cvtps2pd xmm1, xmm2", 64, 300, fpState(false));
        f.add("cvtpd2ps xmm1, xmm2", 64, 400, fpState(true));
        f.add("cvtss2sd xmm1, xmm2", 64, 300, fpState(false));
        f.add("cvtsd2ss xmm1, xmm2", 64, 400, fpState(true));
        f.add("cvtps2dq xmm1, xmm2", 64, 400, fpState(false));
        f.add("cvttps2dq xmm1, xmm2", 64, 400, fpState(false));
        f.add("cvtpd2dq xmm1, xmm2", 64, 400, fpState(true));
        f.add("cvttpd2dq xmm1, xmm2", 64, 400, fpState(true));
        f.add("cvtdq2ps xmm1, xmm2", 64, 300, Forms.all(fpState(false), intState()));
        f.add("cvtdq2pd xmm1, xmm2", 64, 200, Forms.all(fpState(false), intState()));
        for (String r : new String[] {"eax", "rax"}) {
            f.add("cvtss2si " + r + ", xmm2", 64, 300, fpState(false));
            f.add("cvttss2si " + r + ", xmm2", 64, 300, fpState(false));
            f.add("cvtsd2si " + r + ", xmm2", 64, 300, fpState(true));
            f.add("cvttsd2si " + r + ", xmm2", 64, 300, fpState(true));
            f.add("cvtsi2ss xmm1, " + r, 64, 300, fpState(false));
            f.add("cvtsi2sd xmm1, " + r, 64, 300, fpState(true));
        }
        f.add("cvtsi2sd xmm1, dword ptr [rbx]", 64, 100, fpState(true));
        for (int imm : new int[] {0, 1, 2, 3, 4, 8, 9, 10, 11, 12, 0x13, 0xF6}) {
            f.add("roundps xmm1, xmm2, " + imm, 64, 150, fpState(false));
            f.add("roundpd xmm1, xmm2, " + imm, 64, 150, fpState(true));
            f.add("roundss xmm1, xmm2, " + imm, 64, 100, fpState(false));
            f.add("roundsd xmm1, xmm2, " + imm, 64, 100, fpState(true));
        }
        return f.tests();
    }

    @TestFactory
    Stream<DynamicTest> movesAndShuffles() {
        Forms f = new Forms(harness);
        Forms.Setup s = intState();
        for (String a : new String[] {
            "movaps xmm1, xmm2", "movaps xmm1, [rbx]", "movups xmm1, [rbx+3]", "movapd [rbx], xmm1", "movups [rbx+5], xmm1",
            "movss xmm1, xmm2", "movss xmm1, [rbx]", "movss [rbx+1], xmm1", "movsd xmm1, xmm2", "movsd xmm1, [rbx]",
            "movsd [rbx], xmm9", "movlps xmm1, [rbx]", "movhps xmm1, [rbx]", "movlps [rbx], xmm1", "movhps [rbx], xmm1",
            "movhlps xmm1, xmm2", "movlhps xmm1, xmm2", "movlpd xmm1, [rbx]", "movhpd xmm1, [rbx]", "movq xmm1, xmm2",
            "movq xmm1, [rbx]", "movq [rbx], xmm1", "movd xmm1, eax", "movq xmm1, rax", "movd eax, xmm1", "movq rax, xmm1",
            "movd xmm3, [rbx]", "movd [rbx], xmm3", "movdqa xmm1, [rbx]", "movdqu xmm1, [rbx+7]", "movdqu [rbx+9], xmm1",
            "lddqu xmm1, [rbx+1]", "movntdq [rbx], xmm1", "movntps [rbx], xmm1", "movnti [rbx], eax", "movnti [rbx], rax",
            "movmskps eax, xmm1", "movmskpd eax, xmm1", "pmovmskb eax, xmm1", "movddup xmm1, xmm2", "movddup xmm1, [rbx]",
            "movsldup xmm1, xmm2", "movshdup xmm1, xmm2",
            "unpcklps xmm1, xmm2", "unpckhps xmm1, xmm2", "unpcklpd xmm1, xmm2", "unpckhpd xmm1, xmm2",
            "shufps xmm1, xmm2, 0x1b", "shufps xmm1, xmm2, 0xe4", "shufpd xmm1, xmm2, 1", "shufpd xmm1, xmm2, 2",
            "pshufd xmm1, xmm2, 0x1b", "pshufhw xmm1, xmm2, 0x93", "pshuflw xmm1, xmm2, 0x4e", "pshufb xmm1, xmm2",
            "palignr xmm1, xmm2, 0", "palignr xmm1, xmm2, 5", "palignr xmm1, xmm2, 16", "palignr xmm1, xmm2, 21",
            "palignr xmm1, xmm2, 40", "blendps xmm1, xmm2, 5", "blendpd xmm1, xmm2, 2", "pblendw xmm1, xmm2, 0xa5",
            "blendvps xmm1, xmm2", "blendvpd xmm1, xmm2", "pblendvb xmm1, xmm2", "insertps xmm1, xmm2, 0x9c",
            "insertps xmm1, xmm2, 0x30", "insertps xmm1, [rbx], 0x21", "extractps eax, xmm1, 2", "extractps [rbx], xmm1, 3",
            "pextrb eax, xmm1, 9", "pextrb [rbx], xmm1, 15", "pextrw eax, xmm1, 6", "pextrw [rbx], xmm1, 3",
            "pextrd eax, xmm1, 2", "pextrq rax, xmm1, 1", "pinsrb xmm1, eax, 13", "pinsrw xmm1, eax, 5",
            "pinsrw xmm1, [rbx], 2", "pinsrd xmm1, eax, 3", "pinsrq xmm1, rax, 1", "pinsrq xmm1, [rbx], 0",
            "psllw xmm1, 3", "psrlw xmm1, 15", "psraw xmm1, 16", "pslld xmm1, 31", "psrld xmm1, 7", "psrad xmm1, 40",
            "psllq xmm1, 63", "psrlq xmm1, 1", "pslldq xmm1, 5", "psrldq xmm1, 9", "pslldq xmm1, 17",
            "pmovsxbw xmm1, xmm2", "pmovsxbd xmm1, xmm2", "pmovsxbq xmm1, xmm2", "pmovsxwd xmm1, xmm2",
            "pmovsxwq xmm1, xmm2", "pmovsxdq xmm1, xmm2", "pmovzxbw xmm1, [rbx]", "pmovzxbd xmm1, [rbx]",
            "pmovzxbq xmm1, [rbx]", "pmovzxwd xmm1, xmm2", "pmovzxwq xmm1, xmm2", "pmovzxdq xmm1, [rbx]",
            "ptest xmm1, xmm2", "phminposuw xmm1, xmm2", "mpsadbw xmm1, xmm2, 0", "mpsadbw xmm1, xmm2, 7",
            "movntdqa xmm1, [rbx]"}) {
            f.add(a, 64, 60, s);
        }
        f.add("maskmovdqu xmm1, xmm2", 64, 200, Forms.all(s, SseDiffTest::maskTarget));
        return f.tests();
    }

    @TestFactory
    Stream<DynamicTest> integerArithmetic() {
        Forms f = new Forms(harness);
        Forms.Setup s = intState();
        for (String op : new String[] {
            "paddb", "paddw", "paddd", "paddq", "psubb", "psubw", "psubd", "psubq", "paddsb", "paddsw", "paddusb",
            "paddusw", "psubsb", "psubsw", "psubusb", "psubusw", "pmullw", "pmulhw", "pmulhuw", "pmuludq", "pmaddwd",
            "psadbw", "pavgb", "pavgw", "pminub", "pmaxub", "pminsw", "pmaxsw", "pcmpeqb", "pcmpeqw", "pcmpeqd",
            "pcmpgtb", "pcmpgtw", "pcmpgtd", "pand", "pandn", "por", "pxor", "packsswb", "packssdw", "packuswb",
            "punpcklbw", "punpcklwd", "punpckldq", "punpcklqdq", "punpckhbw", "punpckhwd", "punpckhdq", "punpckhqdq",
            "psllw", "pslld", "psllq", "psrlw", "psrld", "psrlq", "psraw", "psrad",
            "phaddw", "phaddd", "phaddsw", "phsubw", "phsubd", "phsubsw", "pmaddubsw", "pmulhrsw", "psignb", "psignw",
            "psignd", "pabsb", "pabsw", "pabsd", "pmulld", "pmuldq", "pcmpeqq", "pcmpgtq", "packusdw", "pminsb",
            "pminsd", "pminuw", "pminud", "pmaxsb", "pmaxsd", "pmaxuw", "pmaxud"}) {
            f.add(op + " xmm1, xmm2", 64, 120, s);
            f.add(op + " xmm12, [rbx]", 64, 30, s);
        }
        // Shift counts from a register: small counts most of the time.
        Forms.Setup counts = Forms.all(s, (v, c) -> FxImage.putXmm(c.fx, 2, v.chance(70) ? v.nextInt(70) : v.edge(64), v.nextLong()));
        for (String op : new String[] {"psllw", "pslld", "psllq", "psrlw", "psrld", "psrlq", "psraw", "psrad"}) {
            f.add(op + " count " + op, op + " xmm1, xmm2", 64, 150, counts);
        }
        return f.tests();
    }

    @TestFactory
    Stream<DynamicTest> stringCompares() {
        Forms f = new Forms(harness);
        Forms.Setup strings = (v, c) -> {
            // Short alphabets make matches, ranges and terminators frequent.
            for (int i = 0; i < 16; i++) {
                long lo = 0;
                long hi = 0;
                for (int k = 0; k < 16; k++) {
                    long b = v.chance(10) ? 0 : v.chance(50) ? 'a' + v.nextInt(4) : v.nextInt(256);
                    if (k < 8) {
                        lo |= b << (8 * k);
                    } else {
                        hi |= b << (8 * (k - 8));
                    }
                }
                FxImage.putXmm(c.fx, i, lo, hi);
            }
            c.gpr[0] = v.chance(70) ? v.nextInt(40) - 20 : v.edge(64);
            c.gpr[2] = v.chance(70) ? v.nextInt(40) - 20 : v.edge(64);
        };
        for (int imm = 0; imm < 128; imm += 1) {
            if ((imm & 0x30) == 0x20 && (imm & 0x0C) != 0) {
                continue; // masked polarity: sampled below with a few aggregations only
            }
            if ((imm % 3) != 0 && imm > 16) {
                continue; // a spread of modes keeps the run short
            }
            f.add("pcmpistri xmm1, xmm2, " + imm, 64, 40, strings);
            f.add("pcmpestri xmm1, xmm2, " + imm, 64, 40, strings);
            f.add("pcmpistrm xmm1, xmm2, " + imm, 64, 30, strings);
            f.add("pcmpestrm xmm1, xmm2, " + imm, 64, 30, strings);
        }
        for (int imm : new int[] {0x0c, 0x44, 0x1a, 0x38}) { // REX.W: RAX/RDX lengths are 64-bit
            f.add("pcmpestriq xmm1, xmm2, " + imm, 64, 60, strings);
            f.add("pcmpestrmq xmm1, xmm2, " + imm, 64, 60, strings);
        }
        f.add("pcmpistri xmm3, [rbx+3], 0x1a", 64, 60, strings);
        return f.tests();
    }

    /** Alignment (#GP(0)) and page faults on memory operands; the destination must stay unchanged. */
    @TestFactory
    Stream<DynamicTest> memoryFaults() {
        Forms f = new Forms(harness);
        Forms.Setup misaligned = Forms.all(intState(), (v, c) -> c.gpr[3] += 1 + v.nextInt(15));
        for (String a : new String[] {"movaps xmm1, [rbx]", "movdqa [rbx], xmm1", "addps xmm1, [rbx]", "paddb xmm1, [rbx]",
            "pshufd xmm1, [rbx], 1", "movntdqa xmm1, [rbx]", "ptest xmm1, [rbx]", "cvtpd2ps xmm1, [rbx]",
            "movups xmm1, [rbx]", "lddqu xmm1, [rbx]", "addss xmm1, [rbx]", "pcmpistri xmm1, [rbx], 0", "pmovzxbw xmm1, [rbx]",
            "movsd xmm1, [rbx]", "movhps xmm1, [rbx]"}) {
            f.add("misaligned " + a, a, 64, 30, misaligned);
        }
        // Operands that straddle into the guard page (not mapped on either side).
        Forms.Setup straddle = Forms.all(intState(),
                (v, c) -> c.gpr[3] = dev.jxen.x86.difftest.Layout.GUARD_PAGE - 16 + v.nextInt(16));
        for (String a : new String[] {"movups xmm1, [rbx]", "movdqu [rbx], xmm1", "movaps [rbx], xmm1", "movq xmm1, [rbx]",
            "movhps [rbx], xmm1", "pextrd [rbx], xmm1, 1", "addsd xmm1, [rbx]", "pinsrq xmm1, [rbx], 1"}) {
            f.add("guard " + a, a, 64, 30, straddle);
        }
        return f.tests();
    }

    /** MMX forms: the x87 state is loaded and compared too (tag word, TOP and the registers). */
    @TestFactory
    Stream<DynamicTest> mmx() {
        Forms f = new Forms(harness);
        Forms.Setup s = (v, c) -> {
            c.x87 = true;
            for (int i = 0; i < 8; i++) {
                FxImage.putSt(c.fx, i, lanes(v), 0xFFFF);
            }
            c.fx[FxImage.FTW] = (byte) v.nextInt(256);
            if (v.chance(10)) { // a pending x87 exception: MMX instructions raise #MF first
                FxImage.putShort(c.fx, FxImage.FCW, 0x37E);
                FxImage.putShort(c.fx, FxImage.FSW, 0x8081); // B mirrors ES on the host
            }
            c.gpr[3] &= ~15L;
        };
        for (String op : new String[] {"paddb", "paddsw", "psubusb", "pmullw", "pmulhw", "pmaddwd", "pcmpgtb",
            "packsswb", "packuswb", "punpcklbw", "punpckhdq", "psllw", "psrad", "psrlq", "pand", "pxor", "pavgb",
            "psadbw", "pmuludq", "paddq", "pshufb", "phaddw", "pmulhrsw", "pabsb", "psignw", "pmaddubsw"}) {
            f.add(op + " mm1, mm2", 64, 60, s);
            f.add(op + " mm3, [rbx]", 64, 20, s);
        }
        for (String a : new String[] {"movq mm1, mm2", "movq mm1, [rbx]", "movq [rbx], mm1", "movd mm1, eax",
            "movq mm1, rax", "movd eax, mm1", "movq rax, mm1", "pshufw mm1, mm2, 0x1b", "psllw mm1, 3", "psrlq mm1, 40",
            "pinsrw mm1, eax, 2", "pextrw eax, mm1, 3", "pmovmskb eax, mm1", "palignr mm1, mm2, 3", "movq2dq xmm1, mm2",
            "movdq2q mm1, xmm2", "emms", "cvtpi2ps xmm1, mm2", "cvtpi2pd xmm1, mm2", "cvtps2pi mm1, xmm2",
            "cvttpd2pi mm1, xmm2", "movntq [rbx], mm1", "maskmovq mm1, mm2"}) {
            f.add(a, 64, 40, Forms.all(s, fpState(false), (v, c) -> c.x87 = true, SseDiffTest::maskTarget));
        }
        return f.tests();
    }
}
