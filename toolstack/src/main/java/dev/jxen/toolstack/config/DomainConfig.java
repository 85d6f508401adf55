package dev.jxen.toolstack.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * A domain's configuration, typed, as xl reads it from {@code xl.cfg}. Absent optional strings
 * are null. Paths are kept as written: like xl, a relative {@code kernel} or {@code ramdisk} is
 * opened relative to the current directory, not the configuration file's.
 *
 * @param name        the domain name (required, as in xl)
 * @param uuid        the domain UUID or null
 * @param type        pv, pvh or hvm ({@code type}, or the older {@code builder})
 * @param kernel      the kernel image or null
 * @param ramdisk     the initial ramdisk or null
 * @param cmdline     the kernel command line ({@code cmdline}, else built from {@code root} and
 *                    {@code extra} as xl does) or null
 * @param memoryMiB   initial memory in MiB (xl's default is 32)
 * @param maxmemMiB   maximum memory in MiB (defaults to memory)
 * @param vcpus       vCPUs online at boot (default 1)
 * @param maxvcpus    vCPUs the domain may have (defaults to vcpus)
 * @param onPoweroff  what to do when the guest powers off (default destroy)
 * @param onReboot    ... when it reboots (default restart)
 * @param onCrash     ... when it crashes (default destroy)
 * @param onWatchdog  ... when its watchdog fires (default destroy)
 * @param onSoftReset ... when it asks for a soft reset (default soft-reset)
 * @param disks       the {@code disk} specifications as written (parsed when block devices come)
 * @param vifs        the {@code vif} specifications as written
 * @param bootloader  the bootloader program (e.g. pygrub) or null
 */
public record DomainConfig(String name, String uuid, Type type, String kernel, String ramdisk, String cmdline,
        long memoryMiB, long maxmemMiB, int vcpus, int maxvcpus,
        Action onPoweroff, Action onReboot, Action onCrash, Action onWatchdog, Action onSoftReset,
        List<String> disks, List<String> vifs, String bootloader) {

    /** The domain type ({@code type =}). */
    public enum Type {
        PV, PVH, HVM;

        public String xlName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** What happens when the guest shuts down for a reason ({@code on_poweroff} and friends, xl.cfg(5)). */
    public enum Action {
        DESTROY, RESTART, RENAME_RESTART, PRESERVE, COREDUMP_DESTROY, COREDUMP_RESTART, SOFT_RESET;

        /** The spelling in xl.cfg: {@code rename-restart}. */
        public String xlName() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        /** Whether the domain is built again after this shutdown. */
        public boolean restarts() {
            return this == RESTART || this == RENAME_RESTART || this == COREDUMP_RESTART || this == SOFT_RESET;
        }

        static Action parse(String s) {
            for (Action a : values()) {
                // xl accepts both rename-restart and libxl's rename_restart.
                if (a.xlName().equals(s) || a.name().equalsIgnoreCase(s)) {
                    return a;
                }
            }
            return null;
        }
    }

    public static final long DEFAULT_MEMORY_MIB = 32;

    /** Keys this toolstack understands; others are warned about and ignored. */
    public static final Set<String> KNOWN_KEYS = Set.of("name", "uuid", "type", "builder", "kernel", "ramdisk",
            "cmdline", "extra", "root", "memory", "maxmem", "vcpus", "maxvcpus", "on_poweroff", "on_reboot",
            "on_crash", "on_watchdog", "on_soft_reset", "disk", "vif", "bootloader", "bootloader_args");

    private static final Pattern UUID = Pattern.compile(
            "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    /** Enough for any guest this machine could hold; keeps MiB-to-page arithmetic far from overflow. */
    private static final long MAX_MEMORY_MIB = 1L << 30;
    private static final int MAX_VCPUS = 4096;

    public DomainConfig {
        disks = List.copyOf(disks);
        vifs = List.copyOf(vifs);
    }

    /**
     * Types the settings of {@code cfg}. Unknown keys go to {@code warnings} as
     * {@code source:line: warning: unknown key 'x'}; a bad value throws.
     */
    public static DomainConfig from(ConfigFile cfg, Consumer<String> warnings) throws ConfigException {
        for (Setting s : cfg.settings()) {
            if (!KNOWN_KEYS.contains(s.key())) {
                warnings.accept(s.where() + ": warning: unknown key '" + s.key() + "'");
            }
        }
        Reader r = new Reader(cfg);
        String name = r.string("name");
        if (name == null || name.isEmpty()) {
            Setting s = cfg.get("name");
            if (s != null) {
                throw new ConfigException(s.source(), s.line(), "'name' must not be empty");
            }
            throw new ConfigException(cfg.source(), 0, "the domain needs a name: add name = \"...\"");
        }
        String uuid = r.string("uuid");
        if (uuid != null && !UUID.matcher(uuid).matches()) {
            throw r.bad("uuid", "'" + uuid + "' is not a UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)");
        }
        Type type = type(r);
        long memory = r.number("memory", 1, MAX_MEMORY_MIB, DEFAULT_MEMORY_MIB);
        long maxmem = r.number("maxmem", 1, MAX_MEMORY_MIB, memory);
        if (maxmem < memory) {
            throw r.bad("maxmem", "maxmem (" + maxmem + " MiB) is less than memory (" + memory + " MiB)");
        }
        int vcpus = (int) r.number("vcpus", 1, MAX_VCPUS, 1);
        int maxvcpus = (int) r.number("maxvcpus", 1, MAX_VCPUS, vcpus);
        if (maxvcpus < vcpus) {
            throw r.bad("maxvcpus", "maxvcpus (" + maxvcpus + ") is less than vcpus (" + vcpus + ")");
        }
        return new DomainConfig(name, uuid, type, r.string("kernel"), r.string("ramdisk"), cmdline(r, warnings),
                memory, maxmem, vcpus, maxvcpus,
                r.action("on_poweroff", Action.DESTROY), r.action("on_reboot", Action.RESTART),
                r.action("on_crash", Action.DESTROY), r.action("on_watchdog", Action.DESTROY),
                r.action("on_soft_reset", Action.SOFT_RESET),
                r.list("disk"), r.list("vif"), r.string("bootloader"));
    }

    private static Type type(Reader r) throws ConfigException {
        String t = r.string("type");
        if (t != null) {
            return switch (t) {
                case "pv" -> Type.PV;
                case "pvh" -> Type.PVH;
                case "hvm" -> Type.HVM;
                default -> throw r.bad("type", "unknown type '" + t + "' (expected pv, pvh or hvm)");
            };
        }
        String builder = r.string("builder");
        if (builder == null || builder.equals("generic") || builder.equals("linux")) {
            return Type.PV;
        }
        if (builder.equals("hvm")) {
            return Type.HVM;
        }
        throw r.bad("builder", "unknown builder '" + builder + "' (expected generic or hvm; newer files use type =)");
    }

    /** xl's rule: {@code cmdline} wins; otherwise {@code root=<root> <extra>}, or either alone. */
    private static String cmdline(Reader r, Consumer<String> warnings) throws ConfigException {
        String cmdline = r.string("cmdline");
        String root = r.string("root");
        String extra = r.string("extra");
        if (cmdline != null) {
            if (root != null || extra != null) {
                Setting s = r.cfg.get("cmdline");
                warnings.accept(s.where() + ": warning: ignoring root and extra in favour of cmdline");
            }
            return cmdline;
        }
        if (root != null) {
            return extra != null ? "root=" + root + " " + extra : "root=" + root;
        }
        return extra;
    }

    /** Typed access to settings, with errors naming the setting's file and line. */
    private record Reader(ConfigFile cfg) {
        ConfigException bad(String key, String message) {
            Setting s = cfg.get(key);
            return new ConfigException(s.source(), s.line(), message);
        }

        String string(String key) throws ConfigException {
            Setting s = cfg.get(key);
            if (s == null) {
                return null;
            }
            if (s.value() instanceof ConfigValue.Atom a) {
                return a.text();
            }
            throw bad(key, "'" + key + "' must be a single value, not a list");
        }

        long number(String key, long min, long max, long absent) throws ConfigException {
            String text = string(key);
            if (text == null) {
                return absent;
            }
            long v;
            try {
                v = parseCNumber(text);
            } catch (NumberFormatException e) {
                throw bad(key, "'" + key + "' must be a number, not '" + text + "'");
            }
            if (v < min || v > max) {
                throw bad(key, "'" + key + "' = " + v + " is out of range (" + min + ".." + max + ")");
            }
            return v;
        }

        Action action(String key, Action absent) throws ConfigException {
            String text = string(key);
            if (text == null) {
                return absent;
            }
            Action a = Action.parse(text);
            if (a == null) {
                List<String> names = new ArrayList<>();
                for (Action x : Action.values()) {
                    names.add(x.xlName());
                }
                throw bad(key, "unknown action '" + text + "' for " + key + " (expected one of " + String.join(", ", names) + ")");
            }
            return a;
        }

        List<String> list(String key) throws ConfigException {
            Setting s = cfg.get(key);
            if (s == null) {
                return List.of();
            }
            if (s.value() instanceof ConfigValue.ListValue l) {
                List<String> out = new ArrayList<>();
                for (ConfigValue.Atom a : l.items()) {
                    out.add(a.text());
                }
                return out;
            }
            throw bad(key, "'" + key + "' must be a list: " + key + " = [ '...', ... ]");
        }
    }

    /** The configuration as JSON (what {@code xl create -n} prints), keys named as in xl.cfg. */
    public String toJson() {
        StringBuilder b = new StringBuilder("{\n");
        field(b, "name", quote(name));
        field(b, "uuid", quote(uuid));
        field(b, "type", quote(type.xlName()));
        field(b, "kernel", quote(kernel));
        field(b, "ramdisk", quote(ramdisk));
        field(b, "cmdline", quote(cmdline));
        field(b, "memory", Long.toString(memoryMiB));
        field(b, "maxmem", Long.toString(maxmemMiB));
        field(b, "vcpus", Integer.toString(vcpus));
        field(b, "maxvcpus", Integer.toString(maxvcpus));
        field(b, "on_poweroff", quote(onPoweroff.xlName()));
        field(b, "on_reboot", quote(onReboot.xlName()));
        field(b, "on_crash", quote(onCrash.xlName()));
        field(b, "on_watchdog", quote(onWatchdog.xlName()));
        field(b, "on_soft_reset", quote(onSoftReset.xlName()));
        field(b, "disk", quoteAll(disks));
        field(b, "vif", quoteAll(vifs));
        field(b, "bootloader", quote(bootloader));
        b.setLength(b.length() - 2);
        return b.append("\n}\n").toString();
    }

    private static void field(StringBuilder b, String key, String json) {
        b.append("    ").append(quote(key)).append(": ").append(json).append(",\n");
    }

    private static String quoteAll(List<String> items) {
        List<String> q = new ArrayList<>();
        for (String s : items) {
            q.add(quote(s));
        }
        return "[" + String.join(", ", q) + "]";
    }

    static String quote(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    /** A number as C's strtol with base 0 reads it (xl's rule): decimal, {@code 0x} hex, leading-0 octal. */
    static long parseCNumber(String text) {
        String t = text.trim();
        int radix = 10;
        if (t.startsWith("0x") || t.startsWith("0X")) {
            t = t.substring(2);
            radix = 16;
        } else if (t.length() > 1 && t.startsWith("0")) {
            t = t.substring(1);
            radix = 8;
        }
        if (t.isEmpty() || (radix != 10 && (t.charAt(0) == '-' || t.charAt(0) == '+'))) {
            throw new NumberFormatException(text);
        }
        return Long.parseLong(t, radix);
    }
}
