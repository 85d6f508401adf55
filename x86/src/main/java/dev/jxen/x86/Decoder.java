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

    /*
     * The encodings that exist in the 0F, 0F38 and 0F3A maps, per mandatory prefix (none, 66, F3,
     * F2), after the Intel SDM opcode tables: everything else raises #UD. An opcode alone is valid
     * with any ModRM; "m" means memory operand only, "r" register operand only, and
     * [mmmmmmmm/rrrrrrrr] gives the valid ModRM.reg values (0..7, left to right) for the memory and
     * the register forms. Left out on purpose, so #UD like on an Intel CPU: 3DNow! and FEMMS
     * (0F 0F, 0F 0E), SSE4a (66/F2 0F 78/79, F3/F2 0F 2B), VIA PadLock (0F A6/A7), the 386 test
     * register moves (0F 24/26) and UD0/UD1/UD2. 0F 18..1F is the reserved-NOP space: always valid.
     */
    private static final String[] VALID_0F = {
        "00[11111100/11111100] 01[11111011/11111111] 02-03 05-09 0dm 10-12 13m 14-16 17m 18-23 28-2a 2bm 2c-35 37"
                + " 40-4f 50r 51-6b 6e-70 71[00000000/00101010] 72[00000000/00101010] 73[00000000/00100010] 74-79"
                + " 7e-a5 a8-ad ae[11111111/00000111] af-b1 b2m b3 b4m b5m b6-b7 ba[00001111/00001111] bb-c2 c3m c4"
                + " c5r c6 c7[01011111/00000011] c8-cf d1-d5 d7r d8-e5 e7m e8-ef f1-f6 f7r f8-fe",
        "00[11111100/11111100] 01[11111011/11111011] 02-03 05-08 0dm 10-11 12m 13m 14-15 16m 17m 18-23 28-2a 2bm"
                + " 2c-35 37 40-4f 50r 51 54-70 71[00000000/00101010] 72[00000000/00101010] 73[00000000/00110011]"
                + " 74-76 7c-a5 a8-ad ae[11110011/00000011] af-b1 b2m b3 b4m b5m b6-b7 ba[00001111/00001111] bb-c2 c4"
                + " c5r c6 c7[01011111/00000011] c8-d6 d7r d8-e6 e7m e8-ef f1-f6 f7r f8-fe",
        "00[11111100/11111100] 01-03 05-09 0dm 10-12 16 18-23 2a 2c-2d 30-35 37 40-4f 51-53 58-5f 6f-70 7e-a5 a8-ad"
                + " ae[11111010/11111111] af-b1 b2m b3 b4m b5m b6-b8 ba[00001111/00001111] bb-c2"
                + " c7[01011111/00000011] c8-cf d6r d7r e6",
        "00[11111100/11111100] 01[11111011/11111111] 02-03 05-08 0dm 10-12 18-23 2a 2c-2d 30-35 37 40-4f 51 58-5a"
                + " 5c-5f 70 7c-7d 80-a5 a8-ad ae[11110000/00000011] af-b1 b2m b3 b4m b5m b6-b7 ba[00001111/00001111]"
                + " bb be-c2 c7[01011101/00000000] c8-d0 d6r d7r e6 f0m",
    };
    private static final String[] VALID_0F38 = {
        "00-0b 1c-1e c8-cd f0m f1m f6m f9m fcm",
        "00-0b 10 14-15 17 1c-1e 20-25 28-29 2am 2b 30-35 37-41 80m 81m 82m cf db-df f0m f1m f5m f6 f8m fcm",
        "d8[11110000/00000000] dc ddm dem dfm f6 f8m far fbr fcm",
        "f0-f1 f8m fcm",
    };
    private static final String[] VALID_0F3A = {
        "0f cc",
        "08-0f 14-17 20-22 40-42 44 60-63 ce-cf df",
        "f0[00000000/10000000]",
        "",
    };

    /*
     * The register forms of groups 7 (0F 01) and 15 (0F AE) are single instructions per ModRM byte
     * (VMCALL, SWAPGS, LFENCE...): bit n set when ModRM C0+n exists, per mandatory prefix. The
     * user-interrupt forms (F3/F2 0F 01 EC..EF...) exist in 64-bit mode only.
     */
    private static final long[] REG_FORMS_0F01_64 = {
        0xFFFFC1FFFFF38F7FL, 0x13FF00FFFDF3FF3FL, 0xF7FFF5FFFFF30F7FL, 0xD3FF03FFFFF30F7FL};
    private static final long[] REG_FORMS_0F01_32 = {
        0xFFFFC1FFFFF38F7FL, 0x13FF00FFFDF31F3FL, 0x17FF05FFFFF30F3FL, 0x93FF03FFFFF30F3FL};
    private static final long[] REG_FORMS_0FAE = {
        0x0101FF0000000000L, 0x01FF000000000000L, 0x01FFFFFFFFFFFFFFL, 0x01FF000000000000L};

    /** Per map and mandatory prefix: bit reg (0..7) valid with a memory operand, bit 8+reg with a register. */
    private static final short[][][] VALID = new short[4][4][256];

    static {
        defineValid(MAP_0F, VALID_0F);
        defineValid(MAP_0F38, VALID_0F38);
        defineValid(MAP_0F3A, VALID_0F3A);
    }

    private static void defineValid(int map, String[] spec) {
        for (int pfx = 0; pfx < 4; pfx++) {
            for (String item : spec[pfx].split(" ")) {
                if (item.isEmpty()) {
                    continue;
                }
                int first = Integer.parseInt(item.substring(0, 2), 16);
                int last = first;
                String rest = item.substring(2);
                if (rest.startsWith("-")) {
                    last = Integer.parseInt(rest.substring(1, 3), 16);
                    rest = rest.substring(3);
                }
                int mask;
                if (rest.isEmpty()) {
                    mask = 0xFFFF;
                } else if (rest.equals("m")) {
                    mask = 0x00FF;
                } else if (rest.equals("r")) {
                    mask = 0xFF00;
                } else {
                    mask = 0;
                    for (int r = 0; r < 8; r++) {
                        mask |= (rest.charAt(1 + r) == '1' ? 1 : 0) << r;
                        mask |= (rest.charAt(10 + r) == '1' ? 1 : 0) << (8 + r);
                    }
                }
                for (int op = first; op <= last; op++) {
                    VALID[map][pfx][op] = (short) mask;
                }
            }
        }
    }

    /** Undefined forms of the one-byte map's groups (ModRM.reg or mod selects them). */
    private static boolean undefinedOneByte(int opcode, int mod, int reg) {
        return switch (opcode) {
            case 0x8D -> mod == 3; // LEA needs memory
            case 0x8F, 0xC6, 0xC7 -> reg != 0; // POP/MOV; XOP, XABORT, XBEGIN are not on this CPU
            case 0xFE -> reg >= 2;
            case 0xFF -> reg == 7 || (mod == 3 && (reg == 3 || reg == 5)); // far CALL/JMP need memory
            case 0xD9 -> mod != 3 && reg == 1;
            case 0xDB -> mod != 3 && (reg == 4 || reg == 6);
            case 0xDD -> mod != 3 && reg == 5;
            default -> false;
        };
    }

    /** Instructions that accept LOCK (with a memory destination only); LOCK on any other raises #UD. */
    private static boolean lockable(int map, int opcode, int mod, int reg) {
        if (mod == 3) {
            return false;
        }
        if (map == MAP_1B) {
            return switch (opcode) {
                case 0x80, 0x81, 0x82, 0x83 -> reg != 7; // not CMP
                case 0x86, 0x87 -> true;
                case 0xF6, 0xF7 -> reg == 2 || reg == 3; // NOT, NEG
                case 0xFE, 0xFF -> reg <= 1; // INC, DEC
                default -> opcode < 0x38 && (opcode & 7) < 2; // ADD..XOR r/m,r
            };
        }
        if (map == MAP_0F) {
            return switch (opcode) {
                case 0xAB, 0xB3, 0xBB, 0xB0, 0xB1, 0xC0, 0xC1 -> true; // BTS BTR BTC CMPXCHG XADD
                case 0xBA -> reg >= 5; // BTS/BTR/BTC imm
                case 0xC7 -> reg == 1; // CMPXCHG8B/16B
                default -> false;
            };
        }
        return false;
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
            int vexAddrsize = mode64 ? (addrsizePfx ? X86Cpu.S32 : X86Cpu.S64)
                    : (default32 ^ addrsizePfx ? X86Cpu.S32 : X86Cpu.S16);
            return measureVex(src, address, pos, b, mode64, vexAddrsize, out, i);
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
        int mod = 3;
        int reg = 0;
        int modrmByte = 0;
        if ((entry & T_MODRM) != 0) {
            if (pos >= 15) {
                return tooLong(out, i, mode64);
            }
            int modrm = src.byteAt(address + pos) & 0xFF;
            pos++;
            modrmByte = modrm;
            mod = modrm >>> 6;
            if (map == MAP_0F && (b & 0xF8) == 0x20) {
                mod = 3; // MOV to/from CR/DR (and the old TR): the operand is a register whatever mod says
            }
            reg = ((modrm >>> 3) & 7) | ((rex & 4) << 1);
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
        int pfx = lastRep == 0xF2 ? PFX_F2 : lastRep == 0xF3 ? PFX_F3 : opsizePfx ? PFX_66 : PFX_NONE;
        if ((entry & T_UD) != 0 || (mode64 && (entry & T_INV64) != 0)
                || (lock && !lockable(map, b, mod, reg & 7))) {
            opcode = OP_UD;
        } else if (map == MAP_1B) {
            if ((entry & T_MODRM) != 0 && undefinedOneByte(b, mod, reg & 7)) {
                opcode = OP_UD;
            }
        } else if ((VALID[map][pfx][b] & (1 << ((mod == 3 ? 8 : 0) + (reg & 7)))) == 0) {
            opcode = OP_UD;
        } else if (map == MAP_0F && mod == 3 && (b == 0x01 || b == 0xAE)) {
            long forms = b == 0x01 ? (mode64 ? REG_FORMS_0F01_64 : REG_FORMS_0F01_32)[pfx] : REG_FORMS_0FAE[pfx];
            if ((forms >>> (modrmByte & 0x3F) & 1) == 0) {
                opcode = OP_UD;
            }
        }
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

    private static int measureVex(ByteSource src, long address, int pos, int first, boolean mode64, int addrsize,
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
