package dev.jxen.xenstore;

import java.util.Arrays;

/**
 * A node's permission list, immutable: parallel arrays of domids and access bits. Entry 0 is the
 * owner and the access of every domain not listed.
 */
final class Perms {
    static final int READ = 1, WRITE = 2, OWNER = 4;
    static final int ALL = READ | WRITE | OWNER;
    /** Bytes C xenstored accounts per entry (struct xs_permissions) in the node-size quota. */
    static final int ENTRY_SIZE = 8;

    private final int[] ids;
    private final byte[] bits;

    private Perms(int[] ids, byte[] bits) {
        this.ids = ids;
        this.bits = bits;
    }

    static Perms of(int owner, int otherBits) {
        return new Perms(new int[] {owner}, new byte[] {(byte) otherBits});
    }

    static Perms of(XsPermission... entries) {
        int[] ids = new int[entries.length];
        byte[] bits = new byte[entries.length];
        for (int i = 0; i < entries.length; i++) {
            ids[i] = entries[i].domid();
            bits[i] = (byte) entries[i].access().bits;
        }
        return new Perms(ids, bits);
    }

    int owner() {
        return ids[0];
    }

    int size() {
        return ids.length;
    }

    /** The same list with {@code domid} as owner. */
    Perms withOwner(int domid) {
        if (ids[0] == domid) {
            return this;
        }
        int[] n = ids.clone();
        n[0] = domid;
        return new Perms(n, bits);
    }

    /** What a connection may do (READ/WRITE/OWNER bits), as C xenstored's perm_for_conn. */
    int forConnection(int domid, boolean privileged, int target) {
        if (privileged || ids[0] == domid || (target >= 0 && ids[0] == target)) {
            return ALL;
        }
        for (int i = 1; i < ids.length; i++) {
            if (ids[i] == domid || (target >= 0 && ids[i] == target)) {
                return bits[i];
            }
        }
        return bits[0];
    }

    XsPermission entry(int i) {
        return new XsPermission(ids[i], XsPermission.Access.ofBits(bits[i]));
    }

    /** The GET_PERMS payload: each entry as a nul-terminated string. */
    byte[] toWire() {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < ids.length; i++) {
            b.append(entry(i)).append('\0');
        }
        return b.toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    /**
     * Parses SET_PERMS strings as libxenstore's xenstore_strings_to_perms: a letter n/r/w/b and a
     * decimal domid; null when one is malformed.
     */
    static Perms parse(String[] strings, int from) {
        int n = strings.length - from;
        int[] ids = new int[n];
        byte[] bits = new byte[n];
        for (int i = 0; i < n; i++) {
            String s = strings[from + i];
            if (s.length() < 2) {
                return null;
            }
            bits[i] = switch (s.charAt(0)) {
                case 'n' -> 0;
                case 'r' -> READ;
                case 'w' -> WRITE;
                case 'b' -> READ | WRITE;
                default -> -1;
            };
            if (bits[i] < 0) {
                return null;
            }
            long id = 0;
            for (int k = 1; k < s.length(); k++) {
                char c = s.charAt(k);
                if (c < '0' || c > '9' || id > 0xffff_ffffL) {
                    return null;
                }
                id = id * 10 + (c - '0');
            }
            ids[i] = (int) id;
        }
        return new Perms(ids, bits);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Perms p && Arrays.equals(ids, p.ids) && Arrays.equals(bits, p.bits);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(ids) * 31 + Arrays.hashCode(bits);
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < ids.length; i++) {
            b.append(i == 0 ? "" : " ").append(entry(i));
        }
        return b.toString();
    }
}
