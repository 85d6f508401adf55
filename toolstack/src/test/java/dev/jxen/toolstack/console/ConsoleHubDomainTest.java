package dev.jxen.toolstack.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jxen.builder.KernelImage;
import dev.jxen.hypervisor.Domain;
import dev.jxen.hypervisor.Hypervisor;
import dev.jxen.machine.MachineMemory;
import dev.jxen.toolstack.xl.PvBoot;
import dev.jxen.x86.X86Engine;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A hub as the console of a real domain: the project's {@code hello} PV kernel (guests/pv) writes
 * through console_io and the console ring on the emulator; an attached {@code xl console} client
 * and the log both get its whole output, and the end of the domain ends the client.
 */
@Timeout(120)
class ConsoleHubDomainTest {
    @TempDir
    Path dir;

    static Path pvKernel(String name) {
        Path bin = Path.of(System.getProperty("jxen.guests", "../guests/target/bin"));
        Path p = bin.resolveSibling("pv").resolve(name).toAbsolutePath();
        assertThat(p).as("PV test kernel built by the guests module").isRegularFile();
        return p;
    }

    @Test
    void helloKernelOutputReachesAnAttachedClientAndTheLog() throws Exception {
        long pages = 16 * 256;
        try (MachineMemory memory = MachineMemory.allocate((pages + 4096 + pages / 256) * MachineMemory.PAGE_SIZE);
                Hypervisor hv = new Hypervisor(memory, new X86Engine());
                Sockets sockets = new Sockets(dir)) {
            Domain domain = hv.createDomain("hello", pages, 1);
            Path log = dir.resolve("console").resolve("hello.log");
            ConsoleHub hub = new ConsoleHub(domain, log);
            PvBoot.prepare(domain, KernelImage.load(pvKernel("hello")), null, "console=hvc0", hub);

            Sockets.Pair pair = sockets.connect();
            hub.attach(pair.daemonSide(), false);
            ByteArrayOutputStream screen = new ByteArrayOutputStream();
            ConsoleClient client = new ConsoleClient(pair.xlSide(), domain.id(), domain.name());
            CompletableFuture<ConsoleClient.End> session = CompletableFuture.supplyAsync(() -> {
                try {
                    return client.run(java.io.InputStream.nullInputStream(), screen);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });

            domain.start();
            domain.exit().get(60, TimeUnit.SECONDS);
            hub.close(); // as the daemon does when the domain ends
            domain.destroy();

            assertThat(session.get(20, TimeUnit.SECONDS)).isEqualTo(ConsoleClient.End.CLOSED);
            String shown = screen.toString(StandardCharsets.ISO_8859_1);
            assertThat(shown).contains("hello: hello from console_io\n", "hello: hello from the console ring\n")
                    .endsWith("hello: PASS\n");
            assertThat(Files.readString(log, StandardCharsets.ISO_8859_1)).isEqualTo(shown);
        }
    }
}
