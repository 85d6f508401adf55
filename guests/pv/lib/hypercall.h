/*
 * Hypercalls of a 64-bit PV kernel that uses the hypercall page.
 *
 * Hypercall n is a `call` to hypercall_page + n*32: Xen's stub there loads the number and does a
 * `syscall` (only guest kernel mode may do this; from user mode the same instruction is a system
 * call for the guest kernel). Arguments go in RDI, RSI, RDX, R10, R8; the result comes back in
 * RAX, negative for -errno. A debug build of Xen scribbles over the argument registers, so every
 * argument register is declared as both input and output here.
 */
#ifndef PV_HYPERCALL_H
#define PV_HYPERCALL_H

#include <xen/xen.h>
#include <xen/sched.h>
#include <xen/event_channel.h>
#include <xen/vcpu.h>
#include <xen/callback.h>
#include <xen/version.h>

extern char hypercall_page[4096];

#define _hypercall0(nr) ({ \
	long __res; \
	asm volatile("call hypercall_page + %c[off]" \
		: "=a"(__res) : [off] "i"((nr) * 32) : "memory"); \
	__res; })

#define _hypercall1(nr, a1) ({ \
	long __res, __a1 = (long)(a1); \
	asm volatile("call hypercall_page + %c[off]" \
		: "=a"(__res), "+D"(__a1) : [off] "i"((nr) * 32) : "memory"); \
	__res; })

#define _hypercall2(nr, a1, a2) ({ \
	long __res, __a1 = (long)(a1), __a2 = (long)(a2); \
	asm volatile("call hypercall_page + %c[off]" \
		: "=a"(__res), "+D"(__a1), "+S"(__a2) : [off] "i"((nr) * 32) : "memory"); \
	__res; })

#define _hypercall3(nr, a1, a2, a3) ({ \
	long __res, __a1 = (long)(a1), __a2 = (long)(a2), __a3 = (long)(a3); \
	asm volatile("call hypercall_page + %c[off]" \
		: "=a"(__res), "+D"(__a1), "+S"(__a2), "+d"(__a3) \
		: [off] "i"((nr) * 32) : "memory"); \
	__res; })

#define _hypercall4(nr, a1, a2, a3, a4) ({ \
	long __res, __a1 = (long)(a1), __a2 = (long)(a2), __a3 = (long)(a3); \
	register long __a4 asm("r10") = (long)(a4); \
	asm volatile("call hypercall_page + %c[off]" \
		: "=a"(__res), "+D"(__a1), "+S"(__a2), "+d"(__a3), "+r"(__a4) \
		: [off] "i"((nr) * 32) : "memory"); \
	__res; })

#define _hypercall5(nr, a1, a2, a3, a4, a5) ({ \
	long __res, __a1 = (long)(a1), __a2 = (long)(a2), __a3 = (long)(a3); \
	register long __a4 asm("r10") = (long)(a4); \
	register long __a5 asm("r8") = (long)(a5); \
	asm volatile("call hypercall_page + %c[off]" \
		: "=a"(__res), "+D"(__a1), "+S"(__a2), "+d"(__a3), "+r"(__a4), "+r"(__a5) \
		: [off] "i"((nr) * 32) : "memory"); \
	__res; })

/* The calls the test kernels use, with the argument types of the public headers. */

static inline long HYPERVISOR_console_io(int cmd, int count, const char *buf)
{ return _hypercall3(__HYPERVISOR_console_io, cmd, count, buf); }

static inline long HYPERVISOR_sched_op(int cmd, void *arg)
{ return _hypercall2(__HYPERVISOR_sched_op, cmd, arg); }

static inline long HYPERVISOR_set_trap_table(const struct trap_info *table)
{ return _hypercall1(__HYPERVISOR_set_trap_table, table); }

static inline long HYPERVISOR_set_callbacks(unsigned long event, unsigned long failsafe,
		unsigned long syscall)
{ return _hypercall3(__HYPERVISOR_set_callbacks, event, failsafe, syscall); }

static inline long HYPERVISOR_callback_op(int cmd, const void *arg)
{ return _hypercall2(__HYPERVISOR_callback_op, cmd, arg); }

static inline long HYPERVISOR_stack_switch(unsigned long ss, unsigned long rsp)
{ return _hypercall2(__HYPERVISOR_stack_switch, ss, rsp); }

static inline long HYPERVISOR_mmu_update(const mmu_update_t *req, unsigned int count,
		unsigned int *done, domid_t foreigndom)
{ return _hypercall4(__HYPERVISOR_mmu_update, req, count, done, foreigndom); }

static inline long HYPERVISOR_mmuext_op(const struct mmuext_op *op, unsigned int count,
		unsigned int *done, domid_t foreigndom)
{ return _hypercall4(__HYPERVISOR_mmuext_op, op, count, done, foreigndom); }

static inline long HYPERVISOR_update_va_mapping(unsigned long va, uint64_t pte,
		unsigned long flags)
{ return _hypercall3(__HYPERVISOR_update_va_mapping, va, pte, flags); }

static inline long HYPERVISOR_event_channel_op(int cmd, void *arg)
{ return _hypercall2(__HYPERVISOR_event_channel_op, cmd, arg); }

static inline long HYPERVISOR_vcpu_op(int cmd, unsigned int vcpu, void *arg)
{ return _hypercall3(__HYPERVISOR_vcpu_op, cmd, vcpu, arg); }

static inline long HYPERVISOR_set_timer_op(uint64_t deadline_ns)
{ return _hypercall1(__HYPERVISOR_set_timer_op, deadline_ns); }

static inline long HYPERVISOR_fpu_taskswitch(int set)
{ return _hypercall1(__HYPERVISOR_fpu_taskswitch, set); }

static inline long HYPERVISOR_set_segment_base(int which, unsigned long base)
{ return _hypercall2(__HYPERVISOR_set_segment_base, which, base); }

static inline long HYPERVISOR_xen_version(int cmd, void *arg)
{ return _hypercall2(__HYPERVISOR_xen_version, cmd, arg); }

#endif
