package dev.jxen.toolstack.boot;

import dev.jxen.builder.BootLayout;
import dev.jxen.builder.KernelImage;
import dev.jxen.hypervisor.CrashReport;
import dev.jxen.hypervisor.Domain;
import dev.jxen.hypervisor.DomainExit;
import dev.jxen.hypervisor.Hypervisor;
import dev.jxen.machine.CpuState;
import dev.jxen.machine.MachineMemory;
import dev.jxen.toolstack.xl.DomainStoreEntries;
import dev.jxen.toolstack.xl.PvBoot;
import dev.jxen.x86.X86Engine;
import dev.jxen.xenstore.Xenstored;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * Boots one real PV image the way {@code xl create} does (builder, hypervisor, x86 engine) and
 * watches it until a condition holds, the domain ends, or a time limit passes; then the domain is
 * destroyed. The outcome says where the guest was: its console, its exit (with the crash report)
 * or, when still running, RIP (with the kernel's symbol when it has symbols) and registers.
 *
 * <p>With {@code JXEN_BOOT_PROFILE=1} in the environment it also samples vCPU 0's RIP every
 * millisecond and prints the hottest addresses (the engine publishes RIP between run budgets, so a
 * hot loop shows as one address in it).
 */
final class RealBoot {
    /** Frames beyond the guest's own: the hypervisor's M2P, shared_info and spare room. */
    private static final long OVERHEAD_FRAMES = 4096;
    /** xenstore_domain_interface.req_prod and rsp_prod (io/xs_wire.h). */
    private static final int XS_REQ_PROD = 2052, XS_RSP_PROD = 2060;
    private static final boolean PROFILE = "1".equals(System.getenv("JXEN_BOOT_PROFILE"));
    private static final String[] GPRS = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
        "r8 ", "r9 ", "r10", "r11", "r12", "r13", "r14", "r15"};

    /**
     * What the guest has shown so far: its console and the bytes it has put in its xenstore ring;
     * {@link #type} sends keyboard input to its console.
     */
    record Progress(String console, int storeRequestBytes, Domain domain) {
        void type(String keys) {
            domain.sendConsoleInput(keys.getBytes(StandardCharsets.ISO_8859_1));
        }
    }

    /** What a boot showed. {@code exit} is null when the domain was still running at the end. */
    record Outcome(String console, DomainExit exit, String where, long hypercalls, long millis,
                   int storeRequestBytes, int storeReplyBytes, String firstStoreRequest) {
        /** A few lines for assertion messages: how the boot ended and the console's tail. */
        String describe() {
            String tail = console.length() > 3000 ? "..." + console.substring(console.length() - 3000) : console;
            return "after " + millis + " ms, " + hypercalls + " hypercalls, " + storeRequestBytes
                    + " bytes of xenstore requests (" + storeReplyBytes + " bytes of replies"
                    + (firstStoreRequest == null ? "" : "; the first: " + firstStoreRequest) + "): "
                    + (exit == null ? "still running at " + where : "ended " + exit.reason()
                    + (exit.crashReport() != null ? "\n" + exit.crashReport() : ""))
                    + "\n--- console ---\n" + tail + "\n--- end of console ---";
        }

        /** Writes the whole console and the outcome to {@code target/real-boot/NAME.console}. */
        void save(String name) throws IOException {
            Path dir = Path.of("target", "real-boot");
            Files.createDirectories(dir);
            Files.writeString(dir.resolve(name + ".console"), console + "\n=== " + describe() + "\n",
                    StandardCharsets.ISO_8859_1);
        }
    }

    private RealBoot() {
    }

    /**
     * Boots {@code image} with {@code memoryMiB} of RAM and {@code cmdline}, and returns once
     * {@code done} holds, the domain ends or {@code limit} passes. With {@code serveStore} a real
     * {@link Xenstored} serves the guest's store ring, with the entries the toolstack writes
     * ({@link DomainStoreEntries}); without it nobody answers.
     */
    static Outcome boot(Path image, String cmdline, int memoryMiB, Duration limit, boolean serveStore,
            Predicate<Progress> done) throws Exception {
        return boot(image, null, cmdline, memoryMiB, limit, serveStore, done);
    }

    /** As above, with {@code ramdisk} (an initrd / initramfs image, or null) as the boot module. */
    static Outcome boot(Path image, byte[] ramdisk, String cmdline, int memoryMiB, Duration limit, boolean serveStore,
            Predicate<Progress> done) throws Exception {
        return boot(image, ramdisk, cmdline, memoryMiB, limit, serveStore, (xs, domid) -> { }, done);
    }

    /** What a test adds to xenstored (watches, nodes) once the domain is introduced, before it starts. */
    interface StoreSetup {
        void prepare(Xenstored xenstored, int domid);
    }

    /** As above, with {@code storeSetup} run before the domain starts (when {@code serveStore}). */
    static Outcome boot(Path image, byte[] ramdisk, String cmdline, int memoryMiB, Duration limit, boolean serveStore,
            StoreSetup storeSetup, Predicate<Progress> done) throws Exception {
        KernelImage kernel = KernelImage.load(image);
        long pages = (long) memoryMiB << 8;
        StringBuffer console = new StringBuffer();
        try (MachineMemory memory = MachineMemory.allocate((pages + pages / 256 + OVERHEAD_FRAMES) << 12);
                Hypervisor hv = new Hypervisor(memory, new X86Engine());
                Xenstored xenstored = serveStore ? new Xenstored(hv) : null) {
            Domain d = hv.createDomain(image.getFileName().toString(), pages);
            PvBoot.Prepared boot = PvBoot.prepare(d, kernel, ramdisk, cmdline,
                    (b, o, l) -> console.append(new String(b, o, l, StandardCharsets.ISO_8859_1)));
            BootLayout layout = boot.layout();
            int storePort = boot.storePort();
            if (xenstored != null) {
                DomainStoreEntries.writeDom0(xenstored.dom0());
                DomainStoreEntries.write(xenstored.dom0(), new DomainStoreEntries.Domain(d.id(), d.name(),
                        UUID.randomUUID().toString(), (long) memoryMiB << 10, (long) memoryMiB << 10, 1, layout.storeMfn(), storePort,
                        layout.consoleMfn(), boot.consolePort()));
                xenstored.introduceDomain(d.id(), layout.storeMfn(), storePort);
                storeSetup.prepare(xenstored, d.id());
            }
            long storeReqProd = (layout.storeMfn() << MachineMemory.PAGE_SHIFT) + XS_REQ_PROD;
            Map<String, Integer> samples = new HashMap<>();
            long t0 = System.nanoTime();
            long deadline = t0 + limit.toNanos();
            d.start();
            DomainExit exit = null;
            try {
                while (!done.test(new Progress(console.toString(), memory.read32(storeReqProd), d))) {
                    if (PROFILE) {
                        sample(d, layout.symbols(), samples);
                    }
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        break;
                    }
                    long wait = PROFILE ? 1_000_000L : 20_000_000L;
                    try {
                        exit = d.exit().get(Math.min(left, wait), TimeUnit.NANOSECONDS);
                        break;
                    } catch (TimeoutException e) {
                        // still running: look again
                    }
                }
                return new Outcome(console.toString(), exit, where(d.vcpu(0).state(), layout.symbols()),
                        d.vcpu(0).hypercallCount(), (System.nanoTime() - t0) / 1_000_000,
                        memory.read32(storeReqProd), memory.read32(storeReqProd - XS_REQ_PROD + XS_RSP_PROD),
                        firstRequest(memory, layout.storeMfn()));
            } finally {
                if (PROFILE) {
                    printProfile(samples);
                }
                d.destroy();
                d.awaitStopped(5_000);
            }
        }
    }

    /** The first request in the xenstore ring as {@code type N "path..."}, or null when there is none yet. */
    private static String firstRequest(MachineMemory memory, long storeMfn) {
        long page = storeMfn << MachineMemory.PAGE_SHIFT;
        if (memory.read32(page + XS_REQ_PROD) < 16) {
            return null;
        }
        int type = memory.read32(page);
        int len = Math.min(memory.read32(page + 12), 1024 - 16);
        byte[] payload = new byte[Math.max(0, len)];
        memory.read(page + 16, payload, 0, payload.length);
        return "type " + type + " \"" + new String(payload, StandardCharsets.ISO_8859_1).replace("\0", "\\0") + "\"";
    }

    private static void sample(Domain d, NavigableMap<Long, String> symbols, Map<String, Integer> samples) {
        long rip = d.vcpu(0).state().rip();
        String sym = CrashReport.symbolize(symbols, rip);
        String fn = sym == null ? "0x" + Long.toHexString(rip) : sym.replaceAll("\\+0x[0-9a-f]+$", "");
        samples.merge(fn, 1, Integer::sum);
    }

    private static void printProfile(Map<String, Integer> samples) {
        int total = samples.values().stream().mapToInt(Integer::intValue).sum();
        System.out.println("profile: " + total + " samples");
        samples.entrySet().stream().sorted((a, b) -> b.getValue() - a.getValue()).limit(25)
                .forEach(e -> System.out.printf("  %5.1f%%  %s%n", 100.0 * e.getValue() / total, e.getKey()));
    }

    /** RIP (with its symbol) and the registers, read from outside the vCPU thread: a snapshot. */
    private static String where(CpuState s, NavigableMap<Long, String> symbols) {
        long rip = s.rip();
        String sym = CrashReport.symbolize(symbols, rip);
        StringBuilder b = new StringBuilder("rip 0x" + Long.toHexString(rip) + (sym == null ? "" : " <" + sym + ">"));
        for (int r = 0; r < 16; r++) {
            b.append(r % 4 == 0 ? "\n  " : "  ").append(GPRS[r]).append(String.format(" %016x", s.gpr(r)));
        }
        return b.toString();
    }
}
