package dev.jxen.toolstack.xl;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.LinkedBlockingQueue;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** xl's commands that act on one domain: destroy, shutdown, reboot, pause, unpause, console, domid, domname. */
final class DomainCommands {
    private DomainCommands() {
    }

    @Command(name = "destroy", description = "Terminate a domain immediately.")
    static final class Destroy implements Callable<Integer> {
        @ParentCommand
        private XlCommand xl;

        @Option(names = "-f", description = "allow Domain-0 (refused all the same: jxend is Domain-0)")
        private boolean force;

        @Parameters(paramLabel = "DOMAIN")
        private String domain;

        @Override
        public Integer call() {
            int domid = xl.domain(domain, "destroy");
            if (domid < 0) {
                return 1;
            }
            if (domid == XlHost.DOM0) {
                if (!force) {
                    xl.err.print("Not destroying domain 0; use -f to force.\n"
                            + "This can only be done when using a disaggregated hardware domain and toolstack.\n\n");
                } else {
                    xl.err.println("destroy failed (rc=-3): Domain-0 is the jxend daemon itself (stop it to end everything)");
                }
                return 1;
            }
            if (!xl.host.destroy(domid)) {
                xl.err.println("destroy failed (rc=-21)");
                return 1;
            }
            return 0;
        }
    }

    /**
     * xl shutdown and xl reboot: the PV control protocol. The request is written to the guest's
     * xenstore control/shutdown and xl returns; the guest acts on it or not (a guest without PV
     * control drivers never does, and -w then waits until the domain is destroyed, as on Xen).
     */
    abstract static class ShutdownOrReboot implements Callable<Integer> {
        @ParentCommand
        XlCommand xl;

        @Option(names = {"-w", "--wait"}, description = "wait until each domain has shut down or is destroyed")
        boolean waitForIt;

        @Option(names = {"-a", "--all"}, description = "every domain but Domain-0")
        boolean all;

        @Option(names = "-F", description = "fall back to an ACPI button event when the guest has no PV control"
                + " (only HVM guests lack it: a PV domain, as all of jxen's, always has it, so this changes nothing)")
        boolean fallback;

        @Parameters(arity = "0..1", paramLabel = "DOMAIN")
        String domain;

        abstract ShutdownReason reason();

        @Override
        public Integer call() throws InterruptedException {
            boolean reboot = reason() == ShutdownReason.REBOOT;
            String what = reboot ? "reboot" : "shutdown";
            List<Integer> targets = new ArrayList<>();
            if (all) {
                for (XlHost.DomainInfo d : xl.host.list()) {
                    if (d.domid() != XlHost.DOM0) {
                        targets.add(d.domid());
                    }
                }
            } else if (domain == null) {
                xl.err.print("You must specify -a or a domain id.\n\n");
                return 1;
            } else if (domain.matches("[0-9]+") && xl.host.find(domain) < 0) {
                // xl takes a number as a domid unchecked; libxl then finds no such domain.
                xl.err.println("libxl: error: unable to get domain type for domid=" + domain);
                xl.err.println(what + " failed (rc=-3)");
                return 1;
            } else {
                int domid = xl.domain(domain, what);
                if (domid < 0) {
                    return 1;
                }
                if (domid == XlHost.DOM0) {
                    xl.err.println(what + " failed: Domain-0 is the jxend daemon itself (stop it to end everything)");
                    return 1;
                }
                targets.add(domid);
            }
            // Reported as they happen, as xl reports its domain-death events.
            BlockingQueue<String> reports = new LinkedBlockingQueue<>();
            for (int domid : targets) {
                xl.err.println((reboot ? "Rebooting" : "Shutting down") + " domain " + domid);
                // Watched before asking: a guest quick to power off (and be destroyed by its
                // on_poweroff) is still reported with its reason.
                var ended = waitForIt ? xl.host.whenShutdown(domid) : null;
                try {
                    xl.host.requestShutdown(domid, reason());
                } catch (UserError e) {
                    xl.err.println("libxl: error: " + e.getMessage());
                    xl.err.println(what + " failed (rc=-3)");
                    return 1;
                }
                if (ended != null) {
                    ended.thenAccept(r -> reports.add(r == null
                            ? "Domain " + domid + " has been destroyed"
                            : "Domain " + domid + " has been shut down, reason code " + r.code()));
                }
            }
            if (waitForIt) {
                xl.err.println("Waiting for " + targets.size() + " domains");
                for (int reported = 0; reported < targets.size(); ) {
                    String report = reports.poll(250, java.util.concurrent.TimeUnit.MILLISECONDS);
                    if (report != null) {
                        xl.err.println(report);
                        reported++;
                    } else if (xl.session.clientGone()) {
                        return 1; // the xl that waited was killed: nobody to tell any more
                    }
                }
            }
            return 0;
        }
    }

    @Command(name = "shutdown", description = "Issue a shutdown signal to a domain.")
    static final class Shutdown extends ShutdownOrReboot {
        @Override
        ShutdownReason reason() {
            return ShutdownReason.POWEROFF;
        }
    }

    @Command(name = "reboot", description = "Issue a reboot signal to a domain.")
    static final class Reboot extends ShutdownOrReboot {
        @Override
        ShutdownReason reason() {
            return ShutdownReason.REBOOT;
        }
    }

    @Command(name = "pause", description = "Pause execution of a domain.")
    static final class Pause implements Callable<Integer> {
        @ParentCommand
        private XlCommand xl;

        @Parameters(paramLabel = "DOMAIN")
        private String domain;

        @Override
        public Integer call() {
            int domid = xl.domain(domain, "pause");
            if (domid == XlHost.DOM0) {
                xl.err.println("pause failed: Domain-0 is the jxend daemon itself");
                return 1;
            }
            return domid < 0 || !xl.host.pause(domid) ? 1 : 0;
        }
    }

    @Command(name = "unpause", description = "Unpause a paused domain.")
    static final class Unpause implements Callable<Integer> {
        @ParentCommand
        private XlCommand xl;

        @Parameters(paramLabel = "DOMAIN")
        private String domain;

        @Override
        public Integer call() {
            int domid = xl.domain(domain, "unpause");
            if (domid == XlHost.DOM0) {
                return 0;
            }
            return domid < 0 || !xl.host.unpause(domid) ? 1 : 0;
        }
    }

    @Command(name = "console", description = "Attach to domain's console (Ctrl-] detaches).")
    static final class Console implements Callable<Integer> {
        @ParentCommand
        private XlCommand xl;

        @Option(names = "-t", paramLabel = "TYPE", description = "pv or serial (a PV domain has its PV console)")
        private String type;

        @Option(names = "-n", paramLabel = "NUM", description = "console number (only 0)")
        private int number;

        @Option(names = {"-r", "--read-only"}, description = "read-only: watch the output, type nothing (any number of these may attach)")
        private boolean readOnly;

        @Parameters(paramLabel = "DOMAIN")
        private String domain;

        @Override
        public Integer call() throws UserError, InterruptedException {
            int domid = xl.domain(domain, "console");
            if (domid < 0) {
                return 1;
            }
            if (domid == XlHost.DOM0) {
                throw new UserError("Domain-0 has no console here: it is the jxend daemon (its log: xl dmesg)");
            }
            if (number != 0 || type != null && !type.equals("pv") && !type.equals("serial")) {
                throw new UserError("console: domain " + domid + " has only its PV console (-t pv -n 0)");
            }
            XlHost.Outcome ended = xl.host.outcome(domid, 0);
            if (ended != null) {
                throw new UserError("console: domain " + domid + " has shut down: its console is closed");
            }
            xl.session.attachConsole(domid, false, readOnly);
            return 0;
        }
    }

    @Command(name = "domid", description = "Convert a domain name to domain id.")
    static final class Domid implements Callable<Integer> {
        @ParentCommand
        private XlCommand xl;

        @Parameters(paramLabel = "NAME")
        private String name;

        @Override
        public Integer call() {
            int domid = xl.host.find(name);
            if (domid < 0 || name.matches("[0-9]+") && !name.equals("0")) {
                // xl looks the argument up as a name only
                domid = -1;
                for (XlHost.DomainInfo d : xl.host.list()) {
                    if (d.name().equals(name)) {
                        domid = d.domid();
                    }
                }
            }
            if (domid < 0) {
                xl.err.println("Can't get domid of domain name '" + name + "', maybe this domain does not exist.");
                return 1;
            }
            xl.out.println(domid);
            return 0;
        }
    }

    @Command(name = "domname", description = "Convert a domain id to domain name.")
    static final class Domname implements Callable<Integer> {
        @ParentCommand
        private XlCommand xl;

        @Parameters(paramLabel = "DOMID")
        private String id;

        @Override
        public Integer call() {
            if (!id.matches("[0-9]+")) {
                xl.err.print("Invalid domain id.\n\n");
                return 1;
            }
            for (XlHost.DomainInfo d : xl.host.list()) {
                if (Integer.toString(d.domid()).equals(id.replaceFirst("^0+(?=.)", ""))) {
                    xl.out.println(d.name());
                    return 0;
                }
            }
            xl.err.println("Can't get domain name of domain id '" + id + "', maybe this domain does not exist.");
            return 1;
        }
    }

    /**
     * Hidden: how a domain whose console xl create -c followed ended. Prints the crash report and
     * xl's line, and exits with the reason's status, or attaches the console of the restarted domain.
     */
    @Command(name = "_outcome", hidden = true)
    static final class Outcome implements Callable<Integer> {
        @ParentCommand
        private XlCommand xl;

        @Option(names = "-q")
        private boolean quiet;

        @Parameters(paramLabel = "DOMID")
        private int domid;

        @Override
        public Integer call() throws InterruptedException {
            XlHost.Outcome o = xl.host.outcome(domid, 10_000);
            if (o == null) {
                return 0; // still running: the console was closed some other way
            }
            if (o.crashReport() != null) {
                xl.err.print(o.crashReport().endsWith("\n") ? o.crashReport() : o.crashReport() + "\n");
            }
            if (o.reason() == null) {
                if (!quiet) {
                    xl.err.println("xl: domain '" + o.name() + "' was destroyed");
                }
                return 0;
            }
            if (o.restartedAs() >= 0) {
                if (!quiet) {
                    xl.err.println("xl: domain '" + o.name() + "' " + CreateCommand.pastTense(o.reason())
                            + ": restarting it (on_" + o.reason().xlName() + " = " + o.action() + ")");
                }
                xl.session.attachConsole(o.restartedAs(), false);
                return 0;
            }
            if (!quiet && o.reason() != ShutdownReason.POWEROFF) {
                xl.err.println("xl: domain '" + o.name() + "' " + CreateCommand.pastTense(o.reason())
                        + " (exit status " + o.reason().exitStatus() + ")");
            }
            return o.reason().exitStatus();
        }
    }
}
