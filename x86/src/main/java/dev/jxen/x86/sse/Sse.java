package dev.jxen.x86.sse;

import dev.jxen.x86.Vectors;
import dev.jxen.x86.X86Cpu;

/**
 * SSE..SSE4.2 and MMX: XMM state, MXCSR (one instance per vCPU, {@code X86Cpu.sse}) and the vector
 * opcodes of the 0F, 0F38 and 0F3A maps.
 */
public final class Sse {
    /** XMM register i is {@code xmm[2*i]} (low 64 bits) and {@code xmm[2*i+1]} (high 64 bits). */
    public final long[] xmm = new long[32];
    public int mxcsr = 0x1F80;

    /** True when 0F-map opcode {@code op} belongs to this unit (SSE/MMX), not to the integer/system unit. */
    public static boolean handles0F(int op) {
        return false;
    }

    public static int execute0F(X86Cpu c, int op) {
        throw c.fault(Vectors.UD);
    }

    public static int execute0F38(X86Cpu c, int op) {
        throw c.fault(Vectors.UD);
    }

    public static int execute0F3A(X86Cpu c, int op) {
        throw c.fault(Vectors.UD);
    }

    /** Writes MXCSR, MXCSR_MASK (bytes 24..31) and XMM0..15 (bytes 160..415) of the FXSAVE image. */
    public void fxsave(byte[] img) {
        throw new UnsupportedOperationException("SSE state not implemented yet");
    }

    /** Loads this unit's part of the FXSAVE image (the caller has checked MXCSR against the mask). */
    public void fxrstor(byte[] img) {
        throw new UnsupportedOperationException("SSE state not implemented yet");
    }
}
