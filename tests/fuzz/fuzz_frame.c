/* fuzz_frame.c -- checksums fixed in fuzzed frames (fuzz_frame.h) */
#include "fuzz_frame.h"
#include "../../unikernels/lib/wire/wire.h"

void
fuzz_frame_fix(uint8_t *f, size_t len)
{
	uint8_t *ip = f + ETH_HLEN, *p;
	size_t	 hlen, total, plen;
	uint32_t sum;
	int	 at; /* the checksum's offset in the payload */

	if (len < ETH_HLEN + IP_HLEN || get16(f + 12) != ETH_IPV4)
		return;
	len -= ETH_HLEN;
	hlen = (size_t)(ip[0] & 0x0f) * 4;
	total = get16(ip + 2);
	if (hlen < IP_HLEN || hlen > len)
		return;
	put16(ip + 10, 0);
	put16(ip + 10, ip_fold(ip_sum(ip, hlen, 0)));
	if (total > len)
		total = len;
	if (total < hlen)
		return;
	p = ip + hlen;
	plen = total - hlen;
	switch (ip[9]) {
	case IP_TCP:
		at = 16;
		sum = ip_pseudo(get32(ip + 12), get32(ip + 16), IP_TCP, plen);
		break;
	case IP_UDP:
		at = 6;
		sum = ip_pseudo(get32(ip + 12), get32(ip + 16), IP_UDP, plen);
		break;
	case IP_ICMP:
		at = 2;
		sum = 0;
		break;
	default:
		return;
	}
	if (plen < (size_t)at + 2)
		return;
	put16(p + at, 0);
	put16(p + at, ip_fold(ip_sum(p, plen, sum)));
}

/* The TCP header in f, or NULL if f is no IPv4 TCP frame with one. */
static uint8_t *
fuzz_frame_tcp(const uint8_t *f, size_t len, size_t *tcplen)
{
	size_t hlen;

	if (len < ETH_HLEN + IP_HLEN || get16(f + 12) != ETH_IPV4 ||
	    f[ETH_HLEN + 9] != IP_TCP)
		return NULL;
	hlen = (size_t)(f[ETH_HLEN] & 0x0f) * 4;
	if (hlen < IP_HLEN || ETH_HLEN + hlen + TCP_HLEN > len)
		return NULL;
	*tcplen = len - ETH_HLEN - hlen;
	return (uint8_t *)(uintptr_t)(f + ETH_HLEN + hlen);
}

void
fuzz_frame_seen(struct fuzz_tcp_next *t, const uint8_t *f, size_t len)
{
	const uint8_t *p;
	size_t	       tlen, off;
	uint32_t       n;

	if ((p = fuzz_frame_tcp(f, len, &tlen)) == NULL)
		return;
	off = (size_t)(p[12] >> 4) * 4;
	n = off <= tlen ? (uint32_t)(tlen - off) : 0;
	n += (p[13] & TCP_SYN) ? 1 : 0;
	n += (p[13] & TCP_FIN) ? 1 : 0;
	t->have = 1;
	t->seq = get32(p + 8);
	t->ack = get32(p + 4) + n;
}

void
fuzz_frame_follow(const struct fuzz_tcp_next *t, uint8_t *f, size_t len)
{
	uint8_t *p;
	size_t	 tlen;

	if (!t->have || (p = fuzz_frame_tcp(f, len, &tlen)) == NULL)
		return;
	put32(p + 4, t->seq);
	put32(p + 8, t->ack);
}
