package dev.jxen.x86.sse;

import dev.jxen.x86.Decoder;
import dev.jxen.x86.Flags;
import dev.jxen.x86.Vectors;
import dev.jxen.x86.X86Cpu;

/**
 * Integer SIMD: the MMX forms (no prefix, 64-bit MMX registers) and the SSE2..SSE4.1 forms (66
 * prefix, XMM registers) of the 0F, 0F38 and 0F3A maps. Operations that work inside each 64-bit
 * word are written once ({@link #lane}) and applied to one word (MMX) or two (XMM).
 *
 * <p>Operation kinds are the opcode byte for the 0F map and {@code 0x100 | op} for the 0F38 map.
 */
final class IntOps {
    private static final long M32 = 0xFFFF_FFFFL;
    private static final long H8 = 0x8080_8080_8080_8080L;
    private static final long H16 = 0x8000_8000_8000_8000L;
    private static final long H32 = 0x8000_0000_8000_0000L;

    private IntOps() {
    }

    // ------------------------------------------------------------------ dispatch

    static void execute0F(X86Cpu c, Sse s, int op, int pfx) {
        switch (op) {
            case 0x70 -> shuffle(c, s, pfx);
            case 0x71, 0x72, 0x73 -> shiftImm(c, s, op, pfx);
            case 0xC4 -> pinsrw(c, s, pfx);
            case 0xC5 -> pextrw(c, s, pfx);
            case 0x6C, 0x6D -> {
                if (pfx != Sse.PFX_66) {
                    throw c.fault(Vectors.UD);
                }
                binary(c, s, op, pfx);
            }
            default -> {
                if (pfx >= Sse.PFX_F3) {
                    throw c.fault(Vectors.UD);
                }
                binary(c, s, op, pfx);
            }
        }
    }

    static void execute0F38(X86Cpu c, Sse s, int op, int pfx) {
        if (pfx >= Sse.PFX_F3) {
            throw c.fault(Vectors.UD);
        }
        boolean ssse3 = op <= 0x0B || (op >= 0x1C && op <= 0x1E);
        if (!ssse3 && pfx != Sse.PFX_66) {
            throw c.fault(Vectors.UD);
        }
        switch (op) {
            case 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x1C, 0x1D, 0x1E, 0x28, 0x29,
                    0x2B, 0x37, 0x38, 0x39, 0x3A, 0x3B, 0x3C, 0x3D, 0x3E, 0x3F, 0x40 -> binary(c, s, 0x100 | op, pfx);
            case 0x10 -> pblendvb(c, s);
            case 0x17 -> ptest(c, s);
            case 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35 -> pmovx(c, s, op);
            case 0x41 -> phminposuw(c, s);
            default -> throw c.fault(Vectors.UD);
        }
    }

    static void execute0F3A(X86Cpu c, Sse s, int op, int pfx) {
        if (op == 0x0F) {
            if (pfx >= Sse.PFX_F3) {
                throw c.fault(Vectors.UD);
            }
            palignr(c, s, pfx);
            return;
        }
        if (pfx != Sse.PFX_66) {
            throw c.fault(Vectors.UD);
        }
        Sse.checkSse(c);
        switch (op) {
            case 0x0E -> pblendw(c, s);
            case 0x14, 0x15, 0x16 -> pextr(c, s, op);
            case 0x20, 0x22 -> pinsr(c, s, op);
            case 0x42 -> mpsadbw(c, s);
            default -> throw c.fault(Vectors.UD);
        }
    }

    // ------------------------------------------------------------------ generic binary form

    /** op mm, mm/m64 (no prefix) or op xmm, xmm/m128 (66, aligned memory). */
    private static void binary(X86Cpu c, Sse s, int k, int pfx) {
        int d = c.modrmReg();
        if (pfx == Sse.PFX_66) {
            Sse.checkSse(c);
            s.loadRm128(c, true);
            op128(s, k, s.xmm[2 * d], s.xmm[2 * d + 1], s.s0, s.s1);
            s.setXmm(d, s.tmp[0], s.tmp[1]);
        } else {
            Sse.checkMmx(c);
            long b = Sse.loadMmxRm(c);
            long a = c.x87.mmxRead(d & 7);
            long r = op64(k, a, b);
            c.x87.mmxWrite(d & 7, r);
        }
    }

    /** The 128-bit form: result into {@code s.tmp[0..1]}. */
    private static void op128(Sse s, int k, long a0, long a1, long b0, long b1) {
        long[] t = s.tmp;
        switch (k) {
            case 0x60, 0x61, 0x62 -> {
                int e = 8 << (k - 0x60);
                t[0] = interleave(a0 & M32, b0 & M32, e);
                t[1] = interleave(a0 >>> 32, b0 >>> 32, e);
            }
            case 0x68, 0x69, 0x6A -> {
                int e = 8 << (k - 0x68);
                t[0] = interleave(a1 & M32, b1 & M32, e);
                t[1] = interleave(a1 >>> 32, b1 >>> 32, e);
            }
            case 0x6C -> {
                t[0] = a0;
                t[1] = b0;
            }
            case 0x6D -> {
                t[0] = a1;
                t[1] = b1;
            }
            case 0x63, 0x67, 0x6B, 0x12B -> {
                t[0] = pack(k, a0) | pack(k, a1) << 32;
                t[1] = pack(k, b0) | pack(k, b1) << 32;
            }
            case 0xD1, 0xD2, 0xD3, 0xE1, 0xE2, 0xF1, 0xF2, 0xF3 -> {
                t[0] = shift(k, a0, b0);
                t[1] = shift(k, a1, b0);
            }
            case 0x101, 0x102, 0x103, 0x105, 0x106, 0x107 -> {
                t[0] = horizontal(k, a0) | horizontal(k, a1) << 32;
                t[1] = horizontal(k, b0) | horizontal(k, b1) << 32;
            }
            case 0x100 -> {
                t[0] = pshufb(a0, a1, b0, 15);
                t[1] = pshufb(a0, a1, b1, 15);
            }
            default -> {
                t[0] = lane(k, a0, b0);
                t[1] = lane(k, a1, b1);
            }
        }
    }

    /** The 64-bit (MMX) form. */
    private static long op64(int k, long a, long b) {
        return switch (k) {
            case 0x60, 0x61, 0x62 -> interleave(a & M32, b & M32, 8 << (k - 0x60));
            case 0x68, 0x69, 0x6A -> interleave(a >>> 32, b >>> 32, 8 << (k - 0x68));
            case 0x63, 0x67, 0x6B -> pack(k, a) | pack(k, b) << 32;
            case 0xD1, 0xD2, 0xD3, 0xE1, 0xE2, 0xF1, 0xF2, 0xF3 -> shift(k, a, b);
            case 0x101, 0x102, 0x103, 0x105, 0x106, 0x107 -> horizontal(k, a) | horizontal(k, b) << 32;
            case 0x100 -> pshufb(a, a, b, 7);
            default -> lane(k, a, b);
        };
    }

    // ------------------------------------------------------------------ lane-wise operations

    /** Operations that work independently inside each 64-bit word. */
    static long lane(int k, long a, long b) {
        switch (k) {
            case 0xFC: return ((a & ~H8) + (b & ~H8)) ^ ((a ^ b) & H8);
            case 0xFD: return ((a & ~H16) + (b & ~H16)) ^ ((a ^ b) & H16);
            case 0xFE: return ((a & ~H32) + (b & ~H32)) ^ ((a ^ b) & H32);
            case 0xD4: return a + b;
            case 0xF8: return ((a | H8) - (b & ~H8)) ^ ((a ^ ~b) & H8);
            case 0xF9: return ((a | H16) - (b & ~H16)) ^ ((a ^ ~b) & H16);
            case 0xFA: return ((a | H32) - (b & ~H32)) ^ ((a ^ ~b) & H32);
            case 0xFB: return a - b;
            case 0xDB: return a & b;
            case 0xDF: return ~a & b;
            case 0xEB: return a | b;
            case 0xEF: return a ^ b;
            case 0xF4: return (a & M32) * (b & M32);
            case 0x128: return (long) (int) a * (int) b;
            case 0x129: return a == b ? -1L : 0;
            case 0x137: return a > b ? -1L : 0;
            case 0xF5: return pmaddwd(a, b);
            case 0xF6: return psadbw(a, b);
            case 0x104: return pmaddubsw(a, b);
            default: break;
        }
        switch (k) {
            case 0x64, 0x74, 0xD8, 0xDA, 0xDC, 0xDE, 0xE0, 0xE8, 0xEC, 0x108, 0x11C, 0x138, 0x13C:
                return bytes(k, a, b);
            case 0x65, 0x75, 0xD5, 0xD9, 0xDD, 0xE3, 0xE4, 0xE5, 0xE9, 0xEA, 0xED, 0xEE, 0x109, 0x10B, 0x11D, 0x13A,
                    0x13E:
                return words(k, a, b);
            default:
                return dwords(k, a, b);
        }
    }

    private static long bytes(int k, long a, long b) {
        long r = 0;
        for (int i = 0; i < 64; i += 8) {
            int x = (int) (a >>> i) & 0xFF;
            int y = (int) (b >>> i) & 0xFF;
            int sx = (byte) x;
            int sy = (byte) y;
            int v = switch (k) {
                case 0x64 -> sx > sy ? 0xFF : 0;
                case 0x74 -> x == y ? 0xFF : 0;
                case 0xD8 -> Math.max(x - y, 0);
                case 0xDA -> Math.min(x, y);
                case 0xDC -> Math.min(x + y, 0xFF);
                case 0xDE -> Math.max(x, y);
                case 0xE0 -> (x + y + 1) >>> 1;
                case 0xE8 -> clamp(sx - sy, -128, 127);
                case 0xEC -> clamp(sx + sy, -128, 127);
                case 0x108 -> sy < 0 ? -sx : sy == 0 ? 0 : sx;
                case 0x11C -> Math.abs(sy);
                case 0x138 -> Math.min(sx, sy);
                default -> Math.max(sx, sy); // 0x13C
            };
            r |= (long) (v & 0xFF) << i;
        }
        return r;
    }

    private static long words(int k, long a, long b) {
        long r = 0;
        for (int i = 0; i < 64; i += 16) {
            int x = (int) (a >>> i) & 0xFFFF;
            int y = (int) (b >>> i) & 0xFFFF;
            int sx = (short) x;
            int sy = (short) y;
            int v = switch (k) {
                case 0x65 -> sx > sy ? 0xFFFF : 0;
                case 0x75 -> x == y ? 0xFFFF : 0;
                case 0xD5 -> sx * sy;
                case 0xD9 -> Math.max(x - y, 0);
                case 0xDD -> Math.min(x + y, 0xFFFF);
                case 0xE3 -> (x + y + 1) >>> 1;
                case 0xE4 -> (x * y) >>> 16;
                case 0xE5 -> (sx * sy) >> 16;
                case 0xE9 -> clamp(sx - sy, -32768, 32767);
                case 0xEA -> Math.min(sx, sy);
                case 0xED -> clamp(sx + sy, -32768, 32767);
                case 0xEE -> Math.max(sx, sy);
                case 0x109 -> sy < 0 ? -sx : sy == 0 ? 0 : sx;
                case 0x10B -> (((sx * sy) >> 14) + 1) >> 1;
                case 0x11D -> Math.abs(sy);
                case 0x13A -> Math.min(x, y);
                default -> Math.max(x, y); // 0x13E
            };
            r |= (long) (v & 0xFFFF) << i;
        }
        return r;
    }

    private static long dwords(int k, long a, long b) {
        long r = 0;
        for (int i = 0; i < 64; i += 32) {
            int x = (int) (a >>> i);
            int y = (int) (b >>> i);
            int v = switch (k) {
                case 0x66 -> x > y ? -1 : 0;
                case 0x76 -> x == y ? -1 : 0;
                case 0x10A -> y < 0 ? -x : y == 0 ? 0 : x;
                case 0x11E -> Math.abs(y);
                case 0x139 -> Math.min(x, y);
                case 0x13B -> Integer.compareUnsigned(x, y) < 0 ? x : y;
                case 0x13D -> Math.max(x, y);
                case 0x13F -> Integer.compareUnsigned(x, y) > 0 ? x : y;
                case 0x140 -> x * y;
                default -> throw new IllegalStateException("no integer SIMD kind " + Integer.toHexString(k));
            };
            r |= (v & M32) << i;
        }
        return r;
    }

    private static int clamp(int v, int lo, int hi) {
        return v < lo ? lo : Math.min(v, hi);
    }

    private static long pmaddwd(long a, long b) {
        long r = 0;
        for (int i = 0; i < 64; i += 32) {
            int v = (short) (a >>> i) * (short) (b >>> i) + (short) (a >>> (i + 16)) * (short) (b >>> (i + 16));
            r |= (v & M32) << i;
        }
        return r;
    }

    private static long psadbw(long a, long b) {
        int sum = 0;
        for (int i = 0; i < 64; i += 8) {
            sum += Math.abs((int) ((a >>> i) & 0xFF) - (int) ((b >>> i) & 0xFF));
        }
        return sum;
    }

    private static long pmaddubsw(long a, long b) {
        long r = 0;
        for (int i = 0; i < 64; i += 16) {
            int v = (int) ((a >>> i) & 0xFF) * (byte) (b >>> i) + (int) ((a >>> (i + 8)) & 0xFF) * (byte) (b >>> (i + 8));
            r |= (long) (clamp(v, -32768, 32767) & 0xFFFF) << i;
        }
        return r;
    }

    /** PSRL/PSRA/PSLL by a count (the whole 64-bit count; too large clears or fills with the sign). */
    static long shift(int k, long a, long count) {
        int w = switch (k) {
            case 0xD1, 0xE1, 0xF1, 0x71 -> 16;
            case 0xD2, 0xE2, 0xF2, 0x72 -> 32;
            default -> 64;
        };
        boolean arith = k == 0xE1 || k == 0xE2;
        boolean left = k == 0xF1 || k == 0xF2 || k == 0xF3;
        if (Long.compareUnsigned(count, w - 1) > 0) {
            if (!arith) {
                return 0;
            }
            count = w - 1;
        }
        int n = (int) count;
        if (w == 64) {
            return left ? a << n : a >>> n;
        }
        long r = 0;
        long mask = (1L << w) - 1;
        for (int i = 0; i < 64; i += w) {
            long x = (a >>> i) & mask;
            long v;
            if (left) {
                v = x << n;
            } else if (arith) {
                v = (w == 16 ? (long) (short) x : (long) (int) x) >> n;
            } else {
                v = x >>> n;
            }
            r |= (v & mask) << i;
        }
        return r;
    }

    /** Interleaves the elements of two 32-bit halves (x first): element size 8, 16 or 32 bits. */
    private static long interleave(long x, long y, int e) {
        long r = 0;
        long mask = (1L << e) - 1;
        int n = 32 / e;
        for (int i = 0; i < n; i++) {
            r |= ((x >>> (i * e)) & mask) << (2 * i * e);
            r |= ((y >>> (i * e)) & mask) << ((2 * i + 1) * e);
        }
        return r;
    }

    /** Packs one 64-bit word into 32 bits with saturation: 63 PACKSSWB, 67 PACKUSWB, 6B PACKSSDW, 12B PACKUSDW. */
    private static long pack(int k, long v) {
        long r = 0;
        if (k == 0x63 || k == 0x67) {
            for (int i = 0; i < 4; i++) {
                int x = (short) (v >>> (16 * i));
                int y = k == 0x63 ? clamp(x, -128, 127) : clamp(x, 0, 255);
                r |= (long) (y & 0xFF) << (8 * i);
            }
        } else {
            for (int i = 0; i < 2; i++) {
                int x = (int) (v >>> (32 * i));
                int y = k == 0x6B ? clamp(x, -32768, 32767) : clamp(x, 0, 65535);
                r |= (long) (y & 0xFFFF) << (16 * i);
            }
        }
        return r;
    }

    /** PHADD/PHSUB of one 64-bit word's adjacent pairs, packed into 32 bits. */
    private static long horizontal(int k, long v) {
        if (k == 0x102 || k == 0x106) {
            int x = (int) v;
            int y = (int) (v >>> 32);
            return (k == 0x102 ? x + y : x - y) & M32;
        }
        long r = 0;
        for (int i = 0; i < 2; i++) {
            int x = (short) (v >>> (32 * i));
            int y = (short) (v >>> (32 * i + 16));
            int z = switch (k) {
                case 0x101 -> x + y;
                case 0x103 -> clamp(x + y, -32768, 32767);
                case 0x105 -> x - y;
                default -> clamp(x - y, -32768, 32767); // 0x107
            };
            r |= (long) (z & 0xFFFF) << (16 * i);
        }
        return r;
    }

    /** PSHUFB for the 8 bytes selected by {@code idx}: index masked by {@code m} into the table lo:hi. */
    private static long pshufb(long lo, long hi, long idx, int m) {
        long r = 0;
        for (int i = 0; i < 64; i += 8) {
            int j = (int) (idx >>> i) & 0xFF;
            if ((j & 0x80) == 0) {
                j &= m;
                long src = j < 8 ? lo : hi;
                r |= ((src >>> (8 * (j & 7))) & 0xFF) << i;
            }
        }
        return r;
    }

    // ------------------------------------------------------------------ shuffles, shifts by immediate

    private static void shuffle(X86Cpu c, Sse s, int pfx) {
        int d = c.modrmReg();
        int imm = (int) c.imm & 0xFF;
        if (pfx == Sse.PFX_NONE) { // PSHUFW mm, mm/m64, imm8
            Sse.checkMmx(c);
            long b = Sse.loadMmxRm(c);
            long r = shufWords(b, imm);
            c.x87.mmxWrite(d & 7, r);
            return;
        }
        Sse.checkSse(c);
        s.loadRm128(c, true);
        switch (pfx) {
            case Sse.PFX_66 -> {
                long lo = FpOps.dword(s.s0, s.s1, imm & 3) | FpOps.dword(s.s0, s.s1, (imm >>> 2) & 3) << 32;
                long hi = FpOps.dword(s.s0, s.s1, (imm >>> 4) & 3) | FpOps.dword(s.s0, s.s1, (imm >>> 6) & 3) << 32;
                s.setXmm(d, lo, hi);
            }
            case Sse.PFX_F3 -> s.setXmm(d, s.s0, shufWords(s.s1, imm));
            default -> s.setXmm(d, shufWords(s.s0, imm), s.s1);
        }
    }

    private static long shufWords(long v, int imm) {
        long r = 0;
        for (int i = 0; i < 4; i++) {
            r |= ((v >>> (16 * ((imm >>> (2 * i)) & 3))) & 0xFFFF) << (16 * i);
        }
        return r;
    }

    /** Groups 12/13/14: PSRLW/D/Q, PSRAW/D, PSLLW/D/Q, PSRLDQ, PSLLDQ by an immediate. */
    private static void shiftImm(X86Cpu c, Sse s, int op, int pfx) {
        if (!c.rmIsReg() || pfx >= Sse.PFX_F3) {
            throw c.fault(Vectors.UD);
        }
        int g = (c.mrm >>> Decoder.M_REG_SHIFT) & 7;
        int k;
        switch (g) {
            case 2 -> k = op == 0x71 ? 0xD1 : op == 0x72 ? 0xD2 : 0xD3;
            case 4 -> {
                if (op == 0x73) {
                    throw c.fault(Vectors.UD);
                }
                k = op == 0x71 ? 0xE1 : 0xE2;
            }
            case 6 -> k = op == 0x71 ? 0xF1 : op == 0x72 ? 0xF2 : 0xF3;
            case 3, 7 -> {
                if (op != 0x73 || pfx != Sse.PFX_66) {
                    throw c.fault(Vectors.UD);
                }
                k = g == 3 ? 0x1003 : 0x1007;
            }
            default -> throw c.fault(Vectors.UD);
        }
        long count = c.imm & 0xFF;
        int r = c.modrmRm();
        if (pfx == Sse.PFX_NONE) {
            Sse.checkMmx(c);
            long v = shift(k, c.x87.mmxRead(r & 7), count);
            c.x87.mmxWrite(r & 7, v);
            return;
        }
        Sse.checkSse(c);
        long lo = s.xmm[2 * r];
        long hi = s.xmm[2 * r + 1];
        if (k == 0x1003 || k == 0x1007) {
            byteShift(s, lo, hi, (int) count, k == 0x1007);
            s.setXmm(r, s.tmp[0], s.tmp[1]);
        } else {
            s.setXmm(r, shift(k, lo, count), shift(k, hi, count));
        }
    }

    /** 128-bit byte shift (PSLLDQ when {@code left}, else PSRLDQ) into {@code s.tmp[0..1]}. */
    private static void byteShift(Sse s, long lo, long hi, int n, boolean left) {
        if (n > 16) {
            n = 16;
        }
        int bits = 8 * n;
        long rlo;
        long rhi;
        if (bits == 0) {
            rlo = lo;
            rhi = hi;
        } else if (bits >= 128) {
            rlo = 0;
            rhi = 0;
        } else if (left) {
            if (bits >= 64) {
                rhi = lo << (bits - 64);
                rlo = 0;
            } else {
                rhi = (hi << bits) | (lo >>> (64 - bits));
                rlo = lo << bits;
            }
        } else {
            if (bits >= 64) {
                rlo = hi >>> (bits - 64);
                rhi = 0;
            } else {
                rlo = (lo >>> bits) | (hi << (64 - bits));
                rhi = hi >>> bits;
            }
        }
        s.tmp[0] = rlo;
        s.tmp[1] = rhi;
    }

    private static void pinsrw(X86Cpu c, Sse s, int pfx) {
        if (pfx >= Sse.PFX_F3) {
            throw c.fault(Vectors.UD);
        }
        Sse.check(c, pfx);
        int d = c.modrmReg();
        long v = c.rmIsReg() ? c.gpr[c.modrmRm()] & 0xFFFF : c.mmu.read16(c.ea());
        int imm = (int) c.imm;
        if (pfx == Sse.PFX_NONE) {
            int sh = 16 * (imm & 3);
            long old = c.x87.mmxRead(d & 7);
            c.x87.mmxWrite(d & 7, (old & ~(0xFFFFL << sh)) | (v << sh));
        } else {
            int i = 2 * d + ((imm >>> 2) & 1);
            int sh = 16 * (imm & 3);
            s.xmm[i] = (s.xmm[i] & ~(0xFFFFL << sh)) | (v << sh);
        }
    }

    private static void pextrw(X86Cpu c, Sse s, int pfx) {
        if (!c.rmIsReg() || pfx >= Sse.PFX_F3) {
            throw c.fault(Vectors.UD);
        }
        Sse.check(c, pfx);
        int imm = (int) c.imm;
        int r = c.modrmRm();
        long v;
        if (pfx == Sse.PFX_NONE) {
            v = c.x87.mmxRead(r & 7) >>> (16 * (imm & 3));
        } else {
            v = s.xmm[2 * r + ((imm >>> 2) & 1)] >>> (16 * (imm & 3));
        }
        c.gpr[c.modrmReg()] = v & 0xFFFF;
    }

    // ------------------------------------------------------------------ SSSE3 / SSE4.1 specials

    private static void palignr(X86Cpu c, Sse s, int pfx) {
        int d = c.modrmReg();
        int n = (int) c.imm & 0xFF;
        if (pfx == Sse.PFX_NONE) {
            Sse.checkMmx(c);
            long b = Sse.loadMmxRm(c);
            long a = c.x87.mmxRead(d & 7);
            long r;
            int bits = 8 * n;
            if (bits >= 128) {
                r = 0;
            } else if (bits >= 64) {
                r = bits == 64 ? a : a >>> (bits - 64);
            } else if (bits == 0) {
                r = b;
            } else {
                r = (b >>> bits) | (a << (64 - bits));
            }
            c.x87.mmxWrite(d & 7, r);
            return;
        }
        Sse.checkSse(c);
        s.loadRm128(c, true);
        long a0 = s.xmm[2 * d];
        long a1 = s.xmm[2 * d + 1];
        // 256-bit a1:a0:s1:s0 shifted right by n bytes; keep the low 128 bits.
        long[] w = s.tmp;
        w[0] = s.s0;
        w[1] = s.s1;
        w[2] = a0;
        w[3] = a1;
        long lo = extract256(w, n);
        long hi = extract256(w, n + 8);
        s.setXmm(d, lo, hi);
    }

    /** 64 bits of the 256-bit little-endian value {@code w} starting at byte {@code n} (zeros beyond). */
    private static long extract256(long[] w, int n) {
        if (n >= 32) {
            return 0;
        }
        int q = n >>> 3;
        int sh = 8 * (n & 7);
        long lo = w[q];
        long hi = q + 1 < 4 ? w[q + 1] : 0;
        return sh == 0 ? lo : (lo >>> sh) | (hi << (64 - sh));
    }

    private static void pblendvb(X86Cpu c, Sse s) {
        Sse.checkSse(c);
        int d = c.modrmReg();
        s.loadRm128(c, true);
        long m0 = byteSelect(s.xmm[0]);
        long m1 = byteSelect(s.xmm[1]);
        s.setXmm(d, (s.xmm[2 * d] & ~m0) | (s.s0 & m0), (s.xmm[2 * d + 1] & ~m1) | (s.s1 & m1));
    }

    /** 0xFF in each byte whose top bit is set. */
    private static long byteSelect(long v) {
        long t = (v & H8) >>> 7;
        return t * 0xFF;
    }

    private static void pblendw(X86Cpu c, Sse s) {
        int d = c.modrmReg();
        s.loadRm128(c, true);
        int imm = (int) c.imm;
        long m0 = 0;
        long m1 = 0;
        for (int i = 0; i < 4; i++) {
            if ((imm & (1 << i)) != 0) {
                m0 |= 0xFFFFL << (16 * i);
            }
            if ((imm & (0x10 << i)) != 0) {
                m1 |= 0xFFFFL << (16 * i);
            }
        }
        s.setXmm(d, (s.xmm[2 * d] & ~m0) | (s.s0 & m0), (s.xmm[2 * d + 1] & ~m1) | (s.s1 & m1));
    }

    private static void ptest(X86Cpu c, Sse s) {
        Sse.checkSse(c);
        int d = c.modrmReg();
        s.loadRm128(c, true);
        long a0 = s.xmm[2 * d];
        long a1 = s.xmm[2 * d + 1];
        long f = 0;
        if (((a0 & s.s0) | (a1 & s.s1)) == 0) {
            f |= Flags.ZF;
        }
        if (((~a0 & s.s0) | (~a1 & s.s1)) == 0) {
            f |= Flags.CF;
        }
        Flags.setArith(c, f);
    }

    private static void pmovx(X86Cpu c, Sse s, int op) {
        Sse.checkSse(c);
        int d = c.modrmReg();
        int kind = op & 0xF; // 0 BW, 1 BD, 2 BQ, 3 WD, 4 WQ, 5 DQ
        boolean signed = op < 0x30;
        int srcBytes = switch (kind) {
            case 0, 3, 5 -> 8;
            case 1, 4 -> 4;
            default -> 2;
        };
        long v;
        if (c.rmIsReg()) {
            v = s.xmm[2 * c.modrmRm()];
        } else {
            long a = c.ea();
            v = srcBytes == 8 ? c.mmu.read64(a) : srcBytes == 4 ? c.mmu.read32(a) & M32 : c.mmu.read16(a);
        }
        int from = kind < 3 ? 8 : kind < 5 ? 16 : 32;
        int to = switch (kind) {
            case 0 -> 16;
            case 1, 3 -> 32;
            default -> 64;
        };
        long lo = 0;
        long hi = 0;
        int n = 128 / to;
        long fromMask = (1L << from) - 1;
        long toMask = to == 64 ? -1L : (1L << to) - 1;
        for (int i = 0; i < n; i++) {
            long x = (v >>> (i * from)) & fromMask;
            if (signed) {
                x = (x << (64 - from)) >> (64 - from);
            }
            x &= toMask;
            int bit = i * to;
            if (bit < 64) {
                lo |= x << bit;
            } else {
                hi |= x << (bit - 64);
            }
        }
        s.setXmm(d, lo, hi);
    }

    private static void phminposuw(X86Cpu c, Sse s) {
        Sse.checkSse(c);
        s.loadRm128(c, true);
        int best = 0x10000;
        int idx = 0;
        for (int i = 0; i < 8; i++) {
            int w = (int) ((i < 4 ? s.s0 : s.s1) >>> (16 * (i & 3))) & 0xFFFF;
            if (w < best) {
                best = w;
                idx = i;
            }
        }
        s.setXmm(c.modrmReg(), best | ((long) idx << 16), 0);
    }

    private static void pextr(X86Cpu c, Sse s, int op) {
        int d = c.modrmReg();
        int imm = (int) c.imm;
        long lo = s.xmm[2 * d];
        long hi = s.xmm[2 * d + 1];
        boolean w = (c.attr & Decoder.A_REXW) != 0;
        switch (op) {
            case 0x14 -> { // PEXTRB r/m8
                int i = imm & 15;
                long v = ((i < 8 ? lo : hi) >>> (8 * (i & 7))) & 0xFF;
                if (c.rmIsReg()) {
                    c.gpr[c.modrmRm()] = v;
                } else {
                    c.mmu.write8(c.ea(), (int) v);
                }
            }
            case 0x15 -> { // PEXTRW r/m16
                int i = imm & 7;
                long v = ((i < 4 ? lo : hi) >>> (16 * (i & 3))) & 0xFFFF;
                if (c.rmIsReg()) {
                    c.gpr[c.modrmRm()] = v;
                } else {
                    c.mmu.write16(c.ea(), (int) v);
                }
            }
            default -> { // PEXTRD / PEXTRQ
                if (w) {
                    c.writeRm(X86Cpu.S64, (imm & 1) == 0 ? lo : hi);
                } else {
                    c.writeRm(X86Cpu.S32, FpOps.dword(lo, hi, imm & 3));
                }
            }
        }
    }

    private static void pinsr(X86Cpu c, Sse s, int op) {
        int d = c.modrmReg();
        int imm = (int) c.imm;
        if (op == 0x20) { // PINSRB xmm, r32/m8
            long v = c.rmIsReg() ? c.gpr[c.modrmRm()] & 0xFF : c.mmu.read8(c.ea());
            int i = imm & 15;
            int q = 2 * d + (i >>> 3);
            int sh = 8 * (i & 7);
            s.xmm[q] = (s.xmm[q] & ~(0xFFL << sh)) | (v << sh);
            return;
        }
        if ((c.attr & Decoder.A_REXW) != 0) { // PINSRQ
            long v = c.readRm(X86Cpu.S64);
            s.xmm[2 * d + (imm & 1)] = v;
            return;
        }
        long v = c.readRm(X86Cpu.S32);
        int i = imm & 3;
        int q = 2 * d + (i >>> 1);
        int sh = 32 * (i & 1);
        s.xmm[q] = (s.xmm[q] & ~(M32 << sh)) | (v << sh);
    }

    private static void mpsadbw(X86Cpu c, Sse s) {
        int d = c.modrmReg();
        s.loadRm128(c, true);
        int imm = (int) c.imm;
        long a0 = s.xmm[2 * d];
        long a1 = s.xmm[2 * d + 1];
        int aOff = ((imm >>> 2) & 1) * 4;
        int bOff = (imm & 3) * 4;
        long lo = 0;
        long hi = 0;
        for (int i = 0; i < 8; i++) {
            int sum = 0;
            for (int j = 0; j < 4; j++) {
                sum += Math.abs(byteAt(a0, a1, aOff + i + j) - byteAt(s.s0, s.s1, bOff + j));
            }
            if (i < 4) {
                lo |= (long) sum << (16 * i);
            } else {
                hi |= (long) sum << (16 * (i - 4));
            }
        }
        s.setXmm(d, lo, hi);
    }

    private static int byteAt(long lo, long hi, int i) {
        return (int) ((i < 8 ? lo : hi) >>> (8 * (i & 7))) & 0xFF;
    }
}
