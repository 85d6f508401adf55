/*
 * The xenbus client of lib/xenstore.h: the two byte rings of xenstore_domain_interface, messages
 * of an xsd_sockmsg header and a payload, requests matched to replies by req_id.
 */
#include "xenstore.h"

uint32_t xs_reply_type;
uint32_t xs_reply_len;
char xs_reply[XENSTORE_PAYLOAD_MAX + 1];
void (*xs_watch_hook)(const char *path, const char *token);

static struct xenstore_domain_interface *ring;
static evtchn_port_t store_port;
static uint32_t next_req_id = 1;
static char request_body[XENSTORE_PAYLOAD_MAX];

/* How long one wait lasts while the rings are busy (xenstored signals when it has moved), and how
 * long a reply may take before the client gives up on xenstored. */
#define RING_WAIT_NS	100000000UL
#define REPLY_LIMIT_NS	5000000000UL

int streq(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

struct xenstore_domain_interface *xs_init(void)
{
	ring = pfn_to_virt(machine_to_phys_mapping[start_info->store_mfn]);
	store_port = start_info->store_evtchn;
	evtchn_mask(store_port);	/* SCHEDOP_poll wakes on a masked port; no upcall needed */
	return ring;
}

void xs_wait(uint64_t timeout_ns)
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
			xs_wait(RING_WAIT_NS);
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
	uint64_t give_up = pv_system_time() + REPLY_LIMIT_NS;
	while (len > 0) {
		XENSTORE_RING_IDX cons = ring->rsp_cons, prod = ring->rsp_prod;
		mb();
		if (prod == cons) {
			if (pv_system_time() > give_up)
				return -1;
			xs_wait(RING_WAIT_NS);
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

/* Reads one message into xs_reply; a watch event ("path\0token\0") goes to the hook. Returns
 * the message's req_id, or -1 when xenstored is silent or the message is too long. */
static int64_t read_message(void)
{
	struct xsd_sockmsg h;
	if (ring_get(&h, sizeof(h)) || h.len > XENSTORE_PAYLOAD_MAX || ring_get(xs_reply, h.len))
		return -1;
	xs_reply[h.len] = 0;
	xs_reply_type = h.type;
	xs_reply_len = h.len;
	if (h.type == XS_WATCH_EVENT && xs_watch_hook) {
		size_t path_len = strlen(xs_reply);
		/* a token missing from a malformed event reads as "" rather than past the payload */
		xs_watch_hook(xs_reply, path_len < h.len ? xs_reply + path_len + 1 : "");
	}
	return h.req_id;
}

/* Puts a and b into request_body, each nul-terminated but the last when `last_raw`. */
static uint32_t body(const char *a, const char *b, int last_raw)
{
	uint32_t n = 0;
	for (const char *s = a; *s; s++)
		request_body[n++] = *s;
	if (b || !last_raw)
		request_body[n++] = 0;
	if (b) {
		for (const char *s = b; *s; s++)
			request_body[n++] = *s;
		if (!last_raw)
			request_body[n++] = 0;
	}
	return n;
}

static const char *send_and_wait(uint32_t type, uint32_t tx, uint32_t len)
{
	static const char silent[] = "no reply from xenstored";
	struct xsd_sockmsg h = { .type = type, .req_id = next_req_id++, .tx_id = tx, .len = len };
	ring_put(&h, sizeof(h));
	ring_put(request_body, len);
	for (;;) {
		int64_t id = read_message();
		if (id < 0) {
			memcpy(xs_reply, silent, sizeof(silent));
			return xs_reply;
		}
		/* watch events and stray replies are not the answer */
		if (xs_reply_type != XS_WATCH_EVENT && id == h.req_id)
			return xs_reply_type == XS_ERROR ? xs_reply : NULL;
	}
}

const char *xs_request(uint32_t type, uint32_t tx, const char *a, const char *b)
{
	return send_and_wait(type, tx, body(a, b, 0));
}

const char *xs_read(uint32_t tx, const char *path)
{
	return xs_request(XS_READ, tx, path, NULL) ? NULL : xs_reply;
}

const char *xs_write(uint32_t tx, const char *path, const char *value)
{
	return send_and_wait(XS_WRITE, tx, body(path, value, 1));
}

uint32_t xs_transaction_start(void)
{
	if (xs_request(XS_TRANSACTION_START, 0, "", NULL))
		return 0;
	uint32_t id = 0;
	for (const char *p = xs_reply; *p >= '0' && *p <= '9'; p++)
		id = id * 10 + (uint32_t)(*p - '0');
	return id;
}

const char *xs_transaction_end(uint32_t tx, int commit)
{
	return xs_request(XS_TRANSACTION_END, tx, commit ? "T" : "F", NULL);
}

int xs_read_waiting(void)
{
	for (;;) {
		XENSTORE_RING_IDX cons = ring->rsp_cons, prod = ring->rsp_prod;
		mb();
		if (prod == cons)
			return 0;
		if (read_message() < 0)
			return -1;
	}
}
