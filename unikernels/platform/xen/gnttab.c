/* gnttab.c -- grant table (v1): let a backend domain access our pages */
#include "xenplat.h"

#include <xen/grant_table.h>

/*
 * One grant-table frame (512 v1 entries) is plenty for a unikernel with
 * one vif.  On x86, like shared info, the frame takes the place of a
 * page of the image we give up, a whole page of its own; on arm64 it
 * goes where the device tree says; where and how is the boot binding's
 * business (xen_gnttab_map_frame), as is which frame number a grant
 * names (xen_virt_to_gfn: PV grants machine frames).  Grants here are
 * permanent: drivers grant their ring and buffer pages once at start-up
 * and reuse them, so no revocation path exists.
 */

#define GNT_ENTRIES (4096 / sizeof(grant_entry_v1_t))

static union {
	grant_entry_v1_t e[GNT_ENTRIES];
	char page[4096];
} gnt_page __attribute__((aligned(4096)));
static grant_entry_v1_t *gnt;
static grant_ref_t gnt_next = GNTTAB_NR_RESERVED_ENTRIES;

static void
gnttab_map(void)
{
	if ((gnt = xen_gnttab_map_frame(&gnt_page)) == NULL)
		uk_panic("gnttab: cannot map grant table frame 0");
}

int
gnttab_grant(domid_t domid, const void *page, int readonly, grant_ref_t *ref)
{
	grant_entry_v1_t *e;
	uint64_t gfn;

	if (gnt == NULL)
		gnttab_map();
	if (gnt_next >= GNT_ENTRIES)
		return -UK_ENOSPC;
	/* A v1 entry holds 32 bits of frame number (16 TiB of RAM). */
	if ((gfn = xen_virt_to_gfn(page)) > UINT32_MAX)
		uk_panic("gnttab: frame %#lx beyond v1", (unsigned long)gfn);
	e = &gnt[gnt_next];
	e->frame = (uint32_t)gfn;
	e->domid = domid;
	/* The backend may use the entry as soon as flags say so. */
	xen_wmb();
	e->flags = GTF_permit_access | (readonly ? GTF_readonly : 0);
	*ref = gnt_next++;
	return 0;
}
