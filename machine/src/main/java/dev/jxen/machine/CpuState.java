package dev.jxen.machine;

/**
 * The architectural state of one x86-64 vCPU as the hypervisor sees it, whatever engine runs it.
 * Register numbers are the hardware encoding: 0 RAX, 1 RCX, 2 RDX, 3 RBX, 4 RSP, 5 RBP, 6 RSI,
 * 7 RDI, 8..15 R8..R15. Segment numbers: 0 ES, 1 CS, 2 SS, 3 DS, 4 FS, 5 GS.
 */
public interface CpuState {
    int RAX = 0, RCX = 1, RDX = 2, RBX = 3, RSP = 4, RBP = 5, RSI = 6, RDI = 7;
    int ES = 0, CS = 1, SS = 2, DS = 3, FS = 4, GS = 5;

    long gpr(int reg);

    void setGpr(int reg, long value);

    long rip();

    void setRip(long rip);

    /** RFLAGS with every arithmetic flag evaluated. */
    long rflags();

    void setRflags(long rflags);

    int selector(int seg);

    /**
     * Loads a segment register as the hardware does from a descriptor (for CS this also sets the
     * mode: 64-bit when L=1, else compatibility) without privilege checks: the caller vouches for it.
     */
    void loadSegment(int seg, int selector, long descriptor);

    long segmentBase(int seg);

    void setSegmentBase(int seg, long base);

    /** Current privilege level (CS.RPL). */
    int cpl();

    /** True when CS is a 64-bit code segment, false in compatibility mode. */
    boolean longModeCode();

    long cr0();

    void setCr0(long v);

    long cr2();

    void setCr2(long v);

    long cr3();

    /** Loads CR3, flushing the non-global TLB entries as hardware does. */
    void setCr3(long v);

    long cr4();

    void setCr4(long v);

    long efer();

    void setEfer(long v);

    long kernelGsBase();

    void setKernelGsBase(long v);

    /** Exchanges GS base and kernel GS base. */
    void swapGs();

    /** Copies the x87/MMX/SSE state in FXSAVE's 512-byte layout into {@code out}. */
    void saveFxState(byte[] out);

    /** Loads the x87/MMX/SSE state from FXSAVE's 512-byte layout. */
    void loadFxState(byte[] in);
}
