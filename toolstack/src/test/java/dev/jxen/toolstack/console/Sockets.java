package dev.jxen.toolstack.console;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/** Connected unix-socket pairs, as the daemon and an {@code xl console} hold, and reading helpers. */
final class Sockets implements AutoCloseable {
    /** The daemon's end (handed to the hub) and the xl end of one connection. */
    record Pair(SocketChannel daemonSide, SocketChannel xlSide) {
    }

    private final ServerSocketChannel server;
    private final UnixDomainSocketAddress address;
    private final AtomicInteger count = new AtomicInteger();

    Sockets(Path dir) throws IOException {
        address = UnixDomainSocketAddress.of(dir.resolve("jxend.sock"));
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(address);
    }

    Pair connect() throws IOException {
        SocketChannel xl = SocketChannel.open(address);
        SocketChannel daemon = server.accept();
        count.incrementAndGet();
        return new Pair(daemon, xl);
    }

    @Override
    public void close() throws IOException {
        server.close();
    }

    static void send(SocketChannel ch, String s) throws IOException {
        send(ch, s.getBytes(StandardCharsets.ISO_8859_1));
    }

    static void send(SocketChannel ch, byte[] b) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(b);
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }

    /** Reads exactly {@code n} bytes from a blocking channel, failing at its end. */
    static byte[] readExactly(SocketChannel ch, int n) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(n);
        while (buf.hasRemaining()) {
            if (ch.read(buf) < 0) {
                throw new IOException("end of stream after " + buf.position() + " of " + n + " bytes");
            }
        }
        return buf.array();
    }

    /** Reads until the channel's end; the bytes read. */
    static byte[] readToEnd(SocketChannel ch) throws IOException {
        java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
        ByteBuffer buf = ByteBuffer.allocate(65536);
        try {
            while (ch.read(buf.clear()) >= 0) {
                all.write(buf.array(), 0, buf.position());
            }
        } catch (IOException reset) {
            // a reset is an end too
        }
        return all.toByteArray();
    }

    static String text(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    /** Polls {@code check} until it holds or {@code limit} passes (a hang guard, not a speed test). */
    static void await(String what, Duration limit, java.util.function.BooleanSupplier check) {
        long end = System.nanoTime() + limit.toNanos();
        while (!check.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out waiting until " + what);
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                throw new UncheckedIOException(new IOException(e));
            }
        }
    }
}
