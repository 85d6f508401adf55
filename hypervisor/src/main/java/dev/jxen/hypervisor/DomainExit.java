package dev.jxen.hypervisor;

/**
 * How a domain ended: the shutdown reason and, for {@link ShutdownReason#CRASH}, the crash report
 * (see {@link CrashReport}); {@code crashReport} is null otherwise.
 */
public record DomainExit(ShutdownReason reason, String crashReport) {
    public boolean crashed() {
        return reason == ShutdownReason.CRASH;
    }
}
