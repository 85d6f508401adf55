package dev.jxen.xenstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jxen.hypervisor.Domain;
import dev.jxen.hypervisor.Hypervisor;
import dev.jxen.machine.MachineMemory;
import dev.jxen.x86.X86Engine;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The guest ring transport with a real hypervisor domain whose vCPUs never run: the test plays the
 * guest's xenbus driver on the store page (io/xs_wire.h), including a hostile one.
 */
class RingTest {
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;

    private MachineMemory memory;
    private Hypervisor hv;
    private Xenstored xs;

    @BeforeEach
    void setUp() {
        memory = MachineMemory.allocate(64L << 20);
        hv = new Hypervisor(memory, new X86Engine());
        xs = new Xenstored(hv);
    }

    @AfterEach
    void tearDown() {
        xs.close();
        hv.close();
        memory.close();
    }

    /** The guest's side of a store ring. */
    private final class GuestRing {
        final Domain domain;
        final long mfn;
        final int port;
        final MemorySegment page;
        private int reqId = 100;

        GuestRing(String name, int startIndex) {
            domain = hv.createDomain(name, 64);
            mfn = domain.mfn(5);
            port = domain.allocateUnboundPort(0);
            page = memory.frame(mfn);
            page.fill((byte) 0);
            page.set(INT, RingConnection.REQ_CONS, startIndex);
            page.set(INT, RingConnection.REQ_PROD, startIndex);
            page.set(INT, RingConnection.RSP_CONS, startIndex);
            page.set(INT, RingConnection.RSP_PROD, startIndex);
        }

        int domid() {
            return domain.id();
        }

        void introduce() {
            xs.introduceDomain(domid(), mfn, port);
        }

        /** As the guest's EVTCHNOP_send on the store port. */
        void kick() {
            xs.ring(domid()).wake();
        }

        void putBytes(byte[] b, int off, int len) {
            int prod = page.get(INT, RingConnection.REQ_PROD);
            for (int i = 0; i < len; i++) {
                page.set(ValueLayout.JAVA_BYTE, RingConnection.REQ + ((prod + i) & 1023), b[off + i]);
            }
            page.set(INT, RingConnection.REQ_PROD, prod + len);
            kick();
        }

        /** Sends a whole request, waiting for ring space as a driver does. */
        int send(int type, int txId, byte[] payload) throws InterruptedException {
            byte[] m = Wire.message(type, ++reqId, txId, payload);
            int off = 0;
            while (off < m.length) {
                int space = 1024 - (page.get(INT, RingConnection.REQ_PROD) - page.get(INT, RingConnection.REQ_CONS));
                int n = Math.min(space, m.length - off);
                if (n > 0) {
                    putBytes(m, off, n);
                    off += n;
                } else {
                    Thread.sleep(1);
                }
            }
            return reqId;
        }

        int send(int type, String... args) throws InterruptedException {
            StringBuilder b = new StringBuilder();
            for (String a : args) {
                b.append(a).append('\0');
            }
            return send(type, 0, b.toString().getBytes(StandardCharsets.ISO_8859_1));
        }

        private final ByteArrayOutputStream received = new ByteArrayOutputStream();

        /** The next whole message from the response ring (consumed in whatever pieces the ring holds). */
        byte[] receive() throws InterruptedException {
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (true) {
                byte[] have = received.toByteArray();
                if (have.length >= Wire.HEADER && have.length >= Wire.HEADER + Wire.le32(have, 12)) {
                    int len = Wire.HEADER + Wire.le32(have, 12);
                    byte[] m = java.util.Arrays.copyOf(have, len);
                    received.reset();
                    received.write(have, len, have.length - len);
                    return m;
                }
                int cons = page.get(INT, RingConnection.RSP_CONS);
                int prod = page.get(INT, RingConnection.RSP_PROD);
                if (prod == cons) {
                    if (System.nanoTime() > deadline) {
                        throw new AssertionError("no reply from xenstored; error field "
                                + page.get(INT, RingConnection.ERROR) + ", failure " + xs.ringFailure(domid()));
                    }
                    Thread.sleep(1);
                    continue;
                }
                for (int i = cons; i != prod; i++) {
                    received.write(page.get(ValueLayout.JAVA_BYTE, RingConnection.RSP + (i & 1023)));
                }
                page.set(INT, RingConnection.RSP_CONS, prod);
                kick(); // room again for the rest
            }
        }

        /** A reply's type and payload as "TYPE:payload" with nuls shown as '|'. */
        String reply() throws InterruptedException {
            byte[] m = receive();
            return Wire.le32(m, 0) + ":" + new String(m, Wire.HEADER, m.length - Wire.HEADER, StandardCharsets.ISO_8859_1)
                    .replace('\0', '|');
        }
    }

    private GuestRing introducedGuest(int startIndex) {
        GuestRing g = new GuestRing("guest", startIndex);
        XsClient c = xs.dom0();
        String home = "/local/domain/" + g.domid();
        c.mkdir(home);
        c.setPerms(home, XsPermission.none(0), XsPermission.read(g.domid()));
        c.write(home + "/name", "guest");
        c.mkdir(home + "/data");
        c.setPerms(home + "/data", XsPermission.none(g.domid()));
        g.introduce();
        return g;
    }

    @Test
    void aGuestReadsAndWritesOverItsRing() throws Exception {
        GuestRing g = introducedGuest(0);
        assertThat(g.page.get(INT, RingConnection.SERVER_FEATURES))
                .isEqualTo(RingConnection.FEATURE_RECONNECTION | RingConnection.FEATURE_ERROR);
        int id = g.send(Wire.READ, "name");
        byte[] m = g.receive();
        assertThat(Wire.le32(m, 4)).as("req_id echoed").isEqualTo(id);
        assertThat(new String(m, Wire.HEADER, m.length - Wire.HEADER)).isEqualTo("guest");
        g.send(Wire.WRITE, 0, "data/k\0hello".getBytes());
        assertThat(g.reply()).isEqualTo(Wire.WRITE + ":OK|");
        assertThat(xs.dom0().read("/local/domain/" + g.domid() + "/data/k")).isEqualTo("hello");
        g.send(Wire.READ, "/local/domain/0/secret");
        assertThat(g.reply()).isEqualTo(Wire.ERROR + ":EACCES|");
    }

    @Test
    void messagesCrossTheRingsWrapAndTheIndicesOverflowAndArriveInPieces() throws Exception {
        GuestRing g = introducedGuest(0xFFFF_FFF0); // 16 bytes before both the ring's wrap and 2^32
        byte[] m = Wire.message(Wire.WRITE, 42, 0, "data/piece\0by piece".getBytes());
        for (int off = 0; off < m.length; off += 3) {
            g.putBytes(m, off, Math.min(3, m.length - off));
            Thread.sleep(1);
        }
        byte[] r = g.receive();
        assertThat(Wire.le32(r, 4)).isEqualTo(42);
        assertThat(xs.dom0().read("/local/domain/" + g.domid() + "/data/piece")).isEqualTo("by piece");
        assertThat(g.page.get(INT, RingConnection.REQ_CONS)).isEqualTo(0xFFFF_FFF0 + m.length);
    }

    @Test
    void aReplyLargerThanTheRingIsDeliveredInPiecesAsTheGuestReads() throws Exception {
        GuestRing g = introducedGuest(0);
        String big = "v".repeat(3000);
        xs.dom0().write("/local/domain/" + g.domid() + "/data/big", big);
        g.send(Wire.READ, "data/big");
        assertThat(g.reply()).isEqualTo(Wire.READ + ":" + big);
        // Many requests at once: all answered in order.
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            ids.add(g.send(Wire.READ, "name"));
        }
        for (int id : ids) {
            assertThat(Wire.le32(g.receive(), 4)).isEqualTo(id);
        }
    }

    @Test
    void watchEventsReachTheGuestAndIntroduceAndReleaseFireTheSpecialWatches() throws Exception {
        List<String> special = new CopyOnWriteArrayList<>();
        xs.dom0().watch(Xenstored.INTRODUCE_DOMAIN, "i", (p, t) -> special.add(p));
        xs.dom0().watch(Xenstored.RELEASE_DOMAIN, "r", (p, t) -> special.add(p));
        StoreTest.await(special, 2);
        GuestRing g = introducedGuest(0);
        StoreTest.await(special, 3);
        assertThat(special).containsExactly("@introduceDomain", "@releaseDomain", "@introduceDomain");
        g.send(Wire.WATCH, "data", "tok");
        assertThat(g.reply()).isEqualTo(Wire.WATCH + ":OK|");
        assertThat(g.reply()).isEqualTo(Wire.WATCH_EVENT + ":data|tok|");
        xs.dom0().write("/local/domain/" + g.domid() + "/data/x", "1");
        assertThat(g.reply()).isEqualTo(Wire.WATCH_EVENT + ":data/x|tok|");
        assertThat(xs.dom0().isDomainIntroduced(g.domid())).isTrue();
        xs.releaseDomain(g.domid());
        StoreTest.await(special, 4);
        assertThat(special).endsWith("@releaseDomain");
        assertThat(xs.dom0().isDomainIntroduced(g.domid())).isFalse();
        assertThatThrownBy(() -> xs.releaseDomain(g.domid())).hasMessageStartingWith("ENOENT");
    }

    @Test
    void aHostileRequestIndexStopsOnlyThatRing() throws Exception {
        GuestRing bad = introducedGuest(0);
        GuestRing good = introducedGuest(0);
        bad.page.set(INT, RingConnection.REQ_PROD, 5000); // 5000 bytes "in flight" in a 1024-byte ring
        bad.kick();
        waitFor(() -> bad.page.get(INT, RingConnection.ERROR) == RingConnection.ERROR_RINGIDX);
        assertThat(xs.ringFailure(bad.domid())).contains("request ring indices");
        good.send(Wire.READ, "name");
        assertThat(good.reply()).isEqualTo(Wire.READ + ":guest");
        assertThat(xs.dom0().read("/local/domain/" + good.domid() + "/name")).isEqualTo("guest");
        xs.releaseDomain(bad.domid());
    }

    @Test
    void aHostileResponseIndexAndAnOversizedRequestStopTheRing() throws Exception {
        GuestRing g = introducedGuest(0);
        g.page.set(INT, RingConnection.RSP_CONS, -4000);
        g.send(Wire.READ, "name");
        waitFor(() -> g.page.get(INT, RingConnection.ERROR) == RingConnection.ERROR_RINGIDX);

        GuestRing h = introducedGuest(0);
        byte[] header = new byte[16];
        Wire.putLe32(header, 0, Wire.WRITE);
        Wire.putLe32(header, 12, 5000);
        h.putBytes(header, 0, 16);
        waitFor(() -> h.page.get(INT, RingConnection.ERROR) == RingConnection.ERROR_PROTO);
        assertThat(xs.ringFailure(h.domid())).contains("5000 bytes");
    }

    @Test
    void garbageRequestsGetErrorsAndTheRingKeepsWorking() throws Exception {
        GuestRing g = introducedGuest(0);
        Random r = new Random(4);
        for (int i = 0; i < 300; i++) {
            byte[] payload = new byte[r.nextInt(64)];
            r.nextBytes(payload);
            int type = r.nextInt(40);
            if (type == Wire.INTRODUCE || type == Wire.RELEASE) {
                type = Wire.READ;
            }
            g.send(type, r.nextInt(3), payload);
            byte[] reply = g.receive();
            while (Wire.le32(reply, 0) == Wire.WATCH_EVENT) {
                reply = g.receive();
            }
        }
        g.send(Wire.READ, "name");
        String last = g.reply();
        while (last.startsWith(Wire.WATCH_EVENT + ":")) {
            last = g.reply();
        }
        assertThat(last).isEqualTo(Wire.READ + ":guest");
        assertThat(g.page.get(INT, RingConnection.ERROR)).isZero();
    }

    @Test
    void reconnectForgetsTheConnectionsStateAndResetsTheRing() throws Exception {
        GuestRing g = introducedGuest(0);
        g.send(Wire.WATCH, "data", "tok");
        g.reply();
        g.reply();
        g.page.set(INT, RingConnection.CONNECTION, RingConnection.RECONNECT);
        g.kick();
        waitFor(() -> g.page.get(INT, RingConnection.CONNECTION) == 0);
        assertThat(g.page.get(INT, RingConnection.REQ_PROD)).isZero();
        assertThat(g.page.get(INT, RingConnection.RSP_PROD)).isZero();
        xs.dom0().write("/local/domain/" + g.domid() + "/data/after", "1");
        g.send(Wire.READ, "name");
        assertThat(g.reply()).as("no watch event from before the reconnect").isEqualTo(Wire.READ + ":guest");
    }

    @Test
    void setTargetGivesADomainTheRightsOfItsTarget() throws Exception {
        GuestRing target = introducedGuest(0);
        GuestRing stubdom = introducedGuest(0);
        String secret = "/local/domain/" + target.domid() + "/data/secret";
        xs.dom0().write(secret, "s");
        stubdom.send(Wire.READ, secret);
        assertThat(stubdom.reply()).isEqualTo(Wire.ERROR + ":EACCES|");
        xs.dom0().call(Wire.SET_TARGET, 0, (stubdom.domid() + "\0" + target.domid() + "\0").getBytes());
        stubdom.send(Wire.READ, secret);
        assertThat(stubdom.reply()).isEqualTo(Wire.READ + ":s");
        assertThatThrownBy(() -> xs.dom0().call(Wire.SET_TARGET, 0, "999\0001\0".getBytes())).hasMessage("ENOENT");
        // The target must be introduced too.
        assertThatThrownBy(() -> xs.dom0().call(Wire.SET_TARGET, 0, (stubdom.domid() + "\0" + 999 + "\0").getBytes()))
                .hasMessage("ENOENT");
    }

    @Test
    void releaseRemovesTheNodesTheDomainOwnsAndThenFiresReleaseDomain() throws Exception {
        GuestRing g = introducedGuest(0);
        XsClient dom0 = xs.dom0();
        dom0.mkdir("/shared");
        dom0.setPerms("/shared", XsPermission.none(0), XsPermission.both(g.domid()));
        g.send(Wire.WRITE, 0, "/shared/by-guest/below\0v".getBytes(StandardCharsets.ISO_8859_1));
        assertThat(g.reply()).isEqualTo(Wire.WRITE + ":OK|");
        dom0.write("/shared/by-dom0", "stays");
        List<String> seen = new CopyOnWriteArrayList<>();
        dom0.watch("/shared", "s", (p, t) -> seen.add(p));
        dom0.watch(Xenstored.RELEASE_DOMAIN, "r", (p, t) -> seen.add(p));
        StoreTest.await(seen, 2);
        seen.clear();
        xs.releaseDomain(g.domid());
        StoreTest.await(seen, 2);
        assertThat(dom0.directory("/shared")).containsExactly("by-dom0");
        assertThat(seen).containsExactly("/shared/by-guest", "@releaseDomain");
        assertThat(xs.core().tree.nodesOwnedBy(g.domid())).isZero();
    }

    @Test
    void aStoppedRingLosesItsWatchesAndTransactions() throws Exception {
        GuestRing g = introducedGuest(0);
        g.send(Wire.WATCH, "data", "tok");
        g.reply();
        g.reply();
        g.send(Wire.TRANSACTION_START, "");
        g.reply();
        g.page.set(INT, RingConnection.REQ_PROD, g.page.get(INT, RingConnection.REQ_CONS) + 5000);
        g.kick();
        waitFor(() -> g.page.get(INT, RingConnection.ERROR) == RingConnection.ERROR_RINGIDX);
        RingConnection ring = xs.ring(g.domid());
        waitFor(() -> {
            synchronized (xs.core()) {
                return ring.watches.isEmpty() && ring.transactions.isEmpty();
            }
        });
    }

    @Test
    void aShutdownFiresReleaseDomainOnceUntilResume() throws Exception {
        GuestRing g = introducedGuest(0);
        List<String> seen = new CopyOnWriteArrayList<>();
        xs.dom0().watch(Xenstored.RELEASE_DOMAIN, "r", (p, t) -> seen.add(p));
        StoreTest.await(seen, 1);
        xs.domainShutdown(g.domid());
        xs.domainShutdown(g.domid());
        StoreTest.await(seen, 2);
        Thread.sleep(50);
        assertThat(seen).hasSize(2);
        xs.dom0().call(Wire.RESUME, 0, (g.domid() + "\0").getBytes());
        xs.domainShutdown(g.domid());
        StoreTest.await(seen, 3);
        assertThat(seen).hasSize(3);
    }

    @Test
    void introduceChecksItsArguments() {
        GuestRing g = new GuestRing("g", 0);
        assertThatThrownBy(() -> xs.introduceDomain(0, g.mfn, g.port)).hasMessageStartingWith("EINVAL");
        assertThatThrownBy(() -> xs.introduceDomain(g.domid(), 1, g.port)).as("not its frame")
                .hasMessageStartingWith("EINVAL");
        assertThatThrownBy(() -> xs.introduceDomain(77, g.mfn, g.port)).as("no such domain")
                .hasMessageStartingWith("EINVAL");
        assertThatThrownBy(() -> xs.introduceDomain(g.domid(), g.mfn, 40)).as("not an unbound port")
                .hasMessageStartingWith("EINVAL");
        assertThat(xs.isIntroduced(g.domid())).isFalse();
        g.introduce();
        g.introduce(); // again with the same page and port: nothing to do
        assertThatThrownBy(() -> xs.introduceDomain(g.domid(), g.domain.mfn(6), g.port)).hasMessageStartingWith("EEXIST");
    }

    private static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not reached in 5 s");
            }
            Thread.sleep(1);
        }
    }
}
