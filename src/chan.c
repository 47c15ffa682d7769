/* chan.c -- hand messages from one thread to another thread's event loop */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include <event2/event.h>

#include "jitsud.h"
#include "log.h"

/*
 * A mutex-protected queue plus a pipe: the sender queues the message and
 * writes a byte; the receiving loop wakes on the pipe, drains it, and
 * runs the handler on every queued message, in order.  A full pipe is
 * fine: a wake-up is already pending.
 */
struct chan_item {
	TAILQ_ENTRY(chan_item) entry;
	void		      *msg;
};

struct chan {
	pthread_mutex_t mtx;
	TAILQ_HEAD(, chan_item) q;
	int	      fds[2];
	struct event *ev;
	void (*handler)(void *msg, void *arg);
	void *arg;
};

static void
chan_readable(int fd, short event, void *arg)
{
	struct chan	 *ch = arg;
	struct chan_item *it;
	char		  buf[64];

	(void)event;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	for (;;) {
		pthread_mutex_lock(&ch->mtx);
		if ((it = TAILQ_FIRST(&ch->q)) != NULL)
			TAILQ_REMOVE(&ch->q, it, entry);
		pthread_mutex_unlock(&ch->mtx);
		if (it == NULL)
			return;
		ch->handler(it->msg, ch->arg);
		free(it);
	}
}

struct chan *
chan_new(struct event_base *base, void (*handler)(void *, void *), void *arg)
{
	struct chan *ch;

	if ((ch = calloc(1, sizeof(*ch))) == NULL)
		return NULL;
	if (pipe2(ch->fds, O_NONBLOCK | O_CLOEXEC) == -1) {
		free(ch);
		return NULL;
	}
	pthread_mutex_init(&ch->mtx, NULL);
	TAILQ_INIT(&ch->q);
	ch->handler = handler;
	ch->arg = arg;
	ch->ev = event_new(base, ch->fds[0], EV_READ | EV_PERSIST,
	    chan_readable, ch);
	if (ch->ev == NULL || event_add(ch->ev, NULL) == -1)
		fatalx("chan: event_new");
	return ch;
}

int
chan_send(struct chan *ch, void *msg)
{
	struct chan_item *it;

	if ((it = malloc(sizeof(*it))) == NULL)
		return -1;
	it->msg = msg;
	pthread_mutex_lock(&ch->mtx);
	TAILQ_INSERT_TAIL(&ch->q, it, entry);
	pthread_mutex_unlock(&ch->mtx);
	if (write(ch->fds[1], "", 1) == -1 && errno != EAGAIN)
		log_warn("chan: wake-up");
	return 0;
}

void
chan_free(struct chan *ch, void (*drop)(void *msg))
{
	struct chan_item *it;

	if (ch == NULL)
		return;
	while ((it = TAILQ_FIRST(&ch->q)) != NULL) {
		TAILQ_REMOVE(&ch->q, it, entry);
		drop(it->msg);
		free(it);
	}
	event_free(ch->ev);
	close(ch->fds[0]);
	close(ch->fds[1]);
	pthread_mutex_destroy(&ch->mtx);
	free(ch);
}
