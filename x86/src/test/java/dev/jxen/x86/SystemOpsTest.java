package dev.jxen.x86;

import static dev.jxen.x86.X86Cpu.RAX;
import static dev.jxen.x86.X86Cpu.RBX;
import static dev.jxen.x86.X86Cpu.RCX;
import static dev.jxen.x86.X86Cpu.RDI;
import static dev.jxen.x86.X86Cpu.RDX;
import static dev.jxen.x86.X86Cpu.RSI;
import static dev.jxen.x86.X86Cpu.RSP;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jxen.machine.ExitReason;
import dev.jxen.machine.PrivilegedOp;
import dev.jxen.machine.VcpuExit;
import dev.jxen.x86.testkit.CpuModel;
import dev.jxen.x86.testkit.FlatMachine;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The 0F map's system and integer instructions, run one at a time on a {@link FlatMachine}:
 * registers and memory are set from Java, so the tests need no other instruction. Expected values
 * for the flags the manuals leave undefined are what the Intel host produced (noted where used).
 */
class SystemOpsTest {
    private static final long CODE = 0x1000, DATA = 0x8000, STACK = 0x10000;
    /** Beyond the identity-mapped range: any access is a #PF. */
    private static final long UNMAPPED = 0x4000_0000L;

    private FlatMachine m;
    private X86Cpu c;

    @BeforeEach
    void setUp() {
        machine(0);
    }

    @AfterEach
    void tearDown() {
        m.close();
    }

    private void machine(int cpl) {
        if (m != null) {
            m.close();
        }
        m = new FlatMachine(1 << 21, cpl);
        c = m.cpu();
        c.gpr[RSP] = STACK;
    }

    private static byte[] bytes(int... code) {
        byte[] b = new byte[code.length];
        for (int i = 0; i < code.length; i++) {
            b[i] = (byte) code[i];
        }
        return b;
    }

    /**
     * Runs the one instruction in {@code code}. A UD2 follows it, since the run loop executes whole
     * blocks: the #UD it raises right after the instruction means the instruction completed, and is
     * reported as BUDGET.
     */
    private ExitReason run(int... code) {
        int[] withStop = java.util.Arrays.copyOf(code, code.length + 2);
        withStop[code.length] = 0x0f;
        withStop[code.length + 1] = 0x0b; // ud2
        m.load(CODE, bytes(withStop));
        c.rip = CODE;
        ExitReason r = m.run(1);
        if (r == ExitReason.EXCEPTION && exit().vector == Vectors.UD && c.rip == CODE + code.length) {
            return ExitReason.BUDGET;
        }
        return r;
    }

    private VcpuExit exit() {
        return c.exit();
    }

    private void assertFault(ExitReason r, int vector) {
        assertThat(r).isEqualTo(ExitReason.EXCEPTION);
        assertThat(exit().vector).isEqualTo(vector);
        assertThat(c.rip).isEqualTo(CODE);
    }

    private void assertPrivileged(ExitReason r, PrivilegedOp op, int length) {
        assertThat(r).isEqualTo(ExitReason.PRIVILEGED);
        assertThat(exit().privileged).isEqualTo(op);
        assertThat(exit().instructionLength).isEqualTo(length);
        assertThat(c.rip).isEqualTo(CODE);
    }

    private long flags() {
        return c.getRflags() & Flags.ARITH;
    }

    private long mem64(long a) {
        return m.memory().read64(a);
    }

    // ---------------------------------------------------------------- Jcc, SETcc, CMOVcc, MOVZX/MOVSX

    @Test
    void jccRel32FollowsTheCondition() {
        c.putRflags(0x202 | Flags.ZF);
        run(0x0f, 0x84, 0x00, 0x01, 0x00, 0x00); // je .+0x106
        assertThat(c.rip).isEqualTo(CODE + 6 + 0x100);
        run(0x0f, 0x85, 0x00, 0x01, 0x00, 0x00); // jne .+0x106
        assertThat(c.rip).isEqualTo(CODE + 6);
        run(0x0f, 0x8c, 0xf0, 0xff, 0xff, 0xff); // jl .-10 (SF == OF: not taken)
        assertThat(c.rip).isEqualTo(CODE + 6);
        c.putRflags(0x202 | Flags.SF);
        run(0x0f, 0x8c, 0xf0, 0xff, 0xff, 0xff); // jl .-10
        assertThat(c.rip).isEqualTo(CODE + 6 - 16);
    }

    @Test
    void setccWritesOneByte() {
        c.gpr[RAX] = 0x1234_5678_9ABC_DEF0L;
        c.putRflags(0x202 | Flags.ZF);
        run(0x0f, 0x94, 0xc0); // sete %al
        assertThat(c.gpr[RAX]).isEqualTo(0x1234_5678_9ABC_DE01L);
        m.memory().write64(DATA, -1L);
        c.gpr[RDI] = DATA;
        run(0x0f, 0x92, 0x07); // setb (%rdi)
        assertThat(mem64(DATA)).isEqualTo(0xFFFF_FFFF_FFFF_FF00L);
    }

    @Test
    void cmovZeroExtendsA32BitDestinationEvenWhenTheConditionIsFalse() {
        c.gpr[RAX] = 0xFFFF_FFFF_0000_0002L;
        c.gpr[RCX] = 0xFFFF_FFFF_0000_0003L;
        c.putRflags(0x202);
        run(0x0f, 0x44, 0xc1); // cmovz %ecx,%eax (not taken)
        assertThat(c.gpr[RAX]).isEqualTo(2);
        c.putRflags(0x202 | Flags.ZF);
        run(0x0f, 0x44, 0xc1); // cmovz %ecx,%eax (taken)
        assertThat(c.gpr[RAX]).isEqualTo(3);
    }

    @Test
    void cmovReadsItsMemorySourceEvenWhenNotMoving() {
        c.gpr[RSI] = UNMAPPED;
        c.gpr[RAX] = 7;
        c.putRflags(0x202 | Flags.ZF);
        ExitReason r = run(0x48, 0x0f, 0x45, 0x06); // cmovnz (%rsi),%rax
        assertFault(r, Vectors.PF);
        assertThat(c.gpr[RAX]).isEqualTo(7);
    }

    @Test
    void movzxAndMovsx() {
        c.gpr[RAX] = 0x8F00;
        run(0x0f, 0xb6, 0xcc); // movzbl %ah,%ecx
        assertThat(c.gpr[RCX]).isEqualTo(0x8F);
        c.gpr[RBX] = 0x8001;
        run(0x48, 0x0f, 0xbf, 0xd3); // movswq %bx,%rdx
        assertThat(c.gpr[RDX]).isEqualTo(0xFFFF_FFFF_FFFF_8001L);
        c.gpr[RDI] = DATA;
        m.memory().write8(DATA, (byte) 0x80);
        c.gpr[RAX] = 0x1111_2222_3333_4444L;
        run(0x66, 0x0f, 0xbe, 0x07); // movsbw (%rdi),%ax
        assertThat(c.gpr[RAX]).isEqualTo(0x1111_2222_3333_FF80L);
    }

    // ---------------------------------------------------------------- bit tests

    @Test
    void btSetsOnlyCf() {
        c.gpr[RAX] = 1L << 5;
        c.gpr[RCX] = 37; // masked to 5
        c.putRflags(0x202 | Flags.ZF | Flags.SF | Flags.OF | Flags.PF);
        run(0x0f, 0xa3, 0xc8); // bt %ecx,%eax
        assertThat(flags()).isEqualTo(Flags.CF | Flags.ZF | Flags.SF | Flags.OF | Flags.PF);
    }

    @Test
    void btsWithARegisterOffsetAddressesBeyondTheOperand() {
        c.gpr[RDI] = DATA + 0x100;
        c.gpr[RCX] = -1; // the bit just below the operand: bit 63 of the qword at DATA+0xF8
        run(0x48, 0x0f, 0xab, 0x0f); // bts %rcx,(%rdi)
        assertThat(mem64(DATA + 0xF8)).isEqualTo(1L << 63);
        assertThat(flags() & Flags.CF).isZero();
        c.gpr[RCX] = 64 * 3 + 2;
        run(0xf0, 0x48, 0x0f, 0xab, 0x0f); // lock bts %rcx,(%rdi)
        assertThat(mem64(DATA + 0x100 + 24)).isEqualTo(4);
        run(0x48, 0x0f, 0xa3, 0x0f); // bt %rcx,(%rdi)
        assertThat(flags() & Flags.CF).isEqualTo(Flags.CF);
    }

    @Test
    void btImmediateFormsMaskTheOffset() {
        c.gpr[RAX] = -1;
        run(0x48, 0x0f, 0xba, 0xf0, 0x23); // btr $35,%rax
        assertThat(c.gpr[RAX]).isEqualTo(~(1L << 35));
        assertThat(flags() & Flags.CF).isEqualTo(Flags.CF);
        c.gpr[RDI] = DATA;
        m.memory().write64(DATA, 0xF0);
        run(0x0f, 0xba, 0x3f, 0x03); // btcl $3,(%rdi)
        assertThat(mem64(DATA)).isEqualTo(0xF8);
        assertThat(flags() & Flags.CF).isZero();
        run(0x0f, 0xba, 0x2f, 0x25); // btsl $37,(%rdi): 37 & 31 = 5
        assertThat(mem64(DATA)).isEqualTo(0xF8 | 0x20);
    }

    @Test
    void lockWithARegisterDestinationIsUndefined() {
        assertFault(run(0xf0, 0x0f, 0xab, 0xc1), Vectors.UD); // lock bts %eax,%ecx
        assertFault(run(0xf0, 0x0f, 0xa2), Vectors.UD); // lock cpuid
    }

    @Test
    void btsOnAnUnmappedPageChangesNothing() {
        c.gpr[RDI] = UNMAPPED;
        c.gpr[RCX] = 3;
        c.putRflags(0x202 | Flags.CF);
        assertFault(run(0x48, 0x0f, 0xab, 0x0f), Vectors.PF); // bts %rcx,(%rdi)
        assertThat(exit().errorCode & 2).as("a read-modify-write faults as a write (host)").isEqualTo(2);
        assertThat(flags()).isEqualTo(Flags.CF);
        assertFault(run(0x48, 0x0f, 0xa3, 0x0f), Vectors.PF); // bt %rcx,(%rdi): a read
        assertThat(exit().errorCode & 2).isZero();
    }

    // ---------------------------------------------------------------- scans and counts

    @Test
    void bsfAndBsr() {
        c.gpr[RBX] = 0x0010_0000_0000_0100L;
        run(0x48, 0x0f, 0xbc, 0xc3); // bsf %rbx,%rax
        assertThat(c.gpr[RAX]).isEqualTo(8);
        assertThat(flags()).isZero(); // host: PF of the result (8: odd), the rest clear
        run(0x0f, 0xbd, 0xc3); // bsr %ebx,%eax
        assertThat(c.gpr[RAX]).isEqualTo(8);
        c.gpr[RBX] = 0x8000;
        run(0x0f, 0xbd, 0xc3); // bsr %ebx,%eax
        assertThat(c.gpr[RAX]).isEqualTo(15);
        assertThat(flags()).isEqualTo(Flags.PF);
    }

    @Test
    void bsfOfZeroLeavesTheDestinationAndSetsZf() {
        c.gpr[RBX] = 0;
        c.gpr[RAX] = 0xFFFF_FFFF_1111_1111L;
        c.putRflags(0x202 | Flags.CF | Flags.OF);
        run(0x0f, 0xbd, 0xc3); // bsr %ebx,%eax
        assertThat(c.gpr[RAX]).isEqualTo(0xFFFF_FFFF_1111_1111L); // not even zero-extended (host)
        assertThat(flags()).isEqualTo(Flags.ZF | Flags.PF); // host: 0x44 whatever the flags before
        c.gpr[RDI] = DATA;
        m.memory().write16(DATA, (short) 0x4000);
        run(0x66, 0x0f, 0xbc, 0x07); // bsf (%rdi),%ax
        assertThat(c.gpr[RAX]).isEqualTo(0xFFFF_FFFF_1111_000EL);
    }

    @Test
    void tzcntLzcntPopcnt() {
        c.gpr[RBX] = 0;
        run(0xf3, 0x48, 0x0f, 0xbc, 0xc3); // tzcnt %rbx,%rax
        assertThat(c.gpr[RAX]).isEqualTo(64);
        assertThat(flags()).isEqualTo(Flags.CF);
        c.gpr[RBX] = 0x80;
        run(0xf3, 0x48, 0x0f, 0xbc, 0xc3); // tzcnt %rbx,%rax
        assertThat(c.gpr[RAX]).isEqualTo(7);
        assertThat(flags()).isZero();
        c.gpr[RBX] = 0x8000_0000L;
        run(0xf3, 0x0f, 0xbd, 0xc3); // lzcnt %ebx,%eax
        assertThat(c.gpr[RAX]).isZero();
        assertThat(flags()).isEqualTo(Flags.ZF);
        c.gpr[RBX] = 0x0000_F000_0000_0001L;
        run(0xf3, 0x48, 0x0f, 0xb8, 0xc3); // popcnt %rbx,%rax
        assertThat(c.gpr[RAX]).isEqualTo(Long.bitCount(c.gpr[RBX]));
        assertThat(flags()).isZero();
        c.gpr[RBX] = 0;
        run(0xf3, 0x48, 0x0f, 0xb8, 0xc3); // popcnt %rbx,%rax
        assertThat(flags()).isEqualTo(Flags.ZF);
        assertFault(run(0x48, 0x0f, 0xb8, 0xc3), Vectors.UD); // JMPE (no F3)
    }

    // ---------------------------------------------------------------- double shifts (values from the host)

    @Test
    void shld16WithACountAbove16RotatesDestSrcDest() {
        c.gpr[RAX] = 0x8234;
        c.gpr[RDX] = 0x5678;
        c.gpr[RCX] = 17;
        run(0x66, 0x0f, 0xa5, 0xd0); // shld %cl,%dx,%ax
        assertThat(c.gpr[RAX]).isEqualTo(0xACF1);
        assertThat(flags() & ~Flags.OF).isEqualTo(0x80); // host 0x880; OF is undefined for counts > 1
        c.gpr[RAX] = 0x8234;
        c.gpr[RCX] = 1;
        run(0x66, 0x0f, 0xa5, 0xd0); // shld %cl,%dx,%ax
        assertThat(c.gpr[RAX]).isEqualTo(0x468);
        assertThat(flags()).isEqualTo(Flags.OF | Flags.CF); // host 0x801
    }

    @Test
    void shrd32ByImmediate() {
        c.gpr[RAX] = 0x0423_4567;
        c.gpr[RDX] = 0x89AB_CDEFL;
        run(0x0f, 0xac, 0xd0, 0x0a); // shrd $10,%edx,%eax
        assertThat(c.gpr[RAX]).isEqualTo(0x7BC1_08D1L);
        assertThat(flags() & ~Flags.OF).isEqualTo(0x004); // host 0x804
    }

    @Test
    void shldByZeroChangesNoFlagsButZeroExtends() {
        c.gpr[RAX] = 0xFFFF_FFFF_1234_5678L;
        c.putRflags(0x202 | Flags.ARITH);
        run(0x0f, 0xa4, 0xd0, 0x00); // shld $0,%edx,%eax
        assertThat(c.gpr[RAX]).isEqualTo(0x1234_5678L);
        assertThat(flags()).isEqualTo(Flags.ARITH);
    }

    @Test
    void shrd64OnMemory() {
        c.gpr[RDI] = DATA;
        m.memory().write64(DATA, 0x0123_4567_89AB_CDEFL);
        c.gpr[RDX] = 0xFEDC_BA98_7654_3210L;
        c.gpr[RCX] = 64 + 8; // masked to 8
        run(0x48, 0x0f, 0xad, 0x17); // shrd %cl,%rdx,(%rdi)
        assertThat(mem64(DATA)).isEqualTo(0x1001_2345_6789_ABCDL);
        assertThat(flags() & Flags.CF).isEqualTo(Flags.CF); // bit 7 of 0xEF
    }

    // ---------------------------------------------------------------- IMUL, CMPXCHG, XADD, BSWAP

    @Test
    void imulTwoOperand() {
        c.gpr[RAX] = 0x7FFF_FFFF;
        c.gpr[RBX] = 3;
        run(0x48, 0x0f, 0xaf, 0xc3); // imul %rbx,%rax
        assertThat(c.gpr[RAX]).isEqualTo(0x1_7FFF_FFFDL);
        assertThat(flags() & (Flags.CF | Flags.OF)).isZero();
        c.gpr[RDI] = DATA;
        m.memory().write32(DATA, 3);
        c.gpr[RCX] = 0x7FFF_FFFF;
        run(0x0f, 0xaf, 0x0f); // imul (%rdi),%ecx
        assertThat(c.gpr[RCX]).isEqualTo(0x7FFF_FFFDL);
        assertThat(flags() & (Flags.CF | Flags.OF)).isEqualTo(Flags.CF | Flags.OF);
    }

    @Test
    void cmpxchgRegisterAsTheHostDoes() {
        c.gpr[RAX] = 0xFFFF_FFFF_0000_0001L;
        c.gpr[RDX] = 0xFFFF_FFFF_0000_0002L;
        c.gpr[RCX] = 0xFFFF_FFFF_0000_0003L;
        run(0x0f, 0xb1, 0xca); // cmpxchg %ecx,%edx (fails)
        assertThat(c.gpr[RAX]).isEqualTo(2);
        assertThat(c.gpr[RDX]).isEqualTo(0xFFFF_FFFF_0000_0002L);
        assertThat(flags() & Flags.ZF).isZero();
        c.gpr[RAX] = 0xFFFF_FFFF_0000_0002L;
        run(0x0f, 0xb1, 0xca); // cmpxchg %ecx,%edx (succeeds)
        assertThat(c.gpr[RAX]).isEqualTo(0xFFFF_FFFF_0000_0002L);
        assertThat(c.gpr[RDX]).isEqualTo(3);
        assertThat(flags() & Flags.ZF).isEqualTo(Flags.ZF);
        c.gpr[RAX] = 0x10;
        c.gpr[RCX] = 0x20;
        c.gpr[RBX] = 0x30;
        run(0x0f, 0xb0, 0xd9); // cmpxchg %bl,%cl (fails: AL=0x10 < CL=0x20)
        assertThat(c.gpr[RAX]).isEqualTo(0x20);
        assertThat(flags() & Flags.CF).isEqualTo(Flags.CF);
    }

    @Test
    void lockCmpxchgMemory() {
        c.gpr[RDI] = DATA;
        m.memory().write64(DATA, 0x5555_0000_0000_0007L);
        c.gpr[RAX] = 7;
        c.gpr[RCX] = 9;
        run(0xf0, 0x0f, 0xb1, 0x0f); // lock cmpxchg %ecx,(%rdi)
        assertThat(mem64(DATA)).isEqualTo(0x5555_0000_0000_0009L);
        assertThat(flags() & Flags.ZF).isEqualTo(Flags.ZF);
        run(0xf0, 0x0f, 0xb1, 0x0f); // fails now: EAX = 9
        assertThat(c.gpr[RAX]).isEqualTo(9);
        assertThat(flags() & Flags.ZF).isZero();
    }

    @Test
    void cmpxchgOnAReadOnlyPageFaultsEvenWhenTheComparisonFails() {
        c.gpr[RDI] = DATA;
        long pte = m.pteAddress(DATA);
        m.memory().write64(pte, m.memory().read64(pte) & ~2L);
        c.invalidatePage(DATA);
        c.gpr[RAX] = 1; // memory holds 0: the comparison fails, the write-back still faults
        assertFault(run(0x0f, 0xb1, 0x0f), Vectors.PF); // cmpxchg %ecx,(%rdi)
        assertThat(c.gpr[RAX]).isEqualTo(1);
    }

    @Test
    void cmpxchg8b() {
        c.gpr[RDI] = DATA;
        m.memory().write64(DATA, 0x0000_6666_0000_5555L);
        c.gpr[RAX] = 0x1122_3344_5566_7788L;
        c.gpr[RDX] = 0x99AA_BBCC_DDEE_FF00L;
        c.gpr[RBX] = 1;
        c.gpr[RCX] = 2;
        run(0xf0, 0x0f, 0xc7, 0x0f); // lock cmpxchg8b (%rdi): fails
        assertThat(c.gpr[RAX]).isEqualTo(0x5555);
        assertThat(c.gpr[RDX]).isEqualTo(0x6666);
        assertThat(flags() & Flags.ZF).isZero();
        c.gpr[RDX] |= 0xFFFF_FFFF_0000_0000L; // only EDX:EAX are compared
        run(0xf0, 0x0f, 0xc7, 0x0f); // succeeds
        assertThat(mem64(DATA)).isEqualTo(0x0000_0002_0000_0001L);
        assertThat(flags() & Flags.ZF).isEqualTo(Flags.ZF);
    }

    @Test
    void cmpxchg16bNeedsAlignment() {
        c.gpr[RDI] = DATA;
        m.memory().write64(DATA, 5);
        m.memory().write64(DATA + 8, 6);
        c.gpr[RAX] = 5;
        c.gpr[RDX] = 6;
        c.gpr[RBX] = 7;
        c.gpr[RCX] = 8;
        run(0xf0, 0x48, 0x0f, 0xc7, 0x0f); // lock cmpxchg16b (%rdi)
        assertThat(mem64(DATA)).isEqualTo(7);
        assertThat(mem64(DATA + 8)).isEqualTo(8);
        assertThat(flags() & Flags.ZF).isEqualTo(Flags.ZF);
        run(0xf0, 0x48, 0x0f, 0xc7, 0x0f); // fails: loads RDX:RAX
        assertThat(c.gpr[RAX]).isEqualTo(7);
        assertThat(c.gpr[RDX]).isEqualTo(8);
        c.gpr[RDI] = DATA + 8;
        assertFault(run(0xf0, 0x48, 0x0f, 0xc7, 0x0f), Vectors.GP);
        assertFault(run(0x0f, 0xc7, 0xc8), Vectors.UD); // register operand
        assertFault(run(0x0f, 0xc7, 0xf0), Vectors.UD); // rdrand: not advertised
    }

    @Test
    void xadd() {
        c.gpr[RAX] = 5;
        c.gpr[RCX] = 0xFFFF_FFFFL;
        run(0x0f, 0xc1, 0xc1); // xadd %eax,%ecx
        assertThat(c.gpr[RAX]).isEqualTo(0xFFFF_FFFFL);
        assertThat(c.gpr[RCX]).isEqualTo(4);
        assertThat(flags() & Flags.CF).isEqualTo(Flags.CF);
        c.gpr[RDI] = DATA;
        m.memory().write64(DATA, 100);
        c.gpr[RAX] = 23;
        run(0xf0, 0x48, 0x0f, 0xc1, 0x07); // lock xadd %rax,(%rdi)
        assertThat(mem64(DATA)).isEqualTo(123);
        assertThat(c.gpr[RAX]).isEqualTo(100);
    }

    @Test
    void bswap() {
        c.gpr[RAX] = 0xFFFF_FFFF_1234_5678L;
        run(0x0f, 0xc8); // bswap %eax
        assertThat(c.gpr[RAX]).isEqualTo(0x7856_3412L);
        c.gpr[9] = 0x0102_0304_0506_0708L;
        run(0x49, 0x0f, 0xc9); // bswap %r9
        assertThat(c.gpr[9]).isEqualTo(0x0807_0605_0403_0201L);
        c.gpr[RAX] = 0xFFFF_FFFF_1234_5678L;
        run(0x66, 0x0f, 0xc8); // bswap %ax: the host clears the low word
        assertThat(c.gpr[RAX]).isEqualTo(0xFFFF_FFFF_1234_0000L);
    }

    // ---------------------------------------------------------------- MOVBE and CRC32 (called by the 0F38 map)

    /** Decodes {@code code} into the CPU's current-instruction fields, as the run loop does. */
    private void decode(int... code) {
        m.load(CODE, bytes(code));
        Block b = new Block();
        int len = Decoder.decode(a -> m.memory().read8(a) & 0xFF, CODE, true, true, b, 0);
        c.op = b.op[0];
        c.mrm = b.mrm[0];
        c.attr = b.attr[0];
        c.disp = b.disp[0];
        c.imm = b.imm[0];
        c.insnRip = CODE;
        c.nextRip = CODE + len;
    }

    @Test
    void movbe() {
        c.gpr[RDI] = DATA;
        m.memory().write64(DATA, 0x0102_0304_0506_0708L);
        c.gpr[RAX] = -1;
        decode(0x0f, 0x38, 0xf0, 0x07); // movbe (%rdi),%eax
        SystemOps.movbe(c, false);
        assertThat(c.gpr[RAX]).isEqualTo(0x0807_0605L);
        c.gpr[RAX] = 0x1122_3344_5566_7788L;
        decode(0x48, 0x0f, 0x38, 0xf1, 0x07); // movbe %rax,(%rdi)
        SystemOps.movbe(c, true);
        assertThat(mem64(DATA)).isEqualTo(0x8877_6655_4433_2211L);
    }

    @Test
    void crc32MatchesCrc32c() {
        byte[] data = {(byte) 0x9C, 0x12, 0x34, 0x56, 0x78, (byte) 0x9A, (byte) 0xBC, (byte) 0xDE, (byte) 0xF0};
        CRC32C reference = new CRC32C();
        reference.update(data, 0, data.length);
        c.gpr[RDI] = DATA;
        m.memory().write8(DATA, data[0]);
        c.gpr[RAX] = 0xFFFF_FFFFL;
        decode(0xf2, 0x0f, 0x38, 0xf0, 0x07); // crc32b (%rdi),%eax
        SystemOps.crc32(c, false);
        long rest = 0;
        for (int i = 8; i >= 1; i--) {
            rest = (rest << 8) | (data[i] & 0xFF);
        }
        c.gpr[RBX] = rest;
        decode(0xf2, 0x48, 0x0f, 0x38, 0xf1, 0xc3); // crc32q %rbx,%rax
        SystemOps.crc32(c, true);
        assertThat(~c.gpr[RAX] & 0xFFFF_FFFFL).isEqualTo(reference.getValue());
    }

    // ---------------------------------------------------------------- CPUID, TSC

    @Test
    void cpuidAnswersFromTheHost() {
        c.gpr[RAX] = 0xFFFF_FFFF_0000_0000L; // leaf 0: the upper half is ignored
        c.gpr[RBX] = -1;
        run(0x0f, 0xa2); // cpuid
        int[] expected = new int[4];
        CpuModel.cpuid(0, 0, expected);
        assertThat(c.gpr[RAX]).isEqualTo(expected[0] & 0xFFFF_FFFFL);
        assertThat(c.gpr[RBX]).isEqualTo(expected[1] & 0xFFFF_FFFFL);
        assertThat(c.gpr[RCX]).isEqualTo(expected[2] & 0xFFFF_FFFFL);
        assertThat(c.gpr[RDX]).isEqualTo(expected[3] & 0xFFFF_FFFFL);
    }

    @Test
    void rdtscAndRdtscp() {
        run(0x0f, 0x31); // rdtsc
        long first = (c.gpr[RDX] << 32) | c.gpr[RAX];
        c.tscAux = 0x42;
        run(0x0f, 0x01, 0xf9); // rdtscp
        long second = (c.gpr[RDX] << 32) | c.gpr[RAX];
        assertThat(second).isGreaterThan(first);
        assertThat(c.gpr[RCX]).isEqualTo(0x42);
        machine(3);
        c.setCr4(c.cr4() | X86Cpu.CR4_TSD);
        assertFault(run(0x0f, 0x31), Vectors.GP);
        assertFault(run(0x0f, 0x01, 0xf9), Vectors.GP);
    }

    // ---------------------------------------------------------------- SYSCALL, SYSRET, SWAPGS

    @Test
    void interceptedSyscallExitsPastTheInstruction() {
        machine(3);
        c.gpr[RCX] = 0x77;
        ExitReason r = run(0x0f, 0x05);
        assertThat(r).isEqualTo(ExitReason.SYSCALL);
        assertThat(c.rip).isEqualTo(CODE + 2);
        assertThat(c.gpr[RCX]).isEqualTo(0x77);
        assertThat(exit().instructionLength).isEqualTo(2);
    }

    @Test
    void architecturalSyscallAndSysret() {
        machine(3);
        c.interceptSyscall = false;
        c.lstar = 0x2000;
        c.star = (0x18L << 48) | (0x08L << 32);
        c.sfmask = Flags.IF | Flags.DF;
        c.putRflags(0x202 | Flags.DF | Flags.CF);
        ExitReason r = run(0x0f, 0x05); // syscall
        assertThat(r).isEqualTo(ExitReason.BUDGET);
        assertThat(c.rip).isEqualTo(0x2000);
        assertThat(c.gpr[RCX]).isEqualTo(CODE + 2);
        assertThat(c.gpr[11]).isEqualTo(0x202 | Flags.DF | Flags.CF);
        assertThat(c.cpl).isZero();
        assertThat(c.segSel[X86Cpu.CS]).isEqualTo(0x08);
        assertThat(c.segSel[X86Cpu.SS]).isEqualTo(0x10);
        assertThat(c.getRflags()).isEqualTo(0x2 | Flags.CF);

        c.gpr[RCX] = 0x3000;
        c.gpr[11] = 0x246;
        r = run(0x48, 0x0f, 0x07); // sysretq
        assertThat(r).isEqualTo(ExitReason.BUDGET);
        assertThat(c.rip).isEqualTo(0x3000);
        assertThat(c.cpl).isEqualTo(3);
        assertThat(c.segSel[X86Cpu.CS]).isEqualTo(0x2B);
        assertThat(c.segSel[X86Cpu.SS]).isEqualTo(0x23);
        assertThat(c.code64).isTrue();
        assertThat(c.getRflags()).isEqualTo(0x246);
    }

    @Test
    void syscallWithoutSceIsUndefined() {
        c.interceptSyscall = false;
        c.setEfer(c.efer() & ~X86Cpu.EFER_SCE);
        assertFault(run(0x0f, 0x05), Vectors.UD);
    }

    @Test
    void sysretAtCpl3IsAPrivilegedExit() {
        machine(3);
        assertPrivileged(run(0x48, 0x0f, 0x07), PrivilegedOp.SYSRET, 3);
    }

    @Test
    void swapgs() {
        c.segBase[X86Cpu.GS] = 0x1000;
        c.kernelGsBase = 0x2000;
        run(0x0f, 0x01, 0xf8); // swapgs
        assertThat(c.segBase[X86Cpu.GS]).isEqualTo(0x2000);
        assertThat(c.kernelGsBase).isEqualTo(0x1000);
        machine(3);
        assertPrivileged(run(0x0f, 0x01, 0xf8), PrivilegedOp.SWAPGS, 3);
    }

    // ---------------------------------------------------------------- MSRs, control and debug registers

    @Test
    void msrsAtCpl0() {
        c.gpr[RCX] = SystemOps.MSR_LSTAR;
        c.gpr[RDX] = 0xFFFF_8000L;
        c.gpr[RAX] = 0x1234_5678L;
        run(0x0f, 0x30); // wrmsr
        assertThat(c.lstar).isEqualTo(0xFFFF_8000_1234_5678L);
        c.gpr[RAX] = c.gpr[RDX] = -1;
        run(0x0f, 0x32); // rdmsr
        assertThat(c.gpr[RAX]).isEqualTo(0x1234_5678L);
        assertThat(c.gpr[RDX]).isEqualTo(0xFFFF_8000L);
        c.gpr[RCX] = SystemOps.MSR_FS_BASE;
        c.gpr[RDX] = 0x0000_8000L; // non-canonical
        assertFault(run(0x0f, 0x30), Vectors.GP);
        c.gpr[RCX] = 0x1B; // APIC base: not emulated
        assertFault(run(0x0f, 0x32), Vectors.GP);
    }

    @Test
    void msrsAtCpl3Exit() {
        machine(3);
        c.gpr[RCX] = SystemOps.MSR_GS_BASE;
        assertPrivileged(run(0x0f, 0x32), PrivilegedOp.RDMSR, 2);
        assertThat(exit().operand[0]).isEqualTo(SystemOps.MSR_GS_BASE);
        assertPrivileged(run(0x0f, 0x30), PrivilegedOp.WRMSR, 2);
    }

    @Test
    void controlRegistersAtCpl0() {
        run(0x0f, 0x20, 0xc0); // mov %cr0,%rax
        assertThat(c.gpr[RAX]).isEqualTo(c.cr0());
        c.gpr[RAX] = 5;
        run(0x44, 0x0f, 0x22, 0xc0); // mov %rax,%cr8
        run(0x44, 0x0f, 0x20, 0xc1); // mov %cr8,%rcx
        assertThat(c.gpr[RCX]).isEqualTo(5);
        c.gpr[RBX] = c.cr4() | X86Cpu.CR4_TSD;
        run(0x0f, 0x22, 0xe3); // mov %rbx,%cr4
        assertThat(c.cr4() & X86Cpu.CR4_TSD).isNotZero();
        c.gpr[RBX] = c.cr4() | (1L << 20); // SMEP: not advertised
        assertFault(run(0x0f, 0x22, 0xe3), Vectors.GP);
        c.gpr[RBX] = c.cr4() & ~X86Cpu.CR4_PAE; // would leave long mode
        assertFault(run(0x0f, 0x22, 0xe3), Vectors.GP);
        c.cr0 |= X86Cpu.CR0_TS;
        run(0x0f, 0x06); // clts
        assertThat(c.cr0() & X86Cpu.CR0_TS).isZero();
    }

    @Test
    void controlRegistersAtCpl3Exit() {
        machine(3);
        assertPrivileged(run(0x0f, 0x20, 0xc0), PrivilegedOp.MOV_FROM_CR, 3); // mov %cr0,%rax
        assertThat(exit().operand).containsExactly(0, RAX);
        assertPrivileged(run(0x0f, 0x22, 0xe3), PrivilegedOp.MOV_TO_CR, 3); // mov %rbx,%cr4
        assertThat(exit().operand).containsExactly(4, RBX);
        assertPrivileged(run(0x44, 0x0f, 0x20, 0xc1), PrivilegedOp.MOV_FROM_CR, 4); // mov %cr8,%rcx
        assertThat(exit().operand).containsExactly(8, RCX);
        assertPrivileged(run(0x0f, 0x21, 0xfa), PrivilegedOp.MOV_FROM_DR, 3); // mov %dr7,%rdx
        assertThat(exit().operand).containsExactly(7, RDX);
        assertFault(run(0x0f, 0x20, 0xc8), Vectors.UD); // mov %cr1,%rax
        assertPrivileged(run(0x0f, 0x06), PrivilegedOp.CLTS, 2);
        assertPrivileged(run(0x0f, 0x09), PrivilegedOp.WBINVD, 2);
        c.gpr[RDI] = 0x1234_5678_9000L;
        assertPrivileged(run(0x0f, 0x01, 0x3f), PrivilegedOp.INVLPG, 3); // invlpg (%rdi)
        assertThat(exit().operand).containsExactly(0x5678_9000, 0x1234);
        assertPrivileged(run(0x0f, 0x01, 0x17), PrivilegedOp.LGDT, 3); // lgdt (%rdi)
        assertPrivileged(run(0x0f, 0x01, 0xf0), PrivilegedOp.LMSW, 3); // lmsw %ax
        assertPrivileged(run(0x0f, 0x00, 0xd8), PrivilegedOp.LTR, 3); // ltr %ax
        assertPrivileged(run(0x0f, 0x33), PrivilegedOp.RDPMC, 2);
    }

    @Test
    void debugRegisters() {
        c.gpr[RAX] = 0x4000;
        run(0x0f, 0x23, 0xc0); // mov %rax,%dr0
        assertThat(c.dr[0]).isEqualTo(0x4000);
        c.dr[7] = 0x401;
        run(0x0f, 0x21, 0xfa); // mov %dr7,%rdx
        assertThat(c.gpr[RDX]).isEqualTo(0x401);
    }

    // ---------------------------------------------------------------- descriptor tables

    @Test
    void sgdtAndSmswWorkAtCpl3() {
        machine(3);
        c.gdtrBase = 0xFFFF_8000_0000_1000L;
        c.gdtrLimit = 0x2F;
        c.gpr[RDI] = DATA;
        run(0x0f, 0x01, 0x07); // sgdt (%rdi)
        assertThat(m.memory().read16(DATA) & 0xFFFF).isEqualTo(0x2F);
        assertThat(mem64(DATA + 2)).isEqualTo(0xFFFF_8000_0000_1000L);
        run(0x0f, 0x01, 0xe0); // smsw %eax
        assertThat(c.gpr[RAX]).isEqualTo(c.cr0() & 0xFFFF_FFFFL);
        c.tr = 0x40;
        run(0x0f, 0x00, 0xc9); // str %ecx
        assertThat(c.gpr[RCX]).isEqualTo(0x40);
    }

    @Test
    void lgdtAtCpl0() {
        c.gpr[RDI] = DATA;
        m.memory().write16(DATA, (short) 0x7F);
        m.memory().write64(DATA + 2, 0xFFFF_8000_0010_0000L);
        run(0x0f, 0x01, 0x17); // lgdt (%rdi)
        assertThat(c.gdtrLimit).isEqualTo(0x7F);
        assertThat(c.gdtrBase).isEqualTo(0xFFFF_8000_0010_0000L);
    }

    @Test
    void larLslVerrVerw() {
        machine(3);
        c.gpr[RAX] = 0xDEAD;
        c.gpr[RCX] = FlatMachine.USER_DS;
        run(0x0f, 0x02, 0xc1); // lar %cx,%eax
        assertThat(c.gpr[RAX]).isEqualTo((FlatMachine.GDT[4] >>> 32) & 0x00F0_FF00L);
        assertThat(flags() & Flags.ZF).isEqualTo(Flags.ZF);
        run(0x0f, 0x03, 0xc1); // lsl %cx,%eax
        assertThat(c.gpr[RAX]).isEqualTo(0xFFFF_FFFFL);
        run(0x0f, 0x00, 0xe9); // verw %cx
        assertThat(flags() & Flags.ZF).isEqualTo(Flags.ZF);
        c.gpr[RCX] = FlatMachine.USER_CS;
        run(0x0f, 0x00, 0xe1); // verr %cx: code readable
        assertThat(flags() & Flags.ZF).isEqualTo(Flags.ZF);
        run(0x0f, 0x00, 0xe9); // verw %cx: code never writable
        assertThat(flags() & Flags.ZF).isZero();
        c.gpr[RCX] = FlatMachine.KERNEL_DS; // DPL 0 seen from CPL 3
        c.gpr[RAX] = 0x77;
        run(0x0f, 0x02, 0xc1); // lar %cx,%eax
        assertThat(flags() & Flags.ZF).isZero();
        assertThat(c.gpr[RAX]).isEqualTo(0x77);
    }

    // ---------------------------------------------------------------- undefined opcodes, hints, FS/GS

    @Test
    void undefinedOpcodes() {
        assertFault(run(0x0f, 0x0b), Vectors.UD); // ud2
        assertFault(run(0x0f, 0xb9, 0xc0), Vectors.UD); // ud1
        assertFault(run(0x0f, 0xff, 0xc0), Vectors.UD); // ud0
        assertFault(run(0x0f, 0x0d, 0xc0), Vectors.UD); // prefetch with a register operand
        assertFault(run(0x0f, 0x01, 0xd0), Vectors.UD); // xgetbv: no XSAVE
    }

    @Test
    void hintsAreNops() {
        c.gpr[RDI] = UNMAPPED; // prefetches never fault
        for (int[] code : new int[][] {
            {0x0f, 0x1f, 0x04, 0x00}, // nopl (%rax,%rax,1)
            {0x0f, 0x18, 0x0f}, // prefetcht0 (%rdi)
            {0x0f, 0x0d, 0x0f}, // prefetchw (%rdi)
            {0xf3, 0x0f, 0x1e, 0xfa}, // endbr64
            {0x0f, 0xae, 0xe8}, // lfence
            {0x0f, 0xae, 0xf0}, // mfence
            {0x0f, 0xae, 0xf8}, // sfence
        }) {
            assertThat(run(code)).as("%s -> %s", java.util.Arrays.toString(code), exit()).isEqualTo(ExitReason.BUDGET);
            assertThat(c.rip).isEqualTo(CODE + code.length);
        }
    }

    @Test
    void pushAndPopFs() {
        machine(3);
        m.memory().write64(STACK - 8, -1L);
        run(0x0f, 0xa0); // push %fs
        assertThat(c.gpr[RSP]).isEqualTo(STACK - 8);
        assertThat(mem64(STACK - 8)).isZero(); // the null selector, zero-extended (host)
        m.memory().write64(STACK - 8, FlatMachine.USER_DS);
        run(0x0f, 0xa1); // pop %fs
        assertThat(c.gpr[RSP]).isEqualTo(STACK);
        assertThat(c.segSel[X86Cpu.FS]).isEqualTo(FlatMachine.USER_DS);
        c.gpr[RSP] = STACK - 8;
        m.memory().write64(STACK - 8, FlatMachine.KERNEL_DS); // DPL 0 from CPL 3
        ExitReason r = run(0x0f, 0xa9); // pop %gs
        assertFault(r, Vectors.GP);
        assertThat(exit().errorCode).isEqualTo(FlatMachine.KERNEL_DS);
        assertThat(c.gpr[RSP]).isEqualTo(STACK - 8);
    }

    @Test
    void lfsLoadsOffsetAndSelector() {
        machine(3);
        c.gpr[RDI] = DATA;
        c.gpr[RAX] = -1;
        m.memory().write32(DATA, 0x1234_5678);
        m.memory().write16(DATA + 4, (short) FlatMachine.USER_DS);
        run(0x0f, 0xb4, 0x07); // lfs (%rdi),%eax
        assertThat(c.gpr[RAX]).isEqualTo(0x1234_5678L);
        assertThat(c.segSel[X86Cpu.FS]).isEqualTo(FlatMachine.USER_DS);
        m.memory().write16(DATA + 4, (short) FlatMachine.KERNEL_DS);
        c.gpr[RAX] = 5;
        assertFault(run(0x0f, 0xb4, 0x07), Vectors.GP);
        assertThat(exit().errorCode).isEqualTo(FlatMachine.KERNEL_DS);
        assertThat(c.gpr[RAX]).isEqualTo(5);
        assertThat(c.segSel[X86Cpu.FS]).isEqualTo(FlatMachine.USER_DS);
    }

    // ---------------------------------------------------------------- MXCSR, FXSAVE

    @Test
    void ldmxcsrAndStmxcsr() {
        c.gpr[RDI] = DATA;
        m.memory().write32(DATA, 0x1F80 | 0x6000);
        run(0x0f, 0xae, 0x17); // ldmxcsr (%rdi)
        assertThat(c.sse.mxcsr).isEqualTo(0x7F80);
        c.sse.mxcsr = 0x1F80;
        run(0x0f, 0xae, 0x1f); // stmxcsr (%rdi)
        assertThat(m.memory().read32(DATA)).isEqualTo(0x1F80);
        m.memory().write32(DATA, 0x1_0000);
        assertFault(run(0x0f, 0xae, 0x17), Vectors.GP);
        c.cr0 |= X86Cpu.CR0_TS;
        assertFault(run(0x0f, 0xae, 0x17), Vectors.NM);
    }

    @Test
    void fxsaveChecksAlignmentAndCr0() {
        c.gpr[RDI] = DATA + 8;
        assertFault(run(0x0f, 0xae, 0x07), Vectors.GP); // fxsave (%rdi)
        c.gpr[RDI] = DATA;
        c.cr0 |= X86Cpu.CR0_TS;
        assertFault(run(0x0f, 0xae, 0x07), Vectors.NM);
        c.cr0 = (c.cr0 & ~X86Cpu.CR0_TS) | X86Cpu.CR0_EM;
        assertFault(run(0x48, 0x0f, 0xae, 0x0f), Vectors.NM); // fxrstor64 (%rdi)
    }

    @Test
    void fxsaveFxrstorRoundTrip() {
        try {
            c.x87.fxsave(new byte[512]);
            c.sse.fxsave(new byte[512]);
        } catch (UnsupportedOperationException e) {
            Assumptions.abort("x87/SSE image parts not implemented on this branch yet");
        }
        c.gpr[RDI] = DATA;
        m.memory().write64(DATA + 464, 0x5A5A_5A5A_5A5A_5A5AL); // free for software: never written
        c.sse.xmm[2 * 15] = 0x1111;
        c.sse.xmm[2 * 15 + 1] = 0x2222;
        c.sse.mxcsr = 0x1F80 | 0x20;
        run(0x48, 0x0f, 0xae, 0x07); // fxsave64 (%rdi)
        assertThat(m.memory().read32(DATA + 24)).isEqualTo(0x1FA0);
        assertThat(mem64(DATA + 160 + 15 * 16)).isEqualTo(0x1111);
        assertThat(mem64(DATA + 464)).isEqualTo(0x5A5A_5A5A_5A5A_5A5AL);
        c.sse.xmm[2 * 15] = 0;
        c.sse.mxcsr = 0x1F80;
        run(0x48, 0x0f, 0xae, 0x0f); // fxrstor64 (%rdi)
        assertThat(c.sse.xmm[2 * 15]).isEqualTo(0x1111);
        assertThat(c.sse.mxcsr).isEqualTo(0x1FA0);
        m.memory().write32(DATA + 24, 0x1_0000); // reserved MXCSR bit
        assertFault(run(0x48, 0x0f, 0xae, 0x0f), Vectors.GP);
    }
}
