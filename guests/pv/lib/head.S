/*
 * Entry code shared by the jxen PV test kernels: the Xen ELF notes, _start, the hypercall page,
 * and the assembly halves of exception, event and syscall delivery.
 *
 * How Xen enters a 64-bit PV kernel (PV-ABI.md §4.2): it pushes a "bounce frame" on the kernel
 * stack and jumps to the registered handler, with CS 0xe033 / SS 0xe02b. From high to low address
 * the frame is
 *	SS, RSP, RFLAGS, CS (saved upcall mask in bits 32-39), RIP, [error code], R11, RCX
 * so it is a hardware interrupt frame with the interrupted RCX and R11 on top: Xen itself used
 * SYSRET-like paths that clobber those two registers, so it hands their old values over this way.
 * Every handler below first pops RCX and R11 (restoring the interrupted values), then builds a
 * uniform struct pv_frame (pv.h) and calls C.
 *
 * The way back is the iret hypercall (number 23): push a flags word on top of the hardware-style
 * frame and jump to the hypercall page's iret stub, which pushes RCX, R11, RAX and does the
 * syscall. Xen restores all of them, switches to user mode when the saved CS has RPL 3, and sets
 * the event mask from the saved RFLAGS.IF, which a native iretq could not do.
 */
#include <xen/xen.h>
#include <xen/elfnote.h>

/* ------------------------------------------------------------------------------------------- */
/* Xen ELF notes (xen/elfnote.h). The builder reads them from the PT_NOTE segment (see pv.ld).  */

/* One note: namesz, descsz, type, "Xen\0", then the descriptor, each padded to 4 bytes. */
.macro ELFNOTE type, desctype, descdata:vararg
	.pushsection .note.Xen, "a", @note
	.balign 4
	.long	2f - 1f			/* namesz */
	.long	4f - 3f			/* descsz */
	.long	\type
1:	.asciz	"Xen"
2:	.balign 4
3:	\desctype \descdata
4:	.balign 4
	.popsection
.endm

	ELFNOTE XEN_ELFNOTE_GUEST_OS,       .asciz, "jxen-pv-test"
	ELFNOTE XEN_ELFNOTE_XEN_VERSION,    .asciz, "xen-3.0"	/* the only PV ABI version there is */
	ELFNOTE XEN_ELFNOTE_LOADER,         .asciz, "generic"	/* required unless GUEST_OS is linux */
	ELFNOTE XEN_ELFNOTE_VIRT_BASE,      .quad,  0xffffffff80000000	/* VA of pseudo-physical 0 */
	ELFNOTE XEN_ELFNOTE_PADDR_OFFSET,   .quad,  0		/* p_paddr is the offset from VIRT_BASE */
	ELFNOTE XEN_ELFNOTE_ENTRY,          .quad,  _start
	ELFNOTE XEN_ELFNOTE_HYPERCALL_PAGE, .quad,  hypercall_page

/* ------------------------------------------------------------------------------------------- */
/* Entry. Xen starts us in kernel mode with RSI = start_info's VA, RSP on a one-page boot stack  */
/* and events masked; we move to our own larger stack and continue in C.                          */

	.section .text.entry, "ax"
	.globl	_start
	.type	_start, @function
_start:
	cld
	lea	boot_stack_top(%rip), %rsp
	xor	%ebp, %ebp
	mov	%rsi, %rdi
	call	pv_start		/* never returns: it shuts the domain down */
	ud2
	.size	_start, . - _start

/* ------------------------------------------------------------------------------------------- */
/* The hypercall page. Xen (the domain builder) overwrites it with 128 stubs of 32 bytes; stub n */
/* does hypercall n. The int3 filling shows up in a crash report if nobody filled the page.      */

	.section .text.hypercall_page, "ax"
	.balign	4096
	.globl	hypercall_page
	.type	hypercall_page, @function	/* code, so that crash reports can name it */
hypercall_page:
	.fill	4096, 1, 0xcc
	.size	hypercall_page, 4096

/* ------------------------------------------------------------------------------------------- */
/* Exception, event and syscall entry points.                                                   */

	.text

/* Vector numbers above 255 that pv_dispatch() understands (also in pv.h). */
#define PV_VECTOR_EVENT		256
#define PV_VECTOR_SYSCALL	257

/* For vectors without an error code: push a 0 so that every frame has the same shape. */
.macro ENTRY_NOERR name, vector
	.globl	\name
	.type	\name, @function
\name:
	pop	%rcx
	pop	%r11
	push	$0
	push	$\vector
	jmp	pv_entry_common
	.size	\name, . - \name
.endm

/* For vectors where Xen pushed an error code (8, 10-14, 17). */
.macro ENTRY_ERR name, vector
	.globl	\name
	.type	\name, @function
\name:
	pop	%rcx
	pop	%r11
	push	$\vector
	jmp	pv_entry_common
	.size	\name, . - \name
.endm

	ENTRY_NOERR pv_entry_de,  0	/* divide error */
	ENTRY_NOERR pv_entry_db,  1	/* debug */
	ENTRY_NOERR pv_entry_nmi, 2
	ENTRY_NOERR pv_entry_bp,  3	/* int3: RIP is after the instruction */
	ENTRY_NOERR pv_entry_of,  4
	ENTRY_NOERR pv_entry_br,  5
	ENTRY_NOERR pv_entry_ud,  6	/* invalid opcode */
	ENTRY_NOERR pv_entry_nm,  7
	ENTRY_ERR   pv_entry_df,  8
	ENTRY_NOERR pv_entry_cso, 9
	ENTRY_ERR   pv_entry_ts,  10
	ENTRY_ERR   pv_entry_np,  11
	ENTRY_ERR   pv_entry_ss,  12
	ENTRY_ERR   pv_entry_gp,  13	/* general protection: privileged instructions land here */
	ENTRY_ERR   pv_entry_pf,  14	/* page fault: the address is in vcpu_info.arch.cr2 */
	ENTRY_NOERR pv_entry_spurious, 15
	ENTRY_NOERR pv_entry_mf,  16
	ENTRY_ERR   pv_entry_ac,  17
	ENTRY_NOERR pv_entry_mc,  18
	ENTRY_NOERR pv_entry_xm,  19
	ENTRY_NOERR pv_entry_int80, 0x80	/* software interrupt forwarded by Xen (trap_info DPL 3) */

	/* Event channel upcall (set_callbacks / CALLBACKTYPE_event): a frame without error code. */
	ENTRY_NOERR pv_entry_event, PV_VECTOR_EVENT

	/* 64-bit syscall from guest user mode (CALLBACKTYPE_syscall): same frame, on kernel_sp.
	 * RCX and R11 hold what the user's syscall instruction left there (return RIP, RFLAGS). */
	ENTRY_NOERR pv_entry_syscall, PV_VECTOR_SYSCALL

/* Table for C: the entry point of vectors 0-19 (see pv_install_trap_table). */
	.section .rodata
	.balign	8
	.globl	pv_exception_entries
pv_exception_entries:
	.quad	pv_entry_de, pv_entry_db, pv_entry_nmi, pv_entry_bp, pv_entry_of
	.quad	pv_entry_br, pv_entry_ud, pv_entry_nm, pv_entry_df, pv_entry_cso
	.quad	pv_entry_ts, pv_entry_np, pv_entry_ss, pv_entry_gp, pv_entry_pf
	.quad	pv_entry_spurious, pv_entry_mf, pv_entry_ac, pv_entry_mc, pv_entry_xm
	.text

/*
 * Common path: save the general registers in struct pv_frame order (r15 at the lowest address),
 * call pv_dispatch(frame), restore, and return through the iret hypercall. The handler may edit
 * the frame (RIP to skip a faulting instruction, RAX as a syscall result, ...).
 * Stack alignment: Xen aligns RSP to 16 before pushing its 5 (+1) slots; the stub makes it 7
 * slots, plus 15 registers = 22 slots, so RSP is 16-byte aligned at the call as the ABI wants.
 */
	.type	pv_entry_common, @function
pv_entry_common:
	push	%rdi
	push	%rsi
	push	%rdx
	push	%rcx
	push	%rax
	push	%r8
	push	%r9
	push	%r10
	push	%r11
	push	%rbx
	push	%rbp
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	mov	%rsp, %rdi
	call	pv_dispatch
	/* fall through */
	.globl	pv_return_to_frame
pv_return_to_frame:		/* RSP = a struct pv_frame; resumes the context it describes */
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbp
	pop	%rbx
	pop	%r11
	pop	%r10
	pop	%r9
	pop	%r8
	pop	%rax
	pop	%rcx
	pop	%rdx
	pop	%rsi
	pop	%rdi
	add	$16, %rsp		/* vector and error code */
	/* Now RSP -> RIP, CS, RFLAGS, RSP, SS. HYPERVISOR_iret wants a flags word below them:
	 * 0 = restore RCX and R11 from the values the stub pushes (our restored ones). */
	push	$0
	jmp	hypercall_page + __HYPERVISOR_iret * 32
	.size	pv_entry_common, . - pv_entry_common

/*
 * Failsafe callback: Xen calls it when it cannot load the guest's segment registers or return to
 * it. The frame is RCX, R11, DS, ES, FS, GS, RIP, CS, RFLAGS, RSP, SS; nothing sensible can be
 * resumed in these kernels, so C reports it and crashes the domain.
 */
	.globl	pv_entry_failsafe
	.type	pv_entry_failsafe, @function
pv_entry_failsafe:
	mov	%rsp, %rdi
	call	pv_failsafe
	ud2
	.size	pv_entry_failsafe, . - pv_entry_failsafe

/* ------------------------------------------------------------------------------------------- */
	.section .bss.page_aligned, "aw", @nobits
	.balign	4096
boot_stack:
	.skip	16384
boot_stack_top:

	.section .note.GNU-stack, "", @progbits
