/* probe.c -- TCP readiness probe: connect until the guest's port answers */
#include <sys/socket.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "jitsud.h"

/*
 * One attempt at a time: a non-blocking connect, its completion (or
 * PROBE_ATTEMPT_MS of silence) seen by a write event; after a failure a
 * timer waits PROBE_INTERVAL_MS before the next.  A guest whose port is
 * not open yet answers with a RST at once; one whose interface is not
 * up yet drops the SYN, which the kernel would retransmit only after a
 * second, hence the short attempt timeout.
 */
struct probe {
	struct event_base      *base;
	struct sockaddr_storage sa;
	socklen_t		salen;
	int			fd;
	struct event	       *conn;  /* the pending connect */
	struct event	       *timer; /* the next attempt */
	unsigned int		attempts;
	void (*cb)(void *);
	void *arg;
};

static void probe_attempt(struct probe *);

static void
probe_close(struct probe *p)
{
	if (p->conn != NULL) {
		event_free(p->conn);
		p->conn = NULL;
	}
	if (p->fd != -1) {
		close(p->fd);
		p->fd = -1;
	}
}

static void
probe_retry(struct probe *p)
{
	struct timeval tv;

	probe_close(p);
	tv = ms_timeval(PROBE_INTERVAL_MS);
	evtimer_add(p->timer, &tv);
}

/* Success: the probe is gone before cb runs, so cb may do anything. */
static void
probe_done(struct probe *p)
{
	void (*cb)(void *) = p->cb;
	void *arg = p->arg;

	probe_cancel(p);
	cb(arg);
}

static void
probe_conn_cb(int fd, short ev, void *arg)
{
	struct probe *p = arg;
	socklen_t     len = sizeof(int);
	int	      err = 0;

	if ((ev & EV_TIMEOUT) ||
	    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1 ||
	    err != 0) {
		probe_retry(p);
		return;
	}
	probe_done(p);
}

static void
probe_timer_cb(int fd, short ev, void *arg)
{
	struct probe *p = arg;

	(void)fd;
	(void)ev;
	probe_attempt(p);
}

static void
probe_attempt(struct probe *p)
{
	struct timeval tv;

	p->attempts++;
	p->fd = socket(p->sa.ss_family,
	    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (p->fd == -1) /* out of descriptors: try again later */
		goto retry;
	if (connect(p->fd, (struct sockaddr *)&p->sa, p->salen) == 0) {
		probe_done(p);
		return;
	}
	if (errno != EINPROGRESS)
		goto retry;
	p->conn = event_new(p->base, p->fd, EV_WRITE, probe_conn_cb, p);
	if (p->conn == NULL)
		goto retry;
	tv = ms_timeval(PROBE_ATTEMPT_MS);
	event_add(p->conn, &tv);
	return;
retry:
	probe_retry(p);
}

struct probe *
probe_start(struct event_base *base, const struct sockaddr *sa, socklen_t salen,
    void (*cb)(void *), void *arg)
{
	struct probe  *p;
	struct timeval now = { 0, 0 };

	if (salen > sizeof(p->sa) || salen < sizeof(sa->sa_family))
		return NULL;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->base = base;
	memcpy(&p->sa, sa, salen);
	p->salen = salen;
	p->fd = -1;
	p->cb = cb;
	p->arg = arg;
	if ((p->timer = evtimer_new(base, probe_timer_cb, p)) == NULL) {
		free(p);
		return NULL;
	}
	/* The first attempt from the loop: cb never runs inside start. */
	evtimer_add(p->timer, &now);
	return p;
}

void
probe_cancel(struct probe *p)
{
	if (p == NULL)
		return;
	probe_close(p);
	event_free(p->timer);
	free(p);
}

unsigned int
probe_attempts(const struct probe *p)
{
	return p->attempts;
}
