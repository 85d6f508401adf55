package dev.jxen.toolstack.console;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A by-hand check of {@link ConsoleClient} on a real terminal (run it under tmux or
 * {@code script -qc}): a stand-in guest answers every key it receives with its bytes in hex, so
 * one sees that backspace, delete, arrows and Ctrl-C arrive unchanged; Ctrl-] detaches, and the
 * shell's terminal mode must be as before ({@code stty -a}). Prints how the session ended.
 */
public final class ConsolePtyDemo {
    private ConsolePtyDemo() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("jxen-console-demo");
        UnixDomainSocketAddress address = UnixDomainSocketAddress.of(dir.resolve("sock"));
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(address);
            ConsoleHub[] hub = new ConsoleHub[1];
            hub[0] = new ConsoleHub("domain 1 (demo)", dir.resolve("demo.log"), keys -> {
                StringBuilder s = new StringBuilder("guest got:");
                for (byte b : keys) {
                    s.append(String.format(" %02x", b & 0xff));
                }
                byte[] line = s.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII);
                hub[0].write(line, 0, line.length);
            });
            byte[] hello = "demo guest ready\r\n".getBytes(StandardCharsets.US_ASCII);
            hub[0].write(hello, 0, hello.length);
            SocketChannel xl = SocketChannel.open(address);
            hub[0].attach(server.accept(), args.length > 0 && args[0].equals("-r"));
            long t0 = System.nanoTime();
            ConsoleClient.End end = new ConsoleClient(xl, 1, "demo", args.length > 0).run();
            System.err.println("session ended: " + end + " after " + (System.nanoTime() - t0) / 1_000_000 + " ms");
            hub[0].close();
        }
    }
}
