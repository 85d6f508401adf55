package dev.jxen.abi;

/** Commands of {@code xen/include/public/physdev.h} (Xen 4.17) that PV domUs use. */
public final class PhysdevOp {
    private PhysdevOp() {
    }

    public static final int EOI = 12;
    public static final int IRQ_STATUS_QUERY = 5;
    public static final int SET_IOPL = 6;
    public static final int SET_IOBITMAP = 7;
    public static final int APIC_READ = 8;
    public static final int APIC_WRITE = 9;
    public static final int ALLOC_IRQ_VECTOR = 10;
    public static final int MAP_PIRQ = 13;
    public static final int UNMAP_PIRQ = 14;
    public static final int PIRQ_EOI_GMFN_V2 = 28;
}
