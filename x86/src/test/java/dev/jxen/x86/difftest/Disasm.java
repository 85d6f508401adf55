package dev.jxen.x86.difftest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Map;

/** Disassembles case code with the host's objdump for failure reports (best effort: "" without objdump). */
public final class Disasm {
    private static final Map<String, String> CACHE = new ConcurrentHashMap<>();

    private Disasm() {
    }

    public static String of(byte[] code) {
        if (!Tools.available("objdump")) {
            return "(objdump not available)";
        }
        String key = java.util.HexFormat.of().formatHex(code);
        return CACHE.computeIfAbsent(key, k -> run(code));
    }

    private static String run(byte[] code) {
        try {
            Path f = Files.createTempFile(Tools.workDir(), "code", ".bin");
            try {
                Files.write(f, code);
                String out = Tools.run(List.of("objdump", "-D", "-b", "binary", "-mi386:x86-64", "-M", "intel",
                        "--adjust-vma=0x" + Long.toHexString(Layout.CODE_BASE), f.toString()), null);
                StringBuilder sb = new StringBuilder();
                boolean body = false;
                for (String line : out.split("\n")) {
                    if (line.contains("<.data>:")) {
                        body = true;
                        continue;
                    }
                    if (body && !line.isBlank()) {
                        sb.append("    ").append(line.strip().replace('\t', ' ')).append('\n');
                    }
                }
                return sb.toString();
            } finally {
                Files.deleteIfExists(f);
            }
        } catch (IOException | RuntimeException e) {
            return "(objdump failed: " + e.getMessage() + ")";
        }
    }
}
