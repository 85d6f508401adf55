package dev.jxen.hypervisor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jxen.abi.XenErrno;
import dev.jxen.hypervisor.dom0.Dom0Exception;
import dev.jxen.hypervisor.dom0.HostEventChannel;
import org.junit.jupiter.api.Test;

/** The dom0 API's end of a guest's event channel: which ports a backend in the daemon may bind. */
class HostEventChannelTest {
    @Test
    void aPortUnboundToDom0BindsOnceAndAgainAfterClose() {
        try (TestGuest g = new TestGuest()) {
            int port = g.domain.allocateUnboundPort(0);
            HostEventChannel first = HostEventChannel.bind(g.hv, g.domain.id(), port, () -> { });
            assertThatThrownBy(() -> HostEventChannel.bind(g.hv, g.domain.id(), port, () -> { }))
                    .as("a second backend on the same port").isInstanceOf(Dom0Exception.class)
                    .satisfies(e -> assertThat(((Dom0Exception) e).errno()).isEqualTo(XenErrno.EINVAL));
            first.close();
            HostEventChannel.bind(g.hv, g.domain.id(), port, () -> { }).close();
        }
    }

    @Test
    void portsNotOfferedToDom0AndUnknownDomainsAreRefused() {
        try (TestGuest g = new TestGuest()) {
            int offeredElsewhere = g.domain.allocateUnboundPort(5);
            assertThatThrownBy(() -> HostEventChannel.bind(g.hv, g.domain.id(), offeredElsewhere, () -> { }))
                    .isInstanceOf(Dom0Exception.class)
                    .satisfies(e -> assertThat(((Dom0Exception) e).errno()).isEqualTo(XenErrno.EINVAL));
            assertThatThrownBy(() -> HostEventChannel.bind(g.hv, 4242, 1, () -> { }))
                    .isInstanceOf(Dom0Exception.class)
                    .satisfies(e -> assertThat(((Dom0Exception) e).errno()).isEqualTo(XenErrno.ESRCH));
        }
    }
}
