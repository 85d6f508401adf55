package dev.jxen.builder;

import java.util.List;

/**
 * XENFEAT_* names as the FEATURES note spells them ({@code xen/include/public/features.h}, and the
 * name table of Xen's libelf), and which ones jxen can honour when a kernel requires them.
 */
public final class XenFeatures {
    private XenFeatures() {
    }

    public static final int WRITABLE_PAGE_TABLES = 0;
    public static final int WRITABLE_DESCRIPTOR_TABLES = 1;
    public static final int AUTO_TRANSLATED_PHYSMAP = 2;
    public static final int SUPERVISOR_MODE_KERNEL = 3;
    public static final int PAE_PGDIR_ABOVE_4GB = 4;
    public static final int HVM_CALLBACK_VECTOR = 8;
    public static final int DOM0 = 11;

    /** Features a 64-bit PV guest may require from jxen: the PV MMU emulates writes to its page tables. */
    public static final int SUPPORTED_WHEN_REQUIRED =
            1 << WRITABLE_PAGE_TABLES | 1 << WRITABLE_DESCRIPTOR_TABLES | 1 << PAE_PGDIR_ABOVE_4GB;

    private static final List<String> NAMES = List.of("writable_page_tables", "writable_descriptor_tables",
            "auto_translated_physmap", "supervisor_mode_kernel", "pae_pgdir_above_4gb", "", "", "",
            "hvm_callback_vector", "", "", "dom0");

    /** The note's name of feature {@code bit}, or "feature N" for a bit without one. */
    public static String name(int bit) {
        return bit < NAMES.size() && !NAMES.get(bit).isEmpty() ? NAMES.get(bit) : "feature " + bit;
    }

    /** The bit of a feature name, or -1 when libelf does not know it. */
    public static int bit(String name) {
        if (name.isEmpty()) {
            return -1;
        }
        return NAMES.indexOf(name);
    }
}
