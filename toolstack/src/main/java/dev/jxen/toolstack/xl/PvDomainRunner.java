package dev.jxen.toolstack.xl;

import dev.jxen.builder.BadImageException;
import dev.jxen.builder.BuildException;
import dev.jxen.builder.KernelImage;
import dev.jxen.hypervisor.ConsoleSink;
import dev.jxen.hypervisor.Domain;
import dev.jxen.hypervisor.DomainExit;
import dev.jxen.hypervisor.Hypervisor;
import dev.jxen.machine.MachineMemory;
import dev.jxen.toolstack.config.DomainConfig;
import dev.jxen.x86.X86Engine;
import dev.jxen.xenstore.Xenstored;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.ExecutionException;

/**
 * Runs a PV domain on jxen: loads the kernel (builder), creates the domain (hypervisor), lays it
 * out, sets vCPU 0's entry state, pins the boot page tables, starts it with its console on the
 * given stream, and waits for it to end. Each run has its own machine memory, hypervisor and
 * xenstored (with the domain's entries, introduced before it starts), so a restarted domain starts
 * from scratch.
 */
public final class PvDomainRunner implements DomainRunner {
    /** Frames beyond the guest's own: the hypervisor's M2P table, shared_info, spare room. */
    private static final long OVERHEAD_FRAMES = 4096;
    private static final long PAGES_PER_MIB = (1 << 20) / MachineMemory.PAGE_SIZE;

    @Override
    public Outcome run(DomainConfig cfg, OutputStream console, ConsoleInput input) throws UserError, InterruptedException {
        KernelImage kernel = loadKernel(cfg.kernel());
        byte[] ramdisk = cfg.ramdisk() == null ? null : readRamdisk(cfg.ramdisk());
        checkHostMemory(cfg);
        long pages = cfg.memoryMiB() * PAGES_PER_MIB;
        long machineFrames = pages + pages / 256 + OVERHEAD_FRAMES;
        try (MachineMemory memory = MachineMemory.allocate(machineFrames * MachineMemory.PAGE_SIZE);
                Hypervisor hypervisor = new Hypervisor(memory, new X86Engine());
                Xenstored xenstored = new Xenstored(hypervisor)) {
            // vCPU 0 starts; the guest brings the others up with VCPUOP_up, as on Xen.
            Domain domain = hypervisor.createDomain(cfg.name(), pages, cfg.maxvcpus());
            try {
                boot(domain, kernel, ramdisk, cfg, console, xenstored);
                input.attach(domain::sendConsoleInput);
                DomainExit exit = domain.exit().get();
                return new Outcome(reason(exit), exit.crashReport());
            } finally {
                input.detach();
                domain.destroy();
                if (xenstored.isIntroduced(domain.id())) {
                    xenstored.releaseDomain(domain.id());
                }
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("domain " + cfg.name() + " ended abnormally", e.getCause());
        }
    }

    private static void boot(Domain domain, KernelImage kernel, byte[] ramdisk, DomainConfig cfg, OutputStream console,
            Xenstored xenstored) throws UserError {
        PvBoot.Prepared prepared;
        try {
            prepared = PvBoot.prepare(domain, kernel, ramdisk, cfg.cmdline(), ConsoleSink.of(console));
        } catch (BuildException e) {
            throw new UserError(e.getMessage()); // the builder names the kernel file
        }
        String uuid = cfg.uuid() != null ? cfg.uuid() : UUID.randomUUID().toString();
        DomainStoreEntries.writeDom0(xenstored.dom0());
        DomainStoreEntries.introduce(xenstored, domain.id(), cfg, uuid, prepared);
        domain.start();
    }

    /**
     * Refuses a domain larger than the memory the host has available, as xl does when Xen has too
     * little free memory: guest frames are real host memory once touched, and running out would
     * have the kernel kill the whole JVM.
     */
    public static void checkHostMemory(DomainConfig cfg) throws UserError {
        long availableMiB = hostAvailableMiB();
        if (availableMiB > 0 && cfg.memoryMiB() > availableMiB) {
            throw new UserError("domain '" + cfg.name() + "'", "memory = " + cfg.memoryMiB()
                    + " MiB is more than the host has available (" + availableMiB + " MiB)");
        }
    }

    /** MemAvailable from /proc/meminfo in MiB, or -1 when unknown (not Linux). */
    static long hostAvailableMiB() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemAvailable:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // fall through: no check
        }
        return -1;
    }

    public static KernelImage loadKernel(String path) throws UserError {
        try {
            return KernelImage.load(Path.of(path));
        } catch (BadImageException e) {
            throw new UserError(e.getMessage());
        }
    }

    public static byte[] readRamdisk(String path) throws UserError {
        try {
            return Files.readAllBytes(Path.of(path));
        } catch (NoSuchFileException e) {
            throw new UserError(path, "no such file (ramdisk)");
        } catch (AccessDeniedException e) {
            throw new UserError(path, "permission denied (ramdisk)");
        } catch (IOException e) {
            throw new UserError(path, "cannot read the ramdisk: " + e.getMessage());
        }
    }

    static ShutdownReason reason(DomainExit exit) {
        ShutdownReason r = ShutdownReason.of(exit.reason());
        // Destroyed (null): nobody but this runner destroys the domain while it runs.
        return r == null ? ShutdownReason.CRASH : r;
    }
}
