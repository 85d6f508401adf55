package dev.jxen.x86.difftest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Checks the harness itself, independently of which instructions the emulator implements: state
 * round-trips through the host runner unchanged, faults are reported with the hardware's vector,
 * error code, CR2 and precise register state, and the emulator side reproduces an empty snippet.
 */
class HarnessSelfTest {
    private static DiffHarness harness;

    @BeforeAll
    static void start() {
        harness = new DiffHarness("HarnessSelfTest");
    }

    @AfterAll
    static void stop() {
        harness.close();
    }

    private static List<CpuCase> randomStates(String group, byte[] code, int n) {
        Values v = harness.values(group);
        List<CpuCase> list = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            CpuCase c = new CpuCase(group, code);
            v.fillGprs(c);
            c.gpr[4] = v.nextLong();
            c.rflags = v.flags() | (v.chance(30) ? CpuDiff.DF : 0);
            for (int x = 0; x < 16; x++) {
                c.xmm(x, v.nextLong(), v.nextLong());
            }
            c.mxcsr(0x1F80 | (v.nextInt(4) << 13) | (v.chance(50) ? 0x40 : 0) | v.nextInt(64));
            if (v.chance(50)) {
                c.page(v.nextInt(Layout.DATA_PAGES), v.page());
            }
            list.add(c);
        }
        return list;
    }

    @Test
    void anEmptySnippetReturnsEveryRegisterFlagAndVectorRegisterUnchanged() {
        List<CpuCase> cases = randomStates("empty", new byte[0], 2000);
        List<CpuResult> results = harness.host().runAll(cases);
        for (int i = 0; i < cases.size(); i++) {
            CpuCase c = cases.get(i);
            CpuResult r = results.get(i);
            assertThat(r.vector).isEqualTo(CpuResult.COMPLETED);
            assertThat(r.rip).isEqualTo(Layout.CODE_BASE);
            assertThat(r.gpr).containsExactly(c.gpr);
            assertThat(r.rflags & CpuDiff.COMPARED_FLAGS).isEqualTo(c.rflags & CpuDiff.COMPARED_FLAGS);
            assertThat(FxImage.mxcsr(r.fx)).isEqualTo(FxImage.mxcsr(c.fx));
            for (int x = 0; x < 16; x++) {
                assertThat(FxImage.xmmLo(r.fx, x)).isEqualTo(FxImage.xmmLo(c.fx, x));
                assertThat(FxImage.xmmHi(r.fx, x)).isEqualTo(FxImage.xmmHi(c.fx, x));
            }
            for (int p = 0; p < Layout.DATA_PAGES; p++) {
                assertThat(r.pages[p]).isEqualTo(c.pages[p] != null ? c.pages[p] : new byte[Layout.PAGE]);
            }
        }
    }

    @Test
    void theEmulatorSideAgreesOnAnEmptySnippet() {
        harness.check("empty snippet on both sides", randomStates("empty both", new byte[0], 500));
    }

    @Test
    void hostReportsAPreciseNotPresentPageFaultOnTheGuardPage() {
        CpuCase c = new CpuCase("guard read", Asm.assemble("mov rcx, 7; mov rax, [rbx + 8]")).reg(3, Layout.GUARD_PAGE - 8);
        CpuResult r = harness.host().run(c);
        assertThat(r.vector).isEqualTo(14);
        assertThat(r.errorCode).isEqualTo(4); // user, read, not present
        assertThat(r.cr2).isEqualTo(Layout.GUARD_PAGE);
        assertThat(r.rip).isEqualTo(Layout.CODE_BASE + 7); // at the load, after the 7-byte mov
        assertThat(r.gpr[1]).isEqualTo(7);
        assertThat(r.gpr[0]).isZero();
    }

    @Test
    void hostReportsAProtectionFaultWritingTheReadOnlyPage() {
        CpuCase c = new CpuCase("ro write", Asm.assemble("mov al, [rbx]; mov [rbx], al")).reg(3, Layout.RO_PAGE + 5);
        CpuResult r = harness.host().run(c);
        assertThat(r.vector).isEqualTo(14);
        assertThat(r.errorCode).isEqualTo(7); // user, write, present
        assertThat(r.cr2).isEqualTo(Layout.RO_PAGE + 5);
        assertThat(r.gpr[0] & 0xFF).isEqualTo(Layout.roByte(5) & 0xFF);
    }

    @Test
    void hostReportsDivideErrorUndefinedOpcodeAndBreakpoint() {
        CpuResult de = harness.host().run(new CpuCase("div0", Asm.assemble("div rcx")).reg(1, 0));
        assertThat(de.vector).isEqualTo(0);
        assertThat(de.rip).isEqualTo(Layout.CODE_BASE);
        CpuResult ud = harness.host().run(new CpuCase("ud2", Asm.assemble("nop; ud2")));
        assertThat(ud.vector).isEqualTo(6);
        assertThat(ud.rip).isEqualTo(Layout.CODE_BASE + 1);
        CpuResult bp = harness.host().run(new CpuCase("int3", Asm.assemble("int3")));
        assertThat(bp.vector).isEqualTo(3);
        assertThat(bp.rip).isEqualTo(Layout.CODE_BASE + 1); // a trap: after the instruction
    }

    @Test
    void anEndlessLoopTimesOutOnTheHostAndRunsOutOfBudgetOnTheEmulator() {
        CpuCase c = new CpuCase("loop", Asm.assemble("1: jmp 1b")).budget(1000);
        c.timeoutMs = 200;
        assertThat(harness.host().run(c).vector).isEqualTo(CpuResult.TIMEOUT);
        CpuResult e = harness.emu().run(c);
        assertThat(e.vector).isIn(CpuResult.TIMEOUT, 6); // 6 until JMP is implemented
    }

    @Test
    void hostComputesAdditionsAsJavaDoes() {
        Values v = harness.values("add check");
        List<CpuCase> cases = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            cases.add(new CpuCase("add", Asm.assemble("add rax, rbx")).reg(0, v.value(64)).reg(3, v.value(64)));
        }
        List<CpuResult> rs = harness.host().runAll(cases);
        for (int i = 0; i < cases.size(); i++) {
            long a = cases.get(i).gpr[0];
            long b = cases.get(i).gpr[3];
            assertThat(rs.get(i).gpr[0]).isEqualTo(a + b);
            assertThat((rs.get(i).rflags & CpuDiff.CF) != 0).isEqualTo(Long.compareUnsigned(a + b, a) < 0);
            assertThat((rs.get(i).rflags & CpuDiff.ZF) != 0).isEqualTo(a + b == 0);
        }
    }
}
