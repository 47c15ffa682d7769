/* pvclock.c -- x86 monotonic time: Xen's system time from the pvclock */
#include "xenplat.h"

static uint64_t last_ns;

static inline uint64_t
rdtsc(void)
{
	uint32_t lo, hi;

	/* lfence: the TSC must not be read before the fields above it. */
	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi)::"memory");
	return ((uint64_t)hi << 32) | lo;
}

/* (delta << shift) * mul / 2^32, as the vcpu_time_info comment defines. */
static uint64_t
pvclock_scale(uint64_t delta, uint32_t mul, int8_t shift)
{
	if (shift < 0)
		delta >>= -shift;
	else
		delta <<= shift;
	return (uint64_t)(((unsigned __int128)delta * mul) >> 32);
}

uint64_t
uk_now(void)
{
	volatile struct vcpu_time_info *t = &xenplat.shared_info->vcpu_info[0]
						 .time;
	uint32_t version, mul;
	uint64_t stamp, sys, tsc, ns;
	int8_t shift;

	/* Xen bumps version to odd before an update and to even after. */
	do {
		version = t->version;
		xen_rmb();
		stamp = t->tsc_timestamp;
		sys = t->system_time;
		mul = t->tsc_to_system_mul;
		shift = t->tsc_shift;
		tsc = rdtsc();
		xen_rmb();
	} while ((version & 1) != 0 || version != t->version);
	ns = sys + pvclock_scale(tsc - stamp, mul, shift);
	/* Updates may step the clock back a little: never show that. */
	if (ns < last_ns)
		ns = last_ns;
	last_ns = ns;
	return ns;
}
