/**
 * Boot tests of Debian's real PV images on jxen: GRUB's Xen image and the Linux 6.1 bzImage,
 * each run with a time bound until its console shows the expected first output. Where a boot
 * stops is reported with RIP, symbol and the last hypercalls.
 */
package dev.jxen.toolstack.boot;
