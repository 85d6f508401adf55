/*
 * traps: installs a trap table and provokes exceptions from guest kernel mode, checking what Xen
 * hands to each handler (vector, error code, RIP, the interrupted RCX/R11 and RSP, CS with RPL 0,
 * the saved event mask, and CR2 for page faults), then resumes after the faulting instruction.
 *
 * Then the other side of the same mechanism: Xen catches some of our faults itself and emulates
 * the instruction (the forced-emulation CPUID prefix, MSR accesses, reading CR3), the trap_info
 * flag that masks events on entry, and the virtual CR0.TS of fpu_taskswitch (#NM).
 *
 * Each probe is a tiny assembly routine: it loads marker values into RCX and R11 (the two
 * registers Xen passes on the frame rather than in place), records RSP, and runs one instruction
 * labelled <probe>_insn; the handler moves RIP to <probe>_resume, where the routine returns.
 */
#include "pv.h"

const char pv_kernel_name[] = "traps";

#define RCX_MARK 0x0c0ffee1
#define R11_MARK 0x0c0ffee2

uint64_t probe_rsp;	/* RSP right before the probed instruction */

#define PROBE(name, setup, insn) \
	asm(".pushsection .text\n" \
	    ".type " #name ", @function\n" \
	    #name ":\n\t" \
	    setup "\n\t" \
	    "mov $" __stringify(RCX_MARK) ", %ecx\n\t" \
	    "mov $" __stringify(R11_MARK) ", %r11d\n\t" \
	    "mov %rsp, probe_rsp(%rip)\n" \
	    #name "_insn:\n\t" insn "\n" \
	    #name "_resume:\n\t" \
	    "ret\n" \
	    ".popsection"); \
	extern char name##_insn[], name##_resume[]; \
	void name(void)
#define __stringify_1(x) #x
#define __stringify(x) __stringify_1(x)

/* Addresses in the empty low half of the address space, so certainly unmapped. */
#define UNMAPPED_READ	0x123000
#define UNMAPPED_WRITE	0x124008

PROBE(probe_ud, "", "ud2");					/* #UD */
PROBE(probe_gp_priv, "", "hlt");				/* privileged at CPL 3: #GP(0) */
PROBE(probe_gp_noncanon, "movabs $0x8000000000000000, %rdx", "mov (%rdx), %rax");
PROBE(probe_pf_read, "mov $" __stringify(UNMAPPED_READ) ", %edx", "mov (%rdx), %rax");
PROBE(probe_pf_write, "mov $" __stringify(UNMAPPED_WRITE) ", %edx", "mov %rax, (%rdx)");
PROBE(probe_de, "xor %edx, %edx; mov $1, %eax; xor %r8d, %r8d", "div %r8");
PROBE(probe_bp, "", "int3");					/* a trap: RIP after it */
PROBE(probe_int_nogate, "", "int $0x21");	/* no DPL>=1 entry: #GP((0x21<<3)|2) */
PROBE(probe_int80, "", "int $0x80");		/* DPL 3 entry: forwarded, RIP after it */
PROBE(probe_pf_ro, "mov ro_page(%rip), %rdx", "mov %rax, (%rdx)");	/* #PF, present + write */
PROBE(probe_nm, "", "fninit");				/* #NM while the virtual CR0.TS is set */

void *ro_page;	/* a page of ours mapped read-only */

struct probe {
	const char *what;
	void (*run)(void);
	char *insn, *resume;
	uint64_t vector, error_code;
	int trap_like;		/* RIP reported after the instruction (int3, int n) */
	uint64_t cr2;		/* 0: not a page fault */
};

static struct probe probes[] = {
	{ "#UD from ud2", probe_ud, probe_ud_insn, probe_ud_resume, 6, 0, 0, 0 },
	{ "#GP from hlt (privileged)", probe_gp_priv, probe_gp_priv_insn, probe_gp_priv_resume, 13, 0, 0, 0 },
	{ "#GP from a non-canonical address", probe_gp_noncanon, probe_gp_noncanon_insn,
	  probe_gp_noncanon_resume, 13, 0, 0, 0 },
	/* Error code 0 = not present, read, and (as Xen reports it) not user mode. */
	{ "#PF reading an unmapped address", probe_pf_read, probe_pf_read_insn, probe_pf_read_resume,
	  14, 0, 0, UNMAPPED_READ },
	/* Error code 2 = not present, write. */
	{ "#PF writing an unmapped address", probe_pf_write, probe_pf_write_insn,
	  probe_pf_write_resume, 14, 2, 0, UNMAPPED_WRITE },
	{ "#DE from div by zero", probe_de, probe_de_insn, probe_de_resume, 0, 0, 0, 0 },
	{ "#BP from int3", probe_bp, probe_bp_insn, probe_bp_resume, 3, 0, 1, 0 },
	{ "#GP from int $0x21 without a gate", probe_int_nogate, probe_int_nogate_insn,
	  probe_int_nogate_resume, 13, (0x21 << 3) | 2, 0, 0 },
	{ "int $0x80 through its DPL-3 gate", probe_int80, probe_int80_insn, probe_int80_resume,
	  0x80, 0, 1, 0 },
	/* Error code 3 = present, write; CR2 is filled in once the page exists. */
	{ "#PF writing a read-only page", probe_pf_ro, probe_pf_ro_insn, probe_pf_ro_resume, 14, 3, 0, 0 },
};

/* What the handler saw, for the probe in flight. */
static const struct probe *armed;
static struct pv_frame seen;
static uint64_t seen_cr2, seen_cr2_insn;

static int trap_hook(struct pv_frame *f)
{
	if (!armed)
		return 0;	/* not ours: the runtime reports it and crashes */
	seen = *f;
	/* Xen keeps the faulting address in vcpu_info.arch.cr2; `mov %cr2` is emulated too. */
	seen_cr2 = vcpu0()->arch.cr2;
	if (f->vector == 14)
		asm volatile("mov %%cr2, %0" : "=r"(seen_cr2_insn));
	f->rip = (uint64_t)armed->resume;	/* the fixup: continue after the instruction */
	armed = 0;
	return 1;
}

static void run_probe(const struct probe *p)
{
	char detail[160];
	int n = 0;

	seen.vector = ~0UL;
	armed = p;
	p->run();
	if (armed) {
		armed = 0;
		check(0, p->what, "no exception was delivered");
		return;
	}

	uint64_t rip = (uint64_t)(p->trap_like ? p->resume : p->insn);
#define MISMATCH(cond, ...) \
	if (!(cond) && n < (int)sizeof(detail)) \
		n += snprintf(detail + n, sizeof(detail) - n, __VA_ARGS__)
	MISMATCH(seen.vector == p->vector, "vector %lu (expected %lu) ", seen.vector, p->vector);
	MISMATCH(seen.error_code == p->error_code, "error %#lx (expected %#lx) ",
		 seen.error_code, p->error_code);
	MISMATCH(seen.rip == rip, "rip %#lx (expected %#lx) ", seen.rip, rip);
	MISMATCH(seen.rcx == RCX_MARK && seen.r11 == R11_MARK, "rcx %#lx r11 %#lx not kept ",
		 seen.rcx, seen.r11);
	MISMATCH(seen.rsp == probe_rsp, "rsp %#lx (expected %#lx) ", seen.rsp, probe_rsp);
	/* From kernel mode Xen clears the RPL of the saved CS, and stores the event mask of the
	 * interrupted context (still 1: we never enabled events) above it. */
	MISMATCH((uint16_t)seen.cs == (FLAT_KERNEL_CS & ~3), "cs %#lx (expected 0xe030) ",
		 (unsigned long)(uint16_t)seen.cs);
	MISMATCH(((seen.cs >> 32) & 0xff) == 1, "saved mask %lu ", (seen.cs >> 32) & 0xff);
	if (p->cr2) {
		MISMATCH(seen_cr2 == p->cr2, "vcpu_info cr2 %#lx (expected %#lx) ", seen_cr2, p->cr2);
		MISMATCH(seen_cr2_insn == p->cr2, "mov %%cr2 gave %#lx ", seen_cr2_insn);
	}
	if (n > 0 && n < (int)sizeof(detail))
		detail[n - 1] = '\0';	/* the trailing space */
	check(n == 0, p->what, "%s", detail);
}

/* fpu_taskswitch(1) sets the virtual CR0.TS: the next FPU instruction raises #NM, and Xen clears
 * TS as it delivers it (Linux's lazy FPU switching relied on this), so the retry runs. */
static void fpu_taskswitch_test(void)
{
	long rc = HYPERVISOR_fpu_taskswitch(1);
	check(rc == 0, "fpu_taskswitch(1)", "returned %ld", rc);
	static const struct probe nm = { "#NM from fninit with TS set", probe_nm, probe_nm_insn,
					 probe_nm_resume, 7, 0, 0, 0 };
	run_probe(&nm);
	armed = 0;
	seen.vector = ~0UL;
	probe_nm();	/* TS is clear now: no trap (one would crash the domain, unarmed) */
	check(seen.vector == ~0UL, "delivering #NM cleared TS", "vector %lu", seen.vector);
}

/*
 * trap_info flag bit 2 asks Xen to mask events when it enters the handler (an interrupt gate, in
 * hardware terms). With events enabled, the handler must see evtchn_upcall_mask 1, the frame must
 * have saved mask 0, and the iret must unmask again.
 */
static uint8_t mask_in_handler;
static int masking_hook(struct pv_frame *f)
{
	mask_in_handler = vcpu0()->evtchn_upcall_mask;
	return trap_hook(f);
}

static void masking_gate_test(void)
{
	extern const unsigned long pv_exception_entries[20];
	struct trap_info gate[2] = {
		{ .vector = 6, .flags = 4, .cs = FLAT_KERNEL_CS, .address = pv_exception_entries[6] },
		{ .address = 0 },
	};
	long rc = HYPERVISOR_set_trap_table(gate);	/* updates vector 6 only */
	check(rc == 0, "set_trap_table for one vector", "returned %ld", rc);

	pv_trap_hook = masking_hook;
	vcpu0()->evtchn_upcall_mask = 0;	/* no port is bound: nothing can arrive */
	barrier();
	armed = &probes[0];
	probe_ud();
	barrier();
	uint8_t after = vcpu0()->evtchn_upcall_mask;
	vcpu0()->evtchn_upcall_mask = 1;
	pv_trap_hook = trap_hook;
	check(!armed && mask_in_handler == 1 && ((seen.cs >> 32) & 0xff) == 0 && after == 0,
	      "a gate with the mask-events flag masks events in the handler only",
	      "trapped %d, mask in handler %u, saved mask %lu, mask after iret %u", !armed,
	      mask_in_handler, (seen.cs >> 32) & 0xff, after);
	armed = 0;
	pv_install_trap_table();
}

/* Instructions that fault at CPL 3 but that Xen emulates for a PV kernel (PV-ABI.md §5). */
static uint64_t gs_marker = 0x65736d6172;
static void emulation_tests(void)
{
	/* The forced-emulation prefix "ud2; .ascii \"xen\"; cpuid" returns Xen's PV CPUID
	 * policy; leaf 0x40000000 is Xen's signature. */
	uint32_t eax = 0x40000000, ebx, ecx = 0, edx;
	asm volatile("ud2; .ascii \"xen\"; cpuid" : "+a"(eax), "=b"(ebx), "+c"(ecx), "=d"(edx));
	char sig[13];
	memcpy(sig, &ebx, 4);
	memcpy(sig + 4, &ecx, 4);
	memcpy(sig + 8, &edx, 4);
	sig[12] = 0;
	check(memcmp(sig, "XenVMMXenVMM", 12) == 0 && eax >= 0x40000002,
	      "forced-emulation cpuid leaf 0x40000000 is Xen's", "eax %#x signature \"%s\"", eax, sig);

	/* Reading CR3 gives the kernel L4's machine address. */
	uint64_t cr3;
	asm volatile("mov %%cr3, %0" : "=r"(cr3));
	CHECK_EQ("mov %cr3 reads the L4's machine address", cr3,
		 virt_to_mfn((void *)start_info->pt_base) << PAGE_SHIFT);

	/* wrmsr/rdmsr GS_BASE, how Mini-OS and Linux first set up their per-CPU pointer. */
	uint64_t base = (uint64_t)&gs_marker, back, via_gs;
	asm volatile("wrmsr" :: "c"(0xc0000101), "a"((uint32_t)base), "d"((uint32_t)(base >> 32)));
	uint32_t lo, hi;
	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(0xc0000101));
	back = ((uint64_t)hi << 32) | lo;
	asm volatile("mov %%gs:0, %0" : "=r"(via_gs));
	check(back == base && via_gs == gs_marker, "wrmsr/rdmsr GS_BASE",
	      "rdmsr %#lx (wrote %#lx), %%gs:0 %#lx", back, base, via_gs);
}

void pv_main(void)
{
	/* The virtual IDT: without it any exception crashes the domain. */
	pv_install_trap_table();
	pv_trap_hook = trap_hook;

	ro_page = alloc_page();
	long rc = set_page_writable(ro_page, 0);
	check(rc == 0, "update_va_mapping makes a page read-only", "returned %ld", rc);
	probes[sizeof(probes) / sizeof(probes[0]) - 1].cr2 = (uint64_t)ro_page;

	for (unsigned int i = 0; i < sizeof(probes) / sizeof(probes[0]); i++)
		run_probe(&probes[i]);

	fpu_taskswitch_test();
	masking_gate_test();
	emulation_tests();

	/* The iret hypercall sets the event mask from the restored RFLAGS.IF, which the bounce
	 * frame had as !mask: events must still be masked as Xen started us. */
	check(vcpu0()->evtchn_upcall_mask == 1, "iret kept events masked",
	      "evtchn_upcall_mask is %u", vcpu0()->evtchn_upcall_mask);
}
