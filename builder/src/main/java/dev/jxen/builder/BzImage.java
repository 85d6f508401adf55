package dev.jxen.builder;

import io.airlift.compress.v3.MalformedInputException;
import io.airlift.compress.v3.lzo.LzoDecompressor;
import io.airlift.compress.v3.zstd.ZstdDecompressor;
import io.airlift.compress.v3.zstd.ZstdJavaDecompressor;
import io.airlift.compress.v3.zstd.ZstdNativeDecompressor;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorInputStream;
import org.apache.commons.compress.compressors.lz4.BlockLZ4CompressorInputStream;
import org.tukaani.xz.LZMAInputStream;
import org.tukaani.xz.XZInputStream;

/**
 * Linux bzImage containers (boot protocol 2.08+, {@code Documentation/x86/boot.rst}): finds the
 * compressed vmlinux payload after the real-mode setup sectors and decompresses it. The kernel build
 * appends the uncompressed size (u32 LE) to every payload except gzip's, whose own trailer (ISIZE)
 * sits in the same place; Xen's loader checks the result against it, and so does this one.
 */
final class BzImage {
    private static final int HEADER_END = 0x250;
    /** Largest decompressed kernel accepted (Xen's XC_DOM_DECOMPRESS_MAX is 1 GiB). */
    static final long MAX_KERNEL = 1L << 30;
    private static final int LZ4_LEGACY_MAGIC = 0x184C2102;
    private static final int LZ4_LEGACY_BLOCK = 8 << 20;
    /** How the libraries word a stream that stops before its end. */
    private static final java.util.regex.Pattern ENDS_EARLY =
            java.util.regex.Pattern.compile("(?i)unexpected end|not enough input|premature|truncated|src size is incorrect");

    private BzImage() {
    }

    static boolean isBzImage(byte[] d) {
        return d.length >= 0x206 && d[0x202] == 'H' && d[0x203] == 'd' && d[0x204] == 'r' && d[0x205] == 'S';
    }

    /** A decompressed payload and the compression it had. */
    record Payload(String format, byte[] data) {
    }

    /** Extracts and decompresses the payload of the bzImage {@code d}. */
    static Payload payload(String file, byte[] d) throws BadImageException {
        if (d.length < HEADER_END) {
            throw new BadImageException(file, "truncated bzImage header (" + d.length + " bytes)");
        }
        int version = u16(d, 0x206);
        if (version < 0x0208) {
            throw new BadImageException(file, String.format(
                    "bzImage boot protocol %d.%02d is too old (Xen needs 2.08, which carries the ELF payload)",
                    version >> 8, version & 0xff));
        }
        int setupSects = d[0x1f1] & 0xff;
        if (setupSects == 0) {
            setupSects = 4;
        }
        long offset = (setupSects + 1L) * 512 + u32(d, 0x248);
        long length = u32(d, 0x24c);
        if (offset >= d.length) {
            throw new BadImageException(file, "truncated bzImage: payload offset 0x" + Long.toHexString(offset)
                    + " is past the end of the file (" + d.length + " bytes)");
        }
        if (offset + length > d.length) {
            throw new BadImageException(file, "truncated bzImage: payload of " + length + " bytes at 0x"
                    + Long.toHexString(offset) + " runs past the end of the file (" + d.length + " bytes)");
        }
        return new Payload(format(d, (int) offset, (int) length), decompress(file, d, (int) offset, (int) length));
    }

    /** The compression of a payload, by its magic; null when unknown. */
    static String format(byte[] d, int off, int len) {
        if (starts(d, off, len, 0x1f, 0x8b)) {
            return "gzip";
        }
        if (starts(d, off, len, 'B', 'Z', 'h')) {
            return "bzip2";
        }
        if (starts(d, off, len, 0xfd, '7', 'z', 'X', 'Z', 0)) {
            return "xz";
        }
        if (starts(d, off, len, 0x28, 0xb5, 0x2f, 0xfd)) {
            return "zstd";
        }
        if (starts(d, off, len, 0x5d, 0)) {
            return "lzma";
        }
        if (starts(d, off, len, 0x89, 'L', 'Z', 'O', 0)) {
            return "lzo";
        }
        if (starts(d, off, len, 0x02, 0x21)) {
            return "lz4";
        }
        return null;
    }

    static byte[] decompress(String file, byte[] d, int off, int len) throws BadImageException {
        String fmt = format(d, off, len);
        if (fmt == null) {
            throw new BadImageException(file, "bzImage payload has an unknown compression format");
        }
        if (len < 8) {
            throw new BadImageException(file, "truncated " + fmt + " payload (" + len + " bytes)");
        }
        long size = u32(d, off + len - 4);
        if (size > MAX_KERNEL) {
            throw new BadImageException(file, fmt + " payload claims " + size + " bytes uncompressed, more than the 1 GiB limit");
        }
        byte[] out = new byte[(int) size];
        // gzip's trailer is part of its stream; the others have the size appended after theirs.
        int inLen = fmt.equals("gzip") ? len : len - 4;
        int got;
        try {
            got = switch (fmt) {
                case "gzip" -> readAll(new GZIPInputStream(new ByteArrayInputStream(d, off, inLen), 65536), out);
                case "bzip2" -> readAll(new BZip2CompressorInputStream(new ByteArrayInputStream(d, off, inLen)), out);
                case "xz" -> readAll(new XZInputStream(new ByteArrayInputStream(d, off, inLen)), out);
                case "lzma" -> readAll(new LZMAInputStream(new ByteArrayInputStream(d, off, inLen)), out);
                case "zstd" -> zstd(d, off, inLen, out);
                case "lzo" -> lzop(d, off, inLen, out);
                case "lz4" -> lz4Legacy(d, off, inLen, out);
                default -> throw new IllegalStateException(fmt);
            };
        } catch (EOFException e) {
            throw new BadImageException(file, "truncated " + fmt + " payload: the compressed stream ends early", e);
        } catch (IOException | MalformedInputException | IllegalArgumentException | IndexOutOfBoundsException e) {
            String why = reason(e);
            if (ENDS_EARLY.matcher(why).find()) {
                throw new BadImageException(file, "truncated " + fmt + " payload: the compressed stream ends early", e);
            }
            throw new BadImageException(file, "corrupt " + fmt + " payload: " + why, e);
        }
        if (got != size) {
            throw new BadImageException(file, fmt + " payload decompressed to " + got + " bytes, but its size field says "
                    + size + " (truncated or wrong size)");
        }
        return out;
    }

    private static String reason(Throwable e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m.lines().findFirst().orElse(m);
    }

    /** Reads {@code in} into {@code out}; returns the byte count, or out.length+1 when there is more. */
    private static int readAll(InputStream in, byte[] out) throws IOException {
        try (in) {
            int n = 0;
            while (n < out.length) {
                int r = in.read(out, n, out.length - n);
                if (r < 0) {
                    return n;
                }
                n += r;
            }
            return in.read() < 0 ? n : n + 1;
        }
    }

    /**
     * The kernel's zstd payload ({@code zstd -22 --ultra} from a pipe: 128 MiB window, no content
     * size). aircompressor's Java decoder stops at 8 MiB windows, so its bundled libzstd is used when
     * it loads, the Java decoder otherwise.
     */
    private static int zstd(byte[] d, int off, int len, byte[] out) {
        ZstdDecompressor z = ZstdNativeDecompressor.isEnabled() ? new ZstdNativeDecompressor() : new ZstdJavaDecompressor();
        long declared = z.getDecompressedSize(d, off, len);
        if (declared >= 0 && declared != out.length) {
            return (int) Math.min(declared, Integer.MAX_VALUE);
        }
        return z.decompress(d, off, len, out, 0, out.length);
    }

    /**
     * The kernel's lz4 payload: the legacy LZ4 frame of {@code lz4 -l} (magic 0x184C2102, then blocks
     * of u32 LE compressed length + raw LZ4 block, each up to 8 MiB uncompressed; a repeated magic
     * starts a concatenated stream).
     */
    private static int lz4Legacy(byte[] d, int off, int len, byte[] out) throws IOException {
        int end = off + len;
        if (len < 4 || (int) u32(d, off) != LZ4_LEGACY_MAGIC) {
            throw new IOException("not a legacy LZ4 frame (magic 0x184C2102 expected)");
        }
        int p = off + 4;
        int n = 0;
        byte[] block = new byte[LZ4_LEGACY_BLOCK];
        while (p < end) {
            if (end - p < 4) {
                throw new EOFException();
            }
            long chunk = u32(d, p);
            p += 4;
            if (chunk == LZ4_LEGACY_MAGIC) {
                continue;
            }
            if (chunk > end - p) {
                throw new EOFException();
            }
            int got = readBlock(new BlockLZ4CompressorInputStream(new ByteArrayInputStream(d, p, (int) chunk)), block);
            if (got > out.length - n) {
                return out.length + 1;
            }
            System.arraycopy(block, 0, out, n, got);
            n += got;
            p += (int) chunk;
        }
        return n;
    }

    private static int readBlock(InputStream in, byte[] block) throws IOException {
        try (in) {
            int n = 0;
            while (n < block.length) {
                int r = in.read(block, n, block.length - n);
                if (r < 0) {
                    return n;
                }
                n += r;
            }
            if (in.read() >= 0) {
                throw new IOException("LZ4 block larger than 8 MiB");
            }
            return n;
        }
    }

    /**
     * The kernel's lzo payload: an lzop file (big-endian header, then blocks of uncompressed length,
     * compressed length, optional checksums and LZO1X data; a zero length ends it). A block whose
     * compressed length equals its length is stored as is.
     */
    private static int lzop(byte[] d, int off, int len, byte[] out) throws IOException {
        int end = off + len;
        int p = off + 9;
        need(p, 7, end);
        int version = be16(d, p);
        p += 2 + 2; // version, library version
        if (version >= 0x0940) {
            p += 2; // version needed to extract
        }
        need(p, 1, end);
        p += 1; // method
        if (version >= 0x0940) {
            p += 1; // level
        }
        need(p, 4, end);
        long flags = be32(d, p);
        p += 4;
        if ((flags & 0x800) != 0) {
            p += 4; // filter
        }
        p += 8; // mode, mtime low
        if (version >= 0x0940) {
            p += 4; // mtime high
        }
        need(p, 1, end);
        p += 1 + (d[p] & 0xff) + 4; // file name, header checksum
        boolean checkD = (flags & 0x101) != 0; // ADLER32_D | CRC32_D
        boolean checkC = (flags & 0x202) != 0; // ADLER32_C | CRC32_C
        LzoDecompressor lzo = new LzoDecompressor();
        int n = 0;
        while (true) {
            need(p, 4, end);
            long dst = be32(d, p);
            p += 4;
            if (dst == 0) {
                return n;
            }
            need(p, 4, end);
            long src = be32(d, p);
            p += 4;
            if (checkD) {
                p += 4;
            }
            if (checkC && src < dst) {
                p += 4;
            }
            if (dst > out.length - n) {
                return out.length + 1;
            }
            if (src == 0 || src > dst) {
                throw new IOException("bad lzop block lengths (" + src + " > " + dst + ")");
            }
            need(p, (int) src, end);
            if (src == dst) {
                System.arraycopy(d, p, out, n, (int) dst);
            } else {
                int got = lzo.decompress(d, p, (int) src, out, n, (int) dst);
                if (got != dst) {
                    throw new IOException("lzop block decompressed to " + got + " bytes instead of " + dst);
                }
            }
            n += (int) dst;
            p += (int) src;
        }
    }

    private static void need(int p, int n, int end) throws EOFException {
        if (p < 0 || n > end - p) {
            throw new EOFException();
        }
    }

    private static boolean starts(byte[] d, int off, int len, int... magic) {
        if (len < magic.length) {
            return false;
        }
        for (int i = 0; i < magic.length; i++) {
            if ((d[off + i] & 0xff) != magic[i]) {
                return false;
            }
        }
        return true;
    }

    static int u16(byte[] d, int off) {
        return (d[off] & 0xff) | (d[off + 1] & 0xff) << 8;
    }

    static long u32(byte[] d, int off) {
        return (d[off] & 0xffL) | (d[off + 1] & 0xffL) << 8 | (d[off + 2] & 0xffL) << 16 | (d[off + 3] & 0xffL) << 24;
    }

    private static int be16(byte[] d, int off) {
        return (d[off] & 0xff) << 8 | (d[off + 1] & 0xff);
    }

    private static long be32(byte[] d, int off) {
        return (d[off] & 0xffL) << 24 | (d[off + 1] & 0xffL) << 16 | (d[off + 2] & 0xffL) << 8 | (d[off + 3] & 0xffL);
    }
}
