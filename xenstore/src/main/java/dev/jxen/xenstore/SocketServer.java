package dev.jxen.xenstore;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** The unix socket tools connect to (C xenstored's {@code /run/xenstored/socket}). */
final class SocketServer implements AutoCloseable {
    private final Path path;
    private final ServerSocketChannel server;
    private final Core core;
    private final Set<SocketConnection> clients = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    SocketServer(Core core, Path path) throws IOException {
        this.core = core;
        this.path = path;
        Files.deleteIfExists(path); // a stale socket from a daemon that did not clean up
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(path));
        Thread.ofPlatform().daemon().name("xenstored-accept").start(this::acceptLoop);
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                SocketChannel ch = server.accept();
                SocketConnection[] self = new SocketConnection[1];
                try {
                    self[0] = new SocketConnection(ch, core, () -> clients.remove(self[0]));
                } catch (IOException e) {
                    System.getLogger("dev.jxen.xenstore").log(System.Logger.Level.WARNING,
                            "xenstored: cannot serve a socket client: " + e);
                    ch.close();
                    continue;
                }
                clients.add(self[0]);
                self[0].start();
            } catch (IOException e) {
                if (!closed) {
                    System.getLogger("dev.jxen.xenstore").log(System.Logger.Level.WARNING, "xenstored: accept failed: " + e);
                }
                return;
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            // closing anyway
        }
        for (SocketConnection c : clients) {
            c.close();
        }
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            // nothing more to do
        }
    }
}
