package dev.jxen.hypervisor;

import static dev.jxen.abi.XenErrno.EACCES;
import static dev.jxen.abi.XenErrno.EEXIST;
import static dev.jxen.abi.XenErrno.EFAULT;
import static dev.jxen.abi.XenErrno.EINVAL;
import static dev.jxen.abi.XenErrno.ENODEV;
import static dev.jxen.abi.XenErrno.ENOENT;
import static dev.jxen.abi.XenErrno.ENOSYS;
import static dev.jxen.abi.XenErrno.EOPNOTSUPP;
import static dev.jxen.abi.XenErrno.EPERM;
import static dev.jxen.abi.XenErrno.ETIME;

import dev.jxen.abi.CallbackOp;
import dev.jxen.abi.ConsoleIo;
import dev.jxen.abi.EventChannelOp;
import dev.jxen.abi.Hypercall;
import dev.jxen.abi.MemoryOp;
import dev.jxen.abi.MmuOp;
import dev.jxen.abi.PhysdevOp;
import dev.jxen.abi.SchedOp;
import dev.jxen.abi.SharedInfo;
import dev.jxen.abi.VcpuOp;
import dev.jxen.abi.XenVersion;
import dev.jxen.hypervisor.grant.GrantCaller;
import dev.jxen.hypervisor.grant.GrantOps;
import dev.jxen.hypervisor.mm.FrameTable;
import dev.jxen.hypervisor.mm.PvMmu;
import dev.jxen.machine.CpuState;
import dev.jxen.machine.MachineMemory;
import java.nio.charset.StandardCharsets;

/**
 * The 64-bit PV hypercalls (PV-ABI.md §3): argument decoding from guest memory and Xen's result
 * or {@code -errno} for each. Runs on the calling vCPU's thread.
 */
final class Hypercalls {
    /** Returned by calls that set the guest's registers themselves (iret, shutdown, crash). */
    static final long NO_RESULT = Long.MIN_VALUE;
    static final int VERSION_MAJOR = 4, VERSION_MINOR = 17;
    static final String EXTRAVERSION = ".7-jxen";
    /** XENFEAT bits Xen 4.17 reports to a PV domU: preserve_ad, highmem_assist, gnttab_map_avail_bits, vnode. */
    static final int PV_FEATURES = (1 << XenVersion.XENFEAT_MMU_PT_UPDATE_PRESERVE_AD)
            | (1 << XenVersion.XENFEAT_HIGHMEM_ASSIST) | (1 << XenVersion.XENFEAT_GNTTAB_MAP_AVAIL_BITS)
            | (1 << XenVersion.XENFEAT_MEMORY_OP_VNODE_SUPPORTED);
    static final int VGCF_IN_SYSCALL = 1 << 8;
    private static final long MAX_CONSOLE_WRITE = 1 << 16;

    private Hypercalls() {
    }

    static long call(Vcpu v, long nr, long a1, long a2, long a3, long a4, long a5) {
        try {
            return dispatch(v, nr, a1, a2, a3, a4, a5);
        } catch (GuestFault f) {
            return -EFAULT;
        }
    }

    private static long dispatch(Vcpu v, long nr, long a1, long a2, long a3, long a4, long a5) {
        return switch ((int) nr == nr ? (int) nr : -1) {
            case Hypercall.SET_TRAP_TABLE -> setTrapTable(v, a1);
            case Hypercall.MMU_UPDATE -> mmuUpdate(v, a1, a2, a3, a4);
            case Hypercall.SET_GDT -> setGdt(v, a1, a2);
            case Hypercall.STACK_SWITCH -> {
                v.kernelSs = a1 | 3;
                v.kernelSp = a2;
                yield 0;
            }
            case Hypercall.SET_CALLBACKS -> {
                v.eventCallback = a1;
                v.failsafeCallback = a2;
                v.syscallCallback = a3;
                v.failsafeMasksEvents = false;
                v.syscallMasksEvents = false;
                yield 0;
            }
            case Hypercall.FPU_TASKSWITCH -> {
                fpuTaskswitch(v, a1 != 0);
                yield 0;
            }
            case Hypercall.SCHED_OP_COMPAT -> schedOpCompat(v, a1, a2);
            case Hypercall.SET_DEBUGREG -> setDebugreg(v, (int) a1, a2);
            case Hypercall.GET_DEBUGREG -> a1 >= 0 && a1 <= 7 ? v.debugReg[(int) (a1 == 4 ? 6 : a1 == 5 ? 7 : a1)]
                    : -EINVAL;
            case Hypercall.UPDATE_DESCRIPTOR -> updateDescriptor(v, a1, a2);
            case Hypercall.MEMORY_OP -> memoryOp(v, a1, a2);
            case Hypercall.MULTICALL -> multicall(v, a1, a2);
            case Hypercall.UPDATE_VA_MAPPING -> updateVaMapping(v, a1, a2, a3);
            case Hypercall.SET_TIMER_OP -> setTimerOp(v, a1);
            case Hypercall.EVENT_CHANNEL_OP_COMPAT -> eventChannelOp(v, v.read32(a1), a1 + 4);
            case Hypercall.XEN_VERSION -> xenVersion(v, a1, a2);
            case Hypercall.CONSOLE_IO -> consoleIo(v, a1, a2, a3);
            case Hypercall.PHYSDEV_OP_COMPAT -> physdevOp(v, v.read32(a1), a1 + 8);
            case Hypercall.GRANT_TABLE_OP -> grantTableOp(v, a1, a2, a3);
            case Hypercall.VM_ASSIST -> vmAssist(v, a1, a2);
            case Hypercall.UPDATE_VA_MAPPING_OTHERDOMAIN -> -EPERM;
            case Hypercall.IRET -> iret(v);
            case Hypercall.VCPU_OP -> vcpuOp(v, a1, a2, a3);
            case Hypercall.SET_SEGMENT_BASE -> setSegmentBase(v, a1, a2);
            case Hypercall.MMUEXT_OP -> mmuextOp(v, a1, a2, a3, a4);
            case Hypercall.NMI_OP -> {
                if (a1 == 0) {
                    v.nmiCallback = v.read64(a2);
                    yield 0;
                }
                yield a1 == 1 ? 0 : -ENOSYS;
            }
            case Hypercall.SCHED_OP -> schedOp(v, a1, a2);
            case Hypercall.CALLBACK_OP -> callbackOp(v, a1, a2);
            case Hypercall.EVENT_CHANNEL_OP -> eventChannelOp(v, (int) a1, a2);
            case Hypercall.PHYSDEV_OP -> physdevOp(v, (int) a1, a2);
            case Hypercall.PLATFORM_OP, Hypercall.SYSCTL, Hypercall.DOMCTL, Hypercall.KEXEC_OP -> -EPERM;
            default -> -ENOSYS; // hvm_op, xsm_op, xenoprof, tmem, argo, xenpmu, dm_op, hypfs, mca, unknown
        };
    }

    static String name(int nr) {
        return switch (nr) {
            case 0 -> "set_trap_table";
            case 1 -> "mmu_update";
            case 2 -> "set_gdt";
            case 3 -> "stack_switch";
            case 4 -> "set_callbacks";
            case 5 -> "fpu_taskswitch";
            case 6 -> "sched_op_compat";
            case 8 -> "set_debugreg";
            case 9 -> "get_debugreg";
            case 10 -> "update_descriptor";
            case 12 -> "memory_op";
            case 13 -> "multicall";
            case 14 -> "update_va_mapping";
            case 15 -> "set_timer_op";
            case 16 -> "event_channel_op_compat";
            case 17 -> "xen_version";
            case 18 -> "console_io";
            case 19 -> "physdev_op_compat";
            case 20 -> "grant_table_op";
            case 21 -> "vm_assist";
            case 22 -> "update_va_mapping_otherdomain";
            case 23 -> "iret";
            case 24 -> "vcpu_op";
            case 25 -> "set_segment_base";
            case 26 -> "mmuext_op";
            case 28 -> "nmi_op";
            case 29 -> "sched_op";
            case 30 -> "callback_op";
            case 32 -> "event_channel_op";
            case 33 -> "physdev_op";
            case 34 -> "hvm_op";
            default -> "hypercall_" + nr;
        };
    }

    static boolean canonical(long va) {
        return (va << 16 >> 16) == va;
    }

    // ------------------------------------------------------------------ traps and callbacks

    private static long setTrapTable(Vcpu v, long table) {
        if (table == 0) {
            java.util.Arrays.fill(v.trapAddress, 0);
            java.util.Arrays.fill(v.trapFlags, (byte) 0);
            return 0;
        }
        for (long p = table; ; p += 16) {
            long address = v.read64(p + 8);
            if (address == 0) {
                return 0;
            }
            if (!canonical(address)) {
                return -EINVAL;
            }
            int vector = v.read8(p);
            v.trapFlags[vector] = (byte) v.read8(p + 1);
            v.trapAddress[vector] = address;
        }
    }

    private static long callbackOp(Vcpu v, long cmd, long arg) {
        if (cmd == CallbackOp.REGISTER) {
            int type = v.read16(arg);
            int flags = v.read16(arg + 2);
            long address = v.read64(arg + 8);
            if (!canonical(address)) {
                return -EINVAL;
            }
            boolean mask = (flags & CallbackOp.CALLBACKF_MASK_EVENTS) != 0;
            switch (type) {
                case CallbackOp.TYPE_EVENT -> v.eventCallback = address;
                case CallbackOp.TYPE_FAILSAFE -> {
                    v.failsafeCallback = address;
                    v.failsafeMasksEvents = mask;
                }
                case CallbackOp.TYPE_SYSCALL -> {
                    v.syscallCallback = address;
                    v.syscallMasksEvents = mask;
                }
                case CallbackOp.TYPE_SYSCALL32 -> v.syscall32Callback = address;
                case CallbackOp.TYPE_SYSENTER -> v.sysenterCallback = address;
                case CallbackOp.TYPE_NMI -> v.nmiCallback = address;
                default -> {
                    return -ENOSYS;
                }
            }
            return 0;
        }
        if (cmd == CallbackOp.UNREGISTER) {
            if (v.read16(arg) != CallbackOp.TYPE_NMI) {
                return -EINVAL;
            }
            v.nmiCallback = 0;
            return 0;
        }
        return -ENOSYS;
    }

    static void fpuTaskswitch(Vcpu v, boolean set) {
        v.virtualTs = set;
        CpuState s = v.state;
        s.setCr0(set ? s.cr0() | 8 : s.cr0() & ~8L);
    }

    static long setDebugreg(Vcpu v, int reg, long value) {
        if (reg == 4 || reg == 5) {
            reg += 2;
        }
        switch (reg) {
            case 0, 1, 2, 3 -> {
                if (!canonical(value) || inXenHole(value)) {
                    return -EPERM;
                }
            }
            case 6 -> {
                if ((value >>> 32) != 0) {
                    return -EINVAL;
                }
            }
            case 7 -> {
                if ((value >>> 32) != 0) {
                    return -EINVAL;
                }
                if ((value & (1 << 13)) != 0) {
                    return -EPERM;
                }
            }
            default -> {
                return -ENODEV;
            }
        }
        v.debugReg[reg] = value;
        return 0;
    }

    static boolean inXenHole(long va) {
        return Long.compareUnsigned(va, MemoryOp.MACH2PHYS_VIRT_START) >= 0
                && Long.compareUnsigned(va, MemoryOp.HYPERVISOR_VIRT_END) < 0;
    }

    private static long setSegmentBase(Vcpu v, long which, long base) {
        CpuState s = v.state;
        switch ((int) which) {
            case 0, 1, 2 -> {
                if (!canonical(base)) {
                    return -EINVAL;
                }
                if (which == 0) {
                    s.setSegmentBase(CpuState.FS, base);
                } else if (which == 1) {
                    if (v.kernelMode) {
                        s.setKernelGsBase(base);
                    } else {
                        s.setSegmentBase(CpuState.GS, base);
                    }
                } else {
                    if (v.kernelMode) {
                        s.setSegmentBase(CpuState.GS, base);
                    } else {
                        s.setKernelGsBase(base);
                    }
                }
                return 0;
            }
            case 3 -> {
                int sel = (int) base & 0xFFFF;
                if ((sel & 0xFFFC) != 0) {
                    sel |= 3;
                }
                long desc = (sel & 0xFFFC) == 0 ? 0 : v.host.readDescriptor(sel);
                if (desc == 0 || (desc & (1L << 47)) == 0) {
                    sel = 0;
                    desc = 0;
                }
                if (v.kernelMode) {
                    s.swapGs();
                }
                s.loadSegment(CpuState.GS, sel, desc);
                if (v.kernelMode) {
                    s.swapGs();
                }
                return 0;
            }
            default -> {
                return -EINVAL;
            }
        }
    }

    // ------------------------------------------------------------------ iret

    private static long iret(Vcpu v) {
        CpuState s = v.state;
        long sp = s.gpr(CpuState.RSP);
        long[] f9 = v.iretFrame;
        try {
            long ma = v.maInPage(sp, 72, false);
            for (int i = 0; i < 9; i++) {
                f9[i] = ma >= 0 ? v.mem.read64(ma + i * 8L) : v.read64(sp + i * 8L);
            }
        } catch (GuestFault f) {
            v.domain().crash(v, "iret: cannot read the iret frame at 0x" + Long.toHexString(sp), sp);
            return NO_RESULT;
        }
        long rax = f9[0], r11 = f9[1], rcx = f9[2], flags = f9[3], rip = f9[4], cs = f9[5], rflags = f9[6];
        long rsp = f9[7], ss = f9[8];
        if ((cs & 3) == 3 && v.kernelMode) {
            if (v.userTable == 0) {
                v.domain().crash(v, "iret to user mode without a user page table", -1);
                return NO_RESULT;
            }
            v.toggleMode();
        }
        int csSel = (int) (cs | 3) & 0xFFFF;
        int ssSel = (int) (ss & 0xFFFF) == 0 ? 0 : (int) (ss | 3) & 0xFFFF;
        long csDesc = v.host.readDescriptor(csSel);
        long ssDesc = ssSel == 0 ? 0 : v.host.readDescriptor(ssSel);
        if ((csDesc & (1L << 47)) == 0 || (csDesc & (1L << 43)) == 0) {
            v.domain().crash(v, "iret: bad code selector 0x" + Integer.toHexString(csSel), -1);
            return NO_RESULT;
        }
        s.loadSegment(CpuState.CS, csSel, csDesc);
        s.loadSegment(CpuState.SS, ssSel, ssDesc);
        long nf = (rflags & ~(Traps.RF_IOPL | Traps.RF_VM)) | Traps.RF_IF | 2;
        s.setRflags(nf);
        s.setRip(rip);
        s.setGpr(CpuState.RSP, rsp);
        if ((flags & VGCF_IN_SYSCALL) == 0) {
            s.setGpr(11, r11);
            s.setGpr(CpuState.RCX, rcx);
        } else {
            s.setGpr(11, nf);
            s.setGpr(CpuState.RCX, rip);
        }
        v.setUpcallMask((rflags & Traps.RF_IF) == 0);
        s.setGpr(CpuState.RAX, rax);
        return NO_RESULT;
    }

    // ------------------------------------------------------------------ memory management

    private static long mmuUpdate(Vcpu v, long reqs, long count, long pdone, long foreigndom) {
        int dom = (int) (foreigndom & 0xFFFF);
        if (dom != MmuOp.DOMID_SELF && dom != v.domain().id() || (foreigndom >>> 16) != 0) {
            return -EPERM;
        }
        PvMmu mmu = v.hv.mmu();
        int domid = v.domain().id();
        long done = 0;
        long rc = 0;
        for (; done < (count & 0xFFFF_FFFFL); done++) {
            long p = reqs + done * 16;
            long ptr = v.read64(p);
            long val = v.read64(p + 8);
            int cmd = (int) (ptr & 3);
            rc = switch (cmd) {
                case MmuOp.MMU_NORMAL_PT_UPDATE, MmuOp.MMU_PT_UPDATE_NO_TRANSLATE ->
                        mmu.updateEntry(ptr & ~3L, val, domid, false);
                case MmuOp.MMU_PT_UPDATE_PRESERVE_AD -> mmu.updateEntry(ptr & ~3L, val, domid, true);
                default -> mmu.machphysUpdate(ptr >>> MachineMemory.PAGE_SHIFT, val, domid);
            };
            if (rc != 0) {
                break;
            }
        }
        if (pdone != 0) {
            v.write32(pdone, (int) done);
        }
        return rc;
    }

    private static long updateVaMapping(Vcpu v, long va, long val, long flags) {
        PvMmu mmu = v.hv.mmu();
        long l1e = mmu.l1EntryAddress(v.kernelMode ? v.kernelTable : v.userTable, va);
        if (l1e < 0) {
            return -EINVAL;
        }
        long rc = mmu.updateTableEntry(l1e, FrameTable.PGT_L1, val, v.domain().id(), false);
        if (rc != 0) {
            return rc;
        }
        boolean local = (flags & ~3L) == MmuOp.UVMF_LOCAL;
        switch ((int) (flags & MmuOp.UVMF_FLUSHTYPE_MASK)) {
            case MmuOp.UVMF_TLB_FLUSH -> {
                if (local) {
                    v.runner.flushTlb(true);
                } else {
                    v.domain().flushTlbs();
                }
            }
            case MmuOp.UVMF_INVLPG -> {
                if (local) {
                    v.runner.invalidatePage(va);
                } else {
                    v.domain().flushTlbs();
                }
            }
            default -> { }
        }
        return 0;
    }

    private static long mmuextOp(Vcpu v, long ops, long count, long pdone, long foreigndom) {
        int dom = (int) (foreigndom & 0xFFFF);
        if (dom != MmuOp.DOMID_SELF && dom != v.domain().id()) {
            return -EPERM;
        }
        long done = 0;
        long rc = 0;
        for (; done < (count & 0xFFFF_FFFFL); done++) {
            long p = ops + done * 24;
            int cmd = v.read32(p);
            long arg1 = v.read64(p + 8);
            long arg2 = v.read64(p + 16);
            rc = mmuext(v, cmd, arg1, arg2);
            if (rc != 0) {
                break;
            }
        }
        if (pdone != 0) {
            v.write32(pdone, (int) done);
        }
        return rc;
    }

    private static long mmuext(Vcpu v, int cmd, long arg1, long arg2) {
        PvMmu mmu = v.hv.mmu();
        int domid = v.domain().id();
        MachineMemory mem = v.mem;
        return switch (cmd) {
            case MmuOp.PIN_L1_TABLE, MmuOp.PIN_L2_TABLE, MmuOp.PIN_L3_TABLE, MmuOp.PIN_L4_TABLE ->
                    mmu.pin(arg1, cmd - MmuOp.PIN_L1_TABLE + 1, domid);
            case MmuOp.UNPIN_TABLE -> mmu.unpin(arg1, domid);
            case MmuOp.NEW_BASEPTR -> v.setKernelBaseTable(arg1);
            case MmuOp.NEW_USER_BASEPTR -> v.setUserBaseTable(arg1);
            case MmuOp.TLB_FLUSH_LOCAL -> {
                v.runner.flushTlb(true);
                yield 0;
            }
            case MmuOp.INVLPG_LOCAL -> {
                v.runner.invalidatePage(arg1);
                yield 0;
            }
            case MmuOp.TLB_FLUSH_MULTI, MmuOp.TLB_FLUSH_ALL, MmuOp.INVLPG_MULTI, MmuOp.INVLPG_ALL -> {
                // Other vCPUs flush everything before their next run (a superset of INVLPG).
                v.domain().flushTlbs();
                yield 0;
            }
            case MmuOp.FLUSH_CACHE -> -EACCES;
            case MmuOp.FLUSH_CACHE_GLOBAL -> -EINVAL;
            case MmuOp.SET_LDT -> {
                if ((arg1 & 0xFFF) != 0 || arg2 > 8192 || !canonical(arg1) || inXenHole(arg1)) {
                    yield -EINVAL;
                }
                v.ldtBase = arg1;
                v.ldtEntries = (int) arg2;
                yield 0;
            }
            case MmuOp.CLEAR_PAGE -> {
                int rc = mmu.getPageType(arg1, FrameTable.PGT_WRITABLE, domid);
                if (rc == 0) {
                    mem.zeroFrame(arg1);
                    mmu.putPageType(arg1);
                }
                yield rc;
            }
            case MmuOp.COPY_PAGE -> {
                FrameTable ft = mmu.frames();
                if (!ft.valid(arg2) || ft.owner(arg2) != domid) {
                    yield -EINVAL;
                }
                int rc = mmu.getPageType(arg1, FrameTable.PGT_WRITABLE, domid);
                if (rc == 0) {
                    byte[] page = new byte[4096];
                    mem.read(arg2 << 12, page, 0, 4096);
                    mem.write(arg1 << 12, page, 0, 4096);
                    mmu.putPageType(arg1);
                }
                yield rc;
            }
            case MmuOp.MARK_SUPER, MmuOp.UNMARK_SUPER -> -EOPNOTSUPP;
            default -> -ENOSYS;
        };
    }

    private static long setGdt(Vcpu v, long framesVa, long entries) {
        if (entries > 7168 || entries < 0) {
            return -EINVAL;
        }
        int n = (int) ((entries + 511) / 512);
        long[] frames = new long[n];
        for (int i = 0; i < n; i++) {
            frames[i] = v.read64(framesVa + i * 8L);
        }
        PvMmu mmu = v.hv.mmu();
        int domid = v.domain().id();
        for (int i = 0; i < n; i++) {
            int rc = mmu.getPageType(frames[i], FrameTable.PGT_SEG_DESC, domid);
            if (rc != 0) {
                for (int j = 0; j < i; j++) {
                    mmu.putPageType(frames[j]);
                }
                return rc;
            }
        }
        int old = (v.gdtEntries + 511) / 512;
        for (int i = 0; i < old; i++) {
            mmu.putPageType(v.gdtFrames[i]);
        }
        java.util.Arrays.fill(v.gdtFrames, 0);
        System.arraycopy(frames, 0, v.gdtFrames, 0, n);
        v.gdtEntries = (int) entries;
        v.runner.flushTlb(true);
        return 0;
    }

    /** Checks a descriptor as Xen does; returns it with DPL fixed up, or 0 when it is refused. */
    static long checkDescriptor(long d) {
        if ((d & (1L << 47)) == 0) {
            return d | 1; // not present: anything goes (the low bit keeps the result non-zero)
        }
        if ((d & (1L << 44)) != 0) {
            return PvCpuHost.fixDpl(d);
        }
        int type = (int) (d >>> 40) & 0xF;
        return type == 0 || type == 0xC ? d : 0;
    }

    private static long updateDescriptor(Vcpu v, long ma, long desc) {
        long mfn = ma >>> MachineMemory.PAGE_SHIFT;
        PvMmu mmu = v.hv.mmu();
        FrameTable ft = mmu.frames();
        int domid = v.domain().id();
        if ((ma & 7) != 0 || !ft.valid(mfn) || ft.owner(mfn) != domid) {
            return -EINVAL;
        }
        long checked = checkDescriptor(desc);
        if (checked == 0) {
            return -EINVAL;
        }
        long value = (desc & (1L << 47)) == 0 ? desc : checked;
        synchronized (ft) {
            if (ft.typeCount(mfn) > 0 && ft.type(mfn) == FrameTable.PGT_SEG_DESC) {
                v.mem.write64(ma, value);
                return 0;
            }
            int rc = mmu.getPageType(mfn, FrameTable.PGT_WRITABLE, domid);
            if (rc != 0) {
                return rc;
            }
            v.mem.write64(ma, value);
            mmu.putPageType(mfn);
        }
        return 0;
    }

    private static long vmAssist(Vcpu v, long cmd, long type) {
        if (cmd != MmuOp.VMASST_CMD_ENABLE && cmd != MmuOp.VMASST_CMD_DISABLE) {
            return -ENOSYS;
        }
        boolean known = type >= 0 && type <= 5 || type == MmuOp.VMASST_TYPE_M2P_STRICT;
        if (!known) {
            return -EINVAL;
        }
        for (int i = 0; i < v.domain().vcpuCount(); i++) {
            Vcpu u = v.domain().vcpu(i);
            u.vmAssist = cmd == MmuOp.VMASST_CMD_ENABLE ? u.vmAssist | (1L << type) : u.vmAssist & ~(1L << type);
        }
        return 0;
    }

    private static long memoryOp(Vcpu v, long cmdWord, long arg) {
        Domain d = v.domain();
        int cmd = (int) (cmdWord & 0x3F);
        return switch (cmd) {
            case MemoryOp.MAXIMUM_RAM_PAGE -> v.hv.frames().frameCount();
            case MemoryOp.CURRENT_RESERVATION, MemoryOp.MAXIMUM_RESERVATION -> {
                int dom = v.read16(arg);
                if (dom != MmuOp.DOMID_SELF && dom != d.id()) {
                    yield -EPERM;
                }
                yield cmd == MemoryOp.CURRENT_RESERVATION ? d.totalPages() : d.pageCount();
            }
            case MemoryOp.INCREASE_RESERVATION, MemoryOp.DECREASE_RESERVATION, MemoryOp.POPULATE_PHYSMAP ->
                    reservation(v, cmd, arg, cmdWord >>> 6);
            case MemoryOp.MAXIMUM_GPFN -> d.pageCount() - 1;
            case MemoryOp.MACHPHYS_MAPPING -> {
                v.write64(arg, MemoryOp.MACH2PHYS_VIRT_START);
                v.write64(arg + 8, MemoryOp.MACH2PHYS_VIRT_END);
                v.write64(arg + 16, (MemoryOp.MACH2PHYS_VIRT_END - MemoryOp.MACH2PHYS_VIRT_START) / 8 - 1);
                yield 0;
            }
            case MemoryOp.MEMORY_MAP -> {
                int capacity = v.read32(arg);
                if (capacity < 1) {
                    yield -EINVAL;
                }
                long buffer = v.read64(arg + 8);
                v.write64(buffer, 0);
                v.write64(buffer + 8, d.pageCount() << MachineMemory.PAGE_SHIFT);
                v.write32(buffer + 16, MemoryOp.E820_RAM);
                v.write32(arg, 1);
                yield 0;
            }
            case MemoryOp.MACHINE_MEMORY_MAP -> -EPERM;
            default -> -ENOSYS;
        };
    }

    /**
     * increase_reservation, decrease_reservation and populate_physmap with order-0 extents
     * ({@code xen_memory_reservation}); returns the number of extents done, as Xen does.
     */
    private static long reservation(Vcpu v, int cmd, long arg, long startExtent) {
        Domain d = v.domain();
        long list = v.read64(arg);
        long n = v.read64(arg + 8);
        int order = v.read32(arg + 16);
        int dom = v.read16(arg + 24);
        if (dom != MmuOp.DOMID_SELF && dom != d.id()) {
            return -EPERM;
        }
        if (order != 0) {
            return -EINVAL; // no superpage extents for PV domUs here
        }
        long done = startExtent;
        for (; done < n; done++) {
            long slot = list + done * 8;
            if (cmd == MemoryOp.INCREASE_RESERVATION) {
                long mfn = d.increaseReservation();
                if (mfn < 0) {
                    break;
                }
                if (list != 0) {
                    v.write64(slot, mfn);
                }
            } else if (cmd == MemoryOp.POPULATE_PHYSMAP) {
                long mfn = d.populate(v.read64(slot));
                if (mfn < 0) {
                    break;
                }
                v.write64(slot, mfn);
            } else if (!d.decreaseReservation(v.read64(slot))) {
                break;
            }
        }
        return done;
    }

    private static long multicall(Vcpu v, long entries, long count) {
        for (long i = 0; i < (count & 0xFFFF_FFFFL); i++) {
            long e = entries + i * 64;
            long op = v.read64(e);
            long[] a = v.multicallArgs; // multicalls do not nest, so one scratch array per vCPU

            for (int k = 0; k < 6; k++) {
                a[k] = v.read64(e + 16 + k * 8L);
            }
            long result = op == Hypercall.MULTICALL ? -EINVAL : call(v, op, a[0], a[1], a[2], a[3], a[4]);
            v.record(op, a[0], a[1], a[2], a[3], a[4], result);
            if (result == NO_RESULT || v.domain().dying) {
                return NO_RESULT; // iret (or shutdown) ends the batch and owns the registers
            }
            v.write64(e + 8, result);
        }
        return 0;
    }

    // ------------------------------------------------------------------ scheduling and time

    private static long schedOp(Vcpu v, long cmd, long arg) {
        return switch ((int) cmd) {
            case SchedOp.YIELD -> {
                v.domain().console.poll();
                yield 0;
            }
            case SchedOp.BLOCK -> block(v);
            case SchedOp.SHUTDOWN -> shutdown(v, v.read32(arg));
            case SchedOp.POLL -> poll(v, arg);
            case SchedOp.SHUTDOWN_CODE -> {
                v.domain().shutdownCode = v.read32(arg);
                yield 0;
            }
            case SchedOp.REMOTE_SHUTDOWN, SchedOp.PIN_OVERRIDE -> -EPERM;
            default -> -ENOSYS;
        };
    }

    private static long schedOpCompat(Vcpu v, long cmd, long arg) {
        return switch ((int) cmd) {
            case SchedOp.YIELD -> 0;
            case SchedOp.BLOCK -> block(v);
            case SchedOp.SHUTDOWN -> shutdown(v, (int) arg);
            default -> -ENOSYS;
        };
    }

    private static long block(Vcpu v) {
        v.setUpcallMask(false);
        v.domain().console.poll();
        if (!v.upcallPending()) {
            v.blocked = true;
        }
        return 0;
    }

    private static long shutdown(Vcpu v, int code) {
        ShutdownReason reason = ShutdownReason.ofCode(code);
        if (reason == null) {
            return -EINVAL;
        }
        Domain d = v.domain();
        d.console.poll();
        if (reason == ShutdownReason.CRASH) {
            d.crash(v, "the guest asked to crash (SCHEDOP_shutdown SHUTDOWN_crash)", -1);
        } else {
            d.finish(new DomainExit(reason, null));
        }
        return NO_RESULT;
    }

    private static long poll(Vcpu v, long arg) {
        long portsVa = v.read64(arg);
        int n = v.read32(arg + 8);
        long timeout = v.read64(arg + 16);
        if (n < 0 || n > 128) {
            return -EINVAL;
        }
        int[] ports = new int[n];
        for (int i = 0; i < n; i++) {
            ports[i] = v.read32(portsVa + i * 4L);
            if (ports[i] < 0 || ports[i] >= SharedInfo.EVTCHN_2L_NR_CHANNELS) {
                return -EINVAL;
            }
        }
        for (int p : ports) {
            if (v.domain().events.isPending(p)) {
                return 0;
            }
        }
        v.polling = true;
        v.pollPorts = ports;
        v.pollDeadline = timeout == 0 ? Vcpu.NEVER : timeout;
        v.blocked = true;
        return 0;
    }

    private static long setTimerOp(Vcpu v, long timeout) {
        if (timeout == 0) {
            v.singleshotDeadline = Vcpu.NEVER;
            return 0;
        }
        long now = v.hv.systemTimeNanos();
        if (timeout < 0 || timeout - now > (1L << 50)) {
            timeout = now + 100_000_000L;
        }
        v.singleshotDeadline = timeout;
        return 0;
    }

    private static long vcpuOp(Vcpu v, long cmd, long vcpuId, long arg) {
        Domain d = v.domain();
        if (vcpuId < 0 || vcpuId >= d.vcpuCount()) {
            return -ENOENT;
        }
        Vcpu t = d.vcpu((int) vcpuId);
        long now = v.hv.systemTimeNanos();
        return switch ((int) cmd) {
            case VcpuOp.IS_UP -> t.online ? 1 : 0;
            case VcpuOp.UP -> {
                if (t.kernelTable == 0) {
                    yield -EINVAL;
                }
                t.startThread();
                yield 0;
            }
            case VcpuOp.GET_RUNSTATE_INFO -> {
                writeRunstate(v, t, arg, now);
                yield 0;
            }
            case VcpuOp.REGISTER_RUNSTATE_MEMORY_AREA -> {
                t.runstateVa = v.read64(arg);
                if (t.runstateVa != 0) {
                    try {
                        writeRunstate(v, t, t.runstateVa, now);
                    } catch (GuestFault f) {
                        // Xen keeps the address and writes when it can.
                    }
                }
                yield 0;
            }
            case VcpuOp.SET_PERIODIC_TIMER -> {
                long period = v.read64(arg);
                if (period < 1_000_000L) {
                    yield -EINVAL;
                }
                t.periodicPeriod = period;
                t.periodicNext = now + period;
                yield 0;
            }
            case VcpuOp.STOP_PERIODIC_TIMER -> {
                t.periodicPeriod = 0;
                t.periodicNext = Vcpu.NEVER;
                yield 0;
            }
            case VcpuOp.SET_SINGLESHOT_TIMER -> {
                if (t != v) {
                    yield -EINVAL;
                }
                long deadline = v.read64(arg);
                long flags = v.read64(arg + 8);
                if ((flags & 1) != 0 && deadline < now) {
                    yield -ETIME;
                }
                v.singleshotDeadline = deadline;
                yield 0;
            }
            case VcpuOp.STOP_SINGLESHOT_TIMER -> {
                if (t != v) {
                    yield -EINVAL;
                }
                v.singleshotDeadline = Vcpu.NEVER;
                yield 0;
            }
            case VcpuOp.REGISTER_VCPU_INFO -> registerVcpuInfo(v, t, arg);
            case VcpuOp.REGISTER_VCPU_TIME_MEMORY_AREA -> {
                long va = v.read64(arg);
                if (inXenHole(va) || inXenHole(va + 31)) {
                    yield -EFAULT; // Xen's guest_handle_okay
                }
                t.timeAreaVa = va;
                t.publishTime();
                yield 0;
            }
            case VcpuOp.INITIALISE -> t.online || t.kernelTable != 0 ? -EEXIST : -ENOSYS;
            default -> -ENOSYS;
        };
    }

    private static void writeRunstate(Vcpu v, Vcpu t, long va, long now) {
        v.write64(va, t.online ? (t.blocked ? VcpuOp.RUNSTATE_BLOCKED : VcpuOp.RUNSTATE_RUNNING)
                : VcpuOp.RUNSTATE_OFFLINE);
        v.write64(va + 8, now);
        v.write64(va + 16, now); // time running
        v.write64(va + 24, 0);
        v.write64(va + 32, 0);
        v.write64(va + 40, 0);
    }

    private static long registerVcpuInfo(Vcpu v, Vcpu t, long arg) {
        long mfn = v.read64(arg);
        long offset = v.read32(arg + 8) & 0xFFFF_FFFFL;
        if (offset > 4096 - SharedInfo.VCPU_INFO_SIZE || t.vcpuInfoRegistered) {
            return -EINVAL;
        }
        PvMmu mmu = v.hv.mmu();
        int rc = mmu.getPageType(mfn, FrameTable.PGT_WRITABLE, v.domain().id());
        if (rc != 0) {
            return rc;
        }
        MachineMemory mem = v.mem;
        long newMa = (mfn << MachineMemory.PAGE_SHIFT) + offset;
        byte[] old = new byte[SharedInfo.VCPU_INFO_SIZE];
        mem.read(t.vcpuInfoMa, old, 0, old.length);
        mem.write(newMa, old, 0, old.length);
        t.vcpuInfoMa = newMa;
        t.vcpuInfoRegistered = true;
        mem.write64(newMa + SharedInfo.VI_PENDING_SEL, -1L);
        mem.write8(newMa + SharedInfo.VI_UPCALL_PENDING, (byte) 1);
        t.publishTime();
        return 0;
    }

    // ------------------------------------------------------------------ version, console, misc

    private static long xenVersion(Vcpu v, long cmd, long arg) {
        return switch ((int) cmd) {
            case XenVersion.VERSION -> (VERSION_MAJOR << 16) | VERSION_MINOR;
            case XenVersion.EXTRAVERSION -> putString(v, arg, EXTRAVERSION, XenVersion.EXTRAVERSION_LEN);
            case XenVersion.COMPILE_INFO -> {
                putString(v, arg, "javac " + Runtime.version().feature(), 64);
                putString(v, arg + 64, "jxen", 16);
                putString(v, arg + 80, "jxen.dev", 32);
                putString(v, arg + 112, "Mon Nov 23 00:00:00 UTC 2026", 32);
                yield 0;
            }
            case XenVersion.CAPABILITIES -> putString(v, arg, "xen-3.0-x86_64", XenVersion.CAPABILITIES_LEN);
            case XenVersion.CHANGESET -> putString(v, arg, "jxen", XenVersion.CHANGESET_LEN);
            case XenVersion.PLATFORM_PARAMETERS -> {
                v.write64(arg, MemoryOp.MACH2PHYS_VIRT_START);
                yield 0;
            }
            case XenVersion.GET_FEATURES -> {
                int idx = v.read32(arg);
                if (idx != 0) {
                    yield -EINVAL;
                }
                v.write32(arg + 4, PV_FEATURES);
                yield 0;
            }
            case XenVersion.PAGESIZE -> MachineMemory.PAGE_SIZE;
            case XenVersion.GUEST_HANDLE -> {
                v.writeBytes(arg, new byte[16], 0, 16);
                yield 0;
            }
            case XenVersion.COMMANDLINE -> putString(v, arg, "", XenVersion.COMMANDLINE_LEN);
            case XenVersion.BUILD_ID -> -EPERM;
            default -> -ENOSYS;
        };
    }

    private static long putString(Vcpu v, long va, String s, int size) {
        byte[] b = new byte[size];
        byte[] src = s.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(src, 0, b, 0, Math.min(src.length, size - 1));
        v.writeBytes(va, b, 0, size);
        return 0;
    }

    private static long consoleIo(Vcpu v, long cmd, long count, long buf) {
        switch ((int) cmd) {
            case ConsoleIo.CONSOLEIO_WRITE -> {
                if (count < 0 || count > MAX_CONSOLE_WRITE) {
                    return -EINVAL;
                }
                byte[] b = new byte[(int) count];
                v.readBytes(buf, b, 0, b.length);
                v.domain().consoleSink().write(b, 0, b.length);
                return 0;
            }
            case ConsoleIo.CONSOLEIO_READ -> {
                if (count < 0) {
                    return -EINVAL;
                }
                byte[] b = v.domain().console.readInput((int) Math.min(count, MAX_CONSOLE_WRITE));
                v.writeBytes(buf, b, 0, b.length);
                return b.length;
            }
            default -> {
                return -ENOSYS;
            }
        }
    }

    private static long physdevOp(Vcpu v, int cmd, long arg) {
        return switch (cmd) {
            case PhysdevOp.SET_IOPL -> {
                int iopl = v.read32(arg);
                if (iopl < 0 || iopl > 3) {
                    yield -EINVAL;
                }
                v.iopl = iopl;
                yield 0;
            }
            case PhysdevOp.SET_IOBITMAP -> {
                int n = v.read32(arg + 8);
                yield n < 0 || n > 65536 ? -EINVAL : 0;
            }
            default -> -ENOSYS;
        };
    }

    /** HYPERVISOR_grant_table_op: the grant package does the work (see {@link GrantOps}). */
    private static long grantTableOp(Vcpu v, long cmd, long uop, long count) {
        return GrantOps.call(new VcpuGrantCaller(v), v.domain().grantTable(), cmd, uop, count);
    }

    /** The calling vCPU as the grant code sees it. */
    private record VcpuGrantCaller(Vcpu v) implements GrantCaller {
        @Override
        public int domid() {
            return v.domain().id();
        }

        @Override
        public long read64(long va) {
            return v.read64(va);
        }

        @Override
        public int read32(long va) {
            return v.read32(va);
        }

        @Override
        public int read16(long va) {
            return v.read16(va);
        }

        @Override
        public void write64(long va, long value) {
            v.write64(va, value);
        }

        @Override
        public void write32(long va, int value) {
            v.write32(va, value);
        }

        @Override
        public void write16(long va, int value) {
            v.write16(va, value);
        }

        @Override
        public boolean tryWrite64(long va, long value) {
            try {
                v.write64(va, value);
                return true;
            } catch (GuestFault f) {
                return false;
            }
        }

        @Override
        public long currentL4() {
            return v.kernelMode ? v.kernelTable : v.userTable;
        }

        @Override
        public void flushTlbs() {
            v.domain().flushTlbs();
        }
    }

    // ------------------------------------------------------------------ event channels

    private static long eventChannelOp(Vcpu v, int cmd, long arg) {
        EventChannels ev = v.domain().events;
        Domain d = v.domain();
        return switch (cmd) {
            case EventChannelOp.ALLOC_UNBOUND -> {
                int dom = v.read16(arg);
                int remote = v.read16(arg + 2);
                if (dom != MmuOp.DOMID_SELF && dom != d.id()) {
                    yield -EPERM;
                }
                int port = ev.allocUnbound(remote == MmuOp.DOMID_SELF ? d.id() : remote);
                if (port < 0) {
                    yield port;
                }
                v.write32(arg + 4, port);
                yield 0;
            }
            case EventChannelOp.BIND_INTERDOMAIN -> {
                int remote = v.read16(arg);
                int remotePort = v.read32(arg + 4);
                int port = ev.bindInterdomain(remote == MmuOp.DOMID_SELF ? d.id() : remote, remotePort);
                if (port < 0) {
                    yield port;
                }
                v.write32(arg + 8, port);
                ev.raise(port);
                yield 0;
            }
            case EventChannelOp.BIND_VIRQ -> {
                int virq = v.read32(arg);
                int vcpu = v.read32(arg + 4);
                int port = ev.bindVirq(virq, vcpu);
                if (port < 0) {
                    yield port;
                }
                v.write32(arg + 8, port);
                yield 0;
            }
            case EventChannelOp.BIND_IPI -> {
                int port = ev.bindIpi(v.read32(arg));
                if (port < 0) {
                    yield port;
                }
                v.write32(arg + 4, port);
                yield 0;
            }
            case EventChannelOp.CLOSE -> ev.close(v.read32(arg));
            case EventChannelOp.SEND -> ev.send(v.read32(arg));
            case EventChannelOp.STATUS -> {
                int dom = v.read16(arg);
                if (dom != MmuOp.DOMID_SELF && dom != d.id()) {
                    yield -EPERM;
                }
                int port = v.read32(arg + 4);
                int[] out = new int[4];
                int rc = ev.status(port, out);
                if (rc != 0) {
                    yield rc;
                }
                v.write32(arg + 8, out[0]);
                v.write32(arg + 12, out[1]);
                v.write32(arg + 16, out[2]);
                v.write32(arg + 20, out[3]);
                yield 0;
            }
            case EventChannelOp.UNMASK -> ev.unmask(v.read32(arg));
            case EventChannelOp.BIND_VCPU -> ev.bindVcpu(v.read32(arg), v.read32(arg + 4));
            case EventChannelOp.RESET -> {
                int dom = v.read16(arg);
                if (dom != MmuOp.DOMID_SELF && dom != d.id()) {
                    yield -EPERM;
                }
                ev.reset();
                yield 0;
            }
            case EventChannelOp.BIND_PIRQ -> -EPERM;
            default -> -ENOSYS; // FIFO ABI (init_control, expand_array, set_priority) and unknown
        };
    }
}
