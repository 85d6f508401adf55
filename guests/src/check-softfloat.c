/*
 * Self-check: a software IEEE-754 binary32 implementation (round to nearest even, subnormals,
 * infinities, NaNs) compared bit for bit with the CPU's own float arithmetic on edge values and
 * pseudo-random operands. On the host this checks the soft-float code; on the emulator it checks
 * the emulated SSE arithmetic against that code. Prints one PASS/FAIL line per operation.
 */
#include "rt.h"

#define SIGN 0x80000000u
#define EXP_MASK 0x7f800000u
#define FRAC_MASK 0x007fffffu
#define DEFAULT_NAN 0xffc00000u

static u32 bits_of(float f)
{
	u32 u;
	memcpy(&u, &f, 4);
	return u;
}

static float float_of(u32 u)
{
	float f;
	memcpy(&f, &u, 4);
	return f;
}

static int is_nan(u32 a)
{
	return (a & EXP_MASK) == EXP_MASK && (a & FRAC_MASK);
}

static int is_inf(u32 a)
{
	return (a & ~SIGN) == EXP_MASK;
}

/* Splits a finite non-zero value into m * 2^e with m an integer. */
static void unpack(u32 a, u64 *m, int *e)
{
	u32 exp = (a >> 23) & 0xff;
	if (exp == 0) {
		*m = a & FRAC_MASK;
		*e = -149;
	} else {
		*m = (a & FRAC_MASK) | 0x800000u;
		*e = (int)exp - 150;
	}
}

/* Rounds sign * m * 2^e (m != 0, `sticky` meaning some lower non-zero bits were dropped). */
static u32 round_pack(u32 sign, int e, u64 m, int sticky)
{
	int lz = __builtin_clzl(m);
	m <<= lz;
	e -= lz;
	if (sticky)
		m |= 1; /* m has 64 significant bits now; bit 0 is far below the rounding point */
	int biased = e + 63 + 127;
	int shift = 40;
	if (biased <= 0) {
		shift += 1 - biased;
		biased = 0;
	}
	u64 sig, rest, half;
	if (shift >= 64) {
		sig = 0;
		rest = m;
		half = shift == 64 ? 1UL << 63 : ~0UL;
		if (shift > 64)
			rest = 1; /* strictly below half */
	} else {
		sig = m >> shift;
		rest = m & ((1UL << shift) - 1);
		half = 1UL << (shift - 1);
	}
	if (rest > half || (rest == half && (sig & 1)))
		sig++;
	u64 bits = biased == 0 ? sig : ((u64)(biased - 1) << 23) + sig;
	if (bits >= EXP_MASK)
		return sign | EXP_MASK;
	return sign | (u32)bits;
}

static u32 soft_add(u32 a, u32 b)
{
	if (is_nan(a) || is_nan(b))
		return DEFAULT_NAN;
	if (is_inf(a) || is_inf(b)) {
		if (is_inf(a) && is_inf(b) && ((a ^ b) & SIGN))
			return DEFAULT_NAN;
		return is_inf(a) ? a : b;
	}
	if (!(a & ~SIGN) && !(b & ~SIGN))
		return (a & b & SIGN);
	if (!(a & ~SIGN))
		return b;
	if (!(b & ~SIGN))
		return a;
	u64 ma, mb;
	int ea, eb;
	unpack(a, &ma, &ea);
	unpack(b, &mb, &eb);
	u32 sa = a & SIGN, sb = b & SIGN;
	if (ea < eb || (ea == eb && ma < mb)) {
		u64 tm = ma; ma = mb; mb = tm;
		int te = ea; ea = eb; eb = te;
		u32 ts = sa; sa = sb; sb = ts;
	}
	/* |a| >= |b| now; give both 38 spare low bits and align b to a's exponent. */
	ma <<= 38;
	mb <<= 38;
	int diff = ea - eb;
	int sticky = 0;
	if (diff >= 63) {
		sticky = mb != 0;
		mb = 0;
	} else if (diff > 0) {
		sticky = (mb & ((1UL << diff) - 1)) != 0;
		mb >>= diff;
	}
	u64 m;
	if (sa == sb) {
		m = ma + mb;
	} else {
		m = ma - mb - (sticky ? 1 : 0); /* the dropped bits make b slightly larger */
		if (m == 0)
			return 0; /* exact cancellation gives +0 when rounding to nearest */
	}
	return round_pack(sa, ea - 38, m, sticky);
}

static u32 soft_mul(u32 a, u32 b)
{
	u32 sign = (a ^ b) & SIGN;
	if (is_nan(a) || is_nan(b))
		return DEFAULT_NAN;
	int za = !(a & ~SIGN), zb = !(b & ~SIGN);
	if (is_inf(a) || is_inf(b)) {
		if (za || zb)
			return DEFAULT_NAN;
		return sign | EXP_MASK;
	}
	if (za || zb)
		return sign;
	u64 ma, mb;
	int ea, eb;
	unpack(a, &ma, &ea);
	unpack(b, &mb, &eb);
	return round_pack(sign, ea + eb, ma * mb, 0);
}

static u32 soft_div(u32 a, u32 b)
{
	u32 sign = (a ^ b) & SIGN;
	if (is_nan(a) || is_nan(b))
		return DEFAULT_NAN;
	int za = !(a & ~SIGN), zb = !(b & ~SIGN);
	if (is_inf(a))
		return is_inf(b) ? DEFAULT_NAN : sign | EXP_MASK;
	if (is_inf(b))
		return sign;
	if (zb)
		return za ? DEFAULT_NAN : sign | EXP_MASK;
	if (za)
		return sign;
	u64 ma, mb;
	int ea, eb;
	unpack(a, &ma, &ea);
	unpack(b, &mb, &eb);
	while (!(ma & 0x800000u)) {
		ma <<= 1;
		ea--;
	}
	while (!(mb & 0x800000u)) {
		mb <<= 1;
		eb--;
	}
	u64 num = ma << 40;
	u64 q = num / mb;
	int sticky = num % mb != 0;
	return round_pack(sign, ea - eb - 40, q, sticky);
}

static u32 soft_from_int(i32 v)
{
	if (v == 0)
		return 0;
	u32 sign = v < 0 ? SIGN : 0;
	u64 m = v < 0 ? (u64)(-(i64)v) : (u64)v;
	return round_pack(sign, 0, m, 0);
}

/* Truncating conversion with x86's "integer indefinite" 0x80000000 for NaN and out of range. */
static i32 soft_to_int(u32 a)
{
	if (is_nan(a) || is_inf(a))
		return (i32)0x80000000u;
	if (!(a & ~SIGN))
		return 0;
	u64 m;
	int e;
	unpack(a, &m, &e);
	u64 mag;
	if (e >= 0) {
		if (e > 31)
			return (i32)0x80000000u;
		mag = m << e;
	} else {
		mag = e <= -64 ? 0 : m >> -e;
	}
	if (a & SIGN)
		return mag > 0x80000000UL ? (i32)0x80000000u : (i32)(0 - mag);
	return mag > 0x7fffffffUL ? (i32)0x80000000u : (i32)mag;
}

static u64 rng = 0x243f6a8885a308d3UL;

static u32 next_random(void)
{
	rng = rng * 6364136223846793005UL + 1442695040888963407UL;
	return (u32)(rng >> 32);
}

static const u32 special[] = {
	0x00000000, 0x80000000, 0x00000001, 0x80000001, 0x007fffff, 0x00800000, 0x00800001,
	0x3f800000, 0xbf800000, 0x3f800001, 0x3fffffff, 0x40000000, 0x4b000000, 0x4b7fffff,
	0x7f7fffff, 0xff7fffff, 0x7f800000, 0xff800000, 0x7fc00000, 0x34000000, 0x33800000,
	0x3eaaaaab, 0x4f000000, 0xcf000000, 0x4effffff, 0xcf000001, 0x0b800000, 0x1f800000,
};

#define NSPECIAL (sizeof special / sizeof special[0])
#define RANDOM_CASES 40000

/* A random operand: mostly any pattern, sometimes near another value to provoke cancellation. */
static u32 operand(int i, u32 other)
{
	u32 r = next_random();
	switch (i & 3) {
	case 0:
		return r;
	case 1:
		return special[r % NSPECIAL];
	case 2:
		return other ^ (r & 0x1f) ^ ((r >> 8) & SIGN); /* close to the other operand */
	default:
		return (r & 0x83ffffffu) | 0x38000000u; /* moderate exponents */
	}
}

static int same(u32 soft, u32 hard)
{
	if (is_nan(soft) || is_nan(hard))
		return is_nan(soft) && is_nan(hard);
	return soft == hard;
}

static u32 hard_op(int op, u32 a, u32 b)
{
	/* volatile keeps gcc from folding or reassociating. */
	volatile float x = float_of(a), y = float_of(b);
	switch (op) {
	case 0:
		return bits_of(x + y);
	case 1:
		return bits_of(x - y);
	case 2:
		return bits_of(x * y);
	default:
		return bits_of(x / y);
	}
}

static u32 soft_op(int op, u32 a, u32 b)
{
	switch (op) {
	case 0:
		return soft_add(a, b);
	case 1:
		return soft_add(a, b ^ SIGN);
	case 2:
		return soft_mul(a, b);
	default:
		return soft_div(a, b);
	}
}

static int report_mismatch(const char *what, u32 a, u32 b, u32 soft, u32 hard)
{
	put_str("  mismatch ");
	put_str(what);
	put_str(" a=0x");
	put_hex(a, 8);
	put_str(" b=0x");
	put_hex(b, 8);
	put_str(" soft=0x");
	put_hex(soft, 8);
	put_str(" cpu=0x");
	put_hex(hard, 8);
	put_char('\n');
	return 1;
}

int main(void)
{
	static const char *names[] = {"add", "sub", "mul", "div"};
	int failures = 0;
	for (int op = 0; op < 4; op++) {
		int bad = 0;
		for (u32 i = 0; i < NSPECIAL; i++)
			for (u32 j = 0; j < NSPECIAL; j++) {
				u32 s = soft_op(op, special[i], special[j]), h = hard_op(op, special[i], special[j]);
				if (!same(s, h) && bad++ < 3)
					report_mismatch(names[op], special[i], special[j], s, h);
			}
		for (int i = 0; i < RANDOM_CASES; i++) {
			u32 a = operand(i, 0x3f800000);
			u32 b = operand(i >> 2, a);
			u32 s = soft_op(op, a, b), h = hard_op(op, a, b);
			if (!same(s, h) && bad++ < 3)
				report_mismatch(names[op], a, b, s, h);
		}
		put_str(bad ? "FAIL " : "PASS ");
		put_str("float32 ");
		put_str(names[op]);
		put_char('\n');
		failures += bad != 0;
	}

	int bad = 0;
	for (int i = 0; i < RANDOM_CASES; i++) {
		i32 v = (i32)next_random() >> (next_random() & 31);
		volatile i32 vv = v;
		u32 s = soft_from_int(v), h = bits_of((float)vv);
		if (s != h && bad++ < 3)
			report_mismatch("int-to-float", (u32)v, 0, s, h);
	}
	failures += check("float32 from int32", !bad);

	bad = 0;
	for (int i = 0; i < RANDOM_CASES + (int)NSPECIAL; i++) {
		u32 a = i < (int)NSPECIAL ? special[i] : operand(i, 0x4f000000);
		volatile float f = float_of(a);
		i32 h = (i32)f;
		i32 s = soft_to_int(a);
		if (s != h && bad++ < 3)
			report_mismatch("float-to-int", a, 0, (u32)s, (u32)h);
	}
	failures += check("float32 to int32 (truncating)", !bad);

	put_str(failures ? "softfloat: FAILED\n" : "softfloat: all passed\n");
	flush();
	return failures;
}
