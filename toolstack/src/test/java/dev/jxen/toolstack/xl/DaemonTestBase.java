package dev.jxen.toolstack.xl;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the xl command tests share: a fresh in-process jxend per test on a temporary JXEN_HOME,
 * configs for the PV test kernels, and polling for what xl list or a console log shows next.
 */
abstract class DaemonTestBase {
    @TempDir
    Path home;

    @TempDir
    Path dir;

    DaemonFixture daemon;

    @BeforeEach
    void startDaemon() throws Exception {
        daemon = new DaemonFixture(home);
    }

    @AfterEach
    void stopDaemon() {
        daemon.close();
    }

    DaemonFixture.Outcome xl(String... args) {
        return daemon.xl(args);
    }

    /** A 16 MiB config for PV test kernel {@code kernel} named {@code name}, with further settings. */
    String config(String name, String kernel, String... settings) throws Exception {
        StringBuilder sb = new StringBuilder("name = \"" + name + "\"\nkernel = \"" + DaemonFixture.pvKernel(kernel)
                + "\"\nmemory = 16\n");
        for (String s : settings) {
            sb.append(s).append('\n');
        }
        return Files.writeString(dir.resolve(name + ".cfg"), sb).toString();
    }

    interface Source {
        String get() throws Exception;
    }

    /** Polls {@code source} until {@code test} holds (within 10 s); returns the last value seen. */
    static String until(Source source, Predicate<String> test) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        String s;
        do {
            s = source.get();
            if (test.test(s)) {
                return s;
            }
            Thread.sleep(20);
        } while (System.nanoTime() < deadline);
        return s;
    }

    /** Polls xl list until {@code test} holds for its output (within 10 s). */
    String listUntil(Predicate<String> test) throws Exception {
        return until(() -> xl("list").out(), test);
    }
}
