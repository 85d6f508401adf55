package dev.jxen.abi;

/**
 * Offsets of {@code struct start_info} for 64-bit guests ({@code xen/include/public/xen.h}, Xen
 * 4.17; 1168 bytes; checked with offsetof) and its SIF_* flags.
 */
public final class StartInfo {
    private StartInfo() {
    }

    public static final int MAGIC = 0;
    public static final int MAGIC_SIZE = 32;
    public static final int NR_PAGES = 32;
    public static final int SHARED_INFO = 40;
    public static final int FLAGS = 48;
    public static final int STORE_MFN = 56;
    public static final int STORE_EVTCHN = 64;
    public static final int CONSOLE_MFN = 72;
    public static final int CONSOLE_EVTCHN = 80;
    public static final int PT_BASE = 88;
    public static final int NR_PT_FRAMES = 96;
    public static final int MFN_LIST = 104;
    public static final int MOD_START = 112;
    public static final int MOD_LEN = 120;
    public static final int CMD_LINE = 128;
    /** MAX_GUEST_CMDLINE: the command line keeps at most 1023 bytes and a NUL. */
    public static final int CMD_LINE_SIZE = 1024;
    public static final int FIRST_P2M_PFN = 1152;
    public static final int NR_P2M_FRAMES = 1160;
    public static final int SIZE = 1168;

    public static final int SIF_PRIVILEGED = 1;
    public static final int SIF_INITDOMAIN = 2;
    public static final int SIF_MULTIBOOT_MOD = 4;
    public static final int SIF_MOD_START_PFN = 8;
    public static final int SIF_VIRT_P2M_4TOOLS = 16;

    /** The magic of a 64-bit PV guest, also its guest type. */
    public static final String MAGIC_X86_64 = "xen-3.0-x86_64";
}
