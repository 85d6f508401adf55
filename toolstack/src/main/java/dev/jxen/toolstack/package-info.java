/**
 * The toolstack (partly built): the host daemon {@code jxend}, its control protocol, the
 * {@code xl} command line, the {@code xl.cfg} parser and domain lifecycle actions. It wires the
 * hypervisor, the emulator engine, xenstored and the backends together. Today it holds the
 * {@code jxen} launcher's commands ({@link dev.jxen.toolstack.cli}), the {@code xl.cfg} parser
 * ({@link dev.jxen.toolstack.config}) and {@code xl create -c}, which runs one PV domain in the
 * foreground ({@link dev.jxen.toolstack.xl}).
 */
package dev.jxen.toolstack;
