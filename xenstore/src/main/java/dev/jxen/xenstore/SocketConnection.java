package dev.jxen.xenstore;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A unix-socket client (libxenstore with {@code XENSTORED_PATH}): privileged, as C xenstored treats
 * its socket. A thread reads each request, handles it and writes the reply itself; watch events
 * caused by others go out through a writer thread. A request longer than 4096 bytes closes the
 * connection, as C xenstored does.
 */
final class SocketConnection extends Connection {
    private static final System.Logger LOG = System.getLogger("dev.jxen.xenstore");
    private static final int MAX_QUEUED = 4096;

    private final SocketChannel channel;
    private final Core core;
    private final Runnable onClose;
    private final ArrayDeque<byte[]> out = new ArrayDeque<>();
    private final ReentrantLock writeLock = new ReentrantLock();
    private volatile boolean closed;
    private Thread writer;

    SocketConnection(SocketChannel channel, Core core, Runnable onClose) {
        super(0, true);
        this.channel = channel;
        this.core = core;
        this.onClose = onClose;
    }

    void start() {
        core.add(this);
        writer = Thread.ofVirtual().name("xenstored-socket-writer").start(this::writeLoop);
        Thread.ofPlatform().daemon().name("xenstored-socket").start(this::readLoop);
    }

    private void readLoop() {
        ByteBuffer header = ByteBuffer.allocate(Wire.HEADER).order(ByteOrder.LITTLE_ENDIAN);
        byte[] small = new byte[256];
        try {
            while (!closed) {
                header.clear();
                if (!readFully(header)) {
                    break;
                }
                int type = header.getInt(0), reqId = header.getInt(4), txId = header.getInt(8), len = header.getInt(12);
                if (Integer.compareUnsigned(len, Wire.PAYLOAD_MAX) > 0) {
                    LOG.log(System.Logger.Level.WARNING, "xenstored: socket client sent a request of "
                            + Integer.toUnsignedString(len) + " bytes; closing it");
                    break;
                }
                byte[] body = len <= small.length ? small : new byte[len];
                if (!readFully(ByteBuffer.wrap(body, 0, len))) {
                    break;
                }
                core.handle(this, type, reqId, txId, body, len);
                flush();
            }
        } catch (IOException e) {
            // the client went away
        } finally {
            close();
        }
    }

    private boolean readFully(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            if (channel.read(b) < 0) {
                return false;
            }
        }
        return true;
    }

    private void writeLoop() {
        while (!closed) {
            LockSupport.park(this);
            try {
                flush();
            } catch (IOException e) {
                close();
            }
        }
    }

    private void flush() throws IOException {
        writeLock.lock();
        try {
            while (true) {
                byte[] m;
                synchronized (out) {
                    m = out.poll();
                }
                if (m == null) {
                    return;
                }
                ByteBuffer b = ByteBuffer.wrap(m);
                while (b.hasRemaining()) {
                    channel.write(b);
                }
            }
        } finally {
            writeLock.unlock();
        }
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
            if (out.size() >= MAX_QUEUED) {
                return;
            }
            out.add(m);
        }
        LockSupport.unpark(writer);
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
        LockSupport.unpark(writer);
        onClose.run();
    }
}
