/*
 * The small runtime shared by the jxen PV test kernels (lib/runtime.c, lib/head.S).
 *
 * A kernel defines `const char pv_kernel_name[]` and `void pv_main(void)`. By the time pv_main
 * runs, start_info has been checked, shared_info is mapped and printk works; no trap table and no
 * callbacks are installed yet (each kernel decides), and events are still masked as Xen left them.
 */
#ifndef PV_H
#define PV_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include "hypercall.h"
#include <xen/errno.h>	/* XEN_EINVAL, XEN_EPERM...: the values hypercalls return negated */

#define PAGE_SIZE	4096UL
#define PAGE_SHIFT	12
#define VIRT_BASE	0xffffffff80000000UL	/* must match the VIRT_BASE note and pv.ld */

/* Page-table entry bits (an x86 PTE; Xen validates them, PV-ABI.md §4.6). */
#define _PAGE_PRESENT	0x001UL
#define _PAGE_RW	0x002UL
#define _PAGE_USER	0x004UL
#define _PAGE_ACCESSED	0x020UL
#define _PAGE_DIRTY	0x040UL
#define PTE_KERNEL_RW	(_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY)
#define PTE_KERNEL_RO	(_PAGE_PRESENT | _PAGE_ACCESSED)
#define PTE_TABLE	(_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY)
#define PTE_ADDR_MASK	0x000ffffffffff000UL

/* Xen's read-only machine-to-physical table at 0xffff800000000000 (PV-ABI.md §4.6) is
 * machine_to_phys_mapping[mfn] = pfn, from xen/arch-x86/xen-x86_64.h. */

/* Vectors above 255 used by pv_dispatch for the callbacks (same numbers as head.S). */
#define PV_VECTOR_EVENT		256
#define PV_VECTOR_SYSCALL	257

/*
 * What the entry code saved: the general registers (pushed by head.S), the vector and error code,
 * then the frame Xen pushed. Handlers may change any of it; the entry code resumes from it.
 */
struct pv_frame {
	uint64_t r15, r14, r13, r12, rbp, rbx, r11, r10, r9, r8;
	uint64_t rax, rcx, rdx, rsi, rdi;
	uint64_t vector;
	uint64_t error_code;	/* 0 when the vector has none */
	uint64_t rip;
	uint64_t cs;		/* bits 32-39: the event mask Xen saved (PV-ABI.md §4.2) */
	uint64_t rflags;
	uint64_t rsp;
	uint64_t ss;
};

/* Defined by each kernel. */
extern const char pv_kernel_name[];
void pv_main(void);

/* Set up by the runtime before pv_main. */
extern start_info_t *start_info;
extern shared_info_t *shared_info;

static inline vcpu_info_t *vcpu0(void) { return &shared_info->vcpu_info[0]; }

/* Console: console_io while Xen accepts it, else the console ring (see runtime.c). */
void printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void console_io_write(const char *s, size_t len);	/* HYPERVISOR_console_io only */
int console_ring_write(const char *s, size_t len);	/* the ring + event channel only */
struct xencons_interface *console_ring(void);

/* Results: each check prints "<kernel>: ok <what>" or "<kernel>: FAIL <what>: <detail>". */
int check(int ok, const char *what, const char *detail_fmt, ...)
	__attribute__((format(printf, 3, 4)));
#define CHECK_EQ(what, actual, expected) \
	check((uint64_t)(actual) == (uint64_t)(expected), what, "got %#lx, expected %#lx", \
	      (unsigned long)(actual), (unsigned long)(expected))
/* Prints "<kernel>: PASS" and powers off, or "<kernel>: FAIL ..." and crashes. */
void __attribute__((noreturn)) pv_finish(void);
void __attribute__((noreturn)) pv_poweroff(void);
void __attribute__((noreturn)) pv_crash(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Traps: installs head.S's entries for vectors 0-19 (and 0x80 with DPL 3). */
void pv_install_trap_table(void);
/* Called for every exception; returns nonzero when it handled the frame. Unset = crash. */
extern int (*pv_trap_hook)(struct pv_frame *f);
/* Called for a syscall from user mode. Unset = crash. */
extern void (*pv_syscall_hook)(struct pv_frame *f);
/* Called for each pending, unmasked port found by the event upcall. */
extern void (*pv_event_hook)(evtchn_port_t port, struct pv_frame *f);
extern char pv_entry_event[], pv_entry_failsafe[], pv_entry_syscall[], pv_entry_int80[];

/* The value of "key=value" in the command line (start_info.cmd_line), or NULL. The value ends at
 * the next space; *len gets its length. */
const char *cmdline_value(const char *key, size_t *len);
/* The same value as a decimal number, or `fallback` when absent or not a number. */
long cmdline_number(const char *key, long fallback);

/* Memory. */
static inline unsigned long virt_to_pfn(const void *va)
{ return ((unsigned long)va - VIRT_BASE) >> PAGE_SHIFT; }
static inline unsigned long pfn_to_mfn(unsigned long pfn)
{ return ((const unsigned long *)start_info->mfn_list)[pfn]; }
static inline unsigned long virt_to_mfn(const void *va) { return pfn_to_mfn(virt_to_pfn(va)); }
static inline uint64_t virt_to_machine(const void *va)
{ return (virt_to_mfn(va) << PAGE_SHIFT) | ((unsigned long)va & (PAGE_SIZE - 1)); }
static inline void *pfn_to_virt(unsigned long pfn) { return (void *)(VIRT_BASE + (pfn << PAGE_SHIFT)); }
/* A zeroed page from a pool in .bss (mapped writable; never freed). */
void *alloc_page(void);
/* Remap one of our pages read-only or writable (update_va_mapping); returns the hypercall's result. */
long set_page_writable(void *va, int writable);

/* Events (2-level ABI, PV-ABI.md §7.1). */
static inline void barrier(void) { asm volatile("" ::: "memory"); }
static inline void mb(void) { asm volatile("mfence" ::: "memory"); }
void evtchn_mask(evtchn_port_t port);
void evtchn_unmask(evtchn_port_t port);		/* EVTCHNOP_unmask */
int evtchn_pending(evtchn_port_t port);
void evtchn_clear(evtchn_port_t port);
long evtchn_send(evtchn_port_t port);
void mask_all_ports(void);

/* Time (PV-ABI.md §6). */
static inline uint64_t rdtsc(void)
{ uint32_t lo, hi; asm volatile("rdtsc" : "=a"(lo), "=d"(hi)); return ((uint64_t)hi << 32) | lo; }
uint64_t pv_system_time(void);			/* ns since boot, from vcpu_info[0].time */
uint64_t pv_wallclock(uint32_t *nsec);		/* seconds of UTC at system time 0 */

/* Small freestanding library functions (gcc may call memset/memcpy on its own). */
void *memset(void *s, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);

#endif
