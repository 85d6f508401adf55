package dev.jxen.x86.testkit;

import dev.jxen.machine.CpuHost;
import dev.jxen.machine.ExitReason;
import dev.jxen.machine.MachineMemory;
import dev.jxen.x86.X86Cpu;
import dev.jxen.x86.X86Engine;

/**
 * A bare machine for running freestanding x86-64 code on the emulator without a hypervisor: machine
 * memory whose first {@code identityBytes} are identity-mapped (virtual = machine address) by 4 KiB
 * user-accessible, writable, executable pages, a 64-bit code segment at the chosen CPL, and a
 * simple {@link CpuHost} (host-like CPUID, a TSC counting retired instructions, a flat GDT).
 *
 * <p>Used by the engine's tests, the CPU demo and the benchmark. Page tables live at the top of
 * memory, above the identity-mapped range.
 */
public final class FlatMachine implements AutoCloseable {
    /** Flat GDT: 0x08 64-bit code DPL0, 0x10 data DPL0, 0x18 32-bit code DPL3, 0x20 data DPL3, 0x28 64-bit code DPL3. */
    public static final int KERNEL_CS = 0x08, KERNEL_DS = 0x10, USER_CS32 = 0x1B, USER_DS = 0x23, USER_CS = 0x2B;
    public static final long[] GDT = {
        0,
        0x00AF_9B00_0000_FFFFL, // 64-bit code, DPL 0
        0x00CF_9300_0000_FFFFL, // data, DPL 0
        0x00CF_FB00_0000_FFFFL, // 32-bit code, DPL 3
        0x00CF_F300_0000_FFFFL, // data, DPL 3
        0x00AF_FB00_0000_FFFFL, // 64-bit code, DPL 3
    };

    private final MachineMemory memory;
    private final X86Cpu cpu;
    private final long identityBytes;
    private long pageTableNext;

    /** Creates a machine with {@code identityBytes} of identity-mapped memory, running at {@code cpl} (0 or 3). */
    public FlatMachine(long identityBytes, int cpl) {
        this(identityBytes, cpl, new DefaultHost());
    }

    public FlatMachine(long identityBytes, int cpl, CpuHost host) {
        this.identityBytes = (identityBytes + 0x1F_FFFFL) & ~0x1F_FFFFL;
        long tableBytes = ((this.identityBytes >>> 12) * 8) + (this.identityBytes >>> 21) * 8 + 3 * 4096L + 4096;
        tableBytes = (tableBytes + 0xFFF) & ~0xFFFL;
        this.memory = MachineMemory.allocate(this.identityBytes + tableBytes + 2 * 4096L);
        this.cpu = (X86Cpu) new X86Engine().createVcpu(memory, host);
        this.pageTableNext = this.identityBytes;
        buildIdentityMap();
        int cs = cpl == 0 ? KERNEL_CS : USER_CS;
        int ds = cpl == 0 ? KERNEL_DS : USER_DS;
        cpu.loadSegment(X86Cpu.CS, cs, GDT[cs >> 3]);
        for (int seg : new int[] {X86Cpu.SS, X86Cpu.DS, X86Cpu.ES}) {
            cpu.loadSegment(seg, ds, GDT[ds >> 3]);
        }
        cpu.loadSegment(X86Cpu.FS, 0, 0);
        cpu.loadSegment(X86Cpu.GS, 0, 0);
        cpu.putRflags(0x202);
    }

    private long allocTable() {
        long t = pageTableNext;
        pageTableNext += 4096;
        return t;
    }

    private void buildIdentityMap() {
        long pml4 = allocTable();
        long pdpt = allocTable();
        memory.write64(pml4, pdpt | 7);
        long pages = identityBytes >>> 12;
        long pdCount = (identityBytes + (1L << 30) - 1) >>> 30;
        for (long g = 0; g < pdCount; g++) {
            long pd = allocTable();
            memory.write64(pdpt + g * 8, pd | 7);
            for (long m = 0; m < 512 && (g * 512 + m) * 512 < pages; m++) {
                long pt = allocTable();
                memory.write64(pd + m * 8, pt | 7);
                for (long p = 0; p < 512; p++) {
                    long addr = ((g * 512 + m) * 512 + p) << 12;
                    if (addr < identityBytes) {
                        memory.write64(pt + p * 8, addr | 7);
                    }
                }
            }
        }
        cpu.setCr3(pml4);
    }

    public X86Cpu cpu() {
        return cpu;
    }

    public MachineMemory memory() {
        return memory;
    }

    /** Size of the identity-mapped range, starting at address 0. */
    public long identityBytes() {
        return identityBytes;
    }

    /** Machine address of the page-table entry (level 1) that maps {@code va}. */
    public long pteAddress(long va) {
        long pml4 = cpu.cr3() & ~0xFFFL;
        long pdpt = memory.read64(pml4 + ((va >>> 39) & 511) * 8) & 0x000F_FFFF_FFFF_F000L;
        long pd = memory.read64(pdpt + ((va >>> 30) & 511) * 8) & 0x000F_FFFF_FFFF_F000L;
        long pt = memory.read64(pd + ((va >>> 21) & 511) * 8) & 0x000F_FFFF_FFFF_F000L;
        return pt + ((va >>> 12) & 511) * 8;
    }

    public void load(long address, byte[] bytes) {
        memory.write(address, bytes, 0, bytes.length);
    }

    /** Runs until an exit other than BUDGET, or until {@code maxInstructions} have retired. */
    public ExitReason run(long maxInstructions) {
        return cpu.run(maxInstructions);
    }

    @Override
    public void close() {
        memory.close();
    }

    /** A host that answers CPUID with a fixed, documented model and counts time in instructions. */
    public static final class DefaultHost implements CpuHost {
        private long tsc;

        @Override
        public void cpuid(int leaf, int subleaf, int[] out) {
            CpuModel.cpuid(leaf, subleaf, out);
        }

        @Override
        public long readTsc() {
            return tsc += 1000;
        }

        @Override
        public long readDescriptor(int selector) {
            int index = selector >>> 3;
            if ((selector & 4) != 0 || index >= GDT.length) {
                return 0;
            }
            return GDT[index];
        }
    }
}
