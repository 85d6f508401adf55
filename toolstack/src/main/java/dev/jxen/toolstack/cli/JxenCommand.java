package dev.jxen.toolstack.cli;

import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code jxen}: the project's command line. */
@Command(name = "jxen", mixinStandardHelpOptions = true, version = "jxen 0.1.0",
        description = "A Xen-compatible hypervisor in Java. For now: run and benchmark programs on its x86-64 emulator.",
        subcommands = {RunCommand.class, BenchCommand.class, CommandLine.HelpCommand.class})
public final class JxenCommand {
    /** Where guest programs' output and the commands' results go (binary, unbuffered beyond the stream's own). */
    final PrintStream out;
    final PrintStream err;

    JxenCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        System.exit(execute(args, System.out, System.err));
    }

    /** Runs the command line and returns its exit status. */
    public static int execute(String[] args, PrintStream out, PrintStream err) {
        CommandLine cl = new CommandLine(new JxenCommand(out, err));
        cl.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
        cl.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
        cl.setExecutionExceptionHandler((ex, cmd, parseResult) -> {
            if (ex instanceof UserError u) {
                err.println("jxen: " + u.getMessage());
                return 1;
            }
            throw ex;
        });
        int status = cl.execute(args);
        out.flush();
        err.flush();
        return status;
    }

    static PrintStream printStream(OutputStream s) {
        return s instanceof PrintStream p ? p : new PrintStream(s, true, StandardCharsets.UTF_8);
    }
}
