package dev.jxen.x86.sse;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jxen.machine.ExitReason;
import dev.jxen.x86.X86Cpu;
import dev.jxen.x86.testkit.FlatMachine;

/** A flat machine at CPL 0 that runs single SSE instructions placed at fresh addresses. */
final class SseMachine implements AutoCloseable {
    static final long DATA = 0x10_0000;
    final FlatMachine m = new FlatMachine(4 << 20, 0);
    final X86Cpu c = m.cpu();
    private long next = 0x1000;
    private long loadedAt;

    /**
     * Loads {@code code} so that it ends at a page boundary of a fresh page: the decoded block then
     * holds just this instruction, and the block cache never sees stale bytes.
     */
    SseMachine load(int... code) {
        byte[] b = new byte[code.length];
        for (int i = 0; i < code.length; i++) {
            b[i] = (byte) code[i];
        }
        loadedAt = next + 4096 - b.length;
        m.load(loadedAt, b);
        next += 4096;
        return this;
    }

    /** Runs the last loaded instruction once and expects it to complete. */
    void step() {
        ExitReason r = stepExit();
        assertThat(r).as("exit vector %d %s cr0 %x cr4 %x code64 %s op %x attr %x", c.exit().vector, c.exit().message, c.cr0, c.cr4, c.code64, c.op, c.attr).isEqualTo(ExitReason.BUDGET);
    }

    ExitReason stepExit() {
        c.rip = loadedAt;
        return m.run(1);
    }

    /** Loads and runs one instruction. */
    void exec(int... code) {
        load(code).step();
    }

    int vector() {
        return c.exit().vector;
    }

    void xmm(int i, long lo, long hi) {
        c.sse.xmm[2 * i] = lo;
        c.sse.xmm[2 * i + 1] = hi;
    }

    long lo(int i) {
        return c.sse.xmm[2 * i];
    }

    long hi(int i) {
        return c.sse.xmm[2 * i + 1];
    }

    void write64(long a, long v) {
        m.memory().write64(a, v);
    }

    long read64(long a) {
        return m.memory().read64(a);
    }

    static long d(double v) {
        return Double.doubleToRawLongBits(v);
    }

    static long f2(float lo, float hi) {
        return (Float.floatToRawIntBits(lo) & 0xFFFF_FFFFL) | (long) Float.floatToRawIntBits(hi) << 32;
    }

    @Override
    public void close() {
        m.close();
    }
}
