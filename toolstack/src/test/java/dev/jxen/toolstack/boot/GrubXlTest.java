package dev.jxen.toolstack.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jxen.toolstack.daemon.JxenHome;
import dev.jxen.toolstack.daemon.Jxend;
import dev.jxen.toolstack.xl.Xl;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The acceptance run: Debian's GRUB under {@code xl create -c} through the jxend daemon
 * (with its xenstored), typed at as a user would: each command is sent once the prompt shows.
 */
@Timeout(120)
class GrubXlTest {
    @TempDir
    Path home;

    @TempDir
    Path dir;

    /** Console output as it arrives, and the count of prompts seen so far. */
    static final class Screen extends OutputStream {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        @Override
        public synchronized void write(int b) {
            bytes.write(b);
            notifyAll();
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            bytes.write(b, off, len);
            notifyAll();
        }

        synchronized String text() {
            return bytes.toString(StandardCharsets.ISO_8859_1);
        }

        synchronized int prompts() {
            String t = text();
            int n = 0;
            for (int i = t.indexOf("grub> "); i >= 0; i = t.indexOf("grub> ", i + 1)) {
                n++;
            }
            return n;
        }

        /** Waits until at least {@code n} prompts have been printed. */
        synchronized void awaitPrompts(int n) throws InterruptedException {
            while (prompts() < n) {
                wait(100);
            }
        }
    }

    /** Keyboard input that blocks until a line is typed. */
    static final class Keyboard extends InputStream {
        private final BlockingQueue<byte[]> lines = new LinkedBlockingQueue<>();
        private byte[] current = new byte[0];
        private int pos;

        void type(String s) {
            lines.add(s.getBytes(StandardCharsets.ISO_8859_1));
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                while (pos == current.length) {
                    current = lines.take();
                    pos = 0;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return -1;
            }
            int n = Math.min(len, current.length - pos);
            System.arraycopy(current, pos, b, off, n);
            pos += n;
            return n;
        }
    }

    @Test
    void grubReachesItsPromptRunsLsAndEchoAndExitPowersTheDomainOff() throws Exception {
        Path grub = GuestImages.grub();
        Path cfg = Files.writeString(dir.resolve("grub.cfg"),
                "name = \"grub\"\ntype = \"pv\"\nkernel = \"" + grub + "\"\nmemory = 64\n");
        JxenHome jxenHome = new JxenHome(home);
        Jxend daemon = Jxend.start(jxenHome, new Jxend.Options(256, 0));
        try {
            Screen screen = new Screen();
            Keyboard keyboard = new Keyboard();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            Xl xl = new Xl(jxenHome, dir.toString(), keyboard, new PrintStream(screen, true),
                    new PrintStream(err, true, StandardCharsets.UTF_8), () -> {
                        throw new AssertionError("xl tried to start a second daemon");
                    });
            Thread typist = Thread.ofVirtual().start(() -> {
                try {
                    int prompts = 1;
                    for (String line : List.of("ls\r", "echo typed-into-grub\r", "exit\r")) {
                        screen.awaitPrompts(prompts++);
                        keyboard.type(line);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            int status = xl.run("create", "-c", cfg.toString());
            typist.interrupt();
            String text = screen.text();
            assertThat(status).as(text + err).isZero(); // exit powered the domain off
            assertThat(text).contains("Welcome to GRUB!");
            // ls lists GRUB's own devices; GRUB ends its lines with "\n\r".
            assertThat(text).containsPattern("\n\r?\\(memdisk\\)");
            // Only GRUB's echo prints the word on a line of its own (typing echoes it after "echo ").
            assertThat(text).containsPattern("\n\r?typed-into-grub\n");
            assertThat(screen.prompts()).isGreaterThanOrEqualTo(3);
        } finally {
            daemon.close();
        }
    }
}
