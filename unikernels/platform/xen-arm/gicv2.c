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

#define GICD_CTLR	   0x000
#define GICD_ISENABLER0	   0x100
#define GICD_IPRIORITYR(n) (0x400 + ((n) & ~3U))
#define GICC_CTLR	   0x000
#define GICC_PMR	   0x004
#define GICC_IAR	   0x00c
#define GICC_EOIR	   0x010
#define CTLR_ENABLE	   1
#define PRIO		   0xa0 /* any: nothing else competes */

static uint64_t cpu_if;

static void
mmio_write32(uint64_t addr, uint32_t v)
{
	*(volatile uint32_t *)(uintptr_t)addr = v;
}

static uint32_t
mmio_read32(uint64_t addr)
{
	return *(volatile uint32_t *)(uintptr_t)addr;
}

/* One PPI's priority byte, in the word that holds four. */
static void
ppi_priority(uint64_t gicd, uint32_t intid)
{
	uint64_t reg = gicd + GICD_IPRIORITYR(intid);
	unsigned int shift = (intid & 3) * 8;
	uint32_t v = mmio_read32(reg);

	v = (v & ~(0xffU << shift)) | (uint32_t)PRIO << shift;
	mmio_write32(reg, v);
}

int
gicv2_init(uint64_t gicd, uint64_t gicc, uint32_t timer_intid,
    uint32_t evtchn_intid)
{
	cpu_if = gicc;
	mmio_write32(gicd + GICD_CTLR, CTLR_ENABLE);
	ppi_priority(gicd, timer_intid);
	ppi_priority(gicd, evtchn_intid);
	mmio_write32(gicd + GICD_ISENABLER0,
	    (1U << timer_intid) | (1U << evtchn_intid));
	mmio_write32(gicc + GICC_PMR, 0xff);
	mmio_write32(gicc + GICC_CTLR, CTLR_ENABLE);
	/* Read back: a CPU interface that is not there reads as 0. */
	return (mmio_read32(gicc + GICC_CTLR) & CTLR_ENABLE) != 0 ? 0 : -UK_EIO;
}

uint32_t
gicv2_ack(void)
{
	return mmio_read32(cpu_if + GICC_IAR);
}

void
gicv2_eoi(uint32_t iar)
{
	mmio_write32(cpu_if + GICC_EOIR, iar);
}
