package dev.jxen.hypervisor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jxen.abi.ConsoleIo;
import org.junit.jupiter.api.Test;

/** The console ring (xencons_interface) with the hypervisor as its backend (PV-ABI.md §9.2). */
class ConsoleRingTest {
    static final long RING_PFN = 90;
    static final long A = HypercallRunner.ARGS;

    @Test
    void guestOutputReachesTheSinkAndInputReachesTheRing() throws Exception {
        try (TestGuest g = new TestGuest()) {
            int port = g.domain.allocateUnboundPort(0);
            g.domain.attachConsoleRing(g.mfn(RING_PFN), port);
            g.domain.sendConsoleInput("ls\n".getBytes());
            long ring = RING_PFN << 12;
            byte[] text = "ring says hi\n".getBytes();
            g.load(ring + ConsoleIo.OUT + 2040, java.util.Arrays.copyOf(text, 8)); // wraps at 2048
            g.load(ring + ConsoleIo.OUT, java.util.Arrays.copyOfRange(text, 8, text.length));
            g.write32(ring + ConsoleIo.OUT_CONS, 2040); // an empty ring whose indices are about to wrap
            g.write32(ring + ConsoleIo.OUT_PROD, 2040);
            g.write32(A, port);
            Code c = new Code(TestGuest.CODE)
                    .movRdi(ring + ConsoleIo.OUT_PROD)
                    .raw(0xC7, 0x07).imm32(2040 + text.length) // mov dword [rdi], prod
                    .movRdi(4).movRsi(A).hypercall(32) // evtchn send {port}
                    .shutdown(TrapTest.ZERO);
            c.loadInto(g);
            g.start(TestGuest.CODE);
            DomainExit exit = g.awaitExit();
            assertThat(exit.reason()).as(String.valueOf(exit.crashReport())).isEqualTo(ShutdownReason.POWEROFF);
            assertThat(g.console.toString()).isEqualTo("ring says hi\n");
            assertThat(g.read32(ring + ConsoleIo.OUT_CONS)).isEqualTo(2040 + text.length);
            assertThat(g.read32(ring + ConsoleIo.IN_PROD)).isEqualTo(3);
            assertThat((char) g.memory.read8(g.ma(ring + ConsoleIo.IN))).isEqualTo('l');
        }
    }
}
