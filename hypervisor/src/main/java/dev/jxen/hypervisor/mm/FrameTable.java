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

    /** Page types (Xen's PGT_*). A frame has one at a time while its type count is non-zero. */
    public static final int PGT_NONE = 0, PGT_L1 = 1, PGT_L2 = 2, PGT_L3 = 3, PGT_L4 = 4, PGT_WRITABLE = 5,
            PGT_SEG_DESC = 6;

    private final MachineMemory memory;
    private final int[] owner;
    private final byte[] type;
    private final int[] typeCount;
    private final int[] refCount;
    private final boolean[] pinned;
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

    /** Returns a frame to the free pool, whatever its counts (the owner is being destroyed). */
    public synchronized void free(long mfn) {
        int i = (int) mfn;
        if (owner[i] != FREE) {
            owner[i] = FREE;
            type[i] = PGT_NONE;
            typeCount[i] = 0;
            refCount[i] = 0;
            pinned[i] = false;
            freeFrames++;
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
