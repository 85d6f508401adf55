/*
 * hello: the smallest PV kernel. Writes a line through HYPERVISOR_console_io, then a line through
 * the console ring page (what a domU on a release build of Xen must use), waits until the console
 * backend has consumed it, and powers off.
 */
#include "pv.h"
#include <xen/io/console.h>

const char pv_kernel_name[] = "hello";

void pv_main(void)
{
	/* 1. The debug console: one hypercall, synchronous. */
	static const char line1[] = "hello: hello from console_io\n";
	long rc = HYPERVISOR_console_io(CONSOLEIO_write, sizeof(line1) - 1, line1);
	check(rc == 0, "console_io write", "returned %ld", rc);

	/* 2. The console ring: the page and its event channel come from start_info. */
	check(start_info->console.domU.mfn != 0 && start_info->console.domU.evtchn != 0,
	      "start_info names a console ring", "mfn %#lx evtchn %u",
	      (unsigned long)start_info->console.domU.mfn, start_info->console.domU.evtchn);

	static const char line2[] = "hello: hello from the console ring\n";
	int err = console_ring_write(line2, sizeof(line2) - 1);
	check(err == 0, "console ring write", "EVTCHNOP_send returned %d", err);

	/* The backend shows that it read the output by advancing out_cons up to out_prod. Give it
	 * a bounded number of yields to do so. */
	struct xencons_interface *ring = console_ring();
	int spins = 0;
	while (ring->out_cons != ring->out_prod && spins < 10000) {
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
		spins++;
	}
	check(ring->out_cons == ring->out_prod, "console backend consumed the ring",
	      "out_cons %u out_prod %u", ring->out_cons, ring->out_prod);
}
