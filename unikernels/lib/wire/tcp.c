/* tcp.c -- TCP header and option parse and build */
#include "wire.h"

#define OPT_END	   0
#define OPT_NOP	   1
#define OPT_MSS	   2
#define OPT_WSCALE 3
#define WSCALE_MAX 14 /* RFC 7323 2.3 */

/* MSS and window scale; unknown options are skipped by their length. */
static int
tcp_options(const uint8_t *o, size_t len, struct tcp_seg *s)
{
	size_t i = 0, olen;

	while (i < len && o[i] != OPT_END) {
		if (o[i] == OPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= len || (olen = o[i + 1]) < 2 || i + olen > len)
			return -1;
		if (o[i] == OPT_MSS && olen == 4)
			s->mss = get16(o + i + 2);
		else if (o[i] == OPT_WSCALE && olen == 3)
			s->wscale = o[i + 2] > WSCALE_MAX ? WSCALE_MAX :
							    o[i + 2];
		i += olen;
	}
	return 0;
}

int
tcp_parse_nosum(const uint8_t *p, size_t len, struct tcp_seg *s)
{
	size_t off;

	if (len < TCP_HLEN)
		return -1;
	off = (size_t)(p[12] >> 4) * 4;
	if (off < TCP_HLEN || off > len)
		return -1;
	s->sport = get16(p);
	s->dport = get16(p + 2);
	s->seq = get32(p + 4);
	s->ack = get32(p + 8);
	s->flags = p[13] & 0x3f;
	s->wnd = get16(p + 14);
	s->mss = 0;
	s->wscale = -1;
	s->data = p + off;
	s->dlen = len - off;
	if (s->sport == 0 || s->dport == 0)
		return -1;
	return tcp_options(p + TCP_HLEN, off - TCP_HLEN, s);
}

int
tcp_parse(const uint8_t *p, size_t len, uint32_t src, uint32_t dst,
    struct tcp_seg *s)
{
	if (tcp_parse_nosum(p, len, s) != 0)
		return -1;
	if (ip_fold(ip_sum(p, len, ip_pseudo(src, dst, IP_TCP, len))) != 0)
		return -1;
	return 0;
}

size_t
tcp_hdr_len(const struct tcp_seg *s)
{
	return TCP_HLEN + (s->mss != 0 ? 4 : 0) + (s->wscale >= 0 ? 4 : 0);
}

void
tcp_build(uint8_t *p, const struct tcp_seg *s, uint32_t src, uint32_t dst)
{
	size_t hlen = tcp_hdr_len(s), len = hlen + s->dlen;
	uint8_t *o = p + TCP_HLEN;

	put16(p, s->sport);
	put16(p + 2, s->dport);
	put32(p + 4, s->seq);
	put32(p + 8, s->ack);
	p[12] = (uint8_t)(hlen / 4) << 4;
	p[13] = s->flags;
	put16(p + 14, s->wnd);
	put16(p + 16, 0);
	put16(p + 18, 0);
	if (s->mss != 0) {
		o[0] = OPT_MSS;
		o[1] = 4;
		put16(o + 2, s->mss);
		o += 4;
	}
	if (s->wscale >= 0) {
		o[0] = OPT_NOP;
		o[1] = OPT_WSCALE;
		o[2] = 3;
		o[3] = (uint8_t)s->wscale;
	}
	put16(p + 16,
	    ip_fold(ip_sum(p, len, ip_pseudo(src, dst, IP_TCP, len))));
}
