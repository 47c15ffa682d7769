/* pvh.c -- Xen PVH binding: hypercall page, shared info, rings, cmdline */
#include "pvh.h"

#include <xen/memory.h>
#include <xen/hvm/params.h>
#include <xen/arch-x86/cpuid.h>
#include <xen/arch-x86/hvm/start_info.h>

#define PAGE_SHIFT     12
#define IDENTITY_LIMIT (1ULL << 32) /* what boot.S maps */
#define CMDLINE_MAX    1024
#define DEBUG_PORT     0xe9

static char cmdline[CMDLINE_MAX];

/*
 * Xen's HVM debug port: every byte written to I/O port 0xe9 ends up in
 * Xen's own log as "(dN) ..." lines (guest_loglvl=all), with no driver
 * and no dom0 involvement.  The console's fallback before its ring is
 * up, and all a guest without a console (console=off) has.  One string
 * instruction for the whole buffer: Xen emulates its repeats in one
 * exit, where a byte at a time was an exit a byte (a boot's lines cost
 * a guest without a console 16 ms of the nested testbed's summon).
 */
void
xen_debug_write(const char *buf, size_t len)
{
	__asm__ volatile("cld; rep outsb"
			 : "+S"(buf), "+c"(len)
			 : "d"(DEBUG_PORT)
			 : "memory");
}

static void
early_fail(const char *msg)
{
	xen_debug_write("uk: pvh: ", 9);
	xen_debug_write(msg, strlen(msg));
	xen_debug_write("\n", 1);
	/* Without a hypercall page, a triple fault is the only way out. */
	for (;;)
		__asm__ volatile("ud2");
}

static void
cpuid(uint32_t leaf, uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d)
{
	__asm__ volatile("cpuid"
			 : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d)
			 : "a"(leaf), "c"(0));
}

/*
 * Xen's CPUID leaves sit at 0x40000000 or, when Viridian leaves come
 * first, a multiple of 0x100 above; the signature tells them apart.
 * Leaf base+2 names the MSR that installs the hypercall page.
 */
static void
hypercall_init(void)
{
	uint32_t base, a, b, c, d;

	for (base = XEN_CPUID_FIRST_LEAF; base < XEN_CPUID_FIRST_LEAF + 0x10000;
	     base += 0x100) {
		cpuid(base, &a, &b, &c, &d);
		if (b == XEN_CPUID_SIGNATURE_EBX &&
		    c == XEN_CPUID_SIGNATURE_ECX &&
		    d == XEN_CPUID_SIGNATURE_EDX && a >= base + 2)
			break;
	}
	if (base >= XEN_CPUID_FIRST_LEAF + 0x10000)
		early_fail("no Xen CPUID leaves: not running on Xen?");
	cpuid(base + 2, &a, &b, &c, &d);
	if (a < 1)
		early_fail("Xen offers no hypercall page");
	/* Physical = virtual (identity map); page 0 of the set. */
	__asm__ volatile("wrmsr" ::"c"(b),
	    "a"((uint32_t)(uintptr_t)hypercall_page),
	    "d"((uint32_t)((uint64_t)(uintptr_t)hypercall_page >> 32)));
}

/* As shared info: the frame replaces a page of RAM at that gfn. */
void *
xen_gnttab_map_frame(void *spare)
{
	if (xen_add_to_physmap(XENMAPSPACE_grant_table, 0,
		xen_virt_to_gfn(spare)) != 0)
		return NULL;
	return spare;
}

void *
xen_frame_at(uint64_t gfn)
{
	if (gfn >= IDENTITY_LIMIT >> PAGE_SHIFT)
		return NULL;
	return (void *)(uintptr_t)(gfn << PAGE_SHIFT);
}

/* A ring's frame is one boot.S's identity map reaches. */
static int
in_identity_map(uint64_t pfn)
{
	return pfn < IDENTITY_LIMIT >> PAGE_SHIFT;
}

static void
cmdline_init(const struct hvm_start_info *si)
{
	const char *p;

	xenplat.cmdline = cmdline;
	if (si->cmdline_paddr == 0 || si->cmdline_paddr >= IDENTITY_LIMIT)
		return;
	/* Copied: the start-info area is not ours to keep relying on. */
	p = (const char *)(uintptr_t)si->cmdline_paddr;
	strlcpy(cmdline, p, sizeof(cmdline));
}

void
pvh_start(uint32_t start_info_paddr)
{
	const struct hvm_start_info *si = (const void *)(uintptr_t)
	    start_info_paddr;
	const char *why;

	trap_init();
	if (si->magic != XEN_HVM_START_MAGIC_VALUE)
		early_fail("bad hvm_start_info magic");
	hypercall_init();
	if (xen_hvm_shared_info() != 0)
		early_fail("cannot map shared info");
	cmdline_init(si);
	/*
	 * A toolstack may give no console at all (jitsud's console=off: no
	 * ring, no xenconsoled work on the summon path); then the output
	 * goes to Xen's debug port only.
	 */
	if ((why = xen_hvm_rings(in_identity_map)) != NULL)
		early_fail(why);
	xen_main();
}
