package dev.jxen.x86.difftest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Assembles Intel-syntax snippets with the host's GNU assembler, many per call. Statements in one
 * snippet are separated by ';' or newlines; labels must be local numeric ones ({@code 1: ... jnz 1b})
 * because all snippets share one file.
 */
public final class Asm {
    private static final Map<String, byte[]> CACHE = new ConcurrentHashMap<>();

    private Asm() {
    }

    public static byte[] assemble(String source) {
        return assembleAll(List.of(source)).get(0);
    }

    /** Assembles each snippet separately (one assembler run for all of them). */
    public static List<byte[]> assembleAll(List<String> sources) {
        List<String> missing = new ArrayList<>();
        for (String s : sources) {
            if (!CACHE.containsKey(s) && !missing.contains(s)) {
                missing.add(s);
            }
        }
        if (!missing.isEmpty()) {
            Map<String, byte[]> fresh = run(missing);
            CACHE.putAll(fresh);
        }
        List<byte[]> out = new ArrayList<>(sources.size());
        for (String s : sources) {
            out.add(CACHE.get(s).clone());
        }
        return out;
    }

    private static Map<String, byte[]> run(List<String> sources) {
        StringBuilder src = new StringBuilder(".intel_syntax noprefix\n.text\n");
        for (int i = 0; i < sources.size(); i++) {
            src.append("s").append(i).append(":\n").append(sources.get(i)).append('\n');
        }
        src.append("s").append(sources.size()).append(":\n");
        try {
            Path dir = Files.createTempDirectory(Tools.workDir(), "asm");
            try {
                Path s = dir.resolve("a.s");
                Path o = dir.resolve("a.o");
                Path bin = dir.resolve("a.bin");
                Files.writeString(s, src);
                Tools.run(List.of(Tools.require("as"), "--64", "-o", o.toString(), s.toString()), dir);
                Tools.run(List.of(Tools.require("objcopy"), "-O", "binary", "-j", ".text", o.toString(), bin.toString()), dir);
                String syms = Tools.run(List.of(Tools.require("nm"), o.toString()), dir);
                byte[] text = Files.readAllBytes(bin);
                Map<Integer, Integer> at = new HashMap<>();
                for (String line : syms.split("\n")) {
                    String[] f = line.trim().split("\\s+");
                    if (f.length == 3 && f[2].matches("s\\d+")) {
                        at.put(Integer.parseInt(f[2].substring(1)), Integer.parseInt(f[0], 16));
                    }
                }
                Map<String, byte[]> result = new HashMap<>();
                for (int i = 0; i < sources.size(); i++) {
                    int from = at.get(i);
                    int to = at.get(i + 1);
                    byte[] b = new byte[to - from];
                    System.arraycopy(text, from, b, 0, b.length);
                    result.put(sources.get(i), b);
                }
                return result;
            } finally {
                try (var files = Files.list(dir)) {
                    for (Path p : files.toList()) {
                        Files.deleteIfExists(p);
                    }
                }
                Files.deleteIfExists(dir);
            }
        } catch (IOException e) {
            throw new IllegalStateException("assembler: " + e.getMessage(), e);
        }
    }
}
