/*
 * interdomain: an event channel between two domains, without grants or xenstore. Boot two copies,
 * one with `interdomain=server peer=<client domid>` and one with `interdomain=client
 * peer=<server domid>` on the command line (xl.cfg `extra`), in either order.
 *
 *   server: alloc_unbound(remote = peer) offers a port to the client, waits until the client has
 *           bound it (EVTCHNOP_status turns interdomain), then answers each event with one back.
 *   client: finds the offered port by trying bind_interdomain on the server's ports (a port that is
 *           not offered to us is refused with -EINVAL; the server may not have offered it yet, so it
 *           retries for a while), then makes ROUNDS round trips and reports the average time.
 *
 * Both wait with SCHEDOP_poll on their masked port, the simplest way to sleep for one event
 * without an upcall handler. Each prints "interdomain: PASS" and powers off.
 */
#include "pv.h"

const char pv_kernel_name[] = "interdomain";

#define ROUNDS		100
#define WAIT_NS		10000000000UL	/* 10 s: generous for a slow emulator */

/* Sleeps until `port` is pending, then clears it. Returns 0 on timeout. */
static int wait_port(evtchn_port_t port, uint64_t timeout_ns)
{
	uint64_t give_up = pv_system_time() + timeout_ns;
	struct sched_poll poll = { .nr_ports = 1 };
	set_xen_guest_handle(poll.ports, &port);
	while (!evtchn_pending(port)) {
		uint64_t now = pv_system_time();
		if (now >= give_up)
			return 0;
		poll.timeout = give_up;
		HYPERVISOR_sched_op(SCHEDOP_poll, &poll);
	}
	evtchn_clear(port);
	return 1;
}

static uint32_t port_status(evtchn_port_t port)
{
	struct evtchn_status st = { .dom = DOMID_SELF, .port = port };
	return HYPERVISOR_event_channel_op(EVTCHNOP_status, &st) ? 0xffffffff : st.status;
}

static void server(domid_t peer)
{
	struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = peer };
	long rc = HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &au);
	check(rc == 0, "alloc_unbound for the peer", "returned %ld", rc);
	if (rc)
		return;
	evtchn_port_t port = au.port;
	evtchn_mask(port);	/* no upcalls: we poll */
	printk("interdomain: info server offers port %u to domain %u\n", port, peer);

	uint64_t give_up = pv_system_time() + WAIT_NS;
	while (port_status(port) != EVTCHNSTAT_interdomain && pv_system_time() < give_up)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	CHECK_EQ("the client bound the port", port_status(port), EVTCHNSTAT_interdomain);

	int answered = 0;
	while (answered < ROUNDS && wait_port(port, WAIT_NS)) {
		evtchn_send(port);
		answered++;
	}
	CHECK_EQ("events answered", answered, ROUNDS);
}

static void client(domid_t peer)
{
	/* Find the port the server offers us. Its first ports (xenstore, console) are offered to
	 * domain 0, so binding them fails; so does a port not allocated yet. */
	evtchn_port_t port = 0, remote = 0;
	uint64_t give_up = pv_system_time() + WAIT_NS;
	long rc = 0;
	while (!port && pv_system_time() < give_up) {
		for (evtchn_port_t p = 1; p < 64 && !port; p++) {
			struct evtchn_bind_interdomain bi = { .remote_dom = peer, .remote_port = p };
			rc = HYPERVISOR_event_channel_op(EVTCHNOP_bind_interdomain, &bi);
			if (rc == 0) {
				port = bi.local_port;
				remote = p;
			}
		}
		if (!port)
			HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	}
	check(port != 0, "bind_interdomain to the server's offered port", "last error %ld", rc);
	if (!port)
		return;
	evtchn_mask(port);
	printk("interdomain: info client port %u bound to port %u of domain %u\n", port, remote, peer);
	CHECK_EQ("status of our end", port_status(port), EVTCHNSTAT_interdomain);
	/* Binding sets our new port pending, as a kick for the new connection. */
	check(evtchn_pending(port), "bind_interdomain set our port pending", "not pending");
	evtchn_clear(port);

	int rounds = 0;
	uint64_t start = pv_system_time();
	for (; rounds < ROUNDS; rounds++) {
		if (evtchn_send(port) != 0 || !wait_port(port, WAIT_NS))
			break;
	}
	uint64_t elapsed = pv_system_time() - start;
	CHECK_EQ("round trips", rounds, ROUNDS);
	if (rounds)
		printk("interdomain: info %d round trips, %lu ns each\n", rounds, elapsed / rounds);

	struct evtchn_close cl = { .port = port };
	rc = HYPERVISOR_event_channel_op(EVTCHNOP_close, &cl);
	check(rc == 0, "close our end", "returned %ld", rc);
}

void pv_main(void)
{
	pv_install_trap_table();
	size_t len;
	const char *role = cmdline_value("interdomain", &len);
	long peer = cmdline_number("peer", -1);
	if (!role || peer < 0 || peer >= DOMID_FIRST_RESERVED)
		pv_crash("needs \"interdomain=server|client peer=<domid>\" on the command line, got \"%s\"",
			 (const char *)start_info->cmd_line);
	if (len == 6 && memcmp(role, "server", 6) == 0)
		server((domid_t)peer);
	else if (len == 6 && memcmp(role, "client", 6) == 0)
		client((domid_t)peer);
	else
		pv_crash("interdomain= must be server or client");
}
