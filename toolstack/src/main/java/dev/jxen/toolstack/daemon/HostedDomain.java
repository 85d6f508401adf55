package dev.jxen.toolstack.daemon;

import dev.jxen.hypervisor.Domain;
import dev.jxen.toolstack.config.DomainConfig;
import dev.jxen.toolstack.console.ConsoleHub;
import dev.jxen.toolstack.xl.XlHost;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;

/** A domain the daemon hosts: its configuration (to rebuild it), the hypervisor's domain, its console. */
final class HostedDomain {
    final DomainConfig config;
    final Domain domain;
    final String uuid;
    final Instant started;
    final ConsoleHub console;
    /** How it ended (for xl create -c), completed by the lifecycle handler. */
    final CompletableFuture<XlHost.Outcome> outcome = new CompletableFuture<>();
    /** Restarts so far in a row (restart rate limiting). */
    final int generation;
    volatile String name;

    HostedDomain(DomainConfig config, Domain domain, String uuid, ConsoleHub console, int generation) {
        this.config = config;
        this.domain = domain;
        this.uuid = uuid;
        this.console = console;
        this.generation = generation;
        this.name = config.name();
        this.started = Instant.now();
    }

    int domid() {
        return domain.id();
    }
}
