/* A qsort/bsearch/strtol/strcmp workload with checksums: integers and strings from a fixed
 * pseudo-random sequence are sorted, searched, printed and parsed back. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N 20000
#define NSTR 4000

static uint32_t seed = 12345;

static uint32_t lcg(void)
{
    seed = seed * 1103515245u + 12345u;
    return seed;
}

static int compare_ints(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *c = p;
    for (size_t i = 0; i < n; i++) {
        h = (h ^ c[i]) * 1099511628211u;
    }
    return h;
}

int main(void)
{
    printf("libc-qsort\n");
    int *values = malloc(N * sizeof *values);
    for (int i = 0; i < N; i++) {
        values[i] = (int)(lcg() >> 1) - (1 << 30);
    }
    qsort(values, N, sizeof *values, compare_ints);
    int sorted = 1;
    for (int i = 1; i < N; i++) {
        sorted &= values[i - 1] <= values[i];
    }
    printf("ints sorted: %d, min %d, median %d, max %d, checksum %016" PRIx64 "\n", sorted, values[0],
           values[N / 2], values[N - 1], fnv(1469598103934665603u, values, N * sizeof *values));

    int found = 0, missing = 0;
    for (int i = 0; i < 5000; i++) {
        int key = i % 2 ? values[lcg() % N] : (int)(lcg() >> 1) - (1 << 30);
        int *hit = bsearch(&key, values, N, sizeof *values, compare_ints);
        if (hit) {
            found++;
        } else {
            missing++;
        }
    }
    printf("bsearch: %d found, %d missing\n", found, missing);

    char **strings = malloc(NSTR * sizeof *strings);
    char buf[64];
    long long parsed = 0;
    for (int i = 0; i < NSTR; i++) {
        uint32_t r = lcg();
        int base = (int[]){10, 16, 8, 36}[r & 3];
        long v = (long)(lcg() % 2000000001u) - 1000000000;
        switch (base) {
        case 10: snprintf(buf, sizeof buf, "%ld", v); break;
        case 16: snprintf(buf, sizeof buf, "%s0x%lx", v < 0 ? "-" : "", labs(v)); break;
        case 8: snprintf(buf, sizeof buf, "%s0%lo", v < 0 ? "-" : "", labs(v)); break;
        default: {
            /* base 36, written by hand */
            char tmp[32];
            int n = 0;
            unsigned long u = labs(v);
            do {
                tmp[n++] = "0123456789abcdefghijklmnopqrstuvwxyz"[u % 36];
                u /= 36;
            } while (u);
            int k = 0;
            if (v < 0) buf[k++] = '-';
            while (n) buf[k++] = tmp[--n];
            buf[k] = 0;
        }
        }
        char *end;
        long back = strtol(buf, &end, base == 10 ? 0 : base == 36 ? 36 : 0);
        if (back != v || *end) {
            printf("strtol mismatch: \"%s\" -> %ld, expected %ld\n", buf, back, v);
        }
        parsed += back;
        strings[i] = strdup(buf);
    }
    printf("strtol: sum %lld, strtoul(\"ffffffffffffffff\", 16) %lu, strtoll(\"-9223372036854775808\") %lld\n",
           parsed, strtoul("ffffffffffffffff", NULL, 16), strtoll("-9223372036854775808", NULL, 10));
    qsort(strings, NSTR, sizeof *strings, compare_strings);
    uint64_t h = 1469598103934665603u;
    for (int i = 0; i < NSTR; i++) {
        h = fnv(h, strings[i], strlen(strings[i]) + 1);
    }
    printf("strings sorted: first \"%s\", last \"%s\", checksum %016" PRIx64 "\n", strings[0], strings[NSTR - 1], h);
    for (int i = 0; i < NSTR; i += 997) {
        char **hit = bsearch(&strings[i], strings, NSTR, sizeof *strings, compare_strings);
        printf("bsearch \"%s\": index %td\n", strings[i], hit ? hit - strings : -1);
    }
    for (int i = 0; i < NSTR; i++) {
        free(strings[i]);
    }
    free(strings);
    free(values);
    /* A few large allocations to go through mmap. */
    size_t total = 0;
    for (int i = 0; i < 8; i++) {
        size_t n = (size_t)(i + 1) << 18;
        unsigned char *p = malloc(n);
        memset(p, i, n);
        total += p[n - 1] + n;
        free(p);
    }
    printf("large allocations: %zu\n", total);
    return 0;
}
