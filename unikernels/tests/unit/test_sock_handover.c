/* test_sock_handover.c -- unit tests of unix-sock's hand-over lines */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "sockplat.h"

static struct handover_buf b;
static char line[HANDOVER_LINE_MAX];
static struct synrec rec;

/* Appends s to the buffer as if it had been received. */
static void
feed(const char *s)
{
	size_t n = strlen(s);

	assert_true(b.len + n <= sizeof(b.buf));
	memcpy(b.buf + b.len, s, n);
	b.len += n;
}

static void
test_take_waits_for_the_newline(void **state)
{
	(void)state;
	b.len = 0;
	feed("coun");
	assert_int_equal(handover_take(&b, line, sizeof(line)), 0);
	feed("t 2\nv=");
	assert_int_equal(handover_take(&b, line, sizeof(line)), 1);
	assert_string_equal(line, "count 2");
	/* The rest stays for the next line. */
	assert_int_equal(b.len, 2);
	assert_int_equal(handover_take(&b, line, sizeof(line)), 0);
}

static void
test_take_two_lines_and_an_empty_one(void **state)
{
	(void)state;
	b.len = 0;
	feed("a\n\nb\n");
	assert_int_equal(handover_take(&b, line, sizeof(line)), 1);
	assert_string_equal(line, "a");
	assert_int_equal(handover_take(&b, line, sizeof(line)), 1);
	assert_string_equal(line, "");
	assert_int_equal(handover_take(&b, line, sizeof(line)), 1);
	assert_string_equal(line, "b");
	assert_int_equal(b.len, 0);
}

static void
test_take_refuses_a_line_too_long(void **state)
{
	(void)state;
	/* A full buffer without a newline can never become a line. */
	memset(b.buf, 'x', sizeof(b.buf));
	b.len = sizeof(b.buf);
	assert_int_equal(handover_take(&b, line, sizeof(line)), -1);
	/* The longest line that fits, with its newline, is taken. */
	b.buf[sizeof(b.buf) - 1] = '\n';
	assert_int_equal(handover_take(&b, line, sizeof(line)), 1);
	assert_int_equal(strlen(line), sizeof(b.buf) - 1);
	/* ... unless the caller's line is smaller. */
	b.len = 0;
	feed("abcdef\n");
	assert_int_equal(handover_take(&b, line, 4), -1);
}

static void
test_parse_count(void **state)
{
	unsigned long n = 99;
	const char *why = NULL;

	(void)state;
	assert_int_equal(handover_parse("count 0", &rec, &n, &why),
	    HANDOVER_COUNT);
	assert_int_equal(n, 0);
	assert_int_equal(handover_parse("count 17", &rec, &n, &why),
	    HANDOVER_COUNT);
	assert_int_equal(n, 17);
}

static void
test_parse_bad_counts(void **state)
{
	static const char *const bad[] = {
		"count",
		"count ",
		"count x",
		"count 3x",
		"count -1",
		"count  3",
		"count 100001",
		"count 3 ",
	};
	unsigned long n;
	const char *why;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		assert_int_equal(handover_parse(bad[i], &rec, &n, &why),
		    HANDOVER_BAD);
		assert_non_null(why);
	}
}

static void
test_parse_a_record(void **state)
{
	static struct synrec in;
	static char enc[SYNREC_LINE_MAX];
	unsigned long n;
	const char *why = NULL;

	(void)state;
	memset(&in, 0, sizeof(in));
	in.peer_ip = 0x0a000001;
	in.peer_port = 40000;
	in.local_ip = 0x0a000002;
	in.local_port = 80;
	in.irs = 1000;
	in.iss = 5000;
	in.rcv_nxt = 1004;
	in.snd_nxt = 5001;
	in.mss = 1460;
	in.peer_wscale = 7;
	in.peer_wnd = 65535;
	in.datalen = 3;
	memcpy(in.data, "GET", 3);
	assert_true(synrec_encode(&in, enc, sizeof(enc)) > 0);
	assert_int_equal(handover_parse(enc, &rec, &n, &why), HANDOVER_RECORD);
	assert_int_equal(rec.peer_port, 40000);
	assert_int_equal(rec.rcv_nxt, 1004);
	assert_int_equal(rec.datalen, 3);
	assert_memory_equal(rec.data, "GET", 3);
}

static void
test_parse_garbage_and_broken_records(void **state)
{
	unsigned long n;
	const char *why;

	(void)state;
	why = NULL;
	assert_int_equal(handover_parse("hello", &rec, &n, &why), HANDOVER_BAD);
	assert_non_null(why);
	why = NULL;
	assert_int_equal(handover_parse("", &rec, &n, &why), HANDOVER_BAD);
	assert_non_null(why);
	/* Well-formed, but snd_nxt is not iss + 1. */
	why = NULL;
	assert_int_equal(
	    handover_parse(
		"v=1 peer=10.0.0.1:40000 "
		"local=10.0.0.2:80 irs=1000 iss=5000 rcv_nxt=1001 snd_nxt=5002 "
		"mss=1460 peer_wscale=-1 wscale=0 peer_wnd=100 fin=0 data=",
		&rec, &n, &why),
	    HANDOVER_BAD);
	assert_non_null(why);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_take_waits_for_the_newline),
		cmocka_unit_test(test_take_two_lines_and_an_empty_one),
		cmocka_unit_test(test_take_refuses_a_line_too_long),
		cmocka_unit_test(test_parse_count),
		cmocka_unit_test(test_parse_bad_counts),
		cmocka_unit_test(test_parse_a_record),
		cmocka_unit_test(test_parse_garbage_and_broken_records),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
