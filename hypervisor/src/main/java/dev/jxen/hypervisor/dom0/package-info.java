/**
 * The dom0 API: what a control-domain process sees of the hypervisor on real Xen, and all that
 * xenstored, the backends and the toolstack may use of it: event channels to a guest
 * ({@link dev.jxen.hypervisor.dom0.HostEventChannel}, as libxenevtchn), foreign memory
 * ({@link dev.jxen.hypervisor.dom0.ForeignMemory}, as libxenforeignmemory) and grant mappings
 * ({@link dev.jxen.hypervisor.dom0.GnttabDevice}, as libxengnttab). Errors carry the errno Xen would return ({@link dev.jxen.hypervisor.dom0.Dom0Exception}).
 */
package dev.jxen.hypervisor.dom0;
