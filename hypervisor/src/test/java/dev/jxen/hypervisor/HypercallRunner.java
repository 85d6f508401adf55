package dev.jxen.hypervisor;

import java.util.ArrayList;
import java.util.List;

/**
 * A guest program that performs a table of hypercalls and records each result, then shuts down
 * with SHUTDOWN_poweroff. Entries are 64 bytes at {@link #TABLE}: nr, a1..a5, result; an entry
 * whose nr is -1 ends the table (its a1 slot holds the shutdown reason 0).
 */
final class HypercallRunner {
    static final long TABLE = TestGuest.DATA;
    /** Argument buffers start here (one page each is plenty). */
    static final long ARGS = TestGuest.DATA + 0x4000;

    static final byte[] CODE = {
        0x48, (byte) 0xBB, 0, 0, 0, 0, 0, 0, 0, 0,     //  0: mov rbx, TABLE (patched)
        0x48, (byte) 0x8B, 0x03,                        // 10: loop: mov rax, [rbx]
        0x48, (byte) 0x83, (byte) 0xF8, (byte) 0xFF,    // 13: cmp rax, -1
        0x74, 0x20,                                     // 17: je done (51)
        0x48, (byte) 0x8B, 0x7B, 0x08,                  // 19: mov rdi, [rbx+8]
        0x48, (byte) 0x8B, 0x73, 0x10,                  // 23: mov rsi, [rbx+16]
        0x48, (byte) 0x8B, 0x53, 0x18,                  // 27: mov rdx, [rbx+24]
        0x4C, (byte) 0x8B, 0x53, 0x20,                  // 31: mov r10, [rbx+32]
        0x4C, (byte) 0x8B, 0x43, 0x28,                  // 35: mov r8, [rbx+40]
        0x0F, 0x05,                                     // 39: syscall
        0x48, (byte) 0x89, 0x43, 0x30,                  // 41: mov [rbx+48], rax
        0x48, (byte) 0x83, (byte) 0xC3, 0x40,           // 45: add rbx, 64
        (byte) 0xEB, (byte) 0xD7,                       // 49: jmp loop (10)
        (byte) 0xBF, 0x02, 0, 0, 0,                     // 51: done: mov edi, SCHEDOP_shutdown
        0x48, (byte) 0x8D, 0x73, 0x08,                  // 56: lea rsi, [rbx+8]
        (byte) 0xB8, 0x1D, 0, 0, 0,                     // 60: mov eax, __HYPERVISOR_sched_op
        0x0F, 0x05,                                     // 65: syscall
        0x0F, 0x0B,                                     // 67: ud2
    };

    private final TestGuest g;
    private final List<long[]> calls = new ArrayList<>();

    HypercallRunner(TestGuest g) {
        this.g = g;
    }

    /** Adds a call; returns its index for {@link #result(int)}. */
    int call(long nr, long... args) {
        long[] e = new long[6];
        e[0] = nr;
        System.arraycopy(args, 0, e, 1, args.length);
        calls.add(e);
        return calls.size() - 1;
    }

    /** Writes the program and table, runs the guest to its shutdown. */
    DomainExit run() throws Exception {
        byte[] code = CODE.clone();
        for (int i = 0; i < 8; i++) {
            code[2 + i] = (byte) (TABLE >>> (8 * i));
        }
        g.load(TestGuest.CODE, code);
        for (int i = 0; i < calls.size(); i++) {
            long[] e = calls.get(i);
            for (int k = 0; k < 6; k++) {
                g.write64(TABLE + i * 64L + k * 8, e[k]);
            }
            g.write64(TABLE + i * 64L + 48, 0xDEAD);
        }
        long end = TABLE + calls.size() * 64L;
        g.write64(end, -1);
        g.write64(end + 8, 0);
        g.start(TestGuest.CODE);
        return g.awaitExit();
    }

    long result(int index) {
        return g.read64(TABLE + index * 64L + 48);
    }
}
