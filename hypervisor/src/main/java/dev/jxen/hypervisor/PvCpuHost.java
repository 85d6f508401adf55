package dev.jxen.hypervisor;

import dev.jxen.machine.CpuHost;
import dev.jxen.machine.Engine;

/**
 * What the engine asks the hypervisor while a PV vCPU runs: CPUID answers with Xen's PV policy
 * (PV-ABI.md §5: the emulated CPU's features, the hypervisor bit, no PGE/PSE/1 GiB pages/APIC, and
 * Xen's leaves at 0x40000000), the guest TSC, and descriptors from the guest's GDT/LDT plus Xen's
 * flat selectors 0xE023/0xE02B/0xE033.
 */
final class PvCpuHost implements CpuHost {
    /** Xen's reserved GDT entries 7172..7174: 32-bit code, flat data, 64-bit code, all DPL 3. */
    static final int FLAT_CS32 = 0xE023, FLAT_DS = 0xE02B, FLAT_CS64 = 0xE033;
    static final long DESC_CS32 = 0x00CF_FB00_0000_FFFFL, DESC_DS = 0x00CF_F300_0000_FFFFL,
            DESC_CS64 = 0x00AF_FB00_0000_FFFFL;
    /** First reserved GDT entry (selector 0xE000). */
    static final int RESERVED_GDT_ENTRY = 7168;

    /** CPUID.1 ECX: the hypervisor bit. */
    static final int HYPERVISOR = 1 << 31;
    /** CPUID.80000001 EDX: 1 GiB pages. */
    static final int PAGE1GB = 1 << 26;
    static final int XEN_LEAF_BASE = 0x4000_0000;

    private final Vcpu vcpu;

    PvCpuHost(Vcpu vcpu) {
        this.vcpu = vcpu;
    }

    @Override
    public void cpuid(int leaf, int subleaf, int[] out) {
        policy(vcpu.domain().hypervisor().engine(), leaf, subleaf, vcpu.id(), out);
    }

    /**
     * The PV CPUID policy, shared by plain and forced-emulation CPUID: the engine's own CPU model
     * (so nothing is advertised that it cannot execute) with the hypervisor bit, the vCPU's APIC id,
     * and Xen's leaves at 0x40000000.
     */
    static void policy(Engine engine, int leaf, int subleaf, int vcpuId, int[] out) {
        out[0] = out[1] = out[2] = out[3] = 0;
        switch (leaf) {
            case 0, 0x8000_0000, 0x8000_0008 -> engine.cpuid(leaf, subleaf, out);
            case 0x8000_0001 -> {
                engine.cpuid(leaf, subleaf, out);
                out[3] &= ~PAGE1GB; // PV guests never get 1 GiB pages
            }
            case 1 -> {
                engine.cpuid(leaf, subleaf, out);
                out[1] = (out[1] & 0x00FF_FFFF) | (vcpuId << 24);
                out[2] |= HYPERVISOR;
            }
            case XEN_LEAF_BASE -> {
                out[0] = XEN_LEAF_BASE + 5;
                out[1] = 0x566E_6558; // "XenV"
                out[2] = 0x65584D4D; // "MMXe"
                out[3] = 0x4D4D_566E; // "nVMM"
            }
            case XEN_LEAF_BASE + 1 -> out[0] = (4 << 16) | 17;
            case XEN_LEAF_BASE + 2 -> {
                out[0] = 1;
                out[1] = XEN_LEAF_BASE;
                out[2] = 1; // MMU_PT_UPDATE_PRESERVE_AD
            }
            case XEN_LEAF_BASE + 3 -> {
                if (subleaf == 0) {
                    out[0] = 0; // TSC mode: default
                    out[2] = (int) (Hypervisor.TSC_HZ / 1000); // kHz
                } else if (subleaf == 1) {
                    var s = dev.jxen.hypervisor.time.TscScale.forFrequency(Hypervisor.TSC_HZ);
                    out[2] = s.mul();
                    out[3] = s.shift();
                } else if (subleaf == 2) {
                    out[2] = (int) (Hypervisor.TSC_HZ / 1000);
                }
            }
            case XEN_LEAF_BASE + 5 -> out[0] = 48; // PV guest address width
            default -> { }
        }
    }

    @Override
    public long readTsc() {
        return vcpu.domain().hypervisor().tscNow();
    }

    @Override
    public long readDescriptor(int selector) {
        int index = selector >>> 3;
        if ((selector & 4) != 0) {
            return vcpu.ldtDescriptor(index);
        }
        return switch (selector & ~7) {
            case FLAT_CS32 & ~7 -> DESC_CS32;
            case FLAT_DS & ~7 -> DESC_DS;
            case FLAT_CS64 & ~7 -> DESC_CS64;
            default -> vcpu.gdtDescriptor(index);
        };
    }

    /** A guest code/data descriptor as Xen lets it be used: DPL raised to 3. */
    static long fixDpl(long d) {
        boolean codeOrData = (d & (1L << 44)) != 0;
        if (codeOrData && (d & (1L << 47)) != 0) {
            d |= 3L << 45;
        }
        return d;
    }
}
