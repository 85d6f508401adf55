package dev.jxen.x86;

/**
 * The integer instructions of the 0F map: CMOVcc, SETcc, MOVZX/MOVSX, BT/BTS/BTR/BTC, bit scans and
 * counts, SHLD/SHRD, IMUL r,r/m, CMPXCHG/CMPXCHG8B/16B, XADD, BSWAP, and MOVBE/CRC32 for the 0F38
 * map. Flags that the manuals leave undefined are set as the Intel host sets them where that is
 * known (see SystemOpsTest), so differential runs agree without masking.
 */
final class BitOps {
    static final int BT = 0, BTS = 1, BTR = 2, BTC = 3;

    private BitOps() {
    }

    // ---------------------------------------------------------------- flag helpers

    /** Replaces CF, keeping the other arithmetic flags (what BT* do on the host). */
    static void setCf(X86Cpu c, long cf) {
        long f = Flags.arith(c);
        Flags.setArith(c, (f & ~Flags.CF) | (cf & 1));
    }

    /** Replaces ZF, keeping the other arithmetic flags. */
    static void setZf(X86Cpu c, boolean zf) {
        long f = Flags.arith(c);
        Flags.setArith(c, (f & ~Flags.ZF) | (zf ? Flags.ZF : 0));
    }

    // ---------------------------------------------------------------- moves

    static int cmov(X86Cpu c, int cc) {
        int s = c.opSize();
        long v = c.readRm(s); // the source is read (and may fault) whatever the condition
        int r = c.modrmReg();
        if (Flags.condition(c, cc)) {
            c.setReg(s, r, v);
        } else if (s == X86Cpu.S32) {
            c.gpr[r] &= 0xFFFF_FFFFL; // a 32-bit destination is zero-extended even when not moved
        }
        return Interpreter.CONTINUE;
    }

    static int setcc(X86Cpu c, int cc) {
        c.writeRm(X86Cpu.S8, Flags.condition(c, cc) ? 1 : 0);
        return Interpreter.CONTINUE;
    }

    /** MOVZX (0F B6/B7) and MOVSX (0F BE/BF): {@code srcSize} S8 or S16. */
    static int movx(X86Cpu c, int srcSize, boolean signed) {
        long v = c.readRm(srcSize);
        if (signed) {
            v = Flags.signExtend(v, srcSize);
        }
        c.setReg(c.opSize(), c.modrmReg(), v);
        return Interpreter.CONTINUE;
    }

    // ---------------------------------------------------------------- bit test

    private static long modify(long v, int bit, int kind) {
        return switch (kind) {
            case BTS -> v | (1L << bit);
            case BTR -> v & ~(1L << bit);
            case BTC -> v ^ (1L << bit);
            default -> v;
        };
    }

    /**
     * BT/BTS/BTR/BTC. With a register bit offset and a memory operand the offset is signed and
     * addresses memory beyond the operand, in operand-size units.
     */
    static int bitTest(X86Cpu c, int kind, boolean immediate) {
        int s = c.opSize();
        int bits = 8 << s;
        if (c.rmIsReg()) {
            long off = immediate ? c.imm : c.getReg(s, c.modrmReg());
            int bit = (int) off & (bits - 1);
            int rm = c.modrmRm();
            long v = c.getReg(s, rm);
            if (kind != BT) {
                c.setReg(s, rm, modify(v, bit, kind));
            }
            setCf(c, v >>> bit);
            return Interpreter.CONTINUE;
        }
        long addr;
        int bit;
        if (immediate) {
            addr = c.ea();
            bit = (int) c.imm & (bits - 1);
        } else {
            long off = Flags.signExtend(c.getReg(s, c.modrmReg()), s);
            bit = (int) off & (bits - 1);
            long delta = (off >> (s + 3)) << s;
            long savedDisp = c.disp;
            c.disp = savedDisp + delta; // the extra offset wraps with the address size like the displacement
            addr = c.ea();
            c.disp = savedDisp;
        }
        int size = 1 << s;
        if (kind != BT) {
            c.mmu.probeWrite(addr, size); // a read-modify-write faults as a write, even on its read
        }
        long v = c.mmu.read(addr, size);
        if (kind != BT) {
            c.mmu.write(addr, size, modify(v, bit, kind));
        }
        setCf(c, v >>> bit);
        return Interpreter.CONTINUE;
    }

    /** 0F BA: BT/BTS/BTR/BTC r/m, imm8 (/4../7). */
    static int group8(X86Cpu c) {
        int r = c.modrmReg() & 7;
        if (r < 4) {
            throw c.fault(Vectors.UD);
        }
        return bitTest(c, r - 4, true);
    }

    // ---------------------------------------------------------------- scans and counts

    /** BSF/BSR: the destination is unchanged when the source is 0 (ZF=1); host flags: PF of the result, others clear. */
    static int bitScan(X86Cpu c, boolean reverse) {
        int s = c.opSize();
        long src = c.readRm(s);
        if (src == 0) {
            Flags.setArith(c, Flags.ZF | Flags.PF);
            return Interpreter.CONTINUE;
        }
        long r = reverse ? 63 - Long.numberOfLeadingZeros(src) : Long.numberOfTrailingZeros(src);
        c.setReg(s, c.modrmReg(), r);
        Flags.setArith(c, Flags.parity(r));
        return Interpreter.CONTINUE;
    }

    /** TZCNT (F3 0F BC) and LZCNT (F3 0F BD): CF = source was 0, ZF = result is 0. */
    static int countZeros(X86Cpu c, boolean leading) {
        int s = c.opSize();
        int bits = 8 << s;
        long src = c.readRm(s);
        long r;
        if (src == 0) {
            r = bits;
        } else if (leading) {
            r = Long.numberOfLeadingZeros(src) - (64 - bits);
        } else {
            r = Long.numberOfTrailingZeros(src);
        }
        c.setReg(s, c.modrmReg(), r);
        Flags.setArith(c, (src == 0 ? Flags.CF : 0) | (r == 0 ? Flags.ZF : 0));
        return Interpreter.CONTINUE;
    }

    static int popcnt(X86Cpu c) {
        int s = c.opSize();
        long src = c.readRm(s);
        c.setReg(s, c.modrmReg(), Long.bitCount(src));
        Flags.setArith(c, src == 0 ? Flags.ZF : 0);
        return Interpreter.CONTINUE;
    }

    // ---------------------------------------------------------------- double shifts

    /**
     * SHLD/SHRD by imm8 or CL. The count is masked to 5 bits (6 with REX.W); a 16-bit operand
     * shifted by more than 16 behaves as the host's dest:src:dest 48-bit rotate. OF is the
     * count-1 definition (sign change) for every count; AF is cleared.
     */
    static int shiftDouble(X86Cpu c, boolean left, boolean byCl) {
        int s = c.opSize();
        int count = (int) (byCl ? c.gpr[X86Cpu.RCX] : c.imm) & (s == X86Cpu.S64 ? 63 : 31);
        long src = c.getReg(s, c.modrmReg());
        boolean reg = c.rmIsReg();
        long addr = reg ? 0 : c.ea();
        if (!reg) {
            c.mmu.probeWrite(addr, 1 << s); // faults as a write, like every read-modify-write
        }
        long a = reg ? c.getReg(s, c.modrmRm()) : c.mmu.read(addr, 1 << s);
        if (count == 0) {
            if (reg) {
                c.setReg(s, c.modrmRm(), a); // still a write: zero-extends a 32-bit register
            }
            return Interpreter.CONTINUE;
        }
        long r;
        long cf;
        switch (s) {
            case X86Cpu.S16 -> {
                long big = (a << 32) | (src << 16) | a;
                if (left) {
                    r = (big << count) >>> 32;
                    cf = big >>> (48 - count);
                } else {
                    r = big >>> count;
                    cf = big >>> (count - 1);
                }
            }
            case X86Cpu.S32 -> {
                if (left) {
                    long big = (a << 32) | src;
                    r = (big << count) >>> 32;
                    cf = big >>> (64 - count);
                } else {
                    long big = (src << 32) | a;
                    r = big >>> count;
                    cf = big >>> (count - 1);
                }
            }
            default -> {
                if (left) {
                    r = (a << count) | (src >>> (64 - count));
                    cf = a >>> (64 - count);
                } else {
                    r = (a >>> count) | (src << (64 - count));
                    cf = a >>> (count - 1);
                }
            }
        }
        long mask = Flags.MASK[s];
        r &= mask;
        if (reg) {
            c.setReg(s, c.modrmRm(), r);
        } else {
            c.mmu.write(addr, 1 << s, r);
        }
        long sign = Flags.SIGN[s];
        long f = (cf & 1) | Flags.parity(r) | (r == 0 ? Flags.ZF : 0) | ((r & sign) != 0 ? Flags.SF : 0)
                | (((r ^ a) & sign) != 0 ? Flags.OF : 0);
        Flags.setArith(c, f);
        return Interpreter.CONTINUE;
    }

    // ---------------------------------------------------------------- multiply

    /** IMUL r, r/m (0F AF): CF=OF when the product does not fit the operand size. */
    static int imul(X86Cpu c) {
        int s = c.opSize();
        long b = c.readRm(s);
        int reg = c.modrmReg();
        long a = c.getReg(s, reg);
        long lo;
        boolean overflow;
        switch (s) {
            case X86Cpu.S16 -> {
                lo = (long) (short) a * (short) b;
                overflow = lo != (short) lo;
            }
            case X86Cpu.S32 -> {
                lo = (long) (int) a * (int) b;
                overflow = lo != (int) lo;
            }
            default -> {
                lo = a * b;
                overflow = Math.multiplyHigh(a, b) != (lo >> 63);
            }
        }
        c.setReg(s, reg, lo);
        Flags.set(c, Flags.MUL | s, 0, overflow ? 1 : 0, lo);
        return Interpreter.CONTINUE;
    }

    // ---------------------------------------------------------------- exchange

    /**
     * CMPXCHG r/m, r (0F B0 byte, B1). A memory destination is always written (with its own value
     * when the comparison fails), as the hardware's locked cycle does; a register destination is
     * left alone on failure, and the accumulator is only written on failure.
     */
    static int cmpxchg(X86Cpu c, int s) {
        long acc = c.getReg(s, X86Cpu.RAX);
        long src = c.getReg(s, c.modrmReg());
        long dest;
        boolean equal;
        if (c.rmIsReg()) {
            int rm = c.modrmRm();
            dest = c.getReg(s, rm);
            equal = acc == dest;
            if (equal) {
                c.setReg(s, rm, src);
            }
        } else {
            long addr = c.ea();
            int size = 1 << s;
            c.mmu.probeWrite(addr, size); // faults as a write, like every read-modify-write
            dest = c.mmu.read(addr, size);
            equal = acc == dest;
            c.mmu.write(addr, size, equal ? src : dest);
        }
        if (!equal) {
            c.setReg(s, X86Cpu.RAX, dest);
        }
        Flags.set(c, Flags.SUB | s, acc, dest, acc - dest);
        return Interpreter.CONTINUE;
    }

    /** XADD r/m, r (0F C0 byte, C1): the register gets the old destination, the destination the sum. */
    static int xadd(X86Cpu c, int s) {
        int reg = c.modrmReg();
        long src = c.getReg(s, reg);
        long dest;
        long sum;
        if (c.rmIsReg()) {
            int rm = c.modrmRm();
            dest = c.getReg(s, rm);
            sum = dest + src;
            c.setReg(s, reg, dest);
            c.setReg(s, rm, sum);
        } else {
            long addr = c.ea();
            int size = 1 << s;
            c.mmu.probeWrite(addr, size); // faults as a write, like every read-modify-write
            dest = c.mmu.read(addr, size);
            sum = dest + src;
            c.mmu.write(addr, size, sum);
            c.setReg(s, reg, dest);
        }
        Flags.set(c, Flags.ADD | s, dest, src, sum);
        return Interpreter.CONTINUE;
    }

    /** 0F C7 group 9: CMPXCHG8B/CMPXCHG16B m (/1); RDRAND/RDSEED/RDPID are not advertised. */
    static int group9(X86Cpu c) {
        if (c.rmIsReg() || (c.modrmReg() & 7) != 1) {
            throw c.fault(Vectors.UD);
        }
        long addr = c.ea();
        long[] g = c.gpr;
        if ((c.attr & Decoder.A_REXW) != 0) {
            if ((addr & 15) != 0) {
                throw c.fault(Vectors.GP, 0);
            }
            c.mmu.probeWrite(addr, 16); // a locked read-modify-write: faults as a write
            long lo = c.mmu.read64(addr);
            long hi = c.mmu.read64(addr + 8);
            boolean equal = lo == g[X86Cpu.RAX] && hi == g[X86Cpu.RDX];
            c.mmu.write64(addr, equal ? g[X86Cpu.RBX] : lo);
            c.mmu.write64(addr + 8, equal ? g[X86Cpu.RCX] : hi);
            if (!equal) {
                g[X86Cpu.RAX] = lo;
                g[X86Cpu.RDX] = hi;
            }
            setZf(c, equal);
        } else {
            c.mmu.probeWrite(addr, 8);
            long m = c.mmu.read64(addr);
            long expected = (g[X86Cpu.RDX] << 32) | (g[X86Cpu.RAX] & 0xFFFF_FFFFL);
            boolean equal = m == expected;
            c.mmu.write64(addr, equal ? (g[X86Cpu.RCX] << 32) | (g[X86Cpu.RBX] & 0xFFFF_FFFFL) : m);
            if (!equal) {
                g[X86Cpu.RAX] = m & 0xFFFF_FFFFL;
                g[X86Cpu.RDX] = m >>> 32;
            }
            setZf(c, equal);
        }
        return Interpreter.CONTINUE;
    }

    // ---------------------------------------------------------------- byte order

    /** BSWAP r (0F C8+r). The 16-bit form is undefined; the host clears the low word, as here. */
    static int bswap(X86Cpu c, int op) {
        int r = (op & 7) | (c.modrmRm() & 8);
        switch (c.opSize()) {
            case X86Cpu.S16 -> c.gpr[r] &= ~0xFFFFL;
            case X86Cpu.S32 -> c.gpr[r] = Integer.reverseBytes((int) c.gpr[r]) & 0xFFFF_FFFFL;
            default -> c.gpr[r] = Long.reverseBytes(c.gpr[r]);
        }
        return Interpreter.CONTINUE;
    }

    static long reverseBytes(long v, int s) {
        return switch (s) {
            case X86Cpu.S16 -> Short.reverseBytes((short) v) & 0xFFFFL;
            case X86Cpu.S32 -> Integer.reverseBytes((int) v) & 0xFFFF_FFFFL;
            default -> Long.reverseBytes(v);
        };
    }

    // ---------------------------------------------------------------- CRC32 (SSE4.2, 0F38 F0/F1 with F2)

    /** CRC-32C (Castagnoli), reflected, one table entry per byte value. */
    private static final int[] CRC32C = new int[256];

    static {
        for (int i = 0; i < 256; i++) {
            int v = i;
            for (int k = 0; k < 8; k++) {
                v = (v >>> 1) ^ ((v & 1) != 0 ? 0x82F6_3B78 : 0);
            }
            CRC32C[i] = v;
        }
    }

    /** Feeds the low {@code bytes} bytes of {@code data} (little-endian order) into {@code crc}. */
    static int crc32c(int crc, long data, int bytes) {
        for (int k = 0; k < bytes; k++) {
            crc = (crc >>> 8) ^ CRC32C[(crc ^ (int) (data >>> (8 * k))) & 0xFF];
        }
        return crc;
    }
}
