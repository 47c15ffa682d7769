/* test_vchan.c -- unit tests of the vchan rings: both ends on one page */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "libuk.h"
#include "vchan.h"

/*
 * The server and the client share the page (and the rings' own pages) as
 * two domains would after the grant and the mapping; each end goes only
 * through its own struct vchan.
 */
static union {
	struct vchan_page p;
	char bytes[VCHAN_PAGE];
} shared __attribute__((aligned(4096)));
static char left_pages[1 << 13] __attribute__((aligned(4096)));
static char right_pages[1 << 13] __attribute__((aligned(4096)));
static struct vchan srv, cli;

/* Server then client, as the handshake would do it; orders 10/11. */
static void
connect(unsigned int lo, unsigned int ro)
{
	unsigned int l, r;

	assert_int_equal(vchan_server_init(&srv, &shared.p, lo, ro, left_pages,
			     right_pages),
	    0);
	assert_true(vchan_check(&shared.p, &l, &r) >= 0);
	vchan_client_init(&cli, &shared.p, l, r, left_pages, right_pages);
}

static void
fill(char *buf, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = (char)(seed + i * 7);
}

static void
test_page_layout_is_libxenvchans(void **state)
{
	(void)state;
	/* xen/io/libxenvchan.h; test_vchan_xen.c checks against it. */
	assert_int_equal(offsetof(struct vchan_page, left.cons), 0);
	assert_int_equal(offsetof(struct vchan_page, left.prod), 4);
	assert_int_equal(offsetof(struct vchan_page, right.cons), 8);
	assert_int_equal(offsetof(struct vchan_page, right.prod), 12);
	assert_int_equal(offsetof(struct vchan_page, left_order), 16);
	assert_int_equal(offsetof(struct vchan_page, right_order), 18);
	assert_int_equal(offsetof(struct vchan_page, cli_live), 20);
	assert_int_equal(offsetof(struct vchan_page, srv_live), 21);
	assert_int_equal(offsetof(struct vchan_page, cli_notify), 22);
	assert_int_equal(offsetof(struct vchan_page, srv_notify), 23);
	assert_int_equal(offsetof(struct vchan_page, grants), 24);
}

static void
test_orders_prefer_rings_in_the_page(void **state)
{
	unsigned int l, r;

	(void)state;
	assert_int_equal(vchan_orders(0, 0, &l, &r), 0);
	assert_int_equal(l, 10);
	assert_int_equal(r, 11);
	assert_int_equal(vchan_orders(2048, 1024, &l, &r), 0);
	assert_int_equal(l, 11);
	assert_int_equal(r, 10);
	/* Only one fits inside: it takes the 2048 slot. */
	assert_int_equal(vchan_orders(100, 5000, &l, &r), 0);
	assert_int_equal(l, 11);
	assert_int_equal(r, 13);
	assert_int_equal(vchan_orders(4097, 2048, &l, &r), 0);
	assert_int_equal(l, 13);
	assert_int_equal(r, 11);
	assert_int_equal(vchan_orders(65536, 1 << 20, &l, &r), 0);
	assert_int_equal(l, 16);
	assert_int_equal(r, 20);
	assert_int_equal(vchan_orders((1 << 20) + 1, 0, &l, &r), -UK_EINVAL);
	assert_int_equal(vchan_ring_pages(11), 0);
	assert_int_equal(vchan_ring_pages(12), 1);
	assert_int_equal(vchan_ring_pages(20), 256);
}

static void
test_server_lays_out_the_page(void **state)
{
	(void)state;
	memset(shared.bytes, 0xaa, sizeof(shared.bytes));
	assert_int_equal(vchan_server_init(&srv, &shared.p, 10, 11, NULL, NULL),
	    0);
	assert_int_equal(shared.p.left.cons, 0);
	assert_int_equal(shared.p.right.prod, 0);
	assert_int_equal(shared.p.left_order, 10);
	assert_int_equal(shared.p.right_order, 11);
	assert_int_equal(shared.p.cli_live, VCHAN_WAITING);
	assert_int_equal(shared.p.srv_live, VCHAN_OPEN);
	/* The server wants to hear of the client's first write. */
	assert_int_equal(shared.p.cli_notify, VCHAN_ON_WRITE);
	assert_int_equal(shared.p.srv_notify, 0);
	assert_int_equal((unsigned char)shared.bytes[VCHAN_PAGE - 1], 0);
	assert_int_equal(vchan_peer_state(&srv), VCHAN_WAITING);
	/* Rings inside the page: left (order 10) at 1024, right at 2048. */
	assert_ptr_equal(srv.rd.buf, shared.bytes + 1024);
	assert_ptr_equal(srv.wr.buf, shared.bytes + 2048);
}

static void
test_server_refuses_overlapping_orders(void **state)
{
	(void)state;
	assert_int_equal(vchan_server_init(&srv, &shared.p, 10, 10, NULL, NULL),
	    -UK_EINVAL);
	assert_int_equal(vchan_server_init(&srv, &shared.p, 11, 11, NULL, NULL),
	    -UK_EINVAL);
	assert_int_equal(vchan_server_init(&srv, &shared.p, 9, 11, NULL, NULL),
	    -UK_EINVAL);
	assert_int_equal(vchan_server_init(&srv, &shared.p, 21, 11, NULL, NULL),
	    -UK_EINVAL);
}

/* Sets the orders as a (hostile) server could and runs vchan_check. */
static int
check_orders(unsigned int lo, unsigned int ro)
{
	unsigned int l, r;

	shared.p.left_order = (uint16_t)lo;
	shared.p.right_order = (uint16_t)ro;
	return vchan_check(&shared.p, &l, &r);
}

static void
test_client_checks_the_servers_orders(void **state)
{
	(void)state;
	assert_int_equal(check_orders(10, 11), 0);
	assert_int_equal(check_orders(11, 10), 0);
	assert_int_equal(check_orders(12, 13), 1 + 2);
	assert_int_equal(check_orders(20, 20), 512);
	/* 256 grants after the header end at 1048: clear of 2048 only. */
	assert_int_equal(check_orders(11, 20), 256);
	assert_int_equal(check_orders(20, 10), -UK_EPROTO);
	assert_int_equal(check_orders(19, 10), 128);
	assert_int_equal(check_orders(10, 10), -UK_EPROTO);
	assert_int_equal(check_orders(11, 11), -UK_EPROTO);
	assert_int_equal(check_orders(9, 12), -UK_EPROTO);
	assert_int_equal(check_orders(12, 21), -UK_EPROTO);
	assert_int_equal(check_orders(0xffff, 0xffff), -UK_EPROTO);
}

static void
test_client_connects(void **state)
{
	(void)state;
	connect(10, 11);
	assert_int_equal(shared.p.cli_live, VCHAN_OPEN);
	assert_int_equal(shared.p.srv_notify, VCHAN_ON_WRITE);
	assert_int_equal(vchan_peer_state(&srv), VCHAN_OPEN);
	assert_int_equal(vchan_peer_state(&cli), VCHAN_OPEN);
	/* The client writes left, which the server reads. */
	assert_ptr_equal(cli.wr.buf, shared.bytes + 1024);
	assert_ptr_equal(cli.rd.buf, shared.bytes + 2048);
}

static void
test_both_directions_with_wrap_around(void **state)
{
	char out[1000], in[1000];
	unsigned int round;
	int kick;

	(void)state;
	connect(10, 11);
	/* 700 + 700 in a 1024-byte ring: the second write wraps. */
	for (round = 0; round < 5; round++) {
		fill(out, 700, round);
		assert_int_equal(vchan_write(&cli, out, 700, &kick), 700);
		assert_int_equal(vchan_read(&srv, in, sizeof(in), &kick), 700);
		assert_memory_equal(in, out, 700);
		fill(out, 1000, round + 100);
		assert_int_equal(vchan_write(&srv, out, 1000, &kick), 1000);
		assert_int_equal(vchan_read(&cli, in, sizeof(in), &kick), 1000);
		assert_memory_equal(in, out, 1000);
	}
	assert_int_equal(shared.p.left.prod, 3500);
	assert_int_equal(shared.p.left.cons, 3500);
	assert_int_equal(shared.p.right.prod, 5000);
}

static void
test_full_ring_and_partial_write(void **state)
{
	char out[1024], in[1024];
	int kick;

	(void)state;
	connect(10, 11);
	fill(out, sizeof(out), 1);
	assert_int_equal(vchan_write(&cli, out, 100, &kick), 100);
	/* 924 bytes of room: a partial write, then a full ring. */
	assert_int_equal(vchan_write(&cli, out + 100, 1000, &kick), 924);
	assert_int_equal(vchan_data_ready(&srv), 1024);
	assert_int_equal(vchan_space(&cli), 0);
	assert_int_equal(vchan_write(&cli, out, 1, &kick), 0);
	assert_int_equal(kick, 0);
	assert_int_equal(vchan_read(&srv, in, 1024, &kick), 1024);
	assert_memory_equal(in, out, 100);
	assert_memory_equal(in + 100, out + 100, 924);
	assert_int_equal(vchan_space(&cli), 1024);
}

static void
test_empty_ring_reads_nothing(void **state)
{
	char in[16];
	int kick = -1;

	(void)state;
	connect(10, 11);
	assert_int_equal(vchan_read(&srv, in, sizeof(in), &kick), 0);
	assert_int_equal(kick, 0);
	assert_int_equal(vchan_read(&cli, in, sizeof(in), &kick), 0);
	assert_int_equal(vchan_data_ready(&cli), 0);
	assert_int_equal(vchan_read(&srv, in, 0, &kick), 0);
}

static void
test_reader_that_drains_is_signalled_once(void **state)
{
	char in[16];
	int kick;

	(void)state;
	connect(10, 11);
	shared.p.srv_notify = 0;
	/* Nothing asked for: the server's writes need no event. */
	assert_int_equal(vchan_write(&srv, "ab", 2, &kick), 2);
	assert_int_equal(kick, 0);
	/* The client drains the ring and asks to hear of the next write. */
	assert_int_equal(vchan_read(&cli, in, sizeof(in), &kick), 2);
	assert_int_equal(shared.p.srv_notify, VCHAN_ON_WRITE);
	assert_int_equal(vchan_write(&srv, "cd", 2, &kick), 2);
	assert_int_equal(kick, 1);
	assert_int_equal(shared.p.srv_notify, 0);
	assert_int_equal(vchan_write(&srv, "ef", 2, &kick), 2);
	assert_int_equal(kick, 0);
	/* A read that gets all it asked for asks for nothing. */
	assert_int_equal(vchan_read(&cli, in, 4, &kick), 4);
	assert_memory_equal(in, "cdef", 4);
	assert_int_equal(shared.p.srv_notify, 0);
}

static void
test_writer_that_fills_is_signalled_on_read(void **state)
{
	static char out[2048], in[2048];
	int kick;

	(void)state;
	connect(10, 11);
	/* The server's ring (right) is 2048 bytes; 2100 do not fit. */
	assert_int_equal(vchan_write(&srv, out, 2048, &kick), 2048);
	assert_int_equal(shared.p.cli_notify & VCHAN_ON_READ, 0);
	assert_int_equal(vchan_write(&srv, out, 52, &kick), 0);
	assert_int_equal(shared.p.cli_notify & VCHAN_ON_READ, VCHAN_ON_READ);
	/* The client's read frees room and owes the server an event. */
	assert_int_equal(vchan_read(&cli, in, 10, &kick), 10);
	assert_int_equal(kick, 1);
	assert_int_equal(shared.p.cli_notify & VCHAN_ON_READ, 0);
	assert_int_equal(vchan_read(&cli, in, 10, &kick), 10);
	assert_int_equal(kick, 0);
}

static void
test_first_client_write_signals_the_server(void **state)
{
	int kick;

	(void)state;
	connect(10, 11);
	/* Asked for by vchan_server_init, as libxenvchan's server does. */
	assert_int_equal(vchan_write(&cli, "x", 1, &kick), 1);
	assert_int_equal(kick, 1);
	assert_int_equal(vchan_write(&cli, "y", 1, &kick), 1);
	assert_int_equal(kick, 0);
}

static void
test_client_takes_over_indices_the_server_left(void **state)
{
	char out[600], in[600];
	unsigned int l, r;
	int kick;

	(void)state;
	assert_int_equal(vchan_server_init(&srv, &shared.p, 10, 11, NULL, NULL),
	    0);
	/* Both indices start close to 2^32: they wrap in the transfer. */
	shared.p.left.cons = shared.p.left.prod = 0xfffffe00u;
	shared.p.right.cons = shared.p.right.prod = 0xffffff00u;
	srv.rd.mine = 0xfffffe00u;
	srv.wr.mine = 0xffffff00u;
	/* The server writes before any client is there. */
	fill(out, sizeof(out), 3);
	assert_int_equal(vchan_write(&srv, out, 600, &kick), 600);
	assert_int_equal(vchan_check(&shared.p, &l, &r), 0);
	vchan_client_init(&cli, &shared.p, l, r, NULL, NULL);
	assert_int_equal(vchan_read(&cli, in, sizeof(in), &kick), 600);
	assert_memory_equal(in, out, 600);
	assert_int_equal(shared.p.right.cons, 0xffffff00u + 600);
	assert_int_equal(vchan_write(&cli, out, 600, &kick), 600);
	assert_int_equal(vchan_read(&srv, in, sizeof(in), &kick), 600);
	assert_memory_equal(in, out, 600);
	assert_int_equal(shared.p.left.cons, (uint32_t)(0xfffffe00u + 600));
}

static void
test_rings_in_pages_of_their_own(void **state)
{
	static char out[8192], in[8192];
	int kick;

	(void)state;
	connect(12, 13);
	assert_ptr_equal(cli.wr.buf, left_pages);
	assert_ptr_equal(srv.wr.buf, right_pages);
	fill(out, sizeof(out), 5);
	assert_int_equal(vchan_write(&srv, out, sizeof(out), &kick), 8192);
	assert_memory_equal(right_pages, out, 8192);
	assert_int_equal(vchan_read(&cli, in, sizeof(in), &kick), 8192);
	assert_memory_equal(in, out, 8192);
	assert_int_equal(vchan_write(&cli, out, sizeof(out), &kick), 4096);
	assert_memory_equal(left_pages, out, 4096);
}

static void
test_impossible_indices_break_the_vchan(void **state)
{
	char in[16];
	int kick;

	(void)state;
	connect(10, 11);
	/* The client claims 1025 bytes in a 1024-byte ring. */
	shared.p.left.prod = 1025;
	assert_int_equal(vchan_read(&srv, in, sizeof(in), &kick), -UK_EPROTO);
	/* Sane again, but the server no longer trusts the page. */
	shared.p.left.prod = 1;
	assert_int_equal(vchan_read(&srv, in, sizeof(in), &kick), -UK_EPROTO);
	assert_int_equal(vchan_write(&srv, "a", 1, &kick), -UK_EPROTO);
	assert_int_equal(vchan_data_ready(&srv), 0);
	/* A consumer index ahead of our producer index. */
	shared.p.left.cons = 5;
	assert_int_equal(vchan_write(&cli, "a", 1, &kick), -UK_EPROTO);
	assert_int_equal(vchan_space(&cli), 0);
}

static void
test_close_is_seen_and_data_stays_readable(void **state)
{
	char in[16];
	int kick;

	(void)state;
	connect(10, 11);
	assert_int_equal(vchan_write(&srv, "bye", 3, &kick), 3);
	vchan_close(&srv);
	assert_int_equal(shared.p.srv_live, VCHAN_CLOSED);
	assert_int_equal(vchan_peer_state(&cli), VCHAN_CLOSED);
	assert_int_equal(vchan_read(&cli, in, sizeof(in), &kick), 3);
	assert_memory_equal(in, "bye", 3);
	vchan_close(&cli);
	assert_int_equal(vchan_peer_state(&srv), VCHAN_CLOSED);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_page_layout_is_libxenvchans),
		cmocka_unit_test(test_orders_prefer_rings_in_the_page),
		cmocka_unit_test(test_server_lays_out_the_page),
		cmocka_unit_test(test_server_refuses_overlapping_orders),
		cmocka_unit_test(test_client_checks_the_servers_orders),
		cmocka_unit_test(test_client_connects),
		cmocka_unit_test(test_both_directions_with_wrap_around),
		cmocka_unit_test(test_full_ring_and_partial_write),
		cmocka_unit_test(test_empty_ring_reads_nothing),
		cmocka_unit_test(test_reader_that_drains_is_signalled_once),
		cmocka_unit_test(test_writer_that_fills_is_signalled_on_read),
		cmocka_unit_test(test_first_client_write_signals_the_server),
		cmocka_unit_test(
		    test_client_takes_over_indices_the_server_left),
		cmocka_unit_test(test_rings_in_pages_of_their_own),
		cmocka_unit_test(test_impossible_indices_break_the_vchan),
		cmocka_unit_test(test_close_is_seen_and_data_stays_readable),
	};

	return cmocka_run_group_tests_name("vchan", tests, NULL, NULL);
}
