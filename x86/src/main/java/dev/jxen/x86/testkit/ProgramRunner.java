package dev.jxen.x86.testkit;

import dev.jxen.machine.CpuState;
import dev.jxen.machine.ExitReason;
import dev.jxen.machine.MachineMemory;
import dev.jxen.machine.VcpuExit;
import dev.jxen.x86.Vectors;
import dev.jxen.x86.X86Cpu;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Runs a static x86-64 Linux program on the emulator: a freestanding one or one linked with
 * {@code gcc -static -no-pie} against glibc. It loads the program's {@code PT_LOAD} segments into a
 * {@link FlatMachine} (identity-mapped, CPL 3), builds Linux's initial stack (argc, argv, envp,
 * the auxiliary vector with AT_PHDR/AT_PHENT/AT_PHNUM, AT_PAGESZ, AT_RANDOM, AT_ENTRY, AT_HWCAP(2)
 * 0, AT_CLKTCK, AT_SECURE 0, the ids, AT_PLATFORM, AT_EXECFN) and services the program's system
 * calls, so the same binary runs natively and here and must behave the same.
 *
 * <p>The system calls (see {@link LinuxProcess}):
 * <ul>
 * <li>{@code write}, {@code writev} to fd 1 and 2 go to the given streams; {@code read} of fd 0 is
 *     end of file; {@code close} of 0..2 succeeds; {@code lseek} -ESPIPE;
 * <li>{@code fstat}, {@code newfstatat(fd, "", AT_EMPTY_PATH)} report fds 0..2 as character devices
 *     that are not terminals ({@code ioctl} -ENOTTY), so stdio buffers fully in 4 KiB blocks as it
 *     does writing to a pipe; paths -ENOENT;
 * <li>{@code brk} and anonymous {@code mmap}/{@code munmap}: memory between the image and the stack
 *     (the break grows up, mappings down; file mappings -ENODEV, MAP_FIXED -ENOMEM); {@code mprotect},
 *     {@code madvise} succeed without effect;
 * <li>{@code arch_prctl} SET/GET_FS/GS sets the segment bases (thread pointer for TLS);
 * <li>{@code uname} (Linux 6.1.0 x86_64), {@code set_tid_address}, {@code getpid}, {@code gettid}
 *     (1000), the uid/gid calls (0), {@code set_robust_list}, {@code futex},
 *     {@code rt_sigaction}, {@code rt_sigprocmask} (succeed, nothing happens), {@code prlimit64}
 *     (the stack's size for RLIMIT_STACK, else unlimited), {@code sysinfo}, {@code getrandom} and
 *     AT_RANDOM (a fixed-seed sequence: every run sees the same bytes), {@code readlink(at)}
 *     -ENOENT, {@code clock_gettime}, {@code gettimeofday}, {@code time} (from an injectable clock);
 * <li>{@code exit}/{@code exit_group} end the run; {@code kill}/{@code tkill}/{@code tgkill} of a
 *     signal end it as the signal's default action would (status 128+signal, e.g. 134 for abort());
 * <li>anything else, {@code rseq} included, returns -ENOSYS (glibc copes).
 * </ul>
 *
 * <p>A guest fault ends the run with one diagnostic line and the exit status a shell would show
 * for the signal Linux would have sent (e.g. 139 for SIGSEGV), never with a Java exception.
 */
public final class ProgramRunner {
    /** Identity-mapped memory given to programs unless told otherwise. */
    public static final long DEFAULT_MEMORY_BYTES = 64L << 20;

    /** Largest stack given to a program (Linux's default limit); smaller machines get an eighth of their memory. */
    public static final long MAX_STACK_BYTES = 8L << 20;
    private static final int SIGILL = 4, SIGTRAP = 5, SIGBUS = 7, SIGFPE = 8, SIGSEGV = 11;
    /** Exit status for an emulator failure or an exhausted instruction limit (not a guest signal). */
    public static final int STATUS_NOT_FINISHED = 125;
    private static final long CHUNK = 1L << 28;

    private final StaticElf program;
    private final long memoryBytes;
    private long instructionLimit = Long.MAX_VALUE;
    private long allocatedAtStart;
    private List<String> arguments = List.of("program");
    private List<String> environment = List.of("LANG=C");
    private LongSupplier epochNanos = () -> System.currentTimeMillis() * 1_000_000L;

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
            // The top of memory holds the stack.
            if (s.vaddr() < MachineMemory.PAGE_SIZE || end < s.vaddr() || end > memoryBytes - stackBytes(memoryBytes)) {
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

    /** The program's argv, argv[0] included (default: just "program"). */
    public ProgramRunner arguments(List<String> argv) {
        this.arguments = List.copyOf(argv);
        return this;
    }

    /** The program's environment, "NAME=value" strings (default: LANG=C only). */
    public ProgramRunner environment(List<String> envp) {
        this.environment = List.copyOf(envp);
        return this;
    }

    /** The wall clock clock_gettime, gettimeofday and time read: nanoseconds since the epoch. */
    public ProgramRunner clock(LongSupplier nanosSinceEpoch) {
        this.epochNanos = nanosSinceEpoch;
        return this;
    }

    static long stackBytes(long memoryBytes) {
        return Math.min(MAX_STACK_BYTES, (memoryBytes / 8) & ~MachineMemory.PAGE_MASK);
    }

    /** Runs the program once on a fresh machine. Output is written as the program produces it. */
    public Result run(OutputStream stdout, OutputStream stderr) throws IOException {
        try (FlatMachine m = new FlatMachine(memoryBytes, 3)) {
            X86Cpu cpu = m.cpu();
            for (StaticElf.Segment s : program.segments()) {
                m.load(s.vaddr(), s.fileBytes());
            }
            LinuxProcess process = new LinuxProcess(m, program, stackBytes(m.identityBytes()), stdout, stderr,
                    epochNanos, RANDOM_SEED);
            process.setUpInitialStack(program, arguments, environment);
            cpu.setRip(program.entry());
            return execute(cpu, process);
        }
    }

    /** Seed of the bytes AT_RANDOM and getrandom give: fixed, so runs are reproducible. */
    private static final long RANDOM_SEED = 0x6A78656EL;

    private Result execute(X86Cpu cpu, LinuxProcess process) throws IOException {
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
                    long ret = process.syscall();
                    if (process.exitStatus >= 0) {
                        return finish(start, cpu, retired0, process.exitStatus, process.exitDiagnostic);
                    }
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
