/**
 * The domain builder: loads guest kernels ({@link dev.jxen.builder.KernelImage}: ELF with Xen notes
 * from PT_NOTE segments, SHT_NOTE sections or the legacy {@code __xen_guest} section; Linux bzImages
 * with gzip, bzip2, xz, lzma, lzo, lz4 or zstd payloads) and lays out a new 64-bit PV domain exactly
 * as Xen's libxenguest does ({@link dev.jxen.builder.DomainBuilder}): kernel, initrd, P2M list,
 * start_info, xenstore and console pages, boot page tables, boot stack and the hypercall page.
 * It sees the domain only through {@link dev.jxen.builder.GuestMemory}.
 */
package dev.jxen.builder;
