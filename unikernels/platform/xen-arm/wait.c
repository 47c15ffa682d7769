/* wait.c -- Xen on ARM waits: SCHEDOP_block, woken by the GIC's two PPIs */
#include "arm.h"

/*
 * Xen on ARM keeps its system time to itself, so SCHEDOP_poll's timeout
 * cannot express our deadline, and a virtual timer that wakes a poll
 * leaves a gap: expiring between the last look at the clock and the
 * hypercall, it is taken and silenced, and the poll sleeps on.
 * SCHEDOP_block has no gap.  It is entered with IRQs masked; Xen
 * unmasks them (PSTATE.I, CPSR.I on arm32) as it blocks, and does not block at all if an
 * enabled interrupt is already pending.  Both wake-ups go through the
 * GIC (gic.c): the virtual timer's PPI at the deadline, and the event
 * channel PPI, which Xen raises when an event makes vcpu_info's
 * evtchn_upcall_pending go from 0 to 1 (and only then: for a port whose
 * word's evtchn_pending_sel bit goes from 0 to 1).  So both flags are
 * cleared first, then the ports are looked at, then we block: an event
 * after the clear raises the PPI and SCHEDOP_block returns at once.
 * Any event at all wakes us, not only those on ports: callers loop.
 * On return the interrupt is taken (gic_irq) and IRQs masked again.
 */

#define BITS (sizeof(xen_ulong_t) * 8)

static int
any_pending(const evtchn_port_t *ports, unsigned int n)
{
	const xen_ulong_t *p = xenplat.shared_info->evtchn_pending;
	unsigned int i;

	for (i = 0; i < n; i++)
		if ((__atomic_load_n(&p[ports[i] / BITS], __ATOMIC_ACQUIRE) >>
			(ports[i] % BITS)) &
		    1)
			return 1;
	return 0;
}

void
evtchn_wait(evtchn_port_t *ports, unsigned int n, uint64_t deadline)
{
	struct vcpu_info *v = &xenplat.shared_info->vcpu_info[0];
	int timed = deadline <= (uint64_t)INT64_MAX;

	if (timed)
		timer_arm(deadline);
	__atomic_store_n(&v->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
	__atomic_store_n(&v->evtchn_upcall_pending, 0, __ATOMIC_SEQ_CST);
	xen_mb();
	if (!any_pending(ports, n) && (!timed || uk_now() < deadline)) {
		(void)xen_sched_op(SCHEDOP_block, NULL);
		/* The interrupt, if any, was taken right here. */
		xenarm_irq_mask();
	}
	if (timed)
		timer_disarm();
}
