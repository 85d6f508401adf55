package dev.jxen.x86.difftest;

/** Register names by operand size for building assembly text. */
public final class Regs {
    public static final int RAX = 0, RCX = 1, RDX = 2, RBX = 3, RSP = 4, RBP = 5, RSI = 6, RDI = 7;
    private static final String[] R64 = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
        "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"};
    private static final String[] R32 = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi",
        "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d"};
    private static final String[] R16 = {"ax", "cx", "dx", "bx", "sp", "bp", "si", "di",
        "r8w", "r9w", "r10w", "r11w", "r12w", "r13w", "r14w", "r15w"};
    private static final String[] R8 = {"al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil",
        "r8b", "r9b", "r10b", "r11b", "r12b", "r13b", "r14b", "r15b"};
    public static final int[] SIZES = {8, 16, 32, 64};

    private Regs() {
    }

    public static String name(int r, int bits) {
        return switch (bits) {
            case 8 -> R8[r];
            case 16 -> R16[r];
            case 32 -> R32[r];
            default -> R64[r];
        };
    }

    public static String ptr(int bits) {
        return switch (bits) {
            case 8 -> "byte ptr";
            case 16 -> "word ptr";
            case 32 -> "dword ptr";
            default -> "qword ptr";
        };
    }
}
