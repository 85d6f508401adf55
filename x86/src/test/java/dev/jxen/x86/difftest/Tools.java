package dev.jxen.x86.difftest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Finding and running the host tools the harness needs (gcc, as, objcopy, nm, objdump). */
final class Tools {
    private Tools() {
    }

    /** Scratch directory for runner, assembler and compiler files. */
    static Path workDir() {
        String dir = System.getProperty("jxen.difftest.workdir");
        Path p = dir != null ? Path.of(dir) : Path.of(System.getProperty("java.io.tmpdir"), "jxen-difftest");
        try {
            Files.createDirectories(p);
        } catch (IOException e) {
            throw new IllegalStateException("cannot create " + p, e);
        }
        return p;
    }

    /** Finds a file of the source tree from the working directory (module or repository root). */
    static Path findSource(String repoRelative) {
        Path cwd = Path.of("").toAbsolutePath();
        for (Path d = cwd; d != null; d = d.getParent()) {
            Path p = d.resolve(repoRelative);
            if (Files.exists(p)) {
                return p;
            }
            String[] parts = repoRelative.split("/", 2);
            if (parts.length == 2 && d.getFileName() != null && d.getFileName().toString().equals(parts[0])) {
                p = d.resolve(parts[1]);
                if (Files.exists(p)) {
                    return p;
                }
            }
        }
        throw new IllegalStateException("cannot find " + repoRelative + " from " + cwd);
    }

    /** The path of a host tool, or a clear failure naming the package to install. */
    static String require(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            Path p = Path.of(dir, tool);
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        String pkg = tool.equals("gcc") ? "gcc" : "binutils";
        throw new IllegalStateException(tool + " not found on PATH: the differential CPU tests need it (apt-get install " + pkg + ")");
    }

    static boolean available(String tool) {
        try {
            require(tool);
            return true;
        } catch (IllegalStateException e) {
            return false;
        }
    }

    /** Runs a command and returns its standard output; a non-zero exit is a failure with its output. */
    static String run(List<String> command, Path dir) {
        try {
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
            if (dir != null) {
                pb.directory(dir.toFile());
            }
            Process p = pb.start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("timed out: " + String.join(" ", command));
            }
            String text = new String(out, StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new IllegalStateException("failed (exit " + p.exitValue() + "): " + String.join(" ", command) + "\n" + text);
            }
            return text;
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + command.get(0) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
