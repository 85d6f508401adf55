package dev.jxen.hypervisor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jxen.abi.Hypercall;
import org.junit.jupiter.api.Test;

class SmokeTest {
    @Test
    void consoleWriteThenPoweroff() throws Exception {
        try (TestGuest g = new TestGuest()) {
            byte[] text = "hello from a PV guest\n".getBytes();
            g.load(HypercallRunner.ARGS, text);
            HypercallRunner r = new HypercallRunner(g);
            int w = r.call(Hypercall.CONSOLE_IO, 0, text.length, HypercallRunner.ARGS);
            int v = r.call(Hypercall.XEN_VERSION, 0, 0);
            DomainExit exit = r.run();
            assertThat(exit.reason()).as(String.valueOf(exit.crashReport())).isEqualTo(ShutdownReason.POWEROFF);
            assertThat(g.console.toString()).isEqualTo("hello from a PV guest\n");
            assertThat(r.result(w)).isZero();
            assertThat(r.result(v)).isEqualTo(0x40011);
        }
    }
}
