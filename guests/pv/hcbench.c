/*
 * hcbench: measures, from inside the guest, what the basic PV transitions cost: a hypercall
 * through the hypercall page (xen_version, which does next to nothing), an exception delivered
 * to the guest and returned from with HYPERVISOR_iret (#UD), and an event sent to ourselves and
 * taken as an upcall. Prints one info line per figure (system time per round trip) and passes
 * unless a call fails; it asserts no speed, which depends on the machine.
 * `hcbench_rounds=<n>` on the command line changes the number of rounds (default 20000).
 */
#include "pv.h"

const char pv_kernel_name[] = "hcbench";

static void report(const char *what, long rounds, uint64_t ns)
{
	printk("hcbench: info %s: %lu ns per round trip (%ld rounds)\n", what, ns / rounds, rounds);
}

static int ud_hook(struct pv_frame *f)
{
	if (f->vector != 6)
		return 0;
	f->rip += 2;	/* skip the ud2 */
	return 1;
}

static volatile long upcalls;
static void on_event(evtchn_port_t port, struct pv_frame *f)
{
	(void)port;
	(void)f;
	upcalls++;
}

void pv_main(void)
{
	long rounds = cmdline_number("hcbench_rounds", 20000);
	long bad = 0;

	/* 1. Hypercall: call into the page, syscall to Xen, back. */
	uint64_t t0 = pv_system_time();
	for (long i = 0; i < rounds; i++)
		if (HYPERVISOR_xen_version(XENVER_version, NULL) <= 0)
			bad++;
	report("hypercall (xen_version)", rounds, pv_system_time() - t0);
	check(bad == 0, "xen_version returned a version every time", "%ld failures", bad);

	/* 2. Exception: #UD bounced to our handler, then HYPERVISOR_iret. */
	pv_install_trap_table();
	pv_trap_hook = ud_hook;
	t0 = pv_system_time();
	for (long i = 0; i < rounds; i++)
		asm volatile("ud2" ::: "memory");
	report("exception (#UD + iret)", rounds, pv_system_time() - t0);

	/* 3. Event: EVTCHNOP_send on an IPI port to ourselves, delivered as an upcall on the way out of
	 * the hypercall, handled, HYPERVISOR_iret. */
	long rc = HYPERVISOR_set_callbacks((unsigned long)pv_entry_event, (unsigned long)pv_entry_failsafe, 0);
	struct evtchn_bind_ipi ipi = { .vcpu = 0 };
	long rc2 = HYPERVISOR_event_channel_op(EVTCHNOP_bind_ipi, &ipi);
	check(rc == 0 && rc2 == 0, "set_callbacks and bind_ipi", "returned %ld, %ld", rc, rc2);
	if (rc == 0 && rc2 == 0) {
		pv_event_hook = on_event;
		vcpu0()->evtchn_upcall_mask = 0;
		t0 = pv_system_time();
		for (long i = 0; i < rounds; i++)
			evtchn_send(ipi.port);
		uint64_t ns = pv_system_time() - t0;
		vcpu0()->evtchn_upcall_mask = 1;
		report("event (send to self + upcall + iret)", rounds, ns);
		CHECK_EQ("every event arrived", upcalls, rounds);
	}
}
