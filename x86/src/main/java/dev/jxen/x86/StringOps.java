package dev.jxen.x86;

import dev.jxen.machine.ExitReason;
import dev.jxen.machine.VcpuExit;

/**
 * String instructions (MOVS CMPS STOS LODS SCAS) with REP/REPE/REPNE, and the port instructions,
 * which all leave as IO exits with RIP at the instruction.
 *
 * <p>A REP loop runs in Java (MOVS/STOS/LODS in chunks of {@link #REP_CHUNK} iterations). Its index and count registers live in locals and are
 * written back when the loop ends or faults, so a fault part-way leaves RSI/RDI/RCX describing
 * exactly the iterations that completed, as on hardware.
 */
final class StringOps {
    private StringOps() {
    }

    private static final int ES = 0, DS = 3, RCX = 1, RSI = 6, RDI = 7;

    /**
     * Iterations of REP MOVS/STOS/LODS done per execution. A longer count re-executes the
     * instruction (RIP stays on it), so the run loop sees its budget and exit requests between
     * chunks; these opcodes end their block for that reason.
     */
    static final long REP_CHUNK = 1 << 16;

    /** After a chunked REP loop: with iterations left, run the same instruction again. */
    private static void continueIfLeft(X86Cpu c, long n) {
        if (n != 0) {
            c.nextRip = c.insnRip;
        }
    }

    private static int rep(X86Cpu c) {
        return (c.attr >>> Decoder.A_REP_SHIFT) & 3;
    }

    private static long step(X86Cpu c, int s) {
        return (c.rflagsRest & Flags.DF) != 0 ? -(1L << s) : 1L << s;
    }

    /** Writes back RSI/RDI/RCX at the address size (16/32-bit forms keep or zero the rest as MOV would). */
    private static void commit(X86Cpu c, int as, int reg, long v) {
        if (as == X86Cpu.S64) {
            c.gpr[reg] = v;
        } else {
            c.setReg(as, reg, v);
        }
    }

    /** A REP with a zero count still writes its count and index registers (a 32-bit write zero-extends). */
    private static void commitAll(X86Cpu c, int as, boolean si, boolean di) {
        if (as == X86Cpu.S32) {
            c.gpr[RCX] &= 0xFFFF_FFFFL;
            if (si) {
                c.gpr[RSI] &= 0xFFFF_FFFFL;
            }
            if (di) {
                c.gpr[RDI] &= 0xFFFF_FFFFL;
            }
        }
    }

    static void movs(X86Cpu c, int s) {
        int size = 1 << s;
        int as = c.addrSize();
        int seg = IntegerOps.segOr(c, DS);
        long step = step(c, s);
        long si = c.gpr[RSI];
        long di = c.gpr[RDI];
        if (rep(c) == Decoder.REP_NONE) {
            long v = c.mmu.read(c.linear(seg, si), size);
            c.mmu.write(c.linear(ES, di), size, v);
            commit(c, as, RSI, si + step);
            commit(c, as, RDI, di + step);
            return;
        }
        long n = c.gpr[RCX] & Flags.MASK[as];
        if (n == 0) {
            commitAll(c, as, true, true);
            return;
        }
        long end = Math.max(0, n - REP_CHUNK);
        try {
            while (n != end) {
                long v = c.mmu.read(c.linear(seg, si), size);
                c.mmu.write(c.linear(ES, di), size, v);
                si += step;
                di += step;
                n--;
            }
        } finally {
            commit(c, as, RSI, si);
            commit(c, as, RDI, di);
            commit(c, as, RCX, n);
        }
        continueIfLeft(c, n);
    }

    static void stos(X86Cpu c, int s) {
        int size = 1 << s;
        int as = c.addrSize();
        long step = step(c, s);
        long v = c.gpr[0];
        long di = c.gpr[RDI];
        if (rep(c) == Decoder.REP_NONE) {
            c.mmu.write(c.linear(ES, di), size, v);
            commit(c, as, RDI, di + step);
            return;
        }
        long n = c.gpr[RCX] & Flags.MASK[as];
        if (n == 0) {
            commitAll(c, as, false, true);
            return;
        }
        long end = Math.max(0, n - REP_CHUNK);
        try {
            while (n != end) {
                c.mmu.write(c.linear(ES, di), size, v);
                di += step;
                n--;
            }
        } finally {
            commit(c, as, RDI, di);
            commit(c, as, RCX, n);
        }
        continueIfLeft(c, n);
    }

    static void lods(X86Cpu c, int s) {
        int size = 1 << s;
        int as = c.addrSize();
        int seg = IntegerOps.segOr(c, DS);
        long step = step(c, s);
        long si = c.gpr[RSI];
        if (rep(c) == Decoder.REP_NONE) {
            c.setReg(s, 0, c.mmu.read(c.linear(seg, si), size));
            commit(c, as, RSI, si + step);
            return;
        }
        long n = c.gpr[RCX] & Flags.MASK[as];
        if (n == 0) {
            commitAll(c, as, true, false);
            return;
        }
        long end = Math.max(0, n - REP_CHUNK);
        try {
            while (n != end) {
                c.setReg(s, 0, c.mmu.read(c.linear(seg, si), size));
                si += step;
                n--;
            }
        } finally {
            commit(c, as, RSI, si);
            commit(c, as, RCX, n);
        }
        continueIfLeft(c, n);
    }

    static void cmps(X86Cpu c, int s) {
        int size = 1 << s;
        int as = c.addrSize();
        int seg = IntegerOps.segOr(c, DS);
        long step = step(c, s);
        long si = c.gpr[RSI];
        long di = c.gpr[RDI];
        int rep = rep(c);
        if (rep == Decoder.REP_NONE) {
            long a = c.mmu.read(c.linear(seg, si), size);
            long b = c.mmu.read(c.linear(ES, di), size);
            commit(c, as, RSI, si + step);
            commit(c, as, RDI, di + step);
            Flags.set(c, Flags.SUB | s, a, b, a - b);
            return;
        }
        boolean untilEqual = rep == Decoder.REP_F2;
        long n = c.gpr[RCX] & Flags.MASK[as];
        if (n == 0) {
            commitAll(c, as, true, true);
            return;
        }
        long a;
        long b;
        try {
            do {
                a = c.mmu.read(c.linear(seg, si), size);
                b = c.mmu.read(c.linear(ES, di), size);
                si += step;
                di += step;
                n--;
            } while (n != 0 && (a == b) != untilEqual);
        } finally {
            commit(c, as, RSI, si);
            commit(c, as, RDI, di);
            commit(c, as, RCX, n);
        }
        // Only a completed instruction sets the flags: after a fault part-way they are as before.
        Flags.set(c, Flags.SUB | s, a, b, a - b);
    }

    static void scas(X86Cpu c, int s) {
        int size = 1 << s;
        int as = c.addrSize();
        long step = step(c, s);
        long a = c.getReg(s, 0);
        long di = c.gpr[RDI];
        int rep = rep(c);
        if (rep == Decoder.REP_NONE) {
            long b = c.mmu.read(c.linear(ES, di), size);
            commit(c, as, RDI, di + step);
            Flags.set(c, Flags.SUB | s, a, b, a - b);
            return;
        }
        boolean untilEqual = rep == Decoder.REP_F2;
        long n = c.gpr[RCX] & Flags.MASK[as];
        if (n == 0) {
            commitAll(c, as, false, true);
            return;
        }
        long b;
        try {
            do {
                b = c.mmu.read(c.linear(ES, di), size);
                di += step;
                n--;
            } while (n != 0 && (a == b) != untilEqual);
        } finally {
            commit(c, as, RDI, di);
            commit(c, as, RCX, n);
        }
        Flags.set(c, Flags.SUB | s, a, b, a - b); // as for CMPS: not after a fault
    }

    // ---------------------------------------------------------------- ports

    /** IN/OUT: an IO exit with RIP at the instruction; the caller performs the access. */
    static int io(X86Cpu c, int port, int size, boolean in) {
        VcpuExit e = c.exit;
        e.reason = ExitReason.IO;
        e.ioPort = port;
        e.ioSize = size;
        e.ioIn = in;
        e.ioString = false;
        e.ioRep = false;
        e.instructionLength = (c.attr >>> Decoder.A_LEN_SHIFT) & 15;
        c.nextRip = c.insnRip;
        return Interpreter.EXIT;
    }

    /** INS/OUTS (6C..6F): an IO exit; the caller does the transfer and updates RSI/RDI/RCX. */
    static int insOuts(X86Cpu c, int op) {
        int size = (op & 1) == 0 ? 1 : c.opSize() == X86Cpu.S16 ? 2 : 4;
        int r = io(c, (int) (c.gpr[2] & 0xFFFF), size, op <= 0x6D);
        c.exit.ioString = true;
        c.exit.ioRep = rep(c) != Decoder.REP_NONE;
        return r;
    }
}
