package dev.jxen.toolstack.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Runs the repository's freestanding guest programs natively on the host and on the emulator
 * through {@link dev.jxen.x86.testkit.ProgramRunner}: both must print what the program is known
 * to compute (the demo's lines are recomputed here in Java), the self-checking programs must pass
 * every check, and the benchmark must print the same checksums in both places.
 */
class GuestProgramsTest {
    private static final long LIMIT = 2_000_000_000L;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"native", "emulated"})
    void cpuDemoPrintsWhatItComputes(String where) throws Exception {
        Guests.Run run = run("cpu-demo", where);
        assertThat(run.diagnostic()).isNull();
        assertThat(run.status()).isZero();
        assertThat(run.output()).isEqualTo(expectedDemoOutput());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"check-string", "check-sort", "check-softfloat", "check-syscalls"})
    void selfCheckingProgramsPassNatively(String program) throws Exception {
        assertAllPass(Guests.runNatively(program));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"check-string", "check-sort", "check-softfloat", "check-syscalls"})
    void selfCheckingProgramsPassOnTheEmulator(String program) throws Exception {
        assertAllPass(Guests.runEmulated(program, LIMIT));
    }

    @org.junit.jupiter.api.Test
    void benchmarkComputesTheSameChecksumsOnTheEmulatorAsOnTheHost() throws Exception {
        Guests.Run host = Guests.runNatively("cpu-bench");
        assertThat(host.status()).isZero();
        assertThat(host.output()).containsPattern("(?m)^checksum 0x[0-9a-f]{16}$");
        Guests.Run emulated = Guests.runEmulated("cpu-bench", LIMIT);
        assertThat(emulated.diagnostic()).isNull();
        assertThat(emulated.output()).isEqualTo(host.output());
        assertThat(emulated.status()).isZero();
    }

    private static Guests.Run run(String program, String where) throws Exception {
        return where.equals("native") ? Guests.runNatively(program) : Guests.runEmulated(program, LIMIT);
    }

    private static void assertAllPass(Guests.Run run) {
        assertThat(run.diagnostic()).as("guest fault").isNull();
        List<String> lines = run.output().lines().toList();
        List<String> checks = lines.stream().filter(l -> l.startsWith("PASS ") || l.startsWith("FAIL ")).toList();
        assertThat(checks).as(run.output()).hasSizeGreaterThanOrEqualTo(6).allMatch(l -> l.startsWith("PASS "));
        assertThat(lines.getLast()).endsWith(": all passed");
        assertThat(run.status()).isZero();
    }

    /** Trial division: a different method from the demo's sieve. */
    private static boolean isPrime(int n) {
        for (int d = 2; d * d <= n; d++) {
            if (n % d == 0) {
                return false;
            }
        }
        return true;
    }

    /** What cpu-demo.c prints, computed independently. */
    static String expectedDemoOutput() {
        StringBuilder sb = new StringBuilder("jxen cpu demo\n");
        List<Integer> small = new ArrayList<>();
        int count = 0;
        for (int n = 2; n < 100_000; n++) {
            if (isPrime(n)) {
                count++;
                if (n < 100) {
                    small.add(n);
                }
            }
        }
        sb.append("primes below 100:");
        small.forEach(p -> sb.append(' ').append(p));
        sb.append('\n').append("primes below 100000: ").append(count).append('\n');

        java.math.BigInteger a = java.math.BigInteger.ZERO, b = java.math.BigInteger.ONE;
        for (int i = 0; i < 90; i++) {
            java.math.BigInteger t = a.add(b);
            a = b;
            b = t;
        }
        sb.append("fibonacci(90): ").append(a).append('\n');

        int best = 1, bestLen = 1;
        for (int start = 1; start < 10_000; start++) {
            long x = start;
            int len = 1;
            while (x != 1) {
                x = x % 2 == 1 ? 3 * x + 1 : x / 2;
                len++;
            }
            if (len > bestLen) {
                bestLen = len;
                best = start;
            }
        }
        sb.append("longest collatz chain below 10000: start ").append(best).append(", length ").append(bestLen)
                .append('\n');
        sb.append("gcd(1071, 462): ").append(java.math.BigInteger.valueOf(1071).gcd(java.math.BigInteger.valueOf(462)))
                .append('\n');

        sb.append(String.format("%2s%10s%15s%n", "n", "n^3", "n!"));
        java.math.BigInteger fact = java.math.BigInteger.ONE;
        for (int i = 1; i <= 15; i++) {
            fact = fact.multiply(java.math.BigInteger.valueOf(i));
            sb.append(String.format("%2d%10d%15d%n", i, (long) i * i * i, fact));
        }

        long h = 0xcbf29ce484222325L;
        for (byte c : "jxen".getBytes(java.nio.charset.StandardCharsets.US_ASCII)) {
            h ^= c & 0xFF;
            h *= 0x100000001b3L;
        }
        sb.append("fnv1a64(\"jxen\"): 0x").append(String.format("%016x", h)).append('\n');
        return sb.toString();
    }
}
