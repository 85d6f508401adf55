package dev.jxen.hypervisor.mm;

import dev.jxen.machine.MachineMemory;

/**
 * Xen's frame table: for every machine frame its owner, its page type with the type's reference
 * count, a general reference count, and whether the guest pinned it. Allocation hands out free
 * frames in ascending order.
 *
 * <p>Not thread-safe on its own: {@link PvMmu} and the allocator callers hold the table's lock
 * ({@code synchronized (frameTable)}).
 */
public final class FrameTable {
    /** Owner of a free frame. */
    public static final int FREE = -1;
    /** Owner of Xen's own frames (DOMID_XEN in {@code xen.h}). */
    public static final int DOMID_XEN = 0x7FF2;
    /**
     * Owner of a frame whose domain was destroyed while another domain still had it mapped through
     * a grant: it is freed when the last grant mapping goes (never handed to anyone before that).
     */
    public static final int ORPHAN = 0x7FF4;

    /** Page types (Xen's PGT_*). A frame has one at a time while its type count is non-zero. */
    public static final int PGT_NONE = 0, PGT_L1 = 1, PGT_L2 = 2, PGT_L3 = 3, PGT_L4 = 4, PGT_WRITABLE = 5,
            PGT_SEG_DESC = 6;

    private final MachineMemory memory;
    private final int[] owner;
    private final byte[] type;
    private final int[] typeCount;
    private final int[] refCount;
    private final boolean[] pinned;
    /** Grant mappings of the frame (host and device mappings by other domains or dom0). */
    private final int[] grantMaps;
    /** Frames handed out at least once: only these can hold old data. The others are still the mapping's zero pages. */
    private final java.util.BitSet used;
    private long cursor;
    private long freeFrames;

    public FrameTable(MachineMemory memory) {
        this.memory = memory;
        long n = memory.frameCount();
        if (n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("too many machine frames: " + n);
        }
        owner = new int[(int) n];
        java.util.Arrays.fill(owner, FREE);
        type = new byte[(int) n];
        typeCount = new int[(int) n];
        refCount = new int[(int) n];
        pinned = new boolean[(int) n];
        grantMaps = new int[(int) n];
        used = new java.util.BitSet((int) n);
        freeFrames = n;
    }

    public MachineMemory memory() {
        return memory;
    }

    public long frameCount() {
        return owner.length;
    }

    public synchronized long freeFrames() {
        return freeFrames;
    }

    /**
     * Allocates a zeroed frame for {@code domid}; returns its MFN, or -1 when memory is exhausted.
     * A frame never used before is not touched, so the host commits memory only when the guest
     * writes it.
     */
    public synchronized long allocate(int domid) {
        long n = owner.length;
        for (long i = 0; i < n; i++) {
            long mfn = cursor;
            cursor = cursor + 1 == n ? 0 : cursor + 1;
            if (owner[(int) mfn] == FREE) {
                owner[(int) mfn] = domid;
                type[(int) mfn] = PGT_NONE;
                typeCount[(int) mfn] = 0;
                refCount[(int) mfn] = 0;
                pinned[(int) mfn] = false;
                freeFrames--;
                // Zeroing a frame never used would commit host memory that is already zero.
                if (used.get((int) mfn)) {
                    memory.zeroFrame(mfn);
                } else {
                    used.set((int) mfn);
                }
                return mfn;
            }
        }
        return -1;
    }

    /**
     * Returns a frame to the free pool, whatever its counts (the owner is being destroyed). A frame
     * still mapped through a grant becomes an {@link #ORPHAN} instead and is freed by the last
     * {@link #putGrantMap}, so its contents never reach another domain while a grantee can see it.
     */
    public synchronized void free(long mfn) {
        int i = (int) mfn;
        if (grantMaps[i] > 0 && owner[i] != FREE) {
            owner[i] = ORPHAN;
            pinned[i] = false;
            return;
        }
        if (owner[i] != FREE) {
            owner[i] = FREE;
            type[i] = PGT_NONE;
            typeCount[i] = 0;
            refCount[i] = 0;
            pinned[i] = false;
            freeFrames++;
        }
    }

    /**
     * Returns the host memory of the free frames in {@code [fromMfn, toMfn)} that were used: they
     * are zero again (never-used frames), so allocating them later costs no clearing. Called when
     * a domain goes, where one call covers all its frames, instead of clearing each frame when it
     * is handed out again, which would be on the next domain's creation path.
     */
    public synchronized void discardFree(long fromMfn, long toMfn) {
        int end = (int) Math.min(toMfn, owner.length);
        int run = -1;
        for (int i = (int) Math.max(0, Math.min(fromMfn, end)); i <= end; i++) {
            boolean discardable = i < end && owner[i] == FREE && used.get(i);
            if (discardable && run < 0) {
                run = i;
            } else if (!discardable && run >= 0) {
                memory.discard(run, i - run);
                used.clear(run, i);
                run = -1;
            }
        }
    }

    public boolean valid(long mfn) {
        return mfn >= 0 && mfn < owner.length;
    }

    public int owner(long mfn) {
        return owner[(int) mfn];
    }

    public int type(long mfn) {
        return type[(int) mfn];
    }

    public int typeCount(long mfn) {
        return typeCount[(int) mfn];
    }

    public int refCount(long mfn) {
        return refCount[(int) mfn];
    }

    public boolean pinned(long mfn) {
        return pinned[(int) mfn];
    }

    /** Grant mappings of {@code mfn} now. */
    public int grantMaps(long mfn) {
        return grantMaps[(int) mfn];
    }

    /** Counts one more grant mapping of {@code mfn} (with the general reference it holds). */
    synchronized void getGrantMap(long mfn) {
        grantMaps[(int) mfn]++;
        refCount[(int) mfn]++;
    }

    /** Drops a grant mapping; the last one of an {@link #ORPHAN} frees it. */
    synchronized void putGrantMap(long mfn) {
        int i = (int) mfn;
        if (grantMaps[i] > 0) {
            grantMaps[i]--;
            refCount[i]--;
        }
        if (grantMaps[i] == 0 && owner[i] == ORPHAN) {
            free(mfn);
        }
    }

    void setType(long mfn, int t, int count) {
        type[(int) mfn] = (byte) t;
        typeCount[(int) mfn] = count;
    }

    void addTypeCount(long mfn, int delta) {
        typeCount[(int) mfn] += delta;
    }

    void addRef(long mfn, int delta) {
        refCount[(int) mfn] += delta;
    }

    void setPinned(long mfn, boolean p) {
        pinned[(int) mfn] = p;
    }

    /** True when {@code mfn} is a validated page table (type L1..L4 with a non-zero count). */
    public boolean isPageTable(long mfn) {
        int t = type[(int) mfn];
        return typeCount[(int) mfn] > 0 && t >= PGT_L1 && t <= PGT_L4;
    }

    public static String typeName(int t) {
        return switch (t) {
            case PGT_NONE -> "none";
            case PGT_L1 -> "L1";
            case PGT_L2 -> "L2";
            case PGT_L3 -> "L3";
            case PGT_L4 -> "L4";
            case PGT_WRITABLE -> "writable";
            case PGT_SEG_DESC -> "seg-desc";
            default -> "?" + t;
        };
    }
}
