package dev.jxen.toolstack.xl;

import dev.jxen.toolstack.daemon.JxenHome;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

/** Starts a jxend daemon for xl when none answers on the control socket. */
@FunctionalInterface
public interface DaemonStarter {
    /** A daemon being started: whether it may still come up. */
    interface Started {
        boolean alive();
    }

    Started start() throws IOException;

    /** The main class of the daemon. */
    String DAEMON_MAIN = "dev.jxen.toolstack.daemon.Jxend";

    /** Seconds a daemon that xl started stays up without domains: {@code $JXEN_IDLE_EXIT}, default 30. */
    static String idleExitSeconds() {
        String s = System.getenv("JXEN_IDLE_EXIT");
        return s == null || !s.matches("[0-9]+") ? "30" : s;
    }

    /**
     * Starts the daemon as a separate JVM on this JVM's class path, detached (its own session, so
     * the terminal's Ctrl-C does not reach it), stdin from /dev/null and output appended to its log.
     * JVM options come from the property {@code jxen.daemon.jvmflags} (the launcher sets it).
     */
    static DaemonStarter fromEnvironment(JxenHome home) {
        return process(home, idleExitSeconds());
    }

    /** As {@link #fromEnvironment}, exiting after {@code idleExitSeconds} without domains. */
    static DaemonStarter process(JxenHome home, String idleExitSeconds) {
        return () -> {
            Files.createDirectories(home.dir());
            List<String> cmd = new ArrayList<>();
            File setsid = new File("/usr/bin/setsid");
            if (setsid.canExecute()) {
                cmd.add(setsid.getPath());
            }
            cmd.add(ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + "/bin/java"));
            String flags = System.getProperty("jxen.daemon.jvmflags", "");
            for (String f : flags.split(" ")) {
                if (!f.isBlank()) {
                    cmd.add(f);
                }
            }
            for (String p : new String[] {"jxen.guests"}) {
                if (System.getProperty(p) != null) {
                    cmd.add("-D" + p + "=" + System.getProperty(p));
                }
            }
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), DAEMON_MAIN,
                    "--home", home.dir().toString(), "--idle-exit", idleExitSeconds));
            ProcessBuilder pb = new ProcessBuilder(cmd)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(home.log().toFile()))
                    .redirectErrorStream(true);
            pb.environment().put("JXEN_HOME", home.dir().toString());
            Process p = pb.start();
            return p::isAlive;
        };
    }
}
