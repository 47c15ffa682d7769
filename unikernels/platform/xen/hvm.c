/* hvm.c -- what translated guests share (x86 PVH, ARM): frames, params */
#include "xenplat.h"

#include <xen/memory.h>
#include <xen/hvm/hvm_op.h>
#include <xen/hvm/params.h>

/*
 * A translated guest names its own (guest) frames to Xen, and both
 * bindings run on an identity map, so a frame is an address >> 12.  PV,
 * which names machine frames, has its own versions (xen-pv/pv.c).
 */

#define PAGE_SHIFT 12

/*
 * Shared info replaces this page of RAM (XENMAPSPACE_shared_info).  The
 * whole page goes, so it must not share it with anything else:
 * shared_info_t is smaller than a page, hence the union.
 */
static union {
	shared_info_t si;
	char page[4096];
} shared_info_page __attribute__((aligned(4096)));

uint64_t
xen_virt_to_gfn(const void *va)
{
	return (uintptr_t)va >> PAGE_SHIFT;
}

int
xen_add_to_physmap(unsigned int space, unsigned long idx, uint64_t gfn)
{
	struct xen_add_to_physmap xatp = {
		.domid = DOMID_SELF,
		.space = space,
		.idx = idx,
		.gpfn = gfn,
	};

	return xen_memory_op(XENMEM_add_to_physmap, &xatp) == 0 ? 0 : -UK_EIO;
}

int
xen_hvm_shared_info(void)
{
	if (xen_add_to_physmap(XENMAPSPACE_shared_info, 0,
		xen_virt_to_gfn(&shared_info_page)) != 0)
		return -UK_EIO;
	xenplat.shared_info = &shared_info_page.si;
	return 0;
}

/*
 * Xen puts the granted frame in our physical address space at that
 * guest frame, where the identity map finds it.
 */
int
xen_grant_map(domid_t dom, grant_ref_t ref, void *page, int readonly)
{
	struct gnttab_map_grant_ref op = {
		.host_addr = xen_virt_to_gfn(page) << PAGE_SHIFT,
		.flags = GNTMAP_host_map | (readonly ? GNTMAP_readonly : 0),
		.ref = ref,
		.dom = dom,
	};

	if (xen_grant_table_op(GNTTABOP_map_grant_ref, &op, 1) != 0)
		return -UK_EIO;
	return op.status == GNTST_okay ? 0 : -UK_EACCES;
}

int
xen_hvm_param(uint32_t index, uint64_t *value)
{
	struct xen_hvm_param p = { .domid = DOMID_SELF, .index = index };

	if (xen_hvm_op(HVMOP_get_param, &p) != 0)
		return -UK_EIO;
	*value = p.value;
	return 0;
}

/* HVM param `index' into *v: NULL, or what is wrong. */
static const char *
hvm_get(uint32_t index, uint64_t *v)
{
	return xen_hvm_param(index, v) == 0 ? NULL : "HVMOP_get_param failed";
}

/* The ring page at frame pfn into *page: NULL, or what is wrong. */
static const char *
hvm_ring(uint64_t pfn, int (*page_ok)(uint64_t pfn), void **page)
{
	if (pfn == 0 || !page_ok(pfn))
		return "ring page missing or outside the map";
	*page = (void *)(uintptr_t)(pfn << PAGE_SHIFT);
	return NULL;
}

const char *
xen_hvm_rings(int (*page_ok)(uint64_t pfn))
{
	uint64_t cons, cons_port, store, store_port;
	const char *why;
	void *page;

	/* A toolstack may give no console (jitsud's console=off). */
	if ((why = hvm_get(HVM_PARAM_CONSOLE_PFN, &cons)) != NULL)
		return why;
	if (cons != 0) {
		if ((why = hvm_ring(cons, page_ok, &page)) != NULL ||
		    (why = hvm_get(HVM_PARAM_CONSOLE_EVTCHN, &cons_port)) !=
			NULL)
			return why;
		xenplat.cons = page;
		xenplat.cons_port = (evtchn_port_t)cons_port;
	}
	if ((why = hvm_get(HVM_PARAM_STORE_PFN, &store)) != NULL ||
	    (why = hvm_ring(store, page_ok, &page)) != NULL ||
	    (why = hvm_get(HVM_PARAM_STORE_EVTCHN, &store_port)) != NULL)
		return why;
	xenplat.store = page;
	xenplat.store_port = (evtchn_port_t)store_port;
	return NULL;
}
