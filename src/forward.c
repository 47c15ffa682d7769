/* forward.c -- send out-of-zone queries to the configured upstream resolver */
#include <sys/random.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "jitsud.h"
#include "log.h"

#define FWD_TIMEOUT_MS	 2000
#define FWD_INFLIGHT_MAX 256 /* queries awaiting an answer, UDP and TCP */
#define FWD_TCP_IDLE_SEC 10  /* an idle one is closed after */
#define FWD_ID_TRIES	 64

/*
 * Each query goes upstream from a socket of its own, so from a port the
 * kernel picks at random, under a fresh random ID, and an answer is
 * taken only if it comes to that socket with that ID and, byte for
 * byte, the question we sent: a spoofer has the port's 16 bits, the
 * ID's 16 and the exact question to guess (RFC 5452).  A socket each
 * costs a descriptor each: FWD_INFLIGHT_MAX bounds them.
 */
struct fwd_query {
	struct forwarder     *fwd;
	LIST_ENTRY(fwd_query) entry;
	uint16_t	      id; /* upstream ID */
	uint16_t	      client_id;
	int		      tcp;
	int		      fd;   /* UDP, connected */
	struct event	     *ev;   /* UDP */
	struct fwd_conn	     *conn; /* TCP: the connection it went on */
	LIST_ENTRY(fwd_query) centry;
	struct event	     *timer;
	void (*cb)(void *, const uint8_t *, size_t);
	void   *arg;
	size_t	qend; /* header + question */
	size_t	len;
	uint8_t q[]; /* the query as sent */
};

/*
 * TCP queries share an upstream connection and are pipelined on it
 * (RFC 7766 6.2.1), each under an ID unique on it; the answers may come
 * in any order.  A connection per query cost a descriptor and a
 * handshake each: 8 clients pipelining 400 queries once opened over a
 * thousand.  Idle for FWD_TCP_IDLE_SEC, it is closed; closed by the
 * upstream, its queries get no answer (SERVFAIL) and the next query
 * opens another.
 */
struct fwd_conn {
	struct forwarder   *fwd;
	struct bufferevent *bev;
	struct event	   *idle;
	LIST_HEAD(, fwd_query) queries;
	size_t nqueries;
};

struct forwarder {
	struct event_base    *base;
	LIST_ENTRY(forwarder) retired;
	struct event	     *retire_ev;
	struct conf_addr      upstream;
	LIST_HEAD(, fwd_query) inflight;
	size_t		 ninflight;
	struct fwd_conn *conn; /* TCP, shared (RFC 7766 6.2.2); or NULL */
	uint8_t		 buf[DNS_TCP_MAX];
};

static void forward_udp_read(int, short, void *);

struct forwarder *
forward_new(struct event_base *base, const struct conf_addr *upstream)
{
	struct forwarder *f;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return NULL;
	f->base = base;
	f->upstream = *upstream;
	LIST_INIT(&f->inflight);
	return f;
}

static void forward_conn_idle(int, short, void *);

/* Forget fq, which is in flight: no callback. */
void
forward_cancel(struct fwd_query *fq)
{
	struct fwd_conn *c = fq->conn;
	struct timeval	 tv = { FWD_TCP_IDLE_SEC, 0 };

	LIST_REMOVE(fq, entry);
	fq->fwd->ninflight--;
	if (c != NULL) {
		/* A late answer for it will find no query and be dropped. */
		LIST_REMOVE(fq, centry);
		if (--c->nqueries == 0)
			evtimer_add(c->idle, &tv);
	}
	if (fq->ev != NULL)
		event_free(fq->ev);
	if (fq->fd != -1)
		close(fq->fd);
	if (fq->timer != NULL)
		event_free(fq->timer);
	free(fq);
}

/* Close c; its queries, if any, are the caller's to have answered. */
static void
forward_conn_free(struct fwd_conn *c)
{
	struct fwd_query *fq;

	while ((fq = LIST_FIRST(&c->queries)) != NULL) {
		LIST_REMOVE(fq, centry);
		fq->conn = NULL;
	}
	c->fwd->conn = NULL;
	bufferevent_free(c->bev);
	event_free(c->idle);
	free(c);
}

static void
forward_conn_idle(int fd, short event, void *arg)
{
	struct fwd_conn *c = arg;

	(void)fd;
	(void)event;
	if (c->nqueries == 0)
		forward_conn_free(c);
}

void
forward_free(struct forwarder *f)
{
	if (f == NULL)
		return;
	/* Callers cancel their own queries first; these are leftovers. */
	while (!LIST_EMPTY(&f->inflight))
		forward_cancel(LIST_FIRST(&f->inflight));
	if (f->conn != NULL)
		forward_conn_free(f->conn);
	free(f);
}

static void
forward_retired(int fd, short event, void *arg)
{
	struct forwarder *f = arg;

	(void)fd;
	(void)event;
	LIST_REMOVE(f, retired);
	event_free(f->retire_ev);
	forward_free(f);
}

void
forward_retire(struct forwarder_list *retired, struct forwarder *f)
{
	struct timeval tv = { FWD_TIMEOUT_MS / 1000 + 1, 0 };

	if (f == NULL)
		return;
	/* Every query it still has ends by its timeout: free it after. */
	if ((f->retire_ev = evtimer_new(f->base, forward_retired, f)) == NULL) {
		log_warnx("forwarder: cannot retire it; closing it now");
		forward_free(f);
		return;
	}
	LIST_INSERT_HEAD(retired, f, retired);
	evtimer_add(f->retire_ev, &tv);
}

void
forward_free_retired(struct forwarder_list *retired)
{
	struct forwarder *f;

	while ((f = LIST_FIRST(retired)) != NULL) {
		LIST_REMOVE(f, retired);
		event_free(f->retire_ev);
		forward_free(f);
	}
}

/* Hand the answer (or NULL: failure) to the caller, then forget fq. */
static void
forward_done(struct fwd_query *fq, uint8_t *reply, size_t len)
{
	if (reply != NULL) {
		reply[0] = (uint8_t)(fq->client_id >> 8);
		reply[1] = (uint8_t)fq->client_id;
	}
	fq->cb(fq->arg, reply, len);
	forward_cancel(fq);
}

/*
 * Is `r' the answer to fq?  Same ID, QR set, and the question section
 * exactly as sent (compared case-sensitively: we sent those bytes).
 */
static int
forward_matches(const struct fwd_query *fq, const uint8_t *r, size_t len)
{
	return len >= fq->qend && (r[2] & 0x80) != 0 &&
	    memcmp(r, fq->q, 2) == 0 && memcmp(r + 4, fq->q + 4, 2) == 0 &&
	    memcmp(r + DNS_HEADER_LEN, fq->q + DNS_HEADER_LEN,
		fq->qend - DNS_HEADER_LEN) == 0;
}

static void
forward_udp_read(int fd, short event, void *arg)
{
	struct fwd_query *fq = arg;
	struct forwarder *f = fq->fwd;
	ssize_t		  n;

	(void)event;
	while ((n = recv(fd, f->buf, sizeof(f->buf), 0)) >= 0) {
		if (!forward_matches(fq, f->buf, (size_t)n)) {
			log_debug("forwarder: unexpected answer dropped");
			continue;
		}
		forward_done(fq, f->buf, (size_t)n);
		return;
	}
	if (errno != EAGAIN && errno != EINTR)
		log_debug("forwarder recv: %s", strerror(errno));
}

static void
forward_timeout(int fd, short event, void *arg)
{
	struct fwd_query *fq = arg;

	(void)fd;
	(void)event;
	log_debug("forwarder: no answer within %d ms", FWD_TIMEOUT_MS);
	forward_done(fq, NULL, 0);
}

/* TCP: each answer is a two-byte length and that many bytes. */
static void
forward_tcp_read(struct bufferevent *bev, void *arg)
{
	struct fwd_conn	 *c = arg;
	struct forwarder *f = c->fwd;
	struct evbuffer	 *in = bufferevent_get_input(bev);
	struct fwd_query *fq;
	uint8_t		  lenbuf[2];
	size_t		  len;

	while (evbuffer_get_length(in) >= 2) {
		evbuffer_copyout(in, lenbuf, 2);
		len = (size_t)lenbuf[0] << 8 | lenbuf[1];
		if (evbuffer_get_length(in) < 2 + len)
			return;
		evbuffer_drain(in, 2);
		evbuffer_remove(in, f->buf, len);
		LIST_FOREACH(fq, &c->queries, centry)
			if (forward_matches(fq, f->buf, len))
				break;
		if (fq == NULL) {
			log_debug("forwarder: unexpected TCP answer dropped");
			continue;
		}
		/* forward_done frees fq, never c: c is still ours. */
		forward_done(fq, f->buf, len);
	}
}

/* The upstream hung up or failed: every query on it has no answer. */
static void
forward_tcp_event(struct bufferevent *bev, short what, void *arg)
{
	struct fwd_conn	 *c = arg;
	struct fwd_query *fq;

	(void)bev;
	if (!(what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)))
		return;
	while ((fq = LIST_FIRST(&c->queries)) != NULL)
		forward_done(fq, NULL, 0);
	forward_conn_free(c);
}

static struct fwd_conn *
forward_conn_open(struct forwarder *f)
{
	struct fwd_conn *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->fwd = f;
	LIST_INIT(&c->queries);
	c->idle = evtimer_new(f->base, forward_conn_idle, c);
	c->bev = bufferevent_socket_new(f->base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (c->idle == NULL || c->bev == NULL) {
		if (c->idle != NULL)
			event_free(c->idle);
		if (c->bev != NULL)
			bufferevent_free(c->bev);
		free(c);
		return NULL;
	}
	bufferevent_setcb(c->bev, forward_tcp_read, NULL, forward_tcp_event, c);
	f->conn = c;
	if (bufferevent_socket_connect(c->bev,
		(struct sockaddr *)&f->upstream.ss,
		(int)f->upstream.len) == -1) {
		forward_conn_free(c);
		return NULL;
	}
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	return c;
}

/* An ID no query on c uses: its answers are told apart by it. */
static int
forward_conn_id(const struct fwd_conn *c, uint16_t *id)
{
	const struct fwd_query *q;
	int			i;

	for (i = 0; i < FWD_ID_TRIES; i++) {
		if (getrandom(id, sizeof(*id), 0) != sizeof(*id))
			return -1;
		LIST_FOREACH(q, &c->queries, centry)
			if (q->id == *id)
				break;
		if (q == NULL)
			return 0;
	}
	return -1;
}

static int
forward_tcp_start(struct fwd_query *fq)
{
	struct fwd_conn *c;
	uint8_t lenbuf[2] = { (uint8_t)(fq->len >> 8), (uint8_t)fq->len };

	/* The one connection, opened if there is none (RFC 7766 6.2.2). */
	if ((c = fq->fwd->conn) == NULL &&
	    (c = forward_conn_open(fq->fwd)) == NULL)
		return -1;
	if (forward_conn_id(c, &fq->id) == -1)
		return -1;
	fq->q[0] = (uint8_t)(fq->id >> 8);
	fq->q[1] = (uint8_t)fq->id;
	fq->conn = c;
	LIST_INSERT_HEAD(&c->queries, fq, centry);
	c->nqueries++;
	evtimer_del(c->idle);
	if (bufferevent_write(c->bev, lenbuf, 2) == -1 ||
	    bufferevent_write(c->bev, fq->q, fq->len) == -1)
		return -1;
	return 0;
}

/* UDP: a socket of its own, connected to the upstream. */
static int
forward_udp_start(struct fwd_query *fq)
{
	struct forwarder *f = fq->fwd;

	fq->fd = socket(f->upstream.ss.ss_family,
	    SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fq->fd == -1 ||
	    connect(fq->fd, (const struct sockaddr *)&f->upstream.ss,
		f->upstream.len) == -1 ||
	    (fq->ev = event_new(f->base, fq->fd, EV_READ | EV_PERSIST,
		 forward_udp_read, fq)) == NULL ||
	    event_add(fq->ev, NULL) == -1) {
		log_warn("forwarder socket");
		return -1;
	}
	if (send(fq->fd, fq->q, fq->len, 0) == -1) {
		log_warn("forwarder send");
		return -1;
	}
	return 0;
}

struct fwd_query *
forward_query(struct forwarder *f, const uint8_t *q, size_t len, size_t qend,
    int tcp, void (*cb)(void *, const uint8_t *, size_t), void *arg)
{
	struct fwd_query *fq;
	struct timeval	  tv = { FWD_TIMEOUT_MS / 1000,
		   (FWD_TIMEOUT_MS % 1000) * 1000 };

	if (qend < DNS_HEADER_LEN || qend > len ||
	    f->ninflight >= FWD_INFLIGHT_MAX)
		return NULL;
	if ((fq = calloc(1, sizeof(*fq) + len)) == NULL)
		return NULL;
	fq->fwd = f;
	fq->fd = -1;
	LIST_INSERT_HEAD(&f->inflight, fq, entry);
	f->ninflight++;
	fq->tcp = tcp;
	fq->cb = cb;
	fq->arg = arg;
	fq->qend = qend;
	fq->len = len;
	memcpy(fq->q, q, len);
	fq->client_id = (uint16_t)(q[0] << 8 | q[1]);
	if ((fq->timer = evtimer_new(f->base, forward_timeout, fq)) == NULL ||
	    getrandom(&fq->id, sizeof(fq->id), 0) != sizeof(fq->id))
		goto err;
	fq->q[0] = (uint8_t)(fq->id >> 8);
	fq->q[1] = (uint8_t)fq->id;
	if ((tcp ? forward_tcp_start(fq) : forward_udp_start(fq)) == -1)
		goto err;
	evtimer_add(fq->timer, &tv);
	return fq;
err:
	forward_cancel(fq);
	return NULL;
}
