package dev.jxen.hypervisor;

import dev.jxen.abi.EventChannelOp;
import dev.jxen.abi.XenErrno;
import dev.jxen.hypervisor.grant.GrantTable;
import dev.jxen.hypervisor.mm.FrameTable;
import dev.jxen.machine.MachineMemory;
import java.util.Arrays;
import java.util.NavigableMap;
import java.util.concurrent.CompletableFuture;

/**
 * A PV domain: its RAM frames (P2M), its shared_info page, event channels, console and vCPUs.
 * Created paused by {@link Hypervisor#createDomain}; the toolstack (through the builder) fills
 * memory, sets vCPU 0's registers and page tables, then calls {@link #start()} and waits on
 * {@link #exit()}.
 */
public final class Domain {
    /** DOMID_SELF of {@code xen.h}. */
    public static final int DOMID_SELF = 0x7FF0;

    private final Hypervisor hypervisor;
    private final int id;
    private final String name;
    private final long[] p2m;
    private final long sharedInfoMfn;
    private final Vcpu[] vcpus;
    private final CompletableFuture<DomainExit> exit = new CompletableFuture<>();
    private volatile ConsoleSink consoleSink = ConsoleSink.DISCARD;
    private volatile NavigableMap<Long, String> symbols;
    final EventChannels events;
    final Console console;
    private final GrantTable grants;
    private volatile boolean started;
    volatile boolean dying;
    /** SCHEDOP_shutdown_code: the reason the guest announced in advance. */
    volatile int shutdownCode = -1;
    private int runningThreads;
    private boolean released;
    private boolean destroyRequested;

    Domain(Hypervisor hypervisor, int id, String name, long memoryPages, int vcpuCount) {
        this.hypervisor = hypervisor;
        this.id = id;
        this.name = name;
        FrameTable frames = hypervisor.frames();
        this.p2m = new long[Math.toIntExact(memoryPages)];
        Arrays.fill(p2m, -1L);
        synchronized (frames) {
            if (frames.freeFrames() < memoryPages + 1) {
                throw new IllegalStateException("out of machine memory: domain " + name + " needs "
                        + (memoryPages + 1) + " frames, " + frames.freeFrames() + " free");
            }
            for (int pfn = 0; pfn < memoryPages; pfn++) {
                long mfn = frames.allocate(id);
                p2m[pfn] = mfn;
                hypervisor.m2p().set(mfn, pfn);
            }
            sharedInfoMfn = frames.allocate(id);
        }
        this.totPages = memoryPages;
        this.grants = new GrantTable(id, hypervisor.mmu(),
                domid -> hypervisor.anyDomain(domid).map(Domain::grantTable).orElse(null));
        this.events = new EventChannels(this);
        this.console = new Console(this);
        this.vcpus = new Vcpu[vcpuCount];
        for (int i = 0; i < vcpuCount; i++) {
            vcpus[i] = new Vcpu(this, i);
        }
        SharedPage.init(this);
    }

    public Hypervisor hypervisor() {
        return hypervisor;
    }

    public int id() {
        return id;
    }

    public String name() {
        return name;
    }

    /** Number of RAM pages the domain was built with (PFN 0 .. pageCount-1); also its maximum reservation. */
    public long pageCount() {
        return p2m.length;
    }

    /** Pages the domain owns now (its reservation: grows and shrinks with memory_op). */
    public synchronized long totalPages() {
        return totPages;
    }

    private long totPages;

    /** XENMEM_increase_reservation of one page: a new frame, not in the P2M; -1 at the maximum or when memory is out. */
    synchronized long increaseReservation() {
        if (totPages >= p2m.length) {
            return -1;
        }
        long mfn = hypervisor.frames().allocate(id);
        if (mfn >= 0) {
            totPages++;
            hypervisor.m2p().set(mfn, -1L);
        }
        return mfn;
    }

    /** XENMEM_populate_physmap of one page at {@code gpfn}; returns its MFN or -1. */
    synchronized long populate(long gpfn) {
        if (gpfn < 0 || gpfn >= p2m.length || totPages >= p2m.length) {
            return -1;
        }
        long mfn = hypervisor.frames().allocate(id);
        if (mfn >= 0) {
            totPages++;
            p2m[(int) gpfn] = mfn;
            hypervisor.m2p().set(mfn, gpfn);
        }
        return mfn;
    }

    /** XENMEM_decrease_reservation of one frame: only an unreferenced frame of ours is given back. */
    synchronized boolean decreaseReservation(long mfn) {
        FrameTable ft = hypervisor.frames();
        synchronized (ft) {
            if (!ft.valid(mfn) || ft.owner(mfn) != id || ft.typeCount(mfn) != 0 || ft.refCount(mfn) != 0
                    || ft.pinned(mfn) || mfn == sharedInfoMfn || isGrantFrame(mfn)) {
                return false;
            }
            long pfn = hypervisor.m2p().get(mfn);
            if (pfn >= 0 && pfn < p2m.length && p2m[(int) pfn] == mfn) {
                p2m[(int) pfn] = -1;
            }
            hypervisor.m2p().set(mfn, -1L);
            ft.free(mfn);
            totPages--;
            return true;
        }
    }

    private boolean isGrantFrame(long mfn) {
        return grants.isTableFrame(mfn);
    }

    /** The machine frame behind guest frame {@code pfn}, or -1 when there is none. */
    public long mfn(long pfn) {
        return pfn >= 0 && pfn < p2m.length ? p2m[(int) pfn] : -1;
    }

    public MachineMemory machine() {
        return hypervisor.memory();
    }

    public long sharedInfoMfn() {
        return sharedInfoMfn;
    }

    /** Machine address of shared_info (what start_info.shared_info holds). */
    public long sharedInfoMachineAddress() {
        return sharedInfoMfn << MachineMemory.PAGE_SHIFT;
    }

    public int vcpuCount() {
        return vcpus.length;
    }

    public Vcpu vcpu(int i) {
        return vcpus[i];
    }

    /**
     * Allocates an unbound event channel whose remote end may be bound by {@code remoteDomid} (the
     * toolstack's store and console channels: remote 0). Returns the port (lowest free, from 1).
     *
     * @throws IllegalStateException when no port is free
     */
    public int allocateUnboundPort(int remoteDomid) {
        int port = events.allocUnbound(remoteDomid);
        if (port < 0) {
            throw new IllegalStateException("domain " + id + ": no free event channel port");
        }
        return port;
    }

    /**
     * Takes the console ring in guest frame {@code mfn} (the builder's console page) with its event
     * channel {@code port}: the hypervisor plays the console backend, copying the guest's output to
     * the {@link #setConsoleSink sink} and feeding {@link #sendConsoleInput input}.
     */
    public void attachConsoleRing(long mfn, int port) {
        console.attachRing(mfn, port);
    }

    /** Where console output goes (console_io writes and the console ring). */
    public void setConsoleSink(ConsoleSink sink) {
        this.consoleSink = sink == null ? ConsoleSink.DISCARD : sink;
    }

    ConsoleSink consoleSink() {
        return consoleSink;
    }

    /** Queues keyboard input for the guest's console ring (and console_io read). */
    public void sendConsoleInput(byte[] data) {
        console.input(data);
    }

    /**
     * Signals {@code port} as its remote end would: for a backend the toolstack runs outside any
     * domain (a xenstore stand-in on the store channel). Safe from any thread: vCPU 0's thread sets
     * the port pending, which wakes the vCPU the port notifies.
     */
    public void notifyPort(int port) {
        vcpus[0].post(port);
    }

    /**
     * Makes {@code onSend} the listener for the guest's sends on {@code port}, an unbound channel
     * whose remote end is the control domain (0): this is how a backend running in the daemon (the
     * xenstored and console rings) hears the guest. {@code onSend} runs on the sending vCPU's
     * thread, so it must only hand work on. Replies go back with {@link #notifyPort}.
     *
     * @return 0, or -EINVAL when {@code port} is not unbound to domain 0 or a backend already
     *     listens on it (on Xen that port would be bound interdomain by then)
     */
    public int bindBackendPort(int port, Runnable onSend) {
        synchronized (events) {
            if (events.stateOf(port) != EventChannelOp.STAT_UNBOUND || events.remoteDomOf(port) != 0
                    || events.hasHostListener(port)) {
                return -XenErrno.EINVAL;
            }
            events.setHostListener(port, onSend);
            return 0;
        }
    }

    /** Stops delivering the guest's sends on {@code port} to the backend bound by {@link #bindBackendPort}. */
    public void unbindBackendPort(int port) {
        synchronized (events) {
            if (events.stateOf(port) != EventChannelOp.STAT_CLOSED) {
                events.setHostListener(port, null);
            }
        }
    }

    /**
     * Validates and pins {@code mfn} as a page table of {@code level} (1..4), as the guest's
     * {@code MMUEXT_PIN_Lx_TABLE} would; the builder's boot tables are pinned this way.
     *
     * @throws IllegalArgumentException with Xen's reason when validation fails
     */
    public void pinPageTable(long mfn, int level) {
        int rc = hypervisor.mmu().pin(mfn, level, id);
        if (rc != 0) {
            throw new IllegalArgumentException("domain " + id + ": cannot pin mfn 0x" + Long.toHexString(mfn)
                    + " as L" + level + ": " + XenErrno.name(rc));
        }
    }

    /** Pins {@code l4mfn} as an L4 table and makes it vCPU 0's kernel page table (CR3). */
    public void pinL4(long l4mfn) {
        pinPageTable(l4mfn, 4);
        int rc = vcpus[0].setKernelBaseTable(l4mfn);
        if (rc != 0) {
            throw new IllegalArgumentException("domain " + id + ": cannot load L4 0x" + Long.toHexString(l4mfn));
        }
    }

    /** The kernel's symbols (address to name) for crash reports. */
    public void setSymbols(NavigableMap<Long, String> symbols) {
        this.symbols = symbols;
    }

    NavigableMap<Long, String> symbols() {
        return symbols;
    }

    /** Makes every vCPU drop its TLB (now on the caller's own vCPU, before the next run on others). */
    void flushTlbs() {
        for (Vcpu v : vcpus) {
            v.requestTlbFlush();
        }
    }

    /**
     * Starts vCPU 0 (the others wait for VCPUOP_up). Its kernel page table must have been loaded
     * with {@link #pinL4}; a CR3 set directly through {@code vcpu(0).state()} is adopted (and
     * validated) here.
     *
     * @throws IllegalStateException when vCPU 0 has no valid L4
     */
    public synchronized void start() {
        if (started) {
            throw new IllegalStateException("domain " + id + " already started");
        }
        Vcpu v0 = vcpus[0];
        if (v0.kernelBaseTable() == 0) {
            long cr3 = v0.state().cr3() >>> MachineMemory.PAGE_SHIFT;
            if (cr3 == 0 || v0.setKernelBaseTable(cr3) != 0) {
                throw new IllegalStateException("domain " + id + ": vCPU 0 has no valid L4 page table (CR3 0x"
                        + Long.toHexString(v0.state().cr3()) + "); pin one with pinL4");
            }
        }
        started = true;
        vcpus[0].startThread();
    }

    synchronized void vcpuThreadStarted() {
        runningThreads++;
    }

    /** Completes when the domain shuts down, crashes or is destroyed. */
    public CompletableFuture<DomainExit> exit() {
        return exit;
    }

    /**
     * Destroys the domain: stops its vCPUs (completing {@link #exit()} with DESTROYED if it was
     * still running) and gives its frames back to the machine pool. A domain that shut down keeps
     * its memory until destroyed, as on Xen, so the toolstack can still inspect it.
     */
    public void destroy() {
        finish(new DomainExit(ShutdownReason.DESTROYED, null));
        synchronized (this) {
            destroyRequested = true;
        }
        awaitStopped(2000);
        synchronized (this) {
            if (runningThreads == 0) {
                releaseFrames();
            }
        }
        hypervisor.forgetDestroyed(this);
    }

    /** Ends the domain with {@code e} (first caller wins), stopping its vCPUs; memory stays until destroy. */
    void finish(DomainExit e) {
        synchronized (this) {
            if (dying) {
                return;
            }
            dying = true;
        }
        for (Vcpu v : vcpus) {
            v.stop();
        }
        console.poll();
        hypervisor.forget(this);
        exit.complete(e);
    }

    /** Waits up to {@code millis} per vCPU for the vCPU threads to end. */
    public void awaitStopped(long millis) {
        for (Vcpu v : vcpus) {
            v.join(millis);
        }
    }

    synchronized void vcpuThreadExited() {
        runningThreads--;
        if (runningThreads == 0 && destroyRequested) {
            releaseFrames();
        }
    }

    /** Gives every frame the domain owns back to the pool (once no vCPU runs). */
    private void releaseFrames() {
        if (released) {
            return;
        }
        released = true;
        grants.destroy(); // its mappings of other domains' grants go with its page tables
        FrameTable frames = hypervisor.frames();
        synchronized (frames) {
            long lowest = Long.MAX_VALUE, highest = -1;
            for (long mfn = 0; mfn < frames.frameCount(); mfn++) {
                if (frames.owner(mfn) == id) {
                    hypervisor.m2p().set(mfn, -1L);
                    frames.free(mfn);
                    lowest = Math.min(lowest, mfn);
                    highest = mfn;
                }
            }
            // Its memory goes back to the host now, so the next domain's frames need no clearing.
            frames.discardFree(lowest, highest + 1);
        }
    }

    /** Crashes the domain with a report about {@code vcpu}. */
    void crash(Vcpu vcpu, String reason, long faultAddress) {
        String report = CrashReport.format(this, vcpu.id(), reason, vcpu.state(), faultAddress, symbols,
                vcpu.lastHypercalls());
        finish(new DomainExit(ShutdownReason.CRASH, report));
    }

    // ------------------------------------------------------------------ toolstack pause and state

    /** XEN_DOMCTL_pausedomain: set by {@link #pause}, cleared by {@link #unpause}. */
    private volatile boolean toolstackPaused;

    /**
     * Pauses the domain as {@code xl pause} does: its vCPUs stop running guest code (their state,
     * timers and pending events are kept) and this returns once none is running. A domain paused
     * before {@link #start()} starts paused. Pausing a paused domain does nothing.
     */
    public void pause() {
        toolstackPaused = true;
        for (Vcpu v : vcpus) {
            v.wake();
        }
        long giveUp = System.nanoTime() + 2_000_000_000L;
        for (Vcpu v : vcpus) {
            while (v.isRunning() && !v.onOwnThread() && System.nanoTime() < giveUp) {
                Thread.onSpinWait();
                Thread.yield();
            }
        }
    }

    /** Lets a paused domain's vCPUs run again (events and timers that came meanwhile are delivered). */
    public void unpause() {
        toolstackPaused = false;
        for (Vcpu v : vcpus) {
            v.wake();
        }
    }

    /** Whether the toolstack paused the domain. */
    public boolean isPaused() {
        return toolstackPaused;
    }

    boolean pausedByToolstack() {
        return toolstackPaused;
    }

    /** Whether {@link #start()} was called. */
    public boolean isStarted() {
        return started;
    }

    /** Why the domain stopped (shutdown, crash, destroy), or null while it runs. */
    public ShutdownReason shutdownReason() {
        DomainExit e = exit.getNow(null);
        return e == null ? null : e.reason();
    }

    /** Whether destroy was asked and the domain's frames are not all released yet (Xen's dying). */
    public synchronized boolean isDying() {
        return destroyRequested && !released;
    }

    /** CPU time all vCPUs have used, in nanoseconds. */
    public long cpuTimeNanos() {
        long sum = 0;
        for (Vcpu v : vcpus) {
            sum += v.cpuTimeNanos();
        }
        return sum;
    }

    /** vCPUs that are up. */
    public int onlineVcpus() {
        int n = 0;
        for (Vcpu v : vcpus) {
            if (v.isOnline()) {
                n++;
            }
        }
        return n;
    }

    /** The domain's grant table (its entries, and the grant mappings it holds). */
    public GrantTable grantTable() {
        return grants;
    }

    long[] p2mArray() {
        return p2m;
    }

    @Override
    public String toString() {
        return "domain " + id + " (" + name + ")";
    }
}
