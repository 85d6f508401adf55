package dev.jxen.hypervisor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jxen.hypervisor.mm.FrameTable;
import dev.jxen.machine.MachineMemory;
import dev.jxen.x86.X86Engine;
import org.junit.jupiter.api.Test;

/** Frame ownership, P2M/M2P and frame reuse across domains. */
class FrameTableTest {
    @Test
    void domainsOwnTheirFramesAndReusedFramesComeBackZeroed() {
        try (MachineMemory memory = MachineMemory.allocate(8L << 20);
                Hypervisor hv = new Hypervisor(memory, new X86Engine(), new FakeClock())) {
            FrameTable ft = hv.frames();
            long free = ft.freeFrames();
            Domain a = hv.createDomain("a", 256);
            assertThat(ft.freeFrames()).as("RAM plus shared_info").isEqualTo(free - 257);
            for (long pfn = 0; pfn < 256; pfn++) {
                long mfn = a.mfn(pfn);
                assertThat(ft.owner(mfn)).isEqualTo(a.id());
                assertThat(hv.m2p().get(mfn)).isEqualTo(pfn);
                memory.write64(mfn << 12, 0x1234_5678L);
            }
            assertThat(ft.owner(a.sharedInfoMfn())).isEqualTo(a.id());
            assertThat(a.mfn(256)).isEqualTo(-1);
            a.destroy();
            assertThat(ft.freeFrames()).isEqualTo(free);
            Domain b = hv.createDomain("b", 300);
            for (long pfn = 0; pfn < 300; pfn++) {
                assertThat(memory.read64(b.mfn(pfn) << 12)).as("pfn " + pfn).isZero();
            }
            assertThat(b.id()).isNotEqualTo(a.id());
        }
    }

    @Test
    void framesOfADestroyedDomainAreZeroWhenTheNextDomainGetsThemAndOthersKeepTheirData() {
        try (MachineMemory memory = MachineMemory.allocate(4L << 20);
                Hypervisor hv = new Hypervisor(memory, new X86Engine(), new FakeClock())) {
            FrameTable ft = hv.frames();
            Domain keeper = hv.createDomain("keeper", 16);
            for (long pfn = 0; pfn < 16; pfn++) {
                memory.write64((keeper.mfn(pfn) << 12) + 4088, 0x5eed_0000L + pfn);
            }
            // Nearly all the rest, so that the next domain can only get these frames back.
            long pages = ft.freeFrames() - 1;
            Domain a = hv.createDomain("a", pages);
            for (long pfn = 0; pfn < pages; pfn++) {
                memory.write64(a.mfn(pfn) << 12, -1L);
                memory.write64((a.mfn(pfn) << 12) + 4088, -1L);
            }
            a.destroy();
            Domain b = hv.createDomain("b", pages);
            for (long pfn = 0; pfn < pages; pfn++) {
                assertThat(ft.owner(b.mfn(pfn))).isEqualTo(b.id());
                assertThat(memory.read64(b.mfn(pfn) << 12)).as("pfn " + pfn).isZero();
                assertThat(memory.read64((b.mfn(pfn) << 12) + 4088)).as("pfn " + pfn).isZero();
            }
            for (long pfn = 0; pfn < 16; pfn++) {
                assertThat(memory.read64((keeper.mfn(pfn) << 12) + 4088)).isEqualTo(0x5eed_0000L + pfn);
            }
        }
    }

    @Test
    void aDomainLargerThanFreeMemoryIsRefused() {
        try (MachineMemory memory = MachineMemory.allocate(4L << 20);
                Hypervisor hv = new Hypervisor(memory, new X86Engine(), new FakeClock())) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> hv.createDomain("big", 2048))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("out of machine memory");
        }
    }
}
