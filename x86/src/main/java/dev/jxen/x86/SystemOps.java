package dev.jxen.x86;

/** The non-SSE part of the 0F opcode map: system instructions, bit operations, CMOVcc, SETcc... */
public final class SystemOps {
    private SystemOps() {
    }

    static int execute0F(X86Cpu c, int op) {
        throw c.fault(Vectors.UD);
    }

    /** MOVBE (0F 38 F0/F1 without F2): {@code store} for F1 (register to memory). */
    public static int movbe(X86Cpu c, boolean store) {
        throw c.fault(Vectors.UD);
    }

    /** CRC32 (F2 0F 38 F0/F1): {@code wordForm} for F1 (16/32/64-bit source), else the byte form. */
    public static int crc32(X86Cpu c, boolean wordForm) {
        throw c.fault(Vectors.UD);
    }
}
