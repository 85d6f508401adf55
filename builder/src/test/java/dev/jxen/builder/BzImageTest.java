package dev.jxen.builder;

import static org.assertj.core.api.Assertions.assertThat;

import io.airlift.compress.v3.Compressor;
import io.airlift.compress.v3.lz4.Lz4JavaCompressor;
import io.airlift.compress.v3.lzo.LzoCompressor;
import io.airlift.compress.v3.zstd.ZstdJavaCompressor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.zip.Adler32;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tukaani.xz.FilterOptions;
import org.tukaani.xz.LZMA2Options;
import org.tukaani.xz.LZMAOutputStream;
import org.tukaani.xz.X86Options;
import org.tukaani.xz.XZ;
import org.tukaani.xz.XZOutputStream;

/** bzImage containers made here: an ELF kernel compressed as the Linux build does, behind a setup header. */
class BzImageTest {
    static final String[] FORMATS = {"gzip", "bzip2", "xz", "lzma", "lzo", "lz4", "zstd"};

    private static final byte[] KERNEL = makeKernelElf();
    private static final java.util.Map<String, byte[]> PAYLOADS = new java.util.concurrent.ConcurrentHashMap<>();

    static byte[] kernelElf() {
        return KERNEL;
    }

    /** The compressed kernel, made once per format. */
    static byte[] payload(String format) throws IOException {
        byte[] p = PAYLOADS.get(format);
        if (p == null) {
            p = compress(format, KERNEL);
            PAYLOADS.put(format, p);
        }
        return p.clone();
    }

    /** A kernel large enough for several lz4/lzo blocks, with compressible and random parts. */
    private static byte[] makeKernelElf() {
        byte[] big = new byte[200_000];
        java.util.Random r = new java.util.Random(42);
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) (i % 3000 < 1500 ? i / 7 : r.nextInt());
        }
        return KernelImageTest.linuxLike().load(0x400000, KernelImageTest.VIRT_BASE + 0x400000, big, big.length).build();
    }

    /** The payload as the kernel's Makefile makes it: the compressed vmlinux, then its size (u32 LE) unless gzip. */
    static byte[] compress(String format, byte[] data) throws IOException {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        switch (format) {
            case "gzip" -> {
                try (OutputStream gz = new GZIPOutputStream(o)) {
                    gz.write(data);
                }
                return o.toByteArray(); // gzip's own trailer already ends with the size
            }
            case "bzip2" -> {
                try (OutputStream bz = new BZip2CompressorOutputStream(o, 1)) {
                    bz.write(data);
                }
            }
            case "xz" -> {
                // As scripts/xz_wrap.sh: the x86 BCJ filter before LZMA2, CRC32 check.
                FilterOptions[] f = {new X86Options(), new LZMA2Options(1)};
                try (OutputStream xz = new XZOutputStream(o, f, XZ.CHECK_CRC32)) {
                    xz.write(data);
                }
            }
            case "lzma" -> {
                try (OutputStream lz = new LZMAOutputStream(o, new LZMA2Options(1), -1)) {
                    lz.write(data);
                }
            }
            case "zstd" -> o.writeBytes(raw(new ZstdJavaCompressor(), data, 0, data.length));
            case "lz4" -> o.writeBytes(lz4Legacy(data));
            case "lzo" -> o.writeBytes(lzop(data));
            default -> throw new IllegalArgumentException(format);
        }
        o.writeBytes(TestElf.le(data.length, 4));
        return o.toByteArray();
    }

    static byte[] raw(Compressor c, byte[] data, int off, int len) {
        byte[] out = new byte[c.maxCompressedLength(len)];
        int n = c.compress(data, off, len, out, 0, out.length);
        return Arrays.copyOf(out, n);
    }

    /** {@code lz4 -l}: magic 0x184C2102, then (u32 LE length, LZ4 block) per 8 MiB of input. */
    static byte[] lz4Legacy(byte[] data) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.writeBytes(TestElf.le(0x184C2102, 4));
        int block = 64 * 1024; // smaller than lz4's 8 MiB so that the test has several blocks
        for (int off = 0; off < data.length; off += block) {
            byte[] c = raw(new Lz4JavaCompressor(), data, off, Math.min(block, data.length - off));
            o.writeBytes(TestElf.le(c.length, 4));
            o.writeBytes(c);
        }
        return o.toByteArray();
    }

    /** An lzop file as {@code lzop -9} writes it (ADLER32 of each block's data), blocks of 64 KiB. */
    static byte[] lzop(byte[] data) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.writeBytes(new byte[] {(byte) 0x89, 'L', 'Z', 'O', 0, 0x0d, 0x0a, 0x1a, 0x0a});
        o.writeBytes(be(0x1040, 2)); // version
        o.writeBytes(be(0x20a0, 2)); // library version
        o.writeBytes(be(0x0940, 2)); // needed to extract
        o.write(3); // method LZO1X-999
        o.write(9); // level
        o.writeBytes(be(0x03000001, 4)); // flags: ADLER32_D, Unix
        o.writeBytes(be(0100644, 4)); // mode
        o.writeBytes(be(0, 4)); // mtime low
        o.writeBytes(be(0, 4)); // mtime high
        o.write(0); // no name
        o.writeBytes(be(0x12345678, 4)); // header checksum (not checked by the kernel)
        int block = 64 * 1024;
        for (int off = 0; off < data.length; off += block) {
            int len = Math.min(block, data.length - off);
            byte[] c = raw(new LzoCompressor(), data, off, len);
            Adler32 a = new Adler32();
            a.update(data, off, len);
            o.writeBytes(be(len, 4));
            boolean stored = c.length >= len;
            o.writeBytes(be(stored ? len : c.length, 4));
            o.writeBytes(be(a.getValue(), 4));
            if (stored) {
                o.write(data, off, len);
            } else {
                o.writeBytes(c);
            }
        }
        o.writeBytes(be(0, 4));
        return o.toByteArray();
    }

    static byte[] be(long v, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[n - 1 - i] = (byte) (v >>> (8 * i));
        }
        return b;
    }

    /** A bzImage: setup sectors with the 2.08+ header, then the protected-mode part holding the payload. */
    static byte[] bzImage(byte[] payload, int setupSects, int version) {
        int pmStart = (setupSects + 1) * 512;
        int payloadOffset = 0x3c0; // decompressor code would precede it
        byte[] img = new byte[pmStart + payloadOffset + payload.length + 0x200];
        img[0x1f1] = (byte) setupSects;
        img[0x1fe] = 0x55;
        img[0x1ff] = (byte) 0xaa;
        System.arraycopy("HdrS".getBytes(), 0, img, 0x202, 4);
        img[0x206] = (byte) version;
        img[0x207] = (byte) (version >> 8);
        System.arraycopy(TestElf.le(payloadOffset, 4), 0, img, 0x248, 4);
        System.arraycopy(TestElf.le(payload.length, 4), 0, img, 0x24c, 4);
        System.arraycopy(payload, 0, img, pmStart + payloadOffset, payload.length);
        return img;
    }

    private static String refusal(byte[] img) {
        try {
            KernelImage.parse("vmlinuz", img);
        } catch (BadImageException e) {
            return e.getMessage();
        }
        throw new AssertionError("image was accepted");
    }

    @ParameterizedTest
    @ValueSource(strings = {"gzip", "bzip2", "xz", "lzma", "lzo", "lz4", "zstd"})
    void everyKernelCompressionLoads(String format) throws Exception {
        byte[] elf = kernelElf();
        KernelImage k = KernelImage.parse("vmlinuz", bzImage(payload(format), 27, 0x020f));
        assertThat(k.container()).isEqualTo("bzImage (" + format + ")");
        assertThat(k.elf()).isEqualTo(elf);
        assertThat(k.entry()).isEqualTo(KernelImageTest.VIRT_BASE + 0x200040);
        assertThat(k.notes().guestOs()).isEqualTo("linux");
    }

    @ParameterizedTest
    @ValueSource(strings = {"gzip", "bzip2", "xz", "lzma", "lzo", "lz4", "zstd"})
    void truncatedCompressedStreamIsRefused(String format) throws Exception {
        byte[] elf = kernelElf();
        byte[] full = payload(format);
        // Cut the compressed stream in the middle but keep a size trailer, as a damaged file would.
        byte[] cut = Arrays.copyOf(full, full.length / 2 + 4);
        System.arraycopy(full, full.length - 4, cut, cut.length - 4, 4);
        String msg = refusal(bzImage(cut, 27, 0x020f));
        assertThat(msg).isEqualTo("vmlinuz: truncated " + format + " payload: the compressed stream ends early");
    }

    @ParameterizedTest
    @ValueSource(strings = {"bzip2", "xz", "lzma", "lzo", "lz4", "zstd"})
    void wrongSizeFieldIsRefused(String format) throws Exception {
        byte[] elf = kernelElf();
        byte[] p = payload(format);
        System.arraycopy(TestElf.le(elf.length + 100, 4), 0, p, p.length - 4, 4);
        assertThat(refusal(bzImage(p, 27, 0x020f)))
                .contains(format).contains("but its size field says " + (elf.length + 100));
    }

    @ParameterizedTest
    @ValueSource(strings = {"gzip", "xz", "zstd"})
    void corruptCompressedStreamIsRefused(String format) throws Exception {
        byte[] p = payload(format);
        for (int i = p.length / 3; i < p.length / 3 + 64; i++) {
            p[i] ^= 0x5a;
        }
        assertThat(refusal(bzImage(p, 27, 0x020f))).startsWith("vmlinuz: corrupt " + format + " payload: ");
    }

    @Test
    void payloadRunningPastTheFileIsRefused() throws Exception {
        byte[] img = bzImage(payload("xz"), 27, 0x020f);
        byte[] cut = Arrays.copyOf(img, img.length - 5000);
        assertThat(refusal(cut)).startsWith("vmlinuz: truncated bzImage: payload of ").contains("runs past the end of the file");
    }

    @Test
    void setupSectsZeroMeansFour() throws Exception {
        byte[] elf = kernelElf();
        byte[] img = bzImage(payload("gzip"), 4, 0x020f);
        img[0x1f1] = 0;
        assertThat(KernelImage.parse("vmlinuz", img).elf()).isEqualTo(elf);
    }

    @Test
    void oldBootProtocolIsRefused() throws Exception {
        assertThat(refusal(bzImage(payload("gzip"), 27, 0x0207)))
                .isEqualTo("vmlinuz: bzImage boot protocol 2.07 is too old (Xen needs 2.08, which carries the ELF payload)");
    }

    @Test
    void unknownCompressionIsRefused() {
        byte[] p = new byte[64];
        Arrays.fill(p, (byte) 0x42);
        assertThat(refusal(bzImage(p, 27, 0x020f))).isEqualTo("vmlinuz: bzImage payload has an unknown compression format");
    }

    @Test
    void payloadThatIsNotElfIsRefused() throws Exception {
        byte[] notElf = new byte[5000];
        assertThat(refusal(bzImage(compress("gzip", notElf), 27, 0x020f)))
                .isEqualTo("vmlinuz: bzImage payload is not an ELF vmlinux (not a Xen-capable kernel)");
    }
}
