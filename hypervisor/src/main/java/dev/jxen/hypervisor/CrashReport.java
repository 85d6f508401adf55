package dev.jxen.hypervisor;

import dev.jxen.machine.CpuState;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;

/**
 * The text printed when a domain crashes (DESIGN.md, "Errors and faults"): domain and vCPU, the
 * reason, RIP with the nearest symbol when the image has symbols, the registers, the faulting
 * address, and the last hypercalls the vCPU made (oldest first).
 */
public final class CrashReport {
    private static final String[] GPR_NAMES = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
        "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"};

    private CrashReport() {
    }

    /**
     * Formats a report.
     *
     * @param reason one line saying why (e.g. "unhandled #PF (no trap handler)")
     * @param faultAddress the faulting linear address, or -1 when none applies
     * @param lastHypercalls recent hypercalls, oldest first, already formatted
     */
    public static String format(Domain domain, int vcpu, String reason, CpuState s, long faultAddress,
            NavigableMap<Long, String> symbols, List<String> lastHypercalls) {
        StringBuilder b = new StringBuilder();
        b.append("jxen: domain ").append(domain.id()).append(" (").append(domain.name()).append(") crashed: ")
                .append(reason).append('\n');
        b.append("  vcpu ").append(vcpu).append("  rip ").append(hex(s.rip()));
        String sym = symbolize(symbols, s.rip());
        if (sym != null) {
            b.append(" <").append(sym).append('>');
        }
        b.append("  cs ").append(hex16(s.selector(CpuState.CS))).append("  ss ").append(hex16(s.selector(CpuState.SS)))
                .append("  rflags ").append(hex(s.rflags())).append('\n');
        if (faultAddress != -1) {
            b.append("  fault address ").append(hex(faultAddress));
            String fs = symbolize(symbols, faultAddress);
            if (fs != null) {
                b.append(" <").append(fs).append('>');
            }
            b.append('\n');
        }
        for (int r = 0; r < 16; r++) {
            b.append(r % 4 == 0 ? "  " : "  ").append(String.format("%-3s", GPR_NAMES[r])).append(' ')
                    .append(hex(s.gpr(r)));
            if (r % 4 == 3) {
                b.append('\n');
            }
        }
        b.append("  cr2 ").append(hex(s.cr2())).append("  cr3 ").append(hex(s.cr3()))
                .append("  fs.base ").append(hex(s.segmentBase(CpuState.FS)))
                .append("  gs.base ").append(hex(s.segmentBase(CpuState.GS))).append('\n');
        if (lastHypercalls.isEmpty()) {
            b.append("  no hypercalls made\n");
        } else {
            b.append("  last hypercalls (oldest first):\n");
            for (String h : lastHypercalls) {
                b.append("    ").append(h).append('\n');
            }
        }
        return b.toString();
    }

    /** {@code name+0xoff} of the closest symbol at or below {@code addr}, or null. */
    public static String symbolize(NavigableMap<Long, String> symbols, long addr) {
        if (symbols == null || symbols.isEmpty()) {
            return null;
        }
        Map.Entry<Long, String> e = symbols.floorEntry(addr);
        if (e == null) {
            return null;
        }
        long off = addr - e.getKey();
        if (off < 0 || off > 0x100000) {
            return null;
        }
        return off == 0 ? e.getValue() : e.getValue() + "+0x" + Long.toHexString(off);
    }

    static String hex(long v) {
        return String.format("%016x", v);
    }

    static String hex16(int v) {
        return String.format("%04x", v & 0xFFFF);
    }
}
