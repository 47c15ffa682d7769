/* gnttab.c -- grant table (v1): let a backend domain access our pages */
#include "xenplat.h"

#include <xen/grant_table.h>
#include <xen/memory.h>

/*
 * One grant-table frame (512 v1 entries) is plenty for a unikernel with
 * one vif.  Like shared info, Xen puts the frame in our physical address
 * space in place of a page of RAM we give up, a whole page of its own.
 * Grants here are permanent: drivers grant their ring and buffer pages
 * once at start-up and reuse them, so no revocation path exists.
 */

#define GNT_ENTRIES	(4096 / sizeof(grant_entry_v1_t))

static union {
	grant_entry_v1_t	e[GNT_ENTRIES];
	char			page[4096];
} gnt_page __attribute__((aligned(4096)));
static grant_entry_v1_t *gnt;
static grant_ref_t gnt_next = GNTTAB_NR_RESERVED_ENTRIES;

static void
gnttab_map(void)
{
	struct xen_add_to_physmap xatp = {
		.domid = DOMID_SELF,
		.space = XENMAPSPACE_grant_table,
		.idx = 0,
		.gpfn = (uintptr_t)&gnt_page >> 12,
	};

	if (xen_memory_op(XENMEM_add_to_physmap, &xatp) != 0)
		uk_panic("gnttab: cannot map grant table frame 0");
	gnt = gnt_page.e;
}

int
gnttab_grant(domid_t domid, const void *page, int readonly, grant_ref_t *ref)
{
	grant_entry_v1_t *e;

	if (gnt == NULL)
		gnttab_map();
	if (gnt_next >= GNT_ENTRIES)
		return -UK_ENOSPC;
	e = &gnt[gnt_next];
	e->frame = (uint32_t)((uintptr_t)page >> 12);
	e->domid = domid;
	/* The backend may use the entry as soon as flags say so. */
	xen_wmb();
	e->flags = GTF_permit_access | (readonly ? GTF_readonly : 0);
	*ref = gnt_next++;
	return 0;
}
