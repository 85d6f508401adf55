package dev.jxen.x86.fpu;

import dev.jxen.x86.Vectors;
import dev.jxen.x86.X86Cpu;

/**
 * The x87 FPU: its state (one instance per vCPU, {@code X86Cpu.x87}) and the D8..DF escape
 * opcodes. The MMX registers alias the x87 registers' significands; the SSE unit reaches them
 * through {@link #mmxRead}/{@link #mmxWrite}.
 */
public final class X87 {
    /** Executes escape opcode {@code op} (0xD8..0xDF) with the CPU's current instruction fields. */
    public static int execute(X86Cpu c, int op) {
        throw c.fault(Vectors.UD);
    }

    /** MMX register {@code i} (the significand of physical register i). */
    public long mmxRead(int i) {
        throw new UnsupportedOperationException("x87 state not implemented yet");
    }

    /** Writes MMX register {@code i}: significand = v, exponent all ones, TOP = 0, all tags valid. */
    public void mmxWrite(int i, long v) {
        throw new UnsupportedOperationException("x87 state not implemented yet");
    }

    /** What any MMX instruction does to the x87 state first: TOP = 0 and all registers tagged valid. */
    public void mmxEnter() {
        throw new UnsupportedOperationException("x87 state not implemented yet");
    }

    /** EMMS: all registers tagged empty. */
    public void emms() {
        throw new UnsupportedOperationException("x87 state not implemented yet");
    }

    /** Writes the x87 part of the FXSAVE image (bytes 0..23 and 32..159) into {@code img}. */
    public void fxsave(byte[] img) {
        throw new UnsupportedOperationException("x87 state not implemented yet");
    }

    /** Loads the x87 part of the FXSAVE image. */
    public void fxrstor(byte[] img) {
        throw new UnsupportedOperationException("x87 state not implemented yet");
    }

    /** FNINIT: the state after reset. */
    public void reset() {
    }
}
