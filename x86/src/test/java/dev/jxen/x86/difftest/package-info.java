/**
 * Differential tests of the emulator against the real host CPU: the same instruction or snippet
 * runs from the same state on the host (through the native runner {@code hostcpu.c}, see
 * {@link dev.jxen.x86.difftest.HostCpu}) and on the emulator ({@link dev.jxen.x86.difftest.EmuCpu}),
 * and every register, flag (except those the manuals call undefined), the FP/SSE state, the data
 * pages and any exception must agree. Cases come from seeded generators biased to edge values
 * ({@link dev.jxen.x86.difftest.Values}); the seed is printed and can be set with
 * {@code -Djxen.difftest.seed=N}.
 */
package dev.jxen.x86.difftest;
