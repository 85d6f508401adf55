package dev.jxen.x86.sse;

/**
 * IEEE single and double arithmetic exactly as the SSE unit does it: MXCSR rounding control, DAZ,
 * FTZ, tininess detected after rounding, x86 NaN rules, and the six exception flags. Values are
 * raw bit patterns (a float in the low 32 bits); {@code d} selects double. Flags raised by the
 * current instruction accumulate in {@link #flags}; the instruction commits them (and faults on an
 * unmasked one) before it writes its destination.
 *
 * <p>Every operation works on integer significands: unpack, compute the exact result (or enough
 * bits of it plus a sticky bit), round once. No allocation.
 */
final class SoftFp {
    static final int IE = 1, DE = 2, ZE = 4, OE = 8, UE = 0x10, PE = 0x20;
    static final int DAZ = 0x40, FTZ = 0x8000;
    static final int RC_NEAREST = 0, RC_DOWN = 1, RC_UP = 2, RC_ZERO = 3;

    static final int ZERO = 0, FINITE = 1, INF = 2, QNAN = 3, SNAN = 4;

    /** MXCSR in force for the current instruction. */
    int mxcsr;
    /** Rounding mode of the current operation (MXCSR.RC or an immediate's). */
    int rc;
    /** Exception flags raised by the current instruction. */
    int flags;

    // Unpacked operands: class, sign, significand, exponent (value = sig * 2^exp).
    int aCls, bCls;
    boolean aNeg, bNeg;
    long aSig, bSig;
    int aExp, bExp;

    /** Set by {@link #roundBits}: the last rounding discarded non-zero bits. */
    private boolean inexact;

    void begin(int mxcsrValue) {
        mxcsr = mxcsrValue;
        rc = (mxcsrValue >>> 13) & 3;
        flags = 0;
    }

    // ------------------------------------------------------------------ format constants

    static int fracBits(boolean d) {
        return d ? 52 : 23;
    }

    static int bias(boolean d) {
        return d ? 1023 : 127;
    }

    static long signBit(boolean d) {
        return d ? 0x8000_0000_0000_0000L : 0x8000_0000L;
    }

    static long defaultNan(boolean d) {
        return d ? 0xFFF8_0000_0000_0000L : 0xFFC0_0000L;
    }

    static long quietBit(boolean d) {
        return d ? 0x0008_0000_0000_0000L : 0x0040_0000L;
    }

    static int classify(long x, boolean d) {
        int fb = fracBits(d);
        long frac = x & ((1L << fb) - 1);
        int e = (int) ((x >>> fb) & (d ? 0x7FF : 0xFF));
        if (e == 0) {
            return frac == 0 ? ZERO : FINITE;
        }
        if (e == (d ? 0x7FF : 0xFF)) {
            return frac == 0 ? INF : (frac & quietBit(d)) != 0 ? QNAN : SNAN;
        }
        return FINITE;
    }

    static boolean isNan(long x, boolean d) {
        return classify(x, d) >= QNAN;
    }

    static boolean isDenormal(long x, boolean d) {
        int fb = fracBits(d);
        return ((x >>> fb) & (d ? 0x7FF : 0xFF)) == 0 && (x & ((1L << fb) - 1)) != 0;
    }

    /** Applies DAZ to a source operand: a denormal becomes a zero of the same sign. */
    long daz(long x, boolean d) {
        if ((mxcsr & DAZ) != 0 && isDenormal(x, d)) {
            return x & signBit(d);
        }
        return x;
    }

    /** Unpacks operand {@code x} into the a (first) or b (second) slot; flags DE for a denormal. */
    private void unpack(long x, boolean d, boolean first) {
        int fb = fracBits(d);
        boolean neg = (x & signBit(d)) != 0;
        long frac = x & ((1L << fb) - 1);
        int e = (int) ((x >>> fb) & (d ? 0x7FF : 0xFF));
        int cls;
        long sig = 0;
        int exp = 0;
        if (e == 0) {
            if (frac == 0 || (mxcsr & DAZ) != 0) {
                cls = ZERO;
            } else {
                cls = FINITE;
                sig = frac;
                exp = 1 - bias(d) - fb;
            }
        } else if (e == (d ? 0x7FF : 0xFF)) {
            cls = frac == 0 ? INF : (frac & quietBit(d)) != 0 ? QNAN : SNAN;
        } else {
            cls = FINITE;
            sig = frac | (1L << fb);
            exp = e - bias(d) - fb;
        }
        if (first) {
            aCls = cls;
            aNeg = neg;
            aSig = sig;
            aExp = exp;
        } else {
            bCls = cls;
            bNeg = neg;
            bSig = sig;
            bExp = exp;
        }
    }

    /** DE when an unpacked finite operand was a denormal (and DAZ did not zero it). */
    private void denormalCheck(long x, boolean d) {
        if ((mxcsr & DAZ) == 0 && isDenormal(x, d)) {
            flags |= DE;
        }
    }

    static long quiet(long x, boolean d) {
        return x | quietBit(d);
    }

    /** x86 NaN propagation for two operands: the first NaN wins, SNaNs are quieted and flag IE. */
    private long propagateNan(long a, long b, boolean d) {
        if (aCls == SNAN || bCls == SNAN) {
            flags |= IE;
        }
        return quiet(aCls >= QNAN ? a : b, d);
    }

    private long invalid(boolean d) {
        flags |= IE;
        return defaultNan(d);
    }

    private static long inf(boolean neg, boolean d) {
        return (neg ? signBit(d) : 0) | (d ? 0x7FF0_0000_0000_0000L : 0x7F80_0000L);
    }

    private static long zero(boolean neg, boolean d) {
        return neg ? signBit(d) : 0;
    }

    // ------------------------------------------------------------------ rounding core

    /** Shifts {@code sig} right by {@code shift} rounding per {@link #rc}; sets {@link #inexact}. */
    private long roundBits(long sig, int shift, boolean sticky, boolean neg) {
        long kept;
        long rem;
        long half;
        if (shift >= 64) {
            // Everything is below half a unit: zero, or one unit when rounding away from zero.
            boolean inx = sig != 0 || sticky;
            inexact = inx;
            return inx && (rc == RC_UP && !neg || rc == RC_DOWN && neg) ? 1 : 0;
        } else if (shift <= 0) {
            inexact = sticky;
            kept = sig << -shift;
            if (sticky && (rc == RC_UP && !neg || rc == RC_DOWN && neg)) {
                kept++;
            }
            return kept;
        } else {
            kept = sig >>> shift;
            rem = sig & ((1L << shift) - 1);
            half = 1L << (shift - 1);
        }
        boolean inx = rem != 0 || sticky;
        inexact = inx;
        if (!inx) {
            return kept;
        }
        switch (rc) {
            case RC_NEAREST -> {
                if (rem > half || (rem == half && (sticky || (kept & 1) != 0))) {
                    kept++;
                }
            }
            case RC_UP -> {
                if (!neg) {
                    kept++;
                }
            }
            case RC_DOWN -> {
                if (neg) {
                    kept++;
                }
            }
            default -> { }
        }
        return kept;
    }

    /**
     * Rounds (-1)^neg * (sig + sticky tail) * 2^exp to format d (sig > 0, below 2^63) with
     * overflow, underflow (tininess after rounding), FTZ and the precision flag.
     */
    long round(boolean neg, long sig, int exp, boolean sticky, boolean d) {
        int lz = Long.numberOfLeadingZeros(sig) - 1;
        sig <<= lz;
        exp -= lz;
        int p = d ? 53 : 24;
        int bias = bias(d);
        int e = exp + 62; // value in [2^e, 2^(e+1))
        int emin = 1 - bias;
        int shift = 63 - p;
        long r = roundBits(sig, shift, sticky, neg);
        boolean inx = inexact;
        if (r == 1L << p) {
            r >>>= 1;
            e++;
        }
        if (e < emin) {
            // Tiny after rounding to p bits with an unbounded exponent.
            if ((mxcsr & (UE << 7)) == 0) {
                flags |= UE | (inx ? PE : 0); // unmasked: faults; PE tells whether the p-bit rounding was inexact
                return zero(neg, d);
            }
            if ((mxcsr & FTZ) != 0) {
                flags |= UE | PE;
                return zero(neg, d);
            }
            int sub = shift + (emin - (exp + 62));
            long s = roundBits(sig, sub, sticky, neg);
            if (inexact) {
                flags |= UE | PE;
            }
            return (neg ? signBit(d) : 0) | s; // a carry into the hidden bit yields the smallest normal
        }
        if (e > bias) {
            if ((mxcsr & (OE << 7)) == 0) {
                flags |= OE | (inx ? PE : 0); // unmasked: faults; PE tells whether the p-bit rounding was inexact
                return inf(neg, d);
            }
            flags |= OE | PE;
            boolean toInf = rc == RC_NEAREST || (rc == RC_UP && !neg) || (rc == RC_DOWN && neg);
            if (toInf) {
                return inf(neg, d);
            }
            return (neg ? signBit(d) : 0) | (d ? 0x7FEF_FFFF_FFFF_FFFFL : 0x7F7F_FFFFL);
        }
        if (inx) {
            flags |= PE;
        }
        return (neg ? signBit(d) : 0) | ((long) (e + bias - 1) << fracBits(d)) + r;
    }

    // ------------------------------------------------------------------ arithmetic

    long add(long a, long b, boolean d) {
        if (rc == RC_NEAREST && fast(FAST_ADD, a, b, d)) {
            return fastResult;
        }
        return addSub(a, b, d, false);
    }

    long sub(long a, long b, boolean d) {
        if (rc == RC_NEAREST && fast(FAST_SUB, a, b, d)) {
            return fastResult;
        }
        return addSub(a, b, d, true);
    }

    // ------------------------------------------------------------------ fast path

    private static final int FAST_ADD = 0, FAST_SUB = 1, FAST_MUL = 2, FAST_DIV = 3, FAST_SQRT = 4;
    private long fastResult;

    /** Normal or zero: no NaN, infinity or denormal (so no DAZ, DE or special rules). */
    private static boolean plain(long x, boolean d) {
        if (d) {
            long e = (x >>> 52) & 0x7FF;
            return (e != 0 && e != 0x7FF) || (x << 1) == 0;
        }
        long e = (x >>> 23) & 0xFF;
        return (e != 0 && e != 0xFF) || (x << 33) == 0;
    }

    /**
     * Round-to-nearest with Java arithmetic when operands and result are comfortably normal, so
     * that the hardware's answer is Java's; inexactness comes from an exact error term (TwoSum or
     * FMA residual). Returns false to take the exact integer path.
     */
    private boolean fast(int op, long a, long b, boolean d) {
        if (!plain(a, d) || !plain(b, d)) {
            return false;
        }
        if (d) {
            double x = Double.longBitsToDouble(a);
            double y = Double.longBitsToDouble(b);
            double r;
            boolean inexact;
            switch (op) {
                case FAST_ADD, FAST_SUB -> {
                    if (op == FAST_SUB) {
                        y = -y;
                    }
                    r = x + y;
                    double bb = r - x;
                    inexact = ((x - (r - bb)) + (y - bb)) != 0;
                }
                case FAST_MUL -> {
                    r = x * y;
                    inexact = Math.fma(x, y, -r) != 0;
                }
                case FAST_DIV -> {
                    if (((a >>> 52) & 0x7FF) < 64 || y == 0) {
                        return false;
                    }
                    r = x / y;
                    inexact = Math.fma(-r, y, x) != 0;
                }
                default -> {
                    if (((a >>> 52) & 0x7FF) < 64 || x < 0) {
                        return false;
                    }
                    r = Math.sqrt(x);
                    inexact = Math.fma(-r, r, x) != 0;
                }
            }
            long rb = Double.doubleToRawLongBits(r);
            long e = (rb >>> 52) & 0x7FF;
            if (e < 64 || e == 0x7FF) {
                return false; // tiny (error terms may not be exact), overflow or zero: exact path
            }
            if (inexact) {
                flags |= PE;
            }
            fastResult = rb;
            return true;
        }
        double x = Float.intBitsToFloat((int) a);
        double y = Float.intBitsToFloat((int) b);
        double s;
        boolean inexact;
        switch (op) {
            case FAST_ADD, FAST_SUB -> {
                if (op == FAST_SUB) {
                    y = -y;
                }
                s = x + y;
                double bb = s - x;
                inexact = ((x - (s - bb)) + (y - bb)) != 0;
            }
            case FAST_MUL -> {
                s = x * y; // exact: 48 significant bits
                inexact = false;
            }
            case FAST_DIV -> {
                if (y == 0) {
                    return false;
                }
                s = x / y;
                inexact = Math.fma(-s, y, x) != 0;
            }
            default -> {
                if (x < 0) {
                    return false;
                }
                s = Math.sqrt(x);
                inexact = Math.fma(-s, s, x) != 0;
            }
        }
        // Rounding the double result again to single is innocuous for + - * / sqrt (53 >= 2*24+2).
        float r = (float) s;
        long rb = Float.floatToRawIntBits(r) & 0xFFFF_FFFFL;
        long e = (rb >>> 23) & 0xFF;
        if (e == 0 || e == 0xFF) {
            return false;
        }
        if (inexact || r != s) {
            flags |= PE;
        }
        fastResult = rb;
        return true;
    }

    private long addSub(long a, long b, boolean d, boolean subtract) {
        unpack(a, d, true);
        unpack(b, d, false);
        if (aCls >= QNAN || bCls >= QNAN) {
            return propagateNan(a, b, d);
        }
        denormalCheck(a, d);
        denormalCheck(b, d);
        boolean bn = bNeg ^ subtract;
        if (aCls == INF || bCls == INF) {
            if (aCls == INF && bCls == INF && aNeg != bn) {
                return invalid(d);
            }
            return aCls == INF ? inf(aNeg, d) : inf(bn, d);
        }
        if (aCls == ZERO && bCls == ZERO) {
            boolean neg = aNeg == bn ? aNeg : rc == RC_DOWN;
            return zero(neg, d);
        }
        if (bCls == ZERO) {
            return round(aNeg, aSig, aExp, false, d);
        }
        if (aCls == ZERO) {
            return round(bn, bSig, bExp, false, d);
        }
        // Put both significands at bit 60, then align the smaller one with a sticky (jam) bit.
        int la = Long.numberOfLeadingZeros(aSig) - 3;
        int lb = Long.numberOfLeadingZeros(bSig) - 3;
        long sa = aSig << la;
        long sb = bSig << lb;
        int ea = aExp - la;
        int eb = bExp - lb;
        boolean na = aNeg;
        boolean nb = bn;
        if (ea < eb) {
            long t = sa; sa = sb; sb = t;
            int te = ea; ea = eb; eb = te;
            boolean tn = na; na = nb; nb = tn;
        }
        int diff = ea - eb;
        if (diff > 0) {
            if (diff >= 62) {
                sb = 1;
            } else {
                boolean lost = (sb & ((1L << diff) - 1)) != 0;
                sb = (sb >>> diff) | (lost ? 1 : 0);
            }
        }
        long s;
        boolean neg = na;
        if (na == nb) {
            s = sa + sb;
        } else {
            s = sa - sb;
            if (s < 0) {
                s = -s;
                neg = nb;
            } else if (s == 0) {
                return zero(rc == RC_DOWN, d);
            }
        }
        return round(neg, s, ea, false, d);
    }

    long mul(long a, long b, boolean d) {
        if (rc == RC_NEAREST && fast(FAST_MUL, a, b, d)) {
            return fastResult;
        }
        unpack(a, d, true);
        unpack(b, d, false);
        if (aCls >= QNAN || bCls >= QNAN) {
            return propagateNan(a, b, d);
        }
        denormalCheck(a, d);
        denormalCheck(b, d);
        boolean neg = aNeg ^ bNeg;
        if (aCls == INF || bCls == INF) {
            if (aCls == ZERO || bCls == ZERO) {
                return invalid(d);
            }
            return inf(neg, d);
        }
        if (aCls == ZERO || bCls == ZERO) {
            return zero(neg, d);
        }
        long hi = Math.multiplyHigh(aSig, bSig);
        long lo = aSig * bSig;
        int exp = aExp + bExp;
        if (hi == 0 && lo > 0) {
            return round(neg, lo, exp, false, d);
        }
        int bits = 128 - Long.numberOfLeadingZeros(hi);
        int s = bits - 62; // 2..62 since the product is below 2^106
        if (hi == 0) {
            s = 1;
        }
        boolean sticky = (lo & ((1L << s) - 1)) != 0;
        long sig = (hi << (64 - s)) | (lo >>> s);
        return round(neg, sig, exp + s, sticky, d);
    }

    long div(long a, long b, boolean d) {
        if (rc == RC_NEAREST && fast(FAST_DIV, a, b, d)) {
            return fastResult;
        }
        unpack(a, d, true);
        unpack(b, d, false);
        if (aCls >= QNAN || bCls >= QNAN) {
            return propagateNan(a, b, d);
        }
        boolean neg = aNeg ^ bNeg;
        if (aCls == INF) {
            if (bCls == INF) {
                return invalid(d);
            }
            denormalCheck(b, d);
            return inf(neg, d);
        }
        if (bCls == INF) {
            denormalCheck(a, d);
            return zero(neg, d);
        }
        if (bCls == ZERO) {
            if (aCls == ZERO) {
                return invalid(d);
            }
            flags |= ZE; // a denormal dividend does not flag DE here (as the hardware)
            return inf(neg, d);
        }
        denormalCheck(a, d);
        denormalCheck(b, d);
        if (aCls == ZERO) {
            return zero(neg, d);
        }
        int la = Long.numberOfLeadingZeros(aSig) - 11;
        int lb = Long.numberOfLeadingZeros(bSig) - 11;
        long sa = aSig << la; // both at bit 52
        long sb = bSig << lb;
        long q = sa / sb;
        long r = sa % sb;
        for (int k = 0; k < 6; k++) {
            r <<= 10;
            q = (q << 10) | (r / sb);
            r %= sb;
        }
        int exp = (aExp - la) - (bExp - lb) - 60;
        return round(neg, q, exp, r != 0, d);
    }

    long sqrt(long a, boolean d) {
        if (rc == RC_NEAREST && fast(FAST_SQRT, a, 0, d)) {
            return fastResult;
        }
        unpack(a, d, true);
        if (aCls >= QNAN) {
            if (aCls == SNAN) {
                flags |= IE;
            }
            return quiet(a, d);
        }
        if (aCls == ZERO) {
            return zero(aNeg, d);
        }
        if (aNeg) {
            return invalid(d);
        }
        if (aCls == INF) {
            return a;
        }
        denormalCheck(a, d);
        int l = Long.numberOfLeadingZeros(aSig) - 11;
        long sig = aSig << l; // at bit 52
        int exp = aExp - l;
        int sh = (exp & 1) == 0 ? 56 : 57; // N = sig << sh has 109..110 bits, exp - sh even
        long nHi = sig >>> (64 - sh);
        long nLo = sig << sh;
        double approx = Math.sqrt((nHi * 0x1p64) + (double) (nLo >>> 1) * 2.0);
        long root = (long) approx;
        while (cmpSquare(root, nHi, nLo) > 0) {
            root--;
        }
        while (cmpSquare(root + 1, nHi, nLo) <= 0) {
            root++;
        }
        boolean exact = cmpSquare(root, nHi, nLo) == 0;
        return round(false, root, (exp - sh) / 2, !exact, d);
    }

    /** Compares root^2 with the unsigned 128-bit number nHi:nLo. */
    private static int cmpSquare(long root, long nHi, long nLo) {
        long hi = Math.multiplyHigh(root, root);
        long lo = root * root;
        int c = Long.compareUnsigned(hi, nHi);
        return c != 0 ? c : Long.compareUnsigned(lo, nLo);
    }

    // ------------------------------------------------------------------ min, max, compare

    /** MIN/MAX: a NaN or two zeros return the second operand unchanged; NaNs flag IE. */
    long minMax(long a, long b, boolean d, boolean max) {
        if ((mxcsr & DAZ) == 0) {
            denormalCheckNonNan(a, b, d);
        }
        a = daz(a, d);
        b = daz(b, d); // even a second operand returned for a NaN is flushed
        int ca = classify(a, d);
        int cb = classify(b, d);
        if (ca >= QNAN || cb >= QNAN) {
            flags |= IE;
            return b;
        }
        int c = compareOrdered(a, b, d);
        if (max) {
            return c > 0 ? a : b;
        }
        return c < 0 ? a : b;
    }

    /** DE for denormal operands unless one of them is a NaN. */
    private void denormalCheckNonNan(long a, long b, boolean d) {
        if (!isNan(a, d) && !isNan(b, d) && (isDenormal(a, d) || isDenormal(b, d))) {
            flags |= DE;
        }
    }

    /** Compares two non-NaN values: -1, 0, 1 (±0 equal). */
    static int compareOrdered(long a, long b, boolean d) {
        long sb = signBit(d);
        long ma = a & (sb - 1);
        long mb = b & (sb - 1);
        if (ma == 0 && mb == 0) {
            return 0;
        }
        long ka = (a & sb) != 0 ? -ma : ma;
        long kb = (b & sb) != 0 ? -mb : mb;
        return Long.compare(ka, kb);
    }

    /**
     * CMPPS/CMPSS predicate {@code pred} (0..7): EQ, LT, LE, UNORD, NEQ, NLT, NLE, ORD. LT/LE/NLT/NLE
     * signal IE on any NaN, the others only on an SNaN.
     */
    boolean cmp(long a, long b, boolean d, int pred) {
        int ca = classify(a, d);
        int cb = classify(b, d);
        if (ca >= QNAN || cb >= QNAN) {
            boolean signaling = pred == 1 || pred == 2 || pred == 5 || pred == 6;
            if (signaling || ca == SNAN || cb == SNAN) {
                flags |= IE;
            }
            return pred >= 3 && pred <= 6; // UNORD, NEQ, NLT, NLE true when unordered
        }
        denormalCheck(a, d);
        denormalCheck(b, d);
        int c = compareOrdered(daz(a, d), daz(b, d), d);
        return switch (pred) {
            case 0 -> c == 0;
            case 1 -> c < 0;
            case 2 -> c <= 0;
            case 3 -> false;
            case 4 -> c != 0;
            case 5 -> c >= 0;
            case 6 -> c > 0;
            default -> true;
        };
    }

    /** COMIS/UCOMIS: the ZF/PF/CF bits for the comparison (RFLAGS positions). */
    long comi(long a, long b, boolean d, boolean signalQnan) {
        int ca = classify(a, d);
        int cb = classify(b, d);
        if (ca >= QNAN || cb >= QNAN) {
            if (signalQnan || ca == SNAN || cb == SNAN) {
                flags |= IE;
            }
            return 0x45; // ZF PF CF
        }
        denormalCheck(a, d);
        denormalCheck(b, d);
        int c = compareOrdered(daz(a, d), daz(b, d), d);
        return c == 0 ? 0x40 : c < 0 ? 1 : 0;
    }

    // ------------------------------------------------------------------ conversions

    /** Converts a signed integer to format d. */
    long fromInt(long v, boolean d) {
        if (v == 0) {
            return 0;
        }
        boolean neg = v < 0;
        long m = neg ? -v : v;
        if (m < 0) { // 2^63
            return round(true, 1L << 62, 1, false, d);
        }
        return round(neg, m, 0, false, d);
    }

    /** Single to double (exact); an SNaN is quieted with IE. */
    long floatToDouble(long a) {
        unpack(a, false, true);
        if (aCls >= QNAN) {
            if (aCls == SNAN) {
                flags |= IE;
            }
            return (a & 0x8000_0000L) << 32 | 0x7FF8_0000_0000_0000L | (a & 0x3F_FFFFL) << 29;
        }
        denormalCheck(a, false);
        if (aCls == INF) {
            return inf(aNeg, true);
        }
        if (aCls == ZERO) {
            return zero(aNeg, true);
        }
        return round(aNeg, aSig, aExp, false, true);
    }

    /** Double to single with rounding; an SNaN is quieted with IE, the payload's top bits kept. */
    long doubleToFloat(long a) {
        unpack(a, true, true);
        if (aCls >= QNAN) {
            if (aCls == SNAN) {
                flags |= IE;
            }
            return (a >>> 32) & 0x8000_0000L | 0x7FC0_0000L | ((a >>> 29) & 0x3F_FFFFL);
        }
        denormalCheck(a, true);
        if (aCls == INF) {
            return inf(aNeg, false);
        }
        if (aCls == ZERO) {
            return zero(aNeg, false);
        }
        return round(aNeg, aSig, aExp, false, false);
    }

    /**
     * Converts to a signed integer of {@code bits} (32 or 64), rounding per {@link #rc} (or toward
     * zero when {@code truncate}); NaN, infinity and out of range give the integer indefinite and IE.
     */
    long toInt(long a, boolean d, int bits, boolean truncate) {
        unpack(a, d, true);
        long indefinite = bits == 64 ? Long.MIN_VALUE : 0x8000_0000L;
        if (aCls >= INF) {
            flags |= IE;
            return indefinite;
        }
        if (aCls == ZERO) {
            return 0;
        }
        int saved = rc;
        if (truncate) {
            rc = RC_ZERO;
        }
        long m = roundToIntegerMagnitude(aSig, aExp, aNeg, bits);
        rc = saved;
        if (m == Long.MIN_VALUE && aNeg && bits == 64) {
            return Long.MIN_VALUE; // exactly -2^63
        }
        if (m < 0) {
            flags |= IE;
            return indefinite;
        }
        long limit = bits == 64 ? Long.MAX_VALUE : 0x7FFF_FFFFL;
        if (m > limit && !(aNeg && m == limit + 1)) {
            flags |= IE;
            return indefinite;
        }
        if (inexact) {
            flags |= PE;
        }
        long v = aNeg ? -m : m;
        return bits == 64 ? v : v & 0xFFFF_FFFFL;
    }

    /** |sig * 2^exp| rounded to an integer per rc; -1 when it is at least 2^63 (too large anyway). */
    private long roundToIntegerMagnitude(long sig, int exp, boolean neg, int bits) {
        if (exp >= 0) {
            inexact = false;
            int len = 64 - Long.numberOfLeadingZeros(sig) + exp;
            if (len > 64 || (len == 64 && Long.bitCount(sig) != 1)) {
                return -1;
            }
            return sig << exp;
        }
        long r = roundBits(sig, -exp, false, neg);
        return r;
    }

    /**
     * ROUNDSS/SD/PS/PD: rounds to an integral value in the same format with rounding mode
     * {@code mode}; PE unless {@code noPrecision}. SNaN flags IE; denormals do not flag DE.
     */
    long roundToIntegral(long a, boolean d, int mode, boolean noPrecision) {
        unpack(a, d, true);
        if (aCls >= QNAN) {
            if (aCls == SNAN) {
                flags |= IE;
            }
            return quiet(a, d);
        }
        if (aCls == INF) {
            return a;
        }
        if (aCls == ZERO) {
            return zero(aNeg, d);
        }
        if (aExp >= 0) {
            return a;
        }
        int saved = rc;
        rc = mode;
        long m = roundBits(aSig, -aExp, false, aNeg);
        rc = saved;
        if (inexact && !noPrecision) {
            flags |= PE;
        }
        if (m == 0) {
            return zero(aNeg, d);
        }
        int f = flags;
        long r = round(aNeg, m, 0, false, d); // exact: an integer below 2^53 (or 2^24)
        flags = f;
        return r;
    }
}
