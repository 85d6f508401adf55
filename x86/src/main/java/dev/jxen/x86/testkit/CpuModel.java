package dev.jxen.x86.testkit;

/**
 * The CPUID answers of the emulated CPU when no hypervisor supplies its own policy: a 64-bit CPU
 * with x87, MMX, SSE..SSE4.2, POPCNT, CX8/CX16, CMOV, FXSR, SYSCALL, NX, LAHF, RDTSCP, MOVBE, LZCNT (TZCNT decodes as on the host); no AVX,
 * no XSAVE, no BMI. What is advertised here is what the emulator implements.
 */
public final class CpuModel {
    private CpuModel() {
    }

    public static final int LEAF1_ECX = (1 << 0) /* SSE3 */ | (1 << 9) /* SSSE3 */
            | (1 << 13) /* CX16 */ | (1 << 19) /* SSE4.1 */ | (1 << 20) /* SSE4.2 */ | (1 << 22) /* MOVBE */ | (1 << 23) /* POPCNT */;
    public static final int LEAF1_EDX = (1 << 0) /* FPU */ | (1 << 4) /* TSC */ | (1 << 5) /* MSR */ | (1 << 6) /* PAE */
            | (1 << 8) /* CX8 */ | (1 << 11) /* SEP */ | (1 << 15) /* CMOV */ | (1 << 16) /* PAT */
            | (1 << 19) /* CLFSH */ | (1 << 23) /* MMX */ | (1 << 24) /* FXSR */ | (1 << 25) /* SSE */
            | (1 << 26) /* SSE2 */;

    public static void cpuid(int leaf, int subleaf, int[] out) {
        out[0] = out[1] = out[2] = out[3] = 0;
        switch (leaf) {
            case 0 -> {
                out[0] = 0xD;
                // "GenuineIntel": the emulator follows Intel's behaviour where the manuals leave a
                // choice (checked against an Intel host), and guests pick their Intel paths.
                out[1] = 0x756E_6547; // "Genu"
                out[3] = 0x4965_6E69; // "ineI"
                out[2] = 0x6C65_746E; // "ntel"
            }
            case 1 -> {
                out[0] = 0x000A_0652; // family 6
                out[1] = 0x0001_0800; // CLFLUSH line 8*8 bytes, 1 logical CPU
                out[2] = LEAF1_ECX;
                out[3] = LEAF1_EDX;
            }
            case 0x8000_0000 -> out[0] = 0x8000_0008;
            case 0x8000_0001 -> {
                out[2] = 1 | (1 << 5); // LAHF/SAHF in 64-bit mode, LZCNT (ABM)
                out[3] = (1 << 11) /* SYSCALL */ | (1 << 20) /* NX */ | (1 << 26) /* 1 GiB pages */
                        | (1 << 27) /* RDTSCP */ | (1 << 29) /* LM */;
            }
            case 0x8000_0008 -> out[0] = 0x3030; // 48-bit virtual, 48-bit physical
            default -> { }
        }
    }
}
