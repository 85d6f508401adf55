/**
 * Xen's public ABI as Java: hypercall numbers ({@link dev.jxen.abi.Hypercall}), error numbers
 * ({@link dev.jxen.abi.XenErrno}), and later flyweights over {@code MemorySegment} for start_info,
 * shared_info, vcpu_info, grant entries and the shared rings ({@code io/ring.h}, blkif, netif,
 * console, xs_wire). Each class names the public header it mirrors and keeps its spelling, so
 * grep works across jxen and Xen. Depends on nothing but java.base.
 */
package dev.jxen.abi;
