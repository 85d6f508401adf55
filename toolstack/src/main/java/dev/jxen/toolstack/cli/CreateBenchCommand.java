package dev.jxen.toolstack.cli;

import dev.jxen.toolstack.daemon.JxenHome;
import dev.jxen.toolstack.daemon.Jxend;
import dev.jxen.toolstack.xl.Xl;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code jxen bench create}: starts a jxend daemon in this JVM on a temporary {@code JXEN_HOME}
 * (the same code as the separate daemon process), then runs {@code xl create -c} of a PV kernel
 * (by default the project's {@code hello}) repeatedly through the xl client over the daemon's
 * control socket, and prints the median and 90th percentile of the wall time from the client's
 * start to the first console byte reaching the client, and to the client's exit (the guest
 * powered off), after warm-up creates.
 */
@Command(name = "create", description = {
    "Starts a jxend daemon (in this JVM, on a temporary JXEN_HOME) and times xl create -c of a PV kernel",
    "through the xl client: prints create.first_console.ms and create.poweroff.ms (median and p90)."})
final class CreateBenchCommand implements Callable<Integer> {
    @Option(names = "--kernel", defaultValue = "hello", description = "PV kernel: a path or a name in guests/target/pv (default: ${DEFAULT-VALUE})")
    private String kernel;

    @Option(names = "--memory", defaultValue = "16", description = "domain memory in MiB (default: ${DEFAULT-VALUE})")
    private int memoryMiB;

    @Option(names = "--warmup", defaultValue = "30", description = "creates before the measured ones (default: ${DEFAULT-VALUE})")
    private int warmups;

    @Option(names = "--runs", defaultValue = "30", description = "measured creates (default: ${DEFAULT-VALUE})")
    private int runs;

    @Spec
    private CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        JxenCommand jxen = (JxenCommand) spec.root().userObject();
        if (runs <= 0 || warmups < 0 || memoryMiB <= 0) {
            throw new UserError("--runs/--warmup/--memory", "must be positive");
        }
        Path path = BootBenchCommand.resolve(kernel).toAbsolutePath();
        if (!Files.isRegularFile(path)) {
            throw new UserError(kernel, "no such PV kernel (build the guests: ./jxen build)");
        }
        Path home = Files.createTempDirectory("jxen-create-bench");
        try {
            Path cfg = Files.writeString(home.resolve("bench.cfg"), """
                    name = "bench-create"
                    kernel = "%s"
                    memory = %d
                    """.formatted(path, memoryMiB));
            // A small pool, so that frames are soon handed out again, as in a daemon that has run for a while.
            long hostMiB = Math.max(256, 4L * memoryMiB);
            // The daemon logs on System.out, as in its own process: to its log, as there.
            PrintStream stdout = System.out;
            try (PrintStream log = new PrintStream(Files.newOutputStream(new JxenHome(home).log()), true,
                    StandardCharsets.UTF_8);
                    Jxend daemon = startDaemon(home, hostMiB, log)) {
                long[] first = new long[runs];
                long[] total = new long[runs];
                for (int i = 0; i < warmups + runs; i++) {
                    Run r = create(daemon.home(), cfg);
                    if (r.status != 0 || r.firstNanos < 0) {
                        throw new UserError(kernel, "xl create -c did not print and power off (exit status "
                                + r.status + (r.err.isEmpty() ? "" : ": " + r.err.strip()) + ")");
                    }
                    if (i >= warmups) {
                        first[i - warmups] = r.firstNanos;
                        total[i - warmups] = r.totalNanos;
                    }
                }
                print(jxen, "create.first_console.ms", first);
                print(jxen, "create.poweroff.ms", total);
            } finally {
                System.setOut(stdout);
            }
        } finally {
            deleteTree(home);
        }
        return 0;
    }

    private static Jxend startDaemon(Path home, long memoryMiB, PrintStream log) throws IOException {
        System.setOut(log);
        return Jxend.start(new JxenHome(home), new Jxend.Options(memoryMiB, 0));
    }

    private record Run(int status, long firstNanos, long totalNanos, String err) {
    }

    /** One {@code xl create -c cfg} through the light xl client, as ./xl runs it (minus the JVM start). */
    private static Run create(JxenHome home, Path cfg) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        FirstByteClock console = new FirstByteClock();
        Xl xl = new Xl(home, cfg.getParent().toString(), InputStream.nullInputStream(),
                new PrintStream(console, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                () -> {
                    throw new IOException("the benchmark's daemon is gone");
                });
        console.start = System.nanoTime();
        int status = xl.run("create", "-c", cfg.toString());
        long total = System.nanoTime() - console.start;
        long first = console.first < 0 ? -1 : console.first - console.start;
        return new Run(status, first, total, err.toString(StandardCharsets.UTF_8));
    }

    /** The client's stdout: notes when its first byte arrives and drops the bytes. */
    private static final class FirstByteClock extends OutputStream {
        long start;
        long first = -1;

        @Override
        public void write(int b) {
            write(null, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            if (first < 0 && len > 0) {
                first = System.nanoTime();
            }
        }
    }

    private static void print(JxenCommand jxen, String name, long[] nanos) {
        long[] s = nanos.clone();
        Arrays.sort(s);
        jxen.out.printf(Locale.ROOT, "%s %.2f%n", name, BootBenchCommand.median(nanos) / 1e6);
        jxen.out.printf(Locale.ROOT, "%s.p90 %.2f%n", name, percentile(s, 0.9) / 1e6);
    }

    /** Nearest-rank percentile of sorted values. */
    private static long percentile(long[] sorted, double p) {
        int rank = (int) Math.ceil(p * sorted.length);
        return sorted[Math.max(0, rank - 1)];
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
