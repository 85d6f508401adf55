package dev.jxen.hypervisor.mm;

import static dev.jxen.abi.XenErrno.EINVAL;

import dev.jxen.machine.MachineMemory;

/**
 * Xen's PV memory model: page types with type counts, validation of page tables when they get a
 * table type (pin, reference from the level above, CR3), and checked updates of their entries
 * ({@code mmu_update}, {@code update_va_mapping}, writable-page-table emulation).
 *
 * <p>Rules (PV-ABI.md §4.6): a frame has one type at a time and keeps it while its type count is
 * non-zero. An L1 entry may map only the domain's own frames and takes the writable type on the
 * target when RW, so a live page table can never be mapped writable and a frame mapped writable
 * cannot become a table. L2..L4 entries take the next lower table type on their target. Validation
 * forces {@code _PAGE_USER} into L2..L4 entries and adds USER plus {@code _PAGE_GUEST_KERNEL} to
 * kernel L1 entries, as Xen does (the guest kernel runs at CPL 3), and fills L4 slots 256..271 with
 * Xen's own entries (the read-only M2P). All methods return 0 or a negative errno.
 *
 * <p>Every operation holds the frame table's lock.
 */
public final class PvMmu {
    public static final long ADDR_MASK = 0x000F_FFFF_FFFF_F000L;
    public static final long P = 1, RW = 2, US = 4, PWT = 8, PCD = 0x10, A = 0x20, D = 0x40, PSE = 0x80,
            G = 0x100, GUEST_KERNEL = 1L << 52, GNTTAB = 1L << 62, NX = 1L << 63;
    /** Bits an L1 entry of a plain domU may not set (cache attributes need I/O rights; bit 62 is Xen's). */
    public static final long L1_DISALLOW = PWT | PCD | PSE | GNTTAB;
    /** Bits L2..L4 entries may not set: no cache attributes, no superpages, no global. */
    public static final long UPPER_DISALLOW = PWT | PCD | PSE | G;

    /** Set JXEN_DEBUG_MMU=1 to have every refusal explained on stderr (debugging guests). */
    private static final boolean DEBUG = System.getenv("JXEN_DEBUG_MMU") != null;

    private final FrameTable ft;
    private final MachineMemory mem;
    private final M2p m2p;
    /** Frames that were writable: a TLB may still hold a writable translation of them. */
    private final java.util.BitSet staleWritable = new java.util.BitSet();
    private volatile java.util.function.IntConsumer tlbFlusher = domid -> { };

    /** The last grant PTE this thread removed other than through the grant interface (0: none). */
    private final ThreadLocal<long[]> implicitGrantUnmap = ThreadLocal.withInitial(() -> new long[1]);

    public PvMmu(FrameTable frames, M2p m2p) {
        this.ft = frames;
        this.mem = frames.memory();
        this.m2p = m2p;
    }

    public FrameTable frames() {
        return ft;
    }

    /**
     * Called with a domain id when that domain's vCPUs must drop their TLBs: a frame that was
     * mapped writable is becoming a page table or descriptor page (as Xen flushes on that type
     * change), so no stale writable translation can reach a validated table.
     */
    public void setTlbFlusher(java.util.function.IntConsumer flusher) {
        this.tlbFlusher = flusher;
    }

    /** True when the slot of an L4 belongs to Xen. */
    public static boolean isXenL4Slot(int slot) {
        return slot >= M2p.XEN_SLOT_FIRST && slot <= M2p.XEN_SLOT_LAST;
    }

    private boolean ownedBy(long mfn, int domid) {
        return ft.valid(mfn) && ft.owner(mfn) == domid;
    }

    private static int refuse(String why, long mfn) {
        if (DEBUG) {
            System.err.println("jxen mmu: refused: " + why + " (mfn 0x" + Long.toHexString(mfn) + ")");
        }
        return -EINVAL;
    }

    /** Takes a type reference of {@code type} on {@code mfn} for {@code domid}, validating a table on first use. */
    public int getPageType(long mfn, int type, int domid) {
        synchronized (ft) {
            if (!ownedBy(mfn, domid)) {
                return refuse("frame not owned by domain " + domid, mfn);
            }
            if (ft.typeCount(mfn) > 0) {
                if (ft.type(mfn) != type) {
                    return refuse("frame is " + FrameTable.typeName(ft.type(mfn)) + " (count " + ft.typeCount(mfn)
                            + "), wanted " + FrameTable.typeName(type), mfn);
                }
                ft.addTypeCount(mfn, 1);
                return 0;
            }
            ft.setType(mfn, type, 1);
            if (type != FrameTable.PGT_WRITABLE && staleWritable.get((int) mfn)) {
                staleWritable.clear((int) mfn);
                tlbFlusher.accept(domid);
            } else if (type == FrameTable.PGT_WRITABLE) {
                staleWritable.clear((int) mfn);
            }
            if (type >= FrameTable.PGT_L1 && type <= FrameTable.PGT_L4) {
                int rc = validate(mfn, type, domid);
                if (rc != 0) {
                    ft.setType(mfn, FrameTable.PGT_NONE, 0);
                    return rc;
                }
            }
            return 0;
        }
    }

    /** Drops a type reference; the last one of a table releases what its entries referenced. */
    public void putPageType(long mfn) {
        synchronized (ft) {
            int count = ft.typeCount(mfn);
            if (count <= 0) {
                return;
            }
            if (count > 1) {
                ft.addTypeCount(mfn, -1);
                return;
            }
            int type = ft.type(mfn);
            ft.setType(mfn, type, 0);
            if (type == FrameTable.PGT_WRITABLE) {
                staleWritable.set((int) mfn);
            }
            if (type >= FrameTable.PGT_L1 && type <= FrameTable.PGT_L4) {
                devalidate(mfn, type);
            }
            ft.setType(mfn, FrameTable.PGT_NONE, 0);
        }
    }

    private int validate(long mfn, int level, int domid) {
        long base = mfn << MachineMemory.PAGE_SHIFT;
        for (int i = 0; i < 512; i++) {
            if (level == 4 && isXenL4Slot(i)) {
                continue;
            }
            long e = mem.read64(base + i * 8L);
            if ((e & P) == 0) {
                continue;
            }
            int rc = getEntryRef(level, e, domid);
            if (rc != 0) {
                for (int j = 0; j < i; j++) {
                    if (level == 4 && isXenL4Slot(j)) {
                        continue;
                    }
                    long ej = mem.read64(base + j * 8L);
                    if ((ej & P) != 0) {
                        putEntryRef(level, ej);
                    }
                }
                return rc;
            }
            long adjusted = adjust(level, e);
            if (adjusted != e) {
                mem.write64(base + i * 8L, adjusted);
            }
        }
        if (level == 4) {
            installXenSlots(mfn);
        }
        return 0;
    }

    /** Writes Xen's entries into L4 slots 256..271 of {@code l4mfn}. */
    public void installXenSlots(long l4mfn) {
        long base = l4mfn << MachineMemory.PAGE_SHIFT;
        mem.write64(base + M2p.XEN_SLOT_FIRST * 8L, m2p.l4Entry());
        for (int s = M2p.XEN_SLOT_FIRST + 1; s <= M2p.XEN_SLOT_LAST; s++) {
            mem.write64(base + s * 8L, 0);
        }
    }

    private void devalidate(long mfn, int level) {
        long base = mfn << MachineMemory.PAGE_SHIFT;
        for (int i = 0; i < 512; i++) {
            if (level == 4 && isXenL4Slot(i)) {
                continue;
            }
            long e = mem.read64(base + i * 8L);
            if ((e & P) != 0) {
                putEntryRef(level, e);
            }
        }
    }

    /** The entry as Xen stores it: USER forced on (see the class comment). */
    static long adjust(int level, long e) {
        if ((e & P) == 0) {
            return e;
        }
        if (level == 1) {
            return (e & US) != 0 ? e : e | US | GUEST_KERNEL;
        }
        return e | US;
    }

    /** Checks a present entry of a level-{@code level} table and takes the references it implies. */
    public int getEntryRef(int level, long e, int domid) {
        long target = (e & ADDR_MASK) >>> MachineMemory.PAGE_SHIFT;
        if (level == 1) {
            if ((e & L1_DISALLOW) != 0) {
                return refuse("L1 entry 0x" + Long.toHexString(e) + " has disallowed bits", target);
            }
            if (!ownedBy(target, domid)) {
                return refuse("L1 entry 0x" + Long.toHexString(e) + " maps a frame not owned by domain " + domid,
                        target);
            }
            ft.addRef(target, 1);
            if ((e & RW) != 0) {
                int rc = getPageType(target, FrameTable.PGT_WRITABLE, domid);
                if (rc != 0) {
                    ft.addRef(target, -1);
                    return rc;
                }
            }
            return 0;
        }
        if ((e & UPPER_DISALLOW) != 0) {
            return refuse("L" + level + " entry 0x" + Long.toHexString(e) + " has disallowed bits", target);
        }
        return getPageType(target, level - 1, domid);
    }

    /** Releases what {@link #getEntryRef} took for a present entry. */
    public void putEntryRef(int level, long e) {
        long target = (e & ADDR_MASK) >>> MachineMemory.PAGE_SHIFT;
        if (!ft.valid(target)) {
            return;
        }
        if (level == 1) {
            if ((e & GNTTAB) != 0) {
                // A grant mapping's references belong to its grant handle: only the grant unmap
                // (or the mapper's destruction) gives them back. Removing the PTE any other way is
                // a guest bug that Xen answers with #GP(0) on the vCPU that did it (4.17+; older
                // Xen crashed the domain): note it for the caller to raise.
                implicitGrantUnmap.get()[0] = e;
                if (DEBUG) {
                    System.err.println("jxen mmu: attempt to implicitly unmap grant PTE 0x" + Long.toHexString(e));
                }
                return;
            }
            ft.addRef(target, -1);
            if ((e & RW) != 0) {
                putPageType(target);
            }
            return;
        }
        putPageType(target);
    }

    /** MMUEXT_PIN_Lx_TABLE: validates {@code mfn} as a level-{@code level} table and pins it. */
    public int pin(long mfn, int level, int domid) {
        synchronized (ft) {
            if (level < 1 || level > 4 || !ownedBy(mfn, domid) || ft.pinned(mfn)) {
                return -EINVAL;
            }
            int rc = getPageType(mfn, level, domid);
            if (rc == 0) {
                ft.setPinned(mfn, true);
            }
            return rc;
        }
    }

    /** MMUEXT_UNPIN_TABLE. */
    public int unpin(long mfn, int domid) {
        synchronized (ft) {
            if (!ownedBy(mfn, domid) || !ft.pinned(mfn)) {
                return -EINVAL;
            }
            ft.setPinned(mfn, false);
            putPageType(mfn);
            return 0;
        }
    }

    /**
     * MMU_NORMAL_PT_UPDATE / MMU_PT_UPDATE_PRESERVE_AD: stores {@code val} at machine address
     * {@code ma}. In a validated table the new entry is checked first; any other frame must be able
     * to become writable.
     */
    public int updateEntry(long ma, long val, int domid, boolean preserveAd) {
        synchronized (ft) {
            long mfn = ma >>> MachineMemory.PAGE_SHIFT;
            if ((ma & 7) != 0 || !ownedBy(mfn, domid)) {
                return -EINVAL;
            }
            if (ft.isPageTable(mfn)) {
                return updateTableEntry(ma, ft.type(mfn), val, domid, preserveAd);
            }
            int rc = getPageType(mfn, FrameTable.PGT_WRITABLE, domid);
            if (rc != 0) {
                return rc;
            }
            mem.write64(ma, val);
            putPageType(mfn);
            return 0;
        }
    }

    /** Replaces an entry of a validated table of {@code level}. */
    public int updateTableEntry(long ma, int level, long val, int domid, boolean preserveAd) {
        synchronized (ft) {
            if (level == 4 && isXenL4Slot((int) ((ma & MachineMemory.PAGE_MASK) >>> 3))) {
                return -EINVAL;
            }
            long old = mem.read64(ma);
            if (preserveAd) {
                val |= old & (A | D);
            }
            if ((val & P) != 0) {
                int rc = getEntryRef(level, val, domid);
                if (rc != 0) {
                    return rc;
                }
                val = adjust(level, val);
            }
            mem.write64(ma, val);
            if ((old & P) != 0) {
                putEntryRef(level, old);
            }
            return 0;
        }
    }

    // ------------------------------------------------------------------ grant mappings

    /**
     * Takes the references a grant mapping of {@code mfn} holds: a general reference, counted as a
     * grant mapping (so the frame outlives its owner's destruction while mapped), and for a
     * writable mapping the writable type, so the owner cannot make it a page table meanwhile.
     * Returns 0, or -EINVAL when {@code owner} no longer owns the frame or it cannot be writable.
     */
    public int getGrantRef(long mfn, int owner, boolean writable) {
        synchronized (ft) {
            if (!ownedBy(mfn, owner)) {
                return refuse("granted frame not owned by domain " + owner, mfn);
            }
            if (writable) {
                int rc = getPageType(mfn, FrameTable.PGT_WRITABLE, owner);
                if (rc != 0) {
                    return rc;
                }
            }
            ft.getGrantMap(mfn);
            return 0;
        }
    }

    /** Gives back what {@link #getGrantRef} took. */
    public void putGrantRef(long mfn, boolean writable) {
        synchronized (ft) {
            if (writable) {
                putPageType(mfn);
            }
            ft.putGrantMap(mfn);
        }
    }

    /**
     * Machine address of the L1 entry at machine address {@code pteMa} when it lies in a validated
     * L1 table of {@code domid} (GNTMAP_contains_pte), else -1.
     */
    public long grantPteAddress(long pteMa, int domid) {
        synchronized (ft) {
            long l1 = pteMa >>> MachineMemory.PAGE_SHIFT;
            if ((pteMa & 7) != 0 || !ownedBy(l1, domid) || !ft.isPageTable(l1) || ft.type(l1) != FrameTable.PGT_L1) {
                return -1;
            }
            return pteMa;
        }
    }

    /**
     * Stores a grant PTE (or, with {@code val} 0, clears one) at {@code pteMa} in a validated L1,
     * returning the entry it replaced. The grant code holds the new entry's references; the caller
     * releases the old entry's with {@link #putEntryRef} when it was an ordinary mapping.
     */
    public long exchangeGrantPte(long pteMa, long val) {
        synchronized (ft) {
            long old = mem.read64(pteMa);
            mem.write64(pteMa, val);
            return old;
        }
    }

    /**
     * The grant PTE the calling thread last overwrote or dropped through a page-table update rather
     * than GNTTABOP_unmap_grant_ref (mmu_update, update_va_mapping, writable page tables, unpinning
     * or devalidating its L1, mapping a grant over it), or 0; clears the note. The vCPU that did it
     * gets #GP(0), as on Xen; the frame's references stay with the grant handle until the mapper's
     * destruction.
     */
    public long takeImplicitGrantUnmap() {
        long[] slot = implicitGrantUnmap.get();
        long e = slot[0];
        slot[0] = 0;
        return e;
    }

    /** MMU_MACHPHYS_UPDATE: {@code M2P[mfn] = pfn} for a frame the domain owns. */
    public int machphysUpdate(long mfn, long pfn, int domid) {
        if (!ownedBy(mfn, domid)) {
            return -EINVAL;
        }
        m2p.set(mfn, pfn);
        return 0;
    }

    /**
     * Machine address of the L1 entry that maps {@code va} under the L4 {@code l4mfn}, or -1 when a
     * level is not present or the L1 is not a validated L1 table.
     */
    public long l1EntryAddress(long l4mfn, long va) {
        synchronized (ft) {
            long table = l4mfn << MachineMemory.PAGE_SHIFT;
            for (int shift = 39; shift > 12; shift -= 9) {
                long e = mem.read64(table + ((va >>> shift) & 511) * 8);
                if ((e & P) == 0 || (e & PSE) != 0) {
                    return -1;
                }
                table = e & ADDR_MASK;
            }
            long l1 = table >>> MachineMemory.PAGE_SHIFT;
            if (!ft.valid(l1) || !ft.isPageTable(l1) || ft.type(l1) != FrameTable.PGT_L1) {
                return -1;
            }
            return table + ((va >>> 12) & 511) * 8;
        }
    }
}
