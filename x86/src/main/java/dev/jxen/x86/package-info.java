/**
 * The x86-64 emulator engine: {@link dev.jxen.x86.X86Engine} creates {@link dev.jxen.x86.X86Cpu}
 * vCPUs that hold the architectural state; {@link dev.jxen.x86.Decoder} turns bytes into packed
 * instruction words; {@link dev.jxen.x86.Interpreter} caches decoded blocks per guest page and runs
 * them, dispatching to the opcode-map classes; {@link dev.jxen.x86.Mmu} does 4-level paging with a
 * software TLB; {@link dev.jxen.x86.Flags} evaluates arithmetic flags lazily. Faults unwind as the
 * preallocated {@link dev.jxen.x86.CpuFault} and leave no state changed. Knows nothing of Xen.
 */
package dev.jxen.x86;
