/* shutdown.c -- SCHEDOP_shutdown and the toolstack's control/shutdown */
#include "xenplat.h"

/*
 * `xl shutdown` and `xl reboot` write "poweroff" or "reboot" to the
 * domain's control/shutdown; a guest acknowledges by clearing the node and
 * then shuts itself down.  Requests we cannot honour ("suspend") are left
 * unacknowledged, which tells libxl the guest did not take them.
 */

static struct uk_xs_watch shutdown_watch;
static uk_shutdown_fn *shutdown_handler;
static void *shutdown_arg;

void
uk_on_shutdown(uk_shutdown_fn *fn, void *arg)
{
	shutdown_handler = fn;
	shutdown_arg = arg;
}

static void
shutdown_requested(struct uk_xs_watch *w, const char *path, void *arg)
{
	enum uk_shutdown_reason reason;
	char req[32];
	int n;

	(void)w;
	(void)path;
	(void)arg;
	/* Empty: the watch's first firing, or our own acknowledgement. */
	if ((n = uk_xs_read("control/shutdown", req, sizeof(req))) <= 0)
		return;
	if (strcmp(req, "poweroff") == 0 || strcmp(req, "halt") == 0)
		reason = UK_POWEROFF;
	else if (strcmp(req, "reboot") == 0)
		reason = UK_REBOOT;
	else {
		printf("uk: shutdown request '%s' not supported\n", req);
		return;
	}
	(void)uk_xs_write("control/shutdown", "");
	printf("uk: shutdown requested: %s\n", req);
	if (shutdown_handler != NULL)
		shutdown_handler(reason, shutdown_arg);
	else
		uk_shutdown(reason);
}

/*
 * `xl sysrq DOMAIN KEY' writes KEY to control/sysrq.  Any key makes the
 * libOS say what state it is in (time, timers, the stack's counters,
 * the rings): what a guest that serves but answers nothing leaves to
 * look at.  That it answers at all says its loop still turns.
 */
static struct uk_xs_watch sysrq_watch;
/* Its first firing, as it is set, reads nothing: a key written before
 * we ran asks for the state of a guest that had none yet. */
static int sysrq_armed;

static void
sysrq_requested(struct uk_xs_watch *w, const char *path, void *arg)
{
	char key[8];
	int n;

	(void)w;
	(void)path;
	(void)arg;
	if (!sysrq_armed) {
		sysrq_armed = 1;
		return;
	}
	if ((n = uk_xs_read("control/sysrq", key, sizeof(key))) <= 0)
		return; /* our own clearing */
	(void)uk_xs_write("control/sysrq", "");
	printf("uk: sysrq '%c': state\n", key[0]);
	poll_dump();
	netfront_dump();
}

void
shutdown_init(void)
{
	int rc;

	/*
	 * Tell the toolstack we handle these (libxl created the nodes).
	 * Posted, all four: nothing here needs an answer before the app
	 * starts, and waited for one by one they were four round trips
	 * ahead of the NIC's handshake on every boot.  A request written
	 * to control/shutdown before the watch is set is still seen: a
	 * watch fires once as it is set.  Refusals are logged as their
	 * replies come.
	 */
	(void)uk_xs_post_write("control/feature-poweroff", "1", NULL);
	(void)uk_xs_post_write("control/feature-reboot", "1", NULL);
	if ((rc = xenstore_post_watch(&shutdown_watch, "control/shutdown",
		 shutdown_requested, NULL, NULL)) != 0)
		printf("uk: cannot watch control/shutdown (error %d)\n", rc);
	if ((rc = xenstore_post_watch(&sysrq_watch, "control/sysrq",
		 sysrq_requested, NULL, NULL)) != 0)
		printf("uk: cannot watch control/sysrq (error %d)\n", rc);
}

void
trap_fatal(struct trap_frame *f)
{
	static int in_trap;

	/* A fault while reporting one: give up without touching drivers. */
	if (in_trap++)
		xen_crash();
	trap_report(f);
	uk_shutdown(UK_CRASH);
}

void
uk_shutdown(enum uk_shutdown_reason reason)
{
	struct sched_shutdown s;

	console_flush(uk_now() + UK_SEC(1));
	switch (reason) {
	case UK_POWEROFF:
		s.reason = SHUTDOWN_poweroff;
		break;
	case UK_REBOOT:
		s.reason = SHUTDOWN_reboot;
		break;
	default:
		s.reason = SHUTDOWN_crash;
		break;
	}
	(void)xen_sched_op(SCHEDOP_shutdown, &s);
	/* Xen does not return from a shutdown that worked. */
	xen_crash();
}
