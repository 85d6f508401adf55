/**
 * Ready-made machines for running code on the emulator without a hypervisor:
 * {@link dev.jxen.x86.testkit.FlatMachine} (identity-mapped memory, 64-bit code at CPL 0 or 3),
 * {@link dev.jxen.x86.testkit.CpuModel} (the CPUID the emulator advertises) and
 * {@link dev.jxen.x86.testkit.ProgramRunner}, which runs static x86-64 Linux programs (freestanding
 * ones and ones linked against glibc) with the process environment and system calls of
 * {@code LinuxProcess}, for the demo, the benchmark and the tests that compare them with native runs.
 */
package dev.jxen.x86.testkit;
