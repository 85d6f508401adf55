package dev.jxen.abi;

/** Commands, statuses and VIRQs of {@code xen/include/public/event_channel.h} and {@code xen.h} (Xen 4.17). */
public final class EventChannelOp {
    private EventChannelOp() {
    }

    public static final int BIND_INTERDOMAIN = 0;
    public static final int BIND_VIRQ = 1;
    public static final int BIND_PIRQ = 2;
    public static final int CLOSE = 3;
    public static final int SEND = 4;
    public static final int STATUS = 5;
    public static final int ALLOC_UNBOUND = 6;
    public static final int BIND_IPI = 7;
    public static final int BIND_VCPU = 8;
    public static final int UNMASK = 9;
    public static final int RESET = 10;
    public static final int INIT_CONTROL = 11;
    public static final int EXPAND_ARRAY = 12;
    public static final int SET_PRIORITY = 13;
    public static final int RESET_CONT = 14;

    /** {@code EVTCHNSTAT_*}. */
    public static final int STAT_CLOSED = 0, STAT_UNBOUND = 1, STAT_INTERDOMAIN = 2, STAT_PIRQ = 3,
            STAT_VIRQ = 4, STAT_IPI = 5;

    /** {@code VIRQ_*} ({@code xen.h}); {@code NR_VIRQS} is 24. */
    public static final int VIRQ_TIMER = 0, VIRQ_DEBUG = 1, VIRQ_CONSOLE = 2, VIRQ_DOM_EXC = 3, VIRQ_TBUF = 4,
            VIRQ_DEBUGGER = 6, VIRQ_XENOPROF = 7, VIRQ_CON_RING = 8, VIRQ_PCPU_STATE = 9, VIRQ_MEM_EVENT = 10,
            VIRQ_ARGO = 11, VIRQ_ENOMEM = 12, VIRQ_XENPMU = 13, NR_VIRQS = 24;

    /** True for the per-vCPU VIRQs (TIMER, DEBUG, XENOPROF, XENPMU); the others are global. */
    public static boolean virqIsPerVcpu(int virq) {
        return virq == VIRQ_TIMER || virq == VIRQ_DEBUG || virq == VIRQ_XENOPROF || virq == VIRQ_XENPMU;
    }
}
