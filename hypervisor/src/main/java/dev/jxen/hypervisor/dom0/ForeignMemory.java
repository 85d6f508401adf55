package dev.jxen.hypervisor.dom0;

import dev.jxen.abi.XenErrno;
import dev.jxen.hypervisor.Hypervisor;
import dev.jxen.machine.MachineMemory;
import java.lang.foreign.MemorySegment;

/**
 * Maps a guest's frames into the control domain, as libxenforeignmemory does for a privileged
 * process: the toolstack and xenstored map a PV guest's store and console pages this way. For a
 * PV guest a GFN is the machine frame number. The mapping is the frame itself (4 KiB segment over
 * machine memory), valid while the domain owns it.
 *
 * <p>Writes through a mapping bypass the engine's code-frame tracking: map data pages (rings),
 * not code.
 */
public final class ForeignMemory {
    private final Hypervisor hypervisor;

    public ForeignMemory(Hypervisor hypervisor) {
        this.hypervisor = hypervisor;
    }

    /**
     * Maps frame {@code gfn} of domain {@code domid}.
     *
     * @throws Dom0Exception ESRCH when the domain does not exist, EINVAL when the domain does not
     *     own the frame
     */
    public MemorySegment map(int domid, long gfn) {
        if (hypervisor.domain(domid).isEmpty()) {
            throw new Dom0Exception(XenErrno.ESRCH, "no domain " + domid);
        }
        MachineMemory memory = hypervisor.memory();
        if (!memory.isValidFrame(gfn) || hypervisor.frames().owner(gfn) != domid) {
            throw new Dom0Exception(XenErrno.EINVAL, "frame 0x" + Long.toHexString(gfn) + " is not domain " + domid + "'s");
        }
        return memory.frame(gfn);
    }
}
