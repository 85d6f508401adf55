package dev.jxen.x86.sse;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import java.util.function.LongBinaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Integer SSE instructions (op xmm1, xmm2) against element-by-element reference definitions
 * written here from the manual's pseudo-code, on random and edge operands.
 */
class SseIntegerTest {
    private final SseMachine x = new SseMachine();
    private final SplittableRandom rnd = new SplittableRandom(42);

    @AfterEach
    void close() {
        x.close();
    }

    private long operand() {
        return switch (rnd.nextInt(4)) {
            case 0 -> 0x8080_7F7F_FFFF_0000L ^ (rnd.nextBoolean() ? 0 : -1L);
            case 1 -> rnd.nextLong() & 0x8000_8000_8000_8000L;
            default -> rnd.nextLong();
        };
    }

    /** Checks a lane-wise op with elements of {@code bits}, given unsigned element values. */
    private void lanes(int bits, LongBinaryOperator ref, int... code) {
        x.load(code);
        for (int n = 0; n < 300; n++) {
            long a0 = operand(), a1 = operand(), b0 = operand(), b1 = operand();
            x.xmm(1, a0, a1);
            x.xmm(2, b0, b1);
            x.step();
            assertThat(x.lo(1)).as("lo %x %x", a0, b0).isEqualTo(apply(bits, ref, a0, b0));
            assertThat(x.hi(1)).as("hi %x %x", a1, b1).isEqualTo(apply(bits, ref, a1, b1));
            assertThat(x.lo(2)).isEqualTo(b0);
        }
    }

    private static long apply(int bits, LongBinaryOperator ref, long a, long b) {
        long mask = bits == 64 ? -1L : (1L << bits) - 1;
        long r = 0;
        for (int i = 0; i < 64; i += bits) {
            r |= (ref.applyAsLong((a >>> i) & mask, (b >>> i) & mask) & mask) << i;
        }
        return r;
    }

    private static long s8(long v) {
        return (byte) v;
    }

    private static long s16(long v) {
        return (short) v;
    }

    private static long s32(long v) {
        return (int) v;
    }

    private static long sat(long v, long lo, long hi) {
        return Math.max(lo, Math.min(hi, v));
    }

    private static int[] op0F(int op) {
        return new int[] {0x66, 0x0F, op, 0xCA};
    }

    private static int[] op38(int op) {
        return new int[] {0x66, 0x0F, 0x38, op, 0xCA};
    }

    @Test
    void addSubtractWithAndWithoutSaturation() {
        lanes(8, (a, b) -> a + b, op0F(0xFC));
        lanes(16, (a, b) -> a + b, op0F(0xFD));
        lanes(32, (a, b) -> a + b, op0F(0xFE));
        lanes(64, (a, b) -> a + b, op0F(0xD4));
        lanes(8, (a, b) -> a - b, op0F(0xF8));
        lanes(16, (a, b) -> a - b, op0F(0xF9));
        lanes(32, (a, b) -> a - b, op0F(0xFA));
        lanes(64, (a, b) -> a - b, op0F(0xFB));
        lanes(8, (a, b) -> sat(s8(a) + s8(b), -128, 127), op0F(0xEC));
        lanes(16, (a, b) -> sat(s16(a) + s16(b), -32768, 32767), op0F(0xED));
        lanes(8, (a, b) -> sat(s8(a) - s8(b), -128, 127), op0F(0xE8));
        lanes(16, (a, b) -> sat(s16(a) - s16(b), -32768, 32767), op0F(0xE9));
        lanes(8, (a, b) -> Math.min(a + b, 255), op0F(0xDC));
        lanes(16, (a, b) -> Math.min(a + b, 65535), op0F(0xDD));
        lanes(8, (a, b) -> Math.max(a - b, 0), op0F(0xD8));
        lanes(16, (a, b) -> Math.max(a - b, 0), op0F(0xD9));
    }

    @Test
    void multipliesAveragesMinMaxCompares() {
        lanes(16, (a, b) -> a * b, op0F(0xD5));
        lanes(16, (a, b) -> (s16(a) * s16(b)) >> 16, op0F(0xE5));
        lanes(16, (a, b) -> (a * b) >> 16, op0F(0xE4));
        lanes(64, (a, b) -> (a & 0xFFFF_FFFFL) * (b & 0xFFFF_FFFFL), op0F(0xF4));
        lanes(64, (a, b) -> s32(a) * s32(b), op38(0x28));
        lanes(32, (a, b) -> s32(a) * s32(b), op38(0x40));
        lanes(32, (a, b) -> s16(a) * s16(b) + s16(a >>> 16) * s16(b >>> 16), op0F(0xF5));
        lanes(16, (a, b) -> sat((a & 0xFF) * s8(b) + (a >>> 8) * s8(b >>> 8), -32768, 32767), op38(0x04));
        lanes(16, (a, b) -> ((s16(a) * s16(b) >> 14) + 1) >> 1, op38(0x0B));
        lanes(64, (a, b) -> {
            long sum = 0;
            for (int i = 0; i < 64; i += 8) {
                sum += Math.abs(((a >>> i) & 0xFF) - ((b >>> i) & 0xFF));
            }
            return sum;
        }, op0F(0xF6));
        lanes(8, (a, b) -> (a + b + 1) >> 1, op0F(0xE0));
        lanes(16, (a, b) -> (a + b + 1) >> 1, op0F(0xE3));
        lanes(8, Math::min, op0F(0xDA));
        lanes(8, Math::max, op0F(0xDE));
        lanes(16, (a, b) -> Math.min(s16(a), s16(b)), op0F(0xEA));
        lanes(16, (a, b) -> Math.max(s16(a), s16(b)), op0F(0xEE));
        lanes(8, (a, b) -> Math.min(s8(a), s8(b)), op38(0x38));
        lanes(8, (a, b) -> Math.max(s8(a), s8(b)), op38(0x3C));
        lanes(32, (a, b) -> Math.min(s32(a), s32(b)), op38(0x39));
        lanes(32, (a, b) -> Math.max(s32(a), s32(b)), op38(0x3D));
        lanes(16, Math::min, op38(0x3A));
        lanes(16, Math::max, op38(0x3E));
        lanes(32, Math::min, op38(0x3B));
        lanes(32, Math::max, op38(0x3F));
        lanes(8, (a, b) -> a == b ? -1 : 0, op0F(0x74));
        lanes(16, (a, b) -> a == b ? -1 : 0, op0F(0x75));
        lanes(32, (a, b) -> a == b ? -1 : 0, op0F(0x76));
        lanes(64, (a, b) -> a == b ? -1 : 0, op38(0x29));
        lanes(8, (a, b) -> s8(a) > s8(b) ? -1 : 0, op0F(0x64));
        lanes(16, (a, b) -> s16(a) > s16(b) ? -1 : 0, op0F(0x65));
        lanes(32, (a, b) -> s32(a) > s32(b) ? -1 : 0, op0F(0x66));
        lanes(64, (a, b) -> a > b ? -1 : 0, op38(0x37));
    }

    @Test
    void logicSignAndAbsolute() {
        lanes(64, (a, b) -> a & b, op0F(0xDB));
        lanes(64, (a, b) -> ~a & b, op0F(0xDF));
        lanes(64, (a, b) -> a | b, op0F(0xEB));
        lanes(64, (a, b) -> a ^ b, op0F(0xEF));
        lanes(8, (a, b) -> s8(b) < 0 ? -a : b == 0 ? 0 : a, op38(0x08));
        lanes(16, (a, b) -> s16(b) < 0 ? -a : b == 0 ? 0 : a, op38(0x09));
        lanes(32, (a, b) -> s32(b) < 0 ? -a : b == 0 ? 0 : a, op38(0x0A));
        lanes(8, (a, b) -> Math.abs(s8(b)), op38(0x1C));
        lanes(16, (a, b) -> Math.abs(s16(b)), op38(0x1D));
        lanes(32, (a, b) -> Math.abs(s32(b)), op38(0x1E));
    }

    @Test
    void shiftsByRegisterCount() {
        for (long count : new long[] {0, 1, 7, 15, 16, 31, 32, 63, 64, 1L << 40}) {
            x.xmm(2, count, 0x1234);
            x.xmm(1, 0x8001_7FFF_0F0F_F0F0L, 0xFFFF_0000_8000_0001L);
            x.exec(0x66, 0x0F, 0xE1, 0xCA); // psraw xmm1, xmm2
            assertThat(x.lo(1)).isEqualTo(apply(16, (a, b) -> s16(a) >> Math.min(count, 15), 0x8001_7FFF_0F0F_F0F0L, 0));
            x.xmm(1, 0x8001_7FFF_0F0F_F0F0L, 0xFFFF_0000_8000_0001L);
            x.exec(0x66, 0x0F, 0xD2, 0xCA); // psrld xmm1, xmm2
            assertThat(x.hi(1)).isEqualTo(count > 31 ? 0 : apply(32, (a, b) -> a >>> count, 0xFFFF_0000_8000_0001L, 0));
            x.xmm(1, 0x8001_7FFF_0F0F_F0F0L, 0xFFFF_0000_8000_0001L);
            x.exec(0x66, 0x0F, 0xF3, 0xCA); // psllq xmm1, xmm2
            assertThat(x.lo(1)).isEqualTo(count > 63 ? 0 : 0x8001_7FFF_0F0F_F0F0L << count);
        }
    }

    @Test
    void shiftsByImmediateAndByteShifts() {
        x.xmm(1, 0x8001_7FFF_0F0F_F0F0L, 0xFFFF_0000_8000_0001L);
        x.exec(0x66, 0x0F, 0x71, 0xD1, 0x03); // psrlw xmm1, 3
        assertThat(x.lo(1)).isEqualTo(apply(16, (a, b) -> a >>> 3, 0x8001_7FFF_0F0F_F0F0L, 0));
        x.xmm(1, 0x0102_0304_0506_0708L, 0x090A_0B0C_0D0E_0F10L);
        x.exec(0x66, 0x0F, 0x73, 0xF9, 0x05); // pslldq xmm1, 5
        assertThat(x.lo(1)).isEqualTo(0x0607_0800_0000_0000L);
        assertThat(x.hi(1)).isEqualTo(0x0E0F_1001_0203_0405L);
        x.exec(0x66, 0x0F, 0x73, 0xD9, 0x09); // psrldq xmm1, 9: bytes 9..15 of the shifted value
        assertThat(x.lo(1)).isEqualTo(0x000E_0F10_0102_0304L);
        assertThat(x.hi(1)).isZero();
    }
}
