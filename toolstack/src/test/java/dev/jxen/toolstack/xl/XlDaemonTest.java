package dev.jxen.toolstack.xl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jxen.toolstack.daemon.JxenHome;
import dev.jxen.toolstack.daemon.Jxend;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** xl's domain commands against a jxend daemon on a temporary JXEN_HOME, with the PV test kernels. */
@Timeout(60)
class XlDaemonTest extends DaemonTestBase {
    /** A config for the idle kernel with {@code extra} on its command line and further settings. */
    String idle(String name, String extra, String... settings) throws Exception {
        String[] all = new String[settings.length + 1];
        all[0] = "extra = \"" + extra + "\"";
        System.arraycopy(settings, 0, all, 1, settings.length);
        return config(name, "idle", all);
    }

    /** The row xl list prints for a domain, with the time column as a pattern. */
    static String rowPattern(String name, int domid, int mem, int vcpus, String state) {
        return java.util.regex.Pattern.quote(String.format(Locale.ROOT, "%-40s %5d %5d %5d     %s", name, domid, mem, vcpus, state))
                + " +\\d+\\.\\d";
    }

    static Predicate<String> hasRow(String pattern) {
        return out -> out.lines().anyMatch(l -> l.matches(pattern));
    }

    @Test
    void listShowsDomain0FirstThenEachDomainInXlsColumns() throws Exception {
        assertThat(xl("create", idle("idle", "")).status()).isZero();
        String out = listUntil(hasRow(rowPattern("idle", 1, 16, 1, "-b----")));
        String[] lines = out.split("\n");
        assertThat(lines[0]).isEqualTo("Name                                        ID   Mem VCPUs\tState\tTime(s)");
        assertThat(lines[1]).matches("Domain-0 {32} +0 +\\d+ +\\d+     r-----  +\\d+\\.\\d");
        assertThat(lines[2]).matches(rowPattern("idle", 1, 16, 1, "-b----"));
        assertThat(lines).hasSize(3);
    }

    @Test
    void pauseStopsTheGuestWithoutLosingItAndUnpauseResumesIt() throws Exception {
        assertThat(xl("create", idle("spin", "idle.spin=1")).status()).isZero();
        listUntil(out -> out.contains("spin") && !out.contains("     0.0"));
        assertThat(xl("pause", "spin").status()).isZero();
        String paused = xl("list", "spin").out();
        assertThat(paused.split("\n")[1]).matches(rowPattern("spin", 1, 16, 1, "--p---"));
        assertThat(xl("vcpu-list", "spin").out().split("\n")[1]).matches("spin {28} +1 +0 +0 +--p +\\d+\\.\\d  all / all");
        Thread.sleep(300);
        assertThat(xl("list", "spin").out()).as("no CPU time while paused").isEqualTo(paused);
        assertThat(xl("unpause", "1").status()).isZero();
        String resumed = listUntil(out -> !out.equals(paused) && hasRow(rowPattern("spin", 1, 16, 1, "r-----")).test(out));
        assertThat(resumed).isNotEqualTo(paused);
    }

    @Test
    void destroyTwiceGivesXensErrorTheSecondTime() throws Exception {
        assertThat(xl("create", idle("gone", "")).status()).isZero();
        DaemonFixture.Outcome first = xl("destroy", "gone");
        assertThat(first.status()).isZero();
        assertThat(first.err()).isEmpty();
        assertThat(xl("list").out()).doesNotContain("gone");
        DaemonFixture.Outcome second = xl("destroy", "gone");
        assertThat(second.status()).isEqualTo(1);
        assertThat(second.err()).isEqualTo("gone is an invalid domain identifier (rc=-6)\n");
        DaemonFixture.Outcome byId = xl("destroy", "1");
        assertThat(byId.status()).isEqualTo(1);
        assertThat(byId.err()).isEqualTo("libxl: error: Domain 1:Non-existant domain\ndestroy failed (rc=-21)\n");
        assertThat(xl("destroy", "0").err()).startsWith("Not destroying domain 0; use -f to force.");
    }

    @Test
    void domainsAreFoundByNameOrId() throws Exception {
        xl("create", idle("first", ""));
        xl("create", idle("second", ""));
        assertThat(xl("domid", "second").out()).isEqualTo("2\n");
        assertThat(xl("domname", "1").out()).isEqualTo("first\n");
        assertThat(xl("domname", "0").out()).isEqualTo("Domain-0\n");
        assertThat(xl("domid", "third").err()).isEqualTo("Can't get domid of domain name 'third', maybe this domain does not exist.\n");
        assertThat(xl("domname", "7").err()).isEqualTo("Can't get domain name of domain id '7', maybe this domain does not exist.\n");
        assertThat(xl("list", "2").out().split("\n")[1]).startsWith("second ");
        DaemonFixture.Outcome missing = xl("list", "third");
        assertThat(missing.status()).isEqualTo(1);
        assertThat(missing.err()).isEqualTo("Error: Domain 'third' does not exist.\n");
        assertThat(xl("console", "third").err()).isEqualTo("third is an invalid domain identifier (rc=-6)\n");
        assertThat(xl("uptime").out()).containsPattern("(?m)^first {28} +1 +0:00:\\d\\d$");
    }

    @Test
    void createDashPLeavesTheDomainPausedUntilUnpause() throws Exception {
        assertThat(xl("create", "-p", idle("held", "")).status()).isZero();
        Path log = home.resolve("console/held.log");
        assertThat(xl("list", "held").out().split("\n")[1]).matches(rowPattern("held", 1, 16, 1, "--p---"));
        Thread.sleep(200);
        assertThat(Files.readString(log)).as("a paused domain runs nothing").isEmpty();
        xl("unpause", "held");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!Files.readString(log).contains("idle: up") && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(Files.readString(log)).isEqualTo("idle: up\n");
    }

    @Test
    void dmesgDashCPrintsTheLogThenClearsIt() throws Exception {
        assertThat(xl("create", idle("noted", "")).status()).isZero();
        assertThat(xl("dmesg", "-c").out()).contains("domain 1 (noted) created");
        assertThat(xl("dmesg").out()).doesNotContain("domain 1 (noted) created");
        assertThat(xl("destroy", "noted").status()).isZero();
        assertThat(xl("dmesg").out()).contains("domain 1 (noted) destroyed");
    }

    @Test
    void onCrashPreserveKeepsTheDomainShutDownAndDestroyRemovesIt() throws Exception {
        xl("create", idle("kept", "idle.after=0 idle.then=crash", "on_crash = 'preserve'"));
        xl("create", idle("dropped", "idle.after=0 idle.then=crash", "on_crash = 'destroy'"));
        String out = listUntil(hasRow(rowPattern("kept", 1, 16, 1, "---sc-")).and(o -> !o.contains("dropped")));
        assertThat(out).doesNotContain("dropped");
        assertThat(out.lines()).anyMatch(l -> l.matches(rowPattern("kept", 1, 16, 1, "---sc-")));
        assertThat(xl("dmesg").out()).contains("domain 1 (kept) shut down, reason crash: preserve",
                "domain 2 (dropped) shut down, reason crash: destroy");
        assertThat(xl("destroy", "kept").status()).isZero();
        assertThat(xl("list").out().lines()).hasSize(2);
    }

    @Test
    void onRebootRestartsTheDomainUnderItsNameWithANewId() throws Exception {
        xl("create", idle("again", "idle.after=100 idle.then=reboot"));
        String out = listUntil(o -> o.lines().anyMatch(l -> l.startsWith("again ") && !l.matches("again +1 .*")));
        assertThat(out.lines().filter(l -> l.startsWith("again "))).singleElement().asString().doesNotMatch("again +1 .*");
        assertThat(xl("destroy", "again").status()).isZero();
    }

    @Test
    void createDashCFollowsTheConsoleAcrossRestartsAndExitsWithTheLastReason() throws Exception {
        // on_reboot = restart (the default) rebuilds the domain each time it reboots; the daemon
        // stops after ten quick restarts, and xl exits with reboot's status.
        DaemonFixture.Outcome o = xl("create", "-c", idle("loop", "idle.after=300 idle.then=reboot"));
        assertThat(o.out().split("idle: up\n", -1)).hasSize(12);
        assertThat(o.err().lines().filter(l -> l.equals("xl: domain 'loop' rebooted: restarting it (on_reboot = restart)")))
                .hasSize(10);
        assertThat(o.err()).endsWith("xl: domain 'loop' rebooted (exit status 11)\n");
        assertThat(o.status()).isEqualTo(11);
    }

    @Test
    void infoReportsTheHostsMemoryAndXenVersion() {
        DaemonFixture.Outcome o = xl("info");
        assertThat(o.out()).containsPattern("(?m)^total_memory {11}: " + DaemonFixture.MEMORY_MIB + "$")
                .containsPattern("(?m)^xen_version {12}: 4\\.17\\.7-jxen$");
        assertThat(xl("info", "total_memory").out()).isEqualTo(DaemonFixture.MEMORY_MIB + "\n");
    }

    @Test
    void aSecondDaemonOnTheSameHomeIsRefused() {
        assertThatThrownBy(() -> Jxend.start(daemon.home, new Jxend.Options(64, 0)))
                .isInstanceOf(Jxend.AlreadyRunningException.class).hasMessageContaining("already runs");
    }

    @Test
    void aStaleSocketAndPidFileOfAKilledDaemonAreReplaced(@TempDir Path other) throws Exception {
        JxenHome stale = new JxenHome(other);
        try (ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            s.bind(UnixDomainSocketAddress.of(stale.socket())); // closed without unlinking, as after kill -9
        }
        Files.writeString(stale.pidFile(), "999999\n");
        Jxend[] started = new Jxend[1];
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Xl client = new Xl(stale, dir.toString(), java.io.InputStream.nullInputStream(), new PrintStream(out, true, StandardCharsets.UTF_8),
                System.err, () -> {
                    started[0] = Jxend.start(stale, new Jxend.Options(64, 0));
                    return () -> true;
                });
        try {
            assertThat(client.run("list")).isZero();
            assertThat(out.toString(StandardCharsets.UTF_8)).contains("Domain-0");
            assertThat(started[0]).as("xl started a daemon in place of the dead one").isNotNull();
            assertThat(Files.readString(stale.pidFile()).strip()).isEqualTo(Long.toString(ProcessHandle.current().pid()));
        } finally {
            if (started[0] != null) {
                started[0].close();
            }
        }
        assertThat(stale.socket()).doesNotExist();
        assertThat(stale.pidFile()).doesNotExist();
    }

    @Test
    void xlStartsADetachedDaemonWhenNoneRunsAndItExitsWhenIdle(@TempDir Path other) throws Exception {
        JxenHome fresh = new JxenHome(other.resolve("jxen"));
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        Xl client = new Xl(fresh, dir.toString(), java.io.InputStream.nullInputStream(), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), DaemonStarter.process(fresh, "1"));
        assertThat(client.run("list")).as(err.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("Domain-0");
        long pid = Long.parseLong(Files.readString(fresh.pidFile()).strip());
        ProcessHandle p = ProcessHandle.of(pid).orElseThrow();
        assertThat(pid).isNotEqualTo(ProcessHandle.current().pid());
        p.onExit().get(30, TimeUnit.SECONDS);
        assertThat(fresh.socket()).doesNotExist();
        assertThat(fresh.pidFile()).doesNotExist();
        assertThat(Files.readString(fresh.log())).contains("exiting");
    }
}
