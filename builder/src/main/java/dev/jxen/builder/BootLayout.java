package dev.jxen.builder;

import java.util.List;
import java.util.NavigableMap;

/**
 * What the hypervisor needs to start vCPU 0 of a domain the builder laid out (Xen's
 * {@code vcpu_x86_64} context plus what the toolstack uses afterwards).
 *
 * @param entry            RIP (the kernel's ENTRY)
 * @param stackPointer     RSP: the top of the boot stack page
 * @param startInfoVa      RSI: VA of start_info
 * @param l4Mfn            MFN of the boot L4; CR3 = {@code l4Mfn << 12}; pin it as an L4 table
 * @param hypercallPageVa  VA of the filled hypercall page, or -1 when the kernel has none
 * @param consolePfn       PFN of the console ring page
 * @param consoleMfn       its MFN (start_info.console.domU.mfn)
 * @param storePfn         PFN of the xenstore ring page
 * @param storeMfn         its MFN (start_info.store_mfn)
 * @param pageTables       every boot page-table frame with its level (4..1), the L4 first
 * @param nrPages          start_info.nr_pages
 * @param symbols          the kernel's function symbols (address to name), empty when stripped
 * @param virtBase         VIRT_BASE: VA of PFN 0
 * @param mappedEnd        end VA of the initial mapping (4 MiB aligned)
 * @param startInfoPfn     PFN of the start_info page
 * @param p2mVa            start_info.mfn_list
 * @param startInfoFlags   start_info.flags
 */
public record BootLayout(long entry, long stackPointer, long startInfoVa, long l4Mfn, long hypercallPageVa,
                         long consolePfn, long consoleMfn, long storePfn, long storeMfn,
                         List<PageTableFrame> pageTables, long nrPages, NavigableMap<Long, String> symbols,
                         long virtBase, long mappedEnd, long startInfoPfn, long p2mVa, int startInfoFlags) {
    /** FLAT_KERNEL_CS64 (arch-x86/xen-x86_64.h): the guest kernel's code selector, RPL 3. */
    public static final int KERNEL_CS = 0xe033;
    /** FLAT_KERNEL_SS64; Xen's builder also loads it into DS, ES, FS and GS. */
    public static final int KERNEL_SS = 0xe02b;
    public static final int KERNEL_DS = 0xe02b;
    /** Only IF set. */
    public static final long RFLAGS = 0x200;
    public static final long DR6 = 0xffff0ff0L;
    public static final long DR7 = 0x400;

    /** A boot page table: {@code level} 4 is the L4, 1 an L1. */
    public record PageTableFrame(long pfn, long mfn, int level) {
    }

    public BootLayout {
        pageTables = List.copyOf(pageTables);
    }

    /** The CR3 value: the L4's machine address. */
    public long cr3() {
        return l4Mfn << 12;
    }
}
