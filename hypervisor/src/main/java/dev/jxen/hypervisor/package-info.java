/**
 * The hypervisor (not built yet): domains, vCPUs and their scheduler, PV MMU validation and page
 * types, hypercalls, trap and event delivery, event channels, grant tables, PV time and console_io.
 * It drives vCPUs through the {@code dev.jxen.machine.Engine} seam and never depends on a particular
 * engine. What dom0 processes may use (event channels, grant maps, foreign memory, domctl) is its
 * dom0 API, the only thing the builder, xenstored, backends and toolstack see.
 */
package dev.jxen.hypervisor;
