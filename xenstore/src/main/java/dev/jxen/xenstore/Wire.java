package dev.jxen.xenstore;

import java.nio.charset.StandardCharsets;

/** io/xs_wire.h: message types, the 16-byte header (type, req_id, tx_id, len, little-endian) and limits. */
final class Wire {
    static final int CONTROL = 0, DIRECTORY = 1, READ = 2, GET_PERMS = 3, WATCH = 4, UNWATCH = 5,
            TRANSACTION_START = 6, TRANSACTION_END = 7, INTRODUCE = 8, RELEASE = 9, GET_DOMAIN_PATH = 10,
            WRITE = 11, MKDIR = 12, RM = 13, SET_PERMS = 14, WATCH_EVENT = 15, ERROR = 16,
            IS_DOMAIN_INTRODUCED = 17, RESUME = 18, SET_TARGET = 19, RESET_WATCHES = 21, DIRECTORY_PART = 22,
            TYPE_COUNT = 23;
    /** The number xs_wire.h skips between SET_TARGET and RESET_WATCHES: no request has it. */
    static final int UNUSED = 20;
    static final int HEADER = 16;
    static final int PAYLOAD_MAX = 4096;
    static final byte[] OK = {'O', 'K', 0};

    private Wire() {
    }

    /** A whole message: header and payload. */
    static byte[] message(int type, int reqId, int txId, byte[] payload) {
        byte[] m = new byte[HEADER + payload.length];
        putLe32(m, 0, type);
        putLe32(m, 4, reqId);
        putLe32(m, 8, txId);
        putLe32(m, 12, payload.length);
        System.arraycopy(payload, 0, m, HEADER, payload.length);
        return m;
    }

    /** A WATCH_EVENT message: {@code path\0token\0}, req_id and tx_id 0. */
    static byte[] event(String path, String token) {
        byte[] p = path.getBytes(StandardCharsets.ISO_8859_1);
        byte[] t = token.getBytes(StandardCharsets.ISO_8859_1);
        byte[] m = new byte[HEADER + p.length + t.length + 2];
        putLe32(m, 0, WATCH_EVENT);
        putLe32(m, 12, p.length + t.length + 2);
        System.arraycopy(p, 0, m, HEADER, p.length);
        System.arraycopy(t, 0, m, HEADER + p.length + 1, t.length);
        return m;
    }

    /**
     * Whether {@code event} (a WATCH_EVENT message) is already among {@code queued}: C xenstored drops
     * such a duplicate rather than queue it again, except for the special {@code @} events.
     */
    static boolean duplicateEvent(Iterable<byte[]> queued, byte[] event) {
        if (event.length > HEADER && event[HEADER] == '@') {
            return false;
        }
        for (byte[] m : queued) {
            if (m.length == event.length && le32(m, 0) == WATCH_EVENT && java.util.Arrays.equals(m, event)) {
                return true;
            }
        }
        return false;
    }

    static int le32(byte[] b, int o) {
        return (b[o] & 0xff) | (b[o + 1] & 0xff) << 8 | (b[o + 2] & 0xff) << 16 | (b[o + 3] & 0xff) << 24;
    }

    static void putLe32(byte[] b, int o, int v) {
        b[o] = (byte) v;
        b[o + 1] = (byte) (v >>> 8);
        b[o + 2] = (byte) (v >>> 16);
        b[o + 3] = (byte) (v >>> 24);
    }
}
