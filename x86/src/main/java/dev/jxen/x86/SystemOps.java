package dev.jxen.x86;

/** The non-SSE part of the 0F opcode map: system instructions, bit operations, CMOVcc, SETcc... */
final class SystemOps {
    private SystemOps() {
    }

    static int execute0F(X86Cpu c, int op) {
        throw c.fault(Vectors.UD);
    }
}
