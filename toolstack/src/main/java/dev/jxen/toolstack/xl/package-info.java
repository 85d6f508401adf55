/**
 * The {@code xl} command line, Xen's toolstack commands on jxen. The client ({@link
 * dev.jxen.toolstack.xl.Xl}) is light: it sends its arguments to the jxend daemon (starting one
 * when none answers) and plays back stdout, stderr, the exit status or a domain's console. The
 * commands ({@link dev.jxen.toolstack.xl.XlCommand} and its subcommands) run in the daemon against
 * {@link dev.jxen.toolstack.xl.XlHost}, with Xen's names, options, output columns, messages and
 * exit statuses; {@code xl create -c} exits with the guest's shutdown reason
 * ({@link dev.jxen.toolstack.xl.ShutdownReason}). Errors a user can cause print one line and exit 1.
 */
package dev.jxen.toolstack.xl;
