package dev.jxen.builder;

import dev.jxen.abi.StartInfo;
import dev.jxen.machine.MachineMemory;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * Lays out a new 64-bit PV domain exactly as Xen's libxenguest does for x86-64
 * ({@code xc_dom_build_image}, {@code xg_dom_x86.c}): from VIRT_BASE up, each segment page-rounded
 * and zeroed, PFN = (VA - VIRT_BASE) / 4096:
 * <ol>
 * <li>the kernel at [kstart, kend), segments placed by p_paddr;</li>
 * <li>the initrd, unless the kernel takes it unmapped (MOD_START_PFN);</li>
 * <li>the P2M list, unless INIT_P2M gives it its own mapping;</li>
 * <li>start_info, the xenstore page, the console page;</li>
 * <li>the boot page tables (L4, L3s, L2s, L1s) mapping [VIRT_BASE, end), where end is rounded up to
 *     4 MiB leaving at least 512 KiB after the boot stack; tables are mapped read-only;</li>
 * <li>the boot stack page.</li>
 * </ol>
 * After the mapped area come the unmapped initrd and the INIT_P2M list with its own page tables.
 */
public final class DomainBuilder {
    private static final int PAGE = 4096;
    private static final long VADDR_MASK = (1L << 48) - 1;
    /** P|RW|A for L1 entries; tables themselves are mapped without RW. */
    static final long L1_PROT = 0x023;
    static final long L1_PROT_RO = 0x021;
    /** P|RW|A|D|U for L2..L4 entries. */
    static final long UPPER_PROT = 0x067;
    private static final long PADDING_PAGES = (512 * 1024) / PAGE;

    private final KernelImage kernel;
    private final BootParams params;
    private final GuestMemory mem;
    private final MachineMemory machine;
    private final long virtBase;
    private final long totalPages;
    private long virtAllocEnd;
    private long pfnAllocEnd;
    /** End of the initial mapping (Xen's virt_pgtab_end). */
    private long virtPgtabEnd;
    private final List<Mapping> maps = new ArrayList<>();

    private record Seg(long pfn, long pages, long vstart, long vend) {
    }

    /** One level of a mapping's tables: the VA range its tables cover, their first PFN and count. */
    private static final class Level {
        long from;
        long to;
        long pfn;
        long pgtables;
    }

    /** A virtual range mapped by boot page tables (Xen's xc_dom_x86_mapping). */
    private static final class Mapping {
        final Level area = new Level();
        final Level[] lvls = {new Level(), new Level(), new Level(), new Level()};
    }

    private DomainBuilder(KernelImage kernel, BootParams params, GuestMemory mem) {
        this.kernel = kernel;
        this.params = params;
        this.mem = mem;
        this.machine = mem.machine();
        this.virtBase = kernel.virtBase();
        this.totalPages = mem.pageCount();
        this.virtAllocEnd = virtBase;
    }

    /** Lays out {@code kernel} in {@code mem} and returns the initial vCPU state and boot facts. */
    public static BootLayout build(KernelImage kernel, BootParams params, GuestMemory mem) throws BuildException {
        return new DomainBuilder(kernel, params, mem).run();
    }

    private BootLayout run() throws BuildException {
        XenNotes notes = kernel.notes();
        byte[] ramdisk = params.ramdisk();

        Seg kseg = allocSegment("kernel", kernel.kernelStart(), kernel.kernelEnd() - kernel.kernelStart());
        loadKernel(kseg);

        long modStart = 0;
        long modLen = 0;
        // libxl replaces libxenguest's default (SIF_VIRT_P2M_4TOOLS) with its own flags, 0 for a domU.
        int flags = params.flags();
        boolean unmappedInitrd = ramdisk != null && notes.modStartPfn();
        if (ramdisk != null && !unmappedInitrd) {
            Seg m = buildModule(ramdisk);
            modStart = m.vstart();
            modLen = m.vend() - m.vstart();
        }

        long p2mBase = notes.initP2m();
        if (p2mBase == XenNotes.UNSET || Long.compareUnsigned(p2mBase, virtBase) >= 0 || (p2mBase & (PAGE - 1)) != 0) {
            p2mBase = XenNotes.UNSET;
        }
        Seg p2m = null;
        if (p2mBase == XenNotes.UNSET) {
            p2m = allocSegment("phys2mach", 0, roundPage(totalPages * 8));
        }

        long startInfoPfn = allocPage("start info");
        long storePfn = allocPage("xenstore");
        long consolePfn = allocPage("console");

        Seg pgtables = allocPageTables();
        long stackPfn = allocPage("boot stack");
        long mappedEnd = padToMappingEnd();

        if (unmappedInitrd) {
            Seg m = buildModule(ramdisk);
            flags |= StartInfo.SIF_MOD_START_PFN;
            modStart = m.pfn();
            modLen = m.pages() * PAGE;
        }
        long firstP2mPfn = 0;
        long nrP2mFrames = 0;
        long p2mVa;
        if (p2mBase != XenNotes.UNSET) {
            p2m = allocInitP2m(p2mBase);
            p2mVa = p2mBase;
            firstP2mPfn = p2m.pfn();
            nrP2mFrames = p2m.pages();
        } else {
            p2mVa = p2m.vstart();
        }

        writeP2m(p2m.pfn());
        writePageTables();
        long hypercallVa = -1;
        if (notes.hasHypercallPage()) {
            hypercallVa = notes.hypercallPage();
            fillHypercallPage(hypercallVa);
        }
        writeStartInfo(startInfoPfn, flags, storePfn, consolePfn, pgtables.vstart(), maps.get(0).area.pgtables,
                p2mVa, modStart, modLen, firstP2mPfn, nrP2mFrames, ramdisk != null);

        return new BootLayout(kernel.entry(), virtBase + (stackPfn + 1) * PAGE, virtBase + startInfoPfn * PAGE,
                mfn(pgtables.pfn()), hypercallVa, consolePfn, mfn(consolePfn), storePfn, mfn(storePfn),
                pageTableFrames(), totalPages, kernel.symbols(), virtBase, mappedEnd, startInfoPfn, p2mVa, flags);
    }

    // ---- allocation (xg_dom_core.c) ----

    private Seg allocSegment(String name, long start, long size) throws BuildException {
        if (start != 0) {
            pad(name, start);
        }
        long pages = Long.divideUnsigned(size + PAGE - 1, PAGE);
        long pfn = pfnAllocEnd;
        long vstart = virtAllocEnd;
        reserve(name, pages);
        for (long p = 0; p < pages; p++) {
            machine.zeroFrame(mfn(pfn + p));
        }
        return new Seg(pfn, pages, vstart, virtAllocEnd);
    }

    private long allocPage(String name) throws BuildException {
        long pfn = pfnAllocEnd;
        reserve(name, 1);
        machine.zeroFrame(mfn(pfn));
        return pfn;
    }

    private void pad(String name, long boundary) throws BuildException {
        if ((boundary & (PAGE - 1)) != 0) {
            throw new BuildException(String.format("%s: the %s starts at %#x, which is not page aligned",
                    kernel.file(), name, boundary));
        }
        if (Long.compareUnsigned(boundary, virtAllocEnd) < 0) {
            throw new BuildException(String.format("%s: the %s at %#x lies below the allocated area (%#x)",
                    kernel.file(), name, boundary, virtAllocEnd));
        }
        reserve("padding before the " + name, (boundary - virtAllocEnd) >>> 12);
    }

    private void reserve(String name, long pages) throws BuildException {
        if (Long.compareUnsigned(pages, totalPages - pfnAllocEnd) > 0) {
            throw new BuildException(String.format(
                    "%s: not enough domain memory: the %s needs %d pages but only %d of %d are left (%d MiB); give the domain more memory",
                    kernel.file(), name, pages, totalPages - pfnAllocEnd, totalPages, totalPages >> 8));
        }
        pfnAllocEnd += pages;
        virtAllocEnd += pages * PAGE;
    }

    /** Pads the allocation up to the end of the initial mapping, which must all be populated. */
    private long padToMappingEnd() throws BuildException {
        long end = virtPgtabEnd;
        pad("end of the initial mapping", end);
        return end;
    }

    private static long roundPage(long v) {
        return (v + PAGE - 1) & -PAGE;
    }

    // ---- contents ----

    private void loadKernel(Seg kseg) throws BuildException {
        byte[] elf = kernel.elf();
        long base = (kseg.pfn() << 12);
        for (KernelImage.Segment s : kernel.segments()) {
            long dest = base + (s.paddr() - kernel.pstart());
            copyIn(dest, elf, (int) s.offset(), (int) s.filesz());
        }
    }

    /** An initrd segment; a gzip initrd is inflated first, as xc_dom_build_module does. */
    private Seg buildModule(byte[] blob) throws BuildException {
        long unzipLen = gzipLength(blob);
        long moduleLen = Math.max(unzipLen, blob.length);
        Seg seg = allocSegment("initrd", 0, moduleLen);
        byte[] data = unzipLen > 0 ? gunzip(blob, (int) unzipLen) : null;
        if (data == null) {
            data = blob;
        }
        copyIn(seg.pfn() << 12, data, 0, data.length);
        return seg;
    }

    private static long gzipLength(byte[] b) {
        if (b.length < 6 || (b[0] & 0xff) != 0x1f || (b[1] & 0xff) != 0x8b) {
            return 0;
        }
        long isize = BzImage.u32(b, b.length - 4);
        return isize > BzImage.MAX_KERNEL ? 0 : isize + 16;
    }

    private static byte[] gunzip(byte[] blob, int max) {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(blob), 65536)) {
            byte[] out = in.readNBytes(max);
            return in.read() < 0 ? out : null;
        } catch (IOException e) {
            return null;
        }
    }

    private void writeP2m(long pfn) throws BuildException {
        ByteBuffer page = ByteBuffer.allocate(PAGE).order(ByteOrder.LITTLE_ENDIAN);
        for (long i = 0; i < totalPages; i += 512) {
            page.clear();
            for (int j = 0; j < 512; j++) {
                long p = i + j;
                page.putLong(p < totalPages ? mem.mfn(p) : 0);
            }
            int n = (int) Math.min(512, totalPages - i) * 8;
            machine.write(mfn(pfn + i / 512) << 12, page.array(), 0, n);
        }
    }

    private void fillHypercallPage(long va) throws BuildException {
        long pfn = (va - virtBase) >>> 12;
        if (Long.compareUnsigned(va, virtBase) < 0 || pfn >= totalPages || (va & (PAGE - 1)) != 0) {
            throw new BuildException(String.format("%s: HYPERCALL_PAGE %#x is not a page of the domain", kernel.file(), va));
        }
        byte[] page = HypercallPage.contents();
        machine.write(mfn(pfn) << 12, page, 0, PAGE);
    }

    private void writeStartInfo(long pfn, int flags, long storePfn, long consolePfn, long ptBase, long nrPtFrames,
                                long mfnList, long modStart, long modLen, long firstP2mPfn, long nrP2mFrames,
                                boolean hasModule) throws BuildException {
        ByteBuffer si = ByteBuffer.allocate(StartInfo.SIZE).order(ByteOrder.LITTLE_ENDIAN);
        byte[] magic = StartInfo.MAGIC_X86_64.getBytes(StandardCharsets.US_ASCII);
        si.put(StartInfo.MAGIC, magic);
        si.putLong(StartInfo.NR_PAGES, totalPages);
        si.putLong(StartInfo.SHARED_INFO, params.sharedInfoMachineAddress());
        si.putInt(StartInfo.FLAGS, flags);
        si.putLong(StartInfo.STORE_MFN, mfn(storePfn));
        si.putInt(StartInfo.STORE_EVTCHN, params.storeEvtchn());
        si.putLong(StartInfo.CONSOLE_MFN, mfn(consolePfn));
        si.putInt(StartInfo.CONSOLE_EVTCHN, params.consoleEvtchn());
        si.putLong(StartInfo.PT_BASE, ptBase);
        si.putLong(StartInfo.NR_PT_FRAMES, nrPtFrames);
        si.putLong(StartInfo.MFN_LIST, mfnList);
        if (hasModule) {
            si.putLong(StartInfo.MOD_START, modStart);
            si.putLong(StartInfo.MOD_LEN, modLen);
        }
        byte[] cmd = params.cmdline().getBytes(StandardCharsets.UTF_8);
        si.put(StartInfo.CMD_LINE, cmd, 0, Math.min(cmd.length, StartInfo.CMD_LINE_SIZE - 1));
        si.putLong(StartInfo.FIRST_P2M_PFN, firstP2mPfn);
        si.putLong(StartInfo.NR_P2M_FRAMES, nrP2mFrames);
        machine.write(mfn(pfn) << 12, si.array(), 0, StartInfo.SIZE);
    }

    /** Copies into the domain at pseudo-physical byte address {@code pa}, frame by frame. */
    private void copyIn(long pa, byte[] src, int off, int len) throws BuildException {
        while (len > 0) {
            int inPage = (int) (pa & (PAGE - 1));
            int n = Math.min(len, PAGE - inPage);
            machine.write((mfn(pa >>> 12) << 12) + inPage, src, off, n);
            pa += n;
            off += n;
            len -= n;
        }
    }

    private long mfn(long pfn) throws BuildException {
        long m = pfn < totalPages ? mem.mfn(pfn) : -1;
        if (m < 0 || !machine.isValidFrame(m)) {
            throw new BuildException(kernel.file() + ": PFN " + pfn + " of the domain has no machine frame");
        }
        return m;
    }

    // ---- boot page tables (xg_dom_x86.c) ----

    /**
     * Sizes the initial mapping: its end is rounded to 4 MiB with room for the tables themselves,
     * the boot stack and 512 KiB of padding, recounting the tables until the size converges.
     */
    private Seg allocPageTables() throws BuildException {
        long extra = 1 + PADDING_PAGES;
        long pages = extra;
        long tryEnd;
        Mapping map;
        while (true) {
            tryEnd = (virtAllocEnd + pages * PAGE) | ((1L << 22) - 1);
            map = countPgtables(virtBase, tryEnd, 0);
            pages = map.area.pgtables + extra;
            if (Long.compareUnsigned(virtAllocEnd + pages * PAGE, tryEnd + 1) <= 0) {
                break;
            }
        }
        map.area.pfn = 0;
        maps.add(map);
        virtPgtabEnd = tryEnd + 1;
        return allocSegment("page tables", 0, map.area.pgtables * PAGE);
    }

    /** The INIT_P2M segment: the list, then the tables that map it at {@code base}. */
    private Seg allocInitP2m(long base) throws BuildException {
        long size = roundPage(totalPages * 8);
        Mapping map = countPgtables(base, base + size - 1, pfnAllocEnd);
        map.area.pfn = pfnAllocEnd;
        for (Level l : map.lvls) {
            l.pfn += size >>> 12;
        }
        maps.add(map);
        size += map.area.pgtables * PAGE;
        return allocSegment("phys2mach", 0, size);
    }

    /** Xen's count_pgtables: the tables needed to map [from, to] beyond those of earlier mappings. */
    private Mapping countPgtables(long from, long to, long pfn) throws BuildException {
        long pfnEnd = pfn + ((to - from) >>> 12);
        if (Long.compareUnsigned(pfnEnd, totalPages) >= 0) {
            throw new BuildException(String.format(
                    "%s: not enough domain memory for the initial mapping (needs PFN %#x, the domain has %d pages, %d MiB); give the domain more memory",
                    kernel.file(), pfnEnd, totalPages, totalPages >> 8));
        }
        for (Mapping m : maps) {
            if (Long.compareUnsigned(from, m.area.to) < 0 && Long.compareUnsigned(to, m.area.from) > 0) {
                throw new BuildException(kernel.file() + ": the P2M mapping overlaps the kernel mapping");
            }
        }
        Mapping map = new Mapping();
        map.area.from = from & VADDR_MASK;
        map.area.to = to & VADDR_MASK;
        for (int l = 3; l >= 0; l--) {
            Level lvl = map.lvls[l];
            lvl.pfn = pfnAllocEnd + map.area.pgtables;
            if (l == 3) {
                // One L4, in the first mapping only.
                if (maps.isEmpty()) {
                    lvl.from = 0;
                    lvl.to = VADDR_MASK;
                    lvl.pgtables = 1;
                    map.area.pgtables++;
                }
                continue;
            }
            int bits = 12 + (l + 1) * 9;
            long mask = (1L << bits) - 1;
            lvl.from = map.area.from & ~mask;
            lvl.to = map.area.to | mask;
            for (Mapping cmp : maps) {
                Level c = cmp.lvls[l];
                if (c.from == c.to) {
                    continue;
                }
                if (lvl.from >= c.from && lvl.to <= c.to) {
                    lvl.from = 0;
                    lvl.to = 0;
                    break;
                }
                if (lvl.from >= c.from && lvl.from <= c.to) {
                    lvl.from = c.to + 1;
                }
                if (lvl.to >= c.from && lvl.to <= c.to) {
                    lvl.to = c.from - 1;
                }
            }
            if (lvl.from < lvl.to) {
                lvl.pgtables = ((lvl.to - lvl.from) >>> bits) + 1;
            }
            map.area.pgtables += lvl.pgtables;
        }
        return map;
    }

    /** Xen's setup_pgtables_pv: fills every table of every mapping. */
    private void writePageTables() throws BuildException {
        for (int l = 3; l >= 0; l--) {
            for (Mapping m1 : maps) {
                long from = m1.lvls[l].from;
                long to = m1.lvls[l].to;
                long tableBase = m1.lvls[l].pfn;
                int shift = 12 + l * 9;
                for (Mapping m2 : maps) {
                    Level lvl = l > 0 ? m2.lvls[l - 1] : m2.area;
                    if (l > 0 && lvl.pgtables == 0) {
                        continue;
                    }
                    if (lvl.from >= to || lvl.to <= from) {
                        continue;
                    }
                    long lo = Math.max(from, lvl.from);
                    long ps = (lo - from) >>> shift;
                    long pe = (Math.min(to, lvl.to) - from) >>> shift;
                    long pfn = ((lo - lvl.from) >>> shift) + lvl.pfn;
                    for (long p = ps; p <= pe; p++, pfn++) {
                        long entry = (mfn(pfn) << 12) | prot(l, pfn);
                        long table = mfn(tableBase + (p >>> 9));
                        machine.write64((table << 12) + (p & 511) * 8, entry);
                    }
                }
            }
        }
    }

    /** L2..L4 entries are P|RW|A|D|U; L1 entries P|RW|A, without RW for pages that hold boot tables. */
    private long prot(int level, long pfn) {
        if (level > 0) {
            return UPPER_PROT;
        }
        for (Mapping m : maps) {
            long first = m.lvls[3].pfn;
            if (pfn >= first && pfn < first + m.area.pgtables) {
                return L1_PROT_RO;
            }
        }
        return L1_PROT;
    }

    private List<BootLayout.PageTableFrame> pageTableFrames() throws BuildException {
        List<BootLayout.PageTableFrame> out = new ArrayList<>();
        for (int l = 3; l >= 0; l--) {
            for (Mapping m : maps) {
                Level lvl = m.lvls[l];
                for (long i = 0; i < lvl.pgtables; i++) {
                    out.add(new BootLayout.PageTableFrame(lvl.pfn + i, mfn(lvl.pfn + i), l + 1));
                }
            }
        }
        return out;
    }
}
