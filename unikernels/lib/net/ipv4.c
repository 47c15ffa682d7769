/* ipv4.c -- IPv4 demultiplexing, routing and output */
#include "net.h"

static int
ip_for_us(const struct net *n, uint32_t dst)
{
	return dst == n->ip || dst == 0xffffffffu ||
	    dst == ((n->ip & n->mask) | ~n->mask);
}

void
ip_input(struct net *n, const uint8_t *p, size_t len, uint64_t now)
{
	struct ip_hdr h;

	if (ip_parse(p, len, &h) != 0 || !ip_for_us(n, h.dst) ||
	    h.src == n->ip) {
		n->stats.rx_drop++;
		return;
	}
	p += h.hlen;
	len = h.total - h.hlen;
	switch (h.proto) {
	case IP_ICMP:
		icmp_input(n, &h, p, len, now);
		break;
	case IP_TCP:
		if (h.dst == n->ip)
			tcp_input(n, &h, p, len, now);
		break;
	case IP_UDP:
		udp_input(n, &h, p, len);
		break;
	default:
		n->stats.rx_drop++;
	}
}

/* On-link destinations directly, the rest through the gateway. */
uint32_t
ip_nexthop(const struct net *n, uint32_t dst)
{
	if ((dst & n->mask) == (n->ip & n->mask) || dst == 0xffffffffu)
		return dst;
	return n->gw;
}

int
ip_send(struct net *n, uint32_t dst, uint8_t proto, size_t plen, uint64_t now)
{
	uint8_t *h = n->tx + ETH_HLEN;
	uint32_t hop = ip_nexthop(n, dst);

	if (hop == 0 || plen > NET_MTU - 20)
		return -UK_EHOSTUNREACH;
	ip_build(h, n->ip_id++, proto, n->ip, dst, plen);
	put16(n->tx + 12, ETH_IPV4);
	return arp_send(n, hop, n->tx, ETH_HLEN + 20 + plen, now);
}
