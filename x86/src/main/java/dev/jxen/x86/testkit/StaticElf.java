package dev.jxen.x86.testkit;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * A statically linked x86-64 ELF executable as {@link ProgramRunner} loads it: its entry point,
 * its {@code PT_LOAD} segments and where its program headers lie in memory (static glibc finds its
 * TLS segment through them, via the auxiliary vector). Only non-PIE static executables are accepted
 * (freestanding or linked with {@code gcc -static -no-pie}); anything else is rejected with a
 * reason a user can act on.
 *
 * @param phdrAddress the program headers' address once loaded, 0 when no segment holds them
 */
public record StaticElf(long entry, List<Segment> segments, long phdrAddress, int phentSize, int phnum) {
    /** One {@code PT_LOAD} segment: {@code fileBytes} at {@code vaddr}, zero-filled up to {@code memSize}. */
    public record Segment(long vaddr, byte[] fileBytes, long memSize, boolean executable) {
    }

    /** The file is not a program the runner can load; the message says why, in a few words. */
    public static final class InvalidElfException extends Exception {
        private static final long serialVersionUID = 1L;

        public InvalidElfException(String reason) {
            super(reason, null, false, false);
        }
    }

    private static final int PT_LOAD = 1, PT_DYNAMIC = 2, PT_INTERP = 3, PT_PHDR = 6;
    private static final int ET_EXEC = 2, ET_DYN = 3;
    private static final int EM_X86_64 = 62;
    private static final int PF_X = 1;

    /** Parses {@code image}, accepting only ELF64 little-endian x86-64 static executables. */
    public static StaticElf parse(byte[] image) throws InvalidElfException {
        if (image.length < 4 || image[0] != 0x7F || image[1] != 'E' || image[2] != 'L' || image[3] != 'F') {
            throw new InvalidElfException("not an ELF file");
        }
        if (image.length < 64) {
            throw new InvalidElfException("truncated ELF header");
        }
        if (image[4] != 2) {
            throw new InvalidElfException("not a 64-bit ELF file (ELFCLASS" + (image[4] == 1 ? "32" : "NONE") + ")");
        }
        if (image[5] != 1) {
            throw new InvalidElfException("not a little-endian ELF file");
        }
        ByteBuffer b = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
        int type = Short.toUnsignedInt(b.getShort(16));
        int machine = Short.toUnsignedInt(b.getShort(18));
        if (machine != EM_X86_64) {
            throw new InvalidElfException("not an x86-64 program (ELF machine " + machine + ")");
        }
        if (type == ET_DYN) {
            throw new InvalidElfException("position-independent executables are not supported (link with -static -no-pie)");
        }
        if (type != ET_EXEC) {
            throw new InvalidElfException("not an executable (ELF type " + type + ")");
        }
        long entry = b.getLong(24);
        long phoff = b.getLong(32);
        int phentsize = Short.toUnsignedInt(b.getShort(54));
        int phnum = Short.toUnsignedInt(b.getShort(56));
        if (phnum == 0 || phentsize < 56 || phoff < 0 || phoff + (long) phnum * phentsize > image.length) {
            throw new InvalidElfException("bad program header table");
        }
        List<Segment> segments = new ArrayList<>();
        long phdrAddress = 0;
        for (int i = 0; i < phnum; i++) {
            int at = (int) (phoff + (long) i * phentsize);
            int ptype = b.getInt(at);
            if (ptype == PT_INTERP || ptype == PT_DYNAMIC) {
                throw new InvalidElfException("dynamically linked programs are not supported (link with -static -no-pie)");
            }
            if (ptype == PT_PHDR) {
                phdrAddress = b.getLong(at + 16);
            }
            if (ptype != PT_LOAD) {
                continue;
            }
            int flags = b.getInt(at + 4);
            long offset = b.getLong(at + 8);
            long vaddr = b.getLong(at + 16);
            long fileSize = b.getLong(at + 32);
            long memSize = b.getLong(at + 40);
            if (offset < 0 || fileSize < 0 || offset + fileSize > image.length || memSize < fileSize) {
                throw new InvalidElfException("segment " + i + " lies outside the file");
            }
            byte[] bytes = new byte[(int) fileSize];
            System.arraycopy(image, (int) offset, bytes, 0, bytes.length);
            segments.add(new Segment(vaddr, bytes, memSize, (flags & PF_X) != 0));
            if (phdrAddress == 0 && phoff >= offset && phoff + (long) phnum * phentsize <= offset + fileSize) {
                phdrAddress = vaddr + (phoff - offset);
            }
        }
        if (segments.isEmpty()) {
            throw new InvalidElfException("no loadable segments");
        }
        return new StaticElf(entry, List.copyOf(segments), phdrAddress, phentsize, phnum);
    }
}
