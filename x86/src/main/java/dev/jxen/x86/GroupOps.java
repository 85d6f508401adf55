package dev.jxen.x86;

import static dev.jxen.x86.X86Cpu.S16;
import static dev.jxen.x86.X86Cpu.S32;
import static dev.jxen.x86.X86Cpu.S64;
import static dev.jxen.x86.X86Cpu.S8;

/**
 * The opcode groups with an operation in ModRM.reg: shifts and rotates (C0, C1, D0..D3), group 3
 * (F6/F7: TEST NOT NEG MUL IMUL DIV IDIV), INC/DEC (FE, FF, 40..4F) and IMUL with an immediate.
 * Memory destinations are read, computed and written before any flag or register changes.
 */
final class GroupOps {
    private GroupOps() {
    }

    private static int ext(X86Cpu c) {
        return (c.mrm >>> Decoder.M_REG_SHIFT) & 7;
    }

    // ---------------------------------------------------------------- INC / DEC

    static void incDecReg(X86Cpu c, int reg, int s, boolean dec) {
        long a = c.getReg(s, reg);
        long r = dec ? a - 1 : a + 1;
        long cf = Flags.cf(c) ? 1 : 0;
        c.setReg(s, reg, r);
        Flags.set(c, (dec ? Flags.DEC : Flags.INC) | s, a, cf, r);
    }

    private static void incDecRm(X86Cpu c, int s, boolean dec) {
        long cf = Flags.cf(c) ? 1 : 0;
        long a;
        long r;
        if (c.rmIsReg()) {
            int rm = c.mrm & 15;
            a = c.getReg(s, rm);
            r = dec ? a - 1 : a + 1;
            c.setReg(s, rm, r);
        } else {
            long ea = c.ea();
            a = IntegerOps.readForWrite(c, ea, 1 << s);
            r = dec ? a - 1 : a + 1;
            c.mmu.write(ea, 1 << s, r);
        }
        Flags.set(c, (dec ? Flags.DEC : Flags.INC) | s, a, cf, r);
    }

    static void group4(X86Cpu c) {
        int e = ext(c);
        if (e > 1) {
            throw c.fault(Vectors.UD);
        }
        incDecRm(c, S8, e == 1);
    }

    static int group5(X86Cpu c) {
        switch (ext(c)) {
            case 0:
                incDecRm(c, c.opSize(), false);
                return Interpreter.CONTINUE;
            case 1:
                incDecRm(c, c.opSize(), true);
                return Interpreter.CONTINUE;
            case 2: {
                int s = c.code64 ? S64 : c.opSize();
                ControlOps.callNear(c, c.readRm(s));
                return Interpreter.CONTINUE;
            }
            case 3:
                ControlOps.farIndirect(c, true);
                return Interpreter.CONTINUE;
            case 4: {
                int s = c.code64 ? S64 : c.opSize();
                ControlOps.jumpNear(c, c.readRm(s));
                return Interpreter.CONTINUE;
            }
            case 5:
                ControlOps.farIndirect(c, false);
                return Interpreter.CONTINUE;
            case 6: {
                int s = c.opSize();
                if (c.code64 && s == S32) {
                    s = S64;
                }
                c.push(1 << s, c.readRm(s));
                return Interpreter.CONTINUE;
            }
            default:
                throw c.fault(Vectors.UD);
        }
    }

    // ---------------------------------------------------------------- shifts and rotates

    /** C0/C1/D0..D3 with the raw count (masked here to 5 bits, 6 for 64-bit operands). */
    static void shift(X86Cpu c, int s, int rawCount) {
        int n = rawCount & (s == S64 ? 63 : 31);
        int kind = ext(c);
        boolean reg = c.rmIsReg();
        int rm = c.mrm & 15;
        long ea = 0;
        long a;
        if (reg) {
            a = c.getReg(s, rm);
        } else {
            ea = c.ea();
            a = IntegerOps.readForWrite(c, ea, 1 << s);
        }
        if (n == 0) {
            // No flag changes, but a 32-bit register destination is still written (zero-extended).
            if (reg) {
                c.setReg(s, rm, a);
            }
            return;
        }
        if (kind == 2 || kind == 3) {
            rotateThroughCarry(c, s, n, kind == 2, reg, rm, ea, a);
            return;
        }
        long r;
        int ccKind = 0;
        long eager = 0;
        switch (kind) {
            case 0, 1 -> {
                r = rotate(a, s, n, kind == 1);
                eager = rotateFlags(c, s, r, kind == 1);
            }
            case 4, 6 -> {
                r = a << n;
                ccKind = Flags.SHL;
            }
            case 5 -> {
                r = a >>> n;
                ccKind = Flags.SHR;
            }
            default -> {
                r = Flags.signExtend(a, s) >> n;
                ccKind = Flags.SAR;
            }
        }
        if (reg) {
            c.setReg(s, rm, r);
        } else {
            c.mmu.write(ea, 1 << s, r);
        }
        if (ccKind != 0) {
            Flags.set(c, ccKind | s, a, n, r);
        } else {
            Flags.setArith(c, eager);
        }
    }

    static long rotate(long a, int s, int n, boolean right) {
        int bits = Flags.BITS[s];
        int k = n & (bits - 1);
        if (k == 0) {
            return a;
        }
        long m = Flags.MASK[s];
        if (right) {
            return ((a >>> k) | (a << (bits - k))) & m;
        }
        return ((a << k) | (a >>> (bits - k))) & m;
    }

    /** Flags after ROL/ROR: CF and OF from the result, the others kept. */
    static long rotateFlags(X86Cpu c, int s, long r, boolean right) {
        long f = Flags.arith(c) & ~(Flags.CF | Flags.OF);
        int bits = Flags.BITS[s];
        long msb = (r >>> (bits - 1)) & 1;
        long cf;
        long of;
        if (right) {
            cf = msb;
            of = msb ^ ((r >>> (bits - 2)) & 1);
        } else {
            cf = r & 1;
            of = msb ^ cf;
        }
        return f | cf | (of != 0 ? Flags.OF : 0);
    }

    /** RCL/RCR: rotates one bit at a time through CF (counts are small), writes, then sets CF/OF. */
    private static void rotateThroughCarry(X86Cpu c, int s, int n, boolean left, boolean reg, int rm, long ea,
            long a) {
        int bits = Flags.BITS[s];
        int t = s == S8 ? n % 9 : s == S16 ? n % 17 : n;
        long f = Flags.arith(c);
        long cf = f & 1;
        long m = Flags.MASK[s];
        long r = a;
        long of;
        if (left) {
            for (int i = 0; i < t; i++) {
                long out = (r >>> (bits - 1)) & 1;
                r = ((r << 1) | cf) & m;
                cf = out;
            }
            of = ((r >>> (bits - 1)) & 1) ^ cf;
        } else {
            of = ((a >>> (bits - 1)) & 1) ^ cf;
            for (int i = 0; i < t; i++) {
                long out = r & 1;
                r = ((r >>> 1) | (cf << (bits - 1))) & m;
                cf = out;
            }
        }
        if (reg) {
            c.setReg(s, rm, r);
        } else {
            c.mmu.write(ea, 1 << s, r);
        }
        Flags.setArith(c, (f & ~(Flags.CF | Flags.OF)) | cf | (of != 0 ? Flags.OF : 0));
    }

    // ---------------------------------------------------------------- group 3

    static void group3(X86Cpu c, int s) {
        switch (ext(c)) {
            case 0, 1 -> Flags.set(c, Flags.LOGIC | s, 0, 0, c.readRm(s) & c.imm);
            case 2 -> notNeg(c, s, false);
            case 3 -> notNeg(c, s, true);
            case 4 -> mul(c, s, c.readRm(s));
            case 5 -> imul1(c, s, c.readRm(s));
            case 6 -> div(c, s, c.readRm(s));
            default -> idiv(c, s, c.readRm(s));
        }
    }

    private static void notNeg(X86Cpu c, int s, boolean neg) {
        long a;
        long r;
        if (c.rmIsReg()) {
            int rm = c.mrm & 15;
            a = c.getReg(s, rm);
            r = neg ? -a : ~a;
            c.setReg(s, rm, r);
        } else {
            long ea = c.ea();
            a = IntegerOps.readForWrite(c, ea, 1 << s);
            r = neg ? -a : ~a;
            c.mmu.write(ea, 1 << s, r);
        }
        if (neg) {
            Flags.set(c, Flags.SUB | s, 0, a, r);
        }
    }

    private static void mul(X86Cpu c, int s, long b) {
        long a = c.getReg(s, 0);
        switch (s) {
            case S8 -> {
                long r = a * b;
                c.setReg(S16, 0, r);
                Flags.set(c, Flags.MUL | S8, 0, (r >>> 8) != 0 ? 1 : 0, r);
            }
            case S16 -> {
                long r = a * b;
                c.setReg(S16, 0, r);
                c.setReg(S16, 2, r >>> 16);
                Flags.set(c, Flags.MUL | S16, 0, (r >>> 16) != 0 ? 1 : 0, r);
            }
            case S32 -> {
                long r = a * b;
                c.setReg(S32, 0, r);
                c.setReg(S32, 2, r >>> 32);
                Flags.set(c, Flags.MUL | S32, 0, (r >>> 32) != 0 ? 1 : 0, r);
            }
            default -> {
                long lo = a * b;
                long hi = Math.unsignedMultiplyHigh(a, b);
                c.gpr[0] = lo;
                c.gpr[2] = hi;
                Flags.set(c, Flags.MUL | S64, 0, hi != 0 ? 1 : 0, lo);
            }
        }
    }

    private static void imul1(X86Cpu c, int s, long b) {
        long a = Flags.signExtend(c.getReg(s, 0), s);
        long sb = Flags.signExtend(b, s);
        switch (s) {
            case S8 -> {
                long r = a * sb;
                c.setReg(S16, 0, r);
                Flags.set(c, Flags.MUL | S8, 0, r != (byte) r ? 1 : 0, r);
            }
            case S16 -> {
                long r = a * sb;
                c.setReg(S16, 0, r);
                c.setReg(S16, 2, r >>> 16);
                Flags.set(c, Flags.MUL | S16, 0, r != (short) r ? 1 : 0, r);
            }
            case S32 -> {
                long r = a * sb;
                c.setReg(S32, 0, r);
                c.setReg(S32, 2, r >>> 32);
                Flags.set(c, Flags.MUL | S32, 0, r != (int) r ? 1 : 0, r);
            }
            default -> {
                long lo = a * sb;
                long hi = Math.multiplyHigh(a, sb);
                c.gpr[0] = lo;
                c.gpr[2] = hi;
                Flags.set(c, Flags.MUL | S64, 0, hi != (lo >> 63) ? 1 : 0, lo);
            }
        }
    }

    /** IMUL Gv, Ev, imm (69, 6B). */
    static void imulImm(X86Cpu c) {
        int s = c.opSize();
        long a = Flags.signExtend(c.readRm(s), s);
        long b = c.imm;
        long lo = a * b;
        boolean over;
        if (s == S64) {
            over = Math.multiplyHigh(a, b) != (lo >> 63);
        } else {
            over = Flags.signExtend(lo, s) != lo;
        }
        c.setReg(s, c.modrmReg(), lo);
        Flags.set(c, Flags.MUL | s, 0, over ? 1 : 0, lo);
    }

    /** IMUL Gv, Ev (0F AF), for the 0F map's owner. */
    static void imul2(X86Cpu c, int s, long a, long b, int destReg) {
        long sa = Flags.signExtend(a, s);
        long sb = Flags.signExtend(b, s);
        long lo = sa * sb;
        boolean over = s == S64 ? Math.multiplyHigh(sa, sb) != (lo >> 63) : Flags.signExtend(lo, s) != lo;
        c.setReg(s, destReg, lo);
        Flags.set(c, Flags.MUL | s, 0, over ? 1 : 0, lo);
    }

    private static void div(X86Cpu c, int s, long d) {
        if (d == 0) {
            throw c.fault(Vectors.DE);
        }
        switch (s) {
            case S8 -> {
                long n = c.gpr[0] & 0xFFFF;
                long q = n / d;
                if (q > 0xFF) {
                    throw c.fault(Vectors.DE);
                }
                c.setReg(S16, 0, ((n % d) << 8) | q);
            }
            case S16 -> {
                long n = ((c.gpr[2] & 0xFFFF) << 16) | (c.gpr[0] & 0xFFFF);
                long q = n / d;
                if (q > 0xFFFF) {
                    throw c.fault(Vectors.DE);
                }
                c.setReg(S16, 0, q);
                c.setReg(S16, 2, n % d);
            }
            case S32 -> {
                long n = (c.gpr[2] << 32) | (c.gpr[0] & 0xFFFF_FFFFL);
                long q = Long.divideUnsigned(n, d);
                if ((q >>> 32) != 0) {
                    throw c.fault(Vectors.DE);
                }
                c.setReg(S32, 0, q);
                c.setReg(S32, 2, Long.remainderUnsigned(n, d));
            }
            default -> {
                long hi = c.gpr[2];
                long lo = c.gpr[0];
                if (hi == 0) {
                    c.gpr[0] = Long.divideUnsigned(lo, d);
                    c.gpr[2] = Long.remainderUnsigned(lo, d);
                    return;
                }
                if (Long.compareUnsigned(hi, d) >= 0) {
                    throw c.fault(Vectors.DE);
                }
                long q = divide128(hi, lo, d);
                c.gpr[0] = q;
                c.gpr[2] = lo - q * d;
            }
        }
    }

    private static void idiv(X86Cpu c, int s, long divisor) {
        long d = Flags.signExtend(divisor, s);
        if (d == 0) {
            throw c.fault(Vectors.DE);
        }
        switch (s) {
            case S8 -> {
                long n = (short) c.gpr[0];
                long q = n / d;
                if (q != (byte) q) {
                    throw c.fault(Vectors.DE);
                }
                c.setReg(S16, 0, ((n % d) << 8) | (q & 0xFF));
            }
            case S16 -> {
                long n = (int) ((c.gpr[2] << 16) | (c.gpr[0] & 0xFFFF));
                long q = n / d;
                if (q != (short) q) {
                    throw c.fault(Vectors.DE);
                }
                c.setReg(S16, 0, q);
                c.setReg(S16, 2, n % d);
            }
            case S32 -> {
                long n = (c.gpr[2] << 32) | (c.gpr[0] & 0xFFFF_FFFFL);
                if (n == Long.MIN_VALUE && d == -1) {
                    throw c.fault(Vectors.DE);
                }
                long q = n / d;
                if (q != (int) q) {
                    throw c.fault(Vectors.DE);
                }
                c.setReg(S32, 0, q);
                c.setReg(S32, 2, n % d);
            }
            default -> idiv64(c, d);
        }
    }

    private static void idiv64(X86Cpu c, long d) {
        long hi = c.gpr[2];
        long lo = c.gpr[0];
        boolean negN = hi < 0;
        if (negN) {
            lo = -lo;
            hi = ~hi + (lo == 0 ? 1 : 0);
        }
        boolean negD = d < 0;
        long ud = negD ? -d : d;
        if (Long.compareUnsigned(hi, ud) >= 0) {
            throw c.fault(Vectors.DE);
        }
        long q;
        long r;
        if (hi == 0) {
            q = Long.divideUnsigned(lo, ud);
            r = Long.remainderUnsigned(lo, ud);
        } else {
            q = divide128(hi, lo, ud);
            r = lo - q * ud;
        }
        boolean negQ = negN != negD;
        // The magnitude must fit: up to 2^63 for a negative quotient, below it for a positive one.
        if (negQ ? Long.compareUnsigned(q, Long.MIN_VALUE) > 0 : q < 0) {
            throw c.fault(Vectors.DE);
        }
        c.gpr[0] = negQ ? -q : q;
        c.gpr[2] = negN ? -r : r;
    }

    /**
     * Unsigned (hi:lo) / d with hi &lt; d: restoring division, one quotient bit per step. The
     * remainder is {@code lo - q * d} (it is below d, so its low 64 bits are all of it).
     */
    private static long divide128(long hi, long lo, long d) {
        for (int i = 0; i < 64; i++) {
            long top = hi >>> 63;
            hi = (hi << 1) | (lo >>> 63);
            lo <<= 1;
            if (top != 0 || Long.compareUnsigned(hi, d) >= 0) {
                hi -= d;
                lo |= 1;
            }
        }
        return lo;
    }
}
