package dev.jxen.x86.difftest;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Accessors for the 512-byte FXSAVE64 image that carries the x87, MXCSR and XMM state of a case. */
public final class FxImage {
    public static final int SIZE = 512;
    public static final int FCW = 0, FSW = 2, FTW = 4, FOP = 6, FIP = 8, FDP = 16, MXCSR = 24, MXCSR_MASK = 28;
    public static final int ST0 = 32, XMM0 = 160;

    private FxImage() {
    }

    /** The state after FNINIT with MXCSR at its reset value 0x1F80 and zeroed XMM registers. */
    public static byte[] initial() {
        byte[] img = new byte[SIZE];
        putShort(img, FCW, 0x37F);
        putInt(img, MXCSR, 0x1F80);
        return img;
    }

    private static ByteBuffer le(byte[] img) {
        return ByteBuffer.wrap(img).order(ByteOrder.LITTLE_ENDIAN);
    }

    public static int getShort(byte[] img, int off) {
        return le(img).getShort(off) & 0xFFFF;
    }

    public static void putShort(byte[] img, int off, int v) {
        le(img).putShort(off, (short) v);
    }

    public static int getInt(byte[] img, int off) {
        return le(img).getInt(off);
    }

    public static void putInt(byte[] img, int off, int v) {
        le(img).putInt(off, v);
    }

    public static long getLong(byte[] img, int off) {
        return le(img).getLong(off);
    }

    public static void putLong(byte[] img, int off, long v) {
        le(img).putLong(off, v);
    }

    public static long xmmLo(byte[] img, int i) {
        return getLong(img, XMM0 + 16 * i);
    }

    public static long xmmHi(byte[] img, int i) {
        return getLong(img, XMM0 + 16 * i + 8);
    }

    public static void putXmm(byte[] img, int i, long lo, long hi) {
        putLong(img, XMM0 + 16 * i, lo);
        putLong(img, XMM0 + 16 * i + 8, hi);
    }

    /** The last x87 opcode (11 bits; FXSAVE stores the upper 5 bits as 0), instruction and data pointer (64-bit FXSAVE64 layout). */
    public static int fop(byte[] img) {
        return getShort(img, FOP);
    }

    public static long fip(byte[] img) {
        return getLong(img, FIP);
    }

    public static long fdp(byte[] img) {
        return getLong(img, FDP);
    }

    public static int mxcsr(byte[] img) {
        return getInt(img, MXCSR);
    }

    /** ST(i)/MMi's 80-bit value as significand (low 64 bits) and sign+exponent (high 16). */
    public static long stSignificand(byte[] img, int i) {
        return getLong(img, ST0 + 16 * i);
    }

    public static int stExponent(byte[] img, int i) {
        return getShort(img, ST0 + 16 * i + 8);
    }

    /** Writes physical register i (ST(i) relative to TOP as stored by FXSAVE: the stack order). */
    public static void putSt(byte[] img, int i, long significand, int signExponent) {
        putLong(img, ST0 + 16 * i, significand);
        putShort(img, ST0 + 16 * i + 8, signExponent);
    }
}
