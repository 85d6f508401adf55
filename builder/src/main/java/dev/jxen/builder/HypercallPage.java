package dev.jxen.builder;

import dev.jxen.abi.Hypercall;

/**
 * The hypercall page Xen writes for a 64-bit PV guest (the guest kernel runs in ring 3, so a
 * hypercall is a {@code syscall}): the page is filled with int3 (0xCC), then entry {@code n} at
 * {@code n*32} saves RCX and R11 (clobbered by SYSCALL), loads the number into EAX, traps and
 * restores them. The iret entry (23) is jumped to, not called: it also pushes RAX and never returns.
 */
public final class HypercallPage {
    private HypercallPage() {
    }

    public static final int ENTRY_SIZE = Hypercall.ENTRY_SIZE;
    public static final int IRET = Hypercall.IRET;

    /** The 4096 bytes of the page. */
    public static byte[] contents() {
        byte[] p = new byte[4096];
        java.util.Arrays.fill(p, (byte) 0xcc);
        for (int nr = 0; nr < 4096 / ENTRY_SIZE; nr++) {
            int o = nr * ENTRY_SIZE;
            p[o] = 0x51; // push %rcx
            p[o + 1] = 0x41; // push %r11
            p[o + 2] = 0x53;
            int m = o + 3;
            if (nr == IRET) {
                p[m++] = 0x50; // push %rax
            }
            p[m] = (byte) 0xb8; // mov $nr,%eax
            p[m + 1] = (byte) nr;
            p[m + 2] = (byte) (nr >> 8);
            p[m + 3] = 0;
            p[m + 4] = 0;
            p[m + 5] = 0x0f; // syscall
            p[m + 6] = 0x05;
            if (nr != IRET) {
                p[m + 7] = 0x41; // pop %r11
                p[m + 8] = 0x5b;
                p[m + 9] = 0x59; // pop %rcx
                p[m + 10] = (byte) 0xc3; // ret
            }
        }
        return p;
    }
}
