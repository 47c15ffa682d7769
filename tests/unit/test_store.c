/* test_store.c -- store.c against an in-memory XenStore (no xenstored) */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>
#include <xenstore.h>

#include "fakexsd.h"
#include "jitsud.h"
#include "log.h"
#include "quietlog.h"
#include "testutil.h"

/*
 * The fake libxenstore: store.c is the only file that links the real
 * one, so the test links this instead.  Keys and values live in a
 * table; a watch fires (its event queued, a byte on the handle's pipe)
 * once when it is set, as XenStore does, and whenever its path or a
 * path below it is written or removed.  A transaction's writes are kept
 * aside and applied when it ends, unless `conflicts' says to fail it
 * with EAGAIN first.
 */
#define FX_KEYS	  64
#define FX_EVENTS 64
#define FX_LEN	  256

struct fx_kv {
	char path[FX_LEN];
	char value[FX_LEN];
	int  used;
};

struct xs_handle {
	int fds[2];
};

static struct fx_kv	     kv[FX_KEYS];
static struct fx_kv	     tx[FX_KEYS];      /* the open transaction */
static struct fx_kv	     watches[FX_KEYS]; /* path, token */
static char		     events[FX_EVENTS][2][FX_LEN]; /* path, token */
static int		     nevents;
static int		     in_tx, conflicts, tx_ended, unwatches;
/* Writes outside a transaction, in order; xs_write fails the one at
 * fail_write (counted from 1, 0: none). */
static char		     fx_wlog[8][FX_LEN];
static int		     fx_nwrites, fail_write;
static struct xs_handle	    *fx_h;
static struct xs_permissions fx_perms[3];
static char		     fx_perms_path[FX_LEN];
static unsigned int	     fx_nperms;

static struct fx_kv *
fx_find(struct fx_kv *t, const char *path)
{
	int i;

	for (i = 0; i < FX_KEYS; i++)
		if (t[i].used && strcmp(t[i].path, path) == 0)
			return &t[i];
	return NULL;
}

static struct fx_kv *
fx_slot(struct fx_kv *t, const char *path)
{
	struct fx_kv *e = fx_find(t, path);
	int	      i;

	for (i = 0; e == NULL && i < FX_KEYS; i++)
		if (!t[i].used)
			e = &t[i];
	assert_non_null(e);
	e->used = 1;
	snprintf(e->path, sizeof(e->path), "%s", path);
	return e;
}

/* path is w or below it. */
static int
fx_under(const char *path, const char *w)
{
	size_t n = strlen(w);

	return strncmp(path, w, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

static void
fx_event(const char *path, const char *token)
{
	assert_true(nevents < FX_EVENTS);
	snprintf(events[nevents][0], FX_LEN, "%s", path);
	snprintf(events[nevents][1], FX_LEN, "%s", token);
	nevents++;
	assert_int_equal(write(fx_h->fds[1], "", 1), 1);
}

static void
fx_changed(const char *path)
{
	int i;

	for (i = 0; i < FX_KEYS; i++)
		if (watches[i].used && fx_under(path, watches[i].path))
			fx_event(path, watches[i].value);
}

static void
fx_rm_all(void)
{
	memset(kv, 0, sizeof(kv));
}

static void
fx_set(const char *path, const char *value)
{
	snprintf(fx_slot(kv, path)->value, FX_LEN, "%s", value);
	fx_changed(path);
}

struct xs_handle *
xs_open(unsigned long flags)
{
	struct xs_handle *h;

	assert_int_equal(flags, 0);
	if ((h = calloc(1, sizeof(*h))) == NULL ||
	    pipe2(h->fds, O_NONBLOCK) == -1) {
		free(h);
		return NULL;
	}
	fx_h = h;
	return h;
}

void
xs_close(struct xs_handle *h)
{
	if (h == NULL)
		return;
	close(h->fds[0]);
	close(h->fds[1]);
	free(h);
	fx_h = NULL;
}

int
xs_fileno(struct xs_handle *h)
{
	return h->fds[0];
}

bool
xs_watch(struct xs_handle *h, const char *path, const char *token)
{
	struct fx_kv *w;
	int	      i;

	(void)h;
	for (i = 0; i < FX_KEYS; i++)
		if (!watches[i].used)
			break;
	assert_true(i < FX_KEYS);
	w = &watches[i];
	w->used = 1;
	snprintf(w->path, FX_LEN, "%s", path);
	snprintf(w->value, FX_LEN, "%s", token);
	fx_event(path, token);
	return true;
}

bool
xs_unwatch(struct xs_handle *h, const char *path, const char *token)
{
	int i;

	(void)h;
	for (i = 0; i < FX_KEYS; i++)
		if (watches[i].used && strcmp(watches[i].path, path) == 0 &&
		    strcmp(watches[i].value, token) == 0) {
			watches[i].used = 0;
			unwatches++;
			return true;
		}
	fail_msg("xs_unwatch of %s %s: no such watch", path, token);
	return false;
}

/* Like libxenstore: path and token in one allocation, freed at once. */
char **
xs_check_watch(struct xs_handle *h)
{
	char **vec, buf[64];
	size_t lp, lt;

	if (nevents == 0) {
		while (read(h->fds[0], buf, sizeof(buf)) > 0)
			;
		errno = EAGAIN;
		return NULL;
	}
	lp = strlen(events[0][0]) + 1;
	lt = strlen(events[0][1]) + 1;
	if ((vec = malloc(2 * sizeof(char *) + lp + lt)) == NULL)
		return NULL;
	vec[XS_WATCH_PATH] = (char *)(vec + 2);
	vec[XS_WATCH_TOKEN] = vec[XS_WATCH_PATH] + lp;
	memcpy(vec[XS_WATCH_PATH], events[0][0], lp);
	memcpy(vec[XS_WATCH_TOKEN], events[0][1], lt);
	memmove(events[0], events[1], sizeof(events[0]) * (size_t)--nevents);
	return vec;
}

void *
xs_read(struct xs_handle *h, xs_transaction_t t, const char *path,
    unsigned int *len)
{
	struct fx_kv *e = NULL;

	(void)h;
	if (t != XBT_NULL)
		e = fx_find(tx, path);
	if (e == NULL)
		e = fx_find(kv, path);
	if (e == NULL) {
		errno = ENOENT;
		return NULL;
	}
	*len = (unsigned int)strlen(e->value);
	return strdup(e->value);
}

bool
xs_write(struct xs_handle *h, xs_transaction_t t, const char *path,
    const void *data, unsigned int len)
{
	char v[FX_LEN];

	(void)h;
	assert_true(len < sizeof(v));
	memcpy(v, data, len);
	v[len] = '\0';
	if (t != XBT_NULL) {
		assert_true(in_tx);
		snprintf(fx_slot(tx, path)->value, FX_LEN, "%s", v);
		return true;
	}
	if (++fx_nwrites == fail_write) {
		errno = EACCES;
		return false;
	}
	if (fx_nwrites <= 8)
		snprintf(fx_wlog[fx_nwrites - 1], FX_LEN, "%s", path);
	fx_set(path, v);
	return true;
}

bool
xs_mkdir(struct xs_handle *h, xs_transaction_t t, const char *path)
{
	(void)h;
	(void)t;
	if (fx_find(kv, path) == NULL)
		fx_set(path, "");
	return true;
}

bool
xs_rm(struct xs_handle *h, xs_transaction_t t, const char *path)
{
	int i, found = 0;

	(void)h;
	(void)t;
	for (i = 0; i < FX_KEYS; i++)
		if (kv[i].used && fx_under(kv[i].path, path)) {
			kv[i].used = 0;
			found = 1;
		}
	if (!found) {
		errno = ENOENT;
		return false;
	}
	fx_changed(path);
	return true;
}

bool
xs_set_permissions(struct xs_handle *h, xs_transaction_t t, const char *path,
    struct xs_permissions *perms, unsigned int n)
{
	(void)h;
	(void)t;
	assert_true(n <= 3);
	snprintf(fx_perms_path, sizeof(fx_perms_path), "%s", path);
	memcpy(fx_perms, perms, n * sizeof(*perms));
	fx_nperms = n;
	return true;
}

/* The children of path, each once, in one block as libxenstore gives. */
char **
xs_directory(struct xs_handle *h, xs_transaction_t t, const char *path,
    unsigned int *num)
{
	char	    names[FX_KEYS][FX_LEN], **v, *p;
	size_t	    n = 0, len = strlen(path), total = 0, i;
	const char *rest;
	int	    k, j, seen;

	(void)h;
	(void)t;
	for (k = 0; k < FX_KEYS; k++) {
		if (!kv[k].used || strncmp(kv[k].path, path, len) != 0 ||
		    kv[k].path[len] != '/')
			continue;
		rest = kv[k].path + len + 1;
		for (seen = 0, j = 0; j < (int)n; j++)
			if (strncmp(names[j], rest, strcspn(rest, "/")) == 0 &&
			    names[j][strcspn(rest, "/")] == '\0')
				seen = 1;
		if (seen)
			continue;
		snprintf(names[n], FX_LEN, "%.*s", (int)strcspn(rest, "/"),
		    rest);
		total += strlen(names[n]) + 1;
		n++;
	}
	if (n == 0 && fx_find(kv, path) == NULL) {
		errno = ENOENT;
		return NULL;
	}
	if ((v = malloc(n * sizeof(*v) + total + 1)) == NULL)
		return NULL;
	p = (char *)(v + n);
	for (i = 0; i < n; i++) {
		v[i] = p;
		p = stpcpy(p, names[i]) + 1;
	}
	*num = (unsigned int)n;
	return v;
}

static unsigned int fx_gone_domid; /* xenstored no longer knows it */

bool
xs_is_domain_introduced(struct xs_handle *h, unsigned int domid)
{
	(void)h;
	return domid != fx_gone_domid;
}

static unsigned int  fx_intro_domid, fx_intro_port;
static unsigned long fx_intro_mfn;

bool
xs_introduce_domain(struct xs_handle *h, unsigned int domid, unsigned long mfn,
    unsigned int eventchn)
{
	(void)h;
	fx_intro_domid = domid;
	fx_intro_mfn = mfn;
	fx_intro_port = eventchn;
	return true;
}

xs_transaction_t
xs_transaction_start(struct xs_handle *h)
{
	(void)h;
	assert_false(in_tx);
	in_tx = 1;
	memset(tx, 0, sizeof(tx));
	return 7;
}

bool
xs_transaction_end(struct xs_handle *h, xs_transaction_t t, bool abort_it)
{
	int i;

	(void)h;
	assert_int_equal(t, 7);
	assert_true(in_tx);
	in_tx = 0;
	tx_ended++;
	if (abort_it)
		return true;
	if (conflicts > 0) {
		conflicts--;
		errno = EAGAIN;
		return false;
	}
	for (i = 0; i < FX_KEYS; i++)
		if (tx[i].used)
			fx_set(tx[i].path, tx[i].value);
	return true;
}

/* The tests. */
static struct event_base *base;
static struct store	 *st;
static int		  fired[4];

static void
on_fire(void *arg)
{
	(*(int *)arg)++;
}

static int
setup(void **state)
{
	(void)state;
	memset(kv, 0, sizeof(kv));
	memset(watches, 0, sizeof(watches));
	memset(fired, 0, sizeof(fired));
	nevents = in_tx = conflicts = tx_ended = unwatches = 0;
	fx_nwrites = fail_write = 0;
	fx_nperms = 0;
	fx_gone_domid = 0;
	if ((base = event_base_new()) == NULL)
		return -1;
	st = store_open(base);
	return st == NULL;
}

static int
teardown(void **state)
{
	(void)state;
	store_close(st);
	assert_null(fx_h); /* the handle was closed */
	event_base_free(base);
	return 0;
}

static void
loop(void)
{
	testutil_loop_for(base, 20);
}

#define READY "/local/domain/5/data/ready"

static void
test_watch_fires_once_when_the_key_takes_the_wanted_value(void **state)
{
	(void)state;
	assert_non_null(store_watch(st, READY, "1", on_fire, &fired[0]));
	loop();
	assert_int_equal(fired[0], 0); /* not there yet */
	fx_set(READY, "0");
	loop();
	assert_int_equal(fired[0], 0); /* not the wanted value */
	fx_set(READY, "10");
	loop();
	assert_int_equal(fired[0], 0); /* longer is not a match */
	fx_set(READY, "");
	loop();
	assert_int_equal(fired[0], 0); /* nor is shorter */
	fx_set(READY, "1");
	loop();
	assert_int_equal(fired[0], 1);
	/* The watch is gone once it fired: XenStore was told too. */
	assert_int_equal(unwatches, 1);
	fx_set(READY, "0");
	fx_set(READY, "1");
	loop();
	assert_int_equal(fired[0], 1);
}

static void
test_value_written_before_the_watch_fires_from_the_loop(void **state)
{
	(void)state;
	fx_set(READY, "1");
	assert_non_null(store_watch(st, READY, "1", on_fire, &fired[0]));
	assert_int_equal(fired[0], 0); /* not from store_watch */
	loop();
	assert_int_equal(fired[0], 1);
}

static void
test_empty_want_fires_on_any_value_even_empty(void **state)
{
	(void)state;
	assert_non_null(store_watch(st, READY, "", on_fire, &fired[0]));
	loop();
	assert_int_equal(fired[0], 0); /* no key, no value */
	fx_set(READY, "anything");
	loop();
	assert_int_equal(fired[0], 1);
	fx_rm_all();
	assert_non_null(store_watch(st, READY, "", on_fire, &fired[1]));
	fx_set(READY, "");
	loop();
	assert_int_equal(fired[1], 1);
}

/* A change below the watched path wakes it; only its own value counts. */
static void
test_change_below_the_path_does_not_satisfy_it(void **state)
{
	(void)state;
	assert_non_null(store_watch(st, "/local/domain/5/data", "go", on_fire,
	    &fired[0]));
	fx_set("/local/domain/5/data/other", "go");
	loop();
	assert_int_equal(fired[0], 0);
	fx_set("/local/domain/5/data", "go");
	loop();
	assert_int_equal(fired[0], 1);
}

static void
test_two_watches_on_one_path_each_wait_for_their_value(void **state)
{
	(void)state;
	assert_non_null(store_watch(st, READY, "a", on_fire, &fired[0]));
	assert_non_null(store_watch(st, READY, "b", on_fire, &fired[1]));
	fx_set(READY, "b");
	loop();
	assert_int_equal(fired[0], 0);
	assert_int_equal(fired[1], 1);
	fx_set(READY, "a");
	loop();
	assert_int_equal(fired[0], 1);
	assert_int_equal(fired[1], 1);
}

/* Events already queued for a watch cancelled meanwhile are ignored. */
static void
test_unwatched_watch_never_fires_even_on_queued_events(void **state)
{
	struct store_watch *w;

	(void)state;
	w = store_watch(st, READY, "1", on_fire, &fired[0]);
	assert_non_null(w);
	fx_set(READY, "1");
	assert_true(nevents >= 2);
	store_unwatch(w);
	loop();
	assert_int_equal(fired[0], 0);
	assert_int_equal(nevents, 0); /* they were read, though */
	store_unwatch(NULL);
}

/*
 * The callback may free its argument and set a new watch: store.c is
 * done with the old one before it calls back.
 */
static struct store_watch *rearmed;

static void
on_fire_free_and_rearm(void *arg)
{
	free(arg);
	rearmed = store_watch(st, READY, "2", on_fire, &fired[1]);
}

static void
test_callback_may_free_its_argument_and_watch_again(void **state)
{
	(void)state;
	rearmed = NULL;
	assert_non_null(store_watch(st, READY, "1", on_fire_free_and_rearm,
	    malloc(16)));
	fx_set(READY, "1");
	loop();
	assert_non_null(rearmed);
	fx_set(READY, "2");
	loop();
	assert_int_equal(fired[1], 1);
}

static void
test_close_cancels_the_watches_left(void **state)
{
	(void)state;
	assert_non_null(store_watch(st, READY, "1", on_fire, &fired[0]));
	assert_non_null(store_watch(st, "/x", "1", on_fire, &fired[1]));
	store_close(st);
	assert_int_equal(unwatches, 2);
	assert_null(fx_h);
	st = store_open(base); /* for teardown */
	assert_non_null(st);
}

static void
test_too_long_a_path_or_value_sets_no_watch(void **state)
{
	char path[STORE_PATH_MAX + 1], want[STORE_VALUE_MAX + 1];

	(void)state;
	memset(path, 'p', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	memset(want, 'v', sizeof(want) - 1);
	want[sizeof(want) - 1] = '\0';
	assert_null(store_watch(st, path, "1", on_fire, &fired[0]));
	assert_null(store_watch(st, READY, want, on_fire, &fired[0]));
	assert_int_equal(nevents, 0);
}

static void
test_read_gives_the_value_only_if_it_fits(void **state)
{
	char buf[4];

	(void)state;
	assert_int_equal(store_read(st, READY, buf, sizeof(buf)), -1);
	assert_int_equal(store_write(st, READY, "abc"), 0);
	assert_int_equal(store_read(st, READY, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "abc");
	assert_int_equal(store_write(st, READY, "abcd"), 0);
	assert_int_equal(store_read(st, READY, buf, sizeof(buf)), -1);
}

static void
test_rm_takes_the_subtree_and_a_missing_path_is_fine(void **state)
{
	char buf[16];

	(void)state;
	fx_set("/d/a", "1");
	fx_set("/d/a/b", "2");
	fx_set("/d/ab", "3");
	assert_int_equal(store_rm(st, "/d/a"), 0);
	assert_int_equal(store_read(st, "/d/a", buf, sizeof(buf)), -1);
	assert_int_equal(store_read(st, "/d/a/b", buf, sizeof(buf)), -1);
	assert_int_equal(store_read(st, "/d/ab", buf, sizeof(buf)), 0);
	assert_int_equal(store_rm(st, "/d/a"), 0);
}

/* dom0 owns it and no one else may read; the guest may read and write. */
static void
test_private_dir_is_dom0s_and_the_guests_only(void **state)
{
	(void)state;
	assert_int_equal(store_private_dir(st, "/local/domain/5/data/synjitsu",
			     5),
	    0);
	assert_non_null(fx_find(kv, "/local/domain/5/data/synjitsu"));
	assert_string_equal(fx_perms_path, "/local/domain/5/data/synjitsu");
	assert_int_equal(fx_nperms, 2);
	assert_int_equal(fx_perms[0].id, 0);
	assert_int_equal(fx_perms[0].perms, XS_PERM_NONE);
	assert_int_equal(fx_perms[1].id, 5);
	assert_int_equal(fx_perms[1].perms, XS_PERM_READ | XS_PERM_WRITE);
}

static const char *const seq_keys[] = { "conn/0", "conn/1", "count" };
static const char *const seq_values[] = { "rec-a", "rec-b", "2" };

/* In order, count (the key the guest watches) last, no transaction. */
static void
test_write_seq_writes_every_key_in_order(void **state)
{
	(void)state;
	assert_int_equal(store_write_seq(st, "/h", seq_keys, seq_values, 3), 0);
	assert_int_equal(fx_nwrites, 3);
	assert_string_equal(fx_wlog[0], "/h/conn/0");
	assert_string_equal(fx_wlog[1], "/h/conn/1");
	assert_string_equal(fx_wlog[2], "/h/count");
	assert_string_equal(fx_find(kv, "/h/count")->value, "2");
	assert_int_equal(tx_ended, 0);
}

/* A failed write stops it: what follows (count) is never written. */
static void
test_write_seq_stops_at_a_failed_write(void **state)
{
	(void)state;
	fail_write = 2;
	assert_int_equal(store_write_seq(st, "/h", seq_keys, seq_values, 3),
	    -1);
	assert_non_null(fx_find(kv, "/h/conn/0"));
	assert_null(fx_find(kv, "/h/conn/1"));
	assert_null(fx_find(kv, "/h/count"));
	assert_int_equal(fx_nwrites, 2);
}

static const char *const      fkeys[] = { "state", "mac" };
static const char *const      fvalues[] = { "1", "00:16:3e:00:00:01" };
static const char *const      bkeys[] = { "state", "hotplug-status" };
static const char *const      bvalues[] = { "1", "" };
static const struct store_dir dirs[] = {
	{ "/f", 5, 0, fkeys, fvalues, 2 },
	{ "/b", 0, 5, bkeys, bvalues, 2 },
};

/* Both folders in one transaction, the old content gone, owned right. */
static void
test_make_dirs_replaces_both_folders_in_one_transaction(void **state)
{
	(void)state;
	fx_set("/f/stale", "x");
	assert_int_equal(store_make_dirs(st, dirs, 2), 0);
	assert_int_equal(tx_ended, 1);
	assert_null(fx_find(kv, "/f/stale"));
	assert_string_equal(fx_find(kv, "/f/mac")->value, "00:16:3e:00:00:01");
	assert_string_equal(fx_find(kv, "/b/state")->value, "1");
	assert_string_equal(fx_find(kv, "/b/hotplug-status")->value, "");
	/* The fake keeps the last permissions set: the backend's. */
	assert_string_equal(fx_perms_path, "/b");
	assert_int_equal(fx_perms[0].id, 0);
	assert_int_equal(fx_perms[0].perms, XS_PERM_NONE);
	assert_int_equal(fx_perms[1].id, 5);
	assert_int_equal(fx_perms[1].perms, XS_PERM_READ);
}

static void
test_make_dirs_retries_a_conflict_then_gives_up(void **state)
{
	(void)state;
	conflicts = 2;
	assert_int_equal(store_make_dirs(st, dirs, 2), 0);
	assert_int_equal(tx_ended, 3);
	assert_non_null(fx_find(kv, "/b/state"));
	memset(kv, 0, sizeof(kv));
	tx_ended = 0;
	conflicts = 1000;
	assert_int_equal(store_make_dirs(st, dirs, 2), -1);
	assert_null(fx_find(kv, "/b/state"));
	assert_int_equal(tx_ended, 8);
}

static const struct store_node nodes[] = {
	{ "/d", "", STORE_GUEST_RO, 1 },
	{ "/d/name", "www", STORE_INHERIT, 0 },
	{ "/d/data", "", STORE_GUEST_RW, 0 },
	{ "/l", "", STORE_DOM0, 0 },
	{ "/d/data/synjitsu", "", STORE_SHARED, 0 },
	{ "/d/console/backend-id", "0", STORE_FRONTEND, 0 },
};

/* The last node's permissions, in turn: each kind is libxl's set. */
static void
test_make_nodes_gives_each_libxls_permissions(void **state)
{
	struct store_node one = nodes[0];

	(void)state;
	fx_set("/d/stale", "x");
	assert_int_equal(store_make_nodes(st, 9, nodes, 3), 0);
	assert_int_equal(tx_ended, 1);
	assert_null(fx_find(kv, "/d/stale"));
	assert_string_equal(fx_find(kv, "/d/name")->value, "www");
	/* the guest owns data/: one entry, its own */
	assert_string_equal(fx_perms_path, "/d/data");
	assert_int_equal(fx_nperms, 1);
	assert_int_equal(fx_perms[0].id, 9);
	assert_int_equal(fx_perms[0].perms, XS_PERM_NONE);
	assert_int_equal(store_make_nodes(st, 9, &nodes[3], 1), 0);
	assert_int_equal(fx_nperms, 1);
	assert_int_equal(fx_perms[0].id, 0);
	assert_int_equal(store_make_nodes(st, 9, &one, 1), 0);
	assert_int_equal(fx_nperms, 2);
	assert_int_equal(fx_perms[0].id, 0);
	assert_int_equal(fx_perms[1].id, 9);
	assert_int_equal(fx_perms[1].perms, XS_PERM_READ);
	/* Shared: dom0's, read and written by the guest, no one else. */
	assert_int_equal(store_make_nodes(st, 9, &nodes[4], 1), 0);
	assert_int_equal(fx_nperms, 2);
	assert_int_equal(fx_perms[0].id, 0);
	assert_int_equal(fx_perms[0].perms, XS_PERM_NONE);
	assert_int_equal(fx_perms[1].id, 9);
	assert_int_equal(fx_perms[1].perms, XS_PERM_READ | XS_PERM_WRITE);
	/* A frontend's key: the guest's, dom0 (its backend) reads it. */
	assert_int_equal(store_make_nodes(st, 9, &nodes[5], 1), 0);
	assert_int_equal(fx_nperms, 2);
	assert_int_equal(fx_perms[0].id, 9);
	assert_int_equal(fx_perms[0].perms, XS_PERM_NONE);
	assert_int_equal(fx_perms[1].id, 0);
	assert_int_equal(fx_perms[1].perms, XS_PERM_READ);
}

static void
test_introduce_hands_over_frame_and_port(void **state)
{
	(void)state;
	assert_int_equal(store_introduce(st, 9, 0xfeffc, 3), 0);
	assert_int_equal(fx_intro_domid, 9);
	assert_int_equal(fx_intro_mfn, 0xfeffc);
	assert_int_equal(fx_intro_port, 3);
}

/* store_follow's callback: counts and keeps the last path. */
static char followed[FX_LEN];

static void
on_follow(const char *path, void *arg)
{
	(*(int *)arg)++;
	snprintf(followed, sizeof(followed), "%s", path);
}

static void
test_follow_reports_every_event_with_its_path_until_unwatched(void **state)
{
	struct store_watch *w;

	(void)state;
	w = store_follow(st, "/local/domain/5/data/conduit", on_follow,
	    &fired[0]);
	assert_non_null(w);
	loop();
	assert_int_equal(fired[0], 1); /* XenStore's first event */
	assert_string_equal(followed, "/local/domain/5/data/conduit");
	fx_set("/local/domain/5/data/conduit/a", "connect echo.test");
	fx_set("/local/domain/5/data/conduit/a", "connect echo.test");
	loop();
	assert_int_equal(fired[0], 3); /* every write, the same one too */
	assert_string_equal(followed, "/local/domain/5/data/conduit/a");
	fx_set("/local/domain/5/data/other", "x");
	loop();
	assert_int_equal(fired[0], 3);
	assert_int_equal(unwatches, 0); /* not a one-shot watch */
	store_unwatch(w);
	fx_set("/local/domain/5/data/conduit/b", "x");
	loop();
	assert_int_equal(fired[0], 3);
}

static void
test_get_tells_absent_from_empty_and_gives_the_whole_length(void **state)
{
	char buf[4];

	(void)state;
	assert_int_equal(store_get(st, "/x", buf, sizeof(buf)), -1);
	fx_set("/x", "");
	assert_int_equal(store_get(st, "/x", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	fx_set("/x", "abcdef");
	assert_int_equal(store_get(st, "/x", buf, sizeof(buf)), 6);
	assert_string_equal(buf, "abc"); /* cut, and the length says so */
	assert_int_equal(store_get(st, "/x", NULL, 0), 6);
}

static void
test_list_gives_each_child_once(void **state)
{
	char	   **v;
	unsigned int n = 9;

	(void)state;
	assert_null(store_list(st, "/local/domain", &n));
	fx_set("/local/domain/1/name", "a");
	fx_set("/local/domain/1/data", "");
	fx_set("/local/domain/12", "");
	assert_non_null(v = store_list(st, "/local/domain", &n));
	assert_int_equal(n, 2);
	assert_string_equal(v[0], "1");
	assert_string_equal(v[1], "12");
	free(v);
}

static void
test_introduced_is_xenstoreds_word(void **state)
{
	(void)state;
	fx_gone_domid = 4;
	assert_true(store_introduced(st, 3));
	assert_false(store_introduced(st, 4));
}

/* conduit(7)'s channel: written, then its three-entry list set. */
static void
test_apply_writes_and_removes_in_one_transaction(void **state)
{
	struct store_op ops[3] = {
		{ .rm = 1, .path = "/j/old" },
		{ .path = "/j/chan/1",
		    .value = "",
		    .nperms = 3,
		    .perms = { { 0, 'n' }, { 5, 'b' }, { 7, 'r' } } },
		{ .path = "/j/dom/5/accept/1",
		    .value = "7 echo.test /j/chan/1",
		    .nperms = 2,
		    .perms = { { 0, 'n' }, { 5, 'r' } } },
	};

	(void)state;
	fx_set("/j/old/x", "1");
	assert_int_equal(store_apply(st, ops, 2), 0);
	assert_int_equal(tx_ended, 1);
	assert_null(fx_find(kv, "/j/old/x"));
	assert_non_null(fx_find(kv, "/j/chan/1"));
	assert_string_equal(fx_perms_path, "/j/chan/1");
	assert_int_equal(fx_nperms, 3);
	assert_int_equal(fx_perms[0].id, 0);
	assert_int_equal(fx_perms[0].perms, XS_PERM_NONE);
	assert_int_equal(fx_perms[1].id, 5);
	assert_int_equal(fx_perms[1].perms, XS_PERM_READ | XS_PERM_WRITE);
	assert_int_equal(fx_perms[2].id, 7);
	assert_int_equal(fx_perms[2].perms, XS_PERM_READ);
	/* A conflict is retried: the offer lands once. */
	conflicts = 1;
	assert_int_equal(store_apply(st, &ops[2], 1), 0);
	assert_int_equal(tx_ended, 3);
	assert_string_equal(fx_find(kv, "/j/dom/5/accept/1")->value,
	    "7 echo.test /j/chan/1");
	/* An unknown permission letter fails the whole transaction. */
	ops[1].perms[2].perm = 'x';
	quietlog_warnings = 0;
	assert_int_equal(store_apply(st, &ops[1], 1), -1);
	assert_int_equal(quietlog_warnings, 1);
}

/* Permissions alone: a key another domain wrote keeps its value. */
static void
test_apply_sets_permissions_and_keeps_the_value(void **state)
{
	struct store_op op = { .perms_only = 1,
		.path = "/j/chan/1/ring-ref",
		.nperms = 2,
		.perms = { { 9, 'n' }, { 5, 'r' } } };

	(void)state;
	fx_set("/j/chan/1/ring-ref", "8");
	assert_int_equal(store_apply(st, &op, 1), 0);
	assert_string_equal(fx_find(kv, "/j/chan/1/ring-ref")->value, "8");
	assert_string_equal(fx_perms_path, "/j/chan/1/ring-ref");
	assert_int_equal(fx_nperms, 2);
	assert_int_equal(fx_perms[0].id, 9);
	assert_int_equal(fx_perms[1].id, 5);
	assert_int_equal(fx_perms[1].perms, XS_PERM_READ);
}

/*
 * With xenstored's socket (the fake in fakexsd.h): a call's requests go
 * over it, all before the first reply is read, and nothing through
 * libxenstore.
 */
static const char *const one_key[] = { "count" };
static const char *const one_value[] = { "1" };

static void
fxd_use(void)
{
	const char *path;

	memset(&fxd, 0, sizeof(fxd));
	assert_non_null(path = fxd_start());
	setenv("XENSTORED_PATH", path, 1);
}

static void
fxd_done(void)
{
	store_close(st); /* the socket with it: the fake's thread ends */
	st = NULL;
	fxd_stop();
	setenv("XENSTORED_PATH", "/nonexistent/xenstored/socket", 1);
	st = store_open(base);
}

static void
test_writes_go_over_xenstoreds_socket_when_there_is_one(void **state)
{
	(void)state;
	fxd_use();
	fxd.ph[0] = (struct fxd_phase){ 3, { "", "", "" } };
	assert_int_equal(store_write_seq(st, "/h", seq_keys, seq_values, 3), 0);
	fxd_done();
	assert_string_equal(fxd.log,
	    "11/1/0:/h/conn/0|rec-a;11/2/0:/h/conn/1|rec-b;"
	    "11/3/0:/h/count|2;");
	assert_int_equal(fx_nwrites, 0);
}

/* The socket lost mid-call: the call is made again through libxenstore
 * (writes and removals can be), and so is every later one. */
static void
test_a_lost_socket_falls_back_to_libxenstore(void **state)
{
	(void)state;
	fxd_use();
	fxd.ph[0] = (struct fxd_phase){ 3, { "", "X" } };
	assert_int_equal(store_write_seq(st, "/h", seq_keys, seq_values, 3), 0);
	assert_int_equal(fx_nwrites, 3);
	assert_string_equal(fx_find(kv, "/h/count")->value, "2");
	assert_int_equal(store_write_seq(st, "/h", one_key, one_value, 1), 0);
	assert_int_equal(fx_nwrites, 4);
	fxd_done();
	assert_string_equal(fxd.log,
	    "11/1/0:/h/conn/0|rec-a;11/2/0:/h/conn/1|rec-b;"
	    "11/3/0:/h/count|2;");
}

/* A transaction over the socket that meets a conflict is run again. */
static void
test_a_conflict_over_the_socket_is_run_again(void **state)
{
	static const struct store_dir one = { "/f", 5, 0, fkeys, fvalues, 1 };

	(void)state;
	fxd_use();
	fxd.ph[0] = (struct fxd_phase){ 1, { "=9" } };
	fxd.ph[1] = (struct fxd_phase){ 4, { "!ENOENT", "", "", "" } };
	fxd.ph[2] = (struct fxd_phase){ 1, { "!EAGAIN" } };
	fxd.ph[3] = (struct fxd_phase){ 1, { "=10" } };
	fxd.ph[4] = (struct fxd_phase){ 4, { "", "", "", "" } };
	fxd.ph[5] = (struct fxd_phase){ 1, { "" } };
	assert_int_equal(store_make_dirs(st, &one, 1), 0);
	fxd_done();
	assert_string_equal(fxd.log,
	    "6/1/0:|;13/2/9:/f|;12/3/9:/f|;14/4/9:/f|n5|r0|;"
	    "11/5/9:/f/state|1;7/6/9:T|;"
	    "6/7/0:|;13/8/10:/f|;12/9/10:/f|;14/10/10:/f|n5|r0|;"
	    "11/11/10:/f/state|1;7/12/10:T|;");
	assert_int_equal(tx_ended, 0); /* libxenstore never asked */
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_watch_fires_once_when_the_key_takes_the_wanted_value),
		T(test_value_written_before_the_watch_fires_from_the_loop),
		T(test_empty_want_fires_on_any_value_even_empty),
		T(test_change_below_the_path_does_not_satisfy_it),
		T(test_two_watches_on_one_path_each_wait_for_their_value),
		T(test_unwatched_watch_never_fires_even_on_queued_events),
		T(test_callback_may_free_its_argument_and_watch_again),
		T(test_close_cancels_the_watches_left),
		T(test_too_long_a_path_or_value_sets_no_watch),
		T(test_read_gives_the_value_only_if_it_fits),
		T(test_rm_takes_the_subtree_and_a_missing_path_is_fine),
		T(test_private_dir_is_dom0s_and_the_guests_only),
		T(test_write_seq_writes_every_key_in_order),
		T(test_write_seq_stops_at_a_failed_write),
		T(test_make_dirs_replaces_both_folders_in_one_transaction),
		T(test_writes_go_over_xenstoreds_socket_when_there_is_one),
		T(test_a_lost_socket_falls_back_to_libxenstore),
		T(test_a_conflict_over_the_socket_is_run_again),
		T(test_make_dirs_retries_a_conflict_then_gives_up),
		T(test_make_nodes_gives_each_libxls_permissions),
		T(test_introduce_hands_over_frame_and_port),
		T(test_follow_reports_every_event_with_its_path_until_unwatched),
		T(test_get_tells_absent_from_empty_and_gives_the_whole_length),
		T(test_list_gives_each_child_once),
		T(test_introduced_is_xenstoreds_word),
		T(test_apply_writes_and_removes_in_one_transaction),
		T(test_apply_sets_permissions_and_keeps_the_value),
	};
#undef T

	/* The fake libxenstore, never a xenstored this host may have. */
	setenv("XENSTORED_PATH", "/nonexistent/xenstored/socket", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
