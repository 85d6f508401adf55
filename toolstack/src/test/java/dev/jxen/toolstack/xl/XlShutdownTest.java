package dev.jxen.toolstack.xl;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * xl shutdown and xl reboot against a jxend daemon on a temporary JXEN_HOME: the pvcontrol kernel
 * answers control/shutdown as Linux does, the idle kernel has no PV control at all.
 */
@Timeout(60)
class XlShutdownTest extends DaemonTestBase {
    /** Creates a pvcontrol domain and waits until it watches control/shutdown. */
    void createPvcontrol(String name, String... settings) throws Exception {
        assertThat(xl("create", config(name, "pvcontrol", settings)).status()).isZero();
        consoleUntil(name, log -> log.contains("pvcontrol: ready\n"));
    }

    String console(String name) throws Exception {
        Path log = home.resolve("console").resolve(name + ".log");
        return Files.exists(log) ? Files.readString(log) : "";
    }

    /** Polls the domain's console log until {@code test} holds (within 10 s). */
    String consoleUntil(String name, Predicate<String> test) throws Exception {
        return until(() -> console(name), test);
    }

    /** The xl list row of domain {@code name}, or null. */
    static String row(String list, String name) {
        return list.lines().filter(l -> l.startsWith(name + " ")).findFirst().orElse(null);
    }

    @Test
    void shutdownDashWWaitsUntilThePvGuestPowersOffAndItLeavesXlList() throws Exception {
        createPvcontrol("pvc");
        assertThat(readStore("/local/domain/1/control/feature-poweroff")).isEqualTo("1");
        assertThat(readStore("/local/domain/1/control/feature-reboot")).isEqualTo("1");

        DaemonFixture.Outcome o = xl("shutdown", "-w", "pvc");

        assertThat(o.status()).isZero();
        assertThat(o.out()).isEmpty();
        assertThat(o.err()).isEqualTo("Shutting down domain 1\nWaiting for 1 domains\n"
                + "Domain 1 has been shut down, reason code 0\n");
        assertThat(consoleUntil("pvc", l -> l.contains("poweroff"))).isEqualTo("pvcontrol: ready\npvcontrol: poweroff\n");
        assertThat(listUntil(l -> row(l, "pvc") == null)).doesNotContain("pvc");
        assertThat(xl("dmesg").out()).contains("domain 1 (pvc) shut down, reason poweroff: destroy");
        assertThat(readStore("/local/domain/1/name")).as("entries removed with the domain").isNull();
    }

    @Test
    void shutdownReturnsOnceTheRequestIsWrittenAndTheGuestClearsItWhenItActs() throws Exception {
        createPvcontrol("kept", "on_poweroff = 'preserve'");

        DaemonFixture.Outcome o = xl("shutdown", "kept");

        assertThat(o.status()).isZero();
        assertThat(o.err()).isEqualTo("Shutting down domain 1\n");
        String list = listUntil(l -> row(l, "kept") != null && row(l, "kept").contains("---s--"));
        assertThat(row(list, "kept")).contains(" 1 ").contains("---s--");
        assertThat(readStore("/local/domain/1/control/shutdown")).as("acknowledged by the guest").isEmpty();
        // Waiting for a domain that has already shut down ends at once, as xl's death watch does.
        assertThat(xl("shutdown", "-w", "kept").err()).isEqualTo("Shutting down domain 1\nWaiting for 1 domains\n"
                + "Domain 1 has been shut down, reason code 0\n");
        assertThat(xl("destroy", "kept").status()).isZero();
    }

    @Test
    void rebootRestartsTheGuestUnderItsNameWithANewDomidAndItAnswersAgain() throws Exception {
        createPvcontrol("again");

        DaemonFixture.Outcome o = xl("reboot", "-w", "again");

        assertThat(o.status()).isZero();
        assertThat(o.err()).isEqualTo("Rebooting domain 1\nWaiting for 1 domains\n"
                + "Domain 1 has been shut down, reason code 1\n");
        String list = listUntil(l -> row(l, "again") != null && !row(l, "again").matches("again +1 .*"));
        assertThat(row(list, "again")).matches("again +2 .*");
        String log = consoleUntil("again", l -> l.split("pvcontrol: ready\n", -1).length == 3);
        assertThat(log).isEqualTo("pvcontrol: ready\npvcontrol: reboot\npvcontrol: ready\n");
        assertThat(xl("dmesg").out()).contains("domain 1 (again) shut down, reason reboot: restart");
        // The new domain listens as the first did.
        assertThat(xl("shutdown", "-w", "again").err()).endsWith("Domain 2 has been shut down, reason code 0\n");
        assertThat(listUntil(l -> row(l, "again") == null)).doesNotContain("again");
    }

    @Test
    void aGuestWithoutPvControlIsAskedAndIgnoresItAsOnXenEvenWithDashF() throws Exception {
        // The idle kernel watches nothing in xenstore. libxl counts every PV domain as having PV
        // control, so xl writes the request, succeeds, and the guest runs on; -F (an ACPI event,
        // only for HVM guests without PV drivers) changes nothing.
        assertThat(xl("create", config("deaf", "idle")).status()).isZero();
        consoleUntil("deaf", l -> l.contains("idle: up"));

        DaemonFixture.Outcome asked = xl("shutdown", "deaf");
        assertThat(asked.status()).isZero();
        assertThat(asked.err()).isEqualTo("Shutting down domain 1\n");
        DaemonFixture.Outcome forced = xl("reboot", "-F", "deaf");
        assertThat(forced.status()).isZero();
        assertThat(forced.err()).isEqualTo("Rebooting domain 1\n");
        assertThat(readStore("/local/domain/1/control/shutdown")).isEqualTo("reboot");

        // -w waits as long as the domain lives: here until it is destroyed.
        CompletableFuture<DaemonFixture.Outcome> waiting = CompletableFuture.supplyAsync(() -> xl("shutdown", "-w", "deaf"));
        Thread.sleep(500);
        assertThat(waiting).as("still waiting for a guest that does not answer").isNotDone();
        assertThat(row(xl("list").out(), "deaf")).as("still running").matches("deaf +1 .*-b---- .*");
        assertThat(xl("destroy", "deaf").status()).isZero();
        DaemonFixture.Outcome waited = waiting.get(10, TimeUnit.SECONDS);
        assertThat(waited.status()).isZero();
        assertThat(waited.err()).isEqualTo("Shutting down domain 1\nWaiting for 1 domains\nDomain 1 has been destroyed\n");
    }

    @Test
    void shutdownDashAAsksEveryDomainButDomain0AndWaitsForAll() throws Exception {
        createPvcontrol("one");
        createPvcontrol("two", "on_poweroff = 'preserve'");

        DaemonFixture.Outcome o = xl("shutdown", "-a", "-w");

        assertThat(o.status()).isZero();
        String[] lines = o.err().split("\n");
        assertThat(lines).hasSize(5);
        assertThat(lines).startsWith("Shutting down domain 1", "Shutting down domain 2", "Waiting for 2 domains");
        assertThat(lines).containsOnlyOnce("Domain 1 has been shut down, reason code 0",
                "Domain 2 has been shut down, reason code 0");
        String list = listUntil(l -> row(l, "one") == null);
        assertThat(row(list, "one")).isNull();
        assertThat(row(list, "two")).contains("---s--");
        assertThat(consoleUntil("one", l -> l.contains("poweroff"))).endsWith("pvcontrol: poweroff\n");
        assertThat(consoleUntil("two", l -> l.contains("poweroff"))).endsWith("pvcontrol: poweroff\n");
    }

    @Test
    void theGuestIgnoresRequestsItDoesNotKnowAndTakesHaltAsPoweroff() throws Exception {
        createPvcontrol("picky", "on_poweroff = 'preserve'");

        writeStore("/local/domain/1/control/shutdown", "suspend");
        consoleUntil("picky", l -> l.contains("ignoring"));
        assertThat(console("picky")).isEqualTo("pvcontrol: ready\npvcontrol: ignoring suspend\n");
        assertThat(readStore("/local/domain/1/control/shutdown")).as("left in place").isEqualTo("suspend");

        writeStore("/local/domain/1/control/shutdown", "halt");
        String list = listUntil(l -> row(l, "picky") != null && row(l, "picky").contains("---s--"));
        assertThat(row(list, "picky")).contains("---s--");
        assertThat(consoleUntil("picky", l -> l.contains("halt"))).endsWith("pvcontrol: halt\n");
        assertThat(xl("dmesg").out()).contains("domain 1 (picky) shut down, reason poweroff: preserve");
    }

    @Test
    void wrongArgumentsGetXlsErrors() throws Exception {
        DaemonFixture.Outcome none = xl("shutdown");
        assertThat(none.status()).isEqualTo(1);
        assertThat(none.err()).isEqualTo("You must specify -a or a domain id.\n\n");
        DaemonFixture.Outcome missing = xl("reboot", "7");
        assertThat(missing.status()).isEqualTo(1);
        assertThat(missing.err()).isEqualTo("libxl: error: unable to get domain type for domid=7\nreboot failed (rc=-3)\n");
        DaemonFixture.Outcome named = xl("shutdown", "nosuch");
        assertThat(named.status()).isEqualTo(1);
        assertThat(named.err()).isEqualTo("nosuch is an invalid domain identifier (rc=-6)\n");
        DaemonFixture.Outcome dom0 = xl("shutdown", "0");
        assertThat(dom0.status()).isEqualTo(1);
        assertThat(dom0.err()).isEqualTo("shutdown failed: Domain-0 is the jxend daemon itself (stop it to end everything)\n");
        assertThat(readStore("/local/domain/7/control/shutdown")).as("no stray node").isNull();
    }

    /** Reads a node with Debian's xenstore-read (xenstore-utils) on the daemon's socket; null when it is missing. */
    String readStore(String path) throws Exception {
        Process p = xenstoreTool("xenstore-read", path);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        return p.waitFor() == 0 ? out : null;
    }

    void writeStore(String path, String value) throws Exception {
        Process p = xenstoreTool("xenstore-write", path, value);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
    }

    private Process xenstoreTool(String... command) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("XENSTORED_PATH", daemon.home.xenstoreSocket().toString());
        return pb.start();
    }
}
