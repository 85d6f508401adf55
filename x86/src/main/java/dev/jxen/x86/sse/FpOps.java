package dev.jxen.x86.sse;

import dev.jxen.x86.Decoder;
import dev.jxen.x86.Flags;
import dev.jxen.x86.Vectors;
import dev.jxen.x86.X86Cpu;

/**
 * The floating-point SSE instructions: packed and scalar arithmetic, compares, conversions,
 * horizontal and dot products, rounding, FP shuffles and blends. Every instruction computes its
 * result first, commits the MXCSR flags (which may fault) and only then writes its destination.
 */
final class FpOps {
    private static final long M32 = 0xFFFF_FFFFL;
    private static final long HI32 = 0xFFFF_FFFF_0000_0000L;

    private FpOps() {
    }

    // ------------------------------------------------------------------ lane helpers

    /** Binary operation {@code k} (the 0F opcode: 58 add, 59 mul, 5C sub, 5D min, 5E div, 5F max). */
    static long bin(SoftFp f, int k, long a, long b, boolean d) {
        return switch (k) {
            case 0x58 -> f.add(a, b, d);
            case 0x59 -> f.mul(a, b, d);
            case 0x5C -> f.sub(a, b, d);
            case 0x5D -> f.minMax(a, b, d, false);
            case 0x5E -> f.div(a, b, d);
            default -> f.minMax(a, b, d, true);
        };
    }

    /** Unary operation {@code k} on the source: 51 sqrt, 52 rsqrt, 53 rcp. */
    static long unary(SoftFp f, int k, long b, boolean d) {
        return switch (k) {
            case 0x51 -> f.sqrt(b, d);
            case 0x52 -> approx(b, true);
            default -> approx(b, false);
        };
    }

    /** Two float lanes of a 64-bit word through operation {@code k}. */
    private static long ps(SoftFp f, int k, long a, long b) {
        long lo = bin(f, k, a & M32, b & M32, false);
        long hi = bin(f, k, a >>> 32, b >>> 32, false);
        return (lo & M32) | (hi << 32);
    }

    private static long psUnary(SoftFp f, int k, long b) {
        return (unary(f, k, b & M32, false) & M32) | (unary(f, k, b >>> 32, false) << 32);
    }

    /**
     * RCPPS/RSQRTPS approximations as the reference hardware computes them: the input's top 11
     * (RCP) or 10 plus the exponent's parity (RSQRT) significand bits select an interval; the
     * result is 1/x (1/sqrt(x)) at the interval's midpoint rounded to 12 significant bits, scaled
     * by the exponent. Denormal inputs count as zero, tiny results flush to zero, no flags.
     * Significands (with the hidden bit, 13 bits) by interval index:
     */
    private static final short[] RCP = new short[2048];
    /** Index: exponent parity (odd: 1024) + top 10 significand bits. */
    private static final short[] RSQRT = new short[2048];

    static {
        for (int i = 0; i < 2048; i++) {
            double q = 1 / (1 + (i + 0.5) / 2048); // in (0.5, 1)
            RCP[i] = (short) Math.rint(q * 8192);
        }
        for (int i = 0; i < 1024; i++) {
            double even = 1 / Math.sqrt(1 + (i + 0.5) / 1024); // x in [1, 2): in (0.707, 1)
            double odd = 1 / Math.sqrt((1 + (i + 0.5) / 1024) * 0.5); // x in [0.5, 1): in (1, 1.414)
            RSQRT[i] = (short) Math.rint(even * 8192);
            RSQRT[1024 + i] = (short) Math.rint(odd * 4096);
        }
    }

    private static long approx(long x, boolean rsqrt) {
        int cls = SoftFp.classify(x, false);
        boolean neg = (x & 0x8000_0000L) != 0;
        if (cls >= SoftFp.QNAN) {
            return x | 0x40_0000L;
        }
        if (cls == SoftFp.ZERO || SoftFp.isDenormal(x, false)) {
            return (neg ? 0x8000_0000L : 0) | 0x7F80_0000L;
        }
        if (rsqrt && neg) {
            return 0xFFC0_0000L;
        }
        if (cls == SoftFp.INF) {
            return neg ? 0x8000_0000L : 0;
        }
        int e = (int) ((x >>> 23) & 0xFF) - 127;
        int m = (int) (x & 0x7F_FFFF);
        double r;
        if (rsqrt) {
            boolean oddExp = (e & 1) != 0;
            int sig = RSQRT[(oddExp ? 1024 : 0) + (m >>> 13)];
            // x = M * 2^e; odd e: x = (M/2) * 2^(e+1), and the odd table covers M/2.
            int half = oddExp ? (e + 1) / 2 : e / 2;
            r = Math.scalb((double) sig, -half - (oddExp ? 12 : 13));
        } else {
            r = Math.scalb((double) RCP[m >>> 12], -e - 13);
        }
        if (r < 0x1p-126) {
            return neg ? 0x8000_0000L : 0;
        }
        long bits = Float.floatToRawIntBits((float) r) & 0xFFFF_FFFFL;
        return neg ? bits | 0x8000_0000L : bits;
    }

    // ------------------------------------------------------------------ 0F 50..5F

    static void arith5x(X86Cpu c, Sse s, int op, int pfx) {
        Sse.checkSse(c);
        int d = c.modrmReg();
        switch (op) {
            case 0x50 -> {
                if (!c.rmIsReg() || pfx >= Sse.PFX_F3) {
                    throw c.fault(Vectors.UD);
                }
                int r = c.modrmRm();
                long lo = s.xmm[2 * r];
                long hi = s.xmm[2 * r + 1];
                long m = pfx == Sse.PFX_66 ? (lo >>> 63) | (hi >>> 63) << 1
                        : (lo >>> 31 & 1) | (lo >>> 63) << 1 | (hi >>> 31 & 1) << 2 | (hi >>> 63) << 3;
                c.gpr[d] = m;
            }
            case 0x54, 0x55, 0x56, 0x57 -> {
                if (pfx >= Sse.PFX_F3) {
                    throw c.fault(Vectors.UD);
                }
                s.loadRm128(c, true);
                long a0 = s.xmm[2 * d];
                long a1 = s.xmm[2 * d + 1];
                switch (op) {
                    case 0x54 -> s.setXmm(d, a0 & s.s0, a1 & s.s1);
                    case 0x55 -> s.setXmm(d, ~a0 & s.s0, ~a1 & s.s1);
                    case 0x56 -> s.setXmm(d, a0 | s.s0, a1 | s.s1);
                    default -> s.setXmm(d, a0 ^ s.s0, a1 ^ s.s1);
                }
            }
            case 0x5A -> convert5A(c, s, d, pfx);
            case 0x5B -> convert5B(c, s, d, pfx);
            default -> arith(c, s, op, d, pfx);
        }
    }

    private static void arith(X86Cpu c, Sse s, int op, int d, int pfx) {
        boolean dbl = pfx == Sse.PFX_66 || pfx == Sse.PFX_F2;
        if ((op == 0x52 || op == 0x53) && dbl) {
            throw c.fault(Vectors.UD);
        }
        boolean unary = op <= 0x53;
        SoftFp f = s.fp;
        if (pfx >= Sse.PFX_F3) {
            long b = dbl ? s.loadRm64(c) : s.loadRm32(c);
            long a = s.xmm[2 * d];
            f.begin(s.mxcsr);
            long r;
            if (dbl) {
                r = unary ? unary(f, op, b, true) : bin(f, op, a, b, true);
            } else {
                r = unary ? unary(f, op, b, false) : bin(f, op, a & M32, b, false);
                r = (a & HI32) | (r & M32);
            }
            s.commitFp(c);
            s.xmm[2 * d] = r;
            return;
        }
        s.loadRm128(c, true);
        long a0 = s.xmm[2 * d];
        long a1 = s.xmm[2 * d + 1];
        f.begin(s.mxcsr);
        long r0;
        long r1;
        if (dbl) {
            r0 = unary ? unary(f, op, s.s0, true) : bin(f, op, a0, s.s0, true);
            r1 = unary ? unary(f, op, s.s1, true) : bin(f, op, a1, s.s1, true);
        } else {
            r0 = unary ? psUnary(f, op, s.s0) : ps(f, op, a0, s.s0);
            r1 = unary ? psUnary(f, op, s.s1) : ps(f, op, a1, s.s1);
        }
        s.commitFp(c);
        s.setXmm(d, r0, r1);
    }

    private static void convert5A(X86Cpu c, Sse s, int d, int pfx) {
        SoftFp f = s.fp;
        switch (pfx) {
            case Sse.PFX_NONE -> { // CVTPS2PD xmm, xmm/m64
                long b = s.loadRm64(c);
                f.begin(s.mxcsr);
                long r0 = f.floatToDouble(b & M32);
                long r1 = f.floatToDouble(b >>> 32);
                s.commitFp(c);
                s.setXmm(d, r0, r1);
            }
            case Sse.PFX_66 -> { // CVTPD2PS
                s.loadRm128(c, true);
                f.begin(s.mxcsr);
                long r0 = f.doubleToFloat(s.s0);
                long r1 = f.doubleToFloat(s.s1);
                s.commitFp(c);
                s.setXmm(d, (r0 & M32) | (r1 << 32), 0);
            }
            case Sse.PFX_F3 -> { // CVTSS2SD
                long b = s.loadRm32(c);
                f.begin(s.mxcsr);
                long r = f.floatToDouble(b);
                s.commitFp(c);
                s.xmm[2 * d] = r;
            }
            default -> { // CVTSD2SS
                long b = s.loadRm64(c);
                f.begin(s.mxcsr);
                long r = f.doubleToFloat(b);
                s.commitFp(c);
                s.xmm[2 * d] = (s.xmm[2 * d] & HI32) | (r & M32);
            }
        }
    }

    private static void convert5B(X86Cpu c, Sse s, int d, int pfx) {
        if (pfx == Sse.PFX_F2) {
            throw c.fault(Vectors.UD);
        }
        s.loadRm128(c, true);
        SoftFp f = s.fp;
        f.begin(s.mxcsr);
        long[] t = s.tmp;
        for (int i = 0; i < 4; i++) {
            long v = dword(s.s0, s.s1, i);
            t[i] = pfx == Sse.PFX_NONE ? f.fromInt((int) v, false) : f.toInt(v, false, 32, pfx == Sse.PFX_F3);
        }
        s.commitFp(c);
        s.setXmm(d, (t[0] & M32) | (t[1] << 32), (t[2] & M32) | (t[3] << 32));
    }

    // ------------------------------------------------------------------ 0F 2A..2F

    static void convertCompare2x(X86Cpu c, Sse s, int op, int pfx) {
        Sse.checkSse(c);
        switch (op) {
            case 0x2A -> cvtToFp(c, s, pfx);
            case 0x2C, 0x2D -> cvtToInt(c, s, pfx, op == 0x2C);
            case 0x2E, 0x2F -> comi(c, s, pfx, op == 0x2F);
            default -> throw c.fault(Vectors.UD);
        }
    }

    private static void cvtToFp(X86Cpu c, Sse s, int pfx) {
        int d = c.modrmReg();
        SoftFp f = s.fp;
        if (pfx <= Sse.PFX_66) { // CVTPI2PS / CVTPI2PD xmm, mm/m64
            boolean mmxReg = c.rmIsReg();
            if (mmxReg) {
                Sse.checkMmx(c); // #MF, then the MMX transition, only for a register source
            }
            long b = Sse.loadMmxRm(c);
            f.begin(s.mxcsr);
            long r0;
            long r1;
            if (pfx == Sse.PFX_66) {
                r0 = f.fromInt((int) b, true);
                r1 = f.fromInt((int) (b >>> 32), true);
            } else {
                r0 = (f.fromInt((int) b, false) & M32) | (f.fromInt((int) (b >>> 32), false) << 32);
                r1 = s.xmm[2 * d + 1];
            }
            s.commitFp(c);
            s.setXmm(d, r0, r1);
            return;
        }
        boolean w = (c.attr & Decoder.A_REXW) != 0;
        long v = c.readRm(w ? X86Cpu.S64 : X86Cpu.S32);
        if (!w) {
            v = (int) v;
        }
        f.begin(s.mxcsr);
        long r = f.fromInt(v, pfx == Sse.PFX_F2);
        s.commitFp(c);
        s.xmm[2 * d] = pfx == Sse.PFX_F2 ? r : (s.xmm[2 * d] & HI32) | (r & M32);
    }

    private static void cvtToInt(X86Cpu c, Sse s, int pfx, boolean truncate) {
        int d = c.modrmReg();
        SoftFp f = s.fp;
        if (pfx <= Sse.PFX_66) { // CVT(T)PS2PI / CVT(T)PD2PI mm, xmm/m
            Sse.checkMmx(c);
            long r0;
            long r1;
            if (pfx == Sse.PFX_66) {
                s.loadRm128(c, true);
                f.begin(s.mxcsr);
                r0 = f.toInt(s.s0, true, 32, truncate);
                r1 = f.toInt(s.s1, true, 32, truncate);
            } else {
                long b = s.loadRm64(c);
                f.begin(s.mxcsr);
                r0 = f.toInt(b & M32, false, 32, truncate);
                r1 = f.toInt(b >>> 32, false, 32, truncate);
            }
            s.commitFp(c);
            c.x87.mmxWrite(d & 7, (r0 & M32) | (r1 << 32));
            return;
        }
        boolean dbl = pfx == Sse.PFX_F2;
        long b = dbl ? s.loadRm64(c) : s.loadRm32(c);
        boolean w = (c.attr & Decoder.A_REXW) != 0;
        f.begin(s.mxcsr);
        long r = f.toInt(b, dbl, w ? 64 : 32, truncate);
        s.commitFp(c);
        c.setReg(w ? X86Cpu.S64 : X86Cpu.S32, d, r);
    }

    private static void comi(X86Cpu c, Sse s, int pfx, boolean signalQnan) {
        if (pfx >= Sse.PFX_F3) {
            throw c.fault(Vectors.UD);
        }
        boolean dbl = pfx == Sse.PFX_66;
        long b = dbl ? s.loadRm64(c) : s.loadRm32(c);
        long a = s.xmm[2 * c.modrmReg()];
        if (!dbl) {
            a &= M32;
        }
        SoftFp f = s.fp;
        f.begin(s.mxcsr);
        long fl = f.comi(a, b, dbl, signalQnan);
        s.commitFp(c);
        Flags.setArith(c, fl);
    }

    // ------------------------------------------------------------------ C2, C6

    static void cmpShuf(X86Cpu c, Sse s, int op, int pfx) {
        Sse.checkSse(c);
        int d = c.modrmReg();
        int imm = (int) c.imm & 0xFF;
        SoftFp f = s.fp;
        if (op == 0xC6) {
            if (pfx >= Sse.PFX_F3) {
                throw c.fault(Vectors.UD);
            }
            s.loadRm128(c, true);
            long a0 = s.xmm[2 * d];
            long a1 = s.xmm[2 * d + 1];
            if (pfx == Sse.PFX_66) {
                s.setXmm(d, (imm & 1) != 0 ? a1 : a0, (imm & 2) != 0 ? s.s1 : s.s0);
            } else {
                long lo = dword(a0, a1, imm & 3) | dword(a0, a1, (imm >>> 2) & 3) << 32;
                long hi = dword(s.s0, s.s1, (imm >>> 4) & 3) | dword(s.s0, s.s1, (imm >>> 6) & 3) << 32;
                s.setXmm(d, lo, hi);
            }
            return;
        }
        int pred = imm & 7;
        boolean dbl = pfx == Sse.PFX_66 || pfx == Sse.PFX_F2;
        if (pfx >= Sse.PFX_F3) {
            long b = dbl ? s.loadRm64(c) : s.loadRm32(c);
            long a = s.xmm[2 * d];
            f.begin(s.mxcsr);
            long r;
            if (dbl) {
                r = f.cmp(a, b, true, pred) ? -1L : 0;
            } else {
                r = (a & HI32) | (f.cmp(a & M32, b, false, pred) ? M32 : 0);
            }
            s.commitFp(c);
            s.xmm[2 * d] = r;
            return;
        }
        s.loadRm128(c, true);
        long a0 = s.xmm[2 * d];
        long a1 = s.xmm[2 * d + 1];
        f.begin(s.mxcsr);
        long r0;
        long r1;
        if (dbl) {
            r0 = f.cmp(a0, s.s0, true, pred) ? -1L : 0;
            r1 = f.cmp(a1, s.s1, true, pred) ? -1L : 0;
        } else {
            r0 = cmpPs(f, a0, s.s0, pred);
            r1 = cmpPs(f, a1, s.s1, pred);
        }
        s.commitFp(c);
        s.setXmm(d, r0, r1);
    }

    private static long cmpPs(SoftFp f, long a, long b, int pred) {
        long lo = f.cmp(a & M32, b & M32, false, pred) ? M32 : 0;
        long hi = f.cmp(a >>> 32, b >>> 32, false, pred) ? HI32 : 0;
        return lo | hi;
    }

    /** Dword {@code i} (0..3) of the 128-bit value lo:hi. */
    static long dword(long lo, long hi, int i) {
        long q = i < 2 ? lo : hi;
        return (i & 1) == 0 ? q & M32 : q >>> 32;
    }

    // ------------------------------------------------------------------ SSE3 horizontal, ADDSUB

    static void horizontal(X86Cpu c, Sse s, int op, int pfx) {
        if (pfx != Sse.PFX_66 && pfx != Sse.PFX_F2) {
            throw c.fault(Vectors.UD);
        }
        Sse.checkSse(c);
        int d = c.modrmReg();
        int k = op == 0x7C ? 0x58 : 0x5C;
        s.loadRm128(c, true);
        long a0 = s.xmm[2 * d];
        long a1 = s.xmm[2 * d + 1];
        SoftFp f = s.fp;
        f.begin(s.mxcsr);
        long r0;
        long r1;
        if (pfx == Sse.PFX_66) {
            r0 = bin(f, k, a0, a1, true);
            r1 = bin(f, k, s.s0, s.s1, true);
        } else {
            r0 = (bin(f, k, a0 & M32, a0 >>> 32, false) & M32) | bin(f, k, a1 & M32, a1 >>> 32, false) << 32;
            r1 = (bin(f, k, s.s0 & M32, s.s0 >>> 32, false) & M32) | bin(f, k, s.s1 & M32, s.s1 >>> 32, false) << 32;
        }
        s.commitFp(c);
        s.setXmm(d, r0, r1);
    }

    static void addsub(X86Cpu c, Sse s, int pfx) {
        if (pfx != Sse.PFX_66 && pfx != Sse.PFX_F2) {
            throw c.fault(Vectors.UD);
        }
        Sse.checkSse(c);
        int d = c.modrmReg();
        s.loadRm128(c, true);
        long a0 = s.xmm[2 * d];
        long a1 = s.xmm[2 * d + 1];
        SoftFp f = s.fp;
        f.begin(s.mxcsr);
        long r0;
        long r1;
        if (pfx == Sse.PFX_66) {
            r0 = f.sub(a0, s.s0, true);
            r1 = f.add(a1, s.s1, true);
        } else {
            r0 = (f.sub(a0 & M32, s.s0 & M32, false) & M32) | f.add(a0 >>> 32, s.s0 >>> 32, false) << 32;
            r1 = (f.sub(a1 & M32, s.s1 & M32, false) & M32) | f.add(a1 >>> 32, s.s1 >>> 32, false) << 32;
        }
        s.commitFp(c);
        s.setXmm(d, r0, r1);
    }

    // ------------------------------------------------------------------ E6 conversions

    static void cvtE6(X86Cpu c, Sse s, int pfx) {
        if (pfx == Sse.PFX_NONE) {
            throw c.fault(Vectors.UD);
        }
        Sse.checkSse(c);
        int d = c.modrmReg();
        SoftFp f = s.fp;
        if (pfx == Sse.PFX_F3) { // CVTDQ2PD xmm, xmm/m64
            long b = s.loadRm64(c);
            f.begin(s.mxcsr);
            long r0 = f.fromInt((int) b, true);
            long r1 = f.fromInt((int) (b >>> 32), true);
            s.commitFp(c);
            s.setXmm(d, r0, r1);
            return;
        }
        s.loadRm128(c, true);
        boolean truncate = pfx == Sse.PFX_66;
        f.begin(s.mxcsr);
        long r0 = f.toInt(s.s0, true, 32, truncate);
        long r1 = f.toInt(s.s1, true, 32, truncate);
        s.commitFp(c);
        s.setXmm(d, (r0 & M32) | (r1 << 32), 0);
    }

    // ------------------------------------------------------------------ SSE4.1

    static void blendv(X86Cpu c, Sse s, int op, int pfx) {
        if (pfx != Sse.PFX_66) {
            throw c.fault(Vectors.UD);
        }
        Sse.checkSse(c);
        int d = c.modrmReg();
        s.loadRm128(c, true);
        long m0 = s.xmm[0];
        long m1 = s.xmm[1];
        long sel0;
        long sel1;
        if (op == 0x15) {
            sel0 = m0 >> 63;
            sel1 = m1 >> 63;
        } else {
            sel0 = ((m0 >> 63) & HI32) | (((long) ((int) m0 >> 31)) & M32);
            sel1 = ((m1 >> 63) & HI32) | (((long) ((int) m1 >> 31)) & M32);
        }
        long a0 = s.xmm[2 * d];
        long a1 = s.xmm[2 * d + 1];
        s.setXmm(d, (a0 & ~sel0) | (s.s0 & sel0), (a1 & ~sel1) | (s.s1 & sel1));
    }

    static void execute0F3A(X86Cpu c, Sse s, int op, int pfx) {
        if (pfx != Sse.PFX_66) {
            throw c.fault(Vectors.UD);
        }
        Sse.checkSse(c);
        int d = c.modrmReg();
        int imm = (int) c.imm & 0xFF;
        switch (op) {
            case 0x08, 0x09, 0x0A, 0x0B -> round(c, s, op, d, imm);
            case 0x0C, 0x0D -> {
                s.loadRm128(c, true);
                long m0;
                long m1;
                if (op == 0x0D) {
                    m0 = (imm & 1) != 0 ? -1L : 0;
                    m1 = (imm & 2) != 0 ? -1L : 0;
                } else {
                    m0 = ((imm & 1) != 0 ? M32 : 0) | ((imm & 2) != 0 ? HI32 : 0);
                    m1 = ((imm & 4) != 0 ? M32 : 0) | ((imm & 8) != 0 ? HI32 : 0);
                }
                long a0 = s.xmm[2 * d];
                long a1 = s.xmm[2 * d + 1];
                s.setXmm(d, (a0 & ~m0) | (s.s0 & m0), (a1 & ~m1) | (s.s1 & m1));
            }
            case 0x17 -> { // EXTRACTPS r/m32, xmm, imm8
                long v = dword(s.xmm[2 * d], s.xmm[2 * d + 1], imm & 3);
                c.writeRm(X86Cpu.S32, v);
            }
            case 0x21 -> insertps(c, s, d, imm);
            case 0x40 -> dpps(c, s, d, imm);
            default -> dppd(c, s, d, imm);
        }
    }

    private static void round(X86Cpu c, Sse s, int op, int d, int imm) {
        SoftFp f = s.fp;
        int mode = (imm & 4) != 0 ? (s.mxcsr >>> 13) & 3 : imm & 3;
        boolean noPe = (imm & 8) != 0;
        if (op >= 0x0A) {
            boolean dbl = op == 0x0B;
            long b = dbl ? s.loadRm64(c) : s.loadRm32(c);
            f.begin(s.mxcsr);
            long r = f.roundToIntegral(b, dbl, mode, noPe);
            s.commitFp(c);
            s.xmm[2 * d] = dbl ? r : (s.xmm[2 * d] & HI32) | (r & M32);
            return;
        }
        s.loadRm128(c, true);
        f.begin(s.mxcsr);
        long r0;
        long r1;
        if (op == 0x09) {
            r0 = f.roundToIntegral(s.s0, true, mode, noPe);
            r1 = f.roundToIntegral(s.s1, true, mode, noPe);
        } else {
            r0 = (f.roundToIntegral(s.s0 & M32, false, mode, noPe) & M32)
                    | f.roundToIntegral(s.s0 >>> 32, false, mode, noPe) << 32;
            r1 = (f.roundToIntegral(s.s1 & M32, false, mode, noPe) & M32)
                    | f.roundToIntegral(s.s1 >>> 32, false, mode, noPe) << 32;
        }
        s.commitFp(c);
        s.setXmm(d, r0, r1);
    }

    private static void insertps(X86Cpu c, Sse s, int d, int imm) {
        long v;
        if (c.rmIsReg()) {
            int r = c.modrmRm();
            v = dword(s.xmm[2 * r], s.xmm[2 * r + 1], imm >>> 6);
        } else {
            v = c.mmu.read32(c.ea()) & M32;
        }
        long[] t = s.tmp;
        long a0 = s.xmm[2 * d];
        long a1 = s.xmm[2 * d + 1];
        for (int i = 0; i < 4; i++) {
            t[i] = dword(a0, a1, i);
        }
        t[(imm >>> 4) & 3] = v;
        for (int i = 0; i < 4; i++) {
            if ((imm & (1 << i)) != 0) {
                t[i] = 0;
            }
        }
        s.setXmm(d, t[0] | t[1] << 32, t[2] | t[3] << 32);
    }

    private static void dpps(X86Cpu c, Sse s, int d, int imm) {
        s.loadRm128(c, true);
        long a0 = s.xmm[2 * d];
        long a1 = s.xmm[2 * d + 1];
        SoftFp f = s.fp;
        f.begin(s.mxcsr);
        long[] p = s.tmp;
        for (int i = 0; i < 4; i++) {
            p[i] = (imm & (0x10 << i)) != 0 ? f.mul(dword(a0, a1, i), dword(s.s0, s.s1, i), false) : 0;
        }
        s.commitFpStage(c);
        // The hardware adds in a different order for each destination lane (visible in which NaN wins).
        long t0 = f.add(p[1], p[0], false);
        long t1 = f.add(p[0], p[1], false);
        long t2 = f.add(p[3], p[2], false);
        long t3 = f.add(p[2], p[3], false);
        long u0 = f.add(t0, t2, false);
        long u1 = f.add(t1, t3, false);
        long u2 = f.add(t2, t0, false);
        long u3 = f.add(t3, t1, false);
        s.commitFp(c);
        long r0 = ((imm & 1) != 0 ? u0 : 0) | ((imm & 2) != 0 ? u1 << 32 : 0);
        long r1 = ((imm & 4) != 0 ? u2 : 0) | ((imm & 8) != 0 ? u3 << 32 : 0);
        s.setXmm(d, r0, r1);
    }

    private static void dppd(X86Cpu c, Sse s, int d, int imm) {
        s.loadRm128(c, true);
        long a0 = s.xmm[2 * d];
        long a1 = s.xmm[2 * d + 1];
        SoftFp f = s.fp;
        f.begin(s.mxcsr);
        long p0 = (imm & 0x10) != 0 ? f.mul(a0, s.s0, true) : 0;
        long p1 = (imm & 0x20) != 0 ? f.mul(a1, s.s1, true) : 0;
        s.commitFpStage(c);
        long t0 = f.add(p0, p1, true);
        long t1 = f.add(p1, p0, true); // the high lane adds in the other order (which NaN wins)
        s.commitFp(c);
        s.setXmm(d, (imm & 1) != 0 ? t0 : 0, (imm & 2) != 0 ? t1 : 0);
    }
}
