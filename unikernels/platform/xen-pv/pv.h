/* pv.h -- internals of the Xen PV (x86_64) boot binding */
#ifndef PV_H
#define PV_H

#include "xenplat.h"

/* The PV-only hypercalls; the drivers' ones are in xenplat.h. */

static inline long
xen_update_va_mapping(const void *va, uint64_t pte, unsigned long flags)
{
	return xen_hypercall3(__HYPERVISOR_update_va_mapping,
	    (unsigned long)(uintptr_t)va, pte, flags);
}

static inline long
xen_set_trap_table(const void *table)
{
	return xen_hypercall3(__HYPERVISOR_set_trap_table, (unsigned long)table,
	    0, 0);
}

/* pv.c */
void pv_start(const start_info_t *si) UK_NORETURN;

/* trap.c */
/*
 * Registers the exception handlers with Xen (a PV guest has no IDT of
 * its own).  Needs only the hypercall page, so it runs first.
 */
void trap_init(void);

#endif /* PV_H */
