package dev.jxen.builder;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jxen.machine.MachineMemory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Debian's real PV images: the Linux 6.1 bzImage (package linux-image-amd64) and GRUB's Xen image
 * (grub-xen-host). They are found under the directory named by the system property
 * {@code jxen.guestImages} or the environment variable {@code JXEN_GUEST_IMAGES} (where .ci/run
 * unpacks the packages), else under / when the packages are installed. Under CI a missing image
 * fails the test; elsewhere the test is skipped.
 */
class RealImagesTest {
    @TempDir
    Path tmp;

    static Path root() {
        String dir = System.getProperty("jxen.guestImages", System.getenv("JXEN_GUEST_IMAGES"));
        return Path.of(dir == null || dir.isBlank() ? "/" : dir);
    }

    static Path require(Path p, String what) {
        if (p == null || !Files.isRegularFile(p)) {
            String msg = what + " not found under " + root() + " (set JXEN_GUEST_IMAGES; .ci/run unpacks it)";
            if (System.getenv("CI") != null) {
                Assertions.fail(msg);
            }
            Assumptions.abort(msg);
        }
        return p;
    }

    static Path linuxKernel() throws IOException {
        Path boot = root().resolve("boot");
        if (!Files.isDirectory(boot)) {
            return null;
        }
        try (Stream<Path> s = Files.list(boot)) {
            return s.filter(p -> p.getFileName().toString().matches("vmlinuz-.*-amd64")).sorted().reduce((a, b) -> b).orElse(null);
        }
    }

    /** Xen notes as {@code readelf -n} shows them: type to description bytes. */
    static Map<Integer, byte[]> readelfXenNotes(Path elf) throws Exception {
        Process p = new ProcessBuilder("readelf", "-n", "-W", elf.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        Map<Integer, byte[]> notes = new HashMap<>();
        Pattern head = Pattern.compile("^\\s+Xen\\s+0x[0-9a-f]+\\s+(.*)$");
        Pattern unknown = Pattern.compile("Unknown note type: \\(0x([0-9a-f]+)\\)");
        String[] lines = out.split("\n");
        for (int i = 0; i < lines.length; i++) {
            Matcher m = head.matcher(lines[i]);
            if (!m.matches()) {
                continue;
            }
            String d = m.group(1);
            Matcher u = unknown.matcher(d);
            // readelf names a few generic note types instead of printing their number.
            int type = u.find() ? Integer.parseInt(u.group(1), 16)
                    : d.startsWith("NT_VERSION") ? 1 : d.startsWith("NT_ARCH") ? 2 : d.startsWith("GO BUILDID") ? 4 : -1;
            // -W keeps the data on the note's line; without it the data is on the next line.
            String data = d.contains("description data:") ? d
                    : i + 1 < lines.length && lines[i + 1].contains("description data:") ? lines[i + 1] : null;
            if (data != null) {
                String hex = data.substring(data.indexOf("description data:") + 17).replaceAll("\\s", "");
                notes.putIfAbsent(type, HexFormat.of().parseHex(hex));
            }
        }
        return notes;
    }

    static long le(byte[] b) {
        long v = 0;
        for (int i = b.length - 1; i >= 0; i--) {
            v = v << 8 | (b[i] & 0xff);
        }
        return v;
    }

    static GuestMemory identity(MachineMemory m, long pages) {
        return new GuestMemory() {
            public long pageCount() {
                return pages;
            }

            public long mfn(long pfn) {
                return 16 + pfn;
            }

            public MachineMemory machine() {
                return m;
            }
        };
    }

    static long translate(MachineMemory m, long cr3, long va) {
        long table = cr3;
        for (int level = 4; level >= 1; level--) {
            long e = m.read64(table + ((va >>> (12 + 9 * (level - 1))) & 511) * 8);
            if ((e & 1) == 0) {
                return -1;
            }
            table = e & 0x000ffffffffff000L;
        }
        return table + (va & 0xfff);
    }

    @Test
    void debianLinuxBzImage() throws Exception {
        Path vmlinuz = require(linuxKernel(), "Debian's /boot/vmlinuz-*-amd64 (package linux-image-amd64)");
        long t0 = System.nanoTime();
        KernelImage k = KernelImage.load(vmlinuz);
        long t1 = System.nanoTime();
        assertThat(k.container()).isEqualTo("bzImage (xz)");
        XenNotes n = k.notes();
        assertThat(n.source()).isEqualTo("PT_NOTE");
        assertThat(n.guestOs()).isEqualTo("linux");
        assertThat(n.xenVersion()).isEqualTo("xen-3.0");
        assertThat(n.loader()).isEqualTo("generic");
        assertThat(n.modStartPfn()).isTrue();
        assertThat(n.featuresRequired()).isEqualTo(1 << XenFeatures.WRITABLE_PAGE_TABLES);

        // The same values as readelf reads from the extracted vmlinux.
        Path vmlinux = tmp.resolve("vmlinux");
        Files.write(vmlinux, k.elf());
        Map<Integer, byte[]> re = readelfXenNotes(vmlinux);
        assertThat(k.entry()).isEqualTo(le(re.get(1)));
        assertThat(k.virtBase()).isEqualTo(le(re.get(3)));
        assertThat(n.initP2m()).isEqualTo(le(re.get(15)));
        assertThat(n.hasHypercallPage()).isEqualTo(re.containsKey(2)).isFalse();
        assertThat(n.hvStartLow()).isEqualTo(le(re.get(12)));
        assertThat(new String(re.get(10), StandardCharsets.US_ASCII)).isEqualTo("!writable_page_tables|pae_pgdir_above_4gb");

        // Laid out in 128 MiB: entry and kernel bytes where the ELF says, P2M at INIT_P2M.
        try (MachineMemory m = MachineMemory.allocate(160L << 20)) {
            GuestMemory mem = identity(m, 32768);
            long t2 = System.nanoTime();
            BootLayout b = DomainBuilder.build(k, new BootParams(null, "earlyprintk=xen", 1, 0x1000, 2, 1, 0), mem);
            long t3 = System.nanoTime();
            System.out.printf("%s%n  load %d ms, build %d ms; start_info %#x, rsp %#x, %d boot tables, mapped to %#x%n",
                    k, (t1 - t0) / 1_000_000, (t3 - t2) / 1_000_000, b.startInfoVa(), b.stackPointer(),
                    b.pageTables().size(), b.mappedEnd());
            assertThat(b.entry()).isEqualTo(le(re.get(1)));
            assertThat(b.p2mVa()).isEqualTo(0x8000000000L);
            assertThat(b.hypercallPageVa()).isEqualTo(-1);
            KernelImage.Segment text = k.segments().get(0);
            long va = text.paddr() + k.virtBase() - n.paddrOffset();
            long ma = translate(m, b.cr3(), va + 0x100);
            assertThat(ma).isNotEqualTo(-1);
            for (int i = 0; i < 64; i++) {
                assertThat(m.read8(ma + i)).isEqualTo(k.elf()[(int) text.offset() + 0x100 + i]);
            }
            assertThat(m.read64(translate(m, b.cr3(), 0x8000000000L + 8 * 100))).isEqualTo(16 + 100);
        }
    }

    @Test
    void debianGrubXenImage() throws Exception {
        Path grub = require(root().resolve("usr/lib/grub-xen/grub-x86_64-xen.bin"),
                "Debian's grub-x86_64-xen.bin (package grub-xen-host)");
        KernelImage k = KernelImage.load(grub);
        assertThat(k.container()).isEqualTo("ELF");
        XenNotes n = k.notes();
        assertThat(n.source()).isEqualTo("PT_NOTE");
        assertThat(n.guestOs()).isEqualTo("GRUB");
        assertThat(n.loader()).isEqualTo("generic");
        Map<Integer, byte[]> re = readelfXenNotes(grub);
        assertThat(k.entry()).isEqualTo(le(re.get(1)));
        assertThat(k.virtBase()).isEqualTo(le(re.get(3)));
        assertThat(n.hasHypercallPage()).isEqualTo(re.containsKey(2));
        try (MachineMemory m = MachineMemory.allocate(80L << 20)) {
            GuestMemory mem = identity(m, 16384);
            BootLayout b = DomainBuilder.build(k, new BootParams(null, "", 1, 0x1000, 2, 1, 0), mem);
            long ma = translate(m, b.cr3(), b.entry());
            KernelImage.Segment first = k.segments().get(0);
            assertThat(m.read64(ma)).isEqualTo(java.nio.ByteBuffer.wrap(k.elf(), (int) (first.offset() + b.entry() - first.paddr()), 8)
                    .order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong());
            // GRUB's 4 MiB stack and modules are inside its image; the start_info follows them.
            assertThat(b.startInfoVa()).isGreaterThanOrEqualTo(k.kernelEnd());
        }
    }
}
