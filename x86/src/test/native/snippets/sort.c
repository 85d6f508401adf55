/* Insertion sort of n signed 64-bit values in place, then a position-weighted hash. */
#define ENTRY __attribute__((section(".text.entry"), used))

ENTRY unsigned long entry(long *a, unsigned long n) {
    for (unsigned long i = 1; i < n; i++) {
        long x = a[i];
        unsigned long j = i;
        while (j > 0 && a[j - 1] > x) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = x;
    }
    unsigned long h = 0;
    for (unsigned long i = 0; i < n; i++) {
        h = h * 31 + (unsigned long)a[i];
    }
    return h;
}
