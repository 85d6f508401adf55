package dev.jxen.toolstack.xl;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Copies what the user types (xl's stdin) to the console of the domain running now. One reader
 * thread serves the whole xl process, so a restarted domain gets the input that follows without
 * a second reader competing for stdin. Input typed while no domain is attached is dropped.
 */
final class ConsoleInput {
    private final InputStream in;
    private volatile Consumer<byte[]> target;
    private Thread reader;

    ConsoleInput(InputStream in) {
        this.in = in;
    }

    /** Sends input to {@code console} from now on (starting the reader on first use). */
    synchronized void attach(Consumer<byte[]> console) {
        target = console;
        if (reader == null) {
            reader = Thread.ofPlatform().name("xl-console-input").daemon().start(this::copy);
        }
    }

    /** Stops sending input to the domain attached last. */
    void detach() {
        target = null;
    }

    private void copy() {
        byte[] buf = new byte[4096];
        try {
            int n;
            while ((n = in.read(buf)) >= 0) {
                Consumer<byte[]> t = target;
                if (t != null && n > 0) {
                    t.accept(Arrays.copyOf(buf, n));
                }
            }
        } catch (IOException e) {
            // stdin closed or unreadable: the guest simply gets no more input
        }
    }
}
