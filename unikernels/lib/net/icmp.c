/* icmp.c -- ICMP: echo replies, nothing else */
#include "net.h"

#define ICMP_ECHO_REPLY 0
#define ICMP_ECHO	8

void
icmp_input(struct net *n, const struct ip_hdr *ip, const uint8_t *p, size_t len,
    uint64_t now)
{
	uint8_t *r = n->tx + IP_PAYLOAD;

	/* Echo only to our unicast address: no broadcast ping amplifier. */
	if (len < 8 || len > NET_MTU - 20 || ip->dst != n->ip ||
	    ip_fold(ip_sum(p, len, 0)) != 0 || p[0] != ICMP_ECHO || p[1] != 0) {
		n->stats.rx_drop++;
		return;
	}
	if (n->quiet) {
		n->stats.quiet_drop++;
		return;
	}
	memmove(r, p, len);
	r[0] = ICMP_ECHO_REPLY;
	put16(r + 2, 0);
	put16(r + 2, ip_fold(ip_sum(r, len, 0)));
	(void)ip_send(n, ip->src, IP_ICMP, len, now);
}
