/* poll.c -- x86 waits: SCHEDOP_poll on the ports, Xen ends it at a deadline */
#include "xenplat.h"

/*
 * Upcalls stay masked (xenarch.h: xen_upcalls_off), so nothing but the
 * poll ever learns of an event: Xen ends SCHEDOP_poll when a polled port
 * becomes pending, returns at once if one already is, and ends it at
 * the timeout, an absolute time in Xen's system time, which is uk_now()'s
 * (pvclock.c).
 */
void
evtchn_wait(evtchn_port_t *ports, unsigned int n, uint64_t deadline)
{
	struct sched_poll poll;

	set_xen_guest_handle(poll.ports, ports);
	poll.nr_ports = n;
	/*
	 * Xen reads the timeout as a signed s_time_t and 0 as "none": a
	 * deadline past INT64_MAX (UK_FOREVER) would be a time long gone
	 * and the poll would return at once, so an idle domain with no
	 * timer armed would spin.  0 as a deadline means "now", hence 1.
	 */
	if (deadline > (uint64_t)INT64_MAX)
		poll.timeout = 0;
	else
		poll.timeout = deadline == 0 ? 1 : deadline;
	(void)xen_sched_op(SCHEDOP_poll, &poll);
}
