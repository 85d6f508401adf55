package dev.jxen.builder;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.zip.GZIPInputStream;

/**
 * A 64-bit PV kernel ready to be laid out: its loadable segments, its Xen parameters and its symbols.
 * {@link #load(Path)} accepts an ELF64 x86-64 file, a gzip-compressed one (as Xen's loader does) or
 * a Linux bzImage whose payload is compressed with gzip, bzip2, xz, lzma, lzo, lz4 or zstd, and
 * refuses anything else with a {@link BadImageException} naming the file and one reason.
 */
public final class KernelImage {
    /** One PT_LOAD segment: {@code filesz} bytes of the ELF at {@code offset} go to {@code paddr}. */
    public record Segment(long paddr, long vaddr, long offset, long filesz, long memsz) {
    }

    private final String file;
    private final byte[] elf;
    private final XenNotes notes;
    private final List<Segment> segments;
    private final long pstart;
    private final long pend;
    private final long kstart;
    private final long kend;
    private final NavigableMap<Long, String> symbols;
    private final String container;

    private KernelImage(String file, byte[] elf, XenNotes notes, List<Segment> segments, long pstart, long pend,
                        NavigableMap<Long, String> symbols, String container) {
        this.file = file;
        this.elf = elf;
        this.notes = notes;
        this.segments = segments;
        this.pstart = pstart;
        this.pend = pend;
        long virtOffset = notes.virtBase() - notes.paddrOffset();
        this.kstart = pstart + virtOffset;
        this.kend = pend + virtOffset;
        this.symbols = symbols;
        this.container = container;
    }

    /** Reads and checks the kernel file {@code path}. */
    public static KernelImage load(Path path) throws BadImageException {
        String file = path.toString();
        byte[] data;
        try {
            if (Files.isDirectory(path)) {
                throw new BadImageException(file, "is a directory, not a kernel image");
            }
            long size = Files.size(path);
            if (size > BzImage.MAX_KERNEL) {
                throw new BadImageException(file, "too large for a kernel image (" + size + " bytes, the limit is 1 GiB)");
            }
            data = Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            throw new BadImageException(file, "no such file");
        } catch (AccessDeniedException e) {
            throw new BadImageException(file, "permission denied");
        } catch (IOException e) {
            throw new BadImageException(file, "cannot be read: " + e.getMessage(), e);
        } catch (OutOfMemoryError e) {
            throw new BadImageException(file, "too large to load");
        }
        return parse(file, data);
    }

    /** Checks the image bytes {@code data}; {@code file} names it in errors. */
    public static KernelImage parse(String file, byte[] data) throws BadImageException {
        if (data.length == 0) {
            throw new BadImageException(file, "empty file, not a kernel image");
        }
        String container = "ELF";
        byte[] image = data;
        if (BzImage.isBzImage(data)) {
            BzImage.Payload payload = BzImage.payload(file, data);
            image = payload.data();
            container = "bzImage (" + payload.format() + ")";
            if (!Elf64.isElf(image)) {
                throw new BadImageException(file, "bzImage payload is not an ELF vmlinux (not a Xen-capable kernel)");
            }
        } else if (data.length >= 2 && (data[0] & 0xff) == 0x1f && (data[1] & 0xff) == 0x8b) {
            image = gunzip(file, data);
            container = "gzip";
        }
        if (!Elf64.isElf(image)) {
            if (looksLikeText(image)) {
                throw new BadImageException(file, "is a text file, not a kernel image (expected an ELF or a bzImage)");
            }
            throw new BadImageException(file, "not a kernel image: neither ELF nor bzImage");
        }
        Elf64 e = Elf64.parse(file, image);
        XenNotes notes = XenNoteParser.parse(e);
        List<Segment> segs = new ArrayList<>();
        long low = -1;
        long high = 0;
        for (int i = 0; i < e.phnum; i++) {
            if (!e.loadable(i)) {
                continue;
            }
            Segment s = new Segment(e.pPaddr(i), e.pVaddr(i), e.pOffset(i), e.pFilesz(i), e.pMemsz(i));
            if (!e.fits(s.offset(), s.filesz())) {
                throw new BadImageException(file, "truncated ELF: segment " + i + " (" + s.filesz() + " bytes at 0x"
                        + Long.toHexString(s.offset()) + ") extends past the end of the file (" + image.length + " bytes)");
            }
            if (Long.compareUnsigned(s.filesz(), s.memsz()) > 0) {
                throw new BadImageException(file, "malformed ELF: segment " + i + " has more file bytes than memory bytes");
            }
            segs.add(s);
            if (Long.compareUnsigned(s.paddr(), low) < 0) {
                low = s.paddr();
            }
            if (Long.compareUnsigned(s.paddr() + s.memsz(), high) > 0) {
                high = s.paddr() + s.memsz();
            }
        }
        if (segs.isEmpty()) {
            throw new BadImageException(file, "ELF has no loadable segments");
        }
        KernelImage k = new KernelImage(file, image, notes, List.copyOf(segs), low, high, symbols(e), container);
        k.checkAddresses();
        return k;
    }

    /** Xen's elf_xen_addr_calc_check: VIRT_BASE <= kstart <= entry <= kend, INIT_P2M outside the kernel. */
    private void checkAddresses() throws BadImageException {
        long entry = notes.entry();
        if (Long.compareUnsigned(kstart, kend) > 0 || Long.compareUnsigned(entry, kstart) < 0
                || Long.compareUnsigned(entry, kend) > 0 || Long.compareUnsigned(notes.virtBase(), kstart) > 0) {
            throw new BadImageException(file, String.format(
                    "ELF start or entry out of bounds (VIRT_BASE %#x, kernel %#x-%#x, entry %#x)",
                    notes.virtBase(), kstart, kend, entry));
        }
        long p2m = notes.initP2m();
        if (p2m != XenNotes.UNSET && Long.compareUnsigned(p2m, kstart) >= 0 && Long.compareUnsigned(p2m, kend) < 0) {
            throw new BadImageException(file, String.format("INIT_P2M %#x lies inside the kernel (%#x-%#x)", p2m, kstart, kend));
        }
    }

    private static byte[] gunzip(String file, byte[] data) throws BadImageException {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(data), 65536)) {
            return in.readNBytes((int) BzImage.MAX_KERNEL);
        } catch (IOException e) {
            throw new BadImageException(file, "corrupt or truncated gzip-compressed kernel: " + e.getMessage(), e);
        }
    }

    private static boolean looksLikeText(byte[] d) {
        int n = Math.min(d.length, 4096);
        for (int i = 0; i < n; i++) {
            int c = d[i] & 0xff;
            if (c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f') {
                return false;
            }
            if (c == 0x7f) {
                return false;
            }
        }
        return true;
    }

    /**
     * Function symbols of {@code .symtab} (STT_FUNC, plus untyped symbols in executable sections, which
     * is how assembly entry points appear), address to name, for crash reports. Empty when stripped.
     */
    private static NavigableMap<Long, String> symbols(Elf64 e) {
        TreeMap<Long, String> map = new TreeMap<>(Long::compareUnsigned);
        Set<Long> functions = new HashSet<>();
        for (int i = 1; i < e.shnum; i++) {
            if (e.shType(i) != Elf64.SHT_SYMTAB) {
                continue;
            }
            int str = e.shLink(i);
            if (str <= 0 || str >= e.shnum) {
                continue;
            }
            long soff = e.shOffset(i);
            long ssize = e.shSize(i);
            long toff = e.shOffset(str);
            long tsize = e.shSize(str);
            if (!e.fits(soff, ssize) || !e.fits(toff, tsize)) {
                continue;
            }
            for (long p = soff + 24; p + 24 <= soff + ssize; p += 24) {
                long name = e.u32(p);
                int info = e.u8(p + 4);
                int shndx = e.u16(p + 6);
                long value = e.u64(p + 8);
                int type = info & 0xf;
                if (name == 0 || name >= tsize || shndx == 0 || shndx >= 0xff00) {
                    continue;
                }
                boolean func = type == 2;
                boolean codeLabel = type == 0 && shndx < e.shnum && (e.shFlags(shndx) & Elf64.SHF_EXECINSTR) != 0;
                if (!func && !codeLabel) {
                    continue;
                }
                String n = e.cString(toff + name, toff + tsize);
                if (n.isEmpty() || n.startsWith(".L")) {
                    continue;
                }
                // A function name wins over an untyped label at the same address.
                if (func && functions.add(value)) {
                    map.put(value, n);
                } else {
                    map.putIfAbsent(value, n);
                }
            }
        }
        return Collections.unmodifiableNavigableMap(map);
    }

    /** The file this image was read from. */
    public String file() {
        return file;
    }

    /** The ELF vmlinux bytes (the decompressed payload for a bzImage). */
    byte[] elf() {
        return elf;
    }

    /** "ELF", "gzip" or "bzImage (xz)" and so on: what the file was. */
    public String container() {
        return container;
    }

    public XenNotes notes() {
        return notes;
    }

    public List<Segment> segments() {
        return segments;
    }

    /** Lowest p_paddr of the loadable segments. */
    public long pstart() {
        return pstart;
    }

    /** Highest p_paddr + p_memsz of the loadable segments. */
    public long pend() {
        return pend;
    }

    /** VA where the kernel image starts ({@code pstart + VIRT_BASE - PADDR_OFFSET}). */
    public long kernelStart() {
        return kstart;
    }

    /** VA where the kernel image ends. */
    public long kernelEnd() {
        return kend;
    }

    public long entry() {
        return notes.entry();
    }

    public long virtBase() {
        return notes.virtBase();
    }

    /** Function symbols, address to name (unsigned order); empty when the image has none. */
    public NavigableMap<Long, String> symbols() {
        return symbols;
    }

    @Override
    public String toString() {
        return String.format("%s: %s, %s %s, entry %#x, kernel %#x-%#x, notes from %s", file, container,
                notes.guestOs(), notes.guestVersion(), notes.entry(), kstart, kend, notes.source());
    }
}
