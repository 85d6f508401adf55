package dev.jxen.hypervisor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jxen.machine.MachineMemory;
import dev.jxen.x86.X86Engine;
import org.junit.jupiter.api.Test;

/**
 * Measures a hypercall round trip (guest {@code syscall} -> handler -> back to the guest) on the
 * interpreter with the real clock and prints the figure; asserts only that every call was made.
 */
class HypercallBenchmarkTest {
    static final int CALLS = 300_000;

    @Test
    void hypercallRoundTrip() throws Exception {
        measure(CALLS); // warm-up: let the JIT compile the paths
        double ns = measure(CALLS * 3);
        System.out.printf("hypercall round trip: %.0f ns%n", ns);
    }

    @Test
    void exceptionRoundTrip() throws Exception {
        measureTraps(CALLS / 10);
        double ns = measureTraps(CALLS);
        System.out.printf("exception round trip (#UD bounce + iret hypercall): %.0f ns%n", ns);
    }

    /** Runs a guest taking {@code traps} #UD exceptions whose handler returns with the iret hypercall. */
    private static double measureTraps(int traps) throws Exception {
        MachineMemory memory = MachineMemory.allocate(TestGuest.MACHINE_BYTES);
        try (TestGuest g = new TestGuest(memory, new Hypervisor(memory, new X86Engine()))) {
            long handler = TestGuest.CODE + 0x1000;
            new Code(handler)
                    .raw(0x48, 0x83, 0x44, 0x24, 0x10, 0x02) // add qword [rsp+16], 2: skip the ud2
                    .raw(0x59) // pop rcx
                    .raw(0x41, 0x5B) // pop r11
                    .raw(0x6A, 0x00) // push 0 (flags)
                    .raw(0x51, 0x41, 0x53, 0x50) // push rcx; push r11; push rax
                    .raw(0xB8, 23, 0, 0, 0) // mov eax, __HYPERVISOR_iret
                    .raw(0x0F, 0x05) // syscall
                    .loadInto(g);
            TrapTest.trap(g, 0, 6, 0, handler);
            Code c = TrapTest.setTrapTable(new Code(TestGuest.CODE))
                    .raw(0xBB).imm32(traps) // mov ebx, traps
                    .raw(0x0F, 0x0B) // loop: ud2
                    .raw(0xFF, 0xCB) // dec ebx
                    .raw(0x75, 0xFA) // jnz loop
                    .shutdown(TrapTest.ZERO);
            c.loadInto(g);
            long t0 = System.nanoTime();
            g.start(TestGuest.CODE);
            DomainExit exit = g.awaitExit();
            long ns = System.nanoTime() - t0;
            assertThat(exit.reason()).as(String.valueOf(exit.crashReport())).isEqualTo(ShutdownReason.POWEROFF);
            assertThat(g.domain.vcpu(0).hypercallCount()).isEqualTo(traps + 2L);
            return (double) ns / traps;
        }
    }

    /** Runs a guest making {@code calls} xen_version hypercalls; returns ns per call. */
    private static double measure(int calls) throws Exception {
        MachineMemory memory = MachineMemory.allocate(TestGuest.MACHINE_BYTES);
        try (TestGuest g = new TestGuest(memory, new Hypervisor(memory, new X86Engine()))) {
            Code c = new Code(TestGuest.CODE)
                    .raw(0xBB).imm32(calls) // mov ebx, CALLS
                    .raw(0x31, 0xFF) // loop: xor edi, edi
                    .raw(0xB8, 17, 0, 0, 0) // mov eax, __HYPERVISOR_xen_version
                    .raw(0x0F, 0x05) // syscall
                    .raw(0xFF, 0xCB) // dec ebx
                    .raw(0x75, 0xF3) // jnz loop
                    .shutdown(TrapTest.ZERO);
            c.loadInto(g);
            long t0 = System.nanoTime();
            g.start(TestGuest.CODE);
            DomainExit exit = g.awaitExit();
            long ns = System.nanoTime() - t0;
            assertThat(exit.reason()).isEqualTo(ShutdownReason.POWEROFF);
            assertThat(g.domain.vcpu(0).hypercallCount()).isEqualTo(calls + 1);
            return (double) ns / calls;
        }
    }
}
