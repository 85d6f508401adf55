package dev.jxen.builder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KernelImageTest {
    static final long VIRT_BASE = 0xffffffff80000000L;
    static final int ENTRY = 1;
    static final int HYPERCALL_PAGE = 2;
    static final int VIRT_BASE_NOTE = 3;
    static final int PADDR_OFFSET = 4;
    static final int XEN_VERSION = 5;
    static final int GUEST_OS = 6;
    static final int LOADER = 8;
    static final int FEATURES = 10;
    static final int INIT_P2M = 15;
    static final int MOD_START_PFN = 16;

    @TempDir
    Path dir;

    static byte[] text(int size) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) (i * 7 + 3);
        }
        return b;
    }

    /** A Linux-like kernel: VIRT_BASE 0xffffffff80000000, paddr 0x200000, two pages of text and a page of bss. */
    static TestElf linuxLike() {
        return new TestElf()
                .load(0x200000, VIRT_BASE + 0x200000, text(0x2000), 0x3000)
                .entry(VIRT_BASE + 0x200100)
                .note(GUEST_OS, "linux").note(XEN_VERSION, "xen-3.0").note(LOADER, "generic")
                .note(VIRT_BASE_NOTE, VIRT_BASE).note(PADDR_OFFSET, 0).note(ENTRY, VIRT_BASE + 0x200040)
                .note(HYPERCALL_PAGE, VIRT_BASE + 0x201000)
                .note(FEATURES, "!writable_page_tables|pae_pgdir_above_4gb");
    }

    private Path write(String name, byte[] data) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, data);
        return p;
    }

    private KernelImage parse(TestElf elf) throws BadImageException {
        return KernelImage.parse("kernel", elf.build());
    }

    private String refusal(TestElf elf) {
        return refusal(elf.build());
    }

    private String refusal(byte[] data) {
        try {
            KernelImage.parse("kernel", data);
        } catch (BadImageException e) {
            return e.getMessage();
        }
        throw new AssertionError("image was accepted");
    }

    @Test
    void notesFromPtNote() throws Exception {
        KernelImage k = parse(linuxLike().place(TestElf.NotePlace.PT_NOTE));
        XenNotes n = k.notes();
        assertThat(n.source()).isEqualTo("PT_NOTE");
        assertThat(n.guestOs()).isEqualTo("linux");
        assertThat(n.virtBase()).isEqualTo(VIRT_BASE);
        assertThat(k.entry()).isEqualTo(VIRT_BASE + 0x200040);
        assertThat(n.hypercallPage()).isEqualTo(VIRT_BASE + 0x201000);
        assertThat(k.kernelStart()).isEqualTo(VIRT_BASE + 0x200000);
        assertThat(k.kernelEnd()).isEqualTo(VIRT_BASE + 0x203000);
        assertThat(n.featuresRequired()).isEqualTo(1 << XenFeatures.WRITABLE_PAGE_TABLES);
        assertThat(n.featuresSupported()).isEqualTo(1 << XenFeatures.WRITABLE_PAGE_TABLES | 1 << XenFeatures.PAE_PGDIR_ABOVE_4GB);
        assertThat(k.container()).isEqualTo("ELF");
    }

    @Test
    void notesFromShtNoteWhenThereIsNoNoteSegment() throws Exception {
        KernelImage k = parse(linuxLike().place(TestElf.NotePlace.SHT_NOTE));
        assertThat(k.notes().source()).isEqualTo("SHT_NOTE");
        assertThat(k.entry()).isEqualTo(VIRT_BASE + 0x200040);
        assertThat(k.notes().hypercallPage()).isEqualTo(VIRT_BASE + 0x201000);
    }

    @Test
    void noteSegmentWithZeroOffsetIsSkippedForTheSections() throws Exception {
        // Some binutils write p_offset 0 for note segments; Xen then reads the sections.
        KernelImage k = parse(linuxLike().place(TestElf.NotePlace.BOTH).zeroNoteOffset());
        assertThat(k.notes().source()).isEqualTo("SHT_NOTE");
        assertThat(k.notes().virtBase()).isEqualTo(VIRT_BASE);
    }

    @Test
    void noteSegmentWithoutXenNotesFallsBackToSections() throws Exception {
        // The only PT_NOTE holds a GNU build-id: no Xen note there, so the sections are read.
        TestElf e = new TestElf().load(0, 0, text(0x1000), 0x1000).entry(0x10)
                .segmentNote("GNU", 3, new byte[20])
                .genericNotes("Mini-OS");
        KernelImage k = parse(e);
        assertThat(k.notes().source()).isEqualTo("SHT_NOTE");
        assertThat(k.notes().guestOs()).isEqualTo("Mini-OS");
    }

    @Test
    void legacyXenGuestSection() throws Exception {
        TestElf e = new TestElf().load(0x100000, 0xc0100000L, text(0x3000), 0x3000).entry(0xc0100000L)
                .xenGuest("GUEST_OS=Mini-OS,XEN_VER=xen-3.0,LOADER=generic,VIRT_BASE=0xc0000000,"
                        + "ELF_PADDR_OFFSET=0,HYPERCALL_PAGE=0x102,FEATURES=!writable_page_tables");
        KernelImage k = parse(e);
        XenNotes n = k.notes();
        assertThat(n.source()).isEqualTo("__xen_guest");
        assertThat(n.virtBase()).isEqualTo(0xc0000000L);
        // HYPERCALL_PAGE is a page number relative to VIRT_BASE.
        assertThat(n.hypercallPage()).isEqualTo(0xc0000000L + 0x102000);
        assertThat(n.paddrOffset()).isZero();
        assertThat(n.featuresRequired()).isEqualTo(1);
        // p_paddr 0x100000 + VIRT_BASE - PADDR_OFFSET.
        assertThat(k.kernelStart()).isEqualTo(0xc0100000L);
    }

    @Test
    void legacySectionDefaultsPaddrOffsetToVirtBase() throws Exception {
        // Old kernels put virtual addresses in p_paddr; without ELF_PADDR_OFFSET it is VIRT_BASE.
        TestElf e = new TestElf().load(0xc0100000L, 0xc0100000L, text(0x1000), 0x1000).entry(0xc0100010L)
                .xenGuest("GUEST_OS=linux,XEN_VER=xen-3.0,VIRT_BASE=0xc0000000");
        KernelImage k = parse(e);
        assertThat(k.notes().paddrOffset()).isEqualTo(0xc0000000L);
        assertThat(k.kernelStart()).isEqualTo(0xc0100000L);
        assertThat(k.entry()).isEqualTo(0xc0100010L);
        assertThat(k.notes().hasHypercallPage()).isFalse();
    }

    @Test
    void noNotesAtAllIsRefused() {
        TestElf e = new TestElf().load(0, 0, text(0x1000), 0x1000);
        assertThat(refusal(e)).isEqualTo("kernel: not a Xen PV kernel: no Xen ELF notes (PT_NOTE or SHT_NOTE) and no __xen_guest section");
    }

    @Test
    void entryDefaultsToElfEntryAndNumericNotesMayBeFourBytes() throws Exception {
        TestElf e = new TestElf().load(0, 0, text(0x2000), 0x2000).entry(0x1234).genericNotes("Mini-OS")
                .note32(HYPERCALL_PAGE, 0x1000);
        KernelImage k = parse(e);
        assertThat(k.entry()).isEqualTo(0x1234);
        assertThat(k.virtBase()).isZero();
        assertThat(k.notes().hypercallPage()).isEqualTo(0x1000);
    }

    @Test
    void requiredFeaturesJxenSupportsAreAccepted() throws Exception {
        TestElf e = linuxLike().note(FEATURES,
                "!writable_page_tables|!writable_descriptor_tables|!pae_pgdir_above_4gb|supervisor_mode_kernel|auto_translated_physmap|made_up");
        XenNotes n = parse(e).notes();
        assertThat(n.featuresRequired()).isEqualTo(0b10011);
        assertThat(n.featuresSupported() & 0b11111).isEqualTo(0b11111);
    }

    @Test
    void requiredFeaturesJxenLacksAreRefused() {
        assertThat(refusal(linuxLike().note(FEATURES, "!writable_page_tables|!supervisor_mode_kernel")))
                .isEqualTo("kernel: kernel requires Xen feature supervisor_mode_kernel, which jxen does not support");
        assertThat(refusal(linuxLike().note(FEATURES, "!auto_translated_physmap")))
                .contains("auto_translated_physmap").contains("not supported");
        assertThat(refusal(linuxLike().note(FEATURES, "!dom0"))).contains("dom0");
        assertThat(refusal(linuxLike().note(FEATURES, "!time_travel")))
                .isEqualTo("kernel: kernel requires unknown Xen feature 'time_travel'");
    }

    @Test
    void xenVersionAndLoaderAreChecked() {
        TestElf oldXen = new TestElf().load(0, 0, text(0x1000), 0x1000).note(GUEST_OS, "Mini-OS")
                .note(LOADER, "generic").note(XEN_VERSION, "xen-2.0");
        assertThat(refusal(oldXen)).contains("XEN_VERSION 'xen-2.0'");
        TestElf otherLoader = new TestElf().load(0, 0, text(0x1000), 0x1000).note(GUEST_OS, "Plan9")
                .note(LOADER, "plan9").note(XEN_VERSION, "xen-3.0");
        assertThat(refusal(otherLoader)).contains("generic loader or Linux").contains("'plan9'");
    }

    @Test
    void linuxNeedsNoLoaderNote() throws Exception {
        TestElf e = new TestElf().load(0, 0, text(0x1000), 0x1000).note(GUEST_OS, "linux").note(XEN_VERSION, "xen-3.0");
        assertThat(parse(e).notes().loader()).isEmpty();
    }

    @Test
    void addressesAreChecked() {
        assertThat(refusal(linuxLike().note(ENTRY, VIRT_BASE + 0x300000))).contains("entry out of bounds");
        assertThat(refusal(linuxLike().note(VIRT_BASE_NOTE, VIRT_BASE + 0x400000))).contains("out of bounds");
        assertThat(refusal(linuxLike().note(INIT_P2M, VIRT_BASE + 0x201000)))
                .isEqualTo("kernel: INIT_P2M 0xffffffff80201000 lies inside the kernel (0xffffffff80200000-0xffffffff80203000)");
    }

    @Test
    void thirtyTwoBitKernelsAreRefused() {
        byte[] elf32 = linuxLike().elfClass(1).machine(3).build();
        assertThat(refusal(elf32)).isEqualTo("kernel: 32-bit PV guests are not supported (ELF32 i386 kernel)");
    }

    @Test
    void otherMachinesAreRefused() {
        assertThat(refusal(linuxLike().machine(183))).isEqualTo("kernel: ELF for AArch64 (e_machine 183), not x86-64");
    }

    @Test
    void truncatedElfIsRefused() {
        byte[] full = linuxLike().build();
        // Keep the headers but cut into the first segment's bytes.
        byte[] cut = Arrays.copyOf(full, 64 + 56 * 2 + 100);
        assertThat(refusal(cut)).startsWith("kernel: truncated ELF");
        assertThat(refusal(Arrays.copyOf(full, 40))).isEqualTo("kernel: truncated ELF header (40 bytes)");
    }

    @Test
    void filesThatAreNotKernels() throws Exception {
        Path text = write("notes.txt", "memory = 128\nkernel = \"/boot/vmlinuz\"\n".getBytes());
        assertThatThrownBy(() -> KernelImage.load(text))
                .isInstanceOf(BadImageException.class)
                .hasMessage(text + ": is a text file, not a kernel image (expected an ELF or a bzImage)");
        Path empty = write("empty", new byte[0]);
        assertThatThrownBy(() -> KernelImage.load(empty)).hasMessage(empty + ": empty file, not a kernel image");
        Path missing = dir.resolve("nonexistent");
        assertThatThrownBy(() -> KernelImage.load(missing)).hasMessage(missing + ": no such file");
        assertThatThrownBy(() -> KernelImage.load(dir)).hasMessage(dir + ": is a directory, not a kernel image");
        Path binary = write("random.bin", new byte[] {0, 1, 2, 3, (byte) 0xff, 9, 9, 9});
        assertThatThrownBy(() -> KernelImage.load(binary)).hasMessage(binary + ": not a kernel image: neither ELF nor bzImage");
    }

    @Test
    void gzipCompressedElfIsAccepted() throws Exception {
        byte[] elf = linuxLike().build();
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(o)) {
            gz.write(elf);
        }
        KernelImage k = KernelImage.load(write("vmlinux.gz", o.toByteArray()));
        assertThat(k.container()).isEqualTo("gzip");
        assertThat(k.elf()).isEqualTo(elf);
        assertThat(k.entry()).isEqualTo(VIRT_BASE + 0x200040);
    }

    @Test
    void functionSymbolsForCrashReports() throws Exception {
        TestElf e = linuxLike()
                .symbol("startup_xen", VIRT_BASE + 0x200040, 0) // untyped label in .text
                .symbol("xen_start_kernel", VIRT_BASE + 0x200400, 2)
                .symbol("jiffies", VIRT_BASE + 0x202000, 1) // data object: not a code symbol
                .symbol("alias_label", VIRT_BASE + 0x200400, 0);
        KernelImage k = parse(e);
        assertThat(k.symbols()).containsExactly(
                java.util.Map.entry(VIRT_BASE + 0x200040, "startup_xen"),
                java.util.Map.entry(VIRT_BASE + 0x200400, "xen_start_kernel"));
        assertThat(k.symbols().floorEntry(VIRT_BASE + 0x200500).getValue()).isEqualTo("xen_start_kernel");
    }
}
