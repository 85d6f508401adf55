/*
 * jxen's CPU benchmark workload: a fixed mix of a sieve, hashing and sorting, integer code only.
 * `jxen bench cpu` runs this same binary on the host and on the emulator and compares the time;
 * the checksum line lets it check that both computed the same thing.
 */
#include "rt.h"

#define SIEVE_SIZE (1u << 21)
#define HASH_BYTES (1u << 18)
#define HASH_ROUNDS 24
#define SORT_COUNT 120000
#define SORT_ROUNDS 2

static u8 composite[SIEVE_SIZE];
static u8 hashbuf[HASH_BYTES];
static u32 values[SORT_COUNT];

static u64 rng_state = 0x9e3779b97f4a7c15UL;

static u64 next_random(void)
{
	/* xorshift64* */
	u64 x = rng_state;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng_state = x;
	return x * 0x2545f4914f6cdd1dUL;
}

static u64 sieve(void)
{
	memset(composite, 0, sizeof composite);
	u64 count = 0, sum = 0;
	for (u64 i = 2; i < SIEVE_SIZE; i++) {
		if (composite[i])
			continue;
		count++;
		sum += i;
		for (u64 j = i * i; j < SIEVE_SIZE; j += i)
			composite[j] = 1;
	}
	return count * 1000003u ^ sum;
}

static u64 fnv1a(const u8 *p, size_t n, u64 h)
{
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3UL;
	}
	return h;
}

static u64 rotl(u64 x, int r)
{
	return (x << r) | (x >> (64 - r));
}

/* MurmurHash3's 64-bit finalizer-style mixing over 8-byte words. */
static u64 murmur_mix(const u8 *p, size_t n, u64 h)
{
	for (size_t i = 0; i + 8 <= n; i += 8) {
		u64 k;
		memcpy(&k, p + i, 8);
		k *= 0x87c37b91114253d5UL;
		k = rotl(k, 31);
		k *= 0x4cf5ad432745937fUL;
		h ^= k;
		h = rotl(h, 27) * 5 + 0x52dce729;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdUL;
	h ^= h >> 33;
	return h;
}

static u64 hashing(void)
{
	for (u32 i = 0; i < HASH_BYTES; i += 8) {
		u64 r = next_random();
		memcpy(hashbuf + i, &r, 8);
	}
	u64 h = 0xcbf29ce484222325UL, m = 0;
	for (int round = 0; round < HASH_ROUNDS; round++) {
		h = fnv1a(hashbuf, HASH_BYTES, h);
		m ^= murmur_mix(hashbuf, HASH_BYTES, m + (u64)round);
		hashbuf[(u32)h & (HASH_BYTES - 1)] ^= (u8)m;
	}
	return h ^ rotl(m, 17);
}

static void quicksort(u32 *a, long lo, long hi)
{
	while (lo < hi) {
		u32 pivot = a[lo + (hi - lo) / 2];
		long i = lo, j = hi;
		while (i <= j) {
			while (a[i] < pivot)
				i++;
			while (a[j] > pivot)
				j--;
			if (i <= j) {
				u32 t = a[i];
				a[i] = a[j];
				a[j] = t;
				i++;
				j--;
			}
		}
		/* Recurse into the smaller side to bound the stack depth. */
		if (j - lo < hi - i) {
			quicksort(a, lo, j);
			lo = i;
		} else {
			quicksort(a, i, hi);
			hi = j;
		}
	}
}

static u64 sorting(void)
{
	u64 sum = 0;
	for (int round = 0; round < SORT_ROUNDS; round++) {
		for (u32 i = 0; i < SORT_COUNT; i++)
			values[i] = (u32)(next_random() >> 32);
		quicksort(values, 0, SORT_COUNT - 1);
		for (u32 i = 1; i < SORT_COUNT; i++)
			if (values[i - 1] > values[i])
				return 0; /* not sorted: the checksum shows it */
		for (u32 i = 0; i < SORT_COUNT; i += 97)
			sum = sum * 31 + values[i];
	}
	return sum;
}

int main(void)
{
	u64 s = sieve();
	u64 h = hashing();
	u64 q = sorting();
	put_str("sieve 0x");
	put_hex(s, 16);
	put_str("\nhash 0x");
	put_hex(h, 16);
	put_str("\nsort 0x");
	put_hex(q, 16);
	put_str("\nchecksum 0x");
	put_hex(s ^ rotl(h, 21) ^ rotl(q, 42), 16);
	put_char('\n');
	flush();
	return 0;
}
