/**
 * xenstored: the store's tree ({@link dev.jxen.xenstore.Tree}, a value of immutable nodes),
 * permissions, per-domain quotas, transactions and watches ({@link dev.jxen.xenstore.Core}, the whole
 * io/xs_wire.h protocol with C xenstored's errnos), served over a domain's ring page and event channel
 * ({@link dev.jxen.xenstore.RingConnection}), a unix socket for tools, and in-process to the toolstack
 * ({@link dev.jxen.xenstore.XsClient}). It sees only the hypervisor's dom0 API.
 */
package dev.jxen.xenstore;
