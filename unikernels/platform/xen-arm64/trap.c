/* trap.c -- the arm64 fatal-exception report, after boot.S's vectors */
#include "xenplat.h"

/*
 * Every vector of boot.S's table saves the registers on a stack of its
 * own (a fault with a broken sp is reported too) and lands here, but
 * for the IRQ that wakes SCHEDOP_block (xen-arm/gic.c): any other exception is
 * fatal.
 */

#define ESR_EC(esr) (((esr) >> 26) & 0x3f)

static const char *const kinds[4] = { "sync", "irq", "fiq", "serror" };
static const char *const froms[4] = { "EL1t", "EL1h", "EL0/64", "EL0/32" };

/* The exception classes a libOS can run into. */
static const char *
ec_name(unsigned int ec)
{
	switch (ec) {
	case 0x00:
		return "unknown (undefined instruction)";
	case 0x07:
		return "FP/SIMD access";
	case 0x0e:
		return "illegal execution state";
	case 0x15:
		return "svc";
	case 0x20:
	case 0x21:
		return "instruction abort";
	case 0x22:
		return "pc alignment";
	case 0x24:
	case 0x25:
		return "data abort";
	case 0x26:
		return "sp alignment";
	case 0x3c:
		return "brk";
	default:
		return "other";
	}
}

void
trap_report(const struct trap_frame *f)
{
	unsigned int ec = ESR_EC(f->esr);
	int i;

	printf("uk: fatal trap %s from %s: EC %#x (%s) ESR %#lx FAR %#lx\n",
	    kinds[f->kind & 3], froms[(f->kind >> 2) & 3], ec, ec_name(ec),
	    (unsigned long)f->esr, (unsigned long)f->far);
	printf("uk: pc %#lx sp %#lx spsr %#lx lr %#lx\n", (unsigned long)f->elr,
	    (unsigned long)f->sp, (unsigned long)f->spsr,
	    (unsigned long)f->x[30]);
	for (i = 0; i < 30; i += 6)
		printf("uk: x%d.. %#lx %#lx %#lx %#lx %#lx %#lx\n", i,
		    (unsigned long)f->x[i], (unsigned long)f->x[i + 1],
		    (unsigned long)f->x[i + 2], (unsigned long)f->x[i + 3],
		    (unsigned long)f->x[i + 4], (unsigned long)f->x[i + 5]);
}
