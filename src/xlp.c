/* xlp.c -- a builder's pool of domain shells (xls.c), made ahead */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "jitsud.h"
#include "log.h"
#include "xl.h"

/*
 * Each builder keeps `shells' shells ready for each shape the zones
 * use (LightVM's pool), so that a summon only fills one (xls.c: the
 * kernel loaded, the name and the console written) and unpauses it:
 * the domctl, the paging pool, the CPUID policy and most of the
 * XenStore folders are done before the query comes.  A shape is what
 * a shell fixes when it is made: the memory and the CPUID policy.
 *
 * The pool belongs to the builder's thread, like everything a builder
 * owns; no other thread touches it.  A shell taken is made again once
 * the builder has had no summon for XLP_QUIET_MS, one shell per turn of
 * its loop, so that commands waiting for the builder go first.  Making
 * a shell costs dom0 and Xen the CPU that the guests just summoned need
 * to boot (in the bench, eight summons at once interleaved with eight
 * refills: the later fills waited for the builder behind them, and the
 * boots shared the CPUs with them), so a burst is served from the pool
 * and the pool is made again after it.  A shell waiting holds its
 * paging pool and, with `shell-ram populated' (the default), its RAM:
 * the zones' shapes are taken smallest first while they fit in
 * `shell-memory' (per builder), so that the pool never holds more than
 * the operator meant, and the rest are built by libxl as before.
 * Shells left by a jitsud that died are destroyed when the pool is
 * first told what it wants; ours go when the builder stops (the guests
 * they became run on).
 */

#define XLP_RETRY_MS 10000 /* after a shell could not be made */
#define XLP_QUIET_MS 1000  /* after a summon, before a shell is made */

struct xlp_slot {
	struct xlp_shape shape;
	struct xls_shell ready[CONF_SHELLS_MAX];
	int		 n;
};

struct xlp {
	struct xls	  *xls;
	struct store	  *store;
	struct event_base *base;
	struct event	  *refill;
	int		   builder; /* its id, for the log */
	int		   per_shape;
	int		   vif_ahead;	/* conf's shell-vif connected */
	int		   ram_ahead;	/* conf's shell-ram populated */
	int		   store_ahead; /* conf's shell-store introduced */
	int		   reaped;
	int		   failing; /* the last make failed */
	struct xlp_slot	   slot[XLP_SHAPES_MAX];
	size_t		   nslots;
};

/* The CPUID policies a shell can be made with (xls.c applies them). */
static int
xlp_cpuid_flags(const char *spec, int *flags)
{
	if (spec[0] == '\0' || strcmp(spec, "host") == 0)
		*flags = 0;
	else if (strcmp(spec, "host,rdtscp=0") == 0)
		*flags = XLS_NO_RDTSCP;
	else
		return -1;
	return 0;
}

int
xlp_shape_of(const struct binding *b, struct xlp_shape *s)
{
	memset(s, 0, sizeof(*s));
	/*
	 * What a shell cannot be: a PV guest, a ramdisk (xls.c loads a
	 * kernel only), more than one vcpu, a CPUID policy it does not
	 * know; nor a guest libxl must know about later: one that is
	 * suspended (libxl saves from its own record of the domain) or
	 * built paused ahead of time (warm: it is built before any query).
	 */
	if (b->type != BINDING_TYPE_PVH || b->ramdisk != NULL ||
	    b->vcpus != 1 || b->stop == BINDING_STOP_SUSPEND || b->warm ||
	    b->memory_kb == 0 || b->memory_kb % 1024 != 0 ||
	    xlp_cpuid_flags(binding_s(b->cpuid), &s->flags) == -1)
		return -1;
	s->mem_mib = (uint32_t)(b->memory_kb / 1024);
	/* Only a kernel that says it adopts one (image.c). */
	s->vif_ahead = b->vif_adopt;
	return 0;
}

static int
xlp_same(const struct xlp_shape *a, const struct xlp_shape *b)
{
	return a->mem_mib == b->mem_mib && a->flags == b->flags &&
	    a->vif_ahead == b->vif_ahead;
}

static int
xlp_cmp(const void *a, const void *b)
{
	const struct xlp_shape *x = a, *y = b;

	if (x->mem_mib != y->mem_mib)
		return x->mem_mib < y->mem_mib ? -1 : 1;
	if (x->flags != y->flags)
		return x->flags - y->flags;
	return x->vif_ahead - y->vif_ahead;
}

size_t
xlp_shapes(const struct zone_set *zs, int per_shape, uint32_t max_mib,
    int vif_ahead, struct xlp_shape *out)
{
	struct xlp_shape all[XLP_SHAPES_MAX * 4], s;
	size_t		 n = 0, i, j, k, kept = 0;
	uint64_t	 sum = 0;

	if (per_shape <= 0)
		return 0;
	for (i = 0; zs != NULL && i < zs->nzones; i++)
		for (j = 0; j < zs->zones[i]->nbindings; j++) {
			if (xlp_shape_of(&zs->zones[i]->bindings[j], &s) == -1)
				continue;
			s.vif_ahead = s.vif_ahead && vif_ahead;
			for (k = 0; k < n && !xlp_same(&all[k], &s); k++)
				;
			if (k == n && n < sizeof(all) / sizeof(all[0]))
				all[n++] = s;
		}
	qsort(all, n, sizeof(all[0]), xlp_cmp);
	/* The smallest first, while they fit: a pool of small unikernels
	 * is what shells are for. */
	for (i = 0; i < n && kept < XLP_SHAPES_MAX; i++) {
		if (sum + (uint64_t)all[i].mem_mib * (uint64_t)per_shape >
		    max_mib)
			break;
		sum += (uint64_t)all[i].mem_mib * (uint64_t)per_shape;
		out[kept++] = all[i];
	}
	return kept;
}

/*
 * A shell is made with its vif (xlv.c: its folders, all but what names
 * a binding), so that netback has made vifD.0 long before a summon:
 * the summon writes a few keys instead of two folders (their
 * transaction was 100-200 ms of a nested summon), and always plugs the
 * vif before the guest runs, so its carrier can never come first.  With
 * ahead, the vif is connected too (xls_vif_ahead): netback's connect
 * and the guest's handshake are done before the summon.  A shell made
 * on a summon's path (xlp_make_now) is not: the connect would be on
 * the path all the same, and the guest's netfront does it as well.
 * With ram_ahead its RAM is populated too (xls.c), so that a fill only
 * loads the kernel, and with store_ahead xenstored is told of it (xls.c
 * says why); neither on a summon's path, for the same reason.
 */
static int
xlp_make(struct xlp *p, const struct xlp_shape *s, int ahead, int ram_ahead,
    int store_ahead, struct xls_shell *out, char *err, size_t errlen)
{
	if (xls_shell_make(p->xls, p->store, s->mem_mib,
		s->flags | (ram_ahead ? XLS_RAM_AHEAD : 0) |
		    (store_ahead ? XLS_STORE_AHEAD : 0),
		out, err, errlen) == -1)
		return -1;
	if (ahead && xls_vif_ahead(p->xls, out, err, errlen) == -1) {
		xls_destroy(p->xls, p->store, out->domid);
		return -1;
	}
	if (xlv_premake(p->store, out->domid, ahead ? &out->ahead : NULL) ==
	    -1) {
		snprintf(err, errlen, "shell %u: cannot make its vif's folders",
		    out->domid);
		xls_destroy(p->xls, p->store, out->domid);
		xlv_remove(p->store, p->base, out->domid);
		return -1;
	}
	out->vif = ahead ? XLV_AHEAD : XLV_PREMADE;
	return 0;
}

/* A shell that never ran goes, and its vif with it. */
static void
xlp_destroy(struct xlp *p, uint32_t domid)
{
	xls_destroy(p->xls, p->store, domid);
	xlv_remove(p->store, p->base, domid);
}

static void
xlp_arm(struct xlp *p, uint64_t ms)
{
	struct timeval tv = { .tv_sec = (time_t)(ms / 1000),
		.tv_usec = (suseconds_t)(ms % 1000) * 1000 };

	if (!evtimer_pending(p->refill, NULL))
		evtimer_add(p->refill, &tv);
}

/* One shell made for the first slot short of one; again if more. */
static void
xlp_refill(int fd, short what, void *arg)
{
	struct xlp	*p = arg;
	struct xlp_slot *sl;
	char		 err[160];
	size_t		 i;

	(void)fd;
	(void)what;
	for (i = 0; i < p->nslots; i++)
		if (p->slot[i].n < p->per_shape)
			break;
	if (i == p->nslots)
		return;
	sl = &p->slot[i];
	if (xlp_make(p, &sl->shape, sl->shape.vif_ahead, p->ram_ahead,
		p->store_ahead, &sl->ready[sl->n], err, sizeof(err)) == -1) {
		/* Said once per failing spell; summons go to libxl. */
		if (!p->failing)
			log_warnx("builder %d: cannot make a shell of %u MiB: "
				  "%s; trying again every %d s",
			    p->builder, sl->shape.mem_mib, err,
			    XLP_RETRY_MS / 1000);
		p->failing = 1;
		xlp_arm(p, XLP_RETRY_MS);
		return;
	}
	if (p->failing)
		log_info("builder %d: shells can be made again", p->builder);
	p->failing = 0;
	log_debug("builder %d: shell %u of %u MiB ready%s%s", p->builder,
	    sl->ready[sl->n].domid, sl->shape.mem_mib,
	    sl->ready[sl->n].ram_ahead ? ", its RAM populated" : "",
	    sl->shape.vif_ahead ? ", its vif connecting" : "");
	sl->n++;
	xlp_arm(p, 0);
}

struct xlp *
xlp_open(struct event_base *base, struct store *st, int builder, int per_shape,
    int vif_ahead, int ram_ahead, int store_ahead)
{
	struct xlp *p;

	if (per_shape <= 0 || st == NULL)
		return NULL;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->store = st;
	p->base = base;
	p->builder = builder;
	p->vif_ahead = vif_ahead;
	p->ram_ahead = ram_ahead;
	p->store_ahead = store_ahead;
	p->per_shape = per_shape > CONF_SHELLS_MAX ? CONF_SHELLS_MAX :
						     per_shape;
	if ((p->xls = xls_open()) == NULL ||
	    (p->refill = evtimer_new(base, xlp_refill, p)) == NULL ||
	    event_priority_set(p->refill,
		event_base_get_npriorities(base) - 1) == -1) {
		if (p->refill != NULL)
			event_free(p->refill);
		xls_close(p->xls);
		free(p);
		return NULL;
	}
	return p;
}

static void
xlp_reap_one(uint32_t domid, const char *name, int shutdown, void *arg)
{
	struct xlp *p = arg;

	(void)shutdown;
	if (!xls_shell_stale(name, (uint32_t)getpid()))
		return;
	log_info("builder %d: destroying %s, a shell left by an earlier "
		 "jitsud",
	    p->builder, name);
	xlp_destroy(p, domid);
}

/* Every shell of a slot goes (it is no longer wanted, or we stop). */
static void
xlp_drain(struct xlp *p, struct xlp_slot *sl)
{
	while (sl->n > 0)
		xlp_destroy(p, sl->ready[--sl->n].domid);
}

/* The slot of shape s (the pool's shapes are distinct), or NULL. */
static struct xlp_slot *
xlp_slot_of(struct xlp *p, const struct xlp_shape *s)
{
	struct xlp_shape want = *s;
	size_t		 i;

	want.vif_ahead &= p->vif_ahead;
	for (i = 0; i < p->nslots; i++)
		if (xlp_same(&p->slot[i].shape, &want))
			return &p->slot[i];
	return NULL;
}

void
xlp_want(struct xlp *p, const struct xlp_shape *s, size_t n)
{
	struct xlp_slot old[XLP_SHAPES_MAX];
	size_t		i, j, nold = p->nslots;

	/* One builder reaps: two would race to destroy the same shells. */
	if (!p->reaped && p->builder == 1)
		xld_each_domain(xlp_reap_one, p);
	p->reaped = 1;
	memcpy(old, p->slot, sizeof(old));
	memset(p->slot, 0, sizeof(p->slot));
	p->nslots = 0;
	for (i = 0; i < n && i < XLP_SHAPES_MAX; i++) {
		struct xlp_shape want = s[i];

		want.vif_ahead &= p->vif_ahead;
		/* Two that differ only in what this pool does not do. */
		if (xlp_slot_of(p, &want) != NULL)
			continue;
		p->slot[p->nslots].shape = want;
		/* A shape still wanted keeps its shells. */
		for (j = 0; j < nold; j++)
			if (old[j].n > 0 && xlp_same(&old[j].shape, &want)) {
				p->slot[p->nslots] = old[j];
				old[j].n = 0;
				break;
			}
		p->nslots++;
	}
	for (j = 0; j < nold; j++)
		xlp_drain(p, &old[j]);
	if (p->nslots > 0)
		log_info(
		    "builder %d: keeping %d shell(s) ready for each of %zu "
		    "shape(s)",
		    p->builder, p->per_shape, p->nslots);
	xlp_arm(p, 0);
}

void
xlp_busy(struct xlp *p)
{
	if (p == NULL)
		return;
	/* The next shell waits for XLP_QUIET_MS from now, not before. */
	evtimer_del(p->refill);
	xlp_arm(p, XLP_QUIET_MS);
}

int
xlp_take(struct xlp *p, const struct xlp_shape *s, struct xls_shell *out)
{
	struct xlp_slot *sl;

	if (p == NULL)
		return -1;
	xlp_busy(p);
	if ((sl = xlp_slot_of(p, s)) == NULL || sl->n == 0)
		return -1;
	/*
	 * The oldest: a connected vif's carrier came while it was down,
	 * which the kernel's link watcher takes up to a second to note
	 * (xlv.c); a shell made just before would have its bridge port
	 * wait for it.
	 */
	*out = sl->ready[0];
	memmove(&sl->ready[0], &sl->ready[1],
	    (size_t)(sl->n - 1) * sizeof(sl->ready[0]));
	sl->n--;
	return 0;
}

int
xlp_make_now(struct xlp *p, const struct xlp_shape *s, struct xls_shell *out,
    char *err, size_t errlen)
{
	if (p == NULL)
		return -1;
	if (xlp_slot_of(p, s) == NULL) {
		snprintf(err, errlen, "no shell of %u MiB is kept", s->mem_mib);
		return -1;
	}
	return xlp_make(p, s, 0, 0, 0, out, err, errlen);
}

struct xls *
xlp_xls(struct xlp *p)
{
	return p->xls;
}

void
xlp_close(struct xlp *p)
{
	size_t i;

	if (p == NULL)
		return;
	event_free(p->refill);
	for (i = 0; i < p->nslots; i++)
		xlp_drain(p, &p->slot[i]);
	xls_close(p->xls);
	free(p);
}
