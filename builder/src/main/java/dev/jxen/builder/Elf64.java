package dev.jxen.builder;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * A checked view of a little-endian ELF64 file held in memory: headers, program and section header
 * tables, with every offset checked against the file size before use. Errors are reported as
 * {@link BadImageException} naming the file.
 */
final class Elf64 {
    static final int PT_LOAD = 1;
    static final int PT_NOTE = 4;
    static final int SHT_SYMTAB = 2;
    static final int SHT_NOTE = 7;
    static final int SHF_EXECINSTR = 4;
    static final int EM_X86_64 = 62;
    private static final int PF_RWX = 7;

    final String file;
    final byte[] data;
    private final ByteBuffer buf;
    final long entry;
    final int machine;
    private final long phoff;
    private final int phentsize;
    final int phnum;
    private final long shoff;
    private final int shentsize;
    final int shnum;
    private final int shstrndx;

    private Elf64(String file, byte[] data) throws BadImageException {
        this.file = file;
        this.data = data;
        this.buf = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        if (data.length < 64) {
            throw new BadImageException(file, "truncated ELF header (" + data.length + " bytes)");
        }
        machine = u16(18);
        entry = buf.getLong(24);
        phoff = buf.getLong(32);
        shoff = buf.getLong(40);
        phentsize = u16(54);
        phnum = u16(56);
        shentsize = u16(58);
        shnum = u16(60);
        shstrndx = u16(62);
        if (phnum > 0 && (phentsize < 56 || !fits(phoff, (long) phentsize * phnum))) {
            throw new BadImageException(file, "truncated ELF: program headers extend past the end of the file");
        }
        if (shnum > 0 && (shentsize < 64 || !fits(shoff, (long) shentsize * shnum))) {
            throw new BadImageException(file, "truncated ELF: section headers extend past the end of the file");
        }
    }

    static boolean isElf(byte[] d) {
        return d.length >= 4 && d[0] == 0x7f && d[1] == 'E' && d[2] == 'L' && d[3] == 'F';
    }

    /** Parses {@code data} as a 64-bit x86 ELF, refusing other classes, byte orders and machines. */
    static Elf64 parse(String file, byte[] data) throws BadImageException {
        if (data.length < 20) {
            throw new BadImageException(file, "truncated ELF header (" + data.length + " bytes)");
        }
        int cls = data[4];
        int order = data[5];
        int mach = (data[18] & 0xff) | (data[19] & 0xff) << 8;
        if (order == 2) {
            mach = (data[19] & 0xff) | (data[18] & 0xff) << 8;
        }
        if (cls == 1) {
            if (mach == 3) {
                throw new BadImageException(file, "32-bit PV guests are not supported (ELF32 i386 kernel)");
            }
            throw new BadImageException(file, "32-bit ELF for " + machineName(mach) + "; jxen runs 64-bit x86 PV guests only");
        }
        if (cls != 2) {
            throw new BadImageException(file, "not a valid ELF file (class " + cls + ")");
        }
        if (mach != EM_X86_64) {
            throw new BadImageException(file, "ELF for " + machineName(mach) + ", not x86-64");
        }
        if (order != 1) {
            throw new BadImageException(file, "big-endian ELF; x86-64 kernels are little-endian");
        }
        return new Elf64(file, data);
    }

    static String machineName(int m) {
        return switch (m) {
            case 3 -> "i386";
            case 8 -> "MIPS";
            case 20 -> "PowerPC";
            case 21 -> "PowerPC64";
            case 22 -> "S/390";
            case 40 -> "ARM";
            case 62 -> "x86-64";
            case 183 -> "AArch64";
            case 243 -> "RISC-V";
            case 258 -> "LoongArch";
            default -> "machine " + m;
        } + " (e_machine " + m + ")";
    }

    boolean fits(long off, long len) {
        return off >= 0 && len >= 0 && off <= data.length && len <= data.length - off;
    }

    int u8(long off) {
        return data[(int) off] & 0xff;
    }

    int u16(long off) {
        return buf.getShort((int) off) & 0xffff;
    }

    long u32(long off) {
        return buf.getInt((int) off) & 0xffffffffL;
    }

    long u64(long off) {
        return buf.getLong((int) off);
    }

    /** An unsigned little-endian value of 1, 2, 4 or 8 bytes (Xen's numeric note rule); 0 for other sizes. */
    long unsigned(long off, long size) {
        return switch ((int) size) {
            case 1 -> u8(off);
            case 2 -> u16(off);
            case 4 -> u32(off);
            case 8 -> u64(off);
            default -> 0;
        };
    }

    /** A NUL-terminated string starting at {@code off}, read at most up to {@code limit}. */
    String cString(long off, long limit) {
        long end = Math.min(limit, data.length);
        long p = off;
        while (p < end && data[(int) p] != 0) {
            p++;
        }
        return new String(data, (int) off, (int) (p - off), StandardCharsets.ISO_8859_1);
    }

    // Program header fields.
    long ph(int i) {
        return phoff + (long) i * phentsize;
    }

    int pType(int i) {
        return (int) u32(ph(i));
    }

    int pFlags(int i) {
        return (int) u32(ph(i) + 4);
    }

    long pOffset(int i) {
        return u64(ph(i) + 8);
    }

    long pVaddr(int i) {
        return u64(ph(i) + 16);
    }

    long pPaddr(int i) {
        return u64(ph(i) + 24);
    }

    long pFilesz(int i) {
        return u64(ph(i) + 32);
    }

    long pMemsz(int i) {
        return u64(ph(i) + 40);
    }

    /** Xen loads PT_LOAD segments that have at least one of R, W, X. */
    boolean loadable(int i) {
        return pType(i) == PT_LOAD && (pFlags(i) & PF_RWX) != 0;
    }

    // Section header fields.
    long sh(int i) {
        return shoff + (long) i * shentsize;
    }

    long shName(int i) {
        return u32(sh(i));
    }

    int shType(int i) {
        return (int) u32(sh(i) + 4);
    }

    long shFlags(int i) {
        return u64(sh(i) + 8);
    }

    long shOffset(int i) {
        return u64(sh(i) + 24);
    }

    long shSize(int i) {
        return u64(sh(i) + 32);
    }

    int shLink(int i) {
        return (int) u32(sh(i) + 40);
    }

    /** The name of section {@code i} from the section-name string table, or "" when there is none. */
    String sectionName(int i) {
        if (shstrndx == 0 || shstrndx >= shnum) {
            return "";
        }
        long base = shOffset(shstrndx);
        long size = shSize(shstrndx);
        long off = shName(i);
        if (!fits(base, size) || off >= size) {
            return "";
        }
        return cString(base + off, base + size);
    }

    /** Index of the first section named {@code name}, or -1. */
    int sectionByName(String name) {
        for (int i = 1; i < shnum; i++) {
            if (name.equals(sectionName(i))) {
                return i;
            }
        }
        return -1;
    }
}
