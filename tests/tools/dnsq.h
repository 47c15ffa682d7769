/* dnsq.h -- the query the test tools send (header-only) */
#ifndef JITSUD_DNSQ_H
#define JITSUD_DNSQ_H

#include <sys/socket.h>

#include <arpa/inet.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * A standard query for `name' (dotted, no final dot needed), type A,
 * class IN, RD clear, under `id', into q (at least 512 bytes).  Labels
 * longer than 63 bytes or a name past 512 bytes end the name there.
 * Returns the query's length.
 */
static inline size_t
dnsq_build(uint8_t *q, uint16_t id, const char *name)
{
	size_t	    n = 12, len;
	const char *dot;

	memset(q, 0, 12);
	q[0] = (uint8_t)(id >> 8);
	q[1] = (uint8_t)id;
	q[5] = 1; /* one question */
	while (*name != '\0') {
		dot = strchr(name, '.');
		len = dot ? (size_t)(dot - name) : strlen(name);
		if (len == 0 || len > 63 || n + len + 6 > 512)
			break;
		q[n++] = (uint8_t)len;
		memcpy(q + n, name, len);
		n += len;
		name += len + (dot != NULL);
	}
	q[n++] = 0;
	q[n++] = 0;
	q[n++] = 1; /* A */
	q[n++] = 0;
	q[n++] = 1; /* IN */
	return n;
}

/*
 * A UDP socket connected to the IPv4 literal `addr' and decimal `port',
 * so only that server's answers arrive, sent from the IPv4 literal
 * `from' unless NULL (a loopback test's second client: 127.0.1.1).
 * -1 (errno set) on failure.
 */
static inline int
dnsq_connect_from(const char *addr, const char *port, const char *from)
{
	struct sockaddr_in sin, src;
	int		   fd;

	memset(&sin, 0, sizeof(sin));
	memset(&src, 0, sizeof(src));
	sin.sin_family = src.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)atoi(port));
	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1 ||
	    (from != NULL && inet_pton(AF_INET, from, &src.sin_addr) != 1) ||
	    (fd = socket(AF_INET, SOCK_DGRAM, 0)) == -1)
		return -1;
	if ((from != NULL &&
		bind(fd, (struct sockaddr *)&src, sizeof(src)) == -1) ||
	    connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

static inline int
dnsq_connect(const char *addr, const char *port)
{
	return dnsq_connect_from(addr, port, NULL);
}

#endif /* JITSUD_DNSQ_H */
