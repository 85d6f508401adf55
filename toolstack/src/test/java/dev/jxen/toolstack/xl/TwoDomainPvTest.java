package dev.jxen.toolstack.xl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jxen.builder.KernelImage;
import dev.jxen.hypervisor.Domain;
import dev.jxen.hypervisor.DomainExit;
import dev.jxen.hypervisor.Hypervisor;
import dev.jxen.hypervisor.ShutdownReason;
import dev.jxen.machine.MachineMemory;
import dev.jxen.x86.X86Engine;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two PV domains of one hypervisor, on the real builder and emulator: the project's
 * {@code grant-share} kernel grants pages to {@code grant-map}, which maps, copies and checks Xen's
 * refusals (guests/pv/grant-*.c); two {@code interdomain} kernels exchange events over a channel
 * between them. Each prints "name: PASS" and powers off.
 */
@Timeout(120)
class TwoDomainPvTest {
    static final long PAGES = 4096; // 16 MiB each

    /** One of the pair: its kernel, and its command line given the peer's domid. */
    record Guest(String kernel, IntFunction<String> cmdline) {
    }

    /** How a guest of the pair ended: its domain, its console output and its exit. */
    record Ended(Domain domain, String console, DomainExit exit) {
    }

    @Test
    void twoDomainsShareAPageThroughGrantMapAndCopy() throws Exception {
        try (MachineMemory memory = pairMemory(); Hypervisor hv = new Hypervisor(memory, new X86Engine())) {
            // The mapper starts first: it must wait until the grants exist.
            Ended[] pair = runPair(hv, new Guest("grant-map", peer -> "peer=" + peer),
                    new Guest("grant-share", peer -> "peer=" + peer));
            Ended map = pair[0], share = pair[1];

            assertThat(map.console()).contains("grant-map: ok unmap the same handle again",
                    "grant-map: ok a bad grant reference", "grant-map: ok copy beyond the page")
                    .doesNotContain("FAIL").endsWith("grant-map: PASS\n");
            assertThat(map.exit().reason()).isEqualTo(ShutdownReason.POWEROFF);
            assertThat(share.console()).contains("grant-share: ok GTF_reading|GTF_writing while mapped",
                    "grant-share: ok the peer's GNTTABOP_copy reached our page")
                    .doesNotContain("FAIL").endsWith("grant-share: PASS\n");
            assertThat(share.exit().reason()).isEqualTo(ShutdownReason.POWEROFF);
            assertThat(hv.frames().grantMaps(share.domain().mfn(0))).isZero();
        }
    }

    @Test
    void twoDomainsTalkOverAnInterdomainEventChannel() throws Exception {
        try (MachineMemory memory = pairMemory(); Hypervisor hv = new Hypervisor(memory, new X86Engine())) {
            Ended[] pair = runPair(hv, new Guest("interdomain", peer -> "interdomain=client peer=" + peer),
                    new Guest("interdomain", peer -> "interdomain=server peer=" + peer));

            for (Ended e : pair) {
                assertThat(e.console()).doesNotContain("FAIL").endsWith("interdomain: PASS\n");
                assertThat(e.exit().reason()).isEqualTo(ShutdownReason.POWEROFF);
            }
        }
    }

    /** Machine memory for two 16 MiB domains and the hypervisor's own frames. */
    private static MachineMemory pairMemory() {
        return MachineMemory.allocate((3 * PAGES + 4096) * MachineMemory.PAGE_SIZE);
    }

    /** Builds both guests, each told the other's domid, starts {@code first} then {@code second}, and waits for both. */
    private static Ended[] runPair(Hypervisor hv, Guest first, Guest second) throws Exception {
        Domain a = hv.createDomain(first.kernel() + "-a", PAGES);
        Domain b = hv.createDomain(second.kernel() + "-b", PAGES);
        StringBuffer aOut = new StringBuffer(), bOut = new StringBuffer();
        boot(a, first.kernel(), first.cmdline().apply(b.id()), aOut);
        boot(b, second.kernel(), second.cmdline().apply(a.id()), bOut);
        a.start();
        b.start();
        DomainExit aExit = a.exit().get(90, TimeUnit.SECONDS);
        DomainExit bExit = b.exit().get(90, TimeUnit.SECONDS);
        return new Ended[] {new Ended(a, aOut.toString(), aExit), new Ended(b, bOut.toString(), bExit)};
    }

    private static void boot(Domain d, String kernel, String cmdline, StringBuffer out) throws Exception {
        PvBoot.prepare(d, KernelImage.load(XlCreatePvTest.pvKernel(kernel)), null, cmdline,
                (b, o, l) -> out.append(new String(b, o, l, StandardCharsets.ISO_8859_1)));
    }
}
