/*
 * xenstore: a small xenbus client on the store ring and event channel that start_info names
 * (io/xs_wire.h), checking what a PV guest relies on from xenstored and the toolstack's entries:
 *   - its home's domid and name (the toolstack's entries), GET_DOMAIN_PATH;
 *   - write/read under data/, mkdir and DIRECTORY, errors (EACCES outside what it may write,
 *     ENOENT for an absent key);
 *   - a transaction (invisible until committed), and a conflicting one: a node it read changes
 *     before its commit, the commit answers EAGAIN, a retry succeeds;
 *   - with dom0_bump=1 on the command line the conflict comes from dom0: the guest asks for it by
 *     writing data/bump-request, dom0 (the test) changes data/counter and writes data/bumped, which
 *     the guest watches;
 *   - a watch: the initial event, then an event for a change below the watched path.
 * The store port stays masked; the guest waits for xenstored with SCHEDOP_poll.
 */
#include "pv.h"
#include <xen/io/xs_wire.h>

const char pv_kernel_name[] = "xenstore";

static struct xenstore_domain_interface *ring;
static evtchn_port_t store_port;
static uint32_t next_req_id = 1;

/* The last reply: its type and payload (nul-terminated for convenience). */
static uint32_t reply_type;
static char reply[XENSTORE_PAYLOAD_MAX + 1];
static uint32_t reply_len;

/* Watch events that arrived while waiting for replies: "path\0token\0" each. */
#define MAX_EVENTS 16
static char events[MAX_EVENTS][256];
static int event_count;

static int streq(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

static void wait_store(void)
{
	struct sched_poll poll = { .nr_ports = 1, .timeout = pv_system_time() + 100 * 1000000UL };
	set_xen_guest_handle(poll.ports, &store_port);
	HYPERVISOR_sched_op(SCHEDOP_poll, &poll);
	evtchn_clear(store_port);
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
			wait_store();
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

/* Takes `len` bytes from the response ring, waiting for xenstored as needed. */
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
			wait_store();
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

/* Sends a request of `nargs` strings (the last `raw_len` bytes of a WRITE are not nul-terminated)
 * and waits for its reply, keeping watch events aside. Returns 0, or -1 when xenstored is silent. */
static int xs_request(uint32_t type, uint32_t tx, const char *payload, uint32_t len)
{
	struct xsd_sockmsg h = { .type = type, .req_id = next_req_id++, .tx_id = tx, .len = len };
	ring_put(&h, sizeof(h));
	ring_put(payload, len);
	for (;;) {
		struct xsd_sockmsg r;
		if (ring_get(&r, sizeof(r)) || r.len > XENSTORE_PAYLOAD_MAX || ring_get(reply, r.len))
			return -1;
		reply[r.len] = 0;
		if (r.type == XS_WATCH_EVENT) {
			if (event_count < MAX_EVENTS) {
				uint32_t n = r.len < 255 ? r.len : 255;
				memcpy(events[event_count], reply, n);
				events[event_count][n] = 0;
				event_count++;
			}
			continue;
		}
		if (r.req_id != h.req_id)
			continue;
		reply_type = r.type;
		reply_len = r.len;
		return 0;
	}
}

/* The reply's error name, or NULL when it was not an error. */
static const char *xs_error(void) { return reply_type == XS_ERROR ? reply : NULL; }

static char buf[XENSTORE_PAYLOAD_MAX];

static uint32_t join(const char *a, const char *b, int nul_after_b)
{
	uint32_t n = 0;
	while (*a)
		buf[n++] = *a++;
	buf[n++] = 0;
	if (b) {
		while (*b)
			buf[n++] = *b++;
		if (nul_after_b)
			buf[n++] = 0;
	}
	return n;
}

/* READ: the value (in `reply`), or NULL with the error in `reply`. */
static const char *xs_read(uint32_t tx, const char *path)
{
	if (xs_request(XS_READ, tx, buf, join(path, NULL, 0)))
		return NULL;
	return xs_error() ? NULL : reply;
}

static const char *xs_write(uint32_t tx, const char *path, const char *value)
{
	if (xs_request(XS_WRITE, tx, buf, join(path, value, 0)))
		return "no reply";
	return xs_error();
}

static const char *xs_simple(uint32_t type, uint32_t tx, const char *a, const char *b)
{
	if (xs_request(type, tx, buf, join(a, b, 1)))
		return "no reply";
	return xs_error();
}

static uint32_t xs_transaction_start(void)
{
	buf[0] = 0;
	if (xs_request(XS_TRANSACTION_START, 0, buf, 1) || xs_error())
		return 0;
	uint32_t id = 0;
	for (const char *p = reply; *p >= '0' && *p <= '9'; p++)
		id = id * 10 + (*p - '0');
	return id;
}

static const char *xs_transaction_end(uint32_t tx, int commit)
{
	return xs_simple(XS_TRANSACTION_END, tx, commit ? "T" : "F", NULL);
}

static long to_number(const char *s)
{
	long v = 0;
	for (; s && *s >= '0' && *s <= '9'; s++)
		v = v * 10 + (*s - '0');
	return v;
}

/* Waits until a watch event for `path` with `token` has arrived (pumping the ring with a cheap
 * request if none is queued yet). */
static int wait_event(const char *path, const char *token)
{
	uint64_t give_up = pv_system_time() + 5000000000UL;
	while (pv_system_time() < give_up) {
		for (int i = 0; i < event_count; i++) {
			const char *p = events[i], *t = p + strlen(p) + 1;
			if (streq(p, path) && streq(t, token)) {
				events[i][0] = 0;	/* used */
				return 1;
			}
		}
		wait_store();
		xs_read(0, "domid");	/* takes any event that came meanwhile */
	}
	return 0;
}

static void check_ok(const char *what, const char *err)
{
	check(err == NULL, what, "xenstored answered %s", err ? err : "");
}

static void identity(void)
{
	const char *domid = xs_read(0, "domid");
	check(domid != NULL, "read domid (relative to its home)", "error %s", reply);
	long id = to_number(domid);
	char path[64];
	snprintf(path, sizeof(path), "%ld", id);
	check(xs_request(XS_GET_DOMAIN_PATH, 0, buf, join(path, NULL, 0)) == 0 && !xs_error(),
	      "GET_DOMAIN_PATH", "error %s", reply);
	char home[64];
	snprintf(home, sizeof(home), "/local/domain/%ld", id);
	check(streq(reply, home), "its home is /local/domain/<domid>", "got '%s'", reply);
	snprintf(path, sizeof(path), "%s/domid", home);
	const char *again = xs_read(0, path);
	check(again && to_number(again) == id, "the same domid by its absolute path", "got %s", again ? again : reply);

	const char *name = xs_read(0, "name");
	check(name != NULL && name[0], "read its name", "error %s", reply);
	size_t len;
	const char *want = cmdline_value("expect_name", &len);
	if (want && name) {
		check(strlen(name) == len && memcmp(name, want, len) == 0, "its name is the one the toolstack gave",
		      "got '%s'", name);
	}
	printk("xenstore: info domid %ld, name %s\n", id, name ? name : "?");
	const char *target = xs_read(0, "memory/target");
	check(target && to_number(target) > 0, "memory/target is a number of KiB", "got %s", target ? target : reply);
}

static void data_and_directories(void)
{
	check_ok("write data/greeting", xs_write(0, "data/greeting", "hello from the guest"));
	const char *v = xs_read(0, "data/greeting");
	check(v && streq(v, "hello from the guest"), "read it back", "got %s", v ? v : reply);
	check_ok("mkdir data/dir", xs_simple(XS_MKDIR, 0, "data/dir", NULL));
	check_ok("write data/dir/a", xs_write(0, "data/dir/a", "1"));
	check_ok("write data/dir/b", xs_write(0, "data/dir/b", "2"));
	int ok = xs_request(XS_DIRECTORY, 0, buf, join("data/dir", NULL, 0)) == 0 && !xs_error()
		&& reply_len == 4 && memcmp(reply, "a\0b\0", 4) == 0;
	check(ok, "DIRECTORY data/dir lists a and b", "got %u bytes: %s", reply_len, reply);
	v = xs_read(0, "data/no-such-key");
	check(!v && streq(reply, "ENOENT"), "an absent key is ENOENT", "got %s", reply);
	const char *err = xs_write(0, "name", "renamed");
	check(err && streq(err, "EACCES"), "its name is read-only to it (EACCES)", "got %s", err ? err : "OK");
	v = xs_read(0, "/local/domain/0/name");
	check(!v && streq(reply, "EACCES"), "dom0's home is not readable (EACCES)", "got %s", v ? v : reply);
}

static void transactions(void)
{
	uint32_t t = xs_transaction_start();
	check(t != 0, "TRANSACTION_START", "error %s", reply);
	check_ok("write data/tx in the transaction", xs_write(t, "data/tx", "inside"));
	const char *v = xs_read(0, "data/tx");
	check(!v && streq(reply, "ENOENT"), "not visible outside before the commit", "got %s", v ? v : reply);
	v = xs_read(t, "data/tx");
	check(v && streq(v, "inside"), "visible inside", "got %s", v ? v : reply);
	check_ok("commit", xs_transaction_end(t, 1));
	v = xs_read(0, "data/tx");
	check(v && streq(v, "inside"), "visible after the commit", "got %s", v ? v : reply);

	/* A conflict of our own making: the node changes outside between the read and the commit. */
	xs_write(0, "data/counter", "0");
	t = xs_transaction_start();
	long c = to_number(xs_read(t, "data/counter"));
	xs_write(0, "data/counter", "5");
	char val[24];
	snprintf(val, sizeof(val), "%ld", c + 1);
	xs_write(t, "data/counter", val);
	const char *err = xs_transaction_end(t, 1);
	check(err && streq(err, "EAGAIN"), "a conflicting commit is EAGAIN", "got %s", err ? err : "OK");
	int tries = 0;
	do {
		t = xs_transaction_start();
		c = to_number(xs_read(t, "data/counter"));
		snprintf(val, sizeof(val), "%ld", c + 1);
		xs_write(t, "data/counter", val);
		err = xs_transaction_end(t, 1);
	} while (err && streq(err, "EAGAIN") && ++tries < 5);
	check(err == NULL, "the retry commits", "got %s", err ? err : "");
	v = xs_read(0, "data/counter");
	check(v && streq(v, "6"), "the retry saw the other write", "got %s", v ? v : reply);
}

static void dom0_conflict(void)
{
	check_ok("watch data/bumped", xs_simple(XS_WATCH, 0, "data/bumped", "bump"));
	check(wait_event("data/bumped", "bump"), "the watch fires once at once", "no initial event");
	uint32_t t = xs_transaction_start();
	long c = to_number(xs_read(t, "data/counter"));
	/* dom0 changes data/counter now and then writes data/bumped. */
	xs_write(0, "data/bump-request", "1");
	check(wait_event("data/bumped", "bump"), "dom0's write fires the watch", "no event within 5 s");
	char val[24];
	snprintf(val, sizeof(val), "%ld", c + 1);
	xs_write(t, "data/counter", val);
	const char *err = xs_transaction_end(t, 1);
	check(err && streq(err, "EAGAIN"), "dom0's write between read and commit makes it EAGAIN",
	      "got %s", err ? err : "OK");
	t = xs_transaction_start();
	c = to_number(xs_read(t, "data/counter"));
	snprintf(val, sizeof(val), "%ld", c + 1);
	xs_write(t, "data/counter", val);
	err = xs_transaction_end(t, 1);
	check(err == NULL, "the retry after dom0's change commits", "got %s", err ? err : "");
	printk("xenstore: info counter after dom0's bump and the retry: %ld\n", c + 1);
	xs_simple(XS_UNWATCH, 0, "data/bumped", "bump");
}

static void watches(void)
{
	check_ok("watch data/watched", xs_simple(XS_WATCH, 0, "data/watched", "w1"));
	check(wait_event("data/watched", "w1"), "initial watch event", "none");
	xs_write(0, "data/watched/child", "x");
	check(wait_event("data/watched/child", "w1"), "an event for a change below the watch (relative path)",
	      "none");
	check_ok("unwatch", xs_simple(XS_UNWATCH, 0, "data/watched", "w1"));
	const char *err = xs_simple(XS_UNWATCH, 0, "data/watched", "w1");
	check(err && streq(err, "ENOENT"), "unwatching twice is ENOENT", "got %s", err ? err : "OK");
}

void pv_main(void)
{
	ring = pfn_to_virt(machine_to_phys_mapping[start_info->store_mfn]);
	store_port = start_info->store_evtchn;
	evtchn_mask(store_port);
	check(ring->server_features & XENSTORE_SERVER_FEATURE_ERROR, "xenstored announces its features",
	      "server_features %#x", ring->server_features);

	identity();
	data_and_directories();
	transactions();
	if (cmdline_number("dom0_bump", 0))
		dom0_conflict();
	watches();
}
