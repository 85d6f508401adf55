/*
 * Self-check: the system call edge a guest program sees, which the host kernel and jxen's program
 * runner must answer alike: write's return value, -EFAULT for an unmapped buffer, -EBADF for a
 * closed descriptor, -ENOSYS for an unknown call, and RCX/R11 set by SYSCALL as on Linux.
 */
#include "rt.h"

static long raw_syscall3(long nr, long a, long b, long c, u64 *rcx, u64 *r11)
{
	long ret;
	u64 out_rcx, out_r11;
	__asm__ volatile("syscall\n\t"
			 "mov %%rcx, %1\n\t"
			 "mov %%r11, %2"
			 : "=a"(ret), "=r"(out_rcx), "=r"(out_r11)
			 : "0"(nr), "D"(a), "S"(b), "d"(c)
			 : "rcx", "r11", "memory");
	*rcx = out_rcx;
	*r11 = out_r11;
	return ret;
}

int main(void)
{
	int failures = 0;
	u64 rcx, r11;
	flush();

	static const char msg[] = "hello from a guest\n";
	long n = raw_syscall3(1, 1, (long)msg, sizeof msg - 1, &rcx, &r11);
	failures += check("write returns the byte count", n == (long)(sizeof msg - 1));
	failures += check("write of zero bytes returns 0", raw_syscall3(1, 1, (long)msg, 0, &rcx, &r11) == 0);

	/* Far above anything mapped, on the host and in the emulator's identity map. */
	long bad = 0x700000000000L;
	failures += check("write from an unmapped buffer fails with -EFAULT", raw_syscall3(1, 1, bad, 8, &rcx, &r11) == -14);
	failures += check("write to a closed descriptor fails with -EBADF", raw_syscall3(1, 9, (long)msg, 1, &rcx, &r11) == -9);
	failures += check("an unknown system call fails with -ENOSYS", raw_syscall3(500, 0, 0, 0, &rcx, &r11) == -38);

	/* SYSCALL leaves the return address in RCX and RFLAGS in R11. */
	raw_syscall3(500, 0, 0, 0, &rcx, &r11);
	failures += check("RCX holds the return address", rcx > 0x400000 && rcx < 0x500000);
	failures += check("R11 holds RFLAGS (IF and bit 1 set)", (r11 & 0x202) == 0x202);

	put_str(failures ? "syscalls: FAILED\n" : "syscalls: all passed\n");
	flush();
	return failures;
}
