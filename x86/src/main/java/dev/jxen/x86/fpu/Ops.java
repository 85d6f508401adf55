package dev.jxen.x86.fpu;

import dev.jxen.x86.Vectors;
import dev.jxen.x86.X86Cpu;

/** The D9 register forms: constants, sign operations, FXAM/FTST, and the numeric functions. */
final class Ops {
    private static final int F = Float80.BIAS;

    /** The constants' 64-bit significands rounded to nearest, and whether that rounding went up. */
    private static final long[] CONST_SIG = {
        Float80.J, 0xD49A784BCD1B8AFEL, 0xB8AA3B295C17F0BCL, 0xC90FDAA22168C235L, 0x9A209A84FBCFF799L,
        0xB17217F7D1CF79ACL, 0,
    };
    private static final int[] CONST_EXP = {F, F + 1, F, F + 1, F - 2, F - 1, 0};
    private static final boolean[] CONST_UP = {false, false, true, true, true, true, false};
    private static final boolean[] CONST_EXACT = {true, false, false, false, false, false, true};

    private Ops() {
    }

    static void regD9(X86Cpu c, X87 f, int reg, int rm) {
        switch (reg) {
            case 0 -> fldSt(f, rm);
            case 1 -> f.fxch(rm);
            case 2 -> {
                if (rm != 0) {
                    throw c.fault(Vectors.UD);
                }
            }
            case 3 -> { // FSTP1 alias
                if (f.empty(0)) {
                    if (f.underflow()) {
                        f.set(rm, Float80.IND_SE, Float80.IND_SIG);
                        f.pop();
                    }
                    return;
                }
                f.fsw &= ~X87.C1;
                f.set(rm, f.stSe(0), f.stSig(0));
                f.pop();
            }
            case 4 -> {
                switch (rm) {
                    case 0, 1 -> signOp(f, rm);
                    case 4 -> ftst(f);
                    case 5 -> fxam(f);
                    default -> throw c.fault(Vectors.UD);
                }
            }
            case 5 -> {
                if (rm == 7) {
                    throw c.fault(Vectors.UD);
                }
                loadConst(f, rm);
            }
            case 6 -> {
                switch (rm) {
                    case 0 -> unary(f, 0);
                    case 1 -> binaryPop(f, 0);
                    case 2 -> trigPush(f, 2);
                    case 3 -> binaryPop(f, 1);
                    case 4 -> fxtract(f);
                    case 5 -> fprem(f, true);
                    case 6 -> {
                        f.top = (f.top - 1) & 7;
                        f.fsw &= ~X87.C1;
                    }
                    default -> {
                        f.top = (f.top + 1) & 7;
                        f.fsw &= ~X87.C1;
                    }
                }
            }
            default -> {
                switch (rm) {
                    case 0 -> fprem(f, false);
                    case 1 -> binaryPop(f, 2);
                    case 2 -> unary(f, 1);
                    case 3 -> trigPush(f, 3);
                    case 4 -> unary(f, 2);
                    case 5 -> fscale(f);
                    case 6 -> unary(f, 3);
                    default -> unary(f, 4);
                }
            }
        }
    }

    private static void fldSt(X87 f, int i) {
        if (f.empty(i)) {
            if (f.underflow()) {
                if (f.pushCheck()) {
                    f.push(Float80.IND_SE, Float80.IND_SIG);
                } else {
                    f.fsw &= ~X87.C1; // underflow and overflow at once: C1 = 0 (host)
                }
            }
            return;
        }
        int se = f.stSe(i);
        long sig = f.stSig(i);
        if (f.pushCheck()) {
            f.fsw &= ~X87.C1;
            f.push(se, sig);
        }
    }

    private static void signOp(X87 f, int rm) {
        if (f.empty(0)) {
            if (f.underflow()) {
                f.set(0, Float80.IND_SE, Float80.IND_SIG);
            }
            return;
        }
        f.fsw &= ~X87.C1;
        int se = f.stSe(0);
        f.set(0, rm == 0 ? se ^ 0x8000 : se & 0x7FFF, f.stSig(0));
    }

    private static void ftst(X87 f) {
        if (f.empty(0)) {
            f.underflow();
            f.setCC(X87.C0 | X87.C2 | X87.C3);
            return;
        }
        Float80 fp = f.fp;
        fp.begin();
        int r = fp.compare(f.stSe(0), f.stSig(0), 0, 0, false);
        f.setCC(f.compareCommit() ? X87.ccFor(r) : X87.C0 | X87.C2 | X87.C3);
    }

    private static void fxam(X87 f) {
        int se = f.stSe(0);
        int cc = (se & 0x8000) != 0 ? X87.C1 : 0;
        if (f.empty(0)) {
            cc |= X87.C3 | X87.C0;
        } else {
            cc |= switch (Float80.classify(se, f.stSig(0))) {
                case Float80.ZERO -> X87.C3;
                case Float80.DENORMAL -> X87.C3 | X87.C2;
                case Float80.NORMAL -> X87.C2;
                case Float80.INF -> X87.C2 | X87.C0;
                case Float80.QNAN, Float80.SNAN -> X87.C0;
                default -> 0;
            };
        }
        f.setCC(cc);
    }

    private static void loadConst(X87 f, int k) {
        if (!f.pushCheck()) {
            return;
        }
        long sig = CONST_SIG[k];
        if (!CONST_EXACT[k]) {
            int rc = f.fp.rc;
            if (CONST_UP[k] && (rc == Float80.RC_DOWN || rc == Float80.RC_ZERO)) {
                sig--;
            } else if (!CONST_UP[k] && rc == Float80.RC_UP) {
                sig++;
            }
        }
        f.fsw &= ~X87.C1;
        f.push(CONST_EXP[k], sig);
    }

    /** Stack overflow of an instruction that replaces ST0 and pushes: both become indefinite (masked). */
    private static void overflowReplacing(X87 f) {
        if ((f.fcw & Float80.IE) != 0) {
            f.set(0, Float80.IND_SE, Float80.IND_SIG);
        }
        f.pushCheck();
    }

    /** Writes fp's result to ST(i) when commit allows. */
    private static void finish(X87 f, int i) {
        if (f.commit()) {
            f.set(i, f.fp.se, f.fp.sig);
        }
    }

    private static boolean nanOrUnsupported(Float80 fp, int se, long sig) {
        int cl = Float80.classify(se, sig);
        if (cl >= Float80.QNAN) {
            fp.propagateNaN(se, sig, cl, se, sig, cl);
            return true;
        }
        if (cl == Float80.DENORMAL) {
            fp.flags |= Float80.DE;
        }
        return false;
    }

    /** 0 F2XM1, 1 FSQRT, 2 FRNDINT, 3 FSIN, 4 FCOS. */
    private static void unary(X87 f, int which) {
        if (which >= 3) {
            f.fsw &= ~X87.C2; // FSIN/FCOS clear C2 unless the operand is out of range, even on stack underflow
        }
        if (f.empty(0)) {
            if (f.underflow()) {
                f.set(0, Float80.IND_SE, Float80.IND_SIG);
            }
            return;
        }
        Float80 fp = f.fp;
        fp.begin();
        int se = f.stSe(0);
        long sig = f.stSig(0);
        if (which == 1) {
            fp.sqrt(se, sig);
            finish(f, 0);
            return;
        }
        if (which >= 3 && !Float80.isNaN(se, sig) && tooLarge(se, sig)) {
            f.fsw = (f.fsw & ~X87.C1) | X87.C2;
            return;
        }
        if (nanOrUnsupported(fp, se, sig)) {
            finish(f, 0);
            return;
        }
        int cl = Float80.classify(se, sig);
        switch (which) {
            case 0 -> {
                if (cl == Float80.ZERO) {
                    fp.result(se, 0);
                } else if (cl == Float80.INF) {
                    fp.result(se < 0x8000 ? se : F | 0x8000, Float80.J);
                } else if (isIntegral(se, sig) && Float80.normExp(se, sig) - F < 62) {
                    int n = (int) (fp.toInt(se, sig, 32, Float80.RC_ZERO));
                    int saved = fp.prec;
                    fp.prec = 64;
                    fp.add(F + n, Float80.J, F | 0x8000, Float80.J);
                    fp.prec = saved;
                } else {
                    Transcendental.f2xm1(fp, se, sig);
                }
            }
            case 2 -> {
                if (cl == Float80.ZERO || cl == Float80.INF) {
                    fp.result(se, sig);
                } else {
                    fp.roundToIntegral(se, sig, fp.rc);
                }
            }
            default -> {
                if (cl == Float80.INF) {
                    fp.invalid();
                } else {
                    Transcendental.trig(fp, se, sig, which == 3 ? 0 : 1);
                }
            }
        }
        finish(f, 0);
    }

    /** |x| >= 2^63: FSIN/FCOS/FPTAN/FSINCOS leave it and set C2. An unnormal is an invalid operand instead. */
    static boolean tooLarge(int se, long sig) {
        int e = se & 0x7FFF;
        return e >= F + 63 && e != 0x7FFF && sig < 0;
    }

    static boolean isIntegral(int se, long sig) {
        int e = Float80.normExp(se, sig);
        int frac = F + 63 - e;
        if (frac <= 0) {
            return true;
        }
        if (frac >= 64) {
            return false;
        }
        return (Float80.normSig(sig) << (64 - frac)) == 0;
    }

    /** FPTAN (2) and FSINCOS (3): replace ST0 and push. */
    private static void trigPush(X87 f, int which) {
        f.fsw &= ~X87.C2; // cleared unless the operand is out of range, also on stack underflow and overflow
        if (f.empty(0)) {
            if (f.underflow()) {
                f.set(0, Float80.IND_SE, Float80.IND_SIG);
                if (f.pushCheck()) {
                    f.push(Float80.IND_SE, Float80.IND_SIG);
                } else {
                    f.fsw &= ~X87.C1; // underflow and overflow at once: C1 = 0 (host)
                }
            }
            return;
        }
        int se = f.stSe(0);
        long sig = f.stSig(0);
        if (!f.empty(7)) { // the stack check comes before the range check
            overflowReplacing(f);
            return;
        }
        if (!Float80.isNaN(se, sig) && tooLarge(se, sig)) {
            f.fsw = (f.fsw & ~X87.C1) | X87.C2;
            return;
        }
        Float80 fp = f.fp;
        fp.begin();
        int cl = Float80.classify(se, sig);
        int s1;
        long g1;
        int s2;
        long g2;
        if (nanOrUnsupported(fp, se, sig) || cl == Float80.INF) {
            if (cl == Float80.INF) {
                fp.invalid();
            }
            s1 = s2 = fp.se;
            g1 = g2 = fp.sig;
        } else if (which == 2) {
            Transcendental.trig(fp, se, sig, 2);
            s1 = fp.se;
            g1 = fp.sig;
            s2 = F;
            g2 = Float80.J;
        } else {
            Transcendental.trig(fp, se, sig, 0);
            s1 = fp.se;
            g1 = fp.sig;
            boolean c1a = fp.c1;
            Transcendental.trig(fp, se, sig, 1);
            s2 = fp.se;
            g2 = fp.sig;
            fp.c1 |= c1a;
        }
        if (f.commit()) {
            f.set(0, s1, g1);
            f.push(s2, g2);
        }
    }

    /** 0 FYL2X, 1 FPATAN, 2 FYL2XP1: ST(1) = f(ST(1), ST(0)), pop. */
    private static void binaryPop(X87 f, int which) {
        if (f.empty(0) || f.empty(1)) {
            if (f.underflow()) {
                f.set(1, Float80.IND_SE, Float80.IND_SIG);
                f.pop();
            }
            return;
        }
        Float80 fp = f.fp;
        fp.begin();
        int xSe = f.stSe(0);
        long xSig = f.stSig(0);
        int ySe = f.stSe(1);
        long ySig = f.stSig(1);
        int cx = Float80.classify(xSe, xSig);
        int cy = Float80.classify(ySe, ySig);
        if (cx >= Float80.QNAN || cy >= Float80.QNAN) {
            fp.propagateNaN(xSe, xSig, cx, ySe, ySig, cy);
        } else {
            if (cx == Float80.DENORMAL || cy == Float80.DENORMAL) {
                fp.flags |= Float80.DE;
            }
            switch (which) {
                case 0 -> yl2x(fp, ySe, ySig, cy, xSe, xSig, cx);
                case 1 -> atan2(fp, ySe, ySig, cy, xSe, xSig, cx);
                default -> yl2xp1(fp, ySe, ySig, cy, xSe, xSig, cx);
            }
        }
        if (f.commit()) {
            f.set(1, fp.se, fp.sig);
            f.pop();
        }
    }

    private static void signedInf(Float80 fp, int sign) {
        fp.result((sign << 15) | 0x7FFF, Float80.J);
    }

    private static void yl2x(Float80 fp, int ySe, long ySig, int cy, int xSe, long xSig, int cx) {
        int sy = (ySe >>> 15) & 1;
        if ((xSe & 0x8000) != 0 && cx != Float80.ZERO) {
            fp.flags &= ~Float80.DE; // invalid takes priority over a denormal operand
            fp.invalid();
            return;
        }
        if (cx == Float80.ZERO) {
            if (cy == Float80.ZERO) {
                fp.invalid();
                return;
            }
            if (cy != Float80.INF) {
                fp.flags = (fp.flags & ~Float80.DE) | Float80.ZE; // #Z takes priority over a denormal y
            }
            signedInf(fp, sy ^ 1);
            return;
        }
        if (cx == Float80.INF) {
            if (cy == Float80.ZERO) {
                fp.invalid();
            } else {
                signedInf(fp, sy);
            }
            return;
        }
        boolean one = (xSe & 0x7FFF) == F && xSig == Float80.J;
        int cmp1 = fp.compare(xSe, xSig, F, Float80.J, true); // x vs 1
        if (cy == Float80.INF) {
            if (one) {
                fp.invalid();
            } else {
                signedInf(fp, cmp1 == Float80.CMP_GT ? sy : sy ^ 1);
            }
            return;
        }
        if (cy == Float80.ZERO || one) {
            fp.result(((sy ^ (cmp1 == Float80.CMP_LT ? 1 : 0)) << 15), 0);
            return;
        }
        if (Float80.normSig(xSig) == Float80.J) {
            int n = Float80.normExp(xSe, xSig) - F;
            fp.fromLong(n);
            int nse = fp.se;
            long nsig = fp.sig;
            int saved = fp.prec;
            fp.prec = 64;
            fp.mul(ySe, ySig, nse, nsig);
            fp.prec = saved;
            return;
        }
        Transcendental.yl2x(fp, ySe, ySig, xSe, xSig);
    }

    private static void yl2xp1(Float80 fp, int ySe, long ySig, int cy, int xSe, long xSig, int cx) {
        int sy = (ySe >>> 15) & 1;
        int sx = (xSe >>> 15) & 1;
        if (cx == Float80.ZERO) {
            if (cy == Float80.INF) {
                fp.invalid();
            } else {
                fp.result((sx ^ sy) << 15, 0);
            }
            return;
        }
        int cmpM1 = fp.compare(xSe, xSig, F | 0x8000, Float80.J, true);
        if (cmpM1 != Float80.CMP_GT || (cx == Float80.INF)) {
            if (cx == Float80.INF && sx == 0 && cy != Float80.ZERO) {
                signedInf(fp, sy);
            } else {
                fp.invalid();
            }
            return;
        }
        if (cy == Float80.ZERO) {
            fp.result((sx ^ sy) << 15, 0);
            return;
        }
        if (cy == Float80.INF) {
            signedInf(fp, sx ^ sy);
            return;
        }
        Transcendental.yl2xp1(fp, ySe, ySig, xSe, xSig);
    }

    private static void atan2(Float80 fp, int ySe, long ySig, int cy, int xSe, long xSig, int cx) {
        int sy = (ySe >>> 15) & 1;
        int sx = (xSe >>> 15) & 1;
        java.math.BigDecimal pi = Transcendental.PI;
        java.math.BigDecimal v;
        if (cy == Float80.ZERO) {
            if (sx == 0) {
                fp.result(sy << 15, 0);
                return;
            }
            v = pi;
        } else if (cy == Float80.INF) {
            if (cx == Float80.INF) {
                v = sx == 0 ? pi.divide(java.math.BigDecimal.valueOf(4), Transcendental.MC)
                        : pi.multiply(java.math.BigDecimal.valueOf(3)).divide(java.math.BigDecimal.valueOf(4),
                                Transcendental.MC);
            } else {
                v = pi.divide(Transcendental.TWO, Transcendental.MC);
            }
        } else if (cx == Float80.ZERO) {
            v = pi.divide(Transcendental.TWO, Transcendental.MC);
        } else if (cx == Float80.INF) {
            if (sx == 0) {
                fp.result(sy << 15, 0);
                return;
            }
            v = pi;
        } else {
            Transcendental.atan2(fp, ySe, ySig, xSe, xSig);
            return;
        }
        Transcendental.round(fp, sy != 0 ? v.negate() : v, 0, 0);
    }

    private static void fscale(X87 f) {
        if (f.empty(0) || f.empty(1)) {
            if (f.underflow()) {
                f.set(0, Float80.IND_SE, Float80.IND_SIG);
            }
            return;
        }
        Float80 fp = f.fp;
        fp.begin();
        int se = f.stSe(0);
        long sig = f.stSig(0);
        int sSe = f.stSe(1);
        long sSig = f.stSig(1);
        int c0 = Float80.classify(se, sig);
        int c1 = Float80.classify(sSe, sSig);
        if (c0 >= Float80.QNAN || c1 >= Float80.QNAN) {
            fp.propagateNaN(se, sig, c0, sSe, sSig, c1);
        } else {
            if (c0 == Float80.DENORMAL || c1 == Float80.DENORMAL) {
                fp.flags |= Float80.DE;
            }
            boolean scaleNeg = (sSe & 0x8000) != 0;
            if (c1 == Float80.INF) {
                if (!scaleNeg) {
                    if (c0 == Float80.ZERO) {
                        fp.invalid();
                    } else {
                        fp.result((se & 0x8000) | 0x7FFF, Float80.J);
                    }
                } else {
                    if (c0 == Float80.INF) {
                        fp.invalid();
                    } else {
                        fp.result(se & 0x8000, 0);
                    }
                }
            } else if (c0 == Float80.ZERO || c0 == Float80.INF) {
                fp.result(se, sig);
            } else {
                int e = Float80.normExp(sSe, sSig) - F;
                long n;
                if (c1 == Float80.ZERO || e < 0) {
                    n = 0;
                } else if (e > 30) {
                    n = 1 << 20;
                } else {
                    n = Float80.normSig(sSig) >>> (63 - e);
                }
                if (scaleNeg) {
                    n = -n;
                }
                fp.roundPack64((se >>> 15) & 1, Float80.normExp(se, sig) + (int) n, Float80.normSig(sig), 0);
            }
        }
        finish(f, 0);
    }

    private static void fxtract(X87 f) {
        if (f.empty(0)) {
            if (f.underflow()) {
                f.set(0, Float80.IND_SE, Float80.IND_SIG);
                if (f.pushCheck()) {
                    f.push(Float80.IND_SE, Float80.IND_SIG);
                } else {
                    f.fsw &= ~X87.C1; // underflow and overflow at once: C1 = 0 (host)
                }
            }
            return;
        }
        if (!f.empty(7)) {
            overflowReplacing(f);
            return;
        }
        Float80 fp = f.fp;
        fp.begin();
        int se = f.stSe(0);
        long sig = f.stSig(0);
        int cl = Float80.classify(se, sig);
        int es;
        long eg;
        int ms;
        long mg;
        if (nanOrUnsupported(fp, se, sig)) {
            es = ms = fp.se;
            eg = mg = fp.sig;
        } else if (cl == Float80.ZERO) {
            fp.flags |= Float80.ZE;
            es = 0xFFFF;
            eg = Float80.J;
            ms = se;
            mg = 0;
        } else if (cl == Float80.INF) {
            es = 0x7FFF;
            eg = Float80.J;
            ms = se;
            mg = sig;
        } else {
            fp.fromLong(Float80.normExp(se, sig) - F);
            es = fp.se;
            eg = fp.sig;
            ms = (se & 0x8000) | F;
            mg = Float80.normSig(sig);
        }
        if (f.commit()) {
            f.set(0, es, eg);
            f.push(ms, mg);
        }
    }

    private static void fprem(X87 f, boolean ieee) {
        f.fsw &= ~X87.C2; // "reduction complete" unless a partial remainder is stored: also on faults (host)
        if (f.empty(0) || f.empty(1)) {
            if (f.underflow()) {
                f.set(0, Float80.IND_SE, Float80.IND_SIG);
            }
            return;
        }
        Float80 fp = f.fp;
        fp.begin();
        int aSe = f.stSe(0);
        long aSig = f.stSig(0);
        int bSe = f.stSe(1);
        long bSig = f.stSig(1);
        int ca = Float80.classify(aSe, aSig);
        int cb = Float80.classify(bSe, bSig);
        int cc = 0;
        boolean keepCc = false;
        if (ca >= Float80.QNAN || cb >= Float80.QNAN) {
            fp.propagateNaN(aSe, aSig, ca, bSe, bSig, cb);
            keepCc = true;
        } else if (ca == Float80.INF || cb == Float80.ZERO) {
            fp.invalid();
            keepCc = true;
        } else {
            if (ca == Float80.DENORMAL || cb == Float80.DENORMAL) {
                fp.flags |= Float80.DE;
            }
            if (ca == Float80.ZERO || cb == Float80.INF) {
                // ST0 is the result; a pseudo-denormal (exponent 0, J set) comes out with exponent 1, as on the host
                fp.result((aSe & 0x7FFF) == 0 && aSig < 0 ? aSe + 1 : aSe, aSig);
            } else {
                cc = remainder(fp, aSe, aSig, bSe, bSig, ieee);
            }
        }
        if (keepCc) { // a NaN result leaves the quotient bits as they were (host behaviour)
            cc = f.fsw & (X87.C0 | X87.C3);
        }
        fp.c1 = (cc & X87.C1) != 0;
        if (f.commit()) {
            f.set(0, fp.se, fp.sig);
            f.fsw = (f.fsw & ~(X87.C0 | X87.C2 | X87.C3 | X87.C1)) | cc;
        }
    }

    /** Exact (partial) remainder into fp; returns the condition bits (quotient bits or C2). */
    private static int remainder(Float80 fp, int aSe, long aSig, int bSe, long bSig, boolean ieee) {
        int ea = Float80.normExp(aSe, aSig);
        int eb = Float80.normExp(bSe, bSig);
        long a = Float80.normSig(aSig);
        long b = Float80.normSig(bSig);
        int sign = (aSe >>> 15) & 1;
        int d = ea - eb;
        if (d < 0) {
            // |a| < |b|: quotient 0; FPREM1 may still round the quotient to 1.
            if (ieee && d == -1 && Long.compareUnsigned(a, b) > 0) {
                // |a| > |b|/2: the quotient rounds to 1 and r = a - b = -(2b - a) in a's units
                normalizeExact(fp, sign ^ 1, ea, b + (b - a));
                return X87.C1;
            }
            normalizeExact(fp, sign, ea, a); // a tiny dividend still goes through the underflow response
            return 0;
        }
        int steps = d;
        boolean partial = d >= 64;
        if (partial) {
            steps = 32 + (d % 32);
            // reduce by b * 2^(d - steps): same loop over 'steps' bits
        }
        long rem = a;
        long q = 0;
        if (Long.compareUnsigned(rem, b) >= 0) {
            rem -= b;
            q = 1;
        }
        for (int i = 0; i < steps; i++) {
            boolean top = rem < 0;
            rem <<= 1;
            q <<= 1;
            if (top || Long.compareUnsigned(rem, b) >= 0) {
                rem -= b;
                q |= 1;
            }
        }
        int resultExp = partial ? ea - steps : eb; // rem is scaled like b (or like a * 2^-steps)
        int rsign = sign;
        if (!partial && ieee && rem != 0) {
            // round the quotient to nearest: compare 2*rem with b
            int cmp = rem < 0 ? 1 : Long.compareUnsigned(rem << 1, b);
            if (cmp > 0 || (cmp == 0 && (q & 1) != 0)) {
                rem = b - rem;
                q++;
                rsign ^= 1;
            }
        }
        if (rem == 0) {
            fp.result(sign << 15, 0);
        } else {
            normalizeExact(fp, rsign, resultExp, rem);
        }
        if (partial) {
            return X87.C2;
        }
        int cc = 0;
        if ((q & 1) != 0) {
            cc |= X87.C1;
        }
        if ((q & 2) != 0) {
            cc |= X87.C3;
        }
        if ((q & 4) != 0) {
            cc |= X87.C0;
        }
        return cc;
    }

    /** Stores m/2^63 * 2^(e - BIAS) (exact, m unnormalized) into fp. */
    private static void normalizeExact(Float80 fp, int sign, int e, long m) {
        int lz = Long.numberOfLeadingZeros(m);
        int saved = fp.prec;
        fp.prec = 64;
        boolean c1 = fp.c1;
        fp.roundPack(sign, e - lz, m << lz, 0);
        fp.c1 = c1;
        fp.prec = saved;
    }
}
