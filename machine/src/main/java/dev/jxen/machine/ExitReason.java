package dev.jxen.machine;

/**
 * Why {@link VcpuRunner#run(long)} returned. Each constant says what the caller must do next;
 * the details are in the runner's {@link VcpuExit}. Unless stated otherwise, RIP already points
 * past the instruction that caused the exit.
 */
public enum ExitReason {
    /** The instruction budget is spent. Nothing to do: call {@code run} again when scheduled. */
    BUDGET,
    /**
     * The guest executed {@code SYSCALL} and the engine was told to intercept it (a PV guest's
     * hypercall or system call). RIP is past the instruction; RCX/R11 are not modified. The caller
     * decides between hypercall and bounce to the guest's syscall entry.
     */
    SYSCALL,
    /**
     * {@code INT n}, {@code INT3} or {@code INTO} (with OF set): {@link VcpuExit#vector}. RIP is past
     * the instruction ({@link VcpuExit#instructionLength} gives its length so the caller can deliver
     * a #GP at the instruction instead). The caller checks the gate's DPL and delivers.
     */
    SOFTWARE_INTERRUPT,
    /**
     * An architectural exception: {@link VcpuExit#vector}, {@link VcpuExit#errorCode} (when
     * {@link VcpuExit#hasErrorCode}), CR2 for #PF ({@link VcpuExit#faultAddress}). Faults leave
     * RIP at the faulting instruction with no state changed; traps (#DB after a step) leave RIP
     * after it. The caller delivers the exception to the guest or crashes it.
     */
    EXCEPTION,
    /**
     * A privileged instruction at CPL &gt; 0 (where hardware raises #GP): {@link VcpuExit#privileged}
     * names it, with its operands in {@link VcpuExit#operand} registers. RIP is left AT the
     * instruction; the caller either emulates it and advances RIP by
     * {@link VcpuExit#instructionLength}, or delivers #GP(0).
     */
    PRIVILEGED,
    /**
     * {@code IN}/{@code OUT}/{@code INS}/{@code OUTS}: port, size, direction in the exit. RIP is AT
     * the instruction, as for {@link #PRIVILEGED}.
     */
    IO,
    /** {@code HLT} at CPL 0. RIP is past it; the caller idles the vCPU until an event. */
    HALT,
    /**
     * The engine could not go on for a reason that is its own fault (an unimplemented instruction is
     * an {@link #EXCEPTION} #UD, not this). {@link VcpuExit#message} describes it; the caller crashes
     * the domain with a report.
     */
    INTERNAL_ERROR
}
