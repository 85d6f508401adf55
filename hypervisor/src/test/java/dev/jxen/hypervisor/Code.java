package dev.jxen.hypervisor;

import java.io.ByteArrayOutputStream;

/**
 * Inline machine code for test guests: each method appends the fixed encoding named in its
 * comment (no assembler; immediates are little-endian).
 */
final class Code {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final long base;

    Code(long base) {
        this.base = base;
    }

    long here() {
        return base + out.size();
    }

    Code raw(int... bytes) {
        for (int b : bytes) {
            out.write(b);
        }
        return this;
    }

    Code imm32(long v) {
        for (int i = 0; i < 4; i++) {
            out.write((int) (v >>> (8 * i)));
        }
        return this;
    }

    Code imm64(long v) {
        for (int i = 0; i < 8; i++) {
            out.write((int) (v >>> (8 * i)));
        }
        return this;
    }

    /** 48 B8+r imm64: mov r64, imm64 (r = 0..7). */
    Code movImm64(int reg, long v) {
        return raw(0x48, 0xB8 + reg).imm64(v);
    }

    Code movRax(long v) {
        return movImm64(0, v);
    }

    Code movRcx(long v) {
        return movImm64(1, v);
    }

    Code movRdx(long v) {
        return movImm64(2, v);
    }

    Code movRbx(long v) {
        return movImm64(3, v);
    }

    Code movRsi(long v) {
        return movImm64(6, v);
    }

    Code movRdi(long v) {
        return movImm64(7, v);
    }

    /** 49 BA imm64: mov r10, imm64. */
    Code movR10(long v) {
        return raw(0x49, 0xBA).imm64(v);
    }

    /** 49 B8 imm64: mov r8, imm64. */
    Code movR8(long v) {
        return raw(0x49, 0xB8).imm64(v);
    }

    /** 49 BB imm64: mov r11, imm64. */
    Code movR11(long v) {
        return raw(0x49, 0xBB).imm64(v);
    }

    /** 0F 05: syscall. */
    Code syscall() {
        return raw(0x0F, 0x05);
    }

    /** mov rax, nr; syscall. */
    Code hypercall(int nr) {
        return movRax(nr).syscall();
    }

    /** 48 89 07: mov [rdi], rax (store a hypercall result). */
    Code storeRaxAtRdi() {
        return raw(0x48, 0x89, 0x07);
    }

    /** mov rdi, addr; 48 89 07: store RAX at {@code addr}. */
    Code storeRax(long addr) {
        return movRdi(addr).storeRaxAtRdi();
    }

    /** sched_op(SCHEDOP_shutdown, &reason) with the reason word at {@code reasonVa}. */
    Code shutdown(long reasonVa) {
        return movRdi(2).movRsi(reasonVa).hypercall(29);
    }

    /** EB FE: jmp $ (spin). */
    Code spin() {
        return raw(0xEB, 0xFE);
    }

    /** 0F 0B: ud2. */
    Code ud2() {
        return raw(0x0F, 0x0B);
    }

    byte[] bytes() {
        return out.toByteArray();
    }

    void loadInto(TestGuest g) {
        g.load(base, bytes());
    }
}
