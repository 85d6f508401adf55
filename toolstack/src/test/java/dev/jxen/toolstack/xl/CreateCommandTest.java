package dev.jxen.toolstack.xl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jxen.toolstack.config.DomainConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code xl create} as a user sees it (stdout, stderr, exit status), with a scripted domain runner. */
class CreateCommandTest {
    @TempDir
    Path dir;

    record Outcome(int status, String out, String err) {
    }

    /** Plays the domain: prints {@code console} and ends with the next scripted outcome; records each run's config. */
    static final class ScriptedRunner implements DomainRunner {
        final Deque<DomainRunner.Outcome> outcomes = new ArrayDeque<>();
        final List<DomainConfig> runs = new ArrayList<>();
        String console = "";

        ScriptedRunner then(ShutdownReason reason, String report) {
            outcomes.add(new DomainRunner.Outcome(reason, report));
            return this;
        }

        @Override
        public DomainRunner.Outcome run(DomainConfig cfg, java.io.OutputStream out, ConsoleInput input) {
            runs.add(cfg);
            try {
                out.write(console.getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new AssertionError(e);
            }
            return outcomes.remove();
        }
    }

    final ScriptedRunner runner = new ScriptedRunner();

    Outcome xl(String... args) {
        return XlCommandRunner.withRunner(runner, args);
    }

    String cfg(String text) throws IOException {
        return Files.writeString(dir.resolve("guest.cfg"), text).toString();
    }

    @Test
    void dryRunPrintsTheParsedConfigurationAndRunsNothing() throws Exception {
        String cfg = cfg("name = 'hello'\nkernel = 'guests/hello'\nmemory = 16\nextra = 'console=hvc0'\n");
        Outcome o = xl("create", "-n", cfg);
        assertThat(o.status()).isZero();
        assertThat(o.err()).isEmpty();
        assertThat(o.out()).contains("\"name\": \"hello\"", "\"kernel\": \"guests/hello\"", "\"memory\": 16",
                "\"cmdline\": \"console=hvc0\"");
        assertThat(runner.runs).isEmpty();
    }

    @Test
    void commandLineSettingsOverrideTheFile() throws Exception {
        String cfg = cfg("name = 'hello'\nkernel = 'k'\nmemory = 16\n");
        Outcome o = xl("create", "-n", cfg, "memory=64", "name=\"other\"", "extra=console=hvc0 quiet", "vif=['bridge=br0']");
        assertThat(o.status()).isZero();
        assertThat(o.out()).contains("\"memory\": 64", "\"name\": \"other\"", "\"cmdline\": \"console=hvc0 quiet\"",
                "\"vif\": [\"bridge=br0\"]");
    }

    @Test
    void theConfigurationMayComeWithDashF() throws Exception {
        String cfg = cfg("name = 'hello'\n");
        Outcome o = xl("create", "-n", "-f", cfg, "memory=8");
        assertThat(o.status()).isZero();
        assertThat(o.out()).contains("\"memory\": 8");
    }

    @Test
    void unknownKeysAreWarnedAboutOnStderr() throws Exception {
        String cfg = cfg("name = 'hello'\nkernel = 'k'\n\nfrobnicate = 1\n");
        Outcome o = xl("create", "-n", cfg);
        assertThat(o.status()).isZero();
        assertThat(o.err()).isEqualTo(cfg + ":4: warning: unknown key 'frobnicate'\n");
    }

    @Test
    void aSyntaxErrorIsOneLineWithFileAndLineAndStatus1() throws Exception {
        String cfg = cfg("name = 'hello'\nkernel = 'k'\nmemory 16\n");
        Outcome o = xl("create", "-c", cfg);
        assertThat(o.status()).isEqualTo(1);
        assertThat(o.err()).isEqualTo(cfg + ":3: expected '=' after 'memory', found '16'\n");
        assertThat(o.out()).isEmpty();
        assertThat(runner.runs).isEmpty();
    }

    @Test
    void aBadValueIsOneLineWithFileAndLine() throws Exception {
        String cfg = cfg("name = 'hello'\n\non_crash = 'explode'\n");
        Outcome o = xl("create", "-n", cfg);
        assertThat(o.status()).isEqualTo(1);
        assertThat(o.err()).startsWith(cfg + ":3: unknown action 'explode' for on_crash").endsWith(")\n").hasLineCount(1);
    }

    @Test
    void aBadCommandLineSettingNamesItsArgumentNumber() throws Exception {
        String cfg = cfg("name = 'hello'\n");
        Outcome o = xl("create", "-n", cfg, "memory=8", "disk=['a'");
        assertThat(o.status()).isEqualTo(1);
        assertThat(o.err()).isEqualTo("command line:2: the list of 'disk' opened on line 2 is not closed with ']'\n");
        assertThat(xl("create", "-n", cfg, "memory=lots").err()).isEqualTo("command line:1: 'memory' must be a number, not 'lots'\n");
        assertThat(xl("create", "-n", cfg, "memory").err()).isEqualTo("xl: create: 'memory' is not a key=value setting\n");
    }

    @Test
    void aMissingConfigurationFile() {
        String missing = dir.resolve("nope.cfg").toString();
        Outcome o = xl("create", "-c", missing);
        assertThat(o.status()).isEqualTo(1);
        assertThat(o.err()).isEqualTo("xl: " + missing + ": no such configuration file\n");
    }

    @Test
    void aDirectoryOrABinaryFileAsConfiguration() throws Exception {
        Outcome o = xl("create", "-c", dir.toString());
        assertThat(o.status()).isEqualTo(1);
        assertThat(o.err()).isEqualTo("xl: " + dir + ": is a directory, not a configuration file\n");
        Path elf = Files.write(dir.resolve("kernel"), new byte[] {0x7F, 'E', 'L', 'F', 2, 1, 1, 0, (byte) 0xC3});
        o = xl("create", "-c", elf.toString());
        assertThat(o.status()).isEqualTo(1);
        assertThat(o.err()).isEqualTo(elf + ":1: unexpected character '\\u007f'\n");
    }

    @Test
    void aLatin1ConfigurationIsReadByteForByte() throws Exception {
        Path cfg = Files.write(dir.resolve("latin1.cfg"), "name = 'caf\u00e9'\n".getBytes(StandardCharsets.ISO_8859_1));
        Outcome o = xl("create", "-n", cfg.toString());
        assertThat(o.status()).isZero();
        assertThat(o.out()).contains("\"name\": \"caf\u00e9\"");
    }

    @Test
    void noConfigurationFileGiven() {
        assertThat(xl("create", "-c").err()).isEqualTo("xl: create: give the configuration file (xl create [-c] [-n] FILE [key=value...])\n");
        assertThat(xl("create", "memory=5").status()).isEqualTo(1);
    }

    @Test
    void withoutDashCThereIsNoDaemonToRunTheDomain() throws Exception {
        Outcome o = xl("create", cfg("name = 'hello'\nkernel = 'k'\n"));
        assertThat(o.status()).isEqualTo(1);
        assertThat(o.err()).isEqualTo("xl: create: without -c the domain would need the jxend daemon, which jxen does not have yet: use xl create -c\n");
    }

    @Test
    void whatCannotRunYetIsRefusedInOneLine() throws Exception {
        assertThat(xl("create", "-c", cfg("name = 'h'\n")).err()).isEqualTo("xl: " + dir.resolve("guest.cfg") + ": no kernel: a PV domain needs kernel = \"...\"\n");
        assertThat(xl("create", "-c", cfg("name = 'h'\ntype = 'hvm'\n")).err())
                .isEqualTo("xl: " + dir.resolve("guest.cfg") + ": type 'hvm' is not supported yet: jxen runs PV domains (type = \"pv\")\n");
        assertThat(xl("create", "-c", cfg("name = 'h'\nbootloader = 'pygrub'\n")).err())
                .isEqualTo("xl: " + dir.resolve("guest.cfg") + ": bootloader is not supported yet: give the kernel with kernel = \"...\"\n");
        assertThat(runner.runs).isEmpty();
    }

    @Test
    void poweroffExitsZeroWithTheConsoleOnStdout() throws Exception {
        runner.console = "Hello from the guest\n";
        runner.then(ShutdownReason.POWEROFF, null);
        Outcome o = xl("create", "-c", cfg("name = 'hello'\nkernel = 'k'\n"));
        assertThat(o.out()).isEqualTo("Hello from the guest\n");
        assertThat(o.err()).isEmpty();
        assertThat(o.status()).isZero();
    }

    @Test
    void aCrashPrintsTheReportAndExits13() throws Exception {
        runner.then(ShutdownReason.CRASH, "jxen: domain 1 (hello) crashed: unhandled #PF\n  vcpu 0  rip ffffffff80001000\n");
        Outcome o = xl("create", "-c", cfg("name = 'hello'\nkernel = 'k'\n"));
        assertThat(o.status()).isEqualTo(13);
        assertThat(o.err()).isEqualTo("jxen: domain 1 (hello) crashed: unhandled #PF\n  vcpu 0  rip ffffffff80001000\n"
                + "xl: domain 'hello' crashed (exit status 13)\n");
    }

    @Test
    void rebootRestartsTheDomainByDefault() throws Exception {
        runner.console = "boot\n";
        runner.then(ShutdownReason.REBOOT, null).then(ShutdownReason.POWEROFF, null);
        Outcome o = xl("create", "-c", cfg("name = 'hello'\nkernel = 'k'\n"));
        assertThat(o.status()).isZero();
        assertThat(o.out()).isEqualTo("boot\nboot\n");
        assertThat(o.err()).isEqualTo("xl: domain 'hello' rebooted: restarting it (on_reboot = restart)\n");
        assertThat(runner.runs).hasSize(2);
    }

    @Test
    void rebootWithOnRebootDestroyExits11() throws Exception {
        runner.then(ShutdownReason.REBOOT, null);
        Outcome o = xl("create", "-c", cfg("name = 'hello'\nkernel = 'k'\non_reboot = 'destroy'\n"));
        assertThat(o.status()).isEqualTo(11);
        assertThat(o.err()).isEqualTo("xl: domain 'hello' rebooted (exit status 11)\n");
    }

    @Test
    void onCrashRestartRunsItAgain() throws Exception {
        runner.then(ShutdownReason.CRASH, "report\n").then(ShutdownReason.POWEROFF, null);
        Outcome o = xl("create", "-c", cfg("name = 'hello'\nkernel = 'k'\non_crash = 'restart'\n"));
        assertThat(o.status()).isZero();
        assertThat(o.err()).isEqualTo("report\nxl: domain 'hello' crashed: restarting it (on_crash = restart)\n");
    }

    @Test
    void aBugInJxenIsNamedAsOneBeforeItsStackTrace() throws Exception {
        String cfg = cfg("name = 'hello'\nkernel = 'k'\n");
        Outcome o = XlCommandRunner.withRunner((c, out, in) -> {
            throw new IllegalStateException("boom");
        }, "create", "-c", cfg);
        assertThat(o.status()).isEqualTo(1);
        assertThat(o.err()).startsWith("xl: internal error (a bug in jxen, please report it): java.lang.IllegalStateException: boom\n")
                .contains("at dev.jxen.toolstack.xl.");
        assertThat(o.out()).isEmpty();
    }

    /** Runs xl with any runner. */
    static final class XlCommandRunner {
        static Outcome withRunner(DomainRunner r, String... args) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
            int status = XlCommand.execute(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8), r);
            return new Outcome(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        }
    }

    @Test
    void aSoftResetRestartsByDefaultAndAWatchdogDestroys() throws Exception {
        runner.then(ShutdownReason.SOFT_RESET, null).then(ShutdownReason.WATCHDOG, null);
        Outcome o = xl("create", "-c", cfg("name = 'hello'\nkernel = 'k'\n"));
        assertThat(o.status()).isEqualTo(14);
        assertThat(o.err()).isEqualTo("xl: domain 'hello' asked for a soft reset: restarting it (on_soft_reset = soft-reset)\n"
                + "xl: domain 'hello' was stopped by its watchdog (exit status 14)\n");
    }

    @Test
    void everyShutdownReasonHasItsOwnStatus() {
        assertThat(ShutdownReason.values()).extracting(ShutdownReason::exitStatus).containsExactly(0, 11, 12, 13, 14, 15);
    }

    @Test
    void otherXlCommandsSayTheyAreNotImplementedYet() {
        Outcome o = xl("list");
        assertThat(o.status()).isEqualTo(1);
        assertThat(o.err()).isEqualTo("xl: 'list' is not implemented yet: it comes with the jxend daemon; for now only 'xl create -c' runs a domain\n");
        assertThat(xl("destroy", "hello").status()).isEqualTo(1);
    }

    @Test
    void helpListsTheCommands() {
        Outcome o = xl("--help");
        assertThat(o.status()).isZero();
        assertThat(o.out()).contains("create", "list", "not implemented yet");
    }
}
