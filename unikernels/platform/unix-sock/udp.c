/* udp.c -- uk.h's UDP calls on non-blocking kernel sockets */
#include "sockplat.h"

#include <errno.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>

/*
 * Four sockets, as uk.h says; the kernel queues more than 4 datagrams
 * (its receive buffer decides), which no application can tell apart from
 * a fast reader.  fn runs when datagrams arrive (edge-triggered: read
 * until -UK_EAGAIN, as uk.h asks).
 */

#define UDP_NSOCK 4
#define UDP_MAX	  1472 /* uk.h: one Ethernet frame's payload */

struct uk_udp {
	struct loop_src src;
	int used;
	uint16_t port;
	uk_udp_fn *fn;
	void *arg;
};

static struct uk_udp socks[UDP_NSOCK];

static int
udp_run(struct loop_src *s, int events)
{
	struct uk_udp *u = (struct uk_udp *)(void *)s;

	if (!(events & UK_NET_READ) || u->fn == NULL)
		return 0;
	u->fn(u, u->arg);
	return 1;
}

static int
udp_socket(uint16_t port)
{
	struct sockaddr_in sin;
	int fd, err;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return unix_err(errno);
	unix_sin(&sin, ip_local(), port);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
		err = errno;
		close(fd);
		return unix_err(err);
	}
	return fd;
}

int
uk_udp_bind(uint16_t port, uk_udp_fn *fn, void *arg, struct uk_udp **up)
{
	struct uk_udp *u = NULL;
	int i, fd, rc;

	if (port == 0)
		return -UK_EINVAL;
	for (i = 0; i < UDP_NSOCK; i++) {
		if (socks[i].used && socks[i].port == port)
			return -UK_EADDRINUSE;
		if (!socks[i].used && u == NULL)
			u = &socks[i];
	}
	if (u == NULL)
		return -UK_ENOSPC;
	if ((fd = udp_socket(port)) < 0)
		return fd;
	memset(u, 0, sizeof(*u));
	u->src.fd = fd;
	u->src.run = udp_run;
	if ((rc = loop_add(&u->src, EPOLLIN)) != 0) {
		close(fd);
		return rc;
	}
	u->used = 1;
	u->port = port;
	u->fn = fn;
	u->arg = arg;
	*up = u;
	return 0;
}

int
uk_udp_sendto(struct uk_udp *u, const void *buf, size_t len, uint32_t ip,
    uint16_t port)
{
	struct sockaddr_in sin;

	if (len > UDP_MAX)
		return -UK_EMSGSIZE;
	unix_sin(&sin, ip, port);
	if (sendto(u->src.fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL,
		(struct sockaddr *)&sin, sizeof(sin)) < 0)
		return unix_err(errno);
	return 0;
}

int
uk_udp_recvfrom(struct uk_udp *u, void *buf, size_t len, uint32_t *ip,
    uint16_t *port)
{
	struct sockaddr_in sin;
	socklen_t slen = sizeof(sin);
	ssize_t n;

	/* Without MSG_TRUNC the kernel returns the length cut to len. */
	n = recvfrom(u->src.fd, buf, len, MSG_DONTWAIT, (struct sockaddr *)&sin,
	    &slen);
	if (n < 0)
		return unix_err(errno);
	if (ip != NULL)
		*ip = ntohl(sin.sin_addr.s_addr);
	if (port != NULL)
		*port = ntohs(sin.sin_port);
	return (int)n;
}

void
uk_udp_close(struct uk_udp *u)
{
	loop_del(&u->src);
	close(u->src.fd);
	u->used = 0;
}
