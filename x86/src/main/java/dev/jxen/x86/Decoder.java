package dev.jxen.x86;

/**
 * Table-driven x86 decoder for 64-bit and compatibility mode: prefixes, REX, the one-byte, 0F, 0F38
 * and 0F3A maps, ModRM/SIB with 16/32/64-bit addressing, displacements and immediates. It only
 * finds the instruction's parts and length; what the opcode does is the interpreter's business.
 * VEX and EVEX encodings are measured but decode as {@link #OP_UD} (no AVX is advertised).
 *
 * <p>The result is packed into three ints and two longs (see the field layouts below), stored
 * per instruction in a {@link Block}.
 */
public final class Decoder {
    /** Where the decoder reads instruction bytes from. May raise {@link CpuFault} (fetch faults). */
    @FunctionalInterface
    public interface ByteSource {
        int byteAt(long address);
    }

    // ---- op word: bits 0..9 opcode (map << 8 | byte), special values above.
    public static final int MAP_1B = 0, MAP_0F = 1, MAP_0F38 = 2, MAP_0F3A = 3;
    /** Undefined or unsupported encoding: executing it raises #UD. */
    public static final int OP_UD = 1024;
    /** Longer than 15 bytes: executing it raises #GP(0). */
    public static final int OP_TOO_LONG = 1025;
    /** VEX/EVEX-encoded: #UD since no AVX is advertised. */
    public static final int OP_VEX = 1026;

    // ---- mrm word: bits 0..3 rm (with REX.B; REX.B alone when there is no ModRM), 4..7 reg
    public static final int M_REG_SHIFT = 4;
    public static final int M_MOD_SHIFT = 8;
    public static final int M_MOD_MASK = 3 << M_MOD_SHIFT;
    public static final int M_MOD_REG = 3 << M_MOD_SHIFT;
    public static final int M_BASE_SHIFT = 10;
    public static final int M_INDEX_SHIFT = 15;
    public static final int M_SCALE_SHIFT = 20;
    public static final int M_HAS_MODRM = 1 << 22;
    public static final int BASE_NONE = 16, BASE_RIP = 17;
    public static final int INDEX_NONE = 16;

    // ---- attr word
    public static final int A_OPSIZE_MASK = 3;
    public static final int A_ADDRSIZE_SHIFT = 2;
    public static final int A_SEG_SHIFT = 4;
    public static final int SEG_DEFAULT = 7;
    public static final int A_REP_SHIFT = 7;
    public static final int REP_NONE = 0, REP_F3 = 1, REP_F2 = 2;
    public static final int A_LOCK = 1 << 9;
    public static final int A_REX = 1 << 10;
    public static final int A_REXW = 1 << 11;
    public static final int A_OPSIZE_PREFIX = 1 << 12;
    /** Mandatory-prefix selector for the 0F maps: 0 none, 1 66, 2 F3, 3 F2. */
    public static final int A_PFX_SHIFT = 13;
    public static final int PFX_NONE = 0, PFX_66 = 1, PFX_F3 = 2, PFX_F2 = 3;
    public static final int A_LEN_SHIFT = 16;
    /** The instruction was decoded in 64-bit mode. */
    public static final int A_MODE64 = 1 << 20;

    // ---- opcode table bits
    static final int T_MODRM = 1;
    static final int T_IMM_SHIFT = 1;
    static final int T_IMM_MASK = 15 << T_IMM_SHIFT;
    static final int I_NONE = 0, I_B = 1, I_W = 2, I_Z = 3, I_V = 4, I_WB = 5, I_MOFFS = 6, I_GRP3B = 7, I_GRP3Z = 8,
            I_FAR = 9, I_3DNOW = 10;
    /** Invalid in 64-bit mode. */
    static final int T_INV64 = 1 << 5;
    /** Operand size defaults to 64 in 64-bit mode (66 gives 16). */
    static final int T_DEF64 = 1 << 6;
    /** Operand size is 64 in 64-bit mode whatever the prefixes (near branches, Intel behaviour). */
    static final int T_FORCE64 = 1 << 7;
    /** Undefined in every mode. */
    static final int T_UD = 1 << 8;

    static final short[][] TABLE = new short[4][256];

    static {
        short[] t = TABLE[MAP_1B];
        for (int i = 0; i < 256; i++) {
            t[i] = 0;
        }
        // ALU blocks 00-3F: op r/m,r / r,r/m forms have ModRM; AL,ib and eAX,iz forms.
        for (int base = 0; base < 0x40; base += 8) {
            for (int k = 0; k < 4; k++) {
                t[base + k] = T_MODRM;
            }
            t[base + 4] = imm(I_B);
            t[base + 5] = imm(I_Z);
        }
        t[0x06] = t[0x07] = t[0x0E] = t[0x16] = t[0x17] = t[0x1E] = t[0x1F] = T_INV64;
        t[0x27] = t[0x2F] = t[0x37] = t[0x3F] = T_INV64;
        t[0x26] = t[0x2E] = t[0x36] = t[0x3E] = 0; // prefixes, handled before the table
        for (int i = 0x50; i <= 0x5F; i++) {
            t[i] = T_DEF64;
        }
        t[0x60] = t[0x61] = T_INV64;
        t[0x62] = (short) (T_INV64 | T_MODRM); // BOUND (EVEX in 64-bit mode, measured separately)
        t[0x63] = T_MODRM; // MOVSXD / ARPL
        t[0x68] = (short) (imm(I_Z) | T_DEF64);
        t[0x69] = (short) (T_MODRM | imm(I_Z));
        t[0x6A] = (short) (imm(I_B) | T_DEF64);
        t[0x6B] = (short) (T_MODRM | imm(I_B));
        for (int i = 0x70; i <= 0x7F; i++) {
            t[i] = (short) (imm(I_B) | T_FORCE64);
        }
        t[0x80] = (short) (T_MODRM | imm(I_B));
        t[0x81] = (short) (T_MODRM | imm(I_Z));
        t[0x82] = (short) (T_MODRM | imm(I_B) | T_INV64);
        t[0x83] = (short) (T_MODRM | imm(I_B));
        for (int i = 0x84; i <= 0x8F; i++) {
            t[i] = T_MODRM;
        }
        t[0x8F] = (short) (T_MODRM | T_DEF64);
        t[0x9A] = (short) (imm(I_FAR) | T_INV64);
        t[0x9C] = t[0x9D] = T_DEF64;
        t[0xA0] = t[0xA1] = t[0xA2] = t[0xA3] = imm(I_MOFFS);
        t[0xA8] = imm(I_B);
        t[0xA9] = imm(I_Z);
        for (int i = 0xB0; i <= 0xB7; i++) {
            t[i] = imm(I_B);
        }
        for (int i = 0xB8; i <= 0xBF; i++) {
            t[i] = imm(I_V);
        }
        t[0xC0] = t[0xC1] = (short) (T_MODRM | imm(I_B));
        t[0xC2] = (short) (imm(I_W) | T_FORCE64);
        t[0xC3] = T_FORCE64;
        t[0xC4] = t[0xC5] = (short) (T_MODRM | T_INV64); // LES/LDS (VEX in 64-bit mode)
        t[0xC6] = (short) (T_MODRM | imm(I_B));
        t[0xC7] = (short) (T_MODRM | imm(I_Z));
        t[0xC8] = (short) (imm(I_WB) | T_DEF64);
        t[0xC9] = T_DEF64;
        t[0xCA] = imm(I_W);
        t[0xCD] = imm(I_B);
        t[0xCE] = T_INV64;
        for (int i = 0xD0; i <= 0xD3; i++) {
            t[i] = T_MODRM;
        }
        t[0xD4] = t[0xD5] = (short) (imm(I_B) | T_INV64);
        t[0xD6] = T_INV64;
        for (int i = 0xD8; i <= 0xDF; i++) {
            t[i] = T_MODRM;
        }
        for (int i = 0xE0; i <= 0xE3; i++) {
            t[i] = (short) (imm(I_B) | T_FORCE64);
        }
        t[0xE4] = t[0xE5] = t[0xE6] = t[0xE7] = imm(I_B);
        t[0xE8] = t[0xE9] = (short) (imm(I_Z) | T_FORCE64);
        t[0xEA] = (short) (imm(I_FAR) | T_INV64);
        t[0xEB] = (short) (imm(I_B) | T_FORCE64);
        t[0xF6] = (short) (T_MODRM | imm(I_GRP3B));
        t[0xF7] = (short) (T_MODRM | imm(I_GRP3Z));
        t[0xFE] = T_MODRM;
        t[0xFF] = T_MODRM;

        short[] f = TABLE[MAP_0F];
        for (int i = 0; i < 256; i++) {
            f[i] = T_MODRM;
        }
        for (int i : new int[] {0x04, 0x0A, 0x0C, 0x24, 0x25, 0x26, 0x27, 0x36, 0x39, 0x3B, 0x3C, 0x3D, 0x3E, 0x3F,
                0x7A, 0x7B, 0xA6, 0xA7}) {
            f[i] = T_UD;
        }
        for (int i : new int[] {0x05, 0x06, 0x07, 0x08, 0x09, 0x0B, 0x0E, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x37,
                0x77, 0xA2, 0xAA}) {
            f[i] = 0;
        }
        f[0x0F] = (short) (T_MODRM | imm(I_3DNOW));
        f[0xA0] = f[0xA1] = f[0xA8] = f[0xA9] = T_DEF64;
        for (int i = 0x80; i <= 0x8F; i++) {
            f[i] = (short) (imm(I_Z) | T_FORCE64);
        }
        for (int i = 0xC8; i <= 0xCF; i++) {
            f[i] = 0;
        }
        for (int i : new int[] {0x70, 0x71, 0x72, 0x73, 0xA4, 0xAC, 0xBA, 0xC2, 0xC4, 0xC5, 0xC6}) {
            f[i] = (short) (T_MODRM | imm(I_B));
        }
        for (int i = 0; i < 256; i++) {
            TABLE[MAP_0F38][i] = T_MODRM;
            TABLE[MAP_0F3A][i] = (short) (T_MODRM | imm(I_B));
        }
    }

    private static short imm(int kind) {
        return (short) (kind << T_IMM_SHIFT);
    }

    private Decoder() {
    }

    /**
     * Decodes one instruction at {@code address} into {@code out[i]}.
     *
     * @param mode64    64-bit code segment (else compatibility mode)
     * @param default32 CS.D in compatibility mode (ignored in 64-bit mode)
     * @return the instruction length (1..15); an over-long instruction is stored as
     *         {@link #OP_TOO_LONG} with length 15
     */
    public static int decode(ByteSource src, long address, boolean mode64, boolean default32, Block out, int i) {
        int pos = 0;
        int seg = SEG_DEFAULT;
        int rep = REP_NONE;
        int lastRep = 0;
        boolean lock = false;
        boolean opsizePfx = false;
        boolean addrsizePfx = false;
        int rex = 0;
        int b;
        // Prefixes. A REX prefix counts only when it is the last prefix before the opcode.
        while (true) {
            if (pos >= 15) {
                return tooLong(out, i, mode64);
            }
            b = src.byteAt(address + pos) & 0xFF;
            pos++;
            switch (b) {
                case 0x26 -> { seg = CpuStateSeg.ES; rex = 0; continue; }
                case 0x2E -> { seg = CpuStateSeg.CS; rex = 0; continue; }
                case 0x36 -> { seg = CpuStateSeg.SS; rex = 0; continue; }
                case 0x3E -> { seg = CpuStateSeg.DS; rex = 0; continue; }
                case 0x64 -> { seg = CpuStateSeg.FS; rex = 0; continue; }
                case 0x65 -> { seg = CpuStateSeg.GS; rex = 0; continue; }
                case 0x66 -> { opsizePfx = true; rex = 0; continue; }
                case 0x67 -> { addrsizePfx = true; rex = 0; continue; }
                case 0xF0 -> { lock = true; rex = 0; continue; }
                case 0xF2 -> { rep = REP_F2; lastRep = 0xF2; rex = 0; continue; }
                case 0xF3 -> { rep = REP_F3; lastRep = 0xF3; rex = 0; continue; }
                default -> { }
            }
            if (mode64 && (b & 0xF0) == 0x40) {
                rex = b;
                continue;
            }
            break;
        }
        if (mode64 && seg < CpuStateSeg.FS) {
            seg = SEG_DEFAULT; // ES/CS/SS/DS overrides are ignored in 64-bit mode
        }
        int map = MAP_1B;
        boolean vex = false;
        if (b == 0x0F) {
            if (pos >= 15) {
                return tooLong(out, i, mode64);
            }
            b = src.byteAt(address + pos) & 0xFF;
            pos++;
            map = MAP_0F;
            if (b == 0x38 || b == 0x3A) {
                map = b == 0x38 ? MAP_0F38 : MAP_0F3A;
                if (pos >= 15) {
                    return tooLong(out, i, mode64);
                }
                b = src.byteAt(address + pos) & 0xFF;
                pos++;
            }
        } else if ((b == 0xC4 || b == 0xC5 || b == 0x62) && (mode64 || (src.byteAt(address + pos) & 0xC0) == 0xC0)) {
            // VEX (C4/C5) or EVEX (62): measure it so the length is right, then refuse it.
            return measureVex(src, address, pos, b, mode64, addrsizePfx, out, i);
        }
        int entry = TABLE[map][b];
        int opsize;
        if (mode64) {
            if ((entry & T_FORCE64) != 0) {
                opsize = X86Cpu.S64;
            } else if ((rex & 8) != 0) {
                opsize = X86Cpu.S64;
            } else if (opsizePfx) {
                opsize = X86Cpu.S16;
            } else if ((entry & T_DEF64) != 0) {
                opsize = X86Cpu.S64;
            } else {
                opsize = X86Cpu.S32;
            }
        } else {
            opsize = default32 ^ opsizePfx ? X86Cpu.S32 : X86Cpu.S16;
        }
        int addrsize = mode64 ? (addrsizePfx ? X86Cpu.S32 : X86Cpu.S64)
                : (default32 ^ addrsizePfx ? X86Cpu.S32 : X86Cpu.S16);

        // Without a ModRM byte the rm field carries REX.B (bit 3), for opcodes with a register in
        // their low three bits (PUSH/POP r, XCHG, MOV r,imm, BSWAP).
        int mrm = (rex & 1) << 3;
        long disp = 0;
        if ((entry & T_MODRM) != 0) {
            if (pos >= 15) {
                return tooLong(out, i, mode64);
            }
            int modrm = src.byteAt(address + pos) & 0xFF;
            pos++;
            int mod = modrm >>> 6;
            int reg = ((modrm >>> 3) & 7) | ((rex & 4) << 1);
            int rm = modrm & 7;
            int base = BASE_NONE;
            int index = INDEX_NONE;
            int scale = 0;
            int dispSize = 0;
            if (mod == 3) {
                rm |= (rex & 1) << 3;
            } else if (addrsize == X86Cpu.S16) {
                switch (rm) {
                    case 0 -> { base = 3; index = 6; }
                    case 1 -> { base = 3; index = 7; }
                    case 2 -> { base = 5; index = 6; }
                    case 3 -> { base = 5; index = 7; }
                    case 4 -> base = 6;
                    case 5 -> base = 7;
                    case 6 -> base = mod == 0 ? BASE_NONE : 5;
                    default -> base = 3;
                }
                dispSize = mod == 1 ? 1 : mod == 2 || (mod == 0 && rm == 6) ? 2 : 0;
            } else {
                if (rm == 4) {
                    if (pos >= 15) {
                        return tooLong(out, i, mode64);
                    }
                    int sib = src.byteAt(address + pos) & 0xFF;
                    pos++;
                    scale = sib >>> 6;
                    index = ((sib >>> 3) & 7) | ((rex & 2) << 2);
                    if (index == 4) {
                        index = INDEX_NONE;
                    }
                    base = (sib & 7) | ((rex & 1) << 3);
                    if ((sib & 7) == 5 && mod == 0) {
                        base = BASE_NONE;
                        dispSize = 4;
                    }
                } else if (rm == 5 && mod == 0) {
                    base = mode64 ? BASE_RIP : BASE_NONE;
                    dispSize = 4;
                } else {
                    base = rm | ((rex & 1) << 3);
                }
                if (mod == 1) {
                    dispSize = 1;
                } else if (mod == 2) {
                    dispSize = 4;
                }
                rm |= (rex & 1) << 3;
            }
            if (pos + dispSize > 15) {
                return tooLong(out, i, mode64);
            }
            if (dispSize > 0) {
                disp = readLE(src, address + pos, dispSize, true);
                pos += dispSize;
            }
            mrm = rm | (reg << M_REG_SHIFT) | (mod << M_MOD_SHIFT) | (base << M_BASE_SHIFT) | (index << M_INDEX_SHIFT)
                    | (scale << M_SCALE_SHIFT) | M_HAS_MODRM;
        }

        long imm = 0;
        int immKind = (entry & T_IMM_MASK) >>> T_IMM_SHIFT;
        int immSize = 0;
        boolean immSigned = false;
        switch (immKind) {
            case I_B -> { immSize = 1; immSigned = true; }
            case I_W -> immSize = 2;
            case I_Z -> { immSize = opsize == X86Cpu.S16 ? 2 : 4; immSigned = true; }
            case I_V -> immSize = opsize == X86Cpu.S16 ? 2 : opsize == X86Cpu.S32 ? 4 : 8;
            case I_WB -> immSize = 3;
            case I_MOFFS -> immSize = addrsize == X86Cpu.S16 ? 2 : addrsize == X86Cpu.S32 ? 4 : 8;
            case I_GRP3B -> { immSize = ((mrm >>> M_REG_SHIFT) & 6) == 0 ? 1 : 0; immSigned = true; }
            case I_GRP3Z -> {
                immSize = ((mrm >>> M_REG_SHIFT) & 6) == 0 ? (opsize == X86Cpu.S16 ? 2 : 4) : 0;
                immSigned = true;
            }
            case I_FAR -> immSize = opsize == X86Cpu.S16 ? 4 : 6;
            case I_3DNOW -> immSize = 1;
            default -> { }
        }
        if (pos + immSize > 15) {
            return tooLong(out, i, mode64);
        }
        if (immSize > 0) {
            imm = readLE(src, address + pos, immSize, immSigned);
            pos += immSize;
        }

        int opcode = (map << 8) | b;
        if ((entry & T_UD) != 0 || (mode64 && (entry & T_INV64) != 0)) {
            opcode = OP_UD;
        }
        int pfx = lastRep == 0xF2 ? PFX_F2 : lastRep == 0xF3 ? PFX_F3 : opsizePfx ? PFX_66 : PFX_NONE;
        int attr = opsize | (addrsize << A_ADDRSIZE_SHIFT) | (seg << A_SEG_SHIFT) | (rep << A_REP_SHIFT)
                | (lock ? A_LOCK : 0) | (rex != 0 ? A_REX : 0) | ((rex & 8) != 0 ? A_REXW : 0)
                | (opsizePfx ? A_OPSIZE_PREFIX : 0) | (pfx << A_PFX_SHIFT) | (pos << A_LEN_SHIFT)
                | (mode64 ? A_MODE64 : 0);
        if (immKind == I_MOFFS) {
            disp = imm; // the memory offset is an address, not an operand
            imm = 0;
            mrm = (BASE_NONE << M_BASE_SHIFT) | (INDEX_NONE << M_INDEX_SHIFT);
        }
        out.op[i] = opcode;
        out.mrm[i] = mrm;
        out.attr[i] = attr;
        out.disp[i] = disp;
        out.imm[i] = imm;
        return pos;
    }

    /** Length of instruction stored by {@link #decode}. */
    public static int length(int attr) {
        return (attr >>> A_LEN_SHIFT) & 15;
    }

    private static int tooLong(Block out, int i, boolean mode64) {
        out.op[i] = OP_TOO_LONG;
        out.mrm[i] = 0;
        out.attr[i] = (15 << A_LEN_SHIFT) | (mode64 ? A_MODE64 : 0);
        out.disp[i] = 0;
        out.imm[i] = 0;
        return 15;
    }

    private static int measureVex(ByteSource src, long address, int pos, int first, boolean mode64, boolean addr16or32,
            Block out, int i) {
        int map;
        int opcodePos;
        if (first == 0xC5) {
            map = 1;
            opcodePos = pos + 1;
        } else if (first == 0xC4) {
            map = src.byteAt(address + pos) & 0x1F;
            opcodePos = pos + 2;
        } else {
            map = src.byteAt(address + pos) & 0x07;
            opcodePos = pos + 3;
        }
        int opcode = src.byteAt(address + opcodePos) & 0xFF;
        int p = opcodePos + 1;
        // Every VEX/EVEX instruction has a ModRM, except VZEROUPPER/VZEROALL (map 1, 0x77).
        boolean hasModrm = !(map == 1 && opcode == 0x77);
        int addrsize = mode64 ? (addr16or32 ? X86Cpu.S32 : X86Cpu.S64) : (addr16or32 ? X86Cpu.S16 : X86Cpu.S32);
        if (hasModrm) {
            int modrm = src.byteAt(address + p) & 0xFF;
            p++;
            int mod = modrm >>> 6;
            int rm = modrm & 7;
            if (mod != 3) {
                if (addrsize == X86Cpu.S16) {
                    p += mod == 1 ? 1 : mod == 2 || (mod == 0 && rm == 6) ? 2 : 0;
                } else {
                    if (rm == 4) {
                        int sib = src.byteAt(address + p) & 0xFF;
                        p++;
                        if ((sib & 7) == 5 && mod == 0) {
                            p += 4;
                        }
                    } else if (rm == 5 && mod == 0) {
                        p += 4;
                    }
                    p += mod == 1 ? 1 : mod == 2 ? 4 : 0;
                }
            }
        }
        if (map == 3 || (map == 1 && opcode >= 0x70 && opcode <= 0x73) || (map == 1 && (opcode == 0xC2
                || opcode == 0xC4 || opcode == 0xC5 || opcode == 0xC6))) {
            p += 1;
        }
        if (p > 15) {
            return tooLong(out, i, mode64);
        }
        out.op[i] = OP_VEX;
        out.mrm[i] = 0;
        out.attr[i] = (p << A_LEN_SHIFT) | (mode64 ? A_MODE64 : 0);
        out.disp[i] = 0;
        out.imm[i] = 0;
        return p;
    }

    private static long readLE(ByteSource src, long address, int size, boolean signed) {
        long v = 0;
        for (int k = 0; k < size; k++) {
            v |= (long) (src.byteAt(address + k) & 0xFF) << (8 * k);
        }
        if (signed && size < 8) {
            int shift = 64 - 8 * size;
            v = (v << shift) >> shift;
        }
        return v;
    }

    /** Segment numbers, as in {@link dev.jxen.machine.CpuState}. */
    private static final class CpuStateSeg {
        static final int ES = 0, CS = 1, SS = 2, DS = 3, FS = 4, GS = 5;
    }
}
