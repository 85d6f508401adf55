package dev.jxen.toolstack.xl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jxen.toolstack.config.DomainConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code xl create} as a user sees it (stdout, stderr, exit status), with a scripted domain runner. */
class CreateCommandTest {
    @TempDir
    Path dir;

    record Outcome(int status, String out, String err) {
    }

    /** Records what xl asked the host to create; nothing else is needed here. */
    static final class RecordingHost implements XlHost {
        final List<DomainConfig> created = new ArrayList<>();

        @Override
        public DomainConfig config(int domid) {
            return null;
        }

        @Override
        public List<DomainInfo> list() {
            return List.of();
        }

        @Override
        public int find(String nameOrId) {
            return -1;
        }

        @Override
        public int create(DomainConfig cfg, boolean paused) {
            created.add(cfg);
            return created.size();
        }

        @Override
        public boolean destroy(int domid) {
            return false;
        }

        @Override
        public boolean pause(int domid) {
            return false;
        }

        @Override
        public boolean unpause(int domid) {
            return false;
        }

        @Override
        public void requestShutdown(int domid, ShutdownReason reason) {
        }

        @Override
        public java.util.concurrent.CompletableFuture<ShutdownReason> whenShutdown(int domid) {
            return java.util.concurrent.CompletableFuture.completedFuture(null);
        }

        @Override
        public List<VcpuInfo> vcpus(int domid) {
            return List.of();
        }

        @Override
        public HostInfo info() {
            return new HostInfo(1, 1, 1, "4.17.7-jxen", "xen-3.0-x86_64");
        }

        @Override
        public String dmesg(boolean clear) {
            return "";
        }

        @Override
        public Outcome outcome(int domid, long millis) {
            return null;
        }
    }

    final RecordingHost host = new RecordingHost();
    final XlCommand.Session session = new XlCommand.Session("/");

    Outcome xl(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int status = XlCommand.execute(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), host, session);
        return new Outcome(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
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
        assertThat(host.created).isEmpty();
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
        assertThat(host.created).isEmpty();
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
        assertThat(xl("create", "-c").err()).isEqualTo("xl: create: give the configuration file (xl create [-c] [-n] [-p] FILE [key=value...])\n");
        assertThat(xl("create", "memory=5").status()).isEqualTo(1);
    }

    @Test
    void whatCannotRunYetIsRefusedInOneLine() throws Exception {
        assertThat(xl("create", "-c", cfg("name = 'h'\n")).err()).isEqualTo("xl: " + dir.resolve("guest.cfg") + ": no kernel: a PV domain needs kernel = \"...\"\n");
        assertThat(xl("create", "-c", cfg("name = 'h'\ntype = 'hvm'\n")).err())
                .isEqualTo("xl: " + dir.resolve("guest.cfg") + ": type 'hvm' is not supported yet: jxen runs PV domains (type = \"pv\")\n");
        assertThat(xl("create", "-c", cfg("name = 'h'\nbootloader = 'pygrub'\n")).err())
                .isEqualTo("xl: " + dir.resolve("guest.cfg") + ": bootloader is not supported yet: give the kernel with kernel = \"...\"\n");
        assertThat(host.created).isEmpty();
    }

    @Test
    void everyShutdownReasonHasItsOwnStatus() {
        assertThat(ShutdownReason.values()).extracting(ShutdownReason::exitStatus).containsExactly(0, 11, 12, 13, 14, 15);
    }

    @Test
    void createAsksTheHostForTheDomainWithPathsRelativeToXlsDirectory() throws Exception {
        String cfg = cfg("name = 'hello'\nkernel = 'guests/hello'\nramdisk = '/abs/initrd'\n");
        Outcome o = xl("create", "-c", cfg);
        assertThat(o.status()).isZero();
        assertThat(host.created).singleElement().satisfies(c -> {
            assertThat(c.kernel()).isEqualTo("/guests/hello");
            assertThat(c.ramdisk()).isEqualTo("/abs/initrd");
        });
        assertThat(session.consoleDomid()).isEqualTo(1);
        assertThat(session.unpauseAfterAttach()).isTrue();
    }

    @Test
    void helpListsTheCommands() {
        Outcome o = xl("--help");
        assertThat(o.status()).isZero();
        assertThat(o.out()).contains("create", "list", "destroy", "shutdown", "console", "vcpu-list").doesNotContain("_outcome");
    }

    @Test
    void helpOfOneCommandAndAnAliasWork() {
        Outcome help = xl("help", "create");
        assertThat(help.status()).isZero();
        assertThat(help.out()).contains("Usage: xl create", "-c", "--dryrun");
        assertThat(xl("li").out()).isEqualTo(xl("list").out()).startsWith("Name");
    }

    @Test
    void aMistypedCommandIsNamedAndTheNearestCommandSuggested() {
        Outcome o = xl("vcpu-lst", "x");
        assertThat(o.status()).isNotZero();
        assertThat(o.err()).contains("'vcpu-lst'", "xl vcpu-list");
    }
}
