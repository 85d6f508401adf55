/**
 * Domain consoles, the part of the toolstack that xenconsoled and Xen's console client play on
 * Xen. In the daemon, a {@link dev.jxen.toolstack.console.ConsoleHub} per domain is the domain's
 * console sink: it logs the output, keeps the recent output for clients that attach later, and
 * serves any number of attached {@code xl console} connections (one read-write, the others
 * read-only) without ever making the guest wait. In {@code xl}, a
 * {@link dev.jxen.toolstack.console.ConsoleClient} joins the user's terminal (raw mode, through
 * JLine) to such a connection until Ctrl-] or the end of the domain.
 */
package dev.jxen.toolstack.console;
