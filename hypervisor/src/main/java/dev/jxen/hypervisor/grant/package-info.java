/**
 * Grant tables (PV-ABI.md, Xen's {@code grant_table.h}): each domain's shared table of grant
 * entries (v1 or v2 with status frames), the active state of entries another domain has pinned,
 * the maptrack of mappings a domain made, and the grant hypercalls ({@link
 * dev.jxen.hypervisor.grant.GrantOps}) that map, unmap and copy through them with Xen's permission
 * checks and GNTST_* statuses. Mappings into a PV guest's page tables go through the PV MMU
 * ({@link dev.jxen.hypervisor.mm.PvMmu}), which holds references on the granted frame so it can be
 * neither freed nor retyped while mapped.
 *
 * <p>All grant state of a hypervisor is guarded by one lock, the frame table's, which the PV MMU
 * takes too: grant operations are rare next to guest execution, and one lock keeps the entry
 * flags, pin counts, frame references and page-table entries consistent with each other.
 */
package dev.jxen.hypervisor.grant;
