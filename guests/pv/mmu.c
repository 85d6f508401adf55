/*
 * mmu: the PV MMU interface. Builds a small page-table branch of its own (L3 -> L2 -> L1) for an
 * empty region, hooks it into the running L4 with mmu_update, maps pages with mmu_update and
 * update_va_mapping, pins and unpins the L1, writes a PTE directly (writable page tables), flushes
 * the TLB with mmuext_op, and checks that Xen refuses what it must (PV-ABI.md §3.3, §4.6).
 *
 * The rule behind most of it: a frame is either a page table or writable, never both. So table
 * pages are filled while they are plain memory, remapped read-only, and only then validated.
 */
#include "pv.h"

const char pv_kernel_name[] = "mmu";

/* The ptwr check relies on writable_page_tables; say so, as Linux does ("!" = required). */
asm(".pushsection .note.Xen, \"a\", @note\n"
    ".balign 4\n"
    ".long 4, 2f - 1f, 10\n"		/* XEN_ELFNOTE_FEATURES */
    ".asciz \"Xen\"\n"
    "1: .asciz \"!writable_page_tables\"\n"
    "2: .balign 4\n"
    ".popsection");

#define TEST_VA		0x40000000UL	/* L4 slot 0 is empty: the kernel lives in slot 511 */
#define L4_INDEX(va)	(((va) >> 39) & 511)
#define L3_INDEX(va)	(((va) >> 30) & 511)
#define L2_INDEX(va)	(((va) >> 21) & 511)
#define L1_INDEX(va)	(((va) >> 12) & 511)
#define PAGE_MARK(n)	(0x5a5a000000000000UL | (n))

static long mmu_update1(uint64_t *entry, uint64_t val)
{
	mmu_update_t req = { .ptr = virt_to_machine(entry) | MMU_NORMAL_PT_UPDATE, .val = val };
	return HYPERVISOR_mmu_update(&req, 1, NULL, DOMID_SELF);
}

static long mmuext(unsigned int cmd, unsigned long arg1)
{
	struct mmuext_op op = { .cmd = cmd };
	op.arg1.mfn = arg1;	/* arg1 is a union of mfn and linear_addr */
	return HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF);
}

static uint64_t read_va(unsigned long va) { return *(volatile uint64_t *)va; }

/* A store that may fault: if the #PF handler sees it, it skips the store and notes it. */
static volatile int store_faulted;
asm(".pushsection .text\n"
    "guarded_store:\n\t"		/* (rdi = address, rsi = value) */
    "mov %rsi, (%rdi)\n"
    "guarded_store_end:\n\t"
    "ret\n"
    ".popsection");
extern char guarded_store_end[];
void guarded_store(uint64_t *p, uint64_t v);

static int pf_hook(struct pv_frame *f)
{
	if (f->vector == 14 && f->rip == (uint64_t)guarded_store_end - 3) {
		store_faulted = 1;
		f->rip = (uint64_t)guarded_store_end;
		return 1;
	}
	return 0;
}

static int is_one_of(long rc, long a, long b) { return rc == a || rc == b; }

void pv_main(void)
{
	pv_install_trap_table();
	pv_trap_hook = pf_hook;

	uint64_t *l4 = (uint64_t *)start_info->pt_base;	/* the builder's L4, our current CR3 */
	uint64_t *l3 = alloc_page(), *l2 = alloc_page(), *l1 = alloc_page();
	uint64_t *data1 = alloc_page(), *data2 = alloc_page();
	data1[0] = PAGE_MARK(1);
	data2[0] = PAGE_MARK(2);
	long rc;

	/* 1. Fill the new tables while they are ordinary writable pages. */
	l3[L3_INDEX(TEST_VA)] = (virt_to_mfn(l2) << PAGE_SHIFT) | PTE_TABLE;
	l2[L2_INDEX(TEST_VA)] = (virt_to_mfn(l1) << PAGE_SHIFT) | PTE_TABLE;

	/* 2. Xen validates a table only when no writable mapping of it exists. */
	rc = set_page_writable(l1, 0);
	check(rc == 0, "update_va_mapping makes the L1 page read-only", "returned %ld", rc);
	rc = set_page_writable(l2, 0) | set_page_writable(l3, 0);
	check(rc == 0, "update_va_mapping makes the L2 and L3 pages read-only", "returned %ld", rc);

	/* 3. Pin the L1: it stays an L1 table whatever references it. */
	rc = mmuext(MMUEXT_PIN_L1_TABLE, virt_to_mfn(l1));
	check(rc == 0, "pin an empty L1", "returned %ld", rc);
	rc = mmuext(MMUEXT_PIN_L1_TABLE, virt_to_mfn(l1));
	check(rc == -XEN_EINVAL, "pinning it again is refused", "returned %ld, expected -EINVAL", rc);

	/* 4. A pinned table may not be mapped writable (Xen 4.17 says -EBUSY, older Xen -EINVAL). */
	rc = set_page_writable(l1, 1);
	check(is_one_of(rc, -XEN_EBUSY, -XEN_EINVAL), "a writable mapping of the pinned L1 is refused",
	      "returned %ld, expected -EBUSY or -EINVAL", rc);

	/* 5. Hook the branch into the live L4: Xen validates L3 -> L2 -> L1 on the way. */
	rc = mmu_update1(&l4[L4_INDEX(TEST_VA)], (virt_to_mfn(l3) << PAGE_SHIFT) | PTE_TABLE);
	check(rc == 0, "mmu_update links a new L3 into the running L4", "returned %ld", rc);

	/* 6. Map data1 at TEST_VA by writing the L1 entry through mmu_update. */
	rc = mmu_update1(&l1[L1_INDEX(TEST_VA)], (virt_to_mfn(data1) << PAGE_SHIFT) | PTE_KERNEL_RW);
	check(rc == 0, "mmu_update maps a page", "returned %ld", rc);
	if (rc == 0) {
		CHECK_EQ("the new mapping reads the page", read_va(TEST_VA), PAGE_MARK(1));
		*(volatile uint64_t *)(TEST_VA + 8) = 0x1234;
		CHECK_EQ("a write through it reaches the same frame", data1[1], 0x1234);
	}

	/* 7. update_va_mapping finds the L1 entry by walking the current tables. */
	rc = HYPERVISOR_update_va_mapping(TEST_VA + PAGE_SIZE,
			(virt_to_mfn(data2) << PAGE_SHIFT) | PTE_KERNEL_RW, UVMF_INVLPG);
	check(rc == 0, "update_va_mapping maps a page", "returned %ld", rc);
	if (rc == 0)
		CHECK_EQ("that mapping reads the page", read_va(TEST_VA + PAGE_SIZE), PAGE_MARK(2));

	/* 8. mmu_update does not flush the TLB: after remapping TEST_VA, flush before use. */
	rc = mmu_update1(&l1[L1_INDEX(TEST_VA)], (virt_to_mfn(data2) << PAGE_SHIFT) | PTE_KERNEL_RW);
	long rc2 = mmuext(MMUEXT_TLB_FLUSH_LOCAL, 0);
	check(rc == 0 && rc2 == 0, "remap and MMUEXT_TLB_FLUSH_LOCAL", "returned %ld, %ld", rc, rc2);
	CHECK_EQ("after the flush the old VA reads the new page", read_va(TEST_VA), PAGE_MARK(2));
	rc = mmuext(MMUEXT_INVLPG_LOCAL, TEST_VA);
	check(rc == 0, "MMUEXT_INVLPG_LOCAL", "returned %ld", rc);
	rc = mmuext(MMUEXT_TLB_FLUSH_ALL, 0);
	check(rc == 0, "MMUEXT_TLB_FLUSH_ALL", "returned %ld", rc);

	/* 9. Writable page tables: a plain store to the read-only L1 is emulated by Xen, which
	 * validates the new entry (Linux writes its PTEs this way). */
	store_faulted = 0;
	guarded_store(&l1[L1_INDEX(TEST_VA) + 2], (virt_to_mfn(data1) << PAGE_SHIFT) | PTE_KERNEL_RW);
	check(!store_faulted, "a direct store to the L1 is emulated (ptwr)", "#PF delivered instead");
	if (!store_faulted)
		CHECK_EQ("the emulated PTE maps the page", read_va(TEST_VA + 2 * PAGE_SIZE), PAGE_MARK(1));

	/* 10. Refusals. In a batch, Xen stops at the first failure and reports how many were done. */
	mmu_update_t batch[2] = {
		{ virt_to_machine(&l1[3]), (virt_to_mfn(data1) << PAGE_SHIFT) | PTE_KERNEL_RW },
		{ virt_to_machine(&l1[4]), (virt_to_mfn(l1) << PAGE_SHIFT) | PTE_KERNEL_RW },
	};
	unsigned int done = 99;
	rc = HYPERVISOR_mmu_update(batch, 2, &done, DOMID_SELF);
	check(is_one_of(rc, -XEN_EBUSY, -XEN_EINVAL) && done == 1,
	      "an L1 entry mapping a page table writable is refused, after the valid one",
	      "returned %ld with %u done, expected -EBUSY or -EINVAL with 1", rc, done);

	/* A frame that is not ours (past any RAM): Xen 4.17 treats it as MMIO -> -EPERM. */
	rc = mmu_update1(&l1[5], (0xfffffffffUL << PAGE_SHIFT) | PTE_KERNEL_RW);
	check(is_one_of(rc, -XEN_EPERM, -XEN_EINVAL), "mapping a frame we do not own is refused",
	      "returned %ld, expected -EPERM or -EINVAL", rc);

	/* L4 slots 256-271 belong to Xen (the M2P lives there). */
	rc = mmu_update1(&l4[256], (virt_to_mfn(l3) << PAGE_SHIFT) | PTE_TABLE);
	check(rc == -XEN_EINVAL, "an L4 entry in Xen's slots is refused",
	      "returned %ld, expected -EINVAL", rc);

	/* No L1 covers this VA: update_va_mapping has no entry to write. */
	rc = HYPERVISOR_update_va_mapping(0x0000200000000000UL,
			(virt_to_mfn(data1) << PAGE_SHIFT) | PTE_KERNEL_RW, UVMF_INVLPG);
	check(rc == -XEN_EINVAL, "update_va_mapping where no L1 exists is refused",
	      "returned %ld, expected -EINVAL", rc);

	/* 11. Unpin: the L2's reference keeps it an L1; only unhooking frees it. */
	rc = mmuext(MMUEXT_UNPIN_TABLE, virt_to_mfn(l1));
	check(rc == 0, "unpin the L1", "returned %ld", rc);
	rc = mmuext(MMUEXT_UNPIN_TABLE, virt_to_mfn(l1));
	check(rc == -XEN_EINVAL, "unpinning it again is refused", "returned %ld, expected -EINVAL", rc);
	rc = set_page_writable(l1, 1);
	check(is_one_of(rc, -XEN_EBUSY, -XEN_EINVAL), "still referenced by the L2, it stays read-only",
	      "returned %ld, expected -EBUSY or -EINVAL", rc);
	CHECK_EQ("the unpinned L1 still maps", read_va(TEST_VA), PAGE_MARK(2));

	rc = mmu_update1(&l4[L4_INDEX(TEST_VA)], 0);
	rc2 = mmuext(MMUEXT_TLB_FLUSH_LOCAL, 0);
	check(rc == 0 && rc2 == 0, "unlink the branch from the L4", "returned %ld, %ld", rc, rc2);
	rc = set_page_writable(l1, 1);
	check(rc == 0, "once unreferenced, the old L1 can be mapped writable again",
	      "returned %ld", rc);
}
