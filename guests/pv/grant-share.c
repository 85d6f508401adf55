/*
 * grant-share: the granting side of the grant test (run with grant-map; each is told the other's
 * domid with `peer=<domid>` on its command line, in either start order).
 *
 * Sets its grant table up (GNTTABOP_setup_table, then maps the table frame it got into its own
 * address space), fills two pages with known patterns and grants them to the peer: REF_RW
 * writable, REF_RO read-only, REF_OTHER to a domain that is not the peer. Then it waits: when the
 * peer says it mapped REF_RW, the entry must show GTF_reading|GTF_writing (Xen sets them while a
 * mapping exists); when the peer says it is done, the entries must be idle again and the bytes the
 * peer wrote (through its mapping and with GNTTABOP_copy) must be in the page. Finally it ends the
 * foreign access (flags to 0) and powers off.
 */
#include "grant.h"

const char pv_kernel_name[] = "grant-share";

static volatile uint64_t *word(void *page, int i) { return (volatile uint64_t *)page + i; }

/* Waits until word i of page is `value`; 0 on timeout. */
static int wait_word(void *page, int i, uint64_t value)
{
	uint64_t give_up = pv_system_time() + WAIT_NS;
	while (*word(page, i) != value) {
		if (pv_system_time() >= give_up)
			return 0;
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	}
	return 1;
}

static void grant(volatile grant_entry_v1_t *e, domid_t to, void *page, uint16_t flags)
{
	e->domid = to;
	e->frame = (uint32_t)virt_to_mfn(page);
	mb();	/* the peer may use the entry as soon as the flags say so */
	e->flags = flags;
}

void pv_main(void)
{
	long peer = cmdline_number("peer", -1);
	if (peer < 0 || peer >= DOMID_FIRST_RESERVED)
		pv_crash("needs \"peer=<domid>\" on the command line");

	struct gnttab_query_size qs = { .dom = DOMID_SELF };
	long rc = HYPERVISOR_grant_table_op(GNTTABOP_query_size, &qs, 1);
	check(rc == 0 && qs.status == GNTST_okay && qs.nr_frames >= 1 && qs.max_nr_frames >= qs.nr_frames,
	      "query_size", "rc %ld status %d, %u of %u frames", rc, qs.status, qs.nr_frames, qs.max_nr_frames);

	xen_pfn_t frames[2];
	struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = 2 };
	set_xen_guest_handle(st.frame_list, frames);
	rc = HYPERVISOR_grant_table_op(GNTTABOP_setup_table, &st, 1);
	check(rc == 0 && st.status == GNTST_okay, "setup_table with 2 frames", "rc %ld status %d", rc, st.status);
	struct gnttab_get_version gv = { .dom = DOMID_SELF };
	rc = HYPERVISOR_grant_table_op(GNTTABOP_get_version, &gv, 1);
	check(rc == 0 && gv.version == 1, "get_version is 1", "rc %ld version %u", rc, gv.version);
	struct gnttab_get_status_frames gs = { .nr_frames = 1, .dom = DOMID_SELF };
	set_xen_guest_handle(gs.frame_list, frames + 1);
	rc = HYPERVISOR_grant_table_op(GNTTABOP_get_status_frames, &gs, 1);
	check(rc == 0 && gs.status == GNTST_general_error, "get_status_frames in v1 has none",
	      "rc %ld status %d", rc, gs.status);

	/* Map the table's first frame over a page of ours. */
	volatile grant_entry_v1_t *gt = alloc_page();
	rc = HYPERVISOR_update_va_mapping((unsigned long)gt, (frames[0] << PAGE_SHIFT) | PTE_KERNEL_RW, UVMF_INVLPG);
	CHECK_EQ("map the grant table frame", rc, 0);
	if (rc)
		return;

	uint8_t *rw = alloc_page(), *ro = alloc_page();
	for (unsigned int i = 32; i < PAGE_SIZE; i++) {
		rw[i] = pattern_rw(i);
		ro[i] = pattern_ro(i);
	}
	grant(&gt[REF_OTHER], (domid_t)(peer + 1), rw, GTF_permit_access);
	grant(&gt[REF_RO], (domid_t)peer, ro, GTF_permit_access | GTF_readonly);
	grant(&gt[REF_RW], (domid_t)peer, rw, GTF_permit_access);
	printk("grant-share: info granted refs %d (rw), %d (ro), %d (other) to domain %ld\n",
	       REF_RW, REF_RO, REF_OTHER, peer);

	int mapped = wait_word(rw, WORD_MAPPED, MAPPED);
	check(mapped, "the peer wrote through its mapping", "word 1 is %#lx", (unsigned long)*word(rw, WORD_MAPPED));
	uint16_t busy = gt[REF_RW].flags;
	CHECK_EQ("GTF_reading|GTF_writing while mapped", busy,
		 GTF_permit_access | GTF_reading | GTF_writing);
	*word(rw, WORD_SEEN) = SEEN;

	int done = wait_word(rw, WORD_DONE, DONE);
	check(done, "the peer finished", "word 3 is %#lx", (unsigned long)*word(rw, WORD_DONE));
	CHECK_EQ("writable entry idle again", gt[REF_RW].flags, GTF_permit_access);
	CHECK_EQ("read-only entry idle again", gt[REF_RO].flags, GTF_permit_access | GTF_readonly);
	CHECK_EQ("the other domain's entry never used", gt[REF_OTHER].flags, GTF_permit_access);
	int same = 1;
	for (unsigned int i = 0; i < COPY_LEN; i++)
		same &= rw[COPY_IN_OFFSET + i] == pattern_in(i);
	check(same, "the peer's GNTTABOP_copy reached our page", "bytes differ");
	int untouched = 1;
	for (unsigned int i = 32; i < PAGE_SIZE; i++)
		untouched &= ro[i] == pattern_ro(i);
	check(untouched, "the read-only page is unchanged", "bytes differ");

	/* End the foreign access, as a frontend does before reusing its pages. */
	gt[REF_RW].flags = 0;
	gt[REF_RO].flags = 0;
	gt[REF_OTHER].flags = 0;
}
