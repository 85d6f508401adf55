package dev.jxen.x86;

/** FXSAVE/FXRSTOR's 512-byte image of the x87, MMX and SSE state. */
final class FxState {
    private FxState() {
    }

    static void save(X86Cpu c, byte[] out) {
        throw new UnsupportedOperationException("FXSAVE image not implemented yet");
    }

    static void load(X86Cpu c, byte[] in) {
        throw new UnsupportedOperationException("FXRSTOR image not implemented yet");
    }
}
