/* test_handover.c -- handover.c's states and deadlines, with a fake
 * stand-in and a fake transport */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <event2/event.h>

#include "jitsud.h"
#include "log.h"
#include "synjitsu.h"
#include "testutil.h"

/*
 * Both fakes record what they are asked in calls[]: "claim", "release",
 * "pass(IFNAME)" ("-": none), "send(N)", "close(why)".  Deadlines are shortened in the env and run
 * on a real loop for real milliseconds.
 */
static char		   calls[1024];
static struct event_base  *base;
static struct metrics	   metrics;
static struct handover_env env;
static struct handover	   h;
static int		   fail_claim, fail_send;
static int		   fake_is_settled;
static size_t		   fake_conns;
static int		   handle; /* the claim's address */

uint64_t
vm_now_ms(void)
{
	return 0;
}

#define record(...) testutil_record(calls, sizeof(calls), __VA_ARGS__)

static void *
fake_claim(void *ctx, const struct binding *b, char *err, size_t errlen)
{
	(void)ctx;
	(void)b;
	record("claim");
	if (fail_claim) {
		snprintf(err, errlen, "no such bridge");
		return NULL;
	}
	return &handle;
}

static size_t
fake_take(void *ctx, void *claim, struct synrec **recs)
{
	(void)ctx;
	assert_ptr_equal(claim, &handle);
	*recs = fake_conns ? calloc(fake_conns, sizeof(**recs)) : NULL;
	return fake_conns;
}

static void
fake_release(void *ctx, void *claim)
{
	(void)ctx;
	assert_ptr_equal(claim, &handle);
	record("release");
}

static void
fake_pass(void *ctx, void *claim, const char *ifname)
{
	(void)ctx;
	assert_ptr_equal(claim, &handle);
	record("pass(%s)", ifname != NULL ? ifname : "-");
}

static int
fake_settled(void *ctx, void *claim)
{
	(void)ctx;
	assert_ptr_equal(claim, &handle);
	return fake_is_settled;
}

static const struct vm_standin fake_si = { fake_claim, fake_take, fake_release,
	NULL, fake_pass, fake_settled };

static int
fake_send(void *ctx, const struct synrec *recs, size_t n)
{
	assert_ptr_equal(ctx, &h);
	assert_true((recs == NULL) == (n == 0));
	record("send(%zu)", n);
	return fail_send ? -1 : 0;
}

static void
fake_close(void *ctx, const char *why)
{
	assert_ptr_equal(ctx, &h);
	record("close(%s)", why);
}

static int
fake_ifname(void *ctx, char *buf, size_t len)
{
	assert_ptr_equal(ctx, &h);
	snprintf(buf, len, "vif7.0");
	return 0;
}

static const struct handover_transport fake_tr = { "fake", 0, fake_send,
	fake_close, fake_ifname };

/* Knows no port of the guest's (the process backend's). */
static const struct handover_transport fake_holding_tr = { "fake-holding", 1,
	fake_send, fake_close, NULL };

static struct binding
binding(int synjitsu)
{
	struct binding b;

	memset(&b, 0, sizeof(b));
	b.name = testutil_str("www.");
	b.synjitsu = synjitsu;
	b.ready = BINDING_READY_XENSTORE;
	b.max_boot_ms = 100;
	return b;
}

static int
setup(void **state)
{
	(void)state;
	calls[0] = '\0';
	fail_claim = fail_send = 0;
	fake_is_settled = 0;
	fake_conns = 0;
	memset(&metrics, 0, sizeof(metrics));
	log_init("test_handover", 1, 0);
	if ((base = event_base_new()) == NULL)
		return -1;
	handover_env_init(&env, base, &metrics);
	env.si = &fake_si;
	env.grace_ms = 60;
	env.ask_ms = 20;
	env.adopt_ms = 40;
	return handover_init(&h, &env, "www.");
}

static int
teardown(void **state)
{
	(void)state;
	handover_free(&h);
	event_base_free(base);
	return 0;
}

/* The guest adopts all n records it was sent: the whole conversation. */
static void
adopted_all(int n)
{
	char want[160];

	handover_adopted(&h, n);
	assert_int_equal(metrics.adopted_conns, (uint64_t)n);
	snprintf(want, sizeof(want),
	    "claim send(%d) pass(vif7.0) release "
	    "close(the guest adopted %d connection(s))",
	    n, n);
	assert_string_equal(calls, want);
}

/* Claimed, the transport attached, the guest ready: WAITING. */
static void
waiting(const struct handover_transport *tr)
{
	struct binding b = binding(1);

	assert_int_equal(handover_claim(&h, &b), 1);
	handover_attach(&h, tr, &h);
	handover_booting(&h, &b);
	handover_ready(&h);
	assert_int_equal(h.state, HANDOVER_WAITING);
}

static void
test_only_synjitsu_bindings_are_claimed(void **state)
{
	struct binding off = binding(0), on = binding(1);

	(void)state;
	assert_int_equal(handover_claim(&h, &off), 0);
	assert_int_equal(h.state, HANDOVER_IDLE);
	env.si = NULL;
	assert_int_equal(handover_claim(&h, &on), 0);
	env.si = &fake_si;
	assert_string_equal(calls, "");
	assert_int_equal(handover_claim(&h, &on), 1);
	assert_int_equal(h.state, HANDOVER_STANDING);
	assert_true(handover_standing(&h));
	/* A retried build keeps its claim: no second one. */
	assert_int_equal(handover_claim(&h, &on), 1);
	assert_string_equal(calls, "claim");
	assert_int_equal(metrics.standins, 1);
}

static void
test_refused_claim_stays_idle(void **state)
{
	struct binding b = binding(1);

	(void)state;
	fail_claim = 1;
	assert_int_equal(handover_claim(&h, &b), 0);
	assert_int_equal(h.state, HANDOVER_IDLE);
	assert_false(handover_standing(&h));
	assert_int_equal(metrics.standins, 0);
}

static void
test_asked_sends_records_then_adopted_closes(void **state)
{
	(void)state;
	fake_conns = 2;
	waiting(&fake_tr);
	handover_asked(&h);
	assert_int_equal(h.state, HANDOVER_SENT);
	/* Frozen, the claim stays: it keeps what comes for the guest. */
	assert_true(handover_standing(&h));
	assert_int_equal(metrics.handovers, 1);
	assert_int_equal(metrics.handed_conns, 2);
	handover_adopted(&h, 2);
	assert_int_equal(h.state, HANDOVER_IDLE);
	assert_false(handover_standing(&h));
	assert_int_equal(metrics.adopted_conns, 2);
	assert_string_equal(calls,
	    "claim send(2) pass(vif7.0) release "
	    "close(the guest adopted 2 connection(s))");
	/* Over: a late word from the guest changes nothing. */
	handover_adopted(&h, 2);
	handover_asked(&h);
	assert_int_equal(metrics.adopted_conns, 2);
	assert_string_equal(calls,
	    "claim send(2) pass(vif7.0) release "
	    "close(the guest adopted 2 connection(s))");
}

static void
test_adopted_count_is_checked_against_the_records_sent(void **state)
{
	(void)state;
	fake_conns = 1;
	waiting(&fake_tr);
	handover_asked(&h);
	handover_adopted(&h, 3);
	assert_int_equal(metrics.adopted_conns, 0);
	assert_int_equal(h.state, HANDOVER_IDLE);
	assert_string_equal(calls,
	    "claim send(1) pass(vif7.0) release "
	    "close(the guest adopted 3 connection(s))");
}

static void
test_gave_up_counts_nothing(void **state)
{
	(void)state;
	fake_conns = 1;
	waiting(&fake_tr);
	handover_asked(&h);
	handover_adopted(&h, -1);
	assert_int_equal(metrics.adopted_conns, 0);
	assert_string_equal(calls,
	    "claim send(1) release "
	    "close(the guest gave up)");
}

static void
test_asked_twice_is_ignored(void **state)
{
	(void)state;
	waiting(&fake_tr);
	handover_asked(&h);
	handover_asked(&h);
	assert_int_equal(metrics.handovers, 1);
	assert_int_equal(h.state, HANDOVER_SENT);
	assert_string_equal(calls, "claim send(0)");
}

/*
 * The libOS asks as it boots, before it is ready: the records go at
 * once, and the adopt deadline starts again at readiness, for a boot
 * may take longer than adopting does.
 */
static void
test_asked_while_booting_waits_for_readiness(void **state)
{
	struct binding b = binding(1);

	(void)state;
	fake_conns = 1;
	assert_int_equal(handover_claim(&h, &b), 1);
	handover_attach(&h, &fake_tr, &h);
	handover_booting(&h, &b);
	handover_asked(&h);
	assert_int_equal(h.state, HANDOVER_SENT);
	assert_true(handover_standing(&h));
	testutil_loop_for(base, 30);
	handover_ready(&h); /* 30 of adopt_ms 40 gone: 40 again */
	assert_int_equal(h.state, HANDOVER_SENT);
	testutil_loop_for(base, 25);
	assert_int_equal(h.state, HANDOVER_SENT);
	assert_string_equal(calls, "claim send(1)");
	adopted_all(1);
}

/* Without a port to pass them to, the kept frames go with the claim. */
static void
test_a_transport_without_a_port_passes_to_none(void **state)
{
	(void)state;
	waiting(&fake_holding_tr);
	handover_asked(&h);
	handover_adopted(&h, 0);
	assert_string_equal(calls,
	    "claim send(0) pass(-) release "
	    "close(the guest adopted 0 connection(s))");
}

static void
test_asked_without_a_claim_gets_no_records(void **state)
{
	(void)state;
	handover_attach(&h, &fake_tr, &h);
	fake_conns = 5; /* no claim: never taken */
	handover_asked(&h);
	assert_int_equal(h.state, HANDOVER_SENT);
	assert_string_equal(calls, "send(0)");
	/* Without a transport nobody listens: nothing happens. */
	handover_end(&h, "down");
	handover_asked(&h);
	assert_string_equal(calls, "send(0) close(down)");
}

static void
test_grace_expires_and_a_late_ask_still_gets_an_answer(void **state)
{
	(void)state;
	waiting(&fake_tr);
	testutil_loop_for(base, 30);
	assert_int_equal(h.state, HANDOVER_WAITING); /* not yet */
	testutil_loop_for(base, 60);
	assert_int_equal(h.state, HANDOVER_IDLE);
	assert_false(handover_standing(&h));
	assert_int_equal(metrics.standin_expired, 1);
	/* A non-holding transport stays open. */
	assert_string_equal(calls, "claim release");
	handover_asked(&h);
	assert_string_equal(calls, "claim release send(0)");
}

static void
test_ask_deadline_closes_a_holding_transport(void **state)
{
	(void)state;
	waiting(&fake_holding_tr);
	testutil_loop_for(base, 40); /* ask_ms, not grace_ms */
	assert_int_equal(h.state, HANDOVER_IDLE);
	assert_int_equal(metrics.standin_expired, 1);
	assert_string_equal(calls,
	    "claim release "
	    "close(the guest never asked for its connections)");
}

static void
test_ready_tcp_holding_guest_is_let_go_at_half_max_boot(void **state)
{
	struct binding b = binding(1);

	(void)state;
	b.ready = BINDING_READY_TCP;
	assert_int_equal(handover_claim(&h, &b), 1);
	handover_attach(&h, &fake_holding_tr, &h);
	handover_booting(&h, &b);
	assert_int_equal(h.state, HANDOVER_STANDING);
	testutil_loop_for(base, 80); /* max_boot 100 / 2 */
	assert_int_equal(h.state, HANDOVER_IDLE);
	assert_string_equal(calls,
	    "claim release "
	    "close(the guest never asked for its connections)");
}

static void
test_no_deadline_while_booting_otherwise(void **state)
{
	struct binding b = binding(1);

	(void)state;
	b.ready = BINDING_READY_TCP;
	assert_int_equal(handover_claim(&h, &b), 1);
	handover_attach(&h, &fake_tr, &h); /* not holding */
	handover_booting(&h, &b);
	testutil_loop_for(base, 100);
	assert_int_equal(h.state, HANDOVER_STANDING);
	assert_string_equal(calls, "claim");
}

static void
test_adopt_deadline_closes(void **state)
{
	(void)state;
	fake_conns = 1;
	waiting(&fake_tr);
	handover_asked(&h);
	testutil_loop_for(base, 80);
	assert_int_equal(h.state, HANDOVER_IDLE);
	assert_string_equal(calls,
	    "claim send(1) release "
	    "close(the hand-over took too long)");
	handover_adopted(&h, 1); /* too late: not counted */
	assert_int_equal(metrics.adopted_conns, 0);
}

static void
test_send_failure_closes(void **state)
{
	(void)state;
	fake_conns = 2;
	fail_send = 1;
	waiting(&fake_tr);
	handover_asked(&h);
	assert_int_equal(h.state, HANDOVER_IDLE);
	assert_int_equal(metrics.handovers, 0);
	assert_false(handover_standing(&h));
	assert_string_equal(calls,
	    "claim send(2) release "
	    "close(the hand-over could not be written)");
}

static void
test_broken_before_asking_drops_the_claim(void **state)
{
	(void)state;
	waiting(&fake_holding_tr);
	handover_broken(&h, "the guest closed the socket");
	assert_int_equal(h.state, HANDOVER_IDLE);
	assert_int_equal(metrics.standin_expired, 1);
	assert_string_equal(calls,
	    "claim release "
	    "close(the guest closed the socket)");
	testutil_loop_for(base, 40); /* no deadline is left */
	assert_string_equal(calls,
	    "claim release "
	    "close(the guest closed the socket)");
}

static void
test_broken_after_sending_counts_nothing(void **state)
{
	(void)state;
	fake_conns = 1;
	waiting(&fake_tr);
	handover_asked(&h);
	handover_broken(&h, "write error");
	assert_int_equal(metrics.adopted_conns, 0);
	assert_int_equal(metrics.standin_expired, 0);
	assert_string_equal(calls, "claim send(1) release close(write error)");
}

static void
test_adopted_before_asking_ends_the_stand_in(void **state)
{
	(void)state;
	waiting(&fake_tr);
	handover_adopted(&h, 0);
	assert_false(handover_standing(&h));
	assert_int_equal(metrics.standin_expired, 1);
	assert_string_equal(calls,
	    "claim release "
	    "close(the guest adopted 0 connection(s))");
}

/* Booting, claimed, the transport attached: what an unpause finds. */
static void
booting(void)
{
	struct binding b = binding(1);

	assert_int_equal(handover_claim(&h, &b), 1);
	handover_attach(&h, &fake_tr, &h);
	handover_booting(&h, &b);
}

/* The unpause of a guest whose kernel takes records unasked (early). */
static void
unpaused(int early)
{
	struct binding b = binding(1);

	b.records_early = early;
	handover_unpaused(&h, &b);
}

/*
 * Every client's request in at the unpause: the records go then, and
 * the guest's own ask, when it comes, changes nothing.
 */
static void
test_unpaused_with_every_request_in_sends_at_once(void **state)
{
	(void)state;
	fake_conns = 2;
	fake_is_settled = 1;
	booting();
	unpaused(1);
	assert_int_equal(h.state, HANDOVER_SENT);
	assert_true(handover_standing(&h)); /* frozen, it keeps frames */
	assert_int_equal(metrics.handovers, 1);
	handover_asked(&h);
	assert_int_equal(metrics.handovers, 1);
	/* A boot longer than adopt_ms (40) is no late adoption. */
	testutil_loop_for(base, 60);
	assert_int_equal(h.state, HANDOVER_SENT);
	handover_ready(&h);
	adopted_all(2);
}

/* Once ready, an early hand-over's guest must adopt in adopt_ms. */
static void
test_unpaused_then_ready_must_adopt_in_time(void **state)
{
	(void)state;
	fake_conns = 1;
	fake_is_settled = 1;
	booting();
	unpaused(1);
	handover_ready(&h);
	testutil_loop_for(base, 60);
	assert_int_equal(h.state, HANDOVER_IDLE);
	assert_string_equal(calls,
	    "claim send(1) release close(the hand-over took too long)");
}

/* A client still in its handshake, or with nothing sent: the ask waits. */
static void
test_unpaused_while_a_client_is_unsettled_waits_for_the_ask(void **state)
{
	(void)state;
	fake_conns = 1;
	booting();
	unpaused(1);
	assert_int_equal(h.state, HANDOVER_STANDING);
	assert_int_equal(metrics.handovers, 0);
	handover_asked(&h);
	assert_int_equal(h.state, HANDOVER_SENT);
	assert_string_equal(calls, "claim send(1)");
}

/* Nothing to send early: no claim, a kernel that must ask, no transport,
 * no stand-in's say. */
static void
test_unpaused_without_claim_transport_or_verdict_does_nothing(void **state)
{
	struct vm_standin mute_si = fake_si;

	(void)state;
	fake_is_settled = 1;
	handover_attach(&h, &fake_tr, &h); /* no claim */
	unpaused(1);
	assert_int_equal(h.state, HANDOVER_IDLE);
	handover_end(&h, "down");
	booting();
	unpaused(0); /* a kernel that must ask first */
	assert_int_equal(h.state, HANDOVER_STANDING);
	mute_si.settled = NULL;
	env.si = &mute_si;
	unpaused(1);
	assert_int_equal(h.state, HANDOVER_STANDING);
	env.si = &fake_si;
	handover_end(&h, "down");
	assert_int_equal(metrics.handovers, 0);
	assert_string_equal(calls, "close(down) claim release close(down)");
	/* Claimed but no transport (a paused build): nothing either. */
	{
		struct binding b = binding(1);

		assert_int_equal(handover_claim(&h, &b), 1);
		unpaused(1);
		assert_int_equal(h.state, HANDOVER_STANDING);
	}
}

static void
test_end_drops_the_claim_and_closes(void **state)
{
	(void)state;
	waiting(&fake_tr);
	handover_end(&h, "the guest went down first");
	assert_int_equal(h.state, HANDOVER_IDLE);
	assert_string_equal(calls,
	    "claim release "
	    "close(the guest went down first)");
	handover_end(&h, "again"); /* nothing left to end */
	assert_string_equal(calls,
	    "claim release "
	    "close(the guest went down first)");
}

static void
test_free_releases_quietly(void **state)
{
	(void)state;
	waiting(&fake_tr);
	handover_free(&h);
	assert_string_equal(calls, "claim release");
	assert_int_equal(handover_init(&h, &env, "www."), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_only_synjitsu_bindings_are_claimed),
		T(test_refused_claim_stays_idle),
		T(test_asked_sends_records_then_adopted_closes),
		T(test_adopted_count_is_checked_against_the_records_sent),
		T(test_gave_up_counts_nothing),
		T(test_asked_twice_is_ignored),
		T(test_asked_while_booting_waits_for_readiness),
		T(test_a_transport_without_a_port_passes_to_none),
		T(test_asked_without_a_claim_gets_no_records),
		T(test_grace_expires_and_a_late_ask_still_gets_an_answer),
		T(test_ask_deadline_closes_a_holding_transport),
		T(test_ready_tcp_holding_guest_is_let_go_at_half_max_boot),
		T(test_no_deadline_while_booting_otherwise),
		T(test_adopt_deadline_closes),
		T(test_send_failure_closes),
		T(test_broken_before_asking_drops_the_claim),
		T(test_broken_after_sending_counts_nothing),
		T(test_adopted_before_asking_ends_the_stand_in),
		T(test_unpaused_with_every_request_in_sends_at_once),
		T(test_unpaused_then_ready_must_adopt_in_time),
		T(test_unpaused_while_a_client_is_unsettled_waits_for_the_ask),
		T(test_unpaused_without_claim_transport_or_verdict_does_nothing),
		T(test_end_drops_the_claim_and_closes),
		T(test_free_releases_quietly),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
