package dev.jxen.builder;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * bzImage payloads made by the same command-line compressors, with the same options, as the Linux
 * build ({@code scripts/Makefile.lib}, {@code scripts/xz_wrap.sh}): this checks the container formats
 * the kernel really uses (lz4's legacy frame, lzop's file format, xz with the x86 BCJ filter), not
 * only what the Java libraries write. .ci/run installs the tools; elsewhere a missing tool skips.
 */
class KernelCompressorsTest {
    static byte[] run(List<String> cmd, byte[] input) throws Exception {
        Process p;
        try {
            p = new ProcessBuilder(cmd).start();
        } catch (java.io.IOException e) {
            String msg = cmd.get(0) + " is not installed";
            if (System.getenv("CI") != null) {
                Assertions.fail(msg + " (.ci/run installs it)");
            }
            Assumptions.abort(msg);
            throw e;
        }
        CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> {
            try {
                return p.getInputStream().readAllBytes();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        try (OutputStream in = p.getOutputStream()) {
            in.write(input);
        }
        byte[] result = out.get();
        String err = new String(p.getErrorStream().readAllBytes());
        assertThat(p.waitFor()).as(String.join(" ", cmd) + ": " + err).isZero();
        return result;
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "gzip | gzip -n -f -9",
        "bzip2 | bzip2 -9",
        "xz | xz --check=crc32 --x86 --lzma2=dict=32MiB",
        "lzma | lzma -9",
        "lzo | lzop -9",
        "lz4 | lz4 -l -9 - -",
        // The kernel runs "zstd -22 --ultra"; what matters is its 128 MiB window (and no content size,
        // from a pipe), which --long=27 also sets, in a fraction of the time.
        "zstd | zstd -3 --long=27",
    })
    void payloadFromTheKernelsOwnCompressor(String format, String command) throws Exception {
        byte[] elf = BzImageTest.kernelElf();
        ByteArrayOutputStream payload = new ByteArrayOutputStream();
        payload.writeBytes(run(List.of(command.split(" ")), elf));
        if (!format.equals("gzip")) {
            payload.writeBytes(TestElf.le(elf.length, 4)); // the Makefile's size_append
        }
        KernelImage k = KernelImage.parse("vmlinuz", BzImageTest.bzImage(payload.toByteArray(), 30, 0x020f));
        assertThat(k.container()).isEqualTo("bzImage (" + format + ")");
        assertThat(k.elf()).isEqualTo(elf);
    }
}
