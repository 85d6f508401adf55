package dev.jxen.hypervisor;

/** A domain's event channels (2-level ABI). */
final class EventChannels {
    private final Domain domain;

    EventChannels(Domain domain) {
        this.domain = domain;
    }

    int allocUnbound(int remoteDomid) {
        return -dev.jxen.abi.XenErrno.ENOSYS;
    }
}
