/* test_net.c -- unit tests of Ethernet, ARP, IPv4, ICMP and UDP */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "net_test.h"
#include "net_frames.h"

static void
test_eth_parse_rejects_short_frames(void **state)
{
	struct eth_hdr h;

	(void)state;
	assert_int_equal(eth_parse(arp_who_has_us, 13, &h), -1);
	assert_int_equal(eth_parse(arp_who_has_us, 14, &h), 0);
	assert_int_equal(h.type, ETH_ARP);
	assert_memory_equal(h.src, peer_mac, 6);
}

static void
test_arp_parse_checks_length_and_types(void **state)
{
	struct arp_pkt a;
	uint8_t bad[ARP_LEN];

	(void)state;
	assert_int_equal(arp_parse(arp_who_has_us + 14, ARP_LEN, &a), 0);
	assert_int_equal(a.op, ARP_REQUEST);
	assert_int_equal(a.spa, PEER_IP);
	assert_int_equal(a.tpa, OUR_IP);
	assert_int_equal(arp_parse(arp_who_has_us + 14, ARP_LEN - 1, &a), -1);
	memcpy(bad, arp_who_has_us + 14, ARP_LEN);
	bad[1] = 6; /* htype IEEE 802 */
	assert_int_equal(arp_parse(bad, ARP_LEN, &a), -1);
	memcpy(bad, arp_who_has_us + 14, ARP_LEN);
	bad[7] = 9; /* no such op */
	assert_int_equal(arp_parse(bad, ARP_LEN, &a), -1);
}

static void
test_arp_request_for_us_is_answered_and_learned(void **state)
{
	struct arp_pkt a;

	(void)state;
	net_setup();
	net_input(tn, arp_who_has_us, sizeof(arp_who_has_us), 0);
	assert_int_equal(nout, 1);
	assert_memory_equal(out[0], peer_mac, 6);
	assert_int_equal(arp_parse(out[0] + 14, outlen[0] - 14, &a), 0);
	assert_int_equal(a.op, ARP_REPLY);
	assert_int_equal(a.spa, OUR_IP);
	assert_memory_equal(a.sha, our_mac, 6);
	assert_memory_equal(a.tha, peer_mac, 6);
	assert_non_null(arp_lookup(tn, PEER_IP));
}

static void
test_gratuitous_arp_announces_our_address(void **state)
{
	struct arp_pkt a;
	static const uint8_t bcast[6] = { 255, 255, 255, 255, 255, 255 };

	(void)state;
	net_setup();
	arp_announce(tn, UK_SEC(5));
	assert_int_equal(nout, 1);
	assert_memory_equal(out[0], bcast, 6);
	assert_int_equal(arp_parse(out[0] + 14, outlen[0] - 14, &a), 0);
	assert_int_equal(a.op, ARP_REQUEST);
	assert_int_equal(a.spa, OUR_IP);
	assert_int_equal(a.tpa, OUR_IP);
}

/* A first announcement may die at a bridge port not yet forwarding: two
 * more follow, 1 s and then 2 s later, and no more after that. */
static void
test_gratuitous_arp_is_repeated_twice(void **state)
{
	struct arp_pkt a;
	int i;

	(void)state;
	net_setup();
	arp_announce(tn, UK_SEC(5));
	assert_int_equal(nout, 1);
	assert_int_equal(net_next(tn), UK_SEC(6));
	net_tick(tn, UK_SEC(6) - 1);
	assert_int_equal(nout, 1);
	net_tick(tn, UK_SEC(6));
	assert_int_equal(nout, 2);
	assert_int_equal(net_next(tn), UK_SEC(8));
	net_tick(tn, UK_SEC(8));
	assert_int_equal(nout, 3);
	for (i = 0; i < 3; i++) {
		assert_int_equal(arp_parse(out[i] + 14, outlen[i] - 14, &a), 0);
		assert_int_equal(a.spa, OUR_IP);
		assert_int_equal(a.tpa, OUR_IP);
	}
	/* Done: nothing armed, nothing sent however late the tick. */
	assert_true(net_next(tn) == UK_FOREVER);
	net_tick(tn, UK_SEC(100));
	assert_int_equal(nout, 3);
}

/* Sends a UDP datagram of len bytes to the peer through ip_send. */
static int
send_udp(uint32_t dst, size_t len, uint64_t now)
{
	struct udp_sock *u = udp_bind(tn, 1000);
	uint8_t buf[64];
	int rc;

	memset(buf, 'x', sizeof(buf));
	rc = udp_sendto(tn, u, buf, len, dst, 2000, now);
	udp_close(u);
	return rc;
}

static void
test_arp_queue_is_bounded_and_flushed_on_reply(void **state)
{
	(void)state;
	net_setup();
	assert_int_equal(send_udp(PEER_IP, 10, 0), 0);
	assert_int_equal(nout, 1); /* the ARP request only */
	assert_int_equal(get16(out[0] + 12), ETH_ARP);
	assert_int_equal(send_udp(PEER_IP, 11, 0), 0);
	assert_int_equal(send_udp(PEER_IP, 12, 0), 0); /* over the bound */
	assert_int_equal(nout, 1);
	assert_int_equal(tn->stats.arp_drop, 1);
	learn_peer(5);
	assert_int_equal(nout, 3);
	assert_memory_equal(out[1], peer_mac, 6);
	assert_memory_equal(out[2], peer_mac, 6);
	assert_int_equal(get16(out[1] + 14 + 2), 20 + 8 + 10);
	assert_int_equal(get16(out[2] + 14 + 2), 20 + 8 + 11);
}

static void
test_arp_retries_then_gives_up_and_entries_expire(void **state)
{
	(void)state;
	net_setup();
	(void)send_udp(PEER_IP, 10, 0);
	assert_int_equal(nout, 1);
	assert_int_equal(net_next(tn), UK_SEC(1));
	net_tick(tn, UK_SEC(1) - 1);
	assert_int_equal(nout, 1);
	net_tick(tn, UK_SEC(1));
	net_tick(tn, UK_SEC(2));
	assert_int_equal(nout, 3); /* three requests in all */
	net_tick(tn, UK_SEC(3));
	assert_int_equal(nout, 3);
	assert_int_equal(tn->stats.arp_drop, 1);
	assert_int_equal(net_next(tn), UK_FOREVER);
	learn_peer(UK_SEC(10));
	assert_non_null(arp_lookup(tn, PEER_IP));
	net_tick(tn, UK_SEC(70));
	assert_null(arp_lookup(tn, PEER_IP));
}

static void
test_arp_cache_never_exceeds_its_size(void **state)
{
	uint32_t ip;
	int i, used = 0;

	(void)state;
	net_setup();
	for (ip = 10; ip < 10 + 3 * NET_ARP_NENT; ip++)
		(void)send_udp(0x0a580000u | ip, 10, ip);
	for (i = 0; i < NET_ARP_NENT; i++)
		used += tn->arp[i].state != ARP_FREE;
	assert_int_equal(used, NET_ARP_NENT);
	assert_int_equal(nout, 3 * NET_ARP_NENT); /* one request each */
}

static void
test_quiet_stack_sends_no_arp_or_echo_reply_but_still_learns(void **state)
{
	(void)state;
	net_setup();
	tn->quiet = 1;
	net_input(tn, arp_who_has_us, sizeof(arp_who_has_us), 0);
	assert_int_equal(nout, 0);
	assert_non_null(arp_lookup(tn, PEER_IP)); /* learned anyway */
	net_input(tn, icmp_echo, sizeof(icmp_echo), 0);
	assert_int_equal(nout, 0);
	assert_int_equal(tn->stats.quiet_drop, 2);
	/* What the application sends itself still goes out. */
	assert_int_equal(send_udp(PEER_IP, 10, 0), 0);
	assert_int_equal(nout, 1);
	assert_memory_equal(out[0], peer_mac, 6);
	/* Quiet no more: both are answered again. */
	tn->quiet = 0;
	net_input(tn, arp_who_has_us, sizeof(arp_who_has_us), 0);
	net_input(tn, icmp_echo, sizeof(icmp_echo), 0);
	assert_int_equal(nout, 3);
}

static void
test_ip_parse_checks_header(void **state)
{
	const uint8_t *ip = icmp_echo + 14;
	size_t len = sizeof(icmp_echo) - 14;
	uint8_t bad[64], padded[80];
	struct ip_hdr h;

	(void)state;
	assert_int_equal(ip_parse(ip, len, &h), 0);
	assert_int_equal(h.proto, IP_ICMP);
	assert_int_equal(h.src, PEER_IP);
	assert_int_equal(h.ttl, 64);
	assert_int_equal(ip_parse(ip, 19, &h), -1);
	assert_int_equal(ip_parse(ip, len - 1, &h), -1); /* total > len */
	memcpy(bad, ip, len);
	bad[12] ^= 1; /* checksum */
	assert_int_equal(ip_parse(bad, len, &h), -1);
	memcpy(bad, ip, len);
	bad[0] = 0x44; /* IHL 4 */
	assert_int_equal(ip_parse(bad, len, &h), -1);
	memcpy(bad, ip, len);
	bad[0] = 0x65; /* version 6 */
	assert_int_equal(ip_parse(bad, len, &h), -1);
	memset(padded, 0, sizeof(padded));
	memcpy(padded, ip, len); /* Ethernet padding */
	assert_int_equal(ip_parse(padded, sizeof(padded), &h), 0);
	assert_int_equal(h.total, len);
}

static void
test_fragments_are_dropped(void **state)
{
	struct ip_hdr h;

	(void)state;
	assert_int_equal(ip_parse(ip_fragment + 14, sizeof(ip_fragment) - 14,
			     &h),
	    -2);
	net_setup();
	assert_non_null(udp_bind(tn, 9999));
	net_input(tn, ip_fragment, sizeof(ip_fragment), 0);
	assert_int_equal(tn->udp[0].count, 0);
	assert_int_equal(tn->stats.rx_drop, 1);
}

static void
test_icmp_echo_is_answered(void **state)
{
	struct ip_hdr h;
	const uint8_t *r;
	uint8_t bad[sizeof(icmp_echo)];

	(void)state;
	net_setup();
	learn_peer(0);
	net_input(tn, icmp_echo, sizeof(icmp_echo), 0);
	assert_int_equal(nout, 1);
	assert_int_equal(ip_parse(out[0] + 14, outlen[0] - 14, &h), 0);
	assert_int_equal(h.dst, PEER_IP);
	assert_int_equal(h.src, OUR_IP);
	r = out[0] + 14 + 20;
	assert_int_equal(r[0], 0); /* echo reply */
	assert_int_equal(ip_fold(ip_sum(r, h.total - 20, 0)), 0);
	assert_memory_equal(r + 4, icmp_echo + 14 + 20 + 4, 4 + 8);
	memcpy(bad, icmp_echo, sizeof(bad));
	bad[sizeof(bad) - 1] ^= 0xff; /* ICMP checksum */
	net_input(tn, bad, sizeof(bad), 0);
	assert_int_equal(nout, 1);
}

static void
test_udp_parse_checks_length_and_checksum(void **state)
{
	const uint8_t *u = udp_hello + 34;
	uint8_t bad[13];
	uint16_t sp, dp;
	size_t dlen;

	(void)state;
	assert_int_equal(udp_parse(u, 13, PEER_IP, OUR_IP, &sp, &dp, &dlen), 0);
	assert_int_equal(sp, 5353);
	assert_int_equal(dp, 9999);
	assert_int_equal(dlen, 5);
	assert_int_equal(udp_parse(u, 12, PEER_IP, OUR_IP, &sp, &dp, &dlen),
	    -1);
	assert_int_equal(udp_parse(u, 7, PEER_IP, OUR_IP, &sp, &dp, &dlen), -1);
	memcpy(bad, u, 13);
	bad[12] ^= 1;
	assert_int_equal(udp_parse(bad, 13, PEER_IP, OUR_IP, &sp, &dp, &dlen),
	    -1);
	put16(bad + 6, 0); /* no checksum: accepted */
	assert_int_equal(udp_parse(bad, 13, PEER_IP, OUR_IP, &sp, &dp, &dlen),
	    0);
}

static void
test_udp_socket_round_trip(void **state)
{
	struct udp_sock *u;
	struct ip_hdr h;
	char buf[16];
	uint32_t ip;
	uint16_t port, sp, dp;
	size_t dlen;

	(void)state;
	net_setup();
	learn_peer(0);
	u = udp_bind(tn, 9999);
	assert_non_null(u);
	assert_null(udp_bind(tn, 9999));
	net_input(tn, udp_hello, sizeof(udp_hello), 0);
	assert_true(u->events & NET_EV_READ);
	assert_int_equal(udp_recvfrom(u, buf, sizeof(buf), &ip, &port), 5);
	assert_memory_equal(buf, "hello", 5);
	assert_int_equal(ip, PEER_IP);
	assert_int_equal(port, 5353);
	assert_int_equal(udp_recvfrom(u, buf, sizeof(buf), &ip, &port),
	    -UK_EAGAIN);
	assert_int_equal(udp_sendto(tn, u, "olleh", 5, ip, port, 0), 0);
	assert_int_equal(nout, 1);
	assert_int_equal(ip_parse(out[0] + 14, outlen[0] - 14, &h), 0);
	assert_int_equal(udp_parse(out[0] + 34, h.total - 20, h.src, h.dst, &sp,
			     &dp, &dlen),
	    0);
	assert_int_equal(sp, 9999);
	assert_int_equal(dp, 5353);
	assert_memory_equal(out[0] + 42, "olleh", 5);
}

static void
test_tcp_parse_options_and_bounds(void **state)
{
	const uint8_t *t = tcp_syn + 34;
	size_t len = sizeof(tcp_syn) - 34;
	struct tcp_seg s;
	uint8_t bad[64];

	(void)state;
	assert_int_equal(tcp_parse(t, len, PEER_IP, OUR_IP, &s), 0);
	assert_int_equal(s.sport, 40000);
	assert_int_equal(s.dport, 80);
	assert_int_equal(s.seq, 1000);
	assert_int_equal(s.flags, TCP_SYN);
	assert_int_equal(s.mss, 1460);
	assert_int_equal(s.wscale, 7);
	assert_int_equal(s.dlen, 0);
	assert_int_equal(tcp_parse(t, 19, PEER_IP, OUR_IP, &s), -1);
	assert_int_equal(tcp_parse(t, len - 1, PEER_IP, OUR_IP, &s), -1);
	/* wrong addresses: the pseudo-header checksum fails */
	assert_int_equal(tcp_parse(t, len, PEER_IP, OUR_IP + 1, &s), -1);
	memcpy(bad, t, len);
	bad[12] = 0xf0; /* data offset 60 > len */
	assert_int_equal(tcp_parse(bad, len, PEER_IP, OUR_IP, &s), -1);
}

static void
test_tcp_build_parses_back(void **state)
{
	struct tcp_seg s = { .sport = 80,
		.dport = 4000,
		.seq = 7,
		.ack = 9,
		.flags = TCP_SYN | TCP_ACK,
		.wnd = 8192,
		.mss = 1460,
		.wscale = 2,
		.dlen = 0 },
		       r;
	uint8_t buf[64];

	(void)state;
	tcp_build(buf, &s, OUR_IP, PEER_IP);
	assert_int_equal(tcp_parse(buf, tcp_hdr_len(&s), OUR_IP, PEER_IP, &r),
	    0);
	assert_int_equal(r.mss, 1460);
	assert_int_equal(r.wscale, 2);
	assert_int_equal(r.flags, TCP_SYN | TCP_ACK);
	assert_int_equal(r.ack, 9);
}

static void
test_addresses_parse(void **state)
{
	uint32_t ip, mask;

	(void)state;
	assert_int_equal(uk_ip_parse("10.88.0.2", &ip), 0);
	assert_int_equal(ip, OUR_IP);
	assert_int_equal(uk_ip_parse("10.88.0", &ip), -UK_EINVAL);
	assert_int_equal(uk_ip_parse("10.88.0.256", &ip), -UK_EINVAL);
	assert_int_equal(uk_ip_parse("10.88.0.2x", &ip), -UK_EINVAL);
	assert_int_equal(uk_ip_parse("-1.0.0.0", &ip), -UK_EINVAL);
	assert_int_equal(addr_cidr("10.88.0.2/16", &ip, &mask), 0);
	assert_int_equal(mask, 0xffff0000u);
	assert_int_equal(addr_cidr("10.88.0.2", &ip, &mask), 0);
	assert_int_equal(mask, 0xffffff00u);
	assert_int_equal(addr_cidr("10.88.0.2/33", &ip, &mask), -UK_EINVAL);
	assert_int_equal(addr_cidr("10.88.0.2/", &ip, &mask), -UK_EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eth_parse_rejects_short_frames),
		cmocka_unit_test(test_arp_parse_checks_length_and_types),
		cmocka_unit_test(
		    test_arp_request_for_us_is_answered_and_learned),
		cmocka_unit_test(test_gratuitous_arp_announces_our_address),
		cmocka_unit_test(test_gratuitous_arp_is_repeated_twice),
		cmocka_unit_test(
		    test_arp_queue_is_bounded_and_flushed_on_reply),
		cmocka_unit_test(
		    test_arp_retries_then_gives_up_and_entries_expire),
		cmocka_unit_test(test_arp_cache_never_exceeds_its_size),
		cmocka_unit_test(test_ip_parse_checks_header),
		cmocka_unit_test(test_fragments_are_dropped),
		cmocka_unit_test(test_icmp_echo_is_answered),
		cmocka_unit_test(test_udp_parse_checks_length_and_checksum),
		cmocka_unit_test(test_udp_socket_round_trip),
		cmocka_unit_test(test_tcp_parse_options_and_bounds),
		cmocka_unit_test(test_tcp_build_parses_back),
		cmocka_unit_test(test_addresses_parse),
		cmocka_unit_test(
		    test_quiet_stack_sends_no_arp_or_echo_reply_but_still_learns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
