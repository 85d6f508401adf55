package dev.jxen.toolstack.xl;

import dev.jxen.toolstack.config.DomainConfig;
import java.io.OutputStream;

/** Builds one domain from its configuration and runs it until it shuts down. */
public interface DomainRunner {
    /**
     * Boots the domain {@code cfg} describes, copies its console output to {@code console} and
     * {@code input} to its console while it runs, and returns how it ended. Problems with the kernel, ramdisk or configuration that stop
     * the domain from being built are {@link UserError}s naming the file.
     */
    Outcome run(DomainConfig cfg, OutputStream console, ConsoleInput input) throws UserError, InterruptedException;

    /** How a domain ended; {@code crashReport} is the report for a crash, else null. */
    record Outcome(ShutdownReason reason, String crashReport) {
    }
}
