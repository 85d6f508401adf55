package dev.jxen.abi;

/** Commands of {@code xen/include/public/sched.h} (Xen 4.17); shutdown reasons are {@code SHUTDOWN_*}. */
public final class SchedOp {
    private SchedOp() {
    }

    public static final int YIELD = 0;
    public static final int BLOCK = 1;
    public static final int SHUTDOWN = 2;
    public static final int POLL = 3;
    public static final int REMOTE_SHUTDOWN = 4;
    public static final int SHUTDOWN_CODE = 5;
    public static final int WATCHDOG = 6;
    public static final int PIN_OVERRIDE = 7;

    public static final int SHUTDOWN_POWEROFF = 0, SHUTDOWN_REBOOT = 1, SHUTDOWN_SUSPEND = 2, SHUTDOWN_CRASH = 3,
            SHUTDOWN_WATCHDOG = 4, SHUTDOWN_SOFT_RESET = 5;
}
