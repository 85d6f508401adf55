/*
 * Entry point of every jxen guest program. The program sets up its own stack (inside its .bss,
 * so the same binary behaves identically on the host kernel and on the emulator, where nothing
 * sets RSP for it), calls main() and exits with main's return value.
 */
	.section .text.start, "ax"
	.globl _start
	.type _start, @function
_start:
	lea	guest_stack_top(%rip), %rsp
	xor	%ebp, %ebp
	call	main
	mov	%eax, %edi
	mov	$231, %eax		/* exit_group */
	syscall
	hlt				/* not reached */
	.size _start, . - _start

	.section .bss
	.balign 64
guest_stack:
	.skip	256 * 1024
guest_stack_top:
	.section .note.GNU-stack, "", @progbits
