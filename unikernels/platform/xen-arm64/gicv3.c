/* gicv3.c -- a GICv3: distributor, redistributor, system registers */
#include "arm.h"

/*
 * What gic.c needs of a GICv3 (what Xen gives guests on a GICv3 host,
 * as the arm64 testbed is).  Registers: the distributor's GICD_CTLR, the
 * redistributor's SGI/PPI frame (64 KiB after its RD frame) for the
 * PPIs' enable and priority, and the CPU interface through system
 * registers (ICC_*_EL1), group 1.
 */

#define GICD_CTLR	 0x0000
#define GICD_CTLR_GRP1A	 (1U << 1)
#define GICD_CTLR_ARE_NS (1U << 4)
#define GICR_SGI_FRAME	 0x10000
#define GICR_ISENABLER0	 0x0100
#define ICC_SRE_SRE	 1

int
gicv3_init(uint64_t gicd, uint64_t gicr, uint32_t timer_intid,
    uint32_t evtchn_intid)
{
	uint64_t sre, sgi = gicr + GICR_SGI_FRAME;

	__asm__ volatile("mrs %0, icc_sre_el1" : "=r"(sre));
	if ((sre & ICC_SRE_SRE) == 0) {
		__asm__ volatile("msr icc_sre_el1, %0; isb" ::"r"(sre |
		    ICC_SRE_SRE));
		__asm__ volatile("mrs %0, icc_sre_el1" : "=r"(sre));
		if ((sre & ICC_SRE_SRE) == 0)
			return -UK_EIO;
	}
	gic_mmio_write32(gicd + GICD_CTLR, GICD_CTLR_GRP1A | GICD_CTLR_ARE_NS);
	gic_ppi_priority(sgi, timer_intid);
	gic_ppi_priority(sgi, evtchn_intid);
	gic_mmio_write32(sgi + GICR_ISENABLER0,
	    (1U << timer_intid) | (1U << evtchn_intid));
	__asm__ volatile("msr icc_pmr_el1, %0; msr icc_igrpen1_el1, %1; isb" ::
			     "r"((uint64_t)0xff),
	    "r"((uint64_t)1));
	return 0;
}

uint32_t
gicv3_ack(void)
{
	uint64_t iar;

	__asm__ volatile("mrs %0, icc_iar1_el1" : "=r"(iar)::"memory");
	return (uint32_t)iar;
}

void
gicv3_eoi(uint32_t iar)
{
	__asm__ volatile("msr icc_eoir1_el1, %0; isb" ::"r"((uint64_t)iar)
			 : "memory");
}
