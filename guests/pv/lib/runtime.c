/*
 * Runtime of the jxen PV test kernels: start-up, console, formatting, results and shutdown,
 * trap-table installation and the C half of exception/event/syscall delivery, a page pool, event
 * channel and time helpers. Everything a freestanding PV kernel needs before it can test anything.
 */
#include "pv.h"
#include <xen/io/console.h>

start_info_t *start_info;
shared_info_t *shared_info;

int (*pv_trap_hook)(struct pv_frame *f);
void (*pv_syscall_hook)(struct pv_frame *f);
void (*pv_event_hook)(evtchn_port_t port, struct pv_frame *f);

/* shared_info is a Xen page, not one of ours: we map it over this placeholder page (Mini-OS
 * does the same). Its own frame is simply no longer mapped. */
static char shared_info_page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE), section(".bss.page_aligned")));

static int checks_run, checks_failed;

/* ---------------------------------------------------------------------------------------------- */
/* Library functions. */

void *memset(void *s, int c, size_t n)
{
	unsigned char *p = s;
	while (n--)
		*p++ = (unsigned char)c;
	return s;
}

void *memcpy(void *d, const void *s, size_t n)
{
	unsigned char *dp = d;
	const unsigned char *sp = s;
	while (n--)
		*dp++ = *sp++;
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;
	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

/* ---------------------------------------------------------------------------------------------- */
/* Console. */

/* Writes through HYPERVISOR_console_io. Release builds of Xen refuse this for an unprivileged
 * domain (-EPERM), which is why printk falls back to the ring. */
static int use_ring;

void console_io_write(const char *s, size_t len)
{
	if (HYPERVISOR_console_io(CONSOLEIO_write, (int)len, s) < 0)
		use_ring = 1;
}

/* The console page's MFN is in start_info; the builder mapped it in our initial area, at the VA of
 * its PFN, which the read-only M2P table gives. */
struct xencons_interface *console_ring(void)
{
	unsigned long mfn = start_info->console.domU.mfn;
	return pfn_to_virt(machine_to_phys_mapping[mfn]);
}

/*
 * The producer side of the output ring (PV-ABI.md §9.2): copy into out[] while there is room,
 * publish out_prod after a write barrier, then kick the backend on the console event channel.
 * When the ring is full, yield until the backend has consumed something. Returns 0, or the
 * negative errno of EVTCHNOP_send.
 */
int console_ring_write(const char *s, size_t len)
{
	struct xencons_interface *intf = console_ring();
	size_t sent = 0;
	int tries = 0;

	while (sent < len) {
		XENCONS_RING_IDX cons = intf->out_cons, prod = intf->out_prod;
		mb();	/* read cons before writing the slots it frees */
		while (sent < len && prod - cons < sizeof(intf->out))
			intf->out[MASK_XENCONS_IDX(prod++, intf->out)] = s[sent++];
		barrier();	/* x86 keeps stores in order; the compiler must too */
		intf->out_prod = prod;
		long rc = evtchn_send(start_info->console.domU.evtchn);
		if (rc < 0)
			return (int)rc;
		if (sent < len) {
			if (++tries > 100000)
				return -XEN_EBUSY;
			HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
		}
	}
	return 0;
}

static void console_write(const char *s, size_t len)
{
	if (!use_ring)
		console_io_write(s, len);
	if (use_ring)
		console_ring_write(s, len);
}

/* ---------------------------------------------------------------------------------------------- */
/* Formatting: %s %c %d %i %u %x %p %%, with l/ll/z, a width, '0' and '-' flags, and '#'. */

struct out {
	char *buf;
	size_t size, len;
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void put_padded(struct out *o, const char *s, size_t n, int width, int left, char pad)
{
	if (!left && pad == '0' && n && (*s == '-')) {
		put(o, *s++);	/* the sign goes before zero padding */
		n--;
		width--;
	}
	for (int i = (int)n; !left && i < width; i++)
		put(o, pad);
	for (size_t i = 0; i < n; i++)
		put(o, s[i]);
	for (int i = (int)n; left && i < width; i++)
		put(o, ' ');
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };

	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		int left = 0, alt = 0, width = 0, lng = 0;
		char pad = ' ';
		for (fmt++; *fmt == '-' || *fmt == '0' || *fmt == '#'; fmt++) {
			if (*fmt == '-')
				left = 1;
			else if (*fmt == '0')
				pad = '0';
			else
				alt = 1;
		}
		for (; *fmt >= '0' && *fmt <= '9'; fmt++)
			width = width * 10 + (*fmt - '0');
		for (; *fmt == 'l' || *fmt == 'z'; fmt++)
			lng = 1;

		char tmp[24];
		char *end = tmp + sizeof(tmp), *p = end;
		unsigned long v;
		int neg = 0;

		switch (*fmt) {
		case 's': {
			const char *s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			put_padded(&o, s, strlen(s), width, left, ' ');
			continue;
		}
		case 'c':
			tmp[0] = (char)va_arg(ap, int);
			put_padded(&o, tmp, 1, width, left, ' ');
			continue;
		case 'd':
		case 'i': {
			long sv = lng ? va_arg(ap, long) : va_arg(ap, int);
			neg = sv < 0;
			v = neg ? -(unsigned long)sv : (unsigned long)sv;
			do
				*--p = (char)('0' + v % 10);
			while (v /= 10);
			if (neg)
				*--p = '-';
			break;
		}
		case 'u':
			v = lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned int);
			do
				*--p = (char)('0' + v % 10);
			while (v /= 10);
			break;
		case 'p':
			alt = 1;
			lng = 1;
			/* fall through */
		case 'x':
			v = lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned int);
			do
				*--p = "0123456789abcdef"[v & 15];
			while (v >>= 4);
			if (alt) {
				put(&o, '0');
				put(&o, 'x');
			}
			break;
		case '%':
			put(&o, '%');
			continue;
		default:	/* unknown conversion: print it as it is */
			put(&o, '%');
			if (*fmt)
				put(&o, *fmt);
			else
				fmt--;
			continue;
		}
		put_padded(&o, p, (size_t)(end - p), width, left, pad);
	}
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

static void vprintk(const char *fmt, va_list ap)
{
	char buf[256];
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	console_write(buf, n < (int)sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

void printk(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
}

/* ---------------------------------------------------------------------------------------------- */
/* Results and shutdown. */

int check(int ok, const char *what, const char *detail_fmt, ...)
{
	checks_run++;
	if (ok) {
		printk("%s: ok %s\n", pv_kernel_name, what);
		return 1;
	}
	checks_failed++;
	char detail[160];
	va_list ap;
	va_start(ap, detail_fmt);
	vsnprintf(detail, sizeof(detail), detail_fmt, ap);
	va_end(ap);
	printk("%s: FAIL %s: %s\n", pv_kernel_name, what, detail);
	return 0;
}

static void __attribute__((noreturn)) shutdown(unsigned int reason)
{
	struct sched_shutdown arg = { .reason = reason };
	HYPERVISOR_sched_op(SCHEDOP_shutdown, &arg);
	/* Not reached on a working hypervisor; spin rather than run off into nothing. */
	for (;;)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
}

void pv_poweroff(void)
{
	shutdown(SHUTDOWN_poweroff);
}

void pv_crash(const char *fmt, ...)
{
	char buf[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	printk("%s: FAIL %s\n", pv_kernel_name, buf);
	shutdown(SHUTDOWN_crash);
}

void pv_finish(void)
{
	if (checks_failed == 0 && checks_run > 0) {
		printk("%s: PASS\n", pv_kernel_name);
		pv_poweroff();
	}
	pv_crash("%d of %d checks failed", checks_failed, checks_run);
}

/* ---------------------------------------------------------------------------------------------- */
/* Traps and callbacks. */

extern const unsigned long pv_exception_entries[20];

/*
 * The virtual IDT: one trap_info per vector, ended by a zero address. DPL 3 on #BP and #OF lets
 * `int3`/`into` reach the handler (they are software interrupts too); DPL 3 on 0x80 lets user mode
 * do `int $0x80`. The CS field is ignored for 64-bit guests but conventionally FLAT_KERNEL_CS.
 */
void pv_install_trap_table(void)
{
	static struct trap_info table[22];
	int n = 0;

	for (int v = 0; v < 20; v++) {
		table[n].vector = (uint8_t)v;
		table[n].flags = (v == 3 || v == 4) ? 3 : 0;
		table[n].cs = FLAT_KERNEL_CS;
		table[n].address = pv_exception_entries[v];
		n++;
	}
	table[n].vector = 0x80;
	table[n].flags = 3;
	table[n].cs = FLAT_KERNEL_CS;
	table[n].address = (unsigned long)pv_entry_int80;
	n++;
	table[n].address = 0;	/* terminator */

	long rc = HYPERVISOR_set_trap_table(table);
	if (rc)
		pv_crash("set_trap_table -> %ld", rc);
}

static void report_frame(const char *what, struct pv_frame *f)
{
	printk("%s: %s: vector %lu error %#lx rip %#lx cs %#lx rflags %#lx rsp %#lx cr2 %#lx\n",
	       pv_kernel_name, what, f->vector, f->error_code, f->rip, f->cs, f->rflags, f->rsp,
	       (unsigned long)vcpu0()->arch.cr2);
}

/*
 * The 2-level event upcall (PV-ABI.md §7.1): clear upcall_pending, take the selector word, and for
 * each selected word handle the ports that are pending and not masked, clearing each before its
 * handler runs so that a new event on it is not lost.
 */
static void event_upcall(struct pv_frame *f)
{
	vcpu_info_t *v = vcpu0();

	v->evtchn_upcall_pending = 0;
	unsigned long sel = __atomic_exchange_n(&v->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
	while (sel) {
		unsigned int word = (unsigned int)__builtin_ctzl(sel);
		sel &= sel - 1;
		unsigned long ready = shared_info->evtchn_pending[word] & ~shared_info->evtchn_mask[word];
		while (ready) {
			unsigned int bit = (unsigned int)__builtin_ctzl(ready);
			ready &= ready - 1;
			evtchn_port_t port = word * 64 + bit;
			evtchn_clear(port);
			if (pv_event_hook)
				pv_event_hook(port, f);
		}
	}
}

/* Called by head.S for every exception, event upcall and user syscall. */
void pv_dispatch(struct pv_frame *f)
{
	if (f->vector == PV_VECTOR_EVENT) {
		event_upcall(f);
		return;
	}
	if (f->vector == PV_VECTOR_SYSCALL) {
		if (!pv_syscall_hook) {
			report_frame("syscall from user mode without a handler", f);
			pv_crash("unexpected syscall");
		}
		pv_syscall_hook(f);
		return;
	}
	if (pv_trap_hook && pv_trap_hook(f))
		return;
	report_frame("unexpected exception", f);
	pv_crash("unexpected exception %lu at %#lx", f->vector, f->rip);
}

void pv_failsafe(const uint64_t *frame)
{
	printk("%s: failsafe callback: ds %#lx es %#lx fs %#lx gs %#lx rip %#lx cs %#lx\n",
	       pv_kernel_name, frame[2], frame[3], frame[4], frame[5], frame[6], frame[7]);
	pv_crash("failsafe callback");
}

/* ---------------------------------------------------------------------------------------------- */
/* Command line: the builder copies the domain's cmdline/extra into start_info.cmd_line. */

const char *cmdline_value(const char *key, size_t *len)
{
	const char *p = (const char *)start_info->cmd_line;
	const char *end = p + sizeof(start_info->cmd_line);
	size_t klen = strlen(key);

	while (p < end && *p) {
		while (p < end && *p == ' ')
			p++;
		const char *word = p;
		while (p < end && *p && *p != ' ')
			p++;
		if ((size_t)(p - word) > klen && memcmp(word, key, klen) == 0 && word[klen] == '=') {
			if (len)
				*len = (size_t)(p - word) - klen - 1;
			return word + klen + 1;
		}
	}
	return NULL;
}

long cmdline_number(const char *key, long fallback)
{
	size_t len;
	const char *v = cmdline_value(key, &len);
	if (!v || len == 0)
		return fallback;
	long n = 0;
	for (size_t i = 0; i < len; i++) {
		if (v[i] < '0' || v[i] > '9')
			return fallback;
		n = n * 10 + (v[i] - '0');
	}
	return n;
}

/* ---------------------------------------------------------------------------------------------- */
/* Memory. */

#define POOL_PAGES 24
static char page_pool[POOL_PAGES][PAGE_SIZE]
	__attribute__((aligned(PAGE_SIZE), section(".bss.page_aligned")));
static int pool_used;

void *alloc_page(void)
{
	if (pool_used == POOL_PAGES)
		pv_crash("page pool exhausted");
	return page_pool[pool_used++];
}

long set_page_writable(void *va, int writable)
{
	uint64_t pte = (virt_to_mfn(va) << PAGE_SHIFT) | (writable ? PTE_KERNEL_RW : PTE_KERNEL_RO);
	return HYPERVISOR_update_va_mapping((unsigned long)va, pte, UVMF_INVLPG);
}

/* ---------------------------------------------------------------------------------------------- */
/* Event channels. The pending and mask bitmaps live in shared_info; bit p of the array is port p. */

void evtchn_mask(evtchn_port_t port)
{
	__atomic_fetch_or(&shared_info->evtchn_mask[port / 64], 1UL << (port % 64), __ATOMIC_SEQ_CST);
}

/* Xen re-raises the upcall when the port is pending, which a plain bit clear would not do. */
void evtchn_unmask(evtchn_port_t port)
{
	struct evtchn_unmask op = { .port = port };
	long rc = HYPERVISOR_event_channel_op(EVTCHNOP_unmask, &op);
	if (rc)
		pv_crash("EVTCHNOP_unmask(%u) -> %ld", port, rc);
}

int evtchn_pending(evtchn_port_t port)
{
	return (shared_info->evtchn_pending[port / 64] >> (port % 64)) & 1;
}

void evtchn_clear(evtchn_port_t port)
{
	__atomic_fetch_and(&shared_info->evtchn_pending[port / 64], ~(1UL << (port % 64)),
			   __ATOMIC_SEQ_CST);
}

long evtchn_send(evtchn_port_t port)
{
	struct evtchn_send op = { .port = port };
	return HYPERVISOR_event_channel_op(EVTCHNOP_send, &op);
}

void mask_all_ports(void)
{
	for (unsigned int i = 0; i < sizeof(shared_info->evtchn_mask) / sizeof(shared_info->evtchn_mask[0]); i++)
		shared_info->evtchn_mask[i] = ~0UL;
}

/* ---------------------------------------------------------------------------------------------- */
/* Time. */

/*
 * System time from vcpu_info[0].time (PV-ABI.md §6): Xen bumps `version` to odd before changing
 * the record and to even after, so read until an even version is seen unchanged around the copy;
 * then scale the TSC delta: ((delta << shift) * mul) >> 32, a negative shift shifting right.
 */
uint64_t pv_system_time(void)
{
	volatile struct vcpu_time_info *t = &vcpu0()->time;
	uint32_t version, mul;
	uint64_t tsc_stamp, system_time, tsc;
	int8_t shift;

	do {
		version = t->version;
		barrier();
		tsc_stamp = t->tsc_timestamp;
		system_time = t->system_time;
		mul = t->tsc_to_system_mul;
		shift = t->tsc_shift;
		tsc = rdtsc();
		barrier();
	} while ((version & 1) || version != t->version);

	uint64_t delta = tsc - tsc_stamp;
	if (shift < 0)
		delta >>= -shift;
	else
		delta <<= shift;
	return system_time + (uint64_t)(((unsigned __int128)delta * mul) >> 32);
}

/* The wallclock at system time 0, with the same odd/even protocol on wc_version. */
uint64_t pv_wallclock(uint32_t *nsec)
{
	volatile shared_info_t *s = shared_info;
	uint32_t version, ns;
	uint64_t sec;

	do {
		version = s->wc_version;
		barrier();
		sec = s->wc_sec | ((uint64_t)s->wc_sec_hi << 32);
		ns = s->wc_nsec;
		barrier();
	} while ((version & 1) || version != s->wc_version);
	if (nsec)
		*nsec = ns;
	return sec;
}

/* ---------------------------------------------------------------------------------------------- */
/* Start-up, called by _start with start_info's VA. */

void __attribute__((noreturn)) pv_start(start_info_t *si)
{
	start_info = si;

	/* A PV kernel checks that it was started as what it was built for. */
	if (memcmp(si->magic, "xen-3.0-x86_64", 14) != 0) {
		static const char msg[] = "bad start_info magic\n";
		console_io_write(msg, sizeof(msg) - 1);
		shutdown(SHUTDOWN_crash);
	}

	/* start_info gives the shared_info page by machine address; map it writable over our
	 * placeholder. Before this, vcpu_info (time, event mask, cr2) is out of reach. */
	long rc = HYPERVISOR_update_va_mapping((unsigned long)shared_info_page,
					       si->shared_info | PTE_KERNEL_RW, UVMF_INVLPG);
	if (rc) {
		static const char msg[] = "cannot map shared_info\n";
		console_io_write(msg, sizeof(msg) - 1);
		shutdown(SHUTDOWN_crash);
	}
	shared_info = (shared_info_t *)shared_info_page;

	pv_main();
	pv_finish();
}
