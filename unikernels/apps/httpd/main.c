/* main.c -- httpd: a static site over the libOS TCP/IP stack */
#include "httpd.h"

/*
 * One struct per connection, driven by the stack's readiness callback:
 * read until a request head is complete, then send head and body as the
 * send buffer takes them, then (keep-alive) look at what else was read.
 * A request head must fit in REQ_MAX; pipelined requests are served in
 * order because nothing more is parsed until a response is fully queued.
 */

#define HTTP_CONNS 64
#define REQ_MAX	   2048
#define HEAD_MAX   256
#define CHUNK	   4096

struct hconn {
	struct uk_tcp *c;
	char req[REQ_MAX];
	size_t reqlen;
	char head[HEAD_MAX];
	size_t headlen, headoff;
	const struct site_file *file; /* body being sent, or NULL */
	size_t off, len;	      /* body bytes sent, total */
	int keepalive;
	int eof; /* the client closed its side */
};

static struct hconn conns[HTTP_CONNS];
static uint8_t chunk[CHUNK];

static void
hc_end(struct hconn *h)
{
	uk_tcp_close(h->c);
	h->c = NULL;
}

/* Sets up the response to one parsed request (or a 400 if r is NULL). */
static void
hc_respond(struct hconn *h, const struct http_req *r)
{
	const struct site_file *f = r != NULL ? site_find(r->path) : NULL;
	int status = r == NULL	    ? 400 :
	    r->method == HTTP_OTHER ? 501 :
	    f == NULL		    ? 404 :
				      200;
	h->keepalive = r != NULL && r->keepalive && status != 501;
	h->file = status == 200 && r->method == HTTP_GET ? f : NULL;
	h->off = 0;
	h->len = h->file != NULL ? f->len : 0;
	h->headlen = http_head(h->head, sizeof(h->head), status,
	    status == 200 ? f->ctype : "text/plain", status == 200 ? f->len : 0,
	    h->keepalive);
	h->headoff = 0;
}

/* Writes head, then body; 1 when all queued, 0 to wait, -1 on error. */
static int
hc_send(struct hconn *h)
{
	size_t n;
	long w;

	while (h->headoff < h->headlen) {
		w = uk_tcp_write(h->c, h->head + h->headoff,
		    h->headlen - h->headoff);
		if (w < 0)
			return w == -UK_EAGAIN ? 0 : -1;
		h->headoff += (size_t)w;
	}
	while (h->file != NULL && h->off < h->len) {
		n = h->len - h->off < CHUNK ? h->len - h->off : CHUNK;
		site_read(h->file, h->off, chunk, n);
		w = uk_tcp_write(h->c, chunk, n);
		if (w < 0)
			return w == -UK_EAGAIN ? 0 : -1;
		h->off += (size_t)w;
	}
	h->headlen = h->headoff = 0;
	h->file = NULL;
	return 1;
}

/* Reads what is there; -1 on error or a full buffer, else 0. */
static int
hc_read(struct hconn *h)
{
	long n;

	for (;;) {
		if (h->reqlen == sizeof(h->req))
			return 0;
		n = uk_tcp_read(h->c, h->req + h->reqlen,
		    sizeof(h->req) - h->reqlen);
		if (n == -UK_EAGAIN)
			return 0;
		if (n < 0)
			return -1;
		if (n == 0) {
			h->eof = 1;
			return 0;
		}
		h->reqlen += (size_t)n;
	}
}

/* Parses the next request in the buffer; 1 if one was, 0 if none yet. */
static int
hc_next(struct hconn *h)
{
	struct http_req r;
	int n = http_parse(h->req, h->reqlen, &r);

	if (n == 0 && h->reqlen < sizeof(h->req))
		return 0;
	if (n <= 0) {
		hc_respond(h, NULL);
		h->reqlen = 0;
		return 1;
	}
	hc_respond(h, &r);
	memmove(h->req, h->req + n, h->reqlen - (size_t)n);
	h->reqlen -= (size_t)n;
	return 1;
}

static void
hc_event(struct uk_tcp *c, int events, void *arg)
{
	struct hconn *h = arg;
	int rc;

	(void)c;
	(void)events;
	for (;;) {
		if (h->headlen > 0) { /* a response under way */
			if ((rc = hc_send(h)) == 0)
				return; /* until UK_NET_WRITE */
			if (rc < 0 || !h->keepalive)
				break;
		}
		if (hc_read(h) < 0)
			break;
		if (!hc_next(h)) {
			if (h->eof)
				break;
			return; /* until UK_NET_READ */
		}
	}
	hc_end(h);
}

static void
hc_accept(struct uk_tcp_listener *l, void *arg)
{
	struct uk_tcp *c;
	int i;

	(void)arg;
	for (;;) {
		for (i = 0; i < HTTP_CONNS && conns[i].c != NULL; i++)
			;
		if (i == HTTP_CONNS ||
		    (c = uk_tcp_accept(l, hc_event, &conns[i])) == NULL)
			return;
		memset(&conns[i], 0, sizeof(conns[i]));
		conns[i].c = c;
		conns[i].reqlen = 0;
		conns[i].keepalive = 1;
	}
}

int
uk_main(void)
{
	struct uk_tcp_listener *l;
	struct uk_ipinfo ip;
	char buf[8];
	unsigned long port = 80, start_ms = 0;
	uint64_t until;
	int rc;

	if (uk_cmdline_get("port", buf, sizeof(buf)) > 0)
		port = strtoul(buf, NULL, 10);
	if (uk_cmdline_get("start", buf, sizeof(buf)) > 0)
		start_ms = strtoul(buf, NULL, 10);
	if ((rc = uk_ip_up(&ip)) != 0) {
		printf("httpd: network: error %d (need jitsu.ip=A.B.C.D/N)\n",
		    rc);
		return 1;
	}
	/*
	 * start=MS: an application's own start-up between its network and
	 * its listener (data loaded, a cache warmed), which a client that
	 * Synjitsu holds waits out.  0 by default; tests use it to widen
	 * that window.  The loop turns meanwhile: XenStore and the NIC are
	 * served as they would be by a busy start-up that polls.
	 */
	until = uk_now() + UK_MSEC(start_ms);
	while (uk_now() < until)
		(void)uk_poll(until);
	if (port == 0 || port > 65535 ||
	    (rc = uk_tcp_listen((uint16_t)port, 64, hc_accept, NULL, &l)) !=
		0) {
		printf("httpd: listen on port %lu: error %d\n", port, rc);
		return 1;
	}
	printf("httpd: %s serving on %u.%u.%u.%u:%lu\n",
	    ip.name[0] != '\0' ? ip.name : "(unnamed)", ip.ip >> 24,
	    (ip.ip >> 16) & 0xff, (ip.ip >> 8) & 0xff, ip.ip & 0xff, port);
	(void)uk_ready();
	for (;;)
		uk_poll(UK_FOREVER);
}
