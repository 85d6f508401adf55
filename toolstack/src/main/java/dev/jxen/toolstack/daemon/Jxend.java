package dev.jxen.toolstack.daemon;

import dev.jxen.toolstack.xl.XlCommand;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code jxend}, the host daemon: hosts the hypervisor and its domains (it is Domain-0) and
 * answers xl on the control socket of its {@link JxenHome}. One daemon per home, guarded by a
 * lock on {@code jxend.lock} (so a socket left by a killed daemon is known stale and replaced).
 * A daemon started with an idle timeout exits once it has hosted no domain for that long.
 */
public final class Jxend implements AutoCloseable {
    /** Default machine memory: the host's, up to this. */
    static final long MAX_DEFAULT_MEMORY_MIB = 16 << 10;

    private final JxenHome home;
    private final DomainHost host;
    private final ServerSocketChannel server;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final long idleExitNanos;
    private final AtomicInteger activeRequests = new AtomicInteger();
    private final CountDownLatch closed = new CountDownLatch(1);
    private final ScheduledExecutorService idleWatch = Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().daemon().name("jxend-idle").unstarted(r));
    private volatile long lastBusy = System.nanoTime();
    private volatile boolean closing;

    /** Settings of one daemon: machine memory, and seconds without domains before exiting (0 = never). */
    public record Options(long memoryMiB, long idleExitSeconds) {
        public static Options defaults() {
            return new Options(defaultMemoryMiB(), 0);
        }
    }

    /** Another daemon holds this home. */
    public static final class AlreadyRunningException extends IOException {
        private static final long serialVersionUID = 1L;

        AlreadyRunningException(String message) {
            super(message);
        }
    }

    private Jxend(JxenHome home, Options options, FileChannel lockChannel, FileLock lock) throws IOException {
        this.home = home;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.idleExitNanos = TimeUnit.SECONDS.toNanos(options.idleExitSeconds());
        this.host = new DomainHost(home, options.memoryMiB(), this::touch);
        Files.deleteIfExists(home.socket());
        this.server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(home.socket()));
        Files.writeString(home.pidFile(), ProcessHandle.current().pid() + "\n");
    }

    /** Starts a daemon on {@code home} (in this JVM), serving until {@link #close()}. */
    public static Jxend start(JxenHome home, Options options) throws IOException {
        Files.createDirectories(home.dir());
        FileChannel ch = FileChannel.open(home.lockFile(), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (java.nio.channels.OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            ch.close();
            throw new AlreadyRunningException("a jxend daemon already runs for " + home.dir() + readPid(home));
        }
        if (Files.exists(home.socket())) {
            // We hold the lock, so the daemon that made it is gone (killed): its socket is stale.
            System.out.println("jxend: removing the stale socket of a daemon that did not exit cleanly");
        }
        Jxend d;
        try {
            d = new Jxend(home, options, ch, lock);
        } catch (IOException | RuntimeException e) {
            lock.release();
            ch.close();
            throw e;
        }
        d.serve();
        return d;
    }

    private static String readPid(JxenHome home) {
        try {
            return " (pid " + Files.readString(home.pidFile()).strip() + ")";
        } catch (IOException e) {
            return "";
        }
    }

    static long defaultMemoryMiB() {
        String env = System.getenv("JXEN_MEMORY");
        if (env != null && env.matches("[0-9]+")) {
            return Long.parseLong(env);
        }
        try {
            for (String line : Files.readAllLines(java.nio.file.Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    return Math.min(MAX_DEFAULT_MEMORY_MIB, Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024);
                }
            }
        } catch (IOException | NumberFormatException e) {
            // fall through
        }
        return 4096;
    }

    public JxenHome home() {
        return home;
    }

    private void serve() {
        Thread.ofPlatform().name("jxend-accept").daemon().start(() -> {
            while (!closing) {
                try {
                    SocketChannel ch = server.accept();
                    Thread.ofVirtual().name("jxend-request").start(() -> handle(ch));
                } catch (IOException e) {
                    if (!closing) {
                        System.out.println("jxend: accept failed: " + e);
                    }
                    return;
                }
            }
        });
        if (idleExitNanos > 0) {
            idleWatch.scheduleWithFixedDelay(this::checkIdle, 200, 200, TimeUnit.MILLISECONDS);
        }
    }

    /** Something happened (a request, a domain came or went): the idle clock starts again. */
    private void touch() {
        lastBusy = System.nanoTime();
    }

    private void checkIdle() {
        if (host.domainCount() > 0 || activeRequests.get() > 0) {
            touch();
        } else if (System.nanoTime() - lastBusy > idleExitNanos) {
            System.out.println("jxend: no domains for " + TimeUnit.NANOSECONDS.toSeconds(idleExitNanos) + " s: exiting");
            close();
        }
    }

    private void handle(SocketChannel ch) {
        activeRequests.incrementAndGet();
        touch();
        boolean handedOver = false;
        try {
            InputStream in = Channels.newInputStream(ch);
            OutputStream out = Channels.newOutputStream(ch);
            ControlProtocol.Request req;
            try {
                req = ControlProtocol.readRequest(in);
            } catch (ControlProtocol.ProtocolException e) {
                byte[] msg = ("xl: " + e.getMessage() + "\n").getBytes(StandardCharsets.UTF_8);
                ControlProtocol.writeOutput(out, 'e', msg, 0, msg.length);
                ControlProtocol.writeExit(out, 1);
                return;
            }
            Object streamLock = new Object();
            PrintStream xout = new PrintStream(new FramedStream(out, 'o', streamLock), true, StandardCharsets.UTF_8);
            PrintStream xerr = new PrintStream(new FramedStream(out, 'e', streamLock), true, StandardCharsets.UTF_8);
            XlCommand.Session session = new XlCommand.Session(req.cwd());
            session.setClientGone(() -> peerClosed(ch));
            int status;
            try {
                status = XlCommand.execute(req.args().toArray(String[]::new), xout, xerr, host, session);
            } catch (RuntimeException | Error e) {
                // A bug in jxen: the client still gets an answer, and the daemon lives on.
                xerr.println("xl: internal error in jxend (a bug in jxen, please report it): " + e);
                e.printStackTrace(System.out);
                status = 1;
            }
            xout.flush();
            xerr.flush();
            int domid = session.consoleDomid();
            if (status == 0 && domid >= 0 && !session.consoleReadOnly() && host.consoleBusy(domid)) {
                xerr.println("xl: the console of domain " + domid + " is in use by another xl console"
                        + " (xl console -r watches it read-only)");
                status = 1;
            } else if (status == 0 && domid >= 0) {
                synchronized (streamLock) {
                    ControlProtocol.writeConsole(out, domid, String.valueOf(host.name(domid)), session.consoleReadOnly());
                }
                handedOver = host.attachConsole(domid, ch, session.consoleReadOnly());
                if (session.unpauseAfterAttach()) {
                    host.unpause(session.consoleDomid());
                }
                return;
            }
            if (status != 0 && session.clientGone()) {
                return; // an xl killed while it waited: no one to answer
            }
            synchronized (streamLock) {
                ControlProtocol.writeExit(out, status);
            }
        } catch (EOFException e) {
            // the client went away
        } catch (IOException e) {
            System.out.println("jxend: request failed: " + e);
        } finally {
            if (!handedOver) {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // already closed
                }
            }
            activeRequests.decrementAndGet();
            touch();
        }
    }

    /**
     * Whether the client closed its end: a client sends nothing after its request, so a
     * non-blocking read sees either nothing (still there) or the end of the stream.
     */
    private static boolean peerClosed(SocketChannel ch) {
        try {
            synchronized (ch.blockingLock()) {
                ch.configureBlocking(false);
                try {
                    return ch.read(java.nio.ByteBuffer.allocate(1)) < 0;
                } finally {
                    ch.configureBlocking(true);
                }
            }
        } catch (IOException e) {
            return true;
        }
    }

    /** Writes each chunk of a PrintStream as one reply record. */
    private static final class FramedStream extends OutputStream {
        private final OutputStream out;
        private final char tag;
        private final Object lock;

        FramedStream(OutputStream out, char tag, Object lock) {
            this.out = out;
            this.tag = tag;
            this.lock = lock;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (len > 0) {
                synchronized (lock) {
                    ControlProtocol.writeOutput(out, tag, b, off, len);
                }
            }
        }
    }

    /** Waits until the daemon has closed (idle exit or {@link #close()}). */
    public void awaitClosed() throws InterruptedException {
        closed.await();
    }

    /** Stops serving, destroys every domain, removes the socket and pid file, releases the lock. */
    @Override
    public void close() {
        synchronized (this) {
            if (closing) {
                return;
            }
            closing = true;
        }
        System.out.println("jxend: stopping; its domains are destroyed with it");
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        idleWatch.shutdownNow();
        host.close();
        try {
            Files.deleteIfExists(home.socket());
            Files.deleteIfExists(home.pidFile());
            lock.release();
            lockChannel.close();
        } catch (IOException e) {
            System.out.println("jxend: cleaning up " + home.dir() + ": " + e);
        }
        closed.countDown();
    }

    /** {@code jxend [--home DIR] [--idle-exit SECONDS] [--memory MIB]}. */
    public static void main(String[] args) throws Exception {
        JxenHome home = JxenHome.fromEnvironment(System.getenv());
        long idle = 0;
        long memory = defaultMemoryMiB();
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--home" -> home = new JxenHome(java.nio.file.Path.of(value));
                case "--idle-exit" -> idle = Long.parseLong(value);
                case "--memory" -> memory = Long.parseLong(value);
                default -> {
                    System.err.println("jxend: unknown argument '" + args[i] + "' (jxend [--home DIR] [--idle-exit SECONDS] [--memory MIB])");
                    System.exit(2);
                }
            }
            i++;
        }
        Jxend d;
        try {
            d = start(home, new Options(memory, idle));
        } catch (AlreadyRunningException e) {
            System.out.println("jxend: " + e.getMessage());
            System.exit(0);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(d::close, "jxend-shutdown"));
        System.out.println("jxend: pid " + ProcessHandle.current().pid() + ", listening on " + home.socket());
        d.awaitClosed();
        System.exit(0);
    }
}
