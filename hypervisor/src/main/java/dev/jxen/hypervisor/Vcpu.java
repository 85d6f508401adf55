package dev.jxen.hypervisor;

import dev.jxen.machine.CpuState;
import dev.jxen.machine.VcpuRunner;
import java.util.ArrayList;
import java.util.List;

/**
 * One virtual CPU of a PV domain: the engine's runner plus the PV state Xen keeps per vCPU (kernel
 * or user mode, the two page tables, trap table, callbacks, kernel stack, timers, vcpu_info).
 * Its run loop executes on its own thread (a pool of workers later: {@link #runSlice()} is the seam).
 */
public final class Vcpu {
    private final Domain domain;
    private final int id;
    final VcpuRunner runner;
    private volatile Thread thread;
    volatile boolean stopRequested;

    Vcpu(Domain domain, int id) {
        this.domain = domain;
        this.id = id;
        this.runner = domain.hypervisor().engine().createVcpu(domain.machine(), null);
    }

    public int id() {
        return id;
    }

    public Domain domain() {
        return domain;
    }

    /** The registers, for the toolstack to set the entry state before {@link Domain#start()}. */
    public CpuState state() {
        return runner.state();
    }

    /** Validates {@code l4mfn} as an L4 table and loads it as this vCPU's kernel page table. Returns 0 or -errno. */
    public int setKernelBaseTable(long l4mfn) {
        return 0;
    }

    void startThread() {
        Thread t = Thread.ofPlatform().name("jxen-d" + domain.id() + "-v" + id).daemon().unstarted(this::runLoop);
        thread = t;
        t.start();
    }

    void stop() {
        stopRequested = true;
        runner.requestExit();
    }

    private void runLoop() {
        while (!stopRequested) {
            runSlice();
        }
    }

    /** Runs the guest for one budget and handles the exit. */
    void runSlice() {
    }

    List<String> lastHypercalls() {
        return new ArrayList<>();
    }
}
