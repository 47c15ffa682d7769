/* gic.c -- the interrupt controller as a wake-up line, whichever it is */
#include "arm.h"

/*
 * The libOS takes interrupts only to wake from SCHEDOP_block (wait.c):
 * Xen does not block a vCPU that has an enabled interrupt pending above
 * its priority mask, and wakes a blocked one when it injects one.  So
 * both PPIs are enabled, the priority mask lets everything through, and
 * the handler only acknowledges: the drivers find their work in the
 * rings as always.  Xen gives a guest the GIC version of its host: a
 * GICv2 (memory-mapped CPU interface, gicv2.c), or a GICv3 (system
 * registers, gicv3.c, written for arm64 only so far).
 */

#define VTIMER_PPI 27	/* the generic timer binding's, when no node says */
#define SPURIOUS   1020 /* INTIDs from here on are not interrupts */

#define IPRIORITYR(n) (0x400 + ((n) & ~3U)) /* GICD's and GICR's SGI frame */
#define PRIO	      0xa0		    /* any: nothing else competes */

static int version;
static uint32_t timer_irq;

void
gic_mmio_write32(uint64_t addr, uint32_t v)
{
	*(volatile uint32_t *)(uintptr_t)addr = v;
}

uint32_t
gic_mmio_read32(uint64_t addr)
{
	return *(volatile uint32_t *)(uintptr_t)addr;
}

void
gic_ppi_priority(uint64_t frame, uint32_t intid)
{
	uint64_t reg = frame + IPRIORITYR(intid);
	unsigned int shift = (intid & 3) * 8;
	uint32_t v = gic_mmio_read32(reg);

	v = (v & ~(0xffU << shift)) | (uint32_t)PRIO << shift;
	gic_mmio_write32(reg, v);
}

const char *
gic_init(const struct fdt_info *fi, uint64_t device_limit)
{
	uint32_t timer = fi->vtimer_intid != 0 ? fi->vtimer_intid : VTIMER_PPI;

	if (fi->gicd_base >= device_limit || fi->gic_cpu_base >= device_limit)
		return "interrupt controller outside the device map";
	if (timer < 16 || timer > 31 || fi->evtchn_intid < 16 ||
	    fi->evtchn_intid > 31)
		return "timer or event channel interrupt not a PPI";
	timer_irq = timer;
	version = fi->gic_version;
	switch (version) {
	case 2:
		if (gicv2_init(fi->gicd_base, fi->gic_cpu_base, timer,
			fi->evtchn_intid) != 0)
			return "GICv2 CPU interface does not answer";
		return NULL;
#ifdef XENARM_GICV3
	case 3:
		if (gicv3_init(fi->gicd_base, fi->gic_cpu_base, timer,
			fi->evtchn_intid) != 0)
			return "no GICv3 system-register interface";
		return NULL;
#endif
	default:
		return "no interrupt controller this binding drives";
	}
}

static uint32_t
ack(void)
{
#ifdef XENARM_GICV3
	if (version == 3)
		return gicv3_ack();
#endif
	return gicv2_ack();
}

static void
eoi(uint32_t iar)
{
#ifdef XENARM_GICV3
	if (version == 3) {
		gicv3_eoi(iar);
		return;
	}
#endif
	gicv2_eoi(iar);
}

/* The INTID in an IAR: its low 24 bits (v3) or 10 (v2: then a CPU). */
static uint32_t
intid(uint32_t iar)
{
	return iar & (version == 3 ? 0xffffffU : 0x3ffU);
}

void
gic_irq(void)
{
	uint32_t iar;

	while (intid(iar = ack()) < SPURIOUS) {
		/* Level-triggered: silenced, or it would fire again. */
		if (intid(iar) == timer_irq)
			timer_disarm();
		eoi(iar);
	}
}
