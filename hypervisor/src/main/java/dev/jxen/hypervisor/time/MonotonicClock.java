package dev.jxen.hypervisor.time;

import java.time.Instant;
import java.time.InstantSource;

/**
 * An {@link InstantSource} that never goes backwards: the wall time at creation plus
 * {@link System#nanoTime()} elapsed since, so guest system time is monotonic even when the host's
 * wall clock is stepped.
 */
public final class MonotonicClock implements InstantSource {
    private final long baseEpochNanos;
    private final long baseNano;

    private MonotonicClock() {
        Instant now = Instant.now();
        this.baseEpochNanos = now.getEpochSecond() * 1_000_000_000L + now.getNano();
        this.baseNano = System.nanoTime();
    }

    public static MonotonicClock system() {
        return new MonotonicClock();
    }

    /** Nanoseconds since the Unix epoch, without allocating. */
    public long epochNanos() {
        return baseEpochNanos + (System.nanoTime() - baseNano);
    }

    @Override
    public Instant instant() {
        long n = baseEpochNanos + (System.nanoTime() - baseNano);
        return Instant.ofEpochSecond(Math.floorDiv(n, 1_000_000_000L), Math.floorMod(n, 1_000_000_000L));
    }
}
