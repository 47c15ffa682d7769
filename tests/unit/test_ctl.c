/* test_ctl.c -- ctl.c: request and reply lines of the control protocol */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ctl.h"

static int
parse(const char *line, struct ctl_request *r, char *err)
{
	return ctl_parse_request(line, strlen(line), r, err, 128);
}

static void
test_every_command_parses(void **state)
{
	struct ctl_request r;
	char		   err[128];

	(void)state;
	assert_int_equal(parse("jitsu/1 list", &r, err), 0);
	assert_int_equal(r.cmd, CTL_LIST);
	assert_string_equal(r.arg, "");
	assert_int_equal(parse("jitsu/1 show www.example.org.", &r, err), 0);
	assert_int_equal(r.cmd, CTL_SHOW);
	assert_string_equal(r.arg, "www.example.org.");
	assert_int_equal(parse("jitsu/1  start  www", &r, err), 0);
	assert_int_equal(r.cmd, CTL_START);
	assert_string_equal(r.arg, "www."); /* a name: absolute */
	assert_int_equal(parse("jitsu/1 stop www", &r, err), 0);
	assert_int_equal(r.cmd, CTL_STOP);
	assert_int_equal(parse("jitsu/1 reload", &r, err), 0);
	assert_int_equal(r.cmd, CTL_RELOAD);
	assert_int_equal(parse("jitsu/1 metrics", &r, err), 0);
	assert_int_equal(r.cmd, CTL_METRICS);
	assert_int_equal(parse("jitsu/1 log", &r, err), 0);
	assert_int_equal(r.cmd, CTL_LOG);
	assert_int_equal(parse("jitsu/1 status", &r, err), 0);
	assert_int_equal(r.cmd, CTL_STATUS);
}

static void
assert_refused(const char *line, size_t len, const char *why)
{
	struct ctl_request r;
	char		   err[128];

	assert_int_equal(ctl_parse_request(line, len, &r, err, sizeof(err)),
	    -1);
	assert_string_equal(err, why);
}

static void
test_bad_requests_say_why(void **state)
{
	(void)state;
	assert_refused("GET / HTTP/1.0", 14, "not a jitsu control request");
	assert_refused("jitsu/2 list", 12, "unsupported protocol version");
	assert_refused("jitsu/10 list", 13, "unsupported protocol version");
	assert_refused("jitsu/1 destroy x", 17, "unknown command 'destroy'");
	assert_refused("jitsu/1", 7, "unknown command ''");
	assert_refused("jitsu/1 show", 12, "show needs an argument");
	assert_refused("jitsu/1 list all", 16, "list takes no argument");
	assert_refused("jitsu/1 show a b", 16, "bad argument");
	assert_refused("jitsu/1 show a\tb", 16, "bad argument");
	/* The length given is what counts, not a NUL inside. */
	assert_refused("jitsu/1 show a\0b", 16, "bad argument");
}

static void
test_argument_length_is_bounded(void **state)
{
	struct ctl_request r;
	char		   line[CTL_ARG_MAX + 16], err[128];
	size_t		   n;

	(void)state;
	n = (size_t)snprintf(line, sizeof(line), "jitsu/1 show ");
	memset(line + n, 'a', CTL_ARG_MAX);
	assert_refused(line, n + CTL_ARG_MAX, "bad argument");
	/* The longest name fits with its dot, or without (added). */
	line[n + CTL_ARG_MAX - 2] = '.';
	assert_int_equal(ctl_parse_request(line, n + CTL_ARG_MAX - 1, &r, err,
			     sizeof(err)),
	    0);
	assert_int_equal(strlen(r.arg), CTL_ARG_MAX - 1);
	assert_int_equal(ctl_parse_request(line, n + CTL_ARG_MAX - 2, &r, err,
			     sizeof(err)),
	    0);
	assert_int_equal(r.arg[CTL_ARG_MAX - 2], '.');
	line[n + CTL_ARG_MAX - 2] = 'a';
	assert_refused(line, n + CTL_ARG_MAX - 1, "bad argument");
}

static void
test_format_round_trips(void **state)
{
	struct ctl_request r;
	char		   buf[CTL_LINE_MAX], err[128];

	(void)state;
	assert_int_equal(ctl_format_request(buf, sizeof(buf), "show",
			     "www.example.org."),
	    0);
	assert_string_equal(buf, "jitsu/1 show www.example.org.\n");
	assert_int_equal(ctl_parse_request(buf, strlen(buf) - 1, &r, err,
			     sizeof(err)),
	    0);
	assert_int_equal(r.cmd, CTL_SHOW);
	assert_string_equal(r.arg, "www.example.org.");
	assert_int_equal(ctl_format_request(buf, sizeof(buf), "list", NULL), 0);
	assert_string_equal(buf, "jitsu/1 list\n");
	assert_int_equal(ctl_format_request(buf, sizeof(buf), "list", "x"), -1);
	assert_int_equal(ctl_format_request(buf, sizeof(buf), "stop", NULL),
	    -1);
	assert_int_equal(ctl_format_request(buf, sizeof(buf), "nuke", NULL),
	    -1);
	assert_int_equal(ctl_format_request(buf, sizeof(buf), "show", "a b"),
	    -1);
	assert_int_equal(ctl_format_request(buf, 8, "show", "abc"), -1);
}

static void
test_reply_lines(void **state)
{
	const char *text;

	(void)state;
	assert_int_equal(ctl_parse_reply("data www ready", &text), CTL_R_DATA);
	assert_string_equal(text, "www ready");
	assert_int_equal(ctl_parse_reply("data", &text), CTL_R_DATA);
	assert_string_equal(text, "");
	assert_int_equal(ctl_parse_reply("end ok", &text), CTL_R_OK);
	assert_int_equal(ctl_parse_reply("end error no such name", &text),
	    CTL_R_ERROR);
	assert_string_equal(text, "no such name");
	assert_int_equal(ctl_parse_reply("end", &text), CTL_R_BAD);
	assert_int_equal(ctl_parse_reply("end okay", &text), CTL_R_BAD);
	assert_int_equal(ctl_parse_reply("", &text), CTL_R_BAD);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_command_parses),
		cmocka_unit_test(test_bad_requests_say_why),
		cmocka_unit_test(test_argument_length_is_bounded),
		cmocka_unit_test(test_format_round_trips),
		cmocka_unit_test(test_reply_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
