package dev.jxen.x86.difftest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Freestanding C programs (src/test/native/snippets, compiled here with gcc -ffreestanding
 * -nostdlib, at -O2 and at -Os with general registers only) run on the host and on the emulator
 * from random inputs; the return value, every register and all memory must agree. A 16-byte stub
 * at the start of the code calls the program's entry (linked right after it) and jumps to the end.
 */
class CSnippetsDiffTest {
    private static DiffHarness harness;

    @BeforeAll
    static void start() {
        harness = new DiffHarness("CSnippets");
    }

    @AfterAll
    static void stop() {
        harness.close();
    }

    /** Compiles one snippet and returns stub + program. */
    static byte[] compile(String name, List<String> flags) {
        Path dir = Tools.findSource("x86/src/test/native/snippets/snippet.ld").getParent();
        Path out = Tools.workDir().resolve(name + flags.hashCode());
        List<String> cmd = new ArrayList<>(List.of(Tools.require("gcc"), "-ffreestanding", "-nostdlib", "-static",
                "-fno-pic", "-no-pie", "-fno-stack-protector", "-fno-asynchronous-unwind-tables", "-fcf-protection=none",
                "-Wl,--build-id=none", "-Wl,-T," + dir.resolve("snippet.ld")));
        cmd.addAll(flags);
        cmd.addAll(List.of("-o", out + ".elf", dir.resolve(name + ".c").toString()));
        Tools.run(cmd, null);
        Tools.run(List.of(Tools.require("objcopy"), "-O", "binary", out + ".elf", out + ".bin"), null);
        String syms = Tools.run(List.of(Tools.require("nm"), out + ".elf"), null);
        if (!syms.contains("0000000000100010 T entry")) {
            throw new IllegalStateException(name + ": entry is not linked at 0x100010:\n" + syms);
        }
        try {
            byte[] prog = Files.readAllBytes(Path.of(out + ".bin"));
            byte[] code = new byte[16 + prog.length];
            System.arraycopy(prog, 0, code, 16, prog.length);
            code[0] = (byte) 0xE8; // call entry (rel32 = 16 - 5)
            code[1] = 11;
            code[5] = (byte) 0xE9; // jmp to the end marker (rel32 = length - 10)
            int rel = code.length - 10;
            for (int k = 0; k < 4; k++) {
                code[6 + k] = (byte) (rel >>> (8 * k));
            }
            for (int k = 10; k < 16; k++) {
                code[k] = (byte) 0x90;
            }
            return code;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private interface Inputs {
        void fill(Values v, CpuCase c);
    }

    private static final long P0 = Layout.dataPage(0);

    private static void snippet(List<DynamicTest> tests, String name, int count, Inputs inputs) {
        for (List<String> flags : List.of(List.of("-O2"), List.of("-Os", "-mgeneral-regs-only"))) {
            String group = name + " " + String.join(" ", flags);
            tests.add(DynamicTest.dynamicTest(group, () -> {
                byte[] code = compile(name, flags);
                Values v = harness.values(group);
                List<CpuCase> cases = new ArrayList<>();
                for (int i = 0; i < count; i++) {
                    CpuCase c = new CpuCase(group, code).budget(20_000_000);
                    v.fillGprs(c);
                    c.rflags &= ~CpuDiff.DF; // the ABI requires DF clear at calls
                    c.gpr[4] = Layout.STACK_TOP;
                    inputs.fill(v, c);
                    c.origin = "seed " + DiffHarness.seed() + ", case #" + i;
                    cases.add(c);
                }
                harness.check(group, cases);
            }));
        }
    }

    @TestFactory
    Stream<DynamicTest> programs() {
        List<DynamicTest> tests = new ArrayList<>();
        snippet(tests, "checksum", 6, (v, c) -> {
            c.page(0, v.page());
            c.gpr[7] = P0;
            c.gpr[6] = v.chance(50) ? Layout.PAGE : v.nextInt(Layout.PAGE);
        });
        snippet(tests, "sort", 8, (v, c) -> {
            c.page(0, v.page());
            c.gpr[7] = P0;
            c.gpr[6] = v.nextInt(300);
        });
        snippet(tests, "softfloat", 8, (v, c) -> {
            byte[] p = new byte[Layout.PAGE];
            for (int i = 0; i < 600; i++) {
                long f = switch (v.nextInt(6)) {
                    case 0 -> v.edge(32);
                    case 1 -> v.nextInt(0x80_0000); // subnormal
                    case 2 -> 0x7F80_0000L | v.nextInt(2) << 31 | (v.chance(50) ? 0 : v.nextInt(0x80_0000));
                    default -> v.nextLong();
                };
                for (int k = 0; k < 4; k++) {
                    p[4 * i + k] = (byte) (f >>> (8 * k));
                }
            }
            c.page(0, p);
            c.gpr[7] = P0;
            c.gpr[6] = 300;
        });
        snippet(tests, "strings", 8, (v, c) -> {
            byte[] s = v.page();
            s[v.nextInt(4000)] = 0;
            s[4095] = 0;
            c.page(0, s);
            c.gpr[7] = P0;
            c.gpr[6] = Layout.dataPage(2);
            c.gpr[2] = Layout.dataPage(4);
        });
        snippet(tests, "sieve", 6, (v, c) -> {
            c.gpr[7] = Layout.dataPage(3);
            c.gpr[6] = v.nextInt(30_000);
            c.gpr[2] = v.nextLong();
        });
        return tests.stream();
    }
}
