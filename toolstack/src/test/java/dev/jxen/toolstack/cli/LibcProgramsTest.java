package dev.jxen.toolstack.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jxen.x86.testkit.ProgramRunner;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Runs ordinary C programs linked statically against glibc (guests/libc: printf, strtod, libm,
 * qsort...) natively and on the emulator through {@link ProgramRunner}: both runs must exit with 0
 * and print the same bytes.
 *
 * <p>One known exception, in libc-math only: glibc's long double exp/log/atan family runs on the x87's
 * transcendental instructions (F2XM1, FYL2X, FYL2XP1, FPATAN). The emulator rounds their exact
 * values correctly; the host hardware is only within one ulp of them, so a few results differ in
 * the last bit. For those functions' lines each value may differ by at most one ulp (and the
 * differences are printed); every other line must be identical.
 */
class LibcProgramsTest {
    private static final long LIMIT = 2_000_000_000L;
    /** Lines of libc-math whose long double values come from the x87 transcendental instructions. */
    private static final Set<String> X87_TRANSCENDENTAL_LINES = Set.of("atanl:", "atan2l:", "asinl:", "acosl:",
            "expl:", "exp2l:", "expm1l:", "logl:", "log2l:", "log10l:", "log1pl:", "powl:", "sinhl:", "coshl:",
            "tanhl:", "asinhl:", "acoshl:", "atanhl:", "erfl:", "erfcl:", "lgammal:", "tgammal:", "sweepsl:");

    record Emulated(int status, String output, String diagnostic, long instructions, double seconds) {
        Guests.Run asRun() {
            return new Guests.Run(status, output, diagnostic);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"libc-printf", "libc-qsort"})
    void printsExactlyWhatItPrintsNatively(String program) throws Exception {
        Guests.Run host = Guests.runNatively(program);
        assertThat(host.status()).as(host.output()).isZero();
        Emulated emulated = runEmulated(program);
        assertThat(emulated.diagnostic()).isNull();
        assertThat(emulated.output()).isEqualTo(host.output());
        assertThat(emulated.status()).isZero();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"native", "emulated"})
    void processEnvironmentChecksPass(String where) throws Exception {
        Guests.Run run = where.equals("native") ? Guests.runNatively("libc-check") : runEmulated("libc-check").asRun();
        assertThat(run.diagnostic()).isNull();
        List<String> checks = run.output().lines().filter(l -> l.startsWith("PASS ") || l.startsWith("FAIL ")).toList();
        assertThat(checks).as(run.output()).hasSizeGreaterThanOrEqualTo(15).allMatch(l -> l.startsWith("PASS "));
        assertThat(run.output()).contains("libc-check: all passed\n").contains("to stderr\n");
        assertThat(run.status()).isZero();
    }

    @Test
    void abortEndsTheRunWithSigabrtStatusAsNatively() throws Exception {
        Process p = new ProcessBuilder(Guests.path("libc-check").toAbsolutePath().toString(), "abort")
                .redirectErrorStream(true).start();
        String hostOutput = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(134);

        ProgramRunner runner = ProgramRunner.load(Files.readAllBytes(Guests.path("libc-check")))
                .arguments(List.of("libc-check", "abort")).instructionLimit(LIMIT);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ProgramRunner.Result r = runner.run(out, out);
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo(hostOutput).isEqualTo("aborting\n");
        assertThat(r.exitCode()).isEqualTo(134);
        assertThat(r.diagnostic()).contains("SIGABRT");
    }

    @Test
    void mathResultsMatchTheHostBitForBit() throws Exception {
        Guests.Run host = Guests.runNatively("libc-math");
        assertThat(host.status()).as(host.output()).isZero();
        Emulated emulated = runEmulated("libc-math");
        assertThat(emulated.diagnostic()).isNull();
        assertThat(emulated.status()).isZero();

        List<String> hostLines = host.output().lines().toList();
        List<String> emuLines = emulated.output().lines().toList();
        assertThat(emuLines).hasSameSizeAs(hostLines);
        List<String> lastBit = new ArrayList<>();
        for (int i = 0; i < hostLines.size(); i++) {
            String h = hostLines.get(i), e = emuLines.get(i);
            String name = h.split(" ", 2)[0];
            if (h.equals(e) || !X87_TRANSCENDENTAL_LINES.contains(name)) {
                assertThat(e).as("line %d", i + 1).isEqualTo(h);
                continue;
            }
            String[] hv = h.split(" "), ev = e.split(" ");
            assertThat(ev).as(name).hasSameSizeAs(hv);
            for (int k = 1; k < hv.length; k++) {
                if (!hv[k].equals(ev[k])) {
                    assertThat(ulpsApart(hv[k], ev[k])).as("%s value %d: host %s, emulator %s", name, k, hv[k], ev[k])
                            .isEqualTo(1);
                    lastBit.add(name + " #" + k + ": host " + hv[k] + ", emulator " + ev[k]);
                }
            }
        }
        System.out.println("libc-math: " + lastBit.size() + " long double values differ in the last bit"
                + (lastBit.isEmpty() ? "" : ": " + String.join("; ", lastBit)));
    }

    @Test
    void ulpDistanceOfLongDoubleHexTextIsMeasured() {
        assertThat(ulpsApart("0xbp+1", "0xb.000000000000001p+1")).isEqualTo(1);
        assertThat(ulpsApart("0xc.7c82f596f790c5fp-3", "0xc.7c82f596f790c6p-3")).isEqualTo(1);
        assertThat(ulpsApart("0x8p-3", "0xf.fffffffffffffffp-4")).isEqualTo(1);
        assertThat(ulpsApart("-0x9.e9e9e90e67822a8p-6", "-0x9.e9e9e90e67822bp-6")).isEqualTo(8);
        assertThat(ulpsApart("0x8p+0", "-0x8p+0")).isGreaterThan(1);
        assertThat(ulpsApart("nan", "-nan")).isEqualTo(Long.MAX_VALUE);
    }

    private static final Pattern LONG_DOUBLE_HEX = Pattern.compile("(-?)0x([0-9a-f])(?:\\.([0-9a-f]+))?p([+-]\\d+)");

    /**
     * How many units in the last place of a 64-bit significand separate two long doubles printed
     * with %La (leading hex digit holding the integer bit, as glibc prints normal numbers);
     * {@code Long.MAX_VALUE} when either is not a normal number.
     */
    static long ulpsApart(String a, String b) {
        Matcher ma = LONG_DOUBLE_HEX.matcher(a), mb = LONG_DOUBLE_HEX.matcher(b);
        if (!ma.matches() || !mb.matches()) {
            return Long.MAX_VALUE;
        }
        int unitExponent = Math.min(topBitExponent(ma), topBitExponent(mb)) - 63;
        BigDecimal diff = exact(ma).subtract(exact(mb)).abs();
        BigDecimal ulp = new BigDecimal(BigInteger.TWO.pow(Math.abs(unitExponent)));
        BigDecimal ulps = unitExponent >= 0 ? diff.divide(ulp) : diff.multiply(ulp);
        boolean whole = ulps.stripTrailingZeros().scale() <= 0;
        return whole && ulps.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) < 0 ? ulps.longValueExact() : Long.MAX_VALUE;
    }

    private static int topBitExponent(Matcher m) {
        int lead = Integer.parseInt(m.group(2), 16);
        return Integer.parseInt(m.group(4)) + (31 - Integer.numberOfLeadingZeros(lead));
    }

    private static BigDecimal exact(Matcher m) {
        String fraction = m.group(3) == null ? "" : m.group(3);
        BigInteger digits = new BigInteger(m.group(2) + fraction, 16);
        int exponent = Integer.parseInt(m.group(4)) - 4 * fraction.length();
        BigDecimal v = exponent >= 0 ? new BigDecimal(digits.shiftLeft(exponent))
                : new BigDecimal(digits).divide(new BigDecimal(BigInteger.TWO.pow(-exponent)));
        return m.group(1).isEmpty() ? v : v.negate();
    }

    private static Emulated runEmulated(String program) throws Exception {
        ProgramRunner runner = ProgramRunner.load(Files.readAllBytes(Guests.path(program))).instructionLimit(LIMIT);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ProgramRunner.Result r = runner.run(out, out);
        System.out.printf("%s on the emulator: %,d instructions in %.2f s%n", program, r.instructions(), r.seconds());
        return new Emulated(r.exitCode(), out.toString(StandardCharsets.UTF_8), r.diagnostic(), r.instructions(),
                r.seconds());
    }
}
