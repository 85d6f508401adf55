package dev.jxen.hypervisor;

import static dev.jxen.abi.GrantTableOp.GNTMAP_CONTAINS_PTE;
import static dev.jxen.abi.GrantTableOp.GNTMAP_DEVICE_MAP;
import static dev.jxen.abi.GrantTableOp.GNTMAP_HOST_MAP;
import static dev.jxen.abi.GrantTableOp.GNTMAP_READONLY;
import static dev.jxen.abi.GrantTableOp.GNTST_BAD_COPY_ARG;
import static dev.jxen.abi.GrantTableOp.GNTST_BAD_DOMAIN;
import static dev.jxen.abi.GrantTableOp.GNTST_BAD_GNTREF;
import static dev.jxen.abi.GrantTableOp.GNTST_BAD_HANDLE;
import static dev.jxen.abi.GrantTableOp.GNTST_GENERAL_ERROR;
import static dev.jxen.abi.GrantTableOp.GNTST_OKAY;
import static dev.jxen.abi.GrantTableOp.GNTST_PERMISSION_DENIED;
import static dev.jxen.abi.GrantTableOp.GTF_PERMIT_ACCESS;
import static dev.jxen.abi.GrantTableOp.GTF_READING;
import static dev.jxen.abi.GrantTableOp.GTF_READONLY;
import static dev.jxen.abi.GrantTableOp.GTF_WRITING;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jxen.abi.GrantTableOp;
import dev.jxen.abi.Hypercall;
import dev.jxen.abi.XenErrno;
import dev.jxen.hypervisor.dom0.Dom0Exception;
import dev.jxen.hypervisor.dom0.GnttabDevice;
import dev.jxen.hypervisor.grant.GrantTable;
import dev.jxen.hypervisor.mm.FrameTable;
import dev.jxen.hypervisor.mm.PvMmu;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Grant tables between two hand-built guests on one hypervisor: the granter's entries are written
 * straight into its grant frame (as its kernel would), the grantee makes the grant hypercalls, and
 * the tests check what each side then sees: statuses, GTF flags, page-table entries, frame counts.
 */
class GrantTableTest {
    static final long A = HypercallRunner.ARGS;
    /** A page of the grantee mapped by the test guest's L1: grant mappings replace it. */
    static final long MAP_VA = TestGuest.LAST_DATA_PFN << 12;

    TestGuest granter;
    TestGuest grantee;
    /** The granted page (one of the granter's RAM frames). */
    long page;

    @BeforeEach
    void twoGuests() {
        granter = new TestGuest();
        grantee = new TestGuest(granter.memory, granter.hv);
        page = granter.mfn(300);
        granter.memory.write64(page << 12, 0x1122_3344_5566_7788L);
    }

    @AfterEach
    void close() {
        granter.close();
    }

    /** Writes v1 entry {@code ref} of the granter: flags, the domain it grants to, the frame. */
    void grantV1(int ref, int flags, int domid, long frame) {
        long gt = granter.domain.grantTable().sharedFrame(ref / 512) << 12;
        granter.memory.write64(gt + (ref % 512) * 8L, (flags & 0xFFFFL) | ((long) domid << 16) | (frame << 32));
    }

    int flagsV1(int ref) {
        long gt = granter.domain.grantTable().sharedFrame(ref / 512) << 12;
        return granter.memory.read16(gt + (ref % 512) * 8L) & 0xFFFF;
    }

    /** Lays a gnttab_map_grant_ref out at {@code va}. */
    void mapOp(long va, long hostAddr, int flags, int ref, int dom) {
        grantee.write64(va, hostAddr);
        grantee.write32(va + 8, flags);
        grantee.write32(va + 12, ref);
        grantee.write32(va + 16, dom); // dom, and status cleared
        grantee.write64(va + 20, 0xFFFF_FFFFL); // handle (and dev_bus_addr's low half) poisoned
        grantee.write64(va + 24, 0);
    }

    short status(long va, int offset) {
        return (short) grantee.read32(va + offset);
    }

    /** Lays a gnttab_unmap_grant_ref out at {@code va}. */
    void unmapOp(long va, long hostAddr, long devBusAddr, int handle) {
        grantee.write64(va, hostAddr);
        grantee.write64(va + 8, devBusAddr);
        grantee.write64(va + 16, handle & 0xFFFF_FFFFL);
    }

    int domA() {
        return granter.domain.id();
    }

    int domB() {
        return grantee.domain.id();
    }

    FrameTable frames() {
        return granter.hv.frames();
    }

    @Test
    void aHostMappingPutsAGrantPteInTheCallersL1AndMarksTheEntryInUse() throws Exception {
        grantV1(10, GTF_PERMIT_ACCESS, domB(), page);
        mapOp(A, MAP_VA, GNTMAP_HOST_MAP, 10, domA());
        HypercallRunner r = new HypercallRunner(grantee);
        int map = r.call(Hypercall.GRANT_TABLE_OP, GrantTableOp.MAP_GRANT_REF, A, 1);
        assertThat(r.run().reason()).isEqualTo(ShutdownReason.POWEROFF);

        assertThat(r.result(map)).isZero();
        assertThat(status(A, 18)).as("status").isEqualTo((short) GNTST_OKAY);
        assertThat(grantee.read64(A + 24)).as("dev_bus_addr").isEqualTo(page << 12);
        long pte = granter.memory.read64(grantee.pteMa(MAP_VA));
        assertThat(pte & PvMmu.ADDR_MASK).as("the PTE maps the granted frame").isEqualTo(page << 12);
        assertThat(pte & (PvMmu.P | PvMmu.RW | PvMmu.GNTTAB)).isEqualTo(PvMmu.P | PvMmu.RW | PvMmu.GNTTAB);
        assertThat(flagsV1(10)).as("GTF_reading|GTF_writing in the granter's entry")
                .isEqualTo(GTF_PERMIT_ACCESS | GTF_READING | GTF_WRITING);
        assertThat(frames().grantMaps(page)).isEqualTo(1);
        assertThat(frames().type(page)).as("a writable mapping holds the writable type").isEqualTo(FrameTable.PGT_WRITABLE);
        assertThat(granter.hv.mmu().pin(page, 1, domA())).as("the granter cannot make it a page table")
                .isEqualTo(-XenErrno.EINVAL);

        // Destroying the grantee releases its mapping: the entry is free again.
        grantee.domain.destroy();
        assertThat(flagsV1(10)).isEqualTo(GTF_PERMIT_ACCESS);
        assertThat(frames().grantMaps(page)).isZero();
        assertThat(frames().typeCount(page)).isZero();
        assertThat(granter.domain.grantTable().pins(10)).isZero();
    }

    @Test
    void unmapRestoresEverythingAndTheGuestSeesTheGrantedPageThroughTheMapping() throws Exception {
        grantV1(11, GTF_PERMIT_ACCESS, domB(), page);
        mapOp(A, MAP_VA, GNTMAP_HOST_MAP, 11, domA());
        // mov rax, [MAP_VA]; mov [A+0x100], rax; then the runner's table: unmap
        HypercallRunner r = new HypercallRunner(grantee);
        int map = r.call(Hypercall.GRANT_TABLE_OP, GrantTableOp.MAP_GRANT_REF, A, 1);
        unmapOp(A + 0x40, MAP_VA, 0, 0);
        unmapOp(A + 0x58, MAP_VA, 0, 0); // a second unmap of the same handle (elements are 24 bytes)
        int unmap = r.call(Hypercall.GRANT_TABLE_OP, GrantTableOp.UNMAP_GRANT_REF, A + 0x40, 2);
        assertThat(r.run().reason()).isEqualTo(ShutdownReason.POWEROFF);

        assertThat(status(A, 18)).isEqualTo((short) GNTST_OKAY);
        assertThat(grantee.read32(A + 20)).as("first handle").isZero();
        assertThat(r.result(unmap)).isZero();
        assertThat(status(A + 0x40, 20)).isEqualTo((short) GNTST_OKAY);
        assertThat(status(A + 0x58, 20)).as("the handle is gone").isEqualTo((short) GNTST_BAD_HANDLE);
        assertThat(granter.memory.read64(grantee.pteMa(MAP_VA))).as("PTE cleared").isZero();
        assertThat(flagsV1(11)).isEqualTo(GTF_PERMIT_ACCESS);
        assertThat(frames().grantMaps(page)).isZero();
        assertThat(frames().refCount(page)).isZero();
        assertThat(grantee.domain.grantTable().mappingCount()).isZero();
    }

    @Test
    void unmapAndReplaceMovesAnotherPteOverTheGrantMapping() throws Exception {
        grantV1(17, GTF_PERMIT_ACCESS, domB(), page);
        long otherVa = MAP_VA - 0x1000;
        long otherPte = granter.memory.read64(grantee.pteMa(otherVa));
        mapOp(A, MAP_VA, GNTMAP_HOST_MAP, 17, domA());
        grantee.write64(A + 0x40, MAP_VA); // unmap_and_replace {host_addr, new_addr, handle}
        grantee.write64(A + 0x48, otherVa);
        grantee.write64(A + 0x50, 0);
        HypercallRunner r = new HypercallRunner(grantee);
        r.call(Hypercall.GRANT_TABLE_OP, GrantTableOp.MAP_GRANT_REF, A, 1);
        int replace = r.call(Hypercall.GRANT_TABLE_OP, GrantTableOp.UNMAP_AND_REPLACE, A + 0x40, 1);
        assertThat(r.run().reason()).isEqualTo(ShutdownReason.POWEROFF);

        assertThat(r.result(replace)).isZero();
        assertThat(status(A + 0x40, 20)).isEqualTo((short) GNTST_OKAY);
        assertThat(granter.memory.read64(grantee.pteMa(MAP_VA)) & PvMmu.ADDR_MASK)
                .as("the other address's frame now at the mapped address").isEqualTo(otherPte & PvMmu.ADDR_MASK);
        assertThat(granter.memory.read64(grantee.pteMa(otherVa))).as("the other address is unmapped").isZero();
        assertThat(flagsV1(17)).isEqualTo(GTF_PERMIT_ACCESS);
        assertThat(frames().grantMaps(page)).isZero();
    }

    @Test
    void refusalsCarryXensStatusesAndLeaveTheEntryUntouched() throws Exception {
        granter.domain.pinL4(granter.mfn(TestGuest.L4)); // its boot tables become validated page tables
        grantV1(12, GTF_PERMIT_ACCESS, domB() + 7, page);       // granted to another domain
        grantV1(13, GTF_PERMIT_ACCESS | GTF_READONLY, domB(), page);
        grantV1(14, GTF_PERMIT_ACCESS, domB(), granter.mfn(1)); // the granter's L4: cannot be writable
        grantV1(15, GTF_PERMIT_ACCESS, domB(), grantee.mfn(5)); // a frame the granter does not own
        mapOp(A, MAP_VA, GNTMAP_HOST_MAP, 100_000, domA());
        mapOp(A + 0x20, MAP_VA, GNTMAP_HOST_MAP, 12, domA());
        mapOp(A + 0x40, MAP_VA, GNTMAP_HOST_MAP, 13, domA());
        mapOp(A + 0x60, MAP_VA, GNTMAP_HOST_MAP, 12, 999);
        mapOp(A + 0x80, MAP_VA, 0, 13, domA());
        mapOp(A + 0xA0, MAP_VA, GNTMAP_HOST_MAP, 14, domA());
        mapOp(A + 0xC0, MAP_VA, GNTMAP_HOST_MAP, 15, domA());
        mapOp(A + 0xE0, 0x7000_0000_0000L, GNTMAP_HOST_MAP | GNTMAP_READONLY, 13, domA()); // no L1 there
        mapOp(A + 0x100, grantee.ma(0x3000) + 4, GNTMAP_HOST_MAP | GNTMAP_CONTAINS_PTE | GNTMAP_READONLY, 13, domA());
        HypercallRunner r = new HypercallRunner(grantee);
        int maps = r.call(Hypercall.GRANT_TABLE_OP, GrantTableOp.MAP_GRANT_REF, A, 9);
        int badCount = r.call(Hypercall.GRANT_TABLE_OP, GrantTableOp.MAP_GRANT_REF, A, -1);
        int transfer = r.call(Hypercall.GRANT_TABLE_OP, GrantTableOp.TRANSFER, A, 1);
        assertThat(r.run().reason()).isEqualTo(ShutdownReason.POWEROFF);

        assertThat(r.result(maps)).isZero();
        assertThat(status(A, 18)).as("bad gref").isEqualTo((short) GNTST_BAD_GNTREF);
        assertThat(status(A + 0x20, 18)).as("granted to another domain").isEqualTo((short) GNTST_GENERAL_ERROR);
        assertThat(status(A + 0x40, 18)).as("writable map of a read-only grant").isEqualTo((short) GNTST_GENERAL_ERROR);
        assertThat(status(A + 0x60, 18)).as("no such domain").isEqualTo((short) GNTST_BAD_DOMAIN);
        assertThat(status(A + 0x80, 18)).as("neither host nor device").isEqualTo((short) GNTST_BAD_GNTREF);
        assertThat(status(A + 0xA0, 18)).as("a page table granted writable").isEqualTo((short) GNTST_GENERAL_ERROR);
        assertThat(status(A + 0xC0, 18)).as("not the granter's frame").isEqualTo((short) GNTST_BAD_PAGE_STATUS);
        assertThat(status(A + 0xE0, 18)).as("no L1 for the address").isEqualTo((short) GNTST_GENERAL_ERROR);
        assertThat(status(A + 0x100, 18)).as("a PTE address that is not in an L1 table")
                .isEqualTo((short) GNTST_GENERAL_ERROR);
        assertThat(r.result(badCount)).isEqualTo(-XenErrno.EINVAL);
        assertThat(r.result(transfer)).isEqualTo(-XenErrno.ENOSYS);
        for (int ref = 12; ref <= 15; ref++) {
            assertThat(flagsV1(ref) & (GTF_READING | GTF_WRITING)).as("entry %d untouched", ref).isZero();
            assertThat(granter.domain.grantTable().pins(ref)).isZero();
        }
        assertThat(frames().grantMaps(page)).isZero();
        assertThat(grantee.domain.grantTable().mappingCount()).isZero();
    }

    static final int GNTST_BAD_PAGE_STATUS = GrantTableOp.GNTST_BAD_PAGE;

    @Test
    void readOnlyAndDeviceMappingsPinWithoutAWritableType() throws Exception {
        grantV1(16, GTF_PERMIT_ACCESS | GTF_READONLY, domB(), page);
        mapOp(A, MAP_VA, GNTMAP_HOST_MAP | GNTMAP_READONLY, 16, domA());
        mapOp(A + 0x20, 0, GNTMAP_DEVICE_MAP | GNTMAP_READONLY, 16, domA());
        HypercallRunner r = new HypercallRunner(grantee);
        r.call(Hypercall.GRANT_TABLE_OP, GrantTableOp.MAP_GRANT_REF, A, 2);
        assertThat(r.run().reason()).isEqualTo(ShutdownReason.POWEROFF);

        assertThat(status(A, 18)).isEqualTo((short) GNTST_OKAY);
        assertThat(status(A + 0x20, 18)).isEqualTo((short) GNTST_OKAY);
        assertThat(grantee.read32(A + 0x20 + 20)).as("second handle").isEqualTo(1);
        long pte = granter.memory.read64(grantee.pteMa(MAP_VA));
        assertThat(pte & PvMmu.RW).as("read-only PTE").isZero();
        assertThat(flagsV1(16)).isEqualTo(GTF_PERMIT_ACCESS | GTF_READONLY | GTF_READING);
        assertThat(granter.domain.grantTable().pins(16)).isEqualTo(2);
        assertThat(frames().grantMaps(page)).isEqualTo(2);
        assertThat(frames().typeCount(page)).isZero();
    }

    @Test
    void copyMovesBytesBothWaysWithinTheGrantAndChecksItsArguments() throws Exception {
        grantV1(20, GTF_PERMIT_ACCESS, domB(), page);
        grantV1(21, GTF_PERMIT_ACCESS | GTF_READONLY, domB(), page);
        long mine = grantee.mfn(200);
        grantee.memory.write64((mine << 12) + 0x800, 0x0BAD_CAFE_0000_0001L);
        // {source {u, domid, offset}, dest {...}, len, flags, status}
        copyOp(A, 20, domA(), 0, mine, 0x7FF0, 0x10, 8, GrantTableOp.GNTCOPY_SOURCE_GREF);
        copyOp(A + 0x28, mine, 0x7FF0, 0x800, 20, domA(), 0x100, 8, GrantTableOp.GNTCOPY_DEST_GREF);
        copyOp(A + 0x50, mine, 0x7FF0, 0x800, 21, domA(), 0x100, 8, GrantTableOp.GNTCOPY_DEST_GREF);
        copyOp(A + 0x78, 20, domA(), 0xFF8, mine, 0x7FF0, 0, 16, GrantTableOp.GNTCOPY_SOURCE_GREF);
        copyOp(A + 0xA0, page, domA(), 0, mine, 0x7FF0, 0, 8, 0);
        copyOp(A + 0xC8, 20, 999, 0, mine, 0x7FF0, 0, 8, GrantTableOp.GNTCOPY_SOURCE_GREF);
        HypercallRunner r = new HypercallRunner(grantee);
        int copy = r.call(Hypercall.GRANT_TABLE_OP, GrantTableOp.COPY, A, 6);
        assertThat(r.run().reason()).isEqualTo(ShutdownReason.POWEROFF);

        assertThat(r.result(copy)).isZero();
        assertThat(status(A, 36)).isEqualTo((short) GNTST_OKAY);
        assertThat(grantee.memory.read64((mine << 12) + 0x10)).as("copied from the grant").isEqualTo(0x1122_3344_5566_7788L);
        assertThat(status(A + 0x28, 36)).isEqualTo((short) GNTST_OKAY);
        assertThat(granter.memory.read64((page << 12) + 0x100)).as("copied into the grant").isEqualTo(0x0BAD_CAFE_0000_0001L);
        assertThat(status(A + 0x50, 36)).as("into a read-only grant").isEqualTo((short) GNTST_GENERAL_ERROR);
        assertThat(status(A + 0x78, 36)).as("beyond the page").isEqualTo((short) GNTST_BAD_COPY_ARG);
        assertThat(status(A + 0xA0, 36)).as("a foreign frame by number").isEqualTo((short) GNTST_PERMISSION_DENIED);
        assertThat(status(A + 0xC8, 36)).as("no such domain").isEqualTo((short) GNTST_BAD_DOMAIN);
        assertThat(flagsV1(20)).as("no pins left after copies").isEqualTo(GTF_PERMIT_ACCESS);
        assertThat(flagsV1(21)).isEqualTo(GTF_PERMIT_ACCESS | GTF_READONLY);
        assertThat(frames().typeCount(page)).isZero();
    }

    void copyOp(long va, long src, int srcDom, int srcOff, long dst, int dstDom, int dstOff, int len, int flags) {
        grantee.write64(va, src);
        grantee.write32(va + 8, srcDom | (srcOff << 16));
        grantee.write32(va + 12, 0);
        grantee.write64(va + 16, dst);
        grantee.write32(va + 24, dstDom | (dstOff << 16));
        grantee.write32(va + 28, 0);
        grantee.write32(va + 32, len | (flags << 16));
        grantee.write32(va + 36, 0x7777);
    }

    @Test
    void version2KeepsReadingAndWritingInTheStatusFrames() throws Exception {
        // The granter switches itself to v2 and reads its status frame list.
        granter.write32(A, 2);
        granter.write32(A + 0x20, 1); // get_status_frames {nr 1, SELF, status, list}
        granter.write32(A + 0x24, 0x7FF0);
        granter.write64(A + 0x28, A + 0x40);
        granter.write32(A + 0x60, 0x7FF0); // get_version
        HypercallRunner g = new HypercallRunner(granter);
        int setV2 = g.call(Hypercall.GRANT_TABLE_OP, GrantTableOp.SET_VERSION, A, 1);
        int frames = g.call(Hypercall.GRANT_TABLE_OP, GrantTableOp.GET_STATUS_FRAMES, A + 0x20, 1);
        int version = g.call(Hypercall.GRANT_TABLE_OP, GrantTableOp.GET_VERSION, A + 0x60, 1);
        assertThat(g.run().reason()).isEqualTo(ShutdownReason.POWEROFF);
        assertThat(g.result(setV2)).isZero();
        assertThat(g.result(frames)).isZero();
        assertThat((short) (granter.read32(A + 0x24) >>> 16)).as("status").isZero();
        long statusFrame = granter.read64(A + 0x40);
        assertThat(statusFrame).isEqualTo(granter.domain.grantTable().statusFrame(0));
        assertThat(frames().owner(statusFrame)).isEqualTo(domA());
        assertThat(g.result(version)).isZero();
        assertThat(granter.read32(A + 0x64)).isEqualTo(2);

        // v2 entry 30: {flags, domid, pad, frame u64}
        long gt = granter.domain.grantTable().sharedFrame(0) << 12;
        granter.memory.write32(gt + 30 * 16L, GTF_PERMIT_ACCESS | (domB() << 16));
        granter.memory.write64(gt + 30 * 16L + 8, page);
        mapOp(A, MAP_VA, GNTMAP_HOST_MAP, 30, domA());
        mapOp(A + 0x20, MAP_VA, GNTMAP_HOST_MAP, 300, domA()); // beyond v2's 256 entries per frame
        HypercallRunner r = new HypercallRunner(grantee);
        r.call(Hypercall.GRANT_TABLE_OP, GrantTableOp.MAP_GRANT_REF, A, 2);
        assertThat(r.run().reason()).isEqualTo(ShutdownReason.POWEROFF);
        assertThat(status(A, 18)).isEqualTo((short) GNTST_OKAY);
        assertThat(status(A + 0x20, 18)).isEqualTo((short) GNTST_BAD_GNTREF);
        assertThat(granter.memory.read16(gt + 30 * 16L) & 0xFFFF).as("v2 flags stay as the granter wrote them")
                .isEqualTo(GTF_PERMIT_ACCESS);
        assertThat(granter.memory.read16((statusFrame << 12) + 30 * 2) & 0xFFFF).as("status entry")
                .isEqualTo(GTF_READING | GTF_WRITING);
        assertThat(granter.domain.grantTable().statusBits(30)).isEqualTo(GTF_READING | GTF_WRITING);
    }

    @Test
    void setVersionIsRefusedWhileAnEntryIsMappedAndKeepsTheReservedEntries() throws Exception {
        grantV1(1, GTF_PERMIT_ACCESS, 0, granter.mfn(7)); // the xenstore entry, for dom0
        grantV1(40, GTF_PERMIT_ACCESS, domB(), page);
        try (GnttabDevice dev = new GnttabDevice(granter.hv)) {
            GnttabDevice.Mapping m = dev.map(domA(), 1, false);
            assertThat(flagsV1(1)).isEqualTo(GTF_PERMIT_ACCESS | GTF_READING | GTF_WRITING);
            mapOp(A, MAP_VA, GNTMAP_HOST_MAP, 40, domA());
            HypercallRunner r = new HypercallRunner(grantee);
            r.call(Hypercall.GRANT_TABLE_OP, GrantTableOp.MAP_GRANT_REF, A, 1);
            assertThat(r.run().reason()).isEqualTo(ShutdownReason.POWEROFF);
            assertThat(status(A, 18)).isEqualTo((short) GNTST_OKAY);

            granter.write32(A, 2);
            granter.write32(A + 0x20, 7);
            HypercallRunner g = new HypercallRunner(granter);
            int busy = g.call(Hypercall.GRANT_TABLE_OP, GrantTableOp.SET_VERSION, A, 1);
            int bad = g.call(Hypercall.GRANT_TABLE_OP, GrantTableOp.SET_VERSION, A + 0x20, 1);
            assertThat(g.run().reason()).isEqualTo(ShutdownReason.POWEROFF);
            assertThat(g.result(busy)).as("entry 40 is mapped").isEqualTo(-XenErrno.EBUSY);
            assertThat(granter.read32(A)).as("version written back").isEqualTo(1);
            assertThat(g.result(bad)).isEqualTo(-XenErrno.EINVAL);

            grantee.domain.destroy(); // entry 40 free again; the reserved entry 1 stays mapped by dom0
            assertThat(granter.domain.grantTable().setVersion(2)).isZero();
            long gt = granter.domain.grantTable().sharedFrame(0) << 12;
            assertThat(granter.memory.read64(gt + 16 + 8)).as("entry 1's frame kept in v2 form").isEqualTo(granter.mfn(7));
            assertThat(granter.domain.grantTable().statusBits(1)).isEqualTo(GTF_READING | GTF_WRITING);
            assertThat(granter.memory.read64(gt + 40 * 16L)).as("other entries cleared").isZero();
            m.close();
            assertThat(granter.domain.grantTable().statusBits(1)).isZero();
        }
    }

    @Test
    void aFrameMappedByAnotherDomainOutlivesItsOwnersDestruction() throws Exception {
        grantV1(50, GTF_PERMIT_ACCESS, 0, page);
        try (GnttabDevice dev = new GnttabDevice(granter.hv)) {
            GnttabDevice.Mapping m = dev.map(domA(), 50, false);
            long free = frames().freeFrames();
            granter.domain.destroy();
            assertThat(frames().owner(page)).as("kept for the mapping").isEqualTo(FrameTable.ORPHAN);
            long freedWithTheDomain = frames().freeFrames() - free;
            assertThat(m.segment().get(ValueLayout.JAVA_LONG_UNALIGNED, 0)).isEqualTo(0x1122_3344_5566_7788L);
            m.close();
            assertThat(frames().owner(page)).as("freed by the last unmap").isEqualTo(FrameTable.FREE);
            assertThat(frames().freeFrames() - free).isEqualTo(freedWithTheDomain + 1);
            assertThat(dev.mappingCount()).isZero();
        }
    }

    @Test
    void theDom0DeviceMapsCopiesAndRefusesAsXenDoes() throws Exception {
        grantV1(60, GTF_PERMIT_ACCESS, 0, page);
        grantV1(61, GTF_PERMIT_ACCESS | GTF_READONLY, 0, page);
        grantV1(62, GTF_PERMIT_ACCESS, domB(), page);
        try (GnttabDevice dev = new GnttabDevice(granter.hv)) {
            GnttabDevice.Mapping m = dev.map(domA(), 60, false);
            MemorySegment s = m.segment();
            assertThat(s.byteSize()).isEqualTo(4096);
            assertThat(s.get(ValueLayout.JAVA_LONG_UNALIGNED, 0)).isEqualTo(0x1122_3344_5566_7788L);
            s.set(ValueLayout.JAVA_LONG_UNALIGNED, 8, 42L);
            assertThat(granter.memory.read64((page << 12) + 8)).isEqualTo(42L);
            assertThat(granter.domain.decreaseReservation(page)).as("a mapped frame cannot be ballooned out").isFalse();

            GnttabDevice.Mapping ro = dev.map(domA(), 61, true);
            assertThat(ro.segment().isReadOnly()).isTrue();
            assertThatThrownBy(() -> dev.map(domA(), 61, false)).isInstanceOf(Dom0Exception.class)
                    .hasMessageContaining("GNTST_general_error")
                    .satisfies(e -> assertThat(((Dom0Exception) e).errno()).isEqualTo(XenErrno.EINVAL));
            assertThatThrownBy(() -> dev.map(domA(), 62, true)).as("granted to domain B, not dom0")
                    .isInstanceOf(Dom0Exception.class);
            assertThatThrownBy(() -> dev.map(999, 60, true))
                    .satisfies(e -> assertThat(((Dom0Exception) e).errno()).isEqualTo(XenErrno.ESRCH));
            assertThatThrownBy(() -> dev.map(domA(), 1 << 20, true)).hasMessageContaining("GNTST_bad_gntref");

            byte[] buf = new byte[8];
            dev.copy(domA(), 60, 0, buf, 8, false);
            assertThat(buf[0]).isEqualTo((byte) 0x88);
            byte[] out = {1, 2, 3, 4};
            dev.copy(domA(), 60, 0x200, out, 4, true);
            assertThat(granter.memory.read32((page << 12) + 0x200)).isEqualTo(0x0403_0201);
            assertThatThrownBy(() -> dev.copy(domA(), 61, 0, out, 4, true)).isInstanceOf(Dom0Exception.class);
            assertThatThrownBy(() -> dev.copy(domA(), 60, 4094, out, 4, true)).isInstanceOf(Dom0Exception.class);

            m.close();
            m.close(); // twice is harmless
            assertThat(flagsV1(60)).isEqualTo(GTF_PERMIT_ACCESS);
            assertThat(flagsV1(61)).isEqualTo(GTF_PERMIT_ACCESS | GTF_READONLY | GTF_READING);
        }
        assertThat(flagsV1(61)).as("closing the device unmaps the rest").isEqualTo(GTF_PERMIT_ACCESS | GTF_READONLY);
        assertThat(frames().grantMaps(page)).isZero();
    }

    // ------------------------------------------------------------------ review against Xen

    @Test
    void theHypervisorsEntryUpdatesNeverUndoTheGrantersConcurrentChanges() throws Exception {
        // The granter's vCPU keeps changing its entry (here: counting in the cache-attribute bits,
        // with compare-and-swap as a guest's LOCK CMPXCHG would) while dom0 maps and unmaps it,
        // which sets and clears GTF_reading/GTF_writing in the same word. No change may be lost.
        grantV1(30, GTF_PERMIT_ACCESS, GnttabDevice.DOM0, page);
        long ma = (granter.domain.grantTable().sharedFrame(0) << 12) + 30 * 8L;
        VarHandle word = ValueLayout.JAVA_INT.varHandle();
        MemorySegment seg = granter.memory.segment();
        int counterMask = GrantTableOp.GTF_PWT | GrantTableOp.GTF_PCD | GrantTableOp.GTF_PAT;
        int rounds = 400_000;
        long[] lost = new long[1];
        Thread granterVcpu = new Thread(() -> {
            int expected = 0;
            for (int i = 0; i < rounds; i++) {
                int w = (int) word.getVolatile(seg, ma);
                if ((w & counterMask) != expected) {
                    lost[0]++; // someone wrote back a value from before our last change
                }
                int next = (expected + GrantTableOp.GTF_PWT) & counterMask;
                while (!word.compareAndSet(seg, ma, w, (w & ~counterMask) | next)) {
                    w = (int) word.getVolatile(seg, ma);
                }
                expected = next;
            }
        });
        try (GnttabDevice dev = new GnttabDevice(granter.hv)) {
            granterVcpu.start();
            while (granterVcpu.isAlive()) {
                try {
                    dev.map(domA(), 30, false).close();
                } catch (dev.jxen.hypervisor.dom0.Dom0Exception e) {
                    // Xen's answer too when the entry kept changing under five tries ("unstable").
                    assertThat(e.getMessage()).contains("GNTST_general_error");
                }
            }
            granterVcpu.join();
        }
        assertThat(lost[0]).as("granter changes undone by the hypervisor").isZero();
        assertThat(flagsV1(30) & (GTF_READING | GTF_WRITING)).as("no in-use bit left behind").isZero();
    }

    @Test
    void removingAGrantPteByMmuUpdateGivesTheGuestAGeneralProtectionFault() throws Exception {
        // Xen 4.17 put_page_from_l1e: a grant PTE dropped other than by GNTTABOP_unmap_grant_ref
        // gets #GP(0) on the vCPU that did it (this guest has no #GP handler, so it crashes).
        grantV1(10, GTF_PERMIT_ACCESS, domB(), page);
        mapOp(A, MAP_VA, GNTMAP_HOST_MAP, 10, domA());
        HypercallRunner r = new HypercallRunner(grantee);
        int map = r.call(Hypercall.GRANT_TABLE_OP, GrantTableOp.MAP_GRANT_REF, A, 1);
        r.call(Hypercall.UPDATE_VA_MAPPING, MAP_VA, 0, 0);
        int after = r.call(Hypercall.XEN_VERSION, 0, 0);
        DomainExit exit = r.run();

        assertThat(r.result(map)).isZero();
        assertThat(exit.reason()).isEqualTo(ShutdownReason.CRASH);
        assertThat(exit.crashReport()).contains("#GP");
        assertThat(r.result(after)).as("the guest never got past the update").isEqualTo(0xDEAD);
        assertThat(granter.memory.read64(grantee.pteMa(MAP_VA))).as("the update itself was made").isZero();
        assertThat(granter.domain.grantTable().pins(10)).as("the grant stays mapped until the mapper goes")
                .isEqualTo(1);
        grantee.domain.destroy();
        assertThat(flagsV1(10)).isEqualTo(GTF_PERMIT_ACCESS);
        assertThat(frames().grantMaps(page)).isZero();
        assertThat(frames().typeCount(page)).isZero();
    }

    @Test
    void mappingAGrantOverAnotherGrantPteAlsoFaults() throws Exception {
        grantV1(10, GTF_PERMIT_ACCESS, domB(), page);
        grantV1(11, GTF_PERMIT_ACCESS | GTF_READONLY, domB(), page);
        mapOp(A, MAP_VA, GNTMAP_HOST_MAP, 10, domA());
        mapOp(A + 0x20, MAP_VA, GNTMAP_HOST_MAP | GNTMAP_READONLY, 11, domA());
        HypercallRunner r = new HypercallRunner(grantee);
        r.call(Hypercall.GRANT_TABLE_OP, GrantTableOp.MAP_GRANT_REF, A, 1);
        r.call(Hypercall.GRANT_TABLE_OP, GrantTableOp.MAP_GRANT_REF, A + 0x20, 1);
        DomainExit exit = r.run();

        assertThat(exit.reason()).isEqualTo(ShutdownReason.CRASH);
        assertThat(exit.crashReport()).contains("#GP");
        assertThat(status(A + 0x20, 18)).as("the second mapping was made").isEqualTo((short) GNTST_OKAY);
        assertThat(granter.memory.read64(grantee.pteMa(MAP_VA)) & PvMmu.RW).as("the read-only one is in place").isZero();
    }

    @Test
    void setupTableWithAFrameListInXensAddressRangeIsEfault() throws Exception {
        long m2p = 0xFFFF_8000_0000_0000L; // the guest can read it (the M2P), not write it
        grantee.write32(A, 0x7FF0);             // dom = DOMID_SELF
        grantee.write32(A + 4, 1);              // nr_frames
        grantee.write32(A + 8, 0x7777);         // status, poisoned
        grantee.write64(A + 16, m2p);            // frame_list
        grantee.write32(A + 0x40, 0x7FF0);
        grantee.write32(A + 0x44, 1);
        grantee.write32(A + 0x48, 0x7777);
        grantee.write64(A + 0x50, 0x7000_0000_0000L); // user half, nothing mapped there
        HypercallRunner r = new HypercallRunner(grantee);
        int xenRange = r.call(Hypercall.GRANT_TABLE_OP, GrantTableOp.SETUP_TABLE, A, 1);
        int unmapped = r.call(Hypercall.GRANT_TABLE_OP, GrantTableOp.SETUP_TABLE, A + 0x40, 1);
        assertThat(r.run().reason()).isEqualTo(ShutdownReason.POWEROFF);

        assertThat(r.result(xenRange)).isEqualTo(-XenErrno.EFAULT);
        assertThat(grantee.read32(A + 8)).as("status left alone").isEqualTo(0x7777);
        assertThat(r.result(unmapped)).isZero();
        assertThat((short) grantee.read32(A + 0x48)).isEqualTo((short) GrantTableOp.GNTST_BAD_VIRT_ADDR);
    }

    @Test
    void anEntryTakesAtMost128PinsOfAKindAsXensByteCounters() throws Exception {
        grantV1(16, GTF_PERMIT_ACCESS | GTF_READONLY, domB(), page);
        int n = GrantTable.PIN_LIMIT + 1;
        for (int i = 0; i < n; i++) {
            mapOp(A + i * (long) GrantTableOp.MAP_SIZE, 0, GNTMAP_DEVICE_MAP | GNTMAP_READONLY, 16, domA());
        }
        HypercallRunner r = new HypercallRunner(grantee);
        r.call(Hypercall.GRANT_TABLE_OP, GrantTableOp.MAP_GRANT_REF, A, n);
        assertThat(r.run().reason()).isEqualTo(ShutdownReason.POWEROFF);

        for (int i = 0; i < n - 1; i++) {
            assertThat(status(A + i * (long) GrantTableOp.MAP_SIZE, 18)).as("map %d", i).isEqualTo((short) GNTST_OKAY);
        }
        assertThat(status(A + (n - 1) * (long) GrantTableOp.MAP_SIZE, 18)).as("the 129th").isEqualTo((short) GNTST_GENERAL_ERROR);
        assertThat(granter.domain.grantTable().pins(16)).isEqualTo(GrantTable.PIN_LIMIT);
    }
}
