/* testutil.h -- helpers the unit tests share (header-only: static inline) */
#ifndef JITSUD_TESTUTIL_H
#define JITSUD_TESTUTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <event2/event.h>

static inline void
testutil_loopexit(int fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	event_base_loopexit(arg, NULL);
}

/* Run base's loop for `ms' milliseconds of real time. */
static inline void
testutil_loop_for(struct event_base *base, unsigned int ms)
{
	struct timeval	 tv = { ms / 1000, (ms % 1000) * 1000 };

	event_base_once(base, -1, EV_TIMEOUT, testutil_loopexit, base, &tv);
	event_base_dispatch(base);
}

/*
 * Group set-up for tests whose fixtures live in tests/conf: error
 * messages then name files relative to it.  JITSUD_SRCDIR overrides the
 * repository top (default: the current folder, as make runs them).
 */
static inline int
testutil_enter_conf_dir(void **state)
{
	const char	*top = getenv("JITSUD_SRCDIR");
	char		 dir[512];

	(void)state;
	snprintf(dir, sizeof(dir), "%s/tests/conf", top ? top : ".");
	return chdir(dir);
}

#endif /* JITSUD_TESTUTIL_H */
