/* brokers.c -- conduit's XenStore thread: watches, reads, transactions */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "broker.h"
#include "log.h"
#include "xl.h"

/*
 * The thread watches, on a XenStore connection of its own:
 *	@introduceDomain	a domain came: watch its data/conduit
 *	@releaseDomain		one went: which (xenstored no longer knows
 *				it), and stop watching it
 *	/local/domain/D/data/conduit	each domain's requests
 *	/jitsu/conduit/chan	the servers' rings
 * and reports what it read.  Every value read here is a guest's and is
 * only copied and cut to size: conduit.c judges it.
 */

/* The domains watched: an array kept sorted by domid. */
struct brokers_dom {
	unsigned	    domid;
	int		    seen; /* introduced to xenstored when last asked */
	struct store_watch *w;
	struct brokers	   *bs;
};

struct brokers {
	pthread_t	     thread;
	struct event_base   *base;
	struct store	    *st;
	struct chan	    *cmds; /* handled here */
	struct chan	    *reps; /* handled in the main thread */
	struct store_watch  *intro, *release, *chans;
	struct event	    *scan; /* brokers_introduced's */
	struct event	    *reap; /* brokers_released's */
	struct brokers_dom **doms;
	size_t		     ndoms, cap;
};

static void
brokers_report(struct brokers *bs, struct broker_rep *r)
{
	if (chan_send(bs->reps, r) == -1) {
		log_warnx(
		    "conduit: the main thread's channel refused a report");
		broker_rep_free(r);
	}
}

static struct broker_rep *
brokers_rep(enum broker_rep_kind kind, unsigned domid)
{
	struct broker_rep *r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		fatalx("conduit: out of memory");
	r->kind = kind;
	r->domid = domid;
	return r;
}

/* Read request `path' into *q (its id already there). */
static void
brokers_read_req(struct brokers *bs, const char *path, struct broker_req *q)
{
	ssize_t n;

	n = store_get(bs->st, path, q->value, sizeof(q->value));
	q->present = n >= 0;
	q->len = n < 0			 ? 0 :
	    (size_t)n > BROKER_VALUE_MAX ? BROKER_VALUE_MAX :
					   (size_t)n;
}

/* A decimal domain id of a domU, or 0. */
static unsigned
brokers_domid(const char *s)
{
	char	     *end;
	unsigned long v;

	if (s[0] < '1' || s[0] > '9')
		return 0;
	v = strtoul(s, &end, 10);
	if (*end != '\0' || v > CONDUIT_DOMID_MAX)
		return 0;
	return (unsigned)v;
}

/* --- one domain's requests -------------------------------------------- */

static int
brokers_listed(char **v, unsigned n, const char *s)
{
	unsigned i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return 1;
	return 0;
}

/*
 * The folder itself changed (made, removed, or the watch's first
 * event): list it and the domain's replies; read the requests with no
 * reply yet, which may be new to jitsud.
 */
static void
brokers_dir(struct brokers *bs, unsigned domid)
{
	struct broker_rep *r = brokers_rep(BROKER_R_DIR, domid);
	char		   path[STORE_PATH_MAX], **ids, **reps;
	unsigned	   nids = 0, nreps = 0, i;

	snprintf(path, sizeof(path), "/local/domain/%u/data/conduit", domid);
	if ((ids = store_list(bs->st, path, &nids)) == NULL)
		nids = 0;
	snprintf(path, sizeof(path), CONDUIT_ROOT "/dom/%u/reply", domid);
	if ((reps = store_list(bs->st, path, &nreps)) == NULL)
		nreps = 0;
	if ((nids > 0 && (r->ids = calloc(nids, sizeof(*r->ids))) == NULL) ||
	    (nreps > 0 &&
		(r->replies = calloc(nreps, sizeof(*r->replies))) == NULL))
		fatalx("conduit: out of memory");
	for (i = 0; i < nids; i++) {
		struct broker_req *q = &r->ids[r->nids];

		if (!conduit_id_valid(ids[i], strlen(ids[i])))
			continue; /* conduit.c would ignore it too */
		memcpy(q->id, ids[i], strlen(ids[i]) + 1);
		r->nids++;
		if (brokers_listed(reps, nreps, ids[i]))
			continue;
		snprintf(path, sizeof(path), "/local/domain/%u/data/conduit/%s",
		    domid, ids[i]);
		brokers_read_req(bs, path, q);
	}
	for (i = 0; i < nreps; i++)
		if (conduit_id_valid(reps[i], strlen(reps[i])))
			memcpy(r->replies[r->nreplies++], reps[i],
			    strlen(reps[i]) + 1);
	free(ids);
	free(reps);
	brokers_report(bs, r);
}

static void
brokers_request(struct brokers *bs, const char *path,
    const struct conduit_path *cp)
{
	struct broker_rep *r = brokers_rep(BROKER_R_REQUEST, cp->domid);

	memcpy(r->req.id, cp->id, sizeof(r->req.id));
	brokers_read_req(bs, path, &r->req);
	brokers_report(bs, r);
}

static void
brokers_chan(struct brokers *bs, uint32_t chan)
{
	struct broker_rep *r = brokers_rep(BROKER_R_CHAN, 0);
	char		   path[STORE_PATH_MAX];

	r->chan = chan;
	snprintf(path, sizeof(path), CONDUIT_ROOT "/chan/%u", chan);
	r->exists = store_get(bs->st, path, NULL, 0) >= 0;
	snprintf(path, sizeof(path), CONDUIT_ROOT "/chan/%u/ring-ref", chan);
	r->ring_ref = store_get(bs->st, path, NULL, 0) >= 0;
	snprintf(path, sizeof(path), CONDUIT_ROOT "/chan/%u/event-channel",
	    chan);
	r->evtchn = store_get(bs->st, path, NULL, 0) >= 0;
	brokers_report(bs, r);
}

/* A watch event under a domain's data/conduit or the channels. */
static void
brokers_event(const char *path, void *arg)
{
	struct brokers	   *bs = arg;
	struct conduit_path cp;

	switch (conduit_parse_path(path, strlen(path), &cp)) {
	case CONDUIT_PATH_REQDIR:
		brokers_dir(bs, cp.domid);
		break;
	case CONDUIT_PATH_REQUEST:
		brokers_request(bs, path, &cp);
		break;
	case CONDUIT_PATH_BADID:
		log_warnx("conduit: domain %u: request %s has no valid id; "
			  "ignored",
		    cp.domid, path);
		break;
	case CONDUIT_PATH_CHAN:
		brokers_chan(bs, cp.chan);
		break;
	case CONDUIT_PATH_OTHER:
		break;
	}
}

static void
brokers_dom_event(const char *path, void *arg)
{
	struct brokers_dom *d = arg;

	brokers_event(path, d->bs);
}

/* --- the domains ------------------------------------------------------- */

static size_t
brokers_dom_find(const struct brokers *bs, unsigned domid, int *found)
{
	size_t lo = 0, hi = bs->ndoms, mid;

	*found = 0;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (bs->doms[mid]->domid == domid) {
			*found = 1;
			return mid;
		}
		if (bs->doms[mid]->domid < domid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void
brokers_dom_add(struct brokers *bs, unsigned domid)
{
	struct brokers_dom **t, *d;
	char		     path[STORE_PATH_MAX];
	size_t		     at, cap;
	int		     found;

	at = brokers_dom_find(bs, domid, &found);
	if (found)
		return;
	if (bs->ndoms == bs->cap) {
		cap = bs->cap ? bs->cap * 2 : 16;
		if ((t = reallocarray(bs->doms, cap, sizeof(*t))) == NULL)
			fatalx("conduit: out of memory");
		bs->doms = t;
		bs->cap = cap;
	}
	if ((d = calloc(1, sizeof(*d))) == NULL)
		fatalx("conduit: out of memory");
	d->domid = domid;
	d->bs = bs;
	snprintf(path, sizeof(path), "/local/domain/%u/data/conduit", domid);
	if ((d->w = store_follow(bs->st, path, brokers_dom_event, d)) == NULL) {
		log_warnx("conduit: cannot watch domain %u's requests", domid);
		free(d);
		return;
	}
	memmove(&bs->doms[at + 1], &bs->doms[at],
	    (bs->ndoms - at) * sizeof(*bs->doms));
	bs->doms[at] = d;
	bs->ndoms++;
}

/*
 * Every domain in /local/domain not watched yet is, but the shells not
 * filled yet (xls_unfilled says why): each is watched when its builder
 * says it was filled (broker_filled), or at the scan its fill's
 * introduction starts.
 */
static void
brokers_scan(struct brokers *bs)
{
	char   **v;
	unsigned n = 0, i, domid;

	if ((v = store_list(bs->st, "/local/domain", &n)) == NULL)
		return;
	for (i = 0; i < n; i++)
		if ((domid = brokers_domid(v[i])) != 0 && !xls_unfilled(domid))
			brokers_dom_add(bs, domid);
	free(v);
}

static void
brokers_scan_fired(int fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	brokers_scan(arg);
}

/*
 * A domain came; the event does not say which, so a scan lists them
 * all.  One scan an introduction was too many: a burst of summons
 * introduces a domain every fill, and in the nested bench this thread's
 * XenStore round trips then ran 1.5 s in one go beside the builders'.
 * So one scan on the loop's next turn for all the introductions read
 * together (store.c reads every event waiting before it returns).
 */
static void
brokers_introduced(const char *path, void *arg)
{
	struct brokers *bs = arg;
	struct timeval	now = { 0, 0 };

	(void)path;
	if (!evtimer_pending(bs->scan, NULL))
		evtimer_add(bs->scan, &now);
}

/*
 * Some domain went; the event does not say which, so each watched one
 * is asked about: a round trip a domain.  Stopping eight guests at once
 * fires eight events, and one pass for each asked xenstored about every
 * domain eight times over while it was busiest.  So one pass, a little
 * later, for the releases of BROKERS_REAP_MS: a guest's channels are
 * cleaned up that much later, and a dead domain cannot use them.
 */
#define BROKERS_REAP_MS 50

static void
brokers_released(const char *path, void *arg)
{
	struct brokers *bs = arg;
	struct timeval	tv = { 0, BROKERS_REAP_MS * 1000 };

	(void)path;
	if (!evtimer_pending(bs->reap, NULL))
		evtimer_add(bs->reap, &tv);
}

/* Is domid among the names v of a listing? */
static int
brokers_in(char **v, unsigned n, unsigned domid)
{
	char s[16];

	snprintf(s, sizeof(s), "%u", domid);
	return brokers_listed(v, n, s);
}

/*
 * Which watched domains went.  A domain shell (xls.c) may be a domain
 * that xenstored was never told of (with shell-store at-fill its fill
 * introduces it): "not introduced" alone would take every such shell
 * for gone at each release, and the next introduction watch it again
 * (a watch, two listings and two reports a shell, each time a guest
 * went).  So a domain is gone when its folder
 * is (the toolstack removes it once the domain is destroyed), or when
 * xenstored, which had been told of it, no longer knows it.
 */
static void
brokers_reap(int fd, short what, void *arg)
{
	struct brokers	   *bs = arg;
	struct brokers_dom *d;
	char		  **v;
	unsigned	    n = 0;
	size_t		    i = 0;
	int		    gone;

	(void)fd;
	(void)what;
	if ((v = store_list(bs->st, "/local/domain", &n)) == NULL) {
		/* dom0's own is there: xenstored failed us; again later. */
		brokers_released(NULL, bs);
		return;
	}
	while (i < bs->ndoms) {
		d = bs->doms[i];
		if (!brokers_in(v, n, d->domid))
			gone = 1;
		else if (store_introduced(bs->st, d->domid))
			gone = 0, d->seen = 1;
		else
			gone = d->seen;
		if (!gone) {
			i++;
			continue;
		}
		store_unwatch(d->w);
		memmove(&bs->doms[i], &bs->doms[i + 1],
		    (bs->ndoms - i - 1) * sizeof(*bs->doms));
		bs->ndoms--;
		brokers_report(bs, brokers_rep(BROKER_R_GONE, d->domid));
		free(d);
	}
	free(v);
}

/* --- commands ---------------------------------------------------------- */

static void
brokers_ops(struct brokers *bs, const struct broker_cmd *c)
{
	struct store_op *ops;
	size_t		 i, j;

	if ((ops = calloc(c->n, sizeof(*ops))) == NULL)
		fatalx("conduit: out of memory");
	for (i = 0; i < c->n; i++) {
		ops[i].rm = c->ops[i].rm;
		ops[i].perms_only = c->ops[i].perms_only;
		ops[i].path = c->ops[i].path;
		ops[i].value = c->ops[i].value;
		ops[i].nperms = c->ops[i].nperms;
		for (j = 0; j < c->ops[i].nperms; j++) {
			ops[i].perms[j].domid = c->ops[i].perms[j].domid;
			ops[i].perms[j].perm = c->ops[i].perms[j].perm;
		}
	}
	(void)store_apply(bs->st, ops, c->n); /* logged */
	free(ops);
}

/* What there is at start: every domain's requests, as stale ones. */
static void
brokers_sweep(struct brokers *bs)
{
	struct broker_rep *r;
	char		   path[STORE_PATH_MAX], **v, **ids;
	unsigned	   n = 0, nids, i, j, domid;

	if ((v = store_list(bs->st, "/local/domain", &n)) == NULL)
		n = 0;
	for (i = 0; i < n; i++) {
		if ((domid = brokers_domid(v[i])) == 0)
			continue;
		snprintf(path, sizeof(path), "/local/domain/%u/data/conduit",
		    domid);
		if ((ids = store_list(bs->st, path, &nids)) == NULL)
			continue;
		r = brokers_rep(BROKER_R_STALE, domid);
		if (nids > 0 &&
		    (r->ids = calloc(nids, sizeof(*r->ids))) == NULL)
			fatalx("conduit: out of memory");
		for (j = 0; j < nids; j++)
			if (conduit_id_valid(ids[j], strlen(ids[j])))
				memcpy(r->ids[r->nids++].id, ids[j],
				    strlen(ids[j]) + 1);
		free(ids);
		brokers_report(bs, r);
	}
	free(v);
	brokers_report(bs, brokers_rep(BROKER_R_SWEPT, 0));
}

static void
brokers_watch(struct brokers *bs)
{
	if (bs->intro != NULL)
		return;
	if ((bs->intro = store_follow(bs->st, "@introduceDomain",
		 brokers_introduced, bs)) == NULL ||
	    (bs->release = store_follow(bs->st, "@releaseDomain",
		 brokers_released, bs)) == NULL ||
	    (bs->chans = store_follow(bs->st, CONDUIT_ROOT "/chan",
		 brokers_event, bs)) == NULL)
		log_warnx("conduit: cannot watch XenStore; conduit will not "
			  "work");
	brokers_scan(bs);
}

static void
brokers_command(void *msg, void *arg)
{
	struct broker_cmd *c = msg;
	struct brokers	  *bs = arg;

	switch (c->kind) {
	case BROKER_C_OPS:
		brokers_ops(bs, c);
		break;
	case BROKER_C_SWEEP:
		brokers_sweep(bs);
		break;
	case BROKER_C_WATCH:
		brokers_watch(bs);
		break;
	case BROKER_C_DOMAIN:
		/* Before the watching starts, its scan will find it. */
		if (bs->intro != NULL)
			brokers_dom_add(bs, c->domid);
		break;
	}
	free(c);
}

static void *
brokers_thread(void *arg)
{
	struct brokers *bs = arg;
	sigset_t	all;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	if ((errno = pthread_setname_np(pthread_self(), "jitsud-conduit")) != 0)
		log_warn("conduit: pthread_setname_np");
	event_base_loop(bs->base, EVLOOP_NO_EXIT_ON_EMPTY);
	return NULL;
}

struct brokers *
brokers_start(struct chan *reps)
{
	struct brokers *bs;

	if ((bs = calloc(1, sizeof(*bs))) == NULL)
		return NULL;
	bs->reps = reps;
	if ((bs->base = event_base_new()) == NULL)
		fatalx("conduit: event_base_new");
	if ((bs->st = store_open(bs->base)) == NULL) {
		event_base_free(bs->base);
		free(bs);
		return NULL;
	}
	if ((bs->cmds = chan_new(bs->base, brokers_command, bs)) == NULL ||
	    (bs->scan = evtimer_new(bs->base, brokers_scan_fired, bs)) ==
		NULL ||
	    (bs->reap = evtimer_new(bs->base, brokers_reap, bs)) == NULL)
		fatalx("conduit: channels");
	if (pthread_create(&bs->thread, NULL, brokers_thread, bs) != 0)
		fatalx("conduit: pthread_create");
	return bs;
}

int
brokers_send(struct brokers *bs, struct broker_cmd *c)
{
	if (chan_send(bs->cmds, c) == -1) {
		free(c);
		return -1;
	}
	return 0;
}
