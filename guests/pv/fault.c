/*
 * fault: crashes on purpose. With no trap table installed, a page fault cannot be delivered, so Xen
 * crashes the domain; the runner should then print its crash report naming the symbol fault_here,
 * the faulting address FAULT_ADDRESS and the registers. Nothing after the fault may run.
 */
#include "pv.h"

const char pv_kernel_name[] = "fault";

#define FAULT_ADDRESS 0xdead000	/* in the empty low half of the address space */

void pv_main(void)
{
	printk("fault: reading %#x at fault_here with no trap table: the domain must crash\n",
	       FAULT_ADDRESS);
	uint64_t value;
	asm volatile(".globl fault_here\n"
		     "fault_here:\n\t"
		     "mov (%1), %0"
		     : "=r"(value) : "r"((uint64_t)FAULT_ADDRESS) : "memory");
	pv_crash("still running after the fault (read %#lx)", value);
}
