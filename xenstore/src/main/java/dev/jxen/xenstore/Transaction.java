package dev.jxen.xenstore;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A transaction: its changes kept aside from the tree, and the generation of every node it looked
 * at (or found absent) when it first did. It commits only if none of those nodes changed since, as
 * C xenstored decides; otherwise the end is EAGAIN. Watch events wait here until the commit.
 */
final class Transaction implements NodeView {
    private static final long ABSENT = -1;

    final int id;
    private final Tree base;
    private final int accessLimit;
    /** Changed nodes; a null value is a deleted node. */
    private final HashMap<String, Node> changes = new HashMap<>();
    private final HashMap<String, Long> seen = new HashMap<>();
    private final HashMap<Integer, Integer> ownedDelta = new HashMap<>();
    final List<Core.Event> events = new ArrayList<>();

    /** {@code accessLimit}: nodes it may touch (C xenstored's transaction-nodes quota), or 0 for no limit. */
    Transaction(int id, Tree base, int accessLimit) {
        this.id = id;
        this.base = base;
        this.accessLimit = accessLimit;
    }

    @Override
    public Node get(String path) {
        if (changes.containsKey(path)) {
            return changes.get(path);
        }
        Node n = base.get(path);
        if (!seen.containsKey(path)) {
            if (accessLimit > 0 && seen.size() >= accessLimit) {
                throw new XsError("ENOSPC");
            }
            seen.put(path, n == null ? ABSENT : n.generation());
        }
        return n;
    }

    @Override
    public void put(String path, Node node) {
        Node old = get(path);
        if (old != null) {
            ownedDelta.merge(old.perms().owner(), -1, Integer::sum);
        }
        ownedDelta.merge(node.perms().owner(), 1, Integer::sum);
        changes.put(path, node);
    }

    @Override
    public void remove(String path) {
        Node old = get(path);
        if (old != null) {
            ownedDelta.merge(old.perms().owner(), -1, Integer::sum);
        }
        changes.put(path, null);
    }

    @Override
    public int nodesOwnedBy(int domid) {
        return base.nodesOwnedBy(domid) + ownedDelta.getOrDefault(domid, 0);
    }

    /** True when a node this transaction looked at has changed in the tree since. */
    boolean conflicts() {
        for (Map.Entry<String, Long> e : seen.entrySet()) {
            Node now = base.get(e.getKey());
            if ((now == null ? ABSENT : now.generation()) != e.getValue()) {
                return true;
            }
        }
        return false;
    }

    /** Writes the changes into the tree. */
    void commit() {
        for (Map.Entry<String, Node> e : changes.entrySet()) {
            if (e.getValue() == null) {
                base.remove(e.getKey());
            } else {
                base.put(e.getKey(), e.getValue());
            }
        }
    }
}
