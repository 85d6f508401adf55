package dev.jxen.x86;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jxen.machine.ExitReason;
import dev.jxen.machine.PrivilegedOp;
import dev.jxen.x86.testkit.FlatMachine;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The one-byte opcode map on the flat test machine, in 64-bit mode at CPL 0 unless a test says
 * otherwise. Code goes at {@link #CODE}; each snippet ends in HLT, which exits HALT at CPL 0.
 * Expected values are worked out from the manuals' definitions.
 */
class IntegerOpsTest {
    static final long CODE = 0x1000;
    static final long DATA = 0x10000;
    static final long STACK = 0x80000;
    static final int RAX = 0, RCX = 1, RDX = 2, RBX = 3, RSP = 4, RBP = 5, RSI = 6, RDI = 7, R8 = 8;
    static final long CF = Flags.CF, PF = Flags.PF, AF = Flags.AF, ZF = Flags.ZF, SF = Flags.SF, OF = Flags.OF;

    FlatMachine m;
    X86Cpu c;

    @BeforeEach
    void setUp() {
        newMachine(0);
    }

    void newMachine(int cpl) {
        if (m != null) {
            m.close();
        }
        m = new FlatMachine(4 << 20, cpl);
        c = m.cpu();
        c.gpr[RSP] = STACK;
    }

    @AfterEach
    void tearDown() {
        m.close();
    }

    static byte[] bytes(int... v) {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = (byte) v[i];
        }
        return b;
    }

    /** Runs {@code code} at CODE until an exit; returns it. */
    ExitReason run(int... code) {
        m.load(CODE, bytes(code));
        c.rip = CODE;
        return m.run(1000);
    }

    /** Runs {@code code} (which must end in HLT) and expects to reach the HLT. */
    void runToHlt(int... code) {
        assertThat(run(code)).as(c.exit().toString()).isEqualTo(ExitReason.HALT);
    }

    long arith() {
        return c.getRflags() & Flags.ARITH;
    }

    // ---------------------------------------------------------------- ALU and flags

    @Test
    void adcWithCarryInWrapsAndSetsCarryAndAuxiliary() {
        runToHlt(0xf9, // stc
                0xb0, 0xff, // mov al,0xff
                0x14, 0x00, // adc al,0x0
                0xf4);
        assertThat(c.gpr[RAX] & 0xFF).isZero();
        assertThat(arith()).isEqualTo(CF | ZF | AF | PF);
    }

    @Test
    void adcIntoSignBitSetsOverflow() {
        runToHlt(0x48, 0xb8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, // movabs rax,0x7fffffffffffffff
                0xf9, // stc
                0x48, 0x83, 0xd0, 0x00, // adc rax,0x0
                0xf4);
        assertThat(c.gpr[RAX]).isEqualTo(Long.MIN_VALUE);
        assertThat(arith()).isEqualTo(OF | SF | AF | PF);
    }

    @Test
    void sbbWithBorrowInFromZero() {
        runToHlt(0xf9, // stc
                0xb0, 0x00, // mov al,0x0
                0x1c, 0x00, // sbb al,0x0
                0xf4);
        assertThat(c.gpr[RAX] & 0xFF).isEqualTo(0xFF);
        assertThat(arith()).isEqualTo(CF | SF | AF | PF);
    }

    @Test
    void sbbEqualOperandsWithBorrowSetsCarry() {
        c.gpr[RAX] = 5;
        c.gpr[RBX] = 5;
        runToHlt(0xf9, // stc
                0x48, 0x19, 0xd8, // sbb rax,rbx
                0xf4);
        assertThat(c.gpr[RAX]).isEqualTo(-1L);
        assertThat(arith() & (CF | ZF | SF | OF)).isEqualTo(CF | SF);
    }

    @Test
    void cmpThenJccTakesSignedAndUnsignedBranches() {
        c.gpr[RAX] = -1;
        c.gpr[RBX] = 1;
        // cmp rax,rbx ; jl +2 ; mov cl,1 ; ja +2 ; mov dl,1 ; hlt
        runToHlt(0x48, 0x39, 0xd8, 0x7c, 0x02, 0xb1, 0x01, 0x77, 0x02, 0xb2, 0x01, 0xf4);
        assertThat(c.gpr[RCX] & 0xFF).isZero(); // jl taken: -1 < 1
        assertThat(c.gpr[RDX] & 0xFF).isZero(); // ja taken: 0xffff... > 1 unsigned
    }

    @Test
    void incAndDecKeepCarry() {
        c.gpr[RAX] = 0x7F;
        runToHlt(0xf9, // stc
                0xfe, 0xc0, // inc al
                0xf4);
        assertThat(c.gpr[RAX]).isEqualTo(0x80);
        assertThat(arith()).isEqualTo(CF | OF | SF | AF);
    }

    @Test
    void negOfZeroClearsCarryAndOfMinimumOverflows() {
        c.gpr[RAX] = 0;
        c.gpr[RBX] = 0x80;
        runToHlt(0xf7, 0xd8, // neg eax
                0xf4);
        assertThat(arith() & (CF | ZF)).isEqualTo(ZF);
        runToHlt(0xf6, 0xdb, // neg bl
                0xf4);
        assertThat(c.gpr[RBX]).isEqualTo(0x80);
        assertThat(arith() & (CF | OF | SF)).isEqualTo(CF | OF | SF);
    }

    @Test
    void thirtyTwoBitWritesZeroExtendAndNarrowerWritesMerge() {
        runToHlt(0x48, 0xc7, 0xc0, 0xff, 0xff, 0xff, 0xff, // mov rax,-1
                0x83, 0xc0, 0x01, // add eax,0x1
                0x48, 0xc7, 0xc3, 0xff, 0xff, 0xff, 0xff, // mov rbx,-1
                0x66, 0xbb, 0x00, 0x00, // mov bx,0x0
                0x48, 0xc7, 0xc1, 0xff, 0xff, 0xff, 0xff, // mov rcx,-1
                0xb1, 0x07, // mov cl,0x7
                0xf4);
        assertThat(c.gpr[RAX]).isZero();
        assertThat(c.gpr[RBX]).isEqualTo(0xFFFF_FFFF_FFFF_0000L);
        assertThat(c.gpr[RCX]).isEqualTo(0xFFFF_FFFF_FFFF_FF07L);
    }

    @Test
    void highByteRegistersOnlyWithoutRex() {
        c.gpr[RSP] = 0x7000;
        runToHlt(0xb4, 0x12, // mov ah,0x12
                0x88, 0xe7, // mov bh,ah
                0x40, 0xb4, 0x34, // mov spl,0x34 (REX: register 4 is SPL, not AH)
                0x40, 0x88, 0xe6, // mov sil,spl
                0xf4);
        assertThat(c.gpr[RAX]).isEqualTo(0x1200);
        assertThat(c.gpr[RBX]).isEqualTo(0x1200);
        assertThat(c.gpr[RSP]).isEqualTo(0x7034);
        assertThat(c.gpr[RSI]).isEqualTo(0x34);
    }

    @Test
    void lockIsUndefinedOnRegisterDestinationAndAllowedOnMemory() {
        c.gpr[RBX] = DATA;
        c.gpr[RAX] = 3;
        assertThat(run(0xf0, 0x01, 0xc3)).isEqualTo(ExitReason.EXCEPTION); // lock add ebx,eax
        assertThat(c.exit().vector).isEqualTo(Vectors.UD);
        assertThat(c.rip).isEqualTo(CODE);
        m.memory().write32(DATA, 4);
        runToHlt(0xf0, 0x01, 0x03, // lock add [rbx],eax
                0xf4);
        assertThat(m.memory().read32(DATA)).isEqualTo(7);
        assertThat(run(0xf0, 0x39, 0x03)).isEqualTo(ExitReason.EXCEPTION); // lock cmp [rbx],eax
        assertThat(c.exit().vector).isEqualTo(Vectors.UD);
    }

    // ---------------------------------------------------------------- shifts and rotates

    @Test
    void shiftByZeroChangesNoFlags() {
        c.gpr[RAX] = 0x8000_0000_1234_5678L;
        c.gpr[RCX] = 0x40; // masked to 0 for a 32-bit shift
        runToHlt(0xf9, // stc
                0x83, 0xfa, 0x05, // cmp edx,5 (0 - 5 = 0xfffffffb: CF SF AF set, odd parity)
                0xd3, 0xe0, // shl eax,cl
                0xf4);
        assertThat(arith()).isEqualTo(CF | SF | AF);
        assertThat(c.gpr[RAX]).isEqualTo(0x1234_5678L); // the 32-bit destination is still written
    }

    @Test
    void shiftByOneSetsOverflowFromTheTopBits() {
        c.gpr[RAX] = 0x4000_0000L;
        runToHlt(0xd1, 0xe0, // shl eax,1
                0xf4);
        assertThat(c.gpr[RAX]).isEqualTo(0x8000_0000L);
        assertThat(arith() & (CF | OF | SF | ZF)).isEqualTo(OF | SF);
        c.gpr[RBX] = 0x81;
        runToHlt(0xd0, 0xeb, // shr bl,1
                0xf4);
        assertThat(c.gpr[RBX]).isEqualTo(0x40);
        assertThat(arith() & (CF | OF | SF | ZF)).isEqualTo(CF | OF);
    }

    @Test
    void shiftByManyGivesLastBitOut() {
        c.gpr[RAX] = 0xF0;
        runToHlt(0xc1, 0xe8, 0x05, // shr eax,5
                0xf4);
        assertThat(c.gpr[RAX]).isEqualTo(7);
        assertThat(arith() & CF).isEqualTo(CF); // bit 4 was the last out
        c.gpr[RBX] = 0x80;
        runToHlt(0xc0, 0xfb, 0x07, // sar bl,7
                0xf4);
        assertThat(c.gpr[RBX]).isEqualTo(0xFF);
        assertThat(arith() & (CF | SF)).isEqualTo(SF);
        c.gpr[RAX] = 1;
        runToHlt(0x48, 0xc1, 0xe0, 0x3f, // shl rax,63
                0xf4);
        assertThat(c.gpr[RAX]).isEqualTo(Long.MIN_VALUE);
        assertThat(arith() & (CF | SF | ZF)).isEqualTo(SF);
    }

    @Test
    void rotatesMoveOnlyCarryAndOverflow() {
        c.gpr[RAX] = 0x8000_0001L;
        runToHlt(0x83, 0xfa, 0x05, // cmp edx,5 (CF SF AF)
                0xc1, 0xc0, 0x04, // rol eax,4
                0xf4);
        assertThat(c.gpr[RAX]).isEqualTo(0x18L);
        assertThat(arith()).isEqualTo(SF | AF); // CF = LSB(result) = 0, OF = MSB ^ CF = 0
        c.gpr[RAX] = 1;
        runToHlt(0x66, 0xd1, 0xc8, // ror ax,1
                0xf4);
        assertThat(c.gpr[RAX]).isEqualTo(0x8000);
        assertThat(arith() & (CF | OF)).isEqualTo(CF | OF);
    }

    @Test
    void rotateThroughCarry() {
        c.gpr[RAX] = 0x8000_0000L;
        runToHlt(0xf9, // stc
                0xd1, 0xd0, // rcl eax,1
                0xf4);
        assertThat(c.gpr[RAX]).isEqualTo(1);
        assertThat(arith() & (CF | OF)).isEqualTo(CF | OF);
        c.gpr[RBX] = 0x01;
        runToHlt(0xf9, // stc
                0xc0, 0xdb, 0x03, // rcr bl,3: 9-bit rotate of CF:BL = 1_00000001 right by 3
                0xf4);
        assertThat(c.gpr[RBX]).isEqualTo(0x60); // 0x101 rotated right by 3 in 9 bits: 0x060
        assertThat(arith() & CF).isZero();
        c.gpr[RBX] = 0x5A;
        runToHlt(0xf8, // clc
                0xc0, 0xd3, 0x09, // rcl bl,9: a full 9-bit turn
                0xf4);
        assertThat(c.gpr[RBX]).isEqualTo(0x5A);
        assertThat(arith() & CF).isZero();
    }

    // ---------------------------------------------------------------- multiply and divide

    @Test
    void mulAndImulReportOverflowInCarry() {
        c.gpr[RAX] = -1;
        c.gpr[RCX] = 2;
        runToHlt(0x48, 0xf7, 0xe1, // mul rcx
                0xf4);
        assertThat(c.gpr[RAX]).isEqualTo(-2L);
        assertThat(c.gpr[RDX]).isEqualTo(1);
        assertThat(arith() & (CF | OF)).isEqualTo(CF | OF);
        c.gpr[RAX] = -1;
        c.gpr[RCX] = 2;
        runToHlt(0x48, 0xf7, 0xe9, // imul rcx
                0xf4);
        assertThat(c.gpr[RAX]).isEqualTo(-2L);
        assertThat(c.gpr[RDX]).isEqualTo(-1L);
        assertThat(arith() & (CF | OF)).isZero();
        c.gpr[RBX] = 0x10000;
        runToHlt(0x69, 0xc3, 0x00, 0x00, 0x01, 0x00, // imul eax,ebx,0x10000
                0xf4);
        assertThat(c.gpr[RAX]).isZero();
        assertThat(arith() & (CF | OF)).isEqualTo(CF | OF);
    }

    @Test
    void divideByZeroRaisesDeWithNothingChanged() {
        c.gpr[RAX] = 10;
        c.gpr[RDX] = 0;
        c.gpr[RCX] = 0;
        assertThat(run(0xf7, 0xf1)).isEqualTo(ExitReason.EXCEPTION); // div ecx
        assertThat(c.exit().vector).isEqualTo(Vectors.DE);
        assertThat(c.rip).isEqualTo(CODE);
        assertThat(c.gpr[RAX]).isEqualTo(10);
    }

    @Test
    void quotientOverflowRaisesDe() {
        c.gpr[RAX] = 0;
        c.gpr[RDX] = 5;
        c.gpr[RCX] = 5;
        assertThat(run(0x48, 0xf7, 0xf1)).isEqualTo(ExitReason.EXCEPTION); // div rcx: 5:0 / 5 = 2^64
        assertThat(c.exit().vector).isEqualTo(Vectors.DE);
        assertThat(c.gpr[RDX]).isEqualTo(5);
        c.gpr[RAX] = Long.MIN_VALUE;
        c.gpr[RDX] = -1;
        c.gpr[RCX] = -1;
        assertThat(run(0x48, 0xf7, 0xf9)).isEqualTo(ExitReason.EXCEPTION); // idiv rcx: -2^63 / -1
        assertThat(c.exit().vector).isEqualTo(Vectors.DE);
        assertThat(c.gpr[RAX]).isEqualTo(Long.MIN_VALUE);
    }

    @Test
    void wideDivisionsGiveQuotientAndRemainder() {
        c.gpr[RDX] = 3;
        c.gpr[RAX] = 7;
        c.gpr[RCX] = 10;
        runToHlt(0x48, 0xf7, 0xf1, // div rcx: (3 * 2^64 + 7) / 10
                0xf4);
        java.math.BigInteger n = java.math.BigInteger.valueOf(3).shiftLeft(64).add(java.math.BigInteger.valueOf(7));
        java.math.BigInteger[] qr = n.divideAndRemainder(java.math.BigInteger.TEN);
        assertThat(c.gpr[RAX]).isEqualTo(qr[0].longValue());
        assertThat(c.gpr[RDX]).isEqualTo(qr[1].longValue());
        // idiv: -(2^64 + 5) / 3
        c.gpr[RDX] = -2;
        c.gpr[RAX] = -5;
        c.gpr[RCX] = 3;
        runToHlt(0x48, 0xf7, 0xf9, 0xf4);
        java.math.BigInteger sn = java.math.BigInteger.ONE.shiftLeft(64).add(java.math.BigInteger.valueOf(5)).negate();
        qr = sn.divideAndRemainder(java.math.BigInteger.valueOf(3));
        assertThat(c.gpr[RAX]).isEqualTo(qr[0].longValue());
        assertThat(c.gpr[RDX]).isEqualTo(qr[1].longValue());
        // 8-bit: AX / r/m8 -> AL quotient, AH remainder
        c.gpr[RAX] = 1000;
        c.gpr[RBX] = DATA;
        m.memory().write8(DATA, (byte) 7);
        runToHlt(0xf6, 0x33, 0xf4); // div byte [rbx]
        assertThat(c.gpr[RAX] & 0xFFFF).isEqualTo(((1000 % 7) << 8) | (1000 / 7));
    }

    // ---------------------------------------------------------------- precise faults

    @Test
    void readModifyWriteToReadOnlyPageFaultsWithNothingChanged() {
        long page = 0x30000;
        m.memory().write32(page, 40);
        long pte = m.pteAddress(page);
        m.memory().write64(pte, m.memory().read64(pte) & ~2L); // read-only
        c.flushTlb(true);
        c.gpr[RBX] = page;
        c.gpr[RAX] = 2;
        c.putRflags(0x202 | CF);
        assertThat(run(0x01, 0x03)).isEqualTo(ExitReason.EXCEPTION); // add [rbx],eax
        assertThat(c.exit().vector).isEqualTo(Vectors.PF);
        assertThat(c.exit().errorCode).isEqualTo(3); // present, write
        assertThat(c.exit().faultAddress).isEqualTo(page);
        assertThat(m.memory().read32(page)).isEqualTo(40);
        assertThat(arith()).isEqualTo(CF);
        assertThat(c.rip).isEqualTo(CODE);
    }

    @Test
    void readModifyWriteToMissingPageFaultsAsAWrite() {
        for (int[] code : new int[][] {{0x00, 0x0b}, {0x01, 0x0b}, {0x48, 0x01, 0x0b}, {0xf7, 0x1b}, {0xd1, 0x23}}) {
            newMachine(3);
            long pte = m.pteAddress(0x32000);
            m.memory().write64(pte, 0);
            c.flushTlb(true);
            c.gpr[RBX] = 0x32000;
            assertThat(run(code)).isEqualTo(ExitReason.EXCEPTION); // add [rbx],cl / ecx / rcx, neg, shl
            assertThat(c.exit().vector).isEqualTo(Vectors.PF);
            assertThat(c.exit().errorCode).as("code %s", java.util.Arrays.toString(code)).isEqualTo(6); // user, write
        }
    }

    @Test
    void repMovsAcrossPageFaultLeavesCountsConsistent() {
        long src = 0x20000;
        long dst = 0x31FF0; // 16 bytes before an unmapped page
        for (int i = 0; i < 0x20; i++) {
            m.memory().write8(src + i, (byte) (i + 1));
        }
        long pte = m.pteAddress(0x32000);
        m.memory().write64(pte, 0); // not present
        c.flushTlb(true);
        c.gpr[RSI] = src;
        c.gpr[RDI] = dst;
        c.gpr[RCX] = 0x20;
        assertThat(run(0xf3, 0xa4)).isEqualTo(ExitReason.EXCEPTION); // rep movsb
        assertThat(c.exit().vector).isEqualTo(Vectors.PF);
        assertThat(c.exit().faultAddress).isEqualTo(0x32000);
        assertThat(c.gpr[RCX]).isEqualTo(0x10);
        assertThat(c.gpr[RSI]).isEqualTo(src + 0x10);
        assertThat(c.gpr[RDI]).isEqualTo(0x32000);
        assertThat(m.memory().read8(dst + 15)).isEqualTo((byte) 16);
        assertThat(c.rip).isEqualTo(CODE);
    }

    @Test
    void retToANonCanonicalAddressFaultsAtTheRet() {
        c.gpr[RSP] = 0x80000;
        m.memory().write64(0x80000, 0x0000_8000_0000_0000L); // the first non-canonical address
        assertThat(run(0xc3)).isEqualTo(ExitReason.EXCEPTION); // ret
        assertThat(c.exit().vector).isEqualTo(Vectors.GP);
        assertThat(c.rip).isEqualTo(CODE);
        assertThat(c.gpr[RSP]).isEqualTo(0x80000);
    }

    @Test
    void pushToUnmappedStackLeavesRspAlone() {
        long pte = m.pteAddress(0x7F000);
        m.memory().write64(pte, 0);
        c.flushTlb(true);
        c.gpr[RSP] = 0x80000;
        assertThat(run(0x53)).isEqualTo(ExitReason.EXCEPTION); // push rbx
        assertThat(c.exit().vector).isEqualTo(Vectors.PF);
        assertThat(c.gpr[RSP]).isEqualTo(0x80000);
    }

    // ---------------------------------------------------------------- strings

    @Test
    void repStosqAndBackwardsMovsd() {
        c.gpr[RAX] = 0x1122_3344_5566_7788L;
        c.gpr[RDI] = DATA;
        c.gpr[RCX] = 4;
        runToHlt(0xf3, 0x48, 0xab, // rep stosq
                0xf4);
        assertThat(c.gpr[RCX]).isZero();
        assertThat(c.gpr[RDI]).isEqualTo(DATA + 32);
        assertThat(m.memory().read64(DATA + 24)).isEqualTo(0x1122_3344_5566_7788L);
        for (int i = 0; i < 4; i++) {
            m.memory().write32(DATA + 0x100 + 4 * i, i + 1);
        }
        c.gpr[RSI] = DATA + 0x10C;
        c.gpr[RDI] = DATA + 0x20C;
        c.gpr[RCX] = 4;
        runToHlt(0xfd, // std
                0xf3, 0xa5, // rep movsd
                0xfc, // cld
                0xf4);
        assertThat(c.gpr[RSI]).isEqualTo(DATA + 0xFC);
        assertThat(m.memory().read32(DATA + 0x200)).isEqualTo(1);
        assertThat(m.memory().read32(DATA + 0x20C)).isEqualTo(4);
    }

    @Test
    void longRepStosRunsInChunksThatTheBudgetCanInterrupt() {
        long count = 3 * StringOps.REP_CHUNK + 5;
        c.gpr[RAX] = 0x5A;
        c.gpr[RDI] = DATA;
        c.gpr[RCX] = count;
        m.load(CODE, bytes(0xf3, 0xaa, // rep stosb
                0xf4));
        c.rip = CODE;
        // One instruction of budget: the first chunk runs and RIP stays on the REP for the rest.
        assertThat(m.run(1)).isEqualTo(ExitReason.BUDGET);
        assertThat(c.rip).isEqualTo(CODE);
        assertThat(c.gpr[RCX]).isEqualTo(count - StringOps.REP_CHUNK);
        assertThat(c.gpr[RDI]).isEqualTo(DATA + StringOps.REP_CHUNK);
        assertThat(m.run(100)).isEqualTo(ExitReason.HALT);
        assertThat(c.gpr[RCX]).isZero();
        assertThat(c.gpr[RDI]).isEqualTo(DATA + count);
        assertThat(m.memory().read8(DATA + count - 1)).isEqualTo((byte) 0x5A);
        assertThat(m.memory().read8(DATA + count)).isZero();
    }

    @Test
    void repneScasStopsOnMatchAndRepeCmpsOnMismatch() {
        m.load(DATA, "hello, world".getBytes());
        c.gpr[RDI] = DATA;
        c.gpr[RCX] = 100;
        c.gpr[RAX] = ',';
        runToHlt(0xf2, 0xae, // repne scasb
                0xf4);
        assertThat(c.gpr[RDI]).isEqualTo(DATA + 6);
        assertThat(c.gpr[RCX]).isEqualTo(94);
        assertThat(arith() & ZF).isEqualTo(ZF);
        m.load(DATA + 0x100, "hello, there".getBytes());
        c.gpr[RSI] = DATA;
        c.gpr[RDI] = DATA + 0x100;
        c.gpr[RCX] = 12;
        runToHlt(0xf3, 0xa6, // repe cmpsb
                0xf4);
        assertThat(c.gpr[RCX]).isEqualTo(12 - 8); // stopped after comparing 'w' with 't'
        assertThat(arith() & (ZF | CF)).isZero(); // 'w' > 't'
    }

    @Test
    void thirtyTwoBitAddressSizeWrapsIndexRegisters() {
        c.gpr[RDI] = 0x1_FFFF_FFFEL; // upper half ignored with a 32-bit address size
        c.gpr[RCX] = 0;
        long pte = m.pteAddress(0);
        assertThat(pte).isPositive();
        c.gpr[RDI] = 0xFFFF_FFFF_0000_0000L | DATA;
        c.gpr[RAX] = 0xAB;
        c.gpr[RCX] = 0xFFFF_FFFF_0000_0002L;
        runToHlt(0x67, 0xf3, 0xaa, // rep stosb with 32-bit addresses: ECX counts, EDI indexes
                0xf4);
        assertThat(m.memory().read8(DATA + 1)).isEqualTo((byte) 0xAB);
        assertThat(c.gpr[RDI]).isEqualTo(DATA + 2); // written as a 32-bit register: upper half zeroed
        assertThat(c.gpr[RCX]).isZero();
    }

    @Test
    void repWithZeroCountStillWritesThirtyTwoBitRegisters() {
        c.gpr[RCX] = 0xFFFF_FFFF_0000_0000L; // ECX = 0 with a 32-bit address size
        c.gpr[RDI] = 0xFFFF_FFFF_0001_0000L;
        runToHlt(0x67, 0xf3, 0xaa, // rep stosb
                0xf4);
        assertThat(m.memory().read8(0x10000)).isZero();
        assertThat(c.gpr[RCX]).isZero(); // as the host CPU does
        assertThat(c.gpr[RDI]).isEqualTo(0x1_0000L);
    }

    @Test
    void repeCmpsFaultingPartWayLeavesFlagsAsBefore() {
        long pte = m.pteAddress(0x32000);
        m.memory().write64(pte, 0);
        c.flushTlb(true);
        c.gpr[RSI] = 0x31FFE;
        c.gpr[RDI] = 0x20000;
        c.gpr[RCX] = 8;
        c.putRflags(0x202 | CF | OF);
        assertThat(run(0xf3, 0xa6)).isEqualTo(ExitReason.EXCEPTION); // repe cmpsb: equal zero bytes, then #PF
        assertThat(c.exit().faultAddress).isEqualTo(0x32000);
        assertThat(c.gpr[RCX]).isEqualTo(6);
        assertThat(arith()).isEqualTo(CF | OF);
    }

    // ---------------------------------------------------------------- stack and branches

    @Test
    void callRetPushPop() {
        c.gpr[RBX] = 0x1234;
        // call +1 ; hlt ; push rbx ; pop rcx ; ret
        runToHlt(0xe8, 0x01, 0x00, 0x00, 0x00, 0xf4, 0x53, 0x59, 0xc3);
        assertThat(c.gpr[RCX]).isEqualTo(0x1234);
        assertThat(c.gpr[RSP]).isEqualTo(STACK);
        assertThat(c.rip).isEqualTo(CODE + 6);
    }

    @Test
    void enterWithNestingAndLeave() {
        c.gpr[RBP] = 0x7F00;
        m.memory().write64(0x7F00 - 8, 0xAAAA);
        m.memory().write64(0x7F00 - 16, 0xBBBB);
        runToHlt(0xc8, 0x20, 0x00, 0x03, // enter 0x20,3
                0xf4);
        long frame = STACK - 8;
        assertThat(c.gpr[RBP]).isEqualTo(frame);
        assertThat(m.memory().read64(frame)).isEqualTo(0x7F00);
        assertThat(m.memory().read64(frame - 8)).isEqualTo(0xAAAA);
        assertThat(m.memory().read64(frame - 16)).isEqualTo(0xBBBB);
        assertThat(m.memory().read64(frame - 24)).isEqualTo(frame);
        assertThat(c.gpr[RSP]).isEqualTo(frame - 24 - 0x20);
        runToHlt(0xc9, // leave
                0xf4);
        assertThat(c.gpr[RBP]).isEqualTo(0x7F00);
        assertThat(c.gpr[RSP]).isEqualTo(STACK);
    }

    @Test
    void loopCountsWithTheAddressSize() {
        c.gpr[RCX] = 0x1_0000_0003L;
        c.gpr[RAX] = 0;
        // l: inc eax ; loop l (67: ECX) ; hlt
        runToHlt(0xff, 0xc0, 0x67, 0xe2, 0xfb, 0xf4);
        assertThat(c.gpr[RAX]).isEqualTo(3);
        assertThat(c.gpr[RCX]).isZero(); // ECX written as a 32-bit register
        c.gpr[RCX] = 0x1_0000_0000L;
        // jrcxz +2 ; mov al,1 ; hlt
        runToHlt(0xe3, 0x02, 0xb0, 0x01, 0xf4);
        assertThat(c.gpr[RAX] & 0xFF).isEqualTo(1); // RCX != 0: not taken
    }

    @Test
    void nonCanonicalJumpFaultsAtTheJump() {
        c.gpr[RAX] = 0x0000_8000_0000_0000L;
        assertThat(run(0xff, 0xe0)).isEqualTo(ExitReason.EXCEPTION); // jmp rax
        assertThat(c.exit().vector).isEqualTo(Vectors.GP);
        assertThat(c.rip).isEqualTo(CODE);
    }

    @Test
    void pushPopWithRexAndSixteenBits() {
        c.gpr[R8 + 1] = 0x99;
        runToHlt(0x41, 0x51, // push r9
                0x41, 0x58, // pop r8
                0x66, 0x6a, 0xff, // push word -1
                0x66, 0x5b, // pop bx
                0xf4);
        assertThat(c.gpr[R8]).isEqualTo(0x99);
        assertThat(c.gpr[RBX] & 0xFFFF).isEqualTo(0xFFFF);
        assertThat(c.gpr[RSP]).isEqualTo(STACK);
    }

    @Test
    void xchgWithRexBIsNotNop() {
        c.gpr[RAX] = 1;
        c.gpr[R8] = 2;
        runToHlt(0x49, 0x90, // xchg r8,rax
                0xf3, 0x90, // pause
                0x90, // nop
                0xf4);
        assertThat(c.gpr[RAX]).isEqualTo(2);
        assertThat(c.gpr[R8]).isEqualTo(1);
    }

    // ---------------------------------------------------------------- flags instructions

    @Test
    void popfAtUserLevelCannotChangeIfOrIopl() {
        newMachine(3);
        c.putRflags(0x202);
        c.gpr[RAX] = 0x3000 | 0x400 | 0x80 | 1; // IOPL 3, DF, SF, CF; IF clear
        runToInt(0x50, // push rax
                0x9d, // popf
                0x9c, // pushf
                0x5b, // pop rbx
                0xcd, 0x80);
        assertThat(c.gpr[RBX]).isEqualTo(0x202 | 0x400 | 0x80 | 1);
    }

    @Test
    void popfAtKernelLevelChangesIoplAndIfAndClearsRf() {
        c.putRflags(0x202);
        c.gpr[RAX] = 0x3000 | 0x10000 | 0x100000 | 0x40 | 2; // IOPL 3, RF, VIP, ZF; IF clear
        runToHlt(0x50, 0x9d, 0xf4);
        assertThat(c.getRflags()).isEqualTo(0x3000 | 0x40 | 2);
    }

    @Test
    void lahfSahfAndFlagInstructions() {
        c.gpr[RAX] = 0xD5_00; // SF ZF AF PF CF in AH
        runToHlt(0x9e, // sahf
                0xf5, // cmc
                0x9f, // lahf
                0xf4);
        assertThat(arith()).isEqualTo(SF | ZF | AF | PF);
        assertThat((c.gpr[RAX] >>> 8) & 0xFF).isEqualTo(0xD6);
    }

    @Test
    void signExtensions() {
        c.gpr[RAX] = 0x8000_0000L;
        c.gpr[RBX] = 0xFFFF_FFFFL;
        runToHlt(0x48, 0x98, // cdqe
                0x48, 0x99, // cqo
                0x48, 0x63, 0xcb, // movsxd rcx,ebx
                0xf4);
        assertThat(c.gpr[RAX]).isEqualTo(0xFFFF_FFFF_8000_0000L);
        assertThat(c.gpr[RDX]).isEqualTo(-1L);
        assertThat(c.gpr[RCX]).isEqualTo(-1L);
    }

    @Test
    void leaComputesWithoutSegmentAndTruncates() {
        c.gpr[RBX] = 0xFFFF_FFFF_0000_0010L;
        c.gpr[RCX] = 2;
        c.segBase[X86Cpu.FS] = 0x5000;
        runToHlt(0x64, 0x8d, 0x44, 0x8b, 0x08, // lea eax,fs:[rbx+rcx*4+8]
                0xf4);
        assertThat(c.gpr[RAX]).isEqualTo(0x20);
    }

    @Test
    void segmentOverrideAppliesBase() {
        c.segBase[X86Cpu.GS] = DATA;
        m.memory().write64(DATA + 8, 0x4242);
        runToHlt(0x65, 0x48, 0x8b, 0x04, 0x25, 0x08, 0x00, 0x00, 0x00, // mov rax,gs:[8]
                0xf4);
        assertThat(c.gpr[RAX]).isEqualTo(0x4242);
    }

    // ---------------------------------------------------------------- exits

    ExitReason runToInt(int... code) {
        ExitReason r = run(code);
        assertThat(r).as(c.exit().toString()).isEqualTo(ExitReason.SOFTWARE_INTERRUPT);
        return r;
    }

    @Test
    void softwareInterruptLeavesRipPastInstruction() {
        runToInt(0x90, 0xcd, 0x80);
        assertThat(c.exit().vector).isEqualTo(0x80);
        assertThat(c.exit().instructionLength).isEqualTo(2);
        assertThat(c.rip).isEqualTo(CODE + 3);
        runToInt(0xcc);
        assertThat(c.exit().vector).isEqualTo(3);
        assertThat(c.rip).isEqualTo(CODE + 1);
    }

    @Test
    void portAccessExitsAtTheInstruction() {
        c.gpr[RDX] = 0x3F8;
        assertThat(run(0x90, 0xee)).isEqualTo(ExitReason.IO); // out dx,al
        assertThat(c.exit().ioPort).isEqualTo(0x3F8);
        assertThat(c.exit().ioSize).isEqualTo(1);
        assertThat(c.exit().ioIn).isFalse();
        assertThat(c.rip).isEqualTo(CODE + 1);
        assertThat(run(0xe5, 0x60)).isEqualTo(ExitReason.IO); // in eax,0x60
        assertThat(c.exit().ioPort).isEqualTo(0x60);
        assertThat(c.exit().ioSize).isEqualTo(4);
        assertThat(c.exit().ioIn).isTrue();
        assertThat(run(0xf3, 0x6e)).isEqualTo(ExitReason.IO); // rep outsb
        assertThat(c.exit().ioString).isTrue();
        assertThat(c.exit().ioRep).isTrue();
        assertThat(c.exit().instructionLength).isEqualTo(2);
    }

    @Test
    void privilegedInstructionsAtUserLevelExitAtTheInstruction() {
        newMachine(3);
        assertThat(run(0x90, 0xfa)).isEqualTo(ExitReason.PRIVILEGED); // cli
        assertThat(c.exit().privileged).isEqualTo(PrivilegedOp.CLI);
        assertThat(c.rip).isEqualTo(CODE + 1);
        assertThat(run(0xf4)).isEqualTo(ExitReason.PRIVILEGED);
        assertThat(c.exit().privileged).isEqualTo(PrivilegedOp.HLT);
        assertThat(c.exit().instructionLength).isEqualTo(1);
        assertThat(c.rip).isEqualTo(CODE);
    }

    @Test
    void cliStiExecuteWhenIoplAllows() {
        newMachine(3);
        c.putRflags(0x3202);
        runToInt(0xfa, 0xcd, 0x80);
        assertThat(c.getRflags() & Flags.IF).isZero();
    }

    // ---------------------------------------------------------------- IRET and segments

    @Test
    void iretqToUserModeLoadsEverything() {
        long userStack = 0x60000;
        c.gpr[RSP] = STACK - 40;
        m.memory().write64(STACK - 40, 0x2000); // RIP
        m.memory().write64(STACK - 32, FlatMachine.USER_CS);
        m.memory().write64(STACK - 24, 0x3000 | 0x200 | 0x2 | 0x1); // IOPL 3, IF, CF
        m.memory().write64(STACK - 16, userStack);
        m.memory().write64(STACK - 8, FlatMachine.USER_DS);
        m.load(0x2000, bytes(0xf4)); // hlt at CPL 3 -> PRIVILEGED
        assertThat(run(0x48, 0xcf)).isEqualTo(ExitReason.PRIVILEGED); // iretq
        assertThat(c.cpl).isEqualTo(3);
        assertThat(c.segSel[X86Cpu.CS]).isEqualTo(FlatMachine.USER_CS);
        assertThat(c.segSel[X86Cpu.SS]).isEqualTo(FlatMachine.USER_DS);
        assertThat(c.gpr[RSP]).isEqualTo(userStack);
        assertThat(c.getRflags()).isEqualTo(0x3203);
        assertThat(c.rip).isEqualTo(0x2000);
        assertThat(c.segSel[X86Cpu.DS]).isZero(); // the DPL 0 data segment is nulled on the way out
    }

    @Test
    void iretqToMorePrivilegedLevelExits() {
        newMachine(3);
        c.gpr[RSP] = STACK - 40;
        m.memory().write64(STACK - 40, 0x2000);
        m.memory().write64(STACK - 32, FlatMachine.KERNEL_CS);
        m.memory().write64(STACK - 24, 0x202);
        m.memory().write64(STACK - 16, STACK);
        m.memory().write64(STACK - 8, FlatMachine.KERNEL_DS);
        assertThat(run(0x48, 0xcf)).isEqualTo(ExitReason.PRIVILEGED);
        assertThat(c.exit().privileged).isEqualTo(PrivilegedOp.IRET);
        assertThat(c.rip).isEqualTo(CODE);
        assertThat(c.gpr[RSP]).isEqualTo(STACK - 40);
    }

    @Test
    void movToSegmentChecksTheDescriptor() {
        newMachine(3);
        c.gpr[RAX] = FlatMachine.KERNEL_DS; // DPL 0 data from CPL 3
        assertThat(run(0x8e, 0xd8)).isEqualTo(ExitReason.EXCEPTION); // mov ds,eax
        assertThat(c.exit().vector).isEqualTo(Vectors.GP);
        assertThat(c.exit().errorCode).isEqualTo(FlatMachine.KERNEL_DS);
        c.gpr[RAX] = 0x80; // beyond the GDT
        assertThat(run(0x8e, 0xd8)).isEqualTo(ExitReason.EXCEPTION);
        assertThat(c.exit().errorCode).isEqualTo(0x80);
        c.gpr[RAX] = 0;
        runToInt(0x8e, 0xd8, // mov ds,eax (null is fine)
                0x8c, 0xdb, // mov ebx,ds
                0xcd, 0x80);
        assertThat(c.segSel[X86Cpu.DS]).isZero();
        c.gpr[RAX] = 0;
        assertThat(run(0x8e, 0xd0)).isEqualTo(ExitReason.EXCEPTION); // mov ss,eax: null SS at CPL 3
        assertThat(c.exit().vector).isEqualTo(Vectors.GP);
    }

    @Test
    void farJumpToCompatibilityModeRunsThirtyTwoBitCode() {
        newMachine(3);
        m.memory().write32(DATA, 0x2000);
        m.memory().write16(DATA + 4, (short) FlatMachine.USER_CS32);
        c.gpr[RBX] = DATA;
        // 32-bit code: mov eax,0x15 ; add al,0x27 ; daa ; push eax ; pop ecx ; mov dx,0x1234 ; int 0x80
        m.load(0x2000, bytes(0xb8, 0x15, 0x00, 0x00, 0x00, 0x04, 0x27, 0x27, 0x50, 0x59, 0x66, 0xba, 0x34, 0x12,
                0xcd, 0x80));
        c.gpr[RDX] = 0xFFFF_FFFF_FFFF_FFFFL;
        runToInt(0xff, 0x2b); // jmp far [rbx]
        assertThat(c.code64).isFalse();
        assertThat(c.gpr[RAX]).isEqualTo(0x42); // BCD 15 + 27 = 42
        assertThat(c.gpr[RCX]).isEqualTo(0x42);
        assertThat(c.gpr[RDX]).isEqualTo(0xFFFF_FFFF_FFFF_1234L);
        assertThat(c.rip).isEqualTo(0x2010);
    }

    @Test
    void farCallAndReturnInCompatibilityMode() {
        newMachine(3);
        m.memory().write32(DATA, 0x2000);
        m.memory().write16(DATA + 4, (short) FlatMachine.USER_CS32);
        m.memory().write32(DATA + 8, 0x3000);
        m.memory().write16(DATA + 12, (short) FlatMachine.USER_CS);
        c.gpr[RBX] = DATA;
        // 32-bit at 0x2000: lcall [ebx+8] (to 64-bit 0x3000) ; int 0x80
        m.load(0x2000, bytes(0xff, 0x5b, 0x08, 0xcd, 0x80));
        // 64-bit at 0x3000: inc esi ; retf (32-bit operands: pops EIP, CS)
        m.load(0x3000, bytes(0xff, 0xc6, 0xcb));
        runToInt(0xff, 0x2b); // jmp far [rbx]
        assertThat(c.gpr[RSI]).isEqualTo(1);
        assertThat(c.code64).isFalse();
        assertThat(c.rip).isEqualTo(0x2005);
        assertThat(c.gpr[RSP]).isEqualTo(STACK);
    }

    @Test
    void compatibilityModeOnlyInstructions() {
        newMachine(3);
        m.memory().write32(DATA, 0x2000);
        m.memory().write16(DATA + 4, (short) FlatMachine.USER_CS32);
        c.gpr[RBX] = DATA;
        c.gpr[RAX] = 0x0B05; // AH=0x0B AL=5
        c.gpr[RCX] = 0x1111;
        // aad 10 (AL = 0x0B*10+5 = 115) ; aam 16 (AH=7 AL=3) ; pusha ; inc ecx ; popa ; dec ecx ; int 0x80
        m.load(0x2000, bytes(0xd5, 0x0a, 0xd4, 0x10, 0x60, 0x41, 0x61, 0x49, 0xcd, 0x80));
        runToInt(0xff, 0x2b);
        assertThat(c.gpr[RAX]).isEqualTo(0x0703);
        assertThat(c.gpr[RCX]).isEqualTo(0x1110);
        assertThat(c.gpr[RSP]).isEqualTo(STACK);
        // salc is #UD in 64-bit mode
        newMachine(0);
        assertThat(run(0xd6)).isEqualTo(ExitReason.EXCEPTION);
        assertThat(c.exit().vector).isEqualTo(Vectors.UD);
    }

    @Test
    void aamByZeroRaisesDe() {
        newMachine(3);
        m.memory().write32(DATA, 0x2000);
        m.memory().write16(DATA + 4, (short) FlatMachine.USER_CS32);
        c.gpr[RBX] = DATA;
        m.load(0x2000, bytes(0xd4, 0x00));
        assertThat(run(0xff, 0x2b)).isEqualTo(ExitReason.EXCEPTION);
        assertThat(c.exit().vector).isEqualTo(Vectors.DE);
        assertThat(c.rip).isEqualTo(0x2000);
    }

    @Test
    void undefinedOpcodeRaisesUd() {
        assertThat(run(0x06)).isEqualTo(ExitReason.EXCEPTION); // push es: invalid in 64-bit mode
        assertThat(c.exit().vector).isEqualTo(Vectors.UD);
        assertThat(run(0x8f, 0xc8)).isEqualTo(ExitReason.EXCEPTION); // 8F /1
        assertThat(c.exit().vector).isEqualTo(Vectors.UD);
        assertThat(run(0x8d, 0xc0)).isEqualTo(ExitReason.EXCEPTION); // lea eax,eax
        assertThat(c.exit().vector).isEqualTo(Vectors.UD);
    }
}
