package dev.jxen.toolstack.xl;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code xl create -c} end to end on the real builder, hypervisor and emulator, with the
 * project's own PV test kernels (guests/pv, built into guests/target/pv), as a new user runs it.
 */
@Timeout(120)
class XlCreatePvTest {
    @TempDir
    Path dir;

    record Outcome(int status, String out, String err) {
    }

    static Path pvKernel(String name) {
        Path bin = Path.of(System.getProperty("jxen.guests", "../guests/target/bin"));
        Path p = bin.resolveSibling("pv").resolve(name).toAbsolutePath();
        assertThat(p).as("PV test kernel built by the guests module").isRegularFile();
        return p;
    }

    static Outcome xl(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int status = XlCommand.execute(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), new PvDomainRunner());
        return new Outcome(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
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
        Outcome o = xl("create", "-c", cfg("hello", pvKernel("hello")));
        assertThat(o.err()).isEmpty();
        assertThat(o.out()).contains("hello: hello from console_io\n", "hello: hello from the console ring\n")
                .doesNotContain("FAIL").endsWith("hello: PASS\n");
        assertThat(o.status()).isZero();
    }

    /** Each self-checking PV kernel prints "name: ok ..." per check and "name: PASS" last, then powers off. */
    @ParameterizedTest
    @ValueSource(strings = {"traps", "mmu", "usermode", "events", "time"})
    void theSelfCheckingPvKernelsPass(String kernel) throws Exception {
        Outcome o = xl("create", "-c", cfg(kernel, pvKernel(kernel)));
        assertThat(o.err()).isEmpty();
        assertThat(o.out()).contains(kernel + ": ok").doesNotContain("FAIL").endsWith(kernel + ": PASS\n");
        assertThat(o.status()).isZero();
    }

    @Test
    void theSampleConfigurationOfTheReadmeRuns() throws Exception {
        // examples/hello.cfg names the kernel relative to the repository root, as xl would.
        Path sample = Path.of("../examples/hello.cfg").toAbsolutePath();
        Outcome o = xl("create", "-c", sample.toString(), "kernel=" + pvKernel("hello"));
        assertThat(o.out()).endsWith("hello: PASS\n");
        assertThat(o.status()).isZero();
    }

    @Test
    void aGuestThatFaultsWithoutHandlersCrashesWithAReport() throws Exception {
        Outcome o = xl("create", "-c", cfg("fault", pvKernel("fault")));
        assertThat(o.out()).isEqualTo("fault: reading 0xdead000 at fault_here with no trap table: the domain must crash\n");
        String[] lines = o.err().split("\n");
        // One clear line first, then the report's details, then why xl exits non-zero.
        assertThat(lines[0]).matches("jxen: domain \\d+ \\(fault\\) crashed: .+");
        assertThat(o.err()).contains("<fault_here>", "dead000", "rax", "r15", "hypercalls");
        assertThat(lines[lines.length - 1]).isEqualTo("xl: domain 'fault' crashed (exit status 13)");
        assertThat(o.status()).isEqualTo(13);
    }

    @Test
    void aMissingKernelIsOneLine() throws Exception {
        Path missing = dir.resolve("no-such-kernel");
        Outcome o = xl("create", "-c", cfg("missing", missing));
        assertThat(o.status()).isEqualTo(1);
        assertThat(o.err()).isEqualTo("xl: " + missing + ": no such file\n");
        assertThat(o.out()).isEmpty();
    }

    @Test
    void moreMemoryThanTheHostHasIsRefusedBeforeAnythingIsAllocated() throws Exception {
        Outcome o = xl("create", "-c", cfg("big", pvKernel("hello")), "memory=1073741824");
        assertThat(o.status()).isEqualTo(1);
        assertThat(o.err()).matches("xl: domain 'big': memory = 1073741824 MiB is more than the host has available \\(\\d+ MiB\\)\n");
        assertThat(o.out()).isEmpty();
    }

    @Test
    void tooLittleMemoryForTheKernelIsOneLineNamingTheKernelOnce() throws Exception {
        Path kernel = pvKernel("hello");
        Outcome o = xl("create", "-c", cfg("tiny", kernel), "memory=1");
        assertThat(o.status()).isEqualTo(1);
        assertThat(o.err()).startsWith("xl: " + kernel + ": ").contains("memory").hasLineCount(1);
        assertThat(o.err().split(java.util.regex.Pattern.quote(kernel.toString()), -1)).hasSize(2);
        assertThat(o.out()).isEmpty();
    }

    @Test
    void aMissingRamdiskIsOneLine() throws Exception {
        Path missing = dir.resolve("no-such-initrd");
        Outcome o = xl("create", "-c", cfg("rd", pvKernel("hello")), "ramdisk=" + missing);
        assertThat(o.status()).isEqualTo(1);
        assertThat(o.err()).isEqualTo("xl: " + missing + ": no such file (ramdisk)\n");
    }

    @Test
    void aTextFileAsKernelIsOneLine() throws Exception {
        Path text = Files.writeString(dir.resolve("notes.txt"), "this is not a kernel\n");
        Outcome o = xl("create", "-c", cfg("text", text));
        assertThat(o.status()).isEqualTo(1);
        assertThat(o.err()).startsWith("xl: " + text + ": ").hasLineCount(1);
        assertThat(o.out()).isEmpty();
    }
}
