/* test_conduit.c -- conduit(7)'s names, offers and replies, parsed */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "libuk.h"
#include "conduit.h"

/* A name of n bytes: labels of 63 'a's separated by dots, cut at n. */
static void
long_name(char *buf, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		buf[i] = i % 64 == 63 ? '.' : 'a';
	buf[n] = '\0';
}

static void
test_name_canonical(void **state)
{
	char out[CONDUIT_NAME_MAX + 1];

	(void)state;
	assert_int_equal(conduit_name("Echo.Test", out), 0);
	assert_string_equal(out, "echo.test");
	assert_int_equal(conduit_name("echo.test.", out), 0);
	assert_string_equal(out, "echo.test");
	assert_int_equal(conduit_name("a-1.b2", out), 0);
	assert_string_equal(out, "a-1.b2");
	assert_int_equal(conduit_name("x", out), 0);
}

static void
test_name_malformed(void **state)
{
	char out[CONDUIT_NAME_MAX + 1];
	static const char *bad[] = { "", ".", "a..b", ".a", "a.b..", "-a.b",
		"a-.b", "a_b", "a b", "a/b", "a.b\n", "\xc3\xa9t\xc3\xa9" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(out, 'z', sizeof(out));
		assert_int_equal(conduit_name(bad[i], out), -UK_EINVAL);
	}
}

static void
test_name_lengths(void **state)
{
	char name[300], out[CONDUIT_NAME_MAX + 1];

	(void)state;
	/* A label of 63 is fine, 64 is not. */
	memset(name, 'a', 64);
	name[63] = '\0';
	assert_int_equal(conduit_name(name, out), 0);
	name[63] = 'a';
	name[64] = '\0';
	assert_int_equal(conduit_name(name, out), -UK_EINVAL);
	/* 253 without the final dot, 254 with it; one more fails. */
	long_name(name, 253);
	assert_int_equal(conduit_name(name, out), 0);
	assert_int_equal(strlen(out), 253);
	name[253] = '.';
	name[254] = '\0';
	assert_int_equal(conduit_name(name, out), 0);
	long_name(name, 254);
	assert_int_equal(conduit_name(name, out), -UK_EINVAL);
	long_name(name, 299);
	assert_int_equal(conduit_name(name, out), -UK_EINVAL);
}

static void
test_domid_and_chan(void **state)
{
	unsigned int d;
	uint32_t p;

	(void)state;
	assert_int_equal(conduit_domid("0", 1, &d), 0);
	assert_int_equal(d, 0);
	assert_int_equal(conduit_domid("32751", 5, &d), 0);
	assert_int_equal(d, 32751);
	assert_int_equal(conduit_domid("32752", 5, &d), -UK_EINVAL);
	assert_int_equal(conduit_domid("07", 2, &d), -UK_EINVAL);
	assert_int_equal(conduit_domid("", 0, &d), -UK_EINVAL);
	assert_int_equal(conduit_domid("-1", 2, &d), -UK_EINVAL);
	assert_int_equal(conduit_domid("99999999999", 11, &d), -UK_EINVAL);
	assert_int_equal(conduit_chan("1", &p), 0);
	assert_int_equal(p, 1);
	assert_int_equal(conduit_chan("4294967295", &p), 0);
	assert_int_equal(p, 4294967295u);
	assert_int_equal(conduit_chan("4294967296", &p), -UK_EINVAL);
	assert_int_equal(conduit_chan("0", &p), -UK_EINVAL);
	assert_int_equal(conduit_chan("01", &p), -UK_EINVAL);
	assert_int_equal(conduit_chan("1a", &p), -UK_EINVAL);
	assert_int_equal(conduit_chan(" 1", &p), -UK_EINVAL);
	assert_int_equal(conduit_chan("", &p), -UK_EINVAL);
}

static void
test_offer_parsed(void **state)
{
	struct conduit_offer o;

	(void)state;
	assert_int_equal(
	    conduit_offer_parse("7 Echo.Test /jitsu/conduit/chan/12", &o), 0);
	assert_int_equal(o.client, 7);
	assert_string_equal(o.name, "echo.test");
	assert_string_equal(o.path, "/jitsu/conduit/chan/12");
	assert_int_equal(conduit_offer_parse("0 a /x", &o), 0);
	assert_int_equal(o.client, 0);
}

static void
test_offer_malformed(void **state)
{
	struct conduit_offer o;
	char longpath[200];
	static const char *bad[] = {
		"",
		"7",
		"7 echo.test",
		"7 echo.test /p extra",
		"7  echo.test /p",
		" 7 echo.test /p",
		"7 echo.test /p ",
		"07 echo.test /p",
		"x echo.test /p",
		"40000 echo.test /p",
		"7 echo..test /p",
		"7 echo.test p",
		"7 echo.test /",
		"7 echo.test /a//b",
		"7 echo.test /a/",
		"7 echo.test /a\tb",
		"7 echo.test /a\nb",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(conduit_offer_parse(bad[i], &o), -UK_EINVAL);
	/* The path must fit the vchan's limit. */
	strlcpy(longpath, "7 a /", sizeof(longpath));
	memset(longpath + 5, 'p', CONDUIT_PATH_MAX - 1);
	longpath[5 + CONDUIT_PATH_MAX - 1] = '\0';
	assert_int_equal(conduit_offer_parse(longpath, &o), -UK_EINVAL);
	longpath[5 + CONDUIT_PATH_MAX - 2] = '\0';
	assert_int_equal(conduit_offer_parse(longpath, &o), 0);
}

static void
test_reply_ok_closed(void **state)
{
	struct conduit_reply r;

	(void)state;
	assert_int_equal(conduit_reply_parse("ok 9 /jitsu/conduit/chan/3", &r),
	    0);
	assert_int_equal(r.kind, CONDUIT_OK);
	assert_int_equal(r.server, 9);
	assert_string_equal(r.path, "/jitsu/conduit/chan/3");
	assert_int_equal(conduit_reply_parse("closed", &r), 0);
	assert_int_equal(r.kind, CONDUIT_CLOSED);
}

/* The table documented at uk_conduit_connect, word by word. */
static void
test_reply_errors_mapped(void **state)
{
	static const struct {
		const char *v;
		int err;
	} t[] = {
		{ "error malformed", -UK_EINVAL },
		{ "error unknown", -UK_ENOENT },
		{ "error self", -UK_ELOOP },
		{ "error limit", -UK_EDQUOT },
		{ "error unavailable", -UK_EHOSTUNREACH },
		{ "error timeout", -UK_ETIMEDOUT },
		{ "error refused", -UK_ECONNREFUSED },
		{ "error shrugged", -UK_EPROTO },
	};
	struct conduit_reply r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(conduit_reply_parse(t[i].v, &r), 0);
		assert_int_equal(r.kind, CONDUIT_ERROR);
		assert_int_equal(r.error, t[i].err);
	}
}

static void
test_reply_malformed(void **state)
{
	struct conduit_reply r;
	static const char *bad[] = { "", "ok", "ok 9", "ok 9 /p x", "ok 09 /p",
		"ok 9 p", "ok  9 /p", "OK 9 /p", "closed ", "closed x",
		"Closed", "error", "error ", "error Refused", "error re fused",
		"error 1", "ok 9 /p\n", "okay 9 /p" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(conduit_reply_parse(bad[i], &r), -UK_EINVAL);
}

static void
test_request_ids(void **state)
{
	(void)state;
	assert_true(conduit_id_ok("u1"));
	assert_true(conduit_id_ok("a-b_c0123456789z"));
	assert_false(conduit_id_ok("a-b_c0123456789zz"));
	assert_false(conduit_id_ok(""));
	assert_false(conduit_id_ok("U1"));
	assert_false(conduit_id_ok("a.b"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_canonical),
		cmocka_unit_test(test_name_malformed),
		cmocka_unit_test(test_name_lengths),
		cmocka_unit_test(test_domid_and_chan),
		cmocka_unit_test(test_offer_parsed),
		cmocka_unit_test(test_offer_malformed),
		cmocka_unit_test(test_reply_ok_closed),
		cmocka_unit_test(test_reply_errors_mapped),
		cmocka_unit_test(test_reply_malformed),
		cmocka_unit_test(test_request_ids),
	};

	return cmocka_run_group_tests_name("conduit", tests, NULL, NULL);
}
