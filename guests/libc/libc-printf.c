/* printf, snprintf and strtod of glibc: integer and floating-point formatting with many formats,
 * then snprintf/strtod round trips over pseudo-random doubles. Prints everything so the output
 * can be compared byte for byte with a native run. */
#include <float.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t state = 0x9E3779B97F4A7C15u;

static uint64_t next(void)
{
    /* xorshift64* */
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return state * 0x2545F4914F6CDD1Du;
}

static double bits_to_double(uint64_t b)
{
    double d;
    memcpy(&d, &b, sizeof d);
    return d;
}

static uint64_t double_to_bits(double d)
{
    uint64_t b;
    memcpy(&b, &d, sizeof b);
    return b;
}

static void integers(void)
{
    static const long long values[] = {0, 1, -1, 7, -42, 255, 4096, 65535, -65536, 123456789, -987654321,
                                       INT_MAX, INT_MIN, LLONG_MAX, LLONG_MIN, 0x123456789abcdefLL};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        long long v = values[i];
        printf("[%d] [%5d] [%-5d] [%05d] [%+d] [% d] [%x] [%#X] [%o] [%#o] [%u]\n", (int)v, (int)v, (int)v,
               (int)v, (int)v, (int)v, (unsigned)v, (unsigned)v, (unsigned)v, (unsigned)v, (unsigned)v);
        printf("  [%lld] [%llu] [%llx] [%20lld] [%-20llx|] [%.12lld] [%hd] [%hhu] [%zu] [%" PRId64 "]\n", v,
               (unsigned long long)v, (unsigned long long)v, v, (unsigned long long)v, v, (short)v,
               (unsigned char)v, (size_t)v, (int64_t)v);
    }
    printf("[%c%c%c] [%s] [%10s] [%-10s|] [%.3s] [%%] [%p] [%p]\n", 'j', 'x', 'n', "string", "right", "left",
           "truncated", (void *)0x401000, (void *)0);
}

static void doubles(void)
{
    static const double values[] = {0.0, -0.0, 1.0, -1.5, 0.1, 1.0 / 3.0, 2.0 / 3.0, 3.14159265358979323846,
                                    2.718281828459045, 1e-300, 4.9e-324, 2.2250738585072014e-308, 1e300,
                                    1.7976931348623157e308, 123456.789, 0.000123456, 1e15 + 0.3, 9007199254740993.0,
                                    0.5, 2.5, -2.5, 1e21, 1e22, 5e-5, HUGE_VAL, -HUGE_VAL, NAN};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        double v = values[i];
        printf("%e|%f|%g|%a|%.17g|%.0f|%.3e|%12.4f|%-12.2g|%+.10e|%#g|%G|%E|%A\n", v, v, v, v, v, v, v, v, v, v, v,
               v, v, v);
    }
}

static void long_doubles(void)
{
    static const long double values[] = {0.0L, 1.0L, -1.5L, 0.1L, 1.0L / 3.0L, 3.14159265358979323846264338L,
                                         1e-4000L, 1e4000L, LDBL_MAX, LDBL_MIN, LDBL_EPSILON, 123456789.123456789L,
                                         18446744073709551615.0L};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        long double v = values[i];
        /* %Lf of the huge ones would print thousands of digits: slow to emulate and no new code path. */
        if (v > -1e40L && v < 1e40L) {
            printf("%Lf|", v);
        }
        printf("%Le|%Lg|%La|%.25Lg|%.20Le\n", v, v, v, v, v);
    }
}

static void round_trips(void)
{
    char buf[64];
    uint64_t hash = 1469598103934665603u;
    int exact = 0, total = 0;
    for (int i = 0; i < 1200; i++) {
        uint64_t bits = next();
        double d = bits_to_double(bits);
        if (isnan(d)) {
            continue;
        }
        total++;
        snprintf(buf, sizeof buf, "%.17g", d);
        double back = strtod(buf, NULL);
        exact += double_to_bits(back) == bits;
        for (char *p = buf; *p; p++) {
            hash = (hash ^ (unsigned char)*p) * 1099511628211u;
        }
        if (i % 200 == 0) {
            printf("round trip %d: %016" PRIx64 " -> %s\n", i, bits, buf);
        }
        /* Shorter precisions must round correctly too; their text goes into the hash. */
        snprintf(buf, sizeof buf, "%.6e %.3f", d / 1e290, d * 1e-300);
        for (char *p = buf; *p; p++) {
            hash = (hash ^ (unsigned char)*p) * 1099511628211u;
        }
    }
    printf("round trips: %d of %d exact, text hash %016" PRIx64 "\n", exact, total, hash);

    static const char *texts[] = {"0.1", "1e23", "2.2250738585072011e-308", "4.9406564584124654e-324",
                                  "1.7976931348623158e308", "0x1.fffffffffffffp+1023", "-0", "inf", "nan",
                                  "123.456e-7", "  42abc", "1e-400", "9007199254740993"};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        char *end;
        double d = strtod(texts[i], &end);
        float f = strtof(texts[i], NULL);
        long double l = strtold(texts[i], NULL);
        printf("strtod(\"%s\") = %a (%.17g), rest \"%s\"; strtof %a; strtold %La\n", texts[i], d, d, end, (double)f,
               l);
    }
}

int main(void)
{
    printf("libc-printf\n");
    integers();
    doubles();
    long_doubles();
    round_trips();
    return 0;
}
