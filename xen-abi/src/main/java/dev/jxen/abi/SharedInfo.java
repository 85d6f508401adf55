package dev.jxen.abi;

/**
 * Offsets of {@code struct shared_info}, {@code struct vcpu_info} and {@code struct vcpu_time_info}
 * for x86-64, mirroring {@code xen/include/public/xen.h} and {@code arch-x86/xen.h} (Xen 4.17).
 */
public final class SharedInfo {
    private SharedInfo() {
    }

    /** {@code XEN_LEGACY_MAX_VCPUS}: vcpu_info slots inside shared_info. */
    public static final int LEGACY_MAX_VCPUS = 32;
    public static final int VCPU_INFO_SIZE = 64;

    // struct shared_info
    public static final int VCPU_INFO = 0;
    public static final int EVTCHN_PENDING = 2048;
    public static final int EVTCHN_MASK = 2560;
    public static final int WC_VERSION = 3072;
    public static final int WC_SEC = 3076;
    public static final int WC_NSEC = 3080;
    public static final int WC_SEC_HI = 3084;
    public static final int ARCH = 3088;
    public static final int ARCH_MAX_PFN = ARCH;

    // struct vcpu_info
    public static final int VI_UPCALL_PENDING = 0;
    public static final int VI_UPCALL_MASK = 1;
    public static final int VI_PENDING_SEL = 8;
    public static final int VI_ARCH_CR2 = 16;
    public static final int VI_TIME = 32;

    // struct vcpu_time_info, relative to its start
    public static final int TIME_VERSION = 0;
    public static final int TIME_TSC_TIMESTAMP = 8;
    public static final int TIME_SYSTEM_TIME = 16;
    public static final int TIME_TSC_TO_SYSTEM_MUL = 24;
    public static final int TIME_TSC_SHIFT = 28;
    public static final int TIME_FLAGS = 29;
    /** {@code XEN_PVCLOCK_TSC_STABLE_BIT}. */
    public static final int PVCLOCK_TSC_STABLE = 1;

    /** Number of event channel ports of the 2-level ABI ({@code EVTCHN_2L_NR_CHANNELS}). */
    public static final int EVTCHN_2L_NR_CHANNELS = 4096;
}
