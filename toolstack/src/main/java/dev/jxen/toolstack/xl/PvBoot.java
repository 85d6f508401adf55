package dev.jxen.toolstack.xl;

import dev.jxen.builder.BootLayout;
import dev.jxen.builder.BootParams;
import dev.jxen.builder.BuildException;
import dev.jxen.builder.DomainBuilder;
import dev.jxen.builder.KernelImage;
import dev.jxen.hypervisor.ConsoleSink;
import dev.jxen.hypervisor.Domain;
import dev.jxen.machine.CpuState;

/**
 * Readies a new PV domain to run, as Xen's domain builder and libxl leave it: event channels,
 * the built memory image, vCPU 0's entry state, the pinned L4, symbols and the console. The caller
 * starts the domain (after adding anything of its own that must be in place first).
 */
public final class PvBoot {
    /** A 64-bit code descriptor, present, DPL 3 (what FLAT_KERNEL_CS64 is for a PV guest). */
    static final long FLAT_CODE64_DPL3 = 0x00AF_FB00_0000_FFFFL;
    /** A flat writable data descriptor, present, DPL 3. */
    static final long FLAT_DATA_DPL3 = 0x00CF_F300_0000_FFFFL;

    /** What {@link #prepare} set up: the builder's layout and the event-channel ports it bound. */
    public record Prepared(BootLayout layout, int storePort, int consolePort) {
    }

    private PvBoot() {
    }

    /**
     * Builds {@code kernel} (with {@code ramdisk}, may be null, and {@code cmdline}) into
     * {@code domain}, sends its console to {@code console}, and returns the layout and ports; the domain is
     * not started.
     */
    public static Prepared prepare(Domain domain, KernelImage kernel, byte[] ramdisk, String cmdline,
            ConsoleSink console) throws BuildException {
        // As libxl does: the xenstore channel first (port 1), then the console's (port 2).
        int storePort = domain.allocateUnboundPort(0);
        int consolePort = domain.allocateUnboundPort(0);
        BootParams params = new BootParams(ramdisk, cmdline, domain.id(), domain.sharedInfoMachineAddress(),
                consolePort, storePort, 0);
        BootLayout layout = DomainBuilder.build(kernel, params, new DomainMemory(domain));
        setEntryState(domain.vcpu(0).state(), layout);
        for (BootLayout.PageTableFrame pt : layout.pageTables()) {
            if (pt.level() == 4) {
                domain.pinL4(pt.mfn());
            }
        }
        domain.setSymbols(layout.symbols());
        domain.setConsoleSink(console);
        domain.attachConsoleRing(layout.consoleMfn(), consolePort);
        return new Prepared(layout, storePort, consolePort);
    }

    /** vCPU 0 as Xen's builder leaves it: flat kernel segments (RPL 3), RIP, RSP, RSI = start_info, IF set. */
    static void setEntryState(CpuState s, BootLayout layout) {
        s.loadSegment(CpuState.CS, BootLayout.KERNEL_CS, FLAT_CODE64_DPL3);
        for (int seg : new int[] {CpuState.SS, CpuState.DS, CpuState.ES, CpuState.FS, CpuState.GS}) {
            s.loadSegment(seg, BootLayout.KERNEL_SS, FLAT_DATA_DPL3);
        }
        s.setRip(layout.entry());
        s.setGpr(CpuState.RSP, layout.stackPointer());
        s.setGpr(CpuState.RSI, layout.startInfoVa());
        s.setRflags(BootLayout.RFLAGS);
    }
}
