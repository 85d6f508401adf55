/*
 * What the grant test kernels (grant-share.c, grant-map.c) agree on: the grant hypercall, the
 * references the sharer fills in, the patterns and the hand-shake words in the shared page.
 *
 *   word 1 (offset 8):  the mapper writes MAPPED through its mapping
 *   word 2 (offset 16): the sharer answers SEEN once its entry shows GTF_reading|GTF_writing
 *   word 3 (offset 24): the mapper writes DONE with GNTTABOP_copy when all its checks ran
 */
#ifndef GRANT_H
#define GRANT_H

#include "pv.h"
#include <xen/grant_table.h>

static inline long HYPERVISOR_grant_table_op(unsigned int cmd, void *uop, unsigned int count)
{ return _hypercall3(__HYPERVISOR_grant_table_op, cmd, uop, count); }

#define REF_RW		8	/* a page granted writable to the peer */
#define REF_RO		9	/* another page granted read-only */
#define REF_OTHER	10	/* the first page, granted to a domain that is not the peer */

#define WORD_MAPPED	1
#define WORD_SEEN	2
#define WORD_DONE	3
#define MAPPED		0x4d41505045440a01UL
#define SEEN		0x5345454e0a0a0a02UL
#define DONE		0x444f4e450a0a0a03UL

#define COPY_IN_OFFSET	0x200	/* where the mapper copies its bytes into the writable page */
#define COPY_LEN	64
#define WAIT_NS		20000000000UL	/* 20 s: generous for a slow emulator */

/* The byte at offset i (from 32 on) of the page behind REF_RW, and of the one behind REF_RO. */
static inline uint8_t pattern_rw(unsigned int i) { return (uint8_t)(i * 7 + 3); }
static inline uint8_t pattern_ro(unsigned int i) { return (uint8_t)(i * 13 + 5); }
/* What the mapper copies in. */
static inline uint8_t pattern_in(unsigned int i) { return (uint8_t)(0xa5 ^ i); }

#endif
