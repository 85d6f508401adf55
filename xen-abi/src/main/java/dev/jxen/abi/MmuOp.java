package dev.jxen.abi;

/**
 * {@code mmu_update} commands, {@code mmuext_op} commands, {@code update_va_mapping} flags and
 * {@code vm_assist} types of {@code xen/include/public/xen.h} (Xen 4.17).
 */
public final class MmuOp {
    private MmuOp() {
    }

    public static final int MMU_NORMAL_PT_UPDATE = 0;
    public static final int MMU_MACHPHYS_UPDATE = 1;
    public static final int MMU_PT_UPDATE_PRESERVE_AD = 2;
    public static final int MMU_PT_UPDATE_NO_TRANSLATE = 3;

    public static final int PIN_L1_TABLE = 0, PIN_L2_TABLE = 1, PIN_L3_TABLE = 2, PIN_L4_TABLE = 3,
            UNPIN_TABLE = 4, NEW_BASEPTR = 5, TLB_FLUSH_LOCAL = 6, INVLPG_LOCAL = 7, TLB_FLUSH_MULTI = 8,
            INVLPG_MULTI = 9, TLB_FLUSH_ALL = 10, INVLPG_ALL = 11, FLUSH_CACHE = 12, SET_LDT = 13,
            NEW_USER_BASEPTR = 15, CLEAR_PAGE = 16, COPY_PAGE = 17, FLUSH_CACHE_GLOBAL = 18, MARK_SUPER = 19,
            UNMARK_SUPER = 20;

    /** {@code UVMF_*}. */
    public static final int UVMF_NONE = 0, UVMF_TLB_FLUSH = 1, UVMF_INVLPG = 2, UVMF_FLUSHTYPE_MASK = 3,
            UVMF_LOCAL = 0, UVMF_ALL = 4;

    /** {@code VMASST_*}. */
    public static final int VMASST_CMD_ENABLE = 0, VMASST_CMD_DISABLE = 1;
    public static final int VMASST_TYPE_4GB_SEGMENTS = 0, VMASST_TYPE_4GB_SEGMENTS_NOTIFY = 1,
            VMASST_TYPE_WRITABLE_PAGETABLES = 2, VMASST_TYPE_PAE_EXTENDED_CR3 = 3,
            VMASST_TYPE_ARCHITECTURAL_IOPL = 4, VMASST_TYPE_RUNSTATE_UPDATE_FLAG = 5, VMASST_TYPE_M2P_STRICT = 32;

    /** {@code DOMID_SELF}, {@code DOMID_IO}, {@code DOMID_XEN}. */
    public static final int DOMID_SELF = 0x7FF0, DOMID_IO = 0x7FF1, DOMID_XEN = 0x7FF2;
}
