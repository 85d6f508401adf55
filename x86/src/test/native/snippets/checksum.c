/* Adler-32 and CRC-32 (bitwise) of the 4 KiB at buf; returns both combined. */
#define ENTRY __attribute__((section(".text.entry"), used))

static unsigned crc32(const unsigned char *p, unsigned long n) {
    unsigned c = 0xFFFFFFFFu;
    for (unsigned long i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++) {
            c = (c >> 1) ^ (0xEDB88320u & -(c & 1));
        }
    }
    return ~c;
}

static unsigned adler32(const unsigned char *p, unsigned long n) {
    unsigned a = 1, b = 0;
    for (unsigned long i = 0; i < n; i++) {
        a = (a + p[i]) % 65521;
        b = (b + a) % 65521;
    }
    return (b << 16) | a;
}

ENTRY unsigned long entry(unsigned char *buf, unsigned long n) {
    return ((unsigned long)crc32(buf, n) << 32) | adler32(buf, n);
}
