package dev.jxen.toolstack.boot;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Finds Debian's real PV images: under the directory named by the system property
 * {@code jxen.guestImages} or the environment variable {@code JXEN_GUEST_IMAGES} (where .ci/run
 * unpacks the packages), else in .ci/run's default cache ({@code ~/.cache/jxen/guest-images}), else
 * under / when the packages are installed. Under CI a missing image
 * fails the test; elsewhere the test is skipped.
 */
final class GuestImages {
    private GuestImages() {
    }

    static Path root() {
        String dir = System.getProperty("jxen.guestImages", System.getenv("JXEN_GUEST_IMAGES"));
        if (dir != null && !dir.isBlank()) {
            return Path.of(dir);
        }
        // .ci/run's default cache, so that a plain mvn test after one .ci/run finds the images.
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path cache = (xdg == null || xdg.isBlank() ? Path.of(System.getProperty("user.home"), ".cache") : Path.of(xdg))
                .resolve("jxen/guest-images");
        return Files.isDirectory(cache) ? cache : Path.of("/");
    }

    /** GRUB's Xen image (package grub-xen-host). */
    static Path grub() {
        return require(root().resolve("usr/lib/grub-xen/grub-x86_64-xen.bin"),
                "Debian's grub-x86_64-xen.bin (package grub-xen-host)");
    }

    /** The newest /boot/vmlinuz-*-amd64 (package linux-image-amd64). */
    static Path linux() throws IOException {
        Path boot = root().resolve("boot");
        Path found = null;
        if (Files.isDirectory(boot)) {
            try (Stream<Path> s = Files.list(boot)) {
                found = s.filter(p -> p.getFileName().toString().matches("vmlinuz-.*-amd64")).sorted()
                        .reduce((a, b) -> b).orElse(null);
            }
        }
        return require(found, "Debian's /boot/vmlinuz-*-amd64 (package linux-image-amd64)");
    }

    private static Path require(Path p, String what) {
        if (p == null || !Files.isRegularFile(p)) {
            String msg = what + " not found under " + root() + " (set JXEN_GUEST_IMAGES; .ci/run unpacks it)";
            if (System.getenv("CI") != null) {
                Assertions.fail(msg);
            }
            Assumptions.abort(msg);
        }
        return p;
    }
}
