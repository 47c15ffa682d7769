/* conduit.c -- test unikernel: 1 MiB through a conduit and back */
#include "uk.h"

/*
 * With `conduit=NAME' on the command line: asks jitsud (or whoever plays
 * its part of conduit(7)) for a channel to NAME, sends 1 MiB of a known
 * pattern while reading the echo back, checks every byte, closes and
 * prints SUCCESS.  The server is expected to echo (apps/echo does).  Any
 * error is printed with its code and ends in FAILURE.
 */

#define BUF  65536
#define SIZE (1024 * 1024)

static char buf[BUF];
static unsigned long sent, got;
static int done, failed;

static char
pattern(unsigned long i)
{
	return (char)(i * 7 + (i >> 11));
}

static void
finish(struct uk_conduit *c, long why)
{
	if (got != SIZE || why < 0) {
		printf("conduit: stopped after %lu sent, %lu back (%ld)\n",
		    sent, got, why);
		failed = 1;
	}
	uk_conduit_close(c);
	done = 1;
}

/* Checks n bytes just read; -1 at the first that differs. */
static long
check(long n)
{
	long i;

	for (i = 0; i < n; i++)
		if (buf[i] != pattern(got + (unsigned long)i)) {
			printf("conduit: byte %lu differs\n",
			    got + (unsigned long)i);
			return -1;
		}
	got += (unsigned long)n;
	return n;
}

static void
exchange(struct uk_conduit *c, int events, void *arg)
{
	size_t i, len;
	long n = 0;

	(void)events;
	(void)arg;
	for (;;) {
		len = SIZE - sent < BUF ? SIZE - sent : BUF;
		for (i = 0; i < len; i++)
			buf[i] = pattern(sent + i);
		if (len > 0 && (n = uk_conduit_write(c, buf, len)) > 0)
			sent += (unsigned long)n;
		else if (len > 0 && n != -UK_EAGAIN)
			break;
		if ((n = uk_conduit_read(c, buf, BUF)) == -UK_EAGAIN)
			return;
		if (n <= 0 || check(n) < 0 || got == SIZE)
			break;
	}
	finish(c, n);
}

int
uk_main(void)
{
	struct uk_conduit *c;
	char name[256];
	uint64_t t0;
	int rc;

	if (uk_cmdline_get("conduit", name, sizeof(name)) <= 0) {
		printf("conduit: FAILURE: no conduit=NAME\n");
		return 1;
	}
	t0 = uk_now();
	if ((rc = uk_conduit_connect(name, exchange, NULL, &c)) != 0) {
		printf("conduit: FAILURE: connect %s: %d\n", name, rc);
		return 1;
	}
	printf("conduit: asked for %s\n", name);
	while (!done)
		(void)uk_poll(UK_FOREVER);
	if (failed) {
		printf("conduit: FAILURE\n");
		return 1;
	}
	printf("conduit: %lu bytes echoed intact in %lu ms\n", got,
	    (unsigned long)((uk_now() - t0) / UK_MSEC(1)));
	printf("conduit: SUCCESS\n");
	return 0;
}
