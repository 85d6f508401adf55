package dev.jxen.toolstack.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jxen.hypervisor.ShutdownReason;
import dev.jxen.xenstore.XsClient;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The project's xenstore PV kernel (guests/pv/xenstore.c) against the real xenstored over its ring
 * and event channel, with the toolstack's entries. dom0 (this test) answers the guest's
 * data/bump-request by changing data/counter, which the guest read in an open transaction: its
 * commit must be EAGAIN, and its retry must see dom0's value.
 */
class XenstoreGuestTest {
    private static Path kernel() {
        Path bin = Path.of(System.getProperty("jxen.guests", "../guests/target/bin"));
        Path p = bin.resolveSibling("pv").resolve("xenstore").toAbsolutePath();
        assertThat(p).as("PV test kernel built by the guests module").isRegularFile();
        return p;
    }

    @Test
    void theGuestUsesTheStoreAndSeesDom0sConflictingWrite() throws Exception {
        int[] bumps = {0};
        RealBoot.Outcome o = RealBoot.boot(kernel(), null, "expect_name=xenstore dom0_bump=1", 16,
                Duration.ofSeconds(60), true, (xenstored, domid) -> {
                    XsClient dom0 = xenstored.openClient();
                    String data = "/local/domain/" + domid + "/data";
                    dom0.watch(data + "/bump-request", "bump", (path, token) -> {
                        if ("1".equals(dom0.read(path))) {
                            long counter = Long.parseLong(dom0.read(data + "/counter"));
                            dom0.write(data + "/counter", Long.toString(counter + 100));
                            dom0.write(data + "/bumped", "1");
                            bumps[0]++;
                        }
                    });
                }, p -> false);
        o.save("xenstore");
        assertThat(o.exit()).as(o.describe()).isNotNull();
        assertThat(o.console()).as(o.describe())
                .contains("xenstore: ok a conflicting commit is EAGAIN")
                .contains("xenstore: ok dom0's write between read and commit makes it EAGAIN")
                // 6 after its own conflict; dom0 adds 100; the retry adds 1.
                .contains("xenstore: info counter after dom0's bump and the retry: 107")
                .contains("xenstore: ok an event for a change below the watch")
                .doesNotContain("FAIL")
                .endsWith("xenstore: PASS\n");
        assertThat(o.exit().reason()).isEqualTo(ShutdownReason.POWEROFF);
        assertThat(bumps[0]).isEqualTo(1);
    }
}
