# Statically linked glibc programs (guests/libc): ordinary C programs using printf, libm, qsort...
# linked against the host's static glibc (Debian package libc6-dev), so the same binary runs on the
# host and on the emulator, and both must print the same bytes.
# Included by guests/Makefile; builds into $(OUT) next to the freestanding programs.

LIBC_DIR := libc
LIBC_PROGRAMS := libc-printf libc-math libc-qsort libc-check
# No AVX: the emulated CPU has none, and glibc picks its string and math routines by CPUID anyway.
LIBC_CFLAGS := -O2 -std=gnu11 -Wall -Wextra -fno-pie -fcf-protection=none
LIBC_LDFLAGS := -static -no-pie -Wl,--build-id=none
LIBC_LIBS := -lm

libc: $(addprefix $(OUT)/,$(LIBC_PROGRAMS))

$(OUT)/libc-%: $(LIBC_DIR)/libc-%.c | $(OUT)/obj
	$(CC) $(LIBC_CFLAGS) $(LIBC_LDFLAGS) -o $@ $< $(LIBC_LIBS)

.PHONY: libc
