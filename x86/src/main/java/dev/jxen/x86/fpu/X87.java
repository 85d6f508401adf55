package dev.jxen.x86.fpu;

import dev.jxen.x86.Flags;
import dev.jxen.x86.Interpreter;
import dev.jxen.x86.Vectors;
import dev.jxen.x86.X86Cpu;

/**
 * The x87 FPU: its state (one instance per vCPU, {@code X86Cpu.x87}) and the D8..DF escape
 * opcodes. The MMX registers alias the x87 registers' significands; the SSE unit reaches them
 * through {@link #mmxRead}/{@link #mmxWrite}.
 *
 * <p>The register file is two parallel arrays indexed by physical register (ST(i) is physical
 * {@code (top + i) & 7}). Arithmetic is done by {@link Float80}; an unmasked exception sets
 * FSW.ES and is reported as #MF by the next waiting x87 instruction (or FWAIT) when CR0.NE is set.
 */
public final class X87 {
    // FSW bits
    static final int SF = 0x40, ES = 0x80, C0 = 0x100, C1 = 0x200, C2 = 0x400, C3 = 0x4000, B = 0x8000;
    static final int CC = C0 | C1 | C2 | C3;

    final long[] regSig = new long[8];
    final int[] regSe = new int[8];
    int top;
    /** Bit i set: physical register i is not empty. */
    int valid;
    int fcw = 0x37F;
    /** FSW without the TOP field. */
    int fsw;
    int fop;
    long fip;
    long fdp;
    int fcs;
    int fds;
    final Float80 fp = new Float80();

    public X87() {
        reset();
    }

    // ---------------------------------------------------------------- public state API

    /** MMX register {@code i} (the significand of physical register i). */
    public long mmxRead(int i) {
        return regSig[i & 7];
    }

    /** Writes MMX register {@code i}: significand = v, exponent all ones, TOP = 0, all tags valid. */
    public void mmxWrite(int i, long v) {
        regSig[i & 7] = v;
        regSe[i & 7] = 0xFFFF;
        mmxEnter();
    }

    /** What any MMX instruction does to the x87 state first: TOP = 0 and all registers tagged valid. */
    public void mmxEnter() {
        top = 0;
        valid = 0xFF;
    }

    /** EMMS: all registers tagged empty. */
    public void emms() {
        valid = 0;
    }

    /** The status word with TOP. */
    public int fsw() {
        return (fsw & ~0x3800) | (top << 11);
    }

    public int fcw() {
        return fcw;
    }

    /** Writes the x87 part of the FXSAVE image (bytes 0..23 and 32..159) into {@code img}. */
    public void fxsave(byte[] img) {
        put16(img, 0, fcw);
        put16(img, 2, fsw());
        img[4] = (byte) abridgedTags();
        img[5] = 0;
        put16(img, 6, fop);
        put64(img, 8, fip);
        put64(img, 16, fdp);
        for (int i = 0; i < 8; i++) {
            int p = (top + i) & 7;
            int o = 32 + 16 * i;
            put64(img, o, regSig[p]);
            put16(img, o + 8, regSe[p]);
            for (int k = 10; k < 16; k++) {
                img[o + k] = 0;
            }
        }
    }

    /** Loads the x87 part of the FXSAVE image. */
    public void fxrstor(byte[] img) {
        int sw = get16(img, 2);
        top = (sw >>> 11) & 7;
        fsw = sw & ~0x3800;
        setFcw(get16(img, 0)); // after FSW: ES and B are recomputed from the flags and masks, as the host does
        int tags = img[4] & 0xFF;
        fop = get16(img, 6) & 0x7FF;
        fip = get64(img, 8);
        fdp = get64(img, 16);
        for (int i = 0; i < 8; i++) {
            int p = (top + i) & 7;
            int o = 32 + 16 * i;
            regSig[p] = get64(img, o);
            regSe[p] = get16(img, o + 8);
        }
        valid = 0;
        for (int p = 0; p < 8; p++) {
            if ((tags & (1 << p)) != 0) {
                valid |= 1 << p;
            }
        }
    }

    /** FNINIT: the state after reset. */
    public void reset() {
        setFcw(0x37F);
        fsw = 0;
        top = 0;
        valid = 0;
        fop = 0;
        fip = 0;
        fdp = 0;
        fcs = 0;
        fds = 0;
    }

    /** Reads ST(i) as (exponent word, significand); for tests and the debugger. */
    public long stSig(int i) {
        return regSig[(top + i) & 7];
    }

    public int stSe(int i) {
        return regSe[(top + i) & 7];
    }

    public boolean stEmpty(int i) {
        return (valid & (1 << ((top + i) & 7))) == 0;
    }

    /** FOP, FIP and FDP of the last non-control instruction. */
    public int fop() {
        return fop;
    }

    public long fip() {
        return fip;
    }

    public long fdp() {
        return fdp;
    }

    void setFcw(int v) {
        fcw = v & 0x1F3F | 0x40;
        fp.setControl(fcw);
        updateEs();
    }

    private void updateEs() {
        if ((fsw & ~fcw & 0x3F) != 0) {
            fsw |= ES | B;
        } else {
            fsw &= ~(ES | B);
        }
    }

    int abridgedTags() {
        return valid;
    }

    /** The full 16-bit tag word (FNSTENV/FNSAVE). */
    int fullTags() {
        int t = 0;
        for (int p = 0; p < 8; p++) {
            int tag;
            if ((valid & (1 << p)) == 0) {
                tag = 3;
            } else {
                int e = regSe[p] & 0x7FFF;
                long s = regSig[p];
                if (e == 0 && s == 0) {
                    tag = 1;
                } else if (e == 0 || e == 0x7FFF || s >= 0) {
                    tag = 2;
                } else {
                    tag = 0;
                }
            }
            t |= tag << (2 * p);
        }
        return t;
    }

    void setFullTags(int t) {
        valid = 0;
        for (int p = 0; p < 8; p++) {
            if (((t >>> (2 * p)) & 3) != 3) {
                valid |= 1 << p;
            }
        }
    }

    // ---------------------------------------------------------------- entry points

    /** FWAIT (9B): #NM when CR0.MP and CR0.TS, #MF for a pending unmasked exception when CR0.NE. */
    public static int fwait(X86Cpu c) {
        if ((c.cr0 & (X86Cpu.CR0_MP | X86Cpu.CR0_TS)) == (X86Cpu.CR0_MP | X86Cpu.CR0_TS)) {
            throw c.fault(Vectors.NM);
        }
        checkPending(c, c.x87);
        return Interpreter.CONTINUE;
    }

    private static void checkPending(X86Cpu c, X87 f) {
        if ((f.fsw & ES) != 0 && (c.cr0 & X86Cpu.CR0_NE) != 0) {
            throw c.fault(Vectors.MF);
        }
    }

    /** Executes escape opcode {@code op} (0xD8..0xDF) with the CPU's current instruction fields. */
    public static int execute(X86Cpu c, int op) {
        if ((c.cr0 & (X86Cpu.CR0_EM | X86Cpu.CR0_TS)) != 0) {
            throw c.fault(Vectors.NM);
        }
        X87 f = c.x87;
        f.unmaskedRaised = false;
        int reg = c.modrmReg() & 7;
        boolean mem = !c.rmIsReg();
        if (!noWait(op, reg, mem, c.modrmRm() & 7) ) {
            checkPending(c, f);
        }
        if (mem) {
            long ea = c.ea();
            f.memOp(c, op, reg, ea);
            if (!isControlMem(op, reg)) {
                f.record(c, op, ea, true);
            }
        } else {
            int rm = c.modrmRm() & 7;
            f.regOp(c, op, reg, rm);
            if (!isControlReg(op, reg, rm)) {
                f.record(c, op, 0, false);
            }
        }
        return Interpreter.CONTINUE;
    }

    private static boolean noWait(int op, int reg, boolean mem, int rm) {
        if (mem) {
            return (op == 0xD9 && (reg == 6 || reg == 7)) || (op == 0xDD && (reg == 6 || reg == 7));
        }
        return (op == 0xDB && reg == 4 && (rm == 2 || rm == 3)) || (op == 0xDF && reg == 4 && rm == 0);
    }

    private static boolean isControlMem(int op, int reg) {
        return (op == 0xD9 && reg >= 4) || (op == 0xDD && (reg == 4 || reg == 6 || reg == 7));
    }

    private static boolean isControlReg(int op, int reg, int rm) {
        return (op == 0xDB && reg == 4) || (op == 0xDF && reg == 4 && rm == 0);
    }

    /**
     * FIP follows every non-control instruction; FOP and FDP only one that raised an unmasked
     * exception, as on current Intel CPUs (CPUID.7.EBX FDP_EXCPTN_ONLY and FOP deprecation); a
     * register-operand instruction leaves FDP as it was.
     */
    private void record(X86Cpu c, int op, long ea, boolean memOperand) {
        fip = c.insnRip;
        if (unmaskedRaised) {
            fop = ((op & 7) << 8) | ((c.mrm >>> 2) & 0xC0) | ((c.modrmReg() & 7) << 3) | (c.modrmRm() & 7);
            if (memOperand) {
                fdp = ea;
            }
        }
    }

    /** The current instruction raised an unmasked exception. */
    boolean unmaskedRaised;

    // ---------------------------------------------------------------- stack helpers

    int phys(int i) {
        return (top + i) & 7;
    }

    boolean empty(int i) {
        return (valid & (1 << ((top + i) & 7))) == 0;
    }

    void set(int i, int se, long sig) {
        int p = (top + i) & 7;
        regSe[p] = se & 0xFFFF;
        regSig[p] = sig;
        valid |= 1 << p;
    }

    void pop() {
        valid &= ~(1 << top);
        top = (top + 1) & 7;
    }

    void push(int se, long sig) {
        top = (top - 1) & 7;
        regSe[top] = se & 0xFFFF;
        regSig[top] = sig;
        valid |= 1 << top;
    }

    private void setC1(boolean v) {
        fsw = v ? fsw | C1 : fsw & ~C1;
    }

    /** Records fp's flags in FSW; true when the destination may be written. */
    boolean commit() {
        int fl = fp.flags;
        int unmasked = fl & ~fcw & 0x3F;
        if ((unmasked & (Float80.IE | Float80.DE | Float80.ZE)) != 0) {
            // Detected before the operation: nothing else is computed or written, C1 is cleared.
            fsw = (fsw | (fl & (Float80.IE | Float80.DE | Float80.ZE)) | ES | B) & ~C1;
            unmaskedRaised = true;
            return false;
        }
        setC1(fp.c1);
        fsw |= fl;
        if (unmasked != 0) {
            fsw |= ES | B;
            unmaskedRaised = true;
        }
        return true;
    }

    /** Stack underflow (an empty operand): true when the masked response (indefinite) applies. */
    boolean underflow() {
        fsw = (fsw | Float80.IE | SF) & ~C1;
        if ((fcw & Float80.IE) == 0) {
            fsw |= ES | B;
            unmaskedRaised = true;
            return false;
        }
        return true;
    }

    /** Checks that a push has room; on overflow applies the masked response and returns false. */
    boolean pushCheck() {
        if ((valid & (1 << ((top - 1) & 7))) == 0) {
            return true;
        }
        fsw |= Float80.IE | SF | C1;
        if ((fcw & Float80.IE) == 0) {
            fsw |= ES | B;
            unmaskedRaised = true;
        } else {
            push(Float80.IND_SE, Float80.IND_SIG);
        }
        return false;
    }

    // ---------------------------------------------------------------- memory forms

    private void memOp(X86Cpu c, int op, int reg, long ea) {
        switch (op) {
            case 0xD8 -> {
                fp.begin();
                fp.fromFloat(c.mmu.read32(ea));
                arithMem(reg);
            }
            case 0xDC -> {
                fp.begin();
                fp.fromDouble(c.mmu.read64(ea));
                arithMem(reg);
            }
            case 0xDA -> {
                fp.begin();
                fp.fromLong(c.mmu.read32(ea));
                arithMem(reg);
            }
            case 0xDE -> {
                fp.begin();
                fp.fromLong((short) c.mmu.read16(ea));
                arithMem(reg);
            }
            case 0xD9 -> memD9(c, reg, ea);
            case 0xDB -> memDB(c, reg, ea);
            case 0xDD -> memDD(c, reg, ea);
            default -> memDF(c, reg, ea);
        }
    }

    /** D8/DA/DC/DE memory forms: the loaded operand is in fp.se/fp.sig (with fp.flags from the load). */
    private void arithMem(int reg) {
        int ySe = fp.se;
        long ySig = fp.sig;
        int loadFlags = fp.flags;
        if (reg == 2 || reg == 3) {
            compareTo(ySe, ySig, loadFlags, false, reg == 3 ? 1 : 0);
            return;
        }
        if (empty(0)) {
            if (underflow()) {
                set(0, Float80.IND_SE, Float80.IND_SIG);
            }
            return;
        }
        fp.begin();
        arith(reg, stSe(0), stSig(0), ySe, ySig);
        // NaN and unsupported operands, and a zero divisor's #Z, take priority over #D
        if (ordinary(stSe(0), stSig(0)) && ordinary(ySe, ySig) && (fp.flags & Float80.ZE) == 0) {
            fp.flags |= loadFlags & Float80.DE;
        }
        if (commit()) {
            set(0, fp.se, fp.sig);
        }
    }

    private static boolean ordinary(int se, long sig) {
        return Float80.classify(se, sig) < Float80.QNAN;
    }

    /**
     * Commits a comparison's flags: false when IE is unmasked (the caller reports "unordered" and
     * does not pop); an unmasked #D lets the result be set but also suppresses the pop.
     */
    boolean compareCommit() {
        boolean ok = commit();
        return ok || (fp.flags & Float80.IE) == 0;
    }

    /** dest = x op y for the D8 numbering: 0 add, 1 mul, 4 x-y, 5 y-x, 6 x/y, 7 y/x. */
    void arith(int reg, int xSe, long xSig, int ySe, long ySig) {
        switch (reg) {
            case 0 -> fp.add(xSe, xSig, ySe, ySig);
            case 1 -> fp.mul(xSe, xSig, ySe, ySig);
            case 4 -> sub(xSe, xSig, ySe, ySig);
            case 5 -> sub(ySe, ySig, xSe, xSig);
            case 6 -> fp.div(xSe, xSig, ySe, ySig);
            default -> fp.div(ySe, ySig, xSe, xSig);
        }
    }

    private void sub(int aSe, long aSig, int bSe, long bSig) {
        if (Float80.isNaN(aSe, aSig) || Float80.isNaN(bSe, bSig)
                || Float80.classify(aSe, aSig) == Float80.UNSUPPORTED
                || Float80.classify(bSe, bSig) == Float80.UNSUPPORTED) {
            fp.add(aSe, aSig, bSe, bSig);
        } else {
            fp.add(aSe, aSig, bSe ^ 0x8000, bSig);
        }
    }

    /**
     * FCOM-family: compares ST(0) with y and sets C0/C2/C3 (or EFLAGS when {@code eflags} is non-null),
     * then pops {@code pops} times.
     */
    private void compareTo(int ySe, long ySig, int loadFlags, boolean quiet, int pops) {
        if (empty(0)) {
            boolean masked = underflow();
            fsw |= C0 | C2 | C3;
            if (masked) {
                for (int i = 0; i < pops; i++) {
                    pop();
                }
            }
            return;
        }
        fp.begin();
        int r = fp.compare(stSe(0), stSig(0), ySe, ySig, quiet);
        if (ordinary(stSe(0), stSig(0)) && ordinary(ySe, ySig)) {
            fp.flags |= loadFlags & Float80.DE;
        }
        boolean ok = commit();
        if (!ok && (fp.flags & Float80.IE) != 0) {
            fsw |= C0 | C2 | C3; // unordered even when IE is unmasked; no pop
            return;
        }
        // an unmasked #D still sets the condition codes, as the host shows, but does not pop
        fsw = (fsw & ~CC) | ccFor(r);
        for (int i = 0; ok && i < pops; i++) {
            pop();
        }
    }

    static int ccFor(int r) {
        return switch (r) {
            case Float80.CMP_LT -> C0;
            case Float80.CMP_EQ -> C3;
            case Float80.CMP_GT -> 0;
            default -> C0 | C2 | C3;
        };
    }

    private void memD9(X86Cpu c, int reg, long ea) {
        switch (reg) {
            case 0 -> { // FLD m32
                fp.begin();
                fp.fromFloat(c.mmu.read32(ea));
                loadPush();
            }
            case 2, 3 -> { // FST/FSTP m32
                if (empty(0)) {
                    if ((fcw & Float80.IE) != 0) {
                        c.mmu.write32(ea, 0xFFC0_0000);
                    }
                    if (underflow() && reg == 3) {
                        pop();
                    }
                    return;
                }
                fp.begin();
                int v = fp.toFloat(stSe(0), stSig(0));
                if (storable()) {
                    c.mmu.write32(ea, v);
                }
                storeDone(reg == 3);
            }
            case 4 -> Env.fldenv(c, this, ea);
            case 5 -> setFcw(c.mmu.read16(ea));
            case 6 -> Env.fnstenv(c, this, ea);
            case 7 -> c.mmu.write16(ea, fcw);
            default -> throw c.fault(Vectors.UD);
        }
    }

    /** Pushes fp's loaded value (an SNaN from m32/m64 raises IE and is quieted). */
    private void loadPush() {
        int loadFlags = fp.flags;
        int se = fp.se;
        long sig = fp.sig;
        fp.begin();
        fp.flags = loadFlags;
        if (Float80.isSignaling(se, sig)) {
            fp.flags |= Float80.IE;
            sig |= Float80.QUIET;
        }
        if (!pushCheck()) {
            return;
        }
        boolean denormalOnly = (fp.flags & Float80.IE) == 0;
        if (commit() || denormalOnly) { // the exact conversion completes even with #D unmasked
            push(se, sig);
        }
    }

    /** True when the converted value in a store may be written (no unmasked exception). */
    private boolean storable() {
        return (fp.flags & ~fcw & 0x3F & ~Float80.PE) == 0;
    }

    private void storeDone(boolean popAfter) {
        boolean wrote = storable();
        commit();
        if (wrote && popAfter) {
            pop();
        }
    }

    private void memDB(X86Cpu c, int reg, long ea) {
        switch (reg) {
            case 0 -> { // FILD m32
                fp.begin();
                fp.fromLong(c.mmu.read32(ea));
                loadPush();
            }
            case 1, 2, 3 -> storeInt(c, ea, 32, reg == 1, reg != 2);
            case 5 -> { // FLD m80
                long s = c.mmu.read64(ea);
                int e = c.mmu.read16(ea + 8);
                fp.begin();
                if (pushCheck()) {
                    setC1(false);
                    push(e, s);
                }
            }
            case 7 -> { // FSTP m80
                // Nothing is stored (so nothing can fault) on stack underflow with IE unmasked, as on the host.
                if (!empty(0) || (fcw & Float80.IE) != 0) {
                    c.mmu.probeWrite(ea, 10);
                }
                if (empty(0)) {
                    if ((fcw & Float80.IE) != 0) {
                        c.mmu.write64(ea, Float80.IND_SIG);
                        c.mmu.write16(ea + 8, Float80.IND_SE);
                    }
                    if (underflow()) {
                        pop();
                    }
                    return;
                }
                c.mmu.write64(ea, stSig(0));
                c.mmu.write16(ea + 8, stSe(0));
                setC1(false);
                pop();
            }
            default -> throw c.fault(Vectors.UD);
        }
    }

    private void memDD(X86Cpu c, int reg, long ea) {
        switch (reg) {
            case 0 -> { // FLD m64
                fp.begin();
                fp.fromDouble(c.mmu.read64(ea));
                loadPush();
            }
            case 1 -> storeInt(c, ea, 64, true, true);
            case 2, 3 -> {
                if (empty(0)) {
                    if ((fcw & Float80.IE) != 0) {
                        c.mmu.write64(ea, 0xFFF8_0000_0000_0000L);
                    }
                    if (underflow() && reg == 3) {
                        pop();
                    }
                    return;
                }
                fp.begin();
                long v = fp.toDouble(stSe(0), stSig(0));
                if (storable()) {
                    c.mmu.write64(ea, v);
                }
                storeDone(reg == 3);
            }
            case 4 -> Env.frstor(c, this, ea);
            case 6 -> Env.fnsave(c, this, ea);
            case 7 -> c.mmu.write16(ea, fsw());
            default -> throw c.fault(Vectors.UD);
        }
    }

    private void memDF(X86Cpu c, int reg, long ea) {
        switch (reg) {
            case 0 -> {
                fp.begin();
                fp.fromLong((short) c.mmu.read16(ea));
                loadPush();
            }
            case 1, 2, 3 -> storeInt(c, ea, 16, reg == 1, reg != 2);
            case 4 -> { // FBLD
                long lo = c.mmu.read64(ea);
                int hi = c.mmu.read16(ea + 8);
                long v = 0;
                for (int i = 8; i >= 0; i--) {
                    int b = i == 8 ? hi & 0xFF : (int) (lo >>> (8 * i)) & 0xFF;
                    v = v * 100 + (b >>> 4) * 10 + (b & 15);
                }
                fp.begin();
                fp.fromLong(v);
                int se = fp.se;
                if ((hi & 0x8000) != 0) {
                    se |= 0x8000;
                }
                fp.se = se;
                loadPush();
            }
            case 5 -> {
                fp.begin();
                fp.fromLong(c.mmu.read64(ea));
                loadPush();
            }
            case 6 -> fbstp(c, ea);
            case 7 -> storeInt(c, ea, 64, false, true);
            default -> throw c.fault(Vectors.UD);
        }
    }

    private void storeInt(X86Cpu c, long ea, int bits, boolean truncate, boolean popAfter) {
        int size = bits / 8;
        long v;
        if (empty(0)) {
            if ((fcw & Float80.IE) != 0) {
                c.mmu.write(ea, size, 1L << (bits - 1));
            }
            if (underflow() && popAfter) {
                pop();
            }
            return;
        }
        fp.begin();
        v = fp.toInt(stSe(0), stSig(0), bits, truncate ? Float80.RC_ZERO : fp.rc);
        boolean write = (fp.flags & ~fcw & Float80.IE) == 0;
        if (write) {
            c.mmu.write(ea, size, v);
        }
        commit();
        if (write && popAfter) {
            pop();
        }
    }

    private void fbstp(X86Cpu c, long ea) {
        // Probed only where something is stored: an unmasked invalid operation stores nothing and cannot fault.
        if (empty(0)) {
            if ((fcw & Float80.IE) != 0) {
                c.mmu.probeWrite(ea, 10);
                c.mmu.write64(ea, 0xC000_0000_0000_0000L);
                c.mmu.write16(ea + 8, 0xFFFF);
            }
            if (underflow()) {
                pop();
            }
            return;
        }
        fp.begin();
        int cls = Float80.classify(stSe(0), stSig(0));
        long mag = 0;
        boolean bad = cls >= Float80.INF;
        boolean neg = (stSe(0) & 0x8000) != 0;
        if (!bad) {
            // No #D: FBSTP of a denormal only reports the inexact result (as the host does).
            fp.roundToIntegral(stSe(0), stSig(0), fp.rc);
            if (fp.sig != 0) {
                int shift = Float80.BIAS + 63 - (fp.se & 0x7FFF);
                if (shift < 4) {
                    bad = true;
                } else {
                    mag = fp.sig >>> shift;
                    bad = mag > 999_999_999_999_999_999L;
                }
            }
        }
        if (bad) {
            fp.flags = Float80.IE;
            fp.c1 = false;
            if ((fcw & Float80.IE) == 0) {
                commit();
                return;
            }
            c.mmu.probeWrite(ea, 10);
            c.mmu.write64(ea, 0xC000_0000_0000_0000L);
            c.mmu.write16(ea + 8, 0xFFFF);
        } else {
            c.mmu.probeWrite(ea, 10);
            long lo = 0;
            for (int i = 0; i < 8; i++) {
                long d = mag % 100;
                mag /= 100;
                lo |= ((d / 10) << 4 | (d % 10)) << (8 * i);
            }
            long d = mag % 100;
            int hi = (int) ((d / 10) << 4 | (d % 10)) | (neg ? 0x8000 : 0);
            c.mmu.write64(ea, lo);
            c.mmu.write16(ea + 8, hi);
        }
        commit();
        pop();
    }

    // ---------------------------------------------------------------- register forms

    private void regOp(X86Cpu c, int op, int reg, int rm) {
        switch (op) {
            case 0xD8 -> {
                if (reg == 2 || reg == 3) {
                    regCompare(rm, false, reg == 3 ? 1 : 0);
                } else {
                    regArith(reg, 0, rm, false);
                }
            }
            case 0xDC -> {
                if (reg == 2 || reg == 3) {
                    regCompare(rm, false, reg == 3 ? 1 : 0);
                } else {
                    regArith(reg < 4 ? reg : reg ^ 1, rm, 0, false);
                }
            }
            case 0xDE -> {
                if (reg == 3) {
                    if (rm == 1) {
                        regCompare(1, false, 2);
                    } else {
                        throw c.fault(Vectors.UD);
                    }
                } else if (reg == 2) {
                    regCompare(rm, false, 1); // FCOMP5 alias
                } else {
                    regArith(reg < 4 ? reg : reg ^ 1, rm, 0, true);
                }
            }
            case 0xD9 -> Ops.regD9(c, this, reg, rm);
            case 0xDA -> {
                if (reg < 4) {
                    fcmov(c, reg, rm, false);
                } else if (reg == 5 && rm == 1) {
                    regCompare(1, true, 2);
                } else {
                    throw c.fault(Vectors.UD);
                }
            }
            case 0xDB -> {
                if (reg < 4) {
                    fcmov(c, reg, rm, true);
                } else if (reg == 4) {
                    switch (rm) {
                        case 2 -> fsw &= ~(0xFF | B); // FNCLEX
                        case 3 -> reset(); // FNINIT
                        case 0, 1, 4 -> {
                        } // FENI/FDISI/FSETPM: no-ops on a 387 and later
                        default -> throw c.fault(Vectors.UD);
                    }
                } else if (reg == 5 || reg == 6) {
                    fcomi(c, rm, reg == 5, false);
                } else {
                    throw c.fault(Vectors.UD);
                }
            }
            case 0xDD -> {
                switch (reg) {
                    case 0 -> { // FFREE
                        valid &= ~(1 << phys(rm));
                        setC1(false);
                    }
                    case 1 -> fxch(rm);
                    case 2, 3 -> { // FST/FSTP ST(i)
                        if (empty(0)) {
                            if (underflow()) {
                                set(rm, Float80.IND_SE, Float80.IND_SIG);
                                if (reg == 3) {
                                    pop();
                                }
                            }
                            return;
                        }
                        setC1(false);
                        set(rm, stSe(0), stSig(0));
                        if (reg == 3) {
                            pop();
                        }
                    }
                    case 4 -> regCompare(rm, true, 0);
                    case 5 -> regCompare(rm, true, 1);
                    default -> throw c.fault(Vectors.UD);
                }
            }
            default -> { // DF
                switch (reg) {
                    case 0 -> { // FFREEP
                        valid &= ~(1 << phys(rm));
                        pop();
                    }
                    case 1 -> fxch(rm);
                    case 2, 3 -> { // FSTP aliases
                        if (empty(0)) {
                            if (underflow()) {
                                set(rm, Float80.IND_SE, Float80.IND_SIG);
                                pop();
                            }
                            return;
                        }
                        setC1(false);
                        set(rm, stSe(0), stSig(0));
                        pop();
                    }
                    case 4 -> {
                        if (rm != 0) {
                            throw c.fault(Vectors.UD);
                        }
                        c.setReg(X86Cpu.S16, 0, fsw());
                    }
                    case 5, 6 -> fcomi(c, rm, reg == 5, true);
                    default -> throw c.fault(Vectors.UD);
                }
            }
        }
    }

    /** ST(dst) = ST(dst) op ST(src) with D8 numbering; pops after when {@code popAfter}. */
    private void regArith(int reg, int dst, int src, boolean popAfter) {
        if (empty(dst) || empty(src)) {
            if (underflow()) {
                set(dst, Float80.IND_SE, Float80.IND_SIG);
                if (popAfter) {
                    pop();
                }
            }
            return;
        }
        fp.begin();
        arith(reg, stSe(dst), stSig(dst), stSe(src), stSig(src));
        if (commit()) {
            set(dst, fp.se, fp.sig);
            if (popAfter) {
                pop();
            }
        }
    }

    private void regCompare(int i, boolean quiet, int pops) {
        if (empty(i)) {
            boolean masked = underflow();
            fsw |= C0 | C2 | C3;
            if (masked) {
                for (int k = 0; k < pops; k++) {
                    pop();
                }
            }
            return;
        }
        compareTo(stSe(i), stSig(i), 0, quiet, pops);
    }

    private void fcomi(X86Cpu c, int i, boolean quiet, boolean popAfter) {
        if (empty(0) || empty(i)) {
            boolean masked = underflow();
            Flags.setArith(c, Flags.ZF | Flags.PF | Flags.CF);
            if (masked) {
                if (popAfter) {
                    pop();
                }
            }
            return;
        }
        fp.begin();
        int r = fp.compare(stSe(0), stSig(0), stSe(i), stSig(i), quiet);
        fp.c1 = (fsw & C1) != 0; // FCOMI leaves C1 alone
        boolean ok = commit();
        if (!ok) {
            fsw = (fsw & ~C1) | (fp.c1 ? C1 : 0);
            if ((fp.flags & Float80.IE) != 0) {
                Flags.setArith(c, Flags.ZF | Flags.PF | Flags.CF);
                return;
            }
        }
        long fl = switch (r) {
            case Float80.CMP_LT -> Flags.CF;
            case Float80.CMP_EQ -> Flags.ZF;
            case Float80.CMP_GT -> 0;
            default -> Flags.ZF | Flags.PF | Flags.CF;
        };
        Flags.setArith(c, fl);
        if (popAfter && ok) {
            pop();
        }
    }

    private void fcmov(X86Cpu c, int reg, int rm, boolean negate) {
        int cc = switch (reg) {
            case 0 -> 2; // B
            case 1 -> 4; // E
            case 2 -> 6; // BE
            default -> 0xA; // U (PF)
        };
        if (negate) {
            cc |= 1;
        }
        if (empty(0) || empty(rm)) {
            if (underflow()) {
                set(0, Float80.IND_SE, Float80.IND_SIG);
            }
            return;
        }
        if (Flags.condition(c, cc)) {
            set(0, stSe(rm), stSig(rm));
        }
    }

    void fxch(int i) {
        if (empty(0) || empty(i)) {
            if (underflow()) {
                int s0 = empty(0) ? Float80.IND_SE : stSe(0);
                long g0 = empty(0) ? Float80.IND_SIG : stSig(0);
                int si = empty(i) ? Float80.IND_SE : stSe(i);
                long gi = empty(i) ? Float80.IND_SIG : stSig(i);
                set(0, si, gi);
                set(i, s0, g0);
            }
            return;
        }
        setC1(false);
        int p0 = phys(0);
        int pi = phys(i);
        int se = regSe[p0];
        long sig = regSig[p0];
        regSe[p0] = regSe[pi];
        regSig[p0] = regSig[pi];
        regSe[pi] = se;
        regSig[pi] = sig;
    }

    void setCC(int bits) {
        fsw = (fsw & ~CC) | bits;
    }

    // ---------------------------------------------------------------- byte helpers

    static void put16(byte[] b, int o, int v) {
        b[o] = (byte) v;
        b[o + 1] = (byte) (v >>> 8);
    }

    static void put64(byte[] b, int o, long v) {
        for (int i = 0; i < 8; i++) {
            b[o + i] = (byte) (v >>> (8 * i));
        }
    }

    static int get16(byte[] b, int o) {
        return (b[o] & 0xFF) | (b[o + 1] & 0xFF) << 8;
    }

    static long get64(byte[] b, int o) {
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = (v << 8) | (b[o + i] & 0xFF);
        }
        return v;
    }
}
