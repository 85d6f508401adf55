package dev.jxen.x86.difftest;

import dev.jxen.machine.ExitReason;
import dev.jxen.machine.MachineMemory;
import dev.jxen.machine.VcpuExit;
import dev.jxen.x86.X86Cpu;
import dev.jxen.x86.testkit.FlatMachine;

/**
 * The emulator side: a {@link FlatMachine} at CPL 3 whose address space is made to look like the
 * host runner's (see {@link Layout}): only the code, data, and read-only pages are present, data
 * and read-only pages are not executable, the guard page is absent. The code is followed by UD2;
 * a #UD exactly there means the snippet ran to its end.
 *
 * <p>Exits are translated to what a Linux process on the host sees: a privileged instruction or
 * port I/O at CPL 3 is #GP(0) at the instruction, INT n (other than 3 and 4, whose gates allow
 * CPL 3) is #GP with error code n*8+2 at the instruction.
 */
public final class EmuCpu implements AutoCloseable {
    private static final long IDENTITY_BYTES = 4L << 20;
    private static final long NX = 1L << 63;
    private static final byte[] ZERO_PAGE = new byte[Layout.PAGE];

    private final FlatMachine machine;
    private final X86Cpu cpu;
    private final MachineMemory memory;
    private int lastCodeLength = Layout.CODE_SIZE;

    public EmuCpu() {
        machine = new FlatMachine(IDENTITY_BYTES, 3);
        cpu = machine.cpu();
        memory = machine.memory();
        for (long va = 0; va < machine.identityBytes(); va += Layout.PAGE) {
            long pte = machine.pteAddress(va);
            if (va >= Layout.CODE_BASE && va < Layout.CODE_BASE + Layout.CODE_SIZE) {
                memory.write64(pte, va | 7);
            } else if (va >= Layout.DATA_BASE && va < Layout.DATA_BASE + (long) Layout.DATA_PAGES * Layout.PAGE) {
                memory.write64(pte, va | 7 | NX);
            } else if (va == Layout.RO_PAGE) {
                memory.write64(pte, va | 5 | NX);
            } else {
                memory.write64(pte, 0);
            }
        }
        byte[] ro = new byte[Layout.PAGE];
        for (int i = 0; i < ro.length; i++) {
            ro[i] = Layout.roByte(i);
        }
        memory.write(Layout.RO_PAGE, ro, 0, ro.length);
        cpu.flushTlb(true);
    }

    public FlatMachine machine() {
        return machine;
    }

    /** Runs one case on the emulator. */
    public CpuResult run(CpuCase c) {
        load(c);
        CpuResult r = new CpuResult();
        try {
            execute(c, r);
        } catch (RuntimeException | StackOverflowError e) {
            r.vector = CpuResult.EMULATOR_ERROR;
            r.note = "Java exception escaped the emulator: " + e;
        }
        save(c, r);
        return r;
    }

    private void load(CpuCase c) {
        int clear = Math.min(Layout.CODE_SIZE, lastCodeLength + 2);
        memory.write(Layout.CODE_BASE, new byte[clear], 0, clear);
        memory.write(Layout.CODE_BASE, c.code, 0, c.code.length);
        memory.write(Layout.CODE_BASE + c.code.length, new byte[] {0x0F, 0x0B}, 0, 2); // UD2: the end marker
        lastCodeLength = c.code.length;
        for (int i = 0; i < Layout.DATA_PAGES; i++) {
            memory.write(Layout.dataPage(i), c.pages[i] != null ? c.pages[i] : ZERO_PAGE, 0, Layout.PAGE);
        }
        System.arraycopy(c.gpr, 0, cpu.gpr, 0, 16);
        cpu.rip = Layout.CODE_BASE;
        cpu.putRflags((c.rflags & 0xCD5L) | 0x202);
        cpu.cr2 = 0;
        cpu.sse.mxcsr = FxImage.mxcsr(c.fx);
        for (int i = 0; i < 16; i++) {
            cpu.sse.xmm[2 * i] = FxImage.xmmLo(c.fx, i);
            cpu.sse.xmm[2 * i + 1] = FxImage.xmmHi(c.fx, i);
        }
    }

    private void execute(CpuCase c, CpuResult r) {
        if (c.x87) {
            cpu.x87.fxrstor(c.fx);
        } else {
            cpu.x87.reset();
        }
        long end = c.endAddress();
        ExitReason reason = cpu.run(c.maxInstructions);
        VcpuExit exit = cpu.exit();
        r.rip = cpu.rip;
        switch (reason) {
            case BUDGET -> {
                r.vector = CpuResult.TIMEOUT;
                r.note = "no end after " + c.maxInstructions + " instructions";
            }
            case EXCEPTION -> {
                if (exit.vector == 6 && cpu.rip == end) {
                    r.vector = CpuResult.COMPLETED;
                } else {
                    r.vector = exit.vector;
                    r.errorCode = exit.hasErrorCode ? exit.errorCode : 0;
                    r.cr2 = exit.vector == 14 ? exit.faultAddress : 0;
                    if (exit.vector == 6) {
                        r.note = "emulator #UD at +" + (cpu.rip - Layout.CODE_BASE) + ": not implemented?";
                    }
                }
            }
            case SOFTWARE_INTERRUPT -> {
                if (exit.vector == 3 || exit.vector == 4) {
                    r.vector = exit.vector;
                } else {
                    r.vector = 13;
                    r.errorCode = exit.vector * 8 + 2;
                    r.rip = cpu.rip - exit.instructionLength;
                }
                r.note = "emulator exit " + exit;
            }
            case PRIVILEGED, IO -> {
                r.vector = 13;
                r.note = "emulator exit " + exit;
            }
            case INTERNAL_ERROR -> {
                r.vector = CpuResult.EMULATOR_ERROR;
                r.note = exit.message;
            }
            default -> {
                r.vector = CpuResult.EMULATOR_ERROR;
                r.note = "unexpected exit " + exit;
            }
        }
    }

    private void save(CpuCase c, CpuResult r) {
        System.arraycopy(cpu.gpr, 0, r.gpr, 0, 16);
        try {
            r.rflags = cpu.getRflags();
        } catch (RuntimeException e) {
            r.vector = CpuResult.EMULATOR_ERROR;
            r.note = "reading RFLAGS failed: " + e;
        }
        r.fx = c.fx.clone();
        FxImage.putInt(r.fx, FxImage.MXCSR, cpu.sse.mxcsr);
        for (int i = 0; i < 16; i++) {
            FxImage.putXmm(r.fx, i, cpu.sse.xmm[2 * i], cpu.sse.xmm[2 * i + 1]);
        }
        if (c.x87) {
            try {
                byte[] img = new byte[FxImage.SIZE];
                cpu.x87.fxsave(img);
                System.arraycopy(img, 0, r.fx, 0, 24);
                System.arraycopy(img, FxImage.ST0, r.fx, FxImage.ST0, 128);
            } catch (RuntimeException e) {
                r.vector = CpuResult.EMULATOR_ERROR;
                r.note = "x87 state: " + e;
            }
        }
        for (int i = 0; i < Layout.DATA_PAGES; i++) {
            r.pages[i] = new byte[Layout.PAGE];
            memory.read(Layout.dataPage(i), r.pages[i], 0, Layout.PAGE);
        }
    }

    @Override
    public void close() {
        machine.close();
    }
}
