package dev.jxen.hypervisor.grant;

import static dev.jxen.abi.GrantTableOp.GNTMAP_APPLICATION_MAP;
import static dev.jxen.abi.GrantTableOp.GNTMAP_CONTAINS_PTE;
import static dev.jxen.abi.GrantTableOp.GNTMAP_DEVICE_MAP;
import static dev.jxen.abi.GrantTableOp.GNTMAP_GUEST_AVAIL0;
import static dev.jxen.abi.GrantTableOp.GNTMAP_HOST_MAP;
import static dev.jxen.abi.GrantTableOp.GNTMAP_READONLY;
import static dev.jxen.abi.GrantTableOp.GNTST_BAD_DOMAIN;
import static dev.jxen.abi.GrantTableOp.GNTST_BAD_GNTREF;
import static dev.jxen.abi.GrantTableOp.GNTST_BAD_HANDLE;
import static dev.jxen.abi.GrantTableOp.GNTST_BAD_PAGE;
import static dev.jxen.abi.GrantTableOp.GNTST_GENERAL_ERROR;
import static dev.jxen.abi.GrantTableOp.GNTST_NO_DEVICE_SPACE;
import static dev.jxen.abi.GrantTableOp.GNTST_OKAY;
import static dev.jxen.abi.GrantTableOp.GTF_PERMIT_ACCESS;
import static dev.jxen.abi.GrantTableOp.GTF_READING;
import static dev.jxen.abi.GrantTableOp.GTF_READONLY;
import static dev.jxen.abi.GrantTableOp.GTF_SUB_PAGE;
import static dev.jxen.abi.GrantTableOp.GTF_TRANSITIVE;
import static dev.jxen.abi.GrantTableOp.GTF_TYPE_MASK;
import static dev.jxen.abi.GrantTableOp.GTF_WRITING;

import dev.jxen.abi.GrantTableOp;
import dev.jxen.abi.XenErrno;
import dev.jxen.hypervisor.mm.FrameTable;
import dev.jxen.hypervisor.mm.PvMmu;
import dev.jxen.machine.MachineMemory;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * One domain's grant table: the shared frames of grant entries it writes (v1: 512 entries of 8
 * bytes per frame; v2: 256 of 16, plus status frames of 2048 two-byte entries), the active state of
 * its entries that another domain has pinned (who, which frame, how many host/device and
 * read/write pins), and its maptrack: the mappings it made of other domains' grants, named by
 * handle. The frames belong to the domain (outside its P2M), as on Xen.
 *
 * <p>Callers hold the frame table's lock ({@link #lock()}); {@link GrantOps} and the dom0 API do.
 */
public final class GrantTable {
    /** Xen's default limit of grant-table frames per domain. */
    public static final int MAX_FRAMES = 64;
    /** Frames a table has from the start (INITIAL_NR_GRANT_FRAMES). */
    public static final int INITIAL_FRAMES = 1;
    /** Handles a domain may hold at once (Xen: max_maptrack_frames x 512 by default is larger; this is plenty). */
    static final int MAX_MAPTRACK = 1 << 16;
    static final int V1_PER_FRAME = MachineMemory.PAGE_SIZE / GrantTableOp.V1_ENTRY_SIZE;
    static final int V2_PER_FRAME = MachineMemory.PAGE_SIZE / GrantTableOp.V2_ENTRY_SIZE;
    static final int STATUS_PER_FRAME = MachineMemory.PAGE_SIZE / GrantTableOp.STATUS_ENTRY_SIZE;
    /** Pins of one kind (host/device, read/write) an entry may hold, as Xen's 8-bit counters allow. */
    public static final int PIN_LIMIT = 128;

    /** An entry pinned by a grantee: copies count as host pins while they run, as on Xen. */
    static final class Active {
        final int domid;
        final long mfn;
        final int start;
        final int length;
        final boolean subPage;
        int hostRead, hostWrite, devRead, devWrite;

        Active(int domid, long mfn, int start, int length, boolean subPage) {
            this.domid = domid;
            this.mfn = mfn;
            this.start = start;
            this.length = length;
            this.subPage = subPage;
        }

        int pins() {
            return hostRead + hostWrite + devRead + devWrite;
        }

        int writePins() {
            return hostWrite + devWrite;
        }

        /** Xen keeps each count in a byte and refuses new pins once any reaches 128. */
        boolean full() {
            return hostRead >= PIN_LIMIT || hostWrite >= PIN_LIMIT || devRead >= PIN_LIMIT || devWrite >= PIN_LIMIT;
        }
    }

    /** A mapping this domain made of another's grant (a maptrack entry). */
    static final class Mapping {
        final GrantTable granter;
        final int ref;
        final long mfn;
        /** GNTMAP_* still in force: host and/or device, readonly. */
        int flags;

        Mapping(GrantTable granter, int ref, long mfn, int flags) {
            this.granter = granter;
            this.ref = ref;
            this.mfn = mfn;
            this.flags = flags;
        }
    }

    private final int domid;
    private final PvMmu mmu;
    private final FrameTable ft;
    private final MachineMemory mem;
    private final IntFunction<GrantTable> peers;
    private int version = 1;
    private final long[] sharedFrames = new long[MAX_FRAMES];
    private int sharedCount;
    private final long[] statusFrames = new long[statusFramesFor(MAX_FRAMES)];
    private int statusCount;
    private final Map<Integer, Active> active = new HashMap<>();
    private final List<Mapping> maptrack = new ArrayList<>();
    private final ArrayDeque<Integer> freeHandles = new ArrayDeque<>();
    private boolean dead;

    /**
     * A table for domain {@code domid}; {@code peers} finds another domain's table by domid (null
     * when there is no such domain).
     */
    public GrantTable(int domid, PvMmu mmu, IntFunction<GrantTable> peers) {
        this.domid = domid;
        this.mmu = mmu;
        this.ft = mmu.frames();
        this.mem = ft.memory();
        this.peers = peers;
    }

    /** The lock that guards all grant state (and the frame table). */
    public Object lock() {
        return ft;
    }

    public int domid() {
        return domid;
    }

    PvMmu mmu() {
        return mmu;
    }

    GrantTable peer(int id) {
        return peers.apply(id);
    }

    public int version() {
        synchronized (ft) {
            return version;
        }
    }

    static int statusFramesFor(int frames) {
        return (frames * V2_PER_FRAME + STATUS_PER_FRAME - 1) / STATUS_PER_FRAME;
    }

    // ------------------------------------------------------------------ frames

    /** Frames of the table (at least {@link #INITIAL_FRAMES}, as Xen reports from creation). */
    public int frameCount() {
        synchronized (ft) {
            return Math.max(sharedCount, INITIAL_FRAMES);
        }
    }

    public int statusFrameCount() {
        synchronized (ft) {
            return statusCount;
        }
    }

    /** MFN of shared frame {@code i}, allocated on first use. */
    public long sharedFrame(int i) {
        synchronized (ft) {
            if (i >= sharedCount && grow(i + 1) != 0) {
                return -1;
            }
            return sharedFrames[i];
        }
    }

    public long statusFrame(int i) {
        synchronized (ft) {
            return i < statusCount ? statusFrames[i] : -1;
        }
    }

    /** True when {@code mfn} is one of the table's frames (never given back by the balloon). */
    public boolean isTableFrame(long mfn) {
        synchronized (ft) {
            for (int i = 0; i < sharedCount; i++) {
                if (sharedFrames[i] == mfn) {
                    return true;
                }
            }
            for (int i = 0; i < statusCount; i++) {
                if (statusFrames[i] == mfn) {
                    return true;
                }
            }
            return false;
        }
    }

    /** Grows to {@code frames} shared frames (and the status frames v2 needs); 0 or -ENOMEM. */
    int grow(int frames) {
        frames = Math.max(frames, INITIAL_FRAMES);
        while (sharedCount < frames) {
            long mfn = ft.allocate(domid);
            if (mfn < 0) {
                return -XenErrno.ENOMEM;
            }
            sharedFrames[sharedCount++] = mfn;
        }
        return version == 2 ? populateStatus(sharedCount) : 0;
    }

    private int populateStatus(int frames) {
        int need = statusFramesFor(frames);
        while (statusCount < need) {
            long mfn = ft.allocate(domid);
            if (mfn < 0) {
                return -XenErrno.ENOMEM;
            }
            statusFrames[statusCount++] = mfn;
        }
        return 0;
    }

    /** Number of grant references the table holds now. */
    int entryCount() {
        return Math.max(sharedCount, INITIAL_FRAMES) * (version == 1 ? V1_PER_FRAME : V2_PER_FRAME);
    }

    // ------------------------------------------------------------------ entries

    /** Machine address of entry {@code ref}, or -1 when its frame was never allocated (reads as invalid). */
    private long entryMa(int ref) {
        int per = version == 1 ? V1_PER_FRAME : V2_PER_FRAME;
        int frame = ref / per;
        if (frame >= sharedCount) {
            return -1;
        }
        int size = version == 1 ? GrantTableOp.V1_ENTRY_SIZE : GrantTableOp.V2_ENTRY_SIZE;
        return (sharedFrames[frame] << MachineMemory.PAGE_SHIFT) + (long) (ref % per) * size;
    }

    private int entryFlags(int ref) {
        long ma = entryMa(ref);
        return ma < 0 ? 0 : mem.read16(ma) & 0xFFFF;
    }

    private int entryDomid(int ref) {
        long ma = entryMa(ref);
        return ma < 0 ? 0 : mem.read16(ma + 2) & 0xFFFF;
    }

    private long entryFrame(int ref) {
        long ma = entryMa(ref);
        if (ma < 0) {
            return -1;
        }
        return version == 1 ? mem.read32(ma + GrantTableOp.V1_FRAME) & 0xFFFF_FFFFL
                : mem.read64(ma + GrantTableOp.V2_FRAME);
    }

    /** Where GTF_reading/GTF_writing of {@code ref} live: the entry's flags (v1) or its status entry (v2). */
    private long statusMa(int ref) {
        if (version == 1) {
            return entryMa(ref);
        }
        int frame = ref / STATUS_PER_FRAME;
        return frame < statusCount
                ? (statusFrames[frame] << MachineMemory.PAGE_SHIFT) + (long) (ref % STATUS_PER_FRAME) * 2 : -1;
    }

    // The granter's vCPUs update their entries while we do (a guest clears GTF_permit_access with
    // a compare-and-swap and waits for GTF_reading/GTF_writing to drop), so every change the
    // hypervisor makes to a word the guest may write is one atomic operation on guest memory, as
    // Xen's cmpxchg and locked and/or are. (The emulator's own LOCK'd guest instructions are not yet
    // atomic against other host threads; these are.)
    private static final VarHandle WORD = ValueLayout.JAVA_INT.varHandle();
    /** Tries of the v1 flags/domid compare-and-swap before the entry counts as unstable (Xen: 5). */
    static final int CAS_TRIES = 5;

    /** The aligned 32-bit word holding the 16-bit field at {@code ma}, and the field's shift in it. */
    private static long wordOf(long ma) {
        return ma & ~3L;
    }

    private static int shiftOf(long ma) {
        return (int) (ma & 2) * 8;
    }

    private int readWord(long ma4) {
        return (int) WORD.getVolatile(mem.segment(), ma4);
    }

    private boolean casWord(long ma4, int expected, int update) {
        boolean ok = WORD.compareAndSet(mem.segment(), ma4, expected, update);
        if (ok) {
            mem.noteWrite(ma4, 4);
        }
        return ok;
    }

    private void orBits16(long ma, int bits) {
        WORD.getAndBitwiseOr(mem.segment(), wordOf(ma), (bits & 0xFFFF) << shiftOf(ma));
        mem.noteWrite(wordOf(ma), 4);
    }

    private void clearBits16(long ma, int bits) {
        WORD.getAndBitwiseAnd(mem.segment(), wordOf(ma), ~((bits & 0xFFFF) << shiftOf(ma)));
        mem.noteWrite(wordOf(ma), 4);
    }

    private void setStatusBits(int ref, int bits) {
        long ma = statusMa(ref);
        if (ma >= 0) {
            orBits16(ma, bits);
        }
    }

    private void clearStatusBits(int ref, int bits) {
        long ma = statusMa(ref);
        if (!dead && ma >= 0) {
            clearBits16(ma, bits);
        }
    }

    /** The GTF_reading/GTF_writing bits of {@code ref} as the granter sees them (tests, diagnostics). */
    public int statusBits(int ref) {
        synchronized (ft) {
            long ma = ref < entryCount() ? statusMa(ref) : -1;
            return ma < 0 ? 0 : mem.read16(ma) & (GTF_READING | GTF_WRITING);
        }
    }

    /** Pins on {@code ref} by grantees (0 when none). */
    public int pins(int ref) {
        synchronized (ft) {
            Active a = active.get(ref);
            return a == null ? 0 : a.pins();
        }
    }

    /**
     * Checks that {@code ref} grants {@code grantee} the access asked for and marks it in use
     * (GTF_reading, plus GTF_writing for write access). For a mapping a sub-page grant is not
     * acceptable. Returns a GNTST_* status.
     */
    private int markInUse(int ref, Active act, boolean readonly, boolean forMapping, int grantee) {
        int bits = readonly ? GTF_READING : GTF_READING | GTF_WRITING;
        long ma = entryMa(ref);
        if (ma < 0) {
            return GNTST_GENERAL_ERROR; // a never-allocated frame reads as invalid entries
        }
        if (version == 1) {
            // flags and domid are one word: the check and the update are one compare-and-swap, so a
            // granter revoking the entry meanwhile is seen (retried a few times, then refused).
            int combo = readWord(ma);
            for (int tries = 0;; tries++) {
                int rc = checkEntry(combo & 0xFFFF, combo >>> 16, act, readonly, forMapping, grantee);
                if (rc != GNTST_OKAY) {
                    return rc;
                }
                if (casWord(ma, combo, combo | bits)) {
                    return GNTST_OKAY;
                }
                if (tries == CAS_TRIES - 1) {
                    return GNTST_GENERAL_ERROR; // the entry keeps changing under us
                }
                combo = readWord(ma);
            }
        }
        // v2: the bits live in the status entry. Set them, then look at the entry again: a granter
        // that revoked it in between sees them and waits, or we see its change and back out.
        int combo = readWord(ma);
        int rc = checkEntry(combo & 0xFFFF, combo >>> 16, act, readonly, forMapping, grantee);
        if (rc != GNTST_OKAY) {
            return rc;
        }
        setStatusBits(ref, bits);
        combo = readWord(ma);
        if (act == null) {
            if (checkEntry(combo & 0xFFFF, combo >>> 16, null, readonly, forMapping, grantee) != GNTST_OKAY) {
                clearStatusBits(ref, GTF_READING | GTF_WRITING);
                return GNTST_GENERAL_ERROR;
            }
        } else if ((combo & GTF_READONLY) != 0) {
            clearStatusBits(ref, GTF_WRITING);
            return GNTST_GENERAL_ERROR;
        }
        return GNTST_OKAY;
    }

    /** Whether entry flags/domid permit the access: the type and grantee only matter when not pinned yet. */
    private int checkEntry(int flags, int entryDomid, Active act, boolean readonly, boolean forMapping, int grantee) {
        int type = flags & (GTF_TYPE_MASK | (forMapping ? GTF_SUB_PAGE : 0));
        boolean typeOk = type == GTF_PERMIT_ACCESS || version == 2 && type == GTF_TRANSITIVE;
        if (act == null && (!typeOk || entryDomid != grantee)) {
            return GNTST_GENERAL_ERROR;
        }
        if (!readonly && (flags & GTF_READONLY) != 0) {
            return GNTST_GENERAL_ERROR; // write access to a read-only grant
        }
        return GNTST_OKAY;
    }

    /** Clears what a failed or finished use left: GTF_writing without write pins, GTF_reading without pins. */
    private void settle(int ref, Active act, boolean readonly) {
        int clear = 0;
        int writes = act == null ? 0 : act.writePins();
        int pins = act == null ? 0 : act.pins();
        if (!readonly && writes == 0) {
            clear |= GTF_WRITING;
        }
        if (pins == 0) {
            clear |= GTF_READING;
            active.remove(ref);
        }
        if (clear != 0) {
            clearStatusBits(ref, clear);
        }
    }

    private boolean owns(long mfn) {
        return ft.valid(mfn) && ft.owner(mfn) == domid;
    }

    /**
     * Pins entry {@code ref} for a mapping by {@code grantee} with GNTMAP_* {@code flags} (host
     * and/or device, readonly). On GNTST_okay {@code mfnOut[0]} is the granted frame.
     */
    int pinForMap(long ref, int flags, int grantee, long[] mfnOut) {
        if (dead) {
            return GNTST_BAD_DOMAIN;
        }
        if (ref < 0 || ref >= entryCount()) {
            return GNTST_BAD_GNTREF;
        }
        int r = (int) ref;
        boolean readonly = (flags & GNTMAP_READONLY) != 0;
        Active act = active.get(r);
        if (act != null && (act.domid != grantee || act.full() || act.subPage)) {
            return GNTST_GENERAL_ERROR;
        }
        if (act == null || !readonly && act.writePins() == 0) {
            int rc = markInUse(r, act, readonly, true, grantee);
            if (rc != GNTST_OKAY) {
                return rc;
            }
            if (act == null) {
                if ((entryFlags(r) & GTF_TYPE_MASK) == GTF_TRANSITIVE) {
                    settle(r, null, readonly);
                    return GNTST_GENERAL_ERROR; // transitive grants cannot be mapped (as on Xen)
                }
                long frame = entryFrame(r);
                if (!owns(frame)) {
                    settle(r, null, readonly);
                    return GNTST_BAD_PAGE;
                }
                act = new Active(grantee, frame, 0, MachineMemory.PAGE_SIZE, false);
                active.put(r, act);
            }
        }
        if ((flags & GNTMAP_DEVICE_MAP) != 0) {
            if (readonly) {
                act.devRead++;
            } else {
                act.devWrite++;
            }
        }
        if ((flags & GNTMAP_HOST_MAP) != 0) {
            if (readonly) {
                act.hostRead++;
            } else {
                act.hostWrite++;
            }
        }
        mfnOut[0] = act.mfn;
        return GNTST_OKAY;
    }

    /** Drops the pins {@link #pinForMap} took for the GNTMAP_* kinds in {@code flags}. */
    void unpinMap(int ref, int flags) {
        Active act = active.get(ref);
        if (act == null) {
            return;
        }
        boolean readonly = (flags & GNTMAP_READONLY) != 0;
        if ((flags & GNTMAP_DEVICE_MAP) != 0) {
            if (readonly) {
                act.devRead--;
            } else {
                act.devWrite--;
            }
        }
        if ((flags & GNTMAP_HOST_MAP) != 0) {
            if (readonly) {
                act.hostRead--;
            } else {
                act.hostWrite--;
            }
        }
        settle(ref, act, readonly);
    }

    /**
     * Pins entry {@code ref} for one copy by {@code grantee}. On GNTST_okay {@code out} holds the
     * frame, and the offset and length the grant covers (a v2 sub-page grant covers part of it).
     */
    int pinForCopy(long ref, int grantee, boolean readonly, long[] out) {
        if (dead) {
            return GNTST_BAD_DOMAIN;
        }
        if (ref < 0 || ref >= entryCount()) {
            return GNTST_BAD_GNTREF;
        }
        int r = (int) ref;
        Active act = active.get(r);
        if (act != null && (act.domid != grantee || act.full())) {
            return GNTST_GENERAL_ERROR;
        }
        if (act == null || !readonly && act.writePins() == 0) {
            int rc = markInUse(r, act, readonly, false, grantee);
            if (rc != GNTST_OKAY) {
                return rc;
            }
            if (act == null) {
                int flags = entryFlags(r);
                if ((flags & GTF_TYPE_MASK) == GTF_TRANSITIVE) {
                    settle(r, null, readonly);
                    return GNTST_GENERAL_ERROR; // transitive grants are not supported
                }
                long frame = entryFrame(r);
                if (!owns(frame)) {
                    settle(r, null, readonly);
                    return GNTST_BAD_PAGE;
                }
                boolean sub = version == 2 && (flags & GTF_SUB_PAGE) != 0;
                long ma = entryMa(r);
                int start = sub ? mem.read16(ma + GrantTableOp.V2_SUB_PAGE_OFF) & 0xFFFF : 0;
                int length = sub ? mem.read16(ma + GrantTableOp.V2_SUB_PAGE_LENGTH) & 0xFFFF : MachineMemory.PAGE_SIZE;
                act = new Active(grantee, frame, start, length, sub);
                active.put(r, act);
            }
        } else if (!owns(act.mfn)) {
            return GNTST_BAD_DOMAIN;
        }
        if (readonly) {
            act.hostRead++;
        } else {
            act.hostWrite++;
        }
        out[0] = act.mfn;
        out[1] = act.start;
        out[2] = act.length;
        return GNTST_OKAY;
    }

    void unpinCopy(int ref, boolean readonly) {
        unpinMap(ref, GNTMAP_HOST_MAP | (readonly ? GNTMAP_READONLY : 0));
    }

    boolean ownsFrame(long mfn) {
        return owns(mfn);
    }

    // ------------------------------------------------------------------ version

    /**
     * GNTTABOP_set_version for the table's own domain: 0, -EINVAL (not 1 or 2), -EBUSY (entries
     * beyond the reserved ones are in use), -ERANGE (a reserved v2 entry cannot be expressed in v1),
     * or -ENOMEM. The reserved entries (console, xenstore) are kept across the change.
     */
    public int setVersion(int newVersion) {
        synchronized (ft) {
            return changeVersion(newVersion);
        }
    }

    private int changeVersion(int newVersion) {
        if (newVersion != 1 && newVersion != 2) {
            return -XenErrno.EINVAL;
        }
        if (newVersion == version) {
            return 0;
        }
        for (Map.Entry<Integer, Active> e : active.entrySet()) {
            if (e.getKey() >= GrantTableOp.NR_RESERVED_ENTRIES && e.getValue().pins() > 0) {
                return -XenErrno.EBUSY;
            }
        }
        int reserved = GrantTableOp.NR_RESERVED_ENTRIES;
        int[] flags = new int[reserved];
        int[] dom = new int[reserved];
        long[] frame = new long[reserved];
        for (int i = 0; i < reserved; i++) {
            int f = entryFlags(i);
            if (version == 2) {
                int type = f & GTF_TYPE_MASK;
                if (type == GTF_TRANSITIVE || type == GTF_PERMIT_ACCESS && (entryFrame(i) >>> 32) != 0) {
                    return -XenErrno.ERANGE;
                }
                if (type != GTF_PERMIT_ACCESS) {
                    continue;
                }
                long sma = statusMa(i);
                f |= sma < 0 ? 0 : mem.read16(sma) & (GTF_READING | GTF_WRITING);
            }
            flags[i] = f;
            dom[i] = entryDomid(i);
            frame[i] = entryFrame(i);
        }
        if (newVersion == 2) {
            int rc = populateStatus(Math.max(sharedCount, INITIAL_FRAMES));
            if (rc != 0) {
                return rc;
            }
        } else {
            for (int i = 0; i < statusCount; i++) {
                if (ft.refCount(statusFrames[i]) != 0 || ft.typeCount(statusFrames[i]) != 0) {
                    return -XenErrno.EBUSY; // the guest still maps its status frames
                }
            }
            for (int i = 0; i < statusCount; i++) {
                ft.free(statusFrames[i]);
            }
            statusCount = 0;
        }
        for (int i = 0; i < sharedCount; i++) {
            mem.zeroFrame(sharedFrames[i]);
        }
        version = newVersion;
        for (int i = 0; i < reserved; i++) {
            long ma = entryMa(i);
            if (ma < 0 || flags[i] == 0) {
                continue;
            }
            if (version == 1) {
                mem.write16(ma, (short) flags[i]);
                mem.write16(ma + 2, (short) dom[i]);
                mem.write32(ma + GrantTableOp.V1_FRAME, (int) frame[i]);
            } else {
                mem.write16(statusMa(i), (short) (flags[i] & (GTF_READING | GTF_WRITING)));
                mem.write16(ma, (short) (flags[i] & ~(GTF_READING | GTF_WRITING)));
                mem.write16(ma + 2, (short) dom[i]);
                mem.write64(ma + GrantTableOp.V2_FRAME, frame[i]);
            }
        }
        return 0;
    }

    // ------------------------------------------------------------------ maptrack (the mapper's side)

    /** A fresh handle, or -1 when the maptrack is full. */
    int allocateHandle() {
        Integer h = freeHandles.poll();
        if (h != null) {
            return h;
        }
        if (maptrack.size() >= MAX_MAPTRACK) {
            return -1;
        }
        maptrack.add(null);
        return maptrack.size() - 1;
    }

    void releaseHandle(int handle) {
        maptrack.set(handle, null);
        freeHandles.push(handle);
    }

    Mapping mapping(long handle) {
        return handle >= 0 && handle < maptrack.size() ? maptrack.get((int) handle) : null;
    }

    void setMapping(int handle, Mapping m) {
        maptrack.set(handle, m);
    }

    /** Live mappings this domain holds (tests, diagnostics). */
    public int mappingCount() {
        synchronized (ft) {
            return maptrack.size() - freeHandles.size();
        }
    }

    /** Result of a mapping: GNTST_* status, handle, machine address of the frame. */
    public record MapResult(int status, int handle, long devBusAddr) {
    }

    /**
     * GNTTABOP_map_grant_ref for this (the mapping) domain: maps grant {@code ref} of domain
     * {@code dom} with GNTMAP_* {@code flags}. A host mapping writes a grant PTE at {@code hostAddr}:
     * the L1 entry that maps that linear address under {@code l4mfn}, or with GNTMAP_contains_pte
     * the L1 entry at that machine address. Without a host mapping nothing is written to page
     * tables (a device or dom0 mapping). The caller flushes TLBs after a host mapping.
     */
    public MapResult map(long hostAddr, int flags, long ref, int dom, long l4mfn) {
        synchronized (ft) {
            if ((flags & (GNTMAP_DEVICE_MAP | GNTMAP_HOST_MAP)) == 0) {
                return new MapResult(GNTST_BAD_GNTREF, 0, 0);
            }
            GrantTable granter = dom == domid ? this : peer(dom);
            if (granter == null || dead) {
                return new MapResult(GNTST_BAD_DOMAIN, 0, 0);
            }
            int handle = allocateHandle();
            if (handle < 0) {
                return new MapResult(GNTST_NO_DEVICE_SPACE, 0, 0);
            }
            long[] mfnOut = new long[1];
            int rc = granter.pinForMap(ref, flags, domid, mfnOut);
            if (rc != GNTST_OKAY) {
                releaseHandle(handle);
                return new MapResult(rc, 0, 0);
            }
            long mfn = mfnOut[0];
            boolean writable = (flags & GNTMAP_READONLY) == 0;
            int kinds = flags & (GNTMAP_DEVICE_MAP | GNTMAP_HOST_MAP);
            // One frame reference per kind (host, device) of mapping.
            int refs = Integer.bitCount(kinds);
            int taken = 0;
            rc = GNTST_OKAY;
            while (taken < refs) {
                if (mmu.getGrantRef(mfn, granter.domid, writable) != 0) {
                    rc = GNTST_GENERAL_ERROR; // e.g. a writable grant of a page table
                    break;
                }
                taken++;
            }
            if (rc == GNTST_OKAY && (kinds & GNTMAP_HOST_MAP) != 0) {
                rc = installPte(hostAddr, flags, mfn, l4mfn);
            }
            if (rc != GNTST_OKAY) {
                for (int i = 0; i < taken; i++) {
                    mmu.putGrantRef(mfn, writable);
                }
                granter.unpinMap((int) ref, flags);
                releaseHandle(handle);
                return new MapResult(rc, 0, 0);
            }
            setMapping(handle, new Mapping(granter, (int) ref, mfn,
                    flags & (GNTMAP_DEVICE_MAP | GNTMAP_HOST_MAP | GNTMAP_READONLY | GNTMAP_CONTAINS_PTE)));
            return new MapResult(GNTST_OKAY, handle, mfn << MachineMemory.PAGE_SHIFT);
        }
    }

    /** The PTE flags of a grant mapping (P, A, D, Xen's grant bit, NX, RW unless read-only, USER for applications). */
    static long grantPte(long mfn, int flags) {
        long pte = (mfn << MachineMemory.PAGE_SHIFT) | PvMmu.P | PvMmu.A | PvMmu.D | PvMmu.GNTTAB | PvMmu.NX;
        if ((flags & GNTMAP_READONLY) == 0) {
            pte |= PvMmu.RW;
        }
        if ((flags & GNTMAP_APPLICATION_MAP) != 0) {
            pte |= PvMmu.US;
        } else {
            pte |= PvMmu.US | PvMmu.GUEST_KERNEL; // a kernel mapping, as Xen adjusts it for 64-bit PV
        }
        pte |= ((long) (flags >>> GNTMAP_GUEST_AVAIL0) << 9) & 0xE00;
        return pte;
    }

    /** The L1 entry a host mapping uses, or -1 when there is none (GNTST_general_error, as on Xen). */
    private long pteAddress(long hostAddr, int flags, long l4mfn) {
        if ((flags & GNTMAP_CONTAINS_PTE) != 0) {
            return mmu.grantPteAddress(hostAddr, domid);
        }
        return l4mfn <= 0 ? -1 : mmu.l1EntryAddress(l4mfn, hostAddr);
    }

    private int installPte(long hostAddr, int flags, long mfn, long l4mfn) {
        long pteMa = pteAddress(hostAddr, flags, l4mfn);
        if (pteMa < 0) {
            return GNTST_GENERAL_ERROR;
        }
        long old = mmu.exchangeGrantPte(pteMa, grantPte(mfn, flags));
        if ((old & PvMmu.P) != 0) {
            mmu.putEntryRef(1, old);
        }
        return GNTST_OKAY;
    }

    /**
     * Removes the grant PTE for {@code mfn} at {@code hostAddr}, putting {@code newPte} there (0, or
     * the entry unmap_and_replace moved). The entry must still map the frame with the mapping's
     * access, else GNTST_general_error and nothing changes.
     */
    private int removePte(long hostAddr, int flags, long mfn, long l4mfn, long newPte) {
        long pteMa = pteAddress(hostAddr, flags, l4mfn);
        if (pteMa < 0) {
            return GNTST_GENERAL_ERROR;
        }
        long cur = ft.memory().read64(pteMa);
        long expected = grantPte(mfn, flags);
        if (((cur & PvMmu.ADDR_MASK) >>> MachineMemory.PAGE_SHIFT) != mfn
                || ((cur ^ expected) & (PvMmu.P | PvMmu.RW | PvMmu.GNTTAB)) != 0) {
            return GNTST_GENERAL_ERROR;
        }
        mmu.exchangeGrantPte(pteMa, newPte);
        return GNTST_OKAY;
    }

    /**
     * GNTTABOP_unmap_grant_ref (and unmap_and_replace with {@code newAddr} != 0): undoes the host
     * mapping when {@code hostAddr} is given and the device mapping when {@code devBusAddr} is
     * given; the handle is freed when neither is left. Returns a GNTST_* status. The caller
     * flushes TLBs.
     */
    public int unmap(long hostAddr, long devBusAddr, long handle, long newAddr, long l4mfn) {
        synchronized (ft) {
            Mapping m = mapping(handle);
            if (m == null) {
                return GNTST_BAD_HANDLE;
            }
            if (devBusAddr != 0 && devBusAddr != m.mfn << MachineMemory.PAGE_SHIFT) {
                return GNTST_GENERAL_ERROR;
            }
            int done = 0;
            if (hostAddr != 0 && (m.flags & GNTMAP_HOST_MAP) != 0) {
                long replacement = 0;
                if (newAddr != 0) {
                    if ((m.flags & GNTMAP_CONTAINS_PTE) != 0) {
                        return GNTST_GENERAL_ERROR; // replace is not available for PTE addresses
                    }
                    long stealMa = mmu.l1EntryAddress(l4mfn, newAddr);
                    if (stealMa < 0) {
                        return GNTST_GENERAL_ERROR;
                    }
                    replacement = mmu.exchangeGrantPte(stealMa, 0);
                }
                int rc = removePte(hostAddr, m.flags, m.mfn, l4mfn, replacement);
                if (rc != GNTST_OKAY) {
                    if ((replacement & PvMmu.P) != 0) {
                        mmu.putEntryRef(1, replacement);
                    }
                    return rc;
                }
                done |= GNTMAP_HOST_MAP;
            }
            if (devBusAddr != 0 && (m.flags & GNTMAP_DEVICE_MAP) != 0) {
                done |= GNTMAP_DEVICE_MAP;
            }
            release(m, done);
            if ((m.flags & (GNTMAP_HOST_MAP | GNTMAP_DEVICE_MAP)) == 0) {
                releaseHandle((int) handle);
            }
            return GNTST_OKAY;
        }
    }

    /** Gives back the references and pins of the {@code kinds} (host/device) of mapping {@code m}. */
    private void release(Mapping m, int kinds) {
        boolean writable = (m.flags & GNTMAP_READONLY) == 0;
        for (int i = Integer.bitCount(kinds & (GNTMAP_DEVICE_MAP | GNTMAP_HOST_MAP)); i > 0; i--) {
            mmu.putGrantRef(m.mfn, writable);
        }
        m.granter.unpinMap(m.ref, kinds | (m.flags & GNTMAP_READONLY));
        m.flags &= ~kinds;
    }

    /**
     * GNTTABOP_copy between grant {@code ref} of domain {@code dom} and a buffer of this (the
     * control) domain's host process: {@code length} bytes at {@code offset}, into the grant when
     * {@code toGuest}. Returns a GNTST_* status.
     */
    public int copyWithHost(int dom, long ref, int offset, byte[] buffer, int length, boolean toGuest) {
        synchronized (ft) {
            GrantTable granter = dom == domid ? this : peer(dom);
            if (granter == null) {
                return GrantTableOp.GNTST_BAD_DOMAIN;
            }
            long[] got = new long[3];
            boolean readonly = !toGuest;
            int rc = granter.pinForCopy(ref, domid, readonly, got);
            if (rc != GNTST_OKAY) {
                return rc;
            }
            try {
                long mfn = got[0];
                if (offset < got[1] || offset + length > got[1] + got[2]) {
                    return GNTST_GENERAL_ERROR;
                }
                long ma = (mfn << MachineMemory.PAGE_SHIFT) + offset;
                if (!toGuest) {
                    mem.read(ma, buffer, 0, length);
                    return GNTST_OKAY;
                }
                if (mmu.getPageType(mfn, FrameTable.PGT_WRITABLE, granter.domid) != 0) {
                    return GNTST_GENERAL_ERROR;
                }
                mem.write(ma, buffer, 0, length);
                mmu.putPageType(mfn);
                return GNTST_OKAY;
            } finally {
                granter.unpinCopy((int) ref, readonly);
            }
        }
    }

    /**
     * The domain is being destroyed: every mapping it holds of other domains' grants is released
     * (its page tables go with it), and its own entries are no longer written.
     */
    public void destroy() {
        synchronized (ft) {
            for (int h = 0; h < maptrack.size(); h++) {
                Mapping m = maptrack.get(h);
                if (m != null) {
                    release(m, m.flags & (GNTMAP_HOST_MAP | GNTMAP_DEVICE_MAP));
                    releaseHandle(h);
                }
            }
            dead = true;
        }
    }

    @Override
    public String toString() {
        return "grant table of domain " + domid + " (v" + version + ", " + frameCount() + " frames)";
    }
}
