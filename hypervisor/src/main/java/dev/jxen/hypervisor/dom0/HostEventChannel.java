package dev.jxen.hypervisor.dom0;

import dev.jxen.abi.XenErrno;
import dev.jxen.hypervisor.Domain;
import dev.jxen.hypervisor.Hypervisor;

/**
 * The control domain's end of an event channel to a guest, as libxenevtchn's
 * {@code xenevtchn_bind_interdomain} gives a backend: the guest's port is one it holds unbound
 * for domain 0 (the store and console channels the toolstack allocates). The guest's sends run
 * {@code onNotify} on the sending vCPU's thread, so it must only hand work on (wake a thread,
 * set a flag); {@link #notifyGuest()} raises the guest's port.
 */
public final class HostEventChannel implements AutoCloseable {
    private final Domain domain;
    private final int port;
    private volatile boolean closed;

    private HostEventChannel(Domain domain, int port) {
        this.domain = domain;
        this.port = port;
    }

    /**
     * Binds to {@code port} of domain {@code domid}.
     *
     * @throws Dom0Exception ESRCH when there is no such domain, EINVAL when the port is not
     *     unbound to domain 0
     */
    public static HostEventChannel bind(Hypervisor hypervisor, int domid, int port, Runnable onNotify) {
        Domain d = hypervisor.domain(domid)
                .orElseThrow(() -> new Dom0Exception(XenErrno.ESRCH, "no domain " + domid));
        HostEventChannel channel = new HostEventChannel(d, port);
        int rc = d.bindBackendPort(port, () -> {
            if (!channel.closed) {
                onNotify.run();
            }
        });
        if (rc != 0) {
            throw new Dom0Exception(-rc, "domain " + domid + " port " + port + " is not unbound to domain 0");
        }
        return channel;
    }

    public int domid() {
        return domain.id();
    }

    /** The guest's port. */
    public int port() {
        return port;
    }

    /** Raises the guest's port (safe from any thread). */
    public void notifyGuest() {
        if (!closed) {
            domain.notifyPort(port);
        }
    }

    @Override
    public void close() {
        closed = true;
        domain.unbindBackendPort(port);
    }
}
