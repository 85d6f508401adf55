package dev.jxen.toolstack.xl;

/** A problem with what the user asked for: printed as one line {@code xl: <message>}, exit status 1. */
public final class UserError extends Exception {
    private static final long serialVersionUID = 1L;

    public UserError(String message) {
        super(message, null, false, false);
    }

    public UserError(String subject, String reason) {
        this(subject + ": " + reason);
    }
}
