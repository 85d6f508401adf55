package dev.jxen.x86.fpu;

import dev.jxen.x86.X86Cpu;

/**
 * FLDENV/FNSTENV and FRSTOR/FNSAVE in the protected-mode layouts: 28-byte environment for 32- and
 * 64-bit operand size, 14-byte for 16-bit; FNSAVE adds ST(0)..ST(7) as 10-byte values. Reserved
 * upper halves are written as 0xFFFF, as the host does. Every access that can fault happens before
 * any state changes.
 */
final class Env {
    private Env() {
    }

    private static boolean small(X86Cpu c) {
        return c.opSize() == X86Cpu.S16;
    }

    static int envSize(X86Cpu c) {
        return small(c) ? 14 : 28;
    }

    static void fnstenv(X86Cpu c, X87 f, long ea) {
        c.mmu.probeWrite(ea, envSize(c));
        writeEnv(c, f, ea);
        f.fcw |= 0x3F;
        f.fp.setControl(f.fcw);
    }

    private static void writeEnv(X86Cpu c, X87 f, long ea) {
        if (small(c)) {
            c.mmu.write16(ea, f.fcw);
            c.mmu.write16(ea + 2, f.fsw());
            c.mmu.write16(ea + 4, f.fullTags());
            c.mmu.write16(ea + 6, (int) f.fip);
            c.mmu.write16(ea + 8, f.fcs);
            c.mmu.write16(ea + 10, (int) f.fdp);
            c.mmu.write16(ea + 12, f.fds);
        } else {
            c.mmu.write32(ea, 0xFFFF_0000 | f.fcw);
            c.mmu.write32(ea + 4, 0xFFFF_0000 | f.fsw());
            c.mmu.write32(ea + 8, 0xFFFF_0000 | f.fullTags());
            c.mmu.write32(ea + 12, (int) f.fip);
            c.mmu.write32(ea + 16, (f.fop << 16) | f.fcs);
            c.mmu.write32(ea + 20, (int) f.fdp);
            c.mmu.write32(ea + 24, 0xFFFF_0000 | f.fds);
        }
    }

    static void fldenv(X86Cpu c, X87 f, long ea) {
        int cw;
        int sw;
        int tw;
        long ip;
        long dp;
        int op;
        int cs;
        int ds;
        if (small(c)) {
            cw = c.mmu.read16(ea);
            sw = c.mmu.read16(ea + 2);
            tw = c.mmu.read16(ea + 4);
            ip = c.mmu.read16(ea + 6);
            cs = c.mmu.read16(ea + 8);
            op = 0; // the 16-bit layout has no opcode field: the host clears FOP
            dp = c.mmu.read16(ea + 10);
            ds = c.mmu.read16(ea + 12);
        } else {
            cw = c.mmu.read16(ea);
            sw = c.mmu.read16(ea + 4);
            tw = c.mmu.read16(ea + 8);
            ip = c.mmu.read32(ea + 12) & 0xFFFF_FFFFL;
            int w = c.mmu.read32(ea + 16);
            cs = w & 0xFFFF;
            op = (w >>> 16) & 0x7FF;
            dp = c.mmu.read32(ea + 20) & 0xFFFF_FFFFL;
            ds = c.mmu.read16(ea + 24);
        }
        load(f, cw, sw, tw, ip, dp, op, cs, ds);
    }

    private static void load(X87 f, int cw, int sw, int tw, long ip, long dp, int op, int cs, int ds) {
        f.top = (sw >>> 11) & 7;
        f.fsw = sw & ~0x3800;
        f.setFullTags(tw);
        f.fip = ip;
        f.fdp = dp;
        f.fop = op;
        // FCS and FDS are deprecated on the host (CPUID.7.EBX[13]): not kept, saved as 0.
        f.fcs = 0;
        f.fds = 0;
        f.setFcw(cw);
    }

    static void fnsave(X86Cpu c, X87 f, long ea) {
        int n = envSize(c);
        c.mmu.probeWrite(ea, n + 80);
        writeEnv(c, f, ea);
        for (int i = 0; i < 8; i++) {
            long a = ea + n + 10L * i;
            c.mmu.write64(a, f.stSig(i));
            c.mmu.write16(a + 8, f.stSe(i));
        }
        f.reset();
    }

    static void frstor(X86Cpu c, X87 f, long ea) {
        int n = envSize(c);
        long[] sig = new long[8];
        int[] se = new int[8];
        for (int i = 0; i < 8; i++) {
            long a = ea + n + 10L * i;
            sig[i] = c.mmu.read64(a);
            se[i] = c.mmu.read16(a + 8);
        }
        fldenv(c, f, ea);
        for (int i = 0; i < 8; i++) {
            int p = (f.top + i) & 7;
            f.regSig[p] = sig[i];
            f.regSe[p] = se[i];
        }
    }
}
