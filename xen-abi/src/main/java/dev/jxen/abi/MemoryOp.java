package dev.jxen.abi;

/** Commands and fixed addresses of {@code xen/include/public/memory.h} and {@code arch-x86/xen-x86_64.h}. */
public final class MemoryOp {
    private MemoryOp() {
    }

    public static final int INCREASE_RESERVATION = 0;
    public static final int DECREASE_RESERVATION = 1;
    public static final int MAXIMUM_RAM_PAGE = 2;
    public static final int CURRENT_RESERVATION = 3;
    public static final int MAXIMUM_RESERVATION = 4;
    public static final int POPULATE_PHYSMAP = 6;
    public static final int ADD_TO_PHYSMAP = 7;
    public static final int MEMORY_MAP = 9;
    public static final int MACHINE_MEMORY_MAP = 10;
    public static final int EXCHANGE = 11;
    public static final int MACHPHYS_MAPPING = 12;
    public static final int MAXIMUM_GPFN = 14;

    /** {@code HYPERVISOR_VIRT_START} / {@code MACH2PHYS_VIRT_START} for x86-64. */
    public static final long MACH2PHYS_VIRT_START = 0xFFFF_8000_0000_0000L;
    public static final long MACH2PHYS_VIRT_END = 0xFFFF_8040_0000_0000L;
    /** End of the range reserved for Xen (L4 slots 256..271). */
    public static final long HYPERVISOR_VIRT_END = 0xFFFF_8800_0000_0000L;

    /** e820 type of RAM. */
    public static final int E820_RAM = 1;
}
