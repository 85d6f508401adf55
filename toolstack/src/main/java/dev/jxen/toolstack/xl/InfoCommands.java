package dev.jxen.toolstack.xl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** xl's commands about the host: info, dmesg, uptime, vcpu-list. */
final class InfoCommands {
    private InfoCommands() {
    }

    @Command(name = "info", description = "Get information about Xen host.")
    static final class Info implements Callable<Integer> {
        @ParentCommand
        private XlCommand xl;

        @Option(names = {"-n", "--numa"}, description = "accepted; jxen has one NUMA node")
        private boolean numa;

        @Parameters(arity = "0..1", paramLabel = "FIELD", description = "print only this field's value")
        private String field;

        @Override
        public Integer call() {
            XlHost.HostInfo h = xl.host.info();
            String[] v = h.xenVersion().split("\\.", 3);
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"host", hostname()});
            rows.add(new String[] {"release", System.getProperty("os.version")});
            rows.add(new String[] {"version", firstLine(Path.of("/proc/sys/kernel/version"))});
            rows.add(new String[] {"machine", System.getProperty("os.arch").equals("amd64") ? "x86_64" : System.getProperty("os.arch")});
            rows.add(new String[] {"nr_cpus", Integer.toString(h.cpus())});
            rows.add(new String[] {"max_cpu_id", Integer.toString(h.cpus() - 1)});
            rows.add(new String[] {"nr_nodes", "1"});
            rows.add(new String[] {"cores_per_socket", Integer.toString(h.cpus())});
            rows.add(new String[] {"threads_per_core", "1"});
            rows.add(new String[] {"virt_caps", ""});
            rows.add(new String[] {"total_memory", Long.toString(h.totalMiB())});
            rows.add(new String[] {"free_memory", Long.toString(h.freeMiB())});
            rows.add(new String[] {"free_cpus", "0"});
            rows.add(new String[] {"xen_major", v[0]});
            rows.add(new String[] {"xen_minor", v[1]});
            rows.add(new String[] {"xen_extra", "." + v[2]});
            rows.add(new String[] {"xen_version", h.xenVersion()});
            rows.add(new String[] {"xen_caps", h.caps()});
            rows.add(new String[] {"xen_scheduler", "jxen (a host thread per vCPU)"});
            rows.add(new String[] {"xen_pagesize", "4096"});
            rows.add(new String[] {"xen_commandline", ""});
            rows.add(new String[] {"xend_config_format", "4"});
            StringBuilder sb = new StringBuilder();
            for (String[] r : rows) {
                if (field == null) {
                    sb.append(String.format(Locale.ROOT, "%-23s: %s%n", r[0], r[1]));
                } else if (r[0].startsWith(field)) {
                    sb.append(r[1]).append('\n');
                }
            }
            xl.out.print(sb);
            return 0;
        }

        private static String hostname() {
            String h = firstLine(Path.of("/proc/sys/kernel/hostname"));
            return h.isEmpty() ? "localhost" : h;
        }

        private static String firstLine(Path p) {
            try {
                return Files.readString(p).strip();
            } catch (IOException e) {
                return "";
            }
        }
    }

    @Command(name = "dmesg", description = "Read and/or clear dmesg buffer.")
    static final class Dmesg implements Callable<Integer> {
        @ParentCommand
        private XlCommand xl;

        @Option(names = {"-c", "--clear"}, description = "clear the buffer after reading it")
        private boolean clear;

        @Override
        public Integer call() {
            xl.out.print(xl.host.dmesg(clear));
            return 0;
        }
    }

    @Command(name = "uptime", description = "Print uptime for all/some domains.")
    static final class Uptime implements Callable<Integer> {
        @ParentCommand
        private XlCommand xl;

        @Option(names = "-s", description = "short mode")
        private boolean shortMode;

        @Parameters(arity = "0..*", paramLabel = "DOMAIN")
        private List<String> domains = new ArrayList<>();

        @Override
        public Integer call() {
            List<XlHost.DomainInfo> all = xl.host.list();
            List<XlHost.DomainInfo> shown = new ArrayList<>();
            if (domains.isEmpty()) {
                shown.addAll(all);
            } else {
                for (String q : domains) {
                    int domid = xl.host.find(q);
                    if (domid < 0) {
                        xl.err.println(q + " is an invalid domain identifier (rc=-6)");
                        return 1;
                    }
                    all.stream().filter(d -> d.domid() == domid).forEach(shown::add);
                }
            }
            long now = Instant.now().getEpochSecond();
            StringBuilder sb = new StringBuilder();
            if (!shortMode) {
                sb.append(String.format(Locale.ROOT, "%-33s %4s %s%n", "Name", "ID", "Uptime"));
            }
            String clock = LocalTime.now().format(DateTimeFormatter.ofPattern("HH:mm:ss"));
            for (XlHost.DomainInfo d : shown) {
                long up = d.domid() == XlHost.DOM0 ? hostUptime() : now - d.started().getEpochSecond();
                if (shortMode) {
                    sb.append(String.format(Locale.ROOT, " %s up %s, %s (%d)%n", clock, format(up, true), d.name(), d.domid()));
                } else {
                    sb.append(String.format(Locale.ROOT, "%-33s %4d %s%n", d.name(), d.domid(), format(up, false)));
                }
            }
            xl.out.print(sb);
            return 0;
        }

        private static long hostUptime() {
            try {
                return (long) Double.parseDouble(Files.readString(Path.of("/proc/uptime")).split(" ")[0]);
            } catch (IOException | NumberFormatException e) {
                return 0;
            }
        }

        static String format(long uptime, boolean shortMode) {
            long day = uptime / 86400, hour = uptime % 86400 / 3600, min = uptime % 3600 / 60, sec = uptime % 60;
            String days = day > 1 ? day + " days, " : day == 1 ? "1 day, " : "";
            return shortMode ? days + String.format(Locale.ROOT, "%2d:%02d", hour, min)
                    : days + String.format(Locale.ROOT, "%2d:%02d:%02d", hour, min, sec);
        }
    }

    @Command(name = "vcpu-list", description = "List the VCPUs for all/some domains.")
    static final class VcpuList implements Callable<Integer> {
        @ParentCommand
        private XlCommand xl;

        @Parameters(arity = "0..*", paramLabel = "DOMAIN")
        private List<String> domains = new ArrayList<>();

        @Override
        public Integer call() {
            List<Integer> ids = new ArrayList<>();
            if (domains.isEmpty()) {
                xl.host.list().forEach(d -> ids.add(d.domid()));
            } else {
                for (String q : domains) {
                    int domid = xl.domain(q, "vcpu-list");
                    if (domid < 0) {
                        return 1;
                    }
                    ids.add(domid);
                }
            }
            StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-32s %5s %5s %5s %5s %9s %s%n",
                    "Name", "ID", "VCPU", "CPU", "State", "Time(s)", "Affinity (Hard / Soft)"));
            for (int domid : ids) {
                for (XlHost.VcpuInfo v : xl.host.vcpus(domid)) {
                    sb.append(String.format(Locale.ROOT, "%-32s %5d %5d", v.name(), v.domid(), v.vcpu()));
                    if (!v.online()) {
                        sb.append(String.format(Locale.ROOT, "%5c %3c%cp ", '-', '-', '-'));
                    } else {
                        sb.append(String.format(Locale.ROOT, "%5d %3c%c%c ", v.vcpu(), v.running() ? 'r' : '-',
                                v.blocked() ? 'b' : '-', v.paused() ? 'p' : '-'));
                    }
                    sb.append(String.format(Locale.ROOT, "%9.1f  all / all%n", v.cpuSeconds()));
                }
            }
            xl.out.print(sb);
            return 0;
        }
    }
}
