package dev.jxen.x86.testkit;

import dev.jxen.machine.CpuState;
import dev.jxen.machine.ExitReason;
import dev.jxen.machine.MachineMemory;
import dev.jxen.machine.VcpuExit;
import dev.jxen.machine.VcpuRunner;
import dev.jxen.x86.Vectors;
import dev.jxen.x86.X86Cpu;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;

/**
 * Runs a freestanding static x86-64 Linux program on the emulator: loads its {@code PT_LOAD}
 * segments into a {@link FlatMachine} (identity-mapped, CPL 3), starts it at its entry point with a
 * Linux-like initial stack, and services its system calls: {@code write} to fd 1 and 2 goes to the
 * given streams, {@code exit}/{@code exit_group} ends the run, anything else returns
 * {@code -ENOSYS}. So the same binary runs natively and here and must behave the same.
 *
 * <p>A guest fault ends the run with one diagnostic line and the exit status a shell would show
 * for the signal Linux would have sent (e.g. 139 for SIGSEGV), never with a Java exception.
 */
public final class ProgramRunner {
    /** Identity-mapped memory given to programs unless told otherwise. */
    public static final long DEFAULT_MEMORY_BYTES = 64L << 20;

    static final int SYS_WRITE = 1, SYS_EXIT = 60, SYS_EXIT_GROUP = 231;
    static final long ENOSYS = 38, EFAULT = 14, EBADF = 9;
    private static final int SIGILL = 4, SIGTRAP = 5, SIGBUS = 7, SIGFPE = 8, SIGSEGV = 11;
    /** Exit status for an emulator failure or an exhausted instruction limit (not a guest signal). */
    public static final int STATUS_NOT_FINISHED = 125;
    private static final long CHUNK = 1L << 28;

    private final StaticElf program;
    private final long memoryBytes;
    private long instructionLimit = Long.MAX_VALUE;
    private final byte[] copyBuffer = new byte[MachineMemory.PAGE_SIZE];
    private long allocatedAtStart;

    /**
     * How a run ended. {@code diagnostic} is null when the program exited by itself.
     * {@code allocatedBytes} is what the running thread allocated while the program ran (machine
     * set-up excluded), or -1 when the JVM cannot tell.
     */
    public record Result(int exitCode, long instructions, long nanos, long allocatedBytes, String diagnostic) {
        public boolean exitedNormally() {
            return diagnostic == null;
        }

        public double seconds() {
            return nanos / 1e9;
        }
    }

    private ProgramRunner(StaticElf program, long memoryBytes) {
        this.program = program;
        this.memoryBytes = memoryBytes;
    }

    /** Parses {@code image} and checks that it fits in {@code memoryBytes} of identity-mapped memory. */
    public static ProgramRunner load(byte[] image, long memoryBytes) throws StaticElf.InvalidElfException {
        StaticElf elf = StaticElf.parse(image);
        for (StaticElf.Segment s : elf.segments()) {
            long end = s.vaddr() + s.memSize();
            // The top pages hold the initial stack.
            if (s.vaddr() < MachineMemory.PAGE_SIZE || end < s.vaddr() || end > memoryBytes - 2 * MachineMemory.PAGE_SIZE) {
                throw new StaticElf.InvalidElfException(String.format(
                        "segment at 0x%x..0x%x does not fit in the emulator's %d MiB of memory (link it at 0x400000)",
                        s.vaddr(), end, memoryBytes >> 20));
            }
        }
        return new ProgramRunner(elf, memoryBytes);
    }

    public static ProgramRunner load(byte[] image) throws StaticElf.InvalidElfException {
        return load(image, DEFAULT_MEMORY_BYTES);
    }

    /** Stops runs after about {@code limit} instructions (a guard against programs that never end). */
    public ProgramRunner instructionLimit(long limit) {
        this.instructionLimit = limit;
        return this;
    }

    /** Runs the program once on a fresh machine. Output is written as the program produces it. */
    public Result run(OutputStream stdout, OutputStream stderr) throws IOException {
        try (FlatMachine m = new FlatMachine(memoryBytes, 3)) {
            X86Cpu cpu = m.cpu();
            for (StaticElf.Segment s : program.segments()) {
                m.load(s.vaddr(), s.fileBytes());
            }
            setUpInitialStack(m);
            cpu.setRip(program.entry());
            return execute(m, cpu, stdout, stderr);
        }
    }

    /** Linux's initial stack for a program with no arguments: argc 0, argv/envp/auxv terminators. */
    private void setUpInitialStack(FlatMachine m) {
        long sp = m.identityBytes() - MachineMemory.PAGE_SIZE;
        byte[] zeros = new byte[32];
        m.load(sp, zeros);
        m.cpu().setGpr(CpuState.RSP, sp);
    }

    private Result execute(FlatMachine m, X86Cpu cpu, OutputStream stdout, OutputStream stderr) throws IOException {
        VcpuExit exit = cpu.exit();
        allocatedAtStart = allocatedBytes();
        long start = System.nanoTime();
        long retired0 = cpu.retired();
        while (true) {
            long done = cpu.retired() - retired0;
            if (done >= instructionLimit) {
                return finish(start, cpu, retired0, STATUS_NOT_FINISHED,
                        "instruction limit of " + instructionLimit + " reached at rip " + hex(cpu.rip()));
            }
            ExitReason reason = cpu.run(Math.min(CHUNK, instructionLimit - done));
            switch (reason) {
                case BUDGET -> { }
                case SYSCALL -> {
                    long nr = cpu.gpr(CpuState.RAX);
                    if (nr == SYS_EXIT || nr == SYS_EXIT_GROUP) {
                        return finish(start, cpu, retired0, (int) cpu.gpr(CpuState.RDI) & 0xFF, null);
                    }
                    long ret = nr == SYS_WRITE ? write(m, cpu, stdout, stderr) : -ENOSYS;
                    // As the Linux kernel does: RCX = return address, R11 = RFLAGS.
                    cpu.setGpr(CpuState.RCX, cpu.rip());
                    cpu.setGpr(11, cpu.rflags());
                    cpu.setGpr(CpuState.RAX, ret);
                }
                case EXCEPTION -> {
                    return finish(start, cpu, retired0, signalStatus(exit.vector), String.format(
                            "guest fault: %s (vector %d) at rip %s, error code 0x%x, cr2 %s",
                            vectorName(exit.vector), exit.vector, hex(cpu.rip()), exit.errorCode,
                            hex(exit.faultAddress)));
                }
                case SOFTWARE_INTERRUPT -> {
                    int status = exit.vector == Vectors.BP ? 128 + SIGTRAP : 128 + SIGSEGV;
                    return finish(start, cpu, retired0, status, String.format(
                            "guest fault: software interrupt %d at rip %s", exit.vector,
                            hex(cpu.rip() - exit.instructionLength)));
                }
                case PRIVILEGED -> {
                    return finish(start, cpu, retired0, 128 + SIGSEGV, String.format(
                            "guest fault: privileged instruction %s at rip %s", exit.privileged, hex(cpu.rip())));
                }
                case IO -> {
                    return finish(start, cpu, retired0, 128 + SIGSEGV, String.format(
                            "guest fault: I/O instruction (port 0x%x) at rip %s", exit.ioPort, hex(cpu.rip())));
                }
                case HALT -> {
                    return finish(start, cpu, retired0, 128 + SIGSEGV, "guest halted at rip " + hex(cpu.rip()));
                }
                case INTERNAL_ERROR -> {
                    return finish(start, cpu, retired0, STATUS_NOT_FINISHED, "emulator failure: " + exit.message);
                }
            }
        }
    }

    private Result finish(long start, X86Cpu cpu, long retired0, int status, String diagnostic) {
        long nanos = System.nanoTime() - start;
        long allocated = allocatedBytes();
        allocated = allocated < 0 || allocatedAtStart < 0 ? -1 : allocated - allocatedAtStart;
        return new Result(status, cpu.retired() - retired0, nanos, allocated, diagnostic);
    }

    private static long allocatedBytes() {
        if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean t
                && t.isThreadAllocatedMemorySupported() && t.isThreadAllocatedMemoryEnabled()) {
            return t.getCurrentThreadAllocatedBytes();
        }
        return -1;
    }

    /** write(fd, buf, count): copies page by page, so a bad buffer gives -EFAULT or a short write as on Linux. */
    private long write(FlatMachine m, VcpuRunner cpu, OutputStream stdout, OutputStream stderr) throws IOException {
        long fd = cpu.state().gpr(CpuState.RDI);
        long buf = cpu.state().gpr(CpuState.RSI);
        long count = cpu.state().gpr(CpuState.RDX);
        OutputStream out = fd == 1 ? stdout : fd == 2 ? stderr : null;
        if (out == null) {
            return -EBADF;
        }
        long written = 0;
        while (written < count && written >= 0) {
            long va = buf + written;
            long ma = cpu.translate(va, VcpuRunner.ACCESS_READ, 3);
            if (ma < 0) {
                return written == 0 ? -EFAULT : written;
            }
            int n = (int) Math.min(count - written, MachineMemory.PAGE_SIZE - (va & MachineMemory.PAGE_MASK));
            m.memory().read(ma, copyBuffer, 0, n);
            out.write(copyBuffer, 0, n);
            written += n;
        }
        out.flush();
        return written;
    }

    /** The exit status a shell shows for the signal Linux sends on this exception. */
    static int signalStatus(int vector) {
        int signal = switch (vector) {
            case Vectors.DE, Vectors.MF, Vectors.XM -> SIGFPE;
            case Vectors.UD -> SIGILL;
            case Vectors.DB, Vectors.BP -> SIGTRAP;
            case Vectors.AC -> SIGBUS;
            default -> SIGSEGV;
        };
        return 128 + signal;
    }

    private static final String[] VECTOR_NAMES = {"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF",
        "vector 9", "#TS", "#NP", "#SS", "#GP", "#PF", "vector 15", "#MF", "#AC", "#MC", "#XM"};

    static String vectorName(int vector) {
        return vector >= 0 && vector < VECTOR_NAMES.length ? VECTOR_NAMES[vector] : "vector " + vector;
    }

    private static String hex(long v) {
        return String.format("0x%x", v);
    }
}
