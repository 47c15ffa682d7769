/* arm64.h -- internals of the Xen on ARM (AArch64) boot binding */
#ifndef ARM64_H
#define ARM64_H

#include "xenplat.h"

/* arm64.c */
/*
 * Called by boot.S on the boot stack, MMU and caches on (the identity
 * map), BSS zeroed, exceptions masked, with the device tree's address.
 */
void arm64_start(uint64_t fdt_paddr) UK_NORETURN;

/* time.c */
/*
 * The generic timer's frequency: CNTFRQ_EL0, which the firmware (here
 * QEMU, under Xen) sets.  0 if the CPU reports none.
 */
int time_init(void);

#endif /* ARM64_H */
