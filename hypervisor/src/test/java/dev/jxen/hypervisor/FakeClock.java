package dev.jxen.hypervisor;

import java.time.Instant;
import java.time.InstantSource;

/** A clock that moves only when the test says so. */
final class FakeClock implements InstantSource {
    static final Instant START = Instant.parse("2026-01-02T03:04:05.123456789Z");
    private volatile long nanos;

    @Override
    public Instant instant() {
        return START.plusNanos(nanos);
    }

    void advance(long ns) {
        nanos += ns;
    }

    long elapsed() {
        return nanos;
    }
}
