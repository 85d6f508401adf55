/*
 * events: event channels and timers (PV-ABI.md §6, §7).
 *   - VIRQ_TIMER bound to a port; one-shot timers by set_timer_op and VCPUOP_set_singleshot_timer;
 *     SCHEDOP_block until the upcall arrives; the event must not come early, and system time
 *     (vcpu_time_info) must have moved on;
 *   - a periodic timer (VCPUOP_set_periodic_timer) ticks until stopped;
 *   - a loopback interdomain channel (alloc_unbound + bind_interdomain to ourselves): send in both
 *     directions, masking holds an event back, EVTCHNOP_unmask delivers it;
 *   - SCHEDOP_poll waits for a masked port or a timeout;
 *   - an IPI channel to ourselves; close and status.
 * Events reach us through the upcall registered with set_callbacks (lib/head.S, runtime.c).
 */
#include "pv.h"

const char pv_kernel_name[] = "events";

#define MAX_PORTS 64
static volatile unsigned int events_on[MAX_PORTS];
static volatile uint64_t event_time[MAX_PORTS];

static void on_event(evtchn_port_t port, struct pv_frame *f)
{
	(void)f;
	if (port < MAX_PORTS) {
		event_time[port] = pv_system_time();
		events_on[port]++;
	}
}

static void events_enable(void) { barrier(); vcpu0()->evtchn_upcall_mask = 0; barrier(); }
static void events_disable(void) { vcpu0()->evtchn_upcall_mask = 1; barrier(); }

/*
 * After unmasking with a plain write nothing traps, so a pending upcall may wait for the next
 * entry into Xen: make a cheap hypercall then, as Linux does (xen_version).
 */
static void events_enable_and_poll(void)
{
	events_enable();
	if (vcpu0()->evtchn_upcall_pending)
		HYPERVISOR_xen_version(XENVER_version, NULL);
}

/*
 * Sleeps until `port` has seen one more event than `before`. The check runs with events masked,
 * and SCHEDOP_block unmasks atomically: an event that arrives in between makes block return at
 * once instead of being missed. Gives up (returns 0) after `limit_ns` of system time.
 */
static int wait_for_event(evtchn_port_t port, unsigned int before, uint64_t limit_ns)
{
	uint64_t give_up = pv_system_time() + limit_ns;
	for (;;) {
		events_disable();
		if (events_on[port] != before)
			return 1;
		if (pv_system_time() > give_up)
			return 0;
		HYPERVISOR_sched_op(SCHEDOP_block, NULL);	/* the upcall runs as it returns */
	}
}

static uint32_t port_status(evtchn_port_t port)
{
	struct evtchn_status st = { .dom = DOMID_SELF, .port = port };
	long rc = HYPERVISOR_event_channel_op(EVTCHNOP_status, &st);
	return rc ? 0xffffffff : st.status;
}

static void timer_tests(void)
{
	long rc;

	/* Bind the per-vCPU timer VIRQ. Xen starts every vCPU with a 100 Hz periodic timer on it;
	 * stop that so the one-shots below are the only source. */
	struct evtchn_bind_virq bv = { .virq = VIRQ_TIMER, .vcpu = 0 };
	rc = HYPERVISOR_event_channel_op(EVTCHNOP_bind_virq, &bv);
	check(rc == 0 && bv.port > 0 && bv.port < MAX_PORTS, "bind_virq(VIRQ_TIMER)",
	      "returned %ld, port %u", rc, bv.port);
	if (rc)
		return;
	evtchn_port_t timer = bv.port;
	rc = HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL);
	check(rc == 0, "VCPUOP_stop_periodic_timer", "returned %ld", rc);
	evtchn_clear(timer);		/* a tick may have come before the stop */
	evtchn_unmask(timer);

	struct evtchn_bind_virq again = { .virq = VIRQ_TIMER, .vcpu = 0 };
	rc = HYPERVISOR_event_channel_op(EVTCHNOP_bind_virq, &again);
	check(rc == -XEN_EEXIST, "binding VIRQ_TIMER twice is refused", "returned %ld, expected -EEXIST", rc);
	CHECK_EQ("status of the VIRQ port", port_status(timer), EVTCHNSTAT_virq);

	/* One-shot through set_timer_op: an absolute system time in ns. */
	uint64_t start = pv_system_time();
	uint64_t deadline = start + 10 * 1000000;
	unsigned int before = events_on[timer];
	rc = HYPERVISOR_set_timer_op(deadline);
	check(rc == 0, "set_timer_op(now + 10 ms)", "returned %ld", rc);
	int fired = wait_for_event(timer, before, 5000000000UL);
	check(fired, "SCHEDOP_block wakes up for VIRQ_TIMER", "no timer event within 5 s");
	if (fired) {
		check(event_time[timer] >= deadline, "the timer does not fire early",
		      "event at %lu ns, deadline %lu ns", event_time[timer], deadline);
		check(pv_system_time() - start >= 10 * 1000000, "system time advanced while blocked",
		      "only %lu ns passed", pv_system_time() - start);
	}

	/* One-shot through vcpu_op, Linux's way; it shares the timer with set_timer_op. */
	deadline = pv_system_time() + 5 * 1000000;
	before = events_on[timer];
	struct vcpu_set_singleshot_timer single = { .timeout_abs_ns = deadline, .flags = 0 };
	rc = HYPERVISOR_vcpu_op(VCPUOP_set_singleshot_timer, 0, &single);
	check(rc == 0, "VCPUOP_set_singleshot_timer(now + 5 ms)", "returned %ld", rc);
	fired = wait_for_event(timer, before, 5000000000UL);
	check(fired && event_time[timer] >= deadline, "the single-shot timer fires on time",
	      fired ? "event at %lu ns before the deadline" : "no event within 5 s",
	      fired ? deadline - event_time[timer] : 0);

	/* A deadline already past raises VIRQ_TIMER at once. */
	before = events_on[timer];
	rc = HYPERVISOR_set_timer_op(pv_system_time() - 1000);
	fired = wait_for_event(timer, before, 5000000000UL);
	check(rc == 0 && fired, "set_timer_op in the past fires at once", "returned %ld, fired %d", rc, fired);

	/* A cancelled timer stays quiet. (The deadline is far enough that the cancel comes first even
	 * on a busy host.) */
	before = events_on[timer];
	rc = HYPERVISOR_set_timer_op(pv_system_time() + 50 * 1000000);
	long rc2 = HYPERVISOR_set_timer_op(0);
	uint64_t until = pv_system_time() + 80 * 1000000;
	events_enable();
	while (pv_system_time() < until)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	events_disable();
	check(rc == 0 && rc2 == 0 && events_on[timer] == before, "set_timer_op(0) cancels the timer",
	      "returned %ld, %ld; %u events", rc, rc2, events_on[timer] - before);

	/* A periodic timer (what every vCPU starts with at 100 Hz). Periods under 1 ms are refused. */
	struct vcpu_set_periodic_timer tiny = { .period_ns = 500000 };
	rc = HYPERVISOR_vcpu_op(VCPUOP_set_periodic_timer, 0, &tiny);
	check(rc == -XEN_EINVAL, "a periodic timer under 1 ms is refused", "returned %ld, expected -EINVAL", rc);
	struct vcpu_set_periodic_timer period = { .period_ns = 10 * 1000000 };
	start = pv_system_time();
	before = events_on[timer];
	rc = HYPERVISOR_vcpu_op(VCPUOP_set_periodic_timer, 0, &period);
	int ticks = 0;
	while (rc == 0 && ticks < 3 && wait_for_event(timer, events_on[timer], 5000000000UL))
		ticks = (int)(events_on[timer] - before);
	uint64_t elapsed = pv_system_time() - start;
	rc2 = HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL);
	check(rc == 0 && rc2 == 0 && ticks >= 3 && elapsed >= 25 * 1000000,
	      "a 10 ms periodic timer ticks 3 times in 30 ms", "returned %ld, %ld; %d ticks in %lu ns",
	      rc, rc2, ticks, elapsed);
	evtchn_clear(timer);	/* a tick may have come (masked) between the last one and the stop */
	before = events_on[timer];
	until = pv_system_time() + 30 * 1000000;
	events_enable();
	while (pv_system_time() < until)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	events_disable();
	check(events_on[timer] == before, "VCPUOP_stop_periodic_timer stops the ticks", "%u more ticks",
	      events_on[timer] - before);
}

/* SCHEDOP_poll: sleep until one of the ports is pending (masked or not) or the timeout passes. */
static void poll_tests(evtchn_port_t quiet, evtchn_port_t peer)
{
	evtchn_mask(quiet);
	evtchn_clear(quiet);
	struct sched_poll poll = { .nr_ports = 1 };
	set_xen_guest_handle(poll.ports, &quiet);

	uint64_t start = pv_system_time();
	poll.timeout = start + 10 * 1000000;
	long rc = HYPERVISOR_sched_op(SCHEDOP_poll, &poll);
	uint64_t waited = pv_system_time() - start;
	check(rc == 0 && waited >= 10 * 1000000, "SCHEDOP_poll on a quiet port returns at the timeout",
	      "returned %ld after %lu ns", rc, waited);

	rc = evtchn_send(peer);		/* the masked port becomes pending: no upcall, but poll sees it */
	start = pv_system_time();
	poll.timeout = start + 5000000000UL;
	long rc2 = HYPERVISOR_sched_op(SCHEDOP_poll, &poll);
	waited = pv_system_time() - start;
	check(rc == 0 && rc2 == 0 && evtchn_pending(quiet) && waited < 1000000000UL,
	      "SCHEDOP_poll returns at once for a pending masked port",
	      "send %ld, poll %ld after %lu ns, pending %d", rc, rc2, waited, evtchn_pending(quiet));
	evtchn_clear(quiet);
	evtchn_unmask(quiet);
}

static void channel_tests(void)
{
	long rc;

	/* An unbound port, offered to ourselves. */
	struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = DOMID_SELF };
	rc = HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &au);
	check(rc == 0 && au.port > 0 && au.port < MAX_PORTS, "alloc_unbound", "returned %ld, port %u",
	      rc, au.port);
	if (rc)
		return;
	evtchn_port_t a = au.port;
	CHECK_EQ("status of the new port is unbound", port_status(a), EVTCHNSTAT_unbound);
	rc = evtchn_send(a);
	check(rc == 0 && !evtchn_pending(a), "send on an unbound port is dropped",
	      "returned %ld, pending %d", rc, evtchn_pending(a));

	/* Connect to it: the binding end is set pending, as Xen does to kick the new peer. */
	struct evtchn_bind_interdomain bi = { .remote_dom = DOMID_SELF, .remote_port = a };
	rc = HYPERVISOR_event_channel_op(EVTCHNOP_bind_interdomain, &bi);
	check(rc == 0 && bi.local_port > 0 && bi.local_port < MAX_PORTS && bi.local_port != a,
	      "bind_interdomain to our own unbound port", "returned %ld, port %u", rc, bi.local_port);
	if (rc)
		return;
	evtchn_port_t b = bi.local_port;
	check(evtchn_pending(b), "bind_interdomain sets the new port pending", "not pending");
	CHECK_EQ("status of both ends is interdomain", port_status(a) * 16 + port_status(b),
		 EVTCHNSTAT_interdomain * 17);
	evtchn_clear(b);
	evtchn_unmask(a);
	evtchn_unmask(b);

	/* b -> a, delivered through the upcall. */
	unsigned int before = events_on[a];
	rc = evtchn_send(b);
	events_enable_and_poll();
	events_disable();
	check(rc == 0 && events_on[a] == before + 1, "send on b raises an upcall for a",
	      "returned %ld, %u events", rc, events_on[a] - before);

	/* a -> b. */
	before = events_on[b];
	rc = evtchn_send(a);
	events_enable_and_poll();
	events_disable();
	check(rc == 0 && events_on[b] == before + 1, "send on a raises an upcall for b",
	      "returned %ld, %u events", rc, events_on[b] - before);

	/* Masked: the event stays pending and no upcall comes... */
	evtchn_mask(a);
	before = events_on[a];
	rc = evtchn_send(b);
	events_enable_and_poll();
	events_disable();
	check(rc == 0 && events_on[a] == before && evtchn_pending(a), "a masked port stays pending",
	      "returned %ld, %u events, pending %d", rc, events_on[a] - before, evtchn_pending(a));
	/* ...until EVTCHNOP_unmask, which re-raises the upcall for the pending port. */
	events_enable();
	evtchn_unmask(a);
	events_disable();
	check(events_on[a] == before + 1 && !evtchn_pending(a), "EVTCHNOP_unmask delivers it",
	      "%u events, pending %d", events_on[a] - before, evtchn_pending(a));

	poll_tests(a, b);

	/* An IPI to ourselves. */
	struct evtchn_bind_ipi ipi = { .vcpu = 0 };
	rc = HYPERVISOR_event_channel_op(EVTCHNOP_bind_ipi, &ipi);
	check(rc == 0 && ipi.port > 0 && ipi.port < MAX_PORTS, "bind_ipi", "returned %ld, port %u", rc,
	      ipi.port);
	if (rc == 0) {
		evtchn_unmask(ipi.port);
		before = events_on[ipi.port];
		rc = evtchn_send(ipi.port);
		events_enable_and_poll();
		events_disable();
		check(rc == 0 && events_on[ipi.port] == before + 1, "an IPI reaches this vCPU",
		      "returned %ld, %u events", rc, events_on[ipi.port] - before);
	}

	/* Closing one end leaves the other unbound; a closed port reads as closed. */
	struct evtchn_close cl = { .port = b };
	rc = HYPERVISOR_event_channel_op(EVTCHNOP_close, &cl);
	check(rc == 0, "close", "returned %ld", rc);
	CHECK_EQ("the peer of a closed port is unbound again", port_status(a), EVTCHNSTAT_unbound);
	CHECK_EQ("the closed port reads as closed", port_status(b), EVTCHNSTAT_closed);
	rc = evtchn_send(b);
	check(rc == -XEN_EINVAL, "send on a closed port is refused", "returned %ld, expected -EINVAL", rc);
}

void pv_main(void)
{
	pv_install_trap_table();	/* a stray exception is then reported, not a silent crash */
	long rc = HYPERVISOR_set_callbacks((unsigned long)pv_entry_event,
					   (unsigned long)pv_entry_failsafe, 0);
	check(rc == 0, "set_callbacks(event, failsafe)", "returned %ld", rc);
	pv_event_hook = on_event;
	mask_all_ports();		/* start from a known state: nothing gets through unasked */

	timer_tests();
	channel_tests();
	events_disable();
}
