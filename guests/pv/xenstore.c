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
 * The xenbus client is lib/xenstore.c: the store port stays masked, it waits with SCHEDOP_poll.
 */
#include "xenstore.h"

const char pv_kernel_name[] = "xenstore";

/* Watch events that arrived while waiting for replies, kept until wait_event takes them. */
#define MAX_EVENTS 16
static struct {
	char path[192];
	char token[64];
} events[MAX_EVENTS];
static int event_count;

static void copy_string(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);
	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = 0;
}

static void keep_event(const char *path, const char *token)
{
	if (event_count < MAX_EVENTS) {
		copy_string(events[event_count].path, sizeof(events[event_count].path), path);
		copy_string(events[event_count].token, sizeof(events[event_count].token), token);
		event_count++;
	}
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
			if (streq(events[i].path, path) && streq(events[i].token, token)) {
				events[i].path[0] = 0;	/* used */
				return 1;
			}
		}
		xs_wait(100000000UL);
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
	check(domid != NULL, "read domid (relative to its home)", "error %s", xs_reply);
	long id = to_number(domid);
	char path[64];
	snprintf(path, sizeof(path), "%ld", id);
	check(xs_request(XS_GET_DOMAIN_PATH, 0, path, NULL) == NULL, "GET_DOMAIN_PATH", "error %s", xs_reply);
	char home[64];
	snprintf(home, sizeof(home), "/local/domain/%ld", id);
	check(streq(xs_reply, home), "its home is /local/domain/<domid>", "got '%s'", xs_reply);
	snprintf(path, sizeof(path), "%s/domid", home);
	const char *again = xs_read(0, path);
	check(again && to_number(again) == id, "the same domid by its absolute path", "got %s", again ? again : xs_reply);

	const char *name = xs_read(0, "name");
	check(name != NULL && name[0], "read its name", "error %s", xs_reply);
	size_t len;
	const char *want = cmdline_value("expect_name", &len);
	if (want && name) {
		check(strlen(name) == len && memcmp(name, want, len) == 0, "its name is the one the toolstack gave",
		      "got '%s'", name);
	}
	printk("xenstore: info domid %ld, name %s\n", id, name ? name : "?");
	const char *target = xs_read(0, "memory/target");
	check(target && to_number(target) > 0, "memory/target is a number of KiB", "got %s", target ? target : xs_reply);
}

static void data_and_directories(void)
{
	check_ok("write data/greeting", xs_write(0, "data/greeting", "hello from the guest"));
	const char *v = xs_read(0, "data/greeting");
	check(v && streq(v, "hello from the guest"), "read it back", "got %s", v ? v : xs_reply);
	check_ok("mkdir data/dir", xs_request(XS_MKDIR, 0, "data/dir", NULL));
	check_ok("write data/dir/a", xs_write(0, "data/dir/a", "1"));
	check_ok("write data/dir/b", xs_write(0, "data/dir/b", "2"));
	int ok = xs_request(XS_DIRECTORY, 0, "data/dir", NULL) == NULL
		&& xs_reply_len == 4 && memcmp(xs_reply, "a\0b\0", 4) == 0;
	check(ok, "DIRECTORY data/dir lists a and b", "got %u bytes: %s", xs_reply_len, xs_reply);
	v = xs_read(0, "data/no-such-key");
	check(!v && streq(xs_reply, "ENOENT"), "an absent key is ENOENT", "got %s", xs_reply);
	const char *err = xs_write(0, "name", "renamed");
	check(err && streq(err, "EACCES"), "its name is read-only to it (EACCES)", "got %s", err ? err : "OK");
	v = xs_read(0, "/local/domain/0/name");
	check(!v && streq(xs_reply, "EACCES"), "dom0's home is not readable (EACCES)", "got %s", v ? v : xs_reply);
}

static void transactions(void)
{
	uint32_t t = xs_transaction_start();
	check(t != 0, "TRANSACTION_START", "error %s", xs_reply);
	check_ok("write data/tx in the transaction", xs_write(t, "data/tx", "inside"));
	const char *v = xs_read(0, "data/tx");
	check(!v && streq(xs_reply, "ENOENT"), "not visible outside before the commit", "got %s", v ? v : xs_reply);
	v = xs_read(t, "data/tx");
	check(v && streq(v, "inside"), "visible inside", "got %s", v ? v : xs_reply);
	check_ok("commit", xs_transaction_end(t, 1));
	v = xs_read(0, "data/tx");
	check(v && streq(v, "inside"), "visible after the commit", "got %s", v ? v : xs_reply);

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
	check(v && streq(v, "6"), "the retry saw the other write", "got %s", v ? v : xs_reply);
}

static void dom0_conflict(void)
{
	check_ok("watch data/bumped", xs_request(XS_WATCH, 0, "data/bumped", "bump"));
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
	xs_request(XS_UNWATCH, 0, "data/bumped", "bump");
}

static void watches(void)
{
	check_ok("watch data/watched", xs_request(XS_WATCH, 0, "data/watched", "w1"));
	check(wait_event("data/watched", "w1"), "initial watch event", "none");
	xs_write(0, "data/watched/child", "x");
	check(wait_event("data/watched/child", "w1"), "an event for a change below the watch (relative path)",
	      "none");
	check_ok("unwatch", xs_request(XS_UNWATCH, 0, "data/watched", "w1"));
	const char *err = xs_request(XS_UNWATCH, 0, "data/watched", "w1");
	check(err && streq(err, "ENOENT"), "unwatching twice is ENOENT", "got %s", err ? err : "OK");
}

void pv_main(void)
{
	struct xenstore_domain_interface *ring = xs_init();
	xs_watch_hook = keep_event;
	check(ring->server_features & XENSTORE_SERVER_FEATURE_ERROR, "xenstored announces its features",
	      "server_features %#x", ring->server_features);

	identity();
	data_and_directories();
	transactions();
	if (cmdline_number("dom0_bump", 0))
		dom0_conflict();
	watches();
}
