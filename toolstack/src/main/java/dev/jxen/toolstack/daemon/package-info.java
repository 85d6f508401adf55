/**
 * {@code jxend}, the host daemon: one hypervisor (with the x86 engine) hosting the domains, their
 * consoles ({@link dev.jxen.toolstack.console.ConsoleHub}) and lifecycle ({@code on_poweroff},
 * {@code on_reboot}, {@code on_crash}...), answering xl on a unix socket of its state directory
 * ({@link dev.jxen.toolstack.daemon.JxenHome}: {@code $JXEN_HOME}, default {@code ~/.jxen}) with
 * the line-and-length protocol of {@link dev.jxen.toolstack.daemon.ControlProtocol}. It is
 * Domain-0 in {@code xl list}. xl's commands run here ({@link dev.jxen.toolstack.xl.XlCommand}
 * over {@link dev.jxen.toolstack.xl.XlHost}); the xl client only relays.
 */
package dev.jxen.toolstack.daemon;
