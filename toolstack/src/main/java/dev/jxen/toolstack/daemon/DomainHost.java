package dev.jxen.toolstack.daemon;

import dev.jxen.builder.BuildException;
import dev.jxen.builder.KernelImage;
import dev.jxen.hypervisor.Domain;
import dev.jxen.hypervisor.DomainExit;
import dev.jxen.hypervisor.Hypervisor;
import dev.jxen.hypervisor.Vcpu;
import dev.jxen.machine.MachineMemory;
import dev.jxen.toolstack.config.DomainConfig;
import dev.jxen.toolstack.console.ConsoleHub;
import dev.jxen.toolstack.xl.PvBoot;
import dev.jxen.toolstack.xl.PvDomainRunner;
import dev.jxen.toolstack.xl.ShutdownReason;
import dev.jxen.toolstack.xl.UserError;
import dev.jxen.toolstack.xl.XlHost;
import dev.jxen.toolstack.xl.DomainStoreEntries;
import dev.jxen.x86.X86Engine;
import dev.jxen.xenstore.Xenstored;
import dev.jxen.xenstore.XsTransaction;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The domains of one host: one hypervisor (x86 engine) over one pool of machine memory, the
 * domains built from xl.cfg configurations, and their lifecycle: when a guest shuts down, its
 * {@code on_poweroff}/{@code on_reboot}/{@code on_crash}... action is applied here, as xl's
 * per-domain monitor does on Xen (restart = rebuild from the configuration, same name, new id).
 */
final class DomainHost implements XlHost, AutoCloseable {
    /** The Xen version jxen reports (as the hypervisor's xen_version hypercall does). */
    static final String XEN_VERSION = "4.17.7-jxen";
    private static final long PAGES_PER_MIB = (1 << 20) / MachineMemory.PAGE_SIZE;
    /** A domain restarted this many times in a row, each living less than {@link #QUICK_DEATH_MS}, is not restarted again. */
    private static final int MAX_QUICK_RESTARTS = 10;
    private static final long QUICK_DEATH_MS = 2000;
    /** Ended domains whose outcome is kept for xl create -c. */
    private static final int KEPT_OUTCOMES = 256;

    private final JxenHome home;
    private final MachineMemory memory;
    private final Hypervisor hv;
    private final Xenstored xenstored;
    private final Map<Integer, HostedDomain> domains = new ConcurrentSkipListMap<>();
    private final Map<Integer, HostedDomain> ended = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Integer, HostedDomain> e) {
            return size() > KEPT_OUTCOMES;
        }
    };
    /** Runs lifecycle actions off the vCPU threads, one at a time. */
    private final ExecutorService lifecycle = Executors.newSingleThreadExecutor(
            r -> Thread.ofPlatform().daemon().name("jxend-lifecycle").unstarted(r));
    private final StringBuilder dmesg = new StringBuilder();
    private final Runnable onChange;

    /** A host with {@code memoryMiB} of machine memory; {@code onChange} runs when domains come or go. */
    DomainHost(JxenHome home, long memoryMiB, Runnable onChange) {
        this.home = home;
        this.onChange = onChange;
        this.memory = MachineMemory.allocate(memoryMiB << 20);
        this.hv = new Hypervisor(memory, new X86Engine());
        this.xenstored = new Xenstored(hv);
        DomainStoreEntries.writeDom0(xenstored.dom0());
        try {
            // For Debian's xenstore tools: XENSTORED_PATH=$JXEN_HOME/xenstored.sock
            xenstored.listen(home.xenstoreSocket());
        } catch (IOException e) {
            log("xenstored: cannot listen on " + home.xenstoreSocket() + ": " + e.getMessage());
        }
        log("jxen " + XEN_VERSION + ": " + memoryMiB + " MiB of machine memory, " + cpus() + " CPUs");
    }

    private static int cpus() {
        return Runtime.getRuntime().availableProcessors();
    }

    /** Domains hosted now (running, paused or preserved after shutdown). */
    int domainCount() {
        return domains.size();
    }

    synchronized void log(String line) {
        String l = "(XEN) " + line + "\n";
        dmesg.append(l);
        if (dmesg.length() > 1 << 20) {
            dmesg.delete(0, dmesg.length() - (1 << 19));
        }
        System.out.print(Instant.now() + " " + l);
        System.out.flush();
    }

    @Override
    public List<DomainInfo> list() {
        List<DomainInfo> all = new ArrayList<>();
        all.add(dom0());
        for (HostedDomain hd : domains.values()) {
            all.add(info(hd));
        }
        return all;
    }

    private DomainInfo dom0() {
        long rssMiB = 0;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    rssMiB = Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux: 0
        }
        double cpu = ProcessHandle.current().info().totalCpuDuration().map(d -> d.toNanos() / 1e9).orElse(0.0);
        return new DomainInfo(DOM0, "Domain-0", "00000000-0000-0000-0000-000000000000", rssMiB, cpus(), true, false,
                false, null, false, cpu, bootTime());
    }

    private Instant bootTime() {
        return hv.bootInstant();
    }

    private static DomainInfo info(HostedDomain hd) {
        Domain d = hd.domain;
        boolean running = false, allBlocked = d.isStarted();
        for (int i = 0; i < d.vcpuCount(); i++) {
            Vcpu v = d.vcpu(i);
            if (!v.isOnline()) {
                continue;
            }
            running |= v.isRunning();
            allBlocked &= !v.isRunning() && v.isBlocked();
        }
        dev.jxen.hypervisor.ShutdownReason r = d.shutdownReason();
        ShutdownReason shutdown = ShutdownReason.of(r);
        boolean stopped = r != null;
        return new DomainInfo(d.id(), hd.name, hd.uuid, d.totalPages() / PAGES_PER_MIB, d.onlineVcpus(),
                running && !stopped && !d.isPaused(), allBlocked && !stopped && !d.isPaused(), d.isPaused() && !stopped,
                shutdown, d.isDying(), d.cpuTimeNanos() / 1e9, hd.started);
    }

    @Override
    public DomainConfig config(int domid) {
        HostedDomain hd = hosted(domid);
        return hd == null ? null : hd.config;
    }

    @Override
    public int find(String nameOrId) {
        if (nameOrId.matches("[0-9]{1,9}")) {
            int id = Integer.parseInt(nameOrId);
            if (id == DOM0 || domains.containsKey(id)) {
                return id;
            }
        }
        if (nameOrId.equals("Domain-0")) {
            return DOM0;
        }
        for (HostedDomain hd : domains.values()) {
            if (hd.name.equals(nameOrId)) {
                return hd.domid();
            }
        }
        return -1;
    }

    @Override
    public synchronized int create(DomainConfig cfg, boolean paused) throws UserError {
        return build(cfg, paused, 0).domid();
    }

    private synchronized HostedDomain build(DomainConfig cfg, boolean paused, int generation) throws UserError {
        if (cfg.name().equals("Domain-0") || find(cfg.name()) >= 0) {
            throw new UserError("domain with name '" + cfg.name() + "' already exists");
        }
        KernelImage kernel = PvDomainRunner.loadKernel(cfg.kernel());
        byte[] ramdisk = cfg.ramdisk() == null ? null : PvDomainRunner.readRamdisk(cfg.ramdisk());
        PvDomainRunner.checkHostMemory(cfg);
        long pages = cfg.memoryMiB() * PAGES_PER_MIB;
        Domain d;
        try {
            d = hv.createDomain(cfg.name(), pages, cfg.maxvcpus());
        } catch (IllegalStateException e) {
            throw new UserError("domain '" + cfg.name() + "'", "memory = " + cfg.memoryMiB()
                    + " MiB does not fit: " + hv.frames().freeFrames() / PAGES_PER_MIB + " MiB of jxen's machine memory is free");
        }
        HostedDomain hd;
        try {
            ConsoleHub console = new ConsoleHub(d, home.consoleDir().resolve(cfg.name() + ".log"));
            String uuid = cfg.uuid() != null ? cfg.uuid() : UUID.randomUUID().toString();
            hd = new HostedDomain(cfg, d, uuid, console, generation);
            PvBoot.Prepared p = PvBoot.prepare(d, kernel, ramdisk, cfg.cmdline(), console);
            DomainStoreEntries.introduce(xenstored, d.id(), cfg, uuid, p);
        } catch (BuildException e) {
            d.destroy();
            throw new UserError(e.getMessage()); // the builder names the kernel file
        } catch (IOException e) {
            d.destroy();
            throw new UserError(home.consoleDir().toString(), "cannot write the console log: " + e.getMessage());
        }
        if (paused) {
            d.pause();
        }
        domains.put(d.id(), hd);
        d.start();
        d.exit().whenCompleteAsync((exit, failure) -> ended(hd, exit), lifecycle);
        log("domain " + d.id() + " (" + cfg.name() + ") created" + (paused ? ", paused" : ""));
        onChange.run();
        return hd;
    }

    /** Applies the configured action when a domain stops (on the lifecycle thread). */
    private void ended(HostedDomain hd, DomainExit exit) {
        int domid = hd.domid();
        ShutdownReason reason = exit == null ? null : ShutdownReason.of(exit.reason());
        if (reason == null) {
            forget(hd, new Outcome(null, null, hd.name, "destroy", -1));
            return;
        }
        if (exit.crashReport() != null) {
            log(exit.crashReport().strip());
        }
        DomainConfig cfg = hd.config;
        DomainConfig.Action action = switch (reason) {
            case POWEROFF -> cfg.onPoweroff();
            case REBOOT -> cfg.onReboot();
            case CRASH -> cfg.onCrash();
            case WATCHDOG -> cfg.onWatchdog();
            case SOFT_RESET -> cfg.onSoftReset();
            case SUSPEND -> DomainConfig.Action.PRESERVE; // kept for a resume, as xl leaves it
        };
        log("domain " + domid + " (" + hd.name + ") shut down, reason " + reason.xlName() + ": " + action.xlName());
        if (action == DomainConfig.Action.COREDUMP_DESTROY || action == DomainConfig.Action.COREDUMP_RESTART) {
            log("domain " + domid + ": core dumps are not supported yet; no dump written");
        }
        int restartedAs = -1;
        switch (action) {
            case PRESERVE -> {
                // kept, shut down, until xl destroy
                hd.outcome.complete(new Outcome(reason, exit.crashReport(), hd.name, action.xlName(), -1));
                hd.console.close();
                onChange.run();
                return;
            }
            case RENAME_RESTART -> {
                hd.name = hd.name + DateTimeFormatter.ofPattern("-yyyyMMdd'T'HHmm'Z'").withZone(ZoneOffset.UTC).format(Instant.now());
                log("domain " + domid + " preserved as " + hd.name);
                restartedAs = restart(hd);
            }
            case RESTART, COREDUMP_RESTART, SOFT_RESET -> {
                hd.domain.destroy();
                if (domains.remove(domid, hd)) {
                    releaseFromStore(hd);
                }
                restartedAs = restart(hd);
            }
            case DESTROY, COREDUMP_DESTROY -> hd.domain.destroy();
        }
        Outcome o = new Outcome(reason, exit.crashReport(), hd.config.name(), action.xlName(), restartedAs);
        if (action == DomainConfig.Action.RENAME_RESTART) {
            hd.outcome.complete(o);
            hd.console.close();
            onChange.run();
        } else {
            forget(hd, o);
        }
    }

    /** Builds the domain again from its configuration; its new id, or -1 when it cannot be. */
    private int restart(HostedDomain old) {
        boolean quick = Instant.now().toEpochMilli() - old.started.toEpochMilli() < QUICK_DEATH_MS;
        int generation = quick ? old.generation + 1 : 0;
        if (generation > MAX_QUICK_RESTARTS) {
            log("domain " + old.config.name() + " restarted " + MAX_QUICK_RESTARTS
                    + " times, each within " + QUICK_DEATH_MS + " ms: not restarting it again");
            return -1;
        }
        try {
            return build(old.config, false, generation).domid();
        } catch (UserError | RuntimeException e) {
            log("domain " + old.config.name() + " could not be restarted: " + e.getMessage());
            return -1;
        }
    }

    private void forget(HostedDomain hd, Outcome o) {
        if (domains.remove(hd.domid(), hd)) {
            releaseFromStore(hd);
        }
        synchronized (ended) {
            ended.put(hd.domid(), hd);
        }
        hd.outcome.complete(o);
        hd.console.close();
        onChange.run();
    }

    /** As libxl on destroy: XS_RELEASE (fires @releaseDomain) and the domain's entries removed. */
    private void releaseFromStore(HostedDomain hd) {
        try {
            if (xenstored.isIntroduced(hd.domid())) {
                xenstored.releaseDomain(hd.domid());
            }
            DomainStoreEntries.remove(xenstored.dom0(), hd.domid(), hd.uuid);
        } catch (RuntimeException e) {
            log("domain " + hd.domid() + ": cleaning its xenstore entries: " + e);
        }
    }

    private HostedDomain hosted(int domid) {
        return domains.get(domid);
    }

    /** Domain {@code domid} hosted now, else among the recently ended ones, else null. */
    private HostedDomain hostedOrEnded(int domid) {
        HostedDomain hd = hosted(domid);
        if (hd != null) {
            return hd;
        }
        synchronized (ended) {
            return ended.get(domid);
        }
    }

    @Override
    public boolean destroy(int domid) {
        HostedDomain hd = hosted(domid);
        if (hd == null) {
            return false;
        }
        log("domain " + domid + " (" + hd.name + ") destroyed");
        hd.domain.destroy();
        // At once, as on Xen (the lifecycle thread's own notice of it changes nothing more).
        forget(hd, hd.outcome.getNow(new Outcome(null, null, hd.name, "destroy", -1)));
        return true;
    }

    @Override
    public boolean pause(int domid) {
        HostedDomain hd = hosted(domid);
        if (hd == null) {
            return false;
        }
        hd.domain.pause();
        return true;
    }

    @Override
    public boolean unpause(int domid) {
        HostedDomain hd = hosted(domid);
        if (hd == null) {
            return false;
        }
        hd.domain.unpause();
        return true;
    }

    /**
     * The PV control protocol, as libxl: writes "poweroff" or "reboot" to the guest's
     * control/shutdown, which its xenstore watch picks up. No control/feature-* check: libxl makes
     * none for a PV domain. In a transaction that first sees the domain's home, so that a domain
     * going meanwhile leaves no stray node behind.
     */
    @Override
    public void requestShutdown(int domid, ShutdownReason reason) throws UserError {
        String home = "/local/domain/" + domid;
        String what = reason == ShutdownReason.REBOOT ? "reboot" : "poweroff";
        while (true) {
            try (XsTransaction t = xenstored.dom0().transactionStart()) {
                if (hosted(domid) == null || t.read(home + "/domid") == null) {
                    throw new UserError("unable to get domain type for domid=" + domid);
                }
                t.write(home + "/control/shutdown", what);
                if (t.commit()) {
                    return;
                }
            }
        }
    }

    @Override
    public CompletableFuture<ShutdownReason> whenShutdown(int domid) {
        HostedDomain hd = hosted(domid);
        if (hd == null) {
            return CompletableFuture.completedFuture(null);
        }
        return hd.domain.exit().handle((exit, failure) -> exit == null ? null : ShutdownReason.of(exit.reason()));
    }

    @Override
    public List<VcpuInfo> vcpus(int domid) {
        List<VcpuInfo> out = new ArrayList<>();
        if (domid == DOM0) {
            DomainInfo d0 = dom0();
            for (int i = 0; i < d0.vcpus(); i++) {
                out.add(new VcpuInfo(d0.name(), DOM0, i, true, true, false, false, i == 0 ? d0.cpuSeconds() : 0));
            }
            return out;
        }
        HostedDomain hd = hosted(domid);
        if (hd == null) {
            return out;
        }
        Domain d = hd.domain;
        boolean stopped = d.shutdownReason() != null;
        for (int i = 0; i < d.vcpuCount(); i++) {
            Vcpu v = d.vcpu(i);
            out.add(new VcpuInfo(hd.name, domid, i, v.isOnline() && !stopped, v.isRunning() && !stopped,
                    v.isBlocked() && !stopped, d.isPaused(), v.cpuTimeNanos() / 1e9));
        }
        return out;
    }

    @Override
    public HostInfo info() {
        long free = hv.frames().freeFrames() / PAGES_PER_MIB;
        return new HostInfo(cpus(), memory.frameCount() / PAGES_PER_MIB, free, XEN_VERSION, "xen-3.0-x86_64");
    }

    @Override
    public synchronized String dmesg(boolean clear) {
        String text = dmesg.toString();
        if (clear) {
            dmesg.setLength(0);
        }
        return text;
    }

    @Override
    public Outcome outcome(int domid, long millis) throws InterruptedException {
        HostedDomain hd = hostedOrEnded(domid);
        if (hd == null) {
            return null;
        }
        try {
            return hd.outcome.get(millis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return null;
        } catch (java.util.concurrent.ExecutionException e) {
            return null;
        }
    }

    /** The name of domain {@code domid} (hosted or recently ended), or null. */
    String name(int domid) {
        HostedDomain hd = hostedOrEnded(domid);
        return hd == null ? null : hd.name;
    }

    /** Whether another xl console holds domain {@code domid}'s console read-write. */
    boolean consoleBusy(int domid) {
        HostedDomain hd = hosted(domid);
        return hd != null && hd.console.hasReadWriteClient();
    }

    /**
     * Hands {@code ch} to domain {@code domid}'s console (closed at once when the domain has
     * ended); false when it was refused (another read-write client came first).
     */
    boolean attachConsole(int domid, java.nio.channels.SocketChannel ch, boolean readOnly) throws IOException {
        HostedDomain hd = hostedOrEnded(domid);
        if (hd == null) {
            ch.close();
            return true;
        }
        try {
            hd.console.attach(ch, readOnly);
            return true;
        } catch (dev.jxen.toolstack.console.ConsoleBusyException e) {
            return false;
        }
    }

    /** Destroys every domain and frees machine memory. */
    @Override
    public void close() {
        for (HostedDomain hd : List.copyOf(domains.values())) {
            hd.domain.destroy();
            hd.console.close();
        }
        domains.clear();
        lifecycle.shutdownNow();
        xenstored.close();
        hv.close();
        memory.close();
    }
}
