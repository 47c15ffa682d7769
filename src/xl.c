/* xl.c -- the Xen backend's main-thread side: vm_backend ops as commands */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "jitsud.h"
#include "log.h"
#include "synjitsu.h"
#include "xl.h"

/*
 * vm.c's calls into the Xen backend become commands for the builder
 * threads (xlb.c), and their reports become vm_backend_* and
 * handover_* calls here, in the main thread.  Nothing here waits: a
 * command is queued and the call returns.  A report names its struct
 * vm, which is checked to be still registered before it is touched (its
 * binding may have gone while the builder worked).
 *
 * Routing.  A create, a restore or an adoption goes to the least busy
 * builder (xl_pick), which from then on owns that domain: v->builder.
 * Every later command for the VM goes to its owner, because all of the
 * domain's state lives there: the libxl context whose death watch will
 * see it die or shut down (a domain's events come to the context that
 * watches it, so each is seen exactly once), the destroy or suspend
 * that must follow a build still under way, its readiness watch and its
 * hand-over folder in XenStore.  A VM changes owner only between
 * domains, when it has none (vm.c builds from stopped or suspended
 * only); the old owner is then told to forget it.  The list of running
 * domains at start-up is asked of builder 1; SIGCHLD goes to every
 * builder, as each libxl context reaps only its own children.
 */

struct xl_builder {
	struct chan *cmds;     /* handled by that builder */
	unsigned     building; /* its creates and restores not yet over */
};

struct xl {
	struct vms	 *vs;
	struct chan	 *reps; /* handled here */
	struct event	 *sigchld;
	struct xl_builder b[CONF_BUILDERS_MAX];
	int		  nb;
	int		  last;	     /* the builder picked last, 0..nb-1 */
	int		  shells;    /* conf's, read at start */
	uint32_t	  shell_mib; /* conf's, read at start */
	int		  shell_vif; /* conf's: CONF_SHELL_VIF_* */
};

/* There is one Xen backend per process. */
static struct xl *xl_env;

/* One per online CPU by default: more would only take turns. */
#define XL_BUILDERS_DEFAULT_MAX 4

int
xl_builders(const struct conf *c)
{
	long n;

	if (c->builders > 0)
		return c->builders;
	n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1)
		return 1;
	return n < XL_BUILDERS_DEFAULT_MAX ? (int)n : XL_BUILDERS_DEFAULT_MAX;
}

/* The main thread's side: vm.c's backend calls become commands. */

static struct xl_cmd *
xl_cmd_new(struct vm *v, enum xl_op op)
{
	struct xl_cmd *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->op = op;
	c->v = v;
	/* Its own copy: the builder reads it while a reload frees v's. */
	if (v != NULL && binding_copy(&c->b, &v->b) == -1) {
		free(c);
		return NULL;
	}
	return c;
}

void
xl_cmd_free(void *msg)
{
	struct xl_cmd *c = msg;

	binding_clear(&c->b);
	free(c->recs);
	free(c);
}

/* The index of v's owner; builder 1's when it has none yet. */
static int
xl_owner(const struct vm *v)
{
	if (v == NULL || v->builder < 1 || v->builder > xl_env->nb)
		return 0;
	return v->builder - 1;
}

/* c is the builder's once sent, and freed here if it cannot be. */
static int
xl_send_to(int i, struct xl_cmd *c)
{
	if (chan_send(xl_env->b[i].cmds, c) == -1) {
		xl_cmd_free(c);
		return -1;
	}
	return 0;
}

static int
xl_send(struct vm *v, enum xl_op op, int paused)
{
	struct xl_cmd *c;

	if ((c = xl_cmd_new(v, op)) == NULL)
		return -1;
	c->paused = paused;
	return xl_send_to(xl_owner(v), c);
}

/*
 * The least busy builder: the fewest builds in flight; of equals, the
 * first after the one picked last, so idle builders take turns (and
 * domains adopted at start-up spread over them all).
 */
static int
xl_pick(struct xl *xl)
{
	int i, k, best = -1;

	for (k = 1; k <= xl->nb; k++) {
		i = (xl->last + k) % xl->nb;
		if (best == -1 || xl->b[i].building < xl->b[best].building)
			best = i;
	}
	xl->last = best;
	return best;
}

/* A new domain for v: it goes to the least busy builder. */
static int
xl_route(struct vm *v)
{
	struct xl *xl = xl_env;
	int	   i = xl_pick(xl), old = xl_owner(v);

	if (v->builder != 0 && old != i)
		xl_send(v, XL_FORGET, 0);
	v->builder = i + 1;
	return i;
}

static int
xl_build(struct vm *v, enum xl_op op, int paused)
{
	struct xl_cmd *c;
	unsigned       all = 0;
	int	       i, j;

	if ((c = xl_cmd_new(v, op)) == NULL)
		return -1;
	c->paused = paused;
	i = xl_route(v);
	xl_env->b[i].building++;
	for (j = 0; j < xl_env->nb; j++)
		all += xl_env->b[j].building;
	log_info("%s: builder %d builds it (%u build(s) in flight there, %u "
		 "in all)",
	    v->b.name, i + 1, xl_env->b[i].building, all);
	if (xl_send_to(i, c) == -1) {
		xl_env->b[i].building--;
		return -1;
	}
	return 0;
}

/* A builder watches an adopted domain by its domid: it owns it. */
static void
xl_attach(struct vm *v, int domid)
{
	struct xl_cmd *c;

	if ((c = xl_cmd_new(v, XL_ATTACH)) == NULL)
		fatalx("xl: out of memory");
	c->domid = domid;
	if (xl_send_to(xl_route(v), c) == -1)
		fatalx("xl: cannot reach the builder");
}

/*
 * Synjitsu's XenStore transport, main-thread half (handover.c calls it;
 * xlh.c does the XenStore work in the builder): the records go as lines
 * for the builder to write; close removes what the guest did not take.
 */
static int
xl_ho_send(void *ctx, const struct synrec *recs, size_t n)
{
	struct vm     *v = ctx;
	struct xl_cmd *c;
	size_t	       i, off = 0;
	int	       len;

	if ((c = xl_cmd_new(v, XL_HANDOVER)) == NULL)
		return -1;
	if ((c->recs = malloc(n * SYNREC_LINE_MAX + 1)) == NULL) {
		xl_cmd_free(c);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if ((len = synrec_encode(&recs[i], c->recs + off,
			 SYNREC_LINE_MAX)) < 0) {
			log_warnx("%s: synjitsu: record %zu refused by the "
				  "encoder",
			    v->b.name, i);
			continue;
		}
		off += (size_t)len;
		c->recs[off++] = '\n';
		c->nrecs++;
	}
	c->recs[off] = '\0';
	return xl_send_to(xl_owner(v), c);
}

static void
xl_ho_close(void *ctx, const char *why)
{
	(void)why;
	xl_send(ctx, XL_HANDOVER_END, 0);
}

/* netback's name for the guest's first vif, whoever plugged it. */
static int
xl_ho_ifname(void *ctx, char *buf, size_t len)
{
	struct vm *v = ctx;

	return v->domid < 0 ? -1 : xlv_ifname((uint32_t)v->domid, buf, len);
}

static const struct handover_transport xl_transport = {
	.name = "xenstore",
	.holds = 0, /* a unikernel has no stack to answer until it asks */
	.send = xl_ho_send,
	.close = xl_ho_close,
	.ifname = xl_ho_ifname,
};

/* The builder makes data/synjitsu before a fresh build first runs. */
static int
xl_create(struct vm *v, int paused)
{
	if (v->b.synjitsu && !paused)
		handover_attach(&v->ho, &xl_transport, v);
	return xl_build(v, XL_CREATE, paused);
}

static int
xl_restore(struct vm *v)
{
	return xl_build(v, XL_RESTORE, 0);
}

static int
xl_destroy(struct vm *v)
{
	return xl_send(v, XL_DESTROY, 0);
}

static int
xl_shutdown(struct vm *v)
{
	return xl_send(v, XL_SHUTDOWN, 0);
}

static int
xl_suspend(struct vm *v)
{
	return xl_send(v, XL_SUSPEND, 0);
}

static int
xl_pause(struct vm *v)
{
	return xl_send(v, XL_PAUSE, 0);
}

static int
xl_unpause(struct vm *v)
{
	return xl_send(v, XL_UNPAUSE, 0);
}

/*
 * Readiness: the guest writes data/status = "ready" in its own XenStore
 * area (watched by the builder thread, never polled), or its TCP port
 * answers from dom0 (vm.c's probe, from the main thread).
 */
static int
xl_watch_ready(struct vm *v)
{
	if (v->domid < 0)
		return -1;
	if (v->b.ready == BINDING_READY_TCP)
		return vm_probe_start(v);
	return xl_send(v, XL_WATCH, 0);
}

static void
xl_forget(struct vm *v)
{
	xl_send(v, XL_FORGET, 0);
}

/*
 * Bytes the guest sent through its vif (the backend's rx): the idle
 * check's second witness.  Only that way: what the bridge floods to every
 * port (ARP for other hosts, IPv6 multicast) would otherwise keep every
 * guest awake, while a guest busy on a connection, whichever way the
 * data flows, always sends something (data or ACKs).
 */
static uint64_t
xl_traffic(struct vm *v)
{
	char		   path[128];
	unsigned long long n, sum = 0;
	FILE		  *fp;

	if (v->domid < 0)
		return 0;
	snprintf(path, sizeof(path),
	    "/sys/class/net/vif%d.0/statistics/rx_bytes", v->domid);
	if ((fp = fopen(path, "r")) != NULL) {
		if (fscanf(fp, "%llu", &n) == 1)
			sum = n;
		fclose(fp);
	}
	return sum;
}

const struct vm_backend xl_backend = {
	.name = "xen",
	.build_first = 1, /* the builder thread makes data/synjitsu */
	.create = xl_create,
	.restore = xl_restore,
	.watch_ready = xl_watch_ready,
	.unpause = xl_unpause,
	.pause = xl_pause,
	.shutdown = xl_shutdown,
	.suspend = xl_suspend,
	.destroy = xl_destroy,
	.forget = xl_forget,
	.traffic = xl_traffic,
};

static int
xl_vm_live(struct vms *vs, const struct vm *v)
{
	const struct vm *w;

	TAILQ_FOREACH(w, &vs->all, entry)
		if (w == v)
			return 1;
	return 0;
}

/* A report from the builder, in the main thread. */
static void
xl_reported(void *msg, void *arg)
{
	struct xl_rep *r = msg;
	struct xl     *xl = arg;
	struct vm     *v;

	/* Counted even when the VM is gone: the builder's work is over. */
	if (r->build_over && r->builder >= 1 && r->builder <= xl->nb &&
	    xl->b[r->builder - 1].building > 0)
		xl->b[r->builder - 1].building--;
	if (r->kind == XL_REP_DOMAIN) {
		/* After a restart: adopt the domains named like a binding. */
		if ((v = vm_find(xl->vs, r->name)) != NULL &&
		    v->state == VM_STOPPED) {
			xl_attach(v, r->domid);
			vm_backend_adopted(xl->vs, r->name, r->domid);
		}
		free(r);
		return;
	}
	if (!xl_vm_live(xl->vs, r->v)) {
		free(r); /* its binding went away meanwhile */
		return;
	}
	v = r->v;
	switch (r->kind) {
	case XL_REP_READY:
		vm_backend_ready(v); /* ignored unless it is booting */
		break;
	case XL_REP_SYNREADY:
		handover_asked(&v->ho);
		break;
	case XL_REP_ADOPTED:
		handover_adopted(&v->ho, r->domid);
		break;
	case XL_REP_PHASE:
		vm_backend_phase(v, r->phase, r->ms);
		break;
	case XL_REP_BUILT:
		if (r->ok)
			v->domid = r->domid;
		vm_backend_built(v, r->ok, r->has_why ? r->why : NULL);
		break;
	case XL_REP_GONE:
		v->domid = -1;
		vm_backend_gone(v, r->has_why ? r->why : NULL);
		break;
	case XL_REP_DOMAIN:
		break;
	}
	free(r);
}

/* Each libxl context reaps only its own children: every builder looks. */
static void
xl_sigchld(int sig, short what, void *arg)
{
	struct xl     *xl = arg;
	struct xl_cmd *c;
	int	       i;

	(void)sig;
	(void)what;
	for (i = 0; i < xl->nb; i++)
		if ((c = xl_cmd_new(NULL, XL_SIGCHLD)) == NULL ||
		    xl_send_to(i, c) == -1)
			log_warnx("xl: SIGCHLD not passed to builder %d",
			    i + 1);
}

void
xl_on_fill(void (*fn)(void *, uint32_t), void *arg)
{
	xls_on_fill(fn, arg);
}

/* Every builder keeps shells for the shapes these zones use (xlp.c). */
void
xl_pool(const struct zone_set *zs)
{
	struct xl     *xl = xl_env;
	struct xl_cmd *c;
	int	       i;

	if (xl == NULL || xl->shells == 0)
		return;
	for (i = 0; i < xl->nb; i++) {
		if ((c = calloc(1, sizeof(*c))) == NULL)
			fatalx("xl: out of memory");
		c->op = XL_POOL;
		c->nshapes = xlp_shapes(zs, xl->shells, xl->shell_mib,
		    xl->shell_vif == CONF_SHELL_VIF_AHEAD, c->shapes);
		if (xl_send_to(i, c) == -1)
			log_warnx("xl: builder %d not told its shells", i + 1);
	}
}

void
xl_adopt(struct vms *vs)
{
	(void)vs;
	xl_send(NULL, XL_LIST, 0);
}

/* Builder 1 must start (else this is no dom0); the others may not. */
static int
xl_start_builders(struct xl *xl, const struct conf *c)
{
	int i, n = xl_builders(c);

	for (i = 0; i < n; i++) {
		if ((xl->b[i].cmds = xlb_start(i + 1, xl->reps, c)) == NULL)
			break;
		xl->nb++;
	}
	if (xl->nb > 0 && xl->nb < n)
		log_warnx("xl: %d builder(s) of %d started", xl->nb, n);
	return xl->nb > 0 ? 0 : -1;
}

int
xl_init(struct event_base *base, struct vms *vs, const struct conf *c)
{
	struct xl *xl;

	if ((xl = calloc(1, sizeof(*xl))) == NULL)
		return -1;
	xl->vs = vs;
	xl->last = -1;
	xl->shells = c->vif_plug == CONF_VIF_INLINE ? c->shells : 0;
	xl->shell_mib = c->shell_mib;
	xl->shell_vif = c->shell_vif;
	if ((xl->reps = chan_new(base, xl_reported, xl)) == NULL)
		fatalx("xl: channels");
	if (xl_start_builders(xl, c) == -1) {
		chan_free(xl->reps, free);
		free(xl);
		return -1;
	}
	xl_env = xl;
	vs->builders = xl->nb;
	log_info("xen: %d builder thread(s), each with its libxl context",
	    xl->nb);
	if ((xl->sigchld = evsignal_new(base, SIGCHLD, xl_sigchld, xl)) ==
		NULL ||
	    event_add(xl->sigchld, NULL) == -1)
		fatalx("xl: SIGCHLD event");
	return 0;
}

void
xl_fini(void)
{
	struct xl *xl = xl_env;

	if (xl == NULL)
		return;
	xlb_stop();
	event_free(xl->sigchld);
	chan_free(xl->reps, free);
	xl->vs->builders = 0;
	free(xl);
	xl_env = NULL;
}
