package dev.jxen.toolstack.config;

/**
 * A syntax error or a bad value in a configuration: its message is {@code source:line: what is
 * wrong}, or {@code source: what is wrong} for something missing (line 0).
 */
public final class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    private final String source;
    private final int line;
    private final String reason;

    public ConfigException(String source, int line, String reason) {
        super((line > 0 ? source + ":" + line : source) + ": " + reason, null, false, false);
        this.source = source;
        this.line = line;
        this.reason = reason;
    }

    public String source() {
        return source;
    }

    public int line() {
        return line;
    }

    /** The message without the {@code source:line:} prefix. */
    public String reason() {
        return reason;
    }
}
