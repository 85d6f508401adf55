package dev.jxen.toolstack.cli;

import dev.jxen.x86.testkit.ProgramRunner;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code jxen bench cpu}: runs the fixed CPU workload ({@code guests/src/cpu-bench.c}) natively as a
 * host process and on the emulator (after warm-up runs, so HotSpot has compiled the interpreter),
 * checks that both printed the same checksum, and prints {@code name value} lines.
 */
@Command(name = "cpu", description = {
    "Runs the CPU workload natively and on the emulator and prints:",
    "cpu.interp.mips, cpu.native.seconds, cpu.interp.seconds, cpu.ratio (interp/native),",
    "cpu.interp.instructions and cpu.interp.alloc.bytes (allocated by the vCPU thread in the measured run)."})
final class CpuBenchCommand implements Callable<Integer> {
    @Option(names = "--program", defaultValue = "cpu-bench", description = "workload program (default: ${DEFAULT-VALUE})")
    private String program;

    @Option(names = "--warmup", defaultValue = "3", description = "emulator runs before the measured one, so the JIT has compiled the interpreter (default: ${DEFAULT-VALUE})")
    private int warmups;

    @Option(names = "--native-runs", defaultValue = "5", description = "native runs; the fastest counts (default: ${DEFAULT-VALUE})")
    private int nativeRuns;

    @Spec
    private CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        JxenCommand jxen = (JxenCommand) spec.root().userObject();
        Path path = GuestPrograms.resolve(program);
        ProgramRunner runner = GuestPrograms.load(program);

        NativeRun nat = runNatively(path, nativeRuns);

        ProgramRunner.Result result = null;
        byte[] output = null;
        for (int i = 0; i <= warmups; i++) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            result = runner.run(out, out);
            output = out.toByteArray();
            if (result.diagnostic() != null) {
                throw new UserError(program, "on the emulator: " + result.diagnostic());
            }
        }
        if (!Arrays.equals(output, nat.output) || result.exitCode() != nat.status) {
            throw new UserError(program, "the emulator's output differs from the host's (exit " + result.exitCode()
                    + " vs " + nat.status + "):\n--- host\n" + new String(nat.output) + "--- emulator\n"
                    + new String(output));
        }
        double seconds = result.seconds();
        var out = jxen.out;
        out.printf(Locale.ROOT, "cpu.interp.mips %.1f%n", result.instructions() / seconds / 1e6);
        out.printf(Locale.ROOT, "cpu.native.seconds %.4f%n", nat.seconds);
        out.printf(Locale.ROOT, "cpu.interp.seconds %.4f%n", seconds);
        out.printf(Locale.ROOT, "cpu.ratio %.1f%n", seconds / nat.seconds);
        out.printf(Locale.ROOT, "cpu.interp.instructions %d%n", result.instructions());
        out.printf(Locale.ROOT, "cpu.interp.alloc.bytes %d%n", result.allocatedBytes());
        return 0;
    }

    private record NativeRun(double seconds, byte[] output, int status) {
    }

    /** Runs the program {@code runs} times as a host process; the fastest wall time counts. */
    private NativeRun runNatively(Path path, int runs) throws UserError, InterruptedException {
        double best = Double.MAX_VALUE;
        byte[] output = null;
        int status = 0;
        for (int i = 0; i < Math.max(1, runs); i++) {
            ProcessBuilder pb = new ProcessBuilder(path.toAbsolutePath().toString());
            pb.redirectError(ProcessBuilder.Redirect.INHERIT);
            long start = System.nanoTime();
            try {
                Process p = pb.start();
                try (InputStream in = p.getInputStream()) {
                    output = in.readAllBytes();
                }
                status = p.waitFor();
            } catch (IOException e) {
                throw new UserError(program, "cannot run natively: " + e.getMessage());
            }
            best = Math.min(best, (System.nanoTime() - start) / 1e9);
        }
        return new NativeRun(best, output, status);
    }
}
