/* time.c -- arm64 monotonic time from the generic timer's virtual count */
#include "arm64.h"

/*
 * Xen gives each domain a virtual counter (CNTVCT_EL0) that starts near
 * 0 when the domain is created and runs at CNTFRQ_EL0 ticks a second,
 * whether the vCPU runs or not: the libOS's clock, read without a trap.
 * Xen's own system time is another clock, which a guest on ARM cannot
 * read, hence SCHEDOP_poll's wake-up by the virtual timer (xenarch.h).
 */

#define NSEC	   1000000000ULL
#define CNTV_EN	   (1U << 0)
#define CNTV_IMASK (1U << 1)

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

/*
 * Arms the virtual timer at the deadline: if it expires while the vCPU
 * is blocked, Xen injects its interrupt and that wakes the vCPU, which
 * ends SCHEDOP_poll.  Its interrupt is never taken: IRQs stay masked
 * (PSTATE.I), so no handler is needed.
 *
 * The gap: if the timer expires after this and before the poll's
 * hypercall, Xen masks it (CNTV_CTL.IMASK) and the poll then sleeps
 * until the next event instead.  The callers loop on the clock and
 * every one but uk_sleep() waits on a port that a backend answers; the
 * GIC and SCHEDOP_block, which close the gap, are the next step.
 */
uint64_t
xen_wait_begin(uint64_t deadline)
{
	if (deadline > (uint64_t)INT64_MAX)
		return 0;
	__asm__ volatile("msr cntv_cval_el0, %0; msr cntv_ctl_el0, %1; isb" ::
			     "r"(ns_to_count(deadline)),
			 "r"((uint64_t)CNTV_EN)
			 : "memory");
	return 0;
}

void
xen_wait_end(void)
{
	__asm__ volatile("msr cntv_ctl_el0, %0; isb" ::"r"((uint64_t)0)
			 : "memory");
}
