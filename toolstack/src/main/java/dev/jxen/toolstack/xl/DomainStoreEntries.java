package dev.jxen.toolstack.xl;

import dev.jxen.toolstack.config.DomainConfig;
import dev.jxen.xenstore.XsClient;
import dev.jxen.xenstore.Xenstored;
import dev.jxen.xenstore.XsException;
import dev.jxen.xenstore.XsOperations;
import dev.jxen.xenstore.XsPermission;
import dev.jxen.xenstore.XsTransaction;
import java.util.Locale;

/**
 * The xenstore entries the toolstack writes for a PV domain, as libxl writes them
 * (libxl__domain_make, libxl__build_post, the primary console device): its home
 * {@code /local/domain/N} readable by the domain, the few nodes the guest may write (control/shutdown
 * and the feature flags, data/, drivers/, feature/, attr/, error/), {@code /vm/<uuid>} and
 * {@code /libxl/N}. Written in one transaction, retried on EAGAIN as libxl does.
 */
public final class DomainStoreEntries {
    /** What libxl gives the console backend: a 1 MiB output buffer limit. */
    private static final String CONSOLE_LIMIT = "1048576";

    /** One domain's facts that the entries hold: memory/target is {@code memoryKiB}, memory/static-max {@code maxMemoryKiB}. */
    public record Domain(int domid, String name, String uuid, long memoryKiB, long maxMemoryKiB, int vcpus,
                         long storeMfn, int storePort, long consoleMfn, int consolePort) {
    }

    private DomainStoreEntries() {
    }

    /** Writes dom0's own entries, as xen-init-dom0 does: its name and domid. */
    public static void writeDom0(XsClient xs) {
        xs.write("/local/domain/0/name", "Domain-0");
        xs.write("/local/domain/0/domid", "0");
    }

    /**
     * As libxl before a domain built from {@code cfg} (as {@code prepared}) runs: its entries,
     * then XS_INTRODUCE, so that xenstored serves its ring.
     */
    public static void introduce(Xenstored xenstored, int domid, DomainConfig cfg, String uuid, PvBoot.Prepared prepared) {
        write(xenstored.dom0(), new Domain(domid, cfg.name(), uuid, cfg.memoryMiB() << 10, cfg.maxmemMiB() << 10,
                cfg.vcpus(), prepared.layout().storeMfn(), prepared.storePort(), prepared.layout().consoleMfn(),
                prepared.consolePort()));
        xenstored.introduceDomain(domid, prepared.layout().storeMfn(), prepared.storePort());
    }

    /** Writes the domain's entries (replacing any left from an earlier domain with its domid). */
    public static void write(XsClient xs, Domain d) {
        while (true) {
            try (XsTransaction t = xs.transactionStart()) {
                write(t, d);
                if (t.commit()) {
                    return;
                }
            }
        }
    }

    private static void write(XsTransaction t, Domain d) {
        int n = d.domid();
        String dom = "/local/domain/" + n;
        String vm = "/vm/" + d.uuid().toLowerCase(Locale.ROOT);
        String libxl = "/libxl/" + n;
        // libxl's three permission sets: read-only to the guest, its own, and dom0's alone.
        XsPermission[] ro = {XsPermission.none(0), XsPermission.read(n)};
        XsPermission[] rw = {XsPermission.none(n)};
        XsPermission[] dom0Only = {XsPermission.none(0)};

        rmIfPresent(t, dom);
        node(t, dom, "", ro); // everything written below inherits these
        rmIfPresent(t, vm);
        node(t, vm, "", ro);
        node(t, libxl, "", dom0Only);
        t.write(libxl + "/type", "pv");

        t.write(dom + "/vm", vm);
        t.write(dom + "/name", d.name());
        t.write(dom + "/domid", Integer.toString(n));
        t.write(dom + "/memory/static-max", Long.toString(d.maxMemoryKiB()));
        t.write(dom + "/memory/target", Long.toString(d.memoryKiB()));
        for (int cpu = 0; cpu < d.vcpus(); cpu++) {
            t.write(dom + "/cpu/" + cpu + "/availability", "online");
        }
        t.write(dom + "/store/port", Integer.toString(d.storePort()));
        t.write(dom + "/store/ring-ref", Long.toString(d.storeMfn()));

        t.write(dom + "/console/backend", "/local/domain/0/backend/console/" + n + "/0");
        t.write(dom + "/console/backend-id", "0");
        t.write(dom + "/console/limit", CONSOLE_LIMIT);
        t.write(dom + "/console/type", "xenconsoled");
        t.write(dom + "/console/output", "pty");
        t.write(dom + "/console/tty", "");
        t.write(dom + "/console/port", Integer.toString(d.consolePort()));
        t.write(dom + "/console/ring-ref", Long.toString(d.consoleMfn()));

        t.write(dom + "/control/platform-feature-multiprocessor-suspend", "1");
        t.write(dom + "/control/platform-feature-xs_reset_watches", "1");
        // The guest answers shutdown requests here and announces what it supports.
        for (String c : new String[] {"shutdown", "feature-poweroff", "feature-reboot", "feature-suspend", "sysrq"}) {
            node(t, dom + "/control/" + c, "", rw);
        }
        for (String dir : new String[] {"data", "drivers", "feature", "attr", "error"}) {
            node(t, dom + "/" + dir, "", rw);
        }
        node(t, dom + "/device", "", ro);
        node(t, dom + "/device/suspend/event-channel", "", rw);

        t.write(vm + "/uuid", d.uuid().toLowerCase(Locale.ROOT));
        t.write(vm + "/name", d.name());
        t.write(vm + "/image/ostype", "linux");
        t.write(vm + "/start_time", String.format(Locale.ROOT, "%.2f", System.currentTimeMillis() / 1000.0));
    }

    /** Removes the domain's entries, as libxl does when the domain is destroyed. */
    public static void remove(XsClient xs, int domid, String uuid) {
        rmIfPresent(xs, "/local/domain/" + domid);
        rmIfPresent(xs, "/vm/" + uuid.toLowerCase(Locale.ROOT));
        rmIfPresent(xs, "/libxl/" + domid);
    }

    /** RM, where a missing parent (ENOENT) also means there is nothing to remove. */
    private static void rmIfPresent(XsOperations xs, String path) {
        try {
            xs.rm(path);
        } catch (XsException e) {
            if (!e.error().equals("ENOENT")) {
                throw e;
            }
        }
    }

    /** libxl__xs_mknod: a node with a value and permissions. */
    private static void node(XsTransaction t, String path, String value, XsPermission[] perms) {
        t.write(path, value);
        t.setPerms(path, perms);
    }
}
