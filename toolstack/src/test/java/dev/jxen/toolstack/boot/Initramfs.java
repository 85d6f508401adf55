package dev.jxen.toolstack.boot;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A one-program initramfs for Linux: a static {@code /init} built from C source with the host's
 * gcc, packed as an uncompressed cpio archive in the "newc" format the kernel unpacks
 * (Documentation/driver-api/early-userspace/buffer-format.rst).
 */
final class Initramfs {
    private Initramfs() {
    }

    /** Compiles {@code cSource} statically in {@code dir} and returns an initramfs holding it as /init. */
    static byte[] withInit(Path dir, String cSource) throws Exception {
        Path src = dir.resolve("init.c");
        Path bin = dir.resolve("init");
        Files.writeString(src, cSource);
        Process gcc = new ProcessBuilder(List.of("gcc", "-static", "-O2", "-o", bin.toString(), src.toString()))
                .redirectErrorStream(true).start();
        String out = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (gcc.waitFor() != 0) {
            throw new IllegalStateException("gcc -static failed (static glibc comes with libc6-dev):\n" + out);
        }
        ByteArrayOutputStream cpio = new ByteArrayOutputStream();
        entry(cpio, 1, "init", 0100755, Files.readAllBytes(bin));
        entry(cpio, 0, "TRAILER!!!", 0, new byte[0]);
        return cpio.toByteArray();
    }

    private static void entry(ByteArrayOutputStream out, int ino, String name, int mode, byte[] data) {
        byte[] n = (name + "\0").getBytes(StandardCharsets.US_ASCII);
        int[] fields = {ino, mode, 0, 0, 1, 0, data.length, 0, 0, 0, 0, n.length, 0};
        StringBuilder h = new StringBuilder("070701");
        for (int f : fields) {
            h.append(String.format("%08X", f));
        }
        out.writeBytes(h.toString().getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(n);
        pad(out);
        out.writeBytes(data);
        pad(out);
    }

    /** Header plus name, and the data, each end on a 4-byte boundary. */
    private static void pad(ByteArrayOutputStream out) {
        while (out.size() % 4 != 0) {
            out.write(0);
        }
    }
}
