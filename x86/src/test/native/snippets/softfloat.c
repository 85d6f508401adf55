/* IEEE-754 single multiply in integer arithmetic (round to nearest even, subnormals, inf, NaN),
   applied to pairs from buf; results written after the inputs; returns their xor. */
#define ENTRY __attribute__((section(".text.entry"), used))

typedef unsigned int u32;
typedef unsigned long u64;

static u32 fmul(u32 a, u32 b) {
    u32 sign = (a ^ b) & 0x80000000u;
    int ea = (a >> 23) & 0xFF, eb = (b >> 23) & 0xFF;
    u32 ma = a & 0x7FFFFF, mb = b & 0x7FFFFF;
    if (ea == 0xFF || eb == 0xFF) {
        if ((ea == 0xFF && ma) || (eb == 0xFF && mb)) return 0x7FC00000u;
        if ((ea == 0 && ma == 0) || (eb == 0 && mb == 0)) return 0x7FC00000u;
        return sign | 0x7F800000u;
    }
    if ((ea == 0 && ma == 0) || (eb == 0 && mb == 0)) return sign;
    if (ea == 0) { while (!(ma & 0x800000)) { ma <<= 1; ea--; } ea++; } else ma |= 0x800000;
    if (eb == 0) { while (!(mb & 0x800000)) { mb <<= 1; eb--; } eb++; } else mb |= 0x800000;
    int e = ea + eb - 127;
    u64 m = (u64)ma * mb; /* 46..47 bits */
    if (m & (1UL << 47)) { e++; } else { m <<= 1; }
    /* m has its leading one at bit 47; keep 24 bits, the rest rounds. */
    int shift = 24;
    if (e <= 0) { shift += 1 - e; e = 0; }
    if (shift > 63) shift = 63;
    u64 keep = m >> shift;
    u64 rest = m & ((1UL << shift) - 1);
    u64 half = 1UL << (shift - 1);
    if (rest > half || (rest == half && (keep & 1))) keep++;
    if (e == 0) {
        if (keep & 0x800000) e = 1;
        return sign | ((u32)e << 23) | (u32)(keep & 0x7FFFFF);
    }
    if (keep & 0x1000000) { keep >>= 1; e++; }
    if (e >= 0xFF) return sign | 0x7F800000u;
    return sign | ((u32)e << 23) | (u32)(keep & 0x7FFFFF);
}

ENTRY u64 entry(u32 *buf, u64 pairs) {
    u32 x = 0;
    for (u64 i = 0; i < pairs; i++) {
        u32 r = fmul(buf[2 * i], buf[2 * i + 1]);
        buf[2 * pairs + i] = r;
        x ^= r + (u32)i;
    }
    return x;
}
