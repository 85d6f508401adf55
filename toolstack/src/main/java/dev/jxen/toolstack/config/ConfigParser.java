package dev.jxen.toolstack.config;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads the {@code xl.cfg} syntax of xl.cfg(5) and libxlu:
 * <ul>
 * <li>settings {@code key = value} or {@code key += value}, ended by a newline or {@code ;};
 *     keys are lower-case letters, digits and {@code _}, starting with a letter;</li>
 * <li>values: strings in {@code '...'} or {@code "..."} with C escapes ({@code \n \t \\ \' \"
 *     \a \b \f \r \v}, {@code \xHH}, octal {@code \ooo}); numbers ({@code 512}, {@code 0x200},
 *     {@code 010} is octal as in C); lists {@code [ v, v, ... ]} which may span lines and end
 *     with a comma;</li>
 * <li>{@code #} comments to the end of the line;</li>
 * <li>a backslash at the end of a line continues the setting on the next line (an extension:
 *     xl itself accepts line breaks only inside lists).</li>
 * </ul>
 * The first error stops the parse with a {@link ConfigException} naming source and line.
 */
public final class ConfigParser {
    private enum Kind { IDENT, NUMBER, STRING, EQUALS, PLUS_EQUALS, COMMA, OPEN, CLOSE, SEMICOLON, NEWLINE, END }

    private record Token(Kind kind, String text, int line) {
        String describe() {
            return switch (kind) {
                case IDENT, NUMBER -> "'" + text + "'";
                case STRING -> "a string";
                case NEWLINE -> "end of line";
                case END -> "end of file";
                default -> "'" + text + "'";
            };
        }
    }

    private final String source;
    private final String text;
    private int pos;
    private int line = 1;
    private Token peeked;

    private ConfigParser(String source, String text) {
        this.source = source;
        this.text = text;
    }

    /** Parses {@code text} (read from {@code source}, which names it in messages). */
    public static ConfigFile parse(String source, String text) throws ConfigException {
        ConfigFile cfg = new ConfigFile(source);
        parseInto(cfg, source, text);
        return cfg;
    }

    /**
     * Parses {@code text} and applies its settings on top of {@code cfg}'s: how {@code xl create
     * cfg key=value...} applies the command line's settings after the file's.
     */
    public static void parseInto(ConfigFile cfg, String source, String text) throws ConfigException {
        new ConfigParser(source, text).file(cfg);
    }

    private void file(ConfigFile cfg) throws ConfigException {
        while (true) {
            Token t = next();
            switch (t.kind) {
                case END:
                    return;
                case NEWLINE:
                case SEMICOLON:
                    continue;
                case IDENT:
                    setting(cfg, t);
                    break;
                default:
                    throw error(t.line, "expected a setting (key = value), found " + t.describe());
            }
        }
    }

    private void setting(ConfigFile cfg, Token key) throws ConfigException {
        Token op = next();
        if (op.kind != Kind.EQUALS && op.kind != Kind.PLUS_EQUALS) {
            throw error(op.line, "expected '=' after '" + key.text + "', found " + op.describe());
        }
        ConfigValue value = value(key);
        Token end = next();
        if (end.kind != Kind.NEWLINE && end.kind != Kind.SEMICOLON && end.kind != Kind.END) {
            throw error(end.line, "unexpected " + end.describe() + " after the value of '" + key.text
                    + "' (one setting per line, or separate them with ';')");
        }
        Setting s = new Setting(key.text, value, source, key.line);
        if (op.kind == Kind.PLUS_EQUALS) {
            cfg.append(s);
        } else {
            cfg.set(s);
        }
        if (end.kind == Kind.END) {
            peeked = end;
        }
    }

    private ConfigValue value(Token key) throws ConfigException {
        Token t = next();
        switch (t.kind) {
            case STRING:
            case NUMBER:
                return new ConfigValue.Atom(t.text, t.line);
            case OPEN:
                return list(key, t);
            default:
                throw error(t.line, "expected a value for '" + key.text + "', found " + t.describe());
        }
    }

    private ConfigValue list(Token key, Token open) throws ConfigException {
        List<ConfigValue.Atom> items = new ArrayList<>();
        while (true) {
            Token t = nextSkippingNewlines();
            if (t.kind == Kind.CLOSE) {
                return new ConfigValue.ListValue(items, open.line);
            }
            if (t.kind == Kind.STRING || t.kind == Kind.NUMBER) {
                items.add(new ConfigValue.Atom(t.text, t.line));
            } else if (t.kind == Kind.END) {
                throw error(t.line, "the list of '" + key.text + "' opened on line " + open.line + " is not closed with ']'");
            } else if (t.kind == Kind.OPEN) {
                throw error(t.line, "lists cannot be nested (in '" + key.text + "')");
            } else {
                throw error(t.line, "expected a value or ']' in the list of '" + key.text + "', found " + t.describe());
            }
            Token sep = nextSkippingNewlines();
            if (sep.kind == Kind.CLOSE) {
                return new ConfigValue.ListValue(items, open.line);
            }
            if (sep.kind == Kind.END) {
                throw error(sep.line, "the list of '" + key.text + "' opened on line " + open.line + " is not closed with ']'");
            }
            if (sep.kind != Kind.COMMA) {
                throw error(sep.line, "expected ',' or ']' in the list of '" + key.text + "', found " + sep.describe());
            }
        }
    }

    private Token nextSkippingNewlines() throws ConfigException {
        Token t;
        do {
            t = next();
        } while (t.kind == Kind.NEWLINE);
        return t;
    }

    private ConfigException error(int atLine, String message) {
        return new ConfigException(source, atLine, message);
    }

    // ---- lexer ----

    private Token next() throws ConfigException {
        if (peeked != null) {
            Token t = peeked;
            peeked = null;
            return t;
        }
        skipBlanks();
        if (pos >= text.length()) {
            return new Token(Kind.END, "", line);
        }
        char c = text.charAt(pos);
        int at = line;
        switch (c) {
            case '\n':
                pos++;
                line++;
                return new Token(Kind.NEWLINE, "\n", at);
            case '=':
                pos++;
                return new Token(Kind.EQUALS, "=", at);
            case ',':
                pos++;
                return new Token(Kind.COMMA, ",", at);
            case '[':
                pos++;
                return new Token(Kind.OPEN, "[", at);
            case ']':
                pos++;
                return new Token(Kind.CLOSE, "]", at);
            case ';':
                pos++;
                return new Token(Kind.SEMICOLON, ";", at);
            case '\'':
            case '"':
                return new Token(Kind.STRING, string(c), at);
            default:
                break;
        }
        if (c == '+' && pos + 1 < text.length() && text.charAt(pos + 1) == '=') {
            pos += 2;
            return new Token(Kind.PLUS_EQUALS, "+=", at);
        }
        if (c >= '0' && c <= '9') {
            return new Token(Kind.NUMBER, word(), at);
        }
        if (isWordChar(c)) {
            String w = word();
            if (!w.matches("[a-z][a-z0-9_]*")) {
                throw error(at, "bad key '" + w + "': keys are lower-case letters, digits and '_', starting with a letter");
            }
            return new Token(Kind.IDENT, w, at);
        }
        if ("+-.():{}".indexOf(c) >= 0) {
            throw error(at, "unexpected '" + c + "' (xl.cfg is not Python: values are strings, numbers or [lists])");
        }
        throw error(at, "unexpected character '" + printable(c) + "'");
    }

    /** Spaces, tabs, carriage returns, comments (up to the newline) and backslash-newline continuations. */
    private void skipBlanks() {
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c == ' ' || c == '\t' || c == '\r' || c == '\f') {
                pos++;
            } else if (c == '#') {
                while (pos < text.length() && text.charAt(pos) != '\n') {
                    pos++;
                }
            } else if (c == '\\' && continuationAt(pos + 1)) {
                pos++;
                while (text.charAt(pos) != '\n') {
                    pos++;
                }
                pos++;
                line++;
            } else {
                return;
            }
        }
    }

    /** True when only blanks follow up to a newline. */
    private boolean continuationAt(int p) {
        while (p < text.length() && (text.charAt(p) == ' ' || text.charAt(p) == '\t' || text.charAt(p) == '\r')) {
            p++;
        }
        return p < text.length() && text.charAt(p) == '\n';
    }

    private static boolean isWordChar(char c) {
        return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    }

    private String word() {
        int start = pos;
        while (pos < text.length() && isWordChar(text.charAt(pos))) {
            pos++;
        }
        return text.substring(start, pos);
    }

    private String string(char quote) throws ConfigException {
        int at = line;
        StringBuilder sb = new StringBuilder();
        pos++;
        while (true) {
            if (pos >= text.length() || text.charAt(pos) == '\n') {
                throw error(at, "string not closed with " + quote + " before the end of the line");
            }
            char c = text.charAt(pos++);
            if (c == quote) {
                return sb.toString();
            }
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            if (pos >= text.length() || text.charAt(pos) == '\n') {
                throw error(at, "string not closed with " + quote + " before the end of the line");
            }
            escape(sb, text.charAt(pos++), at);
        }
    }

    private void escape(StringBuilder sb, char e, int at) throws ConfigException {
        switch (e) {
            case '\'', '"', '\\' -> sb.append(e);
            case 'a' -> sb.append('\u0007');
            case 'b' -> sb.append('\b');
            case 'f' -> sb.append('\f');
            case 'n' -> sb.append('\n');
            case 'r' -> sb.append('\r');
            case 't' -> sb.append('\t');
            case 'v' -> sb.append('\u000b');
            case 'x' -> {
                int end = pos;
                while (end < text.length() && end < pos + 2 && Character.digit(text.charAt(end), 16) >= 0) {
                    end++;
                }
                if (end - pos != 2) {
                    throw error(at, "'\\x' in a string needs two hex digits");
                }
                sb.append((char) Integer.parseInt(text.substring(pos, end), 16));
                pos = end;
            }
            default -> {
                if (e >= '0' && e <= '7') {
                    int end = pos - 1;
                    while (end < text.length() && end < pos + 2 && text.charAt(end) >= '0' && text.charAt(end) <= '7') {
                        end++;
                    }
                    int v = Integer.parseInt(text.substring(pos - 1, end), 8);
                    if (v > 0xFF) {
                        throw error(at, "octal escape '\\" + text.substring(pos - 1, end) + "' is larger than a byte");
                    }
                    sb.append((char) v);
                    pos = end;
                } else {
                    throw error(at, "unknown escape '\\" + printable(e) + "' in a string");
                }
            }
        }
    }

    private static String printable(char c) {
        return c >= 0x20 && c < 0x7F ? String.valueOf(c) : String.format("\\u%04x", (int) c);
    }
}
