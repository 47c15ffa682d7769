/* metrics_http.c -- the metrics over HTTP, for Prometheus to scrape */
#include <sys/socket.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include "jitsud.h"
#include "log.h"

/*
 * GET /metrics, and nothing else: the same text as `jitsuctl metrics',
 * rendered at each scrape.  The control socket is root's alone; this
 * endpoint is for a scraper on the address the operator picked (off by
 * default), so it says nothing a scraper should not know and takes no
 * command.  libevent's evhttp parses the requests, with small limits:
 * a scraper sends a request line and a few headers.
 */

#define MH_TIMEOUT_SEC	10
#define MH_HEADERS_MAX	8192
#define MH_BODY_MAX	1024 /* a GET has none; past this, 413 */
#define MH_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct metrics_http {
	struct evhttp *http;
	void (*render)(void *arg, FILE *fp);
	void *arg;
};

static void
metrics_http_serve(struct evhttp_request *req, void *arg)
{
	struct metrics_http *mh = arg;
	struct evbuffer	    *body;
	char		    *text = NULL;
	size_t		     len = 0;
	FILE		    *fp;

	if ((body = evbuffer_new()) == NULL ||
	    (fp = open_memstream(&text, &len)) == NULL) {
		if (body != NULL)
			evbuffer_free(body);
		evhttp_send_error(req, HTTP_INTERNAL, "out of memory");
		return;
	}
	mh->render(mh->arg, fp);
	if (fclose(fp) != 0 || evbuffer_add(body, text, len) == -1) {
		free(text);
		evbuffer_free(body);
		evhttp_send_error(req, HTTP_INTERNAL, "out of memory");
		return;
	}
	free(text);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", MH_CONTENT_TYPE);
	evhttp_send_reply(req, HTTP_OK, "OK", body);
	evbuffer_free(body);
}

static void
metrics_http_other(struct evhttp_request *req, void *arg)
{
	(void)arg;
	evhttp_send_error(req, HTTP_NOTFOUND, "only /metrics is here");
}

static int
metrics_http_socket(const struct conf_addr *a)
{
	int fd, on = 1;

	fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd == -1)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1 ||
	    (a->ss.ss_family == AF_INET6 &&
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) ==
		    -1) ||
	    bind(fd, (const struct sockaddr *)&a->ss, a->len) == -1 ||
	    listen(fd, 16) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

struct metrics_http *
metrics_http_open(struct event_base *base, const struct conf_addr *a,
    void (*render)(void *arg, FILE *fp), void			  *arg)
{
	struct metrics_http *mh;
	char		     name[64];
	int		     fd;

	if ((fd = metrics_http_socket(a)) == -1) {
		log_warn("metrics: listen on %s",
		    server_addr_str(a, name, sizeof(name)));
		return NULL;
	}
	if ((mh = calloc(1, sizeof(*mh))) == NULL ||
	    (mh->http = evhttp_new(base)) == NULL) {
		log_warnx("metrics: out of memory");
		free(mh);
		close(fd);
		return NULL;
	}
	mh->render = render;
	mh->arg = arg;
	evhttp_set_allowed_methods(mh->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD);
	evhttp_set_timeout(mh->http, MH_TIMEOUT_SEC);
	evhttp_set_max_headers_size(mh->http, MH_HEADERS_MAX);
	evhttp_set_max_body_size(mh->http, MH_BODY_MAX);
	if (evhttp_set_cb(mh->http, "/metrics", metrics_http_serve, mh) != 0 ||
	    evhttp_accept_socket_with_handle(mh->http, fd) == NULL) {
		log_warnx("metrics: cannot serve on %s",
		    server_addr_str(a, name, sizeof(name)));
		evhttp_free(mh->http);
		free(mh);
		close(fd);
		return NULL;
	}
	evhttp_set_gencb(mh->http, metrics_http_other, NULL);
	log_info("metrics: serving http://%s/metrics",
	    server_addr_str(a, name, sizeof(name)));
	return mh;
}

void
metrics_http_close(struct metrics_http *mh)
{
	if (mh == NULL)
		return;
	/* evhttp closes the listening socket it was given. */
	evhttp_free(mh->http);
	free(mh);
}
