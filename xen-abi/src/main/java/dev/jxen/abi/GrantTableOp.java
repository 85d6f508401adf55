package dev.jxen.abi;

/** Commands of {@code xen/include/public/grant_table.h} (Xen 4.17). */
public final class GrantTableOp {
    private GrantTableOp() {
    }

    public static final int MAP_GRANT_REF = 0, UNMAP_GRANT_REF = 1, SETUP_TABLE = 2, DUMP_TABLE = 3, TRANSFER = 4,
            COPY = 5, QUERY_SIZE = 6, UNMAP_AND_REPLACE = 7, SET_VERSION = 8, GET_STATUS_FRAMES = 9,
            GET_VERSION = 10;
}
