# The jxen PV test kernels (guests/pv): freestanding 64-bit Xen PV kernels in C and assembly.
# Included by guests/Makefile; builds into $(PV_OUT) (the Maven build passes target/pv).
# They include the Xen public headers from /usr/include/xen (Debian package libxen-dev).

PV_OUT ?= target/pv
PV_DIR := pv
PV_KERNELS := hello traps mmu usermode events time fault interdomain hcbench grant-share grant-map xenstore idle pvcontrol
# Only the kernels whose source is present (the set grows one kernel at a time).
PV_KERNELS := $(filter $(patsubst $(PV_DIR)/%.c,%,$(wildcard $(PV_DIR)/*.c)),$(PV_KERNELS))
XEN_HEADERS := /usr/include/xen/xen.h

# -mcmodel=kernel: linked in the top 2 GiB (pv/lib/pv.ld). -mno-red-zone: Xen pushes exception
# frames right below the interrupted RSP. -mgeneral-regs-only: no SSE state to think about.
PV_CFLAGS := -O2 -g -std=gnu11 -Wall -Wextra -ffreestanding -fno-builtin -fno-pic -fno-pie \
	-mcmodel=kernel -mno-red-zone -mgeneral-regs-only -fno-stack-protector -fcf-protection=none \
	-fno-asynchronous-unwind-tables -fno-omit-frame-pointer \
	-D__XEN_INTERFACE_VERSION__=__XEN_LATEST_INTERFACE_VERSION__ -I$(PV_DIR)/lib
PV_ASFLAGS := -D__ASSEMBLY__ -D__XEN_INTERFACE_VERSION__=__XEN_LATEST_INTERFACE_VERSION__ -g
PV_LDFLAGS := -nostdlib -static -no-pie -Wl,-T,$(PV_DIR)/lib/pv.ld -Wl,--build-id=none \
	-Wl,-z,max-page-size=4096 -Wl,-z,noexecstack
PV_LIB_OBJS := $(PV_OUT)/obj/head.o $(PV_OUT)/obj/runtime.o
PV_LIB_DEPS := $(PV_DIR)/lib/pv.h $(PV_DIR)/lib/hypercall.h $(PV_DIR)/lib/xenstore.h $(XEN_HEADERS)
# The optional parts of the library (the xenstore client), in an archive so that a kernel links
# only what it calls and the others keep their size.
PV_LIB_ARCHIVE := $(PV_OUT)/obj/libpv.a
PV_ARCHIVE_OBJS := $(PV_OUT)/obj/lib/xenstore.o

pv: $(addprefix $(PV_OUT)/,$(PV_KERNELS))

$(XEN_HEADERS):
	@echo "guests/pv needs the Xen public headers: apt-get install libxen-dev" >&2; exit 1

$(PV_OUT)/obj/head.o: $(PV_DIR)/lib/head.S $(XEN_HEADERS) | $(PV_OUT)/obj
	$(CC) $(PV_ASFLAGS) -c -o $@ $<

$(PV_OUT)/obj/runtime.o: $(PV_DIR)/lib/runtime.c $(PV_LIB_DEPS) | $(PV_OUT)/obj
	$(CC) $(PV_CFLAGS) -c -o $@ $<

# In obj/lib/: lib/xenstore.c and the xenstore kernel would both be obj/xenstore.o.
$(PV_OUT)/obj/lib/%.o: $(PV_DIR)/lib/%.c $(PV_LIB_DEPS) | $(PV_OUT)/obj/lib
	$(CC) $(PV_CFLAGS) -c -o $@ $<

$(PV_LIB_ARCHIVE): $(PV_ARCHIVE_OBJS)
	rm -f $@
	$(AR) rcs $@ $^

$(PV_OUT)/obj/%.o: $(PV_DIR)/%.c $(PV_LIB_DEPS) | $(PV_OUT)/obj
	$(CC) $(PV_CFLAGS) -c -o $@ $<

# The archive after the kernel's object: the linker takes from it what the kernel refers to.
$(PV_OUT)/%: $(PV_OUT)/obj/%.o $(PV_LIB_OBJS) $(PV_LIB_ARCHIVE) $(PV_DIR)/lib/pv.ld
	$(CC) $(PV_LDFLAGS) -o $@ $(PV_LIB_OBJS) $< $(PV_LIB_ARCHIVE)

$(PV_OUT)/obj $(PV_OUT)/obj/lib:
	mkdir -p $@

# Checks the built kernels without Java: each must carry the Xen notes in a PT_NOTE segment and
# have a page-aligned hypercall page whose address is the one the HYPERCALL_PAGE note gives.
check-pv: pv
	@sh $(PV_DIR)/check-notes.sh $(addprefix $(PV_OUT)/,$(PV_KERNELS))

clean-pv:
	rm -rf $(PV_OUT)

.PHONY: pv check-pv clean-pv
