package dev.jxen.hypervisor.grant;

import static dev.jxen.abi.GrantTableOp.GNTCOPY_DEST_GREF;
import static dev.jxen.abi.GrantTableOp.GNTCOPY_SOURCE_GREF;
import static dev.jxen.abi.GrantTableOp.GNTST_BAD_COPY_ARG;
import static dev.jxen.abi.GrantTableOp.GNTST_BAD_DOMAIN;
import static dev.jxen.abi.GrantTableOp.GNTST_BAD_PAGE;
import static dev.jxen.abi.GrantTableOp.GNTST_BAD_VIRT_ADDR;
import static dev.jxen.abi.GrantTableOp.GNTST_GENERAL_ERROR;
import static dev.jxen.abi.GrantTableOp.GNTST_OKAY;
import static dev.jxen.abi.GrantTableOp.GNTST_PERMISSION_DENIED;
import static dev.jxen.abi.MmuOp.DOMID_SELF;
import static dev.jxen.abi.XenErrno.EFAULT;
import static dev.jxen.abi.XenErrno.EINVAL;
import static dev.jxen.abi.XenErrno.ENOSYS;
import static dev.jxen.abi.XenErrno.EPERM;
import static dev.jxen.abi.XenErrno.ESRCH;

import dev.jxen.abi.GrantTableOp;
import dev.jxen.abi.MemoryOp;
import dev.jxen.hypervisor.mm.FrameTable;
import dev.jxen.hypervisor.mm.PvMmu;
import dev.jxen.machine.MachineMemory;

/**
 * The grant-table hypercall ({@code HYPERVISOR_grant_table_op}) of a 64-bit PV guest: decodes
 * each element of the argument array, runs it against the grant tables and writes its GNTST_*
 * status back. The call itself returns 0 unless the command or count is bad (-EINVAL, -ENOSYS) or
 * the array cannot be read or written (-EFAULT, from the caller's accessors), as on Xen.
 */
public final class GrantOps {
    private GrantOps() {
    }

    /**
     * Runs {@code cmd} on {@code count} elements at guest address {@code uop} for {@code caller},
     * whose own grant table is {@code own}.
     */
    public static long call(GrantCaller caller, GrantTable own, long cmd, long uop, long count) {
        // Both are unsigned ints in Xen's prototype: the upper halves of the registers do not count.
        if ((int) count < 0) {
            return -EINVAL;
        }
        if (((int) cmd & ~GrantTableOp.CMD_MASK) != 0) {
            return -EINVAL; // only cache_flush takes a continuation argument, and x86 has none
        }
        int n = (int) count;
        int size = switch ((int) cmd) {
            case GrantTableOp.MAP_GRANT_REF -> GrantTableOp.MAP_SIZE;
            case GrantTableOp.UNMAP_GRANT_REF -> GrantTableOp.UNMAP_SIZE;
            case GrantTableOp.UNMAP_AND_REPLACE -> GrantTableOp.REPLACE_SIZE;
            case GrantTableOp.COPY -> GrantTableOp.COPY_SIZE;
            default -> 0;
        };
        if (size != 0 && !guestAddressOk(uop)) {
            return -EFAULT; // the array lies in Xen's part of the address space: nothing is done
        }
        return switch ((int) cmd) {
            case GrantTableOp.MAP_GRANT_REF -> mapGrantRef(caller, own, uop, n);
            case GrantTableOp.UNMAP_GRANT_REF -> unmapGrantRef(caller, own, uop, n, false);
            case GrantTableOp.UNMAP_AND_REPLACE -> unmapGrantRef(caller, own, uop, n, true);
            case GrantTableOp.SETUP_TABLE -> setupTable(caller, own, uop, n);
            case GrantTableOp.QUERY_SIZE -> querySize(caller, own, uop, n);
            case GrantTableOp.COPY -> copy(caller, own, uop, n);
            case GrantTableOp.SET_VERSION -> setVersion(caller, own, uop);
            case GrantTableOp.GET_STATUS_FRAMES -> getStatusFrames(caller, own, uop, n);
            case GrantTableOp.GET_VERSION -> getVersion(caller, own, uop);
            default -> -ENOSYS; // transfer (page flipping), dump_table, swap_grant_ref, cache_flush
        };
    }

    /**
     * The table named by {@code dom} for an operation on one's own table (DOMID_SELF or one's own
     * id); {@code null} for another existing domain (a domU may not touch it) is told apart by
     * {@code status[0]}: GNTST_bad_domain or GNTST_permission_denied.
     */
    private static GrantTable ownTable(GrantTable own, int dom, int[] status) {
        if (dom == DOMID_SELF || dom == own.domid()) {
            return own;
        }
        status[0] = own.peer(dom) == null ? GNTST_BAD_DOMAIN : GNTST_PERMISSION_DENIED;
        return null;
    }

    /**
     * Xen's access_ok for a 64-bit PV guest's array: it starts in the lower canonical half or above
     * Xen's reserved area (HYPERVISOR_VIRT_END); walking on from there faults before reaching Xen's.
     */
    static boolean guestAddressOk(long va) {
        return Long.compareUnsigned(va, 1L << 47) < 0
                || Long.compareUnsigned(va, MemoryOp.HYPERVISOR_VIRT_END) >= 0;
    }

    // ------------------------------------------------------------------ map / unmap

    private static long mapGrantRef(GrantCaller c, GrantTable own, long uop, int count) {
        for (int i = 0; i < count; i++) {
            long p = uop + (long) i * GrantTableOp.MAP_SIZE;
            long hostAddr = c.read64(p + GrantTableOp.MAP_HOST_ADDR);
            int flags = c.read32(p + GrantTableOp.MAP_FLAGS);
            long ref = c.read32(p + GrantTableOp.MAP_REF) & 0xFFFF_FFFFL;
            int dom = c.read16(p + GrantTableOp.MAP_DOM);
            GrantTable.MapResult r = own.map(hostAddr, flags, ref, dom, c.currentL4());
            if (r.status() == GNTST_OKAY && (flags & GrantTableOp.GNTMAP_HOST_MAP) != 0) {
                c.flushTlbs(); // the entry may have replaced a cached translation
            }
            c.write16(p + GrantTableOp.MAP_STATUS, r.status());
            if (r.status() == GNTST_OKAY) {
                c.write32(p + GrantTableOp.MAP_HANDLE, r.handle());
                c.write64(p + GrantTableOp.MAP_DEV_BUS_ADDR, r.devBusAddr());
            }
        }
        return 0;
    }

    private static long unmapGrantRef(GrantCaller c, GrantTable own, long uop, int count, boolean replace) {
        boolean changed = false;
        try {
            for (int i = 0; i < count; i++) {
                long p = uop + (long) i * (replace ? GrantTableOp.REPLACE_SIZE : GrantTableOp.UNMAP_SIZE);
                long hostAddr = c.read64(p);
                long second = c.read64(p + 8); // dev_bus_addr, or unmap_and_replace's new_addr
                long handle = c.read32(p + 16) & 0xFFFF_FFFFL;
                int status = replace ? own.unmap(hostAddr, 0, handle, second, c.currentL4())
                        : own.unmap(hostAddr, second, handle, 0, c.currentL4());
                changed |= status == GNTST_OKAY;
                c.write16(p + 20, status);
            }
        } finally {
            if (changed) {
                c.flushTlbs(); // no vCPU may keep reaching an unmapped frame
            }
        }
        return 0;
    }

    // ------------------------------------------------------------------ table set-up

    private static long setupTable(GrantCaller c, GrantTable own, long uop, int count) {
        if (count != 1) {
            return -EINVAL;
        }
        int dom = c.read16(uop + GrantTableOp.SETUP_DOM);
        long nr = c.read32(uop + GrantTableOp.SETUP_NR_FRAMES) & 0xFFFF_FFFFL;
        long list = c.read64(uop + GrantTableOp.SETUP_FRAME_LIST);
        if (!guestAddressOk(list)) {
            return -EFAULT; // checked before the domain, as Xen's guest_handle_okay; status untouched
        }
        int[] status = {GNTST_OKAY};
        GrantTable t = ownTable(own, dom, status);
        long[] frames = null;
        if (t != null) {
            synchronized (t.lock()) {
                if (nr > GrantTable.MAX_FRAMES || t.grow((int) nr) != 0) {
                    status[0] = GNTST_GENERAL_ERROR;
                } else {
                    frames = new long[(int) nr];
                    for (int k = 0; k < nr; k++) {
                        frames[k] = t.sharedFrame(k);
                    }
                }
            }
        }
        if (frames != null && !writeFrameList(c, list, frames)) {
            status[0] = GNTST_BAD_VIRT_ADDR;
        }
        c.write16(uop + GrantTableOp.SETUP_STATUS, status[0]);
        return 0;
    }

    private static long querySize(GrantCaller c, GrantTable own, long uop, int count) {
        if (count != 1) {
            return -EINVAL;
        }
        int[] status = {GNTST_OKAY};
        GrantTable t = ownTable(own, c.read16(uop + GrantTableOp.QUERY_DOM), status);
        if (t != null) {
            c.write32(uop + GrantTableOp.QUERY_NR_FRAMES, t.frameCount());
            c.write32(uop + GrantTableOp.QUERY_MAX_NR_FRAMES, GrantTable.MAX_FRAMES);
        }
        c.write16(uop + GrantTableOp.QUERY_STATUS, status[0]);
        return 0;
    }

    private static long setVersion(GrantCaller c, GrantTable own, long uop) {
        int version = c.read32(uop + GrantTableOp.SET_VERSION_VERSION);
        int rc;
        int now;
        synchronized (own.lock()) {
            rc = own.setVersion(version);
            now = own.version();
        }
        c.write32(uop + GrantTableOp.SET_VERSION_VERSION, now);
        return rc;
    }

    private static long getStatusFrames(GrantCaller c, GrantTable own, long uop, int count) {
        if (count != 1) {
            return -EINVAL;
        }
        long nr = c.read32(uop + GrantTableOp.STATUS_FRAMES_NR_FRAMES) & 0xFFFF_FFFFL;
        int dom = c.read16(uop + GrantTableOp.STATUS_FRAMES_DOM);
        long list = c.read64(uop + GrantTableOp.STATUS_FRAMES_FRAME_LIST);
        int[] status = {GNTST_OKAY};
        GrantTable t = ownTable(own, dom, status);
        if (t != null) {
            long[] frames = null;
            synchronized (t.lock()) {
                if (nr > t.statusFrameCount()) {
                    status[0] = GNTST_GENERAL_ERROR; // more than there are (none in v1)
                } else {
                    frames = new long[(int) nr];
                    for (int k = 0; k < nr; k++) {
                        frames[k] = t.statusFrame(k);
                    }
                }
            }
            if (frames != null && !writeFrameList(c, list, frames)) {
                status[0] = GNTST_BAD_VIRT_ADDR;
            }
        }
        c.write16(uop + GrantTableOp.STATUS_FRAMES_STATUS, status[0]);
        return 0;
    }

    /** Writes {@code frames} to the guest's array at {@code list}; false when any slot was not writable. */
    private static boolean writeFrameList(GrantCaller c, long list, long[] frames) {
        boolean ok = true;
        for (int k = 0; k < frames.length; k++) {
            ok &= c.tryWrite64(list + k * 8L, frames[k]);
        }
        return ok;
    }

    private static long getVersion(GrantCaller c, GrantTable own, long uop) {
        int dom = c.read16(uop + GrantTableOp.GET_VERSION_DOM);
        if (dom != DOMID_SELF && dom != own.domid()) {
            return own.peer(dom) == null ? -ESRCH : -EPERM;
        }
        c.write32(uop + GrantTableOp.GET_VERSION_VERSION, own.version());
        return 0;
    }

    // ------------------------------------------------------------------ copy

    private static long copy(GrantCaller c, GrantTable own, long uop, int count) {
        for (int i = 0; i < count; i++) {
            long p = uop + (long) i * GrantTableOp.COPY_SIZE;
            long srcRef = c.read64(p + GrantTableOp.COPY_SOURCE + GrantTableOp.COPY_PTR_REF);
            int srcDom = c.read16(p + GrantTableOp.COPY_SOURCE + GrantTableOp.COPY_PTR_DOMID);
            int srcOff = c.read16(p + GrantTableOp.COPY_SOURCE + GrantTableOp.COPY_PTR_OFFSET);
            long dstRef = c.read64(p + GrantTableOp.COPY_DEST + GrantTableOp.COPY_PTR_REF);
            int dstDom = c.read16(p + GrantTableOp.COPY_DEST + GrantTableOp.COPY_PTR_DOMID);
            int dstOff = c.read16(p + GrantTableOp.COPY_DEST + GrantTableOp.COPY_PTR_OFFSET);
            int len = c.read16(p + GrantTableOp.COPY_LEN);
            int flags = c.read16(p + GrantTableOp.COPY_FLAGS);
            int status = copyOne(own, new Endpoint(srcRef, srcDom, srcOff, (flags & GNTCOPY_SOURCE_GREF) != 0),
                    new Endpoint(dstRef, dstDom, dstOff, (flags & GNTCOPY_DEST_GREF) != 0), len);
            c.write16(p + GrantTableOp.COPY_STATUS, status);
        }
        return 0;
    }

    /** One side of a copy: a grant reference of {@code domid}, or a frame of the caller's own. */
    record Endpoint(long refOrFrame, int domid, int offset, boolean isGref) {
        Endpoint {
            if (isGref) {
                refOrFrame &= 0xFFFF_FFFFL; // the union's grant_ref_t is 32 bits
            }
        }
    }

    /** A claimed side of a copy: its frame, the part of it the grant covers, and what to give back. */
    private static final class Claim {
        GrantTable granter;
        int ref;
        long mfn;
        int start;
        int length;
        boolean typed;
    }

    /**
     * GNTTABOP_copy of one element for the domain of {@code own}: claims the source (read) and the
     * destination (write) as Xen does, checks the offsets, copies, and releases. Returns GNTST_*.
     */
    static int copyOne(GrantTable own, Endpoint src, Endpoint dst, int len) {
        synchronized (own.lock()) {
            GrantTable srcDomain = locate(own, src);
            GrantTable dstDomain = srcDomain == null ? null : locate(own, dst);
            int rc = srcDomain == null ? lastLocateStatus(own, src)
                    : dstDomain == null ? lastLocateStatus(own, dst) : GNTST_OKAY;
            if (rc != GNTST_OKAY) {
                return rc;
            }
            Claim s = new Claim();
            Claim d = new Claim();
            rc = claim(own, srcDomain, src, true, s);
            if (rc == GNTST_OKAY) {
                rc = claim(own, dstDomain, dst, false, d);
                if (rc == GNTST_OKAY) {
                    rc = transfer(own, src, dst, len, s, d);
                    release(own, d, false);
                }
                release(own, s, true);
            }
            return rc;
        }
    }

    private static GrantTable locate(GrantTable own, Endpoint e) {
        if (!e.isGref() && e.domid() != DOMID_SELF) {
            return null; // only one's own frames may be named directly
        }
        return e.domid() == DOMID_SELF || e.domid() == own.domid() ? own : own.peer(e.domid());
    }

    private static int lastLocateStatus(GrantTable own, Endpoint e) {
        return !e.isGref() && e.domid() != DOMID_SELF ? GNTST_PERMISSION_DENIED : GNTST_BAD_DOMAIN;
    }

    private static int claim(GrantTable own, GrantTable domain, Endpoint e, boolean readonly, Claim out) {
        PvMmu mmu = own.mmu();
        FrameTable ft = mmu.frames();
        if (e.isGref()) {
            long[] got = new long[3];
            int rc = domain.pinForCopy(e.refOrFrame(), own.domid(), readonly, got);
            if (rc != GNTST_OKAY) {
                return rc;
            }
            out.granter = domain;
            out.ref = (int) e.refOrFrame();
            out.mfn = got[0];
            out.start = (int) got[1];
            out.length = (int) got[2];
        } else {
            long mfn = e.refOrFrame();
            if (!own.ownsFrame(mfn)) {
                return GNTST_BAD_PAGE;
            }
            out.mfn = mfn;
            out.start = 0;
            out.length = MachineMemory.PAGE_SIZE;
        }
        if (!readonly) {
            // The destination must be able to be writable: never a live page table or descriptor page.
            if (mmu.getPageType(out.mfn, FrameTable.PGT_WRITABLE, ft.owner(out.mfn)) != 0) {
                release(own, out, false);
                return GNTST_GENERAL_ERROR;
            }
            out.typed = true;
        }
        return GNTST_OKAY;
    }

    private static void release(GrantTable own, Claim c, boolean readonly) {
        if (c.typed) {
            own.mmu().putPageType(c.mfn);
            c.typed = false;
        }
        if (c.granter != null) {
            c.granter.unpinCopy(c.ref, readonly);
            c.granter = null;
        }
    }

    private static int transfer(GrantTable own, Endpoint src, Endpoint dst, int len, Claim s, Claim d) {
        if (src.offset() + len > MachineMemory.PAGE_SIZE || dst.offset() + len > MachineMemory.PAGE_SIZE) {
            return GNTST_BAD_COPY_ARG;
        }
        if (src.offset() < s.start || src.offset() + len > s.start + s.length
                || dst.offset() < d.start || dst.offset() + len > d.start + d.length) {
            return GNTST_GENERAL_ERROR; // outside the part of the page that was granted
        }
        MachineMemory mem = own.mmu().frames().memory();
        byte[] buf = new byte[len];
        mem.read((s.mfn << MachineMemory.PAGE_SHIFT) + src.offset(), buf, 0, len);
        mem.write((d.mfn << MachineMemory.PAGE_SHIFT) + dst.offset(), buf, 0, len);
        return GNTST_OKAY;
    }
}
