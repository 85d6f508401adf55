package dev.jxen.toolstack.console;

import static dev.jxen.toolstack.console.Sockets.await;
import static dev.jxen.toolstack.console.Sockets.readExactly;
import static dev.jxen.toolstack.console.Sockets.readToEnd;
import static dev.jxen.toolstack.console.Sockets.send;
import static dev.jxen.toolstack.console.Sockets.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The daemon side of a domain console, driven as the hypervisor (output) and xl clients would. */
@Timeout(60)
class ConsoleHubTest {
    static final Duration LIMIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;
    Sockets sockets;
    Path log;
    /** What reached the "guest" as console input. */
    final ByteArrayOutputStream guestInput = new ByteArrayOutputStream();
    ConsoleHub hub;

    @BeforeEach
    void start() throws Exception {
        sockets = new Sockets(dir);
        log = dir.resolve("console").resolve("guest.log");
        hub = new ConsoleHub("domain 7 (guest)", log, bytes -> {
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

    void output(String s) {
        byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
        hub.write(b, 0, b.length);
    }

    String guestInput() {
        synchronized (guestInput) {
            return guestInput.toString(StandardCharsets.ISO_8859_1);
        }
    }

    String logText() throws Exception {
        return Files.readString(log, StandardCharsets.ISO_8859_1);
    }

    @Test
    void allOutputIsAppendedToTheLogPromptly() throws Exception {
        output("Linux version 6.1\r\n");
        byte[] framed = "xxlogin: yy".getBytes(StandardCharsets.ISO_8859_1);
        hub.write(framed, 2, 7); // only the slice given
        await("the log has both writes", LIMIT, () -> {
            try {
                return logText().equals("Linux version 6.1\r\nlogin: ");
            } catch (Exception e) {
                return false;
            }
        });
        hub.close();
        // A new hub for the same domain (a restart) appends, as xenconsoled's guest logs do.
        try (ConsoleHub again = new ConsoleHub("domain 8 (guest)", log, b -> { })) {
            byte[] more = "rebooted\r\n".getBytes(StandardCharsets.ISO_8859_1);
            again.write(more, 0, more.length);
        }
        assertThat(logText()).isEqualTo("Linux version 6.1\r\nlogin: rebooted\r\n");
    }

    @Test
    void aLateClientFirstReceivesTheRecentOutputThenLiveOutput() throws Exception {
        // 100,000 numbered bytes written before anyone attaches: the client gets the last 64 KiB.
        byte[] early = new byte[100_000];
        for (int i = 0; i < early.length; i++) {
            early[i] = (byte) ('a' + (i * 7 + i / 26) % 26);
        }
        hub.write(early, 0, early.length);
        Sockets.Pair c = sockets.connect();
        hub.attach(c.daemonSide(), true);
        byte[] replay = readExactly(c.xlSide(), ConsoleHub.REPLAY_BYTES);
        assertThat(replay).isEqualTo(Arrays.copyOfRange(early, early.length - ConsoleHub.REPLAY_BYTES, early.length));
        output("live\r\n");
        assertThat(text(readExactly(c.xlSide(), 6))).isEqualTo("live\r\n");
    }

    @Test
    void aClientAttachedBeforeAnyOutputReceivesExactlyTheOutput() throws Exception {
        Sockets.Pair c = sockets.connect();
        hub.attach(c.daemonSide(), false);
        output("GRUB");
        output(" loading\r\n");
        assertThat(text(readExactly(c.xlSide(), 14))).isEqualTo("GRUB loading\r\n");
    }

    @Test
    void severalReadOnlyClientsAllReceiveTheOutput() throws Exception {
        output("boot\r\n");
        Sockets.Pair a = sockets.connect();
        Sockets.Pair b = sockets.connect();
        hub.attach(a.daemonSide(), true);
        hub.attach(b.daemonSide(), true);
        Sockets.Pair writer = sockets.connect();
        hub.attach(writer.daemonSide(), false); // read-only clients do not take the read-write slot
        output("grub> ");
        assertThat(text(readExactly(a.xlSide(), 12))).isEqualTo("boot\r\ngrub> ");
        assertThat(text(readExactly(b.xlSide(), 12))).isEqualTo("boot\r\ngrub> ");
        assertThat(text(readExactly(writer.xlSide(), 12))).isEqualTo("boot\r\ngrub> ");
    }

    @Test
    void inputFromTheReadWriteClientReachesTheGuestUnchanged() throws Exception {
        Sockets.Pair c = sockets.connect();
        hub.attach(c.daemonSide(), false);
        // Backspace, delete, an arrow key and Ctrl-C as a raw terminal sends them.
        String keys = "ls\u007f\u001b[3~\u001b[A\u0003\r";
        send(c.xlSide(), keys);
        await("the guest has the keys", LIMIT, () -> guestInput().equals(keys));
    }

    @Test
    void inputFromAReadOnlyClientIsIgnored() throws Exception {
        Sockets.Pair watcher = sockets.connect();
        Sockets.Pair writer = sockets.connect();
        hub.attach(watcher.daemonSide(), true);
        hub.attach(writer.daemonSide(), false);
        output("x");
        readExactly(watcher.xlSide(), 1);
        readExactly(writer.xlSide(), 1); // both are attached now
        send(watcher.xlSide(), "reboot\r");
        watcher.xlSide().close();
        // The hub closes its end once it has read the watcher's bytes and then its end.
        await("the hub dropped the watcher", LIMIT, () -> !watcher.daemonSide().isOpen());
        send(writer.xlSide(), "ok\r");
        await("the writer's input arrived", LIMIT, () -> guestInput().contains("ok\r"));
        assertThat(guestInput()).isEqualTo("ok\r");
    }

    @Test
    void aSecondReadWriteClientIsRefusedUntilTheFirstDetaches() throws Exception {
        Sockets.Pair first = sockets.connect();
        hub.attach(first.daemonSide(), false);
        assertThat(hub.hasReadWriteClient()).isTrue();
        Sockets.Pair second = sockets.connect();
        assertThatThrownBy(() -> hub.attach(second.daemonSide(), false))
                .isInstanceOf(ConsoleBusyException.class)
                .hasMessage("the console of domain 7 (guest) is already attached read-write elsewhere"
                        + " (detach it with Ctrl-], or attach read-only)");
        assertThat(second.daemonSide().isOpen()).as("the caller answers the refused client").isTrue();
        first.xlSide().close();
        await("the first client is gone", LIMIT, () -> !hub.hasReadWriteClient());
        hub.attach(second.daemonSide(), false);
        send(second.xlSide(), "hi");
        await("the new writer's input arrived", LIMIT, () -> guestInput().equals("hi"));
    }

    @Test
    void aClientThatStopsReadingHoldsBackNeitherTheGuestNorTheOthers() throws Exception {
        Sockets.Pair stuck = sockets.connect();
        Sockets.Pair reader = sockets.connect();
        hub.attach(stuck.daemonSide(), true); // never reads
        hub.attach(reader.daemonSide(), false);
        // The guest writes 4 MiB, far more than the stuck client's socket and the backlog hold.
        // The reader takes each chunk before the next is written, so it is never behind; the
        // writes all return although one client takes nothing.
        byte[] chunk = new byte[16 * 1024];
        int chunks = 256;
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        for (int i = 0; i < chunks; i++) {
            for (int j = 0; j < chunk.length; j++) {
                chunk[j] = (byte) (i + j * 31);
            }
            hub.write(chunk, 0, chunk.length);
            expected.writeBytes(chunk);
            assertThat(readExactly(reader.xlSide(), chunk.length)).isEqualTo(chunk);
        }
        // The stuck client was disconnected: what it can still read ends well short of everything.
        byte[] got = readToEnd(stuck.xlSide());
        assertThat(got.length).isLessThan(chunks * chunk.length);
        assertThat(got).isEqualTo(Arrays.copyOf(expected.toByteArray(), got.length));
        // The log has it all.
        await("the log has all output", LIMIT, () -> log.toFile().length() == (long) chunks * chunk.length);
        assertThat(Files.readAllBytes(log)).isEqualTo(expected.toByteArray());
    }

    @Test
    void writesFromTheGuestReturnWhileNoClientReads() throws Exception {
        // Many small writes from two "vCPU" threads while a client reads nothing.
        Sockets.Pair stuck = sockets.connect();
        hub.attach(stuck.daemonSide(), false);
        AtomicLong written = new AtomicLong();
        Runnable vcpu = () -> {
            byte[] line = "[    0.000000] a line of boot output\r\n".getBytes(StandardCharsets.US_ASCII);
            for (int i = 0; i < 100_000; i++) {
                hub.write(line, 0, line.length);
                written.addAndGet(line.length);
            }
        };
        Thread t0 = Thread.ofPlatform().start(vcpu);
        Thread t1 = Thread.ofPlatform().start(vcpu);
        t0.join();
        t1.join();
        assertThat(written.get()).isEqualTo(2L * 100_000 * 38);
        assertThat((long) readToEnd(stuck.xlSide()).length).as("the stuck client was dropped").isLessThan(written.get());
    }

    @Test
    void closingTheHubEndsEveryClientAfterTheLastOutput() throws Exception {
        Sockets.Pair a = sockets.connect();
        Sockets.Pair b = sockets.connect();
        hub.attach(a.daemonSide(), false);
        hub.attach(b.daemonSide(), true);
        output("reboot: Power down\r\n");
        hub.close();
        assertThat(text(readToEnd(a.xlSide()))).isEqualTo("reboot: Power down\r\n");
        assertThat(text(readToEnd(b.xlSide()))).isEqualTo("reboot: Power down\r\n");
        assertThat(logText()).isEqualTo("reboot: Power down\r\n");
        // Output after the end is dropped; a late attach ends at once.
        output("late");
        Sockets.Pair late = sockets.connect();
        hub.attach(late.daemonSide(), false);
        assertThat(readToEnd(late.xlSide())).isEmpty();
        assertThat(hub.hasReadWriteClient()).isFalse();
    }
}
