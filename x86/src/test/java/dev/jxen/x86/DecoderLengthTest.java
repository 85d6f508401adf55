package dev.jxen.x86;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Instruction lengths against the host's {@code objdump} (GNU binutils) on seeded random byte
 * streams: at every instruction boundary objdump reports, {@link Decoder#decode} must measure the
 * same length. The streams are biased toward real encodings (legacy and REX prefixes in any order,
 * every opcode map, all ModRM/SIB forms, VEX/EVEX) with fully random runs mixed in.
 *
 * <p>Where objdump and the CPU disagree on purpose, the test follows the CPU, each case with its
 * reason in {@link #judge}:
 * <ul>
 *   <li>objdump prints a REX prefix followed by a legacy prefix as its own "instruction"; the CPU
 *       ignores such a REX and the instruction goes on: the REX is merged into the next line.</li>
 *   <li>objdump folds FWAIT (9B) into the x87 instruction after it ({@code fstsw} = {@code 9B DF E0});
 *       for the CPU FWAIT is an instruction of its own.</li>
 *   <li>objdump prints "(bad)" for encodings the CPU raises #UD for; the length it then gives is
 *       its own guess, so {@link Decoder#OP_UD} (or VEX, or too long) is accepted whatever its
 *       length.</li>
 *   <li>AMD-only encodings the emulated CPU does not have (XOP, SSE4a EXTRQ/INSERTQ, 3DNow! is
 *       measured but not advertised) raise #UD here: {@link Decoder#OP_UD} is required, the length
 *       is then irrelevant.</li>
 *   <li>objdump splits an instruction longer than 15 bytes into a run of prefixes and the rest;
 *       the CPU raises #GP(0) for it: {@link Decoder#OP_TOO_LONG} is required.</li>
 * </ul>
 */
class DecoderLengthTest {
    private static final int INSTRUCTIONS_PER_MODE = 40_000;
    private static final Pattern LINE = Pattern.compile("^\\s*([0-9a-f]+):\\t([0-9a-f ]+?)\\s*\\t(.*)$");
    private static final Pattern PREFIXES_ONLY = Pattern.compile(
            "^((data16|data32|addr16|addr32|rex(\\.[WRXB]+)?|repz|repnz|rep|lock|[c-gs]s|notrack|bnd|xacquire|xrelease)\\s*)+$");

    @TempDir
    Path tmp;

    @Test
    void lengthsAgreeWithObjdumpIn64BitMode() throws Exception {
        compare(Mode.LONG64, 0x5EED_0064L);
    }

    @Test
    void lengthsAgreeWithObjdumpIn32BitCompatibilityMode() throws Exception {
        compare(Mode.COMPAT32, 0x5EED_0032L);
    }

    @Test
    void lengthsAgreeWithObjdumpIn16BitCompatibilityMode() throws Exception {
        compare(Mode.COMPAT16, 0x5EED_0016L);
    }

    enum Mode {
        LONG64("i386:x86-64", true, true), COMPAT32("i386", false, true), COMPAT16("i8086", false, false);

        final String machine;
        final boolean mode64;
        final boolean default32;

        Mode(String machine, boolean mode64, boolean default32) {
            this.machine = machine;
            this.mode64 = mode64;
            this.default32 = default32;
        }
    }

    /** One instruction as objdump sees it; {@code merged}: joined from lines objdump split. */
    record Insn(int offset, int length, String text, boolean merged) {
        Insn(int offset, int length, String text) {
            this(offset, length, text, false);
        }
    }

    private void compare(Mode mode, long seed) throws Exception {
        // -Ddecoder.seed=N explores other streams; the default keeps runs reproducible.
        seed += Long.getLong("decoder.seed", 0L);
        byte[] code = generate(new Random(seed), INSTRUCTIONS_PER_MODE, mode.mode64);
        int generated = code.length;
        byte[] padded = new byte[generated + 32];
        System.arraycopy(code, 0, padded, 0, generated);
        java.util.Arrays.fill(padded, generated, padded.length, (byte) 0x90);
        List<Insn> insns = objdump(padded, mode, "random");

        insns = asTheCpuSplitsThem(insns, padded, mode);
        insns = remeasureMerged(insns, padded, mode);

        Decoder.ByteSource src = a -> a < padded.length ? padded[(int) a] : 0x90;
        Block block = new Block();
        List<String> mismatches = new ArrayList<>();
        int compared = 0;
        int bad = 0;
        int failures = 0;
        StringBuilder all = new StringBuilder();
        for (Insn in : insns) {
            if (in.offset >= generated) {
                break;
            }
            int len = Decoder.decode(src, in.offset, mode.mode64, mode.default32, block, 0);
            int op = block.op[0];
            compared++;
            if (in.text.contains("(bad)")) {
                bad++;
            }
            String problem = judge(padded, in, len, op, mode);
            if (problem != null) {
                String report = String.format("%s at 0x%x [%s] objdump: %d '%s'%s, decoder: %d op 0x%x: %s", mode,
                        in.offset, hex(padded, in.offset, Math.max(in.length, len)), in.length, in.text,
                        in.merged ? " (joined, re-measured)" : "", len, op, problem);
                all.append(report).append('\n');
                if (++failures <= 40) {
                    mismatches.add(report);
                }
            }
        }
        System.out.printf("decoder length vs objdump, %s: %d instructions compared (%d objdump '(bad)'), %d mismatches%n",
                mode, compared, bad, failures);
        if (failures > 0) {
            // The whole list, for whoever fixes the decoder.
            Files.writeString(Path.of("target", "decoder-mismatches-" + mode + ".txt"), all);
            Files.write(Path.of("target", "decoder-stream-" + mode + ".bin"), padded);
        }
        assertThat(compared).isGreaterThan(INSTRUCTIONS_PER_MODE);
        assertThat(mismatches).as("length mismatches with objdump (%d in all)", failures).isEmpty();
    }

    /**
     * Regroups objdump's lines where it splits or joins instructions differently from the CPU:
     * a line of prefixes only (a REX followed by a legacy prefix, which the CPU ignores; or the
     * head of an over-long instruction) belongs to the next line, and an FWAIT that objdump folded
     * into the x87 instruction after it ({@code fstsw} = {@code 9B DF E0}) is an instruction of its own.
     */
    private static List<Insn> asTheCpuSplitsThem(List<Insn> insns, byte[] code, Mode mode) {
        List<Insn> out = new ArrayList<>();
        int carry = -1; // prefixes left over after an FWAIT split: they belong to the next line
        for (int k = 0; k < insns.size(); k++) {
            Insn in = insns.get(k);
            int start = in.offset;
            int end = in.offset + in.length;
            String text = in.text;
            boolean remeasure = false;
            if (carry >= 0) {
                start = carry;
                remeasure = true;
                carry = -1;
            }
            int j = k;
            while (PREFIXES_ONLY.matcher(text).matches() && j + 1 < insns.size() && insns.get(j + 1).offset == end) {
                j++;
                end += insns.get(j).length;
                text = text + " " + insns.get(j).text;
                remeasure = true;
            }
            // FWAITs folded into what follows are instructions of their own; objdump applied their
            // prefixes to the rest, the CPU does not: the rest is measured again on its own.
            for (int p = afterPrefixes(code, start, mode); p + 1 < end && (code[p] & 0xFF) == 0x9B;
                    p = afterPrefixes(code, start, mode)) {
                out.add(new Insn(start, p + 1 - start, hasLock(code, start, p) ? "lock fwait" : "fwait"));
                start = p + 1;
                remeasure = true;
            }
            if (afterPrefixes(code, start, mode) >= end) {
                carry = start;
            } else {
                out.add(new Insn(start, end - start, text, remeasure));
            }
            // The lines inside a joined run start instructions of their own too: they are checked as well.
        }
        return out;
    }

    /**
     * objdump restarts decoding after a REX that is not the last prefix, so the legacy prefixes
     * before it (66, 67, F2, F3) no longer count for the rest; on the CPU they do. Such runs are
     * measured again, in one more objdump call, with the superseded REX bytes left out (they are
     * ignored by the CPU but still count toward the length).
     */
    private List<Insn> remeasureMerged(List<Insn> insns, byte[] code, Mode mode) throws Exception {
        List<Insn> merged = insns.stream().filter(Insn::merged).toList();
        if (merged.isEmpty()) {
            return insns;
        }
        int slot = 48;
        byte[] canonical = new byte[merged.size() * slot];
        java.util.Arrays.fill(canonical, (byte) 0x90);
        int[] removed = new int[merged.size()];
        for (int k = 0; k < merged.size(); k++) {
            int p = merged.get(k).offset;
            int q = k * slot;
            while (isPrefix(code[p] & 0xFF, mode.mode64)) {
                boolean rex = mode.mode64 && (code[p] & 0xF0) == 0x40;
                if (rex && isPrefix(code[p + 1] & 0xFF, true)) {
                    removed[k]++;
                } else {
                    canonical[q++] = code[p];
                }
                p++;
            }
            System.arraycopy(code, p, canonical, q, 16);
        }
        List<Insn> again = asTheCpuSplitsThem(objdump(canonical, mode, "canonical"), canonical, mode);
        java.util.Map<Integer, Insn> byOffset = new java.util.HashMap<>();
        for (Insn in : again) {
            byOffset.put(in.offset, in);
        }
        List<Insn> out = new ArrayList<>(insns.size());
        int k = 0;
        for (Insn in : insns) {
            if (in.merged) {
                Insn c = byOffset.get(k * slot);
                out.add(new Insn(in.offset, c.length + removed[k], c.text, true));
                k++;
            } else {
                out.add(in);
            }
        }
        return out;
    }

    /** Null when the decoder's answer is right for the CPU, else why not. */
    private static String judge(byte[] code, Insn in, int len, int op, Mode mode) {
        boolean undefined = op == Decoder.OP_UD || op == Decoder.OP_VEX || op == Decoder.OP_TOO_LONG;
        if (in.text.contains("(bad)")) {
            // objdump's length for an undefined encoding is its own guess: only #UD matters.
            if (undefined || len == in.length) {
                return null;
            }
            int p = afterPrefixes(code, in.offset, mode);
            if ((code[p] & 0xFF) == 0x0F && (code[p + 1] & 0xF8) == 0x18) {
                // 0F 18..1F: MPX forms objdump rejects (16-bit addressing...) are hint NOPs on a CPU
                // without MPX; the decoder measures them as any ModRM instruction.
                return null;
            }
            return "objdump says (bad): expected OP_UD or the same length";
        }
        if (in.length > 15) {
            return op == Decoder.OP_TOO_LONG ? null : "longer than 15 bytes: expected OP_TOO_LONG";
        }
        String why = notOnThisCpu(code, in, mode);
        if (why != null) {
            return op == Decoder.OP_UD ? null : why + ": expected OP_UD";
        }
        if (op == Decoder.OP_UD && !in.text.startsWith("lock ") && !in.text.contains(" lock ")) {
            // LOCK on an instruction that does not take it is #UD, which objdump does not check.
            return "decoded as undefined, objdump knows it";
        }
        return len == in.length ? null : "length differs";
    }

    /**
     * Encodings objdump decodes that the emulated CPU (Intel-like) raises #UD for, with the reason;
     * null for the others.
     */
    private static String notOnThisCpu(byte[] code, Insn in, Mode mode) {
        String m = mnemonic(in.text);
        int p = afterPrefixes(code, in.offset, mode);
        int b0 = code[p] & 0xFF;
        int b1 = code[p + 1] & 0xFF;
        if (b0 == 0x8F && (b1 & 0x1F) >= 8) {
            return "AMD XOP";
        }
        if (m.startsWith("extrq") || m.startsWith("insertq") || m.startsWith("movntss") || m.startsWith("movntsd")) {
            return "AMD SSE4a";
        }
        if (b0 == 0x0F && (b1 == 0x0F || b1 == 0x0E)) {
            return "AMD 3DNow!";
        }
        if (b0 == 0x0F && (b1 == 0xA6 || b1 == 0xA7)) {
            return "VIA PadLock";
        }
        if (b0 == 0x0F && (b1 == 0x20 || b1 == 0x22) && in.text.contains("%cr") && hasLock(code, in.offset, p)) {
            return "AMD's LOCK MOV CR alias for CR8..15";
        }
        if (in.text.contains("%tr")) {
            return "386/486 test registers";
        }
        if (m.startsWith("xabort") || m.startsWith("xbegin")) {
            return "RTM is not advertised";
        }
        if (m.startsWith("ud0") || m.startsWith("ud1") || m.startsWith("ud2")) {
            return "undefined by definition";
        }
        return null;
    }

    private static boolean hasLock(byte[] code, int from, int to) {
        for (int q = from; q < to; q++) {
            if ((code[q] & 0xFF) == 0xF0) {
                return true;
            }
        }
        return false;
    }

    private static int afterPrefixes(byte[] code, int at, Mode mode) {
        int p = at;
        while (p < code.length - 2 && isPrefix(code[p] & 0xFF, mode.mode64)) {
            p++;
        }
        return p;
    }

    private static boolean isPrefix(int b, boolean mode64) {
        return b == 0x26 || b == 0x2E || b == 0x36 || b == 0x3E || b == 0x64 || b == 0x65 || b == 0x66 || b == 0x67
                || b == 0xF0 || b == 0xF2 || b == 0xF3 || (mode64 && (b & 0xF0) == 0x40);
    }

    private static String mnemonic(String text) {
        for (String w : text.trim().split("\\s+")) {
            if (!PREFIXES_ONLY.matcher(w).matches()) {
                return w;
            }
        }
        return "";
    }

    // ---------------------------------------------------------------- objdump

    private List<Insn> objdump(byte[] code, Mode mode, String name) throws IOException, InterruptedException {
        Path file = tmp.resolve(name + "-" + mode + ".bin");
        Files.write(file, code);
        List<String> cmd = new ArrayList<>(List.of("objdump", "-D", "-z", "-b", "binary", "-m", mode.machine,
                "--insn-width=16"));
        if (mode.mode64) {
            cmd.add("-M");
            cmd.add("intel64"); // near branches ignore 66 in 64-bit mode, as on Intel CPUs
        }
        cmd.add(file.toString());
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new AssertionError("objdump (GNU binutils) is needed for the decoder length check: install binutils",
                    e);
        }
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError("objdump failed: " + new String(out, StandardCharsets.UTF_8).lines().limit(5)
                    .toList());
        }
        List<Insn> insns = new ArrayList<>();
        for (String line : new String(out, StandardCharsets.UTF_8).split("\n")) {
            Matcher m = LINE.matcher(line);
            if (m.matches()) {
                int length = m.group(2).trim().split(" ").length;
                insns.add(new Insn(Integer.parseInt(m.group(1), 16), length, m.group(3).trim()));
            }
        }
        return insns;
    }

    // ---------------------------------------------------------------- generator

    private static final int[] LEGACY = {0x26, 0x2E, 0x36, 0x3E, 0x64, 0x65, 0x66, 0x66, 0x67, 0x67, 0xF0, 0xF2, 0xF3};

    static byte[] generate(Random r, int count, boolean mode64) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(count * 8);
        for (int n = 0; n < count; n++) {
            int kind = r.nextInt(100);
            if (kind < 6) {
                int k = 1 + r.nextInt(16);
                for (int i = 0; i < k; i++) {
                    out.write(r.nextInt(256));
                }
                continue;
            }
            int prefixes = switch (r.nextInt(20)) {
                case 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 -> 0;
                case 10, 11, 12, 13, 14 -> 1;
                case 15, 16, 17 -> 2;
                case 18 -> 3 + r.nextInt(3);
                default -> r.nextInt(4) == 0 ? 11 + r.nextInt(6) : 1;
            };
            boolean rex = mode64 && r.nextInt(100) < 40;
            int rexAt = rex ? (r.nextInt(8) == 0 ? r.nextInt(prefixes + 1) : prefixes) : -1;
            for (int i = 0; i <= prefixes; i++) {
                if (i == rexAt) {
                    out.write(0x40 | r.nextInt(16));
                }
                if (i < prefixes) {
                    out.write(LEGACY[r.nextInt(LEGACY.length)]);
                }
            }
            int map = r.nextInt(100);
            if (map < 45) {
                out.write(r.nextInt(256));
            } else if (map < 70) {
                out.write(0x0F);
                out.write(r.nextInt(256));
            } else if (map < 80) {
                out.write(0x0F);
                out.write(0x38);
                out.write(r.nextInt(256));
            } else if (map < 88) {
                out.write(0x0F);
                out.write(0x3A);
                out.write(r.nextInt(256));
            } else if (map < 92) {
                out.write(0xC5);
                out.write(r.nextInt(256));
                out.write(r.nextInt(256));
            } else if (map < 95) {
                out.write(0xC4);
                out.write((r.nextInt(256) & 0xE0) | (r.nextInt(6) == 0 ? r.nextInt(32) : 1 + r.nextInt(3)));
                out.write(r.nextInt(256));
                out.write(r.nextInt(256));
            } else if (map < 97) {
                out.write(0x62);
                out.write((r.nextInt(256) & 0xF8) | (r.nextInt(6) == 0 ? r.nextInt(8) : 1 + r.nextInt(3)));
                out.write(r.nextInt(256) | 0x04);
                out.write(r.nextInt(256));
                out.write(r.nextInt(256));
            } else {
                out.write(0x8F);
                out.write(r.nextInt(256));
            }
            // ModRM, biased toward SIB, disp32 and RIP-relative forms, then disp/imm bytes.
            int mod = r.nextInt(4);
            int rm = switch (r.nextInt(8)) {
                case 0, 1 -> 4;
                case 2 -> 5;
                case 3 -> 6;
                default -> r.nextInt(8);
            };
            out.write((mod << 6) | (r.nextInt(8) << 3) | rm);
            if (r.nextBoolean()) {
                out.write((r.nextInt(4) << 6) | (r.nextInt(8) << 3) | (r.nextInt(3) == 0 ? 5 : r.nextInt(8)));
            }
            int tail = r.nextInt(9);
            for (int i = 0; i < tail; i++) {
                out.write(r.nextInt(256));
            }
        }
        return out.toByteArray();
    }

    private static String hex(byte[] b, int from, int len) {
        StringBuilder sb = new StringBuilder();
        for (int i = from; i < Math.min(b.length, from + len); i++) {
            sb.append(String.format("%02x ", b[i] & 0xFF));
        }
        return sb.toString().trim();
    }
}
