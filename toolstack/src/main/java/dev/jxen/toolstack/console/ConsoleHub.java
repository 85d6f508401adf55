package dev.jxen.toolstack.console;

import dev.jxen.hypervisor.ConsoleSink;
import dev.jxen.hypervisor.Domain;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.FileChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * One domain's console in the daemon, the part xenconsoled plays on Xen: it receives the guest's
 * output (as the domain's {@link ConsoleSink}), appends it to the domain's console log, keeps the
 * recent output so that a client attaching later first sees the last {@value #REPLAY_BYTES} bytes,
 * and copies it to every attached client. Input from the one read-write client goes to the guest;
 * read-only clients (a jxen extension) only watch, and any number may attach.
 *
 * <p>The guest never waits for anyone: {@link #write} only copies into a ring under a short lock
 * and wakes the hub's pump thread, which writes the log (blocking file I/O off the vCPU thread) and
 * the clients (non-blocking). A client that falls more than {@value #BACKLOG_BYTES} bytes behind
 * (it stopped reading, or reads too slowly) is disconnected rather than allowed to hold output
 * back; the others are unaffected.
 */
public final class ConsoleHub implements ConsoleSink, AutoCloseable {
    /** How much recent output a newly attached client receives first. */
    public static final int REPLAY_BYTES = 64 * 1024;
    /** Output kept for clients and the log to catch up on; a client further behind is dropped. */
    static final int BACKLOG_BYTES = 256 * 1024;

    private static final String IDLE_PUMP = "console pump (idle)";
    /**
     * The hubs' pump threads, kept for the next console when a domain ends: starting a thread waits
     * until the OS has run it, which takes milliseconds on a busy host, and every domain's
     * creation would wait for it.
     */
    private static final ExecutorService PUMPS = Executors.newCachedThreadPool(
            r -> Thread.ofPlatform().daemon().name(IDLE_PUMP).unstarted(r));

    private final String label;
    private final Consumer<byte[]> input;
    private final FileChannel log;
    private final Selector selector;
    /** Ends when the pump has delivered the last output and closed everything. */
    private final CountDownLatch pumpEnded = new CountDownLatch(1);
    private volatile Thread pumpThread;

    /** Output ring: byte {@code p} of the stream is at {@code ring[p % BACKLOG_BYTES]}. */
    private final Object ringLock = new Object();
    private final byte[] ring = new byte[BACKLOG_BYTES];
    private long produced;

    private final AtomicBoolean wakeupPending = new AtomicBoolean();
    private final Queue<Client> arriving = new ConcurrentLinkedQueue<>();
    private final AtomicReference<Client> readWrite = new AtomicReference<>();
    private volatile boolean closed;
    private boolean pumpDone; // guarded by arriving: no more clients are admitted

    // Pump thread only.
    private final List<Client> clients = new ArrayList<>();
    private final byte[] scratch = new byte[BACKLOG_BYTES];
    private final ByteBuffer inputBuffer = ByteBuffer.allocate(4096);
    private long logged;
    private boolean logFailed;

    private static final class Client {
        final SocketChannel channel;
        final boolean readOnly;
        SelectionKey key;
        long sent;
        boolean blocked;

        Client(SocketChannel channel, boolean readOnly) {
            this.channel = channel;
            this.readOnly = readOnly;
        }
    }

    /**
     * The console of {@code domain}: output is logged to {@code logFile} (appended; its directory
     * is created) and input goes to {@link Domain#sendConsoleInput}. The caller makes this hub the
     * domain's console sink.
     */
    public ConsoleHub(Domain domain, Path logFile) throws IOException {
        this("domain " + domain.id() + " (" + domain.name() + ")", logFile, domain::sendConsoleInput);
    }

    /**
     * A console named {@code label} in messages (e.g. "domain 3 (web)"), logging to {@code logFile}
     * and passing the read-write client's input to {@code input} (called on the hub's thread).
     */
    public ConsoleHub(String label, Path logFile, Consumer<byte[]> input) throws IOException {
        this.label = label;
        this.input = input;
        Path dir = logFile.toAbsolutePath().getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        this.log = FileChannel.open(logFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND);
        try {
            this.selector = Selector.open();
        } catch (IOException e) {
            log.close();
            throw e;
        }
        PUMPS.execute(this::pump);
    }

    /** Guest output, on the vCPU's thread: copied into the ring, never blocking on I/O. */
    @Override
    public void write(byte[] data, int offset, int length) {
        if (length <= 0 || closed) {
            return;
        }
        synchronized (ringLock) {
            // Only the last BACKLOG_BYTES of an oversized write can be kept.
            int skip = Math.max(0, length - BACKLOG_BYTES);
            long at = produced + skip;
            int from = offset + skip;
            int left = length - skip;
            while (left > 0) {
                int pos = (int) (at % BACKLOG_BYTES);
                int n = Math.min(left, BACKLOG_BYTES - pos);
                System.arraycopy(data, from, ring, pos, n);
                at += n;
                from += n;
                left -= n;
            }
            produced += length;
        }
        if (wakeupPending.compareAndSet(false, true)) {
            selector.wakeup();
        }
    }

    /**
     * Hands {@code channel} (connected to an {@code xl console}) to this console: from now on it
     * carries raw console bytes both ways, starting with the recent output, until either end closes
     * it. Input from a read-only client is ignored.
     *
     * @throws ConsoleBusyException for a read-write attach while another read-write client is
     *     attached; the channel is left untouched for the caller to answer
     */
    public void attach(SocketChannel channel, boolean readOnly) throws IOException {
        Client client = new Client(channel, readOnly);
        if (!readOnly && !readWrite.compareAndSet(null, client)) {
            throw new ConsoleBusyException(label);
        }
        synchronized (arriving) {
            if (!pumpDone) {
                channel.configureBlocking(false);
                arriving.add(client);
                selector.wakeup();
                return;
            }
        }
        // The domain is gone: the client sees the end of its console at once.
        readWrite.compareAndSet(client, null);
        channel.close();
    }

    /** Whether a read-write client is attached now (a read-write attach would be refused). */
    public boolean hasReadWriteClient() {
        return readWrite.get() != null;
    }

    /**
     * The domain has ended: delivers the output still pending (as far as clients take it without
     * waiting), closes every client's channel, so their {@code xl console} ends, and the log.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        selector.wakeup();
        if (Thread.currentThread() != pumpThread) {
            try {
                pumpEnded.await(2000, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void pump() {
        pumpThread = Thread.currentThread();
        pumpThread.setName("console " + label);
        try {
            while (!closed) {
                selector.select();
                wakeupPending.set(false);
                admitArrivals();
                for (SelectionKey key : selector.selectedKeys()) {
                    Client c = (Client) key.attachment();
                    if (key.isValid() && key.isReadable()) {
                        readFrom(c);
                    }
                    if (key.isValid() && key.isWritable()) {
                        c.blocked = false;
                    }
                }
                selector.selectedKeys().clear();
                deliver();
            }
            // Final output written before the domain ended.
            admitArrivals();
            deliver();
        } catch (IOException | ClosedSelectorException e) {
            System.err.println("jxend: console of " + label + ": " + e.getMessage());
        } finally {
            for (Client c : clients) {
                closeQuietly(c);
            }
            clients.clear();
            synchronized (arriving) {
                pumpDone = true;
                for (Client c; (c = arriving.poll()) != null; ) {
                    closeQuietly(c);
                }
            }
            readWrite.set(null);
            try {
                selector.close();
            } catch (IOException ignored) {
                // nothing left to release
            }
            try {
                log.close();
            } catch (IOException ignored) {
                // the data written so far is in the file
            }
            pumpThread.setName(IDLE_PUMP);
            pumpEnded.countDown();
        }
    }

    private void admitArrivals() {
        for (Client c; (c = arriving.poll()) != null; ) {
            try {
                c.key = c.channel.register(selector, SelectionKey.OP_READ, c);
            } catch (IOException e) {
                drop(c);
                continue;
            }
            synchronized (ringLock) {
                c.sent = Math.max(0, produced - REPLAY_BYTES);
            }
            clients.add(c);
        }
    }

    /** Input from a client: the read-write client's goes to the guest; end of stream detaches. */
    private void readFrom(Client c) {
        int n;
        try {
            n = c.channel.read(inputBuffer.clear());
        } catch (IOException e) {
            n = -1;
        }
        if (n < 0) {
            drop(c);
        } else if (n > 0 && !c.readOnly) {
            try {
                input.accept(Arrays.copyOf(inputBuffer.array(), n));
            } catch (RuntimeException e) {
                // The domain refused input (it is going away): its output must keep flowing.
                System.err.println("jxend: console input for " + label + ": " + e);
            }
        }
    }

    /** Copies new output to the log and to every client that can take it now. */
    private void deliver() {
        long start = Long.MAX_VALUE;
        if (!logFailed) {
            start = logged;
        }
        for (Client c : clients) {
            if (!c.blocked) {
                start = Math.min(start, c.sent);
            }
        }
        long end;
        synchronized (ringLock) {
            end = produced;
            start = Math.max(Math.min(start, end), end - BACKLOG_BYTES);
            for (long p = start; p < end; ) {
                int pos = (int) (p % BACKLOG_BYTES);
                int n = (int) Math.min(end - p, BACKLOG_BYTES - pos);
                System.arraycopy(ring, pos, scratch, (int) (p - start), n);
                p += n;
            }
        }
        writeLog(start, end);
        for (int i = clients.size() - 1; i >= 0; i--) {
            Client c = clients.get(i);
            if (c.sent < end - BACKLOG_BYTES) {
                drop(c); // too slow: it would hold back output the ring no longer has
            } else if (!c.blocked && c.sent < end) {
                writeTo(c, start, end);
            }
        }
    }

    private void writeLog(long start, long end) {
        if (logFailed || logged >= end) {
            return;
        }
        try {
            if (logged < start) {
                // The pump fell behind the guest by more than the ring: say so in the log.
                writeFully(ByteBuffer.wrap(("\n[jxen: " + (start - logged) + " bytes of console output lost]\n")
                        .getBytes(StandardCharsets.US_ASCII)));
                logged = start;
            }
            writeFully(ByteBuffer.wrap(scratch, (int) (logged - start), (int) (end - logged)));
            logged = end;
        } catch (IOException e) {
            logFailed = true;
            System.err.println("jxend: console log of " + label + ": " + e.getMessage() + "; logging stopped");
        }
    }

    private void writeFully(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            log.write(b);
        }
    }

    private void writeTo(Client c, long start, long end) {
        ByteBuffer b = ByteBuffer.wrap(scratch, (int) (c.sent - start), (int) (end - c.sent));
        try {
            c.sent += c.channel.write(b);
        } catch (IOException e) {
            drop(c);
            return;
        }
        c.blocked = c.sent < end;
        c.key.interestOps(c.blocked ? SelectionKey.OP_READ | SelectionKey.OP_WRITE : SelectionKey.OP_READ);
    }

    private void drop(Client c) {
        clients.remove(c);
        closeQuietly(c);
    }

    private void closeQuietly(Client c) {
        readWrite.compareAndSet(c, null);
        if (c.key != null) {
            c.key.cancel();
        }
        try {
            c.channel.close();
        } catch (IOException ignored) {
            // already gone
        }
    }
}
