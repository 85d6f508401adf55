package dev.jxen.x86;

import dev.jxen.machine.ExitReason;
import dev.jxen.machine.MachineMemory;
import dev.jxen.machine.VcpuExit;
import dev.jxen.x86.sse.Sse;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The run loop: finds (or decodes and caches) the block at RIP, executes its instructions one by
 * one, and turns what they report into an exit. Decoded blocks are cached by machine address and
 * dropped when their frame is written (the write TLB never caches a code frame, so every such
 * write reaches {@link #invalidateFrame}).
 *
 * <p>Instruction implementations return {@link #CONTINUE}, or {@link #EXIT} after filling the
 * CPU's {@link VcpuExit}. Exceptions unwind as {@link CpuFault}; RIP then still points at the
 * faulting instruction.
 */
public final class Interpreter {
    public static final int CONTINUE = 0;
    public static final int EXIT = 1;

    private static final int HASH_BITS = 14;
    private static final int HASH_MASK = (1 << HASH_BITS) - 1;

    private final X86Cpu cpu;
    private final MemorySegment mem;
    private final MachineMemory memory;
    private final Block[] buckets = new Block[1 << HASH_BITS];
    /** Blocks by the frames their bytes live in, for invalidation (slow path only). */
    private final Map<Long, List<Block>> byFrame = new HashMap<>();
    /** Where instructions are decoded before a block of the right size is made. */
    private final Block scratch = new Block();
    /** Valid blocks in the cache, and the most it holds before it is emptied. */
    private int blockCount;
    private static final int MAX_BLOCKS = 1 << 16;
    private final Decoder.ByteSource fetcher;

    Interpreter(X86Cpu cpu) {
        this.cpu = cpu;
        this.memory = cpu.memory;
        this.mem = memory.segment();
        this.fetcher = va -> mem.get(ValueLayout.JAVA_BYTE, cpu.mmu.fetchAddress(va));
    }

    ExitReason run(long budget) {
        X86Cpu c = cpu;
        VcpuExit exit = c.exit;
        exit.clear();
        c.exitRequested = false;
        long executed = 0;
        // RIP lives in this local while blocks run; c.rip is written back on every way out, and
        // c.insnRip is set only for the generic path, whose handlers read it.
        long rip = c.rip;
        Mmu mmu = c.mmu;
        Block prev = null;
        try {
            while (executed < budget && !c.exitRequested) {
                Block b = follow(prev, rip, mmu.epoch);
                if (b == null) {
                    b = lookup(rip);
                    link(prev, b, rip, mmu.epoch);
                }
                prev = b;
                int n = b.count;
                boolean step = (c.rflagsRest & Flags.TF) != 0;
                if (step) {
                    n = 1;
                }
                for (int k = 0; k < n; k++) {
                    int at = b.attr[k];
                    long next = rip + ((at >>> Decoder.A_LEN_SHIFT) & 15);
                    int f = b.fop[k];
                    if (f != FastPath.NONE) {
                        // Common 64-bit-mode forms: no copying of the decoded fields into the CPU.
                        rip = FastPath.execute(c, b, k, f, next);
                        executed++;
                        if (!b.valid) {
                            break;
                        }
                        continue;
                    }
                    c.op = b.op[k];
                    c.mrm = b.mrm[k];
                    c.attr = at;
                    c.disp = b.disp[k];
                    c.imm = b.imm[k];
                    c.insnRip = rip;
                    if (!c.code64) {
                        next &= 0xFFFF_FFFFL;
                    }
                    c.nextRip = next;
                    int r = execute(c);
                    rip = c.nextRip;
                    executed++;
                    if (r != CONTINUE) {
                        c.rip = rip;
                        exit.retired = executed;
                        c.retiredTotal += executed;
                        return exit.reason;
                    }
                    if (!b.valid) {
                        break;
                    }
                }
                if (!b.valid) {
                    prev = null;
                }
                if (step) {
                    c.rip = rip;
                    exit.reason = ExitReason.EXCEPTION;
                    exit.vector = Vectors.DB;
                    c.dr[6] |= 0x4000; // BS
                    exit.retired = executed;
                    c.retiredTotal += executed;
                    return ExitReason.EXCEPTION;
                }
            }
            c.rip = rip;
            exit.reason = ExitReason.BUDGET;
        } catch (CpuFault f) {
            // Faults leave RIP at the faulting instruction: the local still holds its address.
            c.rip = rip;
            exit.reason = ExitReason.EXCEPTION;
            exit.vector = c.pendingVector;
            exit.errorCode = c.pendingError;
            exit.hasErrorCode = c.pendingHasError;
            exit.faultAddress = c.pendingCr2;
            if (c.pendingVector == Vectors.PF) {
                c.cr2 = c.pendingCr2;
            }
        } catch (RuntimeException e) {
            // A bug in the emulator, never the guest's fault: report it instead of dying.
            c.rip = rip;
            exit.reason = ExitReason.INTERNAL_ERROR;
            exit.message = "emulator error at rip 0x" + Long.toHexString(rip) + ": " + e;
        }
        exit.retired = executed;
        c.retiredTotal += executed;
        return exit.reason;
    }

    /** The block chained from {@code prev} for {@code rip}, if the chain is still good. */
    private static Block follow(Block prev, long rip, long epoch) {
        if (prev == null) {
            return null;
        }
        Block b = prev.chain0;
        if (b != null && prev.chain0Rip == rip && prev.chain0Epoch == epoch && b.valid) {
            return b;
        }
        b = prev.chain1;
        if (b != null && prev.chain1Rip == rip && prev.chain1Epoch == epoch && b.valid) {
            return b;
        }
        return null;
    }

    private static void link(Block prev, Block b, long rip, long epoch) {
        if (prev == null) {
            return;
        }
        if (prev.chain0 == null || prev.chain0Epoch != epoch || !prev.chain0.valid) {
            prev.chain0 = b;
            prev.chain0Rip = rip;
            prev.chain0Epoch = epoch;
        } else {
            prev.chain1 = b;
            prev.chain1Rip = rip;
            prev.chain1Epoch = epoch;
        }
    }

    /** Dispatches the current instruction. */
    static int execute(X86Cpu c) {
        int op = c.op;
        if (op < 0x100) {
            return IntegerOps.execute(c, op);
        }
        switch (op >>> 8) {
            case Decoder.MAP_0F:
                if (Sse.handles0F(op & 0xFF)) {
                    return Sse.execute0F(c, op & 0xFF);
                }
                return SystemOps.execute0F(c, op & 0xFF);
            case Decoder.MAP_0F38:
                return Sse.execute0F38(c, op & 0xFF);
            case Decoder.MAP_0F3A:
                return Sse.execute0F3A(c, op & 0xFF);
            default:
                if (op == Decoder.OP_TOO_LONG) {
                    throw c.fault(Vectors.GP, 0);
                }
                throw c.fault(Vectors.UD);
        }
    }

    // ---------------------------------------------------------------- block cache

    private Block lookup(long rip) {
        long ma = cpu.mmu.fetchAddress(rip);
        int mode = (cpu.code64 ? 1 : 0) | (cpu.codeDefault32 ? 2 : 0);
        int h = hash(ma);
        for (Block b = buckets[h]; b != null; b = b.hashNext) {
            if (b.startMa == ma && b.modeKey == mode && (b.secondPageOffset == 0 || secondPageUnchanged(b, rip))) {
                return b;
            }
        }
        Block b = decodeBlock(rip, ma, mode);
        b.hashNext = buckets[h];
        buckets[h] = b;
        return b;
    }

    /** A block that runs into the next page is reused only while that page maps the same frame. */
    private boolean secondPageUnchanged(Block b, long rip) {
        try {
            return cpu.mmu.fetchAddress(rip + b.secondPageOffset) >>> 12 == b.secondFrame;
        } catch (CpuFault f) {
            return false; // decoding again ends the block before the instruction that cannot be fetched
        }
    }

    private static int hash(long ma) {
        return (int) (ma ^ (ma >>> HASH_BITS) ^ (ma >>> 28)) & HASH_MASK;
    }

    private Block decodeBlock(long rip, long ma, int mode) {
        if (blockCount >= MAX_BLOCKS) {
            invalidateAll(); // a crude bound on the cache: start afresh
        }
        Block d = scratch;
        long va = rip;
        int n = 0;
        long firstFrame = ma >>> 12;
        long lastFrame = firstFrame;
        while (n < Block.CAPACITY) {
            int len;
            try {
                len = Decoder.decode(fetcher, va, cpu.code64, cpu.codeDefault32, d, n);
            } catch (CpuFault f) {
                if (n == 0) {
                    throw f;
                }
                // The instruction runs into a page that cannot be fetched: end the block before it,
                // so the fault is raised when execution actually reaches it.
                break;
            }
            d.fop[n] = FastPath.classify(d.op[n], d.mrm[n], d.attr[n]);
            long endFrame = cpu.mmu.fetchAddress(va + len - 1) >>> 12;
            lastFrame = endFrame;
            n++;
            int op = d.op[n - 1];
            va += len;
            if (endsBlock(op) || (va & 0xFFF) == 0 || endFrame != firstFrame) {
                break;
            }
        }
        Block b = Block.copyOf(d, n);
        b.startMa = ma;
        b.startVa = rip;
        b.modeKey = mode;
        blockCount++;
        register(b, firstFrame);
        if (lastFrame != firstFrame) {
            register(b, lastFrame);
            b.secondPageOffset = ((va - 1) & ~0xFFFL) - rip;
            b.secondFrame = lastFrame;
        }
        return b;
    }

    private void register(Block b, long mfn) {
        if (!memory.isCodeFrame(mfn)) {
            memory.markCodeFrame(mfn);
            cpu.mmu.dropWritesTo(mfn);
        }
        byFrame.computeIfAbsent(mfn, k -> new ArrayList<>()).add(b);
    }

    /** Drops every block decoded from frame {@code mfn}. */
    void invalidateFrame(long mfn) {
        List<Block> blocks = byFrame.remove(mfn);
        memory.clearCodeFrame(mfn);
        if (blocks == null) {
            return;
        }
        for (Block b : blocks) {
            if (b.valid) {
                b.valid = false;
                blockCount--;
                unhash(b);
            }
        }
    }

    private void unhash(Block b) {
        int h = hash(b.startMa);
        Block prev = null;
        for (Block x = buckets[h]; x != null; prev = x, x = x.hashNext) {
            if (x == b) {
                if (prev == null) {
                    buckets[h] = x.hashNext;
                } else {
                    prev.hashNext = x.hashNext;
                }
                return;
            }
        }
    }

    /** Drops every cached block (a frame was written behind the engine's back). */
    void invalidateAll() {
        for (Long mfn : byFrame.keySet().toArray(new Long[0])) {
            invalidateFrame(mfn);
        }
    }

    /** Instructions after which decoding stops: they may change RIP or the decoding mode. */
    static boolean endsBlock(int op) {
        if (op < 0x100) {
            return END_1B[op];
        }
        if ((op >>> 8) == Decoder.MAP_0F) {
            return END_0F[op & 0xFF];
        }
        return op >= Decoder.OP_UD;
    }

    private static final boolean[] END_1B = new boolean[256];
    private static final boolean[] END_0F = new boolean[256];

    static {
        for (int i = 0x70; i <= 0x7F; i++) {
            END_1B[i] = true;
        }
        // A4/A5 AA..AD: REP MOVS/STOS/LODS re-execute themselves in chunks (StringOps.REP_CHUNK).
        for (int i : new int[] {0xA4, 0xA5, 0xAA, 0xAB, 0xAC, 0xAD, 0x8E, 0x9A, 0x9D, 0xC2, 0xC3, 0xCA, 0xCB, 0xCC, 0xCD, 0xCE, 0xCF, 0xE0, 0xE1, 0xE2,
                0xE3, 0xE4, 0xE5, 0xE6, 0xE7, 0xE8, 0xE9, 0xEA, 0xEB, 0xEC, 0xED, 0xEE, 0xEF, 0x6C, 0x6D, 0x6E, 0x6F,
                0xF4, 0xFA, 0xFB, 0xFF, 0x17, 0x1F, 0x07}) {
            END_1B[i] = true;
        }
        for (int i = 0x80; i <= 0x8F; i++) {
            END_0F[i] = true;
        }
        for (int i : new int[] {0x00, 0x01, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0B, 0x20, 0x21, 0x22, 0x23, 0x30, 0x32,
                0x33, 0x34, 0x35, 0xA1, 0xA9, 0xAA, 0xFF}) {
            END_0F[i] = true;
        }
    }
}
