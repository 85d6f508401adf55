package dev.jxen.hypervisor;

/** The console backend the hypervisor plays for now: the guest's xencons ring and console_io. */
final class Console {
    private final Domain domain;

    Console(Domain domain) {
        this.domain = domain;
    }

    void attachRing(long mfn, int port) {
    }

    void input(byte[] data) {
    }
}
