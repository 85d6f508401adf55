package dev.jxen.x86;

import static dev.jxen.x86.X86Cpu.S16;
import static dev.jxen.x86.X86Cpu.S8;

/**
 * One-byte instructions that exist only outside 64-bit mode (the decoder turns them into #UD
 * there): decimal adjust (DAA DAS AAA AAS AAM AAD), PUSHA/POPA, BOUND, ARPL and LES/LDS.
 */
final class LegacyOps {
    private LegacyOps() {
    }

    private static final int RSP = 4;
    private static final long SZP_MASK = Flags.SF | Flags.ZF | Flags.PF;

    /** SF, ZF and PF of an 8-bit result. */
    private static long szp(long v) {
        v &= 0xFF;
        return Flags.parity(v) | (v == 0 ? Flags.ZF : 0) | ((v & 0x80) != 0 ? Flags.SF : 0);
    }

    static void daa(X86Cpu c) {
        long f = Flags.arith(c);
        long al = c.gpr[0] & 0xFF;
        long oldAl = al;
        boolean oldCf = (f & Flags.CF) != 0;
        long cf = 0;
        long af = 0;
        if ((al & 0xF) > 9 || (f & Flags.AF) != 0) {
            al += 6;
            cf = oldCf || al > 0xFF ? Flags.CF : 0;
            af = Flags.AF;
        }
        if (oldAl > 0x99 || oldCf) {
            al += 0x60;
            cf = Flags.CF;
        } else {
            cf = 0;
        }
        c.setReg(S8, 0, al);
        Flags.setArith(c, (f & Flags.OF) | szp(al) | cf | af);
    }

    static void das(X86Cpu c) {
        long f = Flags.arith(c);
        long al = c.gpr[0] & 0xFF;
        long oldAl = al;
        boolean oldCf = (f & Flags.CF) != 0;
        long cf = 0;
        long af = 0;
        if ((al & 0xF) > 9 || (f & Flags.AF) != 0) {
            cf = oldCf || al < 6 ? Flags.CF : 0;
            al -= 6;
            af = Flags.AF;
        }
        if (oldAl > 0x99 || oldCf) {
            al -= 0x60;
            cf = Flags.CF;
        }
        c.setReg(S8, 0, al);
        Flags.setArith(c, (f & Flags.OF) | szp(al) | cf | af);
    }

    static void aaa(X86Cpu c) {
        long f = Flags.arith(c);
        long ax = c.gpr[0] & 0xFFFF;
        long adj = 0;
        if ((ax & 0xF) > 9 || (f & Flags.AF) != 0) {
            ax += 0x106;
            adj = Flags.AF | Flags.CF;
        }
        ax &= 0xFF0F;
        c.setReg(S16, 0, ax);
        Flags.setArith(c, (f & ~(Flags.AF | Flags.CF)) | adj);
    }

    static void aas(X86Cpu c) {
        long f = Flags.arith(c);
        long ax = c.gpr[0] & 0xFFFF;
        long adj = 0;
        if ((ax & 0xF) > 9 || (f & Flags.AF) != 0) {
            long al = (ax - 6) & 0xFF;
            long ah = ((ax >>> 8) - 1) & 0xFF;
            ax = (ah << 8) | al;
            adj = Flags.AF | Flags.CF;
        }
        ax &= 0xFF0F;
        c.setReg(S16, 0, ax);
        Flags.setArith(c, (f & ~(Flags.AF | Flags.CF)) | adj);
    }

    static void aam(X86Cpu c) {
        int base = (int) (c.imm & 0xFF);
        if (base == 0) {
            throw c.fault(Vectors.DE);
        }
        long al = c.gpr[0] & 0xFF;
        long r = ((al / base) << 8) | (al % base);
        c.setReg(S16, 0, r);
        Flags.setArith(c, szp(r));
    }

    static void aad(X86Cpu c) {
        int base = (int) (c.imm & 0xFF);
        long al = ((c.gpr[0] & 0xFF) + ((c.gpr[0] >>> 8) & 0xFF) * base) & 0xFF;
        c.setReg(S16, 0, al);
        Flags.setArith(c, szp(al));
    }

    /** PUSHA: all eight stack writes first, then ESP. */
    static void pusha(X86Cpu c) {
        int s = c.opSize();
        int size = 1 << s;
        long sp = c.gpr[RSP];
        for (int r = 0; r < 8; r++) {
            long v = r == RSP ? sp : c.gpr[r];
            c.mmu.write(c.stackLinear(sp - (long) (r + 1) * size), size, v);
        }
        c.setSp(sp - 8L * size);
    }

    /** POPA: all reads first; the saved ESP is skipped. */
    static void popa(X86Cpu c) {
        int s = c.opSize();
        int size = 1 << s;
        long di = c.peek(size, 0);
        long si = c.peek(size, size);
        long bp = c.peek(size, 2L * size);
        long bx = c.peek(size, 4L * size);
        long dx = c.peek(size, 5L * size);
        long cx = c.peek(size, 6L * size);
        long ax = c.peek(size, 7L * size);
        long sp = c.gpr[RSP];
        c.setReg(s, 7, di);
        c.setReg(s, 6, si);
        c.setReg(s, 5, bp);
        c.setReg(s, 3, bx);
        c.setReg(s, 2, dx);
        c.setReg(s, 1, cx);
        c.setReg(s, 0, ax);
        c.setSp(sp + 8L * size);
    }

    static void bound(X86Cpu c) {
        if (c.rmIsReg()) {
            throw c.fault(Vectors.UD);
        }
        int s = c.opSize();
        int size = 1 << s;
        long ea = c.ea();
        long lower = Flags.signExtend(c.mmu.read(ea, size), s);
        long upper = Flags.signExtend(c.mmu.read((ea + size) & 0xFFFF_FFFFL, size), s);
        long index = Flags.signExtend(c.getReg(s, c.modrmReg()), s);
        if (index < lower || index > upper) {
            throw c.fault(Vectors.BR);
        }
    }

    /** ARPL r/m16, r16: raises the destination's RPL to the source's, ZF tells whether it did. */
    static void arpl(X86Cpu c) {
        long dst = c.readRm(S16);
        long src = c.getReg(S16, c.modrmReg());
        long f = Flags.arith(c) & ~Flags.ZF;
        if ((dst & 3) < (src & 3)) {
            c.writeRm(S16, (dst & ~3L) | (src & 3));
            f |= Flags.ZF;
        }
        Flags.setArith(c, f);
    }

    /** LES/LDS r, m16:16/32: the segment load (with its checks) happens before the register write. */
    static void loadFarPointer(X86Cpu c, int seg) {
        if (c.rmIsReg()) {
            throw c.fault(Vectors.UD);
        }
        int s = c.opSize();
        int size = 1 << s;
        long ea = c.ea();
        long off = c.mmu.read(ea, size);
        int sel = c.mmu.read16(ea + size);
        ControlOps.loadDataSegment(c, seg, sel);
        c.setReg(s, c.modrmReg(), off);
    }
}
