package dev.jxen.abi;

/** Commands of {@code xen/include/public/version.h} and feature bits of {@code features.h} (Xen 4.17). */
public final class XenVersion {
    private XenVersion() {
    }

    public static final int VERSION = 0;
    public static final int EXTRAVERSION = 1;
    public static final int COMPILE_INFO = 2;
    public static final int CAPABILITIES = 3;
    public static final int CHANGESET = 4;
    public static final int PLATFORM_PARAMETERS = 5;
    public static final int GET_FEATURES = 6;
    public static final int PAGESIZE = 7;
    public static final int GUEST_HANDLE = 8;
    public static final int COMMANDLINE = 9;
    public static final int BUILD_ID = 10;

    /** {@code XENFEAT_*} bit numbers. */
    public static final int XENFEAT_WRITABLE_PAGE_TABLES = 0, XENFEAT_WRITABLE_DESCRIPTOR_TABLES = 1,
            XENFEAT_AUTO_TRANSLATED_PHYSMAP = 2, XENFEAT_SUPERVISOR_MODE_KERNEL = 3, XENFEAT_PAE_PGDIR_ABOVE_4GB = 4,
            XENFEAT_MMU_PT_UPDATE_PRESERVE_AD = 5, XENFEAT_HIGHMEM_ASSIST = 6, XENFEAT_GNTTAB_MAP_AVAIL_BITS = 7,
            XENFEAT_HVM_CALLBACK_VECTOR = 8, XENFEAT_DOM0 = 11, XENFEAT_MEMORY_OP_VNODE_SUPPORTED = 13;

    /** Sizes of the fixed-size string results. */
    public static final int EXTRAVERSION_LEN = 16, COMPILE_INFO_LEN = 144, CAPABILITIES_LEN = 1024,
            CHANGESET_LEN = 64, COMMANDLINE_LEN = 1024;
}
