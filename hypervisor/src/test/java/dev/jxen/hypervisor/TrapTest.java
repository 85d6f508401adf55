package dev.jxen.hypervisor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jxen.abi.SharedInfo;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Exceptions, software interrupts and privileged instructions of a PV guest (PV-ABI.md §4.2, §5). */
class TrapTest {
    static final long HANDLERS = TestGuest.CODE + 0x1000;
    static final long TRAPS = TestGuest.DATA + 0x1000;
    static final long RESULT = TestGuest.DATA + 0x2000;
    static final long ZERO = TestGuest.DATA + 0x3000;

    /** A handler that copies 8 stack words to RESULT and powers off. */
    static Code frameDumper(long at) {
        return new Code(at)
                .raw(0x48, 0x89, 0xE6) // mov rsi, rsp
                .movRdi(RESULT)
                .raw(0xB9, 8, 0, 0, 0) // mov ecx, 8
                .raw(0xF3, 0x48, 0xA5) // rep movsq
                .shutdown(ZERO);
    }

    /** Writes a trap_info entry: vector, flags, cs, address. */
    static void trap(TestGuest g, int slot, int vector, int flags, long address) {
        g.write64(TRAPS + slot * 16L, vector | (flags << 8) | (0xE033L << 16));
        g.write64(TRAPS + slot * 16L + 8, address);
    }

    /** mov rdi, TRAPS; set_trap_table. */
    static Code setTrapTable(Code c) {
        return c.movRdi(TRAPS).hypercall(0);
    }

    @Test
    void pageFaultBouncesWithXensFrameLayout() throws Exception {
        try (TestGuest g = new TestGuest()) {
            frameDumper(HANDLERS).loadInto(g);
            trap(g, 0, 14, 0, HANDLERS);
            Code c = setTrapTable(new Code(TestGuest.CODE))
                    .movRax(0x400008) // not mapped: L2 slot 2 is empty
                    .movRcx(0x1111)
                    .movR11(0x2222);
            long faultRip = c.here();
            c.raw(0x48, 0x89, 0x18); // mov [rax], rbx
            c.ud2();
            c.loadInto(g);
            g.start(TestGuest.CODE);
            DomainExit exit = g.awaitExit();

            assertThat(exit.reason()).as(String.valueOf(exit.crashReport())).isEqualTo(ShutdownReason.POWEROFF);
            assertThat(g.read64(RESULT)).as("RCX").isEqualTo(0x1111);
            assertThat(g.read64(RESULT + 8)).as("R11").isEqualTo(0x2222);
            assertThat(g.read64(RESULT + 16)).as("error code: write, not present, kernel").isEqualTo(2);
            assertThat(g.read64(RESULT + 24)).as("RIP").isEqualTo(faultRip);
            assertThat(g.read64(RESULT + 32)).as("CS with RPL cleared, saved upcall mask 1 at bit 32")
                    .isEqualTo(0x1_0000_E030L);
            assertThat(g.read64(RESULT + 40) & 0x200).as("saved IF = !mask").isZero();
            assertThat(g.read64(RESULT + 48)).as("RSP").isEqualTo(TestGuest.STACK_TOP);
            assertThat(g.read64(RESULT + 56)).as("SS").isEqualTo(0xE02B);
            long cr2 = g.memory.read64(g.domain.sharedInfoMachineAddress() + SharedInfo.VI_ARCH_CR2);
            assertThat(cr2).isEqualTo(0x400008);
        }
    }

    @Test
    void privilegedInstructionBouncesGeneralProtectionAtTheInstruction() throws Exception {
        try (TestGuest g = new TestGuest()) {
            frameDumper(HANDLERS).loadInto(g);
            trap(g, 0, 13, 0, HANDLERS);
            Code c = setTrapTable(new Code(TestGuest.CODE));
            long hltRip = c.here();
            c.raw(0xF4).ud2(); // hlt
            c.loadInto(g);
            g.start(TestGuest.CODE);
            DomainExit exit = g.awaitExit();
            assertThat(exit.reason()).as(String.valueOf(exit.crashReport())).isEqualTo(ShutdownReason.POWEROFF);
            assertThat(g.read64(RESULT + 16)).as("error code").isZero();
            assertThat(g.read64(RESULT + 24)).as("RIP at hlt").isEqualTo(hltRip);
        }
    }

    @Test
    void unhandledExceptionCrashesWithAReportNamingRipAndSymbol() throws Exception {
        try (TestGuest g = new TestGuest()) {
            Code c = new Code(TestGuest.CODE).raw(0x90, 0x90).ud2();
            c.loadInto(g);
            TreeMap<Long, String> symbols = new TreeMap<>();
            symbols.put(TestGuest.CODE, "start_kernel");
            g.domain.setSymbols(symbols);
            g.start(TestGuest.CODE);
            DomainExit exit = g.awaitExit();
            assertThat(exit.reason()).isEqualTo(ShutdownReason.CRASH);
            assertThat(exit.crashReport())
                    .contains("unhandled #UD")
                    .contains("rip 0000000000010002 <start_kernel+0x2>")
                    .contains("domain " + g.domain.id() + " (test)");
        }
    }

    @Test
    void forcedEmulationCpuidReturnsXensLeaves() throws Exception {
        try (TestGuest g = new TestGuest()) {
            Code c = new Code(TestGuest.CODE)
                    .raw(0xB8).imm32(0x4000_0000) // mov eax, 0x40000000
                    .raw(0x31, 0xC9) // xor ecx, ecx
                    .raw(0x0F, 0x0B, 0x78, 0x65, 0x6E, 0x0F, 0xA2) // ud2; .ascii "xen"; cpuid
                    .movRdi(RESULT)
                    .raw(0x48, 0x89, 0x07) // mov [rdi], rax
                    .raw(0x48, 0x89, 0x5F, 0x08) // mov [rdi+8], rbx
                    .raw(0x48, 0x89, 0x4F, 0x10) // mov [rdi+16], rcx
                    .raw(0x48, 0x89, 0x57, 0x18) // mov [rdi+24], rdx
                    .shutdown(ZERO);
            c.loadInto(g);
            g.start(TestGuest.CODE);
            DomainExit exit = g.awaitExit();
            assertThat(exit.reason()).as(String.valueOf(exit.crashReport())).isEqualTo(ShutdownReason.POWEROFF);
            assertThat(g.read64(RESULT)).isEqualTo(0x4000_0005L);
            byte[] sig = new byte[12];
            for (int i = 0; i < 4; i++) {
                sig[i] = (byte) (g.read64(RESULT + 8) >>> (8 * i));
                sig[4 + i] = (byte) (g.read64(RESULT + 16) >>> (8 * i));
                sig[8 + i] = (byte) (g.read64(RESULT + 24) >>> (8 * i));
            }
            assertThat(new String(sig)).isEqualTo("XenVMMXenVMM");
        }
    }

    @Test
    void wrmsrGsBaseAndMovFromCr3AreEmulated() throws Exception {
        try (TestGuest g = new TestGuest()) {
            Code c = new Code(TestGuest.CODE)
                    .raw(0xB9).imm32(0xC000_0101L) // mov ecx, MSR_GS_BASE
                    .raw(0xB8).imm32(0x2_0000) // mov eax, 0x20000
                    .raw(0x31, 0xD2) // xor edx, edx
                    .raw(0x0F, 0x30) // wrmsr
                    .raw(0x65, 0x48, 0x8B, 0x04, 0x25, 0x00, 0x30, 0, 0) // mov rax, gs:[0x3000]
                    .movRdi(RESULT)
                    .raw(0x48, 0x89, 0x07) // mov [rdi], rax
                    .raw(0x0F, 0x20, 0xD8) // mov rax, cr3
                    .raw(0x48, 0x89, 0x47, 0x08) // mov [rdi+8], rax
                    .raw(0xFA, 0xFB) // cli; sti: no-ops with IOPL 1 (set below)
                    .shutdown(ZERO);
            Code setIopl = new Code(TestGuest.CODE - 0x100)
                    .movRdi(6).movRsi(ZERO + 8).hypercall(33); // physdev_op(set_iopl, {1})
            long jmpEnd = setIopl.here() + 5;
            setIopl.raw(0xE9).imm32(TestGuest.CODE - jmpEnd); // jmp CODE
            g.write64(ZERO + 8, 1);
            g.write64(ZERO + 0x1000 + 0, 0); // gs:[0x3000] lives at DATA + 0x3000 = ZERO
            g.write64(ZERO, 0);
            c.loadInto(g);
            setIopl.loadInto(g);
            g.write64(TestGuest.DATA + 0x3000, 0);
            g.start(setIopl.base);
            DomainExit exit = g.awaitExit();
            assertThat(exit.reason()).as(String.valueOf(exit.crashReport())).isEqualTo(ShutdownReason.POWEROFF);
            assertThat(g.read64(RESULT)).as("read through the new GS base").isZero();
            assertThat(g.read64(RESULT + 8)).as("CR3").isEqualTo(g.mfn(TestGuest.L4) << 12);
            assertThat(g.domain.vcpu(0).state().segmentBase(dev.jxen.machine.CpuState.GS)).isEqualTo(0x2_0000);
        }
    }

    @Test
    void softwareInterruptHonoursTheTrapDpl() throws Exception {
        try (TestGuest g = new TestGuest()) {
            frameDumper(HANDLERS).loadInto(g);
            frameDumper(HANDLERS + 0x100).loadInto(g);
            trap(g, 0, 0x80, 3, HANDLERS);        // int 0x80 allowed (DPL 3)
            trap(g, 1, 13, 0, HANDLERS + 0x100);  // #GP
            Code c = setTrapTable(new Code(TestGuest.CODE));
            long intRip = c.here();
            c.raw(0xCD, 0x81).ud2(); // int 0x81: no gate -> #GP((0x81<<3)|2) at the instruction
            c.loadInto(g);
            g.start(TestGuest.CODE);
            DomainExit exit = g.awaitExit();
            assertThat(exit.reason()).as(String.valueOf(exit.crashReport())).isEqualTo(ShutdownReason.POWEROFF);
            assertThat(g.read64(RESULT + 16)).isEqualTo((0x81 << 3) | 2);
            assertThat(g.read64(RESULT + 24)).isEqualTo(intRip);
        }
        try (TestGuest g = new TestGuest()) {
            frameDumper(HANDLERS).loadInto(g);
            trap(g, 0, 0x80, 3, HANDLERS);
            Code c = setTrapTable(new Code(TestGuest.CODE));
            c.raw(0xCD, 0x80); // int 0x80
            long after = c.here();
            c.ud2();
            c.loadInto(g);
            g.start(TestGuest.CODE);
            DomainExit exit = g.awaitExit();
            assertThat(exit.reason()).as(String.valueOf(exit.crashReport())).isEqualTo(ShutdownReason.POWEROFF);
            assertThat(g.read64(RESULT + 16)).as("RIP after int 0x80 (no error code)").isEqualTo(after);
        }
    }
}
