/**
 * The seam between the hypervisor and whatever executes guest code: machine memory as 4 KiB frames
 * ({@link dev.jxen.machine.MachineMemory}), the {@link dev.jxen.machine.Engine} that creates
 * {@link dev.jxen.machine.VcpuRunner}s, and the exit record ({@link dev.jxen.machine.VcpuExit}) that
 * tells the hypervisor what to do after each run. Nothing here knows about Xen or about how the
 * CPU is implemented.
 */
package dev.jxen.machine;
