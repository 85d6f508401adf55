package dev.jxen.x86;

/**
 * A run of decoded instructions that starts at one address and ends at a control transfer, at the
 * end of its code page, or at {@link #CAPACITY} instructions. Struct-of-arrays: instruction k is
 * {@code op[k], mrm[k], attr[k], disp[k], imm[k]} as packed by {@link Decoder}.
 */
public final class Block {
    public static final int CAPACITY = 64;

    public final int[] op = new int[CAPACITY];
    public final int[] mrm = new int[CAPACITY];
    public final int[] attr = new int[CAPACITY];
    public final long[] disp = new long[CAPACITY];
    public final long[] imm = new long[CAPACITY];
    /** The specialised form chosen by {@link FastPath#classify}, or {@link FastPath#NONE}. */
    final int[] fop = new int[CAPACITY];
    public int count;
    /** Machine address of the first byte. */
    long startMa;
    /** Linear address of the first byte when the block was decoded. */
    long startVa;
    /** Mode key: 64-bit code, default-32 code. */
    int modeKey;
    /** False once the code page was written: the block must not run again. */
    boolean valid = true;
    /**
     * Chains to the blocks that followed this one last time (usually the branch target and the
     * fall-through), each valid for the RIP it was entered at and while the MMU epoch is unchanged.
     */
    Block chain0, chain1;
    long chain0Rip, chain1Rip;
    long chain0Epoch = -1, chain1Epoch = -1;
    /** Next block in the same hash bucket / same frame list. */
    Block hashNext;
    /**
     * For a block whose last instruction runs into the next page: that page's distance from
     * {@link #startVa} and the frame it mapped to when decoded (the block is only valid while it
     * still does); 0 for blocks within one page.
     */
    long secondPageOffset;
    long secondFrame;
    Block frameNext;
}
