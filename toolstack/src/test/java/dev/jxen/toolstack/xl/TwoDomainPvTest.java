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

    @Test
    void twoDomainsShareAPageThroughGrantMapAndCopy() throws Exception {
        try (MachineMemory memory = MachineMemory.allocate((3 * PAGES + 4096) * MachineMemory.PAGE_SIZE);
                Hypervisor hv = new Hypervisor(memory, new X86Engine())) {
            Domain share = hv.createDomain("grant-share", PAGES);
            Domain map = hv.createDomain("grant-map", PAGES);
            StringBuffer shareOut = new StringBuffer(), mapOut = new StringBuffer();
            boot(share, "grant-share", "peer=" + map.id(), shareOut);
            boot(map, "grant-map", "peer=" + share.id(), mapOut);
            map.start(); // the mapper first: it must wait until the grants exist
            share.start();
            DomainExit mapExit = map.exit().get(90, TimeUnit.SECONDS);
            DomainExit shareExit = share.exit().get(90, TimeUnit.SECONDS);

            assertThat(mapOut.toString()).contains("grant-map: ok unmap the same handle again",
                    "grant-map: ok a bad grant reference", "grant-map: ok copy beyond the page")
                    .doesNotContain("FAIL").endsWith("grant-map: PASS\n");
            assertThat(mapExit.reason()).isEqualTo(ShutdownReason.POWEROFF);
            assertThat(shareOut.toString()).contains("grant-share: ok GTF_reading|GTF_writing while mapped",
                    "grant-share: ok the peer's GNTTABOP_copy reached our page")
                    .doesNotContain("FAIL").endsWith("grant-share: PASS\n");
            assertThat(shareExit.reason()).isEqualTo(ShutdownReason.POWEROFF);
            assertThat(hv.frames().grantMaps(share.mfn(0))).isZero();
        }
    }

    @Test
    void twoDomainsTalkOverAnInterdomainEventChannel() throws Exception {
        try (MachineMemory memory = MachineMemory.allocate((3 * PAGES + 4096) * MachineMemory.PAGE_SIZE);
                Hypervisor hv = new Hypervisor(memory, new X86Engine())) {
            Domain server = hv.createDomain("server", PAGES);
            Domain client = hv.createDomain("client", PAGES);
            StringBuffer serverOut = new StringBuffer(), clientOut = new StringBuffer();
            boot(server, "interdomain", "interdomain=server peer=" + client.id(), serverOut);
            boot(client, "interdomain", "interdomain=client peer=" + server.id(), clientOut);
            client.start();
            server.start();
            DomainExit clientExit = client.exit().get(90, TimeUnit.SECONDS);
            DomainExit serverExit = server.exit().get(90, TimeUnit.SECONDS);

            assertThat(clientOut.toString()).doesNotContain("FAIL").endsWith("interdomain: PASS\n");
            assertThat(clientExit.reason()).isEqualTo(ShutdownReason.POWEROFF);
            assertThat(serverOut.toString()).doesNotContain("FAIL").endsWith("interdomain: PASS\n");
            assertThat(serverExit.reason()).isEqualTo(ShutdownReason.POWEROFF);
        }
    }

    private static void boot(Domain d, String kernel, String cmdline, StringBuffer out) throws Exception {
        PvBoot.prepare(d, KernelImage.load(XlCreatePvTest.pvKernel(kernel)), null, cmdline,
                (b, o, l) -> out.append(new String(b, o, l, StandardCharsets.ISO_8859_1)));
    }
}
