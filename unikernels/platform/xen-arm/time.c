/* time.c -- monotonic time from the generic timer's virtual count */
#include "arm.h"

/*
 * Xen gives each domain a virtual counter (CNTVCT) that starts near 0
 * when the domain is created and runs at CNTFRQ ticks a second,
 * whether the vCPU runs or not: the libOS's clock, read without a trap.
 * Xen's own system time is another clock, which a guest on ARM cannot
 * read: a wait ends at its deadline by the virtual timer's interrupt
 * (wait.c), not by a hypercall's timeout.  The registers are system
 * registers on arm64 and cp15 ones on arm32 (xenarch.h's xenarm_*).
 */

#define NSEC 1000000000ULL

static uint64_t freq;

int
time_init(void)
{
	freq = xenarm_cntfrq();
	return freq == 0 ? -UK_EIO : 0;
}

/* In two steps, so that nothing overflows below 2^64 ns (584 years). */
uint64_t
uk_now(void)
{
	uint64_t t = xenarm_cntvct();

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
	xenarm_cntv_arm(ns_to_count(deadline));
}

void
timer_disarm(void)
{
	xenarm_cntv_off();
}
