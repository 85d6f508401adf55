package dev.jxen.toolstack.xl;

import dev.jxen.toolstack.config.DomainConfig;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * What xl's commands ask of the host (the jxend daemon): domains and their lifecycle. The
 * commands run inside the daemon; this is their seam to it.
 */
public interface XlHost {
    /** Domain-0's id. */
    int DOM0 = 0;

    /**
     * A domain as {@code xl list} shows it. {@code shutdown} is null while the domain runs;
     * {@code cpuSeconds} is the CPU time its vCPUs used.
     */
    record DomainInfo(int domid, String name, String uuid, long memoryMiB, int vcpus, boolean running,
            boolean blocked, boolean paused, ShutdownReason shutdown, boolean dying, double cpuSeconds, Instant started) {
    }

    /** One vCPU as {@code xl vcpu-list} shows it. */
    record VcpuInfo(String name, int domid, int vcpu, boolean online, boolean running, boolean blocked,
            boolean paused, double cpuSeconds) {
    }

    /** Host figures for {@code xl info}. */
    record HostInfo(int cpus, long totalMiB, long freeMiB, String xenVersion, String caps) {
    }

    /** How a domain ended, for {@code xl create -c}: its reason (null when destroyed), report and successor. */
    record Outcome(ShutdownReason reason, String crashReport, String name, String action, int restartedAs) {
    }

    /** The configuration domain {@code domid} was built from, or null (Domain-0, or no such domain). */
    DomainConfig config(int domid);

    /** Every domain, Domain-0 first, then by id. */
    List<DomainInfo> list();

    /** The domain named {@code nameOrId} (a name, or a number that is a domain's id), or -1. */
    int find(String nameOrId);

    /**
     * Builds and starts (or leaves paused) the domain {@code cfg} describes; kernel and ramdisk
     * paths are absolute. Returns its id.
     */
    int create(DomainConfig cfg, boolean paused) throws UserError;

    /** Destroys domain {@code domid}; false when there is no such domain. */
    boolean destroy(int domid);

    boolean pause(int domid);

    boolean unpause(int domid);

    /**
     * Asks the guest to shut down for {@code reason} (poweroff or reboot) by writing it to the
     * guest's xenstore {@code control/shutdown}, as libxl does. A PV domain always counts as
     * having PV control (libxl asks nothing more of it): whether the guest listens shows only in
     * whether it acts. Throws when there is no such domain (any more).
     */
    void requestShutdown(int domid, ShutdownReason reason) throws UserError;

    /**
     * Completes when domain {@code domid} has shut down, with the reason, or is destroyed, with
     * null (at once for a domain that already has, or does not exist): what {@code xl shutdown -w}
     * waits for.
     */
    CompletableFuture<ShutdownReason> whenShutdown(int domid);

    List<VcpuInfo> vcpus(int domid);

    HostInfo info();

    /** The hypervisor's own console log ({@code xl dmesg}); emptied after reading when {@code clear}. */
    String dmesg(boolean clear);

    /**
     * How domain {@code domid} ended, waiting up to {@code millis} for it; null when it is still
     * running after that (or never existed).
     */
    Outcome outcome(int domid, long millis) throws InterruptedException;
}
