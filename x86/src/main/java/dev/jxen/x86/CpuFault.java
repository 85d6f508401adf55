package dev.jxen.x86;

/**
 * Unwinds from deep inside an instruction to the run loop when the instruction raises an
 * architectural exception. The details live in the CPU's pending-exception fields; this object
 * carries nothing, has no stack trace and is shared, so raising it allocates nothing. Faults are
 * the uncommon path: the common case never throws.
 */
public final class CpuFault extends RuntimeException {
    public static final CpuFault INSTANCE = new CpuFault();

    private CpuFault() {
        super(null, null, false, false);
    }
}
