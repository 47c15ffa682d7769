/* trap.c -- the arm32 fatal-exception report, after boot.S's vectors */
#include "xenplat.h"

/*
 * Every vector of boot.S's table but the IRQ's (which wakes
 * SCHEDOP_block, xen-arm/gic.c) saves the registers on a stack of its
 * own (a fault with a broken sp is reported too) and lands here: any
 * other exception is fatal.  The fault's status and address are cp15's
 * DFSR/DFAR for a data abort, IFSR/IFAR for a prefetch abort.
 */

#define PSR_T	   (1U << 5)
#define KIND_UNDEF 1
#define KIND_PABT  3
#define KIND_DABT  4

static const char *
kind_name(uint32_t kind)
{
	switch (kind) {
	case KIND_UNDEF:
		return "undefined instruction";
	case 2:
		return "svc";
	case KIND_PABT:
		return "prefetch abort";
	case KIND_DABT:
		return "data abort";
	case 7:
		return "fiq";
	default:
		return "other";
	}
}

/*
 * The faulting instruction: the exception's lr is 8 past it for a data
 * abort, 4 for a prefetch abort, one instruction for an undefined one
 * (2 bytes in Thumb, 4 in ARM).
 */
static uint32_t
fault_pc(const struct trap_frame *f)
{
	if (f->kind == KIND_DABT)
		return f->exc_lr - 8;
	if (f->kind == KIND_UNDEF && (f->spsr & PSR_T) != 0)
		return f->exc_lr - 2;
	return f->exc_lr - 4;
}

static void
fault_regs(uint32_t kind, uint32_t *fsr, uint32_t *far)
{
	*fsr = *far = 0;
	if (kind == KIND_DABT) {
		__asm__ volatile("mrc p15, 0, %0, c5, c0, 0" : "=r"(*fsr));
		__asm__ volatile("mrc p15, 0, %0, c6, c0, 0" : "=r"(*far));
	} else if (kind == KIND_PABT) {
		__asm__ volatile("mrc p15, 0, %0, c5, c0, 1" : "=r"(*fsr));
		__asm__ volatile("mrc p15, 0, %0, c6, c0, 2" : "=r"(*far));
	}
}

void
trap_report(const struct trap_frame *f)
{
	uint32_t fsr, far;
	int i;

	fault_regs(f->kind, &fsr, &far);
	printf("uk: fatal trap %s: FSR %#x FAR %#x\n", kind_name(f->kind),
	    (unsigned int)fsr, (unsigned int)far);
	printf("uk: pc %#x sp %#x cpsr %#x lr %#x\n", (unsigned int)fault_pc(f),
	    (unsigned int)f->sp, (unsigned int)f->spsr, (unsigned int)f->lr);
	for (i = 0; i < 12; i += 4)
		printf("uk: r%d.. %#x %#x %#x %#x\n", i, (unsigned int)f->r[i],
		    (unsigned int)f->r[i + 1], (unsigned int)f->r[i + 2],
		    (unsigned int)f->r[i + 3]);
	printf("uk: r12 %#x\n", (unsigned int)f->r[12]);
}

/*
 * libgcc's division helpers (64-bit division has no instruction) call
 * these on a zero divisor; its Linux versions raise SIGFPE.  Here it is
 * a broken invariant, reported as one.
 */
int __aeabi_idiv0(int r);
long long __aeabi_ldiv0(long long r);

int
__aeabi_idiv0(int r)
{
	(void)r;
	uk_panic("division by zero");
}

long long
__aeabi_ldiv0(long long r)
{
	(void)r;
	uk_panic("division by zero");
}
