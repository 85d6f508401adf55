package dev.jxen.toolstack.cli;

import picocli.CommandLine.Command;

/** {@code jxen bench ...}: benchmarks. */
@Command(name = "bench", description = "Benchmarks the emulator, PV boots, xl create through the daemon and xenstored.", subcommands = {CpuBenchCommand.class, BootBenchCommand.class, CreateBenchCommand.class, XenstoreBenchCommand.class})
final class BenchCommand {
}
