/* conduit_xen.c -- uk_conduit on Xen: conduit(7)'s rendezvous over vchan */
#include "libuk.h"
#include "conduit.h"

/*
 * Only uk.h's XenStore and vchan calls are used here: jitsud writes our
 * mailbox, /jitsu/conduit/dom/<domid>/{accept,reply}, and we answer with
 * our own data/conduit requests and the vchan keys at the paths it
 * gives.  Each value read is parsed by conduit.c before use.
 *
 * Watches fire more often than nodes change and may be coalesced, so a
 * server lists its whole accept folder on every event and tells new
 * offers from known ones by their channel number: the open conduits
 * know theirs, and cd_done remembers the offers we declined or closed
 * until jitsud removes them.  An entry leaves cd_done once the listing
 * no longer holds it: jitsud numbers channels anew when it restarts.
 *
 * jitsud makes a mailbox only when it first has something to put in
 * it, and until then xenstored answers a read below it with EACCES, not
 * ENOENT (the parent, /jitsu/conduit/dom, is Dom0's alone): both mean
 * "nothing there for us yet" (cd_absent).
 */

#define CD_MAX	  8
#define CD_NAMES  4
#define CD_DONE	  16
#define CD_RING	  65536
#define CD_LIST	  4096 /* XenStore's largest reply */
#define CD_XSPATH 128

enum cd_state { CD_FREE, CD_PENDING, CD_UP, CD_FAILED };

struct uk_conduit {
	enum cd_state state;
	int server;
	int gone; /* the peer ended: end of stream once its data is read */
	int seen; /* server: its offer was in the last listing */
	int err;  /* CD_FAILED: what reads and writes return */
	struct uk_vchan *v;
	uk_conduit_fn *fn;
	void *arg;
	uint32_t chan;	      /* server: the offer's number */
	char id[8];	      /* client: the request id */
	struct uk_xs_watch w; /* client: the reply */
};

struct cd_listener {
	char name[CONDUIT_NAME_MAX + 1];
	uk_conduit_accept_fn *accept_fn;
	uk_conduit_fn *fn;
	void *arg;
};

static struct uk_conduit cd[CD_MAX];
static struct cd_listener cd_names[CD_NAMES];
static unsigned int cd_nnames;
static struct uk_xs_watch cd_accept_w;
static char cd_accept_dir[64], cd_reply_dir[64];
static struct {
	uint32_t chan;
	int seen;
} cd_done[CD_DONE];
static unsigned int cd_ndone;
static unsigned int cd_next_id;

/* Our domid, from our home's domid key; the mailbox paths from it. */
static int
cd_self(void)
{
	char buf[16];
	unsigned int dom;
	int n;

	if (cd_accept_dir[0] != '\0')
		return 0;
	if ((n = uk_xs_read("domid", buf, sizeof(buf))) < 0)
		return n;
	if (conduit_domid(buf, (size_t)n, &dom) != 0)
		return -UK_EPROTO;
	snprintf(cd_accept_dir, sizeof(cd_accept_dir),
	    "/jitsu/conduit/dom/%u/accept", dom);
	snprintf(cd_reply_dir, sizeof(cd_reply_dir),
	    "/jitsu/conduit/dom/%u/reply", dom);
	return 0;
}

/* A read's error that means the node is not there (see above). */
static int
cd_absent(int rc)
{
	return rc == -UK_ENOENT || rc == -UK_EACCES;
}

static struct uk_conduit *
cd_alloc(void)
{
	unsigned int i;

	for (i = 0; i < CD_MAX; i++)
		if (cd[i].state == CD_FREE) {
			memset(&cd[i], 0, sizeof(cd[i]));
			return &cd[i];
		}
	return NULL;
}

static void
cd_notify(struct uk_conduit *c, int events)
{
	if (c->fn != NULL)
		c->fn(c, events, c->arg);
}

static void
cd_vchan_event(struct uk_vchan *v, int events, void *arg)
{
	(void)v;
	cd_notify(arg, events);
}

/* ---------------------------------------------------------------------
 * Server
 */

static void
cd_done_add(uint32_t chan)
{
	if (cd_ndone == CD_DONE) {
		/* Forget the oldest: at worst we decline it once more. */
		memmove(&cd_done[0], &cd_done[1],
		    sizeof(cd_done[0]) * (CD_DONE - 1));
		cd_ndone--;
	}
	cd_done[cd_ndone].chan = chan;
	cd_done[cd_ndone].seen = 1;
	cd_ndone++;
}

/* Whether chan is known (open or done); marks it seen. */
static int
cd_known(uint32_t chan)
{
	unsigned int i;

	for (i = 0; i < CD_MAX; i++)
		if (cd[i].state != CD_FREE && cd[i].server &&
		    cd[i].chan == chan) {
			cd[i].seen = 1;
			return 1;
		}
	for (i = 0; i < cd_ndone; i++)
		if (cd_done[i].chan == chan) {
			cd_done[i].seen = 1;
			return 1;
		}
	return 0;
}

static struct cd_listener *
cd_listener(const char *name)
{
	unsigned int i;

	for (i = 0; i < cd_nnames; i++)
		if (strcmp(cd_names[i].name, name) == 0)
			return &cd_names[i];
	return NULL;
}

/* conduit(7) step 4: a server declines an offer by removing its path. */
static void
cd_decline(uint32_t chan, const struct conduit_offer *o, const char *why)
{
	printf("conduit: declined channel %u (%s) from domain %u: %s\n",
	    (unsigned int)chan, o->name, o->client, why);
	(void)uk_xs_rm(o->path);
	cd_done_add(chan);
}

static void
cd_take(uint32_t chan, const struct conduit_offer *o,
    const struct cd_listener *l)
{
	struct uk_conduit *c = cd_alloc();
	int rc;

	if (c == NULL) {
		cd_decline(chan, o, "no conduit free");
		return;
	}
	rc = uk_vchan_server((uint16_t)o->client, o->path, CD_RING, CD_RING,
	    cd_vchan_event, c, &c->v);
	if (rc == -UK_ENOSPC) {
		cd_decline(chan, o, "no vchan free");
		return;
	}
	if (rc != 0) {
		/* The error says which step: grant, event channel, XenStore. */
		printf("conduit: channel %u: vchan set-up: error %d\n",
		    (unsigned int)chan, -rc);
		cd_decline(chan, o, "vchan set-up failed");
		return;
	}
	c->state = CD_UP;
	c->server = 1;
	c->seen = 1;
	c->chan = chan;
	c->fn = l->fn;
	c->arg = l->arg;
	l->accept_fn(c, o->client, o->name, l->arg);
}

/* A new entry of the accept folder. */
static void
cd_offer(uint32_t chan)
{
	char path[CD_XSPATH], val[CONDUIT_NAME_MAX + CONDUIT_PATH_MAX + 16];
	struct conduit_offer o;
	struct cd_listener *l;
	int n;

	snprintf(path, sizeof(path), "%s/%u", cd_accept_dir,
	    (unsigned int)chan);
	if (cd_absent(n = uk_xs_read(path, val, sizeof(val))))
		return; /* gone already */
	if (n < 0 || conduit_offer_parse(val, &o) != 0) {
		/* Without a path we cannot even decline: jitsud times out. */
		printf("conduit: offer %u: %s\n", (unsigned int)chan,
		    n < 0 ? "unreadable" : "malformed");
		cd_done_add(chan);
	} else if ((l = cd_listener(o.name)) == NULL)
		cd_decline(chan, &o, "not a name we serve");
	else
		cd_take(chan, &o, l);
}

/* Open server conduits whose offer left the listing: the client went. */
static void
cd_sweep(void)
{
	unsigned int i, j;

	for (i = 0; i < CD_MAX; i++)
		if (cd[i].state == CD_UP && cd[i].server && !cd[i].seen &&
		    !cd[i].gone) {
			cd[i].gone = 1;
			cd_notify(&cd[i], UK_NET_READ | UK_NET_WRITE);
		}
	for (i = j = 0; i < cd_ndone; i++)
		if (cd_done[i].seen)
			cd_done[j++] = cd_done[i];
	cd_ndone = j;
}

static void
cd_accept_event(struct uk_xs_watch *w, const char *path, void *arg)
{
	static char list[CD_LIST];
	const char *e;
	uint32_t chan;
	unsigned int i;
	int n;

	(void)w;
	(void)path;
	(void)arg;
	n = uk_xs_directory(cd_accept_dir, list, sizeof(list));
	if (cd_absent(n))
		n = 0; /* no mailbox yet, or jitsud removed it */
	if (n < 0) {
		printf("conduit: cannot list %s: %d\n", cd_accept_dir, n);
		return;
	}
	for (i = 0; i < CD_MAX; i++)
		cd[i].seen = 0;
	for (i = 0; i < cd_ndone; i++)
		cd_done[i].seen = 0;
	for (e = list; n > 0; n--, e += strlen(e) + 1)
		if (conduit_chan(e, &chan) != 0)
			printf("conduit: offer name ignored\n");
		else if (!cd_known(chan))
			cd_offer(chan);
	cd_sweep();
}

int
uk_conduit_listen(const char *name, uk_conduit_accept_fn *accept_fn,
    uk_conduit_fn *fn, void *arg)
{
	char canon[CONDUIT_NAME_MAX + 1];
	struct cd_listener *l;
	int rc;

	if (conduit_name(name, canon) != 0)
		return -UK_EINVAL;
	if (cd_listener(canon) != NULL)
		return -UK_EADDRINUSE;
	if (cd_nnames == CD_NAMES)
		return -UK_ENOSPC;
	if ((rc = cd_self()) != 0)
		return rc;
	if (cd_nnames == 0 &&
	    (rc = uk_xs_watch(&cd_accept_w, cd_accept_dir, cd_accept_event,
		 NULL)) != 0)
		return rc;
	l = &cd_names[cd_nnames++];
	strlcpy(l->name, canon, sizeof(l->name));
	l->accept_fn = accept_fn;
	l->fn = fn;
	l->arg = arg;
	return 0;
}

/* ---------------------------------------------------------------------
 * Client
 */

static void
cd_fail(struct uk_conduit *c, int err)
{
	c->state = CD_FAILED;
	c->err = err;
	cd_notify(c, UK_NET_READ | UK_NET_WRITE);
}

static void
cd_connected(struct uk_conduit *c, const struct conduit_reply *r)
{
	int rc;

	rc = uk_vchan_client((uint16_t)r->server, r->path, cd_vchan_event, c,
	    &c->v);
	if (rc != 0) {
		printf("conduit: request %s: vchan of domain %u at %s: %d\n",
		    c->id, r->server, r->path, rc);
		cd_fail(c, -UK_ECONNABORTED);
		return;
	}
	c->state = CD_UP;
	cd_notify(c, UK_NET_WRITE);
}

/*
 * The reply changes at most twice (ok, then closed; or error once), but
 * its watch fires more often: what we already acted on is ignored.
 */
static void
cd_reply_event(struct uk_xs_watch *w, const char *path, void *arg)
{
	struct uk_conduit *c = arg;
	struct conduit_reply r;
	char val[CONDUIT_PATH_MAX + 32];
	int n;

	(void)path;
	if (c->state == CD_FAILED || c->gone)
		return;
	if (cd_absent(n = uk_xs_read(w->path, val, sizeof(val))))
		return; /* still pending */
	if (n < 0 || conduit_reply_parse(val, &r) != 0) {
		printf("conduit: request %s: bad reply (%d)\n", c->id, n);
		cd_fail(c, -UK_EPROTO);
	} else if (r.kind == CONDUIT_ERROR)
		cd_fail(c, c->state == CD_PENDING ? r.error : -UK_EPROTO);
	else if (r.kind == CONDUIT_CLOSED) {
		c->gone = 1;
		cd_notify(c, UK_NET_READ | UK_NET_WRITE);
	} else if (c->state == CD_PENDING)
		cd_connected(c, &r);
}

/* A request id we have no conduit and jitsud no reply for. */
static int
cd_pick_id(struct uk_conduit *c)
{
	char path[CD_XSPATH], val[8];
	unsigned int i, tries;
	int rc, used;

	for (tries = 0; tries < 64; tries++) {
		snprintf(c->id, sizeof(c->id), "u%u", ++cd_next_id % 1000000);
		for (i = 0, used = 0; i < CD_MAX; i++)
			used |= &cd[i] != c && cd[i].state != CD_FREE &&
			    !cd[i].server && strcmp(cd[i].id, c->id) == 0;
		if (used)
			continue;
		snprintf(path, sizeof(path), "%s/%s", cd_reply_dir, c->id);
		rc = uk_xs_read(path, val, sizeof(val));
		if (cd_absent(rc))
			return 0;
		if (rc < 0 && rc != -UK_E2BIG)
			return rc;
	}
	return -UK_EBUSY;
}

int
uk_conduit_connect(const char *name, uk_conduit_fn *fn, void *arg,
    struct uk_conduit **cp)
{
	char canon[CONDUIT_NAME_MAX + 1], path[CD_XSPATH];
	char req[CONDUIT_NAME_MAX + 16];
	struct uk_conduit *c;
	int rc;

	if (conduit_name(name, canon) != 0)
		return -UK_EINVAL;
	if ((rc = cd_self()) != 0)
		return rc;
	if ((c = cd_alloc()) == NULL)
		return -UK_ENOBUFS;
	if ((rc = cd_pick_id(c)) != 0)
		return rc;
	/* The watch first (conduit(7) step 1): no reply can slip by. */
	snprintf(path, sizeof(path), "%s/%s", cd_reply_dir, c->id);
	if ((rc = uk_xs_watch(&c->w, path, cd_reply_event, c)) != 0)
		return rc;
	snprintf(path, sizeof(path), "data/conduit/%s", c->id);
	snprintf(req, sizeof(req), "connect %s", canon);
	if ((rc = uk_xs_write(path, req)) != 0) {
		(void)uk_xs_unwatch(&c->w);
		return rc;
	}
	c->state = CD_PENDING;
	c->fn = fn;
	c->arg = arg;
	*cp = c;
	return 0;
}

/* ---------------------------------------------------------------------
 * Both
 */

long
uk_conduit_read(struct uk_conduit *c, void *buf, size_t len)
{
	long n;

	if (c->state == CD_FAILED)
		return c->err;
	if (c->v == NULL)
		return c->gone ? 0 : -UK_EAGAIN;
	n = uk_vchan_read(c->v, buf, len);
	return n == -UK_EAGAIN && c->gone ? 0 : n;
}

long
uk_conduit_write(struct uk_conduit *c, const void *buf, size_t len)
{
	if (c->state == CD_FAILED)
		return c->err;
	if (c->gone)
		return -UK_EPIPE;
	if (c->v == NULL)
		return -UK_EAGAIN;
	return uk_vchan_write(c->v, buf, len);
}

void
uk_conduit_set_arg(struct uk_conduit *c, void *arg)
{
	c->arg = arg;
}

void
uk_conduit_close(struct uk_conduit *c)
{
	char path[CD_XSPATH];

	if (c->v != NULL)
		uk_vchan_close(c->v);
	if (c->server)
		cd_done_add(c->chan);
	else {
		(void)uk_xs_unwatch(&c->w);
		snprintf(path, sizeof(path), "data/conduit/%s", c->id);
		(void)uk_xs_rm(path);
	}
	memset(c, 0, sizeof(*c));
	c->state = CD_FREE;
}
