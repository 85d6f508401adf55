package dev.jxen.xenstore;

import java.util.HashMap;
import java.util.Map;

/**
 * The store's content: every node by absolute path (the special nodes {@code @introduceDomain} and
 * {@code @releaseDomain} too, outside the tree as in C xenstored), the number of nodes each domain
 * owns, and the generation counter. {@link #copy()} gives an independent value, for a transaction's
 * base or a saved image.
 */
final class Tree implements NodeView {
    private final HashMap<String, Node> nodes;
    private final HashMap<Integer, Integer> owned;
    private long generation;

    private Tree(HashMap<String, Node> nodes, HashMap<Integer, Integer> owned, long generation) {
        this.nodes = nodes;
        this.owned = owned;
        this.generation = generation;
    }

    /** A new store as C xenstored starts it: /, /tool, /tool/xenstored and the two special nodes, owned by dom0. */
    static Tree initial() {
        Tree t = new Tree(new HashMap<>(), new HashMap<>(), 0);
        Perms dom0 = Perms.of(0, 0);
        t.put("/", new Node(new byte[0], dom0, new String[] {"tool"}, 0));
        t.put("/tool", new Node(new byte[0], dom0, new String[] {"xenstored"}, 0));
        t.put("/tool/xenstored", new Node(new byte[0], dom0, Node.NO_CHILDREN, 0));
        t.put(Xenstored.RELEASE_DOMAIN, new Node(new byte[0], dom0, Node.NO_CHILDREN, 0));
        t.put(Xenstored.INTRODUCE_DOMAIN, new Node(new byte[0], dom0, Node.NO_CHILDREN, 0));
        return t;
    }

    Tree copy() {
        return new Tree(new HashMap<>(nodes), new HashMap<>(owned), generation);
    }

    /** Every node by path (a read-only view). */
    Map<String, Node> nodes() {
        return java.util.Collections.unmodifiableMap(nodes);
    }

    @Override
    public Node get(String path) {
        return nodes.get(path);
    }

    /** Stores {@code node} with a new generation. */
    @Override
    public void put(String path, Node node) {
        Node stamped = new Node(node.value(), node.perms(), node.children(), ++generation);
        Node old = nodes.put(path, stamped);
        if (old != null) {
            owned.merge(old.perms().owner(), -1, Integer::sum);
        }
        owned.merge(stamped.perms().owner(), 1, Integer::sum);
    }

    /** A generation no node has had yet (a transaction stamps its own changes with one). */
    long nextGeneration() {
        return ++generation;
    }

    @Override
    public void remove(String path) {
        Node old = nodes.remove(path);
        if (old != null) {
            owned.merge(old.perms().owner(), -1, Integer::sum);
        }
    }

    @Override
    public int nodesOwnedBy(int domid) {
        return owned.getOrDefault(domid, 0);
    }

    int size() {
        return nodes.size();
    }
}
