/* tcp.c -- uk.h's TCP calls on non-blocking kernel sockets */
#include "sockplat.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>

/*
 * A handle is a socket plus the application's callback.  The kernel
 * holds the buffers, so uk.h's 64-connection pool and its buffer sizes
 * do not apply; the 4 listeners do.  What uk.h promises and a bare
 * socket does not do by itself is made here:
 *
 *  - "fn runs when connections wait to be accepted": the listener is
 *    edge-triggered, so an application that stopped accepting (all its
 *    slots busy) hears of it again when one of its connections closes,
 *    not only when the next client comes.
 *  - "fn is called soon" after accept and connect: a kick, whatever the
 *    kernel says.
 *  - adopted connections (repair.c) wait on their listener's own queue
 *    and are handed out by uk_tcp_accept before the kernel's.
 *  - the end of stream of a connection adopted after its FIN.
 */

#define TCP_NLISTEN  4
#define CONNECT_SYNS 4		  /* retries: 1+2+4+8+16 s, uk.h's "about 30" */
#define ACCEPT_PAUSE UK_MSEC(100) /* out of fds: try again later */

struct uk_tcp {
	struct loop_src src;
	uk_tcp_fn *fn;
	void *arg;
	uint32_t rip;
	uint16_t rport;
	int connecting;
	int error;	     /* sticky -UK_E*, 0 if none */
	int peer_fin;	     /* adopted after a FIN: */
	size_t inq;	     /* EOF after these bytes */
	struct uk_tcp *next; /* a listener's adopted queue */
};

struct uk_tcp_listener {
	struct loop_src src;
	int used;
	uint16_t port;
	uk_tcp_accept_fn *fn;
	void *arg;
	int drained; /* accept said "none" */
	int waiting; /* some left unaccepted */
	struct uk_tcp *adopted, **adopted_tail;
	struct uk_timer pause;
};

static struct uk_tcp_listener listeners[TCP_NLISTEN];

static int
nodelay(int fd)
{
	int one = 1;

	/* uk.h's stack sends at once; so must we (a head, then a body). */
	return setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/* Connection readiness: from connecting to established or failed. */
static void
tcp_connected(struct uk_tcp *c, int *events)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(c->src.fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
		err = errno;
	if (err != 0) {
		c->error = unix_err(err);
		if (c->error == -UK_EAGAIN)
			c->error = -UK_EIO;
		*events |= UK_NET_READ;
	} else if (!(*events & UK_NET_WRITE))
		return; /* still in progress */
	c->connecting = 0;
}

static int
tcp_run(struct loop_src *s, int events)
{
	struct uk_tcp *c = (struct uk_tcp *)(void *)s;

	if (c->connecting)
		tcp_connected(c, &events);
	if (c->connecting || c->fn == NULL)
		return 0;
	if (c->error != 0)
		events |= UK_NET_READ | UK_NET_WRITE;
	c->fn(c, events, c->arg);
	return 1;
}

static struct uk_tcp *
tcp_new(int fd, uint32_t ip, uint16_t port)
{
	struct uk_tcp *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->src.fd = fd;
	c->src.run = tcp_run;
	c->rip = ip;
	c->rport = port;
	return c;
}

/* Into the epoll set; kick (if not 0) is what fn hears first. */
static int
tcp_watch(struct uk_tcp *c, uk_tcp_fn *fn, void *arg, int kick)
{
	int rc;

	c->fn = fn;
	c->arg = arg;
	if ((rc = loop_add(&c->src, EPOLLIN | EPOLLOUT | EPOLLRDHUP)) != 0)
		return rc;
	if (kick != 0)
		loop_kick(&c->src, kick);
	return 0;
}

/* errno of a failed recv/send: -UK_EAGAIN, or the sticky error. */
static long
tcp_fail(struct uk_tcp *c, int err)
{
	int rc = unix_err(err);

	if (rc != -UK_EAGAIN)
		c->error = rc;
	return rc;
}

static void
tcp_free(struct uk_tcp *c)
{
	loop_del(&c->src);
	if (c->src.fd >= 0)
		close(c->src.fd);
	free(c);
}

/* A slot of the application's may have freed: see whom it was waiting. */
static void
listeners_retry(void)
{
	int i;

	for (i = 0; i < TCP_NLISTEN; i++)
		if (listeners[i].used && listeners[i].waiting)
			loop_kick(&listeners[i].src, UK_NET_ACCEPT);
}

static int
listener_run(struct loop_src *s, int events)
{
	struct uk_tcp_listener *l = (struct uk_tcp_listener *)(void *)s;

	(void)events;
	if (l->fn == NULL)
		return 0;
	l->drained = 0;
	l->fn(l, l->arg);
	/* It returned before hearing "none": some may still wait. */
	l->waiting = !l->drained;
	return 1;
}

static void
listener_unpause(struct uk_timer *t, void *arg)
{
	struct uk_tcp_listener *l = arg;

	(void)t;
	loop_kick(&l->src, UK_NET_ACCEPT);
}

static struct uk_tcp_listener *
listener_of(uint16_t port)
{
	int i;

	for (i = 0; i < TCP_NLISTEN; i++)
		if (listeners[i].used && listeners[i].port == port)
			return &listeners[i];
	return NULL;
}

static int
listen_socket(uint16_t port, int backlog)
{
	struct sockaddr_in sin;
	int fd, one = 1, err;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return unix_err(errno);
	unix_sin(&sin, ip_local(), port);
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    listen(fd, backlog) != 0) {
		err = errno;
		close(fd);
		return unix_err(err);
	}
	return fd;
}

int
uk_tcp_listen(uint16_t port, int backlog, uk_tcp_accept_fn *fn, void *arg,
    struct uk_tcp_listener **lp)
{
	struct uk_tcp_listener *l;
	int i, fd, rc;

	if (port == 0 || backlog < 1 || backlog > 64)
		return -UK_EINVAL;
	if (listener_of(port) != NULL)
		return -UK_EADDRINUSE;
	for (i = 0; i < TCP_NLISTEN && listeners[i].used; i++)
		;
	if (i == TCP_NLISTEN)
		return -UK_ENOSPC;
	if ((fd = listen_socket(port, backlog)) < 0)
		return fd;
	l = &listeners[i];
	memset(l, 0, sizeof(*l));
	l->src.fd = fd;
	l->src.run = listener_run;
	if ((rc = loop_add(&l->src, EPOLLIN)) != 0) {
		close(fd);
		return rc;
	}
	l->used = 1;
	l->port = port;
	l->fn = fn;
	l->arg = arg;
	l->adopted_tail = &l->adopted;
	uk_timer_init(&l->pause, listener_unpause, l);
	*lp = l;
	return 0;
}

/* Resets: uk.h says connections not yet accepted are. */
static void
tcp_abort(struct uk_tcp *c)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	(void)setsockopt(c->src.fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	tcp_free(c);
}

void
uk_tcp_unlisten(struct uk_tcp_listener *l)
{
	struct uk_tcp *c;

	while ((c = l->adopted) != NULL) {
		l->adopted = c->next;
		tcp_abort(c);
	}
	uk_timer_cancel(&l->pause);
	loop_del(&l->src);
	/* The kernel resets what waits in its accept queue. */
	close(l->src.fd);
	l->used = 0;
}

static struct uk_tcp *
take_adopted(struct uk_tcp_listener *l)
{
	struct uk_tcp *c = l->adopted;

	if (c == NULL)
		return NULL;
	if ((l->adopted = c->next) == NULL)
		l->adopted_tail = &l->adopted;
	c->next = NULL;
	return c;
}

/* The kernel's next connection; NULL (and why in *err) if none. */
static struct uk_tcp *
take_accepted(struct uk_tcp_listener *l, int *err)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	struct uk_tcp *c;
	int fd;

	do
		fd = accept4(l->src.fd, (struct sockaddr *)&sin, &len,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
	while (fd < 0 && (errno == EINTR || errno == ECONNABORTED));
	if (fd < 0) {
		*err = errno;
		return NULL;
	}
	(void)nodelay(fd);
	if ((c = tcp_new(fd, ntohl(sin.sin_addr.s_addr),
		 ntohs(sin.sin_port))) == NULL) {
		close(fd);
		*err = ENOMEM;
	}
	return c;
}

static void
accept_failed(struct uk_tcp_listener *l, int err)
{
	if (err == EAGAIN) {
		l->drained = 1;
		return;
	}
	/* Out of fds or memory: not a spin, a pause (the client waits). */
	printf("unix-sock: accept on port %u: errno %d; pausing\n",
	    (unsigned int)l->port, err);
	uk_timer_arm(&l->pause, uk_now() + ACCEPT_PAUSE);
}

struct uk_tcp *
uk_tcp_accept(struct uk_tcp_listener *l, uk_tcp_fn *fn, void *arg)
{
	struct uk_tcp *c;
	int err = 0;

	if ((c = take_adopted(l)) == NULL &&
	    (c = take_accepted(l, &err)) == NULL) {
		accept_failed(l, err);
		return NULL;
	}
	if (tcp_watch(c, fn, arg, UK_NET_READ | UK_NET_WRITE) != 0) {
		tcp_abort(c);
		return NULL;
	}
	return c;
}

int
uk_tcp_connect(uint32_t ip, uint16_t port, uk_tcp_fn *fn, void *arg,
    struct uk_tcp **cp)
{
	struct sockaddr_in sin;
	struct uk_tcp *c;
	int fd, syncnt = CONNECT_SYNS, rc;

	if (port == 0)
		return -UK_EINVAL;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return unix_err(errno);
	(void)setsockopt(fd, IPPROTO_TCP, TCP_SYNCNT, &syncnt, sizeof(syncnt));
	(void)nodelay(fd);
	if ((c = tcp_new(fd, ip, port)) == NULL) {
		close(fd);
		return -UK_ENOSPC;
	}
	unix_sin(&sin, ip, port);
	c->connecting = 1;
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 &&
	    errno != EINPROGRESS) {
		/* uk.h: failures come to fn, as an error to read. */
		c->error = unix_err(errno);
		c->connecting = 0;
	}
	rc = tcp_watch(c, fn, arg, c->error != 0 ? UK_NET_READ : 0);
	if (rc != 0) {
		tcp_free(c);
		return rc;
	}
	*cp = c;
	return 0;
}

long
uk_tcp_read(struct uk_tcp *c, void *buf, size_t len)
{
	ssize_t n;

	if (c->error != 0)
		return c->error;
	if (c->peer_fin) {
		if (c->inq == 0)
			return 0;
		if (len > c->inq)
			len = c->inq;
	}
	do
		n = recv(c->src.fd, buf, len, MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return tcp_fail(c, errno);
	if (c->peer_fin)
		c->inq -= (size_t)n;
	return (long)n;
}

long
uk_tcp_write(struct uk_tcp *c, const void *buf, size_t len)
{
	ssize_t n;

	if (c->error != 0)
		return c->error;
	if (c->connecting)
		return -UK_EAGAIN;
	do
		n = send(c->src.fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return tcp_fail(c, errno);
	return (long)n;
}

void
uk_tcp_close(struct uk_tcp *c)
{
	/* The kernel does what uk.h says: FIN after the data, RST if unread. */
	tcp_free(c);
	listeners_retry();
}

void
uk_tcp_peer(const struct uk_tcp *c, uint32_t *ip, uint16_t *port)
{
	*ip = c->rip;
	*port = c->rport;
}

int
tcp_adopt_plan(const struct adopt_plan *p)
{
	struct uk_tcp_listener *l = listener_of(p->lport);
	struct uk_tcp *c;
	int fd;

	if (l == NULL)
		return -UK_ENOENT;
	if (p->lip != ip_local())
		return -UK_EINVAL;
	if ((fd = repair_open(p)) < 0)
		return fd == -EADDRNOTAVAIL || fd == -EADDRINUSE ?
		    -UK_EEXIST :
		    unix_err(-fd);
	if ((c = tcp_new(fd, p->rip, p->rport)) == NULL) {
		close(fd);
		return -UK_ENOMEM;
	}
	c->peer_fin = p->peer_fin;
	c->inq = p->dlen;
	*l->adopted_tail = c;
	l->adopted_tail = &c->next;
	loop_kick(&l->src, UK_NET_ACCEPT);
	return 0;
}

/*
 * rec->hop is ignored: the host kernel resolves its neighbours itself,
 * and its table is not ours to fill.
 */
int
uk_tcp_adopt(const struct uk_tcp_adopt *rec)
{
	struct adopt_plan p;
	const char *why;

	if ((why = adopt_from_rec(rec, &p)) != NULL) {
		printf("unix-sock: adopt: %s\n", why);
		return -UK_EINVAL;
	}
	return tcp_adopt_plan(&p);
}
