package dev.jxen.xenstore;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The protocol: every xs_wire.h request against the tree, with C xenstored's permission checks,
 * quotas and errnos. One lock (this object) guards the tree, the connections, their watches and
 * transactions; requests are short, and events are only queued while it is held.
 */
final class Core {
    /** C xenstored's default hard quotas for unprivileged domains. */
    static final int QUOTA_NODES = 1000, QUOTA_NODE_SIZE = 2048, QUOTA_WATCHES = 128, QUOTA_TRANSACTIONS = 10,
            QUOTA_PATH_LENGTH = 2048, QUOTA_PERMS = 5, QUOTA_TRANSACTION_NODES = 1024;
    /** xen.h's DOMID_SELF: IS_DOMAIN_INTRODUCED says T for it, as C xenstored does. */
    static final int DOMID_SELF = 0x7FF0;
    private static final System.Logger LOG = System.getLogger("dev.jxen.xenstore");
    private static final XsError EINVAL = new XsError("EINVAL"), ENOENT = new XsError("ENOENT"),
            EACCES = new XsError("EACCES"), ENOSPC = new XsError("ENOSPC"), ENOSYS = new XsError("ENOSYS");

    /**
     * A change for the watches: {@code exact} when only watches on that very node hear it (the nodes
     * below a removed one); {@code perms} the node's permissions (null: look the node up), and
     * {@code oldPerms} those it had before, when a reader losing access should hear of the change too.
     */
    record Event(String path, boolean exact, Perms perms, Perms oldPerms) {
    }

    /** What the owner does for the domain-management requests (INTRODUCE, RELEASE, RESUME). */
    interface Domains {
        void introduce(int domid, long mfn, int port);

        void release(int domid);

        boolean isIntroduced(int domid);

        void resume(int domid);

        Connection connectionOf(int domid);

        /** Whether domain {@code domid} exists (true when the store cannot know, having no hypervisor). */
        boolean exists(int domid);
    }

    Tree tree = Tree.initial();
    final List<Connection> connections = new ArrayList<>();
    private final Domains domains;
    /** The initial event of a WATCH, sent after its reply. */
    private Connection.Watch pendingInitialEvent;

    Core(Domains domains) {
        this.domains = domains;
    }

    synchronized void add(Connection c) {
        connections.add(c);
    }

    /** Forgets a connection with its watches and transactions. */
    synchronized void remove(Connection c) {
        connections.remove(c);
        c.forgetWatchesAndTransactions();
    }

    /**
     * Handles one request and returns the reply message (header and payload); the reply has also
     * been passed to {@link Connection#queueReply} before any event the request caused for the same
     * connection's initial watch.
     */
    synchronized byte[] handle(Connection c, int type, int reqId, int txId, byte[] p, int len) {
        byte[] reply;
        int replyType = type;
        try {
            reply = dispatch(c, type, txId, p, len);
            if (reply.length > Wire.PAYLOAD_MAX) {
                throw new XsError("E2BIG");
            }
        } catch (XsError e) {
            replyType = Wire.ERROR;
            reply = (e.name + "\0").getBytes(StandardCharsets.US_ASCII);
            pendingInitialEvent = null;
        } catch (XsException e) {
            replyType = Wire.ERROR;
            reply = (e.error() + "\0").getBytes(StandardCharsets.US_ASCII);
            pendingInitialEvent = null;
        }
        byte[] message = Wire.message(replyType, reqId, txId, reply);
        c.queueReply(message);
        if (pendingInitialEvent != null) {
            Connection.Watch w = pendingInitialEvent;
            pendingInitialEvent = null;
            c.sendEvent(w, w.path().substring(w.prefixLength()));
        }
        return message;
    }

    private byte[] dispatch(Connection c, int type, int txId, byte[] p, int len) {
        if (type < 0 || type >= Wire.TYPE_COUNT) {
            throw ENOSYS;
        }
        boolean privilegedOnly = switch (type) {
            case Wire.CONTROL, Wire.INTRODUCE, Wire.RELEASE, Wire.IS_DOMAIN_INTRODUCED, Wire.RESUME,
                 Wire.SET_TARGET -> true;
            default -> false;
        };
        if (type == Wire.WATCH_EVENT || type == Wire.ERROR || type == Wire.UNUSED) {
            throw ENOSYS;
        }
        if (privilegedOnly && !c.privileged) {
            throw EACCES;
        }
        Transaction t = null;
        if (type != Wire.WATCH && type != Wire.UNWATCH && txId != 0) {
            t = c.transactions.get(txId);
            if (t == null) {
                throw ENOENT;
            }
        }
        NodeView v = t != null ? t : tree;
        return switch (type) {
            case Wire.READ -> lookupExisting(c, v, canonical(c, oneArg(p, len), false), Perms.READ).value();
            case Wire.WRITE -> write(c, v, p, len);
            case Wire.MKDIR -> mkdir(c, v, oneArg(p, len));
            case Wire.RM -> rm(c, v, oneArg(p, len));
            case Wire.DIRECTORY -> lookupExisting(c, v, canonical(c, oneArg(p, len), false), Perms.READ).childrenWire();
            case Wire.DIRECTORY_PART -> directoryPart(c, v, p, len);
            case Wire.GET_PERMS -> lookupExisting(c, v, canonical(c, oneArg(p, len), true), Perms.READ).perms().toWire();
            case Wire.SET_PERMS -> setPerms(c, v, p, len);
            case Wire.WATCH -> watch(c, p, len);
            case Wire.UNWATCH -> unwatch(c, p, len);
            case Wire.TRANSACTION_START -> transactionStart(c, t);
            case Wire.TRANSACTION_END -> transactionEnd(c, t, oneArg(p, len));
            case Wire.INTRODUCE -> introduce(p, len);
            case Wire.RELEASE -> {
                domains.release(otherDomain(p, len));
                yield Wire.OK;
            }
            case Wire.GET_DOMAIN_PATH -> {
                String arg = oneArg(p, len);
                if (arg == null) {
                    throw EINVAL;
                }
                yield ascii(Connection.domainPath(atoi(arg)) + "\0");
            }
            case Wire.IS_DOMAIN_INTRODUCED -> {
                int domid = atoi(oneArg(p, len));
                yield ascii(domid == 0 || domid == DOMID_SELF || domains.isIntroduced(domid) ? "T\0" : "F\0");
            }
            case Wire.RESUME -> {
                domains.resume(otherDomain(p, len));
                yield Wire.OK;
            }
            case Wire.SET_TARGET -> setTarget(p, len);
            case Wire.RESET_WATCHES -> {
                c.forgetWatchesAndTransactions();
                yield Wire.OK;
            }
            case Wire.CONTROL -> control(p, len);
            default -> throw ENOSYS;
        };
    }

    // ---- paths and permissions ----

    private static boolean validChars(String s) {
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')
                    || ch == '-' || ch == '/' || ch == '_' || ch == '@')) {
                return false;
            }
        }
        return true;
    }

    /** The absolute path of {@code raw} (relative paths are under the connection's home), or EINVAL. */
    static String canonical(Connection c, String raw, boolean allowSpecial) {
        if (raw == null || !validChars(raw) || (raw.startsWith("@") && !allowSpecial)) {
            throw EINVAL;
        }
        String name = raw.startsWith("/") || raw.startsWith("@") ? raw : c.home() + "/" + raw;
        if ((name.endsWith("/") && !name.equals("/")) || name.contains("//")) {
            throw EINVAL;
        }
        if (!c.privileged && name.length() - localOffset(name) > QUOTA_PATH_LENGTH) {
            throw EINVAL;
        }
        return name;
    }

    /** Where the part after {@code /local/domain/N/} starts, or 0: the path quota counts only that part. */
    private static int localOffset(String name) {
        String prefix = "/local/domain/";
        if (!name.startsWith(prefix)) {
            return 0;
        }
        int i = prefix.length();
        int digits = 0;
        while (i < name.length() && digits < 5 && Character.isDigit(name.charAt(i))) {
            i++;
            digits++;
        }
        return digits > 0 && i < name.length() && name.charAt(i) == '/' ? i + 1 : 0;
    }

    static String parent(String name) {
        int slash = name.lastIndexOf('/');
        return slash <= 0 ? "/" : name.substring(0, slash);
    }

    /** The path of child {@code child} of the node at {@code name}. */
    private static String childPath(String name, String child) {
        return name.equals("/") ? "/" + child : name + "/" + child;
    }

    private static String baseName(String name) {
        return name.substring(name.lastIndexOf('/') + 1);
    }

    private static int permFor(Connection c, Perms p) {
        return p.forConnection(c.domid, c.privileged, c.target);
    }

    /**
     * The node at {@code name} if the connection may access it with {@code perm}; null when it does
     * not exist and the nearest existing ancestor would allow {@code perm} (so telling ENOENT gives
     * nothing away); EACCES otherwise.
     */
    private Node lookup(Connection c, NodeView v, String name, int perm) {
        Node n = v.get(name);
        if (n != null && (permFor(c, n.perms()) & perm) == perm) {
            return n;
        }
        int parentPerm = 0;
        String p = name;
        while (!p.equals("/")) {
            p = parent(p);
            Node ancestor = v.get(p);
            if (ancestor != null) {
                parentPerm = permFor(c, ancestor.perms());
                break;
            }
        }
        if ((parentPerm & perm) == 0 || n != null) {
            throw EACCES;
        }
        return null;
    }

    private Node lookupExisting(Connection c, NodeView v, String name, int perm) {
        Node n = lookup(c, v, name, perm);
        if (n == null) {
            throw ENOENT;
        }
        return n;
    }

    private static void checkSize(Connection c, Node n) {
        if (!c.privileged && n.accountedSize() > QUOTA_NODE_SIZE) {
            throw ENOSPC;
        }
    }

    // ---- tree operations ----

    /** Creates {@code name} and any missing parents, each inheriting its parent's permissions. */
    private Node create(Connection c, NodeView v, String name, byte[] value) {
        List<String> missing = new ArrayList<>();
        String p = name;
        Node top;
        while (true) {
            missing.add(p);
            p = parent(p);
            top = v.get(p);
            if (top != null) {
                break;
            }
            if (p.equals("/")) {
                throw new XsError("EIO"); // no root: cannot happen
            }
        }
        if (!c.privileged && v.nodesOwnedBy(c.domid) + missing.size() > QUOTA_NODES) {
            throw ENOSPC;
        }
        // Build top-down, check every size, then store: a refused request changes nothing.
        int n = missing.size();
        String[] paths = new String[n + 1];
        Node[] nodes = new Node[n + 1];
        paths[0] = p;
        Perms perms = top.perms();
        if (!c.privileged) {
            perms = perms.withOwner(c.domid);
        }
        for (int i = 1; i <= n; i++) {
            paths[i] = missing.get(n - i);
            boolean leaf = i == n;
            nodes[i] = new Node(leaf ? value : new byte[0], perms,
                    leaf ? Node.NO_CHILDREN : new String[] {baseName(missing.get(n - i - 1))}, 0);
        }
        nodes[0] = top.withChild(baseName(paths[1]));
        for (Node node : nodes) {
            checkSize(c, node);
        }
        for (int i = n; i >= 0; i--) {
            v.put(paths[i], nodes[i]);
        }
        return nodes[n];
    }

    private byte[] write(Connection c, NodeView v, byte[] p, int len) {
        int nul = indexOfNul(p, 0, len);
        if (nul < 0) {
            throw EINVAL;
        }
        String name = canonical(c, new String(p, 0, nul, StandardCharsets.ISO_8859_1), false);
        byte[] value = Arrays.copyOfRange(p, nul + 1, len);
        Node n = lookup(c, v, name, Perms.WRITE);
        Node written;
        if (n == null) {
            written = create(c, v, name, value);
        } else {
            written = n.withValue(value);
            checkSize(c, written);
            v.put(name, written);
        }
        fire(v, new Event(name, false, written.perms(), null));
        return Wire.OK;
    }

    private byte[] mkdir(Connection c, NodeView v, String arg) {
        String name = canonical(c, arg, false);
        if (lookup(c, v, name, Perms.WRITE) == null) {
            Node created = create(c, v, name, new byte[0]);
            fire(v, new Event(name, false, created.perms(), null));
        }
        return Wire.OK;
    }

    private byte[] rm(Connection c, NodeView v, String arg) {
        String name = canonical(c, arg, false);
        Node n = lookup(c, v, name, Perms.WRITE);
        if (n == null) {
            // Already gone: fine, as long as its parent exists.
            if (v.get(parent(name)) != null) {
                return Wire.OK;
            }
            throw ENOENT;
        }
        if (name.equals("/")) {
            throw EINVAL;
        }
        removeWithSubtree(v, name, n); // an existing node's parent always exists
        return Wire.OK;
    }

    /** Removes {@code name} (not the root), everything below it, and its entry in its parent. */
    private void removeWithSubtree(NodeView v, String name, Node n) {
        removeTree(v, name, n, name);
        v.put(parent(name), v.get(parent(name)).withoutChild(baseName(name)));
    }

    /**
     * As C xenstored when a domain goes: removes every node the domain owns, with everything below it,
     * so a later domain with the same id inherits none of them. Its watches must be gone already.
     */
    synchronized void removeNodesOwnedBy(int domid) {
        if (tree.nodesOwnedBy(domid) > 0) {
            removeOwnedBelow(domid, "/", tree.get("/"));
        }
    }

    /**
     * As C xenstored when a domain goes: its entries in other nodes' permission lists stop
     * counting, so a later domain with the same id gets no access through them (XSA-322).
     */
    synchronized void dropPermissionEntriesOf(int domid) {
        for (var e : new java.util.ArrayList<>(tree.nodes().entrySet())) {
            Perms kept = e.getValue().perms().keepingEntriesOf(id -> id != domid);
            if (kept != e.getValue().perms()) {
                tree.put(e.getKey(), e.getValue().withPerms(kept));
            }
        }
    }

    private void removeOwnedBelow(int domid, String name, Node n) {
        for (String child : n.children()) {
            String childName = childPath(name, child);
            Node cn = tree.get(childName);
            if (cn == null) {
                continue;
            }
            if (cn.perms().owner() == domid) {
                removeWithSubtree(tree, childName, cn);
            } else {
                removeOwnedBelow(domid, childName, cn);
            }
        }
    }

    /** Removes {@code name} and below, children first; watches see the top with its ancestors, the rest exactly. */
    private void removeTree(NodeView v, String name, Node n, String top) {
        for (String child : n.children()) {
            String childName = childPath(name, child);
            Node cn = v.get(childName);
            if (cn != null) {
                removeTree(v, childName, cn, top);
            }
        }
        v.remove(name);
        fire(v, new Event(name, !name.equals(top), n.perms(), null));
    }

    private byte[] directoryPart(Connection c, NodeView v, byte[] p, int len) {
        if (countNuls(p, len) != 2) {
            throw EINVAL;
        }
        String[] args = strings(p, len);
        Node n = lookupExisting(c, v, canonical(c, args[0], false), Perms.READ);
        long offset = Integer.toUnsignedLong(atoi(args[1]));
        byte[] gen = ascii(Long.toUnsignedString(n.generation()) + "\0");
        byte[] children = n.childrenWire();
        if (offset >= children.length) {
            byte[] out = Arrays.copyOf(gen, gen.length + 1);
            return out; // generation and an empty string: the end of the list
        }
        int off = (int) offset;
        int max = Wire.PAYLOAD_MAX - gen.length - 1;
        int take = 0;
        while (off + take < children.length) {
            int end = indexOfNul(children, off + take, children.length);
            int nameLen = end - (off + take);
            if (take + nameLen >= max) {
                break;
            }
            take += nameLen + 1;
        }
        boolean complete = off + take == children.length;
        byte[] out = new byte[gen.length + take + (complete ? 1 : 0)];
        System.arraycopy(gen, 0, out, 0, gen.length);
        System.arraycopy(children, off, out, gen.length, take);
        return out;
    }

    private byte[] setPerms(Connection c, NodeView v, byte[] p, int len) {
        int count = countNuls(p, len);
        if (count < 2) {
            throw EINVAL;
        }
        if (!c.privileged && count - 1 > QUOTA_PERMS) {
            throw ENOSPC;
        }
        String[] args = strings(p, len);
        Perms perms = Perms.parse(args, 1);
        if (perms == null) {
            throw EINVAL;
        }
        if (!domains.exists(perms.owner())) {
            throw ENOENT; // as C xenstored: a node cannot be given to a domain that does not exist
        }
        // Entries for other domains that do not exist grant nothing (C marks them ignored).
        perms = perms.keepingEntriesOf(domains::exists);
        String name = canonical(c, args[0], true);
        Node n = lookupExisting(c, v, name, Perms.WRITE | Perms.OWNER);
        if (!c.privileged && perms.owner() != n.perms().owner()) {
            throw new XsError("EPERM");
        }
        Node changed = n.withPerms(perms);
        checkSize(c, changed);
        v.put(name, changed);
        fire(v, new Event(name, false, perms, n.perms()));
        return Wire.OK;
    }

    // ---- watches ----

    private byte[] watch(Connection c, byte[] p, int len) {
        if (countNuls(p, len) != 2) {
            throw EINVAL;
        }
        String[] args = strings(p, len);
        boolean relative = !args[0].startsWith("/") && !args[0].startsWith("@");
        String name = canonical(c, args[0], true);
        for (Connection.Watch w : c.watches) {
            if (w.path().equals(name) && w.token().equals(args[1])) {
                throw new XsError("EEXIST");
            }
        }
        if (!c.privileged && c.watches.size() > QUOTA_WATCHES) {
            throw new XsError("E2BIG");
        }
        Connection.Watch w = new Connection.Watch(c, name, args[1], relative ? c.home().length() + 1 : 0);
        c.watches.add(w);
        pendingInitialEvent = w;
        return Wire.OK;
    }

    private byte[] unwatch(Connection c, byte[] p, int len) {
        if (countNuls(p, len) != 2) {
            throw EINVAL;
        }
        String[] args = strings(p, len);
        String name = canonical(c, args[0], true);
        for (int i = 0; i < c.watches.size(); i++) {
            Connection.Watch w = c.watches.get(i);
            if (w.path().equals(name) && w.token().equals(args[1])) {
                c.watches.remove(i);
                return Wire.OK;
            }
        }
        throw ENOENT;
    }

    private static boolean isChild(String child, String parent) {
        if (parent.equals("/")) {
            return true;
        }
        return child.startsWith(parent) && (child.length() == parent.length() || child.charAt(parent.length()) == '/');
    }

    /**
     * Whether {@code c} may hear of a change to {@code name}: it could read the node before, or can
     * read it or its parent now. A node that is gone and has no earlier permissions is heard of by no
     * one, dom0 included, as in C xenstored.
     */
    private boolean permitted(Connection c, String name, Perms perms, Perms oldPerms) {
        if (oldPerms != null && (permFor(c, oldPerms) & Perms.READ) != 0) {
            return true;
        }
        if (perms == null) {
            Node n = tree.get(name);
            if (n == null) {
                return false;
            }
            perms = n.perms();
        }
        if ((permFor(c, perms) & Perms.READ) != 0) {
            return true;
        }
        Node parentNode = tree.get(parent(name));
        return parentNode != null && (permFor(c, parentNode.perms()) & Perms.READ) != 0;
    }

    /** Sends the watch events of a change now, or keeps them for the commit of its transaction. */
    private void fire(NodeView v, Event e) {
        if (v instanceof Transaction t) {
            t.queueEvent(e.path(), e.exact());
            return;
        }
        for (Connection c : connections) {
            if (c.watches.isEmpty() || !permitted(c, e.path(), e.perms(), e.oldPerms())) {
                continue;
            }
            for (Connection.Watch w : c.watches) {
                if (e.exact() ? e.path().equals(w.path()) : isChild(e.path(), w.path())) {
                    c.sendEvent(w, e.path().substring(w.prefixLength()));
                }
            }
        }
    }

    /** Fires {@code @introduceDomain} or {@code @releaseDomain} for the watches on exactly that name. */
    synchronized void fireSpecial(String name) {
        Node n = tree.get(name);
        fire(tree, new Event(name, true, n == null ? null : n.perms(), null));
    }

    // ---- transactions ----

    private byte[] transactionStart(Connection c, Transaction current) {
        if (current != null) {
            throw new XsError("EBUSY");
        }
        if (!c.privileged && c.transactions.size() > QUOTA_TRANSACTIONS) { // C xenstored's comparison
            throw ENOSPC;
        }
        int id = c.newTransactionId();
        c.transactions.put(id, new Transaction(id, tree, c.privileged ? 0 : QUOTA_TRANSACTION_NODES));
        return ascii(Integer.toUnsignedString(id) + "\0");
    }

    private byte[] transactionEnd(Connection c, Transaction t, String arg) {
        if (arg == null || !(arg.equals("T") || arg.equals("F"))) {
            throw EINVAL;
        }
        if (t == null) {
            throw ENOENT;
        }
        c.transactions.remove(t.id);
        if (arg.equals("T")) {
            if (t.failed()) {
                throw new XsError("ENOMEM"); // C xenstored's answer for a transaction it marked failed
            }
            if (t.conflicts()) {
                throw new XsError("EAGAIN");
            }
            for (Event e : t.commit()) {
                fire(tree, e);
            }
        }
        return Wire.OK;
    }

    // ---- domains and control ----

    private byte[] introduce(byte[] p, int len) {
        if (countNuls(p, len) < 3) {
            throw EINVAL;
        }
        String[] args = strings(p, len);
        int domid = atoi(args[0]);
        long mfn;
        try {
            mfn = Long.parseLong(args[1].trim());
        } catch (NumberFormatException e) {
            throw EINVAL;
        }
        int port = atoi(args[2]);
        try {
            domains.introduce(domid, mfn, port);
        } catch (XsException e) {
            throw new XsError(e.error());
        }
        return Wire.OK;
    }

    private byte[] setTarget(byte[] p, int len) {
        if (countNuls(p, len) < 2) {
            throw EINVAL;
        }
        String[] args = strings(p, len);
        Connection c = domains.connectionOf(atoi(args[0]));
        int target = atoi(args[1]);
        if (c == null || domains.connectionOf(target) == null) {
            throw ENOENT;
        }
        c.target = target;
        return Wire.OK;
    }

    private byte[] control(byte[] p, int len) {
        String[] args = strings(p, len);
        if (args.length == 0) {
            throw EINVAL;
        }
        return switch (args[0]) {
            case "check", "log" -> Wire.OK;
            case "print" -> {
                LOG.log(System.Logger.Level.INFO, args.length > 1 ? args[1] : "");
                yield Wire.OK;
            }
            case "help" -> ascii("check\nlog [on|off]\nprint <string>\nhelp\n\0");
            default -> throw EINVAL;
        };
    }

    /** The domid argument of RELEASE and RESUME: EINVAL for a malformed one or for dom0 itself. */
    private static int otherDomain(byte[] p, int len) {
        int domid = atoi(oneArg(p, len));
        if (domid == 0) {
            throw EINVAL;
        }
        return domid;
    }

    // ---- payload parsing ----

    /** The payload as one nul-terminated string, or null when it is not exactly that. */
    static String oneArg(byte[] p, int len) {
        if (len == 0 || indexOfNul(p, 0, len) != len - 1) {
            return null;
        }
        return new String(p, 0, len - 1, StandardCharsets.ISO_8859_1);
    }

    static int indexOfNul(byte[] p, int from, int len) {
        for (int i = from; i < len; i++) {
            if (p[i] == 0) {
                return i;
            }
        }
        return -1;
    }

    static int countNuls(byte[] p, int len) {
        int n = 0;
        for (int i = 0; i < len; i++) {
            if (p[i] == 0) {
                n++;
            }
        }
        return n;
    }

    /** The nul-terminated strings of a payload (bytes after the last nul are ignored). */
    static String[] strings(byte[] p, int len) {
        String[] out = new String[countNuls(p, len)];
        int start = 0;
        for (int i = 0, k = 0; i < len; i++) {
            if (p[i] == 0) {
                out[k++] = new String(p, start, i - start, StandardCharsets.ISO_8859_1);
                start = i + 1;
            }
        }
        return out;
    }

    /** C's atoi: optional blanks and sign, then digits; 0 when there are none. */
    static int atoi(String s) {
        if (s == null) {
            throw EINVAL;
        }
        int i = 0;
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
        boolean negative = false;
        if (i < s.length() && (s.charAt(i) == '-' || s.charAt(i) == '+')) {
            negative = s.charAt(i) == '-';
            i++;
        }
        long v = 0;
        while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9' && v < 1L << 40) {
            v = v * 10 + (s.charAt(i++) - '0');
        }
        return (int) (negative ? -v : v);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }
}
