/*
 * grant-map: the mapping side of the grant test (run with grant-share, `peer=<its domid>`).
 *
 * Maps the sharer's writable grant with GNTTABOP_map_grant_ref (GNTMAP_host_map at a linear
 * address of ours: Xen writes the PTE), reads the pattern through the mapping, writes a word the
 * sharer waits for, and after the sharer has seen GTF_reading|GTF_writing in its entry, unmaps.
 * Then: a read-only mapping of the read-only grant; GNTTABOP_copy from the grant into a page of
 * ours and from ours into the grant; and the refusals, each with Xen's GNTST status: a bad grant
 * reference, a grant made to another domain, a writable mapping or copy of a read-only grant, an
 * unknown domain, a stale handle, a copy beyond the page. Last, DONE goes into the shared page
 * by GNTTABOP_copy and the sharer checks the rest.
 */
#include "grant.h"

const char pv_kernel_name[] = "grant-map";

static domid_t peer;

static int16_t map(void *va, grant_ref_t ref, domid_t dom, uint32_t flags, grant_handle_t *handle)
{
	struct gnttab_map_grant_ref op = {
		.host_addr = (unsigned long)va, .flags = flags, .ref = ref, .dom = dom,
	};
	long rc = HYPERVISOR_grant_table_op(GNTTABOP_map_grant_ref, &op, 1);
	if (rc)
		return (int16_t)0x7fff;	/* the call itself failed: never a GNTST value */
	if (handle)
		*handle = op.handle;
	return op.status;
}

static int16_t unmap(void *va, grant_handle_t handle)
{
	struct gnttab_unmap_grant_ref op = { .host_addr = (unsigned long)va, .handle = handle };
	long rc = HYPERVISOR_grant_table_op(GNTTABOP_unmap_grant_ref, &op, 1);
	return rc ? (int16_t)0x7fff : op.status;
}

/* Copies len bytes: from grant `ref` of the peer when to_grant is 0, else into it. */
static int16_t copy(grant_ref_t ref, uint16_t grant_off, void *mine, uint16_t len, int to_grant)
{
	struct gnttab_copy op = { .len = len };
	struct gnttab_copy_ptr g = { .u.ref = ref, .domid = peer, .offset = grant_off };
	struct gnttab_copy_ptr m = { .u.gmfn = virt_to_mfn(mine), .domid = DOMID_SELF,
				     .offset = (uint16_t)((unsigned long)mine & (PAGE_SIZE - 1)) };
	if (to_grant) {
		op.source = m;
		op.dest = g;
		op.flags = GNTCOPY_dest_gref;
	} else {
		op.source = g;
		op.dest = m;
		op.flags = GNTCOPY_source_gref;
	}
	long rc = HYPERVISOR_grant_table_op(GNTTABOP_copy, &op, 1);
	return rc ? (int16_t)0x7fff : op.status;
}

/* A function, not a macro: `actual` is a hypercall that must run once. */
static void CHECK_STATUS(const char *what, int actual, int expected)
{
	check(actual == expected, what, "status %d, expected %d", actual, expected);
}

void pv_main(void)
{
	long p = cmdline_number("peer", -1);
	if (p < 0 || p >= DOMID_FIRST_RESERVED)
		pv_crash("needs \"peer=<domid>\" on the command line");
	peer = (domid_t)p;

	/* The sharer may not have granted yet: until then the entry is refused. */
	uint8_t *va = alloc_page();
	grant_handle_t h = 0;
	int16_t st = GNTST_general_error;
	uint64_t give_up = pv_system_time() + WAIT_NS;
	while ((st = map(va, REF_RW, peer, GNTMAP_host_map, &h)) == GNTST_general_error
	       && pv_system_time() < give_up)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	CHECK_STATUS("map the writable grant", st, GNTST_okay);
	if (st != GNTST_okay)
		return;
	int same = 1;
	for (unsigned int i = 32; i < PAGE_SIZE; i++)
		same &= va[i] == pattern_rw(i);
	check(same, "the granted page's pattern reads through the mapping", "bytes differ");
	volatile uint64_t *words = (volatile uint64_t *)va;
	words[WORD_MAPPED] = MAPPED;
	while (words[WORD_SEEN] != SEEN && pv_system_time() < give_up)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	CHECK_EQ("the sharer answered through the same page", words[WORD_SEEN], SEEN);
	CHECK_STATUS("unmap", unmap(va, h), GNTST_okay);
	CHECK_STATUS("unmap the same handle again", unmap(va, h), GNTST_bad_handle);

	uint8_t *va2 = alloc_page();
	grant_handle_t h2 = 0;
	CHECK_STATUS("map the read-only grant read-only", map(va2, REF_RO, peer, GNTMAP_host_map | GNTMAP_readonly, &h2),
		     GNTST_okay);
	same = 1;
	for (unsigned int i = 32; i < PAGE_SIZE; i++)
		same &= va2[i] == pattern_ro(i);
	check(same, "the read-only page reads through the mapping", "bytes differ");
	CHECK_STATUS("unmap the read-only mapping", unmap(va2, h2), GNTST_okay);

	uint8_t *spare = alloc_page();
	CHECK_STATUS("a writable mapping of a read-only grant", map(spare, REF_RO, peer, GNTMAP_host_map, NULL),
		     GNTST_general_error);
	CHECK_STATUS("a bad grant reference", map(spare, 100000, peer, GNTMAP_host_map, NULL), GNTST_bad_gntref);
	CHECK_STATUS("a grant made to another domain", map(spare, REF_OTHER, peer, GNTMAP_host_map, NULL),
		     GNTST_general_error);
	CHECK_STATUS("an unknown domain", map(spare, REF_RW, DOMID_FIRST_RESERVED - 1, GNTMAP_host_map, NULL),
		     GNTST_bad_domain);

	uint8_t *mine = alloc_page();
	CHECK_STATUS("copy from the grant", copy(REF_RW, 0x100, mine, COPY_LEN, 0), GNTST_okay);
	same = 1;
	for (unsigned int i = 0; i < COPY_LEN; i++)
		same &= mine[i] == pattern_rw(0x100 + i);
	check(same, "the copied bytes are the granted page's", "bytes differ");
	for (unsigned int i = 0; i < COPY_LEN; i++)
		mine[i] = pattern_in(i);
	CHECK_STATUS("copy into the grant", copy(REF_RW, COPY_IN_OFFSET, mine, COPY_LEN, 1), GNTST_okay);
	CHECK_STATUS("copy into a read-only grant", copy(REF_RO, 0, mine, COPY_LEN, 1), GNTST_general_error);
	CHECK_STATUS("copy beyond the page", copy(REF_RW, PAGE_SIZE - 8, mine, 16, 0), GNTST_bad_copy_arg);

	*(uint64_t *)mine = DONE;
	CHECK_STATUS("copy DONE into the grant", copy(REF_RW, WORD_DONE * 8, mine, 8, 1), GNTST_okay);
}
