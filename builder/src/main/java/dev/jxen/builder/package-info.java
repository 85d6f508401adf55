/**
 * The domain builder (not built yet): loads guest images (ELF with Xen notes, bzImage payloads in
 * any of their compressions, initrd), lays out the initial memory, page tables and start_info of a
 * PV guest, using only the hypervisor's dom0 API.
 */
package dev.jxen.builder;
