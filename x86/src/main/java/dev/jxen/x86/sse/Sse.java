package dev.jxen.x86.sse;

import dev.jxen.x86.Decoder;
import dev.jxen.x86.Interpreter;
import dev.jxen.x86.SystemOps;
import dev.jxen.x86.Vectors;
import dev.jxen.x86.X86Cpu;

/**
 * SSE..SSE4.2 and MMX: XMM state, MXCSR (one instance per vCPU, {@code X86Cpu.sse}) and the vector
 * opcodes of the 0F, 0F38 and 0F3A maps. This class holds the state, the availability checks, the
 * operand access helpers and the data moves; arithmetic lives in {@link FpOps}, {@link IntOps}
 * and {@link StringOps}.
 */
public final class Sse {
    /** XMM register i is {@code xmm[2*i]} (low 64 bits) and {@code xmm[2*i+1]} (high 64 bits). */
    public final long[] xmm = new long[32];
    public int mxcsr = 0x1F80;

    /** Bits of MXCSR software may set (MXCSR_MASK as FXSAVE reports it). */
    public static final int MXCSR_MASK = 0xFFFF;

    final SoftFp fp = new SoftFp();
    /** The r/m source operand of the current instruction (low, high 64 bits). */
    long s0, s1;
    /** Scratch for instructions that build a result before committing it. */
    final long[] tmp = new long[4];

    static final int PFX_NONE = Decoder.PFX_NONE, PFX_66 = Decoder.PFX_66, PFX_F3 = Decoder.PFX_F3,
            PFX_F2 = Decoder.PFX_F2;

    /** True when 0F-map opcode {@code op} belongs to this unit (SSE/MMX), not to the integer/system unit. */
    public static boolean handles0F(int op) {
        return (op >= 0x10 && op <= 0x17) || (op >= 0x28 && op <= 0x2F) || (op >= 0x50 && op <= 0x7F)
                || (op >= 0xC2 && op <= 0xC6) || op >= 0xD0;
    }

    static int pfx(X86Cpu c) {
        return (c.attr >>> Decoder.A_PFX_SHIFT) & 3;
    }

    public static int execute0F(X86Cpu c, int op) {
        Sse s = c.sse;
        int pfx = pfx(c);
        switch (op >>> 4) {
            case 0x1 -> s.moves1x(c, op, pfx);
            case 0x2 -> {
                if (op == 0x28 || op == 0x29 || op == 0x2B) {
                    s.moves1x(c, op, pfx);
                } else {
                    FpOps.convertCompare2x(c, s, op, pfx);
                }
            }
            case 0x5 -> FpOps.arith5x(c, s, op, pfx);
            case 0x6, 0x7 -> {
                if (op == 0x6E || op == 0x6F || op == 0x7E || op == 0x7F || op == 0x77) {
                    s.moves6x(c, op, pfx);
                } else if (op == 0x7C || op == 0x7D) {
                    FpOps.horizontal(c, s, op, pfx);
                } else if (op >= 0x78 && op <= 0x7B) {
                    throw c.fault(Vectors.UD);
                } else {
                    IntOps.execute0F(c, s, op, pfx);
                }
            }
            case 0xC -> {
                if (op == 0xC3) {
                    s.movnti(c, pfx);
                } else if (op == 0xC2 || op == 0xC6) {
                    FpOps.cmpShuf(c, s, op, pfx);
                } else {
                    IntOps.execute0F(c, s, op, pfx);
                }
            }
            default -> {
                switch (op) {
                    case 0xD0 -> FpOps.addsub(c, s, pfx);
                    case 0xD6, 0xD7, 0xE7, 0xF0, 0xF7 -> s.movesDx(c, op, pfx);
                    case 0xE6 -> FpOps.cvtE6(c, s, pfx);
                    case 0xFF -> throw c.fault(Vectors.UD);
                    default -> IntOps.execute0F(c, s, op, pfx);
                }
            }
        }
        return Interpreter.CONTINUE;
    }

    public static int execute0F38(X86Cpu c, int op) {
        int pfx = pfx(c);
        if (op == 0xF0 || op == 0xF1) {
            return pfx == PFX_F2 ? SystemOps.crc32(c, op == 0xF1) : SystemOps.movbe(c, op == 0xF1);
        }
        Sse s = c.sse;
        switch (op) {
            case 0x14, 0x15 -> FpOps.blendv(c, s, op, pfx);
            case 0x2A -> s.movntdqa(c, pfx);
            default -> IntOps.execute0F38(c, s, op, pfx);
        }
        return Interpreter.CONTINUE;
    }

    public static int execute0F3A(X86Cpu c, int op) {
        Sse s = c.sse;
        int pfx = pfx(c);
        switch (op) {
            case 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x17, 0x21, 0x40, 0x41 -> FpOps.execute0F3A(c, s, op, pfx);
            case 0x60, 0x61, 0x62, 0x63 -> StringOps.execute(c, s, op, pfx);
            default -> IntOps.execute0F3A(c, s, op, pfx);
        }
        return Interpreter.CONTINUE;
    }

    // ------------------------------------------------------------------ availability checks

    /** An SSE instruction: #UD without CR4.OSFXSR or with CR0.EM, #NM with CR0.TS. */
    static void checkSse(X86Cpu c) {
        if ((c.cr0 & X86Cpu.CR0_EM) != 0 || (c.cr4 & X86Cpu.CR4_OSFXSR) == 0) {
            throw c.fault(Vectors.UD);
        }
        if ((c.cr0 & X86Cpu.CR0_TS) != 0) {
            throw c.fault(Vectors.NM);
        }
    }

    /**
     * An MMX instruction: #UD with CR0.EM, #NM with CR0.TS, #MF for a pending x87 exception (FSW.ES
     * with CR0.NE); then the x87 unit enters MMX mode
     * (TOP = 0, all tags valid). The hardware does that even when the instruction then faults on
     * its memory operand, so it happens here, before any memory access.
     */
    static void checkMmx(X86Cpu c) {
        if ((c.cr0 & X86Cpu.CR0_EM) != 0) {
            throw c.fault(Vectors.UD);
        }
        if ((c.cr0 & X86Cpu.CR0_TS) != 0) {
            throw c.fault(Vectors.NM);
        }
        if ((c.x87.fsw() & 0x80) != 0 && (c.cr0 & X86Cpu.CR0_NE) != 0) {
            throw c.fault(Vectors.MF);
        }
        c.x87.mmxEnter();
    }

    /** Checks for a prefix-selected form: MMX without a prefix, SSE otherwise. */
    static void check(X86Cpu c, int pfx) {
        if (pfx == PFX_NONE) {
            checkMmx(c);
        } else {
            checkSse(c);
        }
    }

    // ------------------------------------------------------------------ operand access

    /** Effective address, #GP(0) when {@code align16} and it is not 16-byte aligned. */
    static long ea(X86Cpu c, boolean align16) {
        long a = c.ea();
        if (align16 && (a & 15) != 0) {
            throw c.fault(Vectors.GP, 0);
        }
        return a;
    }

    /** Loads the 128-bit r/m operand into {@link #s0}/{@link #s1}. */
    void loadRm128(X86Cpu c, boolean align16) {
        if (c.rmIsReg()) {
            int r = c.modrmRm();
            s0 = xmm[2 * r];
            s1 = xmm[2 * r + 1];
        } else {
            long a = ea(c, align16);
            s0 = c.mmu.read64(a);
            s1 = c.mmu.read64(a + 8);
        }
    }

    /** The low 64 bits of the XMM r/m operand, or 64 bits of memory. */
    long loadRm64(X86Cpu c) {
        if (c.rmIsReg()) {
            return xmm[2 * c.modrmRm()];
        }
        return c.mmu.read64(c.ea());
    }

    /** The low 32 bits of the XMM r/m operand, or 32 bits of memory (zero-extended). */
    long loadRm32(X86Cpu c) {
        if (c.rmIsReg()) {
            return xmm[2 * c.modrmRm()] & 0xFFFF_FFFFL;
        }
        return c.mmu.read32(c.ea()) & 0xFFFF_FFFFL;
    }

    /** The MMX r/m operand (register or 64 bits of memory). */
    static long loadMmxRm(X86Cpu c) {
        if (c.rmIsReg()) {
            return c.x87.mmxRead(c.modrmRm() & 7);
        }
        return c.mmu.read64(c.ea());
    }

    static void store128(X86Cpu c, long a, long lo, long hi) {
        c.mmu.probeWrite(a, 16);
        c.mmu.write64(a, lo);
        c.mmu.write64(a + 8, hi);
    }

    void setXmm(int r, long lo, long hi) {
        xmm[2 * r] = lo;
        xmm[2 * r + 1] = hi;
    }

    /** Commits the FP flags of the current instruction: #XM (or #UD) on an unmasked exception. */
    void commitFp(X86Cpu c) {
        int f = fp.flags;
        int unmasked = f & ~(mxcsr >>> 7) & 0x3F;
        if (unmasked != 0) {
            int pre = SoftFp.IE | SoftFp.DE | SoftFp.ZE;
            mxcsr |= (unmasked & pre) != 0 ? f & pre : f;
            throw c.fault((c.cr4 & X86Cpu.CR4_OSXMMEXCPT) != 0 ? Vectors.XM : Vectors.UD);
        }
        mxcsr |= f;
    }

    /**
     * Ends one stage of a multi-stage instruction (DPPS/DPPD multiply, then add): the hardware
     * raises the exceptions of a stage before starting the next, and keeps the earlier flags.
     */
    void commitFpStage(X86Cpu c) {
        commitFp(c);
        fp.flags = 0;
    }

    // ------------------------------------------------------------------ moves

    private void moves1x(X86Cpu c, int op, int pfx) {
        checkSse(c);
        int d = c.modrmReg();
        boolean reg = c.rmIsReg();
        switch (op) {
            case 0x10 -> {
                if (pfx == PFX_F3) {
                    long v = loadRm32(c);
                    xmm[2 * d] = reg ? (xmm[2 * d] & 0xFFFF_FFFF_0000_0000L) | v : v;
                    if (!reg) {
                        xmm[2 * d + 1] = 0;
                    }
                } else if (pfx == PFX_F2) {
                    long v = loadRm64(c);
                    xmm[2 * d] = v;
                    if (!reg) {
                        xmm[2 * d + 1] = 0;
                    }
                } else {
                    loadRm128(c, false);
                    setXmm(d, s0, s1);
                }
            }
            case 0x11 -> {
                int r = c.modrmRm();
                if (pfx == PFX_F3) {
                    if (reg) {
                        xmm[2 * r] = (xmm[2 * r] & 0xFFFF_FFFF_0000_0000L) | (xmm[2 * d] & 0xFFFF_FFFFL);
                    } else {
                        c.mmu.write32(c.ea(), (int) xmm[2 * d]);
                    }
                } else if (pfx == PFX_F2) {
                    if (reg) {
                        xmm[2 * r] = xmm[2 * d];
                    } else {
                        c.mmu.write64(c.ea(), xmm[2 * d]);
                    }
                } else {
                    storeXmm(c, d, false);
                }
            }
            case 0x12 -> {
                if (pfx == PFX_F3 || pfx == PFX_F2) {
                    if (pfx == PFX_F3) { // MOVSLDUP
                        loadRm128(c, true);
                        setXmm(d, dupLow32(s0), dupLow32(s1));
                    } else { // MOVDDUP
                        long v = loadRm64(c);
                        setXmm(d, v, v);
                    }
                } else if (reg) {
                    if (pfx == PFX_66) {
                        throw c.fault(Vectors.UD);
                    }
                    xmm[2 * d] = xmm[2 * c.modrmRm() + 1]; // MOVHLPS
                } else {
                    xmm[2 * d] = c.mmu.read64(c.ea()); // MOVLPS/MOVLPD
                }
            }
            case 0x13, 0x17 -> {
                if (reg || pfx >= PFX_F3) {
                    throw c.fault(Vectors.UD);
                }
                c.mmu.write64(c.ea(), xmm[2 * d + (op == 0x17 ? 1 : 0)]);
            }
            case 0x14, 0x15 -> {
                if (pfx >= PFX_F3) {
                    throw c.fault(Vectors.UD);
                }
                loadRm128(c, true);
                long a = op == 0x14 ? xmm[2 * d] : xmm[2 * d + 1];
                long b = op == 0x14 ? s0 : s1;
                if (pfx == PFX_66) {
                    setXmm(d, a, b);
                } else {
                    setXmm(d, (a & 0xFFFF_FFFFL) | (b << 32), (a >>> 32) | (b & 0xFFFF_FFFF_0000_0000L));
                }
            }
            case 0x16 -> {
                if (pfx == PFX_F3) { // MOVSHDUP
                    loadRm128(c, true);
                    setXmm(d, dupHigh32(s0), dupHigh32(s1));
                } else if (pfx == PFX_F2) {
                    throw c.fault(Vectors.UD);
                } else if (reg) {
                    if (pfx == PFX_66) {
                        throw c.fault(Vectors.UD);
                    }
                    xmm[2 * d + 1] = xmm[2 * c.modrmRm()]; // MOVLHPS
                } else {
                    xmm[2 * d + 1] = c.mmu.read64(c.ea()); // MOVHPS/MOVHPD
                }
            }
            case 0x28 -> {
                if (pfx >= PFX_F3) {
                    throw c.fault(Vectors.UD);
                }
                loadRm128(c, true);
                setXmm(d, s0, s1);
            }
            case 0x29 -> {
                if (pfx >= PFX_F3) {
                    throw c.fault(Vectors.UD);
                }
                storeXmm(c, d, true);
            }
            case 0x2B -> {
                if (reg || pfx >= PFX_F3) {
                    throw c.fault(Vectors.UD);
                }
                storeXmm(c, d, true);
            }
            default -> throw c.fault(Vectors.UD);
        }
    }

    private static long dupLow32(long v) {
        return (v & 0xFFFF_FFFFL) | (v << 32);
    }

    private static long dupHigh32(long v) {
        return (v >>> 32) | (v & 0xFFFF_FFFF_0000_0000L);
    }

    /** Stores XMM {@code d} to the r/m operand (register copy or 128-bit memory). */
    private void storeXmm(X86Cpu c, int d, boolean align16) {
        if (c.rmIsReg()) {
            setXmm(c.modrmRm(), xmm[2 * d], xmm[2 * d + 1]);
        } else {
            store128(c, ea(c, align16), xmm[2 * d], xmm[2 * d + 1]);
        }
    }

    private void moves6x(X86Cpu c, int op, int pfx) {
        if (op == 0x77) {
            if (pfx != PFX_NONE) {
                throw c.fault(Vectors.UD);
            }
            checkMmx(c);
            c.x87.emms();
            return;
        }
        boolean w = (c.attr & Decoder.A_REXW) != 0;
        int d = c.modrmReg();
        switch (op) {
            case 0x6E -> { // MOVD/MOVQ mm/xmm, r/m32/64
                if (pfx >= PFX_F3) {
                    throw c.fault(Vectors.UD);
                }
                check(c, pfx);
                long v = c.readRm(w ? X86Cpu.S64 : X86Cpu.S32);
                if (pfx == PFX_66) {
                    setXmm(d, v, 0);
                } else {
                    c.x87.mmxWrite(d & 7, v);
                }
            }
            case 0x6F -> {
                if (pfx == PFX_F2) {
                    throw c.fault(Vectors.UD);
                }
                check(c, pfx);
                if (pfx == PFX_NONE) {
                    long v = loadMmxRm(c);
                    c.x87.mmxWrite(d & 7, v);
                } else {
                    loadRm128(c, pfx == PFX_66);
                    setXmm(d, s0, s1);
                }
            }
            case 0x7E -> {
                if (pfx == PFX_F2) {
                    throw c.fault(Vectors.UD);
                }
                check(c, pfx);
                if (pfx == PFX_F3) { // MOVQ xmm, xmm/m64
                    setXmm(d, loadRm64(c), 0);
                } else if (pfx == PFX_66) {
                    c.writeRm(w ? X86Cpu.S64 : X86Cpu.S32, xmm[2 * d]);
                } else {
                    long v = c.x87.mmxRead(d & 7);
                    c.writeRm(w ? X86Cpu.S64 : X86Cpu.S32, v);
                }
            }
            default -> { // 0x7F
                if (pfx == PFX_F2) {
                    throw c.fault(Vectors.UD);
                }
                check(c, pfx);
                if (pfx == PFX_NONE) {
                    long v = c.x87.mmxRead(d & 7);
                    if (c.rmIsReg()) {
                        c.x87.mmxWrite(c.modrmRm() & 7, v);
                    } else {
                        c.mmu.write64(c.ea(), v);
                    }
                } else {
                    storeXmm(c, d, pfx == PFX_66);
                }
            }
        }
    }

    private void movesDx(X86Cpu c, int op, int pfx) {
        int d = c.modrmReg();
        boolean reg = c.rmIsReg();
        switch (op) {
            case 0xD6 -> {
                if (pfx == PFX_NONE) {
                    throw c.fault(Vectors.UD);
                }
                checkSse(c);
                if (pfx == PFX_66) { // MOVQ xmm/m64, xmm
                    if (reg) {
                        setXmm(c.modrmRm(), xmm[2 * d], 0);
                    } else {
                        c.mmu.write64(c.ea(), xmm[2 * d]);
                    }
                    return;
                }
                if (!reg) {
                    throw c.fault(Vectors.UD);
                }
                checkMmx(c);
                if (pfx == PFX_F3) { // MOVQ2DQ xmm, mm
                    long v = c.x87.mmxRead(c.modrmRm() & 7);
                    setXmm(d, v, 0);
                } else { // MOVDQ2Q mm, xmm
                    long v = xmm[2 * c.modrmRm()];
                    c.x87.mmxWrite(d & 7, v);
                }
            }
            case 0xD7 -> { // PMOVMSKB r32, mm/xmm
                if (!reg || pfx >= PFX_F3) {
                    throw c.fault(Vectors.UD);
                }
                check(c, pfx);
                int m;
                if (pfx == PFX_66) {
                    int r = c.modrmRm();
                    m = byteMask(xmm[2 * r]) | byteMask(xmm[2 * r + 1]) << 8;
                } else {
                    m = byteMask(c.x87.mmxRead(c.modrmRm() & 7));
                }
                c.gpr[d] = m;
            }
            case 0xE7 -> { // MOVNTQ / MOVNTDQ
                if (reg || pfx >= PFX_F3) {
                    throw c.fault(Vectors.UD);
                }
                check(c, pfx);
                if (pfx == PFX_66) {
                    store128(c, ea(c, true), xmm[2 * d], xmm[2 * d + 1]);
                } else {
                    c.mmu.write64(c.ea(), c.x87.mmxRead(d & 7));
                }
            }
            case 0xF0 -> { // LDDQU
                if (reg || pfx != PFX_F2) {
                    throw c.fault(Vectors.UD);
                }
                checkSse(c);
                loadRm128(c, false);
                setXmm(d, s0, s1);
            }
            default -> maskmov(c, pfx);
        }
    }

    /** MASKMOVQ / MASKMOVDQU: stores the bytes whose mask byte has its top bit set to DS:rDI. */
    private void maskmov(X86Cpu c, int pfx) {
        if (!c.rmIsReg() || pfx >= PFX_F3) {
            throw c.fault(Vectors.UD);
        }
        check(c, pfx);
        int d = c.modrmReg();
        int r = c.modrmRm();
        int n = pfx == PFX_66 ? 16 : 8;
        long dlo;
        long dhi = 0;
        long mlo;
        long mhi = 0;
        if (n == 16) {
            dlo = xmm[2 * d];
            dhi = xmm[2 * d + 1];
            mlo = xmm[2 * r];
            mhi = xmm[2 * r + 1];
        } else {
            dlo = c.x87.mmxRead(d & 7);
            mlo = c.x87.mmxRead(r & 7);
        }
        long base = c.linear(c.gpr[7]);
        // The hardware checks the whole destination, mask or not, 8 bytes at a time and the high
        // half first (the fault address it reports shows that); probing first keeps memory unchanged.
        if (n == 16) {
            probeSplit(c, c.linear(c.gpr[7] + 8), 8);
        }
        probeSplit(c, base, 8);
        for (int i = 0; i < n; i++) {
            long m = i < 8 ? mlo >>> (8 * i) : mhi >>> (8 * (i - 8));
            if ((m & 0x80) != 0) {
                long v = i < 8 ? dlo >>> (8 * i) : dhi >>> (8 * (i - 8));
                c.mmu.write8(base + i, (int) v);
            }
        }
        if (n == 8) {
        }
    }

    /** Probes a write page by page, so that a fault reports the first byte of the faulting page. */
    private static void probeSplit(X86Cpu c, long a, int n) {
        int first = (int) Math.min(n, 4096 - (a & 0xFFF));
        c.mmu.probeWrite(a, first);
        if (first < n) {
            c.mmu.probeWrite(a + first, n - first);
        }
    }

    /** The top bit of each byte of {@code v}, as an 8-bit mask. */
    static int byteMask(long v) {
        long t = (v & 0x8080_8080_8080_8080L) >>> 7;
        return (int) ((t * 0x0102_0408_1020_4080L) >>> 56);
    }

    private void movnti(X86Cpu c, int pfx) {
        if (c.rmIsReg() || pfx != PFX_NONE) {
            throw c.fault(Vectors.UD);
        }
        int s = (c.attr & Decoder.A_REXW) != 0 ? X86Cpu.S64 : X86Cpu.S32;
        c.mmu.write(c.ea(), 1 << s, c.getReg(s, c.modrmReg()));
    }

    private void movntdqa(X86Cpu c, int pfx) {
        if (c.rmIsReg() || pfx != PFX_66) {
            throw c.fault(Vectors.UD);
        }
        checkSse(c);
        loadRm128(c, true);
        setXmm(c.modrmReg(), s0, s1);
    }

    // ------------------------------------------------------------------ FXSAVE image

    /** Writes MXCSR, MXCSR_MASK (bytes 24..31) and XMM0..15 (bytes 160..415) of the FXSAVE image. */
    public void fxsave(byte[] img) {
        putInt(img, 24, mxcsr);
        putInt(img, 28, MXCSR_MASK);
        for (int i = 0; i < 32; i++) {
            putLong(img, 160 + 8 * i, xmm[i]);
        }
    }

    /** Loads this unit's part of the FXSAVE image (the caller has checked MXCSR against the mask). */
    public void fxrstor(byte[] img) {
        mxcsr = getInt(img, 24) & MXCSR_MASK;
        for (int i = 0; i < 32; i++) {
            xmm[i] = getLong(img, 160 + 8 * i);
        }
    }

    private static void putInt(byte[] b, int off, int v) {
        for (int i = 0; i < 4; i++) {
            b[off + i] = (byte) (v >>> (8 * i));
        }
    }

    private static void putLong(byte[] b, int off, long v) {
        for (int i = 0; i < 8; i++) {
            b[off + i] = (byte) (v >>> (8 * i));
        }
    }

    private static int getInt(byte[] b, int off) {
        int v = 0;
        for (int i = 0; i < 4; i++) {
            v |= (b[off + i] & 0xFF) << (8 * i);
        }
        return v;
    }

    private static long getLong(byte[] b, int off) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v |= (b[off + i] & 0xFFL) << (8 * i);
        }
        return v;
    }
}
