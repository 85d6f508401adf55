package dev.jxen.hypervisor.mm;

import dev.jxen.machine.MachineMemory;

/**
 * The machine-to-physical table: one u64 PFN per machine frame ({@code ~0} when none), kept in
 * Xen-owned machine frames so guests read it through their page tables, as on Xen, at
 * {@link #VIRT_START} (read-only, L4 slot 256).
 *
 * <p>Xen's page tables for the slot: one L3 whose first {@link #L3_ENTRIES} entries cover the
 * 256 GiB M2P range. The part backed by real table frames maps them; the rest of the range maps a
 * shared L2 -> L1 -> frame chain full of {@code ~0}, so any MFN a guest looks up reads as invalid
 * instead of faulting. Every leaf entry is present, user, read-only and no-execute.
 */
public final class M2p {
    public static final long VIRT_START = 0xFFFF_8000_0000_0000L;
    public static final long VIRT_END = 0xFFFF_8040_0000_0000L;
    /** L4 slots reserved for Xen: a guest may neither map nor write them. */
    public static final int XEN_SLOT_FIRST = 256, XEN_SLOT_LAST = 271;
    static final int L3_ENTRIES = 256;
    private static final long LEAF = 0x8000_0000_0000_0025L; // P|US|A|NX, read-only
    private static final long TABLE = 0x25L; // P|US|A; read-only is enforced at the leaf

    private final MachineMemory memory;
    private final long tableBase;
    private final long entries;
    private final long l3Mfn;

    public M2p(MachineMemory memory, FrameTable frames) {
        this.memory = memory;
        this.entries = memory.frameCount();
        long tableFrames = (entries * 8 + MachineMemory.PAGE_MASK) >>> MachineMemory.PAGE_SHIFT;
        // The table must be contiguous: take the first frames, before any domain exists.
        long first = -1;
        synchronized (frames) {
            for (long i = 0; i < tableFrames; i++) {
                long mfn = frames.allocate(FrameTable.DOMID_XEN);
                if (first < 0) {
                    first = mfn;
                } else if (mfn != first + i) {
                    throw new IllegalStateException("M2P frames not contiguous");
                }
            }
            this.tableBase = first << MachineMemory.PAGE_SHIFT;
            memory.segment().asSlice(tableBase, tableFrames << MachineMemory.PAGE_SHIFT).fill((byte) 0xFF);
            // The filler chain for the unbacked part of the range.
            long fillFrame = frames.allocate(FrameTable.DOMID_XEN);
            memory.frame(fillFrame).fill((byte) 0xFF);
            long fillL1 = frames.allocate(FrameTable.DOMID_XEN);
            long fillL2 = frames.allocate(FrameTable.DOMID_XEN);
            for (int i = 0; i < 512; i++) {
                memory.write64((fillL1 << 12) + i * 8L, (fillFrame << 12) | LEAF);
                memory.write64((fillL2 << 12) + i * 8L, (fillL1 << 12) | TABLE);
            }
            l3Mfn = frames.allocate(FrameTable.DOMID_XEN);
            long l2PerL3 = 512L * 512; // table frames one L2 covers
            for (int s = 0; s < L3_ENTRIES; s++) {
                long firstFrame = s * l2PerL3;
                if (firstFrame >= tableFrames) {
                    memory.write64((l3Mfn << 12) + s * 8L, (fillL2 << 12) | TABLE);
                    continue;
                }
                long l2 = frames.allocate(FrameTable.DOMID_XEN);
                for (int j = 0; j < 512; j++) {
                    long f1 = firstFrame + j * 512L;
                    if (f1 >= tableFrames) {
                        memory.write64((l2 << 12) + j * 8L, (fillL1 << 12) | TABLE);
                        continue;
                    }
                    long l1 = frames.allocate(FrameTable.DOMID_XEN);
                    for (int k = 0; k < 512; k++) {
                        long f = f1 + k;
                        long target = f < tableFrames ? first + f : fillFrame;
                        memory.write64((l1 << 12) + k * 8L, (target << 12) | LEAF);
                    }
                    memory.write64((l2 << 12) + j * 8L, (l1 << 12) | TABLE);
                }
                memory.write64((l3Mfn << 12) + s * 8L, (l2 << 12) | TABLE);
            }
        }
    }

    /** Number of entries (one per machine frame). */
    public long entries() {
        return entries;
    }

    public long get(long mfn) {
        return memory.segment().get(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, tableBase + mfn * 8);
    }

    public void set(long mfn, long pfn) {
        memory.write64(tableBase + mfn * 8, pfn);
    }

    /** The L4 entry Xen installs in slot 256 of every validated L4. */
    public long l4Entry() {
        return (l3Mfn << 12) | TABLE;
    }
}
