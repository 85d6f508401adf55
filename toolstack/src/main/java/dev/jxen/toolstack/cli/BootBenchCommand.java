package dev.jxen.toolstack.cli;

import dev.jxen.toolstack.xl.ShutdownReason;
import dev.jxen.toolstack.xl.BootTiming;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code jxen bench boot}: boots a PV kernel (by default the project's {@code hello}) several times in
 * one JVM, as {@code xl create -c} does, and prints the median time from domain creation to its
 * first console byte and to its poweroff, after warm-up boots.
 */
@Command(name = "boot", description = {
    "Boots a PV kernel repeatedly and prints boot.first_console.ms and boot.poweroff.ms",
    "(medians over the measured boots, after warm-up boots)."})
final class BootBenchCommand implements Callable<Integer> {
    @Option(names = "--kernel", defaultValue = "hello", description = "PV kernel: a path or a name in guests/target/pv (default: ${DEFAULT-VALUE})")
    private String kernel;

    @Option(names = "--memory", defaultValue = "16", description = "domain memory in MiB (default: ${DEFAULT-VALUE})")
    private int memoryMiB;

    @Option(names = "--warmup", defaultValue = "5", description = "boots before the measured ones (default: ${DEFAULT-VALUE})")
    private int warmups;

    @Option(names = "--runs", defaultValue = "10", description = "measured boots (default: ${DEFAULT-VALUE})")
    private int runs;

    @Spec
    private CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        JxenCommand jxen = (JxenCommand) spec.root().userObject();
        Path path = resolve(kernel);
        long[] first = new long[runs];
        long[] total = new long[runs];
        for (int i = 0; i < warmups + runs; i++) {
            BootTiming.Result r;
            try {
                r = BootTiming.boot(path, memoryMiB);
            } catch (dev.jxen.toolstack.xl.UserError e) {
                jxen.err.println("jxen: " + e.getMessage()); // already names the file and the reason
                return 1;
            }
            if (r.reason() != ShutdownReason.POWEROFF || r.firstConsoleNanos() < 0) {
                throw new UserError(kernel, "did not print and power off (ended: " + r.reason() + ")");
            }
            if (i >= warmups) {
                first[i - warmups] = r.firstConsoleNanos();
                total[i - warmups] = r.totalNanos();
            }
        }
        jxen.out.printf(Locale.ROOT, "boot.first_console.ms %.2f%n", median(first) / 1e6);
        jxen.out.printf(Locale.ROOT, "boot.poweroff.ms %.2f%n", median(total) / 1e6);
        return 0;
    }

    /** A path, or the name of a PV kernel built into guests/target/pv (beside the programs' bin/). */
    static Path resolve(String name) {
        Path p = Path.of(name);
        String dir = System.getProperty(GuestPrograms.GUESTS_PROPERTY);
        if (p.toFile().exists() || name.contains("/") || dir == null) {
            return p;
        }
        return Path.of(dir).resolveSibling("pv").resolve(name);
    }

    static double median(long[] v) {
        long[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2.0;
    }
}
