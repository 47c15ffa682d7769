/* xlh.c -- Synjitsu's XenStore transport: a guest's data/synjitsu folder */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jitsud.h"
#include "log.h"
#include "synjitsu.h"
#include "xl.h"

/*
 * Synjitsu's channel, the guest's data/synjitsu folder (synjitsu(7)):
 * made before the domain runs, private to dom0 and the guest; the guest
 * writes ready=1 to ask (our libOS as it boots, before its network is
 * up), we write conn/0..N-1 and then count=N, which it watches, it
 * writes adopted=K once it adopted them.  Records the main thread had
 * before the guest ran (handover_created) are written before its
 * unpause, and its ask is then not listened for (xlh_listen).  A guest
 * that gave up waiting has written adopted first: the watch on adopted
 * then fires at once and the records go with the folder, unread.
 *
 * adopted is watched only if it is not there when the guest says it is
 * ready (data/status, which the builder watches anyway: xlh_ready).  Our
 * libOS writes adopted and then data/status in one round trip when it
 * found the records at uk_ready(), so one read finds it; a watch (a
 * request, its first event, a read, and its removal) would cost
 * xenstored four requests while the guest's NIC comes up, and every
 * request there delays the guest on a dom0 it shares the CPU with.
 * When the guest was ready before the records came, it writes adopted
 * alone later: then the watch is set as the records are written, as it
 * is for a guest whose data/status the builder does not watch
 * (ready=tcp, or its watch could not be set: xlh_status).
 *
 * This is only the transport, run in the builder thread (a XenStore
 * round trip may take long while xenstored serves several builds, and
 * the DNS thread must not wait for one).  The protocol's states and
 * deadlines are handover.c's, on the main thread; xl.c carries the
 * steps between the two.
 */

struct xlh {
	struct store *store;
	uint32_t      domid;
	char	      name[BINDING_NAME_MAX];
	void (*asked)(void *);
	void (*adopted)(void *, int);
	void		   *arg;
	struct store_watch *ready;	 /* data/synjitsu/ready */
	struct store_watch *taken;	 /* data/synjitsu/adopted */
	int		    written;	 /* records in XenStore, not taken */
	int		    status_seen; /* the guest said it is ready */
	int		    status;	 /* data/status watched (xlh_status) */
};

static void
xlh_path(const struct xlh *h, const char *key, char *buf, size_t len)
{
	snprintf(buf, len, "/local/domain/%u/data/synjitsu%s%s", h->domid,
	    key[0] != '\0' ? "/" : "", key);
}

static void
xlh_ready_fired(void *arg)
{
	struct xlh *h = arg;

	h->ready = NULL;
	h->asked(h->arg);
}

struct xlh *
xlh_open(struct store *st, uint32_t domid, int made, const char *name,
    void (*asked)(void *), void (*adopted)(void *, int), void *arg)
{
	struct xlh *h;
	char	    path[STORE_PATH_MAX];

	if (st == NULL || (h = calloc(1, sizeof(*h))) == NULL)
		return NULL;
	h->store = st;
	h->domid = domid;
	snprintf(h->name, sizeof(h->name), "%s", name);
	h->asked = asked;
	h->adopted = adopted;
	h->arg = arg;
	xlh_path(h, "", path, sizeof(path));
	if (!made && store_private_dir(st, path, (int)domid) == -1) {
		free(h);
		return NULL;
	}
	return h;
}

void
xlh_listen(struct xlh *h)
{
	char path[STORE_PATH_MAX];

	if (h == NULL || h->ready != NULL || h->written)
		return;
	xlh_path(h, "ready", path, sizeof(path));
	if ((h->ready = store_watch(h->store, path, "1", xlh_ready_fired, h)) ==
	    NULL)
		log_warnx("%s: cannot watch %s", h->name, path);
}

/* Its records are read: nothing of the hand-over stays behind. */
static void
xlh_remove(struct xlh *h)
{
	char path[STORE_PATH_MAX];

	xlh_path(h, "", path, sizeof(path));
	(void)store_rm(h->store, path);
}

/* adopted's value as read (NULL: unreadable): the records are taken. */
static void
xlh_taken(struct xlh *h, const char *val)
{
	char *end;
	long  k = -1;

	if (val != NULL) {
		k = strtol(val, &end, 10);
		if (*end != '\0' || k < 0 || k > SYNJITSU_CONN_MAX)
			k = -1;
	}
	h->written = 0;
	xlh_remove(h);
	h->adopted(h->arg, (int)k);
}

static void
xlh_taken_fired(void *arg)
{
	struct xlh *h = arg;
	char	    path[STORE_PATH_MAX], val[16];

	h->taken = NULL;
	xlh_path(h, "adopted", path, sizeof(path));
	xlh_taken(h,
	    store_read(h->store, path, val, sizeof(val)) == 0 ? val : NULL);
}

/* The records are out: adopted is what is left to learn. */
static void
xlh_watch_taken(struct xlh *h)
{
	char path[STORE_PATH_MAX];

	xlh_path(h, "adopted", path, sizeof(path));
	store_unwatch(h->taken);
	if ((h->taken = store_watch(h->store, path, "", xlh_taken_fired, h)) ==
	    NULL)
		log_warnx("%s: cannot watch %s", h->name, path);
}

void
xlh_status(struct xlh *h)
{
	if (h != NULL)
		h->status = 1;
}

void
xlh_ready(struct xlh *h)
{
	char path[STORE_PATH_MAX], val[16];

	if (h == NULL || h->status_seen)
		return;
	h->status_seen = 1;
	if (!h->written || h->taken != NULL)
		return;
	xlh_path(h, "adopted", path, sizeof(path));
	if (store_read(h->store, path, val, sizeof(val)) == 0)
		xlh_taken(h, val);
	else
		xlh_watch_taken(h);
}

int
xlh_write(struct xlh *h, char *lines, size_t n)
{
	const char **keys, **vals;
	char	     dir[STORE_PATH_MAX];
	char(*names)[32], count[32], *line, *save = NULL;
	size_t i = 0;
	int    rc = -1;

	keys = calloc(n + 1, sizeof(*keys));
	vals = calloc(n + 1, sizeof(*vals));
	names = calloc(n + 1, sizeof(*names));
	if (keys == NULL || vals == NULL || names == NULL)
		goto out;
	for (line = strtok_r(lines, "\n", &save); line != NULL && i < n;
	     line = strtok_r(NULL, "\n", &save), i++) {
		snprintf(names[i], sizeof(names[i]), "conn/%zu", i);
		keys[i] = names[i];
		vals[i] = line;
	}
	/* count last: the guest's watch on it must find the records. */
	snprintf(count, sizeof(count), "%zu", i);
	keys[i] = "count";
	vals[i] = count;
	xlh_path(h, "", dir, sizeof(dir));
	rc = store_write_seq(h->store, dir, keys, vals, i + 1);
	if (rc == 0) {
		h->written = 1;
		/* Written before it asked (handover_unpaused): its ask,
		 * when it comes, has nothing left to start. */
		store_unwatch(h->ready);
		h->ready = NULL;
		/* Ready already, adopted will come alone (above); or no
		 * data/status is watched for this guest (xlh_status). */
		if (h->status_seen || !h->status)
			xlh_watch_taken(h);
	}
out:
	free(keys);
	free(vals);
	free(names);
	return rc == 0 ? 0 : -1;
}

/*
 * Records written and never taken must not stay in XenStore for the
 * life of the domain.  Once adopted, the folder is gone already.
 */
void
xlh_end(struct xlh *h)
{
	store_unwatch(h->ready);
	h->ready = NULL;
	store_unwatch(h->taken);
	h->taken = NULL;
	if (!h->written)
		return;
	h->written = 0;
	xlh_remove(h);
	log_info("%s: synjitsu: records not adopted removed", h->name);
}

void
xlh_close(struct xlh *h)
{
	if (h == NULL)
		return;
	store_unwatch(h->ready);
	store_unwatch(h->taken);
	free(h);
}
