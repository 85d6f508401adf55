package dev.jxen.x86;

/** The one-byte opcode map: integer, stack, control-flow and string instructions. */
final class IntegerOps {
    private IntegerOps() {
    }

    static int execute(X86Cpu c, int op) {
        switch (op) {
            case 0x90:
                return Interpreter.CONTINUE;
            case 0x9B:
                return dev.jxen.x86.fpu.X87.fwait(c);
            case 0xD8, 0xD9, 0xDA, 0xDB, 0xDC, 0xDD, 0xDE, 0xDF:
                return dev.jxen.x86.fpu.X87.execute(c, op);
            default:
                throw c.fault(Vectors.UD);
        }
    }
}
