/*
 * idle: a kernel that stays up, for the toolstack's tests (xl list, pause, destroy, lifecycle).
 * Prints "idle: up" and then, by its command line:
 *   idle.after=MS idle.then=poweroff|reboot|crash   shuts down that way after MS ms of system time;
 *   nothing                                        blocks forever (SCHEDOP_block), using no CPU.
 *   idle.spin=1                                    spins instead of blocking (a running vCPU).
 * Events go to an upcall that just acknowledges them (set_callbacks), so blocking is safe.
 */
#include "pv.h"

const char pv_kernel_name[] = "idle";

static void on_event(evtchn_port_t port, struct pv_frame *f)
{
	(void)port;
	(void)f;
}

static int then_is(const char *word)
{
	size_t len, n = strlen(word);
	const char *v = cmdline_value("idle.then", &len);
	return v && len == n && memcmp(v, word, n) == 0;
}

static void __attribute__((noreturn)) shutdown_with(unsigned int reason)
{
	struct sched_shutdown arg = { .reason = reason };
	HYPERVISOR_sched_op(SCHEDOP_shutdown, &arg);
	for (;;)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
}

void pv_main(void)
{
	pv_install_trap_table();
	pv_event_hook = on_event;
	HYPERVISOR_set_callbacks((unsigned long)pv_entry_event, (unsigned long)pv_entry_failsafe, 0);
	printk("idle: up\n");

	long after = cmdline_number("idle.after", -1);
	int spin = cmdline_number("idle.spin", 0) != 0;
	uint64_t deadline = after < 0 ? 0 : pv_system_time() + (uint64_t)after * 1000000ull;
	if (after >= 0 && !spin) {
		/* The one-shot timer wakes SCHEDOP_block only through a bound VIRQ_TIMER. */
		struct evtchn_bind_virq bv = { .virq = VIRQ_TIMER, .vcpu = 0 };
		if (HYPERVISOR_event_channel_op(EVTCHNOP_bind_virq, &bv) == 0)
			evtchn_unmask(bv.port);
	}
	for (;;) {
		if (after >= 0 && pv_system_time() >= deadline)
			break;
		if (spin)
			continue;
		if (after >= 0)
			HYPERVISOR_set_timer_op(deadline);
		vcpu0()->evtchn_upcall_mask = 1;
		barrier();
		HYPERVISOR_sched_op(SCHEDOP_block, NULL);	/* unmasks; the upcall runs as it returns */
	}
	if (then_is("reboot")) {
		printk("idle: rebooting\n");
		shutdown_with(SHUTDOWN_reboot);
	}
	if (then_is("crash")) {
		printk("idle: crashing\n");
		shutdown_with(SHUTDOWN_crash);
	}
	printk("idle: powering off\n");
	shutdown_with(SHUTDOWN_poweroff);
}
