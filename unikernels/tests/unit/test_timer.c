/* test_timer.c -- unit tests of timer ordering, cancellation and re-arming */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "libuk.h"

static char fired[16];
static int nfired;
static struct uk_timer *victim;
/* Callback arguments: which timer fired. */
static char tag_a[] = "a", tag_b[] = "b", tag_c[] = "c", tag_d[] = "d";
static char tag_r[] = "r";

static void
record(struct uk_timer *t, void *arg)
{
	(void)t;
	fired[nfired++] = *(const char *)arg;
}

static void
reset(void)
{
	memset(fired, 0, sizeof(fired));
	nfired = 0;
}

static void
test_fire_in_deadline_order_fifo_among_equals(void **state)
{
	struct uk_timer a, b, c, d;

	(void)state;
	reset();
	uk_timer_init(&a, record, tag_a);
	uk_timer_init(&b, record, tag_b);
	uk_timer_init(&c, record, tag_c);
	uk_timer_init(&d, record, tag_d);
	uk_timer_arm(&c, 300);
	uk_timer_arm(&a, 100);
	uk_timer_arm(&b, 200);
	uk_timer_arm(&d, 200);
	assert_int_equal(timer_next(), 100);
	assert_int_equal(timer_run_due(99), 0);
	assert_int_equal(timer_run_due(200), 3);
	assert_string_equal(fired, "abd");
	assert_true(uk_timer_armed(&c));
	assert_false(uk_timer_armed(&a));
	assert_int_equal(timer_run_due(1000), 1);
	assert_string_equal(fired, "abdc");
	assert_int_equal(timer_next(), UK_FOREVER);
}

static void
test_cancel_and_rearm(void **state)
{
	struct uk_timer a, b;

	(void)state;
	reset();
	uk_timer_init(&a, record, tag_a);
	uk_timer_init(&b, record, tag_b);
	uk_timer_cancel(&a); /* idle: harmless */
	uk_timer_arm(&a, 10);
	uk_timer_arm(&b, 20);
	uk_timer_cancel(&a);
	assert_int_equal(timer_next(), 20);
	uk_timer_arm(&b, 5); /* re-arm moves it */
	assert_int_equal(timer_next(), 5);
	assert_int_equal(timer_run_due(100), 1);
	assert_string_equal(fired, "b");
}

static void
rearm_in_past(struct uk_timer *t, void *arg)
{
	record(t, arg);
	uk_timer_arm(t, 0);
}

static void
test_rearm_in_past_runs_next_turn_only(void **state)
{
	struct uk_timer a;

	(void)state;
	reset();
	uk_timer_init(&a, rearm_in_past, tag_r);
	uk_timer_arm(&a, 50);
	assert_int_equal(timer_run_due(50), 1);
	assert_int_equal(timer_run_due(50), 1);
	assert_string_equal(fired, "rr");
	uk_timer_cancel(&a);
	assert_int_equal(timer_next(), UK_FOREVER);
}

static void
cancel_victim(struct uk_timer *t, void *arg)
{
	record(t, arg);
	uk_timer_cancel(victim);
}

static void
test_callback_cancels_due_timer(void **state)
{
	struct uk_timer a, b;

	(void)state;
	reset();
	uk_timer_init(&a, cancel_victim, tag_a);
	uk_timer_init(&b, record, tag_b);
	victim = &b;
	uk_timer_arm(&a, 1);
	uk_timer_arm(&b, 2);
	/* Both due; a runs first and cancels b, which must not run. */
	assert_int_equal(timer_run_due(10), 1);
	assert_string_equal(fired, "a");
	assert_false(uk_timer_armed(&b));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fire_in_deadline_order_fifo_among_equals),
		cmocka_unit_test(test_cancel_and_rearm),
		cmocka_unit_test(test_rearm_in_past_runs_next_turn_only),
		cmocka_unit_test(test_callback_cancels_due_timer),
	};

	return cmocka_run_group_tests_name("timer", tests, NULL, NULL);
}
