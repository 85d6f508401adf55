/**
 * Machine memory as Xen manages it: the frame table (owner, page type, type and reference counts
 * of every MFN), the machine-to-physical table mapped read-only into every PV guest, and the
 * validation rules for PV page tables.
 */
package dev.jxen.hypervisor.mm;
