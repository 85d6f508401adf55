package dev.jxen.builder;

import dev.jxen.machine.MachineMemory;

/**
 * The builder's only view of the new domain's memory: its pseudo-physical frames and where each one
 * lives in machine memory. The toolstack adapts the hypervisor's domain to this interface.
 */
public interface GuestMemory {
    /** Number of pseudo-physical frames (PFNs 0 .. pageCount-1). */
    long pageCount();

    /** The machine frame behind {@code pfn}, or -1 when the PFN has no frame. */
    long mfn(long pfn);

    /** The host-wide machine memory the frames live in. */
    MachineMemory machine();
}
