package dev.jxen.machine;

/**
 * What a CPU engine asks of its host (the hypervisor, or a test) while it runs: the CPUID policy,
 * the time stamp counter and the descriptor tables. Calls come on the vCPU's own thread and must
 * not allocate.
 */
public interface CpuHost {
    /** Fills {@code out[0..3]} with EAX, EBX, ECX, EDX of CPUID leaf/subleaf. */
    void cpuid(int leaf, int subleaf, int[] out);

    /** The guest's time stamp counter now (injectable, so runs can be replayed). */
    long readTsc();

    /**
     * The 8-byte segment descriptor named by {@code selector} (bit 2 set: LDT, else GDT), or 0 when
     * the selector lies beyond the table's limit, which the engine turns into #GP(selector).
     */
    long readDescriptor(int selector);
}
