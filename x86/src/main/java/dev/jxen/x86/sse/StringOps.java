package dev.jxen.x86.sse;

import dev.jxen.x86.Decoder;
import dev.jxen.x86.Flags;
import dev.jxen.x86.X86Cpu;

/**
 * SSE4.2 string compares: PCMPESTRM (60), PCMPESTRI (61), PCMPISTRM (62), PCMPISTRI (63) with
 * every imm8 mode (element format, aggregation, polarity, output selection).
 */
final class StringOps {
    private StringOps() {
    }

    static void execute(X86Cpu c, Sse s, int op, int pfx) {
        if (pfx != Sse.PFX_66) {
            throw c.fault(dev.jxen.x86.Vectors.UD);
        }
        Sse.checkSse(c);
        s.loadRm128(c, false); // the string instructions do not require alignment
        int imm = (int) c.imm & 0xFF;
        int d = c.modrmReg();
        long a0 = s.xmm[2 * d];
        long a1 = s.xmm[2 * d + 1];
        long b0 = s.s0;
        long b1 = s.s1;
        boolean words = (imm & 1) != 0;
        boolean signed = (imm & 2) != 0;
        int n = words ? 8 : 16;
        int lenA;
        int lenB;
        if (op <= 0x61) {
            boolean w = (c.attr & Decoder.A_REXW) != 0;
            lenA = explicitLength(w ? c.gpr[0] : (int) c.gpr[0], n);
            lenB = explicitLength(w ? c.gpr[2] : (int) c.gpr[2], n);
        } else {
            lenA = implicitLength(a0, a1, words, n);
            lenB = implicitLength(b0, b1, words, n);
        }
        int res1 = aggregate((imm >>> 2) & 3, a0, a1, b0, b1, words, signed, n, lenA, lenB);
        int all = (1 << n) - 1;
        int res2 = switch ((imm >>> 4) & 3) {
            case 1 -> ~res1 & all;
            case 3 -> res1 ^ ((1 << lenB) - 1);
            default -> res1;
        };
        long f = 0;
        if (res2 != 0) {
            f |= Flags.CF;
        }
        if (lenB < n) {
            f |= Flags.ZF;
        }
        if (lenA < n) {
            f |= Flags.SF;
        }
        if ((res2 & 1) != 0) {
            f |= Flags.OF;
        }
        if ((op & 1) != 0) { // index into ECX
            int idx;
            if (res2 == 0) {
                idx = n;
            } else if ((imm & 0x40) != 0) {
                idx = 31 - Integer.numberOfLeadingZeros(res2);
            } else {
                idx = Integer.numberOfTrailingZeros(res2);
            }
            c.gpr[1] = idx;
        } else if ((imm & 0x40) == 0) {
            s.setXmm(0, res2, 0);
        } else {
            long lo = 0;
            long hi = 0;
            int size = words ? 16 : 8;
            long ones = words ? 0xFFFFL : 0xFFL;
            for (int j = 0; j < n; j++) {
                if ((res2 & (1 << j)) != 0) {
                    int bit = j * size;
                    if (bit < 64) {
                        lo |= ones << bit;
                    } else {
                        hi |= ones << (bit - 64);
                    }
                }
            }
            s.setXmm(0, lo, hi);
        }
        Flags.setArith(c, f);
    }

    private static int explicitLength(long v, int n) {
        if (v < 0) {
            v = -v;
            if (v < 0) {
                return n;
            }
        }
        return v > n ? n : (int) v;
    }

    private static int implicitLength(long lo, long hi, boolean words, int n) {
        for (int i = 0; i < n; i++) {
            if (element(lo, hi, i, words, false) == 0) {
                return i;
            }
        }
        return n;
    }

    static int element(long lo, long hi, int i, boolean words, boolean signed) {
        if (words) {
            long q = i < 4 ? lo : hi;
            int v = (int) (q >>> (16 * (i & 3))) & 0xFFFF;
            return signed ? (short) v : v;
        }
        long q = i < 8 ? lo : hi;
        int v = (int) (q >>> (8 * (i & 7))) & 0xFF;
        return signed ? (byte) v : v;
    }

    /** IntRes1: bit j set when element j of the second operand (b) matches per the aggregation. */
    private static int aggregate(int agg, long a0, long a1, long b0, long b1, boolean words, boolean signed, int n,
            int lenA, int lenB) {
        int res = 0;
        switch (agg) {
            case 0 -> { // equal any
                for (int j = 0; j < lenB; j++) {
                    int y = element(b0, b1, j, words, signed);
                    for (int i = 0; i < lenA; i++) {
                        if (element(a0, a1, i, words, signed) == y) {
                            res |= 1 << j;
                            break;
                        }
                    }
                }
            }
            case 1 -> { // ranges
                for (int j = 0; j < lenB; j++) {
                    int y = element(b0, b1, j, words, signed);
                    for (int i = 0; i + 1 < lenA; i += 2) {
                        if (element(a0, a1, i, words, signed) <= y && y <= element(a0, a1, i + 1, words, signed)) {
                            res |= 1 << j;
                            break;
                        }
                    }
                }
            }
            case 2 -> { // equal each
                for (int j = 0; j < n; j++) {
                    boolean va = j < lenA;
                    boolean vb = j < lenB;
                    boolean r = va && vb ? element(a0, a1, j, words, signed) == element(b0, b1, j, words, signed)
                            : !va && !vb;
                    if (r) {
                        res |= 1 << j;
                    }
                }
            }
            default -> { // equal ordered
                for (int j = 0; j < n; j++) {
                    boolean match = true;
                    for (int k = 0; k < n - j && match; k++) {
                        if (k >= lenA) {
                            break;
                        }
                        if (j + k >= lenB) {
                            match = false;
                        } else {
                            match = element(a0, a1, k, words, signed) == element(b0, b1, j + k, words, signed);
                        }
                    }
                    if (match) {
                        res |= 1 << j;
                    }
                }
            }
        }
        return res;
    }
}
