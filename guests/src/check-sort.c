/*
 * Self-check: four sorting algorithms (insertion, heap, merge, quick) on pseudo-random arrays of
 * several shapes. Each result must be ordered, a permutation of the input, and equal to the other
 * algorithms' results. Prints one PASS/FAIL line per algorithm and shape.
 */
#include "rt.h"

#define N 3000

static i64 input[N], work[N], reference[N], scratch[N];
static u64 rng = 0x13198a2e03707344UL;

static u64 next_random(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void insertion_sort(i64 *a, int n)
{
	for (int i = 1; i < n; i++) {
		i64 v = a[i];
		int j = i - 1;
		while (j >= 0 && a[j] > v) {
			a[j + 1] = a[j];
			j--;
		}
		a[j + 1] = v;
	}
}

static void sift_down(i64 *a, int root, int n)
{
	for (;;) {
		int child = 2 * root + 1;
		if (child >= n)
			return;
		if (child + 1 < n && a[child + 1] > a[child])
			child++;
		if (a[root] >= a[child])
			return;
		i64 t = a[root];
		a[root] = a[child];
		a[child] = t;
		root = child;
	}
}

static void heap_sort(i64 *a, int n)
{
	for (int i = n / 2 - 1; i >= 0; i--)
		sift_down(a, i, n);
	for (int end = n - 1; end > 0; end--) {
		i64 t = a[0];
		a[0] = a[end];
		a[end] = t;
		sift_down(a, 0, end);
	}
}

static void merge_sort(i64 *a, int n)
{
	for (int width = 1; width < n; width *= 2) {
		for (int lo = 0; lo < n; lo += 2 * width) {
			int mid = lo + width < n ? lo + width : n;
			int hi = lo + 2 * width < n ? lo + 2 * width : n;
			int i = lo, j = mid, k = lo;
			while (i < mid && j < hi)
				scratch[k++] = a[j] < a[i] ? a[j++] : a[i++];
			while (i < mid)
				scratch[k++] = a[i++];
			while (j < hi)
				scratch[k++] = a[j++];
		}
		memcpy(a, scratch, (size_t)n * sizeof *a);
	}
}

static void quick_sort(i64 *a, int lo, int hi)
{
	while (hi - lo > 8) {
		i64 pivot = a[lo + (hi - lo) / 2];
		int i = lo, j = hi;
		while (i <= j) {
			while (a[i] < pivot)
				i++;
			while (a[j] > pivot)
				j--;
			if (i <= j) {
				i64 t = a[i];
				a[i] = a[j];
				a[j] = t;
				i++;
				j--;
			}
		}
		if (j - lo < hi - i) {
			quick_sort(a, lo, j);
			lo = i;
		} else {
			quick_sort(a, i, hi);
			hi = j;
		}
	}
	insertion_sort(a + lo, hi - lo + 1);
}

static void do_quick_sort(i64 *a, int n)
{
	quick_sort(a, 0, n - 1);
}

/* Order-independent fingerprint of the multiset of values. */
static u64 fingerprint(const i64 *a, int n)
{
	u64 sum = 0, x = 0, sq = 0;
	for (int i = 0; i < n; i++) {
		u64 v = (u64)a[i];
		sum += v;
		x ^= v * 0x9e3779b97f4a7c15UL;
		sq += v * v;
	}
	return sum ^ (x << 1) ^ (sq * 3);
}

static void fill(int shape)
{
	for (int i = 0; i < N; i++) {
		u64 r = next_random();
		switch (shape) {
		case 0: input[i] = (i64)r; break;                          /* full range, signed */
		case 1: input[i] = (i64)(r % 16); break;                    /* many duplicates */
		case 2: input[i] = i * 3 - (i64)(r % 3); break;             /* nearly sorted */
		default: input[i] = (N - i) * 1000 + (i64)(r % 7); break;   /* reversed */
		}
	}
}

int main(void)
{
	static const char *shapes[] = {"random", "duplicates", "nearly-sorted", "reversed"};
	static const char *names[] = {"insertion", "heap", "merge", "quick"};
	void (*sorts[])(i64 *, int) = {insertion_sort, heap_sort, merge_sort, do_quick_sort};
	int failures = 0;
	for (int shape = 0; shape < 4; shape++) {
		fill(shape);
		u64 fp = fingerprint(input, N);
		for (int s = 0; s < 4; s++) {
			memcpy(work, input, sizeof work);
			sorts[s](work, N);
			int ok = fingerprint(work, N) == fp;
			for (int i = 1; i < N; i++)
				ok &= work[i - 1] <= work[i];
			if (s == 0)
				memcpy(reference, work, sizeof reference);
			else
				ok &= memcmp(reference, work, sizeof work) == 0;
			put_str(ok ? "PASS " : "FAIL ");
			put_str(names[s]);
			put_str(" sort, ");
			put_str(shapes[shape]);
			put_char('\n');
			failures += !ok;
		}
	}
	put_str(failures ? "sort: FAILED\n" : "sort: all passed\n");
	flush();
	return failures;
}
