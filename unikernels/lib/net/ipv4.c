/* ipv4.c -- IPv4 header checks, checksums, demultiplexing and output */
#include "net.h"

#define IP_TTL		64
#define IP_MF		0x2000
#define IP_OFFMASK	0x1fff

uint32_t
ip_sum(const uint8_t *p, size_t len, uint32_t sum)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += get16(p + i);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	/* Fold now and then so that long buffers cannot overflow 32 bits. */
	return (sum & 0xffff) + (sum >> 16);
}

uint16_t
ip_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint32_t
ip_pseudo(uint32_t src, uint32_t dst, uint8_t proto, size_t len)
{
	return (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) +
	    proto + (uint32_t)len;
}

int
ip_parse(const uint8_t *p, size_t len, struct ip_hdr *h)
{
	uint16_t frag;

	if (len < 20 || (p[0] >> 4) != 4)
		return -1;
	h->hlen = (size_t)(p[0] & 0x0f) * 4;
	h->total = get16(p + 2);
	/* Ethernet pads short frames: total may be less than len. */
	if (h->hlen < 20 || h->hlen > h->total || h->total > len)
		return -1;
	if (ip_fold(ip_sum(p, h->hlen, 0)) != 0)
		return -1;
	h->ttl = p[8];
	h->proto = p[9];
	h->src = get32(p + 12);
	h->dst = get32(p + 16);
	frag = get16(p + 6);
	if ((frag & (IP_MF | IP_OFFMASK)) != 0)
		return -2;
	return 0;
}

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
static uint32_t
ip_route(const struct net *n, uint32_t dst)
{
	if ((dst & n->mask) == (n->ip & n->mask) || dst == 0xffffffffu)
		return dst;
	return n->gw;
}

int
ip_send(struct net *n, uint32_t dst, uint8_t proto, size_t plen,
    uint64_t now)
{
	uint8_t *h = n->tx + ETH_HLEN;
	uint32_t hop = ip_route(n, dst);

	if (hop == 0 || plen > NET_MTU - 20)
		return -UK_EHOSTUNREACH;
	h[0] = 0x45;
	h[1] = 0;
	put16(h + 2, (uint16_t)(20 + plen));
	put16(h + 4, n->ip_id++);
	put16(h + 6, 0x4000);		/* DF: we never fragment */
	h[8] = IP_TTL;
	h[9] = proto;
	put16(h + 10, 0);
	put32(h + 12, n->ip);
	put32(h + 16, dst);
	put16(h + 10, ip_fold(ip_sum(h, 20, 0)));
	put16(n->tx + 12, ETH_IPV4);
	return arp_send(n, hop, n->tx, ETH_HLEN + 20 + plen, now);
}
