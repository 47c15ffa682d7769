/* test_tcp.c -- unit tests of the TCP state machine, driven by segments */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "net_test.h"

#define PPORT 40000
#define PISS  1000u

static struct tcp_listener *lis;
static uint32_t our_iss;

/* A segment from the peer; mss/wscale -1 leave the options out. */
static void
peer_tcp(uint8_t flags, uint32_t seq, uint32_t ack, uint16_t wnd,
    const char *data, int wscale, uint64_t now)
{
	struct tcp_seg s = { .sport = PPORT,
		.dport = 80,
		.seq = seq,
		.ack = ack,
		.flags = flags,
		.wnd = wnd,
		.wscale = wscale };
	uint8_t p[NET_FRAME];

	s.dlen = data != NULL ? strlen(data) : 0;
	s.mss = (flags & TCP_SYN) ? 1000 : 0;
	memcpy(p + tcp_hdr_len(&s), data, s.dlen);
	tcp_build(p, &s, PEER_IP, OUR_IP);
	peer_ip(IP_TCP, p, tcp_hdr_len(&s) + s.dlen, now);
}

static void
last(struct tcp_seg *s)
{
	out_tcp(nout - 1, s);
}

/* Listener on 80 and a completed handshake; returns the connection. */
static struct tcp_conn *
established(uint16_t peer_wnd, int wscale)
{
	struct tcp_seg s;
	struct tcp_conn *c;

	net_setup();
	learn_peer(0);
	lis = tcp_listen(tn, 80, 8);
	peer_tcp(TCP_SYN, PISS, 0, peer_wnd, NULL, wscale, 0);
	assert_int_equal(nout, 1);
	last(&s);
	assert_int_equal(s.flags, TCP_SYN | TCP_ACK);
	assert_int_equal(s.ack, PISS + 1);
	our_iss = s.seq;
	peer_tcp(TCP_ACK, PISS + 1, our_iss + 1, peer_wnd, NULL, -1, 0);
	assert_true(lis->events & NET_EV_ACCEPT);
	c = tcp_accept(tn, lis);
	assert_non_null(c);
	assert_int_equal(c->state, TCP_ESTABLISHED);
	nout = 0;
	return c;
}

static void
test_passive_open_negotiates_mss_and_window_scale(void **state)
{
	struct tcp_seg s;
	struct tcp_conn *c;

	(void)state;
	net_setup();
	learn_peer(0);
	lis = tcp_listen(tn, 80, 8);
	peer_tcp(TCP_SYN, PISS, 0, 100, NULL, 7, 0);
	last(&s);
	assert_int_equal(s.mss, NET_MSS);
	assert_int_equal(s.wscale, NET_TCP_RCVSHIFT);
	assert_null(tcp_accept(tn, lis)); /* not established yet */
	peer_tcp(TCP_ACK, PISS + 1, s.seq + 1, 100, NULL, -1, 0);
	c = tcp_accept(tn, lis);
	assert_non_null(c);
	assert_int_equal(c->mss, 1000);
	assert_int_equal(c->snd_wnd, 100u << 7);
	/* Without the peer's option neither side scales. */
	c = established(100, -1);
	assert_int_equal(c->snd_wnd, 100);
	assert_int_equal(c->snd_shift, 0);
}

static void
test_data_is_acked_and_read_in_order(void **state)
{
	struct tcp_conn *c = established(8000, -1);
	struct tcp_seg s;
	char buf[16];

	(void)state;
	peer_tcp(TCP_ACK | TCP_PSH, PISS + 1, our_iss + 1, 8000, "hello", -1,
	    1);
	last(&s);
	assert_int_equal(s.ack, PISS + 6);
	assert_int_equal(s.wnd, NET_TCP_RCVBUF - 5);
	assert_true(c->events & NET_EV_READ);
	assert_int_equal(tcp_read(tn, c, buf, sizeof(buf), 1), 5);
	assert_memory_equal(buf, "hello", 5);
	assert_int_equal(tcp_read(tn, c, buf, sizeof(buf), 1), -UK_EAGAIN);
}

static void
test_out_of_order_data_is_held_until_the_gap_fills(void **state)
{
	struct tcp_conn *c = established(8000, -1);
	struct tcp_seg s;
	char buf[16];

	(void)state;
	peer_tcp(TCP_ACK, PISS + 4, our_iss + 1, 8000, "def", -1, 1);
	last(&s);
	assert_int_equal(s.ack, PISS + 1); /* a duplicate ACK */
	assert_int_equal(tcp_read(tn, c, buf, sizeof(buf), 1), -UK_EAGAIN);
	peer_tcp(TCP_ACK, PISS + 1, our_iss + 1, 8000, "abc", -1, 1);
	last(&s);
	assert_int_equal(s.ack, PISS + 7);
	assert_int_equal(tcp_read(tn, c, buf, sizeof(buf), 1), 6);
	assert_memory_equal(buf, "abcdef", 6);
}

static void
test_out_of_window_segments_are_acked_not_taken(void **state)
{
	struct tcp_conn *c = established(8000, -1);
	struct tcp_seg s;
	char buf[16];

	(void)state;
	peer_tcp(TCP_ACK, PISS + 1 + 100000, our_iss + 1, 8000, "far", -1, 1);
	assert_int_equal(nout, 1);
	last(&s);
	assert_int_equal(s.ack, PISS + 1);
	peer_tcp(TCP_ACK, PISS + 1, our_iss + 1, 8000, "new", -1, 1);
	peer_tcp(TCP_ACK, PISS + 1, our_iss + 1, 8000, "old", -1, 1);
	assert_int_equal(tcp_read(tn, c, buf, sizeof(buf), 1), 3);
	assert_memory_equal(buf, "new", 3);
	/* An ACK for data never sent is answered, not believed. */
	peer_tcp(TCP_ACK, PISS + 4, our_iss + 500, 8000, NULL, -1, 1);
	assert_int_equal(c->snd_una, our_iss + 1);
}

static void
test_retransmission_backs_off_and_rtt_sets_rto(void **state)
{
	struct tcp_conn *c = established(8000, -1);
	struct tcp_seg s;

	(void)state;
	assert_int_equal(tcp_write(tn, c, "0123456789", 10, UK_SEC(10)), 10);
	assert_int_equal(nout, 1);
	last(&s);
	assert_int_equal(s.seq, our_iss + 1);
	assert_int_equal(s.dlen, 10);
	assert_int_equal(tcp_next(tn), UK_SEC(11)); /* initial RTO 1 s */
	tcp_tick(tn, UK_SEC(11) - 1);
	assert_int_equal(nout, 1);
	tcp_tick(tn, UK_SEC(11));
	assert_int_equal(nout, 2);
	last(&s);
	assert_int_equal(s.seq, our_iss + 1);
	assert_int_equal(tcp_next(tn), UK_SEC(13)); /* doubled */
	tcp_tick(tn, UK_SEC(13));
	assert_int_equal(nout, 3);
	assert_int_equal(tcp_next(tn), UK_SEC(17));
	assert_int_equal(tn->stats.tcp_rexmit, 2);
	peer_tcp(TCP_ACK, PISS + 1, our_iss + 11, 8000, NULL, -1, UK_SEC(17));
	assert_int_equal(c->snd_una, our_iss + 11);
	assert_int_equal(tcp_next(tn), UK_FOREVER);
	/* Karn: the retransmitted segment gave no sample; a fresh one does. */
	assert_int_equal(c->srtt, 0);
	tcp_write(tn, c, "x", 1, UK_SEC(20));
	peer_tcp(TCP_ACK, PISS + 1, our_iss + 12, 8000, NULL, -1,
	    UK_SEC(20) + UK_MSEC(100));
	assert_int_equal(c->srtt, UK_MSEC(100));
	assert_int_equal(c->rttvar, UK_MSEC(50));
	assert_int_equal(c->rto, UK_MSEC(300));
}

static void
test_rto_estimator_follows_rfc6298(void **state)
{
	struct tcp_conn c;

	(void)state;
	memset(&c, 0, sizeof(c));
	tcp_rtt_sample(&c, UK_MSEC(10));
	assert_int_equal(c.rto, TCP_RTO_MIN); /* clamped up */
	tcp_rtt_sample(&c, UK_MSEC(410));
	/* rttvar = 3/4 * 5 + 1/4 * 400 = 103.75; srtt = 60 ms */
	assert_int_equal(c.srtt, UK_MSEC(60));
	assert_int_equal(c.rttvar, 103750000);
	assert_int_equal(c.rto, UK_MSEC(60) + 4 * 103750000ULL);
	tcp_rtt_sample(&c, UK_SEC(200));
	assert_int_equal(c.rto, TCP_RTO_MAX);
}

static void
test_peer_window_limits_what_we_send(void **state)
{
	struct tcp_conn *c = established(1500, -1);
	static char big[4000];
	struct tcp_seg s;

	(void)state;
	memset(big, 'a', sizeof(big) - 1);
	assert_int_equal(tcp_write(tn, c, big, 3999, 1), 3999);
	/* 1000 fit; the 500 left of the window wait (no silly segment). */
	assert_int_equal(nout, 1);
	last(&s);
	assert_int_equal(s.seq, our_iss + 1);
	assert_int_equal(s.dlen, 1000);
	/* Acked, but the window is shut: nothing until the probe. */
	peer_tcp(TCP_ACK, PISS + 1, our_iss + 1001, 0, NULL, -1, 2);
	assert_int_equal(nout, 1);
	tcp_tick(tn, tcp_next(tn));
	assert_int_equal(nout, 2);
	last(&s);
	assert_int_equal(s.seq, our_iss + 1001);
	assert_int_equal(s.dlen, 1); /* window probe */
	peer_tcp(TCP_ACK, PISS + 1, our_iss + 1002, 3000, NULL, -1, UK_SEC(5));
	assert_int_equal(c->snd_nxt, c->snd_end); /* all the rest */
	assert_int_equal(nout, 5);		  /* 1000 + 1000 + 997 */
}

static void
test_three_dup_acks_retransmit_at_once(void **state)
{
	struct tcp_conn *c = established(60000, -1);
	static char big[5000];
	struct tcp_seg s;
	int i;

	(void)state;
	memset(big, 'b', sizeof(big));
	tcp_write(tn, c, big, 5000, 1);
	assert_int_equal(nout, 5);
	peer_tcp(TCP_ACK, PISS + 1, our_iss + 1001, 60000, NULL, -1, 2);
	assert_int_equal(nout, 5);
	for (i = 0; i < 3; i++)
		peer_tcp(TCP_ACK, PISS + 1, our_iss + 1001, 60000, NULL, -1, 2);
	assert_int_equal(nout, 6);
	last(&s);
	assert_int_equal(s.seq, our_iss + 1001);
	assert_int_equal(tn->stats.tcp_fastrexmit, 1);
}

static void
test_passive_close_fin_then_last_ack(void **state)
{
	struct tcp_conn *c = established(8000, -1);
	struct tcp_seg s;
	char buf[4];

	(void)state;
	peer_tcp(TCP_ACK | TCP_FIN, PISS + 1, our_iss + 1, 8000, NULL, -1, 1);
	assert_int_equal(c->state, TCP_CLOSE_WAIT);
	last(&s);
	assert_int_equal(s.ack, PISS + 2);
	assert_int_equal(tcp_read(tn, c, buf, sizeof(buf), 1), 0); /* EOF */
	tcp_close(tn, c, 1);
	assert_int_equal(c->state, TCP_LAST_ACK);
	last(&s);
	assert_true(s.flags & TCP_FIN);
	peer_tcp(TCP_ACK, PISS + 2, our_iss + 2, 8000, NULL, -1, 2);
	assert_int_equal(c->state, TCP_CLOSED);
	assert_null(tcp_find(tn, PEER_IP, PPORT, 80));
}

static void
test_active_close_goes_through_time_wait(void **state)
{
	struct tcp_conn *c = established(8000, -1);
	struct tcp_seg s;

	(void)state;
	tcp_close(tn, c, 1);
	assert_int_equal(c->state, TCP_FIN_WAIT_1);
	peer_tcp(TCP_ACK, PISS + 1, our_iss + 2, 8000, NULL, -1, 2);
	assert_int_equal(c->state, TCP_FIN_WAIT_2);
	peer_tcp(TCP_ACK | TCP_FIN, PISS + 1, our_iss + 2, 8000, NULL, -1, 3);
	assert_int_equal(c->state, TCP_TIME_WAIT);
	last(&s);
	assert_int_equal(s.ack, PISS + 2);
	/* A retransmitted FIN is acknowledged again. */
	peer_tcp(TCP_ACK | TCP_FIN, PISS + 1, our_iss + 2, 8000, NULL, -1, 4);
	last(&s);
	assert_int_equal(s.ack, PISS + 2);
	tcp_tick(tn, 3 + TCP_TW_TIME - 1);
	assert_int_equal(c->state, TCP_TIME_WAIT);
	tcp_tick(tn, 3 + TCP_TW_TIME);
	assert_int_equal(c->state, TCP_CLOSED);
}

static void
test_rst_in_window_resets_and_inexact_rst_is_challenged(void **state)
{
	struct tcp_conn *c = established(8000, -1);
	struct tcp_seg s;
	char buf[4];

	(void)state;
	peer_tcp(TCP_RST, PISS + 50, 0, 0, NULL, -1, 1);
	assert_int_equal(c->state, TCP_ESTABLISHED);
	assert_int_equal(nout, 1); /* challenge ACK */
	last(&s);
	assert_int_equal(s.flags, TCP_ACK);
	peer_tcp(TCP_RST, PISS + 1, 0, 0, NULL, -1, 1);
	assert_int_equal(c->state, TCP_CLOSED);
	assert_int_equal(tcp_read(tn, c, buf, sizeof(buf), 1), -UK_ECONNRESET);
	assert_int_equal(tcp_write(tn, c, "x", 1, 1), -UK_ECONNRESET);
}

static void
test_closed_port_answers_rst(void **state)
{
	struct tcp_seg s;

	(void)state;
	net_setup();
	learn_peer(0);
	peer_tcp(TCP_SYN, PISS, 0, 1000, NULL, -1, 0);
	last(&s);
	assert_int_equal(s.flags, TCP_RST | TCP_ACK);
	assert_int_equal(s.ack, PISS + 1);
	peer_tcp(TCP_ACK, PISS, 777, 1000, NULL, -1, 0);
	last(&s);
	assert_int_equal(s.flags, TCP_RST);
	assert_int_equal(s.seq, 777);
	nout = 0;
	peer_tcp(TCP_RST, PISS, 0, 0, NULL, -1, 0); /* never answered */
	assert_int_equal(nout, 0);
}

static int
count_state(enum tcp_state st)
{
	int i, n = 0;

	for (i = 0; i < NET_TCP_NCONN; i++)
		n += tn->tcp[i].state == st;
	return n;
}

static void
flood(int from, int count, uint64_t now)
{
	struct tcp_seg s = { .dport = 80,
		.flags = TCP_SYN,
		.wnd = 1000,
		.wscale = -1 };
	uint8_t p[64];
	int i;

	for (i = 0; i < count; i++) {
		s.sport = (uint16_t)(from + i);
		s.seq = (uint32_t)i * 7919;
		tcp_build(p, &s, PEER_IP, OUR_IP);
		peer_ip(IP_TCP, p, 20, now);
	}
}

static void
test_syn_flood_is_bounded_and_spares_established(void **state)
{
	struct tcp_conn *c = established(8000, -1);

	(void)state;
	lis->backlog = NET_TCP_NCONN;
	flood(1000, 500, 10);
	assert_int_equal(count_state(TCP_SYN_RCVD), NET_TCP_SYNMAX);
	assert_int_equal(c->state, TCP_ESTABLISHED);
	assert_true(tn->stats.tcp_synflood > 0);
	/* Young half-open ones stay; old ones give way to new SYNs. */
	assert_non_null(tcp_find(tn, PEER_IP, 1000, 80));
	flood(5000, 10, 10 + TCP_SYN_EVICT);
	assert_int_equal(count_state(TCP_SYN_RCVD), NET_TCP_SYNMAX);
	assert_null(tcp_find(tn, PEER_IP, 1000, 80));
	assert_non_null(tcp_find(tn, PEER_IP, 5009, 80));
	assert_int_equal(c->state, TCP_ESTABLISHED);
}

static void
test_active_open_and_refusal(void **state)
{
	struct tcp_conn *c;
	struct tcp_seg s;
	char buf[4];

	(void)state;
	net_setup();
	learn_peer(0);
	c = tcp_connect(tn, PEER_IP, 80, 0);
	assert_non_null(c);
	last(&s);
	assert_int_equal(s.flags, TCP_SYN);
	assert_int_equal(s.mss, NET_MSS);
	assert_int_equal(s.wscale, NET_TCP_RCVSHIFT);
	assert_int_equal(tcp_write(tn, c, "x", 1, 0), -UK_EAGAIN);
	/* A SYN-ACK from the server (ports swapped by hand). */
	{
		struct tcp_seg r = { .sport = 80,
			.dport = c->lport,
			.seq = 5000,
			.ack = s.seq + 1,
			.flags = TCP_SYN | TCP_ACK,
			.wnd = 2000,
			.mss = 1200,
			.wscale = 3 };
		uint8_t p[64];

		tcp_build(p, &r, PEER_IP, OUR_IP);
		peer_ip(IP_TCP, p, tcp_hdr_len(&r), 1);
	}
	assert_int_equal(c->state, TCP_ESTABLISHED);
	assert_int_equal(c->mss, 1200);
	assert_true(c->events & NET_EV_WRITE);
	last(&s);
	assert_int_equal(s.flags, TCP_ACK);
	assert_int_equal(s.ack, 5001);
	/* A refused connection. */
	c = tcp_connect(tn, PEER_IP, 81, 2);
	last(&s);
	{
		struct tcp_seg r = { .sport = 81,
			.dport = c->lport,
			.ack = s.seq + 1,
			.flags = TCP_RST | TCP_ACK,
			.wscale = -1 };
		uint8_t p[64];

		tcp_build(p, &r, PEER_IP, OUR_IP);
		peer_ip(IP_TCP, p, 20, 3);
	}
	assert_int_equal(tcp_read(tn, c, buf, sizeof(buf), 3),
	    -UK_ECONNREFUSED);
}

static void
test_adopt_installs_connection_with_recorded_bytes(void **state)
{
	static const char req[] = "GET / HTTP/1.1\r\n\r\n";
	/* clang-format off */
	struct uk_tcp_adopt r = { .rip = PEER_IP, .lip = OUR_IP,
	    .rport = PPORT, .lport = 80, .iss = 70000, .irs = PISS,
	    .snd_nxt = 70001, .rcv_nxt = PISS + 1 + sizeof(req) - 1,
	    .mss = 1400, .snd_shift = 7, .rcv_shift = 0, .snd_wnd = 500,
	    .data = (const uint8_t *)req, .dlen = sizeof(req) - 1 };
	/* clang-format on */
	struct tcp_conn *c;
	struct tcp_seg s;
	char buf[64];

	(void)state;
	net_setup();
	learn_peer(0);
	assert_null(tcp_adopt(tn, &r, 0)); /* nobody listens */
	lis = tcp_listen(tn, 80, 8);
	r.rcv_nxt++;
	assert_int_equal(tcp_adopt_check(tn, &r), -UK_EINVAL);
	r.rcv_nxt--;
	assert_non_null(tcp_adopt(tn, &r, 0));
	assert_int_equal(nout, 0); /* nothing sent */
	assert_int_equal(tcp_adopt_check(tn, &r), -UK_EEXIST);
	assert_true(lis->events & NET_EV_ACCEPT);
	c = tcp_accept(tn, lis);
	assert_non_null(c);
	assert_int_equal(c->snd_wnd, 500u << 7);
	assert_int_equal(tcp_read(tn, c, buf, sizeof(buf), 1),
	    (long)sizeof(req) - 1);
	assert_memory_equal(buf, req, sizeof(req) - 1);
	assert_int_equal(tcp_write(tn, c, "HTTP/1.1 200", 12, 1), 12);
	last(&s);
	assert_int_equal(s.seq, 70001);
	assert_int_equal(s.ack, r.rcv_nxt);
	assert_int_equal(s.dlen, 12);
	/* The client's ACK of our reply is taken as for any connection. */
	peer_tcp(TCP_ACK, r.rcv_nxt, 70013, 500, NULL, -1, 2);
	assert_int_equal(c->snd_una, 70013);
}

/* A record as Synjitsu makes them: "GET / HTTP/1.1\r\n" so far. */
static const char adopt_req[] = "GET / HTTP/1.1\r\n";

static struct uk_tcp_adopt
adopt_rec(int fin)
{
	/* clang-format off */
	struct uk_tcp_adopt r = { .rip = PEER_IP, .lip = OUR_IP,
	    .rport = PPORT, .lport = 80, .iss = 70000, .irs = PISS,
	    .snd_nxt = 70001, .mss = 1460, .snd_shift = -1, .rcv_shift = 0,
	    .snd_wnd = 64000, .data = (const uint8_t *)adopt_req,
	    .dlen = sizeof(adopt_req) - 1, .fin = fin };
	/* clang-format on */

	r.rcv_nxt = PISS + 1 + (uint32_t)r.dlen + (uint32_t)fin;
	return r;
}

static void
test_quiet_stack_answers_no_segment_of_an_unknown_connection(void **state)
{
	struct tcp_seg s;

	(void)state;
	net_setup();
	learn_peer(0);
	lis = tcp_listen(tn, 80, 8);
	tn->quiet = 1;
	/* jitsud's connections: data, a FIN, a bare ACK -- and a new SYN. */
	peer_tcp(TCP_ACK | TCP_PSH, PISS + 1, 70001, 8000, "Host: x\r\n", -1,
	    1);
	peer_tcp(TCP_ACK | TCP_FIN, PISS + 1, 70001, 8000, NULL, -1, 1);
	peer_tcp(TCP_ACK, PISS + 1, 70001, 8000, NULL, -1, 1);
	peer_tcp(TCP_SYN, PISS, 0, 8000, NULL, -1, 1);
	assert_int_equal(nout, 0);
	assert_int_equal(tn->stats.tcp_rst_sent, 0);
	assert_int_equal(count_state(TCP_SYN_RCVD), 0);
	assert_int_equal(tn->stats.quiet_drop, 4);
	assert_null(tcp_accept(tn, lis));
	/* The same segment once quiet is over: a RST, as before. */
	tn->quiet = 0;
	peer_tcp(TCP_ACK, PISS + 1, 70001, 8000, NULL, -1, 1);
	assert_int_equal(nout, 1);
	last(&s);
	assert_int_equal(s.flags, TCP_RST);
	assert_int_equal(s.seq, 70001);
}

static void
test_adopted_while_quiet_then_the_stream_continues(void **state)
{
	struct uk_tcp_adopt r = adopt_rec(0);
	struct tcp_conn *c;
	struct tcp_seg s;
	char buf[64];

	(void)state;
	net_setup();
	learn_peer(0);
	lis = tcp_listen(tn, 80, 8);
	tn->quiet = 1;
	assert_non_null(tcp_adopt(tn, &r, 0));
	assert_int_equal(nout, 0);
	tn->quiet = 0; /* what stack_release does */
	c = tcp_accept(tn, lis);
	assert_non_null(c);
	assert_int_equal(c->state, TCP_ESTABLISHED);
	assert_int_equal(tcp_ready(c), NET_EV_READ | NET_EV_WRITE);
	assert_int_equal(tcp_read(tn, c, buf, sizeof(buf), 1),
	    (long)sizeof(adopt_req) - 1);
	assert_memory_equal(buf, adopt_req, sizeof(adopt_req) - 1);
	/* The client goes on where jitsud's ACK left it. */
	peer_tcp(TCP_ACK | TCP_PSH, r.rcv_nxt, 70001, 64000, "Host: x\r\n\r\n",
	    -1, 2);
	last(&s);
	assert_int_equal(s.flags, TCP_ACK);
	assert_int_equal(s.seq, 70001);
	assert_int_equal(s.ack, r.rcv_nxt + 11);
	assert_int_equal(tcp_read(tn, c, buf, sizeof(buf), 2), 11);
	assert_memory_equal(buf, "Host: x\r\n\r\n", 11);
	assert_int_equal(tn->stats.tcp_rst_sent, 0);
	/* And the reply goes out from iss + 1. */
	assert_int_equal(tcp_write(tn, c, "HTTP/1.1 200 OK", 15, 3), 15);
	last(&s);
	assert_int_equal(s.seq, 70001);
	assert_int_equal(s.dlen, 15);
}

static void
test_adopted_with_fin_reads_the_bytes_then_end_of_stream(void **state)
{
	struct uk_tcp_adopt r = adopt_rec(1);
	struct tcp_conn *c;
	struct tcp_seg s;
	char buf[64];

	(void)state;
	net_setup();
	learn_peer(0);
	lis = tcp_listen(tn, 80, 8);
	r.fin = 2;
	assert_int_equal(tcp_adopt_check(tn, &r), -UK_EINVAL);
	r.fin = 0; /* rcv_nxt counts a FIN */
	assert_int_equal(tcp_adopt_check(tn, &r), -UK_EINVAL);
	r.fin = 1;
	assert_non_null(tcp_adopt(tn, &r, 0));
	c = tcp_accept(tn, lis);
	assert_non_null(c);
	assert_int_equal(c->state, TCP_CLOSE_WAIT);
	assert_int_equal(tcp_read(tn, c, buf, sizeof(buf), 1),
	    (long)sizeof(adopt_req) - 1);
	/* Then the end of the stream. */
	assert_int_equal(tcp_read(tn, c, buf, sizeof(buf), 1), 0);
	/* The reply, then our FIN; both acknowledge the client's FIN. */
	assert_int_equal(tcp_write(tn, c, "bye", 3, 1), 3);
	last(&s);
	assert_int_equal(s.ack, r.rcv_nxt);
	tcp_close(tn, c, 1);
	assert_int_equal(c->state, TCP_LAST_ACK);
	last(&s);
	assert_true(s.flags & TCP_FIN);
	assert_int_equal(s.seq, 70004);
	assert_int_equal(s.ack, r.rcv_nxt);
	peer_tcp(TCP_ACK, r.rcv_nxt, 70005, 64000, NULL, -1, 2);
	assert_int_equal(c->state, TCP_CLOSED);
}

/* Fails unless output frame i is a who-has for ip, broadcast. */
static void
expect_who_has(int i, uint32_t ip)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	struct arp_pkt a;

	assert_true(i >= 0 && i < nout);
	assert_int_equal(get16(out[i] + 12), ETH_ARP);
	assert_memory_equal(out[i], bcast, 6);
	assert_int_equal(arp_parse(out[i] + ETH_HLEN, outlen[i] - ETH_HLEN, &a),
	    0);
	assert_int_equal(a.op, ARP_REQUEST);
	assert_int_equal(a.tpa, ip);
}

/* Fails unless output frame i is a data segment to mac, ip, at seq. */
static void
expect_reply_to(int i, const uint8_t mac[6], uint32_t ip, uint32_t seq)
{
	struct tcp_seg s;

	out_tcp(i, &s);
	assert_memory_equal(out[i], mac, 6);
	assert_int_equal(get32(out[i] + ETH_HLEN + 16), ip);
	assert_int_equal(s.seq, seq);
	assert_true(s.dlen > 0);
}

/* An adopted connection accepted and answered at once, as httpd does. */
static void
adopt_and_reply(const struct uk_tcp_adopt *r)
{
	struct tcp_conn *c;

	assert_non_null(tcp_adopt(tn, r, 0));
	assert_int_equal(nout, 0); /* the seeding sends nothing */
	c = tcp_accept(tn, lis);
	assert_non_null(c);
	assert_int_equal(tcp_write(tn, c, "HTTP/1.1 200", 12, 1), 12);
}

/*
 * The client asked Synjitsu for our MAC, not us for its own: the hop the
 * record carries is what lets the first reply leave at once.
 */
static void
test_adopted_with_its_hop_replies_without_asking_arp(void **state)
{
	struct uk_tcp_adopt r = adopt_rec(0);

	(void)state;
	net_setup();
	lis = tcp_listen(tn, 80, 8);
	r.hop = PEER_IP;
	memcpy(r.hop_mac, peer_mac, 6);
	tn->quiet = 1; /* as uk_ready() adopts */
	assert_non_null(tcp_adopt(tn, &r, 0));
	assert_int_equal(nout, 0);
	tn->quiet = 0;
	assert_non_null(arp_lookup(tn, PEER_IP));
	assert_memory_equal(arp_lookup(tn, PEER_IP), peer_mac, 6);
	assert_int_equal(tcp_write(tn, tcp_accept(tn, lis), "HTTP/1.1 200", 12,
			     1),
	    12);
	assert_int_equal(nout, 1); /* the segment, and no who-has */
	expect_reply_to(0, peer_mac, PEER_IP, 70001);
}

/* An older jitsud's record: the first reply waits for the client's MAC. */
static void
test_adopted_without_a_hop_asks_arp_first(void **state)
{
	struct uk_tcp_adopt r = adopt_rec(0);

	(void)state;
	net_setup();
	lis = tcp_listen(tn, 80, 8);
	adopt_and_reply(&r);
	assert_int_equal(nout, 1);
	expect_who_has(0, PEER_IP);
	learn_peer(2);
	assert_int_equal(nout, 2);
	expect_reply_to(1, peer_mac, PEER_IP, 70001);
}

/*
 * Through a gateway the hop is the gateway; a hop our own route does not
 * pick (jitsud routing otherwise than we do) or a MAC that is no
 * station's is never put in the cache.
 */
static void
test_adopted_hop_is_taken_only_if_it_is_our_route(void **state)
{
	static const uint8_t gw_mac[6] = { 2, 0, 0, 0, 0, 0xfe };
	const uint32_t gw = 0x0a5800feu, far = 0xc0000207u; /* 192.0.2.7 */
	struct uk_tcp_adopt r = adopt_rec(0);

	(void)state;
	net_setup();
	net_init(tn, our_mac, OUR_IP, 0xffffff00u, gw, capture, 1234);
	lis = tcp_listen(tn, 80, 8);
	/* On-link client, the gateway given as its hop: not taken. */
	r.hop = gw;
	memcpy(r.hop_mac, gw_mac, 6);
	adopt_and_reply(&r);
	assert_null(arp_lookup(tn, gw));
	expect_who_has(0, PEER_IP);
	/* Off-link client, the client itself given: not taken either. */
	nout = 0;
	r.rip = far;
	r.hop = far;
	adopt_and_reply(&r);
	assert_null(arp_lookup(tn, far));
	expect_who_has(0, gw);
	/* The gateway, but at a multicast MAC: not taken. */
	net_init(tn, our_mac, OUR_IP, 0xffffff00u, gw, capture, 1234);
	lis = tcp_listen(tn, 80, 8);
	nout = 0;
	r.hop = gw;
	r.hop_mac[0] |= 1;
	adopt_and_reply(&r);
	assert_null(arp_lookup(tn, gw));
	expect_who_has(0, gw);
	/* The gateway at its MAC: taken, and the reply goes there. */
	net_init(tn, our_mac, OUR_IP, 0xffffff00u, gw, capture, 1234);
	lis = tcp_listen(tn, 80, 8);
	nout = 0;
	memcpy(r.hop_mac, gw_mac, 6);
	adopt_and_reply(&r);
	assert_int_equal(nout, 1);
	expect_reply_to(0, gw_mac, far, 70001);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_passive_open_negotiates_mss_and_window_scale),
		cmocka_unit_test(test_data_is_acked_and_read_in_order),
		cmocka_unit_test(
		    test_out_of_order_data_is_held_until_the_gap_fills),
		cmocka_unit_test(
		    test_out_of_window_segments_are_acked_not_taken),
		cmocka_unit_test(
		    test_retransmission_backs_off_and_rtt_sets_rto),
		cmocka_unit_test(test_rto_estimator_follows_rfc6298),
		cmocka_unit_test(test_peer_window_limits_what_we_send),
		cmocka_unit_test(test_three_dup_acks_retransmit_at_once),
		cmocka_unit_test(test_passive_close_fin_then_last_ack),
		cmocka_unit_test(test_active_close_goes_through_time_wait),
		cmocka_unit_test(
		    test_rst_in_window_resets_and_inexact_rst_is_challenged),
		cmocka_unit_test(test_closed_port_answers_rst),
		cmocka_unit_test(
		    test_syn_flood_is_bounded_and_spares_established),
		cmocka_unit_test(test_active_open_and_refusal),
		cmocka_unit_test(
		    test_adopt_installs_connection_with_recorded_bytes),
		cmocka_unit_test(
		    test_quiet_stack_answers_no_segment_of_an_unknown_connection),
		cmocka_unit_test(
		    test_adopted_while_quiet_then_the_stream_continues),
		cmocka_unit_test(
		    test_adopted_with_fin_reads_the_bytes_then_end_of_stream),
		cmocka_unit_test(
		    test_adopted_with_its_hop_replies_without_asking_arp),
		cmocka_unit_test(test_adopted_without_a_hop_asks_arp_first),
		cmocka_unit_test(
		    test_adopted_hop_is_taken_only_if_it_is_our_route),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
