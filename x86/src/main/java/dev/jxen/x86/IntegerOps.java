package dev.jxen.x86;

/** The one-byte opcode map: integer, stack, control-flow and string instructions. */
final class IntegerOps {
    private IntegerOps() {
    }

    static int execute(X86Cpu c, int op) {
        switch (op) {
            case 0x90:
                return Interpreter.CONTINUE;
            default:
                throw c.fault(Vectors.UD);
        }
    }
}
