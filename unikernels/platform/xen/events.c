/* events.c -- event channels by polling the shared-info pending bits */
#include "xenplat.h"

/*
 * The libOS never runs a driver from an interrupt: it reads and clears
 * the 2-level ABI's pending bits in shared info, and sleeps in
 * evtchn_wait(), the architecture's (xen-x86/poll.c: SCHEDOP_poll with
 * upcalls masked; xen-arm/wait.c: SCHEDOP_block, woken through the
 * GIC).  Both end when a port the caller names becomes pending, or at
 * the deadline.
 *
 * Xen signals an event only when it sets a pending bit that was clear.
 * So the order is always: clear the bit, look at the ring, then wait; an
 * event that lands after the clear leaves the bit set, and the wait
 * returns at once for a port that is already pending.
 */

#define BITS	     (sizeof(xen_ulong_t) * 8)
#define MAX_HANDLERS 8

static struct {
	evtchn_port_t port;
	evtchn_handler_fn *fn;
	void *arg;
} handlers[MAX_HANDLERS];
static unsigned int nhandlers;

int
evtchn_clear(evtchn_port_t port)
{
	xen_ulong_t *word = &xenplat.shared_info->evtchn_pending[port / BITS];
	xen_ulong_t bit = (xen_ulong_t)1 << (port % BITS);

	/* A locked RMW: Xen sets bits in this word from other CPUs. */
	return (__atomic_fetch_and(word, ~bit, __ATOMIC_SEQ_CST) & bit) != 0;
}

int
evtchn_alloc_unbound(domid_t remote, evtchn_port_t *port)
{
	struct evtchn_alloc_unbound alloc = { .dom = DOMID_SELF };

	alloc.remote_dom = remote;
	if (xen_event_channel_op(EVTCHNOP_alloc_unbound, &alloc) != 0)
		return -UK_EIO;
	*port = alloc.port;
	return 0;
}

int
evtchn_bind_interdomain(domid_t remote, evtchn_port_t remote_port,
    evtchn_port_t *port)
{
	struct evtchn_bind_interdomain bind = {
		.remote_dom = remote,
		.remote_port = remote_port,
	};

	if (xen_event_channel_op(EVTCHNOP_bind_interdomain, &bind) != 0)
		return -UK_EIO;
	*port = bind.local_port;
	return 0;
}

void
evtchn_notify(evtchn_port_t port)
{
	struct evtchn_send send = { .port = port };

	(void)xen_event_channel_op(EVTCHNOP_send, &send);
}

/*
 * A closed port's entry is emptied (fn NULL), not removed: evtchn_close
 * may run from inside plat_dispatch's loop, which must not see the
 * entries move under it.  A new handler takes an empty entry first.
 */
void
evtchn_handler(evtchn_port_t port, evtchn_handler_fn *fn, void *arg)
{
	unsigned int i;

	for (i = 0; i < nhandlers && handlers[i].fn != NULL; i++)
		;
	if (i == MAX_HANDLERS)
		uk_panic("events: more than %d handlers", MAX_HANDLERS);
	handlers[i].port = port;
	handlers[i].fn = fn;
	handlers[i].arg = arg;
	if (i == nhandlers)
		nhandlers++;
}

void
evtchn_close(evtchn_port_t port)
{
	struct evtchn_close op = { .port = port };
	unsigned int i;

	for (i = 0; i < nhandlers; i++)
		if (handlers[i].fn != NULL && handlers[i].port == port)
			handlers[i].fn = NULL;
	(void)xen_event_channel_op(EVTCHNOP_close, &op);
	(void)evtchn_clear(port);
}

int
plat_dispatch(void)
{
	unsigned int i;
	int n = 0;

	/*
	 * Every handler runs on every turn, pending or not: a driver may
	 * hold work it read from its ring while serving a synchronous
	 * request (XenStore queues watch events that way) and whose event
	 * bit was consumed then.
	 */
	for (i = 0; i < nhandlers; i++) {
		if (handlers[i].fn == NULL)
			continue;
		(void)evtchn_clear(handlers[i].port);
		n += handlers[i].fn(handlers[i].arg);
	}
	return n;
}

void
plat_wait(uint64_t deadline)
{
	evtchn_port_t ports[MAX_HANDLERS];
	unsigned int i, n = 0;

	for (i = 0; i < nhandlers; i++)
		if (handlers[i].fn != NULL)
			ports[n++] = handlers[i].port;
	/* With no handler, n = 0 polls every port: still a bounded sleep. */
	evtchn_wait(ports, n, deadline);
}
