package dev.jxen.toolstack.cli;

import dev.jxen.xenstore.Xenstored;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code jxen bench xenstore}: serves xenstored's unix socket and times small XS_READs from one
 * client over the wire protocol, one request at a time as libxenstore sends them (xenstore-read's
 * xs_read: one blocking connection, the header and the path written separately, then the reply's
 * header and payload read separately); prints {@code xenstore.socket.reads_per_s}.
 */
@Command(name = "xenstore", description = {
    "Times small reads from one client over xenstored's unix socket and prints xenstore.socket.reads_per_s."})
final class XenstoreBenchCommand implements Callable<Integer> {
    private static final int XS_READ = 2;

    @Option(names = "--reads", defaultValue = "200000", description = "measured reads (default: ${DEFAULT-VALUE})")
    private int reads;

    @Option(names = "--warmup", defaultValue = "100000", description = "reads before the measured ones (default: ${DEFAULT-VALUE})")
    private int warmups;

    @Spec
    private CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        JxenCommand jxen = (JxenCommand) spec.root().userObject();
        if (reads <= 0 || warmups < 0) {
            throw new UserError("--reads/--warmup", "must be positive");
        }
        Path dir = Files.createTempDirectory("jxen-xenstore-bench");
        Path socket = dir.resolve("socket");
        try (Xenstored xs = new Xenstored(null)) {
            xs.dom0().write("/local/domain/1/name", "bench-guest");
            xs.listen(socket);
            try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                ch.connect(UnixDomainSocketAddress.of(socket));
                Client c = new Client(ch, "/local/domain/1/name");
                c.run(warmups);
                long t0 = System.nanoTime();
                c.run(reads);
                long ns = System.nanoTime() - t0;
                jxen.out.printf(Locale.ROOT, "xenstore.socket.reads_per_s %.0f%n", reads * 1e9 / ns);
                jxen.out.printf(Locale.ROOT, "xenstore.socket.read_us %.2f%n", ns / 1e3 / reads);
            }
        } finally {
            Files.deleteIfExists(socket);
            Files.deleteIfExists(dir);
        }
        return 0;
    }

    /**
     * One blocking client sending READ requests and reading each reply before the next, with the
     * system calls libxenstore makes and no allocation per read.
     */
    private static final class Client {
        private final SocketChannel ch;
        private final ByteBuffer header = ByteBuffer.allocateDirect(16).order(ByteOrder.LITTLE_ENDIAN);
        private final ByteBuffer path;
        private final ByteBuffer reply = ByteBuffer.allocateDirect(16 + 4096).order(ByteOrder.LITTLE_ENDIAN);

        Client(SocketChannel ch, String path) {
            this.ch = ch;
            byte[] p = (path + "\0").getBytes(StandardCharsets.US_ASCII);
            this.path = ByteBuffer.allocateDirect(p.length).put(p).flip();
            header.putInt(XS_READ).putInt(0).putInt(0).putInt(p.length).flip();
        }

        void run(int n) throws Exception {
            for (int i = 0; i < n; i++) {
                header.putInt(4, i).rewind();
                writeFully(header);
                writeFully(path.rewind());
                reply.clear().limit(16);
                readFully();
                int type = reply.getInt(0), len = reply.getInt(12);
                if (type != XS_READ || reply.getInt(4) != i) {
                    throw new IllegalStateException("unexpected reply type " + type + " to request " + i);
                }
                reply.limit(16 + len);
                readFully();
            }
        }

        private void writeFully(ByteBuffer b) throws Exception {
            while (b.hasRemaining()) {
                ch.write(b);
            }
        }

        private void readFully() throws Exception {
            while (reply.hasRemaining()) {
                if (ch.read(reply) < 0) {
                    throw new IllegalStateException("xenstored closed the socket");
                }
            }
        }
    }
}
