package dev.jxen.toolstack.xl;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code xl create -c} end to end through a jxend daemon (in a temporary JXEN_HOME) on the real
 * builder, hypervisor and emulator, with the project's own PV test kernels (guests/pv, built into
 * guests/target/pv), as a new user runs it.
 */
@Timeout(120)
class XlCreatePvTest {
    @TempDir
    static Path home;

    @TempDir
    Path dir;

    static DaemonFixture daemon;

    @BeforeAll
    static void startDaemon() throws Exception {
        daemon = new DaemonFixture(home);
    }

    @AfterAll
    static void stopDaemon() {
        daemon.close();
    }

    static Path pvKernel(String name) {
        return DaemonFixture.pvKernel(name);
    }

    static DaemonFixture.Outcome xl(String... args) {
        return daemon.xl(args);
    }

    String cfg(String name, Object kernel) throws Exception {
        return Files.writeString(dir.resolve(name + ".cfg"), """
                name = "%s"
                kernel = "%s"
                memory = 16
                extra = "console=hvc0"
                """.formatted(name, kernel)).toString();
    }

    @Test
    void helloPrintsOnItsConsoleAndPowersOff() throws Exception {
        DaemonFixture.Outcome o = xl("create", "-c", cfg("hello", pvKernel("hello")));
        assertThat(o.err()).isEmpty();
        assertThat(o.out()).contains("hello: hello from console_io\n", "hello: hello from the console ring\n")
                .doesNotContain("FAIL").endsWith("hello: PASS\n");
        assertThat(o.status()).isZero();
    }

    /** Each self-checking PV kernel prints "name: ok ..." per check and "name: PASS" last, then powers off. */
    @ParameterizedTest
    @ValueSource(strings = {"traps", "mmu", "usermode", "events", "time"})
    void theSelfCheckingPvKernelsPass(String kernel) throws Exception {
        DaemonFixture.Outcome o = xl("create", "-c", cfg(kernel, pvKernel(kernel)));
        assertThat(o.err()).isEmpty();
        assertThat(o.out()).contains(kernel + ": ok").doesNotContain("FAIL").endsWith(kernel + ": PASS\n");
        assertThat(o.status()).isZero();
    }

    @Test
    void theSampleConfigurationOfTheReadmeRuns() throws Exception {
        // examples/hello.cfg names the kernel relative to the repository root, as xl would.
        Path sample = Path.of("../examples/hello.cfg").toAbsolutePath();
        DaemonFixture.Outcome o = xl("create", "-c", sample.toString(), "kernel=" + pvKernel("hello"));
        assertThat(o.out()).endsWith("hello: PASS\n");
        assertThat(o.status()).isZero();
    }

    @Test
    void aGuestThatFaultsWithoutHandlersCrashesWithAReport() throws Exception {
        DaemonFixture.Outcome o = xl("create", "-c", cfg("fault", pvKernel("fault")));
        assertThat(o.out()).isEqualTo("fault: reading 0xdead000 at fault_here with no trap table: the domain must crash\n");
        String[] lines = o.err().split("\n");
        // One clear line first, then the report's details, then why xl exits non-zero.
        assertThat(lines[0]).matches("jxen: domain \\d+ \\(fault\\) crashed: .+");
        assertThat(o.err()).contains("<fault_here>", "dead000", "rax", "r15", "hypercalls");
        assertThat(lines[lines.length - 1]).isEqualTo("xl: domain 'fault' crashed (exit status 13)");
        assertThat(o.status()).isEqualTo(13);
    }

    @Test
    void aConfigWithASyntaxErrorIsOneLineNamingFileAndLineAndCreatesNothing() throws Exception {
        Path bad = Files.writeString(dir.resolve("bad.cfg"), "name = \"bad\"\nkernel = \"unterminated\nmemory = 16\n");
        DaemonFixture.Outcome o = xl("create", "-c", bad.toString());
        assertThat(o.status()).isEqualTo(1);
        assertThat(o.err()).matches(java.util.regex.Pattern.quote(bad.toString()) + ":2: [^\n]+\n");
        assertThat(xl("list").out()).doesNotContain("bad");
    }

    @Test
    void aMissingKernelIsOneLine() throws Exception {
        Path missing = dir.resolve("no-such-kernel");
        DaemonFixture.Outcome o = xl("create", "-c", cfg("missing", missing));
        assertThat(o.status()).isEqualTo(1);
        assertThat(o.err()).isEqualTo("xl: " + missing + ": no such file\n");
        assertThat(o.out()).isEmpty();
    }

    @Test
    void moreMemoryThanTheHostHasIsRefusedBeforeAnythingIsAllocated() throws Exception {
        DaemonFixture.Outcome o = xl("create", "-c", cfg("big", pvKernel("hello")), "memory=1073741824");
        assertThat(o.status()).isEqualTo(1);
        assertThat(o.err()).matches("xl: domain 'big': memory = 1073741824 MiB is more than the host has available \\(\\d+ MiB\\)\n");
        assertThat(o.out()).isEmpty();
    }

    @Test
    void tooLittleMemoryForTheKernelIsOneLineNamingTheKernelOnce() throws Exception {
        Path kernel = pvKernel("hello");
        DaemonFixture.Outcome o = xl("create", "-c", cfg("tiny", kernel), "memory=1");
        assertThat(o.status()).isEqualTo(1);
        assertThat(o.err()).startsWith("xl: " + kernel + ": ").contains("memory").hasLineCount(1);
        assertThat(o.err().split(java.util.regex.Pattern.quote(kernel.toString()), -1)).hasSize(2);
        assertThat(o.out()).isEmpty();
    }

    @Test
    void aMissingRamdiskIsOneLine() throws Exception {
        Path missing = dir.resolve("no-such-initrd");
        DaemonFixture.Outcome o = xl("create", "-c", cfg("rd", pvKernel("hello")), "ramdisk=" + missing);
        assertThat(o.status()).isEqualTo(1);
        assertThat(o.err()).isEqualTo("xl: " + missing + ": no such file (ramdisk)\n");
    }

    @Test
    void aTextFileAsKernelIsOneLine() throws Exception {
        Path text = Files.writeString(dir.resolve("notes.txt"), "this is not a kernel\n");
        DaemonFixture.Outcome o = xl("create", "-c", cfg("text", text));
        assertThat(o.status()).isEqualTo(1);
        assertThat(o.err()).startsWith("xl: " + text + ": ").hasLineCount(1);
        assertThat(o.out()).isEmpty();
    }
}
