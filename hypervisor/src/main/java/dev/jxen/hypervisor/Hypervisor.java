package dev.jxen.hypervisor;

import dev.jxen.hypervisor.mm.FrameTable;
import dev.jxen.hypervisor.mm.M2p;
import dev.jxen.hypervisor.mm.PvMmu;
import dev.jxen.hypervisor.time.MonotonicClock;
import dev.jxen.machine.Engine;
import dev.jxen.machine.MachineMemory;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The Xen-compatible hypervisor for 64-bit PV guests: owns machine memory (frame ownership and
 * page types, the M2P table), creates {@link Domain}s and runs their vCPUs on an {@link Engine}.
 *
 * <p>Time: guest system time is nanoseconds since this hypervisor was created, read from the
 * {@link InstantSource} given at construction (inject a fake one for deterministic tests); the
 * guests' TSC runs at {@link #TSC_HZ} on the same clock, and the wallclock in shared_info is the
 * source's instant at system time 0.
 */
public final class Hypervisor implements AutoCloseable {
    /** Frequency of the guests' time stamp counter: 1 GHz, so one TSC tick is one nanosecond. */
    public static final long TSC_HZ = 1_000_000_000L;

    private final MachineMemory memory;
    private final Engine engine;
    private final InstantSource clock;
    /** The clock when it is the host's monotonic one: read without allocating on the hot path. */
    private final MonotonicClock mono;
    private final Instant boot;
    private final long bootEpochNanos;
    private final FrameTable frames;
    private final M2p m2p;
    private final PvMmu mmu;
    private final Map<Integer, Domain> domains = new ConcurrentHashMap<>();
    private int nextDomid = 1;

    /** A hypervisor on the host's clock (monotonic, starting at the current wall time). */
    public Hypervisor(MachineMemory memory, Engine engine) {
        this(memory, engine, MonotonicClock.system());
    }

    /**
     * A hypervisor whose notion of time comes from {@code clock}: system time is the time elapsed
     * since construction, the wallclock is the clock's instant at construction.
     */
    public Hypervisor(MachineMemory memory, Engine engine, InstantSource clock) {
        this.memory = memory;
        this.engine = engine;
        this.clock = clock;
        this.mono = clock instanceof MonotonicClock m ? m : null;
        this.boot = clock.instant();
        this.bootEpochNanos = boot.getEpochSecond() * 1_000_000_000L + boot.getNano();
        this.frames = new FrameTable(memory);
        this.m2p = new M2p(memory, frames);
        this.mmu = new PvMmu(frames, m2p);
        mmu.setTlbFlusher(domid -> domain(domid).ifPresent(Domain::flushTlbs));
    }

    public MachineMemory memory() {
        return memory;
    }

    public Engine engine() {
        return engine;
    }

    /** The frame table: owner, page type and counts of every machine frame. */
    public FrameTable frames() {
        return frames;
    }

    /** The machine-to-physical table (read-only to guests at {@link M2p#VIRT_START}). */
    public M2p m2p() {
        return m2p;
    }

    /** Page-table validation and page types for PV guests. */
    public PvMmu mmu() {
        return mmu;
    }

    /** Guest system time: nanoseconds since the hypervisor started. */
    public long systemTimeNanos() {
        if (mono != null) {
            return mono.epochNanos() - bootEpochNanos;
        }
        Instant now = clock.instant();
        return (now.getEpochSecond() * 1_000_000_000L + now.getNano()) - bootEpochNanos;
    }

    /** UTC at system time 0 (the wallclock base in shared_info). */
    public Instant bootInstant() {
        return boot;
    }

    /** The guests' TSC now (consistent with {@link #systemTimeNanos()} at {@link #TSC_HZ}). */
    public long tscNow() {
        return systemTimeNanos();
    }

    /**
     * Creates a paused domain with one vCPU and {@code memoryPages} frames of RAM (PFN 0 up), its
     * P2M/M2P entries, and a zeroed shared_info page whose vcpu_info upcall masks are set.
     *
     * @throws IllegalStateException when machine memory is exhausted
     */
    public Domain createDomain(String name, long memoryPages) {
        return createDomain(name, memoryPages, 1);
    }

    /** As {@link #createDomain(String, long)}, with {@code vcpus} vCPUs (only vCPU 0 starts up). */
    public synchronized Domain createDomain(String name, long memoryPages, int vcpus) {
        if (memoryPages <= 0 || vcpus < 1 || vcpus > 32) {
            throw new IllegalArgumentException("bad domain size: " + memoryPages + " pages, " + vcpus + " vCPUs");
        }
        int id = nextDomid++;
        Domain d = new Domain(this, id, name, memoryPages, vcpus);
        domains.put(id, d);
        return d;
    }

    public Optional<Domain> domain(int id) {
        return Optional.ofNullable(domains.get(id));
    }

    /**
     * A domain that is running or has shut down but was not destroyed yet (as Xen still finds a
     * shut-down domain by id: its grants stay mappable until it is destroyed).
     */
    public Optional<Domain> anyDomain(int id) {
        Domain d = domains.get(id);
        if (d == null) {
            for (Domain s : stopped) {
                if (s.id() == id) {
                    return Optional.of(s);
                }
            }
        }
        return Optional.ofNullable(d);
    }

    public List<Domain> domains() {
        return new ArrayList<>(domains.values());
    }

    /** A domain that shut down: no longer running, but its memory stays until it is destroyed. */
    void forget(Domain d) {
        domains.remove(d.id());
        stopped.add(d);
    }

    void forgetDestroyed(Domain d) {
        domains.remove(d.id());
        stopped.remove(d);
    }

    /** Domains that shut down but were not destroyed yet (destroyed with the hypervisor). */
    private final java.util.Set<Domain> stopped = ConcurrentHashMap.newKeySet();

    /**
     * Destroys every domain and waits (briefly) for their vCPU threads to stop, so the caller may
     * then close machine memory.
     */
    @Override
    public void close() {
        List<Domain> all = domains();
        all.addAll(stopped);
        for (Domain d : all) {
            d.destroy();
        }
    }
}
