package dev.jxen.x86.difftest;

import java.util.SplittableRandom;

/**
 * Seeded generator of operand values and register states, biased to the values where
 * implementations go wrong: 0, 1, -1, the sign bit and its neighbours, the maximum and minimum of
 * each operand size, powers of two and their neighbours, small numbers.
 */
public final class Values {
    private final SplittableRandom random;

    public Values(long seed) {
        this.random = new SplittableRandom(seed);
    }

    public SplittableRandom random() {
        return random;
    }

    public int nextInt(int bound) {
        return random.nextInt(bound);
    }

    public boolean chance(int percent) {
        return random.nextInt(100) < percent;
    }

    public long nextLong() {
        return random.nextLong();
    }

    /** An interesting value of {@code bits} bits (8, 16, 32, 64), zero-extended. */
    public long edge(int bits) {
        long mask = bits == 64 ? -1L : (1L << bits) - 1;
        long sign = 1L << (bits - 1);
        int k = random.nextInt(bits);
        long v = switch (random.nextInt(14)) {
            case 0 -> 0;
            case 1 -> 1;
            case 2 -> 2;
            case 3 -> -1;
            case 4 -> -2;
            case 5 -> sign;
            case 6 -> sign - 1;
            case 7 -> sign + 1;
            case 8 -> 1L << k;
            case 9 -> (1L << k) - 1;
            case 10 -> -(1L << k);
            case 11 -> random.nextInt(64);
            case 12 -> -random.nextInt(64);
            default -> (1L << k) + 1;
        };
        return v & mask;
    }

    /** Half edge values, half uniform: a {@code bits}-bit value, zero-extended. */
    public long value(int bits) {
        long mask = bits == 64 ? -1L : (1L << bits) - 1;
        return (random.nextBoolean() ? edge(bits) : random.nextLong()) & mask;
    }

    /**
     * A full register for an operand of {@code bits} bits: the low bits from {@link #value}, the
     * rest random garbage or zero (narrow operations must preserve or clear them correctly).
     */
    public long register(int bits) {
        long low = value(bits);
        if (bits == 64) {
            return low;
        }
        long mask = (1L << bits) - 1;
        long upper = switch (random.nextInt(4)) {
            case 0 -> 0;
            case 1 -> -1L;
            default -> random.nextLong();
        };
        return (upper & ~mask) | low;
    }

    /** Random arithmetic flags, DF usually clear. */
    public long flags() {
        long f = random.nextLong() & (CpuDiff.CF | CpuDiff.PF | CpuDiff.AF | CpuDiff.ZF | CpuDiff.SF | CpuDiff.OF);
        return f;
    }

    /** Fills all GPRs but RSP with register-like values of mixed sizes. */
    public void fillGprs(CpuCase c) {
        for (int r = 0; r < 16; r++) {
            if (r != 4) {
                c.gpr[r] = register(new int[] {8, 16, 32, 64}[random.nextInt(4)]);
            }
        }
        c.rflags = flags();
    }

    /** A page of random bytes with runs of edge values. */
    public byte[] page() {
        byte[] p = new byte[Layout.PAGE];
        for (int i = 0; i < p.length; i += 8) {
            long v = random.nextInt(4) == 0 ? edge(64) : random.nextLong();
            for (int k = 0; k < 8; k++) {
                p[i + k] = (byte) (v >>> (8 * k));
            }
        }
        return p;
    }
}
