/**
 * The toolstack (mostly not built yet): the host daemon {@code jxend}, its control protocol, the
 * {@code xl} command line, the {@code xl.cfg} parser and domain lifecycle actions. It wires the
 * hypervisor, the emulator engine, xenstored and the backends together. Today it holds the
 * {@code jxen} launcher's commands ({@link dev.jxen.toolstack.cli}).
 */
package dev.jxen.toolstack;
