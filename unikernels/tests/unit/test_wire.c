/* test_wire.c -- unit tests of lib/wire: headers, options, checksums */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "wire/wire.h"

/*
 * lib/wire is linked alone, without lib/string.c: it must need no
 * library at all, since jitsud links it too.  So these tests copy and
 * fill with wire_copy and loops, not memcpy.
 */

#define SRC_IP 0x0a000001u /* 10.0.0.1 */
#define DST_IP 0x0a000002u /* 10.0.0.2 */

static const uint8_t mac_a[6] = { 0x02, 0, 0, 0, 0, 0x0a };
static const uint8_t mac_b[6] = { 0x02, 0, 0, 0, 0, 0x0b };

/* RFC 1071 section 3's worked example. */
static void
test_checksum_matches_rfc1071_example(void **state)
{
	static const uint8_t b[8] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6,
		0xf7 };

	(void)state;
	assert_int_equal(ip_fold(ip_sum(b, sizeof(b), 0)), 0x220d);
	/* In two parts, the first fed into the second. */
	assert_int_equal(ip_fold(ip_sum(b + 4, 4, ip_sum(b, 4, 0))), 0x220d);
	assert_int_equal(ip_fold(0), 0xffff);
}

static void
test_checksum_pads_an_odd_byte_with_zero(void **state)
{
	static const uint8_t b[3] = { 0x01, 0x02, 0x03 };

	(void)state;
	/* 0x0102 + 0x0300 */
	assert_int_equal(ip_fold(ip_sum(b, sizeof(b), 0)), 0xfbfd);
}

static void
test_checksum_of_a_long_buffer_does_not_overflow(void **state)
{
	static uint8_t b[65535];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(b); i++)
		b[i] = 0xff;
	assert_int_equal(ip_fold(ip_sum(b, sizeof(b), 0)), 0x00ff);
}

/* A textbook UDP datagram's header: 192.168.0.1 -> 192.168.0.199. */
static const uint8_t ip_known[20] = { 0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40,
	0x00, 0x40, 0x11, 0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00,
	0xc7 };

static void
test_ip_build_writes_a_known_header(void **state)
{
	uint8_t h[20];

	(void)state;
	assert_int_equal(ip_fold(ip_sum(ip_known, 20, 0)), 0);
	ip_build(h, 0, IP_UDP, 0xc0a80001u, 0xc0a800c7u, 0x73 - 20);
	assert_memory_equal(h, ip_known, sizeof(h));
}

static void
test_pseudo_header_sum(void **state)
{
	(void)state;
	/* 0x0a00 + 0x0001 + 0x0a00 + 0x0002 + 6 + 20 */
	assert_int_equal(ip_pseudo(SRC_IP, DST_IP, IP_TCP, 20), 0x141d);
	assert_int_equal(ip_pseudo(0xffffffffu, 0xffffffffu, IP_UDP, 8),
	    4 * 0xffff + 17 + 8);
}

static void
test_ip_parse_rejects_short_and_malformed_headers(void **state)
{
	uint8_t p[64] = { 0 }, bad[64];
	struct ip_hdr h;
	size_t len;

	(void)state;
	ip_build(p, 7, IP_TCP, SRC_IP, DST_IP, 24);
	for (len = 0; len < 44; len++)
		assert_int_equal(ip_parse(p, len, &h), -1);
	assert_int_equal(ip_parse(p, 44, &h), 0);
	assert_int_equal(h.hlen, 20);
	assert_int_equal(h.total, 44);
	assert_int_equal(h.ttl, 64);
	assert_int_equal(h.proto, IP_TCP);
	assert_int_equal(h.src, SRC_IP);
	assert_int_equal(h.dst, DST_IP);
	/* Ethernet padding after the datagram is not part of it. */
	assert_int_equal(ip_parse(p, sizeof(p), &h), 0);
	assert_int_equal(h.total, 44);

	wire_copy(bad, p, sizeof(p));
	bad[0] = 0x65; /* version 6 */
	assert_int_equal(ip_parse(bad, sizeof(bad), &h), -1);
	wire_copy(bad, p, sizeof(p));
	bad[0] = 0x44; /* header 16 bytes */
	assert_int_equal(ip_parse(bad, sizeof(bad), &h), -1);
	wire_copy(bad, p, sizeof(p));
	bad[0] = 0x4f; /* header 60 > total 44 */
	assert_int_equal(ip_parse(bad, sizeof(bad), &h), -1);
	wire_copy(bad, p, sizeof(p));
	bad[11] ^= 1; /* checksum */
	assert_int_equal(ip_parse(bad, sizeof(bad), &h), -1);
}

static void
test_ip_parse_tells_fragments_apart(void **state)
{
	uint8_t p[44] = { 0 };
	struct ip_hdr h;

	(void)state;
	ip_build(p, 7, IP_TCP, SRC_IP, DST_IP, 24);
	put16(p + 6, 0x2000); /* MF */
	put16(p + 10, 0);
	put16(p + 10, ip_fold(ip_sum(p, 20, 0)));
	assert_int_equal(ip_parse(p, sizeof(p), &h), -2);
	put16(p + 6, 0x0001); /* offset 8 */
	put16(p + 10, 0);
	put16(p + 10, ip_fold(ip_sum(p, 20, 0)));
	assert_int_equal(ip_parse(p, sizeof(p), &h), -2);
}

static void
test_eth_parse_rejects_short_frames(void **state)
{
	uint8_t f[ETH_HLEN];
	struct eth_hdr h;
	size_t len;

	(void)state;
	eth_build(f, mac_a, mac_b, ETH_IPV4);
	for (len = 0; len < ETH_HLEN; len++)
		assert_int_equal(eth_parse(f, len, &h), -1);
	assert_int_equal(eth_parse(f, ETH_HLEN, &h), 0);
	assert_memory_equal(h.dst, mac_a, 6);
	assert_memory_equal(h.src, mac_b, 6);
	assert_int_equal(h.type, ETH_IPV4);
	assert_int_equal(f[12], 0x08);
	assert_int_equal(f[13], 0x00);
}

static void
arp_sample(uint8_t *p)
{
	struct arp_pkt a = { .op = ARP_REQUEST, .spa = SRC_IP, .tpa = DST_IP };

	wire_copy(a.sha, mac_a, 6);
	wire_copy(a.tha, mac_b, 6);
	arp_build(p, &a);
}

static void
test_arp_parse_rejects_short_and_foreign_packets(void **state)
{
	static const uint8_t head[8] = { 0, 1, 8, 0, 6, 4, 0, 1 };
	uint8_t p[46] = { 0 }, bad[46];
	struct arp_pkt a;
	size_t len, i;

	(void)state;
	arp_sample(p);
	assert_memory_equal(p, head, sizeof(head));
	for (len = 0; len < ARP_LEN; len++)
		assert_int_equal(arp_parse(p, len, &a), -1);
	assert_int_equal(arp_parse(p, ARP_LEN, &a), 0);
	assert_int_equal(a.op, ARP_REQUEST);
	assert_memory_equal(a.sha, mac_a, 6);
	assert_int_equal(a.spa, SRC_IP);
	assert_memory_equal(a.tha, mac_b, 6);
	assert_int_equal(a.tpa, DST_IP);
	/* Ethernet pads ARP to 46 bytes. */
	assert_int_equal(arp_parse(p, sizeof(p), &a), 0);
	/* Any other hardware, protocol, address length or op. */
	for (i = 0; i < sizeof(head); i++) {
		wire_copy(bad, p, sizeof(p));
		bad[i] ^= 0x10;
		assert_int_equal(arp_parse(bad, sizeof(bad), &a), -1);
	}
	wire_copy(bad, p, sizeof(p));
	bad[7] = ARP_REPLY;
	assert_int_equal(arp_parse(bad, sizeof(bad), &a), 0);
	assert_int_equal(a.op, ARP_REPLY);
}

/*
 * A segment from SRC_IP to DST_IP with opts (olen bytes, a multiple of
 * 4) as its options and 3 data bytes; returns its length.
 */
static size_t
tcp_sample(uint8_t *p, const uint8_t *opts, size_t olen)
{
	struct tcp_seg s = { .sport = 40000,
		.dport = 80,
		.seq = 1000,
		.ack = 2000,
		.flags = TCP_ACK | TCP_PSH,
		.wnd = 512,
		.wscale = -1,
		.dlen = 0 };
	size_t len = TCP_HLEN + olen + 3;

	tcp_build(p, &s, SRC_IP, DST_IP);
	wire_copy(p + TCP_HLEN, opts, olen);
	wire_copy(p + TCP_HLEN + olen, (const uint8_t *)"abc", 3);
	p[12] = (uint8_t)((TCP_HLEN + olen) / 4 << 4);
	put16(p + 16, 0);
	put16(p + 16,
	    ip_fold(ip_sum(p, len, ip_pseudo(SRC_IP, DST_IP, IP_TCP, len))));
	return len;
}

static void
test_tcp_parse_rejects_short_and_malformed_headers(void **state)
{
	uint8_t p[64];
	struct tcp_seg s;
	size_t len = tcp_sample(p, NULL, 0), i;

	(void)state;
	for (i = 0; i < TCP_HLEN; i++) {
		assert_int_equal(tcp_parse_nosum(p, i, &s), -1);
		assert_int_equal(tcp_parse(p, i, SRC_IP, DST_IP, &s), -1);
	}
	assert_int_equal(tcp_parse(p, len, SRC_IP, DST_IP, &s), 0);
	assert_int_equal(s.sport, 40000);
	assert_int_equal(s.dport, 80);
	assert_int_equal(s.seq, 1000);
	assert_int_equal(s.ack, 2000);
	assert_int_equal(s.flags, TCP_ACK | TCP_PSH);
	assert_int_equal(s.wnd, 512);
	assert_int_equal(s.mss, 0);
	assert_int_equal(s.wscale, -1);
	assert_int_equal(s.dlen, 3);
	assert_memory_equal(s.data, "abc", 3);
	/* Data offset 16, and 60 past the end. */
	p[12] = 0x40;
	assert_int_equal(tcp_parse_nosum(p, len, &s), -1);
	p[12] = 0xf0;
	assert_int_equal(tcp_parse_nosum(p, len, &s), -1);
	p[12] = 0x50;
	/* Port 0 is nobody's. */
	len = tcp_sample(p, NULL, 0);
	put16(p, 0);
	assert_int_equal(tcp_parse_nosum(p, len, &s), -1);
	len = tcp_sample(p, NULL, 0);
	put16(p + 2, 0);
	assert_int_equal(tcp_parse_nosum(p, len, &s), -1);
}

static void
test_tcp_parse_checks_the_checksum_and_nosum_does_not(void **state)
{
	uint8_t p[64];
	struct tcp_seg s;
	size_t len = tcp_sample(p, NULL, 0);

	(void)state;
	assert_int_equal(tcp_parse(p, len, SRC_IP, DST_IP, &s), 0);
	/* The pseudo-header counts: another address fails. */
	assert_int_equal(tcp_parse(p, len, SRC_IP, DST_IP + 1, &s), -1);
	p[len - 1] ^= 0x01;
	assert_int_equal(tcp_parse(p, len, SRC_IP, DST_IP, &s), -1);
	assert_int_equal(tcp_parse_nosum(p, len, &s), 0);
	assert_int_equal(s.dlen, 3);
}

/* The options' verdict: 0 with *s parsed, or -1. */
static int
tcp_opts(const uint8_t *opts, size_t olen, struct tcp_seg *s)
{
	uint8_t p[80];

	return tcp_parse_nosum(p, tcp_sample(p, opts, olen), s);
}

static void
test_tcp_options_are_parsed(void **state)
{
	static const uint8_t both[8] = { 2, 4, 0x05, 0xb4, 1, 3, 3, 7 };
	static const uint8_t big_shift[4] = { 3, 3, 15, 0 };
	static const uint8_t unknown[12] = {
		8, 10, 1, 2, 3, 4, 5, 6, 7, 8, 1, 1 /* timestamps */
	};
	static const uint8_t odd_len[8] = { 2, 3, 9, 3, 4, 0, 0, 0 };
	static const uint8_t after_end[4] = { 0, 2, 1, 1 };
	struct tcp_seg s;

	(void)state;
	assert_int_equal(tcp_opts(both, sizeof(both), &s), 0);
	assert_int_equal(s.mss, 1460);
	assert_int_equal(s.wscale, 7);
	assert_int_equal(s.dlen, 3);
	/* RFC 7323 2.3: a shift over 14 is taken as 14. */
	assert_int_equal(tcp_opts(big_shift, sizeof(big_shift), &s), 0);
	assert_int_equal(s.wscale, 14);
	assert_int_equal(tcp_opts(unknown, sizeof(unknown), &s), 0);
	assert_int_equal(s.mss, 0);
	assert_int_equal(s.wscale, -1);
	/* MSS of length 3, wscale of length 4: skipped, not taken. */
	assert_int_equal(tcp_opts(odd_len, sizeof(odd_len), &s), 0);
	assert_int_equal(s.mss, 0);
	assert_int_equal(s.wscale, -1);
	/* Whatever follows the end of the list is not looked at. */
	assert_int_equal(tcp_opts(after_end, sizeof(after_end), &s), 0);
	assert_int_equal(s.mss, 0);
}

static void
test_tcp_options_truncated_or_malformed_are_refused(void **state)
{
	static const uint8_t no_len[4] = { 1, 1, 1, 2 };
	static const uint8_t len0[4] = { 2, 0, 1, 1 };
	static const uint8_t len1[4] = { 2, 1, 1, 1 };
	static const uint8_t past[4] = { 2, 8, 0x05, 0xb4 };
	static const uint8_t cut[8] = { 1, 1, 1, 1, 1, 1, 3, 3 };
	struct tcp_seg s;

	(void)state;
	/* A kind with no length byte left for it. */
	assert_int_equal(tcp_opts(no_len, sizeof(no_len), &s), -1);
	/* Lengths 0 and 1 cannot even cover kind and length. */
	assert_int_equal(tcp_opts(len0, sizeof(len0), &s), -1);
	assert_int_equal(tcp_opts(len1, sizeof(len1), &s), -1);
	/* Options that run past the header, into the data. */
	assert_int_equal(tcp_opts(past, sizeof(past), &s), -1);
	assert_int_equal(tcp_opts(cut, sizeof(cut), &s), -1);
}

static void
test_tcp_build_lays_out_a_synack(void **state)
{
	static const uint8_t want[28] = {
		0x00, 0x50, 0x9c, 0x40, /* 80 -> 40000 */
		0x00, 0x00, 0x00, 0x07, /* seq */
		0x00, 0x00, 0x03, 0xe9, /* ack */
		0x70, 0x12, 0xff, 0xff, /* 28 bytes, SYN|ACK, wnd */
		0x00, 0x00, 0x00, 0x00, /* checksum (zeroed), urg */
		0x02, 0x04, 0x05, 0xb4, /* MSS 1460 */
		0x01, 0x03, 0x03, 0x00, /* NOP, wscale 0 */
	};
	struct tcp_seg s = { .sport = 80,
		.dport = 40000,
		.seq = 7,
		.ack = 1001,
		.flags = TCP_SYN | TCP_ACK,
		.wnd = 0xffff,
		.mss = 1460,
		.wscale = 0,
		.dlen = 0 },
		       r;
	uint8_t p[28];

	(void)state;
	assert_int_equal(tcp_hdr_len(&s), 28);
	tcp_build(p, &s, DST_IP, SRC_IP);
	assert_int_equal(tcp_parse(p, 28, DST_IP, SRC_IP, &r), 0);
	assert_int_equal(r.mss, 1460);
	assert_int_equal(r.wscale, 0);
	put16(p + 16, 0);
	assert_memory_equal(p, want, sizeof(want));
	s.mss = 0;
	assert_int_equal(tcp_hdr_len(&s), 24);
	s.wscale = -1;
	assert_int_equal(tcp_hdr_len(&s), 20);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_checksum_matches_rfc1071_example),
		cmocka_unit_test(test_checksum_pads_an_odd_byte_with_zero),
		cmocka_unit_test(
		    test_checksum_of_a_long_buffer_does_not_overflow),
		cmocka_unit_test(test_ip_build_writes_a_known_header),
		cmocka_unit_test(test_pseudo_header_sum),
		cmocka_unit_test(
		    test_ip_parse_rejects_short_and_malformed_headers),
		cmocka_unit_test(test_ip_parse_tells_fragments_apart),
		cmocka_unit_test(test_eth_parse_rejects_short_frames),
		cmocka_unit_test(
		    test_arp_parse_rejects_short_and_foreign_packets),
		cmocka_unit_test(
		    test_tcp_parse_rejects_short_and_malformed_headers),
		cmocka_unit_test(
		    test_tcp_parse_checks_the_checksum_and_nosum_does_not),
		cmocka_unit_test(test_tcp_options_are_parsed),
		cmocka_unit_test(
		    test_tcp_options_truncated_or_malformed_are_refused),
		cmocka_unit_test(test_tcp_build_lays_out_a_synack),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
