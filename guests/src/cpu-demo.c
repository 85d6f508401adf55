/*
 * jxen's CPU demo: a small freestanding program that computes a few things and prints them.
 * It talks to the outside only through the Linux write/exit system calls, so the same binary
 * runs on the host and on the emulator and must print the same lines on both.
 */
#include "rt.h"

static u8 composite[100000];

static u64 fnv1a(const char *s)
{
	u64 h = 0xcbf29ce484222325UL;
	while (*s) {
		h ^= (u8)*s++;
		h *= 0x100000001b3UL;
	}
	return h;
}

static u32 gcd(u32 a, u32 b)
{
	while (b) {
		u32 t = a % b;
		a = b;
		b = t;
	}
	return a;
}

int main(void)
{
	put_str("jxen cpu demo\n");

	/* Sieve of Eratosthenes. */
	u32 n = sizeof composite;
	for (u32 i = 2; i * i < n; i++)
		if (!composite[i])
			for (u32 j = i * i; j < n; j += i)
				composite[j] = 1;
	put_str("primes below 100:");
	for (u32 i = 2; i < 100; i++)
		if (!composite[i]) {
			put_char(' ');
			put_u64(i);
		}
	put_char('\n');
	u32 count = 0;
	for (u32 i = 2; i < n; i++)
		count += !composite[i];
	put_str("primes below 100000: ");
	put_u64(count);
	put_char('\n');

	u64 a = 0, b = 1;
	for (int i = 0; i < 90; i++) {
		u64 t = a + b;
		a = b;
		b = t;
	}
	put_str("fibonacci(90): ");
	put_u64(a);
	put_char('\n');

	u32 best = 1, bestLen = 1;
	for (u32 start = 1; start < 10000; start++) {
		u64 x = start;
		u32 len = 1;
		while (x != 1) {
			x = (x & 1) ? 3 * x + 1 : x / 2;
			len++;
		}
		if (len > bestLen) {
			bestLen = len;
			best = start;
		}
	}
	put_str("longest collatz chain below 10000: start ");
	put_u64(best);
	put_str(", length ");
	put_u64(bestLen);
	put_char('\n');

	put_str("gcd(1071, 462): ");
	put_u64(gcd(1071, 462));
	put_char('\n');

	put_str(" n" "       n^3" "             n!\n");
	u64 fact = 1;
	for (u64 i = 1; i <= 15; i++) {
		fact *= i;
		put_u64_width(i, 2);
		put_u64_width(i * i * i, 10);
		put_u64_width(fact, 15);
		put_char('\n');
	}

	put_str("fnv1a64(\"jxen\"): 0x");
	put_hex(fnv1a("jxen"), 16);
	put_char('\n');
	flush();
	return 0;
}
