package dev.jxen.xenstore;

/**
 * A request xenstored refused, named as on the wire: the errno name of an {@code XS_ERROR} reply
 * ({@code "ENOENT"}, {@code "EACCES"}, {@code "EAGAIN"}...).
 */
public final class XsException extends RuntimeException {
    private final String error;

    public XsException(String error) {
        super(error);
        this.error = error;
    }

    public XsException(String error, String message) {
        super(error + ": " + message);
        this.error = error;
    }

    /** The errno name, e.g. {@code "ENOENT"}. */
    public String error() {
        return error;
    }
}
