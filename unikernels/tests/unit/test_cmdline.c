/* test_cmdline.c -- unit tests of kernel command line lookup */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "libuk.h"

/* The platform's side of the seam, replaced. */
static const char *fake_cmdline = "";

const char *
plat_cmdline(void)
{
	return fake_cmdline;
}

static void
test_key_value_found(void **state)
{
	char buf[32];

	(void)state;
	assert_int_equal(cmdline_find("ip=10.0.0.5 gw=10.0.0.1", "gw", buf,
			     sizeof(buf)),
	    8);
	assert_string_equal(buf, "10.0.0.1");
	assert_int_equal(cmdline_find("\tip=10.0.0.5  \n", "ip", buf,
			     sizeof(buf)),
	    8);
	assert_string_equal(buf, "10.0.0.5");
}

static void
test_bare_word_and_empty_value(void **state)
{
	char buf[8];

	(void)state;
	assert_int_equal(cmdline_find("a=1 wait b=2", "wait", buf, sizeof(buf)),
	    0);
	assert_string_equal(buf, "");
	assert_int_equal(cmdline_find("x= y", "x", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
}

static void
test_prefix_is_not_a_match(void **state)
{
	char buf[8];

	(void)state;
	assert_int_equal(cmdline_find("ipaddr=1 xip=2", "ip", buf, sizeof(buf)),
	    -UK_ENOENT);
	assert_int_equal(cmdline_find("", "ip", buf, sizeof(buf)), -UK_ENOENT);
	assert_int_equal(cmdline_find("ip=1", "", buf, sizeof(buf)),
	    -UK_EINVAL);
}

static void
test_last_occurrence_wins(void **state)
{
	char buf[8];

	(void)state;
	assert_int_equal(cmdline_find("n=1 m=2 n=3", "n", buf, sizeof(buf)), 1);
	assert_string_equal(buf, "3");
}

static void
test_quotes_group_blanks(void **state)
{
	char buf[32];

	(void)state;
	assert_int_equal(cmdline_find("msg=\"hello  world\" n=1", "msg", buf,
			     sizeof(buf)),
	    12);
	assert_string_equal(buf, "hello  world");
	assert_int_equal(cmdline_find("msg=\"hello  world\" n=1", "n", buf,
			     sizeof(buf)),
	    1);
	/* An unterminated quote runs to the end of the line. */
	assert_int_equal(cmdline_find("a=\"b c", "a", buf, sizeof(buf)), 3);
	assert_string_equal(buf, "b c");
}

static void
test_value_too_long(void **state)
{
	char buf[4];

	(void)state;
	assert_int_equal(cmdline_find("k=abcd", "k", buf, sizeof(buf)),
	    -UK_E2BIG);
	assert_int_equal(buf[3], '\0');
	assert_int_equal(cmdline_find("k=abc", "k", buf, sizeof(buf)), 3);
	assert_string_equal(buf, "abc");
}

static void
test_uk_cmdline_get_uses_platform_line(void **state)
{
	char buf[16];

	(void)state;
	fake_cmdline = "greeting=hi wait";
	assert_string_equal(uk_cmdline(), "greeting=hi wait");
	assert_int_equal(uk_cmdline_get("greeting", buf, sizeof(buf)), 2);
	assert_string_equal(buf, "hi");
	assert_int_equal(uk_cmdline_get("nope", buf, sizeof(buf)), -UK_ENOENT);
}

static void
test_mac_parse(void **state)
{
	uint8_t mac[6];
	static const uint8_t want[6] = { 0x00, 0x16, 0x3e, 0xab, 0x0c, 0x10 };

	(void)state;
	assert_int_equal(mac_parse("00:16:3e:ab:0c:10", mac), 0);
	assert_memory_equal(mac, want, 6);
	assert_int_equal(mac_parse("00:16:3e:ab:0c", mac), -UK_EINVAL);
	assert_int_equal(mac_parse("00:16:3e:ab:0c:10:", mac), -UK_EINVAL);
	assert_int_equal(mac_parse("00:16:3e:ab:0c:100", mac), -UK_EINVAL);
	assert_int_equal(mac_parse("00-16-3e-ab-0c-10", mac), -UK_EINVAL);
	assert_int_equal(mac_parse("0g:16:3e:ab:0c:10", mac), -UK_EINVAL);
}

static void
test_vif_arg_parse(void **state)
{
	struct vif_arg v;
	static const uint8_t want[6] = { 0x00, 0x16, 0x3e, 0x4a, 0x05, 0x3c };

	(void)state;
	assert_int_equal(vif_arg_parse("00:16:3e:4a:05:3c,0,2,3,5,6", &v), 0);
	assert_memory_equal(v.mac, want, 6);
	assert_int_equal(v.backend, 0);
	assert_int_equal(v.tx_ref, 2);
	assert_int_equal(v.rx_ref, 3);
	assert_int_equal(v.tx_port, 5);
	assert_int_equal(v.rx_port, 6);
	/* One number short, one too many, empty, signed, blank, no MAC. */
	assert_int_equal(vif_arg_parse("00:16:3e:4a:05:3c,0,2,3,5", &v),
	    -UK_EINVAL);
	assert_int_equal(vif_arg_parse("00:16:3e:4a:05:3c,0,2,3,5,6,7", &v),
	    -UK_EINVAL);
	assert_int_equal(vif_arg_parse("00:16:3e:4a:05:3c,0,,3,5,6", &v),
	    -UK_EINVAL);
	assert_int_equal(vif_arg_parse("00:16:3e:4a:05:3c,0,-2,3,5,6", &v),
	    -UK_EINVAL);
	assert_int_equal(vif_arg_parse("00:16:3e:4a:05:3c,0, 2,3,5,6", &v),
	    -UK_EINVAL);
	assert_int_equal(vif_arg_parse("00:16:3e:4a:05,0,2,3,5,6", &v),
	    -UK_EINVAL);
	assert_int_equal(vif_arg_parse("", &v), -UK_EINVAL);
	assert_int_equal(vif_arg_parse("00:16:3e:4a:05:3c,0,2,3,5,6x", &v),
	    -UK_EINVAL);
	/* A field beyond 32 bits. */
	assert_int_equal(vif_arg_parse("00:16:3e:4a:05:3c,0,2,3,5,4294967296",
			     &v),
	    -UK_EINVAL);
	assert_int_equal(vif_arg_parse("00:16:3e:4a:05:3c,0,2,3,5,00000000006",
			     &v),
	    -UK_EINVAL);
	assert_int_equal(vif_arg_parse("00:16:3e:4a:05:3c,0,2,3,5,4294967295",
			     &v),
	    0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_value_found),
		cmocka_unit_test(test_bare_word_and_empty_value),
		cmocka_unit_test(test_prefix_is_not_a_match),
		cmocka_unit_test(test_last_occurrence_wins),
		cmocka_unit_test(test_quotes_group_blanks),
		cmocka_unit_test(test_value_too_long),
		cmocka_unit_test(test_uk_cmdline_get_uses_platform_line),
		cmocka_unit_test(test_mac_parse),
		cmocka_unit_test(test_vif_arg_parse),
	};

	return cmocka_run_group_tests_name("cmdline", tests, NULL, NULL);
}
