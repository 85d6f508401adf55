package dev.jxen.toolstack.xl;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What the user types reaches the domain running now, also after a restart. */
@Timeout(20)
class ConsoleInputTest {
    static final class Console {
        final ByteArrayOutputStream got = new ByteArrayOutputStream();

        synchronized void accept(byte[] b) {
            got.writeBytes(b);
        }

        synchronized String text() {
            return got.toString(StandardCharsets.UTF_8);
        }

        void await(String expected) throws InterruptedException {
            while (!text().equals(expected)) {
                Thread.sleep(5);
            }
        }
    }

    @Test
    void inputGoesToTheAttachedDomainAndThenToItsSuccessor() throws Exception {
        PipedOutputStream keyboard = new PipedOutputStream();
        ConsoleInput input = new ConsoleInput(new PipedInputStream(keyboard));
        Console first = new Console(), second = new Console();

        input.attach(first::accept);
        keyboard.write("ls\n".getBytes(StandardCharsets.UTF_8));
        keyboard.flush();
        first.await("ls\n");

        input.detach();
        input.attach(second::accept);
        keyboard.write("exit\n".getBytes(StandardCharsets.UTF_8));
        keyboard.flush();
        second.await("exit\n");
        assertThat(first.text()).isEqualTo("ls\n");
        keyboard.close();
    }
}
