/* pvh.h -- internals of the Xen PVH boot binding */
#ifndef PVH_H
#define PVH_H

#include "xenplat.h"

/* pvh.c */
void pvh_start(uint32_t start_info_paddr) UK_NORETURN;

/* trap.c */
/*
 * Installs a GDT with a TSS and the exception handlers; a double fault
 * runs on a stack of its own (IST), so even a fault with a broken stack
 * pointer is reported.  Safe before any driver exists.
 */
void trap_init(void);

#endif /* PVH_H */
