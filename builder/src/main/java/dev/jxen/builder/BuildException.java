package dev.jxen.builder;

/**
 * The domain cannot be laid out for this kernel (for example its memory is too small for the initial
 * mapping). The message is one line, ready to show to the user.
 */
public final class BuildException extends Exception {
    private static final long serialVersionUID = 1L;

    public BuildException(String message) {
        super(message);
    }
}
