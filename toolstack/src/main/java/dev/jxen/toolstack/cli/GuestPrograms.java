package dev.jxen.toolstack.cli;

import dev.jxen.x86.testkit.ProgramRunner;
import dev.jxen.x86.testkit.StaticElf;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Finds and loads the programs {@code jxen run} and {@code jxen bench} execute. A bare name such as
 * {@code cpu-demo} that is not a file in the current directory names a program built from the
 * repository's {@code guests/} (the directory in system property {@code jxen.guests}).
 */
final class GuestPrograms {
    static final String GUESTS_PROPERTY = "jxen.guests";

    private GuestPrograms() {
    }

    static Path resolve(String name) {
        Path p = Path.of(name);
        if (Files.exists(p) || name.contains("/")) {
            return p;
        }
        String dir = System.getProperty(GUESTS_PROPERTY);
        if (dir != null) {
            Path built = Path.of(dir, name);
            if (Files.isRegularFile(built)) {
                return built;
            }
        }
        return p;
    }

    static byte[] read(String name, Path p) throws UserError {
        if (Files.isDirectory(p)) {
            throw new UserError(name, "is a directory");
        }
        try {
            return Files.readAllBytes(p);
        } catch (NoSuchFileException e) {
            throw new UserError(name, "no such file");
        } catch (AccessDeniedException e) {
            throw new UserError(name, "permission denied");
        } catch (IOException e) {
            throw new UserError(name, "cannot read: " + e.getMessage());
        }
    }

    /** Loads {@code name} for the emulator, or explains in one line why it cannot. */
    static ProgramRunner load(String name) throws UserError {
        byte[] image = read(name, resolve(name));
        try {
            return ProgramRunner.load(image);
        } catch (StaticElf.InvalidElfException e) {
            throw new UserError(name, e.getMessage());
        }
    }
}
