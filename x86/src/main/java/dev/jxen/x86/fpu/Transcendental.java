package dev.jxen.x86.fpu;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * High-precision evaluation of the x87 transcendental functions (FSIN, FCOS, FPTAN, FPATAN,
 * F2XM1, FYL2X, FYL2XP1). Values are computed with {@link BigDecimal} to about 200 bits and then
 * rounded once to 64 bits, so results are correctly rounded (the hardware is within one ulp).
 * These instructions are rare in compiled code, so allocation here is acceptable.
 *
 * <p>A finite value is handled in scaled form {@code v * 2^binExp} so that huge and tiny exponents
 * never make {@code BigDecimal}s with thousands of digits.
 */
final class Transcendental {
    static final MathContext MC = new MathContext(64, RoundingMode.HALF_EVEN);
    static final BigDecimal TWO = BigDecimal.valueOf(2);
    static final BigDecimal LN2 = atanhInv(3).multiply(TWO, MC);
    static final BigDecimal PI = atanInv(5).multiply(BigDecimal.valueOf(16)).subtract(
            atanInv(239).multiply(BigDecimal.valueOf(4)), MC);
    /** The x87's 66-bit pi used for FSIN/FCOS/FPTAN argument reduction, halved: pi66 / 2. */
    static final BigDecimal PI66_HALF = exactScaled(
            unsigned(0xC90FDAA22168C234L).shiftLeft(2).or(BigInteger.valueOf(3)), -65);

    private Transcendental() {
    }

    /** atan(1/n) by its Taylor series. */
    private static BigDecimal atanInv(int n) {
        BigDecimal x = BigDecimal.ONE.divide(BigDecimal.valueOf(n), MC);
        BigDecimal x2 = x.multiply(x, MC);
        BigDecimal term = x;
        BigDecimal sum = x;
        for (int k = 1; term.signum() != 0 && term.scale() - term.precision() < 70; k++) {
            term = term.multiply(x2, MC).negate();
            sum = sum.add(term.divide(BigDecimal.valueOf(2L * k + 1), MC), MC);
        }
        return sum;
    }

    /** atanh(1/n). */
    private static BigDecimal atanhInv(int n) {
        BigDecimal x = BigDecimal.ONE.divide(BigDecimal.valueOf(n), MC);
        return atanhSeries(x);
    }

    private static BigDecimal atanhSeries(BigDecimal x) {
        BigDecimal x2 = x.multiply(x, MC);
        BigDecimal term = x;
        BigDecimal sum = x;
        for (int k = 1; k < 2000; k++) {
            term = term.multiply(x2, MC);
            BigDecimal t = term.divide(BigDecimal.valueOf(2L * k + 1), MC);
            if (t.signum() == 0 || small(t, sum)) {
                break;
            }
            sum = sum.add(t, MC);
        }
        return sum;
    }

    private static boolean small(BigDecimal t, BigDecimal sum) {
        if (sum.signum() == 0) {
            return false;
        }
        // |t| < |sum| * 10^-70
        return t.abs().compareTo(sum.abs().movePointLeft(70)) < 0;
    }

    /** m * 2^k exactly. */
    static BigDecimal exactScaled(BigInteger m, int k) {
        BigDecimal v = new BigDecimal(m);
        if (k >= 0) {
            return v.multiply(new BigDecimal(BigInteger.ONE.shiftLeft(k)));
        }
        return new BigDecimal(m.multiply(BigInteger.valueOf(5).pow(-k)), -k);
    }

    static BigInteger unsigned(long v) {
        BigInteger b = BigInteger.valueOf(v & Long.MAX_VALUE);
        return v < 0 ? b.setBit(63) : b;
    }

    /** The exact value of a finite extended number whose exponent is moderate. */
    static BigDecimal exact(int se, long sig) {
        if (sig == 0) {
            return BigDecimal.ZERO;
        }
        int e = Float80.normExp(se, sig);
        BigDecimal v = exactScaled(unsigned(Float80.normSig(sig)), e - Float80.BIAS - 63);
        return (se & 0x8000) != 0 ? v.negate() : v;
    }

    /**
     * Rounds {@code v * 2^binExp} (v nonzero) to 64 bits into fp. {@code bias}: when v happens to be
     * exactly representable, the true value lies slightly below (-1) or above (+1) it in magnitude.
     */
    static void round(Float80 fp, BigDecimal v, int binExp, int bias) {
        int sign = v.signum() < 0 ? 1 : 0;
        v = v.abs();
        double d = v.doubleValue();
        int k = d > 0 && !Double.isInfinite(d) ? 63 - Math.getExponent(d)
                : 63 - (int) Math.floor((v.precision() - v.scale()) * 3.321928094887362);
        BigDecimal t = scale(v, k);
        BigDecimal lo64 = new BigDecimal(BigInteger.ONE.shiftLeft(63));
        BigDecimal hi64 = new BigDecimal(BigInteger.ONE.shiftLeft(64));
        while (t.compareTo(hi64) >= 0) {
            k--;
            t = scale(v, k);
        }
        while (t.compareTo(lo64) < 0) {
            k++;
            t = scale(v, k);
        }
        BigInteger ip = t.toBigInteger();
        BigDecimal frac = t.subtract(new BigDecimal(ip));
        BigDecimal f64 = frac.multiply(hi64);
        BigInteger extI = f64.toBigInteger();
        long m = ip.longValue();
        long ext = extI.longValue();
        boolean rest = f64.compareTo(new BigDecimal(extI)) != 0;
        if (rest) {
            ext |= 1;
        } else if (ext == 0 && bias != 0) {
            if (bias > 0) {
                ext = 1;
            } else {
                m -= 1;
                ext = -1L;
            }
        }
        fp.roundPack64(sign, Float80.BIAS + 63 - k + binExp, m, ext);
    }

    private static BigDecimal scale(BigDecimal v, int k) {
        if (k >= 0) {
            return v.multiply(new BigDecimal(BigInteger.ONE.shiftLeft(k)));
        }
        return v.multiply(BigDecimal.valueOf(5).pow(-k)).movePointLeft(-k);
    }

    // ---------------------------------------------------------------- elementary series

    static BigDecimal sinSeries(BigDecimal x) {
        BigDecimal x2 = x.multiply(x, MC);
        BigDecimal term = x;
        BigDecimal sum = x;
        for (int k = 1; k < 200; k++) {
            term = term.multiply(x2, MC).divide(BigDecimal.valueOf((2L * k) * (2L * k + 1)), MC).negate();
            if (term.signum() == 0 || small(term, sum)) {
                break;
            }
            sum = sum.add(term, MC);
        }
        return sum;
    }

    static BigDecimal cosSeries(BigDecimal x) {
        BigDecimal x2 = x.multiply(x, MC);
        BigDecimal term = BigDecimal.ONE;
        BigDecimal sum = BigDecimal.ONE;
        for (int k = 1; k < 200; k++) {
            term = term.multiply(x2, MC).divide(BigDecimal.valueOf((2L * k - 1) * (2L * k)), MC).negate();
            if (term.signum() == 0 || small(term, sum)) {
                break;
            }
            sum = sum.add(term, MC);
        }
        return sum;
    }

    /** e^x - 1 for |x| <= 1, without cancellation. */
    static BigDecimal expm1(BigDecimal x) {
        BigDecimal term = x;
        BigDecimal sum = x;
        for (int k = 2; k < 400; k++) {
            term = term.multiply(x, MC).divide(BigDecimal.valueOf(k), MC);
            if (term.signum() == 0 || small(term, sum)) {
                break;
            }
            sum = sum.add(term, MC);
        }
        return sum;
    }

    /** ln(x) for x > 0 exact-ish BigDecimal in a moderate range. */
    static BigDecimal ln(BigDecimal x) {
        // x = m * 2^E with m in [sqrt(1/2), sqrt(2)).
        int e = 0;
        BigDecimal sqrt2 = BigDecimal.valueOf(1.4142135623730951);
        while (x.compareTo(sqrt2) >= 0) {
            x = x.divide(TWO);
            e++;
        }
        BigDecimal half = sqrt2.divide(TWO);
        while (x.compareTo(half) < 0) {
            x = x.multiply(TWO);
            e--;
        }
        BigDecimal z = x.subtract(BigDecimal.ONE).divide(x.add(BigDecimal.ONE), MC);
        BigDecimal l = atanhSeries(z).multiply(TWO, MC);
        return l.add(LN2.multiply(BigDecimal.valueOf(e)), MC);
    }

    /** atan(x) for x >= 0, moderate. */
    static BigDecimal atan(BigDecimal x) {
        boolean inv = x.compareTo(BigDecimal.ONE) > 0;
        if (inv) {
            x = BigDecimal.ONE.divide(x, MC);
        }
        int halvings = 0;
        while (x.compareTo(new BigDecimal("0.05")) > 0) {
            // atan(x) = 2 atan(x / (1 + sqrt(1 + x^2)))
            x = x.divide(BigDecimal.ONE.add(BigDecimal.ONE.add(x.multiply(x, MC)).sqrt(MC)), MC);
            halvings++;
        }
        BigDecimal x2 = x.multiply(x, MC);
        BigDecimal term = x;
        BigDecimal sum = x;
        for (int k = 1; k < 400; k++) {
            term = term.multiply(x2, MC).negate();
            BigDecimal t = term.divide(BigDecimal.valueOf(2L * k + 1), MC);
            if (t.signum() == 0 || small(t, sum)) {
                break;
            }
            sum = sum.add(t, MC);
        }
        sum = sum.multiply(BigDecimal.valueOf(1L << halvings));
        if (inv) {
            sum = PI.divide(TWO).subtract(sum, MC);
        }
        return sum;
    }

    // ---------------------------------------------------------------- the instructions' math

    /**
     * Reduces finite x (|x| < 2^63) by multiples of pi66/2: returns r and stores the quadrant
     * (k mod 4) in {@code quadrant[0]}.
     */
    static BigDecimal reduce(int se, long sig, int[] quadrant) {
        BigDecimal x = exact(se, sig);
        if (x.abs().compareTo(new BigDecimal("0.78")) < 0) {
            quadrant[0] = 0;
            return x;
        }
        BigDecimal k = x.divide(PI66_HALF, MC).setScale(0, RoundingMode.HALF_EVEN);
        quadrant[0] = k.toBigInteger().intValue() & 3;
        return x.subtract(k.multiply(PI66_HALF));
    }

    /** True when |x| is below 2^-80: sin/tan/atan equal x up to a correction far below an ulp. */
    static boolean tiny(int se, long sig) {
        return Float80.normExp(se, sig) < Float80.BIAS - 80;
    }

    /** sin (which=0), cos (1) or tan (2) of the finite x into fp. */
    static void trig(Float80 fp, int se, long sig, int which) {
        if (sig == 0) {
            if (which == 1) {
                fp.result(Float80.BIAS, Float80.J);
            } else {
                fp.result(se & 0x8000, 0);
            }
            return;
        }
        if (tiny(se, sig)) {
            if (which == 1) {
                round(fp, BigDecimal.ONE, 0, -1);
            } else {
                round(fp, exact(se, sig), 0, which == 0 ? -1 : 1);
            }
            return;
        }
        int[] q = new int[1];
        BigDecimal r = reduce(se, sig, q);
        BigDecimal s = sinSeries(r);
        BigDecimal c = cosSeries(r);
        BigDecimal v;
        switch (which) {
            case 0 -> v = switch (q[0]) {
                case 0 -> s;
                case 1 -> c;
                case 2 -> s.negate();
                default -> c.negate();
            };
            case 1 -> v = switch (q[0]) {
                case 0 -> c;
                case 1 -> s.negate();
                case 2 -> c.negate();
                default -> s;
            };
            default -> v = (q[0] & 1) == 0 ? s.divide(c, MC) : c.divide(s, MC).negate();
        }
        if (v.signum() == 0) {
            fp.result(0, 0);
            return;
        }
        round(fp, v, 0, 0);
    }

    /** 2^x - 1 for finite nonzero x. */
    static void f2xm1(Float80 fp, int se, long sig) {
        int e = Float80.normExp(se, sig);
        if (e > Float80.BIAS + 14) { // far outside the documented domain |x| <= 1
            if ((se & 0x8000) == 0) {
                fp.roundPack64(0, Float80.BIAS + 40000, Float80.J, 0);
            } else {
                round(fp, BigDecimal.ONE.negate(), 0, -1);
            }
            return;
        }
        if (e < Float80.BIAS - 100) {
            BigDecimal m = new BigDecimal(unsigned(Float80.normSig(sig))).multiply(LN2, MC);
            round(fp, (se & 0x8000) != 0 ? m.negate() : m, e - Float80.BIAS - 63, 0);
            return;
        }
        BigDecimal x = exact(se, sig);
        BigDecimal y = x.multiply(LN2, MC);
        BigDecimal v;
        if (y.abs().compareTo(BigDecimal.ONE) <= 0) {
            v = expm1(y);
        } else {
            // outside the documented domain: 2^x - 1 via the integer split
            BigDecimal n = x.setScale(0, RoundingMode.FLOOR);
            BigDecimal f = x.subtract(n);
            BigDecimal p = expm1(f.multiply(LN2, MC)).add(BigDecimal.ONE);
            int ni = n.intValue();
            p = ni >= 0 ? p.multiply(TWO.pow(ni)) : p.divide(TWO.pow(-ni), MC);
            v = p.subtract(BigDecimal.ONE, MC);
        }
        if (v.signum() == 0) {
            fp.result(0, 0);
            return;
        }
        round(fp, v, 0, 0);
    }

    /** log2 of finite positive x, as a scaled value; null when x is a power of two. */
    static BigDecimal log2(int se, long sig) {
        int e = Float80.normExp(se, sig) - Float80.BIAS;
        long m = Float80.normSig(sig);
        BigDecimal mm = exactScaled(unsigned(m), -63);
        BigDecimal l = ln(mm).divide(LN2, MC);
        return l.add(BigDecimal.valueOf(e), MC);
    }

    /** y * log2(x) for finite positive x (not a power of two), finite nonzero y. */
    static void yl2x(Float80 fp, int ySe, long ySig, int xSe, long xSig) {
        BigDecimal l = log2(xSe, xSig);
        int ey = Float80.normExp(ySe, ySig) - Float80.BIAS - 63;
        BigDecimal my = new BigDecimal(unsigned(Float80.normSig(ySig)));
        if ((ySe & 0x8000) != 0) {
            my = my.negate();
        }
        round(fp, my.multiply(l, MC), ey, 0);
    }

    /** y * log2(1 + x) for finite nonzero x > -1, finite nonzero y. */
    static void yl2xp1(Float80 fp, int ySe, long ySig, int xSe, long xSig) {
        int ex = Float80.normExp(xSe, xSig);
        int ey = Float80.normExp(ySe, ySig) - Float80.BIAS - 63;
        BigDecimal my = new BigDecimal(unsigned(Float80.normSig(ySig)));
        if ((ySe & 0x8000) != 0) {
            my = my.negate();
        }
        BigDecimal l;
        int binExp = ey;
        if (ex < Float80.BIAS - 100) {
            BigDecimal mx = new BigDecimal(unsigned(Float80.normSig(xSig)));
            if ((xSe & 0x8000) != 0) {
                mx = mx.negate();
            }
            l = mx.divide(LN2, MC);
            binExp += ex - Float80.BIAS - 63;
        } else {
            BigDecimal x = exact(xSe, xSig);
            // ln(1+x) = 2 atanh(x / (2 + x))
            l = atanhSeries(x.divide(TWO.add(x), MC)).multiply(TWO, MC).divide(LN2, MC);
        }
        round(fp, my.multiply(l, MC), binExp, 0);
    }

    /** atan2(y, x) for finite nonzero y and x. */
    static void atan2(Float80 fp, int ySe, long ySig, int xSe, long xSig) {
        int d = Float80.normExp(ySe, ySig) - Float80.normExp(xSe, xSig);
        BigDecimal my = new BigDecimal(unsigned(Float80.normSig(ySig)));
        BigDecimal mx = new BigDecimal(unsigned(Float80.normSig(xSig)));
        boolean yNeg = (ySe & 0x8000) != 0;
        boolean xNeg = (xSe & 0x8000) != 0;
        BigDecimal a;
        int binExp = 0;
        int bias = 0;
        if (d < -100) {
            BigDecimal q = my.divide(mx, MC);
            if (!xNeg) {
                round(fp, yNeg ? q.negate() : q, d, -1);
                return;
            }
            a = PI; // pi - (tiny)
            a = a.subtract(exactScaledDecimal(q, d), MC);
        } else if (d > 100) {
            a = PI.divide(TWO, MC);
        } else {
            BigDecimal q = exactScaledDecimal(my.divide(mx, MC), d);
            a = atan(q);
            if (xNeg) {
                a = PI.subtract(a, MC);
            }
        }
        if (yNeg) {
            a = a.negate();
        }
        round(fp, a, binExp, bias);
    }

    private static BigDecimal exactScaledDecimal(BigDecimal v, int k) {
        if (k >= 0) {
            return v.multiply(new BigDecimal(BigInteger.ONE.shiftLeft(k)));
        }
        if (k < -300) {
            return BigDecimal.ZERO;
        }
        return v.divide(new BigDecimal(BigInteger.ONE.shiftLeft(-k)), MC);
    }
}
