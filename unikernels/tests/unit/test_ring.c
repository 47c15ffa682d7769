/* test_ring.c -- unit tests of the shared-ring index arithmetic and copies */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "libuk.h"

#define SIZE 16u

static void
test_write_into_empty_ring(void **state)
{
	char ring[SIZE];

	(void)state;
	memset(ring, '.', SIZE);
	assert_int_equal(ring_write(ring, SIZE, 0, 0, "hello", 5), 5);
	assert_memory_equal(ring, "hello...........", SIZE);
}

static void
test_write_stops_when_full(void **state)
{
	char ring[SIZE], src[20];

	(void)state;
	memset(src, 'x', sizeof(src));
	/* 10 bytes in flight: room for 6. */
	assert_int_equal(ring_write(ring, SIZE, 10, 0, src, 20), 6);
	assert_int_equal(ring_write(ring, SIZE, 16, 0, src, 20), 0);
}

static void
test_write_wraps_around_the_end(void **state)
{
	char ring[SIZE];

	(void)state;
	memset(ring, '.', SIZE);
	/* prod at position 14, cons at 12: "abcd" goes to 14, 15, 0, 1. */
	assert_int_equal(ring_write(ring, SIZE, 30, 28, "abcd", 4), 4);
	assert_memory_equal(ring, "cd............ab", SIZE);
}

static void
test_indices_wrapping_at_2_32(void **state)
{
	char ring[SIZE], out[8];
	uint32_t cons = 0xfffffffeu, prod = cons;

	(void)state;
	/* prod wraps past 2^32 while cons has not yet. */
	assert_int_equal(ring_write(ring, SIZE, prod, cons, "wxyz", 4), 4);
	prod += 4;
	assert_int_equal(prod, 2);
	assert_int_equal(ring_read(ring, SIZE, prod, cons, out, sizeof(out)),
	    4);
	assert_memory_equal(out, "wxyz", 4);
	/* 4 in flight across the wrap: room for 12 exactly. */
	assert_int_equal(ring_write(ring, SIZE, prod, cons, "0123456789abcdef",
			     16),
	    12);
}

static void
test_read_partial_and_empty(void **state)
{
	char ring[SIZE], out[SIZE];

	(void)state;
	memcpy(ring, "0123456789abcdef", SIZE);
	assert_int_equal(ring_read(ring, SIZE, 5, 5, out, sizeof(out)), 0);
	/* cons at 14, 4 bytes: "ef01". */
	assert_int_equal(ring_read(ring, SIZE, 18, 14, out, 3), 3);
	assert_memory_equal(out, "ef0", 3);
	assert_int_equal(ring_read(ring, SIZE, 18, 14, out, sizeof(out)), 4);
	assert_memory_equal(out, "ef01", 4);
}

static void
test_impossible_indices_rejected(void **state)
{
	char ring[SIZE], out[4];

	(void)state;
	/* More in flight than the ring holds: a broken or hostile peer. */
	assert_int_equal(ring_write(ring, SIZE, 17, 0, "a", 1), -1);
	assert_int_equal(ring_read(ring, SIZE, 17, 0, out, 1), -1);
	/* cons ahead of prod looks like ~4 GiB in flight. */
	assert_int_equal(ring_read(ring, SIZE, 3, 5, out, 1), -1);
	assert_int_equal(ring_write(ring, SIZE, 3, 5, "a", 1), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_into_empty_ring),
		cmocka_unit_test(test_write_stops_when_full),
		cmocka_unit_test(test_write_wraps_around_the_end),
		cmocka_unit_test(test_indices_wrapping_at_2_32),
		cmocka_unit_test(test_read_partial_and_empty),
		cmocka_unit_test(test_impossible_indices_rejected),
	};

	return cmocka_run_group_tests_name("ring", tests, NULL, NULL);
}
