/**
 * The {@code xl} command line, Xen's toolstack commands on jxen. Today {@code xl create -c cfg}
 * builds one PV domain from an {@code xl.cfg} file and runs it in the foreground, its console on
 * stdout and stdin (line by line: the terminal stays in its normal mode); xl exits with the
 * guest's shutdown reason ({@link dev.jxen.toolstack.xl.ShutdownReason}). The other commands
 * arrive with the jxend daemon. Errors a user can cause print one line, {@code xl: <what>:
 * <reason>} (or {@code file:line: message} for the configuration), and exit 1.
 */
package dev.jxen.toolstack.xl;
