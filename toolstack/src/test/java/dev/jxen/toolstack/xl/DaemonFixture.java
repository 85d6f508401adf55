package dev.jxen.toolstack.xl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jxen.toolstack.daemon.JxenHome;
import dev.jxen.toolstack.daemon.Jxend;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A jxend daemon in this JVM on a temporary {@code JXEN_HOME}, and the xl client talking to it
 * over its socket, as a user's xl does (the daemon is the same code as the separate process).
 */
final class DaemonFixture implements AutoCloseable {
    /** Machine memory of a test host: room for a few 16 MiB guests. */
    static final long MEMORY_MIB = 256;

    record Outcome(int status, String out, String err) {
    }

    final JxenHome home;
    final Jxend daemon;

    DaemonFixture(Path dir) throws IOException {
        this.home = new JxenHome(dir);
        this.daemon = Jxend.start(home, new Jxend.Options(MEMORY_MIB, 0));
    }

    /** Runs xl with no console input, from {@code cwd}. */
    Outcome xl(String... args) {
        return xlWithInput(InputStream.nullInputStream(), args);
    }

    Outcome xlWithInput(InputStream in, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        Xl xl = new Xl(home, Path.of("").toAbsolutePath().toString(), in, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), () -> {
                    throw new AssertionError("xl tried to start a second daemon");
                });
        int status = xl.run(args);
        return new Outcome(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static Path pvKernel(String name) {
        Path bin = Path.of(System.getProperty("jxen.guests", "../guests/target/bin"));
        Path p = bin.resolveSibling("pv").resolve(name).toAbsolutePath();
        assertThat(p).as("PV test kernel built by the guests module").isRegularFile();
        return p;
    }

    @Override
    public void close() {
        daemon.close();
    }
}
