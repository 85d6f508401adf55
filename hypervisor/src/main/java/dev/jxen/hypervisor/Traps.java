package dev.jxen.hypervisor;

import dev.jxen.abi.SharedInfo;
import dev.jxen.hypervisor.mm.FrameTable;
import dev.jxen.hypervisor.mm.PvMmu;
import dev.jxen.machine.CpuState;
import dev.jxen.machine.ExitReason;
import dev.jxen.machine.MachineMemory;
import dev.jxen.machine.PrivilegedOp;
import dev.jxen.machine.VcpuExit;

/**
 * The PV trap machinery (PV-ABI.md §4.2–4.4, §5): bounce frames into the guest's trap handlers and
 * callbacks, the kernel/user mode switch they imply, emulation of the privileged instructions Xen
 * emulates for PV guests, forced-emulation CPUID, and writable-page-table (ptwr) emulation.
 */
final class Traps {
    static final int DE = 0, DB = 1, BP = 3, OF = 4, UD = 6, NM = 7, GP = 13, PF = 14;
    static final long RF_TF = 0x100, RF_IF = 0x200, RF_DF = 0x400, RF_IOPL = 0x3000, RF_NT = 0x4000,
            RF_RF = 0x1_0000, RF_VM = 0x2_0000, RF_AC = 0x4_0000;
    static final long MSR_EFER = 0xC000_0080L, MSR_FS_BASE = 0xC000_0100L, MSR_GS_BASE = 0xC000_0101L,
            MSR_SHADOW_GS_BASE = 0xC000_0102L, MSR_TSC_AUX = 0xC000_0103L, MSR_PAT = 0x277, MSR_TSC = 0x10,
            MSR_MISC_ENABLE = 0x1A0, MSR_UCODE_REV = 0x8B;
    static final long XEN_PAT = 0x0000_0501_0007_0406L;
    /** {@code ud2; .ascii "xen"; cpuid}: Xen's forced-emulation prefix. */
    private static final byte[] FORCED_CPUID = {0x0F, 0x0B, 0x78, 0x65, 0x6E, 0x0F, (byte) 0xA2};
    private static final String[] NAMES = {"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "#CSO",
        "#TS", "#NP", "#SS", "#GP", "#PF", "#15", "#MF", "#AC", "#MC", "#XM", "#VE", "#CP"};

    private Traps() {
    }

    static String vectorName(int v) {
        return v >= 0 && v < NAMES.length ? NAMES[v] : "vector " + v;
    }

    static boolean hasErrorCode(int v) {
        return v == 8 || (v >= 10 && v <= 14) || v == 17 || v == 21 || v == 29 || v == 30;
    }

    // ------------------------------------------------------------------ exceptions

    static void onException(Vcpu v, int vector, int errorCode, long faultAddress) {
        if (vector == PF && v.kernelMode && (errorCode & 3) == 3 && ptwr(v, faultAddress)) {
            return;
        }
        deliverException(v, vector, errorCode, faultAddress);
    }

    private static void deliverException(Vcpu v, int vector, int errorCode, long faultAddress) {
        CpuState s = v.state;
        if (vector == UD && forcedCpuid(v)) {
            return;
        }
        if (vector == NM && v.virtualTs) {
            v.virtualTs = false;
            s.setCr0(s.cr0() & ~8L);
        }
        if (vector == PF) {
            v.mem.write64(v.vcpuInfoMa + SharedInfo.VI_ARCH_CR2, faultAddress);
            s.setCr2(faultAddress);
            errorCode = (errorCode & ~4) | (v.kernelMode ? 0 : 4);
        }
        if (v.trapAddress[vector] == 0) {
            v.domain().crash(v, "unhandled " + vectorName(vector) + (errorCode >= 0 ? " error 0x"
                    + Integer.toHexString(errorCode) : "") + " in guest " + (v.kernelMode ? "kernel" : "user")
                    + " mode (no trap handler)", vector == PF ? faultAddress : -1);
            return;
        }
        raise(v, vector, errorCode, s.rip());
    }

    /**
     * Delivers exception {@code vector} to the guest's trap handler with {@code rip} as the return
     * address ({@code errorCode} -1: none pushed, else pushed when the vector has one); crashes the
     * domain when there is no handler.
     */
    static void raise(Vcpu v, int vector, int errorCode, long rip) {
        long handler = v.trapAddress[vector];
        if (handler == 0) {
            v.domain().crash(v, "unhandled " + vectorName(vector) + " in guest " + (v.kernelMode ? "kernel" : "user")
                    + " mode (no trap handler)", -1);
            return;
        }
        int err = hasErrorCode(vector) ? Math.max(errorCode, 0) : -1;
        bounce(v, handler, err, (v.trapFlags[vector] & 4) != 0, rip, false);
    }

    /**
     * Builds a bounce frame ({@code RCX, R11, [error], RIP, CS|mask<<32, RFLAGS, RSP, SS}) and enters
     * {@code handler} in guest kernel mode. Returns false when the domain crashed instead.
     */
    static boolean bounce(Vcpu v, long handler, int errorCode, boolean maskEvents, long rip, boolean clearDf) {
        CpuState s = v.state;
        int savedMask = v.upcallMask() & 0xFF;
        long rsp = s.gpr(CpuState.RSP);
        long rflags = s.rflags();
        long cs = s.selector(CpuState.CS);
        long ss = s.selector(CpuState.SS);
        if (!v.kernelMode) {
            v.toggleMode();
            rsp = v.kernelSp;
        } else {
            cs &= ~3L;
        }
        rsp &= ~15L;
        if (Long.compareUnsigned(rsp - 1, 0xFFFF_8000_0000_0000L) >= 0
                && Long.compareUnsigned(rsp - 1, 0xFFFF_8800_0000_0000L) < 0) {
            v.domain().crash(v, "bounce frame stack 0x" + Long.toHexString(rsp) + " lies in the Xen hole", -1);
            return false;
        }
        long frameFlags = (rflags & ~(RF_IF | RF_IOPL)) | (savedMask == 0 ? RF_IF : 0);
        if ((v.vmAssist & (1L << dev.jxen.abi.MmuOp.VMASST_TYPE_ARCHITECTURAL_IOPL)) != 0) {
            frameFlags |= (long) v.iopl << 12;
        }
        int words = errorCode >= 0 ? 8 : 7;
        long[] frame = v.bounceFrame;
        int n = 0;
        frame[n++] = s.gpr(CpuState.RCX);
        frame[n++] = s.gpr(11);
        if (errorCode >= 0) {
            frame[n++] = errorCode & 0xFFFF_FFFFL;
        }
        frame[n++] = rip;
        frame[n++] = cs | ((long) savedMask << 32);
        frame[n++] = frameFlags;
        frame[n++] = s.gpr(CpuState.RSP);
        frame[n] = ss;
        long base = rsp - words * 8L;
        try {
            long ma = v.maInPage(base, words * 8, true);
            for (int i = 0; i < words; i++) {
                if (ma >= 0) {
                    v.mem.write64(ma + i * 8L, frame[i]);
                } else {
                    v.write64(base + i * 8L, frame[i]);
                }
            }
            rsp = base;
        } catch (GuestFault f) {
            v.domain().crash(v, "cannot write a bounce frame below rsp 0x" + Long.toHexString(rsp)
                    + " (guest stack not mapped writable)", rsp);
            return false;
        }
        s.setGpr(CpuState.RSP, rsp);
        s.loadSegment(CpuState.CS, PvCpuHost.FLAT_CS64, PvCpuHost.DESC_CS64);
        s.loadSegment(CpuState.SS, PvCpuHost.FLAT_DS, PvCpuHost.DESC_DS);
        long nf = (rflags & ~(RF_TF | RF_NT | RF_RF | RF_VM | RF_AC | RF_IOPL)) | RF_IF;
        if (clearDf) {
            nf &= ~RF_DF;
        }
        s.setRflags(nf);
        s.setRip(handler);
        if (maskEvents) {
            v.setUpcallMask(true);
        }
        return true;
    }

    /** Enters the event callback (upcall) with events masked. */
    static boolean deliverUpcall(Vcpu v) {
        if (v.eventCallback == 0) {
            v.domain().crash(v, "event upcall due but no event callback registered", -1);
            return false;
        }
        return bounce(v, v.eventCallback, -1, true, v.state.rip(), false);
    }

    /** SYSCALL from guest user mode: the guest's 64-bit syscall callback, or #GP without one. */
    static void userSyscall(Vcpu v, long returnRip, long rflags) {
        if (v.syscallCallback == 0) {
            raise(v, GP, 0, returnRip - 2);
            return;
        }
        bounce(v, v.syscallCallback, -1, v.syscallMasksEvents, returnRip, true);
    }

    static void onSoftwareInterrupt(Vcpu v, int vector, int length) {
        long after = v.state.rip();
        if (vector == BP || vector == OF) {
            raise(v, vector, -1, after);
            return;
        }
        int dpl = v.trapFlags[vector] & 3;
        boolean allowed = v.kernelMode ? dpl >= 1 : dpl == 3;
        if (v.trapAddress[vector] != 0 && allowed) {
            bounce(v, v.trapAddress[vector], -1, (v.trapFlags[vector] & 4) != 0, after, false);
            return;
        }
        raise(v, GP, (vector << 3) | 2, after - length);
    }

    // ------------------------------------------------------------------ forced CPUID

    private static boolean forcedCpuid(Vcpu v) {
        CpuState s = v.state;
        long rip = s.rip();
        try {
            long ma = v.maInPage(rip, FORCED_CPUID.length, false);
            for (int i = 0; i < FORCED_CPUID.length; i++) {
                byte b = ma >= 0 ? v.mem.read8(ma + i) : (byte) v.read8(rip + i);
                if (b != FORCED_CPUID[i]) {
                    return false;
                }
            }
        } catch (GuestFault f) {
            return false;
        }
        int[] out = v.cpuidScratch;
        PvCpuHost.policy(v.domain().hypervisor().engine(), (int) s.gpr(CpuState.RAX), (int) s.gpr(CpuState.RCX), v.id(),
                out);
        s.setGpr(CpuState.RAX, out[0] & 0xFFFF_FFFFL);
        s.setGpr(CpuState.RBX, out[1] & 0xFFFF_FFFFL);
        s.setGpr(CpuState.RCX, out[2] & 0xFFFF_FFFFL);
        s.setGpr(CpuState.RDX, out[3] & 0xFFFF_FFFFL);
        s.setRip(rip + FORCED_CPUID.length);
        return true;
    }

    // ------------------------------------------------------------------ privileged instructions

    static void onPrivileged(Vcpu v, PrivilegedOp op, int op0, int op1, int length) {
        CpuState s = v.state;
        long rip = s.rip();
        boolean ok = switch (op) {
            case RDMSR -> rdmsr(v);
            case WRMSR -> wrmsr(v);
            case MOV_FROM_CR -> movFromCr(v, op0, op1);
            case MOV_TO_CR -> movToCr(v, op0, s.gpr(op1));
            case MOV_FROM_DR -> {
                if (op0 > 7) {
                    yield false;
                }
                s.setGpr(op1, v.debugReg[op0 == 4 ? 6 : op0 == 5 ? 7 : op0]);
                yield true;
            }
            case MOV_TO_DR -> Hypercalls.setDebugreg(v, op0 == 4 ? 6 : op0 == 5 ? 7 : op0, s.gpr(op1)) == 0;
            case CLTS -> {
                v.virtualTs = false;
                s.setCr0(s.cr0() & ~8L);
                yield true;
            }
            case CLI, STI -> v.kernelMode ? v.iopl >= 1 : v.iopl == 3;
            case WBINVD -> true;
            default -> false;
        };
        if (v.domain().dying) {
            return;
        }
        if (ok) {
            s.setRip(rip + length);
        } else {
            raise(v, GP, 0, rip);
        }
    }

    private static boolean rdmsr(Vcpu v) {
        CpuState s = v.state;
        long msr = s.gpr(CpuState.RCX) & 0xFFFF_FFFFL;
        long value;
        if (msr == MSR_FS_BASE) {
            value = s.segmentBase(CpuState.FS);
        } else if (msr == MSR_GS_BASE) {
            value = s.segmentBase(CpuState.GS);
        } else if (msr == MSR_SHADOW_GS_BASE) {
            value = s.kernelGsBase();
        } else if (msr == MSR_PAT) {
            value = XEN_PAT;
        } else if (msr == MSR_EFER) {
            value = s.efer();
        } else if (msr == MSR_TSC) {
            value = v.hv.tscNow();
        } else if (msr == MSR_MISC_ENABLE) {
            value = 1; // fast strings
        } else if (msr == MSR_UCODE_REV) {
            value = 0; // microcode revision 0 (the emulated CPU has no microcode)
        } else if (v.trapAddress[GP] == 0) {
            value = 0; // reads before a #GP handler exists read as 0
        } else {
            return false;
        }
        s.setGpr(CpuState.RAX, value & 0xFFFF_FFFFL);
        s.setGpr(CpuState.RDX, value >>> 32);
        return true;
    }

    private static boolean wrmsr(Vcpu v) {
        CpuState s = v.state;
        long msr = s.gpr(CpuState.RCX) & 0xFFFF_FFFFL;
        long value = (s.gpr(CpuState.RAX) & 0xFFFF_FFFFL) | (s.gpr(CpuState.RDX) << 32);
        if (msr == MSR_FS_BASE || msr == MSR_GS_BASE || msr == MSR_SHADOW_GS_BASE) {
            if (!Hypercalls.canonical(value)) {
                return false;
            }
            if (msr == MSR_FS_BASE) {
                s.setSegmentBase(CpuState.FS, value);
            } else if (msr == MSR_GS_BASE) {
                s.setSegmentBase(CpuState.GS, value);
            } else {
                s.setKernelGsBase(value);
            }
            return true;
        }
        // Intel's protocol for reading the microcode revision writes 0 first: accepted, as Xen does.
        return msr == MSR_PAT && value == XEN_PAT || msr == MSR_UCODE_REV && value == 0;
    }

    private static boolean movFromCr(Vcpu v, int cr, int gpr) {
        CpuState s = v.state;
        long value = switch (cr) {
            case 0 -> 0x8005_003BL | (v.virtualTs ? 8 : 0); // PG WP NE ET MP PE (+TS)
            case 2 -> v.mem.read64(v.vcpuInfoMa + SharedInfo.VI_ARCH_CR2);
            case 3 -> (v.kernelMode ? v.kernelTable : v.userTable) << MachineMemory.PAGE_SHIFT;
            case 4 -> 0x620; // PAE OSFXSR OSXMMEXCPT
            default -> -1;
        };
        if (cr == 8 || value == -1 && cr != 2) {
            return false;
        }
        s.setGpr(gpr, value);
        return true;
    }

    private static boolean movToCr(Vcpu v, int cr, long value) {
        switch (cr) {
            case 0 -> {
                long cur = 0x8005_003BL | (v.virtualTs ? 8 : 0);
                if (((value ^ cur) & ~8L) != 0) {
                    return false;
                }
                Hypercalls.fpuTaskswitch(v, (value & 8) != 0);
                return true;
            }
            case 2 -> {
                v.mem.write64(v.vcpuInfoMa + SharedInfo.VI_ARCH_CR2, value);
                v.state.setCr2(value);
                return true;
            }
            case 3 -> {
                return v.setKernelBaseTable(value >>> MachineMemory.PAGE_SHIFT) == 0;
            }
            case 4 -> {
                return (value & ~(0x620L | 0xC)) == 0;
            }
            default -> {
                return false;
            }
        }
    }

    static void onIo(Vcpu v, boolean in, int size, boolean string, int length, int port) {
        CpuState s = v.state;
        long rip = s.rip();
        boolean allowed = v.kernelMode ? v.iopl >= 1 : v.iopl == 3;
        if (!allowed || string) {
            raise(v, GP, 0, rip);
            return;
        }
        if (in) {
            long rax = s.gpr(CpuState.RAX);
            rax = switch (size) {
                case 1 -> rax | 0xFF;
                case 2 -> rax | 0xFFFF;
                default -> 0xFFFF_FFFFL;
            };
            s.setGpr(CpuState.RAX, rax);
        }
        s.setRip(rip + length);
    }

    // ------------------------------------------------------------------ writable page tables

    /**
     * Emulates a kernel write that faulted on a read-only mapping of a validated L1 table: the
     * mapping is made writable for exactly one instruction (single-stepped with TF), then the
     * changed entries are validated like mmu_update. An invalid entry is put back, the registers
     * are restored and the guest gets the #PF. Returns false when the fault was not a ptwr write.
     */
    private static boolean ptwr(Vcpu v, long va) {
        PvMmu mmu = v.hv.mmu();
        FrameTable ft = mmu.frames();
        MachineMemory mem = v.mem;
        int domid = v.domain().id();
        synchronized (ft) {
            long pteMa = mmu.l1EntryAddress(v.kernelTable, va);
            if (pteMa < 0) {
                return false;
            }
            long pte = mem.read64(pteMa);
            long target = (pte & PvMmu.ADDR_MASK) >>> 12;
            if ((pte & PvMmu.P) == 0 || (pte & PvMmu.RW) != 0 || !ft.valid(target) || ft.owner(target) != domid
                    || !ft.isPageTable(target) || ft.type(target) != FrameTable.PGT_L1) {
                return false;
            }
            CpuState s = v.state;
            long base = target << MachineMemory.PAGE_SHIFT;
            long[] before = new long[512];
            for (int i = 0; i < 512; i++) {
                before[i] = mem.read64(base + i * 8L);
            }
            long[] regs = new long[16];
            for (int r = 0; r < 16; r++) {
                regs[r] = s.gpr(r);
            }
            long rip = s.rip();
            long rflags = s.rflags();
            mem.write64(pteMa, pte | PvMmu.RW);
            v.runner.invalidatePage(va);
            s.setRflags(rflags | RF_TF);
            ExitReason r = v.runner.run(1);
            VcpuExit x = v.runner.exit();
            int vector = x.vector;
            int err = x.hasErrorCode ? x.errorCode : -1;
            long cr2 = x.faultAddress;
            s.setRflags((s.rflags() & ~RF_TF) | (rflags & RF_TF));
            mem.write64(pteMa, pte);
            v.runner.invalidatePage(va);
            if (r != ExitReason.EXCEPTION || vector != DB) {
                // The instruction did not complete (another fault) or exited: handle that instead.
                if (r == ExitReason.EXCEPTION) {
                    deliverException(v, vector, err, cr2);
                }
                return true;
            }
            boolean bad = false;
            for (int i = 0; i < 512; i++) {
                long now = mem.read64(base + i * 8L);
                if (now == before[i]) {
                    continue;
                }
                long ma = base + i * 8L;
                mem.write64(ma, before[i]);
                if (mmu.updateTableEntry(ma, 1, now, domid, false) != 0) {
                    bad = true;
                }
            }
            if (bad) {
                for (int r2 = 0; r2 < 16; r2++) {
                    s.setGpr(r2, regs[r2]);
                }
                s.setRip(rip);
                s.setRflags(rflags);
                deliverException(v, PF, 3, va);
            }
            return true;
        }
    }
}
