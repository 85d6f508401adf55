package dev.jxen.hypervisor;

import dev.jxen.abi.ConsoleIo;
import dev.jxen.machine.MachineMemory;
import java.io.ByteArrayOutputStream;

/**
 * The console backend the hypervisor plays until the toolstack has its own: it drains the guest's
 * {@code xencons_interface} output ring into the domain's {@link ConsoleSink} when the guest
 * notifies the ring's event channel (and when it yields, blocks or shuts down), and feeds keyboard
 * input into the ring's input side, or to {@code console_io(read)}.
 */
final class Console {
    private final Domain domain;
    private long ringMa = -1;
    private int port;
    private final ByteArrayOutputStream pendingInput = new ByteArrayOutputStream();

    Console(Domain domain) {
        this.domain = domain;
    }

    synchronized void attachRing(long mfn, int port) {
        this.ringMa = mfn << MachineMemory.PAGE_SHIFT;
        this.port = port;
        domain.events.setHostListener(port, this::kick);
    }

    /** The guest notified the console channel: drain output, push input, notify back. */
    void kick() {
        boolean moved = drainOutput() | pushInput();
        if (moved) {
            domain.events.raise(port);
        }
    }

    /** Drains the output ring without notifying (polling guests, shutdown). */
    void poll() {
        if (drainOutput() | pushInput()) {
            domain.events.raise(port);
        }
    }

    private synchronized boolean drainOutput() {
        if (ringMa < 0) {
            return false;
        }
        MachineMemory mem = domain.machine();
        int cons = mem.read32(ringMa + ConsoleIo.OUT_CONS);
        int prod = mem.read32(ringMa + ConsoleIo.OUT_PROD);
        int n = prod - cons;
        if (n == 0) {
            return false;
        }
        if (n < 0 || n > ConsoleIo.OUT_SIZE) {
            // A corrupt index: skip to the producer, as a backend would resynchronise.
            mem.write32(ringMa + ConsoleIo.OUT_CONS, prod);
            return true;
        }
        byte[] out = new byte[n];
        for (int i = 0; i < n; i++) {
            out[i] = mem.read8(ringMa + ConsoleIo.OUT + ((cons + i) & (ConsoleIo.OUT_SIZE - 1)));
        }
        mem.write32(ringMa + ConsoleIo.OUT_CONS, prod);
        domain.consoleSink().write(out, 0, n);
        return true;
    }

    private synchronized boolean pushInput() {
        if (ringMa < 0 || pendingInput.size() == 0) {
            return false;
        }
        MachineMemory mem = domain.machine();
        int cons = mem.read32(ringMa + ConsoleIo.IN_CONS);
        int prod = mem.read32(ringMa + ConsoleIo.IN_PROD);
        byte[] data = pendingInput.toByteArray();
        int space = ConsoleIo.IN_SIZE - (prod - cons);
        int n = Math.max(0, Math.min(space, data.length));
        for (int i = 0; i < n; i++) {
            mem.write8(ringMa + ConsoleIo.IN + ((prod + i) & (ConsoleIo.IN_SIZE - 1)), data[i]);
        }
        mem.write32(ringMa + ConsoleIo.IN_PROD, prod + n);
        pendingInput.reset();
        pendingInput.write(data, n, data.length - n);
        return n > 0;
    }

    void input(byte[] data) {
        boolean ring;
        synchronized (this) {
            pendingInput.write(data, 0, data.length);
            ring = ringMa >= 0;
        }
        if (ring) {
            // The ring is written on the vCPU's thread: post it a console kick.
            domain.vcpu(0).post(Vcpu.POST_CONSOLE);
        }
    }

    /** console_io(read): takes up to {@code max} bytes of pending input. */
    synchronized byte[] readInput(int max) {
        byte[] data = pendingInput.toByteArray();
        int n = Math.min(max, data.length);
        byte[] out = java.util.Arrays.copyOf(data, n);
        pendingInput.reset();
        pendingInput.write(data, n, data.length - n);
        return out;
    }
}
