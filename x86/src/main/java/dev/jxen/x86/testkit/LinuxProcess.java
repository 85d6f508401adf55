package dev.jxen.x86.testkit;

import dev.jxen.machine.CpuState;
import dev.jxen.machine.MachineMemory;
import dev.jxen.machine.VcpuRunner;
import dev.jxen.x86.X86Cpu;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongSupplier;

/**
 * The Linux process a {@link ProgramRunner} program sees: its initial stack, its address space
 * (program break and anonymous mappings, carved from the identity-mapped memory between the
 * program's image and its stack) and its system calls. See {@link ProgramRunner} for the list.
 *
 * <p>Free memory is kept zeroed (it starts zero and is cleared when released), so a new mapping
 * or a grown break reads as zeros without touching pages nobody used.
 */
final class LinuxProcess {
    // x86-64 system call numbers.
    static final int READ = 0, WRITE = 1, CLOSE = 3, FSTAT = 5, LSEEK = 8, MMAP = 9, MPROTECT = 10, MUNMAP = 11,
            BRK = 12, RT_SIGACTION = 13, RT_SIGPROCMASK = 14, IOCTL = 16, WRITEV = 20, MADVISE = 28, GETPID = 39,
            EXIT = 60, KILL = 62, UNAME = 63, READLINK = 89, GETTIMEOFDAY = 96, SYSINFO = 99, GETUID = 102,
            GETGID = 104, GETEUID = 107, GETEGID = 108, GETPPID = 110, ARCH_PRCTL = 158, GETTID = 186, TKILL = 200,
            TIME = 201, FUTEX = 202, SET_TID_ADDRESS = 218, CLOCK_GETTIME = 228, EXIT_GROUP = 231, TGKILL = 234,
            NEWFSTATAT = 262, READLINKAT = 267, SET_ROBUST_LIST = 273, PRLIMIT64 = 302, GETRANDOM = 318, RSEQ = 334;
    static final long ENOENT = 2, EBADF = 9, ENOMEM = 12, EFAULT = 14, EINVAL = 22, ENOTTY = 25, ESPIPE = 29,
            ENOSYS = 38, ENODEV = 19;

    static final long PID = 1000;
    private static final int AT_NULL = 0, AT_PHDR = 3, AT_PHENT = 4, AT_PHNUM = 5, AT_PAGESZ = 6, AT_BASE = 7,
            AT_FLAGS = 8, AT_ENTRY = 9, AT_UID = 11, AT_EUID = 12, AT_GID = 13, AT_EGID = 14, AT_PLATFORM = 15,
            AT_HWCAP = 16, AT_CLKTCK = 17, AT_SECURE = 23, AT_RANDOM = 25, AT_HWCAP2 = 26, AT_EXECFN = 31;
    private static final long PAGE = MachineMemory.PAGE_SIZE;
    private static final long MAP_FIXED = 0x10, MAP_ANONYMOUS = 0x20;
    private static final int ARCH_SET_GS = 0x1001, ARCH_SET_FS = 0x1002, ARCH_GET_FS = 0x1003, ARCH_GET_GS = 0x1004;
    private static final int AT_EMPTY_PATH = 0x1000;

    private final FlatMachine m;
    private final X86Cpu cpu;
    private final OutputStream stdout, stderr;
    private final LongSupplier epochNanos;
    private final byte[] buffer = new byte[(int) PAGE];
    /** Free address ranges, start -> end, all zero-filled. */
    private final TreeMap<Long, Long> free = new TreeMap<>();
    private final long brkStart;
    private final long stackBytes;
    private long brk;
    private long random;
    /** Set when the program ends: its exit status and, for a signal, a diagnostic. */
    int exitStatus = -1;
    String exitDiagnostic;

    LinuxProcess(FlatMachine m, StaticElf program, long stackBytes, OutputStream stdout, OutputStream stderr,
            LongSupplier epochNanos, long randomSeed) {
        this.m = m;
        this.cpu = m.cpu();
        this.stdout = stdout;
        this.stderr = stderr;
        this.epochNanos = epochNanos;
        this.random = randomSeed;
        this.stackBytes = stackBytes;
        long imageEnd = 0;
        for (StaticElf.Segment s : program.segments()) {
            imageEnd = Math.max(imageEnd, s.vaddr() + s.memSize());
        }
        brkStart = pageUp(imageEnd);
        brk = brkStart;
        long stackBottom = m.identityBytes() - stackBytes;
        if (stackBottom > brkStart) {
            free.put(brkStart, stackBottom);
        }
    }

    private static long pageUp(long a) {
        return (a + PAGE - 1) & ~(PAGE - 1);
    }

    // ---- initial stack ----

    /** Builds Linux's initial stack (argc, argv, envp, auxv and the strings they point to) and sets RSP. */
    void setUpInitialStack(StaticElf program, List<String> argv, List<String> envp) {
        long top = m.identityBytes() - PAGE;
        long[] argvAt = new long[argv.size()];
        long[] envAt = new long[envp.size()];
        // Strings grow down from the top; remember where each one lands.
        long at = top;
        for (int i = 0; i < argv.size(); i++) {
            at = putString(at, argv.get(i));
            argvAt[i] = at;
        }
        for (int i = 0; i < envp.size(); i++) {
            at = putString(at, envp.get(i));
            envAt[i] = at;
        }
        long platform = at = putString(at, "x86_64");
        at -= 16;
        long randomBytes = at;
        byte[] rnd = new byte[16];
        for (int i = 0; i < 16; i++) {
            rnd[i] = (byte) nextRandom();
        }
        m.load(randomBytes, rnd);
        long[][] aux = {
            {AT_PHDR, program.phdrAddress()}, {AT_PHENT, program.phentSize()}, {AT_PHNUM, program.phnum()},
            {AT_PAGESZ, PAGE}, {AT_BASE, 0}, {AT_FLAGS, 0}, {AT_ENTRY, program.entry()}, {AT_UID, 0},
            {AT_EUID, 0}, {AT_GID, 0}, {AT_EGID, 0}, {AT_PLATFORM, platform}, {AT_HWCAP, 0}, {AT_HWCAP2, 0},
            {AT_CLKTCK, 100}, {AT_SECURE, 0}, {AT_RANDOM, randomBytes},
            {AT_EXECFN, argvAt.length > 0 ? argvAt[0] : 0}, {AT_NULL, 0}};
        int words = 1 + argv.size() + 1 + envp.size() + 1 + aux.length * 2;
        long sp = (at - words * 8L) & ~15L;
        ByteBuffer b = ByteBuffer.allocate(words * 8).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(argv.size());
        for (long a : argvAt) {
            b.putLong(a);
        }
        b.putLong(0);
        for (long e : envAt) {
            b.putLong(e);
        }
        b.putLong(0);
        for (long[] kv : aux) {
            b.putLong(kv[0]).putLong(kv[1]);
        }
        m.load(sp, b.array());
        cpu.setGpr(CpuState.RSP, sp);
        // Linux starts programs with RDX 0 (no dynamic linker's fini function) and the other registers clear.
        cpu.setGpr(CpuState.RDX, 0);
    }

    private long putString(long end, String s) {
        byte[] bytes = (s + "\0").getBytes(StandardCharsets.UTF_8);
        long at = end - bytes.length;
        m.load(at, bytes);
        return at;
    }

    private long nextRandom() {
        // splitmix64: a fixed seed makes every run of a program see the same "random" bytes.
        long z = (random += 0x9E3779B97F4A7C15L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    // ---- system calls ----

    /** Services the system call in RAX; returns its result, or sets {@link #exitStatus} when the program ends. */
    long syscall() throws IOException {
        long nr = cpu.gpr(CpuState.RAX);
        long a0 = cpu.gpr(CpuState.RDI), a1 = cpu.gpr(CpuState.RSI), a2 = cpu.gpr(CpuState.RDX);
        long a3 = cpu.gpr(10), a4 = cpu.gpr(8), a5 = cpu.gpr(9);
        if (nr < 0 || nr > Integer.MAX_VALUE) {
            return -ENOSYS;
        }
        return switch ((int) nr) {
            case EXIT, EXIT_GROUP -> {
                exitStatus = (int) a0 & 0xFF;
                yield 0;
            }
            case WRITE -> write(a0, a1, a2);
            case WRITEV -> writev(a0, a1, a2);
            case READ -> a0 == 0 ? 0 : -EBADF; // stdin is empty
            case CLOSE -> a0 >= 0 && a0 <= 2 ? 0 : -EBADF;
            case LSEEK -> a0 >= 0 && a0 <= 2 ? -ESPIPE : -EBADF;
            case FSTAT -> fstat(a0, a1);
            case NEWFSTATAT -> (a3 & AT_EMPTY_PATH) != 0 && isEmptyString(a1) ? fstat(a0, a2) : -ENOENT;
            case IOCTL -> a0 >= 0 && a0 <= 2 ? -ENOTTY : -EBADF;
            case READLINK, READLINKAT -> -ENOENT;
            case BRK -> brk(a0);
            case MMAP -> mmap(a0, a1, a3);
            case MUNMAP -> munmap(a0, a1);
            case MPROTECT, MADVISE, FUTEX, SET_ROBUST_LIST -> 0;
            case RT_SIGACTION -> a2 == 0 || zero(a2, 32) ? 0 : -EFAULT;
            case RT_SIGPROCMASK -> a2 == 0 || zero(a2, 8) ? 0 : -EFAULT;
            case ARCH_PRCTL -> archPrctl(a0, a1);
            case SET_TID_ADDRESS, GETPID, GETTID -> PID;
            case GETPPID -> 1;
            case GETUID, GETGID, GETEUID, GETEGID -> 0;
            case UNAME -> uname(a0);
            case PRLIMIT64 -> prlimit(a1, a3);
            case GETRANDOM -> getrandom(a0, a1);
            case SYSINFO -> sysinfo(a0);
            case CLOCK_GETTIME -> clockGettime(a1);
            case GETTIMEOFDAY -> gettimeofday(a0);
            case TIME -> time(a0);
            case KILL, TKILL, TGKILL -> kill(nr == TGKILL ? a2 : a1);
            default -> -ENOSYS; // rseq and anything else: glibc copes
        };
    }

    private long write(long fd, long buf, long count) throws IOException {
        OutputStream out = fd == 1 ? stdout : fd == 2 ? stderr : null;
        if (out == null) {
            return -EBADF;
        }
        long written = 0;
        while (written < count) {
            long va = buf + written;
            long ma = cpu.translate(va, VcpuRunner.ACCESS_READ, 3);
            if (ma < 0) {
                return written == 0 ? -EFAULT : written;
            }
            int n = (int) Math.min(count - written, PAGE - (va & MachineMemory.PAGE_MASK));
            m.memory().read(ma, buffer, 0, n);
            out.write(buffer, 0, n);
            written += n;
        }
        out.flush();
        return written;
    }

    private long writev(long fd, long iov, long count) throws IOException {
        if (count < 0 || count > 1024) {
            return -EINVAL;
        }
        long total = 0;
        for (int i = 0; i < count; i++) {
            long base = read64(iov + 16L * i), len = read64(iov + 16L * i + 8);
            if (base == -1 && len == -1) {
                return total == 0 ? -EFAULT : total;
            }
            long n = write(fd, base, len);
            if (n < 0) {
                return total == 0 ? n : total;
            }
            total += n;
        }
        return total;
    }

    /** The standard streams are character devices that are not terminals, so stdio buffers fully. */
    private long fstat(long fd, long statbuf) {
        if (fd < 0 || fd > 2) {
            return -EBADF;
        }
        ByteBuffer st = ByteBuffer.allocate(144).order(ByteOrder.LITTLE_ENDIAN);
        st.putLong(0, 5); // st_dev
        st.putLong(8, 3 + fd); // st_ino
        st.putLong(16, 1); // st_nlink
        st.putInt(24, 0020000 | 0620); // st_mode: S_IFCHR, rw--w----
        st.putLong(40, (1 << 8) | 3); // st_rdev: 1:3, not a tty's major
        st.putLong(56, PAGE); // st_blksize, what a pipe reports
        return copyOut(statbuf, st.array()) ? 0 : -EFAULT;
    }

    private long brk(long requested) {
        if (requested < brkStart) {
            return brk; // brk(0) and other queries: Linux answers with the current break
        }
        long target = pageUp(requested);
        long current = pageUp(brk);
        if (target > current) {
            Map.Entry<Long, Long> range = free.floorEntry(current);
            if (range == null || range.getKey() != current || range.getValue() < target) {
                return brk; // the heap would run into a mapping or the stack
            }
            take(current, target);
        } else if (target < current) {
            release(target, current);
        }
        brk = requested;
        return brk;
    }

    private long mmap(long addr, long length, long flags) {
        if (length <= 0 || length > m.identityBytes()) {
            return -EINVAL;
        }
        if ((flags & MAP_ANONYMOUS) == 0) {
            return -ENODEV; // no files to map
        }
        long size = pageUp(length);
        if ((flags & MAP_FIXED) != 0) {
            return -ENOMEM;
        }
        // The highest free range that fits: mappings grow down from the stack, the break up from the image.
        for (Map.Entry<Long, Long> r : free.descendingMap().entrySet()) {
            if (r.getValue() - r.getKey() >= size) {
                long start = r.getValue() - size;
                take(start, r.getValue());
                return start;
            }
        }
        return -ENOMEM;
    }

    private long munmap(long addr, long length) {
        if ((addr & (PAGE - 1)) != 0 || length <= 0) {
            return -EINVAL;
        }
        long end = pageUp(addr + length);
        // Only the part above the break and below the stack is ours to give back.
        long lo = Math.max(addr, pageUp(brk));
        long hi = Math.min(end, m.identityBytes() - stackBytes);
        for (long a = lo; a < hi; ) {
            Map.Entry<Long, Long> f = free.floorEntry(a);
            if (f != null && f.getValue() > a) {
                a = f.getValue(); // already free
                continue;
            }
            Map.Entry<Long, Long> next = free.higherEntry(a);
            long stop = Math.min(hi, next == null ? hi : next.getKey());
            release(a, stop);
            a = stop;
        }
        return 0;
    }

    /** Removes [start, end) from the free ranges; it must lie inside one of them. */
    private void take(long start, long end) {
        Map.Entry<Long, Long> r = free.floorEntry(start);
        long rs = r.getKey(), re = r.getValue();
        free.remove(rs);
        if (rs < start) {
            free.put(rs, start);
        }
        if (end < re) {
            free.put(end, re);
        }
    }

    /** Zeroes [start, end) and adds it to the free ranges, merging with its neighbours. */
    private void release(long start, long end) {
        m.memory().segment().asSlice(start, end - start).fill((byte) 0);
        m.memory().noteWrite(start, end - start);
        Map.Entry<Long, Long> before = free.floorEntry(start);
        if (before != null && before.getValue() == start) {
            start = before.getKey();
            free.remove(start);
        }
        Long afterEnd = free.remove(end);
        if (afterEnd != null) {
            end = afterEnd;
        }
        free.put(start, end);
    }

    private long archPrctl(long code, long addr) {
        return switch ((int) code) {
            case ARCH_SET_FS -> {
                cpu.setSegmentBase(CpuState.FS, addr);
                yield 0;
            }
            case ARCH_SET_GS -> {
                cpu.setSegmentBase(CpuState.GS, addr);
                yield 0;
            }
            case ARCH_GET_FS -> write64(addr, cpu.segmentBase(CpuState.FS)) ? 0 : -EFAULT;
            case ARCH_GET_GS -> write64(addr, cpu.segmentBase(CpuState.GS)) ? 0 : -EFAULT;
            default -> -EINVAL;
        };
    }

    private long uname(long buf) {
        byte[] u = new byte[6 * 65];
        String[] fields = {"Linux", "jxen", "6.1.0", "#1 SMP jxen emulator", "x86_64", "(none)"};
        for (int i = 0; i < fields.length; i++) {
            byte[] f = fields[i].getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(f, 0, u, i * 65, f.length);
        }
        return copyOut(buf, u) ? 0 : -EFAULT;
    }

    /** Every limit is unlimited except the stack's, which is the stack the runner gave. */
    private long prlimit(long resource, long old) {
        if (old == 0) {
            return 0;
        }
        long current = resource == 3 /* RLIMIT_STACK */ ? stackBytes : -1;
        return write64(old, current) && write64(old + 8, -1) ? 0 : -EFAULT;
    }

    private long getrandom(long buf, long length) {
        if (length < 0 || length > 1 << 20) {
            return -EINVAL;
        }
        byte[] bytes = new byte[(int) length];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) nextRandom();
        }
        return copyOut(buf, bytes) ? length : -EFAULT;
    }

    private long sysinfo(long buf) {
        ByteBuffer si = ByteBuffer.allocate(112).order(ByteOrder.LITTLE_ENDIAN);
        si.putLong(0, 1); // uptime
        si.putLong(32, m.identityBytes()); // totalram
        long freeBytes = free.entrySet().stream().mapToLong(e -> e.getValue() - e.getKey()).sum();
        si.putLong(40, freeBytes); // freeram
        si.putShort(80, (short) 1); // procs
        si.putInt(104, 1); // mem_unit
        return copyOut(buf, si.array()) ? 0 : -EFAULT;
    }

    private long clockGettime(long ts) {
        long now = epochNanos.getAsLong();
        return write64(ts, now / 1_000_000_000L) && write64(ts + 8, now % 1_000_000_000L) ? 0 : -EFAULT;
    }

    private long gettimeofday(long tv) {
        long now = epochNanos.getAsLong();
        return tv == 0 || write64(tv, now / 1_000_000_000L) && write64(tv + 8, now % 1_000_000_000L / 1000)
                ? 0 : -EFAULT;
    }

    private long time(long out) {
        long seconds = epochNanos.getAsLong() / 1_000_000_000L;
        return out == 0 || write64(out, seconds) ? seconds : -EFAULT;
    }

    /** A signal sent to the process itself (abort() raises SIGABRT) ends it as Linux's default action would. */
    private long kill(long signal) {
        if (signal == 0) {
            return 0;
        }
        exitStatus = 128 + (int) (signal & 0x7F);
        exitDiagnostic = "program killed by signal " + signal + (signal == 6 ? " (SIGABRT)" : "");
        return 0;
    }

    // ---- guest memory ----

    private boolean isEmptyString(long va) {
        long ma = cpu.translate(va, VcpuRunner.ACCESS_READ, 3);
        return ma >= 0 && m.memory().read8(ma) == 0;
    }

    private long read64(long va) {
        byte[] b = new byte[8];
        if (!copyIn(va, b)) {
            return -1;
        }
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    private boolean write64(long va, long value) {
        return copyOut(va, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value).array());
    }

    private boolean zero(long va, int length) {
        return copyOut(va, new byte[length]);
    }

    private boolean copyIn(long va, byte[] dst) {
        for (int done = 0; done < dst.length; ) {
            long ma = cpu.translate(va + done, VcpuRunner.ACCESS_READ, 3);
            if (ma < 0) {
                return false;
            }
            int n = (int) Math.min(dst.length - done, PAGE - ((va + done) & MachineMemory.PAGE_MASK));
            m.memory().read(ma, dst, done, n);
            done += n;
        }
        return true;
    }

    /** Copies {@code src} to guest memory, checking every page first so a bad buffer changes nothing. */
    private boolean copyOut(long va, byte[] src) {
        for (long p = va & ~MachineMemory.PAGE_MASK; p < va + src.length; p += PAGE) {
            if (cpu.translate(p, VcpuRunner.ACCESS_WRITE, 3) < 0) {
                return false;
            }
        }
        for (int done = 0; done < src.length; ) {
            long ma = cpu.translate(va + done, VcpuRunner.ACCESS_WRITE, 3);
            int n = (int) Math.min(src.length - done, PAGE - ((va + done) & MachineMemory.PAGE_MASK));
            m.memory().write(ma, src, done, n);
            done += n;
        }
        return true;
    }
}
