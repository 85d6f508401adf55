/*
 * time: PV time (PV-ABI.md §6). System time is vcpu_info.time scaled from the TSC; the wallclock
 * in shared_info is UTC at system time 0. Checks that the record is sane (even version, a TSC
 * scale giving a plausible frequency), that time never goes backwards and does advance, and that
 * the wallclock gives a plausible date.
 */
#include "pv.h"

const char pv_kernel_name[] = "time";

/* Civil date from days since 1970-01-01 (proleptic Gregorian), for the info line. */
static void civil_from_days(long z, long *y, unsigned *m, unsigned *d)
{
	z += 719468;
	long era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (long)yoe + era * 400 + (*m <= 2);
}

void pv_main(void)
{
	volatile struct vcpu_time_info *t = &vcpu0()->time;

	/* 1. The scale: TSC Hz = (10^9 << 32) / mul, adjusted by the shift. */
	uint32_t mul = t->tsc_to_system_mul;
	int8_t shift = t->tsc_shift;
	check(mul != 0, "tsc_to_system_mul is set", "mul is 0");
	check((t->version & 1) == 0, "the time record is not mid-update", "version %u", t->version);
	if (mul) {
		uint64_t hz = (1000000000UL << 32) / mul;
		hz = shift < 0 ? hz << -shift : hz >> shift;
		check(hz >= 1000000 && hz <= 20000000000UL, "the TSC frequency is plausible",
		      "%lu Hz (mul %u shift %d)", hz, mul, shift);
		printk("time: info TSC %lu kHz, mul %u shift %d flags %#x\n", hz / 1000, mul, shift,
		       t->flags);
	}

	/* 2. Monotonic: consecutive readings never go backwards. */
	uint64_t first = pv_system_time(), prev = first, backwards = 0;
	for (int i = 0; i < 20000; i++) {
		uint64_t now = pv_system_time();
		if (now < prev)
			backwards++;
		prev = now;
	}
	check(backwards == 0, "system time is monotonic over 20000 reads", "went back %lu times",
	      backwards);

	/* 3. It advances: wait for 2 ms of system time, and check the TSC moved in proportion. */
	uint64_t tsc0 = rdtsc(), t0 = pv_system_time(), t1 = t0;
	long spins = 0;
	while (t1 - t0 < 2000000 && spins < 50000000) {
		t1 = pv_system_time();
		spins++;
	}
	uint64_t tsc1 = rdtsc();
	check(t1 - t0 >= 2000000, "system time advances", "only %lu ns after %ld reads", t1 - t0, spins);
	check(tsc1 > tsc0, "the TSC advances", "tsc %#lx -> %#lx", tsc0, tsc1);
	check(first > 0, "system time is past boot", "system time %lu", first);

	/* 4. Yielding to Xen does not disturb it. */
	uint64_t before = pv_system_time();
	HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	uint64_t after = pv_system_time();
	check(after >= before, "time is monotonic across SCHEDOP_yield", "%lu -> %lu", before, after);

	/* 5. The wallclock: UTC of system time 0, so now = wallclock + system time. */
	uint32_t nsec;
	uint64_t sec = pv_wallclock(&nsec);
	uint64_t now_s = sec + (nsec + pv_system_time()) / 1000000000UL;
	check(now_s > 1577836800UL && now_s < 4102444800UL, "the wallclock is between 2020 and 2100",
	      "%lu s since 1970", now_s);
	check(nsec < 1000000000U, "wc_nsec is below one second", "%u", nsec);
	long y;
	unsigned m, d;
	civil_from_days((long)(now_s / 86400), &y, &m, &d);
	printk("time: info now %ld-%02u-%02u %02lu:%02lu:%02lu UTC, system time %lu ms\n", y, m, d,
	       now_s / 3600 % 24, now_s / 60 % 60, now_s % 60, pv_system_time() / 1000000);
}
