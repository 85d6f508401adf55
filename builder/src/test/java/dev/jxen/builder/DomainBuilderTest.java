package dev.jxen.builder;

import dev.jxen.abi.StartInfo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jxen.machine.MachineMemory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class DomainBuilderTest {
    static final long VB = KernelImageTest.VIRT_BASE;
    static final long SHARED_INFO_MA = 0x7777000L;
    static MachineMemory machine;

    @BeforeAll
    static void allocate() {
        machine = MachineMemory.allocate(256L << 20);
    }

    @AfterAll
    static void free() {
        machine.close();
    }

    /** A domain of {@code pages} frames taken from machine memory in order, or shuffled. */
    static GuestMemory domain(long pages, boolean shuffled) {
        List<Long> frames = new ArrayList<>();
        for (long i = 0; i < pages; i++) {
            frames.add(100 + i);
        }
        if (shuffled) {
            Collections.shuffle(frames, new Random(7));
        }
        long[] p2m = frames.stream().mapToLong(Long::longValue).toArray();
        return new GuestMemory() {
            public long pageCount() {
                return pages;
            }

            public long mfn(long pfn) {
                return p2m[(int) pfn];
            }

            public MachineMemory machine() {
                return machine;
            }
        };
    }

    static BootParams params(byte[] ramdisk) {
        return new BootParams(ramdisk, "console=hvc0 earlyprintk=xen", 5, SHARED_INFO_MA, 2, 1, 0);
    }

    /** A software walk of the guest's 4-level tables: the machine address of {@code va}, or -1. */
    static long translate(long cr3, long va) {
        return walk(cr3, va)[0];
    }

    /** [machine address or -1, RW of the last level (1/0), flags of L4, L3, L2, L1 entries]. */
    static long[] walk(long cr3, long va) {
        long table = cr3;
        long[] r = new long[6];
        for (int level = 4; level >= 1; level--) {
            int idx = (int) ((va >>> (12 + 9 * (level - 1))) & 511);
            long e = machine.read64(table + idx * 8L);
            r[6 - level] = e & 0xfff;
            if ((e & 1) == 0) {
                r[0] = -1;
                return r;
            }
            table = e & 0x000ffffffffff000L;
        }
        r[0] = table + (va & 0xfff);
        r[1] = (r[5] & 2) >> 1;
        return r;
    }

    static byte[] readVa(long cr3, long va, int len) {
        byte[] out = new byte[len];
        for (int i = 0; i < len; i++) {
            long ma = translate(cr3, va + i);
            assertThat(ma).as("VA %#x mapped", va + i).isNotEqualTo(-1);
            out[i] = machine.read8(ma);
        }
        return out;
    }

    static long read64Va(long cr3, long va) {
        long ma = translate(cr3, va);
        assertThat(ma).as("VA %#x mapped", va).isNotEqualTo(-1);
        return machine.read64(ma);
    }

    static String cString(byte[] b) {
        int n = 0;
        while (n < b.length && b[n] != 0) {
            n++;
        }
        return new String(b, 0, n, StandardCharsets.US_ASCII);
    }

    /** Every present L1 entry of the tree under cr3, as (va, entry). */
    static List<long[]> leaves(long cr3) {
        List<long[]> out = new ArrayList<>();
        for (int i4 = 0; i4 < 512; i4++) {
            long e4 = machine.read64(cr3 + i4 * 8L);
            if ((e4 & 1) == 0) {
                continue;
            }
            for (int i3 = 0; i3 < 512; i3++) {
                long e3 = machine.read64((e4 & ~0xfffL) + i3 * 8L);
                if ((e3 & 1) == 0) {
                    continue;
                }
                for (int i2 = 0; i2 < 512; i2++) {
                    long e2 = machine.read64((e3 & ~0xfffL) + i2 * 8L);
                    if ((e2 & 1) == 0) {
                        continue;
                    }
                    for (int i1 = 0; i1 < 512; i1++) {
                        long e1 = machine.read64((e2 & ~0xfffL) + i1 * 8L);
                        if ((e1 & 1) != 0) {
                            long va = (long) i4 << 39 | (long) i3 << 30 | (long) i2 << 21 | (long) i1 << 12;
                            out.add(new long[] {va << 16 >> 16, e1});
                        }
                    }
                }
            }
        }
        return out;
    }

    @Test
    void smallGenericKernelGetsXensExactLayout() throws Exception {
        // VIRT_BASE 0, kernel 1 MiB at 0, 16 MiB of RAM. By Xen's arithmetic: kernel PFNs 0-255, P2M
        // (4096 * 8 bytes) 256-263, start_info 264, xenstore 265, console 266; the mapping must reach
        // 0x400000, which takes L4 + L3 + L2 + 2 L1 = 5 tables at 267-271; the stack is 272.
        TestElf e = new TestElf().load(0, 0, KernelImageTest.text(0x100000), 0x100000).entry(0x40)
                .genericNotes("Mini-OS").note(KernelImageTest.HYPERCALL_PAGE, 0x2000);
        KernelImage k = KernelImage.parse("mini-os", e.build());
        GuestMemory mem = domain(4096, false);
        BootLayout b = DomainBuilder.build(k, params(null), mem);
        assertThat(b.startInfoPfn()).isEqualTo(264);
        assertThat(b.startInfoVa()).isEqualTo(0x108000);
        assertThat(b.storePfn()).isEqualTo(265);
        assertThat(b.consolePfn()).isEqualTo(266);
        assertThat(b.pageTables()).extracting(BootLayout.PageTableFrame::pfn).containsExactly(267L, 268L, 269L, 270L, 271L);
        assertThat(b.pageTables()).extracting(BootLayout.PageTableFrame::level).containsExactly(4, 3, 2, 1, 1);
        assertThat(b.stackPointer()).isEqualTo(273 * 4096L);
        assertThat(b.mappedEnd()).isEqualTo(0x400000);
        assertThat(b.p2mVa()).isEqualTo(0x100000);
        assertThat(b.l4Mfn()).isEqualTo(mem.mfn(267));
        assertThat(b.entry()).isEqualTo(0x40);
        assertThat(b.hypercallPageVa()).isEqualTo(0x2000);
        assertThat(b.startInfoFlags()).isZero();
        // The last mapped page and the first unmapped one.
        assertThat(translate(b.cr3(), 0x3ff000)).isEqualTo(mem.mfn(0x3ff) << 12);
        assertThat(translate(b.cr3(), 0x400000)).isEqualTo(-1);
    }

    @Test
    void linuxLikeLayoutOnShuffledMemory() throws Exception {
        checkLinuxLike(domain(8192, true));
    }

    @Test
    void linuxLikeLayoutOnIdentityMemory() throws Exception {
        checkLinuxLike(domain(8192, false));
    }

    private void checkLinuxLike(GuestMemory mem) throws Exception {
        KernelImage k = KernelImage.parse("vmlinux", KernelImageTest.linuxLike()
                .symbol("startup_xen", VB + 0x200040, 2).build());
        BootLayout b = DomainBuilder.build(k, params(null), mem);
        long cr3 = b.cr3();

        // Kernel text by paddr, bss zeroed.
        assertThat(readVa(cr3, VB + 0x200000, 0x1000)).isEqualTo(java.util.Arrays.copyOf(KernelImageTest.text(0x2000), 0x1000));
        assertThat(readVa(cr3, VB + 0x202000, 0x1000)).containsOnly(0);
        assertThat(b.entry()).isEqualTo(VB + 0x200040);
        assertThat(b.symbols()).containsEntry(VB + 0x200040, "startup_xen");

        // start_info.
        long si = b.startInfoVa();
        assertThat(cString(readVa(cr3, si, 32))).isEqualTo("xen-3.0-x86_64");
        assertThat(read64Va(cr3, si + StartInfo.NR_PAGES)).isEqualTo(8192);
        assertThat(read64Va(cr3, si + StartInfo.SHARED_INFO)).isEqualTo(SHARED_INFO_MA);
        assertThat((int) read64Va(cr3, si + StartInfo.FLAGS)).isZero();
        assertThat(read64Va(cr3, si + StartInfo.STORE_MFN)).isEqualTo(b.storeMfn()).isEqualTo(mem.mfn(b.storePfn()));
        assertThat((int) read64Va(cr3, si + StartInfo.STORE_EVTCHN)).isEqualTo(1);
        assertThat(read64Va(cr3, si + StartInfo.CONSOLE_MFN)).isEqualTo(b.consoleMfn()).isEqualTo(mem.mfn(b.consolePfn()));
        assertThat((int) read64Va(cr3, si + StartInfo.CONSOLE_EVTCHN)).isEqualTo(2);
        long ptBase = read64Va(cr3, si + StartInfo.PT_BASE);
        assertThat(translate(cr3, ptBase)).isEqualTo(cr3);
        assertThat(read64Va(cr3, si + StartInfo.NR_PT_FRAMES)).isEqualTo(b.pageTables().size());
        assertThat(read64Va(cr3, si + StartInfo.MOD_START)).isZero();
        assertThat(read64Va(cr3, si + StartInfo.MOD_LEN)).isZero();
        assertThat(cString(readVa(cr3, si + StartInfo.CMD_LINE, 1024))).isEqualTo("console=hvc0 earlyprintk=xen");
        assertThat(read64Va(cr3, si + StartInfo.FIRST_P2M_PFN)).isZero();
        assertThat(read64Va(cr3, si + StartInfo.NR_P2M_FRAMES)).isZero();
        // The P2M list is mapped and complete.
        long mfnList = read64Va(cr3, si + StartInfo.MFN_LIST);
        assertThat(mfnList).isEqualTo(b.p2mVa());
        for (long pfn = 0; pfn < 8192; pfn += 97) {
            assertThat(read64Va(cr3, mfnList + pfn * 8)).isEqualTo(mem.mfn(pfn));
        }
        // The ring pages are zeroed and writable.
        assertThat(readVa(cr3, VB + b.consolePfn() * 4096, 4096)).containsOnly(0);
        assertThat(walk(cr3, VB + b.storePfn() * 4096)[1]).isEqualTo(1);

        // Every boot table is mapped read-only, everything else read-write; flags as Xen writes them.
        Set<Long> tableMfns = new HashSet<>();
        b.pageTables().forEach(t -> tableMfns.add(t.mfn()));
        List<long[]> leaves = leaves(cr3);
        int tablesSeen = 0;
        for (long[] leaf : leaves) {
            long frame = (leaf[1] & 0x000ffffffffff000L) >>> 12;
            if (tableMfns.contains(frame)) {
                assertThat(leaf[1] & 0xfff).as("L1 entry for table at %#x", leaf[0]).isEqualTo(0x021);
                tablesSeen++;
            } else {
                assertThat(leaf[1] & 0xfff).as("L1 entry at %#x", leaf[0]).isEqualTo(0x023);
            }
            // PFN = (VA - VIRT_BASE) / 4096 throughout the initial mapping.
            assertThat(frame).isEqualTo(mem.mfn((leaf[0] - VB) >>> 12));
        }
        assertThat(tablesSeen).isEqualTo(b.pageTables().size());
        long[] w = walk(cr3, VB + 0x200000);
        assertThat(new long[] {w[2], w[3], w[4]}).containsOnly(0x067L);
        // The mapping covers [VIRT_BASE, end), end 4 MiB aligned with >= 512 KiB after the stack.
        assertThat(leaves.get(0)[0]).isEqualTo(VB);
        assertThat(leaves.get(leaves.size() - 1)[0]).isEqualTo(b.mappedEnd() - 4096);
        assertThat(leaves).hasSize((int) ((b.mappedEnd() - VB) >>> 12));
        assertThat(b.mappedEnd() & 0x3fffff).isZero();
        assertThat(b.mappedEnd() - b.stackPointer()).isGreaterThanOrEqualTo(512 * 1024);

        // The stack is the page after the tables, writable, and RSP is its top.
        long lastTablePfn = b.pageTables().get(b.pageTables().size() - 1).pfn();
        assertThat(b.stackPointer()).isEqualTo(VB + (lastTablePfn + 2) * 4096);
        assertThat(walk(cr3, b.stackPointer() - 8)[1]).isEqualTo(1);
        assertThat(translate(cr3, ptBase)).isEqualTo(mem.mfn(b.pageTables().get(0).pfn()) << 12);

        // Hypercall page.
        byte[] hc = readVa(cr3, b.hypercallPageVa(), 4096);
        assertThat(java.util.Arrays.copyOfRange(hc, 0, 14)).isEqualTo(new byte[] {
            0x51, 0x41, 0x53, (byte) 0xb8, 0, 0, 0, 0, 0x0f, 0x05, 0x41, 0x5b, 0x59, (byte) 0xc3});
        assertThat(java.util.Arrays.copyOfRange(hc, 14, 32)).containsOnly((byte) 0xcc);
        assertThat(java.util.Arrays.copyOfRange(hc, 29 * 32, 29 * 32 + 14)).isEqualTo(new byte[] {
            0x51, 0x41, 0x53, (byte) 0xb8, 29, 0, 0, 0, 0x0f, 0x05, 0x41, 0x5b, 0x59, (byte) 0xc3});
        assertThat(java.util.Arrays.copyOfRange(hc, 23 * 32, 23 * 32 + 11)).isEqualTo(new byte[] {
            0x51, 0x41, 0x53, 0x50, (byte) 0xb8, 23, 0, 0, 0, 0x0f, 0x05});
        assertThat(java.util.Arrays.copyOfRange(hc, 23 * 32 + 11, 24 * 32)).containsOnly((byte) 0xcc);
        assertThat(hc[127 * 32 + 4]).isEqualTo((byte) 127);
    }

    @Test
    void mappedInitrdFollowsTheKernel() throws Exception {
        GuestMemory mem = domain(8192, true);
        KernelImage k = KernelImage.parse("vmlinux", KernelImageTest.linuxLike().build());
        byte[] initrd = KernelImageTest.text(10_000);
        BootLayout b = DomainBuilder.build(k, params(initrd), mem);
        long si = b.startInfoVa();
        long modStart = read64Va(b.cr3(), si + StartInfo.MOD_START);
        assertThat(modStart).isEqualTo(k.kernelEnd());
        // Xen hands over the whole segment: the length rounded up to pages.
        assertThat(read64Va(b.cr3(), si + StartInfo.MOD_LEN)).isEqualTo(12288);
        assertThat(readVa(b.cr3(), modStart, initrd.length)).isEqualTo(initrd);
        assertThat(b.p2mVa()).isEqualTo(modStart + 12288);
    }

    @Test
    void unmappedInitrdIsGivenByPfnAfterTheMapping() throws Exception {
        GuestMemory mem = domain(8192, true);
        KernelImage k = KernelImage.parse("vmlinux", KernelImageTest.linuxLike()
                .note(KernelImageTest.MOD_START_PFN, 1).build());
        byte[] initrd = KernelImageTest.text(10_000);
        BootLayout b = DomainBuilder.build(k, params(initrd), mem);
        long si = b.startInfoVa();
        assertThat((int) read64Va(b.cr3(), si + StartInfo.FLAGS))
                .isEqualTo(StartInfo.SIF_MOD_START_PFN);
        long pfn = read64Va(b.cr3(), si + StartInfo.MOD_START);
        assertThat(pfn).isEqualTo((b.mappedEnd() - VB) >>> 12);
        assertThat(read64Va(b.cr3(), si + StartInfo.MOD_LEN)).isEqualTo(12288);
        byte[] got = new byte[initrd.length];
        for (int i = 0; i < initrd.length; i++) {
            got[i] = machine.read8((mem.mfn(pfn + i / 4096) << 12) + i % 4096);
        }
        assertThat(got).isEqualTo(initrd);
        assertThat(translate(b.cr3(), VB + pfn * 4096)).isEqualTo(-1);
    }

    @Test
    void initP2mGetsItsOwnMappingAndTables() throws Exception {
        GuestMemory mem = domain(8192, true);
        KernelImage k = KernelImage.parse("vmlinux", KernelImageTest.linuxLike()
                .note(KernelImageTest.INIT_P2M, 0x8000000000L).build());
        BootLayout b = DomainBuilder.build(k, params(null), mem);
        long cr3 = b.cr3();
        long si = b.startInfoVa();
        assertThat(read64Va(cr3, si + StartInfo.MFN_LIST)).isEqualTo(0x8000000000L);
        for (long pfn = 0; pfn < 8192; pfn += 61) {
            assertThat(read64Va(cr3, 0x8000000000L + pfn * 8)).isEqualTo(mem.mfn(pfn));
        }
        // The list takes 16 pages; its own L3, L2 and L1 follow it in the segment.
        long first = read64Va(cr3, si + StartInfo.FIRST_P2M_PFN);
        assertThat(first).isEqualTo((b.mappedEnd() - VB) >>> 12);
        assertThat(read64Va(cr3, si + StartInfo.NR_P2M_FRAMES)).isEqualTo(16 + 3);
        // nr_pt_frames counts the kernel mapping's tables only; the P2M tables are listed for pinning.
        long nrPt = read64Va(cr3, si + StartInfo.NR_PT_FRAMES);
        assertThat(b.pageTables()).hasSize((int) nrPt + 3);
        assertThat(b.pageTables()).filteredOn(t -> t.pfn() >= first)
                .extracting(BootLayout.PageTableFrame::pfn, BootLayout.PageTableFrame::level)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(first + 16, 3),
                        org.assertj.core.groups.Tuple.tuple(first + 17, 2),
                        org.assertj.core.groups.Tuple.tuple(first + 18, 1));
        // Only the list is mapped there, and no table page is mapped writable anywhere.
        assertThat(translate(cr3, 0x8000000000L + 16 * 4096)).isEqualTo(-1);
        Set<Long> tableMfns = new HashSet<>();
        b.pageTables().forEach(t -> tableMfns.add(t.mfn()));
        for (long[] leaf : leaves(cr3)) {
            if (tableMfns.contains((leaf[1] & 0x000ffffffffff000L) >>> 12)) {
                assertThat(leaf[1] & 2).isZero();
            }
        }
    }

    @Test
    void gzipInitrdIsInflatedAsXenDoes() throws Exception {
        GuestMemory mem = domain(8192, false);
        KernelImage k = KernelImage.parse("vmlinux", KernelImageTest.linuxLike().build());
        byte[] plain = KernelImageTest.text(20_000);
        java.io.ByteArrayOutputStream o = new java.io.ByteArrayOutputStream();
        try (var gz = new java.util.zip.GZIPOutputStream(o)) {
            gz.write(plain);
        }
        BootLayout b = DomainBuilder.build(k, params(o.toByteArray()), mem);
        long modStart = read64Va(b.cr3(), b.startInfoVa() + StartInfo.MOD_START);
        assertThat(readVa(b.cr3(), modStart, plain.length)).isEqualTo(plain);
        // Segment of ISIZE + 16 bytes, page-rounded.
        assertThat(read64Va(b.cr3(), b.startInfoVa() + StartInfo.MOD_LEN)).isEqualTo(20480);
    }

    @Test
    void tooLittleMemoryIsOneClearError() throws Exception {
        KernelImage k = KernelImage.parse("vmlinux", KernelImageTest.linuxLike().build());
        assertThatThrownBy(() -> DomainBuilder.build(k, params(null), domain(600, false)))
                .isInstanceOf(BuildException.class)
                .hasMessageStartingWith("vmlinux: not enough domain memory")
                .hasMessageContaining("give the domain more memory");
    }
}
