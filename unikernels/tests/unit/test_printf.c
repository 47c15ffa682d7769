/* test_printf.c -- unit tests of snprintf formatting and printf's console path */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "uk.h"

/* printf's neighbour, the console driver, replaced by a recorder. */
static char console[4096];
static size_t console_len;
static int console_calls;

void
uk_console_write(const char *buf, size_t len)
{
	assert_true(console_len + len <= sizeof(console));
	memcpy(console + console_len, buf, len);
	console_len += len;
	console_calls++;
}

#define EXPECT(want, ...)                                       \
	do {                                                    \
		char _b[128];                                   \
		int _n = snprintf(_b, sizeof(_b), __VA_ARGS__); \
		assert_string_equal(_b, want);                  \
		assert_int_equal(_n, (int)strlen(want));        \
	} while (0)

/* No format attribute: lets a test pass formats the compiler rejects. */
static int
format_unchecked(char *b, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(b, size, fmt, ap);
	va_end(ap);
	return n;
}

static void
test_integers(void **state)
{
	(void)state;
	EXPECT("0 -1 2147483647 -2147483648", "%d %d %d %d", 0, -1, 2147483647,
	    (int)-2147483647 - 1);
	EXPECT("4294967295 ffffffff FFFFFFFF 37777777777", "%u %x %X %o",
	    4294967295u, 0xffffffffu, 0xffffffffu, 0xffffffffu);
	EXPECT("18446744073709551615", "%llu", 18446744073709551615ULL);
	EXPECT("-9223372036854775808", "%lld",
	    (long long)(-9223372036854775807LL - 1));
	EXPECT("123456789abcdef0", "%lx", 0x123456789abcdef0UL);
	EXPECT("42 -3 7", "%zu %zd %ju", (size_t)42, (ptrdiff_t)-3,
	    (uintmax_t)7);
	EXPECT("-1 255 -1 65535", "%hhd %hhu %hd %hu", 255, 255, 65535, 65535);
}

static void
test_width_precision_flags(void **state)
{
	(void)state;
	EXPECT("[   42][42   ][00042][+42][ 42]", "[%5d][%-5d][%05d][%+d][% d]",
	    42, 42, 42, 42, 42);
	EXPECT("[-0042][  -42][ 0042]", "[%05d][%*d][%5.4d]", -42, 5, -42, 42);
	EXPECT("[0x2a][0X2A][052][0]", "[%#x][%#X][%#o][%#x]", 42, 42, 42, 0);
	EXPECT("[][0]", "[%.0d][%.0d%d]", 0, 0, 0);
	EXPECT("[  abc][ab][abc  ]", "[%5s][%.2s][%-*s]", "abc", "abc", 5,
	    "abc");
	{
		char b[16];

		/* Unchecked: GCC rightly warns about a literal NULL %s. */
		assert_int_equal(format_unchecked(b, sizeof(b), "[%s]",
				     (const char *)NULL),
		    8);
		assert_string_equal(b, "[(null)]");
	}
	EXPECT("[x][  y]", "[%c][%3c]", 'x', 'y');
	EXPECT("100%", "100%%");
}

static void
test_pointer(void **state)
{
	(void)state;
	EXPECT("0xdeadbeef", "%p", (void *)(uintptr_t)0xdeadbeef);
}

static void
test_unknown_conversion_copied(void **state)
{
	char b[32];

	(void)state;
	assert_int_equal(format_unchecked(b, sizeof(b), "a%qb%"), 5);
	assert_string_equal(b, "a%qb%");
	assert_int_equal(format_unchecked(b, sizeof(b), "[%-08.3y]", 1), 9);
	assert_string_equal(b, "[%-08.3y]");
}

static void
test_truncation_returns_full_length(void **state)
{
	char b[8];

	(void)state;
	memset(b, 'Z', sizeof(b));
	assert_int_equal(snprintf(b, 4, "%s", "abcdef"), 6);
	assert_string_equal(b, "abc");
	assert_int_equal(b[4], 'Z');
	assert_int_equal(snprintf(b, 1, "%d", 12345), 5);
	assert_string_equal(b, "");
	b[0] = 'Q';
	assert_int_equal(snprintf(b, 0, "%d", 12345), 5);
	assert_int_equal(b[0], 'Q');
}

static void
test_printf_reaches_console_in_chunks(void **state)
{
	char want[600];
	int i, n;

	(void)state;
	console_len = 0;
	console_calls = 0;
	for (i = 0; i < 599; i++)
		want[i] = (char)('a' + i % 26);
	want[599] = '\0';
	n = printf("<%s>", want);
	assert_int_equal(n, 601);
	assert_int_equal(console_len, 601);
	assert_memory_equal(console + 1, want, 599);
	assert_int_equal(console[0], '<');
	assert_int_equal(console[600], '>');
	/* Longer than printf's buffer: more than one write, none empty. */
	assert_true(console_calls > 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_integers),
		cmocka_unit_test(test_width_precision_flags),
		cmocka_unit_test(test_pointer),
		cmocka_unit_test(test_unknown_conversion_copied),
		cmocka_unit_test(test_truncation_returns_full_length),
		cmocka_unit_test(test_printf_reaches_console_in_chunks),
	};

	return cmocka_run_group_tests_name("printf", tests, NULL, NULL);
}
