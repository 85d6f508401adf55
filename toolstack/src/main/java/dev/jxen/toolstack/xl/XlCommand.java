package dev.jxen.toolstack.xl;

import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

/** {@code xl}: Xen's toolstack command line. Today: {@code xl create -c}, which runs one PV domain in the foreground. */
@Command(name = "xl", mixinStandardHelpOptions = true, version = "xl (jxen 0.1.0)",
        description = "Xen's domain management command, on jxen.",
        subcommands = {CreateCommand.class, CommandLine.HelpCommand.class})
public final class XlCommand {
    /** xl's commands that come with the jxend daemon (issue 4): answered with a clear error until then. */
    static final List<String> NOT_YET = List.of("list", "console", "destroy", "shutdown", "reboot", "pause", "unpause",
            "save", "restore", "migrate", "info", "dmesg", "vcpu-list", "vcpu-pin", "sched-credit", "mem-set",
            "block-attach", "block-detach", "network-attach", "network-detach", "top");

    final ConsoleInput in;
    final PrintStream out;
    final PrintStream err;
    final DomainRunner runner;

    XlCommand(InputStream in, PrintStream out, PrintStream err, DomainRunner runner) {
        this.in = new ConsoleInput(in);
        this.out = out;
        this.err = err;
        this.runner = runner;
    }

    public static void main(String[] args) {
        System.exit(execute(args, System.in, System.out, System.err, new PvDomainRunner()));
    }

    /** Runs the command line with no console input and returns its exit status. */
    public static int execute(String[] args, PrintStream out, PrintStream err, DomainRunner runner) {
        return execute(args, InputStream.nullInputStream(), out, err, runner);
    }

    /** Runs the command line and returns its exit status; {@code in} is typed into a domain's console. */
    public static int execute(String[] args, InputStream in, PrintStream out, PrintStream err, DomainRunner runner) {
        CommandLine cl = new CommandLine(new XlCommand(in, out, err, runner));
        for (String name : NOT_YET) {
            CommandLine sub = new CommandLine(new NotYetCommand(name));
            sub.getCommandSpec().usageMessage().description("not implemented yet");
            cl.addSubcommand(name, sub);
        }
        cl.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
        cl.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
        cl.setExecutionExceptionHandler((ex, cmd, parseResult) -> {
            if (ex instanceof UserError u) {
                err.println("xl: " + u.getMessage());
                return 1;
            }
            // Anything else is a bug in jxen: say so in one line before the details.
            err.println("xl: internal error (a bug in jxen, please report it): " + ex);
            ex.printStackTrace(err);
            return 1;
        });
        int status = cl.execute(args);
        out.flush();
        err.flush();
        return status;
    }

    /** A command of real xl that jxen does not have yet. */
    @Command
    static final class NotYetCommand implements Callable<Integer> {
        private final String name;

        @Unmatched
        private List<String> ignored;

        NotYetCommand(String name) {
            this.name = name;
        }

        @Override
        public Integer call() throws UserError {
            throw new UserError("'" + name + "' is not implemented yet: it comes with the jxend daemon; for now only 'xl create -c' runs a domain");
        }
    }
}
