package dev.jxen.machine;

/** A way of executing x86-64 guest code: the emulator now, KVM later. */
public interface Engine {
    String name();

    /** Creates a vCPU that executes against {@code memory}, asking {@code host} for CPUID, TSC and descriptors. */
    VcpuRunner createVcpu(MachineMemory memory, CpuHost host);
}
