package dev.jxen.x86.difftest;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;

/**
 * Builds one JUnit dynamic test per instruction form: {@code n} cases of the same code from
 * seeded random states. The default state: every GPR but RSP holds a value shaped for the form's
 * operand size ({@link Values#register}), random arithmetic flags, data pages 0 and 1 random, and
 * RBX pointing into page 0 when the form has a memory operand (memory operands in the suites use [rbx...], [rsi], [rdi]). The form's
 * own {@link Setup} then adjusts the state and declares undefined flags.
 */
public final class Forms {
    /** Adjusts a case after the default state is filled. */
    @FunctionalInterface
    public interface Setup {
        void apply(Values v, CpuCase c);
    }

    public static final Setup NONE = (v, c) -> { };

    private record Form(String group, String asm, int bits, int count, Setup setup) {
    }

    private final DiffHarness harness;
    private final List<Form> forms = new ArrayList<>();

    public Forms(DiffHarness harness) {
        this.harness = harness;
    }

    /** Adds a form whose group name is its assembly text. */
    public Forms add(String asm, int bits, int count, Setup setup) {
        return add(asm, asm, bits, count, setup);
    }

    public Forms add(String group, String asm, int bits, int count, Setup setup) {
        forms.add(new Form(group, asm, bits, count, setup));
        return this;
    }

    /** The dynamic tests, assembling every form in one assembler run first. */
    public Stream<DynamicTest> tests() {
        List<byte[]> code = Asm.assembleAll(forms.stream().map(Form::asm).toList());
        List<DynamicTest> tests = new ArrayList<>();
        for (int i = 0; i < forms.size(); i++) {
            Form f = forms.get(i);
            byte[] bytes = code.get(i);
            tests.add(DynamicTest.dynamicTest(f.group(), () -> harness.check(f.group(), build(f, bytes))));
        }
        return tests.stream();
    }

    private List<CpuCase> build(Form f, byte[] bytes) {
        Values v = harness.values(f.group());
        List<CpuCase> list = new ArrayList<>(f.count());
        for (int i = 0; i < f.count(); i++) {
            CpuCase c = new CpuCase(f.group(), bytes).source(f.asm());
            c.index = i;
            defaultState(v, c, f.bits(), f.asm().contains("["));
            f.setup().apply(v, c);
            c.origin = "seed " + DiffHarness.seed() + ", case #" + i;
            list.add(c);
        }
        return list;
    }

    /** The default state described in the class comment. */
    public static void defaultState(Values v, CpuCase c, int bits, boolean memory) {
        for (int r = 0; r < 16; r++) {
            if (r != 4) {
                c.gpr[r] = v.register(bits);
            }
        }
        c.rflags = v.flags();
        if (memory) {
            c.page(0, v.page());
            c.page(1, v.page());
            c.gpr[3] = Layout.DATA_BASE + 0x100 + v.nextInt(0xE00);
        }
    }

    /** Sets a register to a value shaped for {@code bits}. */
    public static Setup reg(int r, int bits) {
        return (v, c) -> c.gpr[r] = v.register(bits);
    }

    public static Setup undefined(long flags) {
        return (v, c) -> c.undefinedFlags |= flags;
    }

    public static Setup all(Setup... setups) {
        return (v, c) -> {
            for (Setup s : setups) {
                s.apply(v, c);
            }
        };
    }
}
