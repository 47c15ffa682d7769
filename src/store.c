/* store.c -- XenStore for the daemon: watch a key until it holds a value */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <xenstore.h>

#include "jitsud.h"
#include "log.h"

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
	struct xs_handle *xs;
	struct event	 *ev;
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
store_perms(enum store_perm perm, uint32_t domid, struct xs_permissions p[2])
{
	p[0].id = 0;
	p[0].perms = XS_PERM_NONE;
	p[1].id = domid;
	p[1].perms = XS_PERM_READ;
	switch (perm) {
	case STORE_INHERIT:
		return 0;
	case STORE_DOM0:
		return 1;
	case STORE_GUEST_RO:
		return 2;
	case STORE_GUEST_RW:
		p[0].id = domid;
		return 1;
	case STORE_SHARED:
		p[1].perms = XS_PERM_READ | XS_PERM_WRITE;
		return 2;
	}
	return 0;
}

int
store_private_dir(struct store *st, const char *path, int domid)
{
	struct xs_permissions perms[2];
	unsigned int	      n;

	n = store_perms(STORE_SHARED, (uint32_t)domid, perms);
	if (!xs_mkdir(st->xs, XBT_NULL, path) ||
	    !xs_set_permissions(st->xs, XBT_NULL, path, perms, n)) {
		log_warn("xenstore %s", path);
		return -1;
	}
	return 0;
}

/*
 * Run body(st, t, arg) in a transaction, again while the commit meets a
 * conflict (8 times at most: someone, often the guest, wrote meanwhile).
 * body returns 0 to commit, 1 to end writing nothing, -1 on failure;
 * the result is 0, 1 or -1.
 */
static int
store_transact(struct store *st,
    int (*body)(struct store *, xs_transaction_t, void *), void *arg)
{
	xs_transaction_t t;
	int		 rc, tries;

	for (tries = 0; tries < 8; tries++) {
		if ((t = xs_transaction_start(st->xs)) == XBT_NULL)
			return -1;
		if ((rc = body(st, t, arg)) != 0) {
			xs_transaction_end(st->xs, t, true);
			return rc;
		}
		if (xs_transaction_end(st->xs, t, false))
			return 0;
		if (errno != EAGAIN)
			return -1;
	}
	return -1;
}

/*
 * No transaction: each write is its own request, and xenstored carries
 * out one connection's requests in order, so a reader that watches the
 * last key finds the others there when its watch fires.  A transaction
 * would cost three more round trips (start, a read to guard it, end),
 * and here each one lies between a guest and its first reply.
 */
int
store_write_seq(struct store *st, const char *dir, const char *const *keys,
    const char *const *values, size_t n)
{
	char   path[STORE_PATH_MAX];
	size_t i;

	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, keys[i]);
		if (!xs_write(st->xs, XBT_NULL, path, values[i],
			strlen(values[i]))) {
			log_warn("xenstore write %s", path);
			return -1;
		}
	}
	return 0;
}

/* One folder inside transaction t: made, owned, filled. */
static int
store_make_dir(struct store *st, xs_transaction_t t, const struct store_dir *d)
{
	struct xs_permissions perms[2] = {
		{ .id = d->owner, .perms = XS_PERM_NONE },
		{ .id = d->reader, .perms = XS_PERM_READ },
	};
	char   path[STORE_PATH_MAX];
	size_t i;

	if ((!xs_rm(st->xs, t, d->path) && errno != ENOENT) ||
	    !xs_mkdir(st->xs, t, d->path) ||
	    !xs_set_permissions(st->xs, t, d->path, perms, 2))
		return -1;
	/* Keys made by dom0 take their folder's permissions. */
	for (i = 0; i < d->n; i++) {
		snprintf(path, sizeof(path), "%s/%s", d->path, d->keys[i]);
		if (!xs_write(st->xs, t, path, d->values[i],
			strlen(d->values[i])))
			return -1;
	}
	return 0;
}

/* One attempt: 0 committed, -1 failed, EAGAIN to retry. */
struct store_dirs {
	const struct store_dir *d;
	size_t			n;
};

static int
store_dirs_body(struct store *st, xs_transaction_t t, void *arg)
{
	struct store_dirs *a = arg;
	size_t		   i;

	for (i = 0; i < a->n; i++)
		if (store_make_dir(st, t, &a->d[i]) == -1)
			return -1;
	return 0;
}

int
store_make_dirs(struct store *st, const struct store_dir *d, size_t n)
{
	struct store_dirs a = { d, n };

	if (store_transact(st, store_dirs_body, &a) != 0) {
		log_warn("xenstore transaction making %s", n ? d[0].path : "");
		return -1;
	}
	return 0;
}

/* One node inside transaction t, with the permissions libxl gives. */
static int
store_make_node(struct store *st, xs_transaction_t t, uint32_t domid,
    const struct store_node *nd)
{
	struct xs_permissions p[2];
	unsigned int	      n = store_perms(nd->perm, domid, p);

	if (nd->fresh && !xs_rm(st->xs, t, nd->path) && errno != ENOENT)
		return -1;
	if (!xs_write(st->xs, t, nd->path, nd->value, strlen(nd->value)))
		return -1;
	if (n > 0 && !xs_set_permissions(st->xs, t, nd->path, p, n))
		return -1;
	return 0;
}

struct store_nodes {
	uint32_t		 domid;
	const struct store_node *nd;
	size_t			 n;
};

static int
store_nodes_body(struct store *st, xs_transaction_t t, void *arg)
{
	struct store_nodes *a = arg;
	size_t		    i;

	for (i = 0; i < a->n; i++)
		if (store_make_node(st, t, a->domid, &a->nd[i]) == -1)
			return -1;
	return 0;
}

int
store_make_nodes(struct store *st, uint32_t domid, const struct store_node *nd,
    size_t n)
{
	struct store_nodes a = { domid, nd, n };

	if (store_transact(st, store_nodes_body, &a) != 0) {
		log_warn("xenstore transaction making %s", n ? nd[0].path : "");
		return -1;
	}
	return 0;
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

/* What one letter of a conduit-style permission list gives. */
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

struct store_ops {
	const struct store_op *ops;
	size_t		       n;
};

static int
store_ops_body(struct store *st, xs_transaction_t t, void *arg)
{
	const struct store_ops *a = arg;
	struct xs_permissions	p[STORE_OP_PERMS];
	const struct store_op  *op;
	size_t			i, j;

	for (i = 0; i < a->n; i++) {
		op = &a->ops[i];
		if (op->rm) {
			if (!xs_rm(st->xs, t, op->path) && errno != ENOENT)
				return -1;
			continue;
		}
		if (!xs_write(st->xs, t, op->path, op->value,
			strlen(op->value)))
			return -1;
		if (op->nperms == 0)
			continue;
		for (j = 0; j < op->nperms && j < STORE_OP_PERMS; j++) {
			p[j].id = op->perms[j].domid;
			if (store_perm_bits(op->perms[j].perm, &p[j].perms) ==
			    -1) {
				errno = EINVAL;
				return -1;
			}
		}
		if (!xs_set_permissions(st->xs, t, op->path, p,
			(unsigned int)j))
			return -1;
	}
	return 0;
}

int
store_apply(struct store *st, const struct store_op *ops, size_t n)
{
	struct store_ops a = { ops, n };

	if (n == 0)
		return 0;
	if (store_transact(st, store_ops_body, &a) == -1) {
		log_warn("xenstore transaction of %zu operation(s) from %s", n,
		    ops[0].path);
		return -1;
	}
	return 0;
}
