package dev.jxen.x86.difftest;

/** The fixed address layout both sides map (mirrors the comment at the top of hostcpu.c). */
public final class Layout {
    public static final int PAGE = 4096;
    /** The snippet starts here; the end marker follows its last byte. */
    public static final long CODE_BASE = 0x10_0000L;
    public static final int CODE_SIZE = 4 * PAGE;
    /** Room the host's end marker needs after the code. */
    public static final int MARKER_LEN = 14;
    public static final long DATA_BASE = 0x11_0000L;
    public static final int DATA_PAGES = 8;
    /** Not accessible on both sides: touching it raises #PF. */
    public static final long GUARD_PAGE = 0x11_8000L;
    /** Readable only; byte i holds {@link #roByte(int)}. */
    public static final long RO_PAGE = 0x11_9000L;
    /** A conventional stack top inside the data pages (the last data page is the stack). */
    public static final long STACK_TOP = DATA_BASE + DATA_PAGES * (long) PAGE - 64;

    private Layout() {
    }

    public static byte roByte(int i) {
        return (byte) (i * 13 + 7);
    }

    public static long dataPage(int i) {
        return DATA_BASE + (long) i * PAGE;
    }
}
