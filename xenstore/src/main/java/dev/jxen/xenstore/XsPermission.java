package dev.jxen.xenstore;

/**
 * One entry of a node's permission list, as GET_PERMS and SET_PERMS spell it: {@code n0}, {@code r5},
 * {@code w5}, {@code b5}. The first entry of a list names the owner (who may do everything) and what
 * every domain not listed after it may do.
 */
public record XsPermission(int domid, Access access) {
    /** What a domain may do with a node. */
    public enum Access {
        NONE('n', 0), READ('r', Perms.READ), WRITE('w', Perms.WRITE), BOTH('b', Perms.READ | Perms.WRITE);

        final char letter;
        final int bits;

        Access(char letter, int bits) {
            this.letter = letter;
            this.bits = bits;
        }

        static Access ofBits(int bits) {
            return values()[bits & 3]; // ordinal order matches the bits
        }
    }

    /** Parses {@code n0}, {@code r5}... */
    public static XsPermission parse(String s) {
        if (s.length() < 2) {
            throw new IllegalArgumentException("bad permission '" + s + "'");
        }
        Access a = switch (s.charAt(0)) {
            case 'n' -> Access.NONE;
            case 'r' -> Access.READ;
            case 'w' -> Access.WRITE;
            case 'b' -> Access.BOTH;
            default -> throw new IllegalArgumentException("bad permission '" + s + "'");
        };
        return new XsPermission(Integer.parseInt(s.substring(1)), a);
    }

    public static XsPermission none(int domid) {
        return new XsPermission(domid, Access.NONE);
    }

    public static XsPermission read(int domid) {
        return new XsPermission(domid, Access.READ);
    }

    public static XsPermission write(int domid) {
        return new XsPermission(domid, Access.WRITE);
    }

    public static XsPermission both(int domid) {
        return new XsPermission(domid, Access.BOTH);
    }

    @Override
    public String toString() {
        return access.letter + Integer.toString(domid);
    }
}
