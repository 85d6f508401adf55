package dev.jxen.x86;

import java.util.Arrays;

/**
 * FXSAVE/FXRSTOR's 512-byte image of the x87, MMX and SSE state, and the 0F AE group (FXSAVE,
 * FXRSTOR, LDMXCSR, STMXCSR, fences, CLFLUSH). The x87 unit fills bytes 0..23 and 32..159 in the
 * 64-bit (REX.W) layout, the SSE unit MXCSR, MXCSR_MASK and the XMM registers; bytes 416..511 are
 * reserved or free for software and are never written to guest memory.
 */
final class FxState {
    /** MXCSR bits that may be set (DAZ included), as the host reports in MXCSR_MASK. */
    static final int MXCSR_MASK = 0xFFFF;

    /** Bytes FXSAVE writes: XMM8..15 (bytes 288..415) only in 64-bit mode. */
    private static final int BYTES_64 = 416, BYTES_32 = 288;

    private FxState() {
    }

    /** The full image of the current state (reserved bytes 416..511 zero). */
    static void save(X86Cpu c, byte[] out) {
        Arrays.fill(out, BYTES_64, 512, (byte) 0);
        c.x87.fxsave(out);
        c.sse.fxsave(out);
    }

    /** Loads a full image; MXCSR must already have been checked against {@link #MXCSR_MASK}. */
    static void load(X86Cpu c, byte[] in) {
        c.x87.fxrstor(in);
        c.sse.fxrstor(in);
    }

    static int group15(X86Cpu c) {
        int reg = c.modrmReg() & 7;
        int pfx = SystemOps.prefix(c);
        if (c.rmIsReg()) {
            if (reg >= 5 && pfx == Decoder.PFX_NONE) {
                return Interpreter.CONTINUE; // LFENCE, MFENCE, SFENCE: one vCPU's accesses are already ordered
            }
            throw c.fault(Vectors.UD); // RDFSBASE & co: FSGSBASE is not advertised
        }
        switch (reg) {
            case 0:
                return fxsave(c);
            case 1:
                return fxrstor(c);
            case 2:
            case 3:
                return mxcsr(c, reg == 2);
            case 7:
                if (pfx != Decoder.PFX_NONE) {
                    throw c.fault(Vectors.UD); // CLFLUSHOPT is not advertised
                }
                c.mmu.read8(c.ea()); // CLFLUSH faults like a read; there is no cache to flush
                return Interpreter.CONTINUE;
            default:
                throw c.fault(Vectors.UD); // XSAVE family, CLWB: not advertised
        }
    }

    /** #NM when CR0.EM or CR0.TS is set; #GP(0) unless the operand is 16-byte aligned. */
    private static long imageAddress(X86Cpu c) {
        if ((c.cr0 & (X86Cpu.CR0_EM | X86Cpu.CR0_TS)) != 0) {
            throw c.fault(Vectors.NM);
        }
        long a = c.ea();
        if ((a & 15) != 0) {
            throw c.fault(Vectors.GP, 0);
        }
        return a;
    }

    /** Without REX.W the image has 32-bit FPU IP/DP and FCS/FDS, stored as 0 (deprecated on the host). */
    private static void to32BitLayout(X86Cpu c, byte[] img) {
        if ((c.attr & Decoder.A_REXW) == 0) {
            Arrays.fill(img, 12, 16, (byte) 0);
            Arrays.fill(img, 20, 24, (byte) 0);
        }
    }

    private static int fxsave(X86Cpu c) {
        long a = imageAddress(c);
        c.mmu.probeWrite(a, 512 - 256);
        c.mmu.probeWrite(a + 256, 256);
        byte[] img = c.fxImage;
        save(c, img);
        to32BitLayout(c, img);
        int n = c.code64 ? BYTES_64 : BYTES_32;
        for (int i = 0; i < n; i += 8) {
            c.mmu.write64(a + i, getLong(img, i));
        }
        return Interpreter.CONTINUE;
    }

    private static int fxrstor(X86Cpu c) {
        long a = imageAddress(c);
        byte[] img = c.fxImage;
        save(c, img); // outside 64-bit mode XMM8..15 keep their values
        int n = c.code64 ? BYTES_64 : BYTES_32;
        for (int i = 0; i < n; i += 8) {
            putLong(img, i, c.mmu.read64(a + i));
        }
        c.mmu.read64(a + 504); // the whole 512-byte image must be readable (#PF as on the host), though 416..511 are unused
        int mxcsr = (int) getLong(img, 24);
        if ((mxcsr & ~MXCSR_MASK) != 0) {
            throw c.fault(Vectors.GP, 0);
        }
        to32BitLayout(c, img);
        load(c, img);
        return Interpreter.CONTINUE;
    }

    /** LDMXCSR/STMXCSR: #UD with CR0.EM or without CR4.OSFXSR, #NM with CR0.TS, #GP for reserved bits. */
    private static int mxcsr(X86Cpu c, boolean load) {
        if ((c.cr0 & X86Cpu.CR0_EM) != 0 || (c.cr4 & X86Cpu.CR4_OSFXSR) == 0) {
            throw c.fault(Vectors.UD);
        }
        if ((c.cr0 & X86Cpu.CR0_TS) != 0) {
            throw c.fault(Vectors.NM);
        }
        long a = c.ea();
        if (load) {
            int v = c.mmu.read32(a);
            if ((v & ~MXCSR_MASK) != 0) {
                throw c.fault(Vectors.GP, 0);
            }
            c.sse.mxcsr = v;
        } else {
            c.mmu.write32(a, c.sse.mxcsr);
        }
        return Interpreter.CONTINUE;
    }

    private static long getLong(byte[] b, int i) {
        long v = 0;
        for (int k = 7; k >= 0; k--) {
            v = (v << 8) | (b[i + k] & 0xFF);
        }
        return v;
    }

    private static void putLong(byte[] b, int i, long v) {
        for (int k = 0; k < 8; k++) {
            b[i + k] = (byte) (v >>> (8 * k));
        }
    }
}
