/* qburst.c -- send N DNS queries at once, count the replies by rcode */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dnsq.h"

/*
 * Usage: qburst ADDRESS PORT NAME COUNT [TIMEOUT_S [FROM]]
 * Sends COUNT queries for NAME (type A, IDs 1..COUNT) back to back on
 * one UDP socket (bound to the IPv4 address FROM if given), then
 * collects replies until all have come or the timeout (default 10 s)
 * passes.  A "%d" in NAME is the query's ID, so
 * that COUNT names are asked at once (p%d.test: p1.test, p2.test...)
 * by one process: the bench's N summons at once, with no client
 * process per name competing with what it times.  Prints
 *   sent=N replies=N noerror=N servfail=N other=N answered=N max_ms=N
 *   truncated=N start_uptime_ms=U
 * (answered: NOERROR replies with an answer record; truncated: replies
 * with TC set, rate limiting's slips among them) and exits 0 only if
 * every query got a NOERROR reply, and with "%d" an answer too.  U is
 * when the first query went, on the clock of /proc/uptime, the
 * testbed's: a bench times a burst from there, not from the start of a
 * client process that takes hundreds of emulated milliseconds to begin
 * (ip netns exec remounts /sys).  With QBURST_GO set to a FIFO's path,
 * the first query waits for a byte written there: the bench then starts
 * its count of the machine's CPU after this process's start, too.
 */

#define MAXCOUNT 10000

/* The name of query i: pattern with its "%d" (if any) replaced by i. */
static void
name_of(const char *pattern, int i, char *out, size_t len)
{
	const char *d = strstr(pattern, "%d");

	if (d == NULL)
		snprintf(out, len, "%s", pattern);
	else
		snprintf(out, len, "%.*s%d%s", (int)(d - pattern), pattern, i,
		    d + 2);
}

/* QBURST_GO: the open waits for the writer, the read for its byte. */
static int
wait_go(const char *fifo)
{
	char c;
	int  g;

	if ((g = open(fifo, O_RDONLY)) == -1)
		return -1;
	if (read(g, &c, 1) != 1) {
		close(g);
		errno = EPIPE;
		return -1;
	}
	close(g);
	return 0;
}

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int
main(int argc, char *argv[])
{
	static uint8_t	seen[MAXCOUNT + 1];
	uint8_t		q[512], r[4096];
	int		fd, count, i, n, rc, buf = 1 << 22;
	int		replies = 0, noerror = 0, servfail = 0, other = 0;
	int		answered = 0, truncated = 0, many;
	char		name[256];
	double		t0, deadline, last = 0;
	struct timespec up;

	if (argc < 5 || (count = atoi(argv[4])) < 1 || count > MAXCOUNT) {
		fprintf(stderr,
		    "usage: qburst ADDRESS PORT NAME COUNT "
		    "[TIMEOUT_S [FROM]]\n");
		return 2;
	}
	if ((fd = dnsq_connect_from(argv[1], argv[2],
		 argc > 6 ? argv[6] : NULL)) == -1) {
		perror("qburst");
		return 2;
	}
	/* Room for every reply at once: they may all come together. */
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	many = strstr(argv[3], "%d") != NULL;
	if (getenv("QBURST_GO") != NULL && wait_go(getenv("QBURST_GO")) == -1) {
		perror("qburst: QBURST_GO");
		return 2;
	}
	clock_gettime(CLOCK_BOOTTIME, &up);
	t0 = now_ms();
	for (i = 1; i <= count; i++) {
		name_of(argv[3], i, name, sizeof(name));
		n = (int)dnsq_build(q, (uint16_t)i, name);
		if (send(fd, q, (size_t)n, 0) == -1)
			perror("send");
	}
	deadline = t0 + 1000.0 * (argc > 5 ? atoi(argv[5]) : 10);
	while (replies < count && now_ms() < deadline) {
		struct pollfd pfd = { fd, POLLIN, 0 };

		if (poll(&pfd, 1, (int)(deadline - now_ms()) + 1) <= 0)
			continue;
		if ((n = (int)recv(fd, r, sizeof(r), 0)) < 12)
			continue;
		i = r[0] << 8 | r[1];
		if (i < 1 || i > count || seen[i])
			continue;
		seen[i] = 1;
		replies++;
		last = now_ms() - t0;
		rc = r[3] & 0x0f;
		truncated += (r[2] & 0x02) != 0;
		if (rc == 0) {
			noerror++;
			if ((r[6] << 8 | r[7]) > 0)
				answered++;
		} else if (rc == 2)
			servfail++;
		else
			other++;
	}
	printf("sent=%d replies=%d noerror=%d servfail=%d other=%d "
	       "answered=%d max_ms=%.0f truncated=%d start_uptime_ms=%.0f\n",
	    count, replies, noerror, servfail, other, answered, last, truncated,
	    up.tv_sec * 1e3 + up.tv_nsec / 1e6);
	return noerror == count && (!many || answered == count) ? 0 : 1;
}
