package dev.jxen.hypervisor.time;

/**
 * The {@code tsc_to_system_mul}/{@code tsc_shift} pair of {@code vcpu_time_info} for a TSC
 * frequency, chosen as Xen does, and the conversion the guest performs with it:
 * {@code ns = ((tsc << shift) * mul) >> 32} (a right shift when {@code shift} is negative).
 */
public record TscScale(int mul, int shift) {
    /** The scale for a TSC running at {@code hz}. */
    public static TscScale forFrequency(long hz) {
        long rate = hz;
        int shift = 0;
        while (rate > 2_000_000_000L) {
            rate >>>= 1;
            shift--;
        }
        while (rate <= 1_000_000_000L) {
            rate <<= 1;
            shift++;
        }
        long mul = (1_000_000_000L << 32) / rate;
        return new TscScale((int) mul, shift);
    }

    /** Nanoseconds for a TSC delta, exactly as a guest computes them (64x32 -> 96-bit product). */
    public long toNanos(long tscDelta) {
        long d = shift >= 0 ? tscDelta << shift : tscDelta >>> -shift;
        return Math.unsignedMultiplyHigh(d, Integer.toUnsignedLong(mul) << 32);
    }
}
