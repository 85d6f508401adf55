package dev.jxen.hypervisor;

import static dev.jxen.abi.XenErrno.EEXIST;
import static dev.jxen.abi.XenErrno.EINVAL;
import static dev.jxen.abi.XenErrno.ENOENT;
import static dev.jxen.abi.XenErrno.ENOSPC;
import static dev.jxen.abi.XenErrno.ESRCH;

import dev.jxen.abi.EventChannelOp;
import dev.jxen.abi.SharedInfo;
import dev.jxen.machine.MachineMemory;

/**
 * A domain's event channels with the 2-level ABI (PV-ABI.md §7): port states and bindings here,
 * pending and mask bits in shared_info, pending_sel and upcall_pending in the notified vCPU's
 * vcpu_info. Port 0 is never allocated.
 *
 * <p>Bindings are guarded by this object's lock. The bits in guest memory are written only on the
 * notified vCPU's own thread (or before it starts): events raised elsewhere are posted to it, so
 * the hypervisor never races the guest's locked bit operations from another host thread.
 */
final class EventChannels {
    static final int NR_PORTS = SharedInfo.EVTCHN_2L_NR_CHANNELS;

    private final Domain domain;
    private final int[] state = new int[NR_PORTS];
    private final int[] remoteDom = new int[NR_PORTS];
    private final int[] remotePort = new int[NR_PORTS];
    private final int[] virqOf = new int[NR_PORTS];
    private final int[] notifyVcpu = new int[NR_PORTS];
    private final int[][] virqPort;
    /** Hypervisor-side backends (the console) listening on an unbound port. */
    private final Runnable[] hostListener = new Runnable[NR_PORTS];

    EventChannels(Domain domain) {
        this.domain = domain;
        this.virqPort = new int[32][EventChannelOp.NR_VIRQS];
    }

    private boolean validPort(int port) {
        return port > 0 && port < NR_PORTS;
    }

    private int freePort() {
        for (int p = 1; p < NR_PORTS; p++) {
            if (state[p] == EventChannelOp.STAT_CLOSED && hostListener[p] == null) {
                return p;
            }
        }
        return -ENOSPC;
    }

    synchronized int allocUnbound(int remoteDomid) {
        int p = freePort();
        if (p < 0) {
            return p;
        }
        state[p] = EventChannelOp.STAT_UNBOUND;
        remoteDom[p] = remoteDomid;
        notifyVcpu[p] = 0;
        return p;
    }

    /** Connects a new local port to {@code remoteDomid}'s unbound {@code rport}; returns the local port. */
    int bindInterdomain(int remoteDomid, int rport) {
        Domain remote = remoteDomid == domain.id() ? domain : domain.hypervisor().domain(remoteDomid).orElse(null);
        if (remote == null) {
            return -ESRCH;
        }
        EventChannels r = remote.events;
        EventChannels first = domain.id() <= remote.id() ? this : r;
        EventChannels second = first == this ? r : this;
        synchronized (first) {
            synchronized (second) {
                if (!r.validPort(rport) || r.state[rport] != EventChannelOp.STAT_UNBOUND
                        || r.remoteDom[rport] != domain.id()) {
                    return -EINVAL;
                }
                int p = freePort();
                if (p < 0) {
                    return p;
                }
                if (r == this && p == rport) {
                    return -EINVAL;
                }
                state[p] = EventChannelOp.STAT_INTERDOMAIN;
                remoteDom[p] = remote.id();
                remotePort[p] = rport;
                notifyVcpu[p] = 0;
                r.state[rport] = EventChannelOp.STAT_INTERDOMAIN;
                r.remoteDom[rport] = domain.id();
                r.remotePort[rport] = p;
                return p;
            }
        }
    }

    synchronized int bindVirq(int virq, int vcpu) {
        if (virq < 0 || virq >= EventChannelOp.NR_VIRQS) {
            return -EINVAL;
        }
        if (!EventChannelOp.virqIsPerVcpu(virq) && vcpu != 0) {
            return -EINVAL;
        }
        if (vcpu < 0 || vcpu >= domain.vcpuCount()) {
            return -ENOENT;
        }
        if (virqPort[vcpu][virq] != 0) {
            return -EEXIST;
        }
        int p = freePort();
        if (p < 0) {
            return p;
        }
        state[p] = EventChannelOp.STAT_VIRQ;
        virqOf[p] = virq;
        notifyVcpu[p] = vcpu;
        virqPort[vcpu][virq] = p;
        return p;
    }

    synchronized int bindIpi(int vcpu) {
        if (vcpu < 0 || vcpu >= domain.vcpuCount()) {
            return -ENOENT;
        }
        int p = freePort();
        if (p < 0) {
            return p;
        }
        state[p] = EventChannelOp.STAT_IPI;
        notifyVcpu[p] = vcpu;
        return p;
    }

    int close(int port) {
        Domain peer = null;
        int peerPort = 0;
        synchronized (this) {
            if (!validPort(port) || state[port] == EventChannelOp.STAT_CLOSED) {
                return -EINVAL;
            }
            switch (state[port]) {
                case EventChannelOp.STAT_VIRQ -> virqPort[notifyVcpu[port]][virqOf[port]] = 0;
                case EventChannelOp.STAT_INTERDOMAIN -> {
                    peer = remoteDom[port] == domain.id() ? domain
                            : domain.hypervisor().domain(remoteDom[port]).orElse(null);
                    peerPort = remotePort[port];
                }
                default -> { }
            }
            state[port] = EventChannelOp.STAT_CLOSED;
            hostListener[port] = null;
        }
        if (peer != null) {
            EventChannels pe = peer.events;
            synchronized (pe) {
                if (pe.state[peerPort] == EventChannelOp.STAT_INTERDOMAIN && pe.remotePort[peerPort] == port
                        && pe.remoteDom[peerPort] == domain.id()) {
                    pe.state[peerPort] = EventChannelOp.STAT_UNBOUND;
                    pe.remoteDom[peerPort] = domain.id();
                }
            }
        }
        return 0;
    }

    int send(int port) {
        int st;
        Runnable listener;
        int rdom;
        int rport;
        synchronized (this) {
            if (!validPort(port)) {
                return -EINVAL;
            }
            st = state[port];
            listener = hostListener[port];
            rdom = remoteDom[port];
            rport = remotePort[port];
        }
        switch (st) {
            case EventChannelOp.STAT_INTERDOMAIN -> {
                Domain peer = rdom == domain.id() ? domain : domain.hypervisor().domain(rdom).orElse(null);
                if (peer != null) {
                    peer.events.raise(rport);
                }
                return 0;
            }
            case EventChannelOp.STAT_IPI -> {
                raise(port);
                return 0;
            }
            case EventChannelOp.STAT_UNBOUND -> {
                if (listener != null) {
                    listener.run();
                }
                return 0;
            }
            default -> {
                return -EINVAL;
            }
        }
    }

    /** Fills {@code out} with status, vCPU and the two union words of {@code evtchn_status}. */
    synchronized int status(int port, int[] out) {
        if (port < 0 || port >= NR_PORTS) {
            return -EINVAL;
        }
        int st = port == 0 ? EventChannelOp.STAT_CLOSED : state[port];
        out[0] = st;
        out[1] = notifyVcpu[port];
        out[2] = 0;
        out[3] = 0;
        switch (st) {
            case EventChannelOp.STAT_UNBOUND -> out[2] = remoteDom[port];
            case EventChannelOp.STAT_INTERDOMAIN -> {
                out[2] = remoteDom[port];
                out[3] = remotePort[port];
            }
            case EventChannelOp.STAT_VIRQ -> out[2] = virqOf[port];
            default -> { }
        }
        return 0;
    }

    synchronized int bindVcpu(int port, int vcpu) {
        if (!validPort(port) || state[port] == EventChannelOp.STAT_CLOSED) {
            return -EINVAL;
        }
        if (vcpu < 0 || vcpu >= domain.vcpuCount()) {
            return -ENOENT;
        }
        int st = state[port];
        boolean allowed = st == EventChannelOp.STAT_INTERDOMAIN || st == EventChannelOp.STAT_UNBOUND
                || st == EventChannelOp.STAT_VIRQ && !EventChannelOp.virqIsPerVcpu(virqOf[port]);
        if (!allowed) {
            return -EINVAL;
        }
        notifyVcpu[port] = vcpu;
        return 0;
    }

    void reset() {
        for (int p = 1; p < NR_PORTS; p++) {
            if (state[p] != EventChannelOp.STAT_CLOSED) {
                close(p);
            }
        }
    }

    /** Makes a hypervisor backend the listener for sends on unbound {@code port}. */
    synchronized void setHostListener(int port, Runnable listener) {
        if (!validPort(port)) {
            throw new IllegalArgumentException("bad port " + port);
        }
        hostListener[port] = listener;
    }

    synchronized int stateOf(int port) {
        return validPort(port) ? state[port] : EventChannelOp.STAT_CLOSED;
    }

    /** Whether a hypervisor-side backend already listens on {@code port}. */
    synchronized boolean hasHostListener(int port) {
        return validPort(port) && hostListener[port] != null;
    }

    /** The domain that may bind (unbound) or is bound (interdomain) to {@code port}. */
    synchronized int remoteDomOf(int port) {
        return validPort(port) ? remoteDom[port] : -1;
    }

    synchronized int virqPortOf(int vcpu, int virq) {
        return virqPort[vcpu][virq];
    }

    // ------------------------------------------------------------------ raising (2-level bits)

    /** Raises VIRQ {@code virq} on {@code v} if the guest bound it. */
    void raiseVirq(Vcpu v, int virq) {
        int p;
        synchronized (this) {
            p = virqPort[v.id()][virq];
        }
        if (p != 0) {
            raise(p);
        }
    }

    /** Marks {@code port} pending, from any thread. */
    void raise(int port) {
        int vcpu;
        synchronized (this) {
            vcpu = notifyVcpu[port];
        }
        Vcpu v = domain.vcpu(vcpu);
        if (v.onOwnThread()) {
            setPending(port);
        } else {
            v.post(port);
        }
    }

    private long sharedInfo() {
        return domain.sharedInfoMachineAddress();
    }

    /** The 2-level set-pending on the notified vCPU's own thread. */
    void setPending(int port) {
        MachineMemory mem = domain.machine();
        int word = port >>> 6;
        long bit = 1L << (port & 63);
        long pendingMa = sharedInfo() + SharedInfo.EVTCHN_PENDING + word * 8L;
        long pending = mem.read64(pendingMa);
        Vcpu v = domain.vcpu(notifyVcpuOf(port));
        if ((pending & bit) == 0) {
            mem.write64(pendingMa, pending | bit);
            long mask = mem.read64(sharedInfo() + SharedInfo.EVTCHN_MASK + word * 8L);
            if ((mask & bit) == 0) {
                markSelector(v, word);
            }
        }
        if (v.polling || v.blocked) {
            v.wake();
        }
    }

    private synchronized int notifyVcpuOf(int port) {
        return notifyVcpu[port];
    }

    /** Sets pending_sel bit {@code word}; on a 0->1 change sets upcall_pending. */
    private void markSelector(Vcpu v, int word) {
        MachineMemory mem = domain.machine();
        long selMa = v.vcpuInfoMa + SharedInfo.VI_PENDING_SEL;
        long sel = mem.read64(selMa);
        if ((sel & (1L << word)) == 0) {
            mem.write64(selMa, sel | (1L << word));
            mem.write8(v.vcpuInfoMa + SharedInfo.VI_UPCALL_PENDING, (byte) 1);
        }
    }

    boolean isPending(int port) {
        if (port < 0 || port >= NR_PORTS) {
            return false;
        }
        long w = domain.machine().read64(sharedInfo() + SharedInfo.EVTCHN_PENDING + (port >>> 6) * 8L);
        return (w & (1L << (port & 63))) != 0;
    }

    /** EVTCHNOP_unmask: clears the mask bit and delivers the event if it is pending. */
    int unmask(int port) {
        if (!validPort(port)) {
            return -EINVAL;
        }
        MachineMemory mem = domain.machine();
        int word = port >>> 6;
        long bit = 1L << (port & 63);
        long maskMa = sharedInfo() + SharedInfo.EVTCHN_MASK + word * 8L;
        mem.write64(maskMa, mem.read64(maskMa) & ~bit);
        if (isPending(port)) {
            markSelector(domain.vcpu(notifyVcpuOf(port)), word);
        }
        return 0;
    }
}
