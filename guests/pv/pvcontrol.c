/*
 * pvcontrol: a guest that answers the toolstack's shutdown requests (xl shutdown, xl reboot), the
 * PV control protocol over xenstore that Linux's and Mini-OS's xenbus drivers speak:
 *   - it announces what it will act on: control/feature-poweroff = 1, control/feature-reboot = 1
 *     (as Linux does; no feature-suspend, since it cannot suspend);
 *   - it watches control/shutdown, where the toolstack writes "poweroff" or "reboot";
 *   - for each watch event it reads the node in a transaction; a request it knows ("poweroff",
 *     "halt", "reboot") is acknowledged by writing "" to the node in that same transaction
 *     (retried on EAGAIN, so the toolstack's write and the acknowledgement cannot cross), then
 *     carried out with SCHEDOP_shutdown ("halt" powers off: Xen has no halt reason); an empty
 *     node (the watch's first event, our own acknowledgement) is nothing to do; anything else is
 *     left in place and ignored, as Linux does.
 * Prints "pvcontrol: ready" once the watch is set, "pvcontrol: <request>" before acting on one
 * and "pvcontrol: ignoring <request>" for one it does not know. It never finishes on its own.
 * The store port stays masked; the guest waits for xenstored with SCHEDOP_poll.
 */
#include "pv.h"
#include <xen/io/xs_wire.h>

const char pv_kernel_name[] = "pvcontrol";

static struct xenstore_domain_interface *ring;
static evtchn_port_t store_port;
static uint32_t next_req_id = 1;
/* Watch events that arrived and are not handled yet (there is one watch: control/shutdown). */
static int watch_events;

static struct xsd_sockmsg rsp;
static char rsp_body[XENSTORE_PAYLOAD_MAX + 1];	/* nul-terminated for convenience */
static char req_body[XENSTORE_PAYLOAD_MAX];

static int streq(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

/* Waits until xenstored signals the store port, or `timeout_ns` passes (0: no limit). */
static void wait_store(uint64_t timeout_ns)
{
	struct sched_poll poll = {
		.nr_ports = 1,
		.timeout = timeout_ns ? pv_system_time() + timeout_ns : 0,
	};
	set_xen_guest_handle(poll.ports, &store_port);
	HYPERVISOR_sched_op(SCHEDOP_poll, &poll);
	evtchn_clear(store_port);	/* before looking at the ring, so nothing is missed */
}

static void ring_put(const void *data, uint32_t len)
{
	const char *p = data;
	while (len > 0) {
		XENSTORE_RING_IDX cons = ring->req_cons, prod = ring->req_prod;
		mb();
		uint32_t space = XENSTORE_RING_SIZE - (prod - cons);
		if (space == 0) {
			evtchn_send(store_port);
			wait_store(100000000UL);
			continue;
		}
		uint32_t n = len < space ? len : space;
		for (uint32_t i = 0; i < n; i++)
			ring->req[MASK_XENSTORE_IDX(prod + i)] = p[i];
		mb();	/* the bytes before the index that publishes them */
		ring->req_prod = prod + n;
		p += n;
		len -= n;
	}
	evtchn_send(store_port);
}

/* Takes `len` bytes from the response ring; -1 when xenstored stays silent for 5 s. */
static int ring_get(void *data, uint32_t len)
{
	char *p = data;
	uint64_t give_up = pv_system_time() + 5000000000UL;
	while (len > 0) {
		XENSTORE_RING_IDX cons = ring->rsp_cons, prod = ring->rsp_prod;
		mb();
		if (prod == cons) {
			if (pv_system_time() > give_up)
				return -1;
			wait_store(100000000UL);
			continue;
		}
		uint32_t n = prod - cons;
		if (n > len)
			n = len;
		for (uint32_t i = 0; i < n; i++)
			p[i] = ring->rsp[MASK_XENSTORE_IDX(cons + i)];
		mb();	/* done reading before giving the space back */
		ring->rsp_cons = cons + n;
		evtchn_send(store_port);
		p += n;
		len -= n;
	}
	return 0;
}

/* Reads one message into rsp/rsp_body, counting it when it is a watch event. */
static int read_message(void)
{
	if (ring_get(&rsp, sizeof(rsp)) || rsp.len > XENSTORE_PAYLOAD_MAX || ring_get(rsp_body, rsp.len))
		return -1;
	rsp_body[rsp.len] = 0;
	if (rsp.type == XS_WATCH_EVENT)
		watch_events++;
	return 0;
}

/* Sends a request and waits for its reply (watch events meanwhile are counted). Returns the
 * error name xenstored answered (XS_ERROR), or NULL on success; the reply is in rsp_body. */
static const char *xs_request(uint32_t type, uint32_t tx, uint32_t len)
{
	struct xsd_sockmsg h = { .type = type, .req_id = next_req_id++, .tx_id = tx, .len = len };
	ring_put(&h, sizeof(h));
	ring_put(req_body, len);
	for (;;) {
		if (read_message())
			return "no reply from xenstored";
		if (rsp.type != XS_WATCH_EVENT && rsp.req_id == h.req_id)
			return rsp.type == XS_ERROR ? rsp_body : NULL;
	}
}

/* Puts the strings into req_body, each nul-terminated but the last when `last_raw` (a WRITE's value). */
static uint32_t body(const char *a, const char *b, int last_raw)
{
	uint32_t n = 0;
	for (const char *s = a; *s; s++)
		req_body[n++] = *s;
	if (b || !last_raw)
		req_body[n++] = 0;
	if (b) {
		for (const char *s = b; *s; s++)
			req_body[n++] = *s;
		if (!last_raw)
			req_body[n++] = 0;
	}
	return n;
}

static const char *xs_write(uint32_t tx, const char *path, const char *value)
{
	return xs_request(XS_WRITE, tx, body(path, value, 1));
}

/* The transaction's id, or 0 when xenstored refused to start one. */
static uint32_t xs_transaction_start(void)
{
	req_body[0] = 0;
	if (xs_request(XS_TRANSACTION_START, 0, 1))
		return 0;
	uint32_t id = 0;
	for (const char *p = rsp_body; *p >= '0' && *p <= '9'; p++)
		id = id * 10 + (uint32_t)(*p - '0');
	return id;
}

static const char *xs_transaction_end(uint32_t tx, int commit)
{
	return xs_request(XS_TRANSACTION_END, tx, body(commit ? "T" : "F", NULL, 0));
}

static void __attribute__((noreturn)) shutdown_with(unsigned int reason)
{
	struct sched_shutdown arg = { .reason = reason };
	HYPERVISOR_sched_op(SCHEDOP_shutdown, &arg);
	pv_crash("SCHEDOP_shutdown returned");
}

/* The reason for a request this guest acts on, or -1. */
static int reason_of(const char *request)
{
	if (streq(request, "poweroff") || streq(request, "halt"))
		return SHUTDOWN_poweroff;
	if (streq(request, "reboot"))
		return SHUTDOWN_reboot;
	return -1;
}

/* One watch event: reads control/shutdown and acknowledges and acts on a known request. */
static void handle_control_shutdown(void)
{
	static char request[64];
	int reason;
	for (;;) {
		uint32_t tx = xs_transaction_start();
		if (tx == 0)
			return;
		const char *err = xs_request(XS_READ, tx, body("control/shutdown", NULL, 0));
		if (err || rsp_body[0] == 0) {
			xs_transaction_end(tx, 0);	/* gone, or empty: nothing asked */
			return;
		}
		uint32_t n = rsp.len < sizeof(request) - 1 ? rsp.len : sizeof(request) - 1;
		memcpy(request, rsp_body, n);
		request[n] = 0;
		reason = reason_of(request);
		if (reason >= 0)
			xs_write(tx, "control/shutdown", "");
		err = xs_transaction_end(tx, 1);
		if (err && streq(err, "EAGAIN"))
			continue;	/* the node changed meanwhile: read it again */
		if (err) {
			printk("pvcontrol: acknowledging '%s' failed: %s\n", request, err);
			return;
		}
		break;
	}
	if (reason < 0) {
		printk("pvcontrol: ignoring %s\n", request);
		return;
	}
	printk("pvcontrol: %s\n", request);
	shutdown_with((unsigned int)reason);
}

static void announce(const char *feature)
{
	const char *err = xs_write(0, feature, "1");
	if (err)
		pv_crash("writing %s: %s", feature, err);
}

void pv_main(void)
{
	ring = pfn_to_virt(machine_to_phys_mapping[start_info->store_mfn]);
	store_port = start_info->store_evtchn;
	evtchn_mask(store_port);

	announce("control/feature-poweroff");
	announce("control/feature-reboot");
	const char *err = xs_request(XS_WATCH, 0, body("control/shutdown", "control/shutdown", 0));
	if (err)
		pv_crash("watching control/shutdown: %s", err);
	printk("pvcontrol: ready\n");

	for (;;) {
		while (watch_events > 0) {
			watch_events--;
			handle_control_shutdown();
		}
		XENSTORE_RING_IDX cons = ring->rsp_cons, prod = ring->rsp_prod;
		mb();
		if (prod != cons) {
			if (read_message())
				pv_crash("a broken message from xenstored");
			continue;
		}
		wait_store(0);
	}
}
