/* test_timeline.c -- a summon's phases: set once, in ms, reset per summon */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "jitsud.h"

static void
assert_format(const struct timeline *tl, const char *want)
{
	char got[256];

	timeline_format(tl, got, sizeof(got));
	if (strcmp(got, want) != 0)
		fail_msg("timeline: expected \"%s\", saw \"%s\"", want, got);
}

static void
test_phases_are_ms_after_the_query_in_phase_order(void **state)
{
	struct timeline tl;
	uint64_t	ms = 0;

	(void)state;
	memset(&tl, 0, sizeof(tl));
	timeline_start(&tl, 10000);
	assert_int_equal(timeline_mark(&tl, TL_BUILD, 10002, &ms), 0);
	assert_int_equal(ms, 2);
	assert_int_equal(timeline_mark(&tl, TL_CREATED, 10540, NULL), 0);
	assert_int_equal(timeline_mark(&tl, TL_UNPAUSED, 10541, NULL), 0);
	assert_int_equal(timeline_mark(&tl, TL_READY, 10800, &ms), 0);
	assert_int_equal(ms, 800);
	assert_format(&tl,
	    "query=0 build=2 created=540 unpaused=541 ready=800");
	assert_int_equal(timeline_get(&tl, TL_CREATED, &ms), 1);
	assert_int_equal(ms, 540);
}

static void
test_the_first_mark_of_a_phase_counts(void **state)
{
	struct timeline tl;
	uint64_t	ms;

	(void)state;
	memset(&tl, 0, sizeof(tl));
	timeline_start(&tl, 500);
	assert_int_equal(timeline_mark(&tl, TL_BUILD, 510, NULL), 0);
	/* A retried build starts again: the summon's build began first. */
	assert_int_equal(timeline_mark(&tl, TL_BUILD, 900, NULL), -1);
	assert_int_equal(timeline_get(&tl, TL_BUILD, &ms), 1);
	assert_int_equal(ms, 10);
	/* The query is the origin, not a mark. */
	assert_int_equal(timeline_mark(&tl, TL_QUERY, 600, NULL), -1);
}

static void
test_unset_phases_are_neither_read_nor_shown(void **state)
{
	struct timeline tl;
	uint64_t	ms = 77;

	(void)state;
	memset(&tl, 0, sizeof(tl));
	timeline_start(&tl, 100);
	assert_int_equal(timeline_mark(&tl, TL_READY, 350, NULL), 0);
	assert_int_equal(timeline_get(&tl, TL_DEVICES, &ms), 0);
	assert_int_equal(ms, 77);
	assert_format(&tl, "query=0 ready=250");
}

static void
test_a_new_summon_forgets_the_last(void **state)
{
	struct timeline tl;
	uint64_t	ms;

	(void)state;
	memset(&tl, 0, sizeof(tl));
	timeline_start(&tl, 100);
	timeline_mark(&tl, TL_CREATED, 200, NULL);
	timeline_mark(&tl, TL_ADOPTED, 900, NULL);
	timeline_start(&tl, 5000);
	assert_int_equal(timeline_get(&tl, TL_ADOPTED, &ms), 0);
	assert_int_equal(timeline_mark(&tl, TL_CREATED, 5030, &ms), 0);
	assert_int_equal(ms, 30);
	assert_format(&tl, "query=0 created=30");
}

static void
test_no_summon_no_timeline(void **state)
{
	struct timeline tl;

	(void)state;
	memset(&tl, 0, sizeof(tl));
	/* A report with no summon timed (a warm build) is dropped. */
	assert_int_equal(timeline_mark(&tl, TL_CREATED, 100, NULL), -1);
	assert_format(&tl, "");
	assert_string_equal(timeline_phase_name(TL_NPHASES), "?");
	assert_string_equal(timeline_phase_name(TL_DEVICES), "devices");
}

static void
test_a_report_stamped_before_the_query_reads_zero(void **state)
{
	struct timeline tl;
	uint64_t	ms = 1;

	(void)state;
	memset(&tl, 0, sizeof(tl));
	timeline_start(&tl, 1000);
	assert_int_equal(timeline_mark(&tl, TL_BUILD, 999, &ms), 0);
	assert_int_equal(ms, 0);
}

static void
test_a_small_buffer_is_cut_but_ended(void **state)
{
	struct timeline tl;
	char		buf[12];

	(void)state;
	memset(&tl, 0, sizeof(tl));
	timeline_start(&tl, 1);
	timeline_mark(&tl, TL_CREATED, 12346, NULL);
	memset(buf, 'x', sizeof(buf));
	timeline_format(&tl, buf, sizeof(buf));
	assert_non_null(memchr(buf, '\0', sizeof(buf)));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_phases_are_ms_after_the_query_in_phase_order),
		cmocka_unit_test(test_the_first_mark_of_a_phase_counts),
		cmocka_unit_test(test_unset_phases_are_neither_read_nor_shown),
		cmocka_unit_test(test_a_new_summon_forgets_the_last),
		cmocka_unit_test(test_no_summon_no_timeline),
		cmocka_unit_test(
		    test_a_report_stamped_before_the_query_reads_zero),
		cmocka_unit_test(test_a_small_buffer_is_cut_but_ended),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
