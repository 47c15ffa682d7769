/* wire.h -- Ethernet, ARP, IPv4 and TCP headers: parse, build, checksum */
#ifndef WIRE_H
#define WIRE_H

#include <stddef.h>
#include <stdint.h>

/*
 * The packet helpers that the libOS stack (lib/net/) and jitsud's
 * Synjitsu (src/synjitsu.c) share.  Like synrec.c, lib/wire/ compiles
 * both freestanding into the images and hosted into jitsud and the
 * host tests, so it calls no library function at all, not even memcpy.
 *
 * Every function here is pure: bytes in, a struct or bytes out.  The
 * parsers check the length before they read a field, since every frame
 * they see comes from the network.  Addresses and ports are host byte
 * order in the structs; only the wire is big-endian.
 */

#define ETH_HLEN 14
#define ETH_ARP	 0x0806
#define ETH_IPV4 0x0800
#define IP_HLEN	 20 /* an IPv4 header without options */
#define IP_ICMP	 1
#define IP_TCP	 6
#define IP_UDP	 17
#define TCP_HLEN 20 /* a TCP header without options */

/* Big-endian field access on byte arrays: no struct overlays, no alignment. */
static inline uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static inline void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Copies n bytes: memcpy is not to be had freestanding and hosted alike. */
static inline void
wire_copy(uint8_t *dst, const uint8_t *src, size_t n)
{
	while (n-- > 0)
		*dst++ = *src++;
}

/* Sequence-space comparisons, modulo 2^32. */
#define SEQ_LT(a, b)  ((int32_t)((a) - (b)) < 0)
#define SEQ_LEQ(a, b) ((int32_t)((a) - (b)) <= 0)
#define SEQ_GT(a, b)  ((int32_t)((a) - (b)) > 0)
#define SEQ_GEQ(a, b) ((int32_t)((a) - (b)) >= 0)

struct eth_hdr {
	uint8_t dst[6];
	uint8_t src[6];
	uint16_t type;
};

#define ARP_REQUEST 1
#define ARP_REPLY   2
#define ARP_LEN	    28

struct arp_pkt {
	uint16_t op;
	uint8_t sha[6];
	uint32_t spa;
	uint8_t tha[6];
	uint32_t tpa;
};

struct ip_hdr {
	size_t hlen;  /* header bytes, options included */
	size_t total; /* header + payload, padding excluded */
	uint8_t ttl;
	uint8_t proto;
	uint32_t src;
	uint32_t dst;
};

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10

struct tcp_seg {
	uint16_t sport;
	uint16_t dport;
	uint32_t seq;
	uint32_t ack;
	uint8_t flags;
	uint16_t wnd; /* as on the wire, unscaled */
	uint16_t mss; /* 0: no MSS option */
	int wscale;   /* -1: no window scale option */
	const uint8_t *data;
	size_t dlen;
};

/* eth.c */
/* Parses the Ethernet header; 0, or -1 if the frame is too short. */
int eth_parse(const uint8_t *f, size_t len, struct eth_hdr *h);
/* Writes the ETH_HLEN bytes of an Ethernet II header at f. */
void eth_build(uint8_t *f, const uint8_t dst[6], const uint8_t src[6],
    uint16_t type);
/* 1 if mac is a station's: neither a group address (broadcast included)
 * nor all zeros. */
int eth_is_station(const uint8_t mac[6]);

/* arp.c */
/*
 * Parses an Ethernet/IPv4 ARP request or reply of len bytes (Ethernet
 * padding may follow); 0, or -1 if short, of other types or another op.
 */
int arp_parse(const uint8_t *p, size_t len, struct arp_pkt *a);
/* Writes the ARP_LEN bytes of a's Ethernet/IPv4 ARP packet at p. */
void arp_build(uint8_t *p, const struct arp_pkt *a);

/* ip.c */
/*
 * The Internet checksum (RFC 1071) of len bytes added onto sum, host
 * order in and out; the result is partly folded, so that it may be fed
 * back in.  ip_fold completes the sum and returns its complement: the
 * checksum field to write, or 0 over data that carries a right one.
 */
uint32_t ip_sum(const uint8_t *p, size_t len, uint32_t sum);
uint16_t ip_fold(uint32_t sum);
/* The TCP/UDP pseudo-header's share of the checksum (RFC 793 3.1). */
uint32_t ip_pseudo(uint32_t src, uint32_t dst, uint8_t proto, size_t len);
/*
 * Parses and checks an IPv4 header of a packet of len bytes (Ethernet
 * padding may follow): version, lengths, checksum.  0 on success; -1
 * malformed; -2 a fragment (we do not reassemble).
 */
int ip_parse(const uint8_t *p, size_t len, struct ip_hdr *h);
/*
 * Writes at p the IP_HLEN bytes of an IPv4 header without options for
 * plen bytes of payload: DF (we never fragment), TTL 64, checksum.
 */
void ip_build(uint8_t *p, uint16_t id, uint8_t proto, uint32_t src,
    uint32_t dst, size_t plen);

/* tcp.c */
/*
 * Parses a TCP segment of len bytes: header length, ports, MSS and
 * window scale options (a window scale over 14 counts as 14, RFC 7323
 * 2.3; other options are skipped by their length).  0, or -1 if
 * malformed.  tcp_parse_nosum does not look at the checksum: for a
 * frame whose checksum the sender's NIC is still to fill in.  tcp_parse
 * also checks it, for a segment from src to dst.
 */
int tcp_parse_nosum(const uint8_t *p, size_t len, struct tcp_seg *s);
int tcp_parse(const uint8_t *p, size_t len, uint32_t src, uint32_t dst,
    struct tcp_seg *s);
/* The header length tcp_build writes for s: 20, 24 or 28. */
size_t tcp_hdr_len(const struct tcp_seg *s);
/*
 * Writes a TCP header at p: s's fields, then MSS when s->mss != 0 and
 * NOP + window scale when s->wscale >= 0, in that order.  The s->dlen
 * bytes of data must already be in place after the options; the
 * checksum covers them, for a segment from src to dst.
 */
void tcp_build(uint8_t *p, const struct tcp_seg *s, uint32_t src, uint32_t dst);

#endif /* WIRE_H */
