package dev.jxen.toolstack.xl;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code xl create -c} through jxend serves the domain's xenstore ring with the toolstack's entries, as on Xen. */
@Timeout(120)
class XlCreateXenstoreTest {
    @TempDir
    Path dir;

    @TempDir
    Path home;

    @Test
    void theXenstoreKernelFindsItsEntriesAndPasses() throws Exception {
        Path cfg = Files.writeString(dir.resolve("xs.cfg"), """
                name = "store-guest"
                kernel = "%s"
                memory = 16
                extra = "expect_name=store-guest"
                """.formatted(XlCreatePvTest.pvKernel("xenstore")));
        DaemonFixture.Outcome o;
        try (DaemonFixture daemon = new DaemonFixture(home)) {
            o = daemon.xl("create", "-c", cfg.toString());
        }
        assertThat(o.err()).isEmpty();
        assertThat(o.out()).contains("xenstore: info domid ", "name store-guest")
                .contains("xenstore: ok its name is the one the toolstack gave")
                .doesNotContain("FAIL").endsWith("xenstore: PASS\n");
        assertThat(o.status()).isZero();
    }
}
