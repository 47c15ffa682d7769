/* store.c -- XenStore for the daemon: watch a key until it holds a value */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <xenstore.h>

#include "jitsud.h"
#include "log.h"
#include "store_int.h"

/*
 * libxenstore is used only here.  Watches are delivered through the
 * handle's file descriptor, which libevent polls, so waiting for a guest
 * to write its readiness key costs nothing while it boots.  XenStore
 * fires every new watch once at once, so a key written before the watch
 * was set is still seen.
 */
struct store_watch {
	struct store		*st;
	TAILQ_ENTRY(store_watch) entry;
	char			 path[STORE_PATH_MAX];
	char			 want[STORE_VALUE_MAX];
	char			 token[32];
	void (*cb)(void *);
	/* store_follow's: every event, with its path; never removed here. */
	void (*fcb)(const char *path, void *arg);
	void *arg;
};

struct store {
	struct xs_handle  *xs;
	struct event	  *ev;
	struct store_wire *wire;       /* store_wire.c; NULL: libxenstore */
	int		   wire_tried; /* opened on the first batch */
	TAILQ_HEAD(, store_watch) watches;
	unsigned long next_token;
};

static void store_readable(int, short, void *);

struct store *
store_open(struct event_base *base)
{
	struct store *st;

	if ((st = calloc(1, sizeof(*st))) == NULL)
		return NULL;
	TAILQ_INIT(&st->watches);
	if ((st->xs = xs_open(0)) == NULL) {
		log_warn("xs_open");
		free(st);
		return NULL;
	}
	st->ev = event_new(base, xs_fileno(st->xs), EV_READ | EV_PERSIST,
	    store_readable, st);
	if (st->ev == NULL || event_add(st->ev, NULL) == -1)
		fatalx("store: event_new");
	return st;
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	while (!TAILQ_EMPTY(&st->watches))
		store_unwatch(TAILQ_FIRST(&st->watches));
	event_free(st->ev);
	store_wire_close(st->wire);
	xs_close(st->xs);
	free(st);
}

/* Set the watch w describes (its path, want and callbacks filled). */
static struct store_watch *
store_watch_set(struct store *st, struct store_watch *w)
{
	w->st = st;
	snprintf(w->token, sizeof(w->token), "jitsud-%lu", st->next_token++);
	if (!xs_watch(st->xs, w->path, w->token)) {
		log_warn("xs_watch %s", w->path);
		free(w);
		return NULL;
	}
	TAILQ_INSERT_TAIL(&st->watches, w, entry);
	return w;
}

struct store_watch *
store_watch(struct store *st, const char *path, const char *want,
    void (*cb)(void *), void *arg)
{
	struct store_watch *w;

	if (strlen(path) >= sizeof(w->path) ||
	    strlen(want) >= sizeof(w->want) ||
	    (w = calloc(1, sizeof(*w))) == NULL)
		return NULL;
	strcpy(w->path, path);
	strcpy(w->want, want);
	w->cb = cb;
	w->arg = arg;
	return store_watch_set(st, w);
}

struct store_watch *
store_follow(struct store *st, const char	  *path,
    void (*cb)(const char *path, void *arg), void *arg)
{
	struct store_watch *w;

	if (strlen(path) >= sizeof(w->path) ||
	    (w = calloc(1, sizeof(*w))) == NULL)
		return NULL;
	strcpy(w->path, path);
	w->fcb = cb;
	w->arg = arg;
	return store_watch_set(st, w);
}

void
store_unwatch(struct store_watch *w)
{
	if (w == NULL)
		return;
	xs_unwatch(w->st->xs, w->path, w->token);
	TAILQ_REMOVE(&w->st->watches, w, entry);
	free(w);
}

/* A watch fired: does its key now hold the value we wait for? */
static void
store_fired(struct store *st, const char *token, const char *path)
{
	struct store_watch *w;
	char		   *val;
	unsigned int	    len;
	int		    hit;
	void (*cb)(void *);
	void *cbarg;

	TAILQ_FOREACH(w, &st->watches, entry)
		if (strcmp(w->token, token) == 0)
			break;
	if (w == NULL)
		return; /* a stale event for a removed watch */
	if (w->fcb != NULL) {
		w->fcb(path, w->arg); /* which may unwatch w */
		return;
	}
	if ((val = xs_read(st->xs, XBT_NULL, w->path, &len)) == NULL)
		return; /* not written yet */
	hit = w->want[0] == '\0' ||
	    (strlen(w->want) == len && memcmp(val, w->want, len) == 0);
	free(val);
	if (!hit)
		return;
	/* The callback may free what w->arg points at: unwatch first. */
	cb = w->cb;
	cbarg = w->arg;
	store_unwatch(w);
	cb(cbarg);
}

static void
store_readable(int fd, short event, void *arg)
{
	struct store *st = arg;
	char	    **vec;

	(void)fd;
	(void)event;
	while ((vec = xs_check_watch(st->xs)) != NULL) {
		store_fired(st, vec[XS_WATCH_TOKEN], vec[XS_WATCH_PATH]);
		free(vec);
	}
	if (errno != EAGAIN)
		log_warn("xs_check_watch");
}

int
store_write(struct store *st, const char *path, const char *value)
{
	if (!xs_write(st->xs, XBT_NULL, path, value, strlen(value))) {
		log_warn("xs_write %s", path);
		return -1;
	}
	return 0;
}

ssize_t
store_get(struct store *st, const char *path, char *buf, size_t size)
{
	unsigned int len;
	char	    *val;

	if ((val = xs_read(st->xs, XBT_NULL, path, &len)) == NULL)
		return -1;
	if (size > 0) {
		memcpy(buf, val, len < size ? len : size - 1);
		buf[len < size ? len : size - 1] = '\0';
	}
	free(val);
	return (ssize_t)len;
}

int
store_read(struct store *st, const char *path, char *buf, size_t size)
{
	ssize_t n = store_get(st, path, buf, size);

	return n >= 0 && (size_t)n < size ? 0 : -1;
}

char **
store_list(struct store *st, const char *path, unsigned int *n)
{
	return xs_directory(st->xs, XBT_NULL, path, n);
}

int
store_introduced(struct store *st, unsigned int domid)
{
	return xs_is_domain_introduced(st->xs, domid);
}

int
store_rm(struct store *st, const char *path)
{
	if (!xs_rm(st->xs, XBT_NULL, path) && errno != ENOENT) {
		log_warn("xs_rm %s", path);
		return -1;
	}
	return 0;
}

/*
 * The permission list of a node of kind perm for guest domid into p; how
 * many entries (0: leave the node's as they are).  The first entry is the
 * owner and everyone else's access.
 */
static unsigned int
store_perms(enum store_perm perm, uint32_t domid, struct store_perm_ent p[2])
{
	p[0].domid = 0;
	p[0].perm = 'n';
	p[1].domid = domid;
	p[1].perm = 'r';
	switch (perm) {
	case STORE_INHERIT:
		return 0;
	case STORE_DOM0:
		return 1;
	case STORE_GUEST_RO:
		return 2;
	case STORE_GUEST_RW:
		p[0].domid = domid;
		return 1;
	case STORE_SHARED:
		p[1].perm = 'b';
		return 2;
	case STORE_FRONTEND:
		p[0].domid = domid;
		p[1].domid = 0;
		return 2;
	}
	return 0;
}

/* What one letter of a permission list gives; -1 for no such letter. */
static int
store_perm_bits(char c, unsigned int *bits)
{
	switch (c) {
	case 'n':
		*bits = XS_PERM_NONE;
		return 0;
	case 'r':
		*bits = XS_PERM_READ;
		return 0;
	case 'w':
		*bits = XS_PERM_WRITE;
		return 0;
	case 'b':
		*bits = XS_PERM_READ | XS_PERM_WRITE;
		return 0;
	}
	return -1;
}

/* The next request of b, or NULL (b->overflow set) if it is full. */
static struct store_req *
store_batch_add(struct store_batch *b, enum store_req_type type,
    const char *path)
{
	struct store_req *r;

	if (path == NULL || b->n == STORE_BATCH_REQS) {
		b->overflow = 1;
		return NULL;
	}
	r = &b->req[b->n++];
	memset(r, 0, sizeof(*r));
	r->type = type;
	r->path = path;
	return r;
}

/* dir/key, kept in b's text; NULL (b->overflow set) if it is full. */
static const char *
store_batch_path(struct store_batch *b, const char *dir, const char *key)
{
	char *p = b->text + b->used;
	int   n;

	n = snprintf(p, sizeof(b->text) - b->used, "%s/%s", dir, key);
	if (n < 0 || (size_t)n >= sizeof(b->text) - b->used) {
		b->overflow = 1;
		return NULL;
	}
	b->used += (size_t)n + 1;
	return p;
}

static void
store_batch_write(struct store_batch *b, const char *path, const char *value)
{
	struct store_req *r;

	if ((r = store_batch_add(b, STORE_REQ_WRITE, path)) != NULL)
		r->value = value;
}

static void
store_batch_perms(struct store_batch *b, const char *path,
    const struct store_perm_ent *p, unsigned int n)
{
	struct store_req *r;

	if (n > STORE_OP_PERMS)
		b->overflow = 1;
	if (n == 0 || n > STORE_OP_PERMS)
		return;
	if ((r = store_batch_add(b, STORE_REQ_PERMS, path)) != NULL) {
		memcpy(r->perms, p, n * sizeof(*p));
		r->nperms = n;
	}
}

/* One request through libxenstore, in transaction t. */
static int
store_xs_req(struct store *st, xs_transaction_t t, const struct store_req *r)
{
	struct xs_permissions p[STORE_OP_PERMS];
	unsigned int	      i;

	switch (r->type) {
	case STORE_REQ_RM:
		return xs_rm(st->xs, t, r->path) || errno == ENOENT ? 0 : -1;
	case STORE_REQ_MKDIR:
		return xs_mkdir(st->xs, t, r->path) ? 0 : -1;
	case STORE_REQ_WRITE:
		return xs_write(st->xs, t, r->path, r->value,
			   strlen(r->value)) ?
		    0 :
		    -1;
	case STORE_REQ_PERMS:
		for (i = 0; i < r->nperms; i++) {
			p[i].id = r->perms[i].domid;
			if (store_perm_bits(r->perms[i].perm, &p[i].perms) ==
			    -1) {
				errno = EINVAL;
				return -1;
			}
		}
		return xs_set_permissions(st->xs, t, r->path, p, r->nperms) ?
		    0 :
		    -1;
	}
	errno = EINVAL;
	return -1;
}

/*
 * The batch through libxenstore: a round trip a request.  Without a
 * transaction, it stops at the first request that fails.
 */
static int
store_xs_run(struct store *st, const struct store_batch *b, int transact)
{
	xs_transaction_t t = XBT_NULL;
	size_t		 i;
	int		 saved;

	if (b->overflow) {
		errno = E2BIG;
		return -1;
	}
	if (transact && (t = xs_transaction_start(st->xs)) == XBT_NULL)
		return -1;
	for (i = 0; i < b->n; i++)
		if (store_xs_req(st, t, &b->req[i]) == -1) {
			saved = errno;
			if (transact)
				xs_transaction_end(st->xs, t, true);
			errno = saved;
			return -1;
		}
	if (transact && !xs_transaction_end(st->xs, t, false))
		return -1;
	return 0;
}

#define STORE_TRIES 8

/*
 * Carry out batch b, in a transaction if transact, run again while its
 * commit meets a conflict (STORE_TRIES times at most: someone, often
 * the guest, wrote meanwhile).  Over our own socket to xenstored when
 * there is one (store_wire.c says why); if that connection fails,
 * through libxenstore from then on.  0, or -1 with errno.
 */
static int
store_run(struct store *st, const struct store_batch *b, int transact)
{
	int rc, tries;

	if (!st->wire_tried) {
		st->wire_tried = 1;
		if ((st->wire = store_wire_open(store_wire_path())) == NULL)
			log_debug("xenstored's socket %s: %s; a round trip "
				  "a request",
			    store_wire_path(), strerror(errno));
	}
	for (tries = 0; tries < STORE_TRIES; tries++) {
		if (st->wire != NULL &&
		    (rc = store_wire_run(st->wire, b, transact)) ==
			STORE_WIRE_LOST) {
			log_warn("xenstored's socket %s: lost; a round trip a "
				 "request from now on",
			    store_wire_path());
			store_wire_close(st->wire);
			st->wire = NULL;
		}
		if (st->wire == NULL)
			rc = store_xs_run(st, b, transact);
		if (rc == 0)
			return 0;
		if (!transact || errno != EAGAIN)
			return -1;
		/*
		 * Said, for a conflict costs the whole batch again: oxenstored
		 * replays a conflicting transaction itself and fails it only
		 * when the replay reads differently, C xenstored fails it
		 * when a node it touched changed meanwhile.
		 */
		log_debug("xenstore transaction of %zu request(s) conflicted "
			  "(try %d of %d): %s",
		    b->n, tries + 1, STORE_TRIES,
		    b->n > 0 ? b->req[0].path : "");
	}
	return -1;
}

int
store_private_dir(struct store *st, const char *path, int domid)
{
	struct store_batch   *b;
	struct store_perm_ent perms[2];
	unsigned int	      n;
	int		      rc = -1;

	if ((b = calloc(1, sizeof(*b))) == NULL)
		return -1;
	n = store_perms(STORE_SHARED, (uint32_t)domid, perms);
	store_batch_add(b, STORE_REQ_MKDIR, path);
	store_batch_perms(b, path, perms, n);
	if ((rc = store_run(st, b, 0)) == -1)
		log_warn("xenstore %s", path);
	free(b);
	return rc;
}

/*
 * No transaction: xenstored carries out one connection's requests in
 * order, so a reader that watches the last key finds the others there
 * when its watch fires.  A transaction would cost two more round trips
 * (start, end), and here each one lies between a guest and its first
 * reply.
 */
int
store_write_seq(struct store *st, const char *dir, const char *const *keys,
    const char *const *values, size_t n)
{
	struct store_batch *b;
	size_t		    i;
	int		    rc;

	if ((b = calloc(1, sizeof(*b))) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		store_batch_write(b, store_batch_path(b, dir, keys[i]),
		    values[i]);
	if ((rc = store_run(st, b, 0)) == -1)
		log_warn("xenstore writes under %s", dir);
	free(b);
	return rc;
}

int
store_write_dirs(struct store *st, const struct store_dir *d, size_t n)
{
	struct store_batch *b;
	size_t		    i, k;
	int		    rc;

	if ((b = calloc(1, sizeof(*b))) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		for (k = 0; k < d[i].n; k++)
			store_batch_write(b,
			    store_batch_path(b, d[i].path, d[i].keys[k]),
			    d[i].values[k]);
	if ((rc = store_run(st, b, 0)) == -1)
		log_warn("xenstore writes under %s", n ? d[0].path : "");
	free(b);
	return rc;
}

int
store_make_dirs(struct store *st, const struct store_dir *d, size_t n)
{
	struct store_batch   *b;
	struct store_perm_ent perms[2];
	size_t		      i, k;
	int		      rc;

	if ((b = calloc(1, sizeof(*b))) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		perms[0].domid = d[i].owner;
		perms[0].perm = 'n';
		perms[1].domid = d[i].reader;
		perms[1].perm = 'r';
		store_batch_add(b, STORE_REQ_RM, d[i].path);
		store_batch_add(b, STORE_REQ_MKDIR, d[i].path);
		store_batch_perms(b, d[i].path, perms, 2);
		/* Keys made by dom0 take their folder's permissions. */
		for (k = 0; k < d[i].n; k++)
			store_batch_write(b,
			    store_batch_path(b, d[i].path, d[i].keys[k]),
			    d[i].values[k]);
	}
	if ((rc = store_run(st, b, 1)) == -1)
		log_warn("xenstore transaction making %s", n ? d[0].path : "");
	free(b);
	return rc;
}

/* Each node with the permissions libxl gives, in a transaction or not. */
static int
store_nodes(struct store *st, uint32_t domid, const struct store_node *nd,
    size_t n, int transact)
{
	struct store_batch   *b;
	struct store_perm_ent p[2];
	unsigned int	      np;
	size_t		      i;
	int		      rc;

	if ((b = calloc(1, sizeof(*b))) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		if (nd[i].fresh)
			store_batch_add(b, STORE_REQ_RM, nd[i].path);
		store_batch_write(b, nd[i].path, nd[i].value);
		np = store_perms(nd[i].perm, domid, p);
		store_batch_perms(b, nd[i].path, p, np);
	}
	if ((rc = store_run(st, b, transact)) == -1)
		log_warn("xenstore %s %s",
		    transact ? "transaction making" : "writes from",
		    n ? nd[0].path : "");
	free(b);
	return rc;
}

int
store_make_nodes(struct store *st, uint32_t domid, const struct store_node *nd,
    size_t n)
{
	return store_nodes(st, domid, nd, n, 1);
}

int
store_put_nodes(struct store *st, uint32_t domid, const struct store_node *nd,
    size_t n)
{
	return store_nodes(st, domid, nd, n, 0);
}

int
store_apply(struct store *st, const struct store_op *ops, size_t n)
{
	struct store_batch    *b;
	struct store_perm_ent  p[STORE_OP_PERMS];
	const struct store_op *op;
	unsigned int	       bits;
	size_t		       i, j;
	int		       rc = -1;

	if (n == 0)
		return 0;
	if ((b = calloc(1, sizeof(*b))) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		op = &ops[i];
		if (op->rm) {
			store_batch_add(b, STORE_REQ_RM, op->path);
			continue;
		}
		if (!op->perms_only)
			store_batch_write(b, op->path, op->value);
		for (j = 0; j < op->nperms && j < STORE_OP_PERMS; j++) {
			if (store_perm_bits(op->perms[j].perm, &bits) == -1) {
				errno = EINVAL;
				goto fail;
			}
			p[j].domid = op->perms[j].domid;
			p[j].perm = op->perms[j].perm;
		}
		store_batch_perms(b, op->path, p, (unsigned int)j);
	}
	rc = store_run(st, b, 1);
fail:
	if (rc == -1)
		log_warn("xenstore transaction of %zu operation(s) from %s", n,
		    ops[0].path);
	free(b);
	return rc;
}

int
store_introduce(struct store *st, uint32_t domid, unsigned long mfn,
    unsigned int port)
{
	if (!xs_introduce_domain(st->xs, domid, mfn, port)) {
		log_warn("xs_introduce_domain %u", domid);
		return -1;
	}
	return 0;
}
