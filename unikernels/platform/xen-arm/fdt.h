/* fdt.h -- the few device-tree facts a Xen guest on ARM needs */
#ifndef FDT_H
#define FDT_H

#include <stddef.h>
#include <stdint.h>

/*
 * What the toolstack's device tree (handed over in x0 on arm64, r2 on
 * arm32) says about the guest: where its RAM is, the Xen node's
 * grant-table region and event channel interrupt, the interrupt
 * controller, and xl's extra= words.
 */
struct fdt_info {
	uint64_t mem_base, mem_size;	   /* the first memory node's reg */
	uint64_t gnttab_base, gnttab_size; /* /hypervisor's reg */
	uint32_t evtchn_intid;		   /* /hypervisor's PPI, as an INTID */
	uint32_t vtimer_intid;		   /* the timer's virtual PPI, or 0 */
	uint64_t gicd_base;		   /* the GIC's distributor, */
	uint64_t gic_cpu_base; /* redistributor (v3), CPU if. (v2) */
	int gic_version;       /* 3, 2, or 0: none found */
	const char *bootargs;  /* /chosen's, in the blob; or NULL */
	size_t bootargs_len;   /* without its NUL */
};

/*
 * Reads the flattened device tree at blob, which must lie within len
 * bytes, into *info (zeroed first).  Every offset and length in it is
 * checked against the header's sizes and len: a broken tree gives
 * -UK_EBADMSG, never a read outside it.  A tree without memory or
 * without a Xen node (compatible "xen,xen") gives -UK_ENOENT.
 */
int fdt_read(const void *blob, size_t len, struct fdt_info *info);

#endif /* FDT_H */
