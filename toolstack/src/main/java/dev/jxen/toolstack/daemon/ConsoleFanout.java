package dev.jxen.toolstack.daemon;

import dev.jxen.hypervisor.ConsoleSink;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * A domain's console in the daemon (until the console package's hub takes over): the guest's
 * output goes to its log file and to every attached client; what a client types goes to the guest.
 */
final class ConsoleFanout implements ConsoleSink, AutoCloseable {
    private final OutputStream log;
    private final List<SocketChannel> clients = new CopyOnWriteArrayList<>();
    private volatile Consumer<byte[]> input = b -> { };
    /** Output from before the first client attached (bounded), shown to that client: a restarted domain's boot lines reach xl create -c. */
    private final java.io.ByteArrayOutputStream early = new java.io.ByteArrayOutputStream();
    private boolean attachedOnce;
    private boolean closed;
    private static final int EARLY_LIMIT = 64 << 10;

    ConsoleFanout(Path logFile) throws IOException {
        Files.createDirectories(logFile.getParent());
        this.log = Files.newOutputStream(logFile, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    /** Where typed input goes (the domain's console; a restarted domain gets a new fanout). */
    void setInput(Consumer<byte[]> input) {
        this.input = input;
    }

    @Override
    public synchronized void write(byte[] data, int offset, int length) {
        if (!attachedOnce && early.size() + length <= EARLY_LIMIT) {
            early.write(data, offset, length);
        }
        try {
            log.write(data, offset, length);
            log.flush();
        } catch (IOException e) {
            // a full disk must not stop the guest
        }
        for (SocketChannel c : clients) {
            try {
                ByteBuffer b = ByteBuffer.wrap(data, offset, length);
                while (b.hasRemaining()) {
                    c.write(b);
                }
            } catch (IOException e) {
                drop(c);
            }
        }
    }

    /** Attaches a client: output from now on, and (unless read-only) its input to the guest. */
    synchronized void attach(SocketChannel ch, boolean readOnly) {
        if (!attachedOnce) {
            attachedOnce = true;
            try {
                ByteBuffer b = ByteBuffer.wrap(early.toByteArray());
                while (b.hasRemaining()) {
                    ch.write(b);
                }
            } catch (IOException e) {
                drop(ch);
                return;
            }
        }
        if (closed) {
            drop(ch); // the domain has ended: it saw what there was
            return;
        }
        clients.add(ch);
        Thread.ofVirtual().name("console-input").start(() -> {
            ByteBuffer buf = ByteBuffer.allocate(1024);
            try {
                while (ch.read(buf) >= 0) {
                    buf.flip();
                    if (!readOnly && buf.hasRemaining()) {
                        byte[] b = new byte[buf.remaining()];
                        buf.get(b);
                        input.accept(b);
                    }
                    buf.clear();
                }
            } catch (IOException e) {
                // client gone
            }
            drop(ch);
        });
    }

    private void drop(SocketChannel c) {
        clients.remove(c);
        try {
            c.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    /** Closes every client's connection (the domain ended) and the log. */
    @Override
    public synchronized void close() {
        closed = true;
        for (SocketChannel c : clients) {
            drop(c);
        }
        try {
            log.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }
}
