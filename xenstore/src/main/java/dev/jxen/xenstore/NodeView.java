package dev.jxen.xenstore;

/** Where the protocol's operations read and write nodes: the tree itself, or a transaction over it. */
interface NodeView {
    /** The node at {@code path}, or null. */
    Node get(String path);

    void put(String path, Node node);

    void remove(String path);

    /** Nodes whose owner is {@code domid} (the per-domain node quota). */
    int nodesOwnedBy(int domid);
}
