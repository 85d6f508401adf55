package dev.jxen.toolstack.console;

/**
 * A read-write attach to a console that already has a read-write client. Xen's console client
 * refuses the same way (it takes an exclusive lock per domain and fails when another client holds
 * it); jxen adds read-only clients, which can always attach.
 */
public final class ConsoleBusyException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    ConsoleBusyException(String domainLabel) {
        super("the console of " + domainLabel + " is already attached read-write elsewhere"
                + " (detach it with Ctrl-], or attach read-only)");
    }
}
