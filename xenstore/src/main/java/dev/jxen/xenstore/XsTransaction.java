package dev.jxen.xenstore;

/**
 * A transaction: its reads and writes see its own changes; {@link #commit()} applies them all, or
 * none when a node it used changed meanwhile (EAGAIN: start a new transaction and try again).
 * Closing it without a commit aborts it.
 */
public final class XsTransaction extends XsOperations implements AutoCloseable {
    private final XsClient client;
    private final int id;
    private boolean ended;

    XsTransaction(XsClient client, int id) {
        this.client = client;
        this.id = id;
    }

    /** The transaction id (the tx_id of its requests). */
    public int id() {
        return id;
    }

    @Override
    byte[] call(int type, byte[] payload) {
        if (ended) {
            throw new IllegalStateException("transaction " + Integer.toUnsignedString(id) + " has ended");
        }
        return client.call(type, id, payload);
    }

    /** Commits; false when another change conflicted (EAGAIN) and nothing was applied. */
    public boolean commit() {
        try {
            call(Wire.TRANSACTION_END, arg("T"));
            return true;
        } catch (XsException e) {
            if (e.error().equals("EAGAIN")) {
                return false;
            }
            throw e;
        } finally {
            ended = true;
        }
    }

    /** Discards the changes. */
    public void abort() {
        if (!ended) {
            try {
                call(Wire.TRANSACTION_END, arg("F"));
            } finally {
                ended = true;
            }
        }
    }

    @Override
    public void close() {
        abort();
    }
}
