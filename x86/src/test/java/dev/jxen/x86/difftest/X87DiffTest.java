package dev.jxen.x86.difftest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HexFormat;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The x87 FPU against the host CPU: every case starts from a random x87 state (ST0-7 biased to
 * NaNs, infinities, unnormals, pseudo-denormals, denormals, values near overflow and underflow,
 * integers, short significands that round to ties, and neighbouring operand pairs; all rounding
 * and precision controls; exceptions usually masked, sometimes not; random TOP, tags, FOP, FIP
 * and FDP), runs one instruction, and FCW, FSW, the tag word, FOP, FIP, FDP, ST0-7, RFLAGS and the
 * memory must be bit-identical. Only condition codes the manuals call undefined are masked; the
 * transcendental instructions may differ by one ulp (their documented accuracy) and, with it, in
 * C1 (round-up) and PE.
 *
 * <p>Instructions are given as bytes, not assembly, so there is no doubt about which of the
 * FSUB/FSUBR (FDIV/FDIVR) encodings an assembler picks. Memory operands are at [RBX].
 */
class X87DiffTest {
    private static DiffHarness harness;

    @BeforeAll
    static void start() {
        harness = new DiffHarness("X87");
    }

    @AfterAll
    static void stop() {
        harness.close();
    }

    static final int C0 = 0x100, C1 = 0x200, C2 = 0x400, C3 = 0x4000, PE = 0x20;
    /** C0 C2 C3: undefined after arithmetic, loads, stores and most non-compare instructions. */
    static final int CC_UNDEF = C0 | C2 | C3;

    /** What [RBX] holds before the instruction. */
    enum Mem { NONE, F32, F64, I16, I32, I64, F80, BCD, CW, ENV, ENV16, SAVE, SAVE16, FX, ANY }

    /** An instruction under test: name (also selects the operand bias), bytes, masked FSW bits, 1-ulp allowance, memory operand. */
    record Insn(String name, byte[] code, int undefinedFsw, boolean ulp, Mem mem) {
    }

    static Insn insn(String name, int undefinedFsw, Mem mem, int... b) {
        return insn(name, undefinedFsw, false, mem, b);
    }

    static Insn insn(String name, int undefinedFsw, boolean ulp, Mem mem, int... b) {
        byte[] code = new byte[b.length];
        for (int i = 0; i < b.length; i++) {
            code[i] = (byte) b[i];
        }
        return new Insn(name, code, undefinedFsw, ulp, mem);
    }

    static void add(Forms f, Insn in, int count) {
        String group = in.name() + " [" + HexFormat.ofDelimiter(" ").formatHex(in.code()) + "]";
        f.add(group, asm(in), 64, count, state(in));
    }

    /** The instruction's bytes as an assembler directive. */
    static String asm(Insn in) {
        StringBuilder asm = new StringBuilder(".byte ");
        for (int i = 0; i < in.code().length; i++) {
            asm.append(i == 0 ? "" : ", ").append(String.format("0x%02x", in.code()[i] & 0xFF));
        }
        return asm.toString();
    }

    /** A register form for several ST(i), most cases with ST1 (its operand is often made close to ST0). */
    static void addSti(Forms f, int count, java.util.function.IntFunction<Insn> form) {
        add(f, form.apply(1), count / 2);
        add(f, form.apply(0), count / 6);
        add(f, form.apply(3), count / 6);
        add(f, form.apply(7), count - count / 2 - 2 * (count / 6));
    }

    // ---------------------------------------------------------------- the instruction groups

    @TestFactory
    Stream<DynamicTest> arithmetic() {
        Forms f = new Forms(harness);
        String[] names = {"fadd", "fmul", "fcom", "fcomp", "fsub", "fsubr", "fdiv", "fdivr"};
        // DC and DE forms: the register field names the operation with ST(i) as destination (FSUB/FSUBR swap).
        String[] dest = {"fadd", "fmul", "", "", "fsubr", "fsub", "fdivr", "fdiv"};
        for (int reg : new int[] {0, 1, 4, 5, 6, 7}) {
            String n = names[reg];
            addSti(f, 120, i -> insn(n + " st0,st" + i, CC_UNDEF, Mem.NONE, 0xD8, 0xC0 | reg << 3 | i));
            addSti(f, 120, i -> insn(dest[reg] + " st" + i + ",st0", CC_UNDEF, Mem.NONE, 0xDC, 0xC0 | reg << 3 | i));
            addSti(f, 120, i -> insn(dest[reg] + "p st" + i + ",st0", CC_UNDEF, Mem.NONE, 0xDE, 0xC0 | reg << 3 | i));
            add(f, insn(n + " m32", CC_UNDEF, Mem.F32, 0xD8, reg << 3 | 3), 120);
            add(f, insn(n + " m64", CC_UNDEF, Mem.F64, 0xDC, reg << 3 | 3), 120);
            add(f, insn("fi" + n.substring(1) + " m32", CC_UNDEF, Mem.I32, 0xDA, reg << 3 | 3), 120);
            add(f, insn("fi" + n.substring(1) + " m16", CC_UNDEF, Mem.I16, 0xDE, reg << 3 | 3), 120);
        }
        add(f, insn("fsqrt", CC_UNDEF, Mem.NONE, 0xD9, 0xFA), 120);
        return f.tests();
    }

    /** Compares set C0 C2 C3 (or ZF PF CF) by definition and clear C1: nothing is masked. */
    @TestFactory
    Stream<DynamicTest> compares() {
        Forms f = new Forms(harness);
        addSti(f, 150, i -> insn("fcom st" + i, 0, Mem.NONE, 0xD8, 0xD0 | i));
        addSti(f, 150, i -> insn("fcomp st" + i, 0, Mem.NONE, 0xD8, 0xD8 | i));
        addSti(f, 150, i -> insn("fucom st" + i, 0, Mem.NONE, 0xDD, 0xE0 | i));
        addSti(f, 150, i -> insn("fucomp st" + i, 0, Mem.NONE, 0xDD, 0xE8 | i));
        add(f, insn("fcompp", 0, Mem.NONE, 0xDE, 0xD9), 150);
        add(f, insn("fucompp", 0, Mem.NONE, 0xDA, 0xE9), 150);
        add(f, insn("fcom m32", 0, Mem.F32, 0xD8, 0x13), 150);
        add(f, insn("fcomp m64", 0, Mem.F64, 0xDC, 0x1B), 150);
        add(f, insn("ficom m16", 0, Mem.I16, 0xDE, 0x13), 150);
        add(f, insn("ficomp m32", 0, Mem.I32, 0xDA, 0x1B), 150);
        addSti(f, 150, i -> insn("fucomi st" + i, 0, Mem.NONE, 0xDB, 0xE8 | i));
        addSti(f, 150, i -> insn("fcomi st" + i, 0, Mem.NONE, 0xDB, 0xF0 | i));
        addSti(f, 150, i -> insn("fucomip st" + i, 0, Mem.NONE, 0xDF, 0xE8 | i));
        addSti(f, 150, i -> insn("fcomip st" + i, 0, Mem.NONE, 0xDF, 0xF0 | i));
        add(f, insn("ftst", 0, Mem.NONE, 0xD9, 0xE4), 150);
        add(f, insn("fxam", 0, Mem.NONE, 0xD9, 0xE5), 150);
        return f.tests();
    }

    @TestFactory
    Stream<DynamicTest> movesAndConversions() {
        Forms f = new Forms(harness);
        Object[][] mem = {
            {"fld m32", Mem.F32, 0xD9, 0x03}, {"fst m32", Mem.F32, 0xD9, 0x13}, {"fstp m32", Mem.F32, 0xD9, 0x1B},
            {"fld m64", Mem.F64, 0xDD, 0x03}, {"fst m64", Mem.F64, 0xDD, 0x13}, {"fstp m64", Mem.F64, 0xDD, 0x1B},
            {"fld m80", Mem.F80, 0xDB, 0x2B}, {"fstp m80", Mem.F80, 0xDB, 0x3B},
            {"fild m16", Mem.I16, 0xDF, 0x03}, {"fild m32", Mem.I32, 0xDB, 0x03}, {"fild m64", Mem.I64, 0xDF, 0x2B},
            {"fist m16", Mem.I16, 0xDF, 0x13}, {"fistp m16", Mem.I16, 0xDF, 0x1B}, {"fisttp m16", Mem.I16, 0xDF, 0x0B},
            {"fist m32", Mem.I32, 0xDB, 0x13}, {"fistp m32", Mem.I32, 0xDB, 0x1B}, {"fisttp m32", Mem.I32, 0xDB, 0x0B},
            {"fistp m64", Mem.I64, 0xDF, 0x3B}, {"fisttp m64", Mem.I64, 0xDD, 0x0B},
            {"fbld", Mem.BCD, 0xDF, 0x23}, {"fbstp", Mem.BCD, 0xDF, 0x33}};
        for (Object[] m : mem) {
            add(f, insn((String) m[0], CC_UNDEF, (Mem) m[1], (int) m[2], (int) m[3]), 120);
        }
        addSti(f, 120, i -> insn("fld st" + i, CC_UNDEF, Mem.NONE, 0xD9, 0xC0 | i));
        addSti(f, 120, i -> insn("fst st" + i, CC_UNDEF, Mem.NONE, 0xDD, 0xD0 | i));
        addSti(f, 120, i -> insn("fstp st" + i, CC_UNDEF, Mem.NONE, 0xDD, 0xD8 | i));
        addSti(f, 120, i -> insn("fxch st" + i, CC_UNDEF, Mem.NONE, 0xD9, 0xC8 | i));
        addSti(f, 120, i -> insn("ffree st" + i, CC_UNDEF, Mem.NONE, 0xDD, 0xC0 | i));
        String[] cmov = {"fcmovb", "fcmove", "fcmovbe", "fcmovu", "fcmovnb", "fcmovne", "fcmovnbe", "fcmovnu"};
        for (int cc = 0; cc < 8; cc++) {
            int i = 1 + cc % 3;
            add(f, insn(cmov[cc] + " st" + i, CC_UNDEF, Mem.NONE, cc < 4 ? 0xDA : 0xDB, 0xC0 | (cc & 3) << 3 | i), 40);
        }
        Object[][] plain = {
            {"fchs", 0xE0}, {"fabs", 0xE1}, {"fld1", 0xE8}, {"fldl2t", 0xE9}, {"fldl2e", 0xEA}, {"fldpi", 0xEB},
            {"fldlg2", 0xEC}, {"fldln2", 0xED}, {"fldz", 0xEE}, {"fdecstp", 0xF6}, {"fincstp", 0xF7}};
        for (Object[] p : plain) {
            add(f, insn((String) p[0], CC_UNDEF, Mem.NONE, 0xD9, (int) p[1]), 120);
        }
        add(f, insn("fnop", 0, Mem.NONE, 0xD9, 0xD0), 120);
        add(f, insn("fnclex", 0, Mem.NONE, 0xDB, 0xE2), 120);
        add(f, insn("fninit", 0, Mem.NONE, 0xDB, 0xE3), 120);
        add(f, insn("fldcw", 0, Mem.CW, 0xD9, 0x2B), 120);
        add(f, insn("fnstcw", 0, Mem.I16, 0xD9, 0x3B), 120);
        add(f, insn("fnstsw m16", 0, Mem.I16, 0xDD, 0x3B), 120);
        return f.tests();
    }

    @TestFactory
    Stream<DynamicTest> functions() {
        Forms f = new Forms(harness);
        add(f, insn("frndint", CC_UNDEF, Mem.NONE, 0xD9, 0xFC), 500);
        add(f, insn("fscale", CC_UNDEF, Mem.NONE, 0xD9, 0xFD), 500);
        add(f, insn("fxtract", CC_UNDEF, Mem.NONE, 0xD9, 0xF4), 500);
        add(f, insn("fprem", 0, Mem.NONE, 0xD9, 0xF8), 500);
        add(f, insn("fprem1", 0, Mem.NONE, 0xD9, 0xF5), 500);
        return f.tests();
    }

    /** One ulp of allowance; C1 (which records the rounding direction) and PE follow the rounding, so they are ignored too. */
    @TestFactory
    Stream<DynamicTest> transcendentals() {
        Forms f = new Forms(harness);
        int u = CC_UNDEF | C1 | PE;
        int reduced = u & ~C2; // C2 reports an out-of-range operand: defined
        add(f, insn("f2xm1", u, true, Mem.NONE, 0xD9, 0xF0), 150);
        add(f, insn("fyl2x", u, true, Mem.NONE, 0xD9, 0xF1), 150);
        add(f, insn("fptan", reduced, true, Mem.NONE, 0xD9, 0xF2), 150);
        add(f, insn("fpatan", u, true, Mem.NONE, 0xD9, 0xF3), 150);
        add(f, insn("fyl2xp1", u, true, Mem.NONE, 0xD9, 0xF9), 150);
        add(f, insn("fsincos", reduced, true, Mem.NONE, 0xD9, 0xFB), 150);
        add(f, insn("fsin", reduced, true, Mem.NONE, 0xD9, 0xFE), 150);
        add(f, insn("fcos", reduced, true, Mem.NONE, 0xD9, 0xFF), 150);
        return f.tests();
    }

    /**
     * Saving and loading the whole FPU state: the 28-byte (and 14-byte, operand size 16) environment,
     * the 108-byte (94-byte) FNSAVE image, FXSAVE/FXRSTOR in both REX.W forms, FNSTSW AX, and a
     * loaded pending exception reported by the next waiting instruction.
     */
    @TestFactory
    Stream<DynamicTest> stateSaveAndRestore() {
        Forms f = new Forms(harness);
        add(f, insn("fnstenv", 0, Mem.ANY, 0xD9, 0x33), 300);
        add(f, insn("o16 fnstenv", 0, Mem.ANY, 0x66, 0xD9, 0x33), 150);
        add(f, insn("fldenv", 0, Mem.ENV, 0xD9, 0x23), 300);
        add(f, insn("o16 fldenv", 0, Mem.ENV16, 0x66, 0xD9, 0x23), 150);
        add(f, insn("fnsave", 0, Mem.ANY, 0xDD, 0x33), 300);
        add(f, insn("o16 fnsave", 0, Mem.ANY, 0x66, 0xDD, 0x33), 150);
        add(f, insn("frstor", 0, Mem.SAVE, 0xDD, 0x23), 300);
        add(f, insn("o16 frstor", 0, Mem.SAVE16, 0x66, 0xDD, 0x23), 150);
        add(f, insn("fxsave", 0, Mem.ANY, 0x0F, 0xAE, 0x03), 300);
        add(f, insn("fxsave64", 0, Mem.ANY, 0x48, 0x0F, 0xAE, 0x03), 300);
        add(f, insn("fxrstor", 0, Mem.FX, 0x0F, 0xAE, 0x0B), 300);
        add(f, insn("fxrstor64", 0, Mem.FX, 0x48, 0x0F, 0xAE, 0x0B), 300);
        add(f, insn("fnstsw ax", 0, Mem.NONE, 0xDF, 0xE0), 300);
        add(f, insn("fldenv; fwait", 0, Mem.ENV, 0xD9, 0x23, 0x9B), 200);
        add(f, insn("frstor; fadd st0,st1", 0, Mem.SAVE, 0xDD, 0x23, 0xD8, 0xC1), 200);
        add(f, insn("fnstenv; fldenv", 0, Mem.ANY, 0xD9, 0x33, 0xD9, 0x23), 150);
        add(f, insn("fnsave; frstor", 0, Mem.ANY, 0xDD, 0x33, 0xDD, 0x23), 150);
        return f.tests();
    }

    /**
     * Faulting stores and loads of the FPU state leave it untouched (precise faults): operands that
     * straddle into the guard page or lie in the read-only page (#PF), misaligned FXSAVE/FXRSTOR
     * images and an FXRSTOR image with reserved MXCSR bits (#GP).
     */
    @TestFactory
    Stream<DynamicTest> faults() {
        Forms f = new Forms(harness);
        java.util.function.ToLongFunction<Values> straddle = v -> Layout.GUARD_PAGE - 1 - v.nextInt(9);
        java.util.function.ToLongFunction<Values> straddleAligned = v -> Layout.GUARD_PAGE - 16L * (1 + v.nextInt(31));
        java.util.function.ToLongFunction<Values> readOnly = v -> Layout.RO_PAGE + v.nextInt(0x100);
        java.util.function.ToLongFunction<Values> misaligned = v -> Layout.DATA_BASE + 0x200 + 1 + v.nextInt(15);
        Insn[] stores = {insn("fnstenv", 0, Mem.ANY, 0xD9, 0x33), insn("fnsave", 0, Mem.ANY, 0xDD, 0x33),
            insn("fxsave64", 0, Mem.ANY, 0x48, 0x0F, 0xAE, 0x03), insn("fstp m80", CC_UNDEF, Mem.ANY, 0xDB, 0x3B),
            insn("fbstp", CC_UNDEF, Mem.ANY, 0xDF, 0x33), insn("fistp m64", CC_UNDEF, Mem.ANY, 0xDF, 0x3B),
            insn("fnstcw", 0, Mem.ANY, 0xD9, 0x3B)};
        // FSTP m80 and FBSTP store 8 + 2 bytes: when the first 8 fit before the guard page, the host
        // writes them before the #PF. The emulator's faults are precise by design, so the 10-byte
        // stores start within 8 bytes of the guard page, where the host writes nothing either.
        java.util.function.ToLongFunction<Values> straddle10 = v -> Layout.GUARD_PAGE - 1 - v.nextInt(7);
        for (Insn in : stores) {
            int len = operandLength(in.name());
            f.add(in.name() + " into the guard page", asm(in), 64, 60, Forms.all(
                    state(in, in.name().startsWith("fx") ? straddleAligned : len == 10 ? straddle10 : straddle), operand(len)));
            f.add(in.name() + " into the read-only page", asm(in), 64, 40, Forms.all(state(in, readOnly), operand(len)));
        }
        Insn[] loads = {insn("fldenv", 0, Mem.ENV, 0xD9, 0x23), insn("frstor", 0, Mem.SAVE, 0xDD, 0x23),
            insn("fxrstor64", 0, Mem.FX, 0x48, 0x0F, 0xAE, 0x0B), insn("fld m80", CC_UNDEF, Mem.F80, 0xDB, 0x2B)};
        for (Insn in : loads) {
            f.add(in.name() + " from across the guard page", asm(in), 64, 60, Forms.all(
                    state(in, in.name().startsWith("fx") ? straddleAligned : straddle), operand(operandLength(in.name()))));
        }
        for (Insn in : new Insn[] {insn("fxsave", 0, Mem.ANY, 0x0F, 0xAE, 0x03), insn("fxrstor", 0, Mem.FX, 0x0F, 0xAE, 0x0B)}) {
            f.add(in.name() + " misaligned", asm(in), 64, 40, state(in, misaligned));
        }
        Insn fxrstor = insn("fxrstor64", 0, Mem.FX, 0x48, 0x0F, 0xAE, 0x0B);
        f.add("fxrstor64 with reserved MXCSR bits", asm(fxrstor), 64, 60, Forms.all(state(fxrstor), (v, c) -> {
            int at = (int) (c.gpr[3] - Layout.DATA_BASE) + FxImage.MXCSR;
            c.pages[at / Layout.PAGE][at % Layout.PAGE + 2] = (byte) (1 + v.nextInt(255)); // bits 16..23
        }));
        return f.tests();
    }

    /** Declares the operand at [RBX] (for which byte CR2 may name). */
    static Forms.Setup operand(int length) {
        return (v, c) -> {
            c.cr2OperandAddress = c.gpr[3];
            c.cr2OperandLength = length;
        };
    }

    static int operandLength(String name) {
        return switch (name) {
            case "fnstenv", "fldenv" -> 28;
            case "fnsave", "frstor" -> 108;
            case "fxsave64", "fxrstor64" -> 512;
            case "fstp m80", "fld m80", "fbstp" -> 10;
            case "fistp m64" -> 8;
            default -> 2;
        };
    }

    /**
     * The generators reach the paths that matter: loaded pending exceptions do raise #MF on the
     * host at the next waiting instruction (and not at the no-wait ones), and unmasked exceptions
     * raised by an instruction do set ES, so FOP and FDP are exercised. Guards against a generator
     * change that silently stops covering them.
     */
    @Test
    void generatorsReachPendingAndUnmaskedExceptions() {
        Insn fwait = insn("fldenv; fwait", 0, Mem.ENV, 0xD9, 0x23, 0x9B);
        Insn fadd = insn("fadd m64", CC_UNDEF, Mem.F64, 0xDC, 0x03);
        Insn fnstenv = insn("fnstenv", 0, Mem.ANY, 0xD9, 0x33);
        int[] mf = new int[3];
        int unmaskedRaised = 0;
        Insn[] insns = {fwait, fadd, fnstenv};
        for (int k = 0; k < insns.length; k++) {
            Values v = harness.values("sanity " + insns[k].name());
            java.util.List<CpuCase> cases = new java.util.ArrayList<>();
            for (int i = 0; i < 300; i++) {
                CpuCase c = new CpuCase(insns[k].name(), insns[k].code());
                Forms.defaultState(v, c, 64, false);
                state(insns[k]).apply(v, c);
                cases.add(c);
            }
            java.util.List<CpuResult> results = harness.host().runAll(cases);
            for (CpuResult r : results) {
                if (r.vector == 16) {
                    mf[k]++;
                }
                if (k == 1 && r.vector == CpuResult.COMPLETED && (FxImage.getShort(r.fx, FxImage.FSW) & 0x80) != 0) {
                    unmaskedRaised++;
                }
            }
        }
        assertThat(mf[0]).as("#MF at FWAIT after loading a pending exception").isBetween(10, 290);
        assertThat(unmaskedRaised).as("FADD raising an unmasked exception").isPositive();
        assertThat(mf[1]).as("no exception is pending at the start of a case").isZero();
        assertThat(mf[2]).as("FNSTENV does not wait").isZero();
    }

    // ---------------------------------------------------------------- random state

    /** The case's x87 state, memory operand and RBX for {@code in}. */
    static Forms.Setup state(Insn in) {
        return state(in, null);
    }

    /** As {@link #state(Insn)} with the memory operand at {@code where} (e.g. next to the guard page). */
    static Forms.Setup state(Insn in, java.util.function.ToLongFunction<Values> where) {
        return (v, c) -> {
            SplittableRandom r = v.random();
            c.x87 = true;
            c.undefinedFsw = in.undefinedFsw();
            c.stUlps = in.ulp() ? 1 : 0;
            long[][] regs = registers(r, in.name());
            int masks = r.nextInt(4) == 0 ? r.nextInt(64) : 0x3F;
            if (in.ulp()) {
                // PE follows the last bit's rounding, where the allowed ulp may differ: unmasked, it would
                // turn into ES, B and FOP differences.
                masks |= PE;
            }
            int fcw = 0x40 | masks | PC[r.nextInt(3)] << 8 | r.nextInt(4) << 10;
            int top = r.nextInt(8);
            // Exception flags only where masked: no exception is pending at the start.
            int fsw = top << 11 | (r.nextInt(64) & masks) | (r.nextBoolean() ? C1 : 0) | (r.nextBoolean() ? C0 | C3 : 0)
                    | (r.nextInt(4) == 0 ? C2 : 0);
            int valid = 0;
            for (int i = 0; i < 8; i++) {
                boolean empty = i == 7 ? r.nextInt(3) != 0 : r.nextInt(12) == 0;
                if (!empty) {
                    valid |= 1 << ((top + i) & 7);
                }
                FxImage.putSt(c.fx, i, regs[i][1], (int) regs[i][0]);
            }
            FxImage.putShort(c.fx, FxImage.FCW, fcw);
            FxImage.putShort(c.fx, FxImage.FSW, fsw);
            c.fx[FxImage.FTW] = (byte) valid;
            FxImage.putShort(c.fx, FxImage.FOP, r.nextInt(0x800));
            FxImage.putLong(c.fx, FxImage.FIP, pointer(r));
            FxImage.putLong(c.fx, FxImage.FDP, pointer(r));
            if (in.mem() != Mem.NONE) {
                c.page(0, v.page());
                c.page(1, v.page());
                long rbx = Layout.DATA_BASE + 0x100 + v.nextInt(0xE00);
                if (in.mem() == Mem.FX || in.name().startsWith("fxsave")) {
                    rbx &= ~15L; // FXSAVE/FXRSTOR need 16-byte alignment
                }
                if (where != null) {
                    rbx = where.applyAsLong(v);
                }
                c.gpr[3] = rbx;
                byte[] m = memory(r, in.mem());
                for (int i = 0; i < m.length; i++) {
                    long at = rbx + i - Layout.DATA_BASE;
                    if (at >= 0 && at < (long) Layout.DATA_PAGES * Layout.PAGE) { // the guard page stays absent
                        int page = (int) (at / Layout.PAGE);
                        if (c.pages[page] == null) {
                            c.page(page, v.page());
                        }
                        c.pages[page][(int) (at % Layout.PAGE)] = m[i];
                    }
                }
            }
        };
    }

    /** A previous instruction's or operand's address: canonical, often near the code and data. */
    static long pointer(SplittableRandom r) {
        return switch (r.nextInt(3)) {
            case 0 -> Layout.CODE_BASE + r.nextInt(0x1000);
            case 1 -> r.nextLong() >> 16;
            default -> r.nextLong() & 0xFFFF_FFFFL;
        };
    }

    static final int[] PC = {0, 2, 3};

    /** A random extended value biased toward the interesting ones: {sign+exponent, significand}. */
    static long[] value(SplittableRandom r) {
        long sig = r.nextLong() | (1L << 63);
        int e;
        int s = r.nextInt(2) << 15;
        switch (r.nextInt(24)) {
            case 0 -> { e = 0; sig = 0; } // zero
            case 1 -> { e = 0x7FFF; sig = 1L << 63; } // infinity
            case 2 -> { e = 0x7FFF; sig |= 1L << 62; } // QNaN
            case 3 -> { e = 0x7FFF; sig &= ~(1L << 62); if (sig << 2 == 0) sig |= 1; } // SNaN
            case 4 -> { e = 0; sig &= ~(1L << 63); if (r.nextInt(4) == 0) sig >>>= r.nextInt(64); } // denormal
            case 5 -> e = 1 + r.nextInt(70); // near underflow
            case 6 -> e = 0x7FFE - r.nextInt(70); // near overflow
            case 7 -> e = 1 + r.nextInt(0x7FFE);
            case 8 -> { e = 0x3FFF + r.nextInt(64); sig &= -1L << (63 - (e - 0x3FFF)); } // integers
            case 9 -> { e = 0x3FFF - 10 + r.nextInt(20); sig &= -1L << 11; } // double-precision: ties at 24 bits
            case 10 -> { e = 0x3FFF - 10 + r.nextInt(20); sig &= -1L << 40; } // single-precision
            case 11 -> { e = 0x3FFF + r.nextInt(3); sig = (1L << 63) | (r.nextBoolean() ? 0 : r.nextLong() & 0xFF); }
            case 12 -> { e = 1 + r.nextInt(0x7FFE); sig &= Long.MAX_VALUE; if (r.nextInt(8) != 0) e = 0x3FFF; } // unnormal
            case 13 -> { e = 0x3FFF + r.nextInt(3) - 1; sig = -1L << r.nextInt(64); } // halfway values
            default -> e = 0x3FFF - 40 + r.nextInt(80);
        }
        return new long[] {s | e, sig};
    }

    /** ST0-7 for an instruction, with operand domains biased to where {@code name} is interesting. */
    static long[][] registers(SplittableRandom r, String name) {
        long[][] regs = new long[8][];
        for (int i = 0; i < 8; i++) {
            regs[i] = value(r);
        }
        if (r.nextInt(3) == 0) { // operands close to each other: cancellation and ties
            regs[1] = regs[0].clone();
            regs[1][1] ^= r.nextLong() >>> (r.nextInt(64) | 1);
            regs[1][1] |= 1L << 63;
            regs[1][0] ^= r.nextInt(2) << 15;
        }
        long sig = r.nextLong() | 1L << 63;
        int s = r.nextInt(2) << 15;
        switch (name) {
            case "fsin", "fcos", "fptan", "fsincos" -> {
                if (r.nextInt(4) != 0) regs[0] = new long[] {s | 0x3FFF - 70 + r.nextInt(135), sig};
            }
            case "f2xm1" -> { // the documented domain is |x| <= 1: outside it the result is undefined
                if (r.nextInt(8) != 0 || ((regs[0][0] & 0x7FFF) >= 0x3FFF && (regs[0][0] & 0x7FFF) != 0x7FFF)) {
                    regs[0] = new long[] {s | 0x3FFF - 70 + r.nextInt(70), sig};
                }
            }
            case "fyl2xp1" -> { // documented for |x| < 1 - sqrt(2)/2
                if (r.nextInt(8) != 0 || ((regs[0][0] & 0x7FFF) >= 0x3FFD && (regs[0][0] & 0x7FFF) != 0x7FFF)) {
                    regs[0] = new long[] {s | 0x3FFF - 70 + r.nextInt(68), sig};
                }
            }
            case "fyl2x" -> {
                if (r.nextInt(4) != 0) regs[0] = new long[] {0x3FFF - 100 + r.nextInt(200), sig};
            }
            case "fscale" -> {
                if (r.nextInt(3) != 0) regs[1] = new long[] {s | 0x3FFF + r.nextInt(16), sig};
            }
            case "fprem", "fprem1" -> {
                if (r.nextInt(3) != 0) regs[0][0] = (regs[0][0] & 0x8000) | ((regs[1][0] & 0x7FFF) + r.nextInt(140) - 5);
            }
            default -> {
                if (name.startsWith("fist") || name.startsWith("fbst") || name.startsWith("frnd")) {
                    if (r.nextInt(3) != 0) regs[0] = new long[] {s | 0x3FFF - 2 + r.nextInt(66), sig};
                }
            }
        }
        return regs;
    }

    /** The bytes at [RBX] for a memory operand kind (the rest of the data pages stay random). */
    static byte[] memory(SplittableRandom r, Mem kind) {
        byte[] m = new byte[16];
        switch (kind) {
            case F32 -> {
                int[] specials = {0, 0x80000000, 0x7F800000, 0xFF800000, 0x7FC00001, 0x7F800001, 0x00000001, 0x007FFFFF,
                    0x3F800000, 0x00800000};
                int v = r.nextInt(3) == 0 ? specials[r.nextInt(specials.length)]
                        : Float.floatToRawIntBits((float) ((r.nextDouble() - 0.5) * Math.pow(2, r.nextInt(60) - 30)));
                FxImage.putInt(m, 0, v);
            }
            case F64 -> {
                long[] specials = {0, 1L << 63, 0x7FF0_0000_0000_0000L, 0x7FF8_0000_0000_0001L, 0x7FF0_0000_0000_0001L,
                    1, 0x000F_FFFF_FFFF_FFFFL, 0x3FF0_0000_0000_0000L};
                long v = r.nextInt(3) == 0 ? specials[r.nextInt(specials.length)]
                        : Double.doubleToRawLongBits((r.nextDouble() - 0.5) * Math.pow(2, r.nextInt(200) - 100));
                FxImage.putLong(m, 0, v);
            }
            case I16 -> FxImage.putShort(m, 0, r.nextInt(3) == 0 ? 0x8000 : r.nextInt(1 << 16) >> r.nextInt(16));
            case I32 -> FxImage.putInt(m, 0, r.nextInt() >> r.nextInt(32));
            case I64 -> FxImage.putLong(m, 0, r.nextLong() >> r.nextInt(64));
            case F80 -> {
                long[] v = value(r);
                FxImage.putLong(m, 0, v[1]);
                FxImage.putShort(m, 8, (int) v[0]);
            }
            case BCD -> {
                for (int i = 0; i < 9; i++) {
                    m[i] = (byte) (r.nextInt(10) << 4 | r.nextInt(10));
                }
                m[9] = (byte) (r.nextBoolean() ? 0x80 : 0);
            }
            case CW -> FxImage.putShort(m, 0, r.nextInt(4) == 0 ? r.nextInt(1 << 16)
                    : 0x40 | (r.nextInt(4) == 0 ? r.nextInt(64) : 0x3F) | PC[r.nextInt(3)] << 8 | r.nextInt(4) << 10);
            case ENV -> m = environment(r, false, true);
            case ENV16 -> m = environment(r, true, true);
            case SAVE -> m = saveImage(r, false);
            case SAVE16 -> m = saveImage(r, true);
            case FX -> m = fxImage(r);
            case ANY, NONE -> m = new byte[0]; // the random page contents
        }
        return m;
    }

    /**
     * An FLDENV image (32-bit format, 28 bytes; 14 bytes with operand size 16): control word
     * (sometimes with reserved bits), status word with any flags (so a loaded exception may be
     * pending), any tag word, random pointers and opcode.
     */
    static byte[] environment(SplittableRandom r, boolean o16, boolean anyTags) {
        int fcw = r.nextInt(4) == 0 ? r.nextInt(1 << 16)
                : 0x40 | (r.nextInt(3) == 0 ? r.nextInt(64) : 0x3F) | PC[r.nextInt(3)] << 8 | r.nextInt(4) << 10;
        int fsw = r.nextInt(3) == 0 ? r.nextInt(1 << 16) : (r.nextInt(1 << 16) & ~0xFF) | (r.nextInt(64) & fcw & 0x3F);
        int ftw = anyTags ? r.nextInt(1 << 16) : 0;
        int fop = r.nextInt(1 << 16);
        long fip = r.nextLong();
        long fdp = r.nextLong();
        if (o16) {
            byte[] m = new byte[14];
            FxImage.putShort(m, 0, fcw);
            FxImage.putShort(m, 2, fsw);
            FxImage.putShort(m, 4, ftw);
            FxImage.putShort(m, 6, (int) fip);
            FxImage.putShort(m, 8, fop);
            FxImage.putShort(m, 10, (int) fdp);
            FxImage.putShort(m, 12, (int) (fdp >>> 16));
            return m;
        }
        byte[] m = new byte[28];
        FxImage.putInt(m, 0, fcw | (r.nextBoolean() ? 0xFFFF_0000 : r.nextInt() << 16));
        FxImage.putInt(m, 4, fsw | (r.nextBoolean() ? 0xFFFF_0000 : r.nextInt() << 16));
        FxImage.putInt(m, 8, ftw | (r.nextBoolean() ? 0xFFFF_0000 : r.nextInt() << 16));
        FxImage.putInt(m, 12, (int) fip);
        FxImage.putInt(m, 16, (int) (fip >>> 32) & 0xFFFF | fop << 16);
        FxImage.putInt(m, 20, (int) fdp);
        FxImage.putInt(m, 24, (int) (fdp >>> 32));
        return m;
    }

    /** An FRSTOR image: an environment followed by ST0-7, ten bytes each. */
    static byte[] saveImage(SplittableRandom r, boolean o16) {
        byte[] env = environment(r, o16, true);
        byte[] m = new byte[env.length + 80];
        System.arraycopy(env, 0, m, 0, env.length);
        for (int i = 0; i < 8; i++) {
            long[] v = value(r);
            FxImage.putLong(m, env.length + 10 * i, v[1]);
            FxImage.putShort(m, env.length + 10 * i + 8, (int) v[0]);
        }
        return m;
    }

    /** An FXRSTOR image: any x87 state, a valid MXCSR, random XMM registers and reserved bytes. */
    static byte[] fxImage(SplittableRandom r) {
        byte[] m = new byte[FxImage.SIZE];
        for (int i = 0; i < m.length; i++) {
            m[i] = (byte) r.nextInt(256);
        }
        byte[] env = environment(r, false, false);
        FxImage.putShort(m, FxImage.FCW, FxImage.getShort(env, 0));
        FxImage.putShort(m, FxImage.FSW, FxImage.getShort(env, 4));
        m[5] = r.nextInt(4) == 0 ? (byte) r.nextInt(256) : 0;
        FxImage.putShort(m, FxImage.FOP, r.nextInt(4) == 0 ? r.nextInt(1 << 16) : r.nextInt(0x800));
        // Canonical pointers: the host keeps FIP/FDP canonical for its own linear-address width (57 bits
        // on a 5-level-paging CPU), which the emulator cannot know.
        FxImage.putLong(m, FxImage.FIP, pointer(r));
        FxImage.putLong(m, FxImage.FDP, pointer(r));
        int mxcsr = 0x1F80 & (r.nextInt(4) == 0 ? r.nextInt() : -1) | r.nextInt(4) << 13 | r.nextInt(64)
                | (r.nextBoolean() ? 0x40 : 0) | (r.nextInt(4) == 0 ? 0x8000 : 0);
        FxImage.putInt(m, FxImage.MXCSR, mxcsr);
        for (int i = 0; i < 8; i++) {
            long[] v = value(r);
            FxImage.putSt(m, i, v[1], (int) v[0]);
        }
        return m;
    }
}
