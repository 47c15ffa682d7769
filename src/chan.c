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
 * runs the handler on the queued messages, in order.  A full pipe is
 * fine: a wake-up is already pending.
 *
 * One message a turn of the loop, at the loop's lowest priority: a
 * builder's handler runs for hundreds of ms (a domain build), and a
 * burst of summons handled in one go held every XenStore watch and
 * netlink event of the guests already started (a vif to plug into the
 * bridge, its hotplug-status to write: what the guest's network waits
 * for) until the last build of the burst was done.  Between messages
 * the loop now polls, and those events, at a higher priority in a loop
 * that has more than one (xlb.c), go first.
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
	struct event *again; /* the next message, a turn later */
	void (*handler)(void *msg, void *arg);
	void *arg;
};

/* One message; the next on the loop's next turn, after it has polled. */
static void
chan_next(int fd, short event, void *arg)
{
	struct chan	 *ch = arg;
	struct chan_item *it;
	struct timeval	  now = { 0, 0 };
	int		  more;

	(void)fd;
	(void)event;
	pthread_mutex_lock(&ch->mtx);
	if ((it = TAILQ_FIRST(&ch->q)) != NULL)
		TAILQ_REMOVE(&ch->q, it, entry);
	more = !TAILQ_EMPTY(&ch->q);
	pthread_mutex_unlock(&ch->mtx);
	/*
	 * A timer, not event_active: an event made active runs in the same
	 * pass over the active events, before the loop polls again.  Asked
	 * for before the handler, which may end the loop.
	 */
	if (more && !evtimer_pending(ch->again, NULL))
		evtimer_add(ch->again, &now);
	if (it == NULL)
		return;
	ch->handler(it->msg, ch->arg);
	free(it);
}

static void
chan_readable(int fd, short event, void *arg)
{
	char buf[64];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
	chan_next(fd, event, arg);
}

struct chan *
chan_new(struct event_base *base, void (*handler)(void *, void *), void *arg)
{
	struct chan *ch;
	int	     low;

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
	low = event_base_get_npriorities(base) - 1;
	ch->ev = event_new(base, ch->fds[0], EV_READ | EV_PERSIST,
	    chan_readable, ch);
	ch->again = evtimer_new(base, chan_next, ch);
	if (ch->ev == NULL || ch->again == NULL ||
	    event_priority_set(ch->ev, low) == -1 ||
	    event_priority_set(ch->again, low) == -1 ||
	    event_add(ch->ev, NULL) == -1)
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

/*
 * The first queued message match(msg, arg) says yes to, out of the queue
 * (NULL: none).  Its wake-up byte stays in the pipe: the loop then finds
 * one message fewer, which it takes in its stride.
 */
void *
chan_take(struct chan *ch, int (*match)(const void *msg, const void *arg),
    const void	      *arg)
{
	struct chan_item *it;
	void		 *msg = NULL;

	pthread_mutex_lock(&ch->mtx);
	TAILQ_FOREACH(it, &ch->q, entry)
		if (match(it->msg, arg))
			break;
	if (it != NULL)
		TAILQ_REMOVE(&ch->q, it, entry);
	pthread_mutex_unlock(&ch->mtx);
	if (it != NULL) {
		msg = it->msg;
		free(it);
	}
	return msg;
}

int
chan_pending(struct chan *ch)
{
	int pending;

	pthread_mutex_lock(&ch->mtx);
	pending = !TAILQ_EMPTY(&ch->q);
	pthread_mutex_unlock(&ch->mtx);
	return pending;
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
	event_free(ch->again);
	close(ch->fds[0]);
	close(ch->fds[1]);
	pthread_mutex_destroy(&ch->mtx);
	free(ch);
}
