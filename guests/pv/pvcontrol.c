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
 * The xenbus client is lib/xenstore.c: the store port stays masked, it waits with SCHEDOP_poll.
 */
#include "xenstore.h"

const char pv_kernel_name[] = "pvcontrol";

/* Watch events that arrived and are not handled yet (there is one watch: control/shutdown). */
static int watch_events;

static void count_event(const char *path, const char *token)
{
	(void)path;
	(void)token;
	watch_events++;
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
		const char *value = xs_read(tx, "control/shutdown");
		if (!value || value[0] == 0) {
			xs_transaction_end(tx, 0);	/* gone, or empty: nothing asked */
			return;
		}
		uint32_t n = xs_reply_len < sizeof(request) - 1 ? xs_reply_len : sizeof(request) - 1;
		memcpy(request, value, n);
		request[n] = 0;
		reason = reason_of(request);
		if (reason >= 0)
			xs_write(tx, "control/shutdown", "");
		const char *err = xs_transaction_end(tx, 1);
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
	xs_init();
	xs_watch_hook = count_event;

	announce("control/feature-poweroff");
	announce("control/feature-reboot");
	const char *err = xs_request(XS_WATCH, 0, "control/shutdown", "control/shutdown");
	if (err)
		pv_crash("watching control/shutdown: %s", err);
	printk("pvcontrol: ready\n");

	for (;;) {
		while (watch_events > 0) {
			watch_events--;
			handle_control_shutdown();
		}
		if (xs_read_waiting())
			pv_crash("a broken message from xenstored");
		if (watch_events == 0)
			xs_wait(0);
	}
}
