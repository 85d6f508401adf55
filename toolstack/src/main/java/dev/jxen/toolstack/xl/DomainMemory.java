package dev.jxen.toolstack.xl;

import dev.jxen.builder.GuestMemory;
import dev.jxen.hypervisor.Domain;
import dev.jxen.machine.MachineMemory;

/** The builder's view of a new domain's memory, over the hypervisor's domain (its P2M). */
final class DomainMemory implements GuestMemory {
    private final Domain domain;

    DomainMemory(Domain domain) {
        this.domain = domain;
    }

    @Override
    public long pageCount() {
        return domain.pageCount();
    }

    @Override
    public long mfn(long pfn) {
        return domain.mfn(pfn);
    }

    @Override
    public MachineMemory machine() {
        return domain.machine();
    }
}
