/*
 * usermode: runs code in guest user mode. A PV kernel and its user space both run at CPL 3; Xen
 * tells them apart by the mode it tracks, and gives each its own L4 (NEW_BASEPTR for the kernel,
 * NEW_USER_BASEPTR for user), switching on every transition. This kernel
 *   - builds a user L4 mapping one code page and one stack page at low addresses,
 *   - registers the syscall callback and the kernel stack for entries from user mode,
 *   - enters user mode with HYPERVISOR_iret (saved CS with RPL 3),
 *   - lets the user code make `syscall`s, take a #PF on a kernel address and do `int $0x80`,
 *     checking each entry's frame, and returns to it with HYPERVISOR_iret,
 *   - checks that GS has the user base in user mode and the kernel base in kernel mode (Xen swaps
 *     them on each transition, as SWAPGS would),
 *   - and finally leaves user mode for good on an "exit" syscall.
 */
#include "pv.h"

const char pv_kernel_name[] = "usermode";

#define USER_CODE_VA	0x400000UL
#define USER_STACK_VA	0x402000UL
#define USER_STACK_TOP	(USER_STACK_VA + PAGE_SIZE)

/* User system calls understood here (RAX = number, RDI = argument). */
#define SYS_ADD_ONE	1	/* returns RDI + 1 */
#define SYS_REPORT	2	/* hands a value to the kernel */
#define SYS_EXIT	3	/* back to the kernel for good */

/*
 * The user program: one page of position-independent code, mapped at USER_CODE_VA. The kernel
 * address it reads (VIRT_BASE) is not mapped in the user L4, so that read faults.
 */
asm(".pushsection .text.user_page, \"ax\"\n"
    ".balign 4096\n"
    "user_page:\n\t"
    "mov $" "1" ", %eax\n\t"		/* SYS_ADD_ONE(41) */
    "mov $41, %edi\n"
    "user_syscall1:\n\t"
    "syscall\n"
    "user_after_syscall1:\n\t"
    "mov %rax, %rdi\n\t"		/* SYS_REPORT(the result) */
    "mov $2, %eax\n\t"
    "syscall\n\t"
    "movabs $0xffffffff80000000, %rbx\n"
    "user_fault:\n\t"
    "mov (%rbx), %rax\n"		/* #PF: kernel memory is not in the user L4 */
    "user_after_fault:\n\t"
    "int $0x80\n"
    "user_after_int80:\n\t"
    "mov %rax, %rdi\n\t"		/* SYS_REPORT(what int $0x80 returned) */
    "mov $2, %eax\n\t"
    "syscall\n\t"
    "mov %gs:0, %rdi\n\t"		/* SYS_REPORT(what the user GS base points at) */
    "mov $2, %eax\n\t"
    "syscall\n\t"
    "mov $3, %eax\n\t"			/* SYS_EXIT */
    "syscall\n\t"
    "ud2\n"
    ".balign 4096\n"
    ".popsection");
extern char user_page[], user_syscall1[], user_after_syscall1[], user_fault[], user_after_fault[],
	user_after_int80[];
#define USER_VA(sym) (USER_CODE_VA + (unsigned long)((sym) - user_page))

/*
 * enter_user(rip, rsp) saves the kernel's callee-saved registers and stack, then "returns" to user
 * mode through HYPERVISOR_iret. leave_user(value), called from a syscall handler, restores that
 * saved context so that enter_user returns `value` in kernel mode.
 */
uint64_t kernel_ctx[7];	/* rbx, rbp, r12-r15, rsp */
asm(".pushsection .text\n"
    "enter_user:\n\t"
    "lea kernel_ctx(%rip), %rax\n\t"
    "mov %rbx, 0(%rax); mov %rbp, 8(%rax); mov %r12, 16(%rax); mov %r13, 24(%rax)\n\t"
    "mov %r14, 32(%rax); mov %r15, 40(%rax); mov %rsp, 48(%rax)\n\t"
    /* The iret frame, high to low: SS, RSP, RFLAGS (IF set: events on), CS, RIP, flags. */
    "push $" "0xe02b" "\n\t"		/* FLAT_USER_SS */
    "push %rsi\n\t"
    "push $0x202\n\t"
    "push $" "0xe033" "\n\t"		/* FLAT_USER_CS: RPL 3 selects user mode */
    "push %rdi\n\t"
    "push $0\n\t"			/* flags: restore RCX/R11 as pushed by the stub */
    "jmp hypercall_page + 23 * 32\n"
    "leave_user:\n\t"
    "lea kernel_ctx(%rip), %rax\n\t"
    "mov 0(%rax), %rbx; mov 8(%rax), %rbp; mov 16(%rax), %r12; mov 24(%rax), %r13\n\t"
    "mov 32(%rax), %r14; mov 40(%rax), %r15; mov 48(%rax), %rsp\n\t"
    "mov %rdi, %rax\n\t"
    "ret\n"
    ".popsection");
uint64_t enter_user(uint64_t rip, uint64_t rsp);
void __attribute__((noreturn)) leave_user(uint64_t value);

/* The stack Xen switches to when user mode enters the kernel (stack_switch). */
static char kernel_stack[2 * PAGE_SIZE] __attribute__((aligned(16)));
#define KERNEL_STACK_TOP ((unsigned long)kernel_stack + sizeof(kernel_stack))

static int on_kernel_stack(const struct pv_frame *f)
{
	return (unsigned long)f >= (unsigned long)kernel_stack && (unsigned long)f < KERNEL_STACK_TOP;
}

static int syscalls_seen;
static uint64_t reports[3];
static int nreports;

#define USER_GS_MARK	0x7573657267730000UL	/* at USER_STACK_VA, the user GS base */
static uint64_t kernel_gs_mark = 0x6b65726e656c6773UL;	/* the kernel GS base points here */

static uint64_t read_gs0(void)
{
	uint64_t v;
	asm volatile("mov %%gs:0, %0" : "=r"(v));
	return v;
}

static void syscall_hook(struct pv_frame *f)
{
	syscalls_seen++;
	if (syscalls_seen == 1) {
		/* The callback frame: RIP is the user's return address, RCX holds it too (syscall
		 * semantics), RSP is the user stack, and we run on the stack_switch stack. */
		check(on_kernel_stack(f), "syscall enters on the kernel stack", "frame at %p", f);
		CHECK_EQ("syscall frame RIP is after the syscall", f->rip, USER_VA(user_after_syscall1));
		CHECK_EQ("syscall frame RCX is the return RIP", f->rcx, USER_VA(user_after_syscall1));
		CHECK_EQ("syscall frame RSP is the user stack", f->rsp, USER_STACK_TOP);
		CHECK_EQ("syscall arguments arrive in RAX/RDI", f->rax * 1000 + f->rdi, 1041);
		CHECK_EQ("in kernel mode GS has the kernel base", read_gs0(), kernel_gs_mark);
	}
	/* The CS/SS slots of a syscall frame are placeholders: set the user selectors to return. */
	f->cs = FLAT_USER_CS;
	f->ss = FLAT_USER_SS;
	switch (f->rax) {
	case SYS_ADD_ONE:
		f->rax = f->rdi + 1;
		break;
	case SYS_REPORT:
		if (nreports < 3)
			reports[nreports++] = f->rdi;
		f->rax = 0;
		break;
	case SYS_EXIT:
		leave_user(0x600d);
	default:
		f->rax = -XEN_ENOSYS;
	}
}

static int user_faults, int80s;

static int trap_hook(struct pv_frame *f)
{
	if (f->vector == 14 && user_faults == 0) {
		user_faults++;
		/* From user mode: the U bit is set (4 = user, read, not present), CS keeps RPL 3. */
		CHECK_EQ("user #PF error code", f->error_code, 4);
		CHECK_EQ("user #PF RIP", f->rip, USER_VA(user_fault));
		CHECK_EQ("user #PF cr2", vcpu0()->arch.cr2, VIRT_BASE);
		CHECK_EQ("user #PF frame CS is the user's", (uint16_t)f->cs, FLAT_USER_CS);
		check(on_kernel_stack(f), "user #PF is delivered on the kernel stack", "frame at %p", f);
		f->rip = USER_VA(user_after_fault);	/* skip the load */
		return 1;
	}
	if (f->vector == 0x80 && int80s == 0) {
		int80s++;
		CHECK_EQ("int $0x80 from user mode: RIP after it", f->rip, USER_VA(user_after_int80));
		f->rax = 0x80;
		return 1;
	}
	return 0;
}

void pv_main(void)
{
	long rc;

	pv_install_trap_table();
	pv_trap_hook = trap_hook;
	pv_syscall_hook = syscall_hook;

	/* 1. Callbacks: events and failsafe, and the one a user `syscall` goes to. */
	struct callback_register cb_event = { .type = CALLBACKTYPE_event,
					      .address = (unsigned long)pv_entry_event };
	struct callback_register cb_failsafe = { .type = CALLBACKTYPE_failsafe,
						 .address = (unsigned long)pv_entry_failsafe };
	struct callback_register cb_syscall = { .type = CALLBACKTYPE_syscall,
						.address = (unsigned long)pv_entry_syscall };
	rc = HYPERVISOR_callback_op(CALLBACKOP_register, &cb_event) |
	     HYPERVISOR_callback_op(CALLBACKOP_register, &cb_failsafe) |
	     HYPERVISOR_callback_op(CALLBACKOP_register, &cb_syscall);
	check(rc == 0, "callback_op registers event, failsafe and syscall callbacks", "returned %ld", rc);

	/* 2. Where Xen puts the frame when user mode enters the kernel. */
	rc = HYPERVISOR_stack_switch(FLAT_KERNEL_SS, KERNEL_STACK_TOP);
	check(rc == 0, "stack_switch", "returned %ld", rc);

	/* 3. The user page tables: code read-only, stack writable, both with _PAGE_USER. */
	uint64_t *l4 = alloc_page(), *l3 = alloc_page(), *l2 = alloc_page(), *l1 = alloc_page();
	void *stack = alloc_page();
	l4[0] = (virt_to_mfn(l3) << PAGE_SHIFT) | PTE_TABLE;
	l3[0] = (virt_to_mfn(l2) << PAGE_SHIFT) | PTE_TABLE;
	l2[USER_CODE_VA >> 21] = (virt_to_mfn(l1) << PAGE_SHIFT) | PTE_TABLE;
	l1[(USER_CODE_VA >> 12) & 511] = (virt_to_mfn(user_page) << PAGE_SHIFT) |
					  _PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED;
	l1[(USER_STACK_VA >> 12) & 511] = (virt_to_mfn(stack) << PAGE_SHIFT) | PTE_KERNEL_RW | _PAGE_USER;
	*(uint64_t *)stack = USER_GS_MARK;
	rc = set_page_writable(l1, 0) | set_page_writable(l2, 0) | set_page_writable(l3, 0) |
	     set_page_writable(l4, 0);
	check(rc == 0, "make the user page tables read-only", "returned %ld", rc);

	struct mmuext_op ops[2] = {
		{ .cmd = MMUEXT_PIN_L4_TABLE, .arg1.mfn = virt_to_mfn(l4) },	/* validates all four */
		{ .cmd = MMUEXT_NEW_USER_BASEPTR, .arg1.mfn = virt_to_mfn(l4) },
	};
	unsigned int done = 0;
	rc = HYPERVISOR_mmuext_op(ops, 2, &done, DOMID_SELF);
	check(rc == 0 && done == 2, "pin the user L4 and make it NEW_USER_BASEPTR",
	      "returned %ld, %u done", rc, done);
	if (rc)
		pv_finish();

	/* 4. The two GS bases: Xen loads the user one on the way to user mode, the kernel one back. */
	rc = HYPERVISOR_set_segment_base(SEGBASE_GS_KERNEL, (unsigned long)&kernel_gs_mark) |
	     HYPERVISOR_set_segment_base(SEGBASE_GS_USER, USER_STACK_VA);
	check(rc == 0 && read_gs0() == kernel_gs_mark, "set_segment_base for kernel and user GS",
	      "returned %ld", rc);

	/* 5. Go. enter_user returns when the user program makes its exit syscall. */
	uint64_t back = enter_user(USER_CODE_VA, USER_STACK_TOP);
	vcpu0()->evtchn_upcall_mask = 1;	/* user mode ran with events enabled */

	CHECK_EQ("back in kernel mode after the exit syscall", back, 0x600d);
	CHECK_EQ("system calls made", syscalls_seen, 5);
	CHECK_EQ("the user program saw SYS_ADD_ONE's result", reports[0], 42);
	CHECK_EQ("the user program got int $0x80's result", reports[1], 0x80);
	CHECK_EQ("in user mode GS has the user base", reports[2], USER_GS_MARK);
	CHECK_EQ("back in kernel mode, GS has the kernel base again", read_gs0(), kernel_gs_mark);
	CHECK_EQ("user page faults handled", user_faults, 1);
	CHECK_EQ("the kernel still reads its own memory", *(volatile uint64_t *)user_page,
		 *(const uint64_t *)user_page);
}
