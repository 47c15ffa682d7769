/* test_sock_adopt.c -- unit tests of unix-sock's record-to-repair plan */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "sockplat.h"

/* "hello" from 10.0.0.1:40000 to 10.0.0.2:80, as Synjitsu records it. */
static const uint8_t hello[5] = { 'h', 'e', 'l', 'l', 'o' };

static void
synrec_hello(struct synrec *r)
{
	memset(r, 0, sizeof(*r));
	r->peer_ip = 0x0a000001;
	r->peer_port = 40000;
	r->local_ip = 0x0a000002;
	r->local_port = 80;
	r->irs = 1000;
	r->iss = 5000;
	r->snd_nxt = 5001;
	r->rcv_nxt = 1006;
	r->mss = 1400;
	r->peer_wscale = 7;
	r->wscale = 0;
	r->peer_wnd = 65536;
	r->datalen = 5;
	memcpy(r->data, hello, 5);
}

static void
test_wscale_opt_packs_peer_low_ours_high(void **state)
{
	(void)state;
	/* The kernel: snd_wscale = val & 0xffff, rcv_wscale = val >> 16. */
	assert_int_equal(adopt_wscale_opt(7, 0), 7);
	assert_int_equal(adopt_wscale_opt(2, 14), 2 | 14 << 16);
	assert_int_equal(adopt_wscale_opt(14, 14), 14 | 14 << 16);
	assert_int_equal(adopt_wscale_opt(0, 0), 0);
}

static void
test_wscale_opt_without_peer_scale_is_zero_both_ways(void **state)
{
	(void)state;
	/* No scaling negotiated: neither side shifts, whatever we offered. */
	assert_int_equal(adopt_wscale_opt(-1, 0), 0);
	assert_int_equal(adopt_wscale_opt(-1, 9), 0);
}

static void
test_synrec_plan_sequence_numbers(void **state)
{
	struct synrec r;
	struct adopt_plan p;

	(void)state;
	synrec_hello(&r);
	assert_null(adopt_from_synrec(&r, &p));
	assert_int_equal(p.lip, 0x0a000002);
	assert_int_equal(p.lport, 80);
	assert_int_equal(p.rip, 0x0a000001);
	assert_int_equal(p.rport, 40000);
	/* Next byte we send; first byte of the data in the receive queue. */
	assert_int_equal(p.snd_seq, 5001);
	assert_int_equal(p.rcv_seq, 1001);
	assert_int_equal(p.rcv_seq + p.dlen, r.rcv_nxt);
	assert_int_equal(p.mss, 1400);
	assert_int_equal(p.wscale_opt, 7);
	assert_int_equal(p.snd_wnd, 65536);
	assert_int_equal(p.snd_wl1, 1000);
	assert_int_equal(p.peer_fin, 0);
	assert_ptr_equal(p.data, r.data);
	assert_int_equal(p.dlen, 5);
}

static void
test_synrec_plan_fin_sits_before_the_data(void **state)
{
	struct synrec r;
	struct adopt_plan p;

	(void)state;
	synrec_hello(&r);
	r.fin = 1;
	r.rcv_nxt = 1007;
	assert_null(adopt_from_synrec(&r, &p));
	/* The kernel must end at rcv_nxt, the FIN included, after the data. */
	assert_int_equal(p.rcv_seq, 1002);
	assert_int_equal(p.rcv_seq + p.dlen, 1007);
	assert_int_equal(p.peer_fin, 1);
}

static void
test_synrec_plan_wraps_sequence_space(void **state)
{
	struct synrec r;
	struct adopt_plan p;

	(void)state;
	synrec_hello(&r);
	r.irs = 0xfffffffeu;
	r.rcv_nxt = 0xfffffffeu + 1 + 5; /* 4 after the wrap */
	r.iss = 0xffffffffu;
	r.snd_nxt = 0;
	assert_null(adopt_from_synrec(&r, &p));
	assert_int_equal(p.rcv_seq, 0xffffffffu);
	assert_int_equal(p.snd_seq, 0);
}

static void
test_synrec_plan_without_data_or_scale(void **state)
{
	struct synrec r;
	struct adopt_plan p;

	(void)state;
	synrec_hello(&r);
	r.datalen = 0;
	r.rcv_nxt = 1001;
	r.peer_wscale = -1;
	r.wscale = 0;
	r.peer_wnd = 5840;
	assert_null(adopt_from_synrec(&r, &p));
	assert_int_equal(p.rcv_seq, 1001);
	assert_int_equal(p.dlen, 0);
	assert_int_equal(p.wscale_opt, 0);
	assert_int_equal(p.snd_wnd, 5840);
}

static void
test_synrec_plan_refuses_inconsistent_records(void **state)
{
	struct synrec r;
	struct adopt_plan p;

	(void)state;
	synrec_hello(&r);
	r.snd_nxt = 5002;
	assert_non_null(adopt_from_synrec(&r, &p));
	synrec_hello(&r);
	r.rcv_nxt = 1005; /* one data byte unaccounted for */
	assert_non_null(adopt_from_synrec(&r, &p));
	synrec_hello(&r);
	r.peer_wscale = 15;
	assert_non_null(adopt_from_synrec(&r, &p));
	synrec_hello(&r);
	r.local_port = 0;
	assert_non_null(adopt_from_synrec(&r, &p));
}

static void
rec_hello(struct uk_tcp_adopt *a)
{
	memset(a, 0, sizeof(*a));
	a->rip = 0x0a000001;
	a->rport = 40000;
	a->lip = 0x0a000002;
	a->lport = 80;
	a->iss = 5000;
	a->snd_nxt = 5001;
	a->irs = 1000;
	a->rcv_nxt = 1006;
	a->mss = 0;
	a->snd_shift = 7;
	a->rcv_shift = 0;
	a->snd_wnd = 502;
	a->data = hello;
	a->dlen = 5;
}

static void
test_rec_plan_scales_the_window_and_defaults_mss(void **state)
{
	struct uk_tcp_adopt a;
	struct adopt_plan p;

	(void)state;
	rec_hello(&a);
	assert_null(adopt_from_rec(&a, &p));
	/* uk.h: snd_wnd is the field as sent, before the client's scale. */
	assert_int_equal(p.snd_wnd, 502 << 7);
	/* No MSS option: RFC 1122's 536. */
	assert_int_equal(p.mss, 536);
	assert_int_equal(p.rcv_seq, 1001);
	assert_int_equal(p.snd_seq, 5001);
	assert_int_equal(p.wscale_opt, 7);
	a.snd_shift = -1;
	assert_null(adopt_from_rec(&a, &p));
	assert_int_equal(p.snd_wnd, 502);
	assert_int_equal(p.wscale_opt, 0);
}

static void
test_rec_plan_fin(void **state)
{
	struct uk_tcp_adopt a;
	struct adopt_plan p;

	(void)state;
	rec_hello(&a);
	a.fin = 1;
	assert_non_null(adopt_from_rec(&a, &p)); /* rcv_nxt lacks it */
	a.rcv_nxt = 1007;
	assert_null(adopt_from_rec(&a, &p));
	assert_int_equal(p.rcv_seq, 1002);
	assert_int_equal(p.peer_fin, 1);
}

static void
test_rec_plan_refuses_what_uk_h_refuses(void **state)
{
	struct uk_tcp_adopt a;
	struct adopt_plan p;

	(void)state;
	rec_hello(&a);
	a.snd_nxt = 5000;
	assert_non_null(adopt_from_rec(&a, &p));
	rec_hello(&a);
	a.dlen = ADOPT_DATA_MAX + 1;
	a.rcv_nxt = a.irs + 1 + (uint32_t)a.dlen;
	assert_non_null(adopt_from_rec(&a, &p));
	rec_hello(&a);
	a.data = NULL;
	assert_non_null(adopt_from_rec(&a, &p));
	rec_hello(&a);
	a.rcv_shift = 15;
	assert_non_null(adopt_from_rec(&a, &p));
	rec_hello(&a);
	a.rport = 0;
	assert_non_null(adopt_from_rec(&a, &p));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wscale_opt_packs_peer_low_ours_high),
		cmocka_unit_test(
		    test_wscale_opt_without_peer_scale_is_zero_both_ways),
		cmocka_unit_test(test_synrec_plan_sequence_numbers),
		cmocka_unit_test(test_synrec_plan_fin_sits_before_the_data),
		cmocka_unit_test(test_synrec_plan_wraps_sequence_space),
		cmocka_unit_test(test_synrec_plan_without_data_or_scale),
		cmocka_unit_test(test_synrec_plan_refuses_inconsistent_records),
		cmocka_unit_test(
		    test_rec_plan_scales_the_window_and_defaults_mss),
		cmocka_unit_test(test_rec_plan_fin),
		cmocka_unit_test(test_rec_plan_refuses_what_uk_h_refuses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
