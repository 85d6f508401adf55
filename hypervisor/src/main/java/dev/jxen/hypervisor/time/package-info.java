/**
 * Time for PV guests: the hypervisor's clock source and the TSC-to-system-time scale that
 * {@code vcpu_time_info} publishes ({@code xen/include/public/xen.h}).
 */
package dev.jxen.hypervisor.time;
