package dev.jxen.hypervisor;

import static dev.jxen.abi.XenErrno.EINVAL;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jxen.abi.Hypercall;
import dev.jxen.hypervisor.mm.FrameTable;
import org.junit.jupiter.api.Test;

/** set_gdt, update_descriptor and the stale-TLB rule for frames that become tables (§3.3, §4.6). */
class DescriptorTest {
    static final long A = HypercallRunner.ARGS;
    static final long GDT_PFN = TestGuest.USER_L4; // mapped read-only by the boot tables
    static final long CODE64_DPL0 = 0x00AF_9A00_0000_FFFFL;

    @Test
    void setGdtNeedsFramesMappedReadOnlyAndUpdateDescriptorChecksTheDescriptor() throws Exception {
        try (TestGuest g = new TestGuest()) {
            g.write64((GDT_PFN << 12) + 8 * 2, CODE64_DPL0);
            g.write64(A, g.mfn(100)); // a frame mapped writable
            g.write64(A + 8, g.mfn(GDT_PFN));
            long gdtMa = g.mfn(GDT_PFN) << 12;
            HypercallRunner r = new HypercallRunner(g);
            int writable = r.call(Hypercall.SET_GDT, A, 16);
            int tooMany = r.call(Hypercall.SET_GDT, A + 8, 7169);
            int ok = r.call(Hypercall.SET_GDT, A + 8, 16);
            g.write32(A + 0x40, 0); // mmuext PIN_L1_TABLE of the GDT frame: it is a descriptor page now
            g.write64(A + 0x48, g.mfn(GDT_PFN));
            int pin = r.call(Hypercall.MMUEXT_OP, A + 0x40, 1, 0, 0x7FF0);
            int data = r.call(Hypercall.UPDATE_DESCRIPTOR, gdtMa + 8 * 3, 0x00CF_9200_0000_FFFFL);
            int tss = r.call(Hypercall.UPDATE_DESCRIPTOR, gdtMa + 8 * 4, 0x0000_8900_0000_0067L);
            int misaligned = r.call(Hypercall.UPDATE_DESCRIPTOR, gdtMa + 4, 0);
            int foreign = r.call(Hypercall.UPDATE_DESCRIPTOR, 8, 0);
            assertThat(r.run().reason()).isEqualTo(ShutdownReason.POWEROFF);
            assertThat(r.result(writable)).isEqualTo(-EINVAL);
            assertThat(r.result(tooMany)).isEqualTo(-EINVAL);
            assertThat(r.result(ok)).isZero();
            assertThat(r.result(pin)).isEqualTo(-EINVAL);
            assertThat(g.hv.frames().type(g.mfn(GDT_PFN))).isEqualTo(FrameTable.PGT_SEG_DESC);
            assertThat(r.result(data)).isZero();
            assertThat(g.memory.read64(gdtMa + 8 * 3) >>> 45 & 3).as("DPL raised to 3").isEqualTo(3);
            assertThat(r.result(tss)).isEqualTo(-EINVAL);
            assertThat(r.result(misaligned)).isEqualTo(-EINVAL);
            assertThat(r.result(foreign)).isEqualTo(-EINVAL);
            Vcpu v = g.domain.vcpu(0);
            assertThat(v.gdtDescriptor(2) >>> 45 & 3).as("kernel CS usable at CPL 3").isEqualTo(3);
            assertThat(v.gdtDescriptor(16)).as("beyond the limit").isZero();
        }
    }

    @Test
    void aPageOnceMappedWritableIsFlushedFromTheTlbWhenItBecomesATable() throws Exception {
        try (TestGuest g = new TestGuest()) {
            long page = 0x7F000; // pfn 127, mapped writable by the boot L1
            long pfn = page >>> 12;
            g.write32(A, 0); // mmuext PIN_L1_TABLE
            g.write64(A + 8, g.mfn(pfn));
            Code c = new Code(TestGuest.CODE)
                    .movRax(page).raw(0x48, 0x89, 0x00) // mov [rax], rax: the TLB now holds a writable entry
                    .movRdi(page).movRsi((g.mfn(pfn) << 12) | 0x21).movRdx(0).hypercall(14) // uvm RO, no flush
                    .storeRax(A + 0x100)
                    .movRdi(page).raw(0x48, 0xC7, 0x07, 0, 0, 0, 0) // mov qword [rdi], 0: clear the entry
                    .movRdi(A).movRsi(1).movRdx(0).movR10(0x7FF0).hypercall(26) // pin L1
                    .storeRax(A + 0x108)
                    .movRdi(page).movRax(0x23) // an entry mapping Xen's MFN 0 writable
                    .raw(0x48, 0x89, 0x07); // mov [rdi], rax: must go through ptwr and be refused
            c.ud2();
            c.loadInto(g);
            g.start(TestGuest.CODE);
            DomainExit exit = g.awaitExit();
            assertThat(g.read64(A + 0x100)).as("update_va_mapping").isZero();
            assertThat(g.read64(A + 0x108)).as("pin L1").isZero();
            assertThat(exit.reason()).isEqualTo(ShutdownReason.CRASH);
            assertThat(exit.crashReport()).contains("#PF");
            assertThat(g.memory.read64(g.mfn(pfn) << 12)).as("the L1 entry stayed empty").isZero();
        }
    }
}
