package dev.jxen.xenstore;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;

/**
 * One client of the store: a domain's ring, a unix-socket client or an in-process client. Holds its
 * watches and open transactions (guarded by the {@link Core}'s lock); the transport says how a
 * watch event reaches it.
 */
abstract class Connection {
    final int domid;
    final boolean privileged;
    private final String home;
    /** The domain this one acts for (SET_TARGET), or -1. */
    int target = -1;
    final List<Watch> watches = new ArrayList<>();
    final HashMap<Integer, Transaction> transactions = new HashMap<>();
    private int nextTransactionId = 1;

    Connection(int domid, boolean privileged) {
        this.domid = domid;
        this.privileged = privileged;
        this.home = domainPath(domid);
    }

    /** {@code /local/domain/<domid>}, as GET_DOMAIN_PATH answers. */
    static String domainPath(int domid) {
        return "/local/domain/" + Integer.toUnsignedString(domid);
    }

    /** The base of this connection's relative paths. */
    String home() {
        return home;
    }

    int newTransactionId() {
        while (true) {
            int id = nextTransactionId++;
            if (id != 0 && !transactions.containsKey(id)) {
                return id;
            }
        }
    }

    /** Forgets this connection's watches and open transactions (called with the core's lock held). */
    void forgetWatchesAndTransactions() {
        watches.clear();
        transactions.clear();
    }

    /** Queues the reply to a request (called with the core's lock held: must not block). */
    abstract void queueReply(byte[] message);

    /**
     * Queues a WATCH_EVENT for {@code watch}; {@code path} is what the client sees (relative when it
     * watched a relative path). Called with the core's lock held: must not block.
     */
    abstract void sendEvent(Watch watch, String path);

    /** A registered watch. {@code prefixLength} is cut from event paths of a relative watch. */
    record Watch(Connection connection, String path, String token, int prefixLength) {
    }
}
