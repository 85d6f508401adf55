package dev.jxen.xenstore;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The store's node operations, for a client outside a transaction ({@link XsClient}) or inside one
 * ({@link XsTransaction}). Paths are absolute, or relative to the client's home
 * {@code /local/domain/0}; values are UTF-8. Errors are {@link XsException}s named as on the wire.
 */
public abstract sealed class XsOperations permits XsClient, XsTransaction {
    XsOperations() {
    }

    /** Sends one request; returns the reply's payload or throws the XS_ERROR as an XsException. */
    abstract byte[] call(int type, byte[] payload);

    /** The value at {@code path}, or null when there is no such node. */
    public String read(String path) {
        try {
            return new String(call(Wire.READ, arg(path)), StandardCharsets.UTF_8);
        } catch (XsException e) {
            if (e.error().equals("ENOENT")) {
                return null;
            }
            throw e;
        }
    }

    /** Writes {@code value} at {@code path}, creating it and its missing parents. */
    public void write(String path, String value) {
        byte[] p = path.getBytes(StandardCharsets.ISO_8859_1);
        byte[] v = value.getBytes(StandardCharsets.UTF_8);
        byte[] payload = new byte[p.length + 1 + v.length];
        System.arraycopy(p, 0, payload, 0, p.length);
        System.arraycopy(v, 0, payload, p.length + 1, v.length);
        call(Wire.WRITE, payload);
    }

    /** Creates {@code path} (and missing parents) with an empty value when it does not exist. */
    public void mkdir(String path) {
        call(Wire.MKDIR, arg(path));
    }

    /** Removes {@code path} and everything below it; nothing to do when it does not exist. */
    public void rm(String path) {
        call(Wire.RM, arg(path));
    }

    /** The names of {@code path}'s children, in creation order. */
    public List<String> directory(String path) {
        return split(call(Wire.DIRECTORY, arg(path)));
    }

    public List<XsPermission> getPerms(String path) {
        List<XsPermission> out = new ArrayList<>();
        for (String s : split(call(Wire.GET_PERMS, arg(path)))) {
            out.add(XsPermission.parse(s));
        }
        return out;
    }

    /** Sets {@code path}'s permissions: the first entry is the owner and everyone else's access. */
    public void setPerms(String path, XsPermission... perms) {
        StringBuilder b = new StringBuilder(path).append('\0');
        for (XsPermission p : perms) {
            b.append(p).append('\0');
        }
        call(Wire.SET_PERMS, b.toString().getBytes(StandardCharsets.ISO_8859_1));
    }

    public void setPerms(String path, List<XsPermission> perms) {
        setPerms(path, perms.toArray(new XsPermission[0]));
    }

    static byte[] arg(String s) {
        byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
        byte[] out = new byte[b.length + 1];
        System.arraycopy(b, 0, out, 0, b.length);
        return out;
    }

    static List<String> split(byte[] payload) {
        return List.of(Core.strings(payload, payload.length));
    }
}
