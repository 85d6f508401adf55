package dev.jxen.machine;

/** A way of executing x86-64 guest code: the emulator now, KVM later. */
public interface Engine {
    String name();

    /**
     * The CPUID of the CPU this engine implements, before any hypervisor policy: what it can execute.
     * A hypervisor builds its guests' CPUID from this (hiding, adding its own leaves), so features
     * are never advertised that the engine lacks. Fills {@code out[0..3]} with EAX, EBX, ECX, EDX.
     */
    void cpuid(int leaf, int subleaf, int[] out);

    /** Creates a vCPU that executes against {@code memory}, asking {@code host} for CPUID, TSC and descriptors. */
    VcpuRunner createVcpu(MachineMemory memory, CpuHost host);
}
