package dev.jxen.toolstack.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jxen.hypervisor.ShutdownReason;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Debian's Linux 6.1 bzImage (package linux-image-amd64) on jxen as a PV domU with
 * {@code earlyprintk=xen console=hvc0}: its early console (console_io) from xen_start_kernel on,
 * then hvc0 on the console ring. Without xenstored it waits for the answer to its first xenstore
 * request (the balloon driver's XS_WATCH on memory/target); with xenstored it runs
 * every initcall, then a static /init from an initramfs in user space, which powers off.
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

    /** A /init that greets from user space with uname's answer and powers the machine off. */
    private static final String INIT = """
            #include <stdio.h>
            #include <sys/reboot.h>
            #include <sys/utsname.h>
            #include <unistd.h>
            int main(void) {
                struct utsname u;
                if (uname(&u) != 0) return 1;
                printf("jxen-init: hello from user space on %s %s\\n", u.sysname, u.release);
                fflush(stdout);
                reboot(RB_POWER_OFF);
                return 1;
            }
            """;

    @TempDir
    Path tmp;

    @Test
    void linuxRunsEveryInitcallThenItsInitInUserSpaceWhichPowersOff() throws Exception {
        // About 1.3 billion instructions go to xen_rebuild_p2m_list scanning the 512 GiB p2m area
        // (128 M entries) one entry at a time: 20-40 s on the interpreter. The whole boot is 30-60 s.
        byte[] initramfs = Initramfs.withInit(tmp, INIT);
        RealBoot.Outcome o = RealBoot.boot(GuestImages.linux(), initramfs, CMDLINE, 256, Duration.ofSeconds(400), true,
                p -> false);
        o.save("linux");
        assertThat(o.exit()).as(o.describe()).isNotNull();
        assertThat(o.exit().reason()).as(o.describe()).isEqualTo(ShutdownReason.POWEROFF);
        assertThat(o.console()).as(o.describe())
                .contains("Booting kernel on Xen")
                .contains("xen:events: Using 2-level ABI")
                .contains("printk: console [hvc0] enabled")
                .contains("Grant table initialized")
                .contains("xen:balloon: Initialising balloon driver")
                .contains("clocksource: Switched to clocksource xen")
                .contains("NET: Registered PF_INET protocol family")
                .contains("Freeing unused kernel image (initmem) memory")
                .contains("Run /init as init process")
                .contains("jxen-init: hello from user space on Linux 6.1.")
                // No kernel splat (WARN_ON, BUG, oops, panic). Linux's own "RETBleed: WARNING:" about
                // the advertised CPU model is not one.
                .doesNotContain("Kernel panic")
                .doesNotContain("BUG:")
                .doesNotContain("Oops")
                .doesNotContain("WARNING: CPU:");
        // Without xenstored Linux would wait for the answer to its first request (the balloon
        // driver's XS_WATCH on memory/target) forever.
        assertThat(o.storeReplyBytes()).as(o.describe()).isGreaterThanOrEqualTo(32);
    }
}
