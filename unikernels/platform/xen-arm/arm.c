/* arm.c -- Xen on ARM binding: device tree, shared info, rings, cmdline */
#include "arm.h"

#include <xen/memory.h>
#include <xen/hvm/params.h>

/*
 * What arm64 and arm32 guests share: Xen gives both the same guest
 * layout and device tree, and boot.S (each architecture's) the same
 * identity map up to XENARM_MAP_LIMIT (xenarch.h): normal cacheable
 * memory from 0x38000000 up (the grant-table and magic-page regions the
 * toolstack uses, then RAM) and device memory below (the GIC).  The
 * image, its BSS and stack, and the device tree lie in RAM; the console
 * and XenStore rings in the magic region; both are checked against the
 * map before use.
 */

#define PAGE_SHIFT  12
#define NORMAL_BASE 0x38000000ULL /* boot.S: normal memory from here */
#define MAP_LIMIT   XENARM_MAP_LIMIT
#define FDT_MAX	    (64 * 1024) /* the largest tree read; libxl makes ~2 KiB */
#define CMDLINE_MAX 1024

extern char _start[], _end[];

static char cmdline[CMDLINE_MAX];
static struct fdt_info fdt;

/*
 * Xen's console hypercall.  Debian's release Xen refuses it to a domU
 * (XSM), so this only shows output on a debug hypervisor; the console
 * ring is up before much can fail.
 */
void
xen_debug_write(const char *buf, size_t len)
{
	(void)xen_console_io(CONSOLEIO_write, len, buf);
}

static void
early_fail(const char *msg)
{
	xen_debug_write("uk: " XENARM_NAME ": ", 6 + strlen(XENARM_NAME));
	xen_debug_write(msg, strlen(msg));
	xen_debug_write("\n", 1);
	/* hvc works from the first instruction. */
	xen_crash();
}

/* Whether [base, base + size) lies in normal memory of the map. */
static int
in_normal_map(uint64_t base, uint64_t size)
{
	return base >= NORMAL_BASE && base < MAP_LIMIT &&
	    size <= MAP_LIMIT - base;
}

static void
fdt_init(uintptr_t paddr)
{
	if (!in_normal_map(paddr, FDT_MAX))
		early_fail("device tree outside the identity map");
	/* The builder puts it past the file, which BSS may reach. */
	if (paddr >= (uintptr_t)_start && paddr < (uintptr_t)_end)
		early_fail(
		    "device tree inside the image's BSS (RAM too small?)");
	if (fdt_read((const void *)paddr, FDT_MAX, &fdt) != 0)
		early_fail("device tree without memory or Xen node");
	if (!in_normal_map(fdt.gnttab_base, fdt.gnttab_size) ||
	    fdt.gnttab_size < (1 << PAGE_SHIFT) ||
	    (fdt.gnttab_base & ((1 << PAGE_SHIFT) - 1)) != 0)
		early_fail("grant-table region missing or outside the map");
	if (!in_normal_map(fdt.mem_base, fdt.mem_size) ||
	    (uintptr_t)_start < fdt.mem_base ||
	    (uintptr_t)_end > fdt.mem_base + fdt.mem_size)
		early_fail("image outside RAM or RAM outside the map");
	/* Copied: nothing else keeps the tree, which lies in free RAM. */
	if (fdt.bootargs != NULL)
		strlcpy(cmdline, fdt.bootargs, sizeof(cmdline));
	xenplat.cmdline = cmdline;
}

/*
 * Where the toolstack's Xen node says grant frames go: a region of the
 * guest's address space that holds no RAM, so that mapping the table
 * costs none (Linux maps its frames there too).
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
	void *table = (void *)(uintptr_t)fdt.gnttab_base;

	(void)spare;
	if (xen_add_to_physmap(XENMAPSPACE_grant_table, 0,
		xen_virt_to_gfn(table)) != 0)
		return NULL;
	return table;
}

/* A ring's frame is a page of the map's normal memory. */
static int
ring_in_map(uint64_t pfn)
{
	return pfn <= (MAP_LIMIT >> PAGE_SHIFT) &&
	    in_normal_map(pfn << PAGE_SHIFT, 1 << PAGE_SHIFT);
}

void
arm_start(uintptr_t fdt_paddr)
{
	const char *why;

	if (time_init() != 0)
		early_fail("no generic timer frequency (CNTFRQ)");
	fdt_init(fdt_paddr);
	if (xen_hvm_shared_info() != 0)
		early_fail("cannot map shared info");
	if ((why = xen_hvm_rings(ring_in_map)) != NULL)
		early_fail(why);
	if ((why = gic_init(&fdt, NORMAL_BASE)) != NULL)
		early_fail(why);
	xen_main();
}
