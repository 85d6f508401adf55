package dev.jxen.x86;

/**
 * A run of decoded instructions that starts at one address and ends at a control transfer, at the
 * end of its code page, or at {@link #CAPACITY} instructions. Struct-of-arrays: instruction k is
 * {@code op[k], mrm[k], attr[k], disp[k], imm[k]} as packed by {@link Decoder}.
 */
public final class Block {
    public static final int CAPACITY = 64;

    public final int[] op;
    public final int[] mrm;
    public final int[] attr;
    public final long[] disp;
    public final long[] imm;
    /** The specialised form chosen by {@link FastPath#classify}, or {@link FastPath#NONE}. */
    final int[] fop;
    public int count;

    /** A block with room for {@link #CAPACITY} instructions (the decoder's scratch block). */
    public Block() {
        this(CAPACITY);
    }

    Block(int capacity) {
        op = new int[capacity];
        mrm = new int[capacity];
        attr = new int[capacity];
        disp = new long[capacity];
        imm = new long[capacity];
        fop = new int[capacity];
    }

    /** A copy of the first {@code n} instructions of {@code scratch}, with arrays of exactly that size. */
    static Block copyOf(Block scratch, int n) {
        Block b = new Block(n);
        System.arraycopy(scratch.op, 0, b.op, 0, n);
        System.arraycopy(scratch.mrm, 0, b.mrm, 0, n);
        System.arraycopy(scratch.attr, 0, b.attr, 0, n);
        System.arraycopy(scratch.disp, 0, b.disp, 0, n);
        System.arraycopy(scratch.imm, 0, b.imm, 0, n);
        System.arraycopy(scratch.fop, 0, b.fop, 0, n);
        b.count = n;
        return b;
    }
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
    /** Next block in the same hash bucket. */
    Block hashNext;
    /**
     * For a block whose last instruction runs into the next page: that page's distance from
     * {@link #startVa} and the frame it mapped to when decoded (the block is only valid while it
     * still does); 0 for blocks within one page.
     */
    long secondPageOffset;
    long secondFrame;
}
