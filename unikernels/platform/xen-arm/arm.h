/* arm.h -- internals of the Xen on ARM bindings (arm64, arm32) */
#ifndef ARM_H
#define ARM_H

#include "xenplat.h"

#include "fdt.h"

/*
 * platform/xen-arm holds what every Xen on ARM guest shares: the device
 * tree, shared info and rings (arm.c), the clock's arithmetic (time.c),
 * the waits (wait.c) and the GICv2 and the choice of GIC (gic.c,
 * gicv2.c).  Each architecture's directory has its entry and page
 * tables (boot.S), its exception report (trap.c) and in xenarch.h its
 * hypercall, barriers and the system registers these files use
 * (xenarm_cntfrq() and the rest).
 */

/* arm.c */
/*
 * Called by boot.S on the boot stack, MMU and caches on (the identity
 * map), BSS zeroed, interrupts masked, with the device tree's address.
 */
void arm_start(uintptr_t fdt_paddr) UK_NORETURN;

/* time.c */
/*
 * The generic timer's frequency (CNTFRQ), which the firmware (here
 * QEMU, under Xen) sets.  0, or -UK_EIO if the CPU reports none.
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
 * Sets up the interrupt controller the device tree describes (a GICv2,
 * or on arm64 a GICv3) for our vCPU: the virtual timer's and the event
 * channel's PPIs enabled, every priority let through.  Its registers
 * must lie below device_limit (the map's device memory).  Interrupts
 * stay masked in the CPU: only SCHEDOP_block lets them in.  NULL, or
 * what is wrong (for the binding's early failure).
 */
const char *gic_init(const struct fdt_info *fi, uint64_t device_limit);
/*
 * The IRQ vector's handler (boot.S): acknowledges every pending
 * interrupt; the timer's is silenced (disarmed) since its wake-up was
 * all it was for.
 */
void gic_irq(void);

/*
 * What both GIC drivers use (gic.c): 32-bit register access, and one
 * PPI's priority byte set, in the word that holds four, below FRAME:
 * the GICv2 distributor, or the GICv3 redistributor's SGI frame, which
 * keep the priorities at the same offset.
 */
void gic_mmio_write32(uint64_t addr, uint32_t v);
uint32_t gic_mmio_read32(uint64_t addr);
void gic_ppi_priority(uint64_t frame, uint32_t intid);

/*
 * gicv2.c, and gicv3.c (arm64 only): the controller's registers.
 * *_init enables the two PPIs (INTIDs 16..31) and the CPU interface,
 * 0 or -UK_EIO; *_ack returns the highest pending INTID, 1020 or more
 * when none is; *_eoi ends the one acknowledged.
 */
int gicv2_init(uint64_t gicd, uint64_t gicc, uint32_t timer_intid,
    uint32_t evtchn_intid);
uint32_t gicv2_ack(void);
void gicv2_eoi(uint32_t iar);
int gicv3_init(uint64_t gicd, uint64_t gicr, uint32_t timer_intid,
    uint32_t evtchn_intid);
uint32_t gicv3_ack(void);
void gicv3_eoi(uint32_t iar);

#endif /* ARM_H */
