/* ip.c -- IPv4 header parse and build, Internet checksums */
#include "wire.h"

#define IP_TTL	   64
#define IP_DF	   0x4000
#define IP_MF	   0x2000
#define IP_OFFMASK 0x1fff

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

	if (len < IP_HLEN || (p[0] >> 4) != 4)
		return -1;
	h->hlen = (size_t)(p[0] & 0x0f) * 4;
	h->total = get16(p + 2);
	/* Ethernet pads short frames: total may be less than len. */
	if (h->hlen < IP_HLEN || h->hlen > h->total || h->total > len)
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

void
ip_build(uint8_t *p, uint16_t id, uint8_t proto, uint32_t src, uint32_t dst,
    size_t plen)
{
	p[0] = 0x45;
	p[1] = 0;
	put16(p + 2, (uint16_t)(IP_HLEN + plen));
	put16(p + 4, id);
	put16(p + 6, IP_DF);
	p[8] = IP_TTL;
	p[9] = proto;
	put16(p + 10, 0);
	put32(p + 12, src);
	put32(p + 16, dst);
	put16(p + 10, ip_fold(ip_sum(p, IP_HLEN, 0)));
}
