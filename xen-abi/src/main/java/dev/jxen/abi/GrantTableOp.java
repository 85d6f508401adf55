package dev.jxen.abi;

/**
 * Commands, flags, statuses and structure layouts (64-bit) of {@code xen/include/public/grant_table.h}
 * (Xen 4.17). Offsets are byte offsets inside one element of the argument array.
 */
public final class GrantTableOp {
    private GrantTableOp() {
    }

    public static final int MAP_GRANT_REF = 0, UNMAP_GRANT_REF = 1, SETUP_TABLE = 2, DUMP_TABLE = 3, TRANSFER = 4,
            COPY = 5, QUERY_SIZE = 6, UNMAP_AND_REPLACE = 7, SET_VERSION = 8, GET_STATUS_FRAMES = 9,
            GET_VERSION = 10, SWAP_GRANT_REF = 11, CACHE_FLUSH = 12;

    /** The command is the low 6 bits of the first argument; the rest is an opaque continuation argument. */
    public static final int CMD_MASK = 0x3F;

    /** Entries 0..7 are the toolstack's (console, xenstore); they survive a version change. */
    public static final int NR_RESERVED_ENTRIES = 8;

    // ---- grant entry flags (GTF_*)
    public static final int GTF_INVALID = 0, GTF_PERMIT_ACCESS = 1, GTF_ACCEPT_TRANSFER = 2, GTF_TRANSITIVE = 3,
            GTF_TYPE_MASK = 3;
    public static final int GTF_READONLY = 1 << 2, GTF_READING = 1 << 3, GTF_WRITING = 1 << 4, GTF_PWT = 1 << 5,
            GTF_PCD = 1 << 6, GTF_PAT = 1 << 7, GTF_SUB_PAGE = 1 << 8;

    // ---- map flags (GNTMAP_*)
    public static final int GNTMAP_DEVICE_MAP = 1, GNTMAP_HOST_MAP = 1 << 1, GNTMAP_READONLY = 1 << 2,
            GNTMAP_APPLICATION_MAP = 1 << 3, GNTMAP_CONTAINS_PTE = 1 << 4;
    /** Bits 16 and up of the map flags go to the PTE's available bits. */
    public static final int GNTMAP_GUEST_AVAIL0 = 16;

    // ---- copy flags (GNTCOPY_*)
    public static final int GNTCOPY_SOURCE_GREF = 1, GNTCOPY_DEST_GREF = 1 << 1;

    // ---- per-op statuses (GNTST_*)
    public static final int GNTST_OKAY = 0, GNTST_GENERAL_ERROR = -1, GNTST_BAD_DOMAIN = -2, GNTST_BAD_GNTREF = -3,
            GNTST_BAD_HANDLE = -4, GNTST_BAD_VIRT_ADDR = -5, GNTST_BAD_DEV_ADDR = -6, GNTST_NO_DEVICE_SPACE = -7,
            GNTST_PERMISSION_DENIED = -8, GNTST_BAD_PAGE = -9, GNTST_BAD_COPY_ARG = -10,
            GNTST_ADDRESS_TOO_BIG = -11, GNTST_EAGAIN = -12, GNTST_NO_SPACE = -13;

    /** GNTST_* name for messages. */
    public static String statusName(int status) {
        return switch (status) {
            case GNTST_OKAY -> "GNTST_okay";
            case GNTST_GENERAL_ERROR -> "GNTST_general_error";
            case GNTST_BAD_DOMAIN -> "GNTST_bad_domain";
            case GNTST_BAD_GNTREF -> "GNTST_bad_gntref";
            case GNTST_BAD_HANDLE -> "GNTST_bad_handle";
            case GNTST_BAD_VIRT_ADDR -> "GNTST_bad_virt_addr";
            case GNTST_BAD_DEV_ADDR -> "GNTST_bad_dev_addr";
            case GNTST_NO_DEVICE_SPACE -> "GNTST_no_device_space";
            case GNTST_PERMISSION_DENIED -> "GNTST_permission_denied";
            case GNTST_BAD_PAGE -> "GNTST_bad_page";
            case GNTST_BAD_COPY_ARG -> "GNTST_bad_copy_arg";
            case GNTST_ADDRESS_TOO_BIG -> "GNTST_address_too_big";
            case GNTST_EAGAIN -> "GNTST_eagain";
            case GNTST_NO_SPACE -> "GNTST_no_space";
            default -> "GNTST_" + status;
        };
    }

    // ---- grant entries
    /** grant_entry_v1: flags u16, domid u16, frame u32. */
    public static final int V1_ENTRY_SIZE = 8, V1_FLAGS = 0, V1_DOMID = 2, V1_FRAME = 4;
    /** grant_entry_v2: hdr {flags u16, domid u16}, then full_page.frame u64 / sub_page {off, len} / transitive. */
    public static final int V2_ENTRY_SIZE = 16, V2_FLAGS = 0, V2_DOMID = 2, V2_SUB_PAGE_OFF = 4,
            V2_SUB_PAGE_LENGTH = 6, V2_FRAME = 8, V2_TRANS_DOMID = 4, V2_TRANS_GREF = 8;
    /** grant_status_t: one u16 per entry in the v2 status frames. */
    public static final int STATUS_ENTRY_SIZE = 2;

    // ---- argument structures (x86-64 layout)
    /** gnttab_map_grant_ref. */
    public static final int MAP_SIZE = 32, MAP_HOST_ADDR = 0, MAP_FLAGS = 8, MAP_REF = 12, MAP_DOM = 16,
            MAP_STATUS = 18, MAP_HANDLE = 20, MAP_DEV_BUS_ADDR = 24;
    /** gnttab_unmap_grant_ref. */
    public static final int UNMAP_SIZE = 24, UNMAP_HOST_ADDR = 0, UNMAP_DEV_BUS_ADDR = 8, UNMAP_HANDLE = 16,
            UNMAP_STATUS = 20;
    /** gnttab_unmap_and_replace. */
    public static final int REPLACE_SIZE = 24, REPLACE_HOST_ADDR = 0, REPLACE_NEW_ADDR = 8, REPLACE_HANDLE = 16,
            REPLACE_STATUS = 20;
    /** gnttab_setup_table. */
    public static final int SETUP_SIZE = 24, SETUP_DOM = 0, SETUP_NR_FRAMES = 4, SETUP_STATUS = 8,
            SETUP_FRAME_LIST = 16;
    /** gnttab_transfer. */
    public static final int TRANSFER_SIZE = 24, TRANSFER_STATUS = 16;
    /** gnttab_copy: source and dest are gnttab_copy_ptr {u (ref or gmfn) u64, domid u16, offset u16}. */
    public static final int COPY_SIZE = 40, COPY_SOURCE = 0, COPY_DEST = 16, COPY_PTR_REF = 0, COPY_PTR_DOMID = 8,
            COPY_PTR_OFFSET = 10, COPY_LEN = 32, COPY_FLAGS = 34, COPY_STATUS = 36;
    /** gnttab_query_size. */
    public static final int QUERY_SIZE_SIZE = 16, QUERY_DOM = 0, QUERY_NR_FRAMES = 4, QUERY_MAX_NR_FRAMES = 8,
            QUERY_STATUS = 12;
    /** gnttab_set_version: version u32 (in and out). */
    public static final int SET_VERSION_VERSION = 0;
    /** gnttab_get_status_frames. */
    public static final int STATUS_FRAMES_NR_FRAMES = 0, STATUS_FRAMES_DOM = 4, STATUS_FRAMES_STATUS = 6,
            STATUS_FRAMES_FRAME_LIST = 8;
    /** gnttab_get_version. */
    public static final int GET_VERSION_DOM = 0, GET_VERSION_VERSION = 4;
}
