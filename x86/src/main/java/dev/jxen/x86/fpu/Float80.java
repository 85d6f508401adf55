package dev.jxen.x86.fpu;

/**
 * Exact soft-float for the x87's 80-bit extended format. A value is a pair: {@code se} (sign in
 * bit 15, biased exponent in bits 0..14) and {@code sig} (the 64-bit significand with its explicit
 * integer bit). One instance per FPU holds the rounding control, precision, exception masks and the
 * result of the last operation ({@link #se}, {@link #sig}, {@link #flags}, {@link #c1}), so the
 * common path allocates nothing.
 *
 * <p>Internally a finite value is {@code (-1)^sign * m / 2^63 * 2^(e - BIAS)} with {@code m}
 * normalized (bit 63 set) and {@code e} an unbounded biased exponent; denormals normalize to
 * {@code e <= 0}. Rounding follows the x87: tininess after rounding, denormal results rounded at
 * the fixed precision position, masked overflow to infinity or the largest finite value per RC,
 * unmasked overflow/underflow returning the result with the exponent biased by 24576.
 */
final class Float80 {
    static final int IE = 1, DE = 2, ZE = 4, OE = 8, UE = 0x10, PE = 0x20;
    static final int BIAS = 16383;
    static final int EMAX = 0x7FFE;
    static final int WRAP = 24576;
    static final long J = 1L << 63;
    static final long QUIET = 1L << 62;
    /** The real indefinite (default NaN). */
    static final int IND_SE = 0xFFFF;
    static final long IND_SIG = 0xC000_0000_0000_0000L;

    static final int RC_NEAREST = 0, RC_DOWN = 1, RC_UP = 2, RC_ZERO = 3;

    // Operand classes.
    static final int ZERO = 0, DENORMAL = 1, NORMAL = 2, INF = 3, QNAN = 4, SNAN = 5, UNSUPPORTED = 6;

    /** Rounding control (FCW.RC). */
    int rc;
    /** Significand bits for + - * / sqrt (FCW.PC: 24, 53 or 64). */
    int prec = 64;
    /** FCW exception mask bits (low six). */
    int masks = 0x3F;

    /** Exceptions raised by the last operation (FSW positions). */
    int flags;
    /** The last rounding increased the magnitude (FSW.C1 after arithmetic). */
    boolean c1;
    /** Result of the last operation. */
    int se;
    long sig;

    // Scratch for 128-bit shifts.
    private long hi, lo;

    void setControl(int fcw) {
        rc = (fcw >>> 10) & 3;
        int pc = (fcw >>> 8) & 3;
        prec = pc == 0 ? 24 : pc == 2 ? 53 : 64;
        masks = fcw & 0x3F;
    }

    void begin() {
        flags = 0;
        c1 = false;
    }

    // ---------------------------------------------------------------- classification

    static int classify(int se, long sig) {
        int e = se & 0x7FFF;
        if (e == 0) {
            return sig == 0 ? ZERO : DENORMAL;
        }
        if (sig >= 0) {
            return UNSUPPORTED; // unnormal, pseudo-infinity, pseudo-NaN
        }
        if (e == 0x7FFF) {
            if (sig == J) {
                return INF;
            }
            return (sig & QUIET) != 0 ? QNAN : SNAN;
        }
        return NORMAL;
    }

    static boolean isNaN(int se, long sig) {
        return (se & 0x7FFF) == 0x7FFF && (sig << 1) != 0;
    }

    static boolean isSignaling(int se, long sig) {
        return (se & 0x7FFF) == 0x7FFF && sig < 0 && (sig & QUIET) == 0 && (sig << 2) != 0;
    }

    /** Normalized biased exponent of a finite nonzero value (denormals give e <= 0). */
    static int normExp(int se, long sig) {
        int e = se & 0x7FFF;
        if (e == 0) {
            return 1 - Long.numberOfLeadingZeros(sig);
        }
        return e;
    }

    /** Normalized significand of a finite nonzero value. */
    static long normSig(long sig) {
        return sig << Long.numberOfLeadingZeros(sig);
    }

    void result(int s, long m) {
        se = s;
        sig = m;
    }

    void invalid() {
        flags |= IE;
        se = IND_SE;
        sig = IND_SIG;
    }

    /** x87 NaN propagation for one or two operands (either may be a NaN or unsupported). */
    void propagateNaN(int aSe, long aSig, int ca, int bSe, long bSig, int cb) {
        if (ca == UNSUPPORTED || cb == UNSUPPORTED) {
            invalid();
            return;
        }
        if (ca == SNAN || cb == SNAN) {
            flags |= IE;
        }
        boolean aNaN = ca == QNAN || ca == SNAN;
        boolean bNaN = cb == QNAN || cb == SNAN;
        if (aNaN && bNaN) {
            if (ca != cb) { // one signaling, one quiet: the quiet one
                if (ca == QNAN) {
                    result(aSe, aSig);
                } else {
                    result(bSe, bSig);
                }
                return;
            }
            int cmp = Long.compareUnsigned(aSig, bSig);
            if (cmp > 0 || (cmp == 0 && (aSe & 0x8000) == 0)) {
                result(aSe, aSig | QUIET);
            } else {
                result(bSe, bSig | QUIET);
            }
        } else if (aNaN) {
            result(aSe, aSig | QUIET);
        } else {
            result(bSe, bSig | QUIET);
        }
    }

    // ---------------------------------------------------------------- rounding

    /**
     * Rounds {@code (-1)^sign * (m:ext) / 2^63 * 2^(e - BIAS)} to an extended result with the
     * current precision control, and stores it in {@link #se}/{@link #sig}.
     */
    void roundPack(int sign, int e, long m, long ext) {
        roundPack(sign, e, m, ext, prec, 1, EMAX, true);
    }

    /** Same, rounded to 64 bits whatever the precision control (transcendentals, FSCALE). */
    void roundPack64(int sign, int e, long m, long ext) {
        roundPack(sign, e, m, ext, 64, 1, EMAX, true);
    }

    /**
     * General rounding into a format with {@code precBits} significand bits and normal exponents
     * {@code emin..emax} (biased like extended). The result is left in extended encoding: a denormal
     * of the target format has exponent {@code emin - 1} and bit 63 clear. {@code wrap}: unmasked
     * overflow/underflow deliver the exponent-wrapped result (register destinations); when false the
     * caller stores nothing on an unmasked OE/UE.
     */
    void roundPack(int sign, int e, long m, long ext, int precBits, int emin, int emax, boolean wrap) {
        if (m == 0 && ext == 0) {
            se = sign << 15;
            sig = 0;
            return;
        }
        if (m >= 0) { // normalize (only callers with unnormalized values reach this)
            int lz = m == 0 ? 64 + Long.numberOfLeadingZeros(ext) : Long.numberOfLeadingZeros(m);
            shiftLeft(m, ext, lz);
            m = hi;
            ext = lo;
            e -= lz;
        }
        int rb = 64 - precBits;
        if (e < emin) {
            boolean tiny = e < emin - 1 || !roundCarries(sign, m, ext, rb);
            if (tiny) {
                // unmasked: deliver the wrapped result, unless even that is out of range
                if ((masks & UE) == 0 && (!wrap || e + WRAP >= emin)) {
                    flags |= UE;
                    if (!wrap) {
                        c1 = false;
                        return;
                    }
                    e += WRAP;
                } else if ((masks & UE) == 0) {
                    // unmasked but beyond even the wrapped range: zero whatever the rounding (host)
                    flags |= UE | PE;
                    c1 = false;
                    se = sign << 15;
                    sig = 0;
                    return;
                } else {
                    shiftRightJam(m, ext, emin - e);
                    long r = round(sign, hi, lo, rb);
                    if (inexact) {
                        flags |= UE | PE;
                    }
                    se = (sign << 15) | ((r < 0 ? emin : emin - 1) & 0x7FFF);
                    sig = r;
                    if (r == 0 && carry) { // cannot happen: a denormal rounds up to at most 2^63
                        sig = J;
                    }
                    return;
                }
            }
        }
        long r = round(sign, m, ext, rb);
        if (carry) {
            r = J;
            e++;
        }
        if (inexact) {
            flags |= PE;
        }
        if (e > emax) {
            if ((masks & OE) == 0 && (!wrap || e - WRAP <= emax)) {
                flags |= OE;
                if (!wrap) { // a store that will not happen: no PE, C1 clear
                    flags &= ~PE;
                    c1 = false;
                    return;
                }
                e -= WRAP;
            } else {
                flags |= OE | PE;
                // unmasked but beyond even the wrapped range: infinity whatever the rounding (host)
                boolean toInf = (masks & OE) == 0 || rc == RC_NEAREST || (rc == RC_UP && sign == 0)
                        || (rc == RC_DOWN && sign != 0);
                if (toInf) {
                    c1 = true;
                    se = (sign << 15) | (emax + 1);
                    sig = J;
                } else {
                    c1 = false;
                    se = (sign << 15) | emax;
                    sig = rb == 0 ? -1L : -1L << rb;
                }
                return;
            }
        }
        se = (sign << 15) | (e & 0x7FFF);
        sig = r;
    }

    private boolean inexact;
    private boolean carry;

    /** Rounds (m:ext) at bit {@code rb} of m per RC; sets inexact, carry (wrapped to 0) and c1. */
    private long round(int sign, long m, long ext, int rb) {
        long rmask = rb == 0 ? 0 : (1L << rb) - 1;
        long low = m & rmask;
        boolean inex = low != 0 || ext != 0;
        boolean above;
        boolean tie;
        if (rb == 0) {
            int c = Long.compareUnsigned(ext, J);
            above = c > 0;
            tie = c == 0;
        } else {
            long h = 1L << (rb - 1);
            int c = Long.compareUnsigned(low, h);
            above = c > 0 || (c == 0 && ext != 0);
            tie = c == 0 && ext == 0;
        }
        long unit = 1L << rb;
        boolean inc = switch (rc) {
            case RC_NEAREST -> above || (tie && (m & unit) != 0);
            case RC_DOWN -> inex && sign != 0;
            case RC_UP -> inex && sign == 0;
            default -> false;
        };
        long r = m & ~rmask;
        carry = false;
        if (inc) {
            r += unit;
            carry = r == 0;
        }
        inexact = inex;
        c1 = inc;
        return r;
    }

    private boolean roundCarries(int sign, long m, long ext, int rb) {
        boolean savedC1 = c1;
        round(sign, m, ext, rb);
        c1 = savedC1;
        return carry;
    }

    private void shiftRightJam(long m, long ext, int n) {
        if (n == 0) {
            hi = m;
            lo = ext;
        } else if (n < 64) {
            hi = m >>> n;
            lo = (m << (64 - n)) | (ext >>> n) | ((ext << (64 - n)) != 0 ? 1 : 0);
        } else if (n == 64) {
            hi = 0;
            lo = m | (ext != 0 ? 1 : 0);
        } else if (n < 128) {
            hi = 0;
            lo = (m >>> (n - 64)) | (((m << (128 - n)) | ext) != 0 ? 1 : 0);
        } else {
            hi = 0;
            lo = (m | ext) != 0 ? 1 : 0;
        }
    }

    private void shiftLeft(long m, long ext, int n) {
        if (n == 0) {
            hi = m;
            lo = ext;
        } else if (n < 64) {
            hi = (m << n) | (ext >>> (64 - n));
            lo = ext << n;
        } else if (n < 128) {
            hi = ext << (n - 64);
            lo = 0;
        } else {
            hi = 0;
            lo = 0;
        }
    }

    // ---------------------------------------------------------------- arithmetic

    /** a + b (subtraction: the caller flips b's sign). Result in se/sig, flags in flags. */
    void add(int aSe, long aSig, int bSe, long bSig) {
        int ca = classify(aSe, aSig);
        int cb = classify(bSe, bSig);
        if (ca >= QNAN || cb >= QNAN) {
            propagateNaN(aSe, aSig, ca, bSe, bSig, cb);
            return;
        }
        int sa = (aSe >>> 15) & 1;
        int sb = (bSe >>> 15) & 1;
        if (ca == INF || cb == INF) {
            if (ca == INF && cb == INF && sa != sb) {
                invalid();
                return;
            }
            if (ca == DENORMAL || cb == DENORMAL) {
                flags |= DE;
            }
            if (ca == INF) {
                result(aSe & 0xFFFF, aSig);
            } else {
                result(bSe & 0xFFFF, bSig);
            }
            return;
        }
        if (ca == DENORMAL || cb == DENORMAL) {
            flags |= DE;
        }
        if (ca == ZERO && cb == ZERO) {
            int s = sa == sb ? sa : (rc == RC_DOWN ? 1 : 0);
            result(s << 15, 0);
            return;
        }
        if (ca == ZERO) {
            roundPack(sb, normExp(bSe, bSig), normSig(bSig), 0);
            return;
        }
        if (cb == ZERO) {
            roundPack(sa, normExp(aSe, aSig), normSig(aSig), 0);
            return;
        }
        int ea = normExp(aSe, aSig);
        int eb = normExp(bSe, bSig);
        long ma = normSig(aSig);
        long mb = normSig(bSig);
        // Order by magnitude: a is the larger.
        if (ea < eb || (ea == eb && Long.compareUnsigned(ma, mb) < 0)) {
            int t = ea; ea = eb; eb = t;
            long tm = ma; ma = mb; mb = tm;
            int ts = sa; sa = sb; sb = ts;
        }
        shiftRightJam(mb, 0, ea - eb);
        long bh = hi;
        long bl = lo;
        if (sa == sb) {
            long rl = bl; // a's low part is 0
            long rh = ma + bh;
            if (Long.compareUnsigned(rh, ma) < 0) { // carry out of bit 63
                long sticky = rl & 1;
                rl = (rl >>> 1) | (rh << 63) | sticky;
                rh = (rh >>> 1) | J;
                ea++;
            }
            roundPack(sa, ea, rh, rl);
        } else {
            long rl = -bl;
            long rh = ma - bh - (bl != 0 ? 1 : 0);
            if (rh == 0 && rl == 0) {
                result((rc == RC_DOWN ? 1 : 0) << 15, 0);
                return;
            }
            int lz = rh == 0 ? 64 + Long.numberOfLeadingZeros(rl) : Long.numberOfLeadingZeros(rh);
            shiftLeft(rh, rl, lz);
            roundPack(sa, ea - lz, hi, lo);
        }
    }

    void mul(int aSe, long aSig, int bSe, long bSig) {
        int ca = classify(aSe, aSig);
        int cb = classify(bSe, bSig);
        if (ca >= QNAN || cb >= QNAN) {
            propagateNaN(aSe, aSig, ca, bSe, bSig, cb);
            return;
        }
        int s = ((aSe ^ bSe) >>> 15) & 1;
        if (ca == INF || cb == INF) {
            if (ca == ZERO || cb == ZERO) {
                invalid();
                return;
            }
            if (ca == DENORMAL || cb == DENORMAL) {
                flags |= DE;
            }
            result((s << 15) | 0x7FFF, J);
            return;
        }
        if (ca == DENORMAL || cb == DENORMAL) {
            flags |= DE;
        }
        if (ca == ZERO || cb == ZERO) {
            result(s << 15, 0);
            return;
        }
        int e = normExp(aSe, aSig) + normExp(bSe, bSig) - BIAS;
        long ma = normSig(aSig);
        long mb = normSig(bSig);
        long ph = Math.unsignedMultiplyHigh(ma, mb);
        long pl = ma * mb;
        if (ph < 0) {
            e++;
        } else {
            ph = (ph << 1) | (pl >>> 63);
            pl <<= 1;
        }
        roundPack(s, e, ph, pl);
    }

    /** a / b. */
    void div(int aSe, long aSig, int bSe, long bSig) {
        int ca = classify(aSe, aSig);
        int cb = classify(bSe, bSig);
        if (ca >= QNAN || cb >= QNAN) {
            propagateNaN(aSe, aSig, ca, bSe, bSig, cb);
            return;
        }
        int s = ((aSe ^ bSe) >>> 15) & 1;
        if (ca == INF) {
            if (cb == INF) {
                invalid();
                return;
            }
            if (cb == DENORMAL) {
                flags |= DE;
            }
            result((s << 15) | 0x7FFF, J);
            return;
        }
        if (cb == INF) {
            if (ca == DENORMAL) {
                flags |= DE;
            }
            result(s << 15, 0);
            return;
        }
        if (cb == ZERO) {
            if (ca == ZERO) {
                invalid();
                return;
            }
            flags |= ZE;
            result((s << 15) | 0x7FFF, J);
            return;
        }
        if (ca == DENORMAL || cb == DENORMAL) {
            flags |= DE;
        }
        if (ca == ZERO) {
            result(s << 15, 0);
            return;
        }
        int e = normExp(aSe, aSig) - normExp(bSe, bSig) + BIAS;
        long ma = normSig(aSig);
        long mb = normSig(bSig);
        long rem = ma;
        if (Long.compareUnsigned(rem, mb) < 0) {
            e--;
        }
        // Restoring division: 65 quotient bits (64 + round), then the remainder as sticky.
        long q = 0;
        boolean started = false;
        int bits = 0;
        long roundBit = 0;
        boolean first = true;
        while (bits < 65) {
            boolean top = false;
            if (!first) {
                top = rem < 0;
                rem <<= 1;
            }
            first = false;
            long bit = 0;
            if (top || Long.compareUnsigned(rem, mb) >= 0) {
                rem -= mb;
                bit = 1;
            }
            if (!started) {
                if (bit == 0) {
                    continue;
                }
                started = true;
            }
            if (bits < 64) {
                q = (q << 1) | bit;
            } else {
                roundBit = bit;
            }
            bits++;
        }
        long ext = (roundBit << 63) | (rem != 0 ? 1 : 0);
        roundPack(s, e, q, ext);
    }

    void sqrt(int aSe, long aSig) {
        int ca = classify(aSe, aSig);
        if (ca >= QNAN) {
            propagateNaN(aSe, aSig, ca, aSe, aSig, ca);
            return;
        }
        int s = (aSe >>> 15) & 1;
        if (ca == ZERO) {
            result(aSe & 0xFFFF, 0);
            return;
        }
        if (s != 0) {
            invalid();
            return;
        }
        if (ca == INF) {
            result(aSe & 0xFFFF, aSig);
            return;
        }
        if (ca == DENORMAL) {
            flags |= DE;
        }
        int e = normExp(aSe, aSig) - BIAS; // value = m/2^63 * 2^e
        long m = normSig(aSig);
        // value = M * 2^(e-63); make the exponent even, then root of M * 2^k with k chosen for 66 bits.
        java.math.BigInteger big = new java.math.BigInteger(1, toBytes(m));
        int x = e - 63;
        int shift = 130 - 64; // radicand ~ 2^130 gives a 65/66-bit root
        if (((x - shift) & 1) != 0) {
            shift++;
        }
        java.math.BigInteger rad = big.shiftLeft(shift);
        java.math.BigInteger[] rr = rad.sqrtAndRemainder();
        java.math.BigInteger root = rr[0];
        int rbits = root.bitLength(); // 65 or 66
        int extra = rbits - 64;
        long mr = root.shiftRight(extra).longValue();
        long low = root.longValue() & ((1L << extra) - 1);
        long ext = low << (64 - extra);
        if (rr[1].signum() != 0) {
            ext |= 1;
        }
        int re = (x - shift) / 2 + extra + 63 + BIAS;
        roundPack(0, re, mr, ext);
    }

    static byte[] toBytes(long v) {
        byte[] b = new byte[8];
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (v >>> (56 - 8 * i));
        }
        return b;
    }

    // ---------------------------------------------------------------- comparison

    static final int CMP_LT = 0, CMP_EQ = 1, CMP_GT = 2, CMP_UN = 3;

    /** Compares a with b. {@code quiet}: QNaNs do not raise IE (FUCOM). */
    int compare(int aSe, long aSig, int bSe, long bSig, boolean quiet) {
        int ca = classify(aSe, aSig);
        int cb = classify(bSe, bSig);
        if (ca >= QNAN || cb >= QNAN) {
            if (!quiet || ca == SNAN || cb == SNAN || ca == UNSUPPORTED || cb == UNSUPPORTED) {
                flags |= IE;
            }
            return CMP_UN;
        }
        if (ca == DENORMAL || cb == DENORMAL) {
            flags |= DE;
        }
        if (ca == ZERO && cb == ZERO) {
            return CMP_EQ;
        }
        int sa = (aSe >>> 15) & 1;
        int sb = (bSe >>> 15) & 1;
        if (ca == ZERO) {
            return sb != 0 ? CMP_GT : CMP_LT;
        }
        if (cb == ZERO) {
            return sa != 0 ? CMP_LT : CMP_GT;
        }
        if (sa != sb) {
            return sa != 0 ? CMP_LT : CMP_GT;
        }
        int c;
        if (ca == INF || cb == INF) {
            c = ca == cb ? 0 : ca == INF ? 1 : -1;
        } else {
            int ea = normExp(aSe, aSig);
            int eb = normExp(bSe, bSig);
            c = ea != eb ? Integer.compare(ea, eb) : Long.compareUnsigned(normSig(aSig), normSig(bSig));
        }
        if (sa != 0) {
            c = -c;
        }
        return c < 0 ? CMP_LT : c == 0 ? CMP_EQ : CMP_GT;
    }

    // ---------------------------------------------------------------- conversions in

    /** Loads an IEEE single exactly (DE for a denormal; an SNaN stays signaling for the operation). */
    void fromFloat(int bits) {
        int s = (bits >>> 31) << 15;
        int e = (bits >>> 23) & 0xFF;
        long f = bits & 0x7F_FFFFL;
        if (e == 0xFF) {
            result(s | 0x7FFF, J | (f << 40));
        } else if (e == 0) {
            if (f == 0) {
                result(s, 0);
            } else {
                flags |= DE;
                int lz = Long.numberOfLeadingZeros(f);
                int ee = BIAS - 126 - (lz - 40);
                result(s | ee, f << lz);
            }
        } else {
            result(s | (e - 127 + BIAS), J | (f << 40));
        }
    }

    void fromDouble(long bits) {
        int s = (int) (bits >>> 63) << 15;
        int e = (int) (bits >>> 52) & 0x7FF;
        long f = bits & 0xF_FFFF_FFFF_FFFFL;
        if (e == 0x7FF) {
            result(s | 0x7FFF, J | (f << 11));
        } else if (e == 0) {
            if (f == 0) {
                result(s, 0);
            } else {
                flags |= DE;
                int lz = Long.numberOfLeadingZeros(f);
                result(s | (BIAS - 1022 - (lz - 11)), f << lz);
            }
        } else {
            result(s | (e - 1023 + BIAS), J | (f << 11));
        }
    }

    /** Loads a signed integer exactly. */
    void fromLong(long v) {
        if (v == 0) {
            result(0, 0);
            return;
        }
        int s = v < 0 ? 0x8000 : 0;
        long m = v < 0 ? -v : v; // Long.MIN_VALUE stays 2^63 as unsigned
        int lz = Long.numberOfLeadingZeros(m);
        result(s | (BIAS + 63 - lz), m << lz);
    }

    /** Signals IE for an SNaN operand and quiets it (loads into a register). */
    void quietLoad() {
        if (isSignaling(se, sig)) {
            flags |= IE;
            sig |= QUIET;
        }
    }

    // ---------------------------------------------------------------- conversions out

    /** Rounds the extended value to single precision; returns the bits (valid when no unmasked IE/OE/UE). */
    int toFloat(int aSe, long aSig) {
        int c = classify(aSe, aSig);
        int s = (aSe & 0x8000) << 16;
        switch (c) {
            case ZERO:
                return s;
            case INF:
                return s | 0x7F80_0000;
            case SNAN:
                flags |= IE;
                return s | 0x7FC0_0000 | (int) ((aSig >>> 40) & 0x7F_FFFF);
            case QNAN:
                return s | 0x7F80_0000 | (int) ((aSig >>> 40) & 0x7F_FFFF);
            case UNSUPPORTED:
                flags |= IE;
                return 0xFFC0_0000;
            default:
                break;
        }
        roundPack(s >>> 31, normExp(aSe, aSig), normSig(aSig), 0, 24, BIAS - 126, BIAS + 127, false);
        if ((flags & (OE | UE) & ~masks) != 0) {
            return 0;
        }
        int e = se & 0x7FFF;
        if (e == 0x7FFF) {
            return s | 0x7F80_0000;
        }
        if (sig == 0) {
            return s;
        }
        int fe = e - BIAS + 127;
        return s | (fe << 23) | (int) ((sig >>> 40) & 0x7F_FFFF);
    }

    long toDouble(int aSe, long aSig) {
        int c = classify(aSe, aSig);
        long s = (long) (aSe & 0x8000) << 48;
        switch (c) {
            case ZERO:
                return s;
            case INF:
                return s | 0x7FF0_0000_0000_0000L;
            case SNAN:
                flags |= IE;
                return s | 0x7FF8_0000_0000_0000L | ((aSig >>> 11) & 0xF_FFFF_FFFF_FFFFL);
            case QNAN:
                return s | 0x7FF0_0000_0000_0000L | ((aSig >>> 11) & 0xF_FFFF_FFFF_FFFFL);
            case UNSUPPORTED:
                flags |= IE;
                return 0xFFF8_0000_0000_0000L;
            default:
                break;
        }
        roundPack((int) (s >>> 63), normExp(aSe, aSig), normSig(aSig), 0, 53, BIAS - 1022, BIAS + 1023, false);
        if ((flags & (OE | UE) & ~masks) != 0) {
            return 0;
        }
        int e = se & 0x7FFF;
        if (e == 0x7FFF) {
            return s | 0x7FF0_0000_0000_0000L;
        }
        if (sig == 0) {
            return s;
        }
        long fe = e - BIAS + 1023;
        return s | (fe << 52) | ((sig >>> 11) & 0xF_FFFF_FFFF_FFFFL);
    }

    /**
     * Rounds to an integer per {@code mode} (an RC value) and leaves the integral value in se/sig.
     * Sets PE when inexact and c1 when the magnitude grew. The operand must be finite.
     */
    void roundToIntegral(int aSe, long aSig, int mode) {
        int c = classify(aSe, aSig);
        if (c == ZERO) {
            result(aSe & 0xFFFF, 0);
            return;
        }
        int s = (aSe >>> 15) & 1;
        int e = normExp(aSe, aSig);
        long m = normSig(aSig);
        int fracBits = BIAS + 63 - e;
        if (fracBits <= 0) {
            result((s << 15) | e, m);
            return;
        }
        long ip;
        long ext;
        if (fracBits >= 64) {
            ip = 0;
            if (fracBits == 64) {
                ext = m;
            } else if (fracBits < 128) {
                ext = (m >>> (fracBits - 64)) | ((m << (128 - fracBits)) != 0 ? 1 : 0);
            } else {
                ext = 1;
            }
        } else {
            ip = m >>> fracBits;
            ext = m << (64 - fracBits);
        }
        int saved = rc;
        rc = mode;
        long r = round(s, ip, ext, 0);
        rc = saved;
        if (inexact) {
            flags |= PE;
        }
        if (carry) { // ip was all ones (only when fracBits == 0, excluded) - keep for safety
            result((s << 15) | (BIAS + 64), J);
            return;
        }
        if (r == 0) {
            result(s << 15, 0);
            return;
        }
        int lz = Long.numberOfLeadingZeros(r);
        result((s << 15) | (BIAS + 63 - lz), r << lz);
    }

    /**
     * Converts to a signed integer of {@code bits} (16, 32, 64) rounding per {@code mode}; on
     * overflow or NaN sets IE and returns the integer indefinite.
     */
    long toInt(int aSe, long aSig, int bits, int mode) {
        long indefinite = 1L << (bits - 1);
        int c = classify(aSe, aSig);
        if (c >= INF) {
            flags |= IE;
            return indefinite;
        }
        int savedFlags = flags;
        roundToIntegral(aSe, aSig, mode);
        if (sig == 0) {
            return 0;
        }
        int e = se & 0x7FFF;
        int shift = BIAS + 63 - e; // sig >>> shift is the magnitude
        boolean neg = (se & 0x8000) != 0;
        if (shift < 0) {
            flags = savedFlags | IE;
            c1 = false;
            return indefinite;
        }
        long mag = sig >>> shift;
        long lim = neg ? indefinite : indefinite - 1; // magnitude limit (unsigned)
        if (shift == 0 && bits == 64) {
            if (!(neg && mag == J)) {
                flags = savedFlags | IE;
                c1 = false;
                return indefinite;
            }
            return J;
        }
        if (Long.compareUnsigned(mag, lim) > 0) {
            flags = savedFlags | IE;
            c1 = false;
            return indefinite;
        }
        return neg ? -mag : mag;
    }
}
