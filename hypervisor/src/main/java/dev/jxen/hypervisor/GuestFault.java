package dev.jxen.hypervisor;

/**
 * Thrown (one preallocated, stackless instance) when the hypervisor cannot access a guest virtual
 * address a hypercall handed it; the hypercall then returns {@code -EFAULT}.
 */
final class GuestFault extends RuntimeException {
    static final GuestFault INSTANCE = new GuestFault();

    private GuestFault() {
        super("guest address not accessible", null, false, false);
    }
}
