package dev.jxen.x86;

/**
 * Lazily evaluated arithmetic flags (CF PF AF ZF SF OF). An ALU instruction records what it did
 * ({@link X86Cpu#ccOp}, its operands and result) and the flags are computed only when something
 * reads them: a Jcc needs one condition, PUSHF needs all six. {@code ccOp} is an operation kind
 * plus a size code in its low two bits (0: 8-bit, 1: 16, 2: 32, 3: 64).
 *
 * <p>The operand fields per kind: ADD/SUB/ADC/SBB: src1, src2, dst = result (ADC/SBB derive the
 * carry-in from the three). LOGIC: dst. INC/DEC: src1 = operand, dst, src2 = the CF that was
 * kept. SHL/SHR/SAR: src1 = value, src2 = count (1..bits), dst. MUL: src2 = CF=OF value (0/1),
 * dst = low result. EAGER: src1 holds the six flag bits as RFLAGS positions.
 */
public final class Flags {
    public static final long CF = 1, PF = 4, AF = 0x10, ZF = 0x40, SF = 0x80, TF = 0x100, IF = 0x200, DF = 0x400,
            OF = 0x800, IOPL = 0x3000, NT = 0x4000, RF = 0x10000, VM = 0x20000, AC = 0x40000, VIF = 0x80000,
            VIP = 0x100000, ID = 0x200000;
    public static final long ARITH = CF | PF | AF | ZF | SF | OF;

    public static final int EAGER = 0;
    public static final int ADD = 1 << 2, ADC = 2 << 2, SUB = 3 << 2, SBB = 4 << 2, LOGIC = 5 << 2, INC = 6 << 2,
            DEC = 7 << 2, SHL = 8 << 2, SHR = 9 << 2, SAR = 10 << 2, MUL = 11 << 2;

    static final long[] MASK = {0xFFL, 0xFFFFL, 0xFFFF_FFFFL, -1L};
    static final long[] SIGN = {0x80L, 0x8000L, 0x8000_0000L, 0x8000_0000_0000_0000L};
    static final int[] BITS = {8, 16, 32, 64};

    /** Parity flag table: PF for each low byte. */
    private static final byte[] PARITY = new byte[256];

    static {
        for (int i = 0; i < 256; i++) {
            PARITY[i] = (byte) ((Integer.bitCount(i) & 1) == 0 ? PF : 0);
        }
    }

    private Flags() {
    }

    /** The six arithmetic flags at their RFLAGS positions. */
    public static long arith(X86Cpu c) {
        int op = c.ccOp;
        if (op == EAGER) {
            return c.ccSrc1;
        }
        int s = op & 3;
        long mask = MASK[s];
        long sign = SIGN[s];
        long a = c.ccSrc1;
        long b = c.ccSrc2;
        long r = c.ccDst & mask;
        long f = PARITY[(int) (r & 0xFF)];
        if (r == 0) {
            f |= ZF;
        }
        if ((r & sign) != 0) {
            f |= SF;
        }
        switch (op & ~3) {
            case ADD -> {
                a &= mask;
                b &= mask;
                if (Long.compareUnsigned(r, a) < 0) f |= CF;
                if (((a ^ r) & (b ^ r) & sign) != 0) f |= OF;
                f |= (a ^ b ^ r) & AF;
            }
            case ADC -> {
                a &= mask;
                b &= mask;
                boolean cin = ((r - a - b) & mask) != 0;
                if (Long.compareUnsigned(r, a) < 0 || (cin && r == a)) f |= CF;
                if (((a ^ r) & (b ^ r) & sign) != 0) f |= OF;
                f |= (a ^ b ^ r) & AF;
            }
            case SUB -> {
                a &= mask;
                b &= mask;
                if (Long.compareUnsigned(a, b) < 0) f |= CF;
                if (((a ^ b) & (a ^ r) & sign) != 0) f |= OF;
                f |= (a ^ b ^ r) & AF;
            }
            case SBB -> {
                a &= mask;
                b &= mask;
                boolean cin = ((a - b - r) & mask) != 0;
                if (Long.compareUnsigned(a, b) < 0 || (cin && a == b)) f |= CF;
                if (((a ^ b) & (a ^ r) & sign) != 0) f |= OF;
                f |= (a ^ b ^ r) & AF;
            }
            case LOGIC -> {
            }
            case INC -> {
                f |= b & CF;
                if (r == sign) f |= OF;
                f |= (a ^ r) & AF;
            }
            case DEC -> {
                f |= b & CF;
                if (r == sign - 1) f |= OF;
                f |= (a ^ r) & AF;
            }
            case SHL -> {
                int n = (int) b;
                int bits = BITS[s];
                long cf = n <= bits ? (a >>> (bits - n)) & 1 : 0;
                f |= cf;
                if ((((r & sign) != 0 ? 1 : 0) ^ cf) != 0) f |= OF;
            }
            case SHR -> {
                int n = (int) b;
                f |= ((a & mask) >>> (n - 1)) & 1;
                if (n == 1 && (a & sign) != 0) f |= OF;
            }
            case SAR -> {
                int n = (int) b;
                long sa = signExtend(a, s);
                f |= (sa >> Math.min(n - 1, 63)) & 1;
            }
            case MUL -> {
                if (b != 0) f |= CF | OF;
            }
            default -> throw new IllegalStateException("bad ccOp " + op);
        }
        return f;
    }

    public static boolean cf(X86Cpu c) {
        int op = c.ccOp;
        int s = op & 3;
        long mask = MASK[s];
        switch (op & ~3) {
            case ADD:
                return Long.compareUnsigned(c.ccDst & mask, c.ccSrc1 & mask) < 0;
            case SUB:
                return Long.compareUnsigned(c.ccSrc1 & mask, c.ccSrc2 & mask) < 0;
            case LOGIC:
                return false;
            case INC:
            case DEC:
                return (c.ccSrc2 & 1) != 0;
            default:
                return (arith(c) & CF) != 0;
        }
    }

    public static boolean zf(X86Cpu c) {
        if (c.ccOp == EAGER) {
            return (c.ccSrc1 & ZF) != 0;
        }
        return (c.ccDst & MASK[c.ccOp & 3]) == 0;
    }

    /** Evaluates condition code {@code cc} (the low nibble of Jcc/SETcc/CMOVcc). */
    public static boolean condition(X86Cpu c, int cc) {
        int op = c.ccOp;
        if ((op & ~3) == SUB) {
            // CMP/SUB: the common case, answered from the operands directly.
            int s = op & 3;
            long mask = MASK[s];
            long a = c.ccSrc1 & mask;
            long b = c.ccSrc2 & mask;
            long sa = signExtend(a, s);
            long sb = signExtend(b, s);
            switch (cc) {
                case 0x2: return Long.compareUnsigned(a, b) < 0;
                case 0x3: return Long.compareUnsigned(a, b) >= 0;
                case 0x4: return a == b;
                case 0x5: return a != b;
                case 0x6: return Long.compareUnsigned(a, b) <= 0;
                case 0x7: return Long.compareUnsigned(a, b) > 0;
                case 0xC: return sa < sb;
                case 0xD: return sa >= sb;
                case 0xE: return sa <= sb;
                case 0xF: return sa > sb;
                default: break;
            }
        } else if ((op & ~3) == LOGIC) {
            int s = op & 3;
            long r = signExtend(c.ccDst, s);
            switch (cc) {
                case 0x2, 0x0: return false;
                case 0x3, 0x1: return true;
                case 0x4, 0x6: return r == 0;
                case 0x5, 0x7: return r != 0;
                case 0x8, 0xC: return r < 0;
                case 0x9, 0xD: return r >= 0;
                case 0xE: return r <= 0;
                case 0xF: return r > 0;
                default: break;
            }
        }
        long f = arith(c);
        boolean v = switch (cc >> 1) {
            case 0 -> (f & OF) != 0;
            case 1 -> (f & CF) != 0;
            case 2 -> (f & ZF) != 0;
            case 3 -> (f & (CF | ZF)) != 0;
            case 4 -> (f & SF) != 0;
            case 5 -> (f & PF) != 0;
            case 6 -> ((f & SF) != 0) != ((f & OF) != 0);
            default -> (f & ZF) != 0 || (((f & SF) != 0) != ((f & OF) != 0));
        };
        return v ^ ((cc & 1) != 0);
    }

    /** Replaces the arithmetic flags with {@code bits} (RFLAGS positions). */
    public static void setArith(X86Cpu c, long bits) {
        c.ccOp = EAGER;
        c.ccSrc1 = bits & ARITH;
    }

    /** Records an ALU result for lazy evaluation. */
    public static void set(X86Cpu c, int op, long src1, long src2, long dst) {
        c.ccOp = op;
        c.ccSrc1 = src1;
        c.ccSrc2 = src2;
        c.ccDst = dst;
    }

    public static long signExtend(long v, int s) {
        return switch (s) {
            case 0 -> (byte) v;
            case 1 -> (short) v;
            case 2 -> (int) v;
            default -> v;
        };
    }

    public static long parity(long v) {
        return PARITY[(int) (v & 0xFF)];
    }
}
