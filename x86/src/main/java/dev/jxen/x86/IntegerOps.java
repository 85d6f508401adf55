package dev.jxen.x86;

import static dev.jxen.x86.X86Cpu.S16;
import static dev.jxen.x86.X86Cpu.S32;
import static dev.jxen.x86.X86Cpu.S64;
import static dev.jxen.x86.X86Cpu.S8;

import dev.jxen.x86.fpu.X87;

/**
 * The one-byte opcode map: integer, stack, control-flow and string instructions. This class holds
 * the dispatch switch and the plain data-movement and ALU forms; the groups live in
 * {@link GroupOps}, branches, stack frames and privilege changes in {@link ControlOps}, string and
 * port instructions in {@link StringOps}, the 32-bit-only legacy ones in {@link LegacyOps}.
 *
 * <p>Operand values are carried zero-extended to their size; results may carry junk above it,
 * which {@link X86Cpu#setReg}, memory writes and {@link Flags} mask away.
 */
final class IntegerOps {
    private IntegerOps() {
    }

    /** ALU kind (ModRM reg / opcode bits 3..5) to the lazy-flags kind. */
    private static final int[] ALU_CC = {Flags.ADD, Flags.LOGIC, Flags.ADC, Flags.SBB, Flags.LOGIC, Flags.SUB,
        Flags.LOGIC, Flags.SUB};
    private static final int CMP = 7;

    static int execute(X86Cpu c, int op) {
        if ((c.attr & Decoder.A_LOCK) != 0) {
            checkLock(c, op);
        }
        switch (op) {
            // ---- ALU: op Eb,Gb / Ev,Gv / Gb,Eb / Gv,Ev / AL,Ib / eAX,Iz
            case 0x00, 0x08, 0x10, 0x18, 0x20, 0x28, 0x30, 0x38:
                aluRmReg(c, op >>> 3, S8);
                return Interpreter.CONTINUE;
            case 0x01, 0x09, 0x11, 0x19, 0x21, 0x29, 0x31, 0x39:
                aluRmReg(c, op >>> 3, c.opSize());
                return Interpreter.CONTINUE;
            case 0x02, 0x0A, 0x12, 0x1A, 0x22, 0x2A, 0x32, 0x3A:
                aluRegRm(c, op >>> 3, S8);
                return Interpreter.CONTINUE;
            case 0x03, 0x0B, 0x13, 0x1B, 0x23, 0x2B, 0x33, 0x3B:
                aluRegRm(c, op >>> 3, c.opSize());
                return Interpreter.CONTINUE;
            case 0x04, 0x0C, 0x14, 0x1C, 0x24, 0x2C, 0x34, 0x3C:
                aluAccImm(c, op >>> 3, S8);
                return Interpreter.CONTINUE;
            case 0x05, 0x0D, 0x15, 0x1D, 0x25, 0x2D, 0x35, 0x3D:
                aluAccImm(c, op >>> 3, c.opSize());
                return Interpreter.CONTINUE;
            case 0x06, 0x0E, 0x16, 0x1E:
                c.push(2 << (c.opSize() - 1), c.segSel[op >>> 3]);
                return Interpreter.CONTINUE;
            case 0x07, 0x17, 0x1F:
                ControlOps.popSegment(c, op >>> 3);
                return Interpreter.CONTINUE;
            case 0x27:
                LegacyOps.daa(c);
                return Interpreter.CONTINUE;
            case 0x2F:
                LegacyOps.das(c);
                return Interpreter.CONTINUE;
            case 0x37:
                LegacyOps.aaa(c);
                return Interpreter.CONTINUE;
            case 0x3F:
                LegacyOps.aas(c);
                return Interpreter.CONTINUE;
            case 0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47:
                GroupOps.incDecReg(c, op & 7, c.opSize(), false);
                return Interpreter.CONTINUE;
            case 0x48, 0x49, 0x4A, 0x4B, 0x4C, 0x4D, 0x4E, 0x4F:
                GroupOps.incDecReg(c, op & 7, c.opSize(), true);
                return Interpreter.CONTINUE;
            case 0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57: {
                int s = c.opSize();
                c.push(1 << s, c.getReg(s, (op & 7) | (c.mrm & 8)));
                return Interpreter.CONTINUE;
            }
            case 0x58, 0x59, 0x5A, 0x5B, 0x5C, 0x5D, 0x5E, 0x5F: {
                int s = c.opSize();
                long v = c.pop(1 << s);
                c.setReg(s, (op & 7) | (c.mrm & 8), v);
                return Interpreter.CONTINUE;
            }
            case 0x60:
                LegacyOps.pusha(c);
                return Interpreter.CONTINUE;
            case 0x61:
                LegacyOps.popa(c);
                return Interpreter.CONTINUE;
            case 0x62:
                LegacyOps.bound(c);
                return Interpreter.CONTINUE;
            case 0x63:
                if (c.code64) {
                    movsxd(c);
                } else {
                    LegacyOps.arpl(c);
                }
                return Interpreter.CONTINUE;
            case 0x68, 0x6A: {
                int s = c.opSize();
                c.push(1 << s, c.imm);
                return Interpreter.CONTINUE;
            }
            case 0x69, 0x6B:
                GroupOps.imulImm(c);
                return Interpreter.CONTINUE;
            case 0x6C, 0x6D, 0x6E, 0x6F:
                return StringOps.insOuts(c, op);
            case 0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7A, 0x7B, 0x7C, 0x7D, 0x7E, 0x7F:
                if (Flags.condition(c, op & 15)) {
                    ControlOps.jumpNear(c, c.nextRip + c.imm);
                }
                return Interpreter.CONTINUE;
            case 0x80, 0x82:
                aluGroup(c, S8);
                return Interpreter.CONTINUE;
            case 0x81, 0x83:
                aluGroup(c, c.opSize());
                return Interpreter.CONTINUE;
            case 0x84:
                testRmReg(c, S8);
                return Interpreter.CONTINUE;
            case 0x85:
                testRmReg(c, c.opSize());
                return Interpreter.CONTINUE;
            case 0x86:
                xchgRm(c, S8);
                return Interpreter.CONTINUE;
            case 0x87:
                xchgRm(c, c.opSize());
                return Interpreter.CONTINUE;
            case 0x88:
                c.writeRm(S8, c.getReg(S8, c.modrmReg()));
                return Interpreter.CONTINUE;
            case 0x89: {
                int s = c.opSize();
                if (s == S64 && c.rmIsReg()) {
                    c.gpr[c.mrm & 15] = c.gpr[c.modrmReg()];
                    return Interpreter.CONTINUE;
                }
                c.writeRm(s, c.getReg(s, c.modrmReg()));
                return Interpreter.CONTINUE;
            }
            case 0x8A:
                c.setReg(S8, c.modrmReg(), c.readRm(S8));
                return Interpreter.CONTINUE;
            case 0x8B: {
                int s = c.opSize();
                c.setReg(s, c.modrmReg(), c.readRm(s));
                return Interpreter.CONTINUE;
            }
            case 0x8C:
                movFromSeg(c);
                return Interpreter.CONTINUE;
            case 0x8D:
                lea(c);
                return Interpreter.CONTINUE;
            case 0x8E:
                ControlOps.movToSeg(c);
                return Interpreter.CONTINUE;
            case 0x8F:
                ControlOps.popRm(c);
                return Interpreter.CONTINUE;
            case 0x90:
                if ((c.mrm & 8) != 0) {
                    xchgAcc(c, 8);
                }
                return Interpreter.CONTINUE; // NOP, and PAUSE with F3
            case 0x91, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97:
                xchgAcc(c, (op & 7) | (c.mrm & 8));
                return Interpreter.CONTINUE;
            case 0x98:
                cbw(c);
                return Interpreter.CONTINUE;
            case 0x99:
                cwd(c);
                return Interpreter.CONTINUE;
            case 0x9A:
                ControlOps.farDirect(c, true);
                return Interpreter.CONTINUE;
            case 0x9B:
                return X87.fwait(c);
            case 0x9C:
                ControlOps.pushf(c);
                return Interpreter.CONTINUE;
            case 0x9D:
                ControlOps.popf(c);
                return Interpreter.CONTINUE;
            case 0x9E:
                sahf(c);
                return Interpreter.CONTINUE;
            case 0x9F:
                c.setReg(S8, 4, (Flags.arith(c) & (Flags.SF | Flags.ZF | Flags.AF | Flags.PF | Flags.CF)) | 2);
                return Interpreter.CONTINUE;
            case 0xA0:
                c.setReg(S8, 0, c.mmu.read8(c.ea()));
                return Interpreter.CONTINUE;
            case 0xA1: {
                int s = c.opSize();
                c.setReg(s, 0, c.mmu.read(c.ea(), 1 << s));
                return Interpreter.CONTINUE;
            }
            case 0xA2:
                c.mmu.write8(c.ea(), (int) c.gpr[0]);
                return Interpreter.CONTINUE;
            case 0xA3: {
                int s = c.opSize();
                c.mmu.write(c.ea(), 1 << s, c.gpr[0]);
                return Interpreter.CONTINUE;
            }
            case 0xA4:
                StringOps.movs(c, S8);
                return Interpreter.CONTINUE;
            case 0xA5:
                StringOps.movs(c, c.opSize());
                return Interpreter.CONTINUE;
            case 0xA6:
                StringOps.cmps(c, S8);
                return Interpreter.CONTINUE;
            case 0xA7:
                StringOps.cmps(c, c.opSize());
                return Interpreter.CONTINUE;
            case 0xA8:
                Flags.set(c, Flags.LOGIC | S8, 0, 0, c.gpr[0] & c.imm);
                return Interpreter.CONTINUE;
            case 0xA9: {
                int s = c.opSize();
                Flags.set(c, Flags.LOGIC | s, 0, 0, c.gpr[0] & c.imm);
                return Interpreter.CONTINUE;
            }
            case 0xAA:
                StringOps.stos(c, S8);
                return Interpreter.CONTINUE;
            case 0xAB:
                StringOps.stos(c, c.opSize());
                return Interpreter.CONTINUE;
            case 0xAC:
                StringOps.lods(c, S8);
                return Interpreter.CONTINUE;
            case 0xAD:
                StringOps.lods(c, c.opSize());
                return Interpreter.CONTINUE;
            case 0xAE:
                StringOps.scas(c, S8);
                return Interpreter.CONTINUE;
            case 0xAF:
                StringOps.scas(c, c.opSize());
                return Interpreter.CONTINUE;
            case 0xB0, 0xB1, 0xB2, 0xB3, 0xB4, 0xB5, 0xB6, 0xB7:
                c.setReg(S8, (op & 7) | (c.mrm & 8), c.imm);
                return Interpreter.CONTINUE;
            case 0xB8, 0xB9, 0xBA, 0xBB, 0xBC, 0xBD, 0xBE, 0xBF:
                c.setReg(c.opSize(), (op & 7) | (c.mrm & 8), c.imm);
                return Interpreter.CONTINUE;
            case 0xC0:
                GroupOps.shift(c, S8, (int) c.imm);
                return Interpreter.CONTINUE;
            case 0xC1:
                GroupOps.shift(c, c.opSize(), (int) c.imm);
                return Interpreter.CONTINUE;
            case 0xC2:
                ControlOps.retNear(c, (int) (c.imm & 0xFFFF));
                return Interpreter.CONTINUE;
            case 0xC3:
                ControlOps.retNear(c, 0);
                return Interpreter.CONTINUE;
            case 0xC4:
                LegacyOps.loadFarPointer(c, ES);
                return Interpreter.CONTINUE;
            case 0xC5:
                LegacyOps.loadFarPointer(c, DS);
                return Interpreter.CONTINUE;
            case 0xC6:
                if (((c.mrm >>> Decoder.M_REG_SHIFT) & 7) != 0) {
                    throw c.fault(Vectors.UD);
                }
                c.writeRm(S8, c.imm);
                return Interpreter.CONTINUE;
            case 0xC7:
                if (((c.mrm >>> Decoder.M_REG_SHIFT) & 7) != 0) {
                    throw c.fault(Vectors.UD);
                }
                c.writeRm(c.opSize(), c.imm);
                return Interpreter.CONTINUE;
            case 0xC8:
                ControlOps.enter(c);
                return Interpreter.CONTINUE;
            case 0xC9:
                ControlOps.leave(c);
                return Interpreter.CONTINUE;
            case 0xCA:
                ControlOps.retFar(c, (int) (c.imm & 0xFFFF));
                return Interpreter.CONTINUE;
            case 0xCB:
                ControlOps.retFar(c, 0);
                return Interpreter.CONTINUE;
            case 0xCC:
                return ControlOps.softwareInterrupt(c, Vectors.BP);
            case 0xCD:
                return ControlOps.softwareInterrupt(c, (int) (c.imm & 0xFF));
            case 0xCE:
                if ((Flags.arith(c) & Flags.OF) != 0) {
                    return ControlOps.softwareInterrupt(c, Vectors.OF);
                }
                return Interpreter.CONTINUE;
            case 0xCF:
                return ControlOps.iret(c);
            case 0xD0:
                GroupOps.shift(c, S8, 1);
                return Interpreter.CONTINUE;
            case 0xD1:
                GroupOps.shift(c, c.opSize(), 1);
                return Interpreter.CONTINUE;
            case 0xD2:
                GroupOps.shift(c, S8, (int) c.gpr[1]);
                return Interpreter.CONTINUE;
            case 0xD3:
                GroupOps.shift(c, c.opSize(), (int) c.gpr[1]);
                return Interpreter.CONTINUE;
            case 0xD4:
                LegacyOps.aam(c);
                return Interpreter.CONTINUE;
            case 0xD5:
                LegacyOps.aad(c);
                return Interpreter.CONTINUE;
            case 0xD6:
                c.setReg(S8, 0, Flags.cf(c) ? 0xFF : 0); // SALC
                return Interpreter.CONTINUE;
            case 0xD7:
                xlat(c);
                return Interpreter.CONTINUE;
            case 0xD8, 0xD9, 0xDA, 0xDB, 0xDC, 0xDD, 0xDE, 0xDF:
                return X87.execute(c, op);
            case 0xE0, 0xE1, 0xE2, 0xE3:
                ControlOps.loop(c, op);
                return Interpreter.CONTINUE;
            case 0xE4, 0xE5:
                return StringOps.io(c, (int) (c.imm & 0xFF), op == 0xE4 ? 1 : ioSize(c), true);
            case 0xE6, 0xE7:
                return StringOps.io(c, (int) (c.imm & 0xFF), op == 0xE6 ? 1 : ioSize(c), false);
            case 0xE8:
                ControlOps.callNear(c, c.nextRip + c.imm);
                return Interpreter.CONTINUE;
            case 0xE9, 0xEB:
                ControlOps.jumpNear(c, c.nextRip + c.imm);
                return Interpreter.CONTINUE;
            case 0xEA:
                ControlOps.farDirect(c, false);
                return Interpreter.CONTINUE;
            case 0xEC, 0xED:
                return StringOps.io(c, (int) (c.gpr[2] & 0xFFFF), op == 0xEC ? 1 : ioSize(c), true);
            case 0xEE, 0xEF:
                return StringOps.io(c, (int) (c.gpr[2] & 0xFFFF), op == 0xEE ? 1 : ioSize(c), false);
            case 0xF1:
                return ControlOps.int1(c);
            case 0xF4:
                return ControlOps.hlt(c);
            case 0xF5:
                Flags.setArith(c, Flags.arith(c) ^ Flags.CF);
                return Interpreter.CONTINUE;
            case 0xF6:
                GroupOps.group3(c, S8);
                return Interpreter.CONTINUE;
            case 0xF7:
                GroupOps.group3(c, c.opSize());
                return Interpreter.CONTINUE;
            case 0xF8:
                Flags.setArith(c, Flags.arith(c) & ~Flags.CF);
                return Interpreter.CONTINUE;
            case 0xF9:
                Flags.setArith(c, Flags.arith(c) | Flags.CF);
                return Interpreter.CONTINUE;
            case 0xFA:
                return ControlOps.cliSti(c, false);
            case 0xFB:
                return ControlOps.cliSti(c, true);
            case 0xFC:
                c.rflagsRest &= ~Flags.DF;
                return Interpreter.CONTINUE;
            case 0xFD:
                c.rflagsRest |= Flags.DF;
                return Interpreter.CONTINUE;
            case 0xFE:
                GroupOps.group4(c);
                return Interpreter.CONTINUE;
            case 0xFF:
                return GroupOps.group5(c);
            default:
                throw c.fault(Vectors.UD);
        }
    }

    private static final int ES = 0, DS = 3;

    // ---------------------------------------------------------------- LOCK

    /** LOCK is allowed only on read-modify-write instructions with a memory destination. */
    private static void checkLock(X86Cpu c, int op) {
        boolean ok;
        int ext = (c.mrm >>> Decoder.M_REG_SHIFT) & 7;
        if (op < 0x40) {
            ok = (op & 6) == 0 && (op & 0x38) != 0x38; // op Eb,Gb / Ev,Gv except CMP
        } else {
            ok = switch (op) {
                case 0x80, 0x81, 0x82, 0x83 -> ext != 7;
                case 0x86, 0x87 -> true;
                case 0xF6, 0xF7 -> ext == 2 || ext == 3;
                case 0xFE, 0xFF -> ext <= 1;
                default -> false;
            };
        }
        if (!ok || c.rmIsReg() || (c.mrm & Decoder.M_HAS_MODRM) == 0) {
            throw c.fault(Vectors.UD);
        }
    }

    // ---------------------------------------------------------------- ALU

    /** The result of ALU operation {@code kind} (0 ADD .. 7 CMP); reads CF for ADC/SBB, sets no flags. */
    static long aluResult(X86Cpu c, int kind, long a, long b) {
        switch (kind) {
            case 0:
                return a + b;
            case 1:
                return a | b;
            case 2:
                return a + b + (Flags.cf(c) ? 1 : 0);
            case 3:
                return a - b - (Flags.cf(c) ? 1 : 0);
            case 4:
                return a & b;
            case 6:
                return a ^ b;
            default:
                return a - b;
        }
    }

    static void aluFlags(X86Cpu c, int kind, int s, long a, long b, long r) {
        c.ccOp = ALU_CC[kind] | s;
        c.ccSrc1 = a;
        c.ccSrc2 = b;
        c.ccDst = r;
    }

    /** op r/m, reg. */
    private static void aluRmReg(X86Cpu c, int kind, int s) {
        long b = c.getReg(s, c.modrmReg());
        aluRm(c, kind, s, b);
    }

    /** op r/m, {@code b}: register or read-modify-write memory, flags last. */
    private static void aluRm(X86Cpu c, int kind, int s, long b) {
        if (c.rmIsReg()) {
            if (s >= S32) {
                // The common case: no AH..BH, no merging.
                int rm = c.mrm & 15;
                long a = s == S64 ? c.gpr[rm] : c.gpr[rm] & 0xFFFF_FFFFL;
                long r = aluResult(c, kind, a, b);
                if (kind != CMP) {
                    c.gpr[rm] = s == S64 ? r : r & 0xFFFF_FFFFL;
                }
                aluFlags(c, kind, s, a, b, r);
                return;
            }
            int rm = c.mrm & 15;
            long a = c.getReg(s, rm);
            long r = aluResult(c, kind, a, b);
            if (kind != CMP) {
                c.setReg(s, rm, r);
            }
            aluFlags(c, kind, s, a, b, r);
        } else {
            long ea = c.ea();
            long a = kind == CMP ? c.mmu.read(ea, 1 << s) : readForWrite(c, ea, 1 << s);
            long r = aluResult(c, kind, a, b);
            if (kind != CMP) {
                c.mmu.write(ea, 1 << s, r);
            }
            aluFlags(c, kind, s, a, b, r);
        }
    }

    /** op reg, r/m. */
    private static void aluRegRm(X86Cpu c, int kind, int s) {
        if (s == S64) {
            long b = c.rmIsReg() ? c.gpr[c.mrm & 15] : c.mmu.read64(c.ea());
            int reg = c.modrmReg();
            long a = c.gpr[reg];
            long r = aluResult(c, kind, a, b);
            if (kind != CMP) {
                c.gpr[reg] = r;
            }
            aluFlags(c, kind, s, a, b, r);
            return;
        }
        long b = c.readRm(s);
        int reg = c.modrmReg();
        long a = c.getReg(s, reg);
        long r = aluResult(c, kind, a, b);
        if (kind != CMP) {
            c.setReg(s, reg, r);
        }
        aluFlags(c, kind, s, a, b, r);
    }

    private static void aluAccImm(X86Cpu c, int kind, int s) {
        long a = c.getReg(s, 0);
        long b = c.imm & Flags.MASK[s];
        long r = aluResult(c, kind, a, b);
        if (kind != CMP) {
            c.setReg(s, 0, r);
        }
        aluFlags(c, kind, s, a, b, r);
    }

    /** 80..83: op r/m, imm with the operation in ModRM.reg. */
    private static void aluGroup(X86Cpu c, int s) {
        aluRm(c, (c.mrm >>> Decoder.M_REG_SHIFT) & 7, s, c.imm & Flags.MASK[s]);
    }

    private static void testRmReg(X86Cpu c, int s) {
        long a = c.readRm(s);
        Flags.set(c, Flags.LOGIC | s, 0, 0, a & c.getReg(s, c.modrmReg()));
    }

    /**
     * The read of a read-modify-write operand: hardware checks it as a write, so a fault on it has
     * W set in its error code.
     */
    static long readForWrite(X86Cpu c, long ea, int size) {
        c.mmu.probeWrite(ea, size);
        return c.mmu.read(ea, size);
    }

    // ---------------------------------------------------------------- data movement

    private static void xchgRm(X86Cpu c, int s) {
        int reg = c.modrmReg();
        long b = c.getReg(s, reg);
        if (c.rmIsReg()) {
            int rm = c.mrm & 15;
            long a = c.getReg(s, rm);
            c.setReg(s, rm, b);
            c.setReg(s, reg, a);
        } else {
            long ea = c.ea();
            long a = readForWrite(c, ea, 1 << s);
            c.mmu.write(ea, 1 << s, b);
            c.setReg(s, reg, a);
        }
    }

    private static void xchgAcc(X86Cpu c, int reg) {
        int s = c.opSize();
        long a = c.getReg(s, 0);
        c.setReg(s, 0, c.getReg(s, reg));
        c.setReg(s, reg, a);
    }

    private static void movsxd(X86Cpu c) {
        int s = c.opSize();
        long v = s == S64 ? (long) (int) c.readRm(S32) : c.readRm(s);
        c.setReg(s, c.modrmReg(), v);
    }

    private static void movFromSeg(X86Cpu c) {
        int seg = (c.mrm >>> Decoder.M_REG_SHIFT) & 7;
        if (seg > 5) {
            throw c.fault(Vectors.UD);
        }
        long sel = c.segSel[seg];
        if (c.rmIsReg()) {
            int s = c.opSize();
            c.setReg(s, c.mrm & 15, s == S16 ? sel : sel & 0xFFFF);
        } else {
            c.mmu.write16(c.ea(), (int) sel);
        }
    }

    /** The ModRM offset (no segment base), truncated to the address size. */
    static long offset(X86Cpu c) {
        int m = c.mrm;
        long a = c.disp;
        int base = (m >>> Decoder.M_BASE_SHIFT) & 31;
        if (base < 16) {
            a += c.gpr[base];
        } else if (base == Decoder.BASE_RIP) {
            a += c.nextRip;
        }
        int index = (m >>> Decoder.M_INDEX_SHIFT) & 31;
        if (index < 16) {
            a += c.gpr[index] << ((m >>> Decoder.M_SCALE_SHIFT) & 3);
        }
        int as = c.addrSize();
        return as == S64 ? a : a & Flags.MASK[as];
    }

    private static void lea(X86Cpu c) {
        if (c.rmIsReg()) {
            throw c.fault(Vectors.UD);
        }
        c.setReg(c.opSize(), c.modrmReg(), offset(c));
    }

    private static void cbw(X86Cpu c) {
        switch (c.opSize()) {
            case S16 -> c.setReg(S16, 0, (byte) c.gpr[0]);
            case S32 -> c.setReg(S32, 0, (short) c.gpr[0]);
            default -> c.gpr[0] = (int) c.gpr[0];
        }
    }

    private static void cwd(X86Cpu c) {
        int s = c.opSize();
        long sign = Flags.signExtend(c.gpr[0], s) < 0 ? -1L : 0L;
        c.setReg(s, 2, sign);
    }

    private static void sahf(X86Cpu c) {
        long mask = Flags.SF | Flags.ZF | Flags.AF | Flags.PF | Flags.CF;
        long ah = (c.gpr[0] >>> 8) & mask;
        Flags.setArith(c, (Flags.arith(c) & ~mask) | ah);
    }

    private static void xlat(X86Cpu c) {
        long off = c.gpr[3] + (c.gpr[0] & 0xFF);
        c.setReg(S8, 0, c.mmu.read8(c.linear(segOr(c, DS), off)));
    }

    /** The segment override of the current instruction, or {@code dflt}. */
    static int segOr(X86Cpu c, int dflt) {
        int seg = (c.attr >>> Decoder.A_SEG_SHIFT) & 7;
        return seg == Decoder.SEG_DEFAULT ? dflt : seg;
    }

    /** IN/OUT eAX size: 2 with a 16-bit operand size, else 4 (REX.W does not make 8). */
    private static int ioSize(X86Cpu c) {
        return c.opSize() == S16 ? 2 : 4;
    }
}
