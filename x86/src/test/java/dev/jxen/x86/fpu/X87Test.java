package dev.jxen.x86.fpu;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jxen.machine.ExitReason;
import dev.jxen.x86.Vectors;
import dev.jxen.x86.X86Cpu;
import dev.jxen.x86.testkit.FlatMachine;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** x87 behaviour beyond single results: exceptions, precise faults, the FXSAVE image. */
class X87Test {
    static final long CODE = 0x10000, DATA = 0x20000;
    FlatMachine m;
    X86Cpu cpu;

    @BeforeEach
    void setUp() {
        m = new FlatMachine(1 << 20, 0);
        cpu = m.cpu();
        cpu.gpr[X86Cpu.RBX] = DATA;
    }

    @AfterEach
    void tearDown() {
        m.close();
    }

    private ExitReason run(int n, int... code) {
        byte[] b = new byte[code.length + 4];
        for (int i = 0; i < code.length; i++) {
            b[i] = (byte) code[i];
        }
        for (int i = 0; i < 4; i++) {
            b[code.length + i] = (byte) 0xFF;
        }
        m.load(CODE, b);
        cpu.rip = CODE;
        return m.run(n);
    }

    private double st0() {
        X87 f = cpu.x87;
        // ST0 through the soft-float's double conversion (exact for the values used here).
        return Double.longBitsToDouble(f.fp.toDouble(f.stSe(0), f.stSig(0)));
    }

    @Test
    void loadsAddsAndStoresDoubles() {
        m.memory().write64(DATA, Double.doubleToRawLongBits(1.25));
        m.memory().write64(DATA + 8, Double.doubleToRawLongBits(-3.5));
        // fld qword [rbx]; fadd qword [rbx+8]; fstp qword [rbx+16]
        run(3, 0xDD, 0x03, 0xDC, 0x43, 0x08, 0xDD, 0x5B, 0x10);
        assertThat(Double.longBitsToDouble(m.memory().read64(DATA + 16))).isEqualTo(1.25 + -3.5);
        assertThat(cpu.x87.stEmpty(0)).isTrue();
    }

    @Test
    void taskSwitchedRaisesNm() {
        cpu.cr0 |= X86Cpu.CR0_TS;
        assertThat(run(1, 0xD9, 0xE8)).isEqualTo(ExitReason.EXCEPTION); // fld1
        assertThat(cpu.exit().vector).isEqualTo(Vectors.NM);
        assertThat(cpu.x87.stEmpty(0)).isTrue();
    }

    @Test
    void unmaskedExceptionIsReportedByTheNextWaitingInstruction() {
        m.memory().write16(DATA, (short) 0x037B); // all masked except ZE
        // fldcw [rbx]; fld1; fldz; fdivp st1 (1/0: ZE pending); fld1 -> #MF
        ExitReason r = run(6, 0xD9, 0x2B, 0xD9, 0xE8, 0xD9, 0xEE, 0xDE, 0xF9, 0xD9, 0xE8);
        assertThat(r).isEqualTo(ExitReason.EXCEPTION);
        assertThat(cpu.exit().vector).isEqualTo(Vectors.MF);
        assertThat(cpu.rip).isEqualTo(CODE + 8); // the fld1 after the division
        assertThat(cpu.x87.fsw() & 0x84).isEqualTo(0x84); // ES and ZE
    }

    @Test
    void fwaitReportsPendingExceptionAndFnclexClearsIt() {
        m.memory().write16(DATA, (short) 0x037B);
        ExitReason r = run(5, 0xD9, 0x2B, 0xD9, 0xE8, 0xD9, 0xEE, 0xDE, 0xF9, 0x9B);
        assertThat(r).isEqualTo(ExitReason.EXCEPTION);
        assertThat(cpu.exit().vector).isEqualTo(Vectors.MF);
        // fnclex; fwait
        r = run(2, 0xDB, 0xE2, 0x9B);
        assertThat(cpu.x87.fsw() & 0xFF).isZero();
        assertThat(cpu.rip).isEqualTo(CODE + 3);
    }

    @Test
    void fstpToReadOnlyPageFaultsWithoutPopping() {
        long ro = 0x30000;
        long pte = m.pteAddress(ro);
        m.memory().write64(pte, m.memory().read64(pte) & ~2L);
        cpu.flushTlb(true);
        cpu.gpr[X86Cpu.RBX] = ro;
        // fld1; fstp tword [rbx]
        ExitReason r = run(2, 0xD9, 0xE8, 0xDB, 0x3B);
        assertThat(r).isEqualTo(ExitReason.EXCEPTION);
        assertThat(cpu.exit().vector).isEqualTo(Vectors.PF);
        assertThat(cpu.x87.stEmpty(0)).isFalse();
        assertThat(st0()).isEqualTo(1.0);
        assertThat(cpu.x87.fsw() >>> 11 & 7).isEqualTo(7);
    }

    @Test
    void mmxAliasesTheSignificands() {
        X87 f = cpu.x87;
        f.mmxWrite(3, 0x1122334455667788L);
        assertThat(f.mmxRead(3)).isEqualTo(0x1122334455667788L);
        assertThat(f.stSe(3)).isEqualTo(0xFFFF); // TOP = 0, so ST3 is physical 3
        f.emms();
        assertThat(f.stEmpty(3)).isTrue();
    }
}
