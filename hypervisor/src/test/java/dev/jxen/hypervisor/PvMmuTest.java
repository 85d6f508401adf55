package dev.jxen.hypervisor;

import static dev.jxen.abi.XenErrno.EINVAL;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jxen.abi.Hypercall;
import dev.jxen.hypervisor.mm.FrameTable;
import dev.jxen.hypervisor.mm.M2p;
import dev.jxen.hypervisor.mm.PvMmu;
import org.junit.jupiter.api.Test;

/** Page types, validation and the M2P (PV-ABI.md §4.6), directly and through guest hypercalls. */
class PvMmuTest {
    static final long A = HypercallRunner.ARGS;
    static final long SPARE = 100; // a data PFN
    static final long LAST_VA = (TestGuest.PAGES - 1L) << 12;

    @Test
    void pinningValidatesRecursivelyAddsUserAndXenSlotsAndUnpinReleases() {
        try (TestGuest g = new TestGuest()) {
            PvMmu mmu = g.hv.mmu();
            FrameTable ft = g.hv.frames();
            int dom = g.domain.id();
            long l4 = g.mfn(TestGuest.L4), l3 = g.mfn(TestGuest.L3), l1 = g.mfn(TestGuest.L1);
            assertThat(mmu.pin(l4, 4, dom)).isZero();
            assertThat(ft.type(l3)).isEqualTo(FrameTable.PGT_L3);
            assertThat(ft.type(l1)).isEqualTo(FrameTable.PGT_L1);
            assertThat(ft.type(g.mfn(SPARE))).isEqualTo(FrameTable.PGT_WRITABLE);
            assertThat(g.memory.read64(l4 << 12) & PvMmu.US).as("USER forced at L4").isNotZero();
            long pte = g.memory.read64(g.pteMa(SPARE << 12));
            assertThat(pte & (PvMmu.US | PvMmu.GUEST_KERNEL)).isEqualTo(PvMmu.US | PvMmu.GUEST_KERNEL);
            assertThat(g.memory.read64((l4 << 12) + 256 * 8)).isEqualTo(g.hv.m2p().l4Entry());
            assertThat(mmu.pin(l4, 4, dom)).as("already pinned").isEqualTo(-EINVAL);
            assertThat(mmu.unpin(l4, dom)).isZero();
            assertThat(ft.typeCount(l3)).isZero();
            assertThat(ft.type(l1)).isEqualTo(FrameTable.PGT_NONE);
            assertThat(ft.typeCount(g.mfn(SPARE))).isZero();
            assertThat(mmu.unpin(l4, dom)).isEqualTo(-EINVAL);
        }
    }

    @Test
    void validationRefusesTablesMappedWritableForeignFramesAndBadBits() {
        try (TestGuest g = new TestGuest()) {
            PvMmu mmu = g.hv.mmu();
            int dom = g.domain.id();
            long l4 = g.mfn(TestGuest.L4);
            // The boot L1 maps the L4 frame writable: it cannot become a page table.
            g.memory.write64(g.pteMa(TestGuest.L4 << 12), (l4 << 12) | 0x23);
            assertThat(mmu.pin(l4, 4, dom)).isEqualTo(-EINVAL);
            g.memory.write64(g.pteMa(TestGuest.L4 << 12), (l4 << 12) | 0x21);
            // A frame of Xen's (the M2P) in an L1 entry.
            g.memory.write64(g.pteMa(SPARE << 12), 0x23);
            assertThat(mmu.pin(l4, 4, dom)).isEqualTo(-EINVAL);
            // Cache-disable bit in an L1 entry of a domU.
            g.memory.write64(g.pteMa(SPARE << 12), (g.mfn(SPARE) << 12) | 0x33);
            assertThat(mmu.pin(l4, 4, dom)).isEqualTo(-EINVAL);
            g.memory.write64(g.pteMa(SPARE << 12), (g.mfn(SPARE) << 12) | 0x23);
            assertThat(mmu.pin(l4, 4, dom)).isZero();
            // A failed validation left no references behind.
            assertThat(g.hv.frames().typeCount(g.mfn(TestGuest.L3))).isEqualTo(1);
        }
    }

    @Test
    void mmuUpdateChecksEachEntryAndReportsHowManyWereDone() throws Exception {
        try (TestGuest g = new TestGuest()) {
            long lastPte = g.pteMa(LAST_VA);
            long l4 = g.mfn(TestGuest.L4);
            long[][] reqs = {
                {lastPte, (g.mfn(SPARE) << 12) | 0x23},                  // ok: map SPARE at the last page
                {lastPte, 0x23},                                          // MFN 0 belongs to Xen
                {lastPte, (l4 << 12) | 0x23},                             // writable mapping of the L4
                {lastPte, (l4 << 12) | 0x21},                             // read-only mapping: fine
                {(l4 << 12) + 256 * 8, (g.mfn(SPARE) << 12) | 0x67},      // Xen's L4 slot
                {lastPte, (g.mfn(SPARE) << 12) | 0x33},                   // PCD
                {(g.mfn(SPARE) << 12) | 1, 1234},                         // MACHPHYS_UPDATE
                {1, 5},                                                   // MACHPHYS_UPDATE of Xen's frame
                {lastPte | 3, (g.mfn(SPARE) << 12) | 0x23},               // NO_TRANSLATE == normal
            };
            HypercallRunner r = new HypercallRunner(g);
            int[] idx = new int[reqs.length];
            for (int i = 0; i < reqs.length; i++) {
                g.write64(A + i * 16L, reqs[i][0]);
                g.write64(A + i * 16L + 8, reqs[i][1]);
                idx[i] = r.call(Hypercall.MMU_UPDATE, A + i * 16L, 1, A + 0x800 + i * 8L, 0x7FF0);
            }
            // A batch whose second request fails: one done.
            g.write64(A + 0x400, lastPte);
            g.write64(A + 0x408, (g.mfn(SPARE) << 12) | 0x23);
            g.write64(A + 0x410, lastPte);
            g.write64(A + 0x418, 0x23);
            int batch = r.call(Hypercall.MMU_UPDATE, A + 0x400, 2, A + 0x900, 0x7FF0);
            assertThat(r.run().reason()).isEqualTo(ShutdownReason.POWEROFF);
            long[] expected = {0, -EINVAL, -EINVAL, 0, -EINVAL, -EINVAL, 0, -EINVAL, 0};
            for (int i = 0; i < reqs.length; i++) {
                assertThat(r.result(idx[i])).as("request " + i).isEqualTo(expected[i]);
            }
            assertThat(r.result(batch)).isEqualTo(-EINVAL);
            assertThat(g.read32(A + 0x900)).isEqualTo(1);
            assertThat(g.hv.m2p().get(g.mfn(SPARE))).isEqualTo(1234);
            assertThat(g.memory.read64(lastPte) & PvMmu.ADDR_MASK).isEqualTo(g.mfn(SPARE) << 12);
        }
    }

    @Test
    void updateVaMapping() throws Exception {
        try (TestGuest g = new TestGuest()) {
            HypercallRunner r = new HypercallRunner(g);
            int ok = r.call(Hypercall.UPDATE_VA_MAPPING, LAST_VA, (g.mfn(SPARE) << 12) | 0x67, 2);
            int noL1 = r.call(Hypercall.UPDATE_VA_MAPPING, 0x4000_0000L, (g.mfn(SPARE) << 12) | 0x67, 0);
            int foreign = r.call(Hypercall.UPDATE_VA_MAPPING, LAST_VA, 0x67, 1);
            int unmap = r.call(Hypercall.UPDATE_VA_MAPPING, LAST_VA - 4096, 0, 4);
            assertThat(r.run().reason()).isEqualTo(ShutdownReason.POWEROFF);
            assertThat(r.result(ok)).isZero();
            assertThat(r.result(noL1)).isEqualTo(-EINVAL);
            assertThat(r.result(foreign)).isEqualTo(-EINVAL);
            assertThat(r.result(unmap)).isZero();
            assertThat(g.memory.read64(g.pteMa(LAST_VA - 4096))).isZero();
        }
    }

    @Test
    void guestReadsTheM2pAndCannotWriteIt() throws Exception {
        try (TestGuest g = new TestGuest()) {
            long result = TestGuest.DATA + 0x2000;
            Code c = new Code(TestGuest.CODE)
                    .movRax(M2p.VIRT_START + g.mfn(SPARE) * 8)
                    .raw(0x48, 0x8B, 0x00) // mov rax, [rax]
                    .storeRax(result)
                    .movRax(M2p.VIRT_START + 0x100_0000L * 8) // an MFN far beyond machine memory
                    .raw(0x48, 0x8B, 0x00) // mov rax, [rax]
                    .storeRax(result + 8)
                    .movRax(M2p.VIRT_START)
                    .raw(0x48, 0x89, 0x00); // mov [rax], rax: read-only -> #PF, no handler -> crash
            c.loadInto(g);
            g.start(TestGuest.CODE);
            DomainExit exit = g.awaitExit();
            assertThat(g.read64(result)).isEqualTo(SPARE);
            assertThat(g.read64(result + 8)).isEqualTo(-1L);
            assertThat(exit.reason()).isEqualTo(ShutdownReason.CRASH);
            assertThat(exit.crashReport()).contains("#PF").contains("fault address ffff800000000000");
        }
    }

    @Test
    void writesToAnL1TableAreEmulatedAndValidated() throws Exception {
        try (TestGuest g = new TestGuest()) {
            long result = TestGuest.DATA + 0x2000;
            g.write64(SPARE << 12, 0x5EED);
            long l1Va = TestGuest.L1 << 12; // the boot L1, mapped read-only
            long slot = l1Va + (LAST_VA >>> 12) * 8;
            Code c = new Code(TestGuest.CODE)
                    .movRdi(slot)
                    .movRax((g.mfn(SPARE) << 12) | 0x23)
                    .raw(0x48, 0x89, 0x07) // mov [rdi], rax   (a plain PTE store, like Linux's set_pte)
                    .movRax(LAST_VA)
                    .raw(0x48, 0x8B, 0x00) // mov rax, [rax]
                    .storeRax(result)
                    .movRdi(slot)
                    .movRax((g.mfn(TestGuest.L4) << 12) | 0x23)
                    .raw(0x48, 0x89, 0x07); // mov [rdi], rax: writable mapping of the L4 -> #PF
            c.ud2();
            c.loadInto(g);
            g.start(TestGuest.CODE);
            DomainExit exit = g.awaitExit();
            assertThat(g.read64(result)).as("read through the new mapping").isEqualTo(0x5EED);
            assertThat(exit.reason()).isEqualTo(ShutdownReason.CRASH);
            assertThat(exit.crashReport()).contains("#PF");
            assertThat(g.memory.read64(g.pteMa(LAST_VA)) & PvMmu.ADDR_MASK).as("refused value not installed")
                    .isEqualTo(g.mfn(SPARE) << 12);
        }
    }
}
