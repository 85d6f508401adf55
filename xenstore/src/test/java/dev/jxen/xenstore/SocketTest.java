package dev.jxen.xenstore;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The unix socket's framing: requests however the client splits or batches its writes. */
@Timeout(20)
class SocketTest {
    @TempDir
    Path dir;
    private Xenstored xs;
    private SocketChannel ch;

    @BeforeEach
    void start() throws IOException {
        xs = new Xenstored(null);
        xs.dom0().write("/a", "first");
        xs.dom0().write("/b", "second");
        Path socket = dir.resolve("xenstored.sock");
        xs.listen(socket);
        ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        ch.connect(UnixDomainSocketAddress.of(socket));
    }

    @AfterEach
    void stop() throws IOException {
        ch.close();
        xs.close();
    }

    private static byte[] request(int type, int reqId, String payload) {
        return Wire.message(type, reqId, 0, payload.getBytes(StandardCharsets.ISO_8859_1));
    }

    private record Reply(int type, int reqId, String payload) {
    }

    private Reply reply() throws IOException {
        ByteBuffer header = ByteBuffer.allocate(Wire.HEADER).order(ByteOrder.LITTLE_ENDIAN);
        if (!readFully(header)) {
            return null;
        }
        ByteBuffer body = ByteBuffer.allocate(header.getInt(12));
        readFully(body);
        return new Reply(header.getInt(0), header.getInt(4), new String(body.array(), StandardCharsets.ISO_8859_1));
    }

    private boolean readFully(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            if (ch.read(b) < 0) {
                return false;
            }
        }
        return true;
    }

    private void send(byte[] bytes) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    @Test
    void requestsSentInOneWriteAreAnsweredInOrder() throws IOException {
        ByteArrayOutputStream batch = new ByteArrayOutputStream();
        for (int i = 0; i < 50; i++) {
            batch.writeBytes(request(Wire.READ, i, i % 2 == 0 ? "/a\0" : "/b\0"));
        }
        send(batch.toByteArray());
        for (int i = 0; i < 50; i++) {
            assertThat(reply()).isEqualTo(new Reply(Wire.READ, i, i % 2 == 0 ? "first" : "second"));
        }
    }

    @Test
    void aRequestTrickledInByteByByteIsAnswered() throws Exception {
        byte[] m = request(Wire.WRITE, 7, "/c\0trickled");
        for (byte b : m) {
            send(new byte[] {b});
            Thread.sleep(1);
        }
        assertThat(reply()).isEqualTo(new Reply(Wire.WRITE, 7, "OK\0"));
        assertThat(xs.dom0().read("/c")).isEqualTo("trickled");
    }

    @Test
    void aWatchEventFromAnotherWriterArrivesWhileTheClientWaits() throws IOException {
        send(request(Wire.WATCH, 1, "/w\0tok\0"));
        assertThat(reply()).isEqualTo(new Reply(Wire.WATCH, 1, "OK\0"));
        assertThat(reply()).isEqualTo(new Reply(Wire.WATCH_EVENT, 0, "/w\0tok\0"));
        xs.dom0().write("/w", "changed");
        assertThat(reply()).isEqualTo(new Reply(Wire.WATCH_EVENT, 0, "/w\0tok\0"));
    }

    @Test
    void aRequestLongerThan4096BytesClosesTheConnection() throws IOException {
        ByteBuffer header = ByteBuffer.allocate(Wire.HEADER).order(ByteOrder.LITTLE_ENDIAN);
        header.putInt(Wire.WRITE).putInt(1).putInt(0).putInt(Wire.PAYLOAD_MAX + 1);
        send(header.array());
        assertThat(reply()).isNull();
    }
}
