/* test_string.c -- unit tests of the libOS string, memory and number functions */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "uk.h"

static void
test_memmove_overlap_both_ways(void **state)
{
	char buf[16] = "abcdefghij";

	(void)state;
	memmove(buf + 2, buf, 5);
	assert_memory_equal(buf, "ababcdehij", 10);
	memmove(buf, buf + 3, 4);
	assert_memory_equal(buf, "bcdecdehij", 10);
}

static void
test_memset_memcmp_memchr(void **state)
{
	unsigned char a[8], b[8];

	(void)state;
	memset(a, 0xab, sizeof(a));
	memset(b, 0xab, sizeof(b));
	assert_int_equal(memcmp(a, b, sizeof(a)), 0);
	b[5] = 0xff; /* unsigned comparison: 0xab < 0xff */
	assert_true(memcmp(a, b, sizeof(a)) < 0);
	assert_true(memcmp(b, a, sizeof(a)) > 0);
	assert_ptr_equal(memchr(b, 0xff, sizeof(b)), b + 5);
	assert_null(memchr(a, 0xff, sizeof(a)));
}

static void
test_strlen_strnlen(void **state)
{
	(void)state;
	assert_int_equal(strlen(""), 0);
	assert_int_equal(strlen("xenstore"), 8);
	assert_int_equal(strnlen("xenstore", 3), 3);
	assert_int_equal(strnlen("xen", 10), 3);
}

static void
test_strcmp_family(void **state)
{
	(void)state;
	assert_int_equal(strcmp("abc", "abc"), 0);
	assert_true(strcmp("abc", "abd") < 0);
	assert_true(strcmp("abc", "ab") > 0);
	assert_true(strcmp("a", "\xff") < 0); /* compared as unsigned */
	assert_int_equal(strncmp("abcx", "abcy", 3), 0);
	assert_true(strncmp("abcx", "abcy", 4) < 0);
	assert_int_equal(strncmp("ab", "ab", 10), 0);
}

static void
test_strchr_strrchr(void **state)
{
	const char *s = "a/b/c";

	(void)state;
	assert_ptr_equal(strchr(s, '/'), s + 1);
	assert_ptr_equal(strrchr(s, '/'), s + 3);
	assert_ptr_equal(strchr(s, '\0'), s + 5);
	assert_null(strchr(s, 'z'));
	assert_null(strrchr(s, 'z'));
}

static void
test_strlcpy_truncates_and_terminates(void **state)
{
	char buf[4];

	(void)state;
	assert_int_equal(strlcpy(buf, "abcdef", sizeof(buf)), 6);
	assert_string_equal(buf, "abc");
	assert_int_equal(strlcpy(buf, "ab", sizeof(buf)), 2);
	assert_string_equal(buf, "ab");
	buf[0] = 'x';
	assert_int_equal(strlcpy(buf, "ab", 0), 2);
	assert_int_equal(buf[0], 'x');
}

static void
test_strtoul_bases_and_end(void **state)
{
	char *end;

	(void)state;
	assert_int_equal(strtoul("  42xyz", &end, 10), 42);
	assert_string_equal(end, "xyz");
	assert_int_equal(strtoul("0x1F", &end, 0), 31);
	assert_int_equal(strtoul("0x1F", &end, 16), 31);
	assert_int_equal(strtoul("017", &end, 0), 15);
	assert_int_equal(strtoul("ff", &end, 16), 255);
	assert_int_equal(strtoul("-1", &end, 10), ~0UL);
	assert_int_equal(strtoul("1010", &end, 2), 10);
	/* "0x" with no hex digit: the 0 is the number, x is left. */
	assert_int_equal(strtoul("0xg", &end, 0), 0);
	assert_string_equal(end, "xg");
}

static void
test_strtoul_no_digits_and_overflow(void **state)
{
	const char *s = "  +nope";
	char *end;

	(void)state;
	assert_int_equal(strtoul(s, &end, 10), 0);
	assert_ptr_equal(end, s);
	assert_int_equal(strtoul("18446744073709551615", &end, 10), ~0UL);
	assert_string_equal(end, "");
	assert_int_equal(strtoul("18446744073709551616", &end, 10), ~0UL);
	assert_int_equal(strtoul("99999999999999999999999", &end, 10), ~0UL);
	assert_int_equal(strtoul("12", &end, 1), 0);
	assert_int_equal(strtoul("12", &end, 37), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memmove_overlap_both_ways),
		cmocka_unit_test(test_memset_memcmp_memchr),
		cmocka_unit_test(test_strlen_strnlen),
		cmocka_unit_test(test_strcmp_family),
		cmocka_unit_test(test_strchr_strrchr),
		cmocka_unit_test(test_strlcpy_truncates_and_terminates),
		cmocka_unit_test(test_strtoul_bases_and_end),
		cmocka_unit_test(test_strtoul_no_digits_and_overflow),
	};

	return cmocka_run_group_tests_name("string", tests, NULL, NULL);
}
