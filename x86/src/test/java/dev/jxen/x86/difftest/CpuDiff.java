package dev.jxen.x86.difftest;

import java.util.ArrayList;
import java.util.List;

/**
 * Compares a host result with an emulator result field by field, ignoring only what the case
 * declares undefined ({@link CpuCase#undefinedFlags}, {@link CpuCase#undefinedGprs},
 * {@link CpuCase#undefinedFsw}), the accuracy the manuals allow ({@link CpuCase#stUlps}), and the
 * x87 state when the case does not use it. With the x87 state, FCW, FSW, the tag word, FOP, FIP,
 * FDP and ST0-7 are all compared.
 */
public final class CpuDiff {
    /** Arithmetic flags and DF: the RFLAGS bits a CPL-3 snippet can change and that are compared. */
    public static final long COMPARED_FLAGS = 0xCD5L;
    public static final long CF = 1, PF = 4, AF = 0x10, ZF = 0x40, SF = 0x80, DF = 0x400, OF = 0x800;
    public static final String[] GPR_NAMES = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
        "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"};

    private CpuDiff() {
    }

    /** The differences, one readable line each; empty when the emulator matched the host. */
    public static List<String> compare(CpuCase c, CpuResult host, CpuResult emu) {
        List<String> d = new ArrayList<>();
        if (host.vector != emu.vector) {
            d.add("outcome: host " + CpuResult.vectorName(host.vector) + ", emulator " + CpuResult.vectorName(emu.vector));
        } else {
            if (CpuResult.hasErrorCode(host.vector) && host.errorCode != emu.errorCode) {
                d.add(String.format("error code: host 0x%x, emulator 0x%x", host.errorCode, emu.errorCode));
            }
            if (host.vector == 14 && host.cr2 != emu.cr2 && !sameOperandByte(c, host.cr2, emu.cr2)) {
                d.add(String.format("cr2: host 0x%x, emulator 0x%x", host.cr2, emu.cr2));
            }
        }
        if (host.vector == CpuResult.BAD_REQUEST || host.vector == CpuResult.TIMEOUT) {
            return d; // the host state is meaningless
        }
        if (host.rip != emu.rip) {
            d.add(String.format("rip: host 0x%x, emulator 0x%x", host.rip, emu.rip));
        }
        for (int i = 0; i < 16; i++) {
            if ((c.undefinedGprs & (1 << i)) == 0 && host.gpr[i] != emu.gpr[i]) {
                d.add(String.format("%s: host 0x%016x, emulator 0x%016x", GPR_NAMES[i], host.gpr[i], emu.gpr[i]));
            }
        }
        long mask = COMPARED_FLAGS & ~c.undefinedFlags;
        if (((host.rflags ^ emu.rflags) & mask) != 0) {
            d.add("rflags: host " + flagString(host.rflags & COMPARED_FLAGS) + ", emulator "
                    + flagString(emu.rflags & COMPARED_FLAGS) + "; differ in " + flagString((host.rflags ^ emu.rflags) & mask)
                    + (c.undefinedFlags != 0 ? " (undefined, ignored: " + flagString(c.undefinedFlags) + ")" : ""));
        }
        compareFp(c, host.fx, emu.fx, d);
        for (int i = 0; i < Layout.DATA_PAGES; i++) {
            int at = java.util.Arrays.mismatch(host.pages[i], emu.pages[i]);
            if (at >= 0) {
                long addr = Layout.dataPage(i) + at;
                int count = 0;
                for (int k = at; k < Layout.PAGE; k++) {
                    if (host.pages[i][k] != emu.pages[i][k]) {
                        count++;
                    }
                }
                d.add(String.format("memory 0x%x: host %s, emulator %s (%d byte(s) differ in page 0x%x)", addr,
                        hexBytes(host.pages[i], at, 16), hexBytes(emu.pages[i], at, 16), count, Layout.dataPage(i)));
            }
        }
        return d;
    }

    private static void compareFp(CpuCase c, byte[] h, byte[] e, List<String> d) {
        if (FxImage.mxcsr(h) != FxImage.mxcsr(e)) {
            d.add(String.format("mxcsr: host 0x%x, emulator 0x%x", FxImage.mxcsr(h), FxImage.mxcsr(e)));
        }
        for (int i = 0; i < 16; i++) {
            if (FxImage.xmmLo(h, i) != FxImage.xmmLo(e, i) || FxImage.xmmHi(h, i) != FxImage.xmmHi(e, i)) {
                d.add(String.format("xmm%d: host %016x_%016x, emulator %016x_%016x", i, FxImage.xmmHi(h, i),
                        FxImage.xmmLo(h, i), FxImage.xmmHi(e, i), FxImage.xmmLo(e, i)));
            }
        }
        if (!c.x87) {
            return;
        }
        int hcw = FxImage.getShort(h, FxImage.FCW);
        int ecw = FxImage.getShort(e, FxImage.FCW);
        if (hcw != ecw) {
            d.add(String.format("fcw: host 0x%04x, emulator 0x%04x", hcw, ecw));
        }
        int hsw = FxImage.getShort(h, FxImage.FSW);
        int esw = FxImage.getShort(e, FxImage.FSW);
        if (((hsw ^ esw) & ~c.undefinedFsw) != 0) {
            d.add(String.format("fsw: host 0x%04x, emulator 0x%04x", hsw, esw)
                    + (c.undefinedFsw != 0 ? String.format(" (undefined, ignored: 0x%04x)", c.undefinedFsw) : ""));
        }
        int ht = h[FxImage.FTW] & 0xFF;
        int et = e[FxImage.FTW] & 0xFF;
        if (ht != et) {
            d.add(String.format("ftw (abridged): host 0x%02x, emulator 0x%02x", ht, et));
        }
        if (FxImage.fop(h) != FxImage.fop(e)) {
            d.add(String.format("fop: host 0x%03x, emulator 0x%03x", FxImage.fop(h), FxImage.fop(e)));
        }
        if (FxImage.fip(h) != FxImage.fip(e)) {
            d.add(String.format("fip: host 0x%x, emulator 0x%x", FxImage.fip(h), FxImage.fip(e)));
        }
        if (FxImage.fdp(h) != FxImage.fdp(e)) {
            d.add(String.format("fdp: host 0x%x, emulator 0x%x", FxImage.fdp(h), FxImage.fdp(e)));
        }
        for (int i = 0; i < 8; i++) {
            long hs = FxImage.stSignificand(h, i);
            long es = FxImage.stSignificand(e, i);
            int hx = FxImage.stExponent(h, i);
            int ex = FxImage.stExponent(e, i);
            if ((hs != es || hx != ex) && !withinUlps(hx, hs, ex, es, c.stUlps)) {
                d.add(String.format("st%d/mm%d: host %04x:%016x, emulator %04x:%016x", i, i, hx, hs, ex, es)
                        + (c.stUlps != 0 ? " (beyond " + c.stUlps + " ulp)" : ""));
            }
        }
    }

    /**
     * Two 80-bit values at most {@code ulps} units in the last place apart: same sign and exponent
     * with close significands, or adjacent across a binade (all-ones significand and the next power of two).
     */
    static boolean withinUlps(int hx, long hs, int ex, long es, int ulps) {
        if (ulps == 0) {
            return false;
        }
        if (hx == ex) {
            long diff = hs - es;
            return Long.compareUnsigned(Math.abs(diff), ulps) <= 0 && (hs < 0) == (es < 0);
        }
        long lowTop = -1L;
        long highBottom = 1L << 63;
        return (hx + 1 == ex && Long.compareUnsigned(hs, lowTop - ulps + 1) >= 0 && Long.compareUnsigned(es - highBottom, ulps) < 0)
                || (ex + 1 == hx && Long.compareUnsigned(es, lowTop - ulps + 1) >= 0 && Long.compareUnsigned(hs - highBottom, ulps) < 0);
    }

    /** Both fault addresses name bytes of the case's declared multi-byte operand, in the same page. */
    static boolean sameOperandByte(CpuCase c, long hostCr2, long emuCr2) {
        long from = c.cr2OperandAddress;
        long to = from + c.cr2OperandLength;
        return c.cr2OperandLength > 0 && hostCr2 >= from && hostCr2 < to && emuCr2 >= from && emuCr2 < to
                && hostCr2 >>> 12 == emuCr2 >>> 12;
    }

    public static String flagString(long f) {
        StringBuilder sb = new StringBuilder();
        String[] names = {"CF", "", "PF", "", "AF", "", "ZF", "SF", "", "", "DF", "OF"};
        for (int b = 0; b < names.length; b++) {
            if (!names[b].isEmpty() && (f & (1L << b)) != 0) {
                if (sb.length() > 0) {
                    sb.append(' ');
                }
                sb.append(names[b]);
            }
        }
        return sb.length() == 0 ? "-" : "[" + sb + "]";
    }

    static String hexBytes(byte[] b, int from, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = from; i < Math.min(b.length, from + n); i++) {
            sb.append(String.format("%02x", b[i] & 0xFF));
        }
        return sb.toString();
    }
}
