package dev.jxen.xenstore;

import java.util.Arrays;

/**
 * One node of the tree, immutable: its value, permissions, children's names (in creation order,
 * as DIRECTORY lists them) and the generation of its last change (DIRECTORY_PART's gencnt, and what
 * a transaction compares to find conflicts). Arrays are never modified once in a node.
 */
record Node(byte[] value, Perms perms, String[] children, long generation) {
    static final String[] NO_CHILDREN = new String[0];
    /** C xenstored's struct node_hdr, counted in the node-size quota. */
    private static final int HEADER_SIZE = 16;

    Node withValue(byte[] v) {
        return new Node(v, perms, children, generation);
    }

    Node withPerms(Perms p) {
        return new Node(value, p, children, generation);
    }

    Node withChild(String name) {
        String[] c = Arrays.copyOf(children, children.length + 1);
        c[children.length] = name;
        return new Node(value, perms, c, generation);
    }

    Node withoutChild(String name) {
        for (int i = 0; i < children.length; i++) {
            if (children[i].equals(name)) {
                String[] c = new String[children.length - 1];
                System.arraycopy(children, 0, c, 0, i);
                System.arraycopy(children, i + 1, c, i, children.length - i - 1);
                return new Node(value, perms, c, generation);
            }
        }
        return this;
    }

    /** The children as the DIRECTORY payload: each name nul-terminated. */
    byte[] childrenWire() {
        int len = 0;
        for (String c : children) {
            len += c.length() + 1;
        }
        byte[] out = new byte[len];
        int o = 0;
        for (String c : children) {
            for (int i = 0; i < c.length(); i++) {
                out[o++] = (byte) c.charAt(i);
            }
            out[o++] = 0;
        }
        return out;
    }

    /** The size C xenstored checks against its node-size quota (header, permissions, data, children). */
    int accountedSize() {
        int childLen = 0;
        for (String c : children) {
            childLen += c.length() + 1;
        }
        return HEADER_SIZE + perms.size() * Perms.ENTRY_SIZE + value.length + childLen;
    }
}
