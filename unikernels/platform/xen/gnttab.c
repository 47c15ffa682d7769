/* gnttab.c -- grant table (v1): let a backend domain access our pages */
#include "xenplat.h"

#include <xen/grant_table.h>

/*
 * One grant-table frame (512 v1 entries) is plenty for a unikernel with
 * one vif.  On x86, like shared info, the frame takes the place of a
 * page of the image we give up, a whole page of its own; on ARM it
 * goes where the device tree says; where and how is the boot binding's
 * business (xen_gnttab_map_frame), as is which frame number a grant
 * names (xen_virt_to_gfn: PV grants machine frames).  Drivers grant
 * their ring and buffer pages once at start-up and keep them; vchans
 * end theirs when they close (gnttab_end), and an ended entry is taken
 * again by a later grant.
 */

#define GNT_ENTRIES (4096 / sizeof(grant_entry_v1_t))

static union {
	grant_entry_v1_t e[GNT_ENTRIES];
	char page[4096];
} gnt_page __attribute__((aligned(4096)));
static grant_entry_v1_t *gnt;
static grant_ref_t gnt_next = GNTTAB_NR_RESERVED_ENTRIES;
/* Entries ended since, a stack; taken before gnt_next moves on. */
static grant_ref_t gnt_free[GNT_ENTRIES];
static unsigned int gnt_nfree;

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
	if (gnt_nfree == 0 && gnt_next >= GNT_ENTRIES)
		return -UK_ENOSPC;
	/* A v1 entry holds 32 bits of frame number (16 TiB of RAM). */
	if ((gfn = xen_virt_to_gfn(page)) > UINT32_MAX)
		uk_panic("gnttab: frame %#lx beyond v1", (unsigned long)gfn);
	*ref = gnt_nfree > 0 ? gnt_free[--gnt_nfree] : gnt_next++;
	e = &gnt[*ref];
	e->frame = (uint32_t)gfn;
	e->domid = domid;
	/* The backend may use the entry as soon as flags say so. */
	xen_wmb();
	e->flags = GTF_permit_access | (readonly ? GTF_readonly : 0);
	return 0;
}

int
gnttab_seeded(grant_ref_t ref, domid_t domid, uint64_t *gfn)
{
	uint16_t flags;

	if (ref <= GNTTAB_RESERVED_XENSTORE ||
	    ref >= GNTTAB_NR_RESERVED_ENTRIES)
		return -UK_EINVAL;
	if (gnt == NULL)
		gnttab_map();
	flags = __atomic_load_n(&gnt[ref].flags, __ATOMIC_ACQUIRE);
	if ((flags & (GTF_type_mask | GTF_readonly)) != GTF_permit_access ||
	    gnt[ref].domid != domid)
		return -UK_EINVAL;
	*gfn = gnt[ref].frame;
	return 0;
}

/*
 * Xen sets GTF_reading or GTF_writing in the entry's flags while the
 * grantee has the page mapped (or is copying it), atomically against
 * our update.  So the entry is taken back with a compare-and-swap of
 * flags to 0 that only succeeds while neither bit is set: once it did,
 * no new mapping can start, and the page is ours again.  The grantee
 * may map it between our look and the swap; the swap then fails and we
 * look again.
 */
int
gnttab_end(grant_ref_t ref)
{
	uint16_t flags;

	if (gnt == NULL || ref < GNTTAB_NR_RESERVED_ENTRIES || ref >= gnt_next)
		return -UK_EINVAL;
	flags = __atomic_load_n(&gnt[ref].flags, __ATOMIC_ACQUIRE);
	do {
		if (flags & (GTF_reading | GTF_writing))
			return -UK_EBUSY;
		if (!(flags & GTF_permit_access))
			return -UK_EINVAL; /* ended already */
	} while (!__atomic_compare_exchange_n(&gnt[ref].flags, &flags, 0, 0,
	    __ATOMIC_SEQ_CST, __ATOMIC_ACQUIRE));
	gnt_free[gnt_nfree++] = ref;
	return 0;
}
