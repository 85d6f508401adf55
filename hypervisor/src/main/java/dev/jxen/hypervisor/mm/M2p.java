package dev.jxen.hypervisor.mm;

import dev.jxen.machine.MachineMemory;

/** The machine-to-physical table, kept in Xen-owned machine frames and mapped read-only into guests. */
public final class M2p {
    public static final long VIRT_START = 0xFFFF_8000_0000_0000L;

    public M2p(MachineMemory memory, FrameTable frames) {
    }

    public void set(long mfn, long pfn) {
    }
}
