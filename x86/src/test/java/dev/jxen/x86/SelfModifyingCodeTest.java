package dev.jxen.x86;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jxen.machine.ExitReason;
import dev.jxen.x86.testkit.FlatMachine;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Decoded code is dropped when its bytes change: stores by the guest (to the instruction after
 * the store, to a block that already ran, through another mapping of the frame, to an instruction
 * that straddles two pages) and writes from outside the engine through {@code MachineMemory}.
 */
class SelfModifyingCodeTest {
    static final long CODE = 0x1000;
    static final long STACK = 0x80000;
    static final int RAX = 0, RBX = 3, RSP = 4;

    FlatMachine m;
    X86Cpu c;

    @BeforeEach
    void setUp() {
        m = new FlatMachine(4 << 20, 0);
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

    void runToHlt(long rip) {
        c.rip = rip;
        assertThat(m.run(10_000)).as(c.exit().toString()).isEqualTo(ExitReason.HALT);
    }

    @Test
    void storeIntoTheNextInstructionExecutesTheNewBytes() {
        m.load(CODE, bytes(
                0xc6, 0x05, 0x01, 0x00, 0x00, 0x00, 0x22, // mov byte [rip+1], 0x22: the imm8 below
                0xb0, 0x11, // mov al, 0x11
                0xf4)); // hlt
        runToHlt(CODE);
        assertThat(c.gpr[RAX] & 0xFF).isEqualTo(0x22);
    }

    @Test
    void storeIntoABlockThatAlreadyRanIsSeenTheNextTimeItRuns() {
        m.load(CODE, bytes(
                0xe8, 0x1b, 0x00, 0x00, 0x00, // call L (CODE+0x20)
                0xc6, 0x05, 0x16, 0x00, 0x00, 0x00, 0x10, // mov byte [rip+0x16], 0x10: L's immediate
                0xe8, 0x0f, 0x00, 0x00, 0x00, // call L
                0xf4)); // hlt
        m.load(CODE + 0x20, bytes(0x80, 0xc3, 0x01, 0xc3)); // L: add bl, 1; ret
        runToHlt(CODE);
        assertThat(c.gpr[RBX] & 0xFF).isEqualTo(0x11);
    }

    @Test
    void storeThroughAnotherMappingOfTheCodeFrameIsSeen() {
        long alias = 0x20_0000;
        m.memory().write64(m.pteAddress(alias), CODE | 7); // alias -> the code frame
        c.flushTlb(true);
        m.load(CODE, bytes(
                0xc6, 0x04, 0x25, 0x0c, 0x00, 0x20, 0x00, 0x22, // mov byte [alias+0xC], 0x22
                0x90, 0x90, 0x90, // nop x3
                0xb0, 0x11, // mov al, 0x11: its immediate is at CODE+0xC
                0xf4));
        runToHlt(CODE);
        assertThat(c.gpr[RAX] & 0xFF).isEqualTo(0x22);
    }

    @Test
    void storeIntoTheSecondPageOfAStraddlingInstructionIsSeen() {
        long at = 0x1FFE; // mov eax, imm32 at 0x1FFE: its immediate ends on the next page
        m.load(at, bytes(0xb8, 0x11, 0x11, 0x11, 0x11, 0xf4));
        runToHlt(at);
        assertThat(c.gpr[RAX]).isEqualTo(0x1111_1111L);
        // Code elsewhere patches the byte at 0x2001, then jumps back.
        m.load(0x3000, bytes(
                0xc6, 0x04, 0x25, 0x01, 0x20, 0x00, 0x00, 0x22, // mov byte [0x2001], 0x22
                0xe9, 0xf1, 0xef, 0xff, 0xff)); // jmp 0x1FFE
        runToHlt(0x3000);
        assertThat(c.gpr[RAX]).isEqualTo(0x1122_1111L);
    }

    @Test
    void writeFromOutsideTheEngineDropsDecodedCode() {
        m.load(CODE, bytes(0xb0, 0x11, 0xf4)); // mov al, 0x11; hlt
        runToHlt(CODE);
        assertThat(c.gpr[RAX] & 0xFF).isEqualTo(0x11);
        m.memory().write8(CODE + 1, (byte) 0x33);
        runToHlt(CODE);
        assertThat(c.gpr[RAX] & 0xFF).isEqualTo(0x33);
        m.memory().write(CODE, bytes(0xb0, 0x44), 0, 2);
        runToHlt(CODE);
        assertThat(c.gpr[RAX] & 0xFF).isEqualTo(0x44);
    }

    @Test
    void dataStoresToACodePageLeaveTheCodeWorking() {
        m.load(CODE, bytes(
                0x48, 0xc7, 0xc3, 0x00, 0x18, 0x00, 0x00, // mov rbx, 0x1800 (same page, past the code)
                0xb0, 0x05, // L: mov al, 5
                0x88, 0x03, // mov [rbx], al
                0x48, 0xff, 0xc3, // inc rbx
                0x80, 0xfb, 0x40, // cmp bl, 0x40
                0x75, 0xf4, // jne L
                0xf4));
        runToHlt(CODE);
        assertThat(c.gpr[RBX]).isEqualTo(0x1840);
        assertThat(m.memory().read8(0x183F)).isEqualTo((byte) 5);
    }

    @Test
    void loopThatRewritesItsOwnBodyEachIteration() {
        // The loop body increments the immediate of its own "add bl, imm8" every iteration.
        m.load(CODE, bytes(
                0xb9, 0x05, 0x00, 0x00, 0x00, // mov ecx, 5
                0x80, 0xc3, 0x00, // L: add bl, imm8 (imm at CODE+7)
                0xfe, 0x05, 0xf9, 0xff, 0xff, 0xff, // inc byte [rip-7] -> CODE+7
                0xff, 0xc9, // dec ecx
                0x75, 0xf3, // jne L
                0xf4));
        runToHlt(CODE);
        assertThat(c.gpr[RBX] & 0xFF).isEqualTo(0 + 1 + 2 + 3 + 4);
    }

    @Test
    void codeOnAPageStaysInvalidatableAfterABlockStraddlesIntoTheNextPage() {
        m.load(CODE, bytes(0xb0, 0x11, 0xf4)); // X on the first page: mov al, 0x11; hlt
        m.load(0x1FFE, bytes(0xb8, 0x11, 0x11, 0x11, 0x11, 0xf4)); // a block from the first page into the second
        runToHlt(CODE);
        runToHlt(0x1FFE); // decoded after X, registered on both frames
        m.memory().write8(CODE + 1, (byte) 0x22);
        runToHlt(CODE);
        assertThat(c.gpr[RAX] & 0xFF).as("X decoded again after its frame was written").isEqualTo(0x22);
        c.mmu.write8(CODE + 1, 0x33); // and through the engine
        runToHlt(CODE);
        assertThat(c.gpr[RAX] & 0xFF).isEqualTo(0x33);
    }

    @Test
    void straddlingBlockFollowsARemapOfItsSecondPage() {
        m.load(0x1FFE, bytes(0xb8, 0x11, 0x11, 0x11, 0x11, 0xf4)); // mov eax, 0x11111111 across 0x2000
        m.load(0x30_0000, bytes(0x22, 0x22, 0x22, 0xf4)); // another frame with other bytes
        runToHlt(0x1FFE);
        assertThat(c.gpr[RAX]).isEqualTo(0x1111_1111L);
        m.memory().write64(m.pteAddress(0x2000), 0x30_0000 | 7); // the second page now maps the other frame
        c.invalidatePage(0x2000);
        runToHlt(0x1FFE);
        assertThat(c.gpr[RAX]).as("bytes fetched through the new mapping").isEqualTo(0x2222_2211L);
    }

    @Test
    void storeByOneVcpuDropsCodeAnotherVcpuDecoded() {
        X86Cpu other = (X86Cpu) new X86Engine().createVcpu(m.memory(), new FlatMachine.DefaultHost());
        other.loadSegment(X86Cpu.CS, FlatMachine.KERNEL_CS, FlatMachine.GDT[FlatMachine.KERNEL_CS >> 3]);
        other.setCr3(c.cr3());
        m.load(CODE, bytes(0xb0, 0x11, 0xf4));
        other.rip = CODE;
        assertThat(other.run(100)).isEqualTo(ExitReason.HALT);
        assertThat(other.gpr[RAX] & 0xFF).isEqualTo(0x11);
        m.load(0x3000, bytes(0xc6, 0x04, 0x25, 0x01, 0x10, 0x00, 0x00, 0x22, 0xf4)); // mov byte [CODE+1], 0x22
        runToHlt(0x3000);
        other.rip = CODE;
        assertThat(other.run(100)).isEqualTo(ExitReason.HALT);
        assertThat(other.gpr[RAX] & 0xFF).as("the other vCPU runs the new bytes").isEqualTo(0x22);
    }
}
