package dev.jxen.hypervisor;

import dev.jxen.abi.SharedInfo;
import dev.jxen.machine.MachineMemory;
import java.time.Instant;

/** Initial contents of a domain's shared_info page (PV-ABI.md §1.6, §6). */
final class SharedPage {
    private SharedPage() {
    }

    static void init(Domain d) {
        MachineMemory mem = d.machine();
        long si = d.sharedInfoMachineAddress();
        mem.zeroFrame(d.sharedInfoMfn());
        for (int i = 0; i < SharedInfo.LEGACY_MAX_VCPUS; i++) {
            mem.write8(si + (long) i * SharedInfo.VCPU_INFO_SIZE + SharedInfo.VI_UPCALL_MASK, (byte) 1);
        }
        Instant boot = d.hypervisor().bootInstant();
        int version = mem.read32(si + SharedInfo.WC_VERSION);
        mem.write32(si + SharedInfo.WC_VERSION, (version + 1) | 1);
        mem.write32(si + SharedInfo.WC_SEC, (int) boot.getEpochSecond());
        mem.write32(si + SharedInfo.WC_NSEC, boot.getNano());
        mem.write32(si + SharedInfo.WC_SEC_HI, (int) (boot.getEpochSecond() >>> 32));
        mem.write32(si + SharedInfo.WC_VERSION, (version + 2) & ~1);
    }
}
