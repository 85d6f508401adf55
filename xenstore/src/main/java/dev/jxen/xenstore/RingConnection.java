package dev.jxen.xenstore;

import dev.jxen.hypervisor.dom0.HostEventChannel;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.ArrayDeque;
import java.util.concurrent.Semaphore;

/**
 * A domain's connection: the xenstore ring page (io/xs_wire.h {@code xenstore_domain_interface}:
 * {@code req[1024] rsp[1024] req_cons req_prod rsp_cons rsp_prod server_features connection error})
 * and its event channel, served by one virtual thread. Messages may arrive and leave in pieces and
 * across the ring's wrap. The guest's indices are read afresh each time and checked: a ring whose
 * indices say more than 1024 bytes are in flight, or a request longer than 4096 bytes, stops the
 * connection with the page's {@code error} field set, as C xenstored does; nothing a guest writes can
 * hang or stop xenstored.
 */
final class RingConnection extends Connection {
    static final int RING = 1024;
    static final int REQ = 0, RSP = 1024, REQ_CONS = 2048, REQ_PROD = 2052, RSP_CONS = 2056, RSP_PROD = 2060,
            SERVER_FEATURES = 2064, CONNECTION = 2068, ERROR = 2072;
    static final int FEATURE_RECONNECTION = 1, FEATURE_ERROR = 2;
    static final int RECONNECT = 1;
    static final int ERROR_COMM = 1, ERROR_RINGIDX = 2, ERROR_PROTO = 3;
    /** Replies waiting for ring space before we stop reading requests (C xenstored's outstanding-requests quota is 20). */
    private static final int MAX_PENDING = 20;
    /** Queued bytes above which further watch events are dropped, as C xenstored's memory quota does. */
    private static final int MAX_QUEUED_BYTES = 256 * 1024;
    private static final System.Logger LOG = System.getLogger("dev.jxen.xenstore");
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;

    final long mfn;
    /** The guest's store port; 0 after a re-introduction could not bind the new one (as C xenstored). */
    volatile int port;
    private final MemorySegment page;
    private final Core core;
    private volatile HostEventChannel channel;
    /** Resets asked for by a re-introduction (under the core's lock) and done by the serving thread (likewise). */
    private volatile int resetsAsked;
    private int resetsDone;
    private final Semaphore wake = new Semaphore(0);
    private final ArrayDeque<byte[]> out = new ArrayDeque<>();
    private int outOffset;
    private int queuedBytes;
    private final byte[] header = new byte[Wire.HEADER];
    private int headerUsed;
    /** The current request's payload, reused for every request (the core copies what it keeps). */
    private final byte[] body = new byte[Wire.PAYLOAD_MAX];
    private int bodyLength;
    private int bodyUsed;
    private volatile boolean stopped;
    private volatile String failure;
    private Thread thread;
    /** Whether @releaseDomain has fired for this domain's shutdown (RESUME clears it). */
    boolean shutdownReported;

    RingConnection(int domid, long mfn, int port, MemorySegment page, Core core) {
        super(domid, false);
        this.mfn = mfn;
        this.port = port;
        this.page = page;
        this.core = core;
    }

    /** Starts serving on {@code eventChannel} (bound with {@link #wake()} as its handler). */
    void start(HostEventChannel eventChannel) {
        this.channel = eventChannel;
        page.set(INT, SERVER_FEATURES, page.get(INT, SERVER_FEATURES) | FEATURE_RECONNECTION | FEATURE_ERROR);
        // No event now: as C xenstored, the guest hears from us only once it has asked something
        // (a guest without an event callback would crash on an unexpected upcall).
        thread = Thread.ofVirtual().name("xenstored-dom" + domid).start(this::serve);
    }

    /** The event channel's handler: runs on the guest's vCPU thread, so it only wakes the server. */
    void wake() {
        wake.release();
    }

    /** Why the connection stopped serving, or null while it serves. */
    String failure() {
        return failure;
    }

    void stop() {
        stopped = true;
        wake.release();
        HostEventChannel ch = channel;
        if (ch != null) {
            ch.close();
        }
        if (thread != null && Thread.currentThread() != thread && !Thread.holdsLock(core)) {
            try {
                thread.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void serve() {
        while (!stopped) {
            boolean progress;
            try {
                progress = service();
            } catch (BadRing e) {
                fail(e.code, e.getMessage());
                return;
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "xenstored: domain " + domid + ": " + e, e);
                fail(ERROR_COMM, e.toString());
                return;
            }
            if (progress) {
                notifyGuest();
                continue;
            }
            wake.acquireUninterruptibly();
            wake.drainPermits();
        }
    }

    /** Stops serving the ring: as C xenstored ignoring a connection, it forgets its watches, transactions and output. */
    private void fail(int code, String why) {
        failure = why;
        synchronized (core) {
            forgetWatchesAndTransactions();
        }
        dropOutput();
        page.set(INT, ERROR, code);
        LOG.log(System.Logger.Level.WARNING, "xenstored: domain " + domid + ": " + why + "; its ring is ignored");
        if (!stopped) {
            notifyGuest();
        }
        synchronized (core) {
            core.notifyAll(); // a re-introduction waiting for this thread stops waiting
        }
    }

    private void notifyGuest() {
        HostEventChannel ch = channel;
        if (ch != null) {
            ch.notifyGuest();
        }
    }

    /**
     * XS_INTRODUCE of a domain already introduced (a guest that restarted its xenbus, a soft reset): as
     * C xenstored, serve the ring on {@code newChannel} from now on (null when the new port could not
     * be bound), forget the connection's watches, transactions, queued output and partial request,
     * and zero the four ring indices. The page stays the one mapped at the first introduction. Called
     * with the core's lock held, after {@link #stopListening()} (the caller unbinds the old port
     * before binding the new one, which may be the same); returns once the serving thread has reset
     * the ring, so nothing the guest writes after the reply is lost to the reset.
     */
    void reintroduce(HostEventChannel newChannel, int newPort) {
        channel = newChannel;
        port = newPort;
        forgetWatchesAndTransactions();
        if (failure != null || thread == null) {
            zeroIndices(); // no serving thread to race with; an ignored ring stays ignored, as in C
            return;
        }
        int asked = ++resetsAsked;
        wake.release();
        long deadline = System.nanoTime() + 2_000_000_000L;
        try {
            while (resetsDone - asked < 0 && failure == null && !stopped) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    LOG.log(System.Logger.Level.WARNING, "xenstored: domain " + domid + ": ring reset not confirmed");
                    return;
                }
                core.wait(Math.max(1, left / 1_000_000)); // releases the core's lock for the serving thread
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Unbinds the current event channel (so the same port can be bound again). */
    void stopListening() {
        HostEventChannel old = channel;
        channel = null;
        if (old != null) {
            old.close();
        }
    }

    /** On the serving thread: does a reset a re-introduction asked for. */
    private boolean resetIfAsked() {
        int asked = resetsAsked;
        if (asked == resetsDone) {
            return false;
        }
        dropOutput();
        dropPartialRequest();
        zeroIndices();
        if (page.get(INT, CONNECTION) == RECONNECT) {
            page.set(INT, CONNECTION, 0); // the guest waited for us: tell it the store is back
            notifyGuest();
        }
        synchronized (core) {
            resetsDone = asked;
            core.notifyAll();
        }
        return true;
    }

    /** Forgets the replies and events not yet written to the ring. */
    private void dropOutput() {
        synchronized (out) {
            out.clear();
            outOffset = 0;
            queuedBytes = 0;
        }
    }

    private void dropPartialRequest() {
        headerUsed = 0;
    }

    private void zeroIndices() {
        page.set(INT, REQ_CONS, 0);
        page.set(INT, REQ_PROD, 0);
        page.set(INT, RSP_CONS, 0);
        page.set(INT, RSP_PROD, 0);
        VarHandle.fullFence();
    }

    /** One round: reconnect requests, replies out, requests in. True when anything moved. */
    private boolean service() {
        boolean progress = resetIfAsked();
        if (page.get(INT, CONNECTION) == RECONNECT) {
            reconnect();
            progress = true;
        }
        progress |= writeOut();
        while (!stopped && pending() < MAX_PENDING && readIn()) {
            progress = true;
            writeOut();
        }
        return progress;
    }

    private int pending() {
        synchronized (out) {
            return out.size();
        }
    }

    /** The guest asked to start over (xs_wire.h RECONNECT): forget everything of this connection. */
    private void reconnect() {
        synchronized (core) {
            forgetWatchesAndTransactions();
        }
        dropOutput();
        dropPartialRequest();
        page.set(INT, ERROR, 0);
        zeroIndices();
        page.set(INT, CONNECTION, 0);
    }

    /** Takes what there is of the current request from the ring; handles it once complete. */
    private boolean readIn() {
        int cons = page.get(INT, REQ_CONS);
        int prod = page.get(INT, REQ_PROD);
        VarHandle.acquireFence(); // the bytes are read after the index that covers them
        int avail = prod - cons;
        if (Integer.compareUnsigned(avail, RING) > 0) {
            throw new BadRing(ERROR_RINGIDX, "request ring indices cons " + Integer.toUnsignedString(cons)
                    + " prod " + Integer.toUnsignedString(prod));
        }
        if (avail == 0) {
            return false;
        }
        int n;
        if (headerUsed < Wire.HEADER) {
            n = Math.min(avail, Wire.HEADER - headerUsed);
            copyFromRing(cons, header, headerUsed, n);
            headerUsed += n;
            if (headerUsed == Wire.HEADER) {
                int len = Wire.le32(header, 12);
                if (Integer.compareUnsigned(len, Wire.PAYLOAD_MAX) > 0) {
                    throw new BadRing(ERROR_PROTO, "request of " + Integer.toUnsignedString(len) + " bytes");
                }
                bodyLength = len;
                bodyUsed = 0;
            }
        } else {
            n = Math.min(avail, bodyLength - bodyUsed);
            copyFromRing(cons, body, bodyUsed, n);
            bodyUsed += n;
        }
        VarHandle.fullFence(); // our reads are done before the guest may reuse the space
        page.set(INT, REQ_CONS, cons + n);
        if (headerUsed == Wire.HEADER && bodyUsed == bodyLength) {
            headerUsed = 0;
            core.handle(this, Wire.le32(header, 0), Wire.le32(header, 4), Wire.le32(header, 8), body, bodyLength);
            resetIfAsked(); // a re-introduction while this request waited for the lock: its reply is dropped, as in C
        }
        return true;
    }

    /** Copies queued messages into the response ring as far as there is room. */
    private boolean writeOut() {
        boolean progress = false;
        synchronized (out) {
            while (!out.isEmpty()) {
                int cons = page.get(INT, RSP_CONS);
                int prod = page.get(INT, RSP_PROD);
                VarHandle.acquireFence();
                int used = prod - cons;
                if (Integer.compareUnsigned(used, RING) > 0) {
                    throw new BadRing(ERROR_RINGIDX, "response ring indices cons " + Integer.toUnsignedString(cons)
                            + " prod " + Integer.toUnsignedString(prod));
                }
                int space = RING - used;
                if (space == 0) {
                    break;
                }
                byte[] m = out.peek();
                int n = Math.min(space, m.length - outOffset);
                copyToRing(prod, m, outOffset, n);
                VarHandle.releaseFence(); // the bytes are visible before the index that publishes them
                page.set(INT, RSP_PROD, prod + n);
                progress = true;
                outOffset += n;
                if (outOffset == m.length) {
                    out.poll();
                    outOffset = 0;
                    queuedBytes -= m.length;
                }
            }
        }
        return progress;
    }

    private void copyFromRing(int index, byte[] dst, int off, int n) {
        int start = index & (RING - 1);
        int first = Math.min(n, RING - start);
        MemorySegment.copy(page, ValueLayout.JAVA_BYTE, REQ + start, dst, off, first);
        if (n > first) {
            MemorySegment.copy(page, ValueLayout.JAVA_BYTE, REQ, dst, off + first, n - first);
        }
    }

    private void copyToRing(int index, byte[] src, int off, int n) {
        int start = index & (RING - 1);
        int first = Math.min(n, RING - start);
        MemorySegment.copy(src, off, page, ValueLayout.JAVA_BYTE, RSP + start, first);
        if (n > first) {
            MemorySegment.copy(src, off + first, page, ValueLayout.JAVA_BYTE, RSP, n - first);
        }
    }

    @Override
    void queueReply(byte[] message) {
        synchronized (out) {
            out.add(message);
            queuedBytes += message.length;
        }
        // The serving thread sends it after handling the request.
    }

    @Override
    void sendEvent(Watch watch, String path) {
        byte[] m = Wire.event(path, watch.token());
        if (m.length - Wire.HEADER > Wire.PAYLOAD_MAX) {
            return;
        }
        synchronized (out) {
            if (queuedBytes + m.length > MAX_QUEUED_BYTES) {
                return; // the guest is not reading its ring: drop, as C xenstored does over quota
            }
            if (Wire.duplicateEvent(out, m)) {
                return;
            }
            out.add(m);
            queuedBytes += m.length;
        }
        wake.release();
    }

    /** A ring a guest broke, with the xs_wire.h error code to leave in the page. */
    private static final class BadRing extends RuntimeException {
        final int code;

        BadRing(int code, String message) {
            super(message, null, false, false);
            this.code = code;
        }
    }
}
