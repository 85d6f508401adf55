package dev.jxen.toolstack.xl;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code xl}: Xen's toolstack command line. Runs inside the jxend daemon: the {@link Xl} client
 * sends the arguments and plays back what this prints, its exit status, or a console.
 */
@Command(name = "xl", mixinStandardHelpOptions = true, version = "xl (jxen 0.1.0)",
        description = "Xen's domain management command, on jxen.")
public final class XlCommand {
    /**
     * The subcommands, in the order help lists them. Not in the annotation: picocli builds the
     * model of every subcommand it is given (reflection, a few milliseconds each time), so a
     * request builds only the one it names (see {@link #commandLine}).
     */
    private static final List<Class<?>> SUBCOMMANDS = List.of(CreateCommand.class, ListCommand.class,
            DomainCommands.Destroy.class, DomainCommands.Shutdown.class, DomainCommands.Reboot.class,
            DomainCommands.Pause.class, DomainCommands.Unpause.class, DomainCommands.Console.class,
            InfoCommands.Info.class, InfoCommands.Dmesg.class, InfoCommands.Uptime.class, DomainCommands.Domid.class,
            DomainCommands.Domname.class, InfoCommands.VcpuList.class, DomainCommands.Outcome.class,
            CommandLine.HelpCommand.class);

    /** What one request of a client asked for beyond its output: its directory, and a console to attach. */
    public static final class Session {
        private final String cwd;
        private int consoleDomid = -1;
        private boolean unpauseAfterAttach;
        private boolean consoleReadOnly;

        private java.util.function.BooleanSupplier clientGone = () -> false;

        public Session(String cwd) {
            this.cwd = cwd;
        }

        /** How a long command (xl shutdown -w) learns that its client has gone, so it stops waiting. */
        public void setClientGone(java.util.function.BooleanSupplier test) {
            this.clientGone = test;
        }

        public boolean clientGone() {
            return clientGone.getAsBoolean();
        }

        /** The client's working directory: relative paths are relative to it. */
        public Path resolve(String path) {
            return Path.of(cwd).resolve(path);
        }

        /** After the reply, the connection becomes domain {@code domid}'s console. */
        void attachConsole(int domid, boolean unpause) {
            attachConsole(domid, unpause, false);
        }

        void attachConsole(int domid, boolean unpause, boolean readOnly) {
            consoleDomid = domid;
            unpauseAfterAttach = unpause;
            consoleReadOnly = readOnly;
        }

        /** Whether the console is watched read-only (xl console -r, a jxen extension). */
        public boolean consoleReadOnly() {
            return consoleReadOnly;
        }

        public int consoleDomid() {
            return consoleDomid;
        }

        /** Whether the domain waits paused for the console to be attached (xl create -c). */
        public boolean unpauseAfterAttach() {
            return unpauseAfterAttach;
        }
    }

    final PrintStream out;
    final PrintStream err;
    final XlHost host;
    final Session session;

    XlCommand(PrintStream out, PrintStream err, XlHost host, Session session) {
        this.out = out;
        this.err = err;
        this.host = host;
        this.session = session;
    }

    /** Runs the command line against {@code host} and returns its exit status. */
    public static int execute(String[] args, PrintStream out, PrintStream err, XlHost host, Session session) {
        CommandLine cl = commandLine(new XlCommand(out, err, host, session), args.length == 0 ? null : args[0]);
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

    /**
     * The command line for a request whose first argument is {@code first}: with only that
     * subcommand when it names one, else (no command, an option, help, a mistake) with all of
     * them, so that usage and error messages list every command.
     */
    static CommandLine commandLine(XlCommand xl, String first) {
        CommandLine cl = new CommandLine(xl);
        Class<?> only = null;
        for (Class<?> c : SUBCOMMANDS) {
            if (c != CommandLine.HelpCommand.class && names(c).contains(first)) {
                only = c;
            }
        }
        for (Class<?> c : SUBCOMMANDS) {
            if (only == null || c == only) {
                cl.addSubcommand(c);
            }
        }
        return cl;
    }

    private static List<String> names(Class<?> command) {
        Command c = command.getAnnotation(Command.class);
        List<String> names = new ArrayList<>(List.of(c.aliases()));
        names.add(c.name());
        return names;
    }

    /**
     * The domain {@code q} names (name or id), or -1 after printing xl's message for a missing one:
     * {@code q is an invalid domain identifier (rc=-6)} for a name, libxl's for an id.
     */
    int domain(String q, String what) {
        int domid = host.find(q);
        if (domid >= 0) {
            return domid;
        }
        if (q.matches("[0-9]+")) {
            err.println("libxl: error: Domain " + q + ":Non-existant domain");
            err.println(what + " failed (rc=-21)");
        } else {
            err.println(q + " is an invalid domain identifier (rc=-6)");
        }
        return -1;
    }
}
