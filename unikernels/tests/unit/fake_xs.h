/* fake_xs.h -- an in-memory XenStore with watches, for host tests */
#ifndef FAKE_XS_H
#define FAKE_XS_H

#include "libuk.h"

/*
 * uk.h's uk_xs_read/write/post_write/rm/watch/unwatch over a small table of nodes,
 * for the test that includes this (once: it defines them).  Paths are
 * taken as they come (the guest code under test uses relative ones).
 * Like xenstored, a change queues an event for every watch on the node
 * or above it, and registering a watch queues one at once; like the
 * libOS, the callbacks run only when the test says so (fxs_fire, which
 * stands for uk_poll's turn).  The test plays jitsud with fxs_set.
 */

#define FXS_NODES 32
#define FXS_PATH  96
#define FXS_QUEUE 32
#define FXS_VAL	  4096 /* XenStore's largest value */

static struct {
	int used;
	int seq; /* when last written: fxs_seq then */
	char path[FXS_PATH];
	char val[FXS_VAL];
} fxs_node[FXS_NODES];
static int fxs_seq; /* writes since fxs_reset */

static struct uk_xs_watch *fxs_watches;
static struct {
	struct uk_xs_watch *w;
	char path[FXS_PATH];
} fxs_q[FXS_QUEUE];
static int fxs_nq;
static int fxs_watch_error; /* what uk_xs_watch returns; 0: works */
/* What reading or listing a missing node returns: xenstored says
 * -UK_EACCES instead of -UK_ENOENT when the parent is not readable. */
static int fxs_missing = -UK_ENOENT;
static int fxs_nreads;	 /* uk_xs_read calls since fxs_reset */
static int fxs_nbatches; /* uk_xs_write_all calls since fxs_reset */
/* uk_xs_read_all calls since fxs_reset (each path also counts as a read) */
static int fxs_nreadbatches;
static int fxs_nposts;	   /* uk_xs_post_write calls since fxs_reset */
static int fxs_npostreads; /* uk_xs_post_read calls since fxs_reset */
static int fxs_nwaits;	   /* uk_xs_post_wait calls since fxs_reset */
static int fxs_post_error; /* what a posted write's reply says; 0: works */

static inline void
fxs_reset(void)
{
	memset(fxs_node, 0, sizeof(fxs_node));
	fxs_nreads = 0;
	fxs_nbatches = 0;
	fxs_nreadbatches = 0;
	fxs_nposts = 0;
	fxs_npostreads = 0;
	fxs_nwaits = 0;
	fxs_post_error = 0;
	fxs_seq = 0;
	fxs_watches = NULL;
	fxs_nq = 0;
	fxs_watch_error = 0;
	fxs_missing = -UK_ENOENT;
}

static inline int
fxs_find(const char *path)
{
	int i;

	for (i = 0; i < FXS_NODES; i++)
		if (fxs_node[i].used && strcmp(fxs_node[i].path, path) == 0)
			return i;
	return -1;
}

/* The value of path, or NULL if there is no such node. */
static inline const char *
fxs_get(const char *path)
{
	int i = fxs_find(path);

	return i < 0 ? NULL : fxs_node[i].val;
}

/* path is dir itself or below it */
static inline int
fxs_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return strncmp(path, dir, n) == 0 &&
	    (path[n] == '\0' || path[n] == '/');
}

static inline void
fxs_queue(struct uk_xs_watch *w, const char *path)
{
	assert_true(fxs_nq < FXS_QUEUE);
	fxs_q[fxs_nq].w = w;
	strlcpy(fxs_q[fxs_nq].path, path, FXS_PATH);
	fxs_nq++;
}

static inline void
fxs_changed(const char *path)
{
	struct uk_xs_watch *w;

	for (w = fxs_watches; w != NULL; w = w->next)
		if (fxs_under(path, w->path))
			fxs_queue(w, path);
}

/* Writes a node as another domain would (events included). */
static inline void
fxs_set(const char *path, const char *val)
{
	int i = fxs_find(path);

	if (i < 0)
		for (i = 0; i < FXS_NODES && fxs_node[i].used; i++)
			;
	assert_true(i < FXS_NODES);
	fxs_node[i].used = 1;
	fxs_node[i].seq = ++fxs_seq;
	strlcpy(fxs_node[i].path, path, FXS_PATH);
	strlcpy(fxs_node[i].val, val, sizeof(fxs_node[i].val));
	fxs_changed(path);
}

/* The order path was last written in (0: never). */
static inline int
fxs_written_at(const char *path)
{
	int i = fxs_find(path);

	return i < 0 ? 0 : fxs_node[i].seq;
}

/* Runs the queued watch callbacks, as uk_poll() would; returns how many. */
static inline int
fxs_fire(void)
{
	struct uk_xs_watch *w;
	char path[FXS_PATH];
	int n = 0;

	while (fxs_nq > 0) {
		w = fxs_q[0].w;
		strlcpy(path, fxs_q[0].path, sizeof(path));
		memmove(&fxs_q[0], &fxs_q[1],
		    sizeof(fxs_q[0]) * (size_t)(fxs_nq - 1));
		fxs_nq--;
		if (w != NULL) {
			w->fn(w, path, w->arg);
			n++;
		}
	}
	return n;
}

int
uk_xs_read(const char *path, char *buf, size_t size)
{
	const char *v = fxs_get(path);

	fxs_nreads++;
	if (v == NULL)
		return fxs_missing;
	if (strlen(v) + 1 > size)
		return -UK_E2BIG;
	return (int)strlcpy(buf, v, size);
}

int
uk_xs_write(const char *path, const char *value)
{
	fxs_set(path, value);
	return 0;
}

int
uk_xs_write_all(const char *const *paths, const char *const *values, size_t n)
{
	size_t i;

	fxs_nbatches++;
	for (i = 0; i < n; i++)
		fxs_set(paths[i], values[i]);
	return 0;
}

/* Answered at once, as the libOS would take the reply later. */
int
uk_xs_post_write(const char *path, const char *value, struct uk_xs_post *p)
{
	fxs_nposts++;
	if (fxs_post_error == 0)
		fxs_set(path, value);
	if (p != NULL) {
		p->rc = fxs_post_error;
		p->done = 1;
	}
	return 0;
}

/* Read when asked, as the libOS's reply would say what was there then
 * (xenstored answers in order); does not count as a read. */
int
uk_xs_post_read(const char *path, char *buf, size_t size, struct uk_xs_post *p)
{
	fxs_npostreads++;
	fxs_nreads--;
	p->rc = uk_xs_read(path, buf, size);
	p->done = 1;
	return 0;
}

int
uk_xs_post_wait(struct uk_xs_post *p)
{
	fxs_nwaits++;
	return p->done ? p->rc : -UK_EIO;
}

int
uk_xs_read_all(const char *const *paths, char *const *bufs, const size_t *sizes,
    int *rcs, size_t n)
{
	size_t i;

	fxs_nreadbatches++;
	for (i = 0; i < n; i++)
		rcs[i] = uk_xs_read(paths[i], bufs[i], sizes[i]);
	return 0;
}

int
uk_xs_rm(const char *path)
{
	int i, n = 0;

	for (i = 0; i < FXS_NODES; i++)
		if (fxs_node[i].used && fxs_under(fxs_node[i].path, path)) {
			fxs_node[i].used = 0;
			n++;
		}
	if (n == 0)
		return -UK_ENOENT;
	fxs_changed(path);
	return 0;
}

/* Whether name (len bytes) is already in the list buf[0, used). */
static inline int
fxs_listed(const char *buf, size_t used, const char *name, size_t len)
{
	size_t off;

	for (off = 0; off < used; off += strlen(buf + off) + 1)
		if (strlen(buf + off) == len &&
		    strncmp(buf + off, name, len) == 0)
			return 1;
	return 0;
}

/* The children of path, as xenstored lists them: names made of the
 * component below path of every node under it (a node's parents are
 * implicit here). */
int
uk_xs_directory(const char *path, char *buf, size_t size)
{
	size_t n = strlen(path), used = 0, len;
	const char *p, *slash;
	int i, count = 0, exists = fxs_find(path) >= 0;

	for (i = 0; i < FXS_NODES; i++) {
		p = fxs_node[i].path;
		if (!fxs_node[i].used || strncmp(p, path, n) != 0 ||
		    p[n] != '/')
			continue;
		exists = 1;
		p += n + 1;
		slash = strchr(p, '/');
		len = slash == NULL ? strlen(p) : (size_t)(slash - p);
		if (fxs_listed(buf, used, p, len))
			continue;
		if (used + len + 1 > size)
			return -UK_E2BIG;
		memcpy(buf + used, p, len);
		buf[used + len] = '\0';
		used += len + 1;
		count++;
	}
	return exists ? count : fxs_missing;
}

int
uk_xs_watch(struct uk_xs_watch *w, const char *path, uk_xs_watch_fn *fn,
    void *arg)
{
	if (fxs_watch_error != 0)
		return fxs_watch_error;
	strlcpy(w->path, path, sizeof(w->path));
	w->fn = fn;
	w->arg = arg;
	w->next = fxs_watches;
	fxs_watches = w;
	fxs_queue(w, path);
	return 0;
}

int
uk_xs_unwatch(struct uk_xs_watch *w)
{
	struct uk_xs_watch **pp;
	int i;

	for (pp = &fxs_watches; *pp != NULL; pp = &(*pp)->next)
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	for (i = 0; i < fxs_nq; i++)
		if (fxs_q[i].w == w)
			fxs_q[i].w = NULL;
	return 0;
}

/* The number of watches registered now. */
static inline int
fxs_nwatches(void)
{
	struct uk_xs_watch *w;
	int n = 0;

	for (w = fxs_watches; w != NULL; w = w->next)
		n++;
	return n;
}

#endif /* FAKE_XS_H */
