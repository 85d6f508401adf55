/**
 * The hypervisor: domains ({@link dev.jxen.hypervisor.Domain}), vCPUs and their run loop, trap and
 * event bounce frames, privileged-instruction emulation, hypercalls, event channels, PV time and
 * the console. Entry point: {@link dev.jxen.hypervisor.Hypervisor}. It drives vCPUs through the
 * {@code dev.jxen.machine.Engine} seam and never depends on a particular engine. Frame ownership,
 * page types and the M2P live in {@code dev.jxen.hypervisor.mm}; the clock in
 * {@code dev.jxen.hypervisor.time}.
 */
package dev.jxen.hypervisor;
