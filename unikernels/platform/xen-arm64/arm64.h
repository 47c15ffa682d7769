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
/*
 * Arms the virtual timer: its interrupt fires once the clock reaches
 * deadline (uk_now()'s ns, below 2^63); disarmed, it stays quiet.
 */
void timer_arm(uint64_t deadline);
void timer_disarm(void);

/* gic.c */
/*
 * Sets up the GICv3 the device tree describes for our vCPU: the virtual
 * timer's and the event channel's PPIs enabled, every priority let
 * through, group 1 on.  Interrupts stay masked in PSTATE: only
 * SCHEDOP_block lets them in.  0, or -UK_EIO if the interface is not
 * there (no system-register access).
 */
int gic_init(uint64_t gicd, uint64_t gicr, uint32_t timer_intid,
    uint32_t evtchn_intid);
/*
 * The IRQ vector's handler (boot.S): acknowledges every pending
 * interrupt; the timer's is silenced (disarmed) since its wake-up was
 * all it was for.
 */
void gic_irq(void);

#endif /* ARM64_H */
