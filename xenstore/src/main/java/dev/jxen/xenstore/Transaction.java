package dev.jxen.xenstore;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A transaction: its changes kept aside from the tree, and the generation of every node it looked
 * at (or found absent) when it first did. It commits only if none of those nodes changed since, as
 * C xenstored decides; otherwise the end is EAGAIN. Watch events wait here until the commit, one per
 * changed node, as C xenstored queues them.
 */
final class Transaction implements NodeView {
    private static final long ABSENT = -1;

    final int id;
    private final Tree base;
    private final int accessLimit;
    /** Changed nodes; a null value is a deleted node. */
    private final HashMap<String, Node> changes = new HashMap<>();
    /** Generation of each node at its first access, in access order (the order of the commit's events). */
    private final LinkedHashMap<String, Long> seen = new LinkedHashMap<>();
    /** Permissions of each node that existed at its first access: who may hear of its change at commit. */
    private final HashMap<String, Perms> permsWhenSeen = new HashMap<>();
    /** Nodes with a pending watch event, and whether only watches on exactly that node hear it. */
    private final HashMap<String, Boolean> eventExact = new HashMap<>();
    private final HashMap<Integer, Integer> ownedDelta = new HashMap<>();
    /** A request in it was refused part-way (the accessed-nodes quota): it can no longer commit. */
    private boolean failed;

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
                failed = true;
                throw new XsError("ENOSPC");
            }
            seen.put(path, n == null ? ABSENT : n.generation());
            if (n != null) {
                permsWhenSeen.put(path, n.perms());
            }
        }
        return n;
    }

    /** Stores {@code node} here with a generation of its own, so DIRECTORY_PART inside sees the change. */
    @Override
    public void put(String path, Node node) {
        Node old = get(path);
        if (old != null) {
            ownedDelta.merge(old.perms().owner(), -1, Integer::sum);
        }
        ownedDelta.merge(node.perms().owner(), 1, Integer::sum);
        changes.put(path, new Node(node.value(), node.perms(), node.children(), base.nextGeneration()));
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

    /** Keeps a watch event for the commit; an event for the node and its ancestors outweighs an exact one. */
    void queueEvent(String path, boolean exact) {
        eventExact.merge(path, exact, Boolean::logicalAnd);
    }

    boolean failed() {
        return failed;
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

    /**
     * Writes the changes into the tree and returns the watch events to fire, in the order the nodes
     * were first accessed. Each is checked against the node after the commit, or the permissions it
     * had when first seen (a node created and removed inside is heard of by no one).
     */
    List<Core.Event> commit() {
        for (Map.Entry<String, Node> e : changes.entrySet()) {
            if (e.getValue() == null) {
                base.remove(e.getKey());
            } else {
                base.put(e.getKey(), e.getValue());
            }
        }
        List<Core.Event> events = new ArrayList<>();
        for (String path : seen.keySet()) {
            Boolean exact = eventExact.get(path);
            if (exact != null) {
                events.add(new Core.Event(path, exact, null, permsWhenSeen.get(path)));
            }
        }
        return events;
    }
}
