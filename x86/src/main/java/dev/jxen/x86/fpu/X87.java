package dev.jxen.x86.fpu;

import dev.jxen.x86.Vectors;
import dev.jxen.x86.X86Cpu;

/** The x87 FPU: state and the D8..DF escape opcodes. */
public final class X87 {
    public static int execute(X86Cpu c, int op) {
        throw c.fault(Vectors.UD);
    }
}
