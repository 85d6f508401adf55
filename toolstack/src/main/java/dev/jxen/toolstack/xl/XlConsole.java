package dev.jxen.toolstack.xl;

import dev.jxen.toolstack.console.ConsoleClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.SocketChannel;

/** The console part of the xl client, apart so that other commands never load JLine. */
final class XlConsole {
    private XlConsole() {
    }

    /**
     * Runs a console session on {@code ch} (already handed to the domain's console): on the
     * process's terminal when {@code in} is null, else on the given streams. True when the user
     * detached, false when the console closed (the domain ended).
     */
    static boolean run(SocketChannel ch, int domid, String name, boolean readOnly, InputStream in, OutputStream out)
            throws IOException {
        ConsoleClient client = new ConsoleClient(ch, domid, name, readOnly);
        ConsoleClient.End end = in == null ? client.run() : client.run(in, out);
        return end == ConsoleClient.End.DETACHED;
    }
}
