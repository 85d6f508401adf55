package dev.jxen.toolstack.xl;

import dev.jxen.toolstack.config.ConfigParser;
import dev.jxen.toolstack.config.DomainConfig;
import java.io.ByteArrayInputStream;
import java.io.OutputStream;
import java.nio.file.Path;

/**
 * Times one boot of a PV kernel the way {@code xl create -c} runs it: from the start of the
 * domain's creation (kernel load, build, start) to the first byte on its console and to its
 * poweroff. Used by {@code jxen bench boot}.
 */
public final class BootTiming {
    /** Nanoseconds to the first console byte (-1 when none came) and to the domain's end. */
    public record Result(long firstConsoleNanos, long totalNanos, ShutdownReason reason) {
    }

    private BootTiming() {
    }

    public static Result boot(Path kernel, int memoryMiB) throws Exception {
        DomainConfig cfg = DomainConfig.from(ConfigParser.parse("bench boot", """
                name = "bench-boot"
                kernel = "%s"
                memory = %d
                """.formatted(kernel.toAbsolutePath(), memoryMiB)), warning -> { });
        long start = System.nanoTime();
        long[] first = {-1};
        OutputStream console = new OutputStream() {
            @Override
            public void write(int b) {
                write(null, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                if (first[0] < 0 && len > 0) {
                    first[0] = System.nanoTime() - start;
                }
            }
        };
        DomainRunner.Outcome outcome = new PvDomainRunner().run(cfg, console,
                new ConsoleInput(new ByteArrayInputStream(new byte[0])));
        return new Result(first[0], System.nanoTime() - start, outcome.reason());
    }
}
