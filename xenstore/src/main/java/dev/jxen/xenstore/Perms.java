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

    /**
     * The same list keeping only the non-owner entries whose domain {@code keep} accepts: C
     * xenstored marks the others ignored (a domain that is gone, or not yet there), so that a later
     * domain given the same domid inherits no access through them; this drops them instead.
     */
    Perms keepingEntriesOf(java.util.function.IntPredicate keep) {
        int n = 1;
        for (int i = 1; i < ids.length; i++) {
            if (keep.test(ids[i])) {
                n++;
            }
        }
        if (n == ids.length) {
            return this;
        }
        int[] ni = new int[n];
        byte[] nb = new byte[n];
        ni[0] = ids[0];
        nb[0] = bits[0];
        for (int i = 1, j = 1; i < ids.length; i++) {
            if (keep.test(ids[i])) {
                ni[j] = ids[i];
                nb[j++] = bits[i];
            }
        }
        return new Perms(ni, nb);
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
     * Parses SET_PERMS strings as C xenstored does (xenstore_strings_to_perms): a letter n/r/w/b and a
     * domid as C's strtol with base 0 reads it (decimal, 0x hex or 0 octal), truncated to 32 bits;
     * null when one is malformed.
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
            Long id = bits[i] < 0 ? null : strtolWhole(s.substring(1));
            if (id == null) {
                return null;
            }
            ids[i] = (int) (long) id;
        }
        return new Perms(ids, bits);
    }

    /** C's strtol(s, &end, 0) when it must consume all of {@code s}; null when it does not. */
    private static Long strtolWhole(String s) {
        int i = 0;
        while (i < s.length() && " \t\n\u000b\f\r".indexOf(s.charAt(i)) >= 0) {
            i++;
        }
        boolean negative = false;
        if (i < s.length() && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
            negative = s.charAt(i) == '-';
            i++;
        }
        int radix = 10;
        if (s.startsWith("0x", i) || s.startsWith("0X", i)) {
            if (i + 2 < s.length() && Character.digit(s.charAt(i + 2), 16) >= 0) {
                radix = 16;
                i += 2;
            } else {
                radix = 8; // only the "0" is a number: strtol stops at the x
            }
        } else if (s.startsWith("0", i)) {
            radix = 8;
        }
        int start = i;
        long v = 0;
        for (; i < s.length() && Character.digit(s.charAt(i), radix) >= 0; i++) {
            long next = v * radix + Character.digit(s.charAt(i), radix);
            v = next < v || v > Long.MAX_VALUE / radix ? Long.MAX_VALUE : next; // strtol saturates
        }
        if (i == start || i != s.length()) {
            return null;
        }
        return negative ? (v == Long.MAX_VALUE ? Long.MIN_VALUE : -v) : v;
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
