/* store_wire.c -- a batch of XenStore requests sent back to back on xenstored's socket */
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xen/io/xs_wire.h>

#include "store_int.h"

/*
 * Why a socket of our own.  libxenstore sends a request and waits for
 * its reply before it sends the next, so a transaction of a dozen nodes
 * (a write and a permission list each, with the start and the end) is
 * some thirty round trips; each costs 7-9 ms in the nested testbed, and
 * a summon's console folder took 64-350 ms of a builder's time that
 * way.  xenstored reads a connection's requests in order and answers
 * each in turn, so the whole batch can be written at once and the
 * replies read afterwards: one round trip, three in a transaction
 * (its start's reply names the transaction the others carry).  The
 * protocol is the one in xen/io/xs_wire.h; this connection sets no
 * watch, so nothing but replies comes back on it.
 *
 * Where xenstored has no socket (a xenstore stub domain: only the
 * kernel's /dev/xen/xenbus, which waits for each reply anyway) store.c
 * keeps to libxenstore.
 */
struct store_wire {
	int	 fd;
	uint32_t next_id;
	char	*buf; /* the batch's messages */
	size_t	 cap;
};

/* A reply must come within this, or the connection counts as lost. */
#define STORE_WIRE_TIMEOUT_S 30

const char *
store_wire_path(void)
{
	static _Thread_local char
		    path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	const char *p, *dir;

	if ((p = getenv("XENSTORED_PATH")) != NULL)
		return p;
	if ((dir = getenv("XENSTORED_RUNDIR")) == NULL)
		dir = "/var/run/xenstored";
	snprintf(path, sizeof(path), "%s/socket", dir);
	return path;
}

struct store_wire *
store_wire_open(const char *path)
{
	struct sockaddr_un sun;
	struct timeval	   tv = { STORE_WIRE_TIMEOUT_S, 0 };
	struct store_wire *w;
	int		   fd, saved;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	strcpy(sun.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return NULL;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) == -1 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    (w = calloc(1, sizeof(*w))) == NULL) {
		saved = errno;
		close(fd);
		errno = saved;
		return NULL;
	}
	w->fd = fd;
	w->next_id = 1;
	return w;
}

void
store_wire_close(struct store_wire *w)
{
	if (w == NULL)
		return;
	close(w->fd);
	free(w->buf);
	free(w);
}

static uint32_t
store_wire_type(enum store_req_type t)
{
	switch (t) {
	case STORE_REQ_RM:
		return XS_RM;
	case STORE_REQ_MKDIR:
		return XS_MKDIR;
	case STORE_REQ_WRITE:
		return XS_WRITE;
	case STORE_REQ_PERMS:
		return XS_SET_PERMS;
	}
	return XS_INVALID;
}

/* Append n bytes at *at in buf of len; -1 if they do not fit. */
static int
store_wire_put(char *buf, size_t len, size_t *at, const void *p, size_t n)
{
	if (n > len - *at)
		return -1;
	memcpy(buf + *at, p, n);
	*at += n;
	return 0;
}

ssize_t
store_wire_encode(const struct store_req *r, uint32_t id, uint32_t tx,
    char *buf, size_t len)
{
	struct xsd_sockmsg h;
	char		   perm[16];
	size_t		   at = sizeof(h), n;
	unsigned int	   i;

	if (len < sizeof(h) || r->path == NULL)
		return -1;
	if (store_wire_put(buf, len, &at, r->path, strlen(r->path) + 1) == -1)
		return -1;
	switch (r->type) {
	case STORE_REQ_WRITE:
		/* The value is the rest of the payload, with no NUL. */
		if (r->value == NULL ||
		    store_wire_put(buf, len, &at, r->value, strlen(r->value)) ==
			-1)
			return -1;
		break;
	case STORE_REQ_PERMS:
		if (r->nperms == 0 || r->nperms > STORE_OP_PERMS)
			return -1;
		for (i = 0; i < r->nperms; i++) {
			if (strchr("nrwb", r->perms[i].perm) == NULL ||
			    r->perms[i].perm == '\0')
				return -1;
			n = (size_t)snprintf(perm, sizeof(perm), "%c%u",
			    r->perms[i].perm, r->perms[i].domid);
			if (store_wire_put(buf, len, &at, perm, n + 1) == -1)
				return -1;
		}
		break;
	case STORE_REQ_RM:
	case STORE_REQ_MKDIR:
		break;
	}
	if (at - sizeof(h) > XENSTORE_PAYLOAD_MAX)
		return -1;
	h.type = store_wire_type(r->type);
	h.req_id = id;
	h.tx_id = tx;
	h.len = (uint32_t)(at - sizeof(h));
	memcpy(buf, &h, sizeof(h));
	return (ssize_t)at;
}

int
store_wire_errno(const char *payload, size_t len)
{
	size_t i;

	if (len > 0 && payload[len - 1] == '\0')
		len--;
	for (i = 0; i < sizeof(xsd_errors) / sizeof(xsd_errors[0]); i++)
		if (strlen(xsd_errors[i].errstring) == len &&
		    memcmp(xsd_errors[i].errstring, payload, len) == 0)
			return xsd_errors[i].errnum;
	return EIO;
}

static int
store_wire_send(struct store_wire *w, const char *p, size_t n)
{
	ssize_t k;

	while (n > 0) {
		if ((k = send(w->fd, p, n, MSG_NOSIGNAL)) == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				errno = ETIMEDOUT;
			return -1;
		}
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

static int
store_wire_recv(struct store_wire *w, void *buf, size_t n)
{
	char   *p = buf;
	ssize_t k;

	while (n > 0) {
		if ((k = recv(w->fd, p, n, 0)) == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				errno = ETIMEDOUT;
			return -1;
		}
		if (k == 0) {
			errno = ECONNRESET;
			return -1;
		}
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/*
 * The reply to request id: its header into h, its payload into pl
 * (XENSTORE_PAYLOAD_MAX + 1 bytes, NUL-terminated).  0, or -1 with the
 * connection lost or out of step (a reply to another request).
 */
static int
store_wire_reply(struct store_wire *w, uint32_t id, struct xsd_sockmsg *h,
    char *pl)
{
	for (;;) {
		if (store_wire_recv(w, h, sizeof(*h)) == -1)
			return -1;
		if (h->len > XENSTORE_PAYLOAD_MAX) {
			errno = EPROTO;
			return -1;
		}
		if (store_wire_recv(w, pl, h->len) == -1)
			return -1;
		pl[h->len] = '\0';
		if (h->type == XS_WATCH_EVENT)
			continue; /* none is set here; never ours */
		if (h->req_id != id) {
			errno = EPROTO;
			return -1;
		}
		return 0;
	}
}

/* Request id with its payload, and its reply; as store_wire_run. */
static int
store_wire_ask(struct store_wire *w, uint32_t type, uint32_t id, uint32_t tx,
    const char *payload, char *pl)
{
	struct xsd_sockmsg h = { type, id, tx, (uint32_t)strlen(payload) + 1 };

	if (store_wire_send(w, (const char *)&h, sizeof(h)) == -1 ||
	    store_wire_send(w, payload, h.len) == -1 ||
	    store_wire_reply(w, h.req_id, &h, pl) == -1)
		return STORE_WIRE_LOST;
	if (h.type == XS_ERROR) {
		errno = store_wire_errno(pl, h.len);
		return -1;
	}
	return 0;
}

/* The longest message there can be. */
#define STORE_WIRE_MSG_MAX (sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX)

/* The batch's messages into w->buf, their tx_id left 0; the length. */
static ssize_t
store_wire_batch(struct store_wire *w, const struct store_batch *b,
    uint32_t first)
{
	size_t	at = 0, i, want;
	ssize_t m;
	char   *nb;

	for (i = 0; i < b->n; i++) {
		if (w->cap - at < STORE_WIRE_MSG_MAX) {
			want = w->cap * 2 > at + STORE_WIRE_MSG_MAX ?
			    w->cap * 2 :
			    at + STORE_WIRE_MSG_MAX;
			if ((nb = realloc(w->buf, want)) == NULL)
				return -1;
			w->buf = nb;
			w->cap = want;
		}
		if ((m = store_wire_encode(&b->req[i], first + (uint32_t)i, 0,
			 w->buf + at, w->cap - at)) == -1) {
			errno = EINVAL; /* too long, or no such permission */
			return -1;
		}
		at += (size_t)m;
	}
	return (ssize_t)at;
}

int
store_wire_run(struct store_wire *w, const struct store_batch *b, int transact)
{
	struct xsd_sockmsg h;
	char		   pl[XENSTORE_PAYLOAD_MAX + 1], *end;
	uint32_t	   tx = 0, start, first;
	unsigned long	   t;
	size_t		   i, at;
	ssize_t		   len;
	int		   err = 0, e, rc;

	if (b->overflow) {
		errno = E2BIG;
		return -1;
	}
	/* Ids in the order sent: the start, the batch, the end. */
	start = w->next_id;
	first = start + (transact ? 1 : 0);
	w->next_id = first + (uint32_t)b->n + (transact ? 1 : 0);
	if ((len = store_wire_batch(w, b, first)) == -1)
		return -1;
	if (transact) {
		if ((rc = store_wire_ask(w, XS_TRANSACTION_START, start, 0, "",
			 pl)) != 0)
			return rc;
		errno = 0;
		t = strtoul(pl, &end, 10);
		if (errno != 0 || end == pl || *end != '\0' || t == 0 ||
		    t > UINT32_MAX) {
			errno = EPROTO;
			return STORE_WIRE_LOST;
		}
		tx = (uint32_t)t;
		for (at = 0; at < (size_t)len; at += sizeof(h) + h.len) {
			memcpy(&h, w->buf + at, sizeof(h));
			h.tx_id = tx;
			memcpy(w->buf + at, &h, sizeof(h));
		}
	}
	if (store_wire_send(w, w->buf, (size_t)len) == -1)
		return STORE_WIRE_LOST;
	for (i = 0; i < b->n; i++) {
		if (store_wire_reply(w, first + (uint32_t)i, &h, pl) == -1)
			return STORE_WIRE_LOST;
		if (h.type != XS_ERROR)
			continue;
		e = store_wire_errno(pl, h.len);
		if (b->req[i].type == STORE_REQ_RM && e == ENOENT)
			continue;
		if (err == 0)
			err = e;
	}
	if (transact) {
		rc = store_wire_ask(w, XS_TRANSACTION_END,
		    first + (uint32_t)b->n, tx, err == 0 ? "T" : "F", pl);
		if (rc == STORE_WIRE_LOST)
			return rc;
		if (rc == -1 && err == 0)
			err = errno;
	}
	if (err != 0) {
		errno = err;
		return -1;
	}
	return 0;
}
