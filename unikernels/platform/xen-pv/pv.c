/* pv.c -- Xen PV binding: start_info, shared info, rings, frames, cmdline */
#include "pv.h"

/*
 * Memory: the libOS has no heap, so everything it touches is in its
 * image (code, data, BSS with every buffer and the stack) or is a page
 * Xen or the builder hands over.  The builder's initial mapping covers
 * the image, the p2m list, start_info and both rings, so we run inside
 * it and never build page tables of our own: the only changes are two
 * PTEs, over BSS pages set aside for shared info and the grant table.
 * Virtual address = __virt_base + pfn * 4096 throughout that mapping.
 */

#define PAGE_SHIFT  12
#define PTE_P	    0x001
#define PTE_RW	    0x002
#define PTE_A	    0x020
#define PTE_D	    0x040
#define PTE_RW_PAGE (PTE_P | PTE_RW | PTE_A | PTE_D)
#define PV_MAGIC    "xen-3.0-x86_64"

extern char __virt_base[], _end[];

/* A page whose PTE shared_info_init() points at Xen's shared info. */
static union {
	shared_info_t si;
	char page[4096];
} shared_info_page __attribute__((aligned(4096)));
static char cmdline[MAX_GUEST_CMDLINE];
static const xen_pfn_t *p2m;	  /* start_info's mfn_list: pfn -> mfn */
static unsigned long mapped_pfns; /* pfns surely mapped: below pt_base */

/*
 * Xen's console hypercall.  Debian's release Xen refuses it to a domU
 * (XSM), so this only shows output on a debug hypervisor; the console
 * ring is up before anything can fail, so little is lost.
 */
void
xen_debug_write(const char *buf, size_t len)
{
	(void)xen_console_io(CONSOLEIO_write, len, buf);
}

static void
early_fail(const char *msg)
{
	xen_debug_write("uk: pv: ", 8);
	xen_debug_write(msg, strlen(msg));
	xen_debug_write("\n", 1);
	/* Hypercalls work from the first instruction on PV. */
	xen_crash();
}

/* Points the PTE of the page at va at machine frame mfn, read-write. */
static int
map_mfn(void *va, xen_pfn_t mfn)
{
	uint64_t pte = ((uint64_t)mfn << PAGE_SHIFT) | PTE_RW_PAGE;

	return xen_update_va_mapping(va, pte, UVMF_INVLPG) == 0 ? 0 : -UK_EIO;
}

uint64_t
xen_virt_to_gfn(const void *va)
{
	uintptr_t a = (uintptr_t)va;

	/* Only the image's own pages are ever granted. */
	if (a < (uintptr_t)__virt_base || a >= (uintptr_t)_end)
		uk_panic("pv: %p is outside the image", va);
	return p2m[(a - (uintptr_t)__virt_base) >> PAGE_SHIFT];
}

/*
 * PV guests cannot have the table put into their physical address
 * space (that is for translated guests); Xen names its frames, machine
 * frames, in setup_table's answer and we map frame 0 over page.
 */
void *
xen_frame_at(uint64_t gfn)
{
	(void)gfn;
	return NULL;
}

void *
xen_gnttab_map_frame(void *spare)
{
	struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = 1 };
	xen_pfn_t frame;

	set_xen_guest_handle(st.frame_list, &frame);
	if (xen_grant_table_op(GNTTABOP_setup_table, &st, 1) != 0 ||
	    st.status != GNTST_okay)
		return NULL;
	return map_mfn(spare, frame) == 0 ? spare : NULL;
}

/*
 * A PV guest names a virtual address, and Xen writes the granted frame
 * into its PTE but flushes no TLB.  So the old mapping goes first, with
 * its TLB entry; should Xen then refuse the grant, it comes back.
 */
int
xen_grant_map(domid_t dom, grant_ref_t ref, void *page, int readonly)
{
	struct gnttab_map_grant_ref op = {
		.host_addr = (uint64_t)(uintptr_t)page,
		.flags = GNTMAP_host_map | (readonly ? GNTMAP_readonly : 0),
		.ref = ref,
		.dom = dom,
	};

	int rc;

	if (xen_update_va_mapping(page, 0, UVMF_INVLPG) != 0)
		return -UK_EIO;
	if (xen_grant_table_op(GNTTABOP_map_grant_ref, &op, 1) != 0)
		rc = -UK_EIO;
	else
		rc = op.status == GNTST_okay ? 0 : -UK_EACCES;
	if (rc != 0 && map_mfn(page, xen_virt_to_gfn(page)) != 0)
		uk_panic("pv: cannot restore the page at %p", page);
	return rc;
}

static void
shared_info_init(unsigned long maddr)
{
	if (map_mfn(&shared_info_page, maddr >> PAGE_SHIFT) != 0)
		early_fail("cannot map shared info");
	xenplat.shared_info = &shared_info_page.si;
}

/*
 * start_info names the rings by machine frame; they sit in the initial
 * mapping at the pfn whose p2m entry is that frame (before the page
 * tables, as xen.h's start-of-day layout says).
 */
static void *
ring_page(xen_pfn_t mfn)
{
	unsigned long pfn;

	for (pfn = 0; pfn < mapped_pfns; pfn++)
		if (p2m[pfn] == mfn)
			return __virt_base + (pfn << PAGE_SHIFT);
	early_fail("ring page not in the initial mapping");
	return NULL;
}

static void
cmdline_init(const start_info_t *si)
{
	size_t n = strnlen((const char *)si->cmd_line, sizeof(si->cmd_line));

	/* Copied: start_info is not ours to keep relying on. */
	if (n >= sizeof(cmdline))
		n = sizeof(cmdline) - 1;
	memcpy(cmdline, si->cmd_line, n);
	cmdline[n] = '\0';
	xenplat.cmdline = cmdline;
}

void
pv_start(const start_info_t *si)
{
	trap_init();
	if (strncmp(si->magic, PV_MAGIC, sizeof(PV_MAGIC)) != 0)
		early_fail("not a 64-bit PV start_info");
	p2m = (const xen_pfn_t *)si->mfn_list;
	mapped_pfns = (si->pt_base - (uintptr_t)__virt_base) >> PAGE_SHIFT;
	if (mapped_pfns > si->nr_pages)
		early_fail("page tables outside the domain's memory");
	shared_info_init(si->shared_info);
	cmdline_init(si);
	xenplat.cons = ring_page(si->console.domU.mfn);
	xenplat.cons_port = si->console.domU.evtchn;
	xenplat.store = ring_page(si->store_mfn);
	xenplat.store_port = si->store_evtchn;
	xen_main();
}
