package dev.jxen.toolstack.cli;

import dev.jxen.x86.testkit.ProgramRunner;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code jxen run PROGRAM}: runs a freestanding x86-64 program on the emulator and exits with its status. */
@Command(name = "run", description = {
    "Runs a freestanding static x86-64 Linux program (write/exit system calls only) on the emulator.",
    "Its output goes to stdout/stderr; jxen exits with the program's exit status."})
final class RunCommand implements Callable<Integer> {
    @ParentCommand
    private JxenCommand jxen;

    @Parameters(paramLabel = "PROGRAM", description = "an ELF file, or the name of a program from guests/ (e.g. cpu-demo)")
    private String program;

    @Option(names = "--stats", description = "print instructions retired and time to stderr when the program ends")
    private boolean stats;

    @Override
    public Integer call() throws Exception {
        ProgramRunner runner = GuestPrograms.load(program);
        ProgramRunner.Result r = runner.run(jxen.out, jxen.err);
        jxen.out.flush();
        if (r.diagnostic() != null) {
            jxen.err.println("jxen: " + program + ": " + r.diagnostic());
        }
        if (stats) {
            jxen.err.printf(Locale.ROOT, "jxen: %d instructions in %.3f s (%.1f MIPS)%n", r.instructions(), r.seconds(),
                    r.instructions() / r.seconds() / 1e6);
        }
        return r.exitCode();
    }
}
