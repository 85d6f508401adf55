package dev.jxen.toolstack.xl;

import dev.jxen.toolstack.daemon.ControlProtocol;
import dev.jxen.toolstack.daemon.JxenHome;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.List;

/**
 * The {@code xl} client: sends its arguments to the jxend daemon of {@code $JXEN_HOME} (starting
 * one when none answers) and plays back the reply: stdout, stderr, the exit status, or a domain's
 * console. The commands themselves run in the daemon ({@link XlCommand}); this class stays light
 * (no picocli, no hypervisor) so that {@code xl list} starts fast.
 */
public final class Xl {
    private final JxenHome home;
    private final String cwd;
    private final InputStream in;
    private final PrintStream out;
    private final PrintStream err;
    private final DaemonStarter starter;
    /** Whether stdin/stdout are this process's own (a terminal gets raw mode), not given streams. */
    private boolean terminal;

    public Xl(JxenHome home, String cwd, InputStream in, PrintStream out, PrintStream err, DaemonStarter starter) {
        this.home = home;
        this.cwd = cwd;
        this.in = in;
        this.out = out;
        this.err = err;
        this.starter = starter;
    }

    public static void main(String[] args) {
        JxenHome home = JxenHome.fromEnvironment(System.getenv());
        Xl xl = new Xl(home, Path.of("").toAbsolutePath().toString(), System.in, System.out, System.err,
                DaemonStarter.fromEnvironment(home));
        xl.terminal = true;
        int status = xl.run(args);
        System.out.flush();
        System.exit(status);
    }

    /** Runs one xl command line and returns its exit status. */
    public int run(String... args) {
        try {
            SocketChannel ch = connectOrStart();
            if (ch == null) {
                return 1;
            }
            int status = exchange(ch, List.of(args));
            if (status >= 0 || args.length == 0) {
                return Math.max(status, 0);
            }
            // The reply attached a console that has ended: xl create -c asks how the domain ended.
            int domid = -status - 1;
            while (true) {
                if (!args[0].equals("create")) {
                    // xl console: the console closed because the domain ended, or because the
                    // daemon (and every domain with it) went away, which the user must hear of.
                    SocketChannel probe = connect();
                    if (probe == null) {
                        err.println("xl: the jxend daemon went away; domain " + domid
                                + " went with it (its log: " + home.log() + ")");
                        return 1;
                    }
                    probe.close();
                    return 0;
                }
                boolean quiet = List.of(args).contains("-q") || List.of(args).contains("--quiet");
                SocketChannel again = connect();
                if (again == null) {
                    err.println("xl: the jxend daemon went away (its log: " + home.log() + ")");
                    return 1;
                }
                int s = exchange(again, quiet ? List.of("_outcome", "-q", Integer.toString(domid))
                        : List.of("_outcome", Integer.toString(domid)));
                if (s >= 0) {
                    return s;
                }
                domid = -s - 1;
            }
        } catch (DetachedException e) {
            return 0;
        } catch (EOFException e) {
            err.println("xl: the jxend daemon went away (its log: " + home.log() + ")");
            return 1;
        } catch (IOException e) {
            err.println("xl: talking to the jxend daemon at " + home.socket() + ": " + e.getMessage());
            return 1;
        } finally {
            out.flush();
            err.flush();
        }
    }

    /**
     * Sends a request and plays its reply. Returns the exit status, or {@code -1 - domid} when
     * the reply attached a console that has since ended (closed by the daemon).
     */
    private int exchange(SocketChannel ch, List<String> args) throws IOException {
        try (ch) {
            InputStream rin = Channels.newInputStream(ch);
            OutputStream rout = Channels.newOutputStream(ch);
            ControlProtocol.writeRequest(rout, new ControlProtocol.Request(cwd, args));
            while (true) {
                ControlProtocol.Record r = ControlProtocol.readRecord(rin);
                switch (r.tag()) {
                    case 'o' -> out.write(r.data());
                    case 'e' -> err.write(r.data());
                    case 'x' -> {
                        return (int) r.number();
                    }
                    case 'c', 'r' -> {
                        out.flush();
                        err.flush();
                        String name = new String(r.data(), java.nio.charset.StandardCharsets.UTF_8);
                        boolean detached = XlConsole.run(ch, (int) r.number(), name, r.tag() == 'r',
                                terminal ? null : in, out);
                        if (detached) {
                            throw new DetachedException();
                        }
                        return -1 - (int) r.number();
                    }
                    default -> throw new ControlProtocol.ProtocolException("unknown reply record '" + r.tag() + "'");
                }
            }
        }
    }

    private SocketChannel connectOrStart() throws IOException {
        SocketChannel ch = connect();
        if (ch != null) {
            warnIfDaemonPredatesBuild();
            return ch;
        }
        DaemonStarter.Started started = starter.start();
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < deadline) {
            ch = connect();
            if (ch != null) {
                return ch;
            }
            if (!started.alive()) {
                // Another xl may have won the race to start it: one last look.
                ch = connect();
                if (ch != null) {
                    return ch;
                }
                err.println("xl: the jxend daemon did not start (its log: " + home.log() + ")");
                return null;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
        err.println("xl: the jxend daemon did not answer within 30 s (its log: " + home.log() + ")");
        return null;
    }

    /**
     * A daemon keeps running the code it started with: after a rebuild, say so, or a developer
     * would be testing the old code without knowing it. Compares the daemon's pid file with this
     * client's jar (nothing to compare when running from class directories, as in tests).
     */
    private void warnIfDaemonPredatesBuild() {
        try {
            Path jar = Path.of(Xl.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (!java.nio.file.Files.isRegularFile(jar) || !java.nio.file.Files.isRegularFile(home.pidFile())) {
                return;
            }
            if (java.nio.file.Files.getLastModifiedTime(jar).compareTo(java.nio.file.Files.getLastModifiedTime(home.pidFile())) > 0) {
                String pid = java.nio.file.Files.readString(home.pidFile()).strip();
                err.println("xl: warning: the running jxend (pid " + pid + ") started before jxen was last built and runs"
                        + " the old code; stop it (kill " + pid + ") once its domains are done to use the new build");
            }
        } catch (IOException | java.net.URISyntaxException | RuntimeException e) {
            // only a hint: never in the way of the command itself
        }
    }

    /** A connection to the daemon, or null when none answers. */
    private SocketChannel connect() {
        if (!home.socket().toFile().exists()) {
            return null;
        }
        SocketChannel ch = null;
        try {
            ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            ch.connect(UnixDomainSocketAddress.of(home.socket()));
            return ch;
        } catch (IOException e) {
            if (ch != null) {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // nothing to do
                }
            }
            return null;
        }
    }

    /** The user detached from the console with Ctrl-]. */
    private static final class DetachedException extends IOException {
        private static final long serialVersionUID = 1L;

        DetachedException() {
            super("detached", null);
        }
    }
}
