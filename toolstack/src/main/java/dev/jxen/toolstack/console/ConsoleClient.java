package dev.jxen.toolstack.console;

import java.io.Console;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.EnumSet;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jline.terminal.Attributes;
import org.jline.terminal.Attributes.ControlChar;
import org.jline.terminal.Attributes.InputFlag;
import org.jline.terminal.Attributes.LocalFlag;
import org.jline.terminal.Attributes.OutputFlag;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.jline.utils.InfoCmp;

/**
 * The {@code xl console} side of a console connection: copies what the user types to the
 * channel and what arrives on the channel to stdout, until the daemon closes the channel (the
 * domain is gone) or the user types Ctrl-] ({@value #ESCAPE_NAME}), which detaches and is never
 * sent to the guest.
 *
 * <p>When stdin and stdout are both terminals (Xen's console client asks the same), the terminal
 * is put in raw mode, as {@code cfmakeraw} would set it, so that every key (backspace, delete,
 * arrows, Ctrl-C, Ctrl-Z) reaches the guest unchanged and the guest's output is shown unchanged;
 * the previous mode is restored on every way out, including exceptions and SIGINT/SIGTERM/SIGHUP
 * (a shutdown hook). Only then is the one-line "Connected to domain ..." note printed, on
 * stderr. Otherwise (pipes, files, tests) bytes are copied plainly, and the end of stdin only
 * stops the input: the output goes on until the console closes, so that {@code xl console d >
 * out < /dev/null} records a domain's output to its end.
 */
public final class ConsoleClient {
    /** Ctrl-], the escape character of Xen's console client. */
    public static final int ESCAPE = 0x1d;
    static final String ESCAPE_NAME = "^]";

    /** How a console session ended. */
    public enum End {
        /** The user typed Ctrl-] (or the terminal went away). */
        DETACHED,
        /** The daemon closed the console: the domain is gone (or the daemon is). */
        CLOSED
    }

    private static final String[] TERMINAL_PROVIDERS = {"jni", "ffm", "exec"};

    private final SocketChannel channel;
    private final int domid;
    private final String name;
    private final boolean readOnly;

    /**
     * A client for {@code channel}, a connection to the console of domain {@code domid} called
     * {@code name} that the daemon has already handed to the domain's {@link ConsoleHub}.
     * A read-only client sends nothing but still detaches on Ctrl-].
     */
    public ConsoleClient(SocketChannel channel, int domid, String name, boolean readOnly) {
        this.channel = channel;
        this.domid = domid;
        this.name = name;
        this.readOnly = readOnly;
    }

    public ConsoleClient(SocketChannel channel, int domid, String name) {
        this(channel, domid, name, false);
    }

    /** The note printed when attaching to a terminal. */
    String banner() {
        return "Connected to domain " + domid + " (" + name + ")" + (readOnly ? ", read-only" : "")
                + ". Escape character is '" + ESCAPE_NAME + "'.";
    }

    /** Runs the session on this process's stdin and stdout; closes the channel at the end. */
    public End run() throws IOException {
        InputStream in = new FileInputStream(FileDescriptor.in);
        OutputStream out = new FileOutputStream(FileDescriptor.out);
        Console console = System.console();
        if (console != null && console.isTerminal()) {
            Terminal terminal = openTerminal();
            if (terminal != null) {
                return runRaw(terminal, in, out, System.err);
            }
        }
        return run(in, out);
    }

    /**
     * Runs the session on the given streams with plain copying (no terminal handling, no note);
     * closes the channel at the end, not the streams.
     */
    public End run(InputStream in, OutputStream out) throws IOException {
        return copy(in, out, false);
    }

    private End runRaw(Terminal terminal, InputStream in, OutputStream out, PrintStream err) throws IOException {
        TerminalMode mode = new TerminalMode(terminal);
        Thread restoreOnSignal = new Thread(mode::restore, "xl-console-restore-terminal");
        Runtime.getRuntime().addShutdownHook(restoreOnSignal);
        try {
            err.println(banner());
            err.flush();
            mode.enterRaw();
            return copy(in, out, true);
        } finally {
            mode.restore();
            try {
                Runtime.getRuntime().removeShutdownHook(restoreOnSignal);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs (harmlessly) as the JVM exits
            }
            terminal.close();
        }
    }

    /**
     * The system terminal through JLine, or null when JLine finds none. Only its mode is used:
     * bytes are read from and written to the file descriptors directly, so nothing is re-encoded.
     */
    private static Terminal openTerminal() {
        // Mode changes need no capabilities: register empty ones for $TERM so that JLine does
        // not start infocmp (a process) on every xl console.
        String type = System.getenv("TERM");
        if (type != null && !type.isEmpty()) {
            InfoCmp.setLoadedInfoCmp(type, () -> InfoCmp.getDefaultInfoCmp("dumb"));
        }
        // One provider at a time: JLine would otherwise load them all (and the exec one starts a
        // process) to choose. JNI first, as it starts fastest (about 150 ms against 250 ms for FFM
        // from a cold JVM here).
        for (String provider : TERMINAL_PROVIDERS) {
            try {
                Terminal t = TerminalBuilder.builder()
                        .system(true)
                        .provider(provider)
                        .dumb(false)
                        .nativeSignals(false)
                        .graphemeCluster(false) // its probe would write a query to the terminal
                        .build();
                if (!Terminal.TYPE_DUMB.equals(t.getType()) && !Terminal.TYPE_DUMB_COLOR.equals(t.getType())) {
                    return t;
                }
                t.close();
            } catch (IOException | RuntimeException | LinkageError e) {
                // this provider cannot serve here: try the next
            }
        }
        return null;
    }

    /**
     * Input on a thread of its own (a read of stdin cannot be interrupted), output on the caller's.
     * {@code endOnInputEnd}: the end of a terminal's input (a hang-up) detaches; the end of a
     * pipe only stops the input.
     */
    private End copy(InputStream in, OutputStream out, boolean endOnInputEnd) throws IOException {
        channel.configureBlocking(true);
        AtomicBoolean detached = new AtomicBoolean();
        Thread.ofPlatform().daemon().name("xl-console-input").start(() -> {
            if (copyInput(in, endOnInputEnd)) {
                detached.set(true);
                closeChannel(); // ends the output loop below
            }
        });
        ByteBuffer buf = ByteBuffer.allocate(8192);
        try {
            while (channel.read(buf.clear()) >= 0) {
                try {
                    out.write(buf.array(), 0, buf.position());
                    out.flush();
                } catch (IOException stdoutGone) {
                    return End.DETACHED; // nobody reads the output any more (a closed pipe)
                }
            }
        } catch (IOException e) {
            // Closed under the read (the user detached) or reset by the daemon.
        } finally {
            closeChannel();
        }
        return detached.get() ? End.DETACHED : End.CLOSED;
    }

    /** Copies typed bytes to the channel; true when the user detached. */
    private boolean copyInput(InputStream in, boolean endOnInputEnd) {
        byte[] buf = new byte[1024];
        try {
            int n;
            while ((n = in.read(buf)) >= 0) {
                int escape = indexOf(buf, n, (byte) ESCAPE);
                int send = escape < 0 ? n : escape;
                if (send > 0 && !readOnly) {
                    ByteBuffer b = ByteBuffer.wrap(buf, 0, send);
                    while (b.hasRemaining()) {
                        channel.write(b);
                    }
                }
                if (escape >= 0) {
                    return true;
                }
            }
            return endOnInputEnd;
        } catch (IOException e) {
            return false; // the console closed (the output loop sees it too) or stdin failed
        }
    }

    private static int indexOf(byte[] b, int n, byte value) {
        for (int i = 0; i < n; i++) {
            if (b[i] == value) {
                return i;
            }
        }
        return -1;
    }

    private void closeChannel() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // closed either way
        }
    }

    /** The terminal's mode: raw while attached, the user's own again on every way out. */
    private static final class TerminalMode {
        private final Terminal terminal;
        private final Attributes saved;
        private boolean raw;

        TerminalMode(Terminal terminal) {
            this.terminal = terminal;
            this.saved = new Attributes(terminal.getAttributes());
        }

        synchronized void enterRaw() {
            Attributes a = new Attributes(saved);
            a.setInputFlags(EnumSet.of(InputFlag.IGNBRK, InputFlag.BRKINT, InputFlag.PARMRK, InputFlag.ISTRIP,
                    InputFlag.INLCR, InputFlag.IGNCR, InputFlag.ICRNL, InputFlag.IXON), false);
            a.setOutputFlag(OutputFlag.OPOST, false);
            a.setLocalFlags(EnumSet.of(LocalFlag.ECHO, LocalFlag.ECHONL, LocalFlag.ICANON, LocalFlag.ISIG,
                    LocalFlag.IEXTEN), false);
            a.setControlFlags(EnumSet.of(Attributes.ControlFlag.PARENB), false);
            a.setControlFlag(Attributes.ControlFlag.CS8, true);
            a.setControlChar(ControlChar.VMIN, 1);
            a.setControlChar(ControlChar.VTIME, 0);
            terminal.setAttributes(a);
            raw = true;
        }

        synchronized void restore() {
            if (raw) {
                raw = false;
                try {
                    terminal.setAttributes(saved);
                } catch (RuntimeException e) {
                    // the terminal is gone (hang-up): nothing left to restore
                }
            }
        }
    }
}
