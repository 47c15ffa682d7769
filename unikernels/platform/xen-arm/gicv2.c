/* gicv2.c -- a GICv2's distributor and CPU interface, memory-mapped */
#include "arm.h"

/*
 * Xen gives a guest on a GICv2 host a virtual distributor it emulates
 * and the hardware's virtual CPU interface (GICV) at the CPU interface's
 * address: both are memory-mapped, which is why this file serves arm32
 * and arm64 alike.  The PPIs' enable and priority registers are banked
 * per CPU in the distributor.  Group 0 is all a non-secure guest sees;
 * EOImode 0: the EOI write also deactivates.
 */

#define GICD_CTLR	0x000
#define GICD_ISENABLER0 0x100
#define GICC_CTLR	0x000
#define GICC_PMR	0x004
#define GICC_IAR	0x00c
#define GICC_EOIR	0x010
#define CTLR_ENABLE	1

static uint64_t cpu_if;

int
gicv2_init(uint64_t gicd, uint64_t gicc, uint32_t timer_intid,
    uint32_t evtchn_intid)
{
	cpu_if = gicc;
	gic_mmio_write32(gicd + GICD_CTLR, CTLR_ENABLE);
	gic_ppi_priority(gicd, timer_intid);
	gic_ppi_priority(gicd, evtchn_intid);
	gic_mmio_write32(gicd + GICD_ISENABLER0,
	    (1U << timer_intid) | (1U << evtchn_intid));
	gic_mmio_write32(gicc + GICC_PMR, 0xff);
	gic_mmio_write32(gicc + GICC_CTLR, CTLR_ENABLE);
	/* Read back: a CPU interface that is not there reads as 0. */
	if ((gic_mmio_read32(gicc + GICC_CTLR) & CTLR_ENABLE) == 0)
		return -UK_EIO;
	return 0;
}

uint32_t
gicv2_ack(void)
{
	return gic_mmio_read32(cpu_if + GICC_IAR);
}

void
gicv2_eoi(uint32_t iar)
{
	gic_mmio_write32(cpu_if + GICC_EOIR, iar);
}
