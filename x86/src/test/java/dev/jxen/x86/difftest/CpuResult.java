package dev.jxen.x86.difftest;

/** The state after a case ran on one side, and how it ended. */
public final class CpuResult {
    /** The code ran to its end marker. */
    public static final int COMPLETED = -1;
    /** The code did not reach the end in time (host) or within its instruction budget (emulator). */
    public static final int TIMEOUT = -2;
    /** The emulator failed in a way that is not an architectural exception (see {@link #note}). */
    public static final int EMULATOR_ERROR = -3;
    /** The host runner could not load the state (bad request). */
    public static final int BAD_REQUEST = -4;

    /** {@link #COMPLETED}, another negative code above, or the exception vector (0..31). */
    public int vector = COMPLETED;
    /** Error code for the vectors that have one. */
    public int errorCode;
    /** Faulting address of a #PF. */
    public long cr2;
    /** The end marker's address when completed, else where execution stopped (the faulting instruction, or after a trap). */
    public long rip;
    public final long[] gpr = new long[16];
    public long rflags;
    public byte[] fx = new byte[FxImage.SIZE];
    /** Full contents of every data page afterwards. */
    public final byte[][] pages = new byte[Layout.DATA_PAGES][];
    /** Extra detail: the emulator's exit, the host signal... */
    public String note = "";

    public static String vectorName(int v) {
        return switch (v) {
            case COMPLETED -> "completed";
            case TIMEOUT -> "TIMEOUT";
            case EMULATOR_ERROR -> "EMULATOR-ERROR";
            case BAD_REQUEST -> "BAD-REQUEST";
            case 0 -> "#DE";
            case 1 -> "#DB";
            case 3 -> "#BP";
            case 4 -> "#OF";
            case 5 -> "#BR";
            case 6 -> "#UD";
            case 7 -> "#NM";
            case 8 -> "#DF";
            case 10 -> "#TS";
            case 11 -> "#NP";
            case 12 -> "#SS";
            case 13 -> "#GP";
            case 14 -> "#PF";
            case 16 -> "#MF";
            case 17 -> "#AC";
            case 18 -> "#MC";
            case 19 -> "#XM";
            default -> "vector " + v;
        };
    }

    public static boolean hasErrorCode(int v) {
        return v == 8 || (v >= 10 && v <= 14) || v == 17;
    }

    /** One-line summary of how the run ended. */
    public String outcome() {
        StringBuilder sb = new StringBuilder(vectorName(vector));
        if (hasErrorCode(vector)) {
            sb.append(" error=0x").append(Integer.toHexString(errorCode));
        }
        if (vector == 14) {
            sb.append(" cr2=0x").append(Long.toHexString(cr2));
        }
        sb.append(" rip=0x").append(Long.toHexString(rip));
        if (!note.isEmpty()) {
            sb.append(" (").append(note).append(')');
        }
        return sb.toString();
    }
}
