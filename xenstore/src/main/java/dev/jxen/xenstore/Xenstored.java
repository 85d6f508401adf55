package dev.jxen.xenstore;

import dev.jxen.hypervisor.Hypervisor;
import dev.jxen.hypervisor.dom0.Dom0Exception;
import dev.jxen.hypervisor.dom0.ForeignMemory;
import dev.jxen.hypervisor.dom0.HostEventChannel;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Set;

/**
 * xenstored: the store, served to domains over their ring page and event channel, to tools over a
 * unix socket, and in-process to the toolstack ({@link #dom0()}). It uses only the dom0 API
 * (foreign memory, event channels), as the real daemon uses only what a dom0 process has.
 */
public final class Xenstored implements AutoCloseable {
    public static final String INTRODUCE_DOMAIN = "@introduceDomain";
    public static final String RELEASE_DOMAIN = "@releaseDomain";
    /** The first domid Xen reserves (DOMID_FIRST_RESERVED). */
    private static final int DOMID_FIRST_RESERVED = 0x7FF0;
    /** Errno names the wire protocol has (xsd_errors); anything else is sent as EINVAL. */
    private static final Set<String> WIRE_ERRORS = Set.of("EINVAL", "EACCES", "EEXIST", "EISDIR", "ENOENT",
            "ENOMEM", "ENOSPC", "EIO", "ENOTEMPTY", "ENOSYS", "EROFS", "EBUSY", "EAGAIN", "EISCONN", "E2BIG", "EPERM");

    private final Hypervisor hypervisor;
    private final Core core;
    /** Introduced domains; guarded by {@link #core}. */
    private final HashMap<Integer, RingConnection> domains = new HashMap<>();
    private final XsClient dom0;
    private final List<XsClient> clients = new ArrayList<>();
    private SocketServer socket;

    /** A store serving {@code hypervisor}'s domains (null: a store for tools and tests only, which cannot introduce domains). */
    public Xenstored(Hypervisor hypervisor) {
        this.hypervisor = hypervisor;
        this.core = new Core(new Core.Domains() {
            @Override
            public void introduce(int domid, long mfn, int port) {
                introduceDomain(domid, mfn, port);
            }

            @Override
            public void release(int domid) {
                releaseDomain(domid);
            }

            @Override
            public boolean isIntroduced(int domid) {
                return domains.containsKey(domid);
            }

            @Override
            public void resume(int domid) {
                RingConnection c = domains.get(domid);
                if (c == null) {
                    throw new XsError("ENOENT");
                }
                c.shutdownReported = false;
            }

            @Override
            public Connection connectionOf(int domid) {
                return domains.get(domid);
            }

            @Override
            public boolean exists(int domid) {
                return hypervisor == null || domid == 0 || domains.containsKey(domid)
                        || hypervisor.domain(domid).isPresent();
            }
        });
        this.dom0 = new XsClient(core);
    }

    /** The in-process privileged client (domain 0). */
    public XsClient dom0() {
        return dom0;
    }

    /** Another in-process privileged client, with watches and transactions of its own. */
    public XsClient openClient() {
        XsClient c = new XsClient(core);
        synchronized (core) {
            clients.add(c);
        }
        return c;
    }

    /**
     * As XS_INTRODUCE: maps the domain's store page ({@code storeMfn}), binds its store event
     * channel ({@code storePort}, unbound for domain 0), serves the ring and fires
     * {@code @introduceDomain}. Introducing a domain again resets its connection as C xenstored does
     * for a guest that restarted: its watches, transactions and pending output are dropped, the ring
     * indices zeroed and the event channel rebound to {@code storePort}; the page stays the one
     * mapped first ({@code storeMfn} is not looked at, as C ignores the gfn) and no
     * {@code @introduceDomain} fires.
     *
     * @throws XsException EINVAL for a bad domid, page or port
     */
    public void introduceDomain(int domid, long storeMfn, int storePort) {
        synchronized (core) {
            if (hypervisor == null) {
                throw new XsException("EINVAL", "this xenstored has no hypervisor to serve domains on");
            }
            if (domid <= 0 || domid >= DOMID_FIRST_RESERVED) {
                throw new XsException("EINVAL", "domain " + domid + " cannot be introduced");
            }
            if (storePort == 0) {
                throw new XsException("EINVAL", "event channel port 0");
            }
            RingConnection existing = domains.get(domid);
            if (existing != null) {
                HostEventChannel rebound = null;
                try {
                    existing.stopListening();
                    rebound = HostEventChannel.bind(hypervisor, domid, storePort, existing::wake);
                } catch (Dom0Exception e) {
                    // C xenstored carries on with no port: the guest is answered once it is introduced again.
                    System.getLogger("dev.jxen.xenstore").log(System.Logger.Level.WARNING,
                            "xenstored: domain " + domid + ": cannot rebind port " + storePort + ": " + e.getMessage());
                }
                existing.reintroduce(rebound, rebound == null ? 0 : storePort);
                return;
            }
            MemorySegment page;
            RingConnection ring;
            HostEventChannel channel;
            try {
                page = new ForeignMemory(hypervisor).map(domid, storeMfn);
                ring = new RingConnection(domid, storeMfn, storePort, page, core);
                channel = HostEventChannel.bind(hypervisor, domid, storePort, ring::wake);
            } catch (Dom0Exception e) {
                String name = dev.jxen.abi.XenErrno.name(e.errno());
                throw new XsException(WIRE_ERRORS.contains(name) ? name : "EINVAL", e.getMessage());
            }
            core.add(ring);
            domains.put(domid, ring);
            ring.start(channel);
            core.fireSpecial(INTRODUCE_DOMAIN);
        }
    }

    /**
     * As XS_RELEASE: stops serving the domain, drops its watches and transactions, removes every node
     * it owns (as C xenstored does since XSA-322, so a later domain with its id inherits nothing) and
     * fires {@code @releaseDomain}.
     *
     * @throws XsException ENOENT when it is not introduced
     */
    public void releaseDomain(int domid) {
        RingConnection ring;
        synchronized (core) {
            ring = domains.remove(domid);
            if (ring == null) {
                throw new XsException("ENOENT", "domain " + domid + " is not introduced");
            }
            core.remove(ring);
            core.removeNodesOwnedBy(domid);
            core.dropPermissionEntriesOf(domid);
            core.fireSpecial(RELEASE_DOMAIN);
        }
        ring.stop();
    }

    /**
     * Fires {@code @releaseDomain} for a domain that has shut down (C xenstored learns this from
     * VIRQ_DOM_EXC); once per domain until RESUME.
     */
    public void domainShutdown(int domid) {
        synchronized (core) {
            RingConnection ring = domains.get(domid);
            if (ring != null && !ring.shutdownReported) {
                ring.shutdownReported = true;
                core.fireSpecial(RELEASE_DOMAIN);
            }
        }
    }

    public boolean isIntroduced(int domid) {
        synchronized (core) {
            return domains.containsKey(domid);
        }
    }

    /**
     * Why a domain's ring was stopped (a bad index, an oversized request), or null while it is
     * served or when it is not introduced.
     */
    public String ringFailure(int domid) {
        synchronized (core) {
            RingConnection ring = domains.get(domid);
            return ring == null ? null : ring.failure();
        }
    }

    /**
     * Serves the unix socket at {@code unixSocket} (removing a stale socket file first); tools such as
     * Debian's xenstore-read use it with {@code XENSTORED_PATH}. {@link #close()} removes it.
     */
    public synchronized void listen(Path unixSocket) throws IOException {
        synchronized (core) {
            if (socket != null) {
                throw new IllegalStateException("xenstored already listens on a socket");
            }
        }
        SocketServer s = new SocketServer(core, unixSocket);
        synchronized (core) {
            socket = s;
        }
    }

    Core core() {
        return core;
    }

    RingConnection ring(int domid) {
        synchronized (core) {
            return domains.get(domid);
        }
    }

    /** Stops serving: the socket (its file removed), every domain's ring and every client. */
    @Override
    public void close() {
        SocketServer s;
        List<RingConnection> rings;
        List<XsClient> open;
        synchronized (core) {
            s = socket;
            socket = null;
            rings = new ArrayList<>(domains.values());
            domains.clear();
            for (RingConnection r : rings) {
                core.remove(r);
            }
            open = new ArrayList<>(clients);
            clients.clear();
        }
        if (s != null) {
            s.close();
        }
        for (RingConnection r : rings) {
            r.stop();
        }
        for (XsClient c : open) {
            c.close();
        }
        dom0.close();
    }
}
