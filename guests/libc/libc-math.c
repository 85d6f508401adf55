/* glibc's libm over a fixed list of arguments, edge cases included, in float, double and long
 * double (long double runs on the x87). Results are printed with %a so the comparison with a
 * native run is bit for bit. */
#include <math.h>
#include <stdio.h>

static const double args[] = {0.0, -0.0, 1e-310, 1e-20, 0.001, 0.1, 0.5, 0.7, 1.0, -1.0, 1.5, 2.0, -2.5, 3.0,
                              3.141592653589793, 10.0, -17.25, 100.0, 710.0, 1e10, 1e22, -1e300,
                              INFINITY, -INFINITY, NAN};
#define NARGS (sizeof args / sizeof args[0])

#define UNARY(list) \
    list(sin) list(cos) list(tan) list(asin) list(acos) list(atan) list(sinh) list(cosh) list(tanh) list(asinh) \
    list(acosh) list(atanh) list(exp) list(exp2) list(expm1) list(log) list(log2) list(log10) list(log1p) \
    list(sqrt) list(cbrt) list(erf) list(erfc) list(lgamma) list(tgamma) list(floor) list(ceil) list(round) \
    list(trunc) list(rint) list(fabs) list(logb)

#define BINARY(list) list(pow) list(atan2) list(fmod) list(hypot) list(remainder) list(fmin) list(copysign) \
    list(nextafter) list(fdim)

#define DOUBLE_UNARY(fn) \
    static void test_##fn(void) \
    { \
        printf("%s:", #fn); \
        for (unsigned i = 0; i < NARGS; i++) { \
            volatile double x = args[i]; \
            printf(" %a", fn(x)); \
        } \
        printf("\n%sf:", #fn); \
        for (unsigned i = 0; i < NARGS; i++) { \
            volatile float x = (float)args[i]; \
            printf(" %a", (double)fn##f(x)); \
        } \
        printf("\n%sl:", #fn); \
        for (unsigned i = 0; i < NARGS; i++) { \
            volatile long double x = args[i] * (1.0L + 0x1p-60L * (i & 1)); \
            printf(" %La", fn##l(x)); \
        } \
        printf("\n"); \
    }

#define DOUBLE_BINARY(fn) \
    static void test_##fn(void) \
    { \
        printf("%s:", #fn); \
        for (unsigned i = 0; i < NARGS; i += 2) { \
            for (unsigned j = 1; j < NARGS; j += 3) { \
                volatile double x = args[i], y = args[j]; \
                printf(" %a", fn(x, y)); \
            } \
        } \
        printf("\n%sf:", #fn); \
        for (unsigned i = 0; i < NARGS; i += 2) { \
            for (unsigned j = 1; j < NARGS; j += 3) { \
                volatile float x = (float)args[i], y = (float)args[j]; \
                printf(" %a", (double)fn##f(x, y)); \
            } \
        } \
        printf("\n%sl:", #fn); \
        for (unsigned i = 0; i < NARGS; i += 2) { \
            for (unsigned j = 1; j < NARGS; j += 3) { \
                volatile long double x = args[i], y = args[j] * (1.0L + 0x1p-62L); \
                printf(" %La", fn##l(x, y)); \
            } \
        } \
        printf("\n"); \
    }

UNARY(DOUBLE_UNARY)
BINARY(DOUBLE_BINARY)

/* Sums over many arguments: exercises the polynomial paths with ordinary inputs. The long double
 * sums get their own line: they run on the x87, whose transcendental instructions are slow to emulate. */
static void sweeps(void)
{
    double s = 0, c = 0, e = 0, l = 0;
    for (int i = 1; i <= 2000; i++) {
        double x = i * 0.0137 - 7.0;
        s += sin(x) * cos(x * 0.5);
        c += atan2(x, 1.5) + hypot(x, 0.25);
        e += exp(x * 0.1) + pow(fabs(x) + 0.5, 1.7);
        l += log(i * 0.37) + cbrt(x) + tanh(x);
    }
    printf("sweeps: %a %a %a %a\n", s, c, e, l);
    long double sl = 0, el = 0;
    for (int i = 1; i <= 300; i++) {
        long double x = i * 0.0913L - 7.0L;
        sl += sinl(x) + cosl(x * 3) + atanl(x);
        el += expl(x * 0.2L) + logl(i * 1.25L) + powl(1.0L + i * 1e-3L, 2.5L);
    }
    printf("sweepsl: %La %La\n", sl, el);
}

int main(void)
{
    printf("libc-math\n");
#define CALL(f) test_##f();
    UNARY(CALL)
    BINARY(CALL)
    int q;
    double r = remquo(17.5, 3.0, &q);
    printf("remquo %a %d\n", r, q);
    int ex;
    double m = frexp(1234.5, &ex);
    printf("frexp %a %d ldexp %a scalbn %a ilogb %d\n", m, ex, ldexp(0.75, 40), scalbn(1.0, -1074), ilogb(1e-310));
    double ip;
    double frac = modf(-3.75, &ip);
    printf("modf %a %a fma %a lround %ld llrint %lld\n", frac, ip, fma(0.1, 10.0, -1.0), lround(-2.5),
           llrint(2.5));
    sweeps();
    return 0;
}
