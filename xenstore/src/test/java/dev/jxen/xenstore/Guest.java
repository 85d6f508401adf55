package dev.jxen.xenstore;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An unprivileged connection for domain {@code domid} that speaks the wire protocol straight to the
 * core (no ring), recording the watch events it is sent as {@code path|token}.
 */
final class Guest extends Connection {
    final List<String> events = new CopyOnWriteArrayList<>();
    private final Core core;

    Guest(Core core, int domid) {
        super(domid, false);
        this.core = core;
        core.add(this);
    }

    /** Sends a request; returns the reply payload with nuls shown as '|', or "!ENAME" for an error. */
    String call(int type, int txId, String... args) {
        StringBuilder b = new StringBuilder();
        for (String a : args) {
            b.append(a).append('\0');
        }
        return call(type, txId, b.toString().getBytes(StandardCharsets.ISO_8859_1));
    }

    String call(int type, int txId, byte[] payload) {
        byte[] reply = core.handle(this, type, 7, txId, payload, payload.length);
        String body = new String(reply, Wire.HEADER, reply.length - Wire.HEADER, StandardCharsets.ISO_8859_1);
        if (Wire.le32(reply, 0) == Wire.ERROR) {
            return "!" + body.replace("\0", "");
        }
        return body.replace('\0', '|');
    }

    String read(String path) {
        return call(Wire.READ, 0, path);
    }

    /** WRITE: the path, then the value without a trailing nul (as libxenstore sends it). */
    String write(String path, String value) {
        return call(Wire.WRITE, 0, (path + "\0" + value).getBytes(StandardCharsets.ISO_8859_1));
    }

    @Override
    void queueReply(byte[] message) {
    }

    @Override
    void sendEvent(Watch watch, String path) {
        events.add(path + "|" + watch.token());
    }
}
