package dev.jxen.x86;

import dev.jxen.machine.CpuHost;
import dev.jxen.machine.CpuState;
import dev.jxen.machine.ExitReason;
import dev.jxen.machine.MachineMemory;
import dev.jxen.machine.VcpuExit;
import dev.jxen.machine.VcpuRunner;
import dev.jxen.x86.fpu.X87;
import dev.jxen.x86.sse.Sse;

/**
 * One emulated x86-64 vCPU: the architectural state, the instruction being executed and the
 * operand helpers every instruction implementation uses. Execution itself is in
 * {@link Interpreter}; linear memory in {@link Mmu}.
 *
 * <p>State fields are public and mutable because the instruction implementations in other
 * packages (x87, SSE) work on them directly on the hot path.
 */
public final class X86Cpu implements CpuState, VcpuRunner {
    public static final long CR0_PE = 1, CR0_MP = 2, CR0_EM = 4, CR0_TS = 8, CR0_ET = 0x10, CR0_NE = 0x20,
            CR0_WP = 0x10000, CR0_AM = 0x40000, CR0_PG = 0x8000_0000L;
    public static final long CR4_TSD = 4, CR4_DE = 8, CR4_PSE = 0x10, CR4_PAE = 0x20, CR4_PGE = 0x80,
            CR4_OSFXSR = 0x200, CR4_OSXMMEXCPT = 0x400, CR4_FSGSBASE = 0x10000;
    public static final long EFER_SCE = 1, EFER_LME = 0x100, EFER_LMA = 0x400, EFER_NXE = 0x800;

    // Operand size codes, as in Flags: 0: 8-bit, 1: 16, 2: 32, 3: 64.
    public static final int S8 = 0, S16 = 1, S32 = 2, S64 = 3;

    final MachineMemory memory;
    final CpuHost host;
    public final Mmu mmu;
    public final X87 x87;
    public final Sse sse;
    final Interpreter interpreter;
    final VcpuExit exit = new VcpuExit();

    // ---------------------------------------------------------------- architectural state
    public final long[] gpr = new long[16];
    public long rip;
    /** RFLAGS without the six arithmetic flags (those are lazy, see {@link Flags}); bit 1 always set. */
    public long rflagsRest = 2;
    public int ccOp;
    public long ccSrc1, ccSrc2, ccDst;

    public final int[] segSel = new int[6];
    public final long[] segBase = new long[6];
    public final long[] segLimit = new long[6];
    /** Descriptor attribute bits 40..55 of each loaded descriptor, shifted down by 40. */
    public final int[] segAttr = new int[6];
    public int cpl;
    /** CS.L: 64-bit code; false means compatibility mode (32- or 16-bit code per {@link #codeDefault32}). */
    public boolean code64 = true;
    public boolean codeDefault32 = true;

    public long cr0 = CR0_PE | CR0_PG | CR0_ET | CR0_NE | CR0_WP | CR0_MP;
    public long cr2;
    public long cr3;
    public long cr4 = CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT;
    public long efer = EFER_LME | EFER_LMA | EFER_NXE | EFER_SCE;
    public long kernelGsBase;
    public long star, lstar, cstar, sfmask, tscAux;
    public long gdtrBase, idtrBase;
    public int gdtrLimit, idtrLimit;
    public final long[] dr = new long[8];
    /** CR8: the task-priority register as MOV CR8 sees it (bits 0..3). */
    public long cr8;
    /** LDTR and TR selectors (LLDT/LTR at CPL 0; SLDT/STR read them). */
    public int ldtr, tr;

    /** Scratch for CPUID results and the FXSAVE image, so those instructions allocate nothing. */
    final int[] cpuidOut = new int[4];
    final byte[] fxImage = new byte[512];

    /** When true SYSCALL exits to the caller (a PV guest); when false it runs architecturally via LSTAR. */
    public boolean interceptSyscall = true;

    // ---------------------------------------------------------------- the instruction being executed
    /** Opcode word as packed by {@link Decoder}. */
    public int op;
    /** ModRM/SIB word as packed by {@link Decoder}. */
    public int mrm;
    /** Prefix/size word as packed by {@link Decoder}. */
    public int attr;
    public long disp;
    public long imm;
    /** Address of the instruction being executed; {@link #rip} stays there until it completes. */
    public long insnRip;
    /** Where execution continues when the instruction completes; jumps set it. */
    public long nextRip;

    // ---------------------------------------------------------------- pending exception
    int pendingVector;
    int pendingError;
    boolean pendingHasError;
    long pendingCr2;

    volatile boolean exitRequested;
    long retiredTotal;

    public X86Cpu(MachineMemory memory, CpuHost host) {
        this.memory = memory;
        this.host = host;
        this.mmu = new Mmu(this, memory);
        this.x87 = new X87();
        this.sse = new Sse();
        this.interpreter = new Interpreter(this);
        for (int s = 0; s < 6; s++) {
            segLimit[s] = 0xFFFF_FFFFL;
        }
    }

    // ---------------------------------------------------------------- faults

    /** Records an exception to raise; the caller then throws {@link CpuFault#INSTANCE}. */
    public void pendingException(int vector, int error, boolean hasError, long cr2) {
        pendingVector = vector;
        pendingError = error;
        pendingHasError = hasError;
        pendingCr2 = cr2;
    }

    /** Records {@code vector} (with error code when the vector has one) and returns the fault to throw. */
    public CpuFault fault(int vector, int error) {
        pendingException(vector, error, Vectors.hasErrorCode(vector), 0);
        return CpuFault.INSTANCE;
    }

    public CpuFault fault(int vector) {
        return fault(vector, 0);
    }

    // ---------------------------------------------------------------- decoded-field accessors

    /** Operand size code of the current instruction (S16, S32 or S64). */
    public int opSize() {
        return attr & Decoder.A_OPSIZE_MASK;
    }

    /** Address size code (S16, S32 or S64). */
    public int addrSize() {
        return (attr >>> Decoder.A_ADDRSIZE_SHIFT) & 3;
    }

    public int modrmReg() {
        return (mrm >>> Decoder.M_REG_SHIFT) & 15;
    }

    public int modrmRm() {
        return mrm & 15;
    }

    /** True when the ModRM operand is a register (mod == 3). */
    public boolean rmIsReg() {
        return (mrm & Decoder.M_MOD_MASK) == Decoder.M_MOD_REG;
    }

    /** The effective linear address of the ModRM memory operand, segment base included. */
    public long ea() {
        int m = mrm;
        long a = disp;
        int base = (m >>> Decoder.M_BASE_SHIFT) & 31;
        if (base < 16) {
            a += gpr[base];
        } else if (base == Decoder.BASE_RIP) {
            a += nextRip;
        }
        int index = (m >>> Decoder.M_INDEX_SHIFT) & 31;
        if (index < 16) {
            a += gpr[index] << ((m >>> Decoder.M_SCALE_SHIFT) & 3);
        }
        return linear(a);
    }

    /** Applies the address size and the segment (override or default) to an offset. */
    public long linear(long offset) {
        int at = attr;
        int as = (at >>> Decoder.A_ADDRSIZE_SHIFT) & 3;
        if (as == S32) {
            offset &= 0xFFFF_FFFFL;
        } else if (as == S16) {
            offset &= 0xFFFF;
        }
        int seg = (at >>> Decoder.A_SEG_SHIFT) & 7;
        if (code64) {
            if (seg >= FS && seg <= GS) {
                offset += segBase[seg];
            }
            return offset;
        }
        if (seg == Decoder.SEG_DEFAULT) {
            int base = (mrm >>> Decoder.M_BASE_SHIFT) & 31;
            seg = base == RSP || base == RBP ? SS : DS;
        }
        return (offset + segBase[seg]) & 0xFFFF_FFFFL;
    }

    /** Linear address of {@code offset} in segment {@code seg} with the current address size. */
    public long linear(int seg, long offset) {
        int as = (attr >>> Decoder.A_ADDRSIZE_SHIFT) & 3;
        if (as == S32) {
            offset &= 0xFFFF_FFFFL;
        } else if (as == S16) {
            offset &= 0xFFFF;
        }
        if (code64) {
            return seg >= FS ? offset + segBase[seg] : offset;
        }
        return (offset + segBase[seg]) & 0xFFFF_FFFFL;
    }

    // ---------------------------------------------------------------- registers by size

    /** Reads general register {@code r} at size {@code s}, honouring AH..BH when there is no REX. */
    public long getReg(int s, int r) {
        switch (s) {
            case S8:
                if (r >= 4 && r < 8 && (attr & Decoder.A_REX) == 0) {
                    return (gpr[r - 4] >>> 8) & 0xFF;
                }
                return gpr[r] & 0xFF;
            case S16:
                return gpr[r] & 0xFFFF;
            case S32:
                return gpr[r] & 0xFFFF_FFFFL;
            default:
                return gpr[r];
        }
    }

    /** Writes general register {@code r} at size {@code s}: 32-bit writes zero the upper half. */
    public void setReg(int s, int r, long v) {
        switch (s) {
            case S8:
                if (r >= 4 && r < 8 && (attr & Decoder.A_REX) == 0) {
                    gpr[r - 4] = (gpr[r - 4] & ~0xFF00L) | ((v & 0xFF) << 8);
                } else {
                    gpr[r] = (gpr[r] & ~0xFFL) | (v & 0xFF);
                }
                break;
            case S16:
                gpr[r] = (gpr[r] & ~0xFFFFL) | (v & 0xFFFF);
                break;
            case S32:
                gpr[r] = v & 0xFFFF_FFFFL;
                break;
            default:
                gpr[r] = v;
        }
    }

    /** Reads the ModRM r/m operand (register or memory) at size {@code s}, zero-extended. */
    public long readRm(int s) {
        if (rmIsReg()) {
            return getReg(s, mrm & 15);
        }
        return mmu.read(ea(), 1 << s);
    }

    public void writeRm(int s, long v) {
        if (rmIsReg()) {
            setReg(s, mrm & 15, v);
        } else {
            mmu.write(ea(), 1 << s, v);
        }
    }

    // ---------------------------------------------------------------- stack

    /** Stack pointer width: 8 in 64-bit mode, else per SS.B. */
    int stackAddrSize() {
        if (code64) {
            return S64;
        }
        return (segAttr[SS] & 0x4000) != 0 ? S32 : S16; // B
    }

    long stackLinear(long sp) {
        int ss = stackAddrSize();
        if (ss == S64) {
            return sp;
        }
        return (segBase[SS] + (ss == S32 ? sp & 0xFFFF_FFFFL : sp & 0xFFFF)) & 0xFFFF_FFFFL;
    }

    void setSp(long sp) {
        int ss = stackAddrSize();
        if (ss == S64) {
            gpr[RSP] = sp;
        } else {
            setReg(ss, RSP, sp);
        }
    }

    /** Pushes {@code size} bytes (2, 4, 8); the write happens before RSP changes, so a fault leaves RSP. */
    public void push(int size, long v) {
        long sp = gpr[RSP] - size;
        mmu.write(stackLinear(sp), size, v);
        setSp(sp);
    }

    public long pop(int size) {
        long sp = gpr[RSP];
        long v = mmu.read(stackLinear(sp), size);
        setSp(sp + size);
        return v;
    }

    /** Reads {@code size} bytes at RSP+{@code offset} without moving RSP. */
    long peek(int size, long offset) {
        return mmu.read(stackLinear(gpr[RSP] + offset), size);
    }

    // ---------------------------------------------------------------- flags

    public long getRflags() {
        return rflagsRest | Flags.arith(this);
    }

    public void putRflags(long v) {
        rflagsRest = (v & ~Flags.ARITH) | 2;
        Flags.setArith(this, v);
    }

    public boolean nxEnabled() {
        return (efer & EFER_NXE) != 0;
    }

    /** Called by the MMU after a write that did not go through the write TLB. */
    void noteCodeWrite(long mfn) {
        if (memory.isCodeFrame(mfn)) {
            // Other vCPUs on this memory may have decoded the frame too: the memory's listener
            // (the engine) tells them all; then this one, which may have been made without an engine.
            memory.noteWrite(mfn << 12, 1);
            interpreter.invalidateFrame(mfn);
        }
    }

    // ---------------------------------------------------------------- segments

    /** Loads a segment register from {@code descriptor} (no checks). */
    @Override
    public void loadSegment(int seg, int selector, long descriptor) {
        segSel[seg] = selector & 0xFFFF;
        long base = ((descriptor >>> 16) & 0xFF_FFFFL) | ((descriptor >>> 32) & 0xFF00_0000L);
        long limit = (descriptor & 0xFFFF) | ((descriptor >>> 32) & 0xF_0000L);
        int attrs = (int) ((descriptor >>> 40) & 0xFFFF);
        if ((attrs & 0x8000) != 0) { // G
            limit = (limit << 12) | 0xFFF;
        }
        segAttr[seg] = attrs;
        segLimit[seg] = limit;
        segBase[seg] = base; // for FS/GS a selector load sets the base's low 32 bits in every mode
        if (seg == CS) {
            mmu.epoch++; // the decoding mode may change: chained blocks must be looked up again
            code64 = (attrs & 0x2000) != 0; // L
            codeDefault32 = (attrs & 0x4000) != 0; // D
            setCpl(selector & 3);
        }
    }

    void setCpl(int newCpl) {
        if (newCpl != cpl) {
            cpl = newCpl;
            mmu.flush(true);
        }
    }

    // ---------------------------------------------------------------- CpuState

    @Override public long gpr(int reg) { return gpr[reg]; }
    @Override public void setGpr(int reg, long value) { gpr[reg] = value; }
    @Override public long rip() { return rip; }
    @Override public void setRip(long v) { rip = v; }
    @Override public long rflags() { return getRflags(); }
    @Override public void setRflags(long v) { putRflags(v); }
    @Override public int selector(int seg) { return segSel[seg]; }
    @Override public long segmentBase(int seg) { return segBase[seg]; }
    @Override public void setSegmentBase(int seg, long base) { segBase[seg] = base; }
    @Override public int cpl() { return cpl; }
    @Override public boolean longModeCode() { return code64; }
    @Override public long cr0() { return cr0; }
    @Override public void setCr0(long v) { cr0 = v; mmu.paging = (v & CR0_PG) != 0; mmu.flush(true); }
    @Override public long cr2() { return cr2; }
    @Override public void setCr2(long v) { cr2 = v; }
    @Override public long cr3() { return cr3; }
    @Override public void setCr3(long v) { cr3 = v; mmu.flush(false); }
    @Override public long cr4() { return cr4; }
    @Override public void setCr4(long v) { cr4 = v; mmu.flush(true); }
    @Override public long efer() { return efer; }
    @Override public void setEfer(long v) { efer = v; mmu.flush(true); }
    @Override public long kernelGsBase() { return kernelGsBase; }
    @Override public void setKernelGsBase(long v) { kernelGsBase = v; }

    @Override
    public void swapGs() {
        long t = segBase[GS];
        segBase[GS] = kernelGsBase;
        kernelGsBase = t;
    }

    @Override
    public void saveFxState(byte[] out) {
        FxState.save(this, out);
    }

    @Override
    public void loadFxState(byte[] in) {
        FxState.load(this, in);
    }

    // ---------------------------------------------------------------- VcpuRunner

    @Override public CpuState state() { return this; }
    @Override public VcpuExit exit() { return exit; }

    @Override
    public ExitReason run(long budget) {
        return interpreter.run(budget);
    }

    @Override
    public void requestExit() {
        exitRequested = true;
    }

    @Override
    public void flushTlb(boolean includeGlobal) {
        mmu.flush(includeGlobal);
    }

    @Override
    public void invalidatePage(long va) {
        mmu.invalidatePage(va);
    }

    @Override
    public long translate(long linear, int access, int cpl) {
        exit.clear();
        long ma = mmu.walk(linear, access, cpl, false);
        if (ma < 0) {
            exit.reason = ExitReason.EXCEPTION;
            exit.vector = pendingVector;
            exit.errorCode = pendingError;
            exit.hasErrorCode = pendingHasError;
            exit.faultAddress = pendingCr2;
        }
        return ma;
    }

    @Override
    public long retired() {
        return retiredTotal;
    }
}
