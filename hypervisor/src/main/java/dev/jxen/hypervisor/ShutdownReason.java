package dev.jxen.hypervisor;

/**
 * Why a domain stopped: the {@code SHUTDOWN_*} reasons of {@code xen/include/public/sched.h}
 * (with their numbers), plus {@link #DESTROYED} for a domain the toolstack killed.
 */
public enum ShutdownReason {
    POWEROFF(0), REBOOT(1), SUSPEND(2), CRASH(3), WATCHDOG(4), SOFT_RESET(5),
    /** Not a guest request: the toolstack destroyed the domain. */
    DESTROYED(-1);

    private final int code;

    ShutdownReason(int code) {
        this.code = code;
    }

    /** The number the guest passes to {@code SCHEDOP_shutdown} (-1 for {@link #DESTROYED}). */
    public int code() {
        return code;
    }

    /** The reason for a guest's {@code SCHEDOP_shutdown} code, or null when the code is not one. */
    public static ShutdownReason ofCode(int code) {
        for (ShutdownReason r : values()) {
            if (r.code == code && code >= 0) {
                return r;
            }
        }
        return null;
    }
}
