package dev.jxen.machine;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * The host-wide pool of machine memory: 4 KiB frames addressed by MFN, backed by one anonymous
 * mapping made with {@code MAP_NORESERVE}, so frames the guests never touch cost no host memory.
 *
 * <p>Machine addresses are byte offsets into {@link #segment()}. Everything that writes guest memory
 * from outside a CPU engine (builder, backends, grant copies) must use the write methods here or
 * call {@link #noteWrite(long, long)}, so that engines can drop code they decoded from those frames.
 */
public final class MachineMemory implements AutoCloseable {
    public static final int PAGE_SHIFT = 12;
    public static final int PAGE_SIZE = 1 << PAGE_SHIFT;
    public static final long PAGE_MASK = PAGE_SIZE - 1;

    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;

    private final Arena arena;
    private final MemorySegment segment;
    private final long frameCount;
    /** One bit per frame: an engine has decoded instructions from it. */
    private final long[] codeFrames;
    private volatile CodeWriteListener codeWriteListener = mfn -> { };

    /** Told when a frame that holds decoded code is written from outside the CPU engine. */
    @FunctionalInterface
    public interface CodeWriteListener {
        void codeFrameWritten(long mfn);
    }

    private MachineMemory(Arena arena, MemorySegment segment, long frameCount) {
        this.arena = arena;
        this.segment = segment;
        this.frameCount = frameCount;
        this.codeFrames = new long[(int) ((frameCount + 63) >>> 6)];
    }

    /** Reserves {@code bytes} (rounded up to whole frames) of zeroed machine memory. */
    public static MachineMemory allocate(long bytes) {
        long frames = (bytes + PAGE_MASK) >>> PAGE_SHIFT;
        if (frames <= 0 || frames > (1L << 36)) {
            throw new IllegalArgumentException("machine memory size out of range: " + bytes);
        }
        long size = frames << PAGE_SHIFT;
        Arena arena = Arena.ofShared();
        MemorySegment seg = NativeMapping.mapAnonymous(size, arena);
        return new MachineMemory(arena, seg, frames);
    }

    public MemorySegment segment() {
        return segment;
    }

    public long frameCount() {
        return frameCount;
    }

    public long size() {
        return frameCount << PAGE_SHIFT;
    }

    public boolean isValidFrame(long mfn) {
        return mfn >= 0 && mfn < frameCount;
    }

    /** The 4 KiB slice of frame {@code mfn}. */
    public MemorySegment frame(long mfn) {
        return segment.asSlice(mfn << PAGE_SHIFT, PAGE_SIZE);
    }

    public byte read8(long ma) {
        return segment.get(ValueLayout.JAVA_BYTE, ma);
    }

    public short read16(long ma) {
        return segment.get(SHORT, ma);
    }

    public int read32(long ma) {
        return segment.get(INT, ma);
    }

    public long read64(long ma) {
        return segment.get(LONG, ma);
    }

    public void write8(long ma, byte v) {
        segment.set(ValueLayout.JAVA_BYTE, ma, v);
        noteWrite(ma, 1);
    }

    public void write16(long ma, short v) {
        segment.set(SHORT, ma, v);
        noteWrite(ma, 2);
    }

    public void write32(long ma, int v) {
        segment.set(INT, ma, v);
        noteWrite(ma, 4);
    }

    public void write64(long ma, long v) {
        segment.set(LONG, ma, v);
        noteWrite(ma, 8);
    }

    public void write(long ma, byte[] src, int off, int len) {
        MemorySegment.copy(src, off, segment, ValueLayout.JAVA_BYTE, ma, len);
        noteWrite(ma, len);
    }

    public void read(long ma, byte[] dst, int off, int len) {
        MemorySegment.copy(segment, ValueLayout.JAVA_BYTE, ma, dst, off, len);
    }

    public void zeroFrame(long mfn) {
        frame(mfn).fill((byte) 0);
        noteWrite(mfn << PAGE_SHIFT, PAGE_SIZE);
    }

    /**
     * Gives the host back the memory of {@code count} frames from {@code firstMfn}: they read as
     * zero afterwards (and cost host memory again only once written), and code decoded from them
     * is dropped. Much cheaper than {@link #zeroFrame} for frames that were written.
     */
    public void discard(long firstMfn, long count) {
        if (count <= 0) {
            return;
        }
        if (firstMfn < 0 || firstMfn + count > frameCount) {
            throw new IndexOutOfBoundsException("frames " + firstMfn + "+" + count + " of " + frameCount);
        }
        if (!NativeMapping.discard(segment.asSlice(firstMfn << PAGE_SHIFT, count << PAGE_SHIFT))) {
            // Not expected on Linux; zeroing gives the same contents.
            segment.asSlice(firstMfn << PAGE_SHIFT, count << PAGE_SHIFT).fill((byte) 0);
        }
        noteWrite(firstMfn << PAGE_SHIFT, count << PAGE_SHIFT);
    }

    /** Records that {@code [ma, ma+len)} was written outside an engine; drops decoded code there. */
    public void noteWrite(long ma, long len) {
        if (len <= 0) {
            return;
        }
        long first = ma >>> PAGE_SHIFT;
        long last = (ma + len - 1) >>> PAGE_SHIFT;
        for (long mfn = first; mfn <= last; mfn++) {
            if (isCodeFrame(mfn)) {
                clearCodeFrame(mfn);
                codeWriteListener.codeFrameWritten(mfn);
            }
        }
    }

    public boolean isCodeFrame(long mfn) {
        return (codeFrames[(int) (mfn >>> 6)] & (1L << mfn)) != 0;
    }

    public void markCodeFrame(long mfn) {
        codeFrames[(int) (mfn >>> 6)] |= 1L << mfn;
    }

    public void clearCodeFrame(long mfn) {
        codeFrames[(int) (mfn >>> 6)] &= ~(1L << mfn);
    }

    public void setCodeWriteListener(CodeWriteListener listener) {
        this.codeWriteListener = listener;
    }

    @Override
    public void close() {
        arena.close();
    }

    /** Anonymous, lazily committed mappings through {@code mmap(2)}. */
    private static final class NativeMapping {
        private static final int PROT_READ = 1;
        private static final int PROT_WRITE = 2;
        private static final int MAP_PRIVATE = 0x02;
        private static final int MAP_ANONYMOUS = 0x20;
        private static final int MAP_NORESERVE = 0x4000;
        /** Private anonymous pages read as zero after it, and their host memory is freed. */
        private static final int MADV_DONTNEED = 4;
        private static final MethodHandle MMAP;
        private static final MethodHandle MUNMAP;
        private static final MethodHandle MADVISE;

        static {
            Linker linker = Linker.nativeLinker();
            var libc = linker.defaultLookup();
            MMAP = linker.downcallHandle(libc.find("mmap").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG,
                            ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
            MUNMAP = linker.downcallHandle(libc.find("munmap").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
            MADVISE = linker.downcallHandle(libc.find("madvise").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG,
                            ValueLayout.JAVA_INT));
        }

        /** madvise(MADV_DONTNEED) of a page-aligned part of the mapping; false when it failed. */
        static boolean discard(MemorySegment part) {
            try {
                return (int) MADVISE.invokeExact(part, part.byteSize(), MADV_DONTNEED) == 0;
            } catch (Throwable t) {
                return false;
            }
        }

        static MemorySegment mapAnonymous(long size, Arena arena) {
            MemorySegment addr;
            try {
                addr = (MemorySegment) MMAP.invokeExact(MemorySegment.NULL, size, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0L);
            } catch (Throwable t) {
                throw new IllegalStateException("mmap failed", t);
            }
            if (addr.address() == -1L || addr.address() == 0L) {
                throw new IllegalStateException("mmap of " + size + " bytes of machine memory failed");
            }
            return addr.reinterpret(size, arena, seg -> {
                try {
                    int rc = (int) MUNMAP.invokeExact(seg, size);
                    assert rc == 0;
                } catch (Throwable t) {
                    throw new IllegalStateException("munmap failed", t);
                }
            });
        }
    }
}
