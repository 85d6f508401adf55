package dev.jxen.machine;

/**
 * One vCPU on an {@link Engine}: the hypervisor's only handle to execute guest code. A runner is
 * used by one thread at a time; only {@link #requestExit()} may be called from others.
 */
public interface VcpuRunner {
    /** The architectural state, read and written between runs. */
    CpuState state();

    /** The details of the last exit (the same object every time). */
    VcpuExit exit();

    /**
     * Executes guest instructions until an exit, or until about {@code budget} instructions have
     * retired. The returned reason is also in {@link #exit()}.
     */
    ExitReason run(long budget);

    /** Makes a running {@link #run(long)} return {@link ExitReason#BUDGET} soon; safe from any thread. */
    void requestExit();

    /** Drops TLB entries: all of them when {@code includeGlobal}, else the non-global ones. */
    void flushTlb(boolean includeGlobal);

    /** Drops the TLB entries for the page holding {@code va} (INVLPG). */
    void invalidatePage(long va);

    /** Access kinds for {@link #translate}. */
    int ACCESS_READ = 0, ACCESS_WRITE = 1, ACCESS_EXECUTE = 2;

    /**
     * Translates a linear address through the current page tables with the permission checks of an
     * access at {@code cpl}, setting accessed/dirty bits as the hardware would. Returns the machine
     * address, or -1 when the access faults, in which case {@link #exit()} holds the #PF/#GP that
     * the hardware would raise (reason, vector, error code, CR2 value) without it being raised.
     */
    long translate(long linear, int access, int cpl);

    /** Instructions retired since the runner was created. */
    long retired();
}
