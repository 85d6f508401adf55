package dev.jxen.abi;

/** Commands of {@code xen/include/public/vcpu.h} (Xen 4.17). */
public final class VcpuOp {
    private VcpuOp() {
    }

    public static final int INITIALISE = 0;
    public static final int UP = 1;
    public static final int DOWN = 2;
    public static final int IS_UP = 3;
    public static final int GET_RUNSTATE_INFO = 4;
    public static final int REGISTER_RUNSTATE_MEMORY_AREA = 5;
    public static final int SET_PERIODIC_TIMER = 6;
    public static final int STOP_PERIODIC_TIMER = 7;
    public static final int SET_SINGLESHOT_TIMER = 8;
    public static final int STOP_SINGLESHOT_TIMER = 9;
    public static final int REGISTER_VCPU_INFO = 10;
    public static final int SEND_NMI = 11;
    public static final int GET_PHYSID = 12;
    public static final int REGISTER_VCPU_TIME_MEMORY_AREA = 13;

    /** {@code RUNSTATE_*}. */
    public static final int RUNSTATE_RUNNING = 0, RUNSTATE_RUNNABLE = 1, RUNSTATE_BLOCKED = 2, RUNSTATE_OFFLINE = 3;
    /** {@code XEN_RUNSTATE_UPDATE}: bit 63 of state_entry_time while an update is in progress. */
    public static final long RUNSTATE_UPDATE = 1L << 63;
}
