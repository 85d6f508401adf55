package dev.jxen.hypervisor.grant;

/**
 * The vCPU making a grant hypercall, as the grant code needs it: its domain, its guest virtual
 * memory (the argument arrays) and its current page table. The memory accessors throw the
 * hypervisor's guest-fault exception for an unmapped address, which turns into -EFAULT.
 */
public interface GrantCaller {
    int domid();

    long read64(long va);

    int read32(long va);

    int read16(long va);

    void write64(long va, long value);

    void write32(long va, int value);

    void write16(long va, int value);

    /** Writes {@code value} at {@code va}; false instead of a fault when the address is not writable. */
    boolean tryWrite64(long va, long value);

    /** MFN of the L4 the vCPU runs on now (kernel or user table). */
    long currentL4();

    /** Drops the TLBs of the caller's domain (after a page-table entry changed). */
    void flushTlbs();
}
