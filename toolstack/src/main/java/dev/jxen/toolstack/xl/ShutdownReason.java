package dev.jxen.toolstack.xl;

import java.util.Locale;

/**
 * Why a guest stopped: Xen's {@code SHUTDOWN_*} codes (public/sched.h). {@code xl create -c}
 * exits with 0 for poweroff and with 10 + the code for every other reason (reboot 11, suspend 12,
 * crash 13, watchdog 14, soft_reset 15), so a script can tell them from xl's own errors (1) and
 * usage errors (2).
 */
public enum ShutdownReason {
    POWEROFF(0), REBOOT(1), SUSPEND(2), CRASH(3), WATCHDOG(4), SOFT_RESET(5);

    /** Added to the shutdown code for every reason but poweroff. */
    public static final int EXIT_STATUS_BASE = 10;

    private final int code;

    ShutdownReason(int code) {
        this.code = code;
    }

    /** Xen's {@code SHUTDOWN_*} value. */
    public int code() {
        return code;
    }

    public int exitStatus() {
        return this == POWEROFF ? 0 : EXIT_STATUS_BASE + code;
    }

    /** The reason as xl names it ({@code poweroff}, {@code soft_reset}...). */
    public String xlName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The reason a domain stopped for, as the hypervisor reports it; null while it runs
     * ({@code r} null) or when it did not shut down but was destroyed.
     */
    public static ShutdownReason of(dev.jxen.hypervisor.ShutdownReason r) {
        return r == null || r == dev.jxen.hypervisor.ShutdownReason.DESTROYED ? null : ofCode(r.code());
    }

    /** The reason for a {@code SHUTDOWN_*} code, or null for a code Xen does not define. */
    public static ShutdownReason ofCode(int code) {
        for (ShutdownReason r : values()) {
            if (r.code == code) {
                return r;
            }
        }
        return null;
    }
}
