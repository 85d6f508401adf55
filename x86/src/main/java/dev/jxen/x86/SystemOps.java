package dev.jxen.x86;

import dev.jxen.machine.ExitReason;
import dev.jxen.machine.PrivilegedOp;
import dev.jxen.machine.VcpuExit;

/**
 * The non-SSE part of the 0F opcode map: system instructions (privileged ones exit at CPL &gt; 0),
 * Jcc rel32, and dispatch to {@link BitOps} for the integer instructions. The SSE/MMX opcodes
 * never reach here ({@code Sse.handles0F}).
 */
public final class SystemOps {
    static final int MSR_EFER = 0xC000_0080, MSR_STAR = 0xC000_0081, MSR_LSTAR = 0xC000_0082,
            MSR_CSTAR = 0xC000_0083, MSR_SFMASK = 0xC000_0084, MSR_FS_BASE = 0xC000_0100,
            MSR_GS_BASE = 0xC000_0101, MSR_KERNEL_GS_BASE = 0xC000_0102, MSR_TSC_AUX = 0xC000_0103;

    /** CR4 bits this CPU accepts: VME PVI TSD DE PSE PAE MCE PGE PCE OSFXSR OSXMMEXCPT. */
    static final long CR4_VALID = 0x7FF;
    static final long CR4_PCE = 0x100;

    /** Flat descriptors SYSCALL/SYSRET load (the hardware loads fixed values, not the GDT's). */
    static final long DESC_CODE64_DPL0 = 0x00AF_9B00_0000_FFFFL, DESC_DATA_DPL0 = 0x00CF_9300_0000_FFFFL,
            DESC_CODE64_DPL3 = 0x00AF_FB00_0000_FFFFL, DESC_CODE32_DPL3 = 0x00CF_FB00_0000_FFFFL,
            DESC_DATA_DPL3 = 0x00CF_F300_0000_FFFFL;

    private SystemOps() {
    }

    static int execute0F(X86Cpu c, int op) {
        if ((c.attr & Decoder.A_LOCK) != 0) {
            checkLock(c, op);
        }
        switch (op >>> 4) {
            case 0x4:
                return BitOps.cmov(c, op & 15);
            case 0x8:
                return jcc(c, op & 15);
            case 0x9:
                return BitOps.setcc(c, op & 15);
            case 0xA, 0xB:
                return executeAB(c, op);
            case 0xC:
                return executeC(c, op);
            default:
                return executeSystem(c, op);
        }
    }

    /** LOCK is allowed only on the read-modify-write forms with a memory destination. */
    private static void checkLock(X86Cpu c, int op) {
        int reg = c.modrmReg() & 7;
        boolean lockable = switch (op) {
            case 0xAB, 0xB3, 0xBB, 0xB0, 0xB1, 0xC0, 0xC1 -> true;
            case 0xBA -> reg >= 5;
            case 0xC7 -> reg == 1;
            default -> false;
        };
        if (!lockable || c.rmIsReg()) {
            throw c.fault(Vectors.UD);
        }
    }

    private static int executeSystem(X86Cpu c, int op) {
        switch (op) {
            case 0x00:
                return group6(c);
            case 0x01:
                return group7(c);
            case 0x02, 0x03:
                return larLsl(c, op == 0x03);
            case 0x05:
                return syscall(c);
            case 0x06:
                if (c.cpl > 0) {
                    return privileged(c, PrivilegedOp.CLTS, 0, 0);
                }
                c.cr0 &= ~X86Cpu.CR0_TS;
                return Interpreter.CONTINUE;
            case 0x07:
                return sysret(c);
            case 0x08, 0x09:
                if (c.cpl > 0) {
                    return privileged(c, op == 0x08 ? PrivilegedOp.INVD : PrivilegedOp.WBINVD, 0, 0);
                }
                return Interpreter.CONTINUE;
            case 0x0D:
                if (c.rmIsReg()) {
                    throw c.fault(Vectors.UD);
                }
                return Interpreter.CONTINUE; // PREFETCH/PREFETCHW: hints
            case 0x18, 0x19, 0x1A, 0x1B, 0x1C, 0x1D, 0x1E, 0x1F:
                return Interpreter.CONTINUE; // hint NOPs (PREFETCHh, NOP r/m, ENDBR64)
            case 0x20, 0x22:
                return movCr(c, op == 0x22);
            case 0x21, 0x23:
                return movDr(c, op == 0x23);
            case 0x30:
                return wrmsr(c);
            case 0x31:
                return rdtsc(c, false);
            case 0x32:
                return rdmsr(c);
            case 0x33:
                if (c.cpl > 0 && (c.cr4 & CR4_PCE) == 0) {
                    return privileged(c, PrivilegedOp.RDPMC, (int) c.gpr[X86Cpu.RCX], 0);
                }
                throw c.fault(Vectors.GP, 0); // no performance counters
            case 0x34, 0x35:
                throw c.fault(Vectors.GP, 0); // SYSENTER/SYSEXIT: IA32_SYSENTER_CS is 0
            default:
                throw c.fault(Vectors.UD); // UD2, UD0, FEMMS, 3DNow!, GETSEC, RSM...
        }
    }

    private static int executeAB(X86Cpu c, int op) {
        switch (op) {
            case 0xA0:
                return pushSeg(c, X86Cpu.FS);
            case 0xA1:
                return popSeg(c, X86Cpu.FS);
            case 0xA2:
                return cpuid(c);
            case 0xA3:
                return BitOps.bitTest(c, BitOps.BT, false);
            case 0xA4, 0xA5:
                return BitOps.shiftDouble(c, true, op == 0xA5);
            case 0xA8:
                return pushSeg(c, X86Cpu.GS);
            case 0xA9:
                return popSeg(c, X86Cpu.GS);
            case 0xAB:
                return BitOps.bitTest(c, BitOps.BTS, false);
            case 0xAC, 0xAD:
                return BitOps.shiftDouble(c, false, op == 0xAD);
            case 0xAE:
                return FxState.group15(c);
            case 0xAF:
                return BitOps.imul(c);
            case 0xB0:
                return BitOps.cmpxchg(c, X86Cpu.S8);
            case 0xB1:
                return BitOps.cmpxchg(c, c.opSize());
            case 0xB2:
                return loadFarPointer(c, X86Cpu.SS);
            case 0xB3:
                return BitOps.bitTest(c, BitOps.BTR, false);
            case 0xB4:
                return loadFarPointer(c, X86Cpu.FS);
            case 0xB5:
                return loadFarPointer(c, X86Cpu.GS);
            case 0xB6, 0xB7:
                return BitOps.movx(c, op == 0xB6 ? X86Cpu.S8 : X86Cpu.S16, false);
            case 0xB8:
                if (prefix(c) != Decoder.PFX_F3) {
                    throw c.fault(Vectors.UD); // JMPE
                }
                return BitOps.popcnt(c);
            case 0xBA:
                return BitOps.group8(c);
            case 0xBB:
                return BitOps.bitTest(c, BitOps.BTC, false);
            case 0xBC, 0xBD:
                if (prefix(c) == Decoder.PFX_F3) {
                    return BitOps.countZeros(c, op == 0xBD);
                }
                return BitOps.bitScan(c, op == 0xBD);
            case 0xBE, 0xBF:
                return BitOps.movx(c, op == 0xBE ? X86Cpu.S8 : X86Cpu.S16, true);
            default:
                throw c.fault(Vectors.UD); // A6, A7, AA (RSM), B9 (UD1)
        }
    }

    private static int executeC(X86Cpu c, int op) {
        switch (op) {
            case 0xC0:
                return BitOps.xadd(c, X86Cpu.S8);
            case 0xC1:
                return BitOps.xadd(c, c.opSize());
            case 0xC7:
                return BitOps.group9(c);
            case 0xC8, 0xC9, 0xCA, 0xCB, 0xCC, 0xCD, 0xCE, 0xCF:
                return BitOps.bswap(c, op);
            default:
                throw c.fault(Vectors.UD);
        }
    }

    /** The mandatory-prefix selector (none, 66, F3, F2). */
    static int prefix(X86Cpu c) {
        return (c.attr >>> Decoder.A_PFX_SHIFT) & 3;
    }

    // ---------------------------------------------------------------- exits and branches

    /** A privileged instruction at CPL &gt; 0: exit with RIP left at it. */
    static int privileged(X86Cpu c, PrivilegedOp what, int operand0, int operand1) {
        c.nextRip = c.insnRip;
        VcpuExit e = c.exit;
        e.reason = ExitReason.PRIVILEGED;
        e.privileged = what;
        e.operand[0] = operand0;
        e.operand[1] = operand1;
        e.instructionLength = Decoder.length(c.attr);
        return Interpreter.EXIT;
    }

    static boolean canonical(long v) {
        return (v << 16) >> 16 == v;
    }

    private static int jcc(X86Cpu c, int cc) {
        if (Flags.condition(c, cc)) {
            long target = c.nextRip + c.imm;
            if (c.code64) {
                if (!canonical(target)) {
                    throw c.fault(Vectors.GP, 0);
                }
            } else {
                target &= c.opSize() == X86Cpu.S16 ? 0xFFFF : 0xFFFF_FFFFL;
                if (target > c.segLimit[X86Cpu.CS]) {
                    throw c.fault(Vectors.GP, 0);
                }
            }
            c.nextRip = target;
        }
        return Interpreter.CONTINUE;
    }

    // ---------------------------------------------------------------- 0F 00 / 0F 01

    /** 0F 00: SLDT, STR, LLDT, LTR, VERR, VERW. */
    private static int group6(X86Cpu c) {
        switch (c.modrmReg() & 7) {
            case 0:
                return storeSystemSelector(c, c.ldtr);
            case 1:
                return storeSystemSelector(c, c.tr);
            case 2:
            case 3: {
                boolean ltr = (c.modrmReg() & 7) == 3;
                if (c.cpl > 0) {
                    return privileged(c, ltr ? PrivilegedOp.LTR : PrivilegedOp.LLDT, 0, 0);
                }
                int sel = (int) c.readRm(X86Cpu.S16);
                if (ltr) {
                    c.tr = sel;
                } else {
                    c.ldtr = sel;
                }
                return Interpreter.CONTINUE;
            }
            case 4:
            case 5:
                return verify(c, (c.modrmReg() & 7) == 5);
            default:
                throw c.fault(Vectors.UD);
        }
    }

    /** SLDT/STR/SMSW: a register gets the operand size (zero-extended), memory 16 bits. */
    private static int storeSystemSelector(X86Cpu c, long v) {
        if (c.rmIsReg()) {
            c.setReg(c.opSize(), c.modrmRm(), v);
        } else {
            c.mmu.write16(c.ea(), (int) v);
        }
        return Interpreter.CONTINUE;
    }

    /** 0F 01: SGDT, SIDT, LGDT, LIDT, SMSW, LMSW, INVLPG; register forms SWAPGS, RDTSCP. */
    private static int group7(X86Cpu c) {
        int reg = c.modrmReg() & 7;
        if (c.rmIsReg()) {
            return group7Reg(c, reg, c.modrmRm() & 7);
        }
        switch (reg) {
            case 0:
                return storeTable(c, c.gdtrLimit, c.gdtrBase);
            case 1:
                return storeTable(c, c.idtrLimit, c.idtrBase);
            case 2:
            case 3:
                return loadTable(c, reg == 3);
            case 4:
                return storeSystemSelector(c, c.cr0);
            case 6:
                return lmsw(c);
            case 7: {
                long va = c.ea();
                if (c.cpl > 0) {
                    return privileged(c, PrivilegedOp.INVLPG, (int) va, (int) (va >>> 32));
                }
                c.mmu.invalidatePage(va);
                return Interpreter.CONTINUE;
            }
            default:
                throw c.fault(Vectors.UD);
        }
    }

    private static int group7Reg(X86Cpu c, int reg, int rm) {
        switch (reg) {
            case 4:
                return storeSystemSelector(c, c.cr0);
            case 6:
                return lmsw(c);
            case 7:
                if (rm == 0) {
                    if (!c.code64) {
                        throw c.fault(Vectors.UD);
                    }
                    if (c.cpl > 0) {
                        return privileged(c, PrivilegedOp.SWAPGS, 0, 0);
                    }
                    c.swapGs();
                    return Interpreter.CONTINUE;
                }
                if (rm == 1) {
                    return rdtsc(c, true);
                }
                throw c.fault(Vectors.UD);
            default:
                // VMX/SVM, MONITOR/MWAIT, CLAC/STAC, XGETBV/XSETBV: not advertised.
                throw c.fault(Vectors.UD);
        }
    }

    /** SGDT/SIDT: 16-bit limit then the base (64 bits in 64-bit mode, else 32). */
    private static int storeTable(X86Cpu c, int limit, long base) {
        long a = c.ea();
        int size = c.code64 ? 10 : 6;
        c.mmu.probeWrite(a, size);
        c.mmu.write16(a, limit);
        if (c.code64) {
            c.mmu.write64(a + 2, base);
        } else {
            c.mmu.write32(a + 2, (int) base);
        }
        return Interpreter.CONTINUE;
    }

    private static int loadTable(X86Cpu c, boolean idt) {
        if (c.cpl > 0) {
            return privileged(c, idt ? PrivilegedOp.LIDT : PrivilegedOp.LGDT, 0, 0);
        }
        long a = c.ea();
        int limit = c.mmu.read16(a);
        long base;
        if (c.code64) {
            base = c.mmu.read64(a + 2);
            if (!canonical(base)) {
                throw c.fault(Vectors.GP, 0);
            }
        } else {
            base = c.mmu.read32(a + 2) & (c.opSize() == X86Cpu.S16 ? 0xFF_FFFFL : 0xFFFF_FFFFL);
        }
        if (idt) {
            c.idtrLimit = limit;
            c.idtrBase = base;
        } else {
            c.gdtrLimit = limit;
            c.gdtrBase = base;
        }
        return Interpreter.CONTINUE;
    }

    /** LMSW: loads CR0 bits 0..3; it can set PE but never clear it. */
    private static int lmsw(X86Cpu c) {
        if (c.cpl > 0) {
            return privileged(c, PrivilegedOp.LMSW, 0, 0);
        }
        long v = c.readRm(X86Cpu.S16) & 0xF;
        long cr0 = c.cr0;
        c.setCr0((cr0 & ~0xEL) | v | (cr0 & X86Cpu.CR0_PE));
        return Interpreter.CONTINUE;
    }

    // ---------------------------------------------------------------- descriptors (LAR, LSL, VERR, VERW)

    /**
     * The descriptor of {@code selector} if the current CPL and the selector's RPL may see it, else
     * 0. Conforming code segments skip the privilege check.
     */
    private static long visibleDescriptor(X86Cpu c, int selector) {
        if ((selector & 0xFFFC) == 0) {
            return 0;
        }
        long d = c.host.readDescriptor(selector);
        int attrs = (int) (d >>> 40) & 0xFF;
        int dpl = (attrs >>> 5) & 3;
        boolean conformingCode = (attrs & 0x1C) == 0x1C;
        if (!conformingCode && (dpl < c.cpl || dpl < (selector & 3))) {
            return 0;
        }
        return d;
    }

    private static int larLsl(X86Cpu c, boolean lsl) {
        int s = c.opSize();
        int sel = (int) c.readRm(X86Cpu.S16);
        long d = visibleDescriptor(c, sel);
        int attrs = (int) (d >>> 40) & 0xFF;
        int type = attrs & 0xF;
        boolean valid;
        if (d == 0) {
            valid = false;
        } else if ((attrs & 0x10) != 0) {
            valid = true;
        } else {
            // Long-mode system descriptors: LDT, available/busy 64-bit TSS, and (LAR only) call gate.
            valid = type == 2 || type == 9 || type == 0xB || (!lsl && type == 0xC);
        }
        if (valid) {
            long v;
            if (lsl) {
                v = (d & 0xFFFF) | ((d >>> 32) & 0xF_0000L);
                if ((d & (1L << 55)) != 0) {
                    v = (v << 12) | 0xFFF;
                }
            } else {
                v = (d >>> 32) & (s == X86Cpu.S16 ? 0xFF00 : 0x00F0_FF00);
            }
            c.setReg(s, c.modrmReg(), v);
        }
        BitOps.setZf(c, valid);
        return Interpreter.CONTINUE;
    }

    /** VERR/VERW: ZF=1 when the segment is readable (writable) at this CPL. */
    private static int verify(X86Cpu c, boolean write) {
        int sel = (int) c.readRm(X86Cpu.S16);
        long d = visibleDescriptor(c, sel);
        int attrs = (int) (d >>> 40) & 0xFF;
        boolean ok;
        if (d == 0 || (attrs & 0x10) == 0) {
            ok = false;
        } else if ((attrs & 8) != 0) {
            ok = !write && (attrs & 2) != 0; // readable code
        } else {
            ok = !write || (attrs & 2) != 0; // data; writable for VERW
        }
        BitOps.setZf(c, ok);
        return Interpreter.CONTINUE;
    }

    // ---------------------------------------------------------------- SYSCALL / SYSRET

    private static int syscall(X86Cpu c) {
        if (c.interceptSyscall) {
            VcpuExit e = c.exit;
            e.reason = ExitReason.SYSCALL;
            e.instructionLength = Decoder.length(c.attr);
            return Interpreter.EXIT;
        }
        if ((c.efer & X86Cpu.EFER_SCE) == 0) {
            throw c.fault(Vectors.UD);
        }
        long rflags = c.getRflags();
        long target = c.code64 ? c.lstar : c.cstar;
        int cs = (int) (c.star >>> 32) & 0xFFFC;
        c.gpr[X86Cpu.RCX] = c.nextRip;
        c.gpr[11] = rflags & ~Flags.RF;
        c.loadSegment(X86Cpu.CS, cs, DESC_CODE64_DPL0);
        c.loadSegment(X86Cpu.SS, cs + 8, DESC_DATA_DPL0);
        c.putRflags(rflags & ~c.sfmask & ~Flags.RF);
        c.nextRip = target;
        return Interpreter.CONTINUE;
    }

    private static int sysret(X86Cpu c) {
        if ((c.efer & X86Cpu.EFER_SCE) == 0 || !c.code64) {
            throw c.fault(Vectors.UD);
        }
        if (c.cpl > 0) {
            return privileged(c, PrivilegedOp.SYSRET, 0, 0);
        }
        boolean to64 = (c.attr & Decoder.A_REXW) != 0;
        long target = to64 ? c.gpr[X86Cpu.RCX] : c.gpr[X86Cpu.RCX] & 0xFFFF_FFFFL;
        if (!canonical(target)) {
            throw c.fault(Vectors.GP, 0);
        }
        int base = (int) (c.star >>> 48) & 0xFFFF;
        c.putRflags((c.gpr[11] & 0x3C_7FD7L) | 2);
        c.loadSegment(X86Cpu.SS, (base + 8) | 3, DESC_DATA_DPL3);
        if (to64) {
            c.loadSegment(X86Cpu.CS, (base + 16) | 3, DESC_CODE64_DPL3);
        } else {
            c.loadSegment(X86Cpu.CS, base | 3, DESC_CODE32_DPL3);
        }
        c.nextRip = target;
        return Interpreter.CONTINUE;
    }

    // ---------------------------------------------------------------- control and debug registers

    private static int movCr(X86Cpu c, boolean toCr) {
        int cr = c.modrmReg();
        int gpr = c.modrmRm();
        if (cr != 0 && cr != 2 && cr != 3 && cr != 4 && cr != 8) {
            throw c.fault(Vectors.UD);
        }
        if (c.cpl > 0) {
            return privileged(c, toCr ? PrivilegedOp.MOV_TO_CR : PrivilegedOp.MOV_FROM_CR, cr, gpr);
        }
        int s = c.code64 ? X86Cpu.S64 : X86Cpu.S32; // the operand size is fixed; prefixes are ignored
        if (!toCr) {
            long v = switch (cr) {
                case 0 -> c.cr0;
                case 2 -> c.cr2;
                case 3 -> c.cr3;
                case 4 -> c.cr4;
                default -> c.cr8;
            };
            c.setReg(s, gpr, v);
            return Interpreter.CONTINUE;
        }
        writeCr(c, cr, c.getReg(s, gpr));
        return Interpreter.CONTINUE;
    }

    /** MOV to CRn at CPL 0. Leaving long mode (clearing PG or PAE) is not supported: #GP. */
    private static void writeCr(X86Cpu c, int cr, long v) {
        switch (cr) {
            case 0 -> {
                v |= X86Cpu.CR0_ET;
                boolean pg = (v & X86Cpu.CR0_PG) != 0;
                boolean bad = (v >>> 32) != 0 || (pg && (v & X86Cpu.CR0_PE) == 0)
                        || ((v & 0x2000_0000L) != 0 && (v & 0x4000_0000L) == 0) // NW without CD
                        || (!pg && (c.efer & X86Cpu.EFER_LMA) != 0);
                if (bad) {
                    throw c.fault(Vectors.GP, 0);
                }
                c.setCr0(v);
            }
            case 2 -> c.cr2 = v;
            case 3 -> {
                if ((v >>> 52) != 0) {
                    throw c.fault(Vectors.GP, 0);
                }
                c.setCr3(v);
            }
            case 4 -> {
                if ((v & ~CR4_VALID) != 0 || ((v & X86Cpu.CR4_PAE) == 0 && (c.efer & X86Cpu.EFER_LMA) != 0)) {
                    throw c.fault(Vectors.GP, 0);
                }
                c.setCr4(v);
            }
            default -> {
                if ((v & ~0xFL) != 0) {
                    throw c.fault(Vectors.GP, 0);
                }
                c.cr8 = v;
            }
        }
    }

    private static int movDr(X86Cpu c, boolean toDr) {
        int encoded = c.modrmReg();
        int gpr = c.modrmRm();
        if (encoded > 7) {
            throw c.fault(Vectors.UD);
        }
        int dr = encoded;
        if (dr == 4 || dr == 5) {
            if ((c.cr4 & X86Cpu.CR4_DE) != 0) {
                throw c.fault(Vectors.UD);
            }
            dr += 2; // DR4/DR5 alias DR6/DR7 when CR4.DE is clear
        }
        if (c.cpl > 0) {
            return privileged(c, toDr ? PrivilegedOp.MOV_TO_DR : PrivilegedOp.MOV_FROM_DR, encoded, gpr);
        }
        int s = c.code64 ? X86Cpu.S64 : X86Cpu.S32;
        if (!toDr) {
            c.setReg(s, gpr, c.dr[dr]);
            return Interpreter.CONTINUE;
        }
        long v = c.getReg(s, gpr);
        if (dr >= 6) {
            if ((v >>> 32) != 0) {
                throw c.fault(Vectors.GP, 0);
            }
            v = dr == 6 ? (v & 0xE00F) | 0xFFFF_0FF0L : (v & ~0xD800L) | 0x400;
        }
        c.dr[dr] = v;
        return Interpreter.CONTINUE;
    }

    // ---------------------------------------------------------------- MSRs, TSC, CPUID

    private static int rdmsr(X86Cpu c) {
        int msr = (int) c.gpr[X86Cpu.RCX];
        if (c.cpl > 0) {
            return privileged(c, PrivilegedOp.RDMSR, msr, 0);
        }
        long v = switch (msr) {
            case MSR_FS_BASE -> c.segBase[X86Cpu.FS];
            case MSR_GS_BASE -> c.segBase[X86Cpu.GS];
            case MSR_KERNEL_GS_BASE -> c.kernelGsBase;
            case MSR_EFER -> c.efer;
            case MSR_STAR -> c.star;
            case MSR_LSTAR -> c.lstar;
            case MSR_CSTAR -> c.cstar;
            case MSR_SFMASK -> c.sfmask;
            case MSR_TSC_AUX -> c.tscAux;
            default -> throw c.fault(Vectors.GP, 0);
        };
        c.gpr[X86Cpu.RAX] = v & 0xFFFF_FFFFL;
        c.gpr[X86Cpu.RDX] = v >>> 32;
        return Interpreter.CONTINUE;
    }

    private static int wrmsr(X86Cpu c) {
        int msr = (int) c.gpr[X86Cpu.RCX];
        if (c.cpl > 0) {
            return privileged(c, PrivilegedOp.WRMSR, msr, 0);
        }
        long v = (c.gpr[X86Cpu.RDX] << 32) | (c.gpr[X86Cpu.RAX] & 0xFFFF_FFFFL);
        switch (msr) {
            case MSR_FS_BASE, MSR_GS_BASE, MSR_KERNEL_GS_BASE, MSR_LSTAR, MSR_CSTAR -> {
                if (!canonical(v)) {
                    throw c.fault(Vectors.GP, 0);
                }
                switch (msr) {
                    case MSR_FS_BASE -> c.segBase[X86Cpu.FS] = v;
                    case MSR_GS_BASE -> c.segBase[X86Cpu.GS] = v;
                    case MSR_KERNEL_GS_BASE -> c.kernelGsBase = v;
                    case MSR_LSTAR -> c.lstar = v;
                    default -> c.cstar = v;
                }
            }
            case MSR_EFER -> {
                long allowed = X86Cpu.EFER_SCE | X86Cpu.EFER_LME | X86Cpu.EFER_LMA | X86Cpu.EFER_NXE;
                // LMA is read-only, and LME cannot change while paging is on.
                boolean lmeChange = ((v ^ c.efer) & X86Cpu.EFER_LME) != 0 && (c.cr0 & X86Cpu.CR0_PG) != 0;
                if ((v & ~allowed) != 0 || lmeChange) {
                    throw c.fault(Vectors.GP, 0);
                }
                c.setEfer((v & ~X86Cpu.EFER_LMA) | (c.efer & X86Cpu.EFER_LMA));
            }
            case MSR_STAR -> c.star = v;
            case MSR_SFMASK, MSR_TSC_AUX -> {
                if ((v >>> 32) != 0) {
                    throw c.fault(Vectors.GP, 0);
                }
                if (msr == MSR_SFMASK) {
                    c.sfmask = v;
                } else {
                    c.tscAux = v;
                }
            }
            default -> throw c.fault(Vectors.GP, 0);
        }
        return Interpreter.CONTINUE;
    }

    /** RDTSC, and RDTSCP (which also loads TSC_AUX into ECX). CR4.TSD makes both CPL-0 only. */
    private static int rdtsc(X86Cpu c, boolean withAux) {
        if ((c.cr4 & X86Cpu.CR4_TSD) != 0 && c.cpl > 0) {
            throw c.fault(Vectors.GP, 0);
        }
        long t = c.host.readTsc();
        c.gpr[X86Cpu.RAX] = t & 0xFFFF_FFFFL;
        c.gpr[X86Cpu.RDX] = t >>> 32;
        if (withAux) {
            c.gpr[X86Cpu.RCX] = c.tscAux & 0xFFFF_FFFFL;
        }
        return Interpreter.CONTINUE;
    }

    private static int cpuid(X86Cpu c) {
        int[] out = c.cpuidOut;
        c.host.cpuid((int) c.gpr[X86Cpu.RAX], (int) c.gpr[X86Cpu.RCX], out);
        c.gpr[X86Cpu.RAX] = out[0] & 0xFFFF_FFFFL;
        c.gpr[X86Cpu.RBX] = out[1] & 0xFFFF_FFFFL;
        c.gpr[X86Cpu.RCX] = out[2] & 0xFFFF_FFFFL;
        c.gpr[X86Cpu.RDX] = out[3] & 0xFFFF_FFFFL;
        return Interpreter.CONTINUE;
    }

    // ---------------------------------------------------------------- FS/GS

    /** PUSH FS/GS: the selector, zero-extended to the operand size (as the host does in 64-bit mode). */
    private static int pushSeg(X86Cpu c, int seg) {
        int size = c.opSize() == X86Cpu.S16 ? 2 : c.opSize() == X86Cpu.S32 ? 4 : 8;
        c.push(size, c.segSel[seg]);
        return Interpreter.CONTINUE;
    }

    private static int popSeg(X86Cpu c, int seg) {
        int size = c.opSize() == X86Cpu.S16 ? 2 : c.opSize() == X86Cpu.S32 ? 4 : 8;
        int sel = (int) c.peek(2, 0);
        Segments.loadData(c, seg, sel);
        c.setSp(c.gpr[X86Cpu.RSP] + size);
        return Interpreter.CONTINUE;
    }

    /** LSS/LFS/LGS r, m16:16/32/64: offset first, selector after it. */
    private static int loadFarPointer(X86Cpu c, int seg) {
        if (c.rmIsReg()) {
            throw c.fault(Vectors.UD);
        }
        int s = c.opSize();
        long a = c.ea();
        long offset = c.mmu.read(a, 1 << s);
        int sel = c.mmu.read16(a + (1 << s));
        Segments.loadData(c, seg, sel);
        c.setReg(s, c.modrmReg(), offset);
        return Interpreter.CONTINUE;
    }

    // ---------------------------------------------------------------- entry points for the 0F38 map

    /**
     * MOVBE (0F 38 F0 load, F1 store; memory operand only): moves with the byte order reversed.
     * Called by the SSE unit, which owns the 0F38 map.
     */
    public static int movbe(X86Cpu c, boolean store) {
        if (c.rmIsReg()) {
            throw c.fault(Vectors.UD);
        }
        int s = c.opSize();
        long a = c.ea();
        int reg = c.modrmReg();
        if (store) {
            c.mmu.write(a, 1 << s, BitOps.reverseBytes(c.getReg(s, reg), s));
        } else {
            c.setReg(s, reg, BitOps.reverseBytes(c.mmu.read(a, 1 << s), s));
        }
        return Interpreter.CONTINUE;
    }

    /**
     * CRC32 r32/r64, r/m (F2 0F 38 F0 byte source, F1 16/32/64-bit source per the operand size):
     * CRC-32C without pre/post inversion; the result is 32 bits, zero-extended. Called by the SSE
     * unit.
     */
    public static int crc32(X86Cpu c, boolean wordForm) {
        int s = wordForm ? c.opSize() : X86Cpu.S8;
        long src = c.readRm(s);
        int reg = c.modrmReg();
        int crc = BitOps.crc32c((int) c.gpr[reg], src, 1 << s);
        c.gpr[reg] = crc & 0xFFFF_FFFFL;
        return Interpreter.CONTINUE;
    }
}
