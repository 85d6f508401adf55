package dev.jxen.hypervisor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jxen.abi.Hypercall;
import dev.jxen.abi.SharedInfo;
import org.junit.jupiter.api.Test;

/** Event channels between two domains of one hypervisor (PV-ABI.md §7.2). */
class InterdomainTest {
    static final long A = HypercallRunner.ARGS;

    @Test
    void bindInterdomainConnectsTwoDomainsAndSendReachesThePeer() throws Exception {
        TestGuest server = new TestGuest();
        try {
            TestGuest client = new TestGuest(server.memory, server.hv);
            int serverPort = server.domain.allocateUnboundPort(client.domain.id());
            int strangerPort = server.domain.allocateUnboundPort(0); // offered to dom0, not to the client
            client.write32(A, server.domain.id()); // bind_interdomain {remote_dom, remote_port}
            client.write32(A + 4, serverPort);
            client.write32(A + 0x20, server.domain.id());
            client.write32(A + 0x24, strangerPort);
            client.write32(A + 0x40, 0x7FF0); // status {SELF, port 1}
            client.write32(A + 0x44, 1);
            HypercallRunner r = new HypercallRunner(client);
            int bind = r.call(Hypercall.EVENT_CHANNEL_OP, 0, A);
            int stranger = r.call(Hypercall.EVENT_CHANNEL_OP, 0, A + 0x20);
            int send = r.call(Hypercall.EVENT_CHANNEL_OP, 4, A + 8);
            int status = r.call(Hypercall.EVENT_CHANNEL_OP, 5, A + 0x40);
            assertThat(r.run().reason()).isEqualTo(ShutdownReason.POWEROFF);
            assertThat(r.result(bind)).isZero();
            assertThat(client.read32(A + 8)).as("client's port").isEqualTo(1);
            assertThat(r.result(stranger)).isEqualTo(-dev.jxen.abi.XenErrno.EINVAL);
            assertThat(r.result(send)).isZero();
            long pending = server.memory.read64(server.domain.sharedInfoMachineAddress() + SharedInfo.EVTCHN_PENDING);
            assertThat(pending & (1L << serverPort)).as("the server's port is pending").isNotZero();
            assertThat(pending & (1L << strangerPort)).isZero();
            assertThat(r.result(status)).isZero();
            assertThat(client.read32(A + 0x48)).as("EVTCHNSTAT_interdomain").isEqualTo(2);
            assertThat(client.read32(A + 0x50)).isEqualTo(server.domain.id());
            assertThat(client.read32(A + 0x54)).isEqualTo(serverPort);
        } finally {
            server.close();
        }
    }
}
