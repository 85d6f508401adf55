package dev.jxen.builder;

/**
 * A kernel (or ramdisk) file that cannot be booted. The message is one line that names the file and
 * the reason, ready to show to the user as it is.
 */
public final class BadImageException extends Exception {
    private static final long serialVersionUID = 1L;

    public BadImageException(String file, String reason) {
        super(file + ": " + reason);
    }

    public BadImageException(String file, String reason, Throwable cause) {
        super(file + ": " + reason, cause);
    }
}
