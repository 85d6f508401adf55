package dev.jxen.toolstack.cli;

import picocli.CommandLine.Command;

/** {@code jxen bench ...}: benchmarks. */
@Command(name = "bench", description = "Benchmarks the emulator and PV boots.", subcommands = {CpuBenchCommand.class, BootBenchCommand.class})
final class BenchCommand {
}
