package dev.jxen.x86.difftest;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The real CPU: a long-lived {@code hostcpu} process (built from src/test/native/hostcpu.c by the
 * Maven build, or by this class with gcc when run outside Maven) that runs cases and returns their
 * final state. {@link #runAll} streams requests from a second thread, so tens of thousands of cases
 * take seconds.
 */
public final class HostCpu implements AutoCloseable {
    private final Process process;
    private final Path stderr;
    private final OutputStream toRunner;
    private final DataInputStream fromRunner;
    private final byte[] header = new byte[16 + 16 + 128 + 8];

    public HostCpu() {
        Path runner = locateRunner();
        try {
            stderr = Files.createTempFile(Tools.workDir(), "hostcpu", ".err");
            process = new ProcessBuilder(runner.toString()).redirectError(stderr.toFile()).start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the host CPU runner " + runner + ": " + e.getMessage(), e);
        }
        toRunner = new BufferedOutputStream(process.getOutputStream(), 1 << 16);
        fromRunner = new DataInputStream(new BufferedInputStream(process.getInputStream(), 1 << 16));
    }

    /** The runner built by Maven ({@code -Djxen.difftest.runner}), else one compiled now with gcc. */
    static Path locateRunner() {
        String configured = System.getProperty("jxen.difftest.runner");
        if (configured != null && Files.isExecutable(Path.of(configured))) {
            return Path.of(configured);
        }
        Path source = Tools.findSource("x86/src/test/native/hostcpu.c");
        Path out = Tools.workDir().resolve("hostcpu");
        try {
            if (Files.isExecutable(out) && Files.getLastModifiedTime(out).compareTo(Files.getLastModifiedTime(source)) >= 0) {
                return out;
            }
        } catch (IOException e) {
            // rebuild below
        }
        Tools.run(List.of(Tools.require("gcc"), "-O2", "-Wall", "-o", out.toString(), source.toString()), null);
        return out;
    }

    /** Runs one case. */
    public CpuResult run(CpuCase c) {
        return runAll(List.of(c)).get(0);
    }

    /** Runs the cases in order; requests are written by a helper thread while responses are read. */
    public synchronized List<CpuResult> runAll(List<CpuCase> cases) {
        AtomicReference<Throwable> writeError = new AtomicReference<>();
        Thread writer = Thread.ofPlatform().name("hostcpu-writer").start(() -> {
            try {
                for (CpuCase c : cases) {
                    writeRequest(c);
                }
                toRunner.flush();
            } catch (Throwable t) {
                writeError.set(t);
            }
        });
        List<CpuResult> results = new ArrayList<>(cases.size());
        try {
            for (CpuCase c : cases) {
                results.add(readResponse(c));
            }
            writer.join();
        } catch (IOException e) {
            throw failure("reading from the runner", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        if (writeError.get() != null) {
            throw failure("writing to the runner", writeError.get());
        }
        return results;
    }

    private void writeRequest(CpuCase c) throws IOException {
        int mask = 0;
        for (int i = 0; i < Layout.DATA_PAGES; i++) {
            if (c.pages[i] != null) {
                mask |= 1 << i;
            }
        }
        ByteBuffer b = ByteBuffer.allocate(16 + 128 + 8 + FxImage.SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.put("JXRQ".getBytes(StandardCharsets.US_ASCII));
        b.putInt(c.code.length).putInt(mask).putInt(c.timeoutMs);
        for (long g : c.gpr) {
            b.putLong(g);
        }
        b.putLong(c.rflags);
        b.put(c.fx);
        toRunner.write(b.array());
        toRunner.write(c.code);
        for (int i = 0; i < Layout.DATA_PAGES; i++) {
            if (c.pages[i] != null) {
                toRunner.write(c.pages[i]);
            }
        }
    }

    private CpuResult readResponse(CpuCase c) throws IOException {
        fromRunner.readFully(header);
        ByteBuffer b = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN);
        if (b.getInt() != 0x5352584A /* "JXRS" */) {
            throw new IOException("bad response magic from the runner");
        }
        CpuResult r = new CpuResult();
        r.vector = b.getInt();
        r.errorCode = b.getInt();
        int signal = b.getInt();
        r.cr2 = b.getLong();
        r.rip = b.getLong();
        for (int i = 0; i < 16; i++) {
            r.gpr[i] = b.getLong();
        }
        r.rflags = b.getLong();
        fromRunner.readFully(r.fx);
        int changed = Integer.reverseBytes(fromRunner.readInt());
        for (int i = 0; i < Layout.DATA_PAGES; i++) {
            if ((changed & (1 << i)) != 0) {
                r.pages[i] = new byte[Layout.PAGE];
                fromRunner.readFully(r.pages[i]);
            } else {
                r.pages[i] = c.pages[i] != null ? c.pages[i] : new byte[Layout.PAGE];
            }
        }
        if (signal != 0) {
            r.note = "host signal " + signal;
        }
        return r;
    }

    private IllegalStateException failure(String what, Throwable cause) {
        String err = "";
        try {
            process.waitFor(2, TimeUnit.SECONDS);
            err = Files.readString(stderr).strip();
        } catch (IOException | InterruptedException e) {
            // report what we have
        }
        String exit = process.isAlive() ? "still running" : "exit code " + process.exitValue();
        return new IllegalStateException("host CPU runner failed while " + what + " (" + exit + ")"
                + (err.isEmpty() ? "" : ": " + err) + (cause instanceof EOFException ? "" : ": " + cause), cause);
    }

    @Override
    public void close() {
        try {
            toRunner.write("JXQT".getBytes(StandardCharsets.US_ASCII));
            toRunner.flush();
            toRunner.close();
        } catch (IOException e) {
            // the process is gone already
        }
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
            Files.deleteIfExists(stderr);
        } catch (InterruptedException | IOException e) {
            process.destroyForcibly();
        }
    }
}
