/* qlat.c -- query latency probe: one UDP DNS query at a time, RTTs out */
#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dnsq.h"

/*
 * Usage: qlat ADDRESS PORT NAME STOPFILE [INTERVAL_MS]
 * Asks ADDRESS:PORT for NAME (type A) every INTERVAL_MS (default 100)
 * until STOPFILE exists, one query in flight at a time, and prints each
 * round trip in microseconds (a lost query counts as 2 s), then
 * "queries=N lost=N max_us=N p50_us=N p99_us=N".  One long-lived
 * process: what it measures is the server, not process start-up.
 */

#define MAXQ	   100000
#define TIMEOUT_MS 2000

static uint64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static int
cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char *argv[])
{
	static uint64_t rtt[MAXQ];
	struct stat	st;
	uint8_t		q[512], r[1500];
	size_t		n = 0, lost = 0, qlen;
	int		fd, interval;
	uint16_t	id = 1;

	if (argc < 5) {
		fprintf(stderr,
		    "usage: qlat ADDRESS PORT NAME STOPFILE "
		    "[INTERVAL_MS]\n");
		return 2;
	}
	interval = argc > 5 ? atoi(argv[5]) : 100;
	if ((fd = dnsq_connect(argv[1], argv[2])) == -1) {
		perror("qlat");
		return 2;
	}
	while (stat(argv[4], &st) == -1 && n < MAXQ) {
		struct pollfd pfd = { fd, POLLIN, 0 };
		uint64_t      t0 = now_us(), dt = 0;
		int	      got = 0;

		qlen = dnsq_build(q, ++id, argv[3]);
		if (send(fd, q, qlen, 0) == -1)
			break;
		while (!got && (dt = now_us() - t0) < TIMEOUT_MS * 1000ULL) {
			if (poll(&pfd, 1, (int)(TIMEOUT_MS - dt / 1000)) <= 0)
				continue;
			if (recv(fd, r, sizeof(r), 0) >= 2 &&
			    r[0] == (uint8_t)(id >> 8) && r[1] == (uint8_t)id)
				got = 1;
		}
		dt = now_us() - t0;
		if (!got)
			lost++;
		printf("%llu\n", (unsigned long long)dt);
		rtt[n++] = dt;
		usleep((useconds_t)interval * 1000);
	}
	if (n == 0) {
		printf("queries=0\n");
		return 1;
	}
	qsort(rtt, n, sizeof(rtt[0]), cmp);
	printf("queries=%zu lost=%zu max_us=%llu p50_us=%llu p99_us=%llu\n", n,
	    lost, (unsigned long long)rtt[n - 1],
	    (unsigned long long)rtt[n / 2],
	    (unsigned long long)rtt[n * 99 / 100]);
	return lost == 0 ? 0 : 1;
}
