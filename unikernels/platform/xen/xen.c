/* xen.c -- start-up common to the Xen bindings, after the boot binding */
#include "xenplat.h"

struct xenplat xenplat;

const char *
plat_cmdline(void)
{
	return xenplat.cmdline != NULL ? xenplat.cmdline : "";
}

void
xen_main(void)
{
	/* No upcalls, ever: events are polled (events.c). */
	xen_upcalls_off(&xenplat.shared_info->vcpu_info[0]);
	console_init();
	xenstore_init();
	shutdown_init();
	uk_exit(uk_main());
}

void
xen_crash(void)
{
	struct sched_shutdown s = { .reason = SHUTDOWN_crash };

	for (;;) {
		(void)xen_sched_op(SCHEDOP_shutdown, &s);
		evtchn_wait(NULL, 0, UK_FOREVER);
	}
}
