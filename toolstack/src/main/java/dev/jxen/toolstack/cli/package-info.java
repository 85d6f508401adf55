/**
 * The {@code jxen} command line: {@code jxen run} runs a freestanding x86-64 program on the
 * emulator, {@code jxen bench cpu} measures the emulator against the host CPU. Later the home of
 * {@code xl}'s commands. Errors a user can cause print one line, {@code jxen: <what>: <reason>},
 * and exit with status 1.
 */
package dev.jxen.toolstack.cli;
