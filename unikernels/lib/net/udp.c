/* udp.c -- UDP: datagram parse and build, bound sockets with small queues */
#include "net.h"

int
udp_parse(const uint8_t *p, size_t len, uint32_t src, uint32_t dst,
    uint16_t *sport, uint16_t *dport, size_t *dlen)
{
	size_t ulen;
	uint32_t sum;

	if (len < 8)
		return -1;
	ulen = get16(p + 4);
	if (ulen < 8 || ulen > len)
		return -1;
	/* A zero checksum means the sender did not compute one. */
	if (get16(p + 6) != 0) {
		sum = ip_sum(p, ulen, ip_pseudo(src, dst, IP_UDP, ulen));
		if (ip_fold(sum) != 0)
			return -1;
	}
	*sport = get16(p);
	*dport = get16(p + 2);
	*dlen = ulen - 8;
	return 0;
}

static struct udp_sock *
udp_lookup(struct net *n, uint16_t port)
{
	int i;

	for (i = 0; i < NET_UDP_NSOCK; i++)
		if (n->udp[i].used && n->udp[i].port == port)
			return &n->udp[i];
	return NULL;
}

void
udp_input(struct net *n, const struct ip_hdr *ip, const uint8_t *p, size_t len)
{
	struct udp_sock *u;
	struct udp_dgram *d;
	uint16_t sport, dport;
	size_t dlen;

	if (udp_parse(p, len, ip->src, ip->dst, &sport, &dport, &dlen) != 0 ||
	    (u = udp_lookup(n, dport)) == NULL || u->count == NET_UDP_QLEN ||
	    dlen > sizeof(d->data)) {
		n->stats.rx_drop++;
		return;
	}
	d = &u->q[(u->head + u->count++) % NET_UDP_QLEN];
	d->ip = ip->src;
	d->port = sport;
	d->len = (uint16_t)dlen;
	memcpy(d->data, p + 8, dlen);
	u->events |= NET_EV_READ;
}

struct udp_sock *
udp_bind(struct net *n, uint16_t port)
{
	int i;

	if (port == 0 || udp_lookup(n, port) != NULL)
		return NULL;
	for (i = 0; i < NET_UDP_NSOCK; i++)
		if (!n->udp[i].used) {
			memset(&n->udp[i], 0, sizeof(n->udp[i]));
			n->udp[i].used = 1;
			n->udp[i].port = port;
			return &n->udp[i];
		}
	return NULL;
}

int
udp_sendto(struct net *n, struct udp_sock *u, const void *buf, size_t len,
    uint32_t ip, uint16_t port, uint64_t now)
{
	uint8_t *p = n->tx + IP_PAYLOAD;
	size_t ulen = len + 8;
	uint16_t sum;

	if (len > NET_MTU - 28)
		return -UK_EMSGSIZE;
	put16(p, u->port);
	put16(p + 2, port);
	put16(p + 4, (uint16_t)ulen);
	put16(p + 6, 0);
	memcpy(p + 8, buf, len);
	sum = ip_fold(ip_sum(p, ulen, ip_pseudo(n->ip, ip, IP_UDP, ulen)));
	put16(p + 6, sum == 0 ? 0xffff : sum);
	return ip_send(n, ip, IP_UDP, ulen, now);
}

int
udp_recvfrom(struct udp_sock *u, void *buf, size_t len, uint32_t *ip,
    uint16_t *port)
{
	struct udp_dgram *d;
	size_t n;

	if (u->count == 0)
		return -UK_EAGAIN;
	d = &u->q[u->head];
	n = d->len < len ? d->len : len; /* the rest is cut, as recv(2) */
	memcpy(buf, d->data, n);
	if (ip != NULL)
		*ip = d->ip;
	if (port != NULL)
		*port = d->port;
	u->head = (u->head + 1) % NET_UDP_QLEN;
	u->count--;
	return (int)n;
}

void
udp_close(struct udp_sock *u)
{
	u->used = 0;
}
