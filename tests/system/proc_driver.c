/* proc_driver.c -- drive vm.c over the process backend from stdin */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "jitsud.h"
#include "proc.h"
#include "log.h"

/*
 * Usage: proc_driver LOGDIR STATEDIR NAME RDATA [NAME RDATA ...]
 *
 * Each NAME RDATA pair is a binding, RDATA in the zone file's UNIKERNEL
 * syntax.  Commands, one a line on stdin:
 *   want NAME     a query for NAME   -> "answer NAME ok" | "answer NAME
 *                                       fail: WHY" once settled
 *   stop NAME     jitsuctl stop      -> "stop NAME ok" | "stop NAME fail: WHY"
 *   warm          build the warm bindings, paused
 *   adopt         take over the guests a previous driver left
 *   traffic NAME  -> "traffic NAME BYTES"
 *   veth NAME     -> "veth NAME IFNAME"
 *   quit          exit, leaving the guests running (so does EOF)
 * and every state change is printed as "state NAME STATE DOMID".
 */

#define DRIVER_MAX 16
#define POLL_MS	   5

struct driver {
	struct event_base *base;
	struct vms	  *vs;
	struct binding	   b[DRIVER_MAX];
	enum vm_state	   last[DRIVER_MAX];
	size_t		   nb;
	char		   line[4096];
	size_t		   len;
};

struct answer {
	struct vm_waiter w;
	char		 name[BINDING_NAME_MAX];
};

/* vm.c counts boots through metrics.c, which this driver leaves out. */
void
metrics_boot(struct metrics *m, uint64_t ms)
{
	(void)ms;
	m->boot.count++;
}

/* A binding's own boot histogram: counted, the buckets left out. */
void
metrics_hist_add(struct metrics_hist *h, uint64_t ms)
{
	h->count++;
	h->sum_ms += ms;
}

/* The per-phase histograms are metrics.c's: not this driver's concern. */
void
metrics_phase(struct metrics *m, enum tl_phase p, uint64_t ms)
{
	(void)m;
	(void)p;
	(void)ms;
}

static void
answered(void *arg, int ok, const char *why)
{
	struct answer *a = arg;

	if (ok)
		printf("answer %s ok\n", a->name);
	else
		printf("answer %s fail: %s\n", a->name, why ? why : "");
	free(a);
}

static void
cmd_want(struct driver *d, const char *name)
{
	struct vm     *v = vm_find(d->vs, name);
	struct answer *a;

	if (v == NULL || (a = calloc(1, sizeof(*a))) == NULL) {
		printf("answer %s fail: no such binding\n", name);
		return;
	}
	snprintf(a->name, sizeof(a->name), "%s", name);
	a->w.cb = answered;
	a->w.arg = a;
	switch (vm_want(d->vs, &v->b, &a->w)) {
	case VM_WANT_READY:
	case VM_WANT_STANDIN: /* none here: vms_standin is not called */
		answered(a, 1, NULL);
		break;
	case VM_WANT_FAIL:
		answered(a, 0, vm_rec_peek(v)->error);
		break;
	case VM_WANT_WAIT:
		break;
	}
}

static void
cmd_stop(struct driver *d, const char *name)
{
	char err[256];

	if (vm_stop(d->vs, name, err, sizeof(err)) == -1)
		printf("stop %s fail: %s\n", name, err);
	else
		printf("stop %s ok\n", name);
}

static void
cmd_info(struct driver *d, const char *cmd, const char *name)
{
	struct vm *v = vm_find(d->vs, name);
	char	   veth[PROC_IFNAME_MAX];

	if (strcmp(cmd, "veth") == 0) {
		proc_util_veth_name(name, veth);
		printf("veth %s %s\n", name, veth);
	} else if (v != NULL)
		printf("traffic %s %llu\n", name,
		    (unsigned long long)proc_backend.traffic(v));
	else
		printf("traffic %s none\n", name);
}

static void
command(struct driver *d, char *line)
{
	char *arg = strchr(line, ' ');

	if (arg != NULL)
		*arg++ = '\0';
	if (strcmp(line, "quit") == 0)
		event_base_loopbreak(d->base);
	else if (strcmp(line, "warm") == 0)
		vms_warm(d->vs);
	else if (strcmp(line, "adopt") == 0)
		proc_adopt(d->vs);
	else if (arg == NULL)
		printf("error: %s needs a name\n", line);
	else if (strcmp(line, "want") == 0)
		cmd_want(d, arg);
	else if (strcmp(line, "stop") == 0)
		cmd_stop(d, arg);
	else if (strcmp(line, "traffic") == 0 || strcmp(line, "veth") == 0)
		cmd_info(d, line, arg);
	else
		printf("error: unknown command %s\n", line);
}

static void
stdin_cb(int fd, short ev, void *arg)
{
	struct driver *d = arg;
	char	      *nl;
	ssize_t	       n;

	(void)ev;
	n = read(fd, d->line + d->len, sizeof(d->line) - 1 - d->len);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		event_base_loopbreak(d->base);
		return;
	}
	d->len += (size_t)n;
	d->line[d->len] = '\0';
	while ((nl = strchr(d->line, '\n')) != NULL) {
		*nl = '\0';
		command(d, d->line);
		d->len -= (size_t)(nl + 1 - d->line);
		memmove(d->line, nl + 1, d->len + 1);
	}
	if (d->len == sizeof(d->line) - 1)
		d->len = 0; /* an overlong line: dropped */
}

static void
poll_cb(int fd, short ev, void *arg)
{
	struct driver *d = arg;
	struct vm     *v;
	size_t	       i;

	(void)fd;
	(void)ev;
	for (i = 0; i < d->nb; i++) {
		if ((v = vm_find(d->vs, d->b[i].name)) == NULL ||
		    v->state == d->last[i])
			continue;
		d->last[i] = v->state;
		printf("state %s %s %d\n", v->b.name, vm_state_name(v->state),
		    v->domid);
	}
}

static void
setup(struct driver *d, int argc, char **argv)
{
	struct zone	 z;
	struct zone	*zp = &z;
	struct zone_set	 zs = { &zp, 1 };
	struct proc_conf pc;
	char		 err[BINDING_ERR_MAX];
	int		 i;

	for (i = 3; i + 1 < argc && d->nb < DRIVER_MAX; i += 2, d->nb++)
		if (binding_parse(&d->b[d->nb], argv[i], argv[i + 1], err,
			sizeof(err)) == -1)
			fatalx("%s: %s", argv[i], err);
	snprintf(pc.logdir, sizeof(pc.logdir), "%s", argv[1]);
	snprintf(pc.statedir, sizeof(pc.statedir), "%s", argv[2]);
	d->vs = vms_new(d->base, &proc_backend, NULL,
	    calloc(1, sizeof(struct metrics)));
	if (d->vs == NULL || d->vs->metrics == NULL)
		fatalx("out of memory");
	d->vs->grace_ms = 1000;
	if (proc_init(d->base, d->vs, &pc) == -1)
		fatalx("proc_init failed");
	memset(&z, 0, sizeof(z));
	z.bindings = d->b;
	z.nbindings = d->nb;
	vms_sync(d->vs, &zs, NULL);
}

int
main(int argc, char **argv)
{
	static struct driver d;
	struct event	    *in, *poll;
	struct timeval	     tv = { 0, POLL_MS * 1000 };
	struct metrics	    *m;

	if (argc < 5 || argc % 2 == 0) {
		fprintf(stderr,
		    "usage: proc_driver LOGDIR STATEDIR "
		    "NAME RDATA ...\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	log_init("proc_driver", 1, 1);
	if ((d.base = event_base_new()) == NULL)
		fatalx("event_base_new");
	setup(&d, argc, argv);
	fcntl(0, F_SETFL, O_NONBLOCK);
	in = event_new(d.base, 0, EV_READ | EV_PERSIST, stdin_cb, &d);
	poll = event_new(d.base, -1, EV_PERSIST, poll_cb, &d);
	if (in == NULL || poll == NULL || event_add(in, NULL) == -1 ||
	    event_add(poll, &tv) == -1)
		fatalx("event_new");
	event_base_dispatch(d.base);
	event_free(in);
	event_free(poll);
	proc_end(d.vs);
	m = d.vs->metrics;
	vms_free(d.vs);
	free(m);
	event_base_free(d.base);
	printf("bye\n");
	return 0;
}
