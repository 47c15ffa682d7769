/* xenstore.c -- XenStore client: requests, transactions and watches */
#include "xenplat.h"

/*
 * One request at a time: send it, then read messages until its reply.
 * Watch events can arrive at any moment, also between a request and its
 * reply; they are queued here and their callbacks run later from
 * uk_poll() (xs_handler), never from inside a request, so callbacks may
 * themselves make requests.
 *
 * Messages are longer than the 1 KiB rings, so both directions stream:
 * copy what fits, publish the index, notify, wait for the peer to move.
 * A timeout or a malformed message leaves the stream at an unknown
 * position; XenStore is then declared dead rather than misparsed.
 *
 * A posted request (uk_xs_post_write, uk_xs_post_read,
 * xenstore_post_watch) is sent and not waited for: xenstored answers
 * one connection's requests in order, so its reply comes before that
 * of any request sent after it, and whoever reads the stream next (a
 * later request, or xs_handler from uk_poll) takes it and keeps its
 * result.  What a boot tells XenStore before its NIC but never needs
 * the answer to then costs it no round trip: each is several ms of a
 * boot on a busy dom0, the guest idle while xenstored gets round to
 * it.  A posted read's value is copied to its caller's buffer as its
 * reply is taken; uk_xs_post_wait waits for it if it has not come.
 */

#define XS_TIMEOUT UK_SEC(30)
#define XS_QUEUE   8

#define XS_POSTED 8

static struct xenstore_domain_interface *xs;
static evtchn_port_t xs_port;
static int xs_dead;
static uint32_t xs_req_id;
static char xs_sendbuf[XS_HDR_LEN + XENSTORE_PAYLOAD_MAX];
static char xs_recvbuf[XENSTORE_PAYLOAD_MAX + 1];

static struct uk_xs_watch *watches;
static struct {
	struct uk_xs_watch *w;
	char path[UK_XS_WATCH_PATH_MAX];
} queue[XS_QUEUE];
static unsigned int q_head, q_len;
/* Posted requests whose reply has not come, oldest first. */
static struct {
	uint32_t id, type;
	struct uk_xs_post *p;
	struct uk_xs_watch *w; /* a posted watch, unlinked if refused */
	char *buf;	       /* a posted read's value goes there */
	size_t size;
} posted[XS_POSTED];
static unsigned int n_posted;
static unsigned int xs_nrequests;
static unsigned int xs_nwaits; /* round trips waited for */
static uint64_t xs_wait_ns;

/* Waits until the peer moves *idx away from old, or deadline passes. */
static int
xs_wait_move(const uint32_t *idx, uint32_t old, uint64_t deadline)
{
	for (;;) {
		/* The locked clear orders the index load after it. */
		evtchn_clear(xs_port);
		if (xen_load_idx(idx) != old)
			return 0;
		if (uk_now() >= deadline)
			return -UK_ETIMEDOUT;
		evtchn_wait(&xs_port, 1, deadline);
	}
}

static int
xs_send(const char *buf, size_t len, uint64_t deadline)
{
	uint32_t prod, cons;
	int w, rc;

	while (len > 0) {
		cons = xen_load_idx(&xs->req_cons);
		prod = xs->req_prod;
		w = ring_write(xs->req, sizeof(xs->req), prod, cons, buf, len);
		if (w < 0)
			return -UK_EIO;
		if (w == 0) {
			if ((rc = xs_wait_move(&xs->req_cons, cons, deadline)))
				return rc;
			continue;
		}
		xen_store_idx(&xs->req_prod, prod + (uint32_t)w);
		evtchn_notify(xs_port);
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

static int
xs_recv(char *buf, size_t len, uint64_t deadline)
{
	uint32_t prod, cons;
	int r, rc;

	while (len > 0) {
		prod = xen_load_idx(&xs->rsp_prod);
		cons = xs->rsp_cons;
		r = ring_read(xs->rsp, sizeof(xs->rsp), prod, cons, buf, len);
		if (r < 0)
			return -UK_EIO;
		if (r == 0) {
			if ((rc = xs_wait_move(&xs->rsp_prod, prod, deadline)))
				return rc;
			continue;
		}
		/* The copy is done before the release store frees the space. */
		xen_store_idx(&xs->rsp_cons, cons + (uint32_t)r);
		evtchn_notify(xs_port);
		buf += r;
		len -= (size_t)r;
	}
	return 0;
}

/* Reads one whole message; its payload lands NUL-terminated in recvbuf. */
static int
xs_recv_msg(struct xsd_sockmsg *hdr, uint64_t deadline)
{
	char raw[XS_HDR_LEN];
	int rc;

	if ((rc = xs_recv(raw, sizeof(raw), deadline)) != 0)
		return rc;
	if ((rc = xs_decode_header(raw, hdr)) != 0)
		return rc;
	if ((rc = xs_recv(xs_recvbuf, hdr->len, deadline)) != 0)
		return rc;
	xs_recvbuf[hdr->len] = '\0';
	return 0;
}

static int
xs_fail(int rc)
{
	xs_dead = 1;
	printf("uk: xenstore: connection lost (error %d)\n", rc);
	return rc;
}

/* The watch whose token ("uk" + its address in hex) this is, or NULL. */
static struct uk_xs_watch *
xs_watch_of(const char *token)
{
	struct uk_xs_watch *w;
	unsigned long addr;
	char *end;

	if (strncmp(token, "uk", 2) != 0)
		return NULL;
	addr = strtoul(token + 2, &end, 16);
	if (*end != '\0')
		return NULL;
	/* Compare addresses only: a token is never dereferenced. */
	for (w = watches; w != NULL; w = w->next)
		if ((uintptr_t)w == addr)
			return w;
	return NULL;
}

static void
xs_queue_event(size_t len)
{
	const char *path, *token;
	struct uk_xs_watch *w;
	unsigned int slot;

	if (xs_watch_event(xs_recvbuf, len, &path, &token) != 0) {
		printf("uk: xenstore: malformed watch event dropped\n");
		return;
	}
	/* Unknown token: a watch removed while its event was in flight. */
	if ((w = xs_watch_of(token)) == NULL)
		return;
	if (q_len == XS_QUEUE || strlen(path) >= sizeof(queue[0].path)) {
		w->lost = 1;
		return;
	}
	slot = (q_head + q_len) % XS_QUEUE;
	queue[slot].w = w;
	strlcpy(queue[slot].path, path, sizeof(queue[slot].path));
	q_len++;
}

static void xs_unlink(struct uk_xs_watch *);
static int xs_read_out(char *, size_t, size_t);

/* A round trip waited for since t0: xenstore_stats' accounts. */
static void
xs_waited(uint64_t t0)
{
	xs_wait_ns += uk_now() - t0;
	xs_nwaits++;
}

/*
 * The reply to the oldest posted request, if this message is it: its
 * result kept (or, with nobody to keep it for, a failure logged).  1 if
 * taken, 0 if not a posted reply, <0 if the stream is broken.
 */
static int
xs_take_posted(const struct xsd_sockmsg *hdr)
{
	int rc = 0;

	if (n_posted == 0 || hdr->req_id != posted[0].id)
		return 0;
	if (hdr->type == XS_ERROR)
		rc = -xs_errno(xs_recvbuf, hdr->len);
	else if (hdr->type != posted[0].type)
		return xs_fail(-UK_EPROTO);
	else if (posted[0].buf != NULL)
		rc = xs_read_out(posted[0].buf, posted[0].size, hdr->len);
	if (rc < 0 && posted[0].w != NULL)
		xs_unlink(posted[0].w);
	if (posted[0].p != NULL) {
		posted[0].p->rc = rc;
		posted[0].p->done = 1;
	} else if (rc < 0)
		printf("uk: xenstore: posted request %u failed (error %d)\n",
		    (unsigned)hdr->req_id, rc);
	n_posted--;
	memmove(&posted[0], &posted[1], n_posted * sizeof(posted[0]));
	return 1;
}

/*
 * One message off the ring that is no synchronous request's reply: a
 * watch event queued, or a posted request's reply taken (1); anything
 * else, its type in *type (0); a broken stream (<0, xs_dead).
 */
static int
xs_take_one(uint64_t deadline, uint32_t *type)
{
	struct xsd_sockmsg hdr;
	int rc;

	if ((rc = xs_recv_msg(&hdr, deadline)) != 0)
		return xs_fail(rc);
	if (hdr.type == XS_WATCH_EVENT) {
		xs_queue_event(hdr.len);
		return 1;
	}
	*type = hdr.type;
	return xs_take_posted(&hdr);
}

/*
 * Waits for the reply to request id (payload in xs_recvbuf), queueing the
 * watch events that come first and taking the replies of posted requests.
 * An XS_ERROR reply is the request's error; anything else unexpected
 * kills the connection (xs_dead).
 */
static int
xs_reply(uint32_t id, uint32_t type, uint64_t deadline, size_t *rlen)
{
	struct xsd_sockmsg hdr;
	int rc;

	for (;;) {
		if ((rc = xs_recv_msg(&hdr, deadline)) != 0)
			return xs_fail(rc);
		if (hdr.type == XS_WATCH_EVENT) {
			xs_queue_event(hdr.len);
			continue;
		}
		if ((rc = xs_take_posted(&hdr)) < 0)
			return rc;
		if (rc > 0)
			continue;
		if (hdr.req_id != id)
			return xs_fail(-UK_EPROTO);
		if (hdr.type == XS_ERROR)
			return -xs_errno(xs_recvbuf, hdr.len);
		if (hdr.type != type)
			return xs_fail(-UK_EPROTO);
		if (rlen != NULL)
			*rlen = hdr.len;
		return 0;
	}
}

/* Encodes and sends one request; its id in *id. */
static int
xs_send_request(uint32_t type, uint32_t tx, const char *const *strs, size_t n,
    int last_nul, uint64_t deadline, uint32_t *id)
{
	int len, rc;

	*id = ++xs_req_id;
	len = xs_encode(xs_sendbuf, sizeof(xs_sendbuf), type, *id, tx, strs, n,
	    last_nul);
	if (len < 0)
		return len;
	xs_nrequests++;
	if ((rc = xs_send(xs_sendbuf, (size_t)len, deadline)) != 0)
		return xs_fail(rc);
	return 0;
}

/*
 * Sends a request (in transaction tx, 0 for none) and waits for its
 * reply (payload in xs_recvbuf).
 */
static int
xs_request(uint32_t type, uint32_t tx, const char *const *strs, size_t n,
    int last_nul, size_t *rlen)
{
	uint64_t t0 = uk_now();
	uint32_t id;
	int rc;

	if (xs_dead)
		return -UK_EIO;
	if ((rc = xs_send_request(type, tx, strs, n, last_nul, t0 + XS_TIMEOUT,
		 &id)) != 0)
		return rc;
	rc = xs_reply(id, type, t0 + XS_TIMEOUT, rlen);
	xs_waited(t0);
	return rc;
}

/*
 * Sends a request and leaves its reply to xs_take_posted.  With every
 * slot taken (a reply slow to come), it is an ordinary request instead,
 * its result in *p at once.
 */
static int
xs_post(uint32_t type, const char *const *strs, size_t n, int last_nul,
    struct uk_xs_post *p, struct uk_xs_watch *w, char *buf, size_t size)
{
	size_t len;
	uint32_t id;
	int rc;

	if (p != NULL)
		p->done = 0;
	if (xs_dead)
		return -UK_EIO;
	if (n_posted == XS_POSTED) {
		rc = xs_request(type, UK_XS_NOTX, strs, n, last_nul, &len);
		if (rc == 0 && buf != NULL)
			rc = xs_read_out(buf, size, len);
		if (rc < 0 && w != NULL)
			xs_unlink(w);
		if (p != NULL) {
			p->rc = rc;
			p->done = 1;
		}
		return rc == -UK_EIO && xs_dead ? rc : 0;
	}
	if ((rc = xs_send_request(type, UK_XS_NOTX, strs, n, last_nul,
		 uk_now() + XS_TIMEOUT, &id)) != 0)
		return rc;
	posted[n_posted].id = id;
	posted[n_posted].type = type;
	posted[n_posted].p = p;
	posted[n_posted].w = w;
	posted[n_posted].buf = buf;
	posted[n_posted].size = size;
	n_posted++;
	return 0;
}

int
uk_xs_post_write(const char *path, const char *value, struct uk_xs_post *p)
{
	const char *strs[] = { path, value };

	return xs_post(XS_WRITE, strs, 2, 0, p, NULL, NULL, 0);
}

int
uk_xs_post_read(const char *path, char *buf, size_t size, struct uk_xs_post *p)
{
	const char *strs[] = { path };

	return xs_post(XS_READ, strs, 1, 1, p, NULL, buf, size);
}

/*
 * As xs_reply, for a posted request: messages are taken until its
 * reply was (watch events queued, earlier posted replies kept).
 */
int
uk_xs_post_wait(struct uk_xs_post *p)
{
	uint64_t t0 = uk_now();
	uint32_t type;

	if (p->done)
		return p->rc;
	while (!p->done && !xs_dead)
		if (xs_take_one(t0 + XS_TIMEOUT, &type) == 0)
			xs_fail(-UK_EPROTO);
	xs_waited(t0);
	return p->done ? p->rc : -UK_EIO;
}

/*
 * n writes in one round trip: every request goes out before the first
 * reply is read.  xenstored serves one connection's requests in order,
 * so path i is written before path i + 1 (a frontend's "state" last is
 * still last).  Every reply sent for is read, even after an error, so
 * the stream stays in step; the first error is returned.
 */
int
xenstore_write_all(const char *const *paths, const char *const *values,
    size_t n)
{
	uint64_t t0 = uk_now();
	uint32_t first = xs_req_id + 1, id;
	size_t i, sent;
	int rc, err = 0;

	if (xs_dead)
		return -UK_EIO;
	for (sent = 0; sent < n; sent++) {
		const char *strs[] = { paths[sent], values[sent] };

		if ((err = xs_send_request(XS_WRITE, UK_XS_NOTX, strs, 2, 0,
			 t0 + XS_TIMEOUT, &id)) != 0)
			break;
	}
	for (i = 0; i < sent && !xs_dead; i++)
		if ((rc = xs_reply(first + (uint32_t)i, XS_WRITE,
			 t0 + XS_TIMEOUT, NULL)) != 0 &&
		    err == 0)
			err = rc;
	xs_waited(t0);
	return xs_dead ? -UK_EIO : err;
}

/* A read's reply, len bytes and its NUL in xs_recvbuf, into buf. */
static int
xs_read_out(char *buf, size_t size, size_t len)
{
	if (len + 1 > size)
		return -UK_E2BIG;
	memcpy(buf, xs_recvbuf, len + 1);
	return (int)len;
}

/*
 * n reads in one round trip, as the writes above: all asked, then the
 * replies taken in order, each copied out of xs_recvbuf before the next
 * comes in.  A read's own error (ENOENT) is its rcs[i]; a broken stream
 * ends them all.
 */
int
uk_xs_read_all(const char *const *paths, char *const *bufs, const size_t *sizes,
    int *rcs, size_t n)
{
	uint64_t t0 = uk_now();
	uint32_t first = xs_req_id + 1, id;
	size_t i, len, sent;
	int rc = 0;

	if (xs_dead)
		return -UK_EIO;
	for (sent = 0; sent < n; sent++) {
		const char *strs[] = { paths[sent] };

		if ((rc = xs_send_request(XS_READ, UK_XS_NOTX, strs, 1, 1,
			 t0 + XS_TIMEOUT, &id)) != 0)
			break;
	}
	for (i = 0; i < sent && !xs_dead; i++) {
		rcs[i] = xs_reply(first + (uint32_t)i, XS_READ, t0 + XS_TIMEOUT,
		    &len);
		if (rcs[i] == 0)
			rcs[i] = xs_read_out(bufs[i], sizes[i], len);
	}
	for (; i < n; i++)
		rcs[i] = rc != 0 ? rc : -UK_EIO;
	xs_waited(t0);
	return xs_dead ? -UK_EIO : 0;
}

int
uk_xs_tx_read(uint32_t tx, const char *path, char *buf, size_t size)
{
	const char *strs[] = { path };
	size_t len;
	int rc;

	if ((rc = xs_request(XS_READ, tx, strs, 1, 1, &len)) != 0)
		return rc;
	return xs_read_out(buf, size, len);
}

int
uk_xs_tx_write(uint32_t tx, const char *path, const char *value)
{
	const char *strs[] = { path, value };

	return xs_request(XS_WRITE, tx, strs, 2, 0, NULL);
}

int
uk_xs_tx_rm(uint32_t tx, const char *path)
{
	const char *strs[] = { path };

	return xs_request(XS_RM, tx, strs, 1, 1, NULL);
}

int
uk_xs_tx_directory(uint32_t tx, const char *path, char *buf, size_t size)
{
	const char *strs[] = { path };
	size_t len;
	int rc, count;

	if ((rc = xs_request(XS_DIRECTORY, tx, strs, 1, 1, &len)) != 0)
		return rc;
	if ((count = xs_directory_count(xs_recvbuf, len)) < 0)
		return count;
	if (len > size)
		return -UK_E2BIG;
	memcpy(buf, xs_recvbuf, len);
	return count;
}

int
uk_xs_read(const char *path, char *buf, size_t size)
{
	return uk_xs_tx_read(UK_XS_NOTX, path, buf, size);
}

int
uk_xs_write(const char *path, const char *value)
{
	return uk_xs_tx_write(UK_XS_NOTX, path, value);
}

int
uk_xs_write_all(const char *const *paths, const char *const *values, size_t n)
{
	return xenstore_write_all(paths, values, n);
}

int
uk_xs_rm(const char *path)
{
	return uk_xs_tx_rm(UK_XS_NOTX, path);
}

int
uk_xs_directory(const char *path, char *buf, size_t size)
{
	return uk_xs_tx_directory(UK_XS_NOTX, path, buf, size);
}

int
uk_xs_transaction_start(uint32_t *tx)
{
	/* The payload is one empty string; the reply names the transaction. */
	const char *strs[] = { "" };
	size_t len;
	int rc;

	if ((rc = xs_request(XS_TRANSACTION_START, UK_XS_NOTX, strs, 1, 1,
		 &len)) != 0)
		return rc;
	/* A bad reply leaves the stream in step: fail this call only. */
	return xs_tx_id(xs_recvbuf, len, tx) == 0 ? 0 : -UK_EPROTO;
}

int
uk_xs_transaction_end(uint32_t tx, int commit)
{
	const char *strs[] = { commit ? "T" : "F" };

	if (tx == UK_XS_NOTX)
		return -UK_EINVAL;
	/* xenstored answers a conflicting commit with EAGAIN. */
	return xs_request(XS_TRANSACTION_END, tx, strs, 1, 1, NULL);
}

int
xenstore_set_perms(uint32_t tx, const char *path, const char *const *perms,
    size_t n)
{
	const char *strs[4];
	size_t i;

	if (n == 0 || n >= sizeof(strs) / sizeof(strs[0]))
		return -UK_EINVAL;
	strs[0] = path;
	for (i = 0; i < n; i++)
		strs[i + 1] = perms[i];
	return xs_request(XS_SET_PERMS, tx, strs, n + 1, 1, NULL);
}

void
xenstore_stats(unsigned int *requests, uint64_t *wait_ns, unsigned int *waits)
{
	*requests = xs_nrequests;
	*wait_ns = xs_wait_ns;
	*waits = xs_nwaits;
}

static void
xs_token(const struct uk_xs_watch *w, char *buf, size_t size)
{
	snprintf(buf, size, "uk%lx", (unsigned long)(uintptr_t)w);
}

static void
xs_unlink(struct uk_xs_watch *w)
{
	struct uk_xs_watch **pp;
	unsigned int i, slot;

	for (pp = &watches; *pp != NULL; pp = &(*pp)->next)
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	w->next = NULL;
	w->lost = 0;
	/* Queued events of w must not reach its callback any more. */
	for (i = 0; i < q_len; i++) {
		slot = (q_head + i) % XS_QUEUE;
		if (queue[slot].w == w)
			queue[slot].w = NULL;
	}
}

/*
 * Fills w in and links it, before its request goes out: the first event
 * may come before the reply.  Its token in token.
 */
static int
xs_watch_link(struct uk_xs_watch *w, const char *path, uk_xs_watch_fn *fn,
    void *arg, char *token, size_t size)
{
	if (strlcpy(w->path, path, sizeof(w->path)) >= sizeof(w->path))
		return -UK_E2BIG;
	w->fn = fn;
	w->arg = arg;
	w->lost = 0;
	xs_token(w, token, size);
	w->next = watches;
	watches = w;
	return 0;
}

int
uk_xs_watch(struct uk_xs_watch *w, const char *path, uk_xs_watch_fn *fn,
    void *arg)
{
	char token[24];
	const char *strs[] = { path, token };
	int rc;

	if ((rc = xs_watch_link(w, path, fn, arg, token, sizeof(token))) != 0)
		return rc;
	if ((rc = xs_request(XS_WATCH, UK_XS_NOTX, strs, 2, 1, NULL)) != 0)
		xs_unlink(w);
	return rc;
}

/*
 * uk_xs_watch, posted: a refused watch is unlinked when its reply comes,
 * and its error put in *p (or logged, p NULL).
 */
int
xenstore_post_watch(struct uk_xs_watch *w, const char *path, uk_xs_watch_fn *fn,
    void *arg, struct uk_xs_post *p)
{
	char token[24];
	const char *strs[] = { path, token };
	int rc;

	if ((rc = xs_watch_link(w, path, fn, arg, token, sizeof(token))) != 0)
		return rc;
	if ((rc = xs_post(XS_WATCH, strs, 2, 1, p, w, NULL, 0)) != 0)
		xs_unlink(w);
	return rc;
}

/* Unlinked at once (no callback after this), removed now or posted. */
static int
xs_unwatch(struct uk_xs_watch *w, int post)
{
	char token[24];
	const char *strs[] = { w->path, token };

	xs_unlink(w);
	xs_token(w, token, sizeof(token));
	if (post)
		return xs_post(XS_UNWATCH, strs, 2, 1, NULL, NULL, NULL, 0);
	return xs_request(XS_UNWATCH, UK_XS_NOTX, strs, 2, 1, NULL);
}

int
uk_xs_unwatch(struct uk_xs_watch *w)
{
	return xs_unwatch(w, 0);
}

/* uk_xs_unwatch, posted: w is free for reuse once this returns. */
int
xenstore_post_unwatch(struct uk_xs_watch *w)
{
	return xs_unwatch(w, 1);
}

/* Runs the callbacks of coalesced events: each gets its watched path. */
static int
xs_run_lost(void)
{
	struct uk_xs_watch *w;
	int n = 0, todo = 0;

	for (w = watches; w != NULL; w = w->next)
		todo += w->lost;
	/* Restart the walk after each call: a callback may unwatch. */
	while (todo-- > 0) {
		for (w = watches; w != NULL && !w->lost; w = w->next)
			;
		if (w == NULL)
			break;
		w->lost = 0;
		w->fn(w, w->path, w->arg);
		n++;
	}
	return n;
}

static int
xs_run_queue(void)
{
	char path[UK_XS_WATCH_PATH_MAX];
	struct uk_xs_watch *w;
	unsigned int todo = q_len;
	int n = xs_run_lost();

	/* Only what was queued on entry: callbacks may queue more. */
	while (todo-- > 0 && q_len > 0) {
		w = queue[q_head].w;
		strlcpy(path, queue[q_head].path, sizeof(path));
		q_head = (q_head + 1) % XS_QUEUE;
		q_len--;
		if (w != NULL) {
			w->fn(w, path, w->arg);
			n++;
		}
	}
	return n;
}

/* The uk_poll() side: events, and the replies of posted requests. */
static int
xs_handler(void *arg)
{
	uint32_t type;
	int rc;

	(void)arg;
	while (!xs_dead && xen_load_idx(&xs->rsp_prod) != xs->rsp_cons) {
		if ((rc = xs_take_one(uk_now() + XS_TIMEOUT, &type)) < 0)
			break;
		if (rc == 0)
			printf("uk: xenstore: unexpected message type %u\n",
			    type);
	}
	return xs_run_queue();
}

void
xenstore_init(void)
{
	xs = xenplat.store;
	xs_port = xenplat.store_port;
	evtchn_handler(xs_port, xs_handler, NULL);
}
