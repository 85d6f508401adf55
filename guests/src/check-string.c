/*
 * Self-check: string and memory routines (length, compare, copy, search, reverse, number
 * formatting and parsing, overlapping moves), each checked against a second, simpler
 * formulation or a round trip. Prints one PASS/FAIL line per routine.
 */
#include "rt.h"

static u64 rng = 0xa4093822299f31d0UL;

static u64 next_random(void)
{
	rng = rng * 6364136223846793005UL + 1;
	return rng >> 11;
}

static int str_cmp(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return (u8)*a - (u8)*b;
}

static char *str_chr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (!*s)
			return 0;
	}
}

static char *str_str(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	for (; *hay; hay++)
		if (!memcmp(hay, needle, n))
			return (char *)hay;
	return n ? 0 : (char *)hay;
}

static void reverse(char *s, size_t n)
{
	for (size_t i = 0, j = n ? n - 1 : 0; i < j; i++, j--) {
		char t = s[i];
		s[i] = s[j];
		s[j] = t;
	}
}

/* Formats v in base 2..36; returns the length. */
static size_t format_i64(i64 v, int base, char *out)
{
	u64 m = v < 0 ? -(u64)v : (u64)v;
	size_t n = 0;
	do {
		out[n++] = "0123456789abcdefghijklmnopqrstuvwxyz"[m % (u64)base];
		m /= (u64)base;
	} while (m);
	if (v < 0)
		out[n++] = '-';
	out[n] = 0;
	reverse(out, n);
	return n;
}

static i64 parse_i64(const char *s, int base)
{
	int neg = *s == '-';
	s += neg;
	u64 m = 0;
	for (; *s; s++) {
		int d = *s <= '9' ? *s - '0' : *s - 'a' + 10;
		m = m * (u64)base + (u64)d;
	}
	return neg ? (i64)(0 - m) : (i64)m;
}

static void random_string(char *s, size_t n, int alphabet)
{
	for (size_t i = 0; i < n; i++)
		s[i] = (char)('a' + next_random() % (u64)alphabet);
	s[n] = 0;
}

static char a[600], b[600], c[600];

int main(void)
{
	int failures = 0;
	int ok = 1;

	for (int i = 0; i < 2000; i++) {
		size_t n = next_random() % 500;
		random_string(a, n, 26);
		ok &= strlen(a) == n;
	}
	failures += check("strlen", ok);

	ok = 1;
	for (int i = 0; i < 2000; i++) {
		size_t n = next_random() % 40;
		random_string(a, n, 3);
		random_string(b, next_random() % 40, 3);
		int r = str_cmp(a, b);
		int m = memcmp(a, b, (n < strlen(b) ? n : strlen(b)) + 1);
		ok &= (r < 0) == (m < 0) && (r == 0) == (m == 0);
		ok &= str_cmp(a, a) == 0;
	}
	failures += check("strcmp", ok);

	ok = 1;
	for (int i = 0; i < 2000; i++) {
		size_t n = 1 + next_random() % 300;
		random_string(a, n, 20);
		char ch = (char)('a' + next_random() % 26);
		char *p = str_chr(a, ch);
		size_t k = 0;
		while (k < n && a[k] != ch)
			k++;
		ok &= k == n ? p == 0 : p == a + k;
	}
	failures += check("strchr", ok);

	ok = 1;
	for (int i = 0; i < 1000; i++) {
		size_t n = next_random() % 400;
		random_string(a, n, 2);
		size_t m = 1 + next_random() % 6;
		random_string(b, m, 2);
		char *p = str_str(a, b);
		/* Naive search written the other way round: compare back to front. */
		char *q = 0;
		for (size_t s = 0; s + m <= n && !q; s++) {
			size_t j = m;
			while (j > 0 && a[s + j - 1] == b[j - 1])
				j--;
			if (j == 0)
				q = a + s;
		}
		ok &= p == q;
	}
	failures += check("strstr", ok);

	ok = 1;
	for (int i = 0; i < 3000; i++) {
		i64 v = (i64)(next_random() << 11) >> (next_random() % 64);
		int base = 2 + (int)(next_random() % 35);
		format_i64(v, base, a);
		ok &= parse_i64(a, base) == v;
	}
	format_i64(-1234567890123L, 10, a);
	ok &= str_cmp(a, "-1234567890123") == 0;
	format_i64(255, 16, a);
	ok &= str_cmp(a, "ff") == 0;
	failures += check("format and parse integers", ok);

	ok = 1;
	for (int i = 0; i < 1000; i++) {
		size_t n = next_random() % 300;
		random_string(a, n, 26);
		memcpy(b, a, n + 1);
		reverse(b, n);
		for (size_t k = 0; k < n; k++)
			ok &= b[k] == a[n - 1 - k];
		reverse(b, n);
		ok &= str_cmp(a, b) == 0;
	}
	failures += check("reverse", ok);

	ok = 1;
	for (int i = 0; i < 1000; i++) {
		random_string(a, 512, 26);
		memcpy(c, a, 513);
		size_t src = next_random() % 256, dst = next_random() % 256, n = next_random() % 256;
		memmove(a + dst, a + src, n);
		/* Reference: go through a separate buffer. */
		memcpy(b, c + src, n);
		memcpy(c + dst, b, n);
		ok &= memcmp(a, c, 513) == 0;
	}
	failures += check("memmove (overlapping)", ok);

	ok = 1;
	for (int i = 0; i < 1000; i++) {
		size_t off = next_random() % 64, n = next_random() % 400;
		int v = (int)(next_random() & 0xff);
		memset(a, 0x55, sizeof a);
		memset(a + off, v, n);
		for (size_t k = 0; k < sizeof a; k++)
			ok &= (u8)a[k] == (k >= off && k < off + n ? (u8)v : 0x55);
	}
	failures += check("memset", ok);

	put_str(failures ? "string: FAILED\n" : "string: all passed\n");
	flush();
	return failures;
}
