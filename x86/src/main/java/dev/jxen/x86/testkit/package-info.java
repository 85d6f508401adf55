/**
 * Ready-made machines for running code on the emulator without a hypervisor:
 * {@link dev.jxen.x86.testkit.FlatMachine} (identity-mapped memory, 64-bit code at CPL 0 or 3),
 * {@link dev.jxen.x86.testkit.CpuModel} (the CPUID the emulator advertises) and
 * {@link dev.jxen.x86.testkit.ProgramRunner}, which runs freestanding static x86-64 Linux programs
 * (write/exit system calls only) for the demo, the benchmark and the self-checking tests.
 */
package dev.jxen.x86.testkit;
