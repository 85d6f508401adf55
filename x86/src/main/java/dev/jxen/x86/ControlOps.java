package dev.jxen.x86;

import static dev.jxen.x86.X86Cpu.S16;

import dev.jxen.machine.ExitReason;
import dev.jxen.machine.PrivilegedOp;
import dev.jxen.machine.VcpuExit;

/**
 * Control transfers and the instructions that touch privilege: near and far CALL/JMP/RET, LOOP,
 * IRET, segment register loads with their descriptor checks, PUSHF/POPF, ENTER/LEAVE, and the
 * instructions that end in an exit (INT n, HLT, CLI/STI at CPL &gt; IOPL).
 *
 * <p>Every instruction here reads and checks everything that can fault before it changes any
 * register, so a fault leaves the state as it was.
 */
final class ControlOps {
    private ControlOps() {
    }

    private static final int ES = 0, CS = 1, SS = 2, DS = 3, FS = 4, GS = 5, RSP = 4, RBP = 5;

    // Descriptor attribute word (descriptor bits 40..55 shifted down by 40).
    private static final int A_TYPE_CODE = 0x8, A_CONFORMING = 0x4, A_RW = 0x2, A_S = 0x10, A_P = 0x80,
            A_L = 0x2000, A_D = 0x4000, A_G = 0x8000;

    // ---------------------------------------------------------------- near transfers

    /** Checks a near branch target (canonical in 64-bit mode, else within CS.limit) and truncates it. */
    static long nearTarget(X86Cpu c, long t) {
        if (c.code64) {
            if ((t << 16 >> 16) != t) {
                throw c.fault(Vectors.GP, 0);
            }
            return t;
        }
        t &= c.opSize() == S16 ? 0xFFFF : 0xFFFF_FFFFL;
        if (t > c.segLimit[CS]) {
            throw c.fault(Vectors.GP, 0);
        }
        return t;
    }

    static void jumpNear(X86Cpu c, long t) {
        c.nextRip = nearTarget(c, t);
    }

    private static int nearSize(X86Cpu c) {
        return c.code64 ? 8 : c.opSize() == S16 ? 2 : 4;
    }

    static void callNear(X86Cpu c, long t) {
        long target = nearTarget(c, t);
        c.push(nearSize(c), c.nextRip);
        c.nextRip = target;
    }

    static void retNear(X86Cpu c, int release) {
        int size = nearSize(c);
        long target = nearTarget(c, c.peek(size, 0));
        c.setSp(c.gpr[RSP] + size + release);
        c.nextRip = target;
    }

    /** LOOPNE, LOOPE, LOOP, JrCXZ (E0..E3): the count register has the address size. */
    static void loop(X86Cpu c, int op) {
        int as = c.addrSize();
        long mask = Flags.MASK[as];
        long count = c.gpr[1];
        if (op != 0xE3) {
            count--;
        }
        boolean take = switch (op) {
            case 0xE0 -> (count & mask) != 0 && !Flags.zf(c);
            case 0xE1 -> (count & mask) != 0 && Flags.zf(c);
            case 0xE2 -> (count & mask) != 0;
            default -> (count & mask) == 0;
        };
        long target = take ? nearTarget(c, c.nextRip + c.imm) : c.nextRip;
        if (op != 0xE3) {
            c.setReg(as, 1, count);
        }
        c.nextRip = target;
    }

    // ---------------------------------------------------------------- far transfers

    /** 9A/EA (compatibility mode): the pointer is the immediate. */
    static void farDirect(X86Cpu c, boolean call) {
        boolean o16 = c.opSize() == S16;
        long off = o16 ? c.imm & 0xFFFF : c.imm & 0xFFFF_FFFFL;
        int sel = (int) (c.imm >>> (o16 ? 16 : 32)) & 0xFFFF;
        farTransfer(c, sel, off, call);
    }

    /** FF /3 and FF /5: the pointer is in memory, offset first (2, 4 or 8 bytes), then the selector. */
    static void farIndirect(X86Cpu c, boolean call) {
        if (c.rmIsReg()) {
            throw c.fault(Vectors.UD);
        }
        int size = 1 << c.opSize();
        long ea = c.ea();
        long off = c.mmu.read(ea, size);
        int sel = c.mmu.read16(ea + size);
        farTransfer(c, sel, off, call);
    }

    /** Far JMP/CALL to a code segment at the same privilege (gates are not supported: #GP). */
    private static void farTransfer(X86Cpu c, int sel, long off, boolean call) {
        if ((sel & 0xFFFC) == 0) {
            throw c.fault(Vectors.GP, 0);
        }
        long desc = descriptor(c, sel);
        int a = attr(desc);
        int dpl = (a >>> 5) & 3;
        if ((a & A_S) == 0 || (a & A_TYPE_CODE) == 0) {
            throw c.fault(Vectors.GP, sel & 0xFFFC);
        }
        if ((a & A_CONFORMING) != 0 ? dpl > c.cpl : ((sel & 3) > c.cpl || dpl != c.cpl)) {
            throw c.fault(Vectors.GP, sel & 0xFFFC);
        }
        if ((a & A_P) == 0) {
            throw c.fault(Vectors.NP, sel & 0xFFFC);
        }
        if ((a & (A_L | A_D)) == (A_L | A_D)) {
            throw c.fault(Vectors.GP, sel & 0xFFFC);
        }
        checkOffset(c, desc, off);
        if (call) {
            int size = 1 << c.opSize();
            long sp = c.gpr[RSP];
            c.mmu.write(c.stackLinear(sp - size), size, c.segSel[CS]);
            c.mmu.write(c.stackLinear(sp - 2L * size), size, c.nextRip);
            c.setSp(sp - 2L * size);
        }
        c.loadSegment(CS, (sel & 0xFFFC) | c.cpl, desc);
        c.nextRip = off;
    }

    /** RETF (CA/CB): same privilege, or outward with SS:RSP popped too. */
    static void retFar(X86Cpu c, int release) {
        int size = 1 << c.opSize();
        long off = c.peek(size, 0);
        int sel = (int) c.peek(size, size) & 0xFFFF;
        int rpl = sel & 3;
        if ((sel & 0xFFFC) == 0) {
            throw c.fault(Vectors.GP, 0);
        }
        if (rpl < c.cpl) {
            throw c.fault(Vectors.GP, sel & 0xFFFC);
        }
        long desc = returnCodeDescriptor(c, sel);
        long sp = c.gpr[RSP];
        if (rpl == c.cpl) {
            checkOffset(c, desc, off);
            c.loadSegment(CS, sel, desc);
            c.setSp(sp + 2L * size + release);
            c.nextRip = off;
            return;
        }
        long newSp = c.peek(size, 2L * size + release);
        int ssSel = (int) c.peek(size, 3L * size + release) & 0xFFFF;
        long ssDesc = stackDescriptor(c, ssSel, rpl, (attr(desc) & A_L) != 0);
        checkOffset(c, desc, off);
        c.loadSegment(CS, sel, desc);
        c.loadSegment(SS, ssSel, ssDesc);
        c.setSp(newSp + release);
        nullOuterSegments(c);
        c.nextRip = off;
    }

    /**
     * IRET. In 64-bit mode it always pops SS:RSP; in compatibility mode only when returning outward.
     * A return to a more privileged level is refused by hardware at CPL 3; it exits as PRIVILEGED.
     */
    static int iret(X86Cpu c) {
        if ((c.rflagsRest & Flags.NT) != 0) {
            throw c.fault(Vectors.GP, 0); // no task switches in IA-32e mode
        }
        int s = c.opSize();
        int size = 1 << s;
        long newRip = c.peek(size, 0);
        int sel = (int) c.peek(size, size) & 0xFFFF;
        long newFlags = c.peek(size, 2L * size);
        int rpl = sel & 3;
        if ((sel & 0xFFFC) == 0) {
            throw c.fault(Vectors.GP, 0);
        }
        if (rpl < c.cpl) {
            return privilegedExit(c, PrivilegedOp.IRET);
        }
        long desc = returnCodeDescriptor(c, sel);
        boolean target64 = (attr(desc) & A_L) != 0;
        boolean popStack = c.code64 || rpl > c.cpl;
        long newSp = 0;
        int ssSel = 0;
        long ssDesc = 0;
        if (popStack) {
            newSp = c.peek(size, 3L * size);
            ssSel = (int) c.peek(size, 4L * size) & 0xFFFF;
            ssDesc = stackDescriptor(c, ssSel, rpl, target64);
        }
        checkOffset(c, desc, newRip);

        int oldCpl = c.cpl;
        long old = c.getRflags();
        long mask = Flags.ARITH | Flags.TF | Flags.DF | Flags.NT;
        if (s != S16) {
            mask |= Flags.RF | Flags.AC | Flags.ID;
        }
        if (oldCpl <= ((old >>> 12) & 3)) {
            mask |= Flags.IF;
        }
        if (oldCpl == 0) {
            mask |= Flags.IOPL;
            if (s != S16) {
                mask |= Flags.VIF | Flags.VIP;
            }
        }
        long sp = c.gpr[RSP];
        c.loadSegment(CS, sel, desc);
        if (popStack) {
            c.loadSegment(SS, ssSel, ssDesc);
            if (c.code64) {
                c.gpr[RSP] = newSp;
            } else {
                c.setSp(newSp);
            }
        } else {
            c.setSp(sp + 3L * size);
        }
        c.putRflags((old & ~mask) | (newFlags & mask));
        if (rpl > oldCpl) {
            nullOuterSegments(c);
        }
        c.nextRip = newRip;
        return Interpreter.CONTINUE;
    }

    /** The code segment a far RET / IRET returns to (its RPL already checked against CPL). */
    private static long returnCodeDescriptor(X86Cpu c, int sel) {
        long desc = descriptor(c, sel);
        int a = attr(desc);
        int dpl = (a >>> 5) & 3;
        int rpl = sel & 3;
        if ((a & A_S) == 0 || (a & A_TYPE_CODE) == 0) {
            throw c.fault(Vectors.GP, sel & 0xFFFC);
        }
        if ((a & A_CONFORMING) != 0 ? dpl > rpl : dpl != rpl) {
            throw c.fault(Vectors.GP, sel & 0xFFFC);
        }
        if ((a & A_P) == 0) {
            throw c.fault(Vectors.NP, sel & 0xFFFC);
        }
        if ((a & (A_L | A_D)) == (A_L | A_D)) {
            throw c.fault(Vectors.GP, sel & 0xFFFC);
        }
        return desc;
    }

    /** The SS loaded on an outward return to {@code newCpl}; null is allowed for 64-bit code below CPL 3. */
    private static long stackDescriptor(X86Cpu c, int ssSel, int newCpl, boolean target64) {
        if ((ssSel & 0xFFFC) == 0) {
            if (target64 && newCpl != 3 && (ssSel & 3) == newCpl) {
                return 0;
            }
            throw c.fault(Vectors.GP, 0);
        }
        if ((ssSel & 3) != newCpl) {
            throw c.fault(Vectors.GP, ssSel & 0xFFFC);
        }
        long desc = descriptor(c, ssSel);
        int a = attr(desc);
        if ((a & A_S) == 0 || (a & A_TYPE_CODE) != 0 || (a & A_RW) == 0 || ((a >>> 5) & 3) != newCpl) {
            throw c.fault(Vectors.GP, ssSel & 0xFFFC);
        }
        if ((a & A_P) == 0) {
            throw c.fault(Vectors.SS, ssSel & 0xFFFC);
        }
        return desc;
    }

    /** The new RIP must be canonical for 64-bit code, else within the segment limit. */
    private static void checkOffset(X86Cpu c, long desc, long off) {
        if ((attr(desc) & A_L) != 0) {
            if ((off << 16 >> 16) != off) {
                throw c.fault(Vectors.GP, 0);
            }
        } else if (Long.compareUnsigned(off, limit(desc)) > 0) {
            throw c.fault(Vectors.GP, 0);
        }
    }

    /** After an outward return, data segments the new CPL may not use become null. */
    private static void nullOuterSegments(X86Cpu c) {
        for (int seg : OUTER_SEGS) {
            int a = c.segAttr[seg];
            boolean conformingCode = (a & (A_TYPE_CODE | A_CONFORMING)) == (A_TYPE_CODE | A_CONFORMING);
            if ((c.segSel[seg] & 0xFFFC) != 0 && !conformingCode && ((a >>> 5) & 3) < c.cpl) {
                c.segSel[seg] = 0;
                c.segAttr[seg] = 0;
            }
        }
    }

    private static final int[] OUTER_SEGS = {ES, DS, FS, GS};

    // ---------------------------------------------------------------- segment registers

    static long descriptor(X86Cpu c, int sel) {
        long desc = c.host.readDescriptor(sel & 0xFFFF);
        if (desc == 0) {
            throw c.fault(Vectors.GP, sel & 0xFFFC);
        }
        return desc;
    }

    static int attr(long desc) {
        return (int) (desc >>> 40) & 0xFFFF;
    }

    private static long limit(long desc) {
        long limit = (desc & 0xFFFF) | ((desc >>> 32) & 0xF_0000L);
        return (attr(desc) & A_G) != 0 ? (limit << 12) | 0xFFF : limit;
    }

    /** Checks and loads ES, SS, DS, FS or GS as MOV/POP to a segment register does. */
    static void loadDataSegment(X86Cpu c, int seg, int sel) {
        sel &= 0xFFFF;
        int cpl = c.cpl;
        if ((sel & 0xFFFC) == 0) {
            if (seg == SS && !(c.code64 && cpl != 3 && (sel & 3) == cpl)) {
                throw c.fault(Vectors.GP, 0);
            }
            c.loadSegment(seg, sel, 0);
            return;
        }
        long desc = descriptor(c, sel);
        int a = attr(desc);
        int dpl = (a >>> 5) & 3;
        int rpl = sel & 3;
        int err = sel & 0xFFFC;
        if ((a & A_S) == 0) {
            throw c.fault(Vectors.GP, err);
        }
        if (seg == SS) {
            if (rpl != cpl || dpl != cpl || (a & A_TYPE_CODE) != 0 || (a & A_RW) == 0) {
                throw c.fault(Vectors.GP, err);
            }
            if ((a & A_P) == 0) {
                throw c.fault(Vectors.SS, err);
            }
        } else {
            boolean code = (a & A_TYPE_CODE) != 0;
            if (code && (a & A_RW) == 0) {
                throw c.fault(Vectors.GP, err); // execute-only code
            }
            if ((!code || (a & A_CONFORMING) == 0) && (rpl > dpl || cpl > dpl)) {
                throw c.fault(Vectors.GP, err);
            }
            if ((a & A_P) == 0) {
                throw c.fault(Vectors.NP, err);
            }
        }
        c.loadSegment(seg, sel, desc);
    }

    /** 8E: MOV Sreg, r/m16 (CS is #UD). */
    static void movToSeg(X86Cpu c) {
        int seg = (c.mrm >>> Decoder.M_REG_SHIFT) & 7;
        if (seg == CS || seg > GS) {
            throw c.fault(Vectors.UD);
        }
        loadDataSegment(c, seg, (int) c.readRm(S16));
    }

    /** POP ES/SS/DS (compatibility mode). */
    static void popSegment(X86Cpu c, int seg) {
        int size = 1 << c.opSize();
        int sel = (int) c.peek(size, 0) & 0xFFFF;
        loadDataSegment(c, seg, sel);
        c.setSp(c.gpr[RSP] + size);
    }

    // ---------------------------------------------------------------- stack

    /** 8F /0: POP r/m. An RSP-based address is computed with RSP already incremented. */
    static void popRm(X86Cpu c) {
        if (((c.mrm >>> Decoder.M_REG_SHIFT) & 7) != 0) {
            throw c.fault(Vectors.UD);
        }
        int s = c.opSize();
        int size = 1 << s;
        long v = c.peek(size, 0);
        long oldSp = c.gpr[RSP];
        c.setSp(oldSp + size);
        try {
            c.writeRm(s, v);
        } catch (CpuFault f) {
            c.gpr[RSP] = oldSp;
            throw f;
        }
    }

    static void pushf(X86Cpu c) {
        c.push(1 << c.opSize(), c.getRflags() & ~(Flags.RF | Flags.VM));
    }

    /** POPF: IOPL changes only at CPL 0, IF only at CPL &lt;= IOPL; RF is cleared, VM/VIF/VIP kept. */
    static void popf(X86Cpu c) {
        int size = 1 << c.opSize();
        long v = c.pop(size);
        long old = c.getRflags();
        long mask = Flags.ARITH | Flags.TF | Flags.DF | Flags.NT | Flags.AC | Flags.ID;
        int cpl = c.cpl;
        if (cpl == 0) {
            mask |= Flags.IOPL | Flags.IF;
        } else if (cpl <= ((old >>> 12) & 3)) {
            mask |= Flags.IF;
        }
        if (size == 2) {
            mask &= 0xFFFF;
        }
        c.putRflags(((old & ~mask) | (v & mask)) & ~Flags.RF);
    }

    /** ENTER imm16, imm8: all stack writes happen before RSP/RBP change. */
    static void enter(X86Cpu c) {
        int s = c.opSize();
        int size = 1 << s;
        int alloc = (int) (c.imm & 0xFFFF);
        int level = (int) (c.imm >>> 16) & 31;
        long sp = c.gpr[RSP] - size;
        c.mmu.write(c.stackLinear(sp), size, c.getReg(s, RBP));
        long frame = sp;
        if (level > 0) {
            long bp = c.gpr[RBP];
            for (int i = 1; i < level; i++) {
                bp -= size;
                long v = c.mmu.read(c.stackLinear(bp), size);
                sp -= size;
                c.mmu.write(c.stackLinear(sp), size, v);
            }
            sp -= size;
            c.mmu.write(c.stackLinear(sp), size, frame);
        }
        long newSp = sp - alloc;
        c.mmu.probeWrite(c.stackLinear(newSp), 1); // the new stack top must be usable
        c.setReg(s, RBP, frame);
        c.setSp(newSp);
    }

    /** LEAVE: RSP = RBP, then pop RBP; the read comes first. */
    static void leave(X86Cpu c) {
        int s = c.opSize();
        int size = 1 << s;
        long bp = c.gpr[RBP];
        long v = c.mmu.read(c.stackLinear(bp), size);
        c.setSp(bp + size);
        c.setReg(s, RBP, v);
    }

    // ---------------------------------------------------------------- exits

    private static int length(X86Cpu c) {
        return (c.attr >>> Decoder.A_LEN_SHIFT) & 15;
    }

    /** A PRIVILEGED exit: RIP stays at the instruction. */
    static int privilegedExit(X86Cpu c, PrivilegedOp op) {
        VcpuExit e = c.exit;
        e.reason = ExitReason.PRIVILEGED;
        e.privileged = op;
        e.instructionLength = length(c);
        c.nextRip = c.insnRip;
        return Interpreter.EXIT;
    }

    /** INT n / INT3 / INTO: RIP is past the instruction; the caller checks the gate and delivers. */
    static int softwareInterrupt(X86Cpu c, int vector) {
        VcpuExit e = c.exit;
        e.reason = ExitReason.SOFTWARE_INTERRUPT;
        e.vector = vector;
        e.instructionLength = length(c);
        return Interpreter.EXIT;
    }

    /** INT1 (F1): a #DB trap delivered without a gate DPL check, RIP past the instruction. */
    static int int1(X86Cpu c) {
        VcpuExit e = c.exit;
        e.reason = ExitReason.EXCEPTION;
        e.vector = Vectors.DB;
        e.hasErrorCode = false;
        e.instructionLength = length(c);
        return Interpreter.EXIT;
    }

    static int hlt(X86Cpu c) {
        if (c.cpl != 0) {
            return privilegedExit(c, PrivilegedOp.HLT);
        }
        VcpuExit e = c.exit;
        e.reason = ExitReason.HALT;
        e.instructionLength = length(c);
        return Interpreter.EXIT;
    }

    static int cliSti(X86Cpu c, boolean set) {
        if (c.cpl > ((c.rflagsRest >>> 12) & 3)) {
            return privilegedExit(c, set ? PrivilegedOp.STI : PrivilegedOp.CLI);
        }
        if (set) {
            c.rflagsRest |= Flags.IF;
        } else {
            c.rflagsRest &= ~Flags.IF;
        }
        return Interpreter.CONTINUE;
    }
}
