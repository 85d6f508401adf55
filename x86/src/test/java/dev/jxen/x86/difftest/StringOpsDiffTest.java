package dev.jxen.x86.difftest;

import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * MOVS STOS LODS SCAS CMPS at every size, alone and with REP/REPE/REPNE, DF clear and set, counts
 * from 0 up, pointers anywhere in the data pages. Some runs reach the guard page after the data,
 * so a #PF must stop the string instruction with RCX/RSI/RDI at the faulting iteration.
 */
class StringOpsDiffTest {
    private static DiffHarness harness;

    @BeforeAll
    static void start() {
        harness = new DiffHarness("StringOps");
    }

    @AfterAll
    static void stop() {
        harness.close();
    }

    private static final String[] SUFFIX = {"b", "w", "d", "q"};

    private static Forms.Setup strings() {
        return (v, c) -> {
            for (int p : new int[] {2, 3, 5, 6, 7}) {
                c.page(p, v.page());
            }
            if (v.chance(30)) {
                // Repeated patterns so REPE/REPNE comparisons stop late, not at the first element.
                System.arraycopy(c.pages[2], 0, c.pages[5], 0, Layout.PAGE);
            }
            boolean down = v.chance(40);
            c.rflags = v.flags() | (down ? CpuDiff.DF : 0);
            long dataEnd = Layout.DATA_BASE + Layout.DATA_PAGES * (long) Layout.PAGE;
            c.gpr[6] = Layout.DATA_BASE + 0x2000 + v.nextInt(0x800);
            c.gpr[7] = v.chance(10) ? dataEnd - v.nextInt(64) : Layout.DATA_BASE + 0x5000 + v.nextInt(0x800);
            c.gpr[1] = switch (v.nextInt(5)) {
                case 0 -> 0;
                case 1 -> 1 + v.nextInt(3);
                case 2 -> v.nextInt(600);
                default -> v.nextInt(40);
            } | (v.chance(20) ? v.nextLong() & 0xFFFF_FFFF_0000_0000L : 0); // 64-bit count: upper bits matter
            if ((c.gpr[1] >>> 32) != 0) {
                c.gpr[1] &= 0xFFFF_FFFFL; // keep loops bounded; the upper half is tested with a32 forms below
            }
            c.gpr[0] = v.chance(50) ? v.register(64) : MiscIntegerDiffTest.load(c, c.gpr[7], 8);
        };
    }

    @TestFactory
    Stream<DynamicTest> stringInstructions() {
        Forms f = new Forms(harness);
        for (int s = 0; s < 4; s++) {
            String x = SUFFIX[s];
            for (String op : new String[] {"movs", "stos", "lods", "scas", "cmps"}) {
                f.add(op + x, 64, 150, strings());
                String rep = op.equals("scas") || op.equals("cmps") ? "repe " : "rep ";
                f.add(rep + op + x, 64, 250, strings());
                if (rep.equals("repe ")) {
                    f.add("repne " + op + x, 64, 250, strings());
                }
            }
        }
        // 32-bit address size: RCX/RSI/RDI wrap and zero-extend as ECX/ESI/EDI.
        f.add("a32 rep movsb", "addr32 rep movsb", 64, 150, Forms.all(strings(), (v, c) -> {
            c.gpr[1] |= 0xABCD_0000_0000_0000L;
            c.gpr[6] |= 0x1_0000_0000L;
            c.gpr[7] |= 0xFF00_0000_0000L;
        }));
        f.add("a32 rep stosd", "addr32 rep stosd", 64, 150, Forms.all(strings(), (v, c) -> c.gpr[1] |= 0x7700_0000_0000L));
        return f.tests();
    }
}
