/* loop.c -- one epoll set, and the handles with news for the application */
#include "common.h"

#include <errno.h>
#include <limits.h>
#include <unistd.h>
#include <sys/epoll.h>

/*
 * uk_poll() (lib/poll.c) calls plat_dispatch() first and plat_wait()
 * only when nothing was ready; each binding's plat_dispatch() calls
 * loop_dispatch(), and its plat_wait() waits in the set (loop_wait, or
 * poll(2) on loop_fd).  Work happens in two steps so that no callback
 * ever runs on a stale pointer: epoll's results are first turned into
 * marks on the handles (loop_kick, which also takes the library's own
 * news: a new connection's first readiness, an adopted socket), and only
 * then are the marked handles taken off the pending list one at a time
 * and run.  A handle closed by some callback leaves the list at once
 * (loop_del), so nothing runs for it afterwards.
 */

#define LOOP_EVENTS 64
#define LOOP_PASSES 8 /* callbacks may kick more handles */

static int epfd = -1;
static struct epoll_event evs[LOOP_EVENTS];
static int nevs;		     /* results plat_wait() kept */
static struct loop_src *head, *tail; /* the pending list */

void
loop_init(void)
{
	if ((epfd = epoll_create1(EPOLL_CLOEXEC)) < 0)
		uk_panic("unix: epoll_create1: errno %d", errno);
}

int
loop_add(struct loop_src *s, uint32_t want)
{
	struct epoll_event ev = { .events = want | EPOLLET, .data.ptr = s };

	if (epoll_ctl(epfd, EPOLL_CTL_ADD, s->fd, &ev) != 0)
		return unix_err(errno);
	return 0;
}

static void
unlink_src(struct loop_src *s)
{
	if (!s->queued)
		return;
	if (s->prev != NULL)
		s->prev->next = s->next;
	else
		head = s->next;
	if (s->next != NULL)
		s->next->prev = s->prev;
	else
		tail = s->prev;
	s->prev = s->next = NULL;
	s->queued = 0;
}

void
loop_del(struct loop_src *s)
{
	unlink_src(s);
	s->events = 0;
	if (s->fd >= 0)
		(void)epoll_ctl(epfd, EPOLL_CTL_DEL, s->fd, NULL);
}

void
loop_kick(struct loop_src *s, int events)
{
	s->events |= events;
	if (s->queued)
		return;
	s->queued = 1;
	s->next = NULL;
	s->prev = tail;
	if (tail != NULL)
		tail->next = s;
	else
		head = s;
	tail = s;
}

static int
epoll_bits(uint32_t e)
{
	int ev = 0;

	if (e & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
		ev |= UK_NET_READ;
	if (e & (EPOLLOUT | EPOLLHUP | EPOLLERR))
		ev |= UK_NET_WRITE;
	return ev;
}

/* epoll's results, kept or fetched now, become marks on the handles. */
static void
gather(void)
{
	int i;

	if (nevs == 0)
		nevs = epoll_wait(epfd, evs, LOOP_EVENTS, 0);
	for (i = 0; i < nevs; i++)
		loop_kick(evs[i].data.ptr, epoll_bits(evs[i].events));
	nevs = 0;
}

/* One pass: the handles pending at its start run once each, at most. */
static int
run_pass(void)
{
	struct loop_src *s;
	int n = 0, k = 0, ev;

	for (s = head; s != NULL; s = s->next)
		n++;
	while (n-- > 0 && (s = head) != NULL) {
		unlink_src(s);
		ev = s->events;
		s->events = 0;
		k += s->run(s, ev);
	}
	return k;
}

int
loop_dispatch(void)
{
	int pass, k = 0;

	gather();
	for (pass = 0; pass < LOOP_PASSES && head != NULL; pass++)
		k += run_pass();
	return k;
}

int
loop_busy(void)
{
	return head != NULL || nevs > 0;
}

int
loop_fd(void)
{
	return epfd;
}

void
loop_wait(uint64_t deadline)
{
	uint64_t now = uk_now(), ms;
	int timeout, n;

	if (loop_busy())
		return;
	ms = deadline <= now ? 0 : (deadline - now + 999999) / 1000000;
	timeout = deadline == UK_FOREVER || ms > INT_MAX ? -1 : (int)ms;
	n = epoll_wait(epfd, evs, LOOP_EVENTS, timeout);
	nevs = n > 0 ? n : 0;
}
