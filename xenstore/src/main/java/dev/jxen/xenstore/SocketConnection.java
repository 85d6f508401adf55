package dev.jxen.xenstore;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A unix-socket client (libxenstore with {@code XENSTORED_PATH}): privileged, as C xenstored treats
 * its socket. One platform thread reads requests, handles each under the core's lock and writes the
 * replies itself; only watch events caused by other connections go out through a writer thread. A
 * request longer than 4096 bytes closes the connection, as C xenstored does.
 *
 * <p>The socket is non-blocking: after answering, the thread polls it briefly before sleeping in
 * epoll, because a client like xenstore-read sends its next request within microseconds, and
 * waking a sleeping thread (on a virtual machine, an idle vCPU) costs far more than that.
 */
final class SocketConnection extends Connection {
    private static final System.Logger LOG = System.getLogger("dev.jxen.xenstore");
    private static final int MAX_QUEUED = 4096;
    private static final int MESSAGE_MAX = Wire.HEADER + Wire.PAYLOAD_MAX;
    /**
     * How long the reader polls for the next request before sleeping: longer than a loaded 2-vCPU
     * machine takes to wake the client and let it send (20 µs was too short, 150 µs no better).
     */
    private static final long POLL_NS = 50_000;

    private final SocketChannel channel;
    private final Core core;
    private final Runnable onClose;
    /** Messages not yet written, in the order the core produced them; guarded by itself. */
    private final ArrayDeque<byte[]> out = new ArrayDeque<>();
    /** Serialises writers (the reader thread and the event writer); guards {@link #outBuffer}. */
    private final ReentrantLock writeLock = new ReentrantLock();
    private final ByteBuffer outBuffer = ByteBuffer.allocateDirect(4 * MESSAGE_MAX);
    private final Selector readSelector;
    private final Selector writeSelector;
    private volatile boolean closed;
    private Thread reader;
    private Thread writer;

    SocketConnection(SocketChannel channel, Core core, Runnable onClose) throws IOException {
        super(0, true);
        this.channel = channel;
        this.core = core;
        this.onClose = onClose;
        channel.configureBlocking(false);
        readSelector = Selector.open();
        channel.register(readSelector, SelectionKey.OP_READ);
        writeSelector = Selector.open();
        channel.register(writeSelector, SelectionKey.OP_WRITE);
    }

    void start() {
        core.add(this);
        writer = Thread.ofVirtual().name("xenstored-socket-writer").start(this::writeLoop);
        reader = Thread.ofPlatform().daemon().name("xenstored-socket").start(this::readLoop);
    }

    private void readLoop() {
        // Requests are parsed in place; a partial one is moved to the front before reading more.
        ByteBuffer in = ByteBuffer.allocateDirect(2 * MESSAGE_MAX).order(ByteOrder.LITTLE_ENDIAN);
        byte[] body = new byte[Wire.PAYLOAD_MAX];
        try {
            while (!closed) {
                if (readSome(in) < 0) {
                    break;
                }
                int pos = 0;
                int end = in.position();
                while (end - pos >= Wire.HEADER) {
                    int type = in.getInt(pos), reqId = in.getInt(pos + 4), txId = in.getInt(pos + 8),
                            len = in.getInt(pos + 12);
                    if (Integer.compareUnsigned(len, Wire.PAYLOAD_MAX) > 0) {
                        LOG.log(System.Logger.Level.WARNING, "xenstored: socket client sent a request of "
                                + Integer.toUnsignedString(len) + " bytes; closing it");
                        return;
                    }
                    if (end - pos - Wire.HEADER < len) {
                        break;
                    }
                    in.get(pos + Wire.HEADER, body, 0, len);
                    pos += Wire.HEADER + len;
                    core.handle(this, type, reqId, txId, body, len);
                }
                in.limit(end).position(pos);
                in.compact();
                flush();
            }
        } catch (IOException | ClosedSelectorException e) {
            // the client went away
        } finally {
            close();
        }
    }

    /** Reads what has arrived, polling briefly and then sleeping until something has; -1 at end of stream. */
    private int readSome(ByteBuffer in) throws IOException {
        int n = channel.read(in);
        if (n != 0) {
            return n;
        }
        long deadline = System.nanoTime() + POLL_NS;
        while (System.nanoTime() - deadline < 0) {
            Thread.yield(); // a client on this CPU gets to send its request
            n = channel.read(in);
            if (n != 0) {
                return n;
            }
        }
        while (!closed) {
            readSelector.select();
            readSelector.selectedKeys().clear();
            n = channel.read(in);
            if (n != 0) {
                return n;
            }
        }
        return -1;
    }

    private void writeLoop() {
        while (!closed) {
            LockSupport.park(this);
            try {
                flush();
            } catch (IOException | ClosedSelectorException e) {
                close();
            }
        }
    }

    /** Writes the queued messages, as many at a time as fit the buffer. */
    private void flush() throws IOException {
        writeLock.lock();
        try {
            while (true) {
                synchronized (out) {
                    byte[] m;
                    while ((m = out.peek()) != null && m.length <= outBuffer.remaining()) {
                        outBuffer.put(out.poll());
                    }
                }
                if (outBuffer.position() == 0) {
                    return;
                }
                outBuffer.flip();
                while (outBuffer.hasRemaining()) {
                    if (channel.write(outBuffer) == 0) {
                        awaitWritable();
                    }
                }
                outBuffer.clear();
            }
        } finally {
            outBuffer.clear();
            writeLock.unlock();
        }
    }

    /** Sleeps until the client has read enough for more to be written (called with the write lock). */
    private void awaitWritable() throws IOException {
        writeSelector.select();
        writeSelector.selectedKeys().clear();
    }

    @Override
    void queueReply(byte[] message) {
        synchronized (out) {
            out.add(message);
        }
    }

    @Override
    void sendEvent(Watch watch, String path) {
        byte[] m = Wire.event(path, watch.token());
        if (m.length - Wire.HEADER > Wire.PAYLOAD_MAX) {
            return;
        }
        synchronized (out) {
            if (out.size() >= MAX_QUEUED || Wire.duplicateEvent(out, m)) {
                return;
            }
            out.add(m);
        }
        if (Thread.currentThread() != reader) { // the reader flushes after each request anyway
            LockSupport.unpark(writer);
        }
    }

    void close() {
        if (closed) {
            return;
        }
        closed = true;
        core.remove(this);
        try {
            channel.close();
        } catch (IOException e) {
            // closing anyway
        }
        try {
            readSelector.close(); // wakes a thread sleeping in select
            writeSelector.close();
        } catch (IOException e) {
            // closing anyway
        }
        LockSupport.unpark(writer);
        onClose.run();
    }
}
