/* time.c -- arm64 monotonic time from the generic timer's virtual count */
#include "arm64.h"

/*
 * Xen gives each domain a virtual counter (CNTVCT_EL0) that starts near
 * 0 when the domain is created and runs at CNTFRQ_EL0 ticks a second,
 * whether the vCPU runs or not: the libOS's clock, read without a trap.
 * Xen's own system time is another clock, which a guest on ARM cannot
 * read: a wait ends at its deadline by the virtual timer's interrupt
 * (wait.c), not by a hypercall's timeout.
 */

#define NSEC	1000000000ULL
#define CNTV_EN (1U << 0)

static uint64_t freq;

int
time_init(void)
{
	__asm__ volatile("mrs %0, cntfrq_el0" : "=r"(freq));
	return freq == 0 ? -UK_EIO : 0;
}

static uint64_t
counter(void)
{
	uint64_t t;

	/* isb: not read ahead of the code before it. */
	__asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(t)::"memory");
	return t;
}

/* In two steps, so that nothing overflows below 2^64 ns (584 years). */
uint64_t
uk_now(void)
{
	uint64_t t = counter();

	return t / freq * NSEC + t % freq * NSEC / freq;
}

/* The first count at or after ns; ns < 2^63, freq < 2^34. */
static uint64_t
ns_to_count(uint64_t ns)
{
	return ns / NSEC * freq + (ns % NSEC * freq + NSEC - 1) / NSEC;
}

void
timer_arm(uint64_t deadline)
{
	uint64_t ctl = CNTV_EN;

	__asm__ volatile("msr cntv_cval_el0, %0; msr cntv_ctl_el0, %1; isb" ::
			     "r"(ns_to_count(deadline)),
			 "r"(ctl)
			 : "memory");
}

void
timer_disarm(void)
{
	__asm__ volatile("msr cntv_ctl_el0, %0; isb" ::"r"((uint64_t)0)
			 : "memory");
}
