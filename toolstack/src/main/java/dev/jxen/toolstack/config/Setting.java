package dev.jxen.toolstack.config;

/** One {@code key = value} of a configuration, with where it was written (for messages). */
public record Setting(String key, ConfigValue value, String source, int line) {
    /** {@code source:line}, the prefix of messages about this setting. */
    public String where() {
        return source + ":" + line;
    }
}
