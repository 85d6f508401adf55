package dev.jxen.hypervisor;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The iret hypercall into guest user mode and SYSCALL from user mode back to the kernel (§4.3, §4.4). */
class ModeTest {
    static final long A = HypercallRunner.ARGS;
    static final long USER_CODE = TestGuest.CODE + 0x2000;
    static final long SYSCALL_HANDLER = TestGuest.CODE + 0x1000;
    static final long KSTACK = 0x48000, USER_STACK = 0x50000;
    static final long KERNEL_GS = 0x30000, USER_GS = 0x31000;
    static final long RESULT = TrapTest.RESULT;

    @Test
    void iretToUserThenSyscallBouncesToTheSyscallCallbackOnTheKernelStack() throws Exception {
        try (TestGuest g = new TestGuest()) {
            // User L4: shares the boot L3 (so it maps the same pages), without Xen's slots.
            g.write64(TestGuest.USER_L4 << 12, g.read64(TestGuest.L4 << 12));
            g.write64(KERNEL_GS, 0xC0C0);
            g.write64(USER_GS, 0xB0B0);
            g.write32(A, 15); // mmuext NEW_USER_BASEPTR
            g.write64(A + 8, g.mfn(TestGuest.USER_L4));

            Code k = new Code(TestGuest.CODE)
                    .movRdi(A).movRsi(1).movRdx(0).movR10(0x7FF0).hypercall(26) // mmuext_op
                    .storeRax(RESULT + 0x200)
                    .movRdi(0).movRsi(0).movRdx(SYSCALL_HANDLER).hypercall(4) // set_callbacks(0, 0, syscall)
                    .movRdi(0xE02B).movRsi(KSTACK).hypercall(3) // stack_switch
                    .movRdi(2).movRsi(KERNEL_GS).hypercall(25) // set_segment_base(GS_KERNEL)
                    .movRdi(1).movRsi(USER_GS).hypercall(25) // set_segment_base(GS_USER)
                    .raw(0x68).imm32(0xE02B) // push ss
                    .raw(0x68).imm32(USER_STACK) // push rsp
                    .raw(0x68).imm32(0x202) // push rflags
                    .raw(0x68).imm32(0xE033) // push cs (RPL 3: user mode)
                    .raw(0x68).imm32(USER_CODE) // push rip
                    .raw(0x6A, 0x00) // push flags
                    .raw(0x68).imm32(0x3333) // push rcx
                    .raw(0x68).imm32(0x1111) // push r11
                    .raw(0x68).imm32(0x7777) // push rax
                    .hypercall(23); // iret
            k.ud2();
            k.loadInto(g);
            Code u = new Code(USER_CODE)
                    .storeRax(RESULT) // rax from the iret frame
                    .raw(0x65, 0x48, 0x8B, 0x04, 0x25, 0, 0, 0, 0) // mov rax, gs:[0]
                    .storeRax(RESULT + 8)
                    .movRax(0x4242)
                    .syscall();
            long userReturn = u.here();
            u.ud2();
            u.loadInto(g);
            Code h = new Code(SYSCALL_HANDLER)
                    .raw(0x48, 0x89, 0xE6) // mov rsi, rsp
                    .movRdi(RESULT + 0x100)
                    .raw(0xB9, 7, 0, 0, 0) // mov ecx, 7
                    .raw(0xF3, 0x48, 0xA5) // rep movsq
                    .raw(0x65, 0x48, 0x8B, 0x04, 0x25, 0, 0, 0, 0) // mov rax, gs:[0]
                    .storeRax(RESULT + 16)
                    .raw(0x48, 0x89, 0xE0) // mov rax, rsp
                    .storeRax(RESULT + 24)
                    .shutdown(TrapTest.ZERO);
            h.loadInto(g);
            g.start(TestGuest.CODE);
            DomainExit exit = g.awaitExit();
            assertThat(exit.reason()).as(String.valueOf(exit.crashReport())).isEqualTo(ShutdownReason.POWEROFF);
            assertThat(g.read64(RESULT + 0x200)).as("NEW_USER_BASEPTR").isZero();
            assertThat(g.read64(RESULT)).as("rax from the iret frame").isEqualTo(0x7777);
            assertThat(g.read64(RESULT + 8)).as("user GS active in user mode").isEqualTo(0xB0B0);
            assertThat(g.read64(RESULT + 16)).as("kernel GS active again").isEqualTo(0xC0C0);
            assertThat(g.read64(RESULT + 24)).as("frame on the kernel stack").isEqualTo(KSTACK - 7 * 8);
            assertThat(g.read64(RESULT + 0x100)).as("RCX = user return RIP").isEqualTo(userReturn);
            assertThat(g.read64(RESULT + 0x110)).as("RIP").isEqualTo(userReturn);
            assertThat(g.read64(RESULT + 0x108)).as("R11 = user RFLAGS").isEqualTo(g.read64(RESULT + 0x120));
            assertThat(g.read64(RESULT + 0x128)).as("user RSP").isEqualTo(USER_STACK);
            Vcpu v = g.domain.vcpu(0);
            assertThat(v.inKernelMode()).isTrue();
            assertThat(v.state().cr3()).isEqualTo(g.mfn(TestGuest.L4) << 12);
            assertThat(v.state().kernelGsBase()).isEqualTo(USER_GS);
        }
    }

    @Test
    void iretToUserWithoutUserPageTableCrashes() throws Exception {
        try (TestGuest g = new TestGuest()) {
            Code k = new Code(TestGuest.CODE)
                    .raw(0x68).imm32(0xE02B).raw(0x68).imm32(USER_STACK).raw(0x68).imm32(0x202)
                    .raw(0x68).imm32(0xE033).raw(0x68).imm32(USER_CODE)
                    .raw(0x6A, 0x00, 0x6A, 0x00, 0x6A, 0x00, 0x6A, 0x00)
                    .hypercall(23);
            k.loadInto(g);
            g.start(TestGuest.CODE);
            DomainExit exit = g.awaitExit();
            assertThat(exit.reason()).isEqualTo(ShutdownReason.CRASH);
            assertThat(exit.crashReport()).contains("without a user page table").contains("iret(");
        }
    }
}
