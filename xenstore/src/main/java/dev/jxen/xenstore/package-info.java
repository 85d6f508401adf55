/**
 * xenstored (not built yet): the store's tree, permissions, quotas, transactions and watches, with
 * the guest ring and unix-socket transports. It sees only the hypervisor's dom0 API.
 */
package dev.jxen.xenstore;
