/* hvm.c -- what translated guests share (x86 PVH, arm64): frames, params */
#include "xenplat.h"

#include <xen/memory.h>
#include <xen/hvm/hvm_op.h>

/*
 * A translated guest names its own (guest) frames to Xen, and both
 * bindings run on an identity map, so a frame is an address >> 12.  PV,
 * which names machine frames, has its own versions (xen-pv/pv.c).
 */

#define PAGE_SHIFT 12

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
