package dev.jxen.hypervisor;

import dev.jxen.abi.EventChannelOp;
import dev.jxen.abi.SharedInfo;
import dev.jxen.hypervisor.mm.FrameTable;
import dev.jxen.hypervisor.mm.PvMmu;
import dev.jxen.hypervisor.time.TscScale;
import dev.jxen.machine.CpuState;
import dev.jxen.machine.ExitReason;
import dev.jxen.machine.MachineMemory;
import dev.jxen.machine.VcpuExit;
import dev.jxen.machine.VcpuRunner;
import java.util.ArrayList;
import java.util.List;

/**
 * One virtual CPU of a PV domain: the engine's runner plus the PV state Xen keeps per vCPU (kernel
 * or user mode, the two page tables, trap table, callbacks, kernel stack, timers, vcpu_info).
 *
 * <p>Its run loop executes on its own thread for now; {@link #step()} is one scheduling step (run
 * one budget or idle), the seam a pool of worker threads will call later.
 */
public final class Vcpu {
    /** Instructions per run before timers and events are checked again. */
    static final long BUDGET = 100_000;
    static final long NEVER = Long.MAX_VALUE;
    /** Posted instead of a port: run the console backend on this thread. */
    static final int POST_CONSOLE = -1;
    static final long DEFAULT_PERIOD_NS = 10_000_000L;
    /** Set JXEN_TRACE_HYPERCALLS=1 to log every hypercall on stderr (debugging guests). */
    private static final boolean TRACE = System.getenv("JXEN_TRACE_HYPERCALLS") != null;
    private static final TscScale SCALE = TscScale.forFrequency(Hypervisor.TSC_HZ);

    private final Domain domain;
    private final int id;
    final Hypervisor hv;
    final VcpuRunner runner;
    final PvCpuHost host;
    final CpuState state;
    final MachineMemory mem;
    private volatile Thread thread;
    volatile boolean stopRequested;
    private final Object lock = new Object();

    // ---- PV mode and page tables (MFNs; 0 = none: MFN 0 is always a Xen frame)
    boolean kernelMode = true;
    long kernelTable;
    long userTable;
    long kernelSs = PvCpuHost.FLAT_DS;
    long kernelSp;

    // ---- virtual IDT and callbacks
    final long[] trapAddress = new long[256];
    final byte[] trapFlags = new byte[256];
    long eventCallback, failsafeCallback, syscallCallback, syscall32Callback, sysenterCallback, nmiCallback;
    boolean failsafeMasksEvents, syscallMasksEvents;

    // ---- virtual CPU registers Xen emulates
    boolean virtualTs;
    int iopl;
    final long[] debugReg = {0, 0, 0, 0, 0, 0, 0xFFFF0FF0L, 0x400};
    long vmAssist;

    // ---- descriptor tables
    final long[] gdtFrames = new long[16];
    int gdtEntries;
    long ldtBase;
    int ldtEntries;

    // ---- vcpu_info and runstate
    long vcpuInfoMa;
    boolean vcpuInfoRegistered;
    long runstateVa;
    /** Guest VA of the secondary vcpu_time_info (VCPUOP_register_vcpu_time_memory_area), 0 if none. */
    long timeAreaVa;

    // ---- timers (absolute system times)
    long singleshotDeadline = NEVER;
    long periodicPeriod = DEFAULT_PERIOD_NS;
    long periodicNext = NEVER;

    // ---- scheduling state
    volatile boolean online;
    volatile boolean blocked;
    boolean polling;
    int[] pollPorts;
    long pollDeadline = NEVER;
    private int[] inbox = new int[16];
    private volatile int inboxCount;
    private volatile boolean tlbFlushPending;
    private boolean kicked;
    /** True while this vCPU's thread executes guest code or handles its exits (not idle, not paused). */
    private volatile boolean busy;
    /** Nanoseconds this vCPU has spent running the guest and handling its exits. */
    private volatile long cpuNanos;
    /** Time the current step spent in {@link #idleWait}: not CPU time. */
    private long idleInStep;

    /** Scratch for bounce frames and CPUID results (the exit path allocates nothing). */
    final long[] bounceFrame = new long[8];
    final int[] cpuidScratch = new int[4];
    final long[] iretFrame = new long[9];
    final long[] multicallArgs = new long[6];

    // ---- last hypercalls, for crash reports
    private static final int HISTORY = 16;
    private final long[][] history = new long[HISTORY][8];
    private int historyNext;
    private long historyCount;

    Vcpu(Domain domain, int id) {
        this.domain = domain;
        this.id = id;
        this.hv = domain.hypervisor();
        this.mem = domain.machine();
        this.host = new PvCpuHost(this);
        this.runner = hv.engine().createVcpu(mem, host);
        this.state = runner.state();
        if (id < SharedInfo.LEGACY_MAX_VCPUS) {
            vcpuInfoMa = domain.sharedInfoMachineAddress() + (long) id * SharedInfo.VCPU_INFO_SIZE;
        }
        initialRegisters();
        online = id == 0;
    }

    private void initialRegisters() {
        state.loadSegment(CpuState.CS, PvCpuHost.FLAT_CS64, PvCpuHost.DESC_CS64);
        state.loadSegment(CpuState.SS, PvCpuHost.FLAT_DS, PvCpuHost.DESC_DS);
        for (int seg : new int[] {CpuState.DS, CpuState.ES, CpuState.FS, CpuState.GS}) {
            state.loadSegment(seg, 0, 0);
        }
        state.setRflags(0x202);
    }

    public int id() {
        return id;
    }

    public Domain domain() {
        return domain;
    }

    /** The registers, for the toolstack to set the entry state before {@link Domain#start()}. */
    public CpuState state() {
        return state;
    }

    /** True while the vCPU runs guest kernel code (false in guest user mode). */
    public boolean inKernelMode() {
        return kernelMode;
    }

    /** The kernel L4 MFN (CR3 >> 12 in kernel mode), or 0 when none is loaded. */
    public long kernelBaseTable() {
        return kernelTable;
    }

    /**
     * Validates {@code l4mfn} as an L4 table and loads it as this vCPU's kernel page table (the
     * builder's boot L4, or MMUEXT_NEW_BASEPTR). Returns 0 or -errno.
     */
    public int setKernelBaseTable(long l4mfn) {
        PvMmu mmu = hv.mmu();
        int rc = mmu.getPageType(l4mfn, FrameTable.PGT_L4, domain.id());
        if (rc != 0) {
            return rc;
        }
        long old = kernelTable;
        kernelTable = l4mfn;
        if (old != 0) {
            mmu.putPageType(old);
        }
        if (kernelMode) {
            state.setCr3(l4mfn << MachineMemory.PAGE_SHIFT);
        }
        // Also drop global translations: the old tables' mappings must not survive.
        runner.flushTlb(true);
        return 0;
    }

    /** MMUEXT_NEW_USER_BASEPTR: 0 removes the user table. */
    int setUserBaseTable(long l4mfn) {
        PvMmu mmu = hv.mmu();
        if (l4mfn != 0) {
            int rc = mmu.getPageType(l4mfn, FrameTable.PGT_L4, domain.id());
            if (rc != 0) {
                return rc;
            }
        }
        long old = userTable;
        userTable = l4mfn;
        if (old != 0) {
            mmu.putPageType(old);
        }
        if (!kernelMode) {
            state.setCr3(l4mfn << MachineMemory.PAGE_SHIFT);
        }
        return 0;
    }

    /** Switches between guest kernel and user mode: SWAPGS plus the other page table. */
    void toggleMode() {
        state.swapGs();
        kernelMode = !kernelMode;
        state.setCr3((kernelMode ? kernelTable : userTable) << MachineMemory.PAGE_SHIFT);
    }

    // ------------------------------------------------------------------ descriptor tables

    long gdtDescriptor(int index) {
        if (index >= gdtEntries) {
            return 0;
        }
        long frame = gdtFrames[index >>> 9];
        return PvCpuHost.fixDpl(mem.read64((frame << MachineMemory.PAGE_SHIFT) + (index & 511) * 8L));
    }

    long ldtDescriptor(int index) {
        if (index >= ldtEntries) {
            return 0;
        }
        long ma = runner.translate(ldtBase + index * 8L, VcpuRunner.ACCESS_READ, 3);
        return ma < 0 ? 0 : PvCpuHost.fixDpl(mem.read64(ma));
    }

    // ------------------------------------------------------------------ vcpu_info

    int upcallMask() {
        return mem.read8(vcpuInfoMa + SharedInfo.VI_UPCALL_MASK);
    }

    void setUpcallMask(boolean masked) {
        mem.write8(vcpuInfoMa + SharedInfo.VI_UPCALL_MASK, (byte) (masked ? 1 : 0));
    }

    boolean upcallPending() {
        return mem.read8(vcpuInfoMa + SharedInfo.VI_UPCALL_PENDING) != 0;
    }

    /** Writes vcpu_info.time with the version protocol (odd while updating). */
    void publishTime() {
        long t = vcpuInfoMa + SharedInfo.VI_TIME;
        int version = mem.read32(t + SharedInfo.TIME_VERSION);
        mem.write32(t + SharedInfo.TIME_VERSION, (version + 1) | 1);
        long now = hv.systemTimeNanos();
        mem.write64(t + SharedInfo.TIME_TSC_TIMESTAMP, now); // TSC == system time at 1 GHz
        mem.write64(t + SharedInfo.TIME_SYSTEM_TIME, now);
        mem.write32(t + SharedInfo.TIME_TSC_TO_SYSTEM_MUL, SCALE.mul());
        mem.write8(t + SharedInfo.TIME_TSC_SHIFT, (byte) SCALE.shift());
        mem.write8(t + SharedInfo.TIME_FLAGS, (byte) SharedInfo.PVCLOCK_TSC_STABLE);
        mem.write32(t + SharedInfo.TIME_VERSION, (version + 2) & ~1);
        if (timeAreaVa != 0) {
            publishTimeArea(t);
        }
    }

    /** Mirrors vcpu_info.time (at machine address {@code t}) to the registered guest VA, as Xen does. */
    private void publishTimeArea(long t) {
        long va = timeAreaVa;
        try {
            int version = read32(va + SharedInfo.TIME_VERSION);
            write32(va + SharedInfo.TIME_VERSION, (version + 1) | 1);
            for (int off = 8; off < 32; off += 8) {
                write64(va + off, mem.read64(t + off));
            }
            write32(va + SharedInfo.TIME_VERSION, (version + 2) & ~1);
        } catch (GuestFault f) {
            // Xen skips the update when the area is not mapped and keeps the address.
        }
    }

    // ------------------------------------------------------------------ threads, events, timers

    void startThread() {
        synchronized (lock) {
            if (thread != null) {
                return;
            }
            online = true;
            if (periodicPeriod > 0 && periodicNext == NEVER) {
                periodicNext = hv.systemTimeNanos() + periodicPeriod;
            }
            publishTime();
            Thread t = Thread.ofPlatform().name("jxen-d" + domain.id() + "-v" + id).daemon().unstarted(this::runLoop);
            thread = t;
            domain.vcpuThreadStarted();
            t.start();
        }
    }

    boolean threadStarted() {
        return thread != null;
    }

    boolean onOwnThread() {
        Thread t = thread;
        return t == null || t == Thread.currentThread();
    }

    /** Waits up to {@code millis} for the vCPU thread to end (not from the thread itself). */
    void join(long millis) {
        Thread t = thread;
        if (t != null && t != Thread.currentThread()) {
            try {
                t.join(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    void stop() {
        stopRequested = true;
        runner.requestExit();
        wake();
    }

    /** Wakes the vCPU from an idle wait (and makes a running vCPU look at its inbox soon). */
    void wake() {
        synchronized (lock) {
            kicked = true;
            lock.notifyAll();
        }
        runner.requestExit();
    }

    /** Asks this vCPU's thread to set {@code port} pending (events raised from other threads). */
    void post(int port) {
        synchronized (lock) {
            if (inboxCount == inbox.length) {
                inbox = java.util.Arrays.copyOf(inbox, inbox.length * 2);
            }
            inbox[inboxCount++] = port;
            kicked = true;
            lock.notifyAll();
        }
        runner.requestExit();
    }

    /** Drops this vCPU's TLB: at once on its own thread, else before its next run. */
    void requestTlbFlush() {
        if (onOwnThread()) {
            runner.flushTlb(true);
        } else {
            tlbFlushPending = true;
            runner.requestExit();
        }
    }

    private void drainInbox() {
        if (inboxCount == 0) {
            return;
        }
        int[] ports;
        int n;
        synchronized (lock) {
            if (inboxCount == 0) {
                return;
            }
            ports = java.util.Arrays.copyOf(inbox, inboxCount);
            n = inboxCount;
            inboxCount = 0;
        }
        for (int i = 0; i < n; i++) {
            if (ports[i] == POST_CONSOLE) {
                domain.console.poll();
            } else {
                domain.events.setPending(ports[i]);
            }
        }
    }

    private void runLoop() {
        try {
            while (!stopRequested && !domain.dying) {
                step();
            }
        } catch (Throwable t) {
            if (!domain.dying) {
                domain.crash(this, "hypervisor error: " + t, -1);
                t.printStackTrace();
            }
        } finally {
            domain.vcpuThreadExited();
        }
    }

    /** One scheduling step: apply queued events and expired timers, then run the guest or idle. */
    void step() {
        if (domain.pausedByToolstack()) {
            idleWait(NEVER);
            return;
        }
        long t0 = System.nanoTime();
        idleInStep = 0;
        busy = true;
        try {
            runStep();
        } finally {
            busy = false;
            cpuNanos += System.nanoTime() - t0 - idleInStep;
        }
    }

    private void runStep() {
        if (!online) {
            idleWait(NEVER);
            return;
        }
        drainInbox();
        if (tlbFlushPending) {
            tlbFlushPending = false;
            runner.flushTlb(true);
        }
        if (singleshotDeadline != NEVER || periodicNext != NEVER) {
            fireTimers(hv.systemTimeNanos());
        }
        if (blocked) {
            if (!wakeConditionMet()) {
                idleWait(nextDeadline());
                return;
            }
            blocked = false;
            polling = false;
            pollPorts = null;
            pollDeadline = NEVER;
            publishTime();
        }
        if (upcallPending() && upcallMask() == 0) {
            if (!Traps.deliverUpcall(this)) {
                return;
            }
        }
        ExitReason r = runner.run(BUDGET);
        if (r != ExitReason.BUDGET) {
            handleExit(r);
        }
    }

    private boolean wakeConditionMet() {
        if (polling) {
            if (hv.systemTimeNanos() >= pollDeadline) {
                return true;
            }
            for (int p : pollPorts) {
                if (domain.events.isPending(p)) {
                    return true;
                }
            }
            return false;
        }
        return upcallPending();
    }

    private long nextDeadline() {
        long d = Math.min(singleshotDeadline, periodicNext);
        return polling ? Math.min(d, pollDeadline) : d;
    }

    private void idleWait(long deadline) {
        boolean wasBusy = busy;
        long t0 = System.nanoTime();
        busy = false;
        try {
            waitForWork(deadline);
        } finally {
            busy = wasBusy;
            idleInStep += System.nanoTime() - t0;
        }
    }

    private void waitForWork(long deadline) {
        synchronized (lock) {
            if (kicked || inboxCount > 0 || stopRequested) {
                kicked = false;
                return;
            }
            try {
                if (deadline == NEVER) {
                    lock.wait(1000);
                } else {
                    long ns = deadline - hv.systemTimeNanos();
                    ns = Math.max(50_000L, Math.min(ns, 20_000_000L));
                    lock.wait(ns / 1_000_000L, (int) (ns % 1_000_000L));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stopRequested = true;
            }
            kicked = false;
        }
    }

    /** Raises VIRQ_TIMER for timers whose deadline has passed. */
    void fireTimers(long now) {
        boolean fire = false;
        if (now >= singleshotDeadline) {
            singleshotDeadline = NEVER;
            fire = true;
        }
        if (now >= periodicNext) {
            fire = true;
            long p = periodicPeriod;
            long next = periodicNext + p;
            periodicNext = next <= now ? now + p : next;
        }
        if (fire) {
            domain.events.raiseVirq(this, EventChannelOp.VIRQ_TIMER);
        }
    }

    // ------------------------------------------------------------------ exits

    private void handleExit(ExitReason r) {
        VcpuExit x = runner.exit();
        switch (r) {
            case SYSCALL -> onSyscall();
            case EXCEPTION -> Traps.onException(this, x.vector, x.hasErrorCode ? x.errorCode : -1, x.faultAddress);
            case SOFTWARE_INTERRUPT -> Traps.onSoftwareInterrupt(this, x.vector, x.instructionLength);
            case PRIVILEGED -> Traps.onPrivileged(this, x.privileged, x.operand[0], x.operand[1], x.instructionLength);
            case IO -> Traps.onIo(this, x.ioIn, x.ioSize, x.ioString, x.instructionLength, x.ioPort);
            case HALT -> Traps.raise(this, 13, 0, state.rip());
            case INTERNAL_ERROR -> domain.crash(this, "engine error: " + x.message, -1);
            default -> { }
        }
        if (hv.mmu().takeImplicitGrantUnmap() != 0 && !domain.dying) {
            // A grant PTE was removed other than by GNTTABOP_unmap_grant_ref: #GP(0), as Xen 4.17+.
            Traps.raise(this, Traps.GP, 0, state.rip());
        }
    }

    private void onSyscall() {
        long rip = state.rip();
        long rflags = state.rflags();
        // SYSCALL architecturally leaves the return RIP in RCX and RFLAGS in R11.
        state.setGpr(CpuState.RCX, rip);
        state.setGpr(11, rflags);
        if (!kernelMode) {
            Traps.userSyscall(this, rip, rflags);
            return;
        }
        long nr = state.gpr(CpuState.RAX);
        long a1 = state.gpr(CpuState.RDI), a2 = state.gpr(CpuState.RSI), a3 = state.gpr(CpuState.RDX);
        long a4 = state.gpr(10), a5 = state.gpr(8);
        int slot = record(nr, a1, a2, a3, a4, a5, Hypercalls.NO_RESULT);
        long result = Hypercalls.call(this, nr, a1, a2, a3, a4, a5);
        history[slot][6] = result;
        if (TRACE) {
            System.err.printf("jxen: d%d v%d %s(%x, %x, %x, %x, %x) = %s%n", domain.id(), id,
                    Hypercalls.name((int) nr), a1, a2, a3, a4, a5,
                    result == Hypercalls.NO_RESULT ? "-" : Long.toString(result));
        }
        if (result != Hypercalls.NO_RESULT) {
            state.setGpr(CpuState.RAX, result);
        }
    }

    /** Records a hypercall for crash reports; returns its slot so the result can be filled in later. */
    int record(long nr, long a1, long a2, long a3, long a4, long a5, long result) {
        int slot = historyNext;
        long[] h = history[slot];
        h[0] = nr;
        h[1] = a1;
        h[2] = a2;
        h[3] = a3;
        h[4] = a4;
        h[5] = a5;
        h[6] = result;
        h[7] = state.rip();
        historyNext = (historyNext + 1) % HISTORY;
        historyCount++;
        return slot;
    }

    List<String> lastHypercalls() {
        List<String> out = new ArrayList<>();
        int n = (int) Math.min(historyCount, HISTORY);
        for (int i = 0; i < n; i++) {
            long[] h = history[(int) ((historyNext - n + i + HISTORY) % HISTORY)];
            String res = h[6] == Hypercalls.NO_RESULT ? "-" : h[6] < 0 && h[6] > -4096
                    ? "-" + dev.jxen.abi.XenErrno.name((int) -h[6]) : "0x" + Long.toHexString(h[6]);
            out.add(String.format("%s(%x, %x, %x, %x, %x) = %s", Hypercalls.name((int) h[0]), h[1], h[2], h[3],
                    h[4], h[5], res));
        }
        return out;
    }

    /** CPU time this vCPU has used (running the guest and handling its exits), in nanoseconds. */
    public long cpuTimeNanos() {
        return cpuNanos;
    }

    /** Whether the vCPU is up (vCPU 0 from the start, the others after VCPUOP_up). */
    public boolean isOnline() {
        return online;
    }

    /** Whether the vCPU waits for an event (SCHEDOP_block or poll), as Xen's blocked state. */
    public boolean isBlocked() {
        return blocked && !domain.pausedByToolstack();
    }

    /** Whether the vCPU's thread is running guest code or handling its exits right now. */
    public boolean isRunning() {
        return busy;
    }

    /** The number of hypercalls made so far (for tests and statistics). */
    public long hypercallCount() {
        return historyCount;
    }

    // ------------------------------------------------------------------ guest virtual memory

    /** Machine address of guest VA {@code va} for an access in the current mode, or throws {@link GuestFault}. */
    long ma(long va, boolean write) {
        long ma = runner.translate(va, write ? VcpuRunner.ACCESS_WRITE : VcpuRunner.ACCESS_READ, 3);
        if (ma < 0) {
            throw GuestFault.INSTANCE;
        }
        return ma;
    }

    /**
     * Machine address of {@code [va, va+len)} when it lies in one page (one translation for a whole
     * structure), or -1 when it crosses a page boundary. Throws {@link GuestFault} when unmapped.
     */
    long maInPage(long va, int len, boolean write) {
        if ((va & 0xFFF) + len > 4096) {
            return -1;
        }
        return ma(va, write);
    }

    long read64(long va) {
        if ((va & 0xFFF) <= 0xFF8) {
            return mem.read64(ma(va, false));
        }
        return (read32(va) & 0xFFFF_FFFFL) | ((long) read32(va + 4) << 32);
    }

    int read32(long va) {
        if ((va & 0xFFF) <= 0xFFC) {
            return mem.read32(ma(va, false));
        }
        int v = 0;
        for (int i = 0; i < 4; i++) {
            v |= (mem.read8(ma(va + i, false)) & 0xFF) << (8 * i);
        }
        return v;
    }

    int read16(long va) {
        return (read8(va) & 0xFF) | ((read8(va + 1) & 0xFF) << 8);
    }

    int read8(long va) {
        return mem.read8(ma(va, false)) & 0xFF;
    }

    void write64(long va, long v) {
        if ((va & 0xFFF) <= 0xFF8) {
            mem.write64(ma(va, true), v);
            return;
        }
        write32(va, (int) v);
        write32(va + 4, (int) (v >>> 32));
    }

    void write32(long va, int v) {
        if ((va & 0xFFF) <= 0xFFC) {
            mem.write32(ma(va, true), v);
            return;
        }
        for (int i = 0; i < 4; i++) {
            mem.write8(ma(va + i, true), (byte) (v >>> (8 * i)));
        }
    }

    void write16(long va, int v) {
        write8(va, v);
        write8(va + 1, v >>> 8);
    }

    void write8(long va, int v) {
        mem.write8(ma(va, true), (byte) v);
    }

    void readBytes(long va, byte[] dst, int off, int len) {
        int done = 0;
        while (done < len) {
            long a = va + done;
            int chunk = (int) Math.min(len - done, 4096 - (a & 0xFFF));
            mem.read(ma(a, false), dst, off + done, chunk);
            done += chunk;
        }
    }

    void writeBytes(long va, byte[] src, int off, int len) {
        int done = 0;
        while (done < len) {
            long a = va + done;
            int chunk = (int) Math.min(len - done, 4096 - (a & 0xFFF));
            mem.write(ma(a, true), src, off + done, chunk);
            done += chunk;
        }
    }

    @Override
    public String toString() {
        return domain + " vcpu " + id;
    }
}
