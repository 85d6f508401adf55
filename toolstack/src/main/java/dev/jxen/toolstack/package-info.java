/**
 * The toolstack: the host daemon {@code jxend} and its control protocol
 * ({@link dev.jxen.toolstack.daemon}), the {@code xl} command line ({@link dev.jxen.toolstack.xl}),
 * domain consoles ({@link dev.jxen.toolstack.console}), the {@code xl.cfg} parser
 * ({@link dev.jxen.toolstack.config}) and the {@code jxen} launcher's commands
 * ({@link dev.jxen.toolstack.cli}). It wires the hypervisor, the emulator engine, xenstored and
 * the backends together.
 */
package dev.jxen.toolstack;
