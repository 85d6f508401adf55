package dev.jxen.x86.sse;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * SoftFp against independent references: Java's own IEEE arithmetic (round to nearest, gradual
 * underflow) and exact BigDecimal arithmetic for the directed rounding modes and the flags.
 */
class SoftFpTest {
    private static final int MASKED = 0x1F80;
    private final SoftFp f = new SoftFp();

    /** Random doubles with interesting exponents: normals, denormals, near overflow, exact small integers. */
    private static double randomDouble(SplittableRandom r) {
        return switch (r.nextInt(6)) {
            case 0 -> Double.longBitsToDouble(r.nextLong());
            case 1 -> Double.longBitsToDouble(r.nextLong() & 0x800F_FFFF_FFFF_FFFFL); // denormal
            case 2 -> (r.nextBoolean() ? -1 : 1) * Math.scalb(1 + r.nextDouble(), r.nextInt(-1080, 1024));
            case 3 -> r.nextInt(-1000, 1000);
            case 4 -> Math.scalb((double) r.nextLong(1L << 53), r.nextInt(-1130, -1000));
            default -> Math.scalb(1 + r.nextDouble(), r.nextInt(-20, 20));
        };
    }

    private static float randomFloat(SplittableRandom r) {
        return switch (r.nextInt(5)) {
            case 0 -> Float.intBitsToFloat(r.nextInt());
            case 1 -> Float.intBitsToFloat(r.nextInt() & 0x807F_FFFF);
            case 2 -> (r.nextBoolean() ? -1 : 1) * Math.scalb(1 + r.nextFloat(), r.nextInt(-150, 128));
            case 3 -> r.nextInt(-1000, 1000);
            default -> Math.scalb(1 + r.nextFloat(), r.nextInt(-10, 10));
        };
    }

    @Test
    void nearestMatchesJavaForDoubles() {
        SplittableRandom r = new SplittableRandom(1);
        for (int i = 0; i < 60_000; i++) {
            double a = randomDouble(r);
            double b = randomDouble(r);
            if (Double.isNaN(a) || Double.isNaN(b)) {
                continue;
            }
            f.begin(MASKED);
            check(f.add(bits(a), bits(b), true), a + b, a, b, "add");
            check(f.sub(bits(a), bits(b), true), a - b, a, b, "sub");
            check(f.mul(bits(a), bits(b), true), a * b, a, b, "mul");
            check(f.div(bits(a), bits(b), true), a / b, a, b, "div");
            check(f.sqrt(bits(Math.abs(a)), true), Math.sqrt(Math.abs(a)), a, 0, "sqrt");
        }
    }

    @Test
    void nearestMatchesJavaForFloats() {
        SplittableRandom r = new SplittableRandom(2);
        for (int i = 0; i < 60_000; i++) {
            float a = randomFloat(r);
            float b = randomFloat(r);
            if (Float.isNaN(a) || Float.isNaN(b)) {
                continue;
            }
            f.begin(MASKED);
            checkF(f.add(fbits(a), fbits(b), false), a + b, a, b, "add");
            checkF(f.sub(fbits(a), fbits(b), false), a - b, a, b, "sub");
            checkF(f.mul(fbits(a), fbits(b), false), a * b, a, b, "mul");
            checkF(f.div(fbits(a), fbits(b), false), a / b, a, b, "div");
            checkF(f.sqrt(fbits(Math.abs(a)), false), (float) Math.sqrt(Math.abs(a)), a, 0, "sqrt");
            checkF(f.doubleToFloat(bits((double) a * b)), (float) ((double) a * b), a, b, "d2f");
            assertThat(f.floatToDouble(fbits(a))).isEqualTo(bits(a));
        }
    }

    @Test
    void directedModesBracketTheExactResultAndFlagInexactness() {
        SplittableRandom r = new SplittableRandom(3);
        for (int i = 0; i < 10_000; i++) {
            double a = randomDouble(r);
            double b = randomDouble(r);
            if (!Double.isFinite(a) || !Double.isFinite(b)) {
                continue;
            }
            BigDecimal exactSum = new BigDecimal(a).add(new BigDecimal(b));
            BigDecimal exactProduct = new BigDecimal(a).multiply(new BigDecimal(b));
            checkDirected(exactSum, mode -> f.add(bits(a), bits(b), true), a, b);
            checkDirected(exactProduct, mode -> f.mul(bits(a), bits(b), true), a, b);
        }
    }

    private interface Op {
        long apply(int mode);
    }

    private void checkDirected(BigDecimal exact, Op op, double a, double b) {
        long[] res = new long[4];
        int[] fl = new int[4];
        for (int mode = 0; mode < 4; mode++) {
            f.begin(MASKED | mode << 13);
            res[mode] = op.apply(mode);
            fl[mode] = f.flags;
        }
        double down = Double.longBitsToDouble(res[SoftFp.RC_DOWN]);
        double up = Double.longBitsToDouble(res[SoftFp.RC_UP]);
        double zero = Double.longBitsToDouble(res[SoftFp.RC_ZERO]);
        double near = Double.longBitsToDouble(res[SoftFp.RC_NEAREST]);
        String ctx = a + " , " + b;
        if (exact.signum() == 0) {
            return; // signed zero rules are covered elsewhere
        }
        boolean inexactFlag = (fl[0] & SoftFp.PE) != 0;
        if (Double.isFinite(down)) {
            assertThat(new BigDecimal(down).compareTo(exact)).as(ctx).isLessThanOrEqualTo(0);
        }
        if (Double.isFinite(up)) {
            assertThat(new BigDecimal(up).compareTo(exact)).as(ctx).isGreaterThanOrEqualTo(0);
        }
        if (Double.isFinite(down) && Double.isFinite(up)) {
            boolean exactResult = new BigDecimal(down).compareTo(exact) == 0;
            assertThat(inexactFlag).as(ctx).isEqualTo(!exactResult);
            assertThat(exactResult ? down == up : Math.nextUp(down) == up).as(ctx).isTrue();
            assertThat(zero).as(ctx).isEqualTo(exact.signum() > 0 ? down : up);
            assertThat(near == down || near == up).as(ctx).isTrue();
        }
        for (int m = 1; m < 4; m++) {
            assertThat(fl[m] & SoftFp.PE).as(ctx).isEqualTo(fl[0] & SoftFp.PE | fl[m] & SoftFp.PE);
        }
    }

    @Test
    void flagsForSpecialOperands() {
        f.begin(MASKED);
        assertThat(f.div(bits(1.0), bits(0.0), true)).isEqualTo(bits(Double.POSITIVE_INFINITY));
        assertThat(f.flags).isEqualTo(SoftFp.ZE);
        f.begin(MASKED);
        assertThat(f.div(bits(0.0), bits(0.0), true)).isEqualTo(0xFFF8_0000_0000_0000L);
        assertThat(f.flags).isEqualTo(SoftFp.IE);
        f.begin(MASKED);
        assertThat(f.add(bits(Double.MAX_VALUE), bits(Double.MAX_VALUE), true)).isEqualTo(bits(Double.POSITIVE_INFINITY));
        assertThat(f.flags).isEqualTo(SoftFp.OE | SoftFp.PE);
        f.begin(MASKED | SoftFp.RC_ZERO << 13);
        assertThat(f.add(bits(Double.MAX_VALUE), bits(Double.MAX_VALUE), true)).isEqualTo(bits(Double.MAX_VALUE));
        f.begin(MASKED);
        assertThat(f.mul(bits(0x1p-1000), bits(0x1p-60), true)).isEqualTo(bits(0x1p-1060));
        assertThat(f.flags).isEqualTo(0); // tiny but exact: no underflow when masked
        f.begin(MASKED);
        f.mul(bits(0x1.0000000000001p-1000), bits(0x1p-60), true);
        assertThat(f.flags).isEqualTo(SoftFp.UE | SoftFp.PE);
        f.begin(MASKED | SoftFp.FTZ);
        assertThat(f.mul(bits(-0x1p-1000), bits(0x1p-60), true)).isEqualTo(bits(-0.0));
        assertThat(f.flags).isEqualTo(SoftFp.UE | SoftFp.PE);
        f.begin(MASKED | SoftFp.DAZ);
        assertThat(f.add(bits(Double.MIN_VALUE), bits(1.0), true)).isEqualTo(bits(1.0));
        assertThat(f.flags).isEqualTo(0);
        f.begin(MASKED);
        f.add(bits(Double.MIN_VALUE), bits(1.0), true);
        assertThat(f.flags).isEqualTo(SoftFp.DE | SoftFp.PE);
        f.begin(MASKED | SoftFp.RC_DOWN << 13);
        assertThat(f.sub(bits(1.0), bits(1.0), true)).isEqualTo(bits(-0.0));
        // SNaN in the second operand is quieted; a first-operand QNaN wins over it.
        f.begin(MASKED);
        assertThat(f.add(bits(1.0), 0x7FF0_0000_0000_0001L, true)).isEqualTo(0x7FF8_0000_0000_0001L);
        assertThat(f.flags).isEqualTo(SoftFp.IE);
        assertThat(f.add(0x7FF8_0000_0000_0002L, 0x7FF0_0000_0000_0001L, true)).isEqualTo(0x7FF8_0000_0000_0002L);
    }

    @Test
    void conversionsToIntegerRoundPerModeAndGiveTheIndefinite() {
        f.begin(MASKED);
        assertThat(f.toInt(bits(2.5), true, 32, false)).isEqualTo(2);
        assertThat(f.toInt(bits(-2.5), true, 32, true)).isEqualTo(0xFFFF_FFFEL);
        assertThat(f.flags).isEqualTo(SoftFp.PE);
        f.begin(MASKED);
        assertThat(f.toInt(bits(2147483648.0), true, 32, false)).isEqualTo(0x8000_0000L);
        assertThat(f.flags).isEqualTo(SoftFp.IE);
        f.begin(MASKED);
        assertThat(f.toInt(bits(-2147483648.0), true, 32, false)).isEqualTo(0x8000_0000L);
        assertThat(f.flags).isEqualTo(0);
        f.begin(MASKED);
        assertThat(f.toInt(bits(-0x1p63), true, 64, false)).isEqualTo(Long.MIN_VALUE);
        assertThat(f.flags).isEqualTo(0);
        assertThat(f.toInt(bits(0x1p63), true, 64, false)).isEqualTo(Long.MIN_VALUE);
        assertThat(f.flags).isEqualTo(SoftFp.IE);
        f.begin(MASKED | SoftFp.RC_UP << 13);
        assertThat(f.toInt(bits(0.1), true, 64, false)).isEqualTo(1);
        assertThat(f.toInt(bits(-0.9), true, 64, false)).isEqualTo(0);
        for (long v : new long[] {0, 1, -1, Long.MAX_VALUE, Long.MIN_VALUE, (1L << 53) + 1, 123456789}) {
            f.begin(MASKED);
            assertThat(f.fromInt(v, true)).isEqualTo(bits((double) v));
            assertThat(f.fromInt(v, false)).isEqualTo(fbits((float) v));
        }
    }

    private void check(long got, double want, double a, double b, String op) {
        assertThat(got).as("%s %s %s -> %s", op, a, b, Double.longBitsToDouble(got))
                .isEqualTo(Double.isNaN(want) ? 0xFFF8_0000_0000_0000L : bits(want));
    }

    private void checkF(long got, float want, float a, float b, String op) {
        assertThat(got).as("%s %s %s -> %s", op, a, b, Float.intBitsToFloat((int) got))
                .isEqualTo(Float.isNaN(want) ? 0xFFC0_0000L : fbits(want));
    }

    static long bits(double d) {
        return Double.doubleToRawLongBits(d);
    }

    static long fbits(float v) {
        return Float.floatToRawIntBits(v) & 0xFFFF_FFFFL;
    }
}
