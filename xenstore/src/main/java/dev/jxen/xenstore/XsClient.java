package dev.jxen.xenstore;

import java.nio.charset.StandardCharsets;

/**
 * An in-process privileged (domain 0) client of {@link Xenstored}, as the toolstack uses
 * libxenstore: node operations (see {@link XsOperations}), transactions and watches. Thread-safe;
 * watch callbacks run on the client's event thread.
 */
public final class XsClient extends XsOperations implements AutoCloseable {
    private final Core core;
    private final LocalConnection connection;

    XsClient(Core core) {
        this.core = core;
        this.connection = new LocalConnection();
        core.add(connection);
    }

    @Override
    byte[] call(int type, byte[] payload) {
        return call(type, 0, payload);
    }

    byte[] call(int type, int txId, byte[] payload) {
        byte[] reply = core.handle(connection, type, 0, txId, payload, payload.length);
        int len = Wire.le32(reply, 12);
        if (Wire.le32(reply, 0) == Wire.ERROR) {
            throw new XsException(new String(reply, Wire.HEADER, Math.max(0, len - 1), StandardCharsets.US_ASCII));
        }
        byte[] out = new byte[len];
        System.arraycopy(reply, Wire.HEADER, out, 0, len);
        return out;
    }

    /** Starts a transaction (close it, or commit). */
    public XsTransaction transactionStart() {
        byte[] id = call(Wire.TRANSACTION_START, new byte[] {0});
        return new XsTransaction(this, Integer.parseUnsignedInt(new String(id, 0, id.length - 1, StandardCharsets.US_ASCII)));
    }

    /**
     * Watches {@code path} (and everything below it; or a special path {@code @introduceDomain} /
     * {@code @releaseDomain}): {@code callback} runs once at once with {@code path}, then for every
     * change.
     */
    public void watch(String path, String token, XsWatchCallback callback) {
        String key = LocalConnection.key(path, token);
        connection.startEvents();
        XsWatchCallback previous = connection.callbacks.putIfAbsent(key, callback);
        try {
            call(Wire.WATCH, (path + "\0" + token + "\0").getBytes(StandardCharsets.ISO_8859_1));
        } catch (XsException e) {
            if (previous == null) {
                connection.callbacks.remove(key, callback);
            }
            throw e;
        }
    }

    public void unwatch(String path, String token) {
        call(Wire.UNWATCH, (path + "\0" + token + "\0").getBytes(StandardCharsets.ISO_8859_1));
        connection.callbacks.remove(LocalConnection.key(path, token));
    }

    /** {@code /local/domain/<domid>} (GET_DOMAIN_PATH). */
    public String domainPath(int domid) {
        byte[] p = call(Wire.GET_DOMAIN_PATH, arg(Integer.toString(domid)));
        return new String(p, 0, p.length - 1, StandardCharsets.US_ASCII);
    }

    public boolean isDomainIntroduced(int domid) {
        return call(Wire.IS_DOMAIN_INTRODUCED, arg(Integer.toString(domid)))[0] == 'T';
    }

    /** Forgets this client's watches and transactions. */
    @Override
    public void close() {
        core.remove(connection);
        connection.stopEvents();
    }
}
