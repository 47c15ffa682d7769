/* xenarch.h -- the arm64 half of xenplat.h (Xen on ARM, AArch64) */
#ifndef XENARCH_H
#define XENARCH_H

/* Included by xenplat.h only, after the Xen public headers. */

/*
 * A hypercall is `hvc #0xEA1` with its number in x16 and up to five
 * arguments in x0..x4; the result comes back in x0.  Xen may clobber
 * the argument registers it did not use (debug builds poison them), so
 * every one is an output here.
 */
static inline long
xen_hypercall3(unsigned int op, unsigned long a1, unsigned long a2,
    unsigned long a3)
{
	register unsigned long x0 __asm__("x0") = a1;
	register unsigned long x1 __asm__("x1") = a2;
	register unsigned long x2 __asm__("x2") = a3;
	register unsigned long x16 __asm__("x16") = op;

	__asm__ volatile("hvc #0xea1"
			 : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x16)
			 :
			 : "memory", "x3", "x4");
	return (long)x0;
}

/*
 * Barriers for rings shared with other domains.  ARM reorders loads and
 * stores freely: every one is a real barrier, inner shareable (all the
 * CPUs Xen and the backends run on).
 */
#define xen_rmb() __asm__ volatile("dmb ishld" ::: "memory")
#define xen_wmb() __asm__ volatile("dmb ishst" ::: "memory")
#define xen_mb()  __asm__ volatile("dmb ish" ::: "memory")

/*
 * Nothing to mask: on ARM the guest's event mask is its own PSTATE.I,
 * which boot.S set and which only SCHEDOP_block lifts, for the moment
 * it blocks (wait.c); vcpu_info has no mask field.
 */
static inline void
xen_upcalls_off(struct vcpu_info *v)
{
	(void)v;
}

/*
 * For platform/xen-arm (arm.h): the name in early failures, how far
 * boot.S's identity map reaches, that gic.c may drive a GICv3 here, and
 * the system registers of the generic timer and the IRQ mask.
 */
#define XENARM_NAME	 "arm64"
#define XENARM_MAP_LIMIT (1ULL << 32)
#define XENARM_GICV3	 1

static inline uint64_t
xenarm_cntfrq(void)
{
	uint64_t v;

	__asm__ volatile("mrs %0, cntfrq_el0" : "=r"(v));
	return v;
}

/* isb: not read ahead of the code before it. */
static inline uint64_t
xenarm_cntvct(void)
{
	uint64_t t;

	__asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(t)::"memory");
	return t;
}

/* The virtual timer fires at count cval (CNTV_CTL: enabled, unmasked). */
static inline void
xenarm_cntv_arm(uint64_t cval)
{
	__asm__ volatile("msr cntv_cval_el0, %0; msr cntv_ctl_el0, %1; isb" ::
			     "r"(cval),
			 "r"((uint64_t)1)
			 : "memory");
}

static inline void
xenarm_cntv_off(void)
{
	__asm__ volatile("msr cntv_ctl_el0, %0; isb" ::"r"((uint64_t)0)
			 : "memory");
}

static inline void
xenarm_irq_mask(void)
{
	__asm__ volatile("msr daifset, #2" ::: "memory");
}

/* trap.c -- CPU exceptions, after boot.S's vectors */

/*
 * What boot.S's vector entry saves, on a stack of its own: x0..x30, the
 * interrupted sp, ELR, SPSR, ESR and FAR, and which of the 16 vectors
 * was taken (kind: 4 x {sync, irq, fiq, serror} from EL1t, EL1h, EL0
 * AArch64, EL0 AArch32).
 */
struct trap_frame {
	uint64_t x[31];
	uint64_t sp, elr, spsr, esr, far, kind;
};

/*
 * Every exception but an IRQ is fatal in the libOS: boot.S calls
 * trap_fatal() (shutdown.c), which has trap.c's trap_report() put the
 * fault and the registers on the console.
 */
void trap_report(const struct trap_frame *f);

#endif /* XENARCH_H */
