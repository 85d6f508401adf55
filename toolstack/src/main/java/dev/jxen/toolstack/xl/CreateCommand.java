package dev.jxen.toolstack.xl;

import dev.jxen.toolstack.config.ConfigException;
import dev.jxen.toolstack.config.ConfigFile;
import dev.jxen.toolstack.config.ConfigParser;
import dev.jxen.toolstack.config.DomainConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code xl create [-c] [-n] [-p] [-q] [-f cfg] cfg [key=value...]}: builds a domain from an
 * xl.cfg file and starts it (left paused with {@code -p}). With {@code -c} xl attaches to its
 * console and exits with the guest's shutdown reason (see {@link ShutdownReason}); {@code -n}
 * prints the parsed configuration and creates nothing.
 */
@Command(name = "create", description = {
    "Creates a domain from an xl.cfg file; key=value arguments override the file's settings. "
        + "With -c xl attaches to the domain's console and exits when the domain shuts down: "
        + "status 0 for poweroff, 10 + Xen's SHUTDOWN_* code otherwise (reboot 11, crash 13), "
        + "1 when the configuration or the kernel is unusable."})
final class CreateCommand implements Callable<Integer> {
    /** Names the command line's settings in messages (argument N is line N). */
    static final String COMMAND_LINE = "command line";

    @ParentCommand
    private XlCommand xl;

    @Option(names = "-c", description = "attach to the domain's console (Ctrl-] detaches)")
    private boolean console;

    @Option(names = {"-n", "--dryrun"}, description = "print the parsed configuration as JSON and create nothing")
    private boolean dryRun;

    @Option(names = "-p", description = "leave the domain paused after creating it")
    private boolean paused;

    @Option(names = {"-q", "--quiet"}, description = "print no messages of xl's own (errors still are)")
    private boolean quiet;

    @Option(names = {"-f", "--defconfig"}, paramLabel = "FILE", description = "the configuration file (instead of the first argument)")
    private String configOption;

    @Parameters(paramLabel = "CFG_OR_KEY=VALUE", description = "the configuration file, then key=value settings in xl.cfg syntax")
    private List<String> args = new ArrayList<>();

    @Override
    public Integer call() throws UserError {
        List<String> overrides = new ArrayList<>(args);
        String configName = configOption;
        if (configName == null) {
            if (overrides.isEmpty() || overrides.get(0).contains("=")) {
                throw new UserError("create: give the configuration file (xl create [-c] [-n] [-p] FILE [key=value...])");
            }
            configName = overrides.remove(0);
        }
        for (String o : overrides) {
            if (!o.contains("=")) {
                throw new UserError("create: '" + o + "' is not a key=value setting");
            }
        }
        Path configPath = Path.of(configName);
        DomainConfig cfg;
        try {
            cfg = read(configPath, xl.session.resolve(configName), overrides);
        } catch (ConfigException e) {
            xl.err.println(e.getMessage());
            return 1;
        }
        if (dryRun) {
            xl.out.print(cfg.toJson());
            return 0;
        }
        checkRunnable(configPath, cfg);
        int domid = xl.host.create(withAbsolutePaths(cfg), paused || console);
        if (console) {
            xl.session.attachConsole(domid, !paused);
        }
        return 0;
    }

    /** Kernel and ramdisk relative to xl's working directory, as xl opens them. */
    private DomainConfig withAbsolutePaths(DomainConfig c) {
        String kernel = c.kernel() == null ? null : xl.session.resolve(c.kernel()).toString();
        String ramdisk = c.ramdisk() == null ? null : xl.session.resolve(c.ramdisk()).toString();
        return new DomainConfig(c.name(), c.uuid(), c.type(), kernel, ramdisk, c.cmdline(), c.memoryMiB(),
                c.maxmemMiB(), c.vcpus(), c.maxvcpus(), c.onPoweroff(), c.onReboot(), c.onCrash(), c.onWatchdog(),
                c.onSoftReset(), c.disks(), c.vifs(), c.bootloader());
    }

    /** Reads the file at {@code path} (named {@code shown} in messages, as the user wrote it). */
    private DomainConfig read(Path shown, Path path, List<String> overrides) throws UserError, ConfigException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            throw new UserError(shown.toString(), "no such configuration file");
        } catch (AccessDeniedException e) {
            throw new UserError(shown.toString(), "permission denied");
        } catch (IOException e) {
            throw new UserError(shown.toString(), Files.isDirectory(path) ? "is a directory, not a configuration file"
                    : "cannot read the configuration file: " + e.getMessage());
        }
        String text = decode(bytes);
        ConfigFile file = ConfigParser.parse(shown.toString(), text);
        for (int i = 0; i < overrides.size(); i++) {
            applyOverride(file, overrides.get(i), i + 1);
        }
        return DomainConfig.from(file, w -> xl.err.println(w));
    }
    /** UTF-8, or Latin-1 for an older file that is not valid UTF-8 (xl reads bytes; any byte is fine in a string). */
    static String decode(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return new String(bytes, StandardCharsets.ISO_8859_1);
        }
    }

    /**
     * Applies one {@code key=value} argument as xl does (as a line of xl.cfg syntax after the file).
     * As a convenience beyond xl, a bare value that is not valid syntax ({@code extra=console=hvc0})
     * is taken as a string.
     */
    static void applyOverride(ConfigFile file, String setting, int argNumber) throws ConfigException {
        String padding = "\n".repeat(argNumber - 1); // so that errors name the argument's number as the line
        try {
            ConfigParser.parseInto(file, COMMAND_LINE, padding + setting);
        } catch (ConfigException e) {
            int eq = setting.indexOf('=');
            String key = setting.substring(0, eq).strip();
            String value = setting.substring(eq + 1).strip();
            boolean plain = key.matches("[a-z][a-z0-9_]*") && !value.isEmpty() && "'\"[".indexOf(value.charAt(0)) < 0
                    && value.indexOf('\n') < 0;
            if (!plain) {
                throw e;
            }
            String quoted = "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'";
            ConfigParser.parseInto(file, COMMAND_LINE, padding + key + " = " + quoted);
        }
    }

    private void checkRunnable(Path configPath, DomainConfig cfg) throws UserError {
        String where = configPath.toString();
        if (cfg.type() != DomainConfig.Type.PV) {
            throw new UserError(where, "type '" + cfg.type().xlName() + "' is not supported yet: jxen runs PV domains (type = \"pv\")");
        }
        if (cfg.bootloader() != null) {
            throw new UserError(where, "bootloader is not supported yet: give the kernel with kernel = \"...\"");
        }
        if (cfg.kernel() == null) {
            throw new UserError(where, "no kernel: a PV domain needs kernel = \"...\"");
        }
        if (quiet) {
            return;
        }
        if (!cfg.disks().isEmpty() || !cfg.vifs().isEmpty()) {
            xl.err.println("xl: warning: disk and vif devices are not supported yet and are left out");
        }
    }

    static String pastTense(ShutdownReason r) {
        return switch (r) {
            case POWEROFF -> "powered off";
            case REBOOT -> "rebooted";
            case SUSPEND -> "suspended";
            case CRASH -> "crashed";
            case WATCHDOG -> "was stopped by its watchdog";
            case SOFT_RESET -> "asked for a soft reset";
        };
    }
}
