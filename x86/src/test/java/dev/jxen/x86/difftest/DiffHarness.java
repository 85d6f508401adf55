package dev.jxen.x86.difftest;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs groups of cases on the host and on the emulator, compares them and reports. One harness
 * (one host runner process, one emulated machine) per test class. Each group is seeded from the
 * run's seed and the group's name, so a group reproduces alone.
 */
public final class DiffHarness implements AutoCloseable {
    private static final long DEFAULT_SEED = 0x6A78_656E_2D63_7075L;
    private static final int DETAILED_FAILURES = 3;
    private static volatile boolean seedPrinted;

    private final String suite;
    private final HostCpu host;
    private final EmuCpu emu;
    private int groups;
    private long cases;
    private int failedGroups;
    private long failedCases;

    public DiffHarness(String suite) {
        this.suite = suite;
        this.host = new HostCpu();
        this.emu = new EmuCpu();
        if (!seedPrinted) {
            seedPrinted = true;
            System.out.printf("[difftest] seed %d (set with -Djxen.difftest.seed=N, or =random)%n", seed());
        }
    }

    /** The run's seed: -Djxen.difftest.seed=N, "random" for a fresh one, else a fixed default. */
    public static long seed() {
        return SeedHolder.SEED;
    }

    private static final class SeedHolder {
        static final long SEED = pick();

        private static long pick() {
            String s = System.getProperty("jxen.difftest.seed");
            if (s == null || s.isBlank()) {
                return DEFAULT_SEED;
            }
            if (s.equals("random")) {
                return System.nanoTime() ^ System.currentTimeMillis() * 0x9E37_79B9_7F4A_7C15L;
            }
            return s.startsWith("0x") ? Long.parseUnsignedLong(s.substring(2), 16) : Long.parseLong(s);
        }
    }

    /** A generator for {@code group}, reproducible from the run seed and the group name. */
    public Values values(String group) {
        long h = 0xCBF2_9CE4_8422_2325L;
        for (int i = 0; i < group.length(); i++) {
            h = (h ^ group.charAt(i)) * 0x100_0000_01B3L;
        }
        return new Values(seed() ^ h);
    }

    public HostCpu host() {
        return host;
    }

    public EmuCpu emu() {
        return emu;
    }

    /** One compared case. */
    public record Outcome(CpuCase testCase, CpuResult host, CpuResult emu, List<String> differences) {
    }

    /** Runs the cases on both sides and returns the failing ones. */
    public List<Outcome> compare(List<CpuCase> list) {
        List<CpuResult> hostResults = host.runAll(list);
        List<Outcome> failures = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            CpuCase c = list.get(i);
            CpuResult h = hostResults.get(i);
            if (h.vector == CpuResult.BAD_REQUEST) {
                throw new IllegalStateException("the host runner could not load case " + c.group + " " + c.origin);
            }
            CpuResult e = emu.run(c);
            List<String> d = CpuDiff.compare(c, h, e);
            if (!d.isEmpty()) {
                failures.add(new Outcome(c, h, e, d));
            }
        }
        return failures;
    }

    /**
     * Runs a group and fails with a readable report when any case differs. Also fails when the
     * host itself timed out on a case (a broken generator), so no case silently compares nothing.
     */
    public void check(String group, List<CpuCase> list) {
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i).origin.isEmpty()) {
                list.get(i).origin = "seed " + seed() + ", case #" + i;
            }
        }
        List<Outcome> failures = compare(list);
        synchronized (this) {
            groups++;
            cases += list.size();
            if (!failures.isEmpty()) {
                failedGroups++;
                failedCases += failures.size();
            }
        }
        if (failures.isEmpty()) {
            return;
        }
        throw new AssertionError(report(group, list.size(), failures));
    }

    static String report(String group, int total, List<Outcome> failures) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("%s: %d of %d cases differ from the host CPU (seed %d; reproduce with -Djxen.difftest.seed=%d)%n",
                group, failures.size(), total, seed(), seed()));
        Map<String, Integer> kinds = new LinkedHashMap<>();
        for (Outcome o : failures) {
            String k = o.differences().get(0).replaceAll("0x[0-9a-f]+", "…").replaceAll("\\d+ byte", "n byte");
            if (o.emu().vector < 0 && o.emu().vector != o.host().vector || o.emu().vector == 6 && o.host().vector != 6) {
                k = "emulator " + (o.emu().note.isEmpty() ? CpuResult.vectorName(o.emu().vector) : o.emu().note.replaceAll("\\+\\d+", "+n"));
            }
            kinds.merge(k, 1, Integer::sum);
        }
        sb.append("  by first difference:\n");
        kinds.forEach((k, n) -> sb.append(String.format("    %6d × %s%n", n, k)));
        for (int i = 0; i < Math.min(DETAILED_FAILURES, failures.size()); i++) {
            sb.append(describe(failures.get(i)));
        }
        if (failures.size() > DETAILED_FAILURES) {
            sb.append(String.format("  ... and %d more%n", failures.size() - DETAILED_FAILURES));
        }
        return sb.toString();
    }

    /** Full description of one differing case: code, disassembly, inputs, both outcomes, differences. */
    public static String describe(Outcome o) {
        CpuCase c = o.testCase();
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("  --- %s [%s]%n", c.group, c.origin));
        if (c.source != null) {
            sb.append("  source: ").append(c.source.replace("\n", "; ")).append('\n');
        }
        sb.append("  code (").append(c.code.length).append(" bytes): ")
                .append(c.code.length <= 64 ? c.codeHex() : c.codeHex().substring(0, 192) + " ...").append('\n');
        if (c.code.length <= 64) {
            sb.append(Disasm.of(c.code));
        }
        sb.append("  in:\n").append(registers(c.gpr, c.rflags));
        String fp = fpInputs(c);
        if (!fp.isEmpty()) {
            sb.append(fp);
        }
        StringBuilder pages = new StringBuilder();
        for (int i = 0; i < Layout.DATA_PAGES; i++) {
            if (c.pages[i] != null) {
                pages.append(String.format(" 0x%x", Layout.dataPage(i)));
            }
        }
        if (pages.length() > 0) {
            sb.append("    data pages given:").append(pages).append('\n');
        }
        sb.append("  host:     ").append(o.host().outcome()).append('\n');
        sb.append("  emulator: ").append(o.emu().outcome()).append('\n');
        sb.append("  host out:\n").append(registers(o.host().gpr, o.host().rflags));
        sb.append("  differences:\n");
        for (String d : o.differences()) {
            sb.append("    - ").append(d).append('\n');
        }
        return sb.toString();
    }

    static String registers(long[] gpr, long rflags) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 16; i++) {
            sb.append(i % 4 == 0 ? "    " : "  ").append(String.format("%-3s=%016x", CpuDiff.GPR_NAMES[i], gpr[i]));
            if (i % 4 == 3) {
                sb.append('\n');
            }
        }
        sb.append("    rflags=").append(CpuDiff.flagString(rflags & CpuDiff.COMPARED_FLAGS)).append('\n');
        return sb.toString();
    }

    private static String fpInputs(CpuCase c) {
        StringBuilder sb = new StringBuilder();
        int mxcsr = FxImage.mxcsr(c.fx);
        if (mxcsr != 0x1F80) {
            sb.append(String.format("    mxcsr=%08x%n", mxcsr));
        }
        for (int i = 0; i < 16; i++) {
            if (FxImage.xmmLo(c.fx, i) != 0 || FxImage.xmmHi(c.fx, i) != 0) {
                sb.append(String.format("    xmm%d=%016x_%016x%n", i, FxImage.xmmHi(c.fx, i), FxImage.xmmLo(c.fx, i)));
            }
        }
        if (c.x87) {
            sb.append(String.format("    fcw=%04x fsw=%04x ftw=%02x fop=%03x fip=%x fdp=%x%n", FxImage.getShort(c.fx, FxImage.FCW),
                    FxImage.getShort(c.fx, FxImage.FSW), c.fx[FxImage.FTW] & 0xFF, FxImage.fop(c.fx), FxImage.fip(c.fx),
                    FxImage.fdp(c.fx)));
            for (int i = 0; i < 8; i++) {
                sb.append(String.format("    st%d=%04x:%016x%n", i, FxImage.stExponent(c.fx, i), FxImage.stSignificand(c.fx, i)));
            }
        }
        return sb.toString();
    }

    @Override
    public void close() {
        System.out.printf("[difftest] %s: %d groups, %d cases compared (seed %d); %d groups / %d cases differ%n",
                suite, groups, cases, seed(), failedGroups, failedCases);
        host.close();
        emu.close();
    }
}
