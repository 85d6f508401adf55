/* strlen, memcpy, memcmp, a reversal and a byte histogram over a NUL-terminated string at src. */
#define ENTRY __attribute__((section(".text.entry"), used))

typedef unsigned long size_t;

static size_t my_strlen(const char *s) {
    size_t n = 0;
    while (s[n]) n++;
    return n;
}

static void *my_memcpy(void *d, const void *s, size_t n) {
    unsigned char *dp = d;
    const unsigned char *sp = s;
    while (n--) *dp++ = *sp++;
    return d;
}

static int my_memcmp(const void *a, const void *b, size_t n) {
    const unsigned char *x = a, *y = b;
    for (size_t i = 0; i < n; i++) {
        if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
    }
    return 0;
}

ENTRY unsigned long entry(const char *src, char *dst, unsigned *hist) {
    size_t n = my_strlen(src);
    my_memcpy(dst, src, n + 1);
    for (size_t i = 0; i < n / 2; i++) {
        char t = dst[i];
        dst[i] = dst[n - 1 - i];
        dst[n - 1 - i] = t;
    }
    for (size_t i = 0; i < n; i++) hist[(unsigned char)src[i]]++;
    return (n << 8) | (unsigned)(my_memcmp(src, dst, n) & 0xFF);
}
