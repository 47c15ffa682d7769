/* tcpflood.c -- DNS-over-TCP clients that cost a server what they can */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dnsq.h"

/*
 * tcpflood ADDR PORT NAME CONNS SECONDS MODE
 *
 * Opens CONNS connections to the IPv4 server ADDR:PORT and for SECONDS
 * does to each what MODE says:
 *   noread   pipelines queries for NAME as fast as the server takes
 *            them and never reads an answer (its replies back up);
 *   trickle  sends one query a byte every 500 ms and reads nothing.
 * Each client's socket buffers are small, so the server, not the
 * kernel, is where the backlog has to go.  Prints one line:
 *   conns=N refused=N closed=N bytes=N
 * closed: connections the server ended (EOF, reset) before SECONDS were
 * up; bytes: what the server took from all of them.  Exit 0 unless the
 * arguments are wrong.
 */

#define TRICKLE_MS 500
#define CONNS_MAX  1024

struct conn {
	int	fd;
	int	closed;
	size_t	off;
	size_t	len;
	uint8_t msg[2 + 512];
};

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int
dial(const struct sockaddr_in *sin)
{
	int fd, sz = 4096;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return -1;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	if (connect(fd, (const struct sockaddr *)sin, sizeof(*sin)) == -1 ||
	    fcntl(fd, F_SETFL, O_NONBLOCK) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

static void
next_query(struct conn *c, uint16_t id, const char *name)
{
	size_t n = dnsq_build(c->msg + 2, id, name);

	c->msg[0] = (uint8_t)(n >> 8);
	c->msg[1] = (uint8_t)n;
	c->len = 2 + n;
	c->off = 0;
}

/* Has the server ended c?  Reads nothing it sent (that is the point). */
static int
ended(struct conn *c)
{
	struct pollfd p = { .fd = c->fd, .events = POLLIN };
	char	      b;

	if (poll(&p, 1, 0) == 1 && (p.revents & (POLLHUP | POLLERR)))
		return 1;
	return recv(c->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
}

int
main(int argc, char *argv[])
{
	static struct conn conns[CONNS_MAX];
	struct sockaddr_in sin;
	unsigned long long bytes = 0;
	uint64_t	   end, next_trickle;
	int		   n, i, refused = 0, closed = 0, trickle;
	uint16_t	   id = 0;
	ssize_t		   w;

	if (argc != 7 || (n = atoi(argv[4])) < 1 || n > CONNS_MAX ||
	    atoi(argv[5]) < 1 ||
	    (strcmp(argv[6], "noread") != 0 &&
		strcmp(argv[6], "trickle") != 0)) {
		fprintf(stderr,
		    "usage: tcpflood ADDR PORT NAME CONNS SECONDS "
		    "noread|trickle\n");
		return 2;
	}
	trickle = strcmp(argv[6], "trickle") == 0;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)atoi(argv[2]));
	if (inet_pton(AF_INET, argv[1], &sin.sin_addr) != 1) {
		fprintf(stderr, "tcpflood: bad address %s\n", argv[1]);
		return 2;
	}
	for (i = 0; i < n; i++) {
		if ((conns[i].fd = dial(&sin)) == -1) {
			refused++;
			conns[i].closed = 1;
			continue;
		}
		next_query(&conns[i], id++, argv[3]);
	}
	end = now_ms() + (uint64_t)atoi(argv[5]) * 1000;
	next_trickle = now_ms();
	while (now_ms() < end) {
		int now_trickle = trickle && now_ms() >= next_trickle;

		for (i = 0; i < n; i++) {
			struct conn *c = &conns[i];

			if (c->closed)
				continue;
			if (ended(c)) {
				c->closed = 1;
				closed++;
				continue;
			}
			if (trickle && !now_trickle)
				continue;
			do {
				w = send(c->fd, c->msg + c->off,
				    trickle ? 1 : c->len - c->off,
				    MSG_NOSIGNAL);
				if (w <= 0)
					break;
				bytes += (unsigned long long)w;
				if ((c->off += (size_t)w) == c->len)
					next_query(c, id++, argv[3]);
			} while (!trickle);
			if (w < 0 && errno != EAGAIN) {
				c->closed = 1;
				closed++;
			}
		}
		if (now_trickle)
			next_trickle += TRICKLE_MS;
		usleep(10000);
	}
	printf("conns=%d refused=%d closed=%d bytes=%llu\n", n, refused, closed,
	    bytes);
	return 0;
}
