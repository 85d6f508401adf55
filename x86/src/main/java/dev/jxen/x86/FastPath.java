package dev.jxen.x86;

import static dev.jxen.x86.X86Cpu.S32;
import static dev.jxen.x86.X86Cpu.S64;

/**
 * Specialised forms of the instructions compilers emit most (register and simple-memory MOV, ALU,
 * LEA, near branches, PUSH/POP of 64-bit registers...), chosen once at decode time so that the
 * run loop executes them without going through the generic decoders of {@link IntegerOps}: no
 * operand-size switches, no re-extraction of ModRM fields. Anything unusual (prefixes other than
 * REX and 66/F2/F3-free forms, segment overrides, 8/16-bit sizes, LOCK, compatibility mode) stays
 * on the generic path, and every form here must behave exactly like it.
 *
 * <p>A classified instruction is one int: {@code id | reg << 8 | rm << 12 | size << 16 | kind << 18}.
 */
final class FastPath {
    static final int NONE = 0;
    static final int MOV_RR = 1, MOV_LOAD = 2, MOV_STORE = 3, MOV_RI = 4, MOV_STORE_IMM = 5, ALU_RR = 6, ALU_RI = 7,
            ALU_LOAD = 8, ALU_STORE = 9, ALU_MI = 10, TEST_RR = 11, TEST_RI = 12, LEA = 13, INC = 14, DEC = 15,
            JCC = 16, JMP = 17, CALL = 18, RET = 19, PUSH = 20, POP = 21, SHL_RI = 22, SHR_RI = 23, SAR_RI = 24,
            IMUL_RR = 25, IMUL_LOAD = 26, MOVZX8_LOAD = 27, MOVZX8_RR = 28, NOP = 29, CMOV_RR = 30, MOVSXD_RR = 31,
            MOVSXD_LOAD = 32, MOVZX16_LOAD = 33, CMP_LOAD8_RI = 34, MOV_STORE8 = 35, IMUL_RRI = 36, IMUL_LOAD_I = 37,
            MOV_STORE8_IMM = 38, ROL_RI = 39, ROR_RI = 40;

    private static final int CMP = 7;

    /** {@code -Djxen.x86.fastpath=false} sends everything through the generic path (for bisecting bugs). */
    static final boolean ENABLED = !"false".equals(System.getProperty("jxen.x86.fastpath"));

    private FastPath() {
    }

    static int reg(int f) {
        return (f >>> 8) & 15;
    }

    static int rm(int f) {
        return (f >>> 12) & 15;
    }

    static int size(int f) {
        return (f >>> 16) & 3;
    }

    static int kind(int f) {
        return (f >>> 18) & 15;
    }

    private static int pack(int id, int reg, int rm, int size, int kind) {
        return id | reg << 8 | rm << 12 | size << 16 | kind << 18;
    }

    /** Chooses the specialised form of a decoded instruction, or {@link #NONE}. */
    static int classify(int op, int mrm, int attr) {
        if (!ENABLED || (attr & Decoder.A_MODE64) == 0 || (attr & Decoder.A_LOCK) != 0
                || ((attr >>> Decoder.A_SEG_SHIFT) & 7) != Decoder.SEG_DEFAULT
                || ((attr >>> Decoder.A_ADDRSIZE_SHIFT) & 3) != S64
                || ((attr >>> Decoder.A_REP_SHIFT) & 3) != Decoder.REP_NONE) {
            return NONE;
        }
        int s = attr & Decoder.A_OPSIZE_MASK;
        boolean wide = s == S32 || s == S64;
        boolean regForm = (mrm & Decoder.M_MOD_MASK) == Decoder.M_MOD_REG;
        int reg = (mrm >>> Decoder.M_REG_SHIFT) & 15;
        int rm = mrm & 15;
        int ext = reg & 7;
        // Opcodes with the register in their low bits (50+r, B8+r): REX.B is in bit 3 of rm.
        int opReg = (op & 7) | (rm & 8);
        if (op < 0x40 && (op & 7) <= 5 && (op & 0x38) <= 0x38 && op != 0x0F) {
            int kind = op >>> 3;
            if (kind == 2 || kind == 3) {
                return NONE; // ADC/SBB: rare in hot code
            }
            switch (op & 7) {
                case 1:
                    if (!wide) return NONE;
                    return regForm ? pack(ALU_RR, rm, reg, s, kind) : pack(ALU_STORE, reg, 0, s, kind);
                case 3:
                    if (!wide) return NONE;
                    return regForm ? pack(ALU_RR, reg, rm, s, kind) : pack(ALU_LOAD, reg, 0, s, kind);
                case 5:
                    if (!wide) return NONE;
                    return pack(ALU_RI, 0, 0, s, kind);
                default:
                    return NONE;
            }
        }
        switch (op) {
            case 0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57:
                return s == S64 ? pack(PUSH, opReg, 0, s, 0) : NONE;
            case 0x58, 0x59, 0x5A, 0x5B, 0x5C, 0x5D, 0x5E, 0x5F:
                return s == S64 ? pack(POP, opReg, 0, s, 0) : NONE;
            case 0x63:
                if (s != S64) return NONE;
                return regForm ? pack(MOVSXD_RR, reg, rm, s, 0) : pack(MOVSXD_LOAD, reg, 0, s, 0);
            case 0x69, 0x6B:
                if (!wide) return NONE;
                return regForm ? pack(IMUL_RRI, reg, rm, s, 0) : pack(IMUL_LOAD_I, reg, 0, s, 0);
            case 0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7A, 0x7B, 0x7C, 0x7D, 0x7E, 0x7F:
                return pack(JCC, 0, 0, 0, op & 15);
            case 0x80:
                return !regForm && ext == CMP ? pack(CMP_LOAD8_RI, 0, 0, 0, 0) : NONE;
            case 0x81, 0x83:
                if (!wide || ext == 2 || ext == 3) return NONE;
                return regForm ? pack(ALU_RI, rm, 0, s, ext) : pack(ALU_MI, 0, 0, s, ext);
            case 0x85:
                return wide && regForm ? pack(TEST_RR, rm, reg, s, 0) : NONE;
            case 0x88:
                return !regForm && (reg < 4 || (attr & Decoder.A_REX) != 0) ? pack(MOV_STORE8, reg, 0, 0, 0) : NONE;
            case 0x89:
                if (!wide) return NONE;
                return regForm ? pack(MOV_RR, rm, reg, s, 0) : pack(MOV_STORE, reg, 0, s, 0);
            case 0x8B:
                if (!wide) return NONE;
                return regForm ? pack(MOV_RR, reg, rm, s, 0) : pack(MOV_LOAD, reg, 0, s, 0);
            case 0x8D:
                return wide && !regForm ? pack(LEA, reg, 0, s, 0) : NONE;
            case 0x90:
                return rm == 0 ? pack(NOP, 0, 0, 0, 0) : NONE; // with REX.B it is XCHG R8, RAX
            case 0xA9:
                return wide ? pack(TEST_RI, 0, 0, s, 0) : NONE;
            case 0xB8, 0xB9, 0xBA, 0xBB, 0xBC, 0xBD, 0xBE, 0xBF:
                return wide ? pack(MOV_RI, opReg, 0, s, 0) : NONE;
            case 0xC1, 0xD1:
                if (!wide || !regForm) return NONE;
                return switch (ext) {
                    case 0 -> pack(ROL_RI, rm, 0, s, 0);
                    case 1 -> pack(ROR_RI, rm, 0, s, 0);
                    case 4, 6 -> pack(SHL_RI, rm, 0, s, 0);
                    case 5 -> pack(SHR_RI, rm, 0, s, 0);
                    case 7 -> pack(SAR_RI, rm, 0, s, 0);
                    default -> NONE;
                };
            case 0xC3:
                return pack(RET, 0, 0, 0, 0);
            case 0xC6:
                return !regForm && ext == 0 ? pack(MOV_STORE8_IMM, 0, 0, 0, 0) : NONE;
            case 0xC7:
                if (!wide || ext != 0) return NONE;
                return regForm ? pack(MOV_RI, rm, 0, s, 0) : pack(MOV_STORE_IMM, 0, 0, s, 0);
            case 0xE8:
                return pack(CALL, 0, 0, 0, 0);
            case 0xE9, 0xEB:
                return pack(JMP, 0, 0, 0, 0);
            case 0xF7:
                return wide && regForm && ext == 0 ? pack(TEST_RI, rm, 0, s, 0) : NONE;
            case 0xFF:
                if (!wide || !regForm || ext > 1) return NONE;
                return pack(ext == 0 ? INC : DEC, rm, 0, s, 0);
            default:
                break;
        }
        if ((op >>> 8) == Decoder.MAP_0F) {
            int pfx = (attr >>> Decoder.A_PFX_SHIFT) & 3;
            int b = op & 0xFF;
            if (b >= 0x80 && b <= 0x8F) {
                return pack(JCC, 0, 0, 0, b & 15);
            }
            if (b >= 0x40 && b <= 0x4F) {
                return wide && regForm && pfx == Decoder.PFX_NONE ? pack(CMOV_RR, reg, rm, s, b & 15) : NONE;
            }
            switch (b) {
                case 0x1F:
                    return pack(NOP, 0, 0, 0, 0);
                case 0xAF:
                    if (!wide || pfx != Decoder.PFX_NONE) return NONE;
                    return regForm ? pack(IMUL_RR, reg, rm, s, 0) : pack(IMUL_LOAD, reg, 0, s, 0);
                case 0xB6:
                    if (!wide) return NONE;
                    if (regForm) {
                        return rm < 4 || (attr & Decoder.A_REX) != 0 ? pack(MOVZX8_RR, reg, rm, s, 0) : NONE;
                    }
                    return pack(MOVZX8_LOAD, reg, 0, s, 0);
                case 0xB7:
                    return wide && !regForm ? pack(MOVZX16_LOAD, reg, 0, s, 0) : NONE;
                default:
                    return NONE;
            }
        }
        return NONE;
    }

    /** The effective address of a simple 64-bit-mode memory operand (no segment override). */
    private static long ea(X86Cpu c, int mrm, long disp, long next) {
        long a = disp;
        int base = (mrm >>> Decoder.M_BASE_SHIFT) & 31;
        if (base < 16) {
            a += c.gpr[base];
        } else if (base == Decoder.BASE_RIP) {
            a += next;
        }
        int index = (mrm >>> Decoder.M_INDEX_SHIFT) & 31;
        if (index < 16) {
            a += c.gpr[index] << ((mrm >>> Decoder.M_SCALE_SHIFT) & 3);
        }
        return a;
    }

    private static long load(X86Cpu c, int s, long ea) {
        return s == S64 ? c.mmu.read64(ea) : c.mmu.read32(ea) & 0xFFFF_FFFFL;
    }

    private static void store(X86Cpu c, int s, long ea, long v) {
        if (s == S64) {
            c.mmu.write64(ea, v);
        } else {
            c.mmu.write32(ea, (int) v);
        }
    }

    private static long trunc(int s, long v) {
        return s == S64 ? v : v & 0xFFFF_FFFFL;
    }

    /** The ALU operation with its lazy flags, shared with the generic path ({@link IntegerOps}). */
    private static long alu(X86Cpu c, int kind, int s, long a, long b) {
        long r = IntegerOps.aluResult(c, kind, a, b);
        IntegerOps.aluFlags(c, kind, s, a, b, r);
        return r;
    }

    /** reg op= v; CMP only sets the flags. */
    private static void aluRegister(X86Cpu c, int kind, int s, int d, long v) {
        long r = alu(c, kind, s, trunc(s, c.gpr[d]), v);
        if (kind != CMP) {
            c.gpr[d] = trunc(s, r);
        }
    }

    /** [ea] op= v: the write is checked before the read (it faults as a write), flags set last. */
    private static void aluMemory(X86Cpu c, int kind, int s, long ea, long v) {
        if (kind != CMP) {
            c.mmu.probeWrite(ea, 1 << s);
        }
        long a = load(c, s, ea);
        long r = IntegerOps.aluResult(c, kind, a, v);
        if (kind != CMP) {
            store(c, s, ea, r);
        }
        IntegerOps.aluFlags(c, kind, s, a, v, r);
    }

    /**
     * Executes classified instruction {@code f} (block entry {@code k}) whose fall-through address is
     * {@code next}; returns the address execution continues at.
     */
    static long execute(X86Cpu c, Block b, int k, int f, long next) {
        long[] g = c.gpr;
        int s = size(f);
        switch (f & 0xFF) {
            case MOV_RR:
                g[reg(f)] = trunc(s, g[rm(f)]);
                return next;
            case MOV_LOAD: {
                long v = load(c, s, ea(c, b.mrm[k], b.disp[k], next));
                g[reg(f)] = v;
                return next;
            }
            case MOV_STORE:
                store(c, s, ea(c, b.mrm[k], b.disp[k], next), g[reg(f)]);
                return next;
            case MOV_STORE8: {
                c.mmu.write8(ea(c, b.mrm[k], b.disp[k], next), (int) g[reg(f)]);
                return next;
            }
            case MOV_STORE8_IMM:
                c.mmu.write8(ea(c, b.mrm[k], b.disp[k], next), (int) b.imm[k]);
                return next;
            case MOV_RI:
                g[reg(f)] = trunc(s, b.imm[k]);
                return next;
            case MOV_STORE_IMM:
                store(c, s, ea(c, b.mrm[k], b.disp[k], next), b.imm[k]);
                return next;
            case ALU_RR:
                aluRegister(c, kind(f), s, reg(f), trunc(s, g[rm(f)]));
                return next;
            case ALU_RI:
                aluRegister(c, kind(f), s, reg(f), trunc(s, b.imm[k]));
                return next;
            case ALU_LOAD:
                aluRegister(c, kind(f), s, reg(f), load(c, s, ea(c, b.mrm[k], b.disp[k], next)));
                return next;
            case ALU_STORE:
                aluMemory(c, kind(f), s, ea(c, b.mrm[k], b.disp[k], next), trunc(s, g[reg(f)]));
                return next;
            case ALU_MI:
                aluMemory(c, kind(f), s, ea(c, b.mrm[k], b.disp[k], next), trunc(s, b.imm[k]));
                return next;
            case CMP_LOAD8_RI: {
                long a = c.mmu.read8(ea(c, b.mrm[k], b.disp[k], next));
                alu(c, CMP, 0, a, b.imm[k] & 0xFF);
                return next;
            }
            case TEST_RR:
                c.ccOp = Flags.LOGIC | s;
                c.ccDst = g[reg(f)] & g[rm(f)];
                return next;
            case TEST_RI:
                c.ccOp = Flags.LOGIC | s;
                c.ccDst = g[reg(f)] & b.imm[k];
                return next;
            case LEA:
                g[reg(f)] = trunc(s, ea(c, b.mrm[k], b.disp[k], next));
                return next;
            case INC: {
                int d = reg(f);
                long a = trunc(s, g[d]);
                long cf = Flags.cf(c) ? 1 : 0;
                long r = a + 1;
                g[d] = trunc(s, r);
                Flags.set(c, Flags.INC | s, a, cf, r);
                return next;
            }
            case DEC: {
                int d = reg(f);
                long a = trunc(s, g[d]);
                long cf = Flags.cf(c) ? 1 : 0;
                long r = a - 1;
                g[d] = trunc(s, r);
                Flags.set(c, Flags.DEC | s, a, cf, r);
                return next;
            }
            case JCC:
                return Flags.condition(c, kind(f)) ? target(c, next + b.imm[k]) : next;
            case JMP:
                return target(c, next + b.imm[k]);
            case CALL: {
                long target = target(c, next + b.imm[k]);
                c.push(8, next);
                return target;
            }
            case RET: {
                long sp = g[X86Cpu.RSP];
                long target = target(c, c.mmu.read64(sp));
                g[X86Cpu.RSP] = sp + 8;
                return target;
            }
            case PUSH: {
                long v = g[reg(f)];
                long sp = g[X86Cpu.RSP] - 8;
                c.mmu.write64(sp, v);
                g[X86Cpu.RSP] = sp;
                return next;
            }
            case POP: {
                long sp = g[X86Cpu.RSP];
                long v = c.mmu.read64(sp);
                g[X86Cpu.RSP] = sp + 8;
                g[reg(f)] = v; // POP RSP loads the value read, after the increment
                return next;
            }
            case SHL_RI, SHR_RI, SAR_RI:
                return shift(c, b, k, f, next);
            case IMUL_RR:
                GroupOps.imul2(c, s, trunc(s, g[reg(f)]), trunc(s, g[rm(f)]), reg(f));
                return next;
            case IMUL_RRI:
                GroupOps.imul2(c, s, trunc(s, g[rm(f)]), b.imm[k], reg(f));
                return next;
            case IMUL_LOAD_I: {
                long m = load(c, s, ea(c, b.mrm[k], b.disp[k], next));
                GroupOps.imul2(c, s, m, b.imm[k], reg(f));
                return next;
            }
            case ROL_RI, ROR_RI:
                return rotate(c, b, k, f, next);
            case IMUL_LOAD: {
                long m = load(c, s, ea(c, b.mrm[k], b.disp[k], next));
                GroupOps.imul2(c, s, trunc(s, g[reg(f)]), m, reg(f));
                return next;
            }
            case MOVZX8_LOAD:
                g[reg(f)] = c.mmu.read8(ea(c, b.mrm[k], b.disp[k], next));
                return next;
            case MOVZX16_LOAD:
                g[reg(f)] = c.mmu.read16(ea(c, b.mrm[k], b.disp[k], next));
                return next;
            case MOVZX8_RR:
                g[reg(f)] = g[rm(f)] & 0xFF;
                return next;
            case MOVSXD_RR:
                g[reg(f)] = (int) g[rm(f)];
                return next;
            case MOVSXD_LOAD:
                g[reg(f)] = c.mmu.read32(ea(c, b.mrm[k], b.disp[k], next));
                return next;
            case CMOV_RR: {
                int d = reg(f);
                if (Flags.condition(c, kind(f))) {
                    g[d] = trunc(s, g[rm(f)]);
                } else if (s == S32) {
                    g[d] &= 0xFFFF_FFFFL;
                }
                return next;
            }
            case NOP:
                return next;
            default:
                throw new IllegalStateException("unclassified fast op " + f);
        }
    }

    /** A near branch target: a non-canonical one raises #GP at the branch, as the hardware does. */
    private static long target(X86Cpu c, long t) {
        if ((t << 16 >> 16) != t) {
            throw c.fault(Vectors.GP, 0);
        }
        return t;
    }

    /** Shift/rotate count of D1 (1) or C1 (imm8), masked as the hardware masks it. */
    private static int count(Block b, int k, int s) {
        return (int) (b.op[k] == 0xD1 ? 1 : b.imm[k]) & (s == S64 ? 63 : 31);
    }

    private static long rotate(X86Cpu c, Block b, int k, int f, long next) {
        int s = size(f);
        int d = reg(f);
        long a = trunc(s, c.gpr[d]);
        int n = count(b, k, s);
        c.gpr[d] = a; // a count of 0 changes no flags but still writes (zero-extends) the register
        if (n != 0) {
            boolean right = (f & 0xFF) == ROR_RI;
            long r = GroupOps.rotate(a, s, n, right);
            c.gpr[d] = r;
            Flags.setArith(c, GroupOps.rotateFlags(c, s, r, right));
        }
        return next;
    }

    private static long shift(X86Cpu c, Block b, int k, int f, long next) {
        int s = size(f);
        int d = reg(f);
        long a = trunc(s, c.gpr[d]);
        int n = count(b, k, s);
        if (n == 0) {
            c.gpr[d] = a; // no flag change, but the register is written (zero-extended)
            return next;
        }
        long r;
        int kind;
        switch (f & 0xFF) {
            case SHL_RI -> {
                r = a << n;
                kind = Flags.SHL;
            }
            case SHR_RI -> {
                r = a >>> n;
                kind = Flags.SHR;
            }
            default -> {
                r = (s == S64 ? a : (long) (int) a) >> n;
                kind = Flags.SAR;
            }
        }
        c.gpr[d] = trunc(s, r);
        Flags.set(c, kind | s, a, n, r);
        return next;
    }
}
