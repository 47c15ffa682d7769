/* xenarch.h -- the arm32 half of xenplat.h (Xen on ARM, ARMv7 AArch32) */
#ifndef XENARCH_H
#define XENARCH_H

/* Included by xenplat.h only, after the Xen public headers. */

/*
 * A hypercall is `hvc #0xEA1` with its number in r12 and up to five
 * arguments in r0..r4; the result comes back in r0.  Xen may clobber
 * the argument registers it did not use and r12 (debug builds poison
 * them), so every one is an output or a clobber here.  The Xen ABI
 * passes 64-bit fields in memory only: xen_ulong_t and guest handles
 * are 64 bits in every struct, as on arm64.
 */
static inline long
xen_hypercall3(unsigned int op, unsigned long a1, unsigned long a2,
    unsigned long a3)
{
	register unsigned long r0 __asm__("r0") = a1;
	register unsigned long r1 __asm__("r1") = a2;
	register unsigned long r2 __asm__("r2") = a3;
	register unsigned long r12 __asm__("r12") = op;

	__asm__ volatile("hvc #0xea1"
			 : "+r"(r0), "+r"(r1), "+r"(r2), "+r"(r12)
			 :
			 : "memory", "r3", "r4");
	return (long)r0;
}

/*
 * Barriers for rings shared with other domains, inner shareable as on
 * arm64.  ARMv7 has no load-only dmb: a read barrier is a full one.
 */
#define xen_rmb() __asm__ volatile("dmb ish" ::: "memory")
#define xen_wmb() __asm__ volatile("dmb ishst" ::: "memory")
#define xen_mb()  __asm__ volatile("dmb ish" ::: "memory")

/*
 * Nothing to mask: the guest's event mask is its own CPSR.I, which
 * boot.S set and which only SCHEDOP_block lifts (xen-arm/wait.c).
 */
static inline void
xen_upcalls_off(struct vcpu_info *v)
{
	(void)v;
}

/*
 * For platform/xen-arm (arm.h): the name in early failures, how far
 * boot.S's identity map reaches (the first 2 GiB: devices, the Xen
 * regions and the first GiB of RAM; above is unmapped), and the cp15
 * registers of the generic timer and the IRQ mask.  No GICv3 here.
 */
#define XENARM_NAME	 "arm32"
#define XENARM_MAP_LIMIT (1ULL << 31)

static inline uint64_t
xenarm_cntfrq(void)
{
	uint32_t v;

	__asm__ volatile("mrc p15, 0, %0, c14, c0, 0" : "=r"(v));
	return v;
}

/* isb: not read ahead of the code before it. */
static inline uint64_t
xenarm_cntvct(void)
{
	uint64_t t;

	__asm__ volatile("isb; mrrc p15, 1, %Q0, %R0, c14" : "=r"(t)::"memory");
	return t;
}

/* The virtual timer fires at count cval (CNTV_CTL: enabled, unmasked). */
static inline void
xenarm_cntv_arm(uint64_t cval)
{
	__asm__ volatile("mcrr p15, 3, %Q0, %R0, c14; "
			 "mcr p15, 0, %1, c14, c3, 1; isb" ::"r"(cval),
			 "r"(1U)
			 : "memory");
}

static inline void
xenarm_cntv_off(void)
{
	__asm__ volatile("mcr p15, 0, %0, c14, c3, 1; isb" ::"r"(0U)
			 : "memory");
}

static inline void
xenarm_irq_mask(void)
{
	__asm__ volatile("cpsid i" ::: "memory");
}

/* trap.c -- CPU exceptions, after boot.S's vectors */

/*
 * What boot.S's vector entry saves, on a stack of its own: r0..r12, the
 * interrupted mode's sp and lr, the exception's lr (the faulting
 * instruction plus 4 or 8) and SPSR, and which vector was taken (kind:
 * its offset in the table / 4: 1 undefined instruction, 2 svc, 3
 * prefetch abort, 4 data abort, 7 fiq).
 */
struct trap_frame {
	uint32_t r[13];
	uint32_t sp, lr, exc_lr, spsr, kind;
};

/*
 * Every exception but an IRQ is fatal in the libOS: boot.S calls
 * trap_fatal() (shutdown.c), which has trap.c's trap_report() put the
 * fault and the registers on the console.
 */
void trap_report(const struct trap_frame *f);

#endif /* XENARCH_H */
