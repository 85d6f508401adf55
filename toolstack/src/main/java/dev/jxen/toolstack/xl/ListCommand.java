package dev.jxen.toolstack.xl;

import dev.jxen.toolstack.config.DomainConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code xl list [-l] [domain]}: xl's table (Name, ID, Mem, VCPUs, State, Time(s)), Domain-0
 * first. State is six letters as in xl: r running, b blocked, p paused, s shut down, then the
 * shutdown reason ({@code -rscwS}: poweroff, reboot, suspend, crash, watchdog, soft reset), d dying.
 */
@Command(name = "list", aliases = "li", description = "List information about all or some domains.")
final class ListCommand implements Callable<Integer> {
    private static final String REASON_LETTERS = "-rscwS";

    @ParentCommand
    private XlCommand xl;

    @Option(names = {"-l", "--long"}, description = "the domains' configurations as JSON")
    private boolean details;

    @Option(names = {"-v", "--verbose"}, description = "also the UUID and the shutdown reason code")
    private boolean verbose;

    @Parameters(arity = "0..1", paramLabel = "DOMAIN")
    private String domain;

    @Override
    public Integer call() {
        List<XlHost.DomainInfo> all = xl.host.list();
        List<XlHost.DomainInfo> shown = new ArrayList<>(all);
        if (domain != null) {
            int domid = xl.host.find(domain);
            shown.removeIf(d -> d.domid() != domid);
            if (shown.isEmpty()) {
                xl.err.println("Error: Domain '" + domain + "' does not exist.");
                return 1;
            }
        }
        if (details) {
            printDetails(shown);
            return 0;
        }
        StringBuilder sb = new StringBuilder();
        sb.append("Name                                        ID   Mem VCPUs\tState\tTime(s)");
        if (verbose) {
            sb.append("   UUID                            Reason-Code\tSecurity Label");
        }
        sb.append('\n');
        for (XlHost.DomainInfo d : shown) {
            sb.append(row(d, verbose)).append('\n');
        }
        xl.out.print(sb);
        return 0;
    }

    static String row(XlHost.DomainInfo d, boolean verbose) {
        int reason = d.shutdown() == null ? 0 : d.shutdown().code();
        String state = "" + (d.running() ? 'r' : '-') + (d.blocked() ? 'b' : '-') + (d.paused() ? 'p' : '-')
                + (d.shutdown() != null ? 's' : '-') + REASON_LETTERS.charAt(reason) + (d.dying() ? 'd' : '-');
        String line = String.format(Locale.ROOT, "%-40s %5d %5d %5d     %s  %8.1f", d.name(), d.domid(), d.memoryMiB(),
                d.vcpus(), state, d.cpuSeconds());
        if (verbose) {
            line += " " + d.uuid() + (d.shutdown() != null ? String.format(Locale.ROOT, " %8x", reason) : String.format(" %8s", "-"))
                    + String.format(" %16s", "-");
        }
        return line;
    }

    /** xl list -l: a JSON array of {"domid": N, "config": {...}} for the domains built from a configuration. */
    private void printDetails(List<XlHost.DomainInfo> shown) {
        StringBuilder sb = new StringBuilder("[\n");
        boolean first = true;
        for (XlHost.DomainInfo d : shown) {
            DomainConfig cfg = xl.host.config(d.domid());
            if (cfg == null) {
                continue;
            }
            if (!first) {
                sb.append(",\n");
            }
            first = false;
            sb.append("    {\n        \"domid\": ").append(d.domid()).append(",\n        \"config\": ")
                    .append(cfg.toJson().strip().replace("\n", "\n        ")).append("\n    }");
        }
        sb.append(first ? "]\n" : "\n]\n");
        xl.out.print(sb);
    }
}
