package dev.jxen.toolstack.console;

import static dev.jxen.toolstack.console.Sockets.await;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code xl console}'s side against a real hub over a unix socket, with stdin and stdout as plain
 * streams (no terminal: the bytes are copied as they are).
 */
@Timeout(60)
class ConsoleClientTest {
    static final Duration LIMIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;
    Sockets sockets;
    final ByteArrayOutputStream guestInput = new ByteArrayOutputStream();
    ConsoleHub hub;

    @BeforeEach
    void start() throws Exception {
        sockets = new Sockets(dir);
        hub = new ConsoleHub("domain 3 (grub)", dir.resolve("grub.log"), bytes -> {
            synchronized (guestInput) {
                guestInput.writeBytes(bytes);
            }
        });
    }

    @AfterEach
    void stop() throws Exception {
        hub.close();
        sockets.close();
    }

    String guestInput() {
        synchronized (guestInput) {
            return guestInput.toString(StandardCharsets.ISO_8859_1);
        }
    }

    void output(String s) {
        byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
        hub.write(b, 0, b.length);
    }

    /** Output collected thread-safely, as stdout. */
    static final class Screen extends OutputStream {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        @Override
        public synchronized void write(int b) {
            bytes.write(b);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            bytes.write(b, off, len);
        }

        synchronized String text() {
            return bytes.toString(StandardCharsets.ISO_8859_1);
        }
    }

    CompletableFuture<ConsoleClient.End> attach(boolean readOnly, InputStream stdin, OutputStream stdout)
            throws Exception {
        Sockets.Pair pair = sockets.connect();
        hub.attach(pair.daemonSide(), readOnly);
        ConsoleClient client = new ConsoleClient(pair.xlSide(), 3, "grub", readOnly);
        return CompletableFuture.supplyAsync(() -> {
            try {
                return client.run(stdin, stdout);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @Test
    void typedKeysReachTheGuestAndItsOutputReachesStdout() throws Exception {
        output("grub> ");
        PipedOutputStream keyboard = new PipedOutputStream();
        Screen screen = new Screen();
        CompletableFuture<ConsoleClient.End> session = attach(false, new PipedInputStream(keyboard), screen);
        await("the prompt is shown", LIMIT, () -> screen.text().equals("grub> "));
        keyboard.write("ls\u007f\u007fecho hi\r".getBytes(StandardCharsets.ISO_8859_1));
        keyboard.flush();
        await("the guest has the keys", LIMIT, () -> guestInput().equals("ls\u007f\u007fecho hi\r"));
        output("hi\r\ngrub> ");
        await("the answer is shown", LIMIT, () -> screen.text().equals("grub> hi\r\ngrub> "));
        assertThat(session).isNotDone();
        keyboard.close();
        hub.close();
        assertThat(session.get(20, TimeUnit.SECONDS)).isEqualTo(ConsoleClient.End.CLOSED);
    }

    @Test
    void ctrlRightBracketDetachesWithoutReachingTheGuest() throws Exception {
        byte[] typed = "ab\u001dcd".getBytes(StandardCharsets.ISO_8859_1);
        Screen screen = new Screen();
        ConsoleClient.End end = attach(false, new ByteArrayInputStream(typed), screen).get(20, TimeUnit.SECONDS);
        assertThat(end).isEqualTo(ConsoleClient.End.DETACHED);
        // The hub sees the detach as the end of the connection: the read-write slot is free again.
        await("the hub dropped the client", LIMIT, () -> !hub.hasReadWriteClient());
        assertThat(guestInput()).isEqualTo("ab");
        // The domain goes on; a new client attaches read-write.
        output("still running\r\n");
        Screen again = new Screen();
        PipedOutputStream keyboard = new PipedOutputStream();
        CompletableFuture<ConsoleClient.End> second = attach(false, new PipedInputStream(keyboard), again);
        await("the new client sees the output", LIMIT, () -> again.text().equals("still running\r\n"));
        keyboard.write(ConsoleClient.ESCAPE);
        keyboard.flush();
        assertThat(second.get(20, TimeUnit.SECONDS)).isEqualTo(ConsoleClient.End.DETACHED);
        assertThat(guestInput()).isEqualTo("ab");
    }

    @Test
    void closingTheConsoleEndsTheClientAfterTheLastOutput() throws Exception {
        PipedOutputStream keyboard = new PipedOutputStream();
        Screen screen = new Screen();
        CompletableFuture<ConsoleClient.End> session = attach(false, new PipedInputStream(keyboard), screen);
        output("reboot: Power down\r\n");
        hub.close();
        assertThat(session.get(20, TimeUnit.SECONDS)).isEqualTo(ConsoleClient.End.CLOSED);
        assertThat(screen.text()).isEqualTo("reboot: Power down\r\n");
        keyboard.close();
    }

    @Test
    void theEndOfPipedInputLeavesTheOutputRunning() throws Exception {
        // `xl console d < /dev/null > out` records the output until the domain ends.
        Screen screen = new Screen();
        CompletableFuture<ConsoleClient.End> session = attach(false, InputStream.nullInputStream(), screen);
        output("one\r\n");
        await("the first line is shown", LIMIT, () -> screen.text().equals("one\r\n"));
        assertThat(session).isNotDone();
        output("two\r\n");
        hub.close();
        assertThat(session.get(20, TimeUnit.SECONDS)).isEqualTo(ConsoleClient.End.CLOSED);
        assertThat(screen.text()).isEqualTo("one\r\ntwo\r\n");
    }

    @Test
    void aReadOnlyClientSendsNothingButDetaches() throws Exception {
        PipedOutputStream keyboard = new PipedOutputStream();
        Screen screen = new Screen();
        CompletableFuture<ConsoleClient.End> watcher = attach(true, new PipedInputStream(keyboard), screen);
        assertThat(hub.hasReadWriteClient()).isFalse();
        output("login: ");
        await("the watcher sees the output", LIMIT, () -> screen.text().equals("login: "));
        keyboard.write("root\r\u001d".getBytes(StandardCharsets.ISO_8859_1));
        keyboard.flush();
        assertThat(watcher.get(20, TimeUnit.SECONDS)).isEqualTo(ConsoleClient.End.DETACHED);
        assertThat(guestInput()).isEmpty();
    }

    @Test
    void theNoteOnAttachNamesTheDomainAndTheEscapeCharacter() {
        assertThat(new ConsoleClient(null, 3, "grub").banner())
                .isEqualTo("Connected to domain 3 (grub). Escape character is '^]'.");
        assertThat(new ConsoleClient(null, 3, "grub", true).banner())
                .isEqualTo("Connected to domain 3 (grub), read-only. Escape character is '^]'.");
    }
}
