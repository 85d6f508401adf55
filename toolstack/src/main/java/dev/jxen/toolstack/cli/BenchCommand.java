package dev.jxen.toolstack.cli;

import picocli.CommandLine.Command;

/** {@code jxen bench ...}: benchmarks. */
@Command(name = "bench", description = "Benchmarks the emulator, PV boots and xenstored.", subcommands = {CpuBenchCommand.class, BootBenchCommand.class, XenstoreBenchCommand.class})
final class BenchCommand {
}
