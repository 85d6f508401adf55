package dev.jxen.x86.sse;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jxen.machine.ExitReason;
import dev.jxen.x86.Vectors;
import dev.jxen.x86.X86Cpu;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What the host cannot be made to show: CR0.EM/TS and CR4.OSFXSR/OSXMMEXCPT, and the FXSAVE
 * image of the SSE state. State is set from Java; only SSE instructions run.
 */
class SseControlTest {
    private final SseMachine x = new SseMachine();

    @AfterEach
    void close() {
        x.close();
    }

    // addps xmm1, xmm2
    private static final int[] ADDPS = {0x0F, 0x58, 0xCA};
    // paddb mm1, mm2
    private static final int[] PADDB_MMX = {0x0F, 0xFC, 0xCA};
    // divss xmm1, xmm2
    private static final int[] DIVSS = {0xF3, 0x0F, 0x5E, 0xCA};

    @Test
    void taskSwitchedRaisesNoDeviceAndEmulationRaisesInvalidOpcode() {
        x.c.cr0 |= X86Cpu.CR0_TS;
        assertThat(x.load(ADDPS).stepExit()).isEqualTo(ExitReason.EXCEPTION);
        assertThat(x.vector()).isEqualTo(Vectors.NM);
        assertThat(x.load(PADDB_MMX).stepExit()).isEqualTo(ExitReason.EXCEPTION);
        assertThat(x.vector()).isEqualTo(Vectors.NM);
        x.c.cr0 = (x.c.cr0 & ~X86Cpu.CR0_TS) | X86Cpu.CR0_EM;
        assertThat(x.load(ADDPS).stepExit()).isEqualTo(ExitReason.EXCEPTION);
        assertThat(x.vector()).isEqualTo(Vectors.UD);
        assertThat(x.load(PADDB_MMX).stepExit()).isEqualTo(ExitReason.EXCEPTION);
        assertThat(x.vector()).isEqualTo(Vectors.UD);
    }

    @Test
    void withoutOsfxsrSseIsUndefinedButMmxRuns() {
        x.c.cr4 &= ~X86Cpu.CR4_OSFXSR;
        assertThat(x.load(ADDPS).stepExit()).isEqualTo(ExitReason.EXCEPTION);
        assertThat(x.vector()).isEqualTo(Vectors.UD);
        x.c.x87.mmxWrite(1, 0x0102_0304_0506_0708L);
        x.c.x87.mmxWrite(2, 0x0101_0101_0101_01FFL);
        x.exec(PADDB_MMX);
        assertThat(x.c.x87.mmxRead(1)).isEqualTo(0x0203_0405_0607_0807L);
    }

    @Test
    void unmaskedExceptionRaisesXmOrUdAndLeavesTheDestination() {
        x.xmm(1, SseMachine.f2(1.0f, 5.0f), 7);
        x.xmm(2, SseMachine.f2(0.0f, 0.0f), 9);
        x.c.sse.mxcsr = 0x1F80 & ~0x200; // ZE unmasked
        assertThat(x.load(DIVSS).stepExit()).isEqualTo(ExitReason.EXCEPTION);
        assertThat(x.vector()).isEqualTo(Vectors.XM);
        assertThat(x.lo(1)).isEqualTo(SseMachine.f2(1.0f, 5.0f));
        assertThat(x.c.sse.mxcsr & 0x3F).isEqualTo(0x04);
        x.c.cr4 &= ~X86Cpu.CR4_OSXMMEXCPT;
        assertThat(x.load(DIVSS).stepExit()).isEqualTo(ExitReason.EXCEPTION);
        assertThat(x.vector()).isEqualTo(Vectors.UD);
        x.c.sse.mxcsr = 0x1F80;
        x.exec(DIVSS);
        assertThat(x.lo(1)).isEqualTo(SseMachine.f2(Float.POSITIVE_INFINITY, 5.0f));
        assertThat(x.c.sse.mxcsr).isEqualTo(0x1F84);
    }

    @Test
    void misalignedAlignedFormFaultsWithoutChangingTheRegister() {
        x.xmm(1, 11, 22);
        x.c.gpr[0] = SseMachine.DATA + 8;
        assertThat(x.load(0x0F, 0x28, 0x08).stepExit()).isEqualTo(ExitReason.EXCEPTION); // movaps xmm1, [rax]
        assertThat(x.vector()).isEqualTo(Vectors.GP);
        assertThat(x.c.exit().errorCode).isZero();
        assertThat(x.lo(1)).isEqualTo(11);
        x.write64(SseMachine.DATA + 8, 0x1111);
        x.write64(SseMachine.DATA + 16, 0x2222);
        x.exec(0x0F, 0x10, 0x08); // movups xmm1, [rax]
        assertThat(x.lo(1)).isEqualTo(0x1111);
        assertThat(x.hi(1)).isEqualTo(0x2222);
    }

    @Test
    void fxsaveImageHoldsMxcsrItsMaskAndTheRegistersAndRestores() {
        Sse s = x.c.sse;
        s.mxcsr = 0x3FA1;
        for (int i = 0; i < 32; i++) {
            s.xmm[i] = 0x0101_0101_0101_0101L * i + 0x1234;
        }
        byte[] img = new byte[512];
        s.fxsave(img);
        assertThat(img[24] & 0xFF).isEqualTo(0xA1);
        assertThat(img[25] & 0xFF).isEqualTo(0x3F);
        assertThat(img[28] & 0xFF).isEqualTo(0xFF);
        assertThat(img[29] & 0xFF).isEqualTo(0xFF);
        assertThat(img[160] & 0xFF).isEqualTo(0x34); // XMM0 low byte
        assertThat(img[160 + 16 * 15 + 8] & 0xFF).isEqualTo((0x1234 + 31) & 0xFF);
        Sse t = new Sse();
        t.fxrstor(img);
        assertThat(t.mxcsr).isEqualTo(0x3FA1);
        assertThat(t.xmm).containsExactly(s.xmm);
    }

    @Test
    void opcodeOwnership() {
        for (int op : new int[] {0x10, 0x17, 0x28, 0x2F, 0x50, 0x77, 0x7F, 0xC2, 0xC6, 0xD0, 0xFF}) {
            assertThat(Sse.handles0F(op)).as("%x", op).isTrue();
        }
        for (int op : new int[] {0x0F, 0x18, 0x1F, 0x27, 0x30, 0x4F, 0x80, 0xAE, 0xC0, 0xC1, 0xC7, 0xC8, 0xCF}) {
            assertThat(Sse.handles0F(op)).as("%x", op).isFalse();
        }
    }
}
