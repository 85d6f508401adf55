package dev.jxen.toolstack.daemon;

import java.nio.file.Path;
import java.util.Map;

/**
 * The state directory of one jxen host ({@code $JXEN_HOME}, default {@code ~/.jxen}): the daemon's
 * control socket, lock, pid file and log, and the per-domain console logs. Two homes are two
 * independent hosts. Kept free of heavy imports: the xl client loads it.
 */
public record JxenHome(Path dir) {
    public JxenHome {
        dir = dir.toAbsolutePath().normalize();
    }

    /** {@code $JXEN_HOME}, else {@code ~/.jxen}. */
    public static JxenHome fromEnvironment(Map<String, String> env) {
        String home = env.get("JXEN_HOME");
        if (home != null && !home.isEmpty()) {
            return new JxenHome(Path.of(home));
        }
        return new JxenHome(Path.of(System.getProperty("user.home"), ".jxen"));
    }

    /** The control socket xl talks to. */
    public Path socket() {
        return dir.resolve("jxend.sock");
    }

    /** Held (locked) by the running daemon for its whole life: a second daemon cannot start. */
    public Path lockFile() {
        return dir.resolve("jxend.lock");
    }

    public Path pidFile() {
        return dir.resolve("jxend.pid");
    }

    /** The daemon's stdout and stderr. */
    public Path log() {
        return dir.resolve("jxend.log");
    }

    /** Where per-domain console logs go ({@code console/<name>.log}). */
    public Path consoleDir() {
        return dir.resolve("console");
    }

    /** The xenstored socket for tools ({@code XENSTORED_PATH}). */
    public Path xenstoreSocket() {
        return dir.resolve("xenstored.sock");
    }
}
