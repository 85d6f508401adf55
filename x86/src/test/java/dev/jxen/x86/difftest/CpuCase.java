package dev.jxen.x86.difftest;

import java.util.HexFormat;

/**
 * One differential test case: the code to run (it starts at {@link Layout#CODE_BASE}; the
 * harness appends the end marker) and the complete state before it. Fields are public and the
 * setters chain, so generators can fill a case tersely.
 */
public final class CpuCase {
    /** The instruction form this case belongs to, e.g. "add eax, ebx" (groups results in reports). */
    public String group;
    /** Assembly source, when the code came from {@link Asm}. */
    public String source;
    public byte[] code;
    /** RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8..R15. */
    public final long[] gpr = new long[16];
    /** Only CF PF AF ZF SF OF and DF are loaded; IF is always on, TF/AC never. */
    public long rflags;
    /** FXSAVE64 image holding the x87 state, MXCSR and XMM0-15. */
    public byte[] fx = FxImage.initial();
    /** Load the x87 state into the emulator and compare it (otherwise it stays in its reset state and is ignored). */
    public boolean x87;
    /** Contents of the data pages; null means zero. */
    public final byte[][] pages = new byte[Layout.DATA_PAGES][];
    /** Arithmetic flags the manuals call undefined after this instruction: not compared. */
    public long undefinedFlags;
    /** GPRs (bit per register) whose value is undefined after this instruction: not compared. */
    public int undefinedGprs;
    /** x87 status word bits (condition codes) the manuals call undefined after this instruction: not compared. */
    public int undefinedFsw;
    /**
     * ST0-7 may differ from the host by this many units in the last place (the x87 transcendental
     * instructions, whose documented accuracy is 1 ulp); 0 means bit-identical.
     */
    public int stUlps;
    /**
     * A multi-byte memory operand (address, length in bytes; length 0: none declared). A #PF on it
     * may report any of its bytes in CR2: the manuals do not say which byte of a multi-byte access
     * CR2 names, and the host's choice differs by instruction (FXSAVE reports the image's last byte).
     * Both sides must still name a byte of the operand in the same page.
     */
    public long cr2OperandAddress;
    public int cr2OperandLength;
    /** Instruction budget on the emulator: running out means an endless loop (or a missing exit). */
    public long maxInstructions = 100_000;
    /** Wall-clock limit on the host. */
    public int timeoutMs = 2000;
    /** Where this case came from, for reproduction: "seed=... #index". */
    public String origin = "";
    /** Position of the case in its group (generators use it to sweep values such as shift counts). */
    public int index;

    public CpuCase(String group, byte[] code) {
        this.group = group;
        this.code = code.clone();
        this.gpr[4] = Layout.STACK_TOP;
        if (code.length > Layout.CODE_SIZE - Layout.MARKER_LEN) {
            throw new IllegalArgumentException("code too long: " + code.length);
        }
    }

    public CpuCase source(String s) {
        source = s;
        return this;
    }

    public CpuCase reg(int r, long v) {
        gpr[r] = v;
        return this;
    }

    public CpuCase flags(long f) {
        rflags = f;
        return this;
    }

    public CpuCase undefinedFlags(long mask) {
        undefinedFlags = mask;
        return this;
    }

    public CpuCase undefinedGprs(int mask) {
        undefinedGprs = mask;
        return this;
    }

    public CpuCase page(int i, byte[] contents) {
        if (contents.length != Layout.PAGE) {
            throw new IllegalArgumentException("a page is " + Layout.PAGE + " bytes");
        }
        pages[i] = contents;
        return this;
    }

    public CpuCase xmm(int i, long lo, long hi) {
        FxImage.putXmm(fx, i, lo, hi);
        return this;
    }

    public CpuCase mxcsr(int v) {
        FxImage.putInt(fx, FxImage.MXCSR, v);
        return this;
    }

    public CpuCase withX87(boolean on) {
        x87 = on;
        return this;
    }

    public CpuCase budget(long maxInstructions) {
        this.maxInstructions = maxInstructions;
        return this;
    }

    public CpuCase origin(String o) {
        origin = o;
        return this;
    }

    /** A deep copy (generators derive variants from a template). */
    public CpuCase copy() {
        CpuCase c = new CpuCase(group, code);
        c.source = source;
        System.arraycopy(gpr, 0, c.gpr, 0, 16);
        c.rflags = rflags;
        c.fx = fx.clone();
        c.x87 = x87;
        for (int i = 0; i < pages.length; i++) {
            c.pages[i] = pages[i] == null ? null : pages[i].clone();
        }
        c.undefinedFlags = undefinedFlags;
        c.undefinedGprs = undefinedGprs;
        c.undefinedFsw = undefinedFsw;
        c.stUlps = stUlps;
        c.cr2OperandAddress = cr2OperandAddress;
        c.cr2OperandLength = cr2OperandLength;
        c.maxInstructions = maxInstructions;
        c.timeoutMs = timeoutMs;
        c.origin = origin;
        c.index = index;
        return c;
    }

    public String codeHex() {
        return HexFormat.ofDelimiter(" ").formatHex(code);
    }

    /** Address just after the code: where the end marker sits. */
    public long endAddress() {
        return Layout.CODE_BASE + code.length;
    }
}
