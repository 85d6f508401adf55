package dev.jxen.hypervisor;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;

/**
 * Receives a domain's console output: what the guest writes with {@code console_io(write)} and
 * what it puts in its console ring. Called on the vCPU's thread; must not block for long.
 */
@FunctionalInterface
public interface ConsoleSink {
    void write(byte[] data, int offset, int length);

    /** A sink that drops everything. */
    ConsoleSink DISCARD = (d, o, l) -> { };

    /** A sink that copies to {@code out} and flushes after each write. */
    static ConsoleSink of(OutputStream out) {
        return (data, offset, length) -> {
            try {
                out.write(data, offset, length);
                out.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
    }
}
