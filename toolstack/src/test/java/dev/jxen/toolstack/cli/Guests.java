package dev.jxen.toolstack.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jxen.x86.testkit.ProgramRunner;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** The guest programs built by the {@code guests} module, run natively or on the emulator. */
final class Guests {
    private Guests() {
    }

    record Run(int status, String output, String diagnostic) {
    }

    static Path path(String name) {
        String dir = System.getProperty(GuestPrograms.GUESTS_PROPERTY, "../guests/target/bin");
        Path p = Path.of(dir, name);
        assertThat(p).as("guest program built by the guests module").isRegularFile();
        return p;
    }

    static Run runNatively(String name) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(path(name).toAbsolutePath().toString()).redirectErrorStream(true).start();
        byte[] out;
        try (InputStream in = p.getInputStream()) {
            out = in.readAllBytes();
        }
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8), null);
    }

    static Run runEmulated(String name, long instructionLimit) throws Exception {
        ProgramRunner runner = ProgramRunner.load(Files.readAllBytes(path(name))).instructionLimit(instructionLimit);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ProgramRunner.Result r = runner.run(out, out);
        return new Run(r.exitCode(), out.toString(StandardCharsets.UTF_8), r.diagnostic());
    }
}
