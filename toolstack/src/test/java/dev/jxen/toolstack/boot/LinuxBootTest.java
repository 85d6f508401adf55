package dev.jxen.toolstack.boot;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Debian's Linux 6.1 bzImage (package linux-image-amd64) on jxen as a PV domU with
 * {@code earlyprintk=xen console=hvc0}: its early console (console_io) from xen_start_kernel on,
 * then hvc0 on the console ring, up to where it waits for xenstore.
 */
class LinuxBootTest {
    private static final String CMDLINE = "earlyprintk=xen console=hvc0";

    @Test
    void linuxPrintsItsVersionFromXenStartKernel() throws Exception {
        RealBoot.Outcome o = RealBoot.boot(GuestImages.linux(), CMDLINE, 256, Duration.ofSeconds(120), false,
                p -> p.console().contains("Hypervisor detected: Xen PV"));
        o.save("linux-version");
        assertThat(o.exit()).as(o.describe()).isNull();
        assertThat(o.console()).as(o.describe())
                .contains("Linux version 6.1.")
                .contains("Command line: " + CMDLINE)
                .contains("Xen: [mem 0x0000000000100000-0x000000000fffffff] usable")
                .contains("Hypervisor detected: Xen PV");
    }

    @Test
    void linuxBootsUntilItWaitsForXenstore() throws Exception {
        // About 1.3 billion instructions: xen_rebuild_p2m_list alone scans a 512 GiB p2m area
        // (128 M entries) one entry at a time, 20-40 s on the interpreter.
        RealBoot.Outcome o = RealBoot.boot(GuestImages.linux(), CMDLINE, 256, Duration.ofSeconds(400), false,
                p -> p.storeRequestBytes() > 0 && p.console().contains("xen:balloon: Initialising balloon driver"));
        o.save("linux");
        assertThat(o.exit()).as(o.describe()).isNull();
        assertThat(o.console()).as(o.describe())
                .contains("Booting kernel on Xen")
                .contains("xen:events: Using 2-level ABI")
                .contains("printk: console [hvc0] enabled")
                .contains("Grant table initialized")
                .contains("xen:balloon: Initialising balloon driver")
                .doesNotContain("Kernel panic")
                .doesNotContain("BUG:");
        assertThat(o.storeRequestBytes()).as(o.describe()).isGreaterThanOrEqualTo(16);
    }
}
