#include "rt.h"

long sys_write(int fd, const void *buf, size_t len)
{
	long ret;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "0"(1L), "D"((long)fd), "S"(buf), "d"(len)
			 : "rcx", "r11", "memory");
	return ret;
}

void sys_exit(int code)
{
	for (;;)
		__asm__ volatile("syscall" : : "a"(231L), "D"((long)code) : "rcx", "r11", "memory");
}

/* Byte loops on purpose: the emulator should see plain integer code here, not vector idioms. */
void *memcpy(void *dst, const void *src, size_t n)
{
	u8 *d = dst;
	const u8 *s = src;
	while (n--)
		*d++ = *s++;
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	u8 *d = dst;
	const u8 *s = src;
	if (d < s) {
		while (n--)
			*d++ = *s++;
	} else {
		while (n--)
			d[n] = s[n];
	}
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	u8 *d = dst;
	while (n--)
		*d++ = (u8)c;
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const u8 *x = a, *y = b;
	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x < *y ? -1 : 1;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

static char outbuf[4096];
static size_t outlen;

void flush(void)
{
	size_t done = 0;
	while (done < outlen) {
		long w = sys_write(1, outbuf + done, outlen - done);
		if (w <= 0)
			sys_exit(120);
		done += (size_t)w;
	}
	outlen = 0;
}

void put_char(char c)
{
	if (outlen == sizeof outbuf)
		flush();
	outbuf[outlen++] = c;
	if (c == '\n')
		flush();
}

void put_str(const char *s)
{
	while (*s)
		put_char(*s++);
}

void put_u64_width(u64 v, int width)
{
	char tmp[24];
	int n = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (width-- > n)
		put_char(' ');
	while (n)
		put_char(tmp[--n]);
}

void put_u64(u64 v)
{
	put_u64_width(v, 0);
}

void put_i64(i64 v)
{
	if (v < 0) {
		put_char('-');
		put_u64(-(u64)v);
	} else {
		put_u64((u64)v);
	}
}

void put_hex(u64 v, int digits)
{
	for (int i = digits - 1; i >= 0; i--)
		put_char("0123456789abcdef"[(v >> (4 * i)) & 15]);
}

int check(const char *name, int ok)
{
	put_str(ok ? "PASS " : "FAIL ");
	put_str(name);
	put_char('\n');
	return !ok;
}
