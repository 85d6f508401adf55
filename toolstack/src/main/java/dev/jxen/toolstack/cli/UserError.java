package dev.jxen.toolstack.cli;

/** A problem with what the user asked for, reported as one line {@code jxen: <message>} and exit status 1. */
final class UserError extends Exception {
    private static final long serialVersionUID = 1L;

    UserError(String subject, String reason) {
        super(subject + ": " + reason, null, false, false);
    }
}
