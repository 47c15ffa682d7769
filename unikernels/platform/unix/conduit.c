/* conduit.c -- uk_conduit on the unix targets: unix stream sockets by name */
#include "common.h"
#include "conduit.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>

/*
 * The same calls as on Xen, over a local transport so that an app runs
 * unchanged as a process, on unix-sock and unix-tap alike (the sockets
 * wait in loop.c's epoll set, which each binding runs from uk_poll()):
 * the server of NAME listens on the unix stream socket
 * $JITSU_CONDUIT_DIR/NAME (NAME canonical: lower case, no final dot),
 * and a client connects there.  No broker: the folder is the rendezvous,
 * and every process given the same folder sees the same names.  A
 * client's domain is 0 here.  The errors follow Xen's table where they
 * mean the same: no socket of that name is "unknown" (-UK_ENOENT), a
 * socket nobody listens on is "refused" (-UK_ECONNREFUSED); connect's
 * errors reach fn, as jitsud's do.
 */

#define CD_MAX	 8
#define CD_NAMES 4

enum cd_state { CD_FREE, CD_UP, CD_FAILED };

struct uk_conduit {
	struct loop_src src; /* first: run() gets it */
	enum cd_state state;
	int err;
	uk_conduit_fn *fn;
	void *arg;
};

struct cd_listener {
	struct loop_src src;
	char name[CONDUIT_NAME_MAX + 1];
	uk_conduit_accept_fn *accept_fn;
	uk_conduit_fn *fn;
	void *arg;
};

static struct uk_conduit cd[CD_MAX];
static struct cd_listener cd_names[CD_NAMES];
static unsigned int cd_nnames;

/* NAME's socket address; -UK_ENOSYS without the folder. */
static int
cd_addr(const char *canon, struct sockaddr_un *sun)
{
	const char *dir = getenv("JITSU_CONDUIT_DIR");
	int n;

	if (dir == NULL || dir[0] == '\0')
		return -UK_ENOSYS;
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	n = snprintf(sun->sun_path, sizeof(sun->sun_path), "%s/%s", dir, canon);
	return n > 0 && (size_t)n < sizeof(sun->sun_path) ? 0 : -UK_EINVAL;
}

static int
cd_socket(void)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	return fd < 0 ? unix_err(errno) : fd;
}

static struct uk_conduit *
cd_alloc(void)
{
	unsigned int i;

	for (i = 0; i < CD_MAX; i++)
		if (cd[i].state == CD_FREE) {
			memset(&cd[i], 0, sizeof(cd[i]));
			cd[i].src.fd = -1;
			return &cd[i];
		}
	return NULL;
}

static int
cd_run(struct loop_src *s, int events)
{
	struct uk_conduit *c = (struct uk_conduit *)s;

	if (c->fn == NULL || events == 0)
		return 0;
	c->fn(c, events, c->arg);
	return 1;
}

/* c takes fd (connected): watched from now on. */
static int
cd_start(struct uk_conduit *c, int fd, uk_conduit_fn *fn, void *arg)
{
	int rc;

	c->src.fd = fd;
	c->src.run = cd_run;
	c->fn = fn;
	c->arg = arg;
	c->state = CD_UP;
	if ((rc = loop_add(&c->src, EPOLLIN | EPOLLOUT | EPOLLRDHUP)) != 0) {
		(void)close(fd);
		c->src.fd = -1;
		c->state = CD_FREE;
	}
	return rc;
}

/* ---------------------------------------------------------------------
 * Server
 */

static int
cd_accept_run(struct loop_src *s, int events)
{
	struct cd_listener *l = (struct cd_listener *)s;
	struct uk_conduit *c;
	int fd, n = 0;

	(void)events;
	/* Edge-triggered: take every waiting client, or drop the extras. */
	while ((fd = accept4(l->src.fd, NULL, NULL,
		    SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		if ((c = cd_alloc()) == NULL) {
			printf("conduit: %s: no conduit free\n", l->name);
			(void)close(fd);
			continue;
		}
		if (cd_start(c, fd, l->fn, l->arg) != 0)
			continue;
		l->accept_fn(c, 0, l->name, l->arg);
		n++;
	}
	return n;
}

/* A socket file left by a server that is gone: nobody accepts on it. */
static int
cd_stale(const struct sockaddr_un *sun)
{
	int fd = cd_socket(), stale;

	if (fd < 0)
		return 0;
	stale = connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) != 0 &&
	    errno == ECONNREFUSED;
	(void)close(fd);
	return stale;
}

static int
cd_bind(const struct sockaddr_un *sun)
{
	int fd, rc;

	if ((fd = cd_socket()) < 0)
		return fd;
	if (bind(fd, (const struct sockaddr *)sun, sizeof(*sun)) != 0 &&
	    (errno != EADDRINUSE || !cd_stale(sun) ||
		unlink(sun->sun_path) != 0 ||
		bind(fd, (const struct sockaddr *)sun, sizeof(*sun)) != 0)) {
		rc = unix_err(errno);
		(void)close(fd);
		return rc;
	}
	if (listen(fd, 16) != 0) {
		rc = unix_err(errno);
		(void)close(fd);
		return rc;
	}
	return fd;
}

int
uk_conduit_listen(const char *name, uk_conduit_accept_fn *accept_fn,
    uk_conduit_fn *fn, void *arg)
{
	char canon[CONDUIT_NAME_MAX + 1];
	struct sockaddr_un sun;
	struct cd_listener *l;
	unsigned int i;
	int fd, rc;

	if (conduit_name(name, canon) != 0)
		return -UK_EINVAL;
	for (i = 0; i < cd_nnames; i++)
		if (strcmp(cd_names[i].name, canon) == 0)
			return -UK_EADDRINUSE;
	if (cd_nnames == CD_NAMES)
		return -UK_ENOSPC;
	if ((rc = cd_addr(canon, &sun)) != 0)
		return rc;
	if ((fd = cd_bind(&sun)) < 0)
		return fd;
	l = &cd_names[cd_nnames];
	strlcpy(l->name, canon, sizeof(l->name));
	l->accept_fn = accept_fn;
	l->fn = fn;
	l->arg = arg;
	l->src.fd = fd;
	l->src.run = cd_accept_run;
	if ((rc = loop_add(&l->src, EPOLLIN)) != 0) {
		(void)close(fd);
		return rc;
	}
	cd_nnames++;
	/* Clients may be waiting already (a stale file was replaced). */
	loop_kick(&l->src, UK_NET_READ);
	return 0;
}

/* ---------------------------------------------------------------------
 * Client
 */

static int
cd_fail_run(struct loop_src *s, int events)
{
	struct uk_conduit *c = (struct uk_conduit *)s;

	(void)events;
	if (c->fn == NULL)
		return 0;
	c->fn(c, UK_NET_READ | UK_NET_WRITE, c->arg);
	return 1;
}

/* Reported through fn from uk_poll(), as a refusal from jitsud is. */
static void
cd_fail(struct uk_conduit *c, int err, uk_conduit_fn *fn, void *arg)
{
	c->state = CD_FAILED;
	c->err = err;
	c->fn = fn;
	c->arg = arg;
	c->src.fd = -1;
	c->src.run = cd_fail_run;
	loop_kick(&c->src, UK_NET_READ | UK_NET_WRITE);
}

int
uk_conduit_connect(const char *name, uk_conduit_fn *fn, void *arg,
    struct uk_conduit **cp)
{
	char canon[CONDUIT_NAME_MAX + 1];
	struct sockaddr_un sun;
	struct uk_conduit *c;
	int fd, rc;

	if (conduit_name(name, canon) != 0)
		return -UK_EINVAL;
	if ((rc = cd_addr(canon, &sun)) != 0)
		return rc;
	if ((c = cd_alloc()) == NULL)
		return -UK_ENOBUFS;
	if ((fd = cd_socket()) < 0)
		return fd;
	*cp = c;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		/* A unix stream connect never waits; EAGAIN: backlog full. */
		rc = errno == ENOENT ? -UK_ENOENT : unix_err(errno);
		(void)close(fd);
		cd_fail(c, rc == -UK_EAGAIN ? -UK_ECONNREFUSED : rc, fn, arg);
		return 0;
	}
	if ((rc = cd_start(c, fd, fn, arg)) != 0)
		return rc;
	/* Connected: the first UK_NET_WRITE, as on Xen. */
	loop_kick(&c->src, UK_NET_WRITE);
	return 0;
}

/* ---------------------------------------------------------------------
 * Both
 */

long
uk_conduit_read(struct uk_conduit *c, void *buf, size_t len)
{
	ssize_t n;

	if (c->state == CD_FAILED)
		return c->err;
	n = recv(c->src.fd, buf, len, MSG_DONTWAIT);
	return n >= 0 ? (long)n : unix_err(errno);
}

long
uk_conduit_write(struct uk_conduit *c, const void *buf, size_t len)
{
	ssize_t n;

	if (c->state == CD_FAILED)
		return c->err;
	n = send(c->src.fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	return n >= 0 ? (long)n : unix_err(errno);
}

void
uk_conduit_set_arg(struct uk_conduit *c, void *arg)
{
	c->arg = arg;
}

void
uk_conduit_close(struct uk_conduit *c)
{
	loop_del(&c->src);
	if (c->src.fd >= 0)
		(void)close(c->src.fd);
	memset(c, 0, sizeof(*c));
	c->state = CD_FREE;
}
