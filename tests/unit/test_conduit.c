/* test_conduit.c -- conduit.c: names, requests, paths, the rendezvous */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "conduit.h"

/*
 * The rendezvous acts only through its emit callback: each operation is
 * recorded as one line of text, and a test compares the lines one event
 * produced with the ones conduit(7) says it must, paths and permissions
 * included.  The zone is a table: echo.test served by domain 9 (ready),
 * kv.test by a stopped binding, self.test by domain 5 (a client here),
 * and dom0.test by Dom0, which no binding can be.
 */
static char   ops[16384];
static size_t nops;

static const struct {
	const char	   *name;
	enum conduit_target t;
	unsigned	    domid;
} zone[] = {
	{ "echo.test", CONDUIT_TARGET_READY, 9 },
	{ "kv.test", CONDUIT_TARGET_SUMMON, 0 },
	{ "self.test", CONDUIT_TARGET_READY, 5 },
	{ "dom0.test", CONDUIT_TARGET_READY, 0 }, /* a resolver gone wrong */
};

static enum conduit_target
resolve(void *arg, const char *name, unsigned *domid)
{
	size_t i;

	(void)arg;
	for (i = 0; i < sizeof(zone) / sizeof(zone[0]); i++)
		if (strcmp(zone[i].name, name) == 0) {
			*domid = zone[i].domid;
			return zone[i].t;
		}
	return CONDUIT_TARGET_UNKNOWN;
}

static void record(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
record(const char *fmt, ...)
{
	va_list ap;
	size_t	len = strlen(ops);

	va_start(ap, fmt);
	vsnprintf(ops + len, sizeof(ops) - len, fmt, ap);
	va_end(ap);
	nops++;
}

static void
emit(void *arg, const struct conduit_op *op)
{
	char   perms[64] = "";
	size_t i, n = 0;

	(void)arg;
	switch (op->kind) {
	case CONDUIT_OP_WRITE:
	case CONDUIT_OP_PERMS:
		for (i = 0; i < op->nperms; i++)
			n += (size_t)snprintf(perms + n, sizeof(perms) - n,
			    "%s%c%u", i ? "," : "", op->perms[i].perm,
			    op->perms[i].domid);
		if (op->kind == CONDUIT_OP_PERMS)
			record("perms %s %s\n", op->path, perms);
		else
			record("write %s = '%s' %s\n", op->path, op->value,
			    perms);
		break;
	case CONDUIT_OP_RM:
		record("rm %s\n", op->path);
		break;
	case CONDUIT_OP_REPLY:
		record("reply %s %s\n", op->id, op->value);
		break;
	case CONDUIT_OP_SUMMON:
		record("summon %s\n", op->value);
		break;
	case CONDUIT_OP_TIMER:
		record("timer %u %u\n", op->chan, op->ms);
		break;
	case CONDUIT_OP_CANCEL:
		record("cancel %u\n", op->chan);
		break;
	}
}

static struct conduit c;

static int
setup(void **state)
{
	struct conduit_env env = { resolve, emit, NULL };

	(void)state;
	conduit_init(&c, &env);
	ops[0] = '\0';
	nops = 0;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	conduit_free(&c);
	return 0;
}

/* The operations so far must be `want'; then start afresh. */
static void
expect_ops(const char *want)
{
	if (strcmp(ops, want) != 0)
		fail_msg("operations:\n--- expected\n%s--- got\n%s", want, ops);
	ops[0] = '\0';
	nops = 0;
}

/* Forget the operations so far: a test's set-up, checked elsewhere. */
static void
drop_ops(void)
{
	ops[0] = '\0';
	nops = 0;
}

static int
request(unsigned client, const char *id, const char *value)
{
	return conduit_request(&c, client, id, value,
	    value ? strlen(value) : 0);
}

#define MAILBOX(d)                                                \
	"write /jitsu/conduit/dom/" #d " = '' n0,r" #d "\n"       \
	"write /jitsu/conduit/dom/" #d "/reply = '' n0,r" #d "\n" \
	"write /jitsu/conduit/dom/" #d "/accept = '' n0,r" #d "\n"

/* --- names, values, ids, paths --------------------------------------- */

static void
test_names_follow_the_letter_digit_hyphen_rule(void **state)
{
	static const struct {
		const char *in, *out;
	} t[] = {
		{ "echo.test", "echo.test" },
		{ "Echo.TEST.", "echo.test" },
		{ "a", "a" },
		{ "x-1.y2", "x-1.y2" },
		{ "0.9", "0.9" },
		{ "", NULL },
		{ ".", NULL },
		{ "..", NULL },
		{ "a..b", NULL },
		{ ".a", NULL },
		{ "a.b..", NULL },
		{ "-a", NULL },
		{ "a-", NULL },
		{ "a-.b", NULL },
		{ "a.-b", NULL },
		{ "under_score", NULL },
		{ "sp ace", NULL },
		{ "caf\xc3\xa9", NULL },
		{ "a/b", NULL },
		{ "*.test", NULL },
	};
	char   out[CONDUIT_NAME_MAX + 1];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int r = conduit_name(t[i].in, strlen(t[i].in), out);

		if (t[i].out == NULL && r != -1)
			fail_msg("'%s' taken as '%s'", t[i].in, out);
		if (t[i].out != NULL && (r != 0 || strcmp(out, t[i].out) != 0))
			fail_msg("'%s': want '%s'", t[i].in, t[i].out);
	}
	/* A NUL inside is a byte like any other: refused, not an end. */
	assert_int_equal(conduit_name("ab\0c", 4, out), -1);
}

static void
test_name_limits_are_63_per_label_and_253_in_all(void **state)
{
	char in[300], out[CONDUIT_NAME_MAX + 1];

	(void)state;
	memset(in, 'a', 63);
	assert_int_equal(conduit_name(in, 63, out), 0);
	memset(in, 'a', 64);
	assert_int_equal(conduit_name(in, 64, out), -1);
	/* 63.63.63.61 = 253 characters, with and without the final dot */
	snprintf(in, sizeof(in), "%063d.%063d.%063d.%061d.", 1, 2, 3, 4);
	assert_int_equal(conduit_name(in, 254, out), 0);
	assert_int_equal(strlen(out), 253);
	assert_int_equal(conduit_name(in, 253, out), 0);
	snprintf(in, sizeof(in), "%063d.%063d.%063d.%062d", 1, 2, 3, 4);
	assert_int_equal(conduit_name(in, 254, out), -1);
}

static void
test_request_values_are_connect_and_a_name_exactly(void **state)
{
	static const char *const bad[] = { "", "connect", "connect ",
		"CONNECT echo.test", "connect  echo.test", "connect echo.test ",
		"connect echo.test\n", "connectecho.test", "listen echo.test",
		" connect echo.test", "connect echo..test" };
	char			 out[CONDUIT_NAME_MAX + 1], v[400];
	size_t			 i;

	(void)state;
	assert_int_equal(conduit_parse_request("connect Echo.test.", 18, out),
	    0);
	assert_string_equal(out, "echo.test");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (conduit_parse_request(bad[i], strlen(bad[i]), out) != -1)
			fail_msg("'%s' taken", bad[i]);
	assert_int_equal(conduit_parse_request("connect a\0b", 11, out), -1);
	/* The longest: 262 bytes; one more is refused before parsing. */
	snprintf(v, sizeof(v), "connect %063d.%063d.%063d.%061d.", 1, 2, 3, 4);
	assert_int_equal(strlen(v), CONDUIT_REQUEST_MAX);
	assert_int_equal(conduit_parse_request(v, strlen(v), out), 0);
	snprintf(v, sizeof(v), "connect %063d.%063d.%063d.%061d..", 1, 2, 3, 4);
	assert_int_equal(conduit_parse_request(v, strlen(v), out), -1);
	/* Not NUL-terminated: only len bytes are read. */
	assert_int_equal(conduit_parse_request("connect ab!", 10, out), 0);
	assert_string_equal(out, "ab");
}

static void
test_ids_are_up_to_16_of_lower_case_digits_dash_underscore(void **state)
{
	(void)state;
	assert_true(conduit_id_valid("a", 1));
	assert_true(conduit_id_valid("0-_z9", 5));
	assert_true(conduit_id_valid("abcdefghijklmnop", 16));
	assert_false(conduit_id_valid("abcdefghijklmnopq", 17));
	assert_false(conduit_id_valid("", 0));
	assert_false(conduit_id_valid("A", 1));
	assert_false(conduit_id_valid("a.b", 3));
	assert_false(conduit_id_valid("a/b", 3));
	assert_false(conduit_id_valid("a@", 2));
}

static void
test_watch_paths_are_classified(void **state)
{
	static const struct {
		const char	      *path;
		enum conduit_path_kind kind;
		unsigned	       domid;
		const char	      *id;
		uint32_t	       chan;
	} t[] = {
		{ "/local/domain/5/data/conduit", CONDUIT_PATH_REQDIR, 5, "",
		    0 },
		{ "/local/domain/5/data/conduit/a1", CONDUIT_PATH_REQUEST, 5,
		    "a1", 0 },
		{ "/local/domain/32751/data/conduit/x", CONDUIT_PATH_REQUEST,
		    32751, "x", 0 },
		{ "/local/domain/5/data/conduit/A", CONDUIT_PATH_BADID, 5, "",
		    0 },
		{ "/local/domain/5/data/conduit/abcdefghijklmnopq",
		    CONDUIT_PATH_BADID, 5, "", 0 },
		{ "/local/domain/5/data/conduit/", CONDUIT_PATH_BADID, 5, "",
		    0 },
		{ "/local/domain/5/data/conduit/a/b", CONDUIT_PATH_OTHER, 0, "",
		    0 },
		{ "/local/domain/5/data/conduitx", CONDUIT_PATH_OTHER, 0, "",
		    0 },
		{ "/local/domain/5/data", CONDUIT_PATH_OTHER, 0, "", 0 },
		{ "/local/domain/0/data/conduit/a", CONDUIT_PATH_OTHER, 0, "",
		    0 },
		{ "/local/domain/05/data/conduit/a", CONDUIT_PATH_OTHER, 0, "",
		    0 },
		{ "/local/domain/32752/data/conduit/a", CONDUIT_PATH_OTHER, 0,
		    "", 0 },
		{ "/local/domain/99999999999/data/conduit/a",
		    CONDUIT_PATH_OTHER, 0, "", 0 },
		{ "/local/domain//data/conduit/a", CONDUIT_PATH_OTHER, 0, "",
		    0 },
		{ "/local/domain/5x/data/conduit/a", CONDUIT_PATH_OTHER, 0, "",
		    0 },
		{ "/jitsu/conduit/chan/7", CONDUIT_PATH_CHAN, 0, "", 7 },
		{ "/jitsu/conduit/chan/7/ring-ref", CONDUIT_PATH_CHAN, 0, "",
		    7 },
		{ "/jitsu/conduit/chan/4294967295", CONDUIT_PATH_CHAN, 0, "",
		    4294967295U },
		{ "/jitsu/conduit/chan/4294967296", CONDUIT_PATH_OTHER, 0, "",
		    0 },
		{ "/jitsu/conduit/chan/0", CONDUIT_PATH_OTHER, 0, "", 0 },
		{ "/jitsu/conduit/chan/", CONDUIT_PATH_OTHER, 0, "", 0 },
		{ "/jitsu/conduit/chan", CONDUIT_PATH_OTHER, 0, "", 0 },
		{ "/jitsu/conduit/dom/5/reply/a", CONDUIT_PATH_OTHER, 0, "",
		    0 },
		{ "@releaseDomain", CONDUIT_PATH_OTHER, 0, "", 0 },
		{ "", CONDUIT_PATH_OTHER, 0, "", 0 },
	};
	struct conduit_path p;
	size_t		    i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		enum conduit_path_kind k = conduit_parse_path(t[i].path,
		    strlen(t[i].path), &p);

		if (k != t[i].kind ||
		    (k != CONDUIT_PATH_OTHER &&
			(p.domid != t[i].domid || strcmp(p.id, t[i].id) != 0 ||
			    p.chan != t[i].chan)))
			fail_msg("%s: kind %d domid %u id '%s' chan %u",
			    t[i].path, k, p.domid, p.id, p.chan);
	}
	/* Only len bytes: a longer buffer's rest is not read. */
	assert_int_equal(conduit_parse_path("/jitsu/conduit/chan/12", 21, &p),
	    CONDUIT_PATH_CHAN);
	assert_int_equal(p.chan, 1);
}

static void
test_refusal_names_are_the_man_pages_words(void **state)
{
	(void)state;
	assert_string_equal(conduit_refusal_name(CONDUIT_MALFORMED),
	    "malformed");
	assert_string_equal(conduit_refusal_name(CONDUIT_UNKNOWN), "unknown");
	assert_string_equal(conduit_refusal_name(CONDUIT_SELF), "self");
	assert_string_equal(conduit_refusal_name(CONDUIT_LIMIT), "limit");
	assert_string_equal(conduit_refusal_name(CONDUIT_UNAVAILABLE),
	    "unavailable");
	assert_string_equal(conduit_refusal_name(CONDUIT_TIMEOUT), "timeout");
	assert_string_equal(conduit_refusal_name(CONDUIT_REFUSED), "refused");
}

/* --- the rendezvous -------------------------------------------------- */

static void
test_start_makes_the_folder_anew_private_to_dom0(void **state)
{
	(void)state;
	conduit_start(&c);
	expect_ops("rm /jitsu/conduit\n"
		   "write /jitsu = '' n0\n"
		   "write /jitsu/conduit = '' n0\n"
		   "write /jitsu/conduit/chan = '' n0\n"
		   "write /jitsu/conduit/dom = '' n0\n");
}

/*
 * The whole exchange of conduit(7) with a running server: the path is
 * made (server b, client r, nobody else) before the offer names it; the
 * client's "ok" waits for both ring nodes; removing the request removes
 * the path, the offer and the reply.
 */
static void
test_a_request_to_a_ready_server_is_offered_then_answered(void **state)
{
	size_t pending;

	(void)state;
	assert_int_equal(request(5, "a", "connect Echo.test"), 0);
	expect_ops("write /jitsu/conduit/chan/1 = '' n0,b9,r5\n" MAILBOX(
	    9) "write /jitsu/conduit/dom/9/accept/1 = "
	       "'5 echo.test /jitsu/conduit/chan/1' n0,r9\n"
	       "timer 1 10000\n");
	assert_int_equal(conduit_count(&c, 5, &pending), 1);
	assert_int_equal(pending, 1);
	conduit_chan(&c, 1, 1, 0, 0); /* our own write, seen */
	conduit_chan(&c, 1, 1, 1, 0); /* ring-ref alone */
	expect_ops("");
	conduit_chan(&c, 1, 1, 1, 1);
	/* The server's keys are its own, the client reads them. */
	expect_ops("cancel 1\n"
		   "perms /jitsu/conduit/chan/1/ring-ref n9,r5\n"
		   "perms /jitsu/conduit/chan/1/event-channel n9,r5\n" MAILBOX(
		       5) "write /jitsu/conduit/dom/5/reply/a = "
			  "'ok 9 /jitsu/conduit/chan/1' n0,r5\n");
	assert_int_equal(conduit_count(&c, 5, &pending), 1);
	assert_int_equal(pending, 0);
	conduit_chan(&c, 1, 1, 1, 1); /* again: nothing more */
	conduit_timeout(&c, 1);	      /* a late timer: nothing */
	expect_ops("");
	assert_int_equal(request(5, "a", NULL), 1);
	expect_ops("rm /jitsu/conduit/chan/1\n"
		   "rm /jitsu/conduit/dom/9/accept/1\n"
		   "rm /jitsu/conduit/dom/5/reply/a\n");
	assert_int_equal(conduit_count(&c, -1, &pending), 0);
	conduit_chan(&c, 1, 0, 0, 0); /* our removal, seen: nothing */
	expect_ops("");
}

/* XenStore fires more often than values change. */
static void
test_the_same_value_again_is_nothing_a_new_one_a_new_request(void **state)
{
	(void)state;
	request(5, "a", "connect echo.test");
	conduit_chan(&c, 1, 1, 1, 1);
	expect_ops("write /jitsu/conduit/chan/1 = '' n0,b9,r5\n" MAILBOX(
	    9) "write /jitsu/conduit/dom/9/accept/1 = "
	       "'5 echo.test /jitsu/conduit/chan/1' n0,r9\n"
	       "timer 1 10000\n"
	       "cancel 1\n"
	       "perms /jitsu/conduit/chan/1/ring-ref n9,r5\n"
	       "perms /jitsu/conduit/chan/1/event-channel n9,r5\n" MAILBOX(
		   5) "write /jitsu/conduit/dom/5/reply/a = "
		      "'ok 9 /jitsu/conduit/chan/1' n0,r5\n");
	assert_int_equal(request(5, "a", "connect echo.test"), 0);
	expect_ops("");
	assert_int_equal(request(5, "a", "connect nope.test"), 1);
	expect_ops("rm /jitsu/conduit/chan/1\n"
		   "rm /jitsu/conduit/dom/9/accept/1\n"
		   "rm /jitsu/conduit/dom/5/reply/a\n"
		   "write /jitsu/conduit/dom/5/reply/a = 'error unknown' "
		   "n0,r5\n");
	/* Changed while open to a name that pends: the old "ok" goes. */
	request(5, "b", "connect echo.test");
	conduit_chan(&c, 2, 1, 1, 1);
	drop_ops();
	assert_int_equal(request(5, "b", "connect kv.test"), 0);
	expect_ops("rm /jitsu/conduit/chan/2\n"
		   "rm /jitsu/conduit/dom/9/accept/2\n"
		   "rm /jitsu/conduit/dom/5/reply/b\n"
		   "summon kv.test\n");
}

static void
test_refusals_are_written_back_and_not_held(void **state)
{
	char   big[600];
	size_t pending;

	(void)state;
	assert_int_equal(request(5, "m", "connect bad..name"), 1);
	expect_ops(MAILBOX(5) "write /jitsu/conduit/dom/5/reply/m = "
			      "'error malformed' n0,r5\n");
	assert_int_equal(request(5, "u", "connect nope.test"), 1);
	assert_int_equal(request(5, "s", "connect self.test"), 1);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(request(5, "b", big), 1);
	expect_ops("write /jitsu/conduit/dom/5/reply/u = 'error unknown' "
		   "n0,r5\n"
		   "write /jitsu/conduit/dom/5/reply/s = 'error self' n0,r5\n"
		   "write /jitsu/conduit/dom/5/reply/b = 'error malformed' "
		   "n0,r5\n");
	assert_int_equal(conduit_count(&c, -1, &pending), 0);
	/* Its removal removes the reply, held or not. */
	assert_int_equal(request(5, "m", NULL), 1);
	expect_ops("rm /jitsu/conduit/dom/5/reply/m\n");
}

static void
test_ids_that_are_not_ids_are_ignored(void **state)
{
	(void)state;
	assert_int_equal(request(5, "Bad", "connect echo.test"), -1);
	assert_int_equal(request(5, "", "connect echo.test"), -1);
	assert_int_equal(request(5, "../../x", NULL), -1);
	assert_int_equal(request(32752, "a", "connect echo.test"), -1);
	conduit_stale(&c, 5, "a/b");
	conduit_stale(&c, 0, "a");
	expect_ops("");
}

/* 8 pending per client; then 64 held in all; other clients unaffected. */
static void
test_limits_refuse_with_limit(void **state)
{
	char   id[8];
	size_t i, pending;

	(void)state;
	for (i = 0; i < CONDUIT_PENDING_MAX; i++) {
		snprintf(id, sizeof(id), "p%zu", i);
		assert_int_equal(request(5, id, "connect echo.test"), 0);
	}
	drop_ops();
	assert_int_equal(request(5, "over", "connect echo.test"), 1);
	expect_ops(MAILBOX(5) "write /jitsu/conduit/dom/5/reply/over = "
			      "'error limit' n0,r5\n");
	assert_int_equal(request(6, "q", "connect echo.test"), 0);
	/* Opened, they no longer pend: up to 64 held. */
	for (i = 1; i <= CONDUIT_PENDING_MAX; i++)
		conduit_chan(&c, (uint32_t)i, 1, 1, 1);
	for (i = CONDUIT_PENDING_MAX; i < CONDUIT_LIVE_MAX; i++) {
		snprintf(id, sizeof(id), "p%zu", i);
		assert_int_equal(request(5, id, "connect echo.test"), 0);
		conduit_chan(&c, (uint32_t)i + 2, 1, 1, 1);
	}
	assert_int_equal(conduit_count(&c, 5, &pending), CONDUIT_LIVE_MAX);
	assert_int_equal(pending, 0);
	drop_ops();
	assert_int_equal(request(5, "over", "connect echo.test"), 1);
	expect_ops("write /jitsu/conduit/dom/5/reply/over = 'error limit' "
		   "n0,r5\n");
}

/* Two clients ask for a stopped name: one summon, then both offered. */
static void
test_a_stopped_server_is_summoned_once_then_offered(void **state)
{
	(void)state;
	assert_int_equal(request(5, "a", "connect kv.test"), 0);
	assert_int_equal(request(6, "b", "connect kv.test."), 0);
	expect_ops("summon kv.test\n");
	conduit_server_up(&c, "echo.test", 9); /* another name: nothing */
	expect_ops("");
	conduit_server_up(&c, "kv.test", 12);
	expect_ops("write /jitsu/conduit/chan/1 = '' n0,b12,r5\n" MAILBOX(
	    12) "write /jitsu/conduit/dom/12/accept/1 = "
		"'5 kv.test /jitsu/conduit/chan/1' n0,r12\n"
		"timer 1 10000\n"
		"write /jitsu/conduit/chan/2 = '' n0,b12,r6\n"
		"write /jitsu/conduit/dom/12/accept/2 = "
		"'6 kv.test /jitsu/conduit/chan/2' n0,r12\n"
		"timer 2 10000\n");
}

/* Only a domU serves: a server said to be Dom0 or reserved is refused. */
static void
test_a_server_that_is_not_a_domu_is_unavailable(void **state)
{
	size_t pending;

	(void)state;
	assert_int_equal(request(5, "a", "connect dom0.test"), 1);
	expect_ops(MAILBOX(5) "write /jitsu/conduit/dom/5/reply/a = "
			      "'error unavailable' n0,r5\n");
	request(5, "b", "connect kv.test");
	request(6, "c", "connect kv.test");
	drop_ops();
	conduit_server_up(&c, "kv.test", 32752);
	expect_ops("write /jitsu/conduit/dom/5/reply/b = 'error unavailable' "
		   "n0,r5\n" MAILBOX(6) "write /jitsu/conduit/dom/6/reply/c = "
					"'error unavailable' n0,r6\n");
	assert_int_equal(conduit_count(&c, -1, &pending), 0);
}

static void
test_a_failed_summon_refuses_every_request_for_it(void **state)
{
	size_t pending;

	(void)state;
	request(5, "a", "connect kv.test");
	request(6, "b", "connect kv.test");
	expect_ops("summon kv.test\n");
	conduit_server_failed(&c, "kv.test");
	expect_ops(MAILBOX(5) "write /jitsu/conduit/dom/5/reply/a = "
			      "'error unavailable' n0,r5\n" MAILBOX(
				  6) "write /jitsu/conduit/dom/6/reply/b = "
				     "'error unavailable' n0,r6\n");
	assert_int_equal(conduit_count(&c, -1, &pending), 0);
}

static void
test_a_server_that_never_publishes_its_ring_times_out(void **state)
{
	(void)state;
	request(5, "a", "connect echo.test");
	drop_ops();
	conduit_timeout(&c, 2); /* not ours */
	expect_ops("");
	conduit_timeout(&c, 1);
	expect_ops(
	    "cancel 1\n"
	    "rm /jitsu/conduit/chan/1\n"
	    "rm /jitsu/conduit/dom/9/accept/1\n" MAILBOX(
		5) "write /jitsu/conduit/dom/5/reply/a = 'error timeout' "
		   "n0,r5\n");
	assert_int_equal(request(5, "a", NULL), 1);
	expect_ops("rm /jitsu/conduit/dom/5/reply/a\n");
}

/* The server removes the path: before its ring a refusal, after it the
 * end of the channel. */
static void
test_the_server_removing_the_path_refuses_or_closes(void **state)
{
	(void)state;
	request(5, "a", "connect echo.test");
	request(5, "b", "connect echo.test");
	conduit_chan(&c, 2, 1, 1, 1);
	drop_ops();
	conduit_chan(&c, 1, 0, 0, 0);
	expect_ops("cancel 1\n"
		   "rm /jitsu/conduit/chan/1\n"
		   "rm /jitsu/conduit/dom/9/accept/1\n"
		   "write /jitsu/conduit/dom/5/reply/a = 'error refused' "
		   "n0,r5\n");
	conduit_chan(&c, 2, 0, 0, 0);
	expect_ops("rm /jitsu/conduit/dom/9/accept/2\n"
		   "write /jitsu/conduit/dom/5/reply/b = 'closed' n0,r5\n");
	assert_int_equal(request(5, "b", NULL), 1);
	expect_ops("rm /jitsu/conduit/dom/5/reply/b\n");
}

static void
test_a_server_going_ends_its_channels_and_mailbox(void **state)
{
	size_t pending;

	(void)state;
	request(5, "a", "connect echo.test");
	request(6, "b", "connect echo.test");
	request(7, "c", "connect kv.test");
	conduit_chan(&c, 1, 1, 1, 1);
	drop_ops();
	conduit_domain_gone(&c, 9);
	expect_ops(
	    "rm /jitsu/conduit/chan/1\n"
	    "write /jitsu/conduit/dom/5/reply/a = 'closed' n0,r5\n"
	    "cancel 2\n"
	    "rm /jitsu/conduit/chan/2\n" MAILBOX(
		6) "write /jitsu/conduit/dom/6/reply/b = 'error unavailable' "
		   "n0,r6\n"
		   "rm /jitsu/conduit/dom/9\n");
	assert_int_equal(conduit_count(&c, -1, &pending), 1); /* kv's */
	/* A later offer to a new domain 9 makes its mailbox again. */
	request(5, "d", "connect echo.test");
	expect_ops("write /jitsu/conduit/chan/3 = '' n0,b9,r5\n" MAILBOX(
	    9) "write /jitsu/conduit/dom/9/accept/3 = "
	       "'5 echo.test /jitsu/conduit/chan/3' n0,r9\n"
	       "timer 3 10000\n");
}

static void
test_a_client_going_ends_its_requests_and_mailbox(void **state)
{
	size_t pending;

	(void)state;
	request(5, "a", "connect echo.test");
	request(5, "b", "connect kv.test");
	request(6, "c", "connect echo.test");
	conduit_chan(&c, 1, 1, 1, 1);
	drop_ops();
	conduit_domain_gone(&c, 5);
	expect_ops("rm /jitsu/conduit/chan/1\n"
		   "rm /jitsu/conduit/dom/9/accept/1\n"
		   "rm /jitsu/conduit/dom/5\n");
	assert_int_equal(conduit_count(&c, -1, &pending), 1);
	assert_int_equal(conduit_count(&c, 6, &pending), 1);
	/* kv.test comes up: the request that summoned it went with 5. */
	conduit_server_up(&c, "kv.test", 12);
	expect_ops("");
	conduit_domain_gone(&c, 0); /* Dom0 never goes */
	expect_ops("");
}

/* A Dom0 client: the path has no entry for it, answers go by REPLY. */
static void
test_a_dom0_client_is_answered_on_its_connection(void **state)
{
	(void)state;
	assert_int_equal(request(0, "ctl-3", "connect echo.test"), 0);
	expect_ops("write /jitsu/conduit/chan/1 = '' n0,b9\n" MAILBOX(
	    9) "write /jitsu/conduit/dom/9/accept/1 = "
	       "'0 echo.test /jitsu/conduit/chan/1' n0,r9\n"
	       "timer 1 10000\n");
	conduit_chan(&c, 1, 1, 1, 1);
	expect_ops("cancel 1\n"
		   "reply ctl-3 ok 9 /jitsu/conduit/chan/1\n");
	conduit_chan(&c, 1, 0, 0, 0);
	expect_ops("rm /jitsu/conduit/dom/9/accept/1\n"
		   "reply ctl-3 closed\n");
	assert_int_equal(request(0, "ctl-4", "connect nope.test"), 1);
	expect_ops("reply ctl-4 error unknown\n");
	assert_int_equal(request(0, "ctl-4", NULL), 1);
	expect_ops("");
}

static void
test_requests_found_at_start_are_closed(void **state)
{
	size_t pending;

	(void)state;
	conduit_stale(&c, 5, "a");
	expect_ops(MAILBOX(5) "write /jitsu/conduit/dom/5/reply/a = "
			      "'closed' n0,r5\n");
	assert_int_equal(conduit_count(&c, -1, &pending), 0);
}

/* The folder's own event: what is gone from it is ended or removed. */
static void
test_a_request_folder_event_ends_what_is_gone(void **state)
{
	static const char *const ids[] = { "b" };
	static const char *const replies[] = { "a", "b", "x", "Bad" };

	(void)state;
	request(5, "a", "connect echo.test");
	request(5, "b", "connect echo.test");
	request(6, "a", "connect echo.test");
	drop_ops();
	conduit_request_dir(&c, 5, ids, 1, replies, 4);
	expect_ops("cancel 1\n"
		   "rm /jitsu/conduit/chan/1\n"
		   "rm /jitsu/conduit/dom/9/accept/1\n"
		   "rm /jitsu/conduit/dom/5/reply/a\n"
		   "rm /jitsu/conduit/dom/5/reply/x\n");
	conduit_request_dir(&c, 5, NULL, 0, NULL, 0);
	expect_ops("cancel 2\n"
		   "rm /jitsu/conduit/chan/2\n"
		   "rm /jitsu/conduit/dom/9/accept/2\n");
}

/* Channel numbers wrap past 2^32-1 to 1, skipping those held. */
static void
test_channel_numbers_wrap_and_skip_those_in_use(void **state)
{
	(void)state;
	request(5, "a", "connect echo.test"); /* 1 */
	c.next_chan = UINT32_MAX - 1;
	request(5, "b", "connect echo.test"); /* 4294967295 */
	request(5, "c", "connect echo.test"); /* 0 and 1 skipped: 2 */
	drop_ops();
	conduit_chan(&c, UINT32_MAX, 1, 1, 1);
	conduit_chan(&c, 2, 1, 1, 1);
	expect_ops(
	    "cancel 4294967295\n"
	    "perms /jitsu/conduit/chan/4294967295/ring-ref n9,r5\n"
	    "perms /jitsu/conduit/chan/4294967295/event-channel n9,r5\n" MAILBOX(
		5) "write /jitsu/conduit/dom/5/reply/b = "
		   "'ok 9 /jitsu/conduit/chan/4294967295' n0,r5\n"
		   "cancel 2\n"
		   "perms /jitsu/conduit/chan/2/ring-ref n9,r5\n"
		   "perms /jitsu/conduit/chan/2/event-channel n9,r5\n"
		   "write /jitsu/conduit/dom/5/reply/c = "
		   "'ok 9 /jitsu/conduit/chan/2' n0,r5\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_names_follow_the_letter_digit_hyphen_rule),
		cmocka_unit_test(
		    test_name_limits_are_63_per_label_and_253_in_all),
		cmocka_unit_test(
		    test_request_values_are_connect_and_a_name_exactly),
		cmocka_unit_test(
		    test_ids_are_up_to_16_of_lower_case_digits_dash_underscore),
		cmocka_unit_test(test_watch_paths_are_classified),
		cmocka_unit_test(test_refusal_names_are_the_man_pages_words),
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_start_makes_the_folder_anew_private_to_dom0),
		T(test_a_request_to_a_ready_server_is_offered_then_answered),
		T(test_the_same_value_again_is_nothing_a_new_one_a_new_request),
		T(test_refusals_are_written_back_and_not_held),
		T(test_ids_that_are_not_ids_are_ignored),
		T(test_limits_refuse_with_limit),
		T(test_a_stopped_server_is_summoned_once_then_offered),
		T(test_a_server_that_is_not_a_domu_is_unavailable),
		T(test_a_failed_summon_refuses_every_request_for_it),
		T(test_a_server_that_never_publishes_its_ring_times_out),
		T(test_the_server_removing_the_path_refuses_or_closes),
		T(test_a_server_going_ends_its_channels_and_mailbox),
		T(test_a_client_going_ends_its_requests_and_mailbox),
		T(test_a_dom0_client_is_answered_on_its_connection),
		T(test_requests_found_at_start_are_closed),
		T(test_a_request_folder_event_ends_what_is_gone),
		T(test_channel_numbers_wrap_and_skip_those_in_use),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
