/* net_test.h -- a stack under test: captured output, frames from a peer */
#ifndef NET_TEST_H
#define NET_TEST_H

#include "net.h"

/*
 * The stack's output goes into `out`, frame by frame; tests look at the
 * last one or count them.  The peer is 10.88.0.1 (MAC 02:..:01), the
 * stack 10.88.0.2/24 (MAC 02:..:02).
 */

#define PEER_IP 0x0a580001u
#define OUR_IP	0x0a580002u
#define MAXOUT	64

static const uint8_t peer_mac[6] = { 2, 0, 0, 0, 0, 1 };
static const uint8_t our_mac[6] = { 2, 0, 0, 0, 0, 2 };

static struct net *tn;
static uint8_t out[MAXOUT][NET_FRAME];
static size_t outlen[MAXOUT];
static int nout;

static inline int
capture(struct net *n, const uint8_t *f, size_t len)
{
	(void)n;
	if (nout < MAXOUT) {
		memcpy(out[nout], f, len);
		outlen[nout] = len;
	}
	nout++;
	return 0;
}

static inline void
net_setup(void)
{
	static struct net n;

	tn = &n;
	net_init(tn, our_mac, OUR_IP, 0xffffff00u, 0, capture, 1234);
	nout = 0;
}

/* Teaches the stack the peer's MAC as an ARP reply would. */
static inline void
learn_peer(uint64_t now)
{
	struct arp_pkt a = { .op = ARP_REPLY, .spa = PEER_IP, .tpa = OUR_IP };
	uint8_t f[ETH_HLEN + ARP_LEN];

	memcpy(a.sha, peer_mac, 6);
	memcpy(a.tha, our_mac, 6);
	eth_build(f, our_mac, peer_mac, ETH_ARP);
	arp_build(f + ETH_HLEN, &a);
	arp_input(tn, f + ETH_HLEN, ARP_LEN, now);
}

/* Wraps an IPv4 payload from the peer to us in headers and delivers it. */
static inline void
peer_ip(uint8_t proto, const uint8_t *p, size_t len, uint64_t now)
{
	uint8_t f[NET_FRAME];
	uint8_t *h = f + ETH_HLEN;

	eth_build(f, our_mac, peer_mac, ETH_IPV4);
	memset(h, 0, 20);
	h[0] = 0x45;
	put16(h + 2, (uint16_t)(20 + len));
	h[8] = 64;
	h[9] = proto;
	put32(h + 12, PEER_IP);
	put32(h + 16, OUR_IP);
	put16(h + 10, ip_fold(ip_sum(h, 20, 0)));
	memcpy(h + 20, p, len);
	net_input(tn, f, ETH_HLEN + 20 + len, now);
}

/* Parses output frame i as IPv4/TCP into s; fails the test if it is not. */
static inline void
out_tcp(int i, struct tcp_seg *s)
{
	struct ip_hdr ip;

	assert_true(i >= 0 && i < nout);
	assert_int_equal(get16(out[i] + 12), ETH_IPV4);
	assert_int_equal(ip_parse(out[i] + ETH_HLEN, outlen[i] - ETH_HLEN, &ip),
	    0);
	assert_int_equal(ip.proto, IP_TCP);
	assert_int_equal(tcp_parse(out[i] + ETH_HLEN + ip.hlen,
			     ip.total - ip.hlen, ip.src, ip.dst, s),
	    0);
}

#endif /* NET_TEST_H */
