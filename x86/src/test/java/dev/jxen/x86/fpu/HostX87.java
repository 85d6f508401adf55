package dev.jxen.x86.fpu;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;

/**
 * Runs x87 instructions on the host CPU through a small C helper built with gcc at test time
 * (src/test/resources/x87/x87host.c): FRSTOR an image, run the instruction with RBX pointing at a
 * 16-byte memory operand, FNSAVE the result. Batches go through one process.
 */
final class HostX87 {
    static final HexFormat HEX = HexFormat.of();

    /** One case: the FRSTOR image, memory operand bytes, RFLAGS in and the instruction bytes. */
    record Case(byte[] image, byte[] mem, long rflags, byte[] insn) {
    }

    /** What the instruction left: the FNSAVE image, memory operand and RFLAGS. */
    record Result(byte[] save, byte[] mem, long rflags) {
    }

    private static Path binary;

    static synchronized Path binary() throws IOException, InterruptedException {
        if (binary != null) {
            return binary;
        }
        Path dir = Path.of("target", "x87host");
        Files.createDirectories(dir);
        Path src = dir.resolve("x87host.c");
        try (InputStream in = HostX87.class.getResourceAsStream("/x87/x87host.c")) {
            Files.write(src, in.readAllBytes());
        }
        Path exe = dir.resolve("x87host");
        Process p = new ProcessBuilder("gcc", "-O1", "-o", exe.toString(), src.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException("gcc failed: " + out);
        }
        binary = exe;
        return exe;
    }

    static Result[] run(List<Case> cases) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(binary().toAbsolutePath().toString()).start();
        Result[] results = new Result[cases.size()];
        Thread writer = new Thread(() -> {
            try (BufferedWriter w = new BufferedWriter(new OutputStreamWriter(p.getOutputStream(),
                    StandardCharsets.US_ASCII))) {
                for (Case c : cases) {
                    w.write(HEX.formatHex(c.image()) + " " + HEX.formatHex(c.mem()) + " "
                            + Long.toHexString(c.rflags()) + " " + HEX.formatHex(c.insn()) + "\n");
                }
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        writer.start();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                StandardCharsets.US_ASCII))) {
            for (int i = 0; i < results.length; i++) {
                String line = r.readLine();
                if (line == null) {
                    throw new IOException("host helper stopped at case " + i + " (" + HEX.formatHex(cases.get(i).insn())
                            + "): " + new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
                }
                String[] f = line.trim().split(" ");
                results[i] = new Result(HEX.parseHex(f[0]), HEX.parseHex(f[1]), Long.parseUnsignedLong(f[2], 16));
            }
        }
        writer.join();
        p.waitFor();
        return results;
    }
}
