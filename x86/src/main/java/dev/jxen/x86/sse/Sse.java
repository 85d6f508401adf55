package dev.jxen.x86.sse;

import dev.jxen.x86.Vectors;
import dev.jxen.x86.X86Cpu;

/** SSE..SSE4.2 and MMX: XMM state, MXCSR and the vector opcodes of the 0F, 0F38 and 0F3A maps. */
public final class Sse {
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
}
