package dev.jxen.machine;

/**
 * The details of the last exit of one vCPU: preallocated per vCPU and overwritten by each
 * {@link VcpuRunner#run(long)}, so exits allocate nothing. Fields are public for speed; only the
 * engine writes them.
 */
public final class VcpuExit {
    public ExitReason reason = ExitReason.BUDGET;
    /** Exception or interrupt vector. */
    public int vector;
    public boolean hasErrorCode;
    public int errorCode;
    /** CR2 for a #PF. */
    public long faultAddress;
    /** Length in bytes of the instruction that exited (for PRIVILEGED, IO, SOFTWARE_INTERRUPT). */
    public int instructionLength;
    public PrivilegedOp privileged = PrivilegedOp.NONE;
    /** Operands of a PRIVILEGED exit; their meaning is documented on each {@link PrivilegedOp}. */
    public final int[] operand = new int[2];
    /** IO exits: port, access size in bytes, true for IN/INS. */
    public int ioPort;
    public int ioSize;
    public boolean ioIn;
    /** IO exits: true for INS/OUTS (string forms, with their REP prefix in {@link #ioRep}). */
    public boolean ioString;
    public boolean ioRep;
    /** Instructions retired during the run that produced this exit. */
    public long retired;
    /** INTERNAL_ERROR only. */
    public String message;

    public void clear() {
        reason = ExitReason.BUDGET;
        vector = 0;
        hasErrorCode = false;
        errorCode = 0;
        faultAddress = 0;
        instructionLength = 0;
        privileged = PrivilegedOp.NONE;
        operand[0] = 0;
        operand[1] = 0;
        ioPort = 0;
        ioSize = 0;
        ioIn = false;
        ioString = false;
        ioRep = false;
        retired = 0;
        message = null;
    }

    @Override
    public String toString() {
        return switch (reason) {
            case EXCEPTION -> "EXCEPTION vector=" + vector + (hasErrorCode ? " error=0x" + Integer.toHexString(errorCode) : "")
                    + (vector == 14 ? " cr2=0x" + Long.toHexString(faultAddress) : "");
            case SOFTWARE_INTERRUPT -> "SOFTWARE_INTERRUPT vector=" + vector;
            case PRIVILEGED -> "PRIVILEGED " + privileged;
            case IO -> "IO port=0x" + Integer.toHexString(ioPort) + " size=" + ioSize + (ioIn ? " in" : " out");
            case INTERNAL_ERROR -> "INTERNAL_ERROR " + message;
            default -> reason.name();
        };
    }
}
