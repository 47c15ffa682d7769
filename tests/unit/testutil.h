/* testutil.h -- helpers the unit tests share (header-only: static inline) */
#ifndef JITSUD_TESTUTIL_H
#define JITSUD_TESTUTIL_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
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
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	event_base_once(base, -1, EV_TIMEOUT, testutil_loopexit, base, &tv);
	event_base_dispatch(base);
}

/*
 * A formatted string that lives as long as the test, from a pool of
 * 64, for the strings of bindings a test makes by hand (names, kernel
 * paths, command lines up to Xen's 1024 bytes): the code under test
 * copies them or only reads them; only its copies are freed.
 */
static inline char *testutil_str(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
static inline char *
testutil_str(const char *fmt, ...)
{
	static char pool[64][1024];
	static int  next;
	char	   *p = pool[next++ % 64];
	va_list	    ap;

	va_start(ap, fmt);
	vsnprintf(p, sizeof(pool[0]), fmt, ap);
	va_end(ap);
	return p;
}

/* Milliseconds on the monotonic clock. */
static inline uint64_t
testutil_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Run base's loop until *count reaches n, or for `ms' at the most. */
static inline void
testutil_loop_until(struct event_base *base, const int *count, int n,
    unsigned int ms)
{
	uint64_t end = testutil_now_ms() + ms;

	while (*count < n && testutil_now_ms() < end)
		testutil_loop_for(base, 5);
}

/*
 * The call recorder of tests whose fakes say what they were asked:
 * append one formatted entry to the string buf (of size bytes), a space
 * between entries, so a test compares the whole story with one
 * assert_string_equal.
 */
static inline void testutil_record(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static inline void
testutil_record(char *buf, size_t size, const char *fmt, ...)
{
	size_t	n = strlen(buf);
	va_list ap;

	if (n != 0)
		snprintf(buf + n, size - n, " ");
	n = strlen(buf);
	va_start(ap, fmt);
	vsnprintf(buf + n, size - n, fmt, ap);
	va_end(ap);
}

/*
 * Group set-up for tests whose fixtures live in tests/conf: error
 * messages then name files relative to it.  JITSUD_SRCDIR overrides the
 * repository top (default: the current folder, as make runs them).
 */
static inline int
testutil_enter_conf_dir(void **state)
{
	const char *top = getenv("JITSUD_SRCDIR");
	char	    dir[512];

	(void)state;
	snprintf(dir, sizeof(dir), "%s/tests/conf", top ? top : ".");
	return chdir(dir);
}

#endif /* JITSUD_TESTUTIL_H */
