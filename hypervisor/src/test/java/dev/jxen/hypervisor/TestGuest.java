package dev.jxen.hypervisor;

import dev.jxen.machine.CpuState;
import dev.jxen.machine.MachineMemory;
import dev.jxen.x86.X86Engine;
import java.util.concurrent.TimeUnit;

/**
 * A hand-built 64-bit PV guest for tests: {@link #PAGES} pages of RAM mapped 1:1 (VA = PFN * 4096)
 * by four boot page tables at PFN 1..4 (mapped read-only, as the builder does), code at
 * {@link #CODE}, data at {@link #DATA}, a stack below {@link #STACK_TOP}. Kernel entries are
 * written without _PAGE_USER, as a real builder writes them; validation must add it.
 */
final class TestGuest implements AutoCloseable {
    static final int PAGES = 512;
    static final long L4 = 1, L3 = 2, L2 = 3, L1 = 4;
    /** A spare page mapped read-only, for a user-mode L4. */
    static final long USER_L4 = 5;
    static final long LAST_DATA_PFN = PAGES - 1;
    static final long CODE = 0x10000, DATA = 0x20000, STACK_TOP = 0x41000;
    static final long MACHINE_BYTES = 16L << 20;

    final MachineMemory memory;
    final FakeClock clock = new FakeClock();
    final Hypervisor hv;
    final Domain domain;
    final StringBuffer console = new StringBuffer();

    TestGuest() {
        this(MachineMemory.allocate(MACHINE_BYTES));
    }

    TestGuest(MachineMemory memory) {
        this.memory = memory;
        this.hv = new Hypervisor(memory, new X86Engine(), clock);
        this.domain = hv.createDomain("test", PAGES);
        init();
    }

    /** A guest on a hypervisor made by the caller (e.g. with the real clock). */
    TestGuest(MachineMemory memory, Hypervisor hv) {
        this.memory = memory;
        this.hv = hv;
        this.domain = hv.createDomain("test", PAGES);
        init();
    }

    private void init() {
        domain.setConsoleSink((b, o, l) -> console.append(new String(b, o, l, java.nio.charset.StandardCharsets.ISO_8859_1)));
        buildPageTables();
    }

    long mfn(long pfn) {
        return domain.mfn(pfn);
    }

    long ma(long va) {
        return (mfn(va >>> 12) << 12) | (va & 0xFFF);
    }

    private void buildPageTables() {
        memory.write64(ma(L4 << 12), (mfn(L3) << 12) | 0x67);
        memory.write64(ma(L3 << 12), (mfn(L2) << 12) | 0x67);
        memory.write64(ma(L2 << 12), (mfn(L1) << 12) | 0x67);
        for (long pfn = 0; pfn < PAGES; pfn++) {
            boolean table = pfn >= L4 && pfn <= USER_L4;
            memory.write64(ma(L1 << 12) + pfn * 8, (mfn(pfn) << 12) | (table ? 0x21 : 0x23));
        }
    }

    /** Machine address of the L1 entry mapping {@code va}. */
    long pteMa(long va) {
        return ma(L1 << 12) + ((va >>> 12) & 511) * 8;
    }

    void load(long va, byte[] bytes) {
        for (int i = 0; i < bytes.length; i++) {
            memory.write8(ma(va + i), bytes[i]);
        }
    }

    void write64(long va, long v) {
        memory.write64(ma(va), v);
    }

    void write32(long va, int v) {
        memory.write32(ma(va), v);
    }

    long read64(long va) {
        return memory.read64(ma(va));
    }

    int read32(long va) {
        return memory.read32(ma(va));
    }

    /** Pins the boot L4, points vCPU 0 at {@code entry} and starts the domain. */
    void start(long entry) {
        domain.pinL4(mfn(L4));
        CpuState s = domain.vcpu(0).state();
        s.setRip(entry);
        s.setGpr(CpuState.RSP, STACK_TOP);
        domain.start();
    }

    DomainExit awaitExit() throws Exception {
        return domain.exit().get(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        hv.close();
        try {
            domain.exit().get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            // already reported by the test
        }
        memory.close();
    }
}
