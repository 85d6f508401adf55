package dev.jxen.hypervisor.dom0;

import dev.jxen.abi.GrantTableOp;
import dev.jxen.abi.XenErrno;
import dev.jxen.hypervisor.Domain;
import dev.jxen.hypervisor.Hypervisor;
import dev.jxen.hypervisor.grant.GrantTable;
import dev.jxen.machine.MachineMemory;
import java.lang.foreign.MemorySegment;

/**
 * Grant mappings for a backend in the control domain, as libxengnttab gives a dom0 process: a
 * guest's grant that names domain 0 is mapped as a 4 KiB {@link MemorySegment} over the granted
 * frame, with the same checks and flags as a guest's GNTTABOP_map_grant_ref (the entry must permit
 * access to domain 0, a writable mapping needs a writable grant; GTF_reading/GTF_writing show the
 * mapping to the granting guest until {@link Mapping#close()}). Each device has its own handles,
 * like each open of {@code /dev/xen/gntdev}; {@link #close()} unmaps what is left.
 */
public final class GnttabDevice implements AutoCloseable {
    /** The control domain's id: grants for backends name it. */
    public static final int DOM0 = 0;

    private final Hypervisor hypervisor;
    private final GrantTable table;

    public GnttabDevice(Hypervisor hypervisor) {
        this.hypervisor = hypervisor;
        this.table = new GrantTable(DOM0, hypervisor.mmu(),
                domid -> hypervisor.anyDomain(domid).map(Domain::grantTable).orElse(null));
    }

    /** A mapped grant: the frame as a segment (read-only for a read-only mapping) until {@link #close()}. */
    public final class Mapping implements AutoCloseable {
        private final int domid;
        private final long ref;
        private final int handle;
        private final MemorySegment segment;
        private boolean closed;

        private Mapping(int domid, long ref, int handle, MemorySegment segment) {
            this.domid = domid;
            this.ref = ref;
            this.handle = handle;
            this.segment = segment;
        }

        /** The 4 KiB granted page. Do not use it after {@link #close()}. */
        public MemorySegment segment() {
            return segment;
        }

        public int domid() {
            return domid;
        }

        public long ref() {
            return ref;
        }

        /** Unmaps: the granting guest sees GTF_reading/GTF_writing cleared once nothing else maps the entry. */
        @Override
        public void close() {
            synchronized (table.lock()) {
                if (closed) {
                    return;
                }
                closed = true;
                table.unmap(0, segmentAddress(), handle, 0, 0);
            }
        }

        private long segmentAddress() {
            return segment.address() - hypervisor.memory().segment().address();
        }
    }

    /**
     * Maps grant {@code ref} of domain {@code domid}.
     *
     * @throws Dom0Exception ESRCH when there is no such domain; EINVAL when the reference is out of
     *     range, the entry does not grant access to domain 0, a writable mapping is asked of a
     *     read-only grant, or the frame cannot be mapped (the message names Xen's GNTST status)
     */
    public Mapping map(int domid, long ref, boolean readOnly) {
        int flags = GrantTableOp.GNTMAP_DEVICE_MAP | (readOnly ? GrantTableOp.GNTMAP_READONLY : 0);
        synchronized (table.lock()) {
            GrantTable.MapResult r = table.map(0, flags, ref, domid, 0);
            if (r.status() != GrantTableOp.GNTST_OKAY) {
                int errno = r.status() == GrantTableOp.GNTST_BAD_DOMAIN ? XenErrno.ESRCH : XenErrno.EINVAL;
                throw new Dom0Exception(errno, "cannot map grant " + ref + " of domain " + domid + ": "
                        + GrantTableOp.statusName(r.status()));
            }
            MemorySegment frame = hypervisor.memory().frame(r.devBusAddr() >>> MachineMemory.PAGE_SHIFT);
            return new Mapping(domid, ref, r.handle(), readOnly ? frame.asReadOnly() : frame);
        }
    }

    /**
     * GNTTABOP_copy between a guest's grant and {@code buffer}: {@code length} bytes at
     * {@code offset} in grant {@code ref} of domain {@code domid}, to the guest when
     * {@code toGuest}, else from it.
     *
     * @throws Dom0Exception as {@link #map}, and EINVAL when the range leaves the page or the granted part of it
     */
    public void copy(int domid, long ref, int offset, byte[] buffer, int length, boolean toGuest) {
        if (offset < 0 || length < 0 || length > buffer.length || offset + length > MachineMemory.PAGE_SIZE) {
            throw new Dom0Exception(XenErrno.EINVAL, "copy of " + length + " bytes at offset " + offset
                    + " leaves the page");
        }
        int status = table.copyWithHost(domid, ref, offset, buffer, length, toGuest);
        if (status != GrantTableOp.GNTST_OKAY) {
            int errno = status == GrantTableOp.GNTST_BAD_DOMAIN ? XenErrno.ESRCH : XenErrno.EINVAL;
            throw new Dom0Exception(errno, "cannot copy " + (toGuest ? "to" : "from") + " grant " + ref
                    + " of domain " + domid + ": " + GrantTableOp.statusName(status));
        }
    }

    /** Mappings still open. */
    public int mappingCount() {
        return table.mappingCount();
    }

    /** Unmaps every mapping still open. */
    @Override
    public void close() {
        table.destroy();
    }
}
