package dev.jxen.toolstack.cli;

import picocli.CommandLine.Command;

/** {@code jxen bench ...}: benchmarks. */
@Command(name = "bench", description = "Benchmarks the emulator.", subcommands = CpuBenchCommand.class)
final class BenchCommand {
}
