/* Sieve of Eratosthenes over a bitmap plus a 64-bit multiply/divide mix: counts primes below n. */
#define ENTRY __attribute__((section(".text.entry"), used))

ENTRY unsigned long entry(unsigned long *bits, unsigned long n, unsigned long seed) {
    for (unsigned long i = 0; i < (n + 63) / 64; i++) bits[i] = 0;
    unsigned long count = 0;
    for (unsigned long i = 2; i < n; i++) {
        if (bits[i / 64] & (1UL << (i % 64))) continue;
        count++;
        for (unsigned long j = i * i; j < n; j += i) bits[j / 64] |= 1UL << (j % 64);
    }
    unsigned long h = seed | 1;
    for (unsigned long i = 1; i < 200; i++) {
        h = h * 6364136223846793005UL + 1442695040888963407UL;
        h ^= h / (i | (h >> 60) | 1);
        long s = (long)h >> (i % 17);
        h += (unsigned long)(s / (long)(i * 3 + 1)) + (h & 0xFFFF) * 3 + (unsigned long)__builtin_clzl(h | 1);
    }
    return (count << 48) ^ h;
}
