package dev.jxen.x86;

import dev.jxen.machine.CpuHost;
import dev.jxen.machine.Engine;
import dev.jxen.machine.MachineMemory;
import dev.jxen.machine.VcpuRunner;
import dev.jxen.x86.testkit.CpuModel;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** The pure-Java x86-64 emulator engine. */
public final class X86Engine implements Engine {
    private final List<X86Cpu> cpus = new CopyOnWriteArrayList<>();

    @Override
    public String name() {
        return "interpreter";
    }

    /** The emulator's CPU model ({@link CpuModel}). */
    @Override
    public void cpuid(int leaf, int subleaf, int[] out) {
        CpuModel.cpuid(leaf, subleaf, out);
    }

    @Override
    public VcpuRunner createVcpu(MachineMemory memory, CpuHost host) {
        X86Cpu cpu = new X86Cpu(memory, host);
        cpus.add(cpu);
        // Writes from outside the engine (builder, backends) must drop decoded code of every vCPU.
        memory.setCodeWriteListener(mfn -> {
            for (X86Cpu c : cpus) {
                if (c.memory == memory) {
                    c.interpreter.invalidateFrame(mfn);
                }
            }
        });
        return cpu;
    }
}
