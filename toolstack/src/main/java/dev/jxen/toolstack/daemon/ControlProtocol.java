package dev.jxen.toolstack.daemon;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The xl-to-jxend protocol over the control socket: one request per connection, then the reply.
 *
 * <p>Request: the line {@code jxen-xl 1 <n>} (magic, protocol version, number of fields), then
 * {@code n} fields, each {@code <length>\n<UTF-8 bytes>}: the client's working directory first,
 * then xl's arguments.
 *
 * <p>Reply: a sequence of records, each a line {@code <tag> <number>}: {@code o <len>} and
 * {@code e <len>} are followed by {@code len} bytes for xl's stdout or stderr; {@code x <status>}
 * ends the reply with xl's exit status; {@code c <domid>} (read-only: {@code r <domid>}) and a field with the domain's
 * name hand the connection over to the domain's console, raw bytes both ways until either side closes it (afterwards xl may ask for
 * the domain's outcome with the hidden {@code _outcome} command). A daemon that does not speak
 * the client's version answers with an error and status 1; every change bumps {@link #VERSION}.
 *
 * <p>Light on purpose: the xl client loads this class and nothing of the hypervisor.
 */
public final class ControlProtocol {
    public static final String MAGIC = "jxen-xl";
    public static final int VERSION = 1;
    private static final int MAX_FIELDS = 4096;
    private static final int MAX_FIELD = 1 << 24;

    /** A request: the client's working directory and xl's arguments. */
    public record Request(String cwd, List<String> args) {
    }

    /** One reply record: its tag and number ({@code len}, status or domid) and, for o/e, the bytes. */
    public record Record(char tag, long number, byte[] data) {
    }

    private ControlProtocol() {
    }

    public static void writeRequest(OutputStream out, Request r) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes((MAGIC + " " + VERSION + " " + (r.args().size() + 1) + "\n").getBytes(StandardCharsets.US_ASCII));
        writeField(b, r.cwd());
        for (String a : r.args()) {
            writeField(b, a);
        }
        out.write(b.toByteArray());
        out.flush();
    }

    private static void writeField(ByteArrayOutputStream b, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        b.writeBytes((bytes.length + "\n").getBytes(StandardCharsets.US_ASCII));
        b.writeBytes(bytes);
    }

    /**
     * Reads a request (unbuffered: nothing after it is consumed).
     *
     * @throws ProtocolException for a request this version does not understand
     */
    public static Request readRequest(InputStream in) throws IOException {
        String header = readLine(in);
        String[] parts = header.split(" ");
        if (parts.length != 3 || !parts[0].equals(MAGIC)) {
            throw new ProtocolException("not an xl request");
        }
        if (!parts[1].equals(Integer.toString(VERSION))) {
            throw new ProtocolException("xl speaks protocol version " + parts[1] + ", this jxend speaks " + VERSION
                    + ": stop the old daemon (kill $(cat $JXEN_HOME/jxend.pid)) and try again");
        }
        int n = parseCount(parts[2], MAX_FIELDS);
        if (n < 1) {
            throw new ProtocolException("a request without a working directory");
        }
        List<String> fields = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int len = parseCount(readLine(in), MAX_FIELD);
            fields.add(new String(in.readNBytes(len), StandardCharsets.UTF_8));
            if (fields.getLast().getBytes(StandardCharsets.UTF_8).length != len) {
                throw new EOFException("request cut short");
            }
        }
        return new Request(fields.getFirst(), List.copyOf(fields.subList(1, n)));
    }

    public static void writeOutput(OutputStream out, char tag, byte[] data, int off, int len) throws IOException {
        out.write((tag + " " + len + "\n").getBytes(StandardCharsets.US_ASCII));
        out.write(data, off, len);
        out.flush();
    }

    public static void writeExit(OutputStream out, int status) throws IOException {
        out.write(("x " + status + "\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    /** {@code c <domid>} (or {@code r <domid>} read-only), then the domain's name as a field. */
    public static void writeConsole(OutputStream out, int domid, String name, boolean readOnly) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(((readOnly ? "r " : "c ") + domid + "\n").getBytes(StandardCharsets.US_ASCII));
        writeField(b, name);
        out.write(b.toByteArray());
        out.flush();
    }

    /** Reads the next reply record (unbuffered); EOF before a record is an {@link EOFException}. */
    public static Record readRecord(InputStream in) throws IOException {
        String line = readLine(in);
        int sp = line.indexOf(' ');
        if (sp != 1) {
            throw new ProtocolException("bad reply record '" + line + "'");
        }
        char tag = line.charAt(0);
        long number;
        try {
            number = Long.parseLong(line.substring(2));
        } catch (NumberFormatException e) {
            throw new ProtocolException("bad reply record '" + line + "'");
        }
        byte[] data = null;
        if (tag == 'c' || tag == 'r') {
            int len = parseCount(readLine(in), MAX_FIELD);
            data = in.readNBytes(len);
        } else if (tag == 'o' || tag == 'e') {
            if (number < 0 || number > MAX_FIELD) {
                throw new ProtocolException("bad reply length " + number);
            }
            data = in.readNBytes((int) number);
            if (data.length != number) {
                throw new EOFException("reply cut short");
            }
        }
        return new Record(tag, number, data);
    }

    private static int parseCount(String s, int max) throws ProtocolException {
        try {
            int n = Integer.parseInt(s);
            if (n < 0 || n > max) {
                throw new ProtocolException("count out of range: " + s);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new ProtocolException("bad count '" + s + "'");
        }
    }

    /** One line of ASCII up to '\n', read byte by byte so that nothing beyond it is consumed. */
    static String readLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        while (true) {
            int c = in.read();
            if (c < 0) {
                throw new EOFException("connection closed");
            }
            if (c == '\n') {
                return sb.toString();
            }
            if (sb.length() > 64) {
                throw new ProtocolException("header line too long");
            }
            sb.append((char) c);
        }
    }

    /** A request or reply this side cannot understand. */
    public static final class ProtocolException extends IOException {
        private static final long serialVersionUID = 1L;

        public ProtocolException(String message) {
            super(message);
        }
    }
}
