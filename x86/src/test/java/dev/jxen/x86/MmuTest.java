package dev.jxen.x86;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jxen.machine.ExitReason;
import dev.jxen.machine.MachineMemory;
import dev.jxen.machine.VcpuExit;
import dev.jxen.machine.VcpuRunner;
import dev.jxen.x86.testkit.FlatMachine;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Paging as the CPU does it, driven through the MMU's accessors on a {@link FlatMachine} whose
 * page tables the tests edit: page sizes, accessed/dirty bits, NX, U/S, R/W with CR0.WP, reserved
 * bits, error codes and CR2, non-canonical addresses, page-crossing accesses and TLB semantics.
 */
class MmuTest {
    // PTE bits, spelled out here rather than taken from Mmu so the test checks the architecture.
    static final long P = 1, RW = 2, US = 4, A = 0x20, D = 0x40, PS = 0x80, G = 0x100;
    static final long NX = 1L << 63;
    static final long ADDR = 0x000F_FFFF_FFFF_F000L;
    // #PF error code bits.
    static final int PF_P = 1, PF_W = 2, PF_U = 4, PF_RSVD = 8, PF_ID = 16;

    FlatMachine fm;
    X86Cpu c;
    MachineMemory mem;

    @BeforeEach
    void setUp() {
        fm = new FlatMachine(8 << 20, 0);
        c = fm.cpu();
        mem = fm.memory();
    }

    @AfterEach
    void tearDown() {
        fm.close();
    }

    // ---------------------------------------------------------------- page-table helpers

    long pml4e(long va) {
        return (c.cr3() & ADDR) + ((va >>> 39) & 511) * 8;
    }

    long pdpte(long va) {
        return (mem.read64(pml4e(va)) & ADDR) + ((va >>> 30) & 511) * 8;
    }

    long pde(long va) {
        return (mem.read64(pdpte(va)) & ADDR) + ((va >>> 21) & 511) * 8;
    }

    long pte(long va) {
        return fm.pteAddress(va);
    }

    long get(long entryAddress) {
        return mem.read64(entryAddress);
    }

    void set(long entryAddress, long value) {
        mem.write64(entryAddress, value);
    }

    void setBits(long entryAddress, long bits) {
        set(entryAddress, get(entryAddress) | bits);
    }

    void clearBits(long entryAddress, long bits) {
        set(entryAddress, get(entryAddress) & ~bits);
    }

    /** Page-table edits take effect after this, as after a CR3 load plus a global flush. */
    void flush() {
        c.flushTlb(true);
    }

    record Fault(int vector, int error, long cr2) {
    }

    /** Runs {@code access}, which must raise an exception, and returns what it recorded. */
    Fault faultOf(Runnable access) {
        c.pendingException(-1, -1, false, -1);
        assertThatThrownBy(access::run).isSameAs(CpuFault.INSTANCE);
        return new Fault(c.pendingVector, c.pendingError, c.pendingCr2);
    }

    static Fault pf(int error, long cr2) {
        return new Fault(Vectors.PF, error, cr2);
    }

    // ---------------------------------------------------------------- page sizes, A and D

    @Test
    void fourKiBPageSetsAccessedOnReadAndDirtyOnlyOnWrite() {
        long va = 0x40_3128;
        mem.write64(va, 0x1122_3344_5566_7788L);
        for (long e : new long[] {pml4e(va), pdpte(va), pde(va), pte(va)}) {
            clearBits(e, A | D);
        }
        flush();

        assertThat(c.mmu.read64(va)).isEqualTo(0x1122_3344_5566_7788L);
        for (long e : new long[] {pml4e(va), pdpte(va), pde(va), pte(va)}) {
            assertThat(get(e) & A).as("accessed at every level").isEqualTo(A);
        }
        assertThat(get(pte(va)) & D).as("a read leaves D clear").isZero();
        c.mmu.read32(va + 8);
        assertThat(get(pte(va)) & D).isZero();

        c.mmu.write32(va, 0xCAFE);
        assertThat(get(pte(va)) & D).as("a write sets D").isEqualTo(D);
        assertThat(get(pde(va)) & D).as("D only in the entry that maps the page").isZero();
        assertThat(mem.read32(va)).isEqualTo(0xCAFE);
    }

    @Test
    void dirtyIsSetByTheFirstWriteEvenAfterTheReadFilledTheTlb() {
        long va = 0x41_0000;
        clearBits(pte(va), D);
        flush();
        c.mmu.read8(va);
        clearBits(pte(va), A); // A stays as the CPU cached it, D must still be set on the write
        c.mmu.write8(va, 7);
        assertThat(get(pte(va)) & D).isEqualTo(D);
    }

    @Test
    void fourKiBPageMapsAnyFrame() {
        long va = 0x20_0000;
        set(pte(va), 0x35_F000 | P | RW);
        flush();
        c.mmu.write64(va + 0x10, 0xABCD_EF01_2345_6789L);
        assertThat(mem.read64(0x35_F010)).isEqualTo(0xABCD_EF01_2345_6789L);
        assertThat(c.mmu.read16(va + 0x10)).isEqualTo(0x6789);
    }

    @Test
    void twoMiBPage() {
        long va = 0x60_0000; // the fourth 2 MiB region
        set(pde(va), 0x20_0000 | P | RW | PS | (1L << 12)); // bit 12 is PAT in a large page, not an address bit
        flush();
        mem.write64(0x20_0000 + 0x5_1238, 0x0102_0304_0506_0708L);
        assertThat(c.mmu.read64(va + 0x5_1238)).isEqualTo(0x0102_0304_0506_0708L);
        c.mmu.write32(va + 0x1F_FFF0, 0x55AA);
        assertThat(mem.read32(0x20_0000 + 0x1F_FFF0)).isEqualTo(0x55AA);
        assertThat(get(pde(va)) & (A | D)).isEqualTo(A | D);
    }

    @Test
    void oneGiBPage() {
        long va = 0x4000_0000L; // PDPT entry 1, unused by the identity map
        set(pdpte(va), 0 | P | RW | PS);
        flush();
        mem.write64(0x12_3450, 0x7777_6666_5555_4444L);
        assertThat(c.mmu.read64(va + 0x12_3450)).isEqualTo(0x7777_6666_5555_4444L);
        c.mmu.write16(va + 0x12_3450, 0x9999);
        assertThat(mem.read16(0x12_3450)).isEqualTo((short) 0x9999);
        assertThat(get(pdpte(va)) & (A | D)).isEqualTo(A | D);
    }

    // ---------------------------------------------------------------- reserved bits

    @Test
    void reservedAddressBitsAboveThePhysicalWidthFault() {
        long va = 0x40_5000;
        set(pte(va), get(pte(va)) | (1L << 51));
        flush();
        assertThat(faultOf(() -> c.mmu.read8(va + 3))).isEqualTo(pf(PF_P | PF_RSVD, va + 3));
        assertThat(faultOf(() -> c.mmu.write8(va, 1))).isEqualTo(pf(PF_P | PF_RSVD | PF_W, va));

        set(pte(va), (get(pte(va)) & ~(1L << 51)) | (1L << Mmu.PHYS_ADDR_BITS));
        flush();
        assertThat(faultOf(() -> c.mmu.read8(va)).error() & PF_RSVD).isEqualTo(PF_RSVD);
    }

    @Test
    void physicalWidthMatchesWhatCpuidAdvertises() {
        int[] out = new int[4];
        dev.jxen.x86.testkit.CpuModel.cpuid(0x8000_0008, 0, out);
        assertThat(out[0] & 0xFF).isEqualTo(Mmu.PHYS_ADDR_BITS);
        dev.jxen.x86.testkit.CpuModel.cpuid(0x8000_0001, 0, out);
        assertThat(out[3] & (1 << 26)).as("1 GiB pages advertised").isNotZero();
    }

    @Test
    void anAddressBitBelowThePhysicalWidthIsNotReserved() {
        long va = 0x40_5000;
        set(pte(va), get(pte(va)) | (1L << (Mmu.PHYS_ADDR_BITS - 1)));
        flush();
        // A frame beyond machine memory: a fault, but not a reserved-bit one.
        assertThat(faultOf(() -> c.mmu.read8(va)).error() & PF_RSVD).isZero();
    }

    @Test
    void pageSizeBitInThePml4IsReserved() {
        long va = 0x40_0000;
        setBits(pml4e(va), PS);
        flush();
        assertThat(faultOf(() -> c.mmu.read64(va))).isEqualTo(pf(PF_P | PF_RSVD, va));
    }

    @Test
    void largePageAddressBitsBelowThePageSizeAreReserved() {
        long va2m = 0x60_0000;
        set(pde(va2m), 0x20_0000 | P | RW | PS | (1L << 13));
        long va1g = 0x4000_0000L;
        set(pdpte(va1g), P | RW | PS | (1L << 29));
        flush();
        assertThat(faultOf(() -> c.mmu.read8(va2m + 5))).isEqualTo(pf(PF_P | PF_RSVD, va2m + 5));
        assertThat(faultOf(() -> c.mmu.read8(va1g))).isEqualTo(pf(PF_P | PF_RSVD, va1g));
    }

    @Test
    void nxBitIsReservedWithoutEferNxe() {
        long va = 0x40_7000;
        setBits(pte(va), NX);
        c.setEfer(c.efer() & ~X86Cpu.EFER_NXE);
        assertThat(faultOf(() -> c.mmu.read8(va))).isEqualTo(pf(PF_P | PF_RSVD, va));
    }

    @Test
    void notPresentIsReportedBeforeReservedBitsBelow() {
        long va = 0x40_8000;
        setBits(pte(va), 1L << 51);
        clearBits(pde(va), P);
        flush();
        assertThat(faultOf(() -> c.mmu.read8(va))).isEqualTo(pf(0, va));
    }

    @Test
    void faultingAccessSetsNoAccessedOrDirtyBit() {
        long va = 0x40_9000;
        clearBits(pte(va), A | D | RW);
        flush();
        assertThat(faultOf(() -> c.mmu.write8(va, 1))).isEqualTo(pf(PF_P | PF_W, va));
        assertThat(get(pte(va)) & (A | D)).isZero();
    }

    // ---------------------------------------------------------------- permissions

    @Test
    void notPresentPages() {
        long va = 0x40_A000;
        clearBits(pte(va), P);
        flush();
        assertThat(faultOf(() -> c.mmu.read32(va + 0x10))).isEqualTo(pf(0, va + 0x10));
        assertThat(faultOf(() -> c.mmu.write32(va, 0))).isEqualTo(pf(PF_W, va));
        c.setCpl(3);
        assertThat(faultOf(() -> c.mmu.read8(va))).isEqualTo(pf(PF_U, va));
    }

    @Test
    void nxForbidsFetchesOnly() {
        long va = 0x40_B000;
        setBits(pte(va), NX);
        flush();
        assertThat(c.mmu.read8(va)).isZero();
        c.mmu.write8(va, 0x90);
        assertThat(faultOf(() -> c.mmu.fetchAddress(va + 1))).isEqualTo(pf(PF_P | PF_ID, va + 1));
        c.setCpl(3);
        assertThat(faultOf(() -> c.mmu.fetchAddress(va))).isEqualTo(pf(PF_P | PF_ID | PF_U, va));
    }

    @Test
    void nxInAnUpperLevelCoversTheWholeRange() {
        long va = 0x60_3000;
        setBits(pde(va), NX);
        flush();
        assertThat(faultOf(() -> c.mmu.fetchAddress(va))).isEqualTo(pf(PF_P | PF_ID, va));
        assertThat(c.mmu.fetchAddress(0x40_0000)).isEqualTo(0x40_0000);
    }

    @Test
    void fetchFromANotPresentPageHasTheFetchBitOnlyWithNxe() {
        long va = 0x40_C000;
        clearBits(pte(va), P);
        flush();
        assertThat(faultOf(() -> c.mmu.fetchAddress(va))).isEqualTo(pf(PF_ID, va));
        c.setEfer(c.efer() & ~X86Cpu.EFER_NXE);
        assertThat(faultOf(() -> c.mmu.fetchAddress(va))).isEqualTo(pf(0, va));
    }

    @Test
    void userCannotTouchSupervisorPages() {
        long va = 0x40_D000;
        clearBits(pte(va), US);
        long va2 = 0x60_0000;
        clearBits(pde(va2), US); // the whole 2 MiB range through its page directory entry
        flush();
        assertThat(c.mmu.read8(va)).isZero(); // CPL 0 may
        c.setCpl(3);
        assertThat(faultOf(() -> c.mmu.read8(va))).isEqualTo(pf(PF_P | PF_U, va));
        assertThat(faultOf(() -> c.mmu.write16(va + 2, 1))).isEqualTo(pf(PF_P | PF_U | PF_W, va + 2));
        assertThat(faultOf(() -> c.mmu.fetchAddress(va))).isEqualTo(pf(PF_P | PF_U | PF_ID, va));
        assertThat(faultOf(() -> c.mmu.read8(va2 + 0x1234))).isEqualTo(pf(PF_P | PF_U, va2 + 0x1234));
        assertThat(c.mmu.read8(0x40_E000)).isZero(); // user pages still work
    }

    @Test
    void readOnlyPagesAndCr0Wp() {
        long va = 0x40_F000;
        clearBits(pte(va), RW);
        flush();
        assertThat(c.mmu.read8(va)).isZero();
        assertThat(faultOf(() -> c.mmu.write8(va, 1))).isEqualTo(pf(PF_P | PF_W, va));

        c.setCr0(c.cr0() & ~X86Cpu.CR0_WP); // supervisor writes ignore R/W
        c.mmu.write8(va, 0x42);
        assertThat(mem.read8(va)).isEqualTo((byte) 0x42);
        assertThat(get(pte(va)) & D).isEqualTo(D);

        c.setCpl(3); // but user writes never do
        assertThat(faultOf(() -> c.mmu.write8(va, 1))).isEqualTo(pf(PF_P | PF_W | PF_U, va));
        assertThat(mem.read8(va)).isEqualTo((byte) 0x42);
    }

    @Test
    void readOnlyInAnUpperLevelProtectsEverythingBelow() {
        long va = 0x40_1000;
        clearBits(pml4e(va), RW);
        flush();
        assertThat(faultOf(() -> c.mmu.write64(va, 1))).isEqualTo(pf(PF_P | PF_W, va));
    }

    @Test
    void nonCanonicalAddressesRaiseGeneralProtection() {
        for (long va : new long[] {0x0000_8000_0000_0000L, 0xFFFF_7FFF_FFFF_F000L, 0x1234_5678_0000_0000L}) {
            assertThat(faultOf(() -> c.mmu.read8(va))).isEqualTo(new Fault(Vectors.GP, 0, 0));
            assertThat(faultOf(() -> c.mmu.write64(va, 0))).isEqualTo(new Fault(Vectors.GP, 0, 0));
            assertThat(faultOf(() -> c.mmu.fetchAddress(va))).isEqualTo(new Fault(Vectors.GP, 0, 0));
        }
        assertThat(c.pendingHasError).isTrue();
    }

    // ---------------------------------------------------------------- page-crossing accesses

    @Test
    void pageCrossingAccessesJoinBothPages() {
        long va = 0x41_0FFC;
        set(pte(0x41_1000), 0x50_0000 | P | RW | US); // the second page lives elsewhere
        flush();
        c.mmu.write64(va, 0x8877_6655_4433_2211L);
        assertThat(mem.read32(0x41_0FFC)).isEqualTo(0x4433_2211);
        assertThat(mem.read32(0x50_0000)).isEqualTo(0x8877_6655);
        assertThat(c.mmu.read64(va)).isEqualTo(0x8877_6655_4433_2211L);
        assertThat(c.mmu.read32(va + 2)).isEqualTo(0x6655_4433);
        assertThat(c.mmu.read16(0x41_0FFF)).isEqualTo(0x5544);
    }

    @Test
    void pageCrossingWriteFaultingOnTheSecondPageWritesNothing() {
        long va = 0x41_2FFA;
        mem.write64(0x41_2FF8, 0x0101_0101_0101_0101L);
        clearBits(pte(0x41_3000), P);
        flush();
        for (int size : new int[] {2, 4, 8}) {
            long at = 0x41_3000 - size / 2;
            assertThat(faultOf(() -> c.mmu.write(at, size, -1L))).as("size %d", size).isEqualTo(pf(PF_W, 0x41_3000));
        }
        assertThat(faultOf(() -> c.mmu.write64(va, -1L))).isEqualTo(pf(PF_W, 0x41_3000));
        assertThat(mem.read64(0x41_2FF8)).as("first page untouched").isEqualTo(0x0101_0101_0101_0101L);
        assertThat(faultOf(() -> c.mmu.probeWrite(va, 8))).isEqualTo(pf(PF_W, 0x41_3000));

        setBits(pte(0x41_3000), P);
        clearBits(pte(0x41_3000), RW);
        flush();
        assertThat(faultOf(() -> c.mmu.write64(va, -1L))).isEqualTo(pf(PF_P | PF_W, 0x41_3000));
        assertThat(mem.read64(0x41_2FF8)).isEqualTo(0x0101_0101_0101_0101L);
    }

    @Test
    void pageCrossingReadFaultingOnTheSecondPageReportsItsFirstByte() {
        clearBits(pte(0x41_5000), P);
        flush();
        assertThat(faultOf(() -> c.mmu.read64(0x41_4FFD))).isEqualTo(pf(0, 0x41_5000));
        assertThat(faultOf(() -> c.mmu.read16(0x41_4FFF))).isEqualTo(pf(0, 0x41_5000));
        assertThat(faultOf(() -> c.mmu.read64(0x41_4FFD))).isEqualTo(pf(0, 0x41_5000));
    }

    @Test
    void readForWriteFaultsAsAWrite() {
        long va = 0x41_6000;
        clearBits(pte(va), RW);
        clearBits(pte(0x41_8000), P);
        flush();
        assertThat(faultOf(() -> c.mmu.readForWrite(va, 4))).isEqualTo(pf(PF_P | PF_W, va));
        assertThat(faultOf(() -> c.mmu.readForWrite(0x41_8010, 8))).isEqualTo(pf(PF_W, 0x41_8010));
        assertThat(faultOf(() -> c.mmu.readForWrite(0x41_7FFE, 4))).isEqualTo(pf(PF_W, 0x41_8000));
        mem.write64(0x41_9000, 0x8877_6655_4433_2211L);
        assertThat(c.mmu.readForWrite(0x41_9000, 2)).isEqualTo(0x2211);
        assertThat(c.mmu.readForWrite(0x41_9004, 4)).isEqualTo(0x8877_6655L);
    }

    // ---------------------------------------------------------------- TLB

    @Test
    void changedEntryIsNotSeenUntilInvlpg() {
        long va = 0x42_0000;
        mem.write64(0x42_0000, 1);
        mem.write64(0x43_0000, 2);
        assertThat(c.mmu.read64(va)).isEqualTo(1);
        set(pte(va), 0x43_0000 | P | RW | US);
        assertThat(c.mmu.read64(va)).as("stale TLB entry until invalidated").isEqualTo(1);
        c.invalidatePage(va + 0x123);
        assertThat(c.mmu.read64(va)).isEqualTo(2);
    }

    @Test
    void changedEntryIsSeenAfterCr3Reload() {
        long va = 0x42_1000;
        mem.write64(0x42_1000, 1);
        mem.write64(0x43_1000, 2);
        assertThat(c.mmu.read64(va)).isEqualTo(1);
        c.mmu.write64(va, 1); // fills the write TLB too
        set(pte(va), 0x43_1000 | P | US); // now read-only and elsewhere
        c.setCr3(c.cr3());
        assertThat(c.mmu.read64(va)).isEqualTo(2);
        assertThat(faultOf(() -> c.mmu.write64(va, 3))).isEqualTo(pf(PF_P | PF_W, va));
    }

    @Test
    void invlpgDropsAPageThatBecameNotPresent() {
        long va = 0x42_2000;
        c.mmu.fetchAddress(va);
        c.mmu.write8(va, 1);
        clearBits(pte(va), P);
        c.invalidatePage(va);
        assertThat(faultOf(() -> c.mmu.read8(va))).isEqualTo(pf(0, va));
        assertThat(faultOf(() -> c.mmu.write8(va, 0))).isEqualTo(pf(PF_W, va));
        assertThat(faultOf(() -> c.mmu.fetchAddress(va))).isEqualTo(pf(PF_ID, va));
    }

    @Test
    void globalPagesSurviveCr3ReloadWithPge() {
        long va = 0x42_3000;
        mem.write64(0x42_3000, 1);
        mem.write64(0x43_3000, 2);
        c.setCr4(c.cr4() | X86Cpu.CR4_PGE);
        setBits(pte(va), G);
        flush();
        assertThat(c.mmu.read64(va)).isEqualTo(1);
        set(pte(va), 0x43_3000 | P | RW | US | G);
        c.setCr3(c.cr3());
        assertThat(c.mmu.read64(va)).as("global entry kept across CR3 load").isEqualTo(1);
        c.flushTlb(true);
        assertThat(c.mmu.read64(va)).isEqualTo(2);
    }

    @Test
    void globalBitMeansNothingWithoutPge() {
        long va = 0x42_4000;
        mem.write64(0x42_4000, 1);
        mem.write64(0x43_4000, 2);
        setBits(pte(va), G);
        flush();
        assertThat(c.mmu.read64(va)).isEqualTo(1);
        set(pte(va), 0x43_4000 | P | RW | US | G);
        c.setCr3(c.cr3());
        assertThat(c.mmu.read64(va)).isEqualTo(2);
    }

    @Test
    void invlpgDropsGlobalPagesToo() {
        long va = 0x42_5000;
        mem.write64(0x43_5000, 2);
        c.setCr4(c.cr4() | X86Cpu.CR4_PGE);
        setBits(pte(va), G);
        flush();
        c.mmu.read64(va);
        set(pte(va), 0x43_5000 | P | RW | US | G);
        c.invalidatePage(va);
        assertThat(c.mmu.read64(va)).isEqualTo(2);
    }

    @Test
    void aGlobalEntryDoesNotKeepANonGlobalOneInTheSameSlot() {
        // Two pages 2 MiB apart share a TLB slot; one is fetched (non-global), the other read (global).
        long code = 0x44_0000;
        long data = code + ((long) Mmu.TLB_SIZE << 12);
        c.setCr4(c.cr4() | X86Cpu.CR4_PGE);
        setBits(pte(data), G);
        flush();
        assertThat(c.mmu.fetchAddress(code)).isEqualTo(code);
        c.mmu.read8(data);
        set(pte(code), 0x45_0000 | P | RW | US);
        c.setCr3(c.cr3());
        assertThat(c.mmu.fetchAddress(code)).as("non-global fetch entry dropped by CR3 load").isEqualTo(0x45_0000);
    }

    @Test
    void invlpgAnywhereInALargePageDropsAllOfIt() {
        long va = 0x60_0000;
        set(pde(va), 0x20_0000 | P | RW | US | PS);
        flush();
        mem.write64(0x20_1000, 1);
        mem.write64(0x40_1000, 2);
        assertThat(c.mmu.read64(va)).isZero();
        assertThat(c.mmu.read64(va + 0x1000)).isEqualTo(1);
        set(pde(va), 0x40_0000 | P | RW | US | PS);
        c.invalidatePage(va + 0x1F_F000);
        assertThat(c.mmu.read64(va + 0x1000)).isEqualTo(2);
    }

    @Test
    void cplChangeDoesNotLetUserCodeUseSupervisorTranslations() {
        long va = 0x42_6000;
        clearBits(pte(va), US);
        flush();
        c.mmu.read8(va);
        c.mmu.write8(va, 1);
        c.setCpl(3);
        assertThat(faultOf(() -> c.mmu.read8(va))).isEqualTo(pf(PF_P | PF_U, va));
    }

    // ---------------------------------------------------------------- VcpuRunner.translate

    @Test
    void translateChecksPermissionsForTheGivenCplWithoutRaising() {
        VcpuRunner runner = c;
        long va = 0x42_7000;
        clearBits(pte(va), US | A);
        set(pte(0x42_8000), 0x46_0000 | P | US);
        flush();
        long cr2 = c.cr2();

        assertThat(runner.translate(va + 0x10, VcpuRunner.ACCESS_READ, 0)).isEqualTo(va + 0x10);
        assertThat(get(pte(va)) & A).as("accessed set as the CPU would").isEqualTo(A);
        assertThat(runner.translate(0x42_8004, VcpuRunner.ACCESS_READ, 3)).isEqualTo(0x46_0004);

        assertThat(runner.translate(va + 0x10, VcpuRunner.ACCESS_WRITE, 3)).isEqualTo(-1);
        VcpuExit exit = runner.exit();
        assertThat(exit.reason).isEqualTo(ExitReason.EXCEPTION);
        assertThat(exit.vector).isEqualTo(Vectors.PF);
        assertThat(exit.hasErrorCode).isTrue();
        assertThat(exit.errorCode).isEqualTo(PF_P | PF_W | PF_U);
        assertThat(exit.faultAddress).isEqualTo(va + 0x10);
        assertThat(c.cr2()).as("nothing raised").isEqualTo(cr2);

        assertThat(runner.translate(0x42_8000, VcpuRunner.ACCESS_WRITE, 0)).isEqualTo(-1);
        assertThat(runner.exit().errorCode).isEqualTo(PF_P | PF_W);
        assertThat(runner.translate(0x42_8000, VcpuRunner.ACCESS_EXECUTE, 3)).isEqualTo(0x46_0000);
        setBits(pte(0x42_8000), NX);
        assertThat(runner.translate(0x42_8000, VcpuRunner.ACCESS_EXECUTE, 3)).isEqualTo(-1);
        assertThat(runner.exit().errorCode).isEqualTo(PF_P | PF_U | PF_ID);

        assertThat(runner.translate(0x8000_0000_0000L, VcpuRunner.ACCESS_READ, 0)).isEqualTo(-1);
        assertThat(runner.exit().vector).isEqualTo(Vectors.GP);
        assertThat(runner.exit().errorCode).isZero();
    }

    @Test
    void translateDoesNotFillTheTlb() {
        VcpuRunner runner = c;
        long va = 0x42_9000;
        mem.write64(0x47_0000, 5);
        runner.translate(va, VcpuRunner.ACCESS_READ, 0);
        set(pte(va), 0x47_0000 | P | RW | US);
        assertThat(c.mmu.read64(va)).isEqualTo(5);
    }

    // ---------------------------------------------------------------- through instructions

    static final long CODE = 0x1000;
    static final int RAX = 0, RBX = 3, RSP = 4;

    /** Runs {@code code} at CODE (RSP at 0x80000) and returns the exit, which must be an exception. */
    VcpuExit runToException(int... code) {
        byte[] b = new byte[code.length];
        for (int i = 0; i < code.length; i++) {
            b[i] = (byte) code[i];
        }
        return runToException(CODE, b);
    }

    VcpuExit runToException(long at, byte[] code) {
        fm.load(at, code);
        if (c.gpr[RSP] == 0) {
            c.gpr[RSP] = 0x80000;
        }
        c.rip = at;
        assertThat(fm.run(100)).as(c.exit().toString()).isEqualTo(ExitReason.EXCEPTION);
        return c.exit();
    }

    void assertPageFault(VcpuExit exit, int error, long address) {
        assertThat(exit.vector).isEqualTo(Vectors.PF);
        assertThat(exit.hasErrorCode).isTrue();
        assertThat(exit.errorCode).isEqualTo(error);
        assertThat(exit.faultAddress).isEqualTo(address);
        assertThat(c.cr2()).as("CR2").isEqualTo(address);
    }

    @Test
    void loadFromANotPresentPageFaultsWithCr2AndChangesNothing() {
        long va = 0x43_2010;
        clearBits(pte(va), P);
        flush();
        c.gpr[RBX] = va;
        c.gpr[RAX] = 0x1234;
        VcpuExit exit = runToException(0x48, 0x8b, 0x03); // mov rax, [rbx]
        assertPageFault(exit, 0, va);
        assertThat(c.rip).isEqualTo(CODE);
        assertThat(c.gpr[RAX]).isEqualTo(0x1234);
    }

    @Test
    void pageCrossingStoreFaultsOnTheSecondPageAndWritesNothing() {
        clearBits(pte(0x43_4000), P);
        flush();
        mem.write64(0x43_3FF8, 0x0505_0505_0505_0505L);
        c.gpr[RBX] = 0x43_3FFC;
        c.gpr[RAX] = -1;
        VcpuExit exit = runToException(0x48, 0x89, 0x03); // mov [rbx], rax
        assertPageFault(exit, PF_W, 0x43_4000);
        assertThat(c.rip).isEqualTo(CODE);
        assertThat(mem.read64(0x43_3FF8)).isEqualTo(0x0505_0505_0505_0505L);
    }

    @Test
    void readModifyWriteOnAReadOnlyPageChangesNeitherMemoryNorFlags() {
        long va = 0x43_5000;
        clearBits(pte(va), RW);
        flush();
        mem.write64(va, 7);
        c.gpr[RBX] = va;
        c.gpr[RAX] = 1;
        long flags = c.getRflags();
        VcpuExit exit = runToException(0x48, 0x01, 0x03); // add [rbx], rax
        assertPageFault(exit, PF_P | PF_W, va);
        assertThat(mem.read64(va)).isEqualTo(7);
        assertThat(c.getRflags()).isEqualTo(flags);
    }

    @Test
    void pushOntoANotPresentStackPageLeavesRsp() {
        clearBits(pte(0x7F000), P);
        flush();
        c.gpr[RSP] = 0x80000;
        VcpuExit exit = runToException(0x50); // push rax
        assertPageFault(exit, PF_W, 0x7FFF8);
        assertThat(c.gpr[RSP]).isEqualTo(0x80000);
    }

    @Test
    void userStoreToASupervisorPage() {
        fm.close();
        fm = new FlatMachine(8 << 20, 3);
        c = fm.cpu();
        mem = fm.memory();
        long va = 0x43_6000;
        clearBits(pte(va), US);
        flush();
        c.gpr[RBX] = va + 8;
        VcpuExit exit = runToException(0x48, 0x89, 0x03); // mov [rbx], rax
        assertPageFault(exit, PF_P | PF_W | PF_U, va + 8);
    }

    @Test
    void jumpToAnNxPageFaultsOnTheFetchAtTheTarget() {
        long target = 0x43_7000;
        setBits(pte(target), NX);
        flush();
        mem.write8(target, (byte) 0x90);
        VcpuExit exit = runToException(0xe9, 0xfb, 0x5f, 0x43, 0x00); // jmp 0x437000
        assertPageFault(exit, PF_P | PF_ID, target);
        assertThat(c.rip).isEqualTo(target);
    }

    @Test
    void instructionRunningIntoANotPresentPageFaultsAfterThoseBeforeItRan() {
        clearBits(pte(0x43_9000), P);
        flush();
        c.gpr[RBX] = 0;
        // inc ebx; inc ebx; then mov eax, imm32 whose immediate lies on the missing page
        VcpuExit exit = runToException(0x43_8FFA, new byte[] {(byte) 0xff, (byte) 0xc3, (byte) 0xff, (byte) 0xc3,
            (byte) 0xb8, 0x11});
        assertPageFault(exit, PF_ID, 0x43_9000);
        assertThat(c.rip).isEqualTo(0x43_8FFE);
        assertThat(c.gpr[RBX]).isEqualTo(2);
    }

    @Test
    void nonCanonicalOperandRaisesGeneralProtection() {
        c.gpr[RBX] = 0x0000_8000_0000_0000L;
        VcpuExit exit = runToException(0x48, 0x8b, 0x03); // mov rax, [rbx]
        assertThat(exit.vector).isEqualTo(Vectors.GP);
        assertThat(exit.errorCode).isZero();
        assertThat(c.rip).isEqualTo(CODE);
    }
}
