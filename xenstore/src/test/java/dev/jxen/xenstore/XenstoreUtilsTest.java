package dev.jxen.xenstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Debian's xenstore-utils (libxenstore) against the unix socket, unchanged, with
 * {@code XENSTORED_PATH} pointing at it. Skipped when the tools are not installed, except on CI.
 */
class XenstoreUtilsTest {
    private static final Path TOOLS = Path.of("/usr/bin");

    @TempDir
    Path dir;
    private Xenstored xs;
    private Path socket;

    @BeforeAll
    static void toolsPresent() {
        if (!Files.isExecutable(TOOLS.resolve("xenstore-read"))) {
            if ("true".equals(System.getenv("CI"))) {
                fail("/usr/bin/xenstore-read is missing: .ci/run must install xenstore-utils");
            }
            assumeTrue(false, "xenstore-utils is not installed (apt-get install xenstore-utils); skipping");
        }
    }

    @BeforeEach
    void start() throws IOException {
        xs = new Xenstored(null);
        socket = dir.resolve("xenstored.sock");
        xs.listen(socket);
    }

    @AfterEach
    void stop() {
        xs.close();
        assertThat(socket).doesNotExist();
    }

    private record Result(int exit, String out, String err) {
    }

    private Result run(String... command) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(TOOLS.resolve(command[0]).toString());
        cmd.addAll(List.of(command).subList(1, command.length));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("XENSTORED_PATH", socket.toString());
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail(String.join(" ", command) + " did not finish");
        }
        return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    @Test
    void writeThenReadBack() throws Exception {
        assertThat(run("xenstore-write", "/vm/test/name", "guest one", "/vm/test/id", "7").exit()).isZero();
        Result r = run("xenstore-read", "/vm/test/name", "/vm/test/id");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("guest one\n7\n");
        assertThat(xs.dom0().read("/vm/test/name")).isEqualTo("guest one");
    }

    @Test
    void readOfAMissingKeyFails() throws Exception {
        Result r = run("xenstore-read", "/no/such/key");
        assertThat(r.exit()).isNotZero();
        assertThat(r.err()).contains("couldn't read path /no/such/key");
    }

    @Test
    void lsShowsTheTreeWithValues() throws Exception {
        XsClient c = xs.dom0();
        c.write("/local/domain/3/name", "alpha");
        c.write("/local/domain/3/memory/target", "65536");
        Result r = run("xenstore-ls", "/local/domain/3");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("name = \"alpha\"\nmemory = \"\"\n target = \"65536\"\n");
        Result list = run("xenstore-list", "/local/domain/3");
        assertThat(list.out()).isEqualTo("name\nmemory\n");
    }

    @Test
    void lsListsADirectoryLongerThanOnePayload() throws Exception {
        // DIRECTORY answers E2BIG; libxenstore then reads the list with DIRECTORY_PART.
        for (int i = 0; i < 400; i++) {
            xs.dom0().write("/big/child-with-a-long-name-" + i, Integer.toString(i));
        }
        Result r = run("xenstore-list", "/big");
        assertThat(r.exit()).as(r.err()).isZero();
        List<String> lines = r.out().lines().toList();
        assertThat(lines).hasSize(400).startsWith("child-with-a-long-name-0").endsWith("child-with-a-long-name-399");
    }

    @Test
    void aRelativePathFromAToolIsUnderDom0sHome() throws Exception {
        Result r = run("xenstore-write", "rel", "x");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(xs.dom0().read("/local/domain/0/rel")).isEqualTo("x");
    }

    @Test
    void lsShowsPermissions() throws Exception {
        XsClient c = xs.dom0();
        c.write("/perm/node", "v");
        c.setPerms("/perm/node", XsPermission.none(3), XsPermission.read(0));
        Result r = run("xenstore-ls", "-p", "/perm");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("node = \"v\"").contains("(n3,r0)");
    }

    @Test
    void chmodAndRm() throws Exception {
        run("xenstore-write", "/c/x", "1");
        Result chmod = run("xenstore-chmod", "/c/x", "n4", "r5");
        assertThat(chmod.exit()).as(chmod.err()).isZero();
        assertThat(xs.dom0().getPerms("/c/x")).containsExactly(XsPermission.none(4), XsPermission.read(5));
        Result rm = run("xenstore-rm", "/c/x");
        assertThat(rm.exit()).as(rm.err()).isZero();
        assertThat(xs.dom0().read("/c/x")).isNull();
    }

    @Test
    void watchSeesTheInitialEventAndLaterWrites() throws Exception {
        xs.dom0().mkdir("/watched");
        ProcessBuilder pb = new ProcessBuilder(TOOLS.resolve("xenstore-watch").toString(), "-n", "3", "/watched");
        pb.environment().put("XENSTORED_PATH", socket.toString());
        Path out = dir.resolve("watch.txt");
        pb.redirectOutput(out.toFile()).redirectErrorStream(true);
        Process p = pb.start();
        try {
            waitForLines(out, 1);
            xs.dom0().write("/watched/a", "1");
            waitForLines(out, 2);
            xs.dom0().write("/elsewhere", "1");
            xs.dom0().rm("/watched/a");
            assertThat(p.waitFor(20, TimeUnit.SECONDS)).as("xenstore-watch -n 3 exits after 3 events").isTrue();
            assertThat(Files.readString(out, StandardCharsets.ISO_8859_1)).isEqualTo("/watched\n/watched/a\n/watched/a\n");
        } finally {
            p.destroyForcibly();
        }
    }

    private static void waitForLines(Path file, int n) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            if (Files.exists(file) && Files.readString(file, StandardCharsets.ISO_8859_1).lines().count() >= n) {
                return;
            }
            Thread.sleep(10);
        }
        fail("xenstore-watch printed fewer than " + n + " lines: " + (Files.exists(file) ? Files.readString(file) : ""));
    }
}
