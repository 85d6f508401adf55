package dev.jxen.toolstack.xl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jxen.toolstack.daemon.JxenHome;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A user kills the daemon (a real separate process, as xl starts it) while {@code xl console} is
 * attached: xl says so in one line and fails, and the daemon leaves no process, socket or pid file.
 */
@Timeout(90)
class XlDaemonLossTest {
    @TempDir
    Path dir;

    @Test
    void killingTheDaemonUnderAnAttachedConsoleIsReportedAndLeavesNothingBehind() throws Exception {
        JxenHome home = new JxenHome(dir.resolve("jxen"));
        DaemonStarter starter = DaemonStarter.process(home, "60");
        Path cfg = Files.writeString(dir.resolve("idle.cfg"), "name = \"idle\"\nkernel = \""
                + DaemonFixture.pvKernel("idle") + "\"\nmemory = 16\n");
        ByteArrayOutputStream createErr = new ByteArrayOutputStream();
        Xl create = new Xl(home, dir.toString(), InputStream.nullInputStream(), new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(createErr, true, StandardCharsets.UTF_8), starter);
        assertThat(create.run("create", cfg.toString())).as(createErr.toString(StandardCharsets.UTF_8)).isZero();
        long pid = Long.parseLong(Files.readString(home.pidFile()).strip());
        ProcessHandle daemon = ProcessHandle.of(pid).orElseThrow();
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
            Xl console = new Xl(home, dir.toString(), InputStream.nullInputStream(), new PrintStream(out, true),
                    new PrintStream(err, true, StandardCharsets.UTF_8), () -> {
                        throw new AssertionError("xl console must not start a daemon");
                    });
            CompletableFuture<Integer> status = CompletableFuture.supplyAsync(() -> console.run("console", "idle"));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!out.toString(StandardCharsets.ISO_8859_1).contains("idle: up") && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(out.toString(StandardCharsets.ISO_8859_1)).as("console attached").contains("idle: up");

            daemon.destroy(); // SIGTERM, as `kill` would
            assertThat(status.get(30, TimeUnit.SECONDS)).isEqualTo(1);
            assertThat(err.toString(StandardCharsets.UTF_8)).contains("jxend daemon went away");
            daemon.onExit().get(30, TimeUnit.SECONDS);
            assertThat(home.socket()).doesNotExist();
            assertThat(home.pidFile()).doesNotExist();
            assertThat(Files.readString(home.log())).contains("jxend: stopping");
        } finally {
            daemon.destroyForcibly();
        }
    }
}
