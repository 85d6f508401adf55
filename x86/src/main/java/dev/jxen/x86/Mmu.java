package dev.jxen.x86;

import dev.jxen.machine.MachineMemory;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Linear memory for one vCPU: 4-level paging (4 KiB, 2 MiB and 1 GiB pages, NX, U/S, R/W with
 * CR0.WP, accessed/dirty bits) in front of a software TLB with separate read, write and fetch
 * entries. The TLB is filled for the current CPL only, so the CPU flushes it when CPL changes.
 *
 * <p>Accessors take linear addresses (segment bases already added). The fast path is one array
 * compare and one load; misses, page-crossing accesses and faults go to the slow path, which
 * raises #PF/#GP through {@link CpuFault} with the CPU's pending-exception fields set. A write that
 * lands on a frame holding decoded code is never cached in the write TLB, so its slow path can
 * drop the decoded code (self-modifying code).
 */
public final class Mmu {
    static final int TLB_BITS = 9;
    static final int TLB_SIZE = 1 << TLB_BITS;
    static final int TLB_MASK = TLB_SIZE - 1;
    /** A tag no page-aligned address can equal. */
    static final long INVALID = 1L;

    public static final int ACCESS_READ = 0, ACCESS_WRITE = 1, ACCESS_FETCH = 2;

    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfByte BYTE = ValueLayout.JAVA_BYTE;

    // PTE bits
    static final long P = 1, RW = 2, US = 4, PWT = 8, PCD = 16, A = 32, D = 64, PS = 128, G = 256;
    static final long NX = 1L << 63;
    static final long ADDR_MASK = 0x000F_FFFF_FFFF_F000L;

    private final X86Cpu cpu;
    private final MachineMemory memory;
    private final MemorySegment mem;
    private final long memSize;

    private final long[] readTag = new long[TLB_SIZE];
    private final long[] readPage = new long[TLB_SIZE];
    private final long[] writeTag = new long[TLB_SIZE];
    private final long[] writePage = new long[TLB_SIZE];
    private final long[] fetchTag = new long[TLB_SIZE];
    private final long[] fetchPage = new long[TLB_SIZE];
    /** Slot i of each TLB came from a global mapping (kept by a non-global flush). */
    private final boolean[] readGlobal = new boolean[TLB_SIZE];
    private final boolean[] writeGlobal = new boolean[TLB_SIZE];
    private final boolean[] fetchGlobal = new boolean[TLB_SIZE];
    /** Some slot holds a piece of a 2 MiB or 1 GiB page: INVLPG must then drop all its pieces. */
    private boolean largePagesCached;
    /** The entries of the walk in progress and where they are, to set accessed bits once it succeeds. */
    private final long[] walkEntry = new long[4];
    private final long[] walkEntryMa = new long[4];

    /** When false (CR0.PG clear), linear addresses are machine addresses. */
    boolean paging = true;

    Mmu(X86Cpu cpu, MachineMemory memory) {
        this.cpu = cpu;
        this.memory = memory;
        this.mem = memory.segment();
        this.memSize = memory.size();
        flush(true);
    }

    public MachineMemory memory() {
        return memory;
    }

    // ---------------------------------------------------------------- TLB maintenance

    /**
     * Bumped whenever translations may have changed (flush, INVLPG), so that whoever remembers a
     * translation (the interpreter's block chains) knows when to look it up again.
     */
    long epoch;

    public void flush(boolean includeGlobal) {
        epoch++;
        boolean large = false;
        for (int i = 0; i < TLB_SIZE; i++) {
            if (includeGlobal || !readGlobal[i]) {
                readTag[i] = INVALID;
                readGlobal[i] = false;
            }
            if (includeGlobal || !writeGlobal[i]) {
                writeTag[i] = INVALID;
                writeGlobal[i] = false;
            }
            if (includeGlobal || !fetchGlobal[i]) {
                fetchTag[i] = INVALID;
                fetchGlobal[i] = false;
            }
            large |= readGlobal[i] | writeGlobal[i] | fetchGlobal[i];
        }
        // Surviving global entries may come from large pages: stay conservative for INVLPG then.
        largePagesCached &= large;
    }

    /** INVLPG: drops the translation of the page holding {@code va}, global or not, whatever its size. */
    public void invalidatePage(long va) {
        epoch++;
        if (!largePagesCached) {
            int i = (int) (va >>> 12) & TLB_MASK;
            readTag[i] = INVALID;
            writeTag[i] = INVALID;
            fetchTag[i] = INVALID;
            readGlobal[i] = writeGlobal[i] = fetchGlobal[i] = false;
            return;
        }
        // The TLB holds large pages in 4 KiB pieces: drop every piece of the 1 GiB region around va.
        long region = va >>> 30;
        for (int i = 0; i < TLB_SIZE; i++) {
            if (readTag[i] >>> 30 == region) {
                readTag[i] = INVALID;
                readGlobal[i] = false;
            }
            if (writeTag[i] >>> 30 == region) {
                writeTag[i] = INVALID;
                writeGlobal[i] = false;
            }
            if (fetchTag[i] >>> 30 == region) {
                fetchTag[i] = INVALID;
                fetchGlobal[i] = false;
            }
        }
    }

    /** Drops write entries that point at machine frame {@code mfn} (it now holds decoded code). */
    void dropWritesTo(long mfn) {
        long page = mfn << 12;
        for (int i = 0; i < TLB_SIZE; i++) {
            if (writeTag[i] != INVALID && writePage[i] == page) {
                writeTag[i] = INVALID;
            }
        }
    }

    // ---------------------------------------------------------------- fast paths

    public int read8(long va) {
        int i = (int) (va >>> 12) & TLB_MASK;
        if (readTag[i] == (va & ~0xFFFL)) {
            return mem.get(BYTE, readPage[i] | (va & 0xFFF)) & 0xFF;
        }
        return (int) readSlow(va, 1);
    }

    public int read16(long va) {
        int i = (int) (va >>> 12) & TLB_MASK;
        if (readTag[i] == (va & ~0xFFFL) && (va & 0xFFF) <= 0xFFE) {
            return mem.get(SHORT, readPage[i] | (va & 0xFFF)) & 0xFFFF;
        }
        return (int) readSlow(va, 2);
    }

    public int read32(long va) {
        int i = (int) (va >>> 12) & TLB_MASK;
        if (readTag[i] == (va & ~0xFFFL) && (va & 0xFFF) <= 0xFFC) {
            return mem.get(INT, readPage[i] | (va & 0xFFF));
        }
        return (int) readSlow(va, 4);
    }

    public long read64(long va) {
        int i = (int) (va >>> 12) & TLB_MASK;
        if (readTag[i] == (va & ~0xFFFL) && (va & 0xFFF) <= 0xFF8) {
            return mem.get(LONG, readPage[i] | (va & 0xFFF));
        }
        return readSlow(va, 8);
    }

    public void write8(long va, int v) {
        int i = (int) (va >>> 12) & TLB_MASK;
        if (writeTag[i] == (va & ~0xFFFL)) {
            mem.set(BYTE, writePage[i] | (va & 0xFFF), (byte) v);
            return;
        }
        writeSlow(va, 1, v);
    }

    public void write16(long va, int v) {
        int i = (int) (va >>> 12) & TLB_MASK;
        if (writeTag[i] == (va & ~0xFFFL) && (va & 0xFFF) <= 0xFFE) {
            mem.set(SHORT, writePage[i] | (va & 0xFFF), (short) v);
            return;
        }
        writeSlow(va, 2, v);
    }

    public void write32(long va, int v) {
        int i = (int) (va >>> 12) & TLB_MASK;
        if (writeTag[i] == (va & ~0xFFFL) && (va & 0xFFF) <= 0xFFC) {
            mem.set(INT, writePage[i] | (va & 0xFFF), v);
            return;
        }
        writeSlow(va, 4, v);
    }

    public void write64(long va, long v) {
        int i = (int) (va >>> 12) & TLB_MASK;
        if (writeTag[i] == (va & ~0xFFFL) && (va & 0xFFF) <= 0xFF8) {
            mem.set(LONG, writePage[i] | (va & 0xFFF), v);
            return;
        }
        writeSlow(va, 8, v);
    }

    /** Reads {@code size} (1, 2, 4, 8) bytes, zero-extended. */
    public long read(long va, int size) {
        return switch (size) {
            case 1 -> read8(va);
            case 2 -> read16(va);
            case 4 -> read32(va) & 0xFFFF_FFFFL;
            default -> read64(va);
        };
    }

    public void write(long va, int size, long v) {
        switch (size) {
            case 1 -> write8(va, (int) v);
            case 2 -> write16(va, (int) v);
            case 4 -> write32(va, (int) v);
            default -> write64(va, v);
        }
    }

    /**
     * Reads {@code size} bytes (1, 2, 4, 8, zero-extended) for a read-modify-write instruction: the
     * CPU checks such a read as a write, so a fault has the W bit in its error code even though the
     * read comes first, and a read-only page faults before anything is computed.
     */
    public long readForWrite(long va, int size) {
        probeWrite(va, size);
        return read(va, size);
    }

    /**
     * Checks that {@code size} bytes at {@code va} are writable (raising the fault if not) without
     * writing; used by instructions that must fault before changing anything else.
     */
    public void probeWrite(long va, int size) {
        int i = (int) (va >>> 12) & TLB_MASK;
        if (writeTag[i] == (va & ~0xFFFL) && (va & 0xFFF) <= 0x1000 - size) {
            return;
        }
        translate(va, ACCESS_WRITE);
        if (((va + size - 1) ^ va) >>> 12 != 0) {
            translate((va + size - 1) & ~0xFFFL, ACCESS_WRITE);
        }
    }

    /** Machine address of the byte at {@code va} for an instruction fetch. */
    public long fetchAddress(long va) {
        int i = (int) (va >>> 12) & TLB_MASK;
        if (fetchTag[i] == (va & ~0xFFFL)) {
            return fetchPage[i] | (va & 0xFFF);
        }
        return translate(va, ACCESS_FETCH);
    }

    // ---------------------------------------------------------------- slow paths

    private long readSlow(long va, int size) {
        long end = va + size - 1;
        if (((end ^ va) >>> 12) == 0) {
            long ma = translate(va, ACCESS_READ);
            return loadMachine(ma, size);
        }
        // Page-crossing: translate both halves before reading either. A fault on the second page
        // reports its first byte, as the CPU does.
        long ma0 = translate(va, ACCESS_READ);
        long ma1 = translate(end & ~0xFFFL, ACCESS_READ) + (end & 0xFFF);
        long v = 0;
        for (int b = 0; b < size; b++) {
            long a = va + b;
            long ma = ((a ^ va) >>> 12) == 0 ? ma0 + b : ma1 - (end - a);
            v |= (long) (mem.get(BYTE, ma) & 0xFF) << (8 * b);
        }
        return v;
    }

    private void writeSlow(long va, int size, long v) {
        long end = va + size - 1;
        long ma0 = translate(va, ACCESS_WRITE);
        if (((end ^ va) >>> 12) == 0) {
            storeMachine(ma0, size, v);
            cpu.noteCodeWrite(ma0 >>> 12);
            return;
        }
        long ma1 = translate(end & ~0xFFFL, ACCESS_WRITE) + (end & 0xFFF);
        for (int b = 0; b < size; b++) {
            long a = va + b;
            long ma = ((a ^ va) >>> 12) == 0 ? ma0 + b : ma1 - (end - a);
            mem.set(BYTE, ma, (byte) (v >>> (8 * b)));
        }
        cpu.noteCodeWrite(ma0 >>> 12);
        cpu.noteCodeWrite(ma1 >>> 12);
    }

    private long loadMachine(long ma, int size) {
        return switch (size) {
            case 1 -> mem.get(BYTE, ma) & 0xFF;
            case 2 -> mem.get(SHORT, ma) & 0xFFFF;
            case 4 -> mem.get(INT, ma);
            default -> mem.get(LONG, ma);
        };
    }

    private void storeMachine(long ma, int size, long v) {
        switch (size) {
            case 1 -> mem.set(BYTE, ma, (byte) v);
            case 2 -> mem.set(SHORT, ma, (short) v);
            case 4 -> mem.set(INT, ma, (int) v);
            default -> mem.set(LONG, ma, v);
        }
    }

    /**
     * Translates {@code va} for {@code access} at the current CPL, filling the TLB, or raises the
     * fault. Non-canonical addresses raise #GP(0) (#SS(0) for stack accesses is the caller's).
     */
    long translate(long va, int access) {
        long ma = walk(va, access, cpu.cpl, true);
        if (ma < 0) {
            throw CpuFault.INSTANCE;
        }
        return ma;
    }

    /**
     * Walks the page tables. Returns the machine address, or -1 after recording the exception in
     * the CPU's pending fields. Accessed bits (and the dirty bit of a write) are set only when the
     * access succeeds. Fills the TLB when {@code fill}.
     */
    long walk(long va, int access, int cpl, boolean fill) {
        if ((va << 16 >> 16) != va) {
            cpu.pendingException(Vectors.GP, 0, true, 0);
            return -1;
        }
        boolean user = cpl == 3;
        boolean write = access == ACCESS_WRITE;
        long pageBase;
        boolean writable;
        boolean globalPage = false;
        boolean large = false;
        if (!paging) {
            pageBase = va & ~0xFFFL;
            writable = true;
        } else {
            long table = cpu.cr3 & ADDR_MASK;
            long nxReserved = cpu.nxEnabled() ? 0 : NX;
            boolean rwAll = true;
            boolean usAll = true;
            boolean nxAny = false;
            long entry = 0;
            int level = 4;
            int n = 0;
            for (int shift = 39;; level--, shift -= 9) {
                long entryMa = table + (((va >>> shift) & 0x1FF) << 3);
                if (entryMa + 8 > memSize) {
                    return pageFault(va, access, user, false, false);
                }
                entry = mem.get(LONG, entryMa);
                if ((entry & P) == 0) {
                    return pageFault(va, access, user, false, false);
                }
                boolean leaf = level == 1 || (level <= 3 && (entry & PS) != 0);
                long reserved = leaf ? RSVD_LEAF[level] : RSVD_TABLE[level];
                if ((entry & (reserved | nxReserved)) != 0) {
                    return pageFault(va, access, user, true, true);
                }
                rwAll &= (entry & RW) != 0;
                usAll &= (entry & US) != 0;
                nxAny |= (entry & NX) != 0;
                walkEntry[n] = entry;
                walkEntryMa[n++] = entryMa;
                if (leaf) {
                    break;
                }
                table = entry & ADDR_MASK;
            }
            // Permission checks: any failure is the same "present" fault.
            if (user && !usAll) {
                return pageFault(va, access, user, true, false);
            }
            if (write && !rwAll && (user || (cpu.cr0 & X86Cpu.CR0_WP) != 0)) {
                return pageFault(va, access, user, true, false);
            }
            if (access == ACCESS_FETCH && nxAny && cpu.nxEnabled()) {
                return pageFault(va, access, user, true, false);
            }
            for (int k = 0; k < n; k++) {
                long e = walkEntry[k];
                long set = k == n - 1 && write ? A | D : A;
                if ((e & set) != set) {
                    mem.set(LONG, walkEntryMa[k], e | set);
                }
            }
            writable = rwAll || (!user && (cpu.cr0 & X86Cpu.CR0_WP) == 0);
            // A page is only writable through the TLB once it is dirty, so the D bit gets set.
            writable &= write || (entry & D) != 0;
            globalPage = (entry & G) != 0 && (cpu.cr4 & X86Cpu.CR4_PGE) != 0;
            long offsetMask = level == 1 ? 0xFFF : level == 2 ? 0x1F_FFFF : 0x3FFF_FFFF;
            pageBase = (entry & ADDR_MASK & ~offsetMask) | (va & offsetMask & ~0xFFFL);
            large = level > 1;
        }
        long ma = pageBase | (va & 0xFFF);
        if (pageBase + 0x1000 > memSize || pageBase < 0) {
            // Mapping beyond machine memory: behave like a bus error, a #PF the hypervisor reports.
            return pageFault(va, access, user, true, false);
        }
        if (fill) {
            int i = (int) (va >>> 12) & TLB_MASK;
            long tag = va & ~0xFFFL;
            largePagesCached |= large;
            if (access == ACCESS_FETCH) {
                fetchTag[i] = tag;
                fetchPage[i] = pageBase;
                fetchGlobal[i] = globalPage;
            } else {
                readTag[i] = tag;
                readPage[i] = pageBase;
                readGlobal[i] = globalPage;
                if (writable && !memory.isCodeFrame(pageBase >>> 12)) {
                    writeTag[i] = tag;
                    writePage[i] = pageBase;
                    writeGlobal[i] = globalPage;
                } else if (writeTag[i] == tag) {
                    writeTag[i] = INVALID;
                }
            }
        }
        return ma;
    }

    /**
     * The physical-address width the CPU advertises (CPUID 0x80000008 EAX[7:0], see
     * {@code testkit.CpuModel}): address bits 51..48 of every entry are reserved.
     */
    static final int PHYS_ADDR_BITS = 48;
    private static final long RSVD_PHYS = ((1L << 52) - 1) & ~((1L << PHYS_ADDR_BITS) - 1);
    /** Reserved bits of entries that point to a table, by level (1..4): PS is reserved in the PML4E. */
    private static final long[] RSVD_TABLE = {0, RSVD_PHYS, RSVD_PHYS, RSVD_PHYS, RSVD_PHYS | PS};
    /** Reserved bits of entries that map a page: a large page's address bits below its size (bit 12 is PAT). */
    private static final long[] RSVD_LEAF = {0, RSVD_PHYS, RSVD_PHYS | 0x1F_E000L, RSVD_PHYS | 0x3FFF_E000L, 0};

    private long pageFault(long va, int access, boolean user, boolean present, boolean rsvd) {
        int err = (present ? 1 : 0) | (access == ACCESS_WRITE ? 2 : 0) | (user ? 4 : 0) | (rsvd ? 8 : 0)
                | (access == ACCESS_FETCH && cpu.nxEnabled() ? 16 : 0);
        cpu.pendingException(Vectors.PF, err, true, va);
        return -1;
    }
}
