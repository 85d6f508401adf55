package dev.jxen.toolstack.config;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The settings of an {@code xl.cfg} file in the order they were first written. A key set twice
 * keeps the later value (as xl does); {@code key += value} appends to a string or a list.
 */
public final class ConfigFile {
    private final String source;
    private final Map<String, Setting> settings = new LinkedHashMap<>();

    public ConfigFile(String source) {
        this.source = source;
    }

    /** Where the file came from (its path as given), for messages about what it lacks. */
    public String source() {
        return source;
    }

    /** The setting of {@code key}, or null when the file does not set it. */
    public Setting get(String key) {
        return settings.get(key);
    }

    public boolean has(String key) {
        return settings.containsKey(key);
    }

    public Collection<Setting> settings() {
        return Collections.unmodifiableCollection(settings.values());
    }

    void set(Setting s) {
        settings.put(s.key(), s);
    }

    /** {@code key += value}: string to string or list to list; a key not yet set is simply set. */
    void append(Setting s) throws ConfigException {
        Setting prev = settings.get(s.key());
        if (prev == null) {
            set(s);
            return;
        }
        ConfigValue joined;
        if (prev.value() instanceof ConfigValue.Atom a && s.value() instanceof ConfigValue.Atom b) {
            joined = new ConfigValue.Atom(a.text() + b.text(), b.line());
        } else if (prev.value() instanceof ConfigValue.ListValue a && s.value() instanceof ConfigValue.ListValue b) {
            List<ConfigValue.Atom> items = new ArrayList<>(a.items());
            items.addAll(b.items());
            joined = new ConfigValue.ListValue(items, b.line());
        } else {
            throw new ConfigException(s.source(), s.line(), "cannot add a "
                    + kind(s.value()) + " to '" + s.key() + "', which is a " + kind(prev.value())
                    + " (set at " + prev.where() + ")");
        }
        settings.put(s.key(), new Setting(s.key(), joined, s.source(), s.line()));
    }

    static String kind(ConfigValue v) {
        return v instanceof ConfigValue.ListValue ? "list" : "single value";
    }
}
