/* test_conf.c -- conf.c: every keyword, every error with its file:line */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "jitsud.h"
#include "testutil.h"

static struct errors errs;

static void
assert_addr(const struct conf_addr *a, int family, const char *text,
    unsigned int port)
{
	char buf[INET6_ADDRSTRLEN];

	assert_int_equal(a->ss.ss_family, family);
	if (family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)&a->ss;

		inet_ntop(AF_INET, &sin->sin_addr, buf, sizeof(buf));
		assert_int_equal(ntohs(sin->sin_port), port);
		assert_int_equal(a->len, sizeof(*sin));
	} else {
		const struct sockaddr_in6 *sin6 = (const void *)&a->ss;

		inet_ntop(AF_INET6, &sin6->sin6_addr, buf, sizeof(buf));
		assert_int_equal(ntohs(sin6->sin6_port), port);
		assert_int_equal(a->len, sizeof(*sin6));
	}
	assert_string_equal(buf, text);
}

static void
test_good_conf_sets_every_option(void **state)
{
	struct conf c;

	(void)state;
	memset(&errs, 0, sizeof(errs));
	conf_init(&c);
#if JITSUD_X86
	assert_int_equal(conf_parse(&c, "good.conf", &errs), 0);
	assert_int_equal(errs.count, 0);
#else
	/* On ARM `shells 2' is the one error: shells are x86 PVH domains. */
	assert_int_equal(conf_parse(&c, "good.conf", &errs), 1);
	assert_int_equal(errs.count, 1);
	assert_string_equal(errs.msg[0],
	    "good.conf:13: shells: domain shells are x86 PVH domains; on ARM "
	    "libxl builds every guest (shells 0)");
#endif
	assert_int_equal(c.nlisten, 3);
	assert_addr(&c.listen[0], AF_INET, "127.0.0.1", 5353);
	assert_addr(&c.listen[1], AF_INET6, "::1", 5353);
	assert_addr(&c.listen[2], AF_INET, "10.0.0.1", 53);
	assert_int_equal(c.listen[2].line, 4);
	assert_int_equal(c.nzones, 2);
	assert_string_equal(c.zones[0], "good.zone");
	assert_string_equal(c.zones[1], "/etc/jitsud/with space.zone");
	assert_int_equal(c.has_forwarder, 1);
	assert_addr(&c.forwarder, AF_INET, "192.0.2.1", 5300);
	assert_string_equal(c.control, "/run/jitsud-test.sock");
	assert_int_equal(c.backend, CONF_BACKEND_PROCESS);
	assert_string_equal(c.vif_script, "vif-jitsu");
	assert_int_equal(c.vif_plug, CONF_VIF_SCRIPT);
	assert_int_equal(c.builders, 3);
	assert_int_equal(c.shells, JITSUD_X86 ? 2 : 0);
	assert_int_equal(c.shell_mib, 100);
	assert_int_equal(c.shell_vif, CONF_SHELL_VIF_PLAIN);
	assert_int_equal(c.shell_ram, CONF_SHELL_RAM_FILL);
	assert_int_equal(c.shell_store, CONF_SHELL_STORE_FILL);
	assert_int_equal(c.tcp_timeout_ms, 30000);
	assert_int_equal(c.has_metrics, 1);
	assert_addr(&c.metrics, AF_INET, "127.0.0.1", 9153);
	assert_string_equal(c.statedir, "/var/lib/jitsud-test");
	assert_string_equal(c.imagedir, "/run/jitsud-test/images");
	assert_int_equal(c.rrl.rate, 50);
	assert_int_equal(c.rrl.slip, 3);
	assert_int_equal(c.rrl.ipv4_prefix, 32);
	assert_int_equal(c.rrl.ipv6_prefix, 64);
	conf_finish(&c);
	assert_int_equal(c.nlisten, 3);
	conf_clear(&c);
	assert_int_equal(c.nzones, 0);
}

static void
test_defaults_listen_everywhere_on_53(void **state)
{
	struct conf c;

	(void)state;
	conf_init(&c);
	assert_string_equal(c.control, CONF_DEFAULT_CONTROL);
	assert_int_equal(c.has_forwarder, 0);
	assert_int_equal(c.backend, CONF_BACKEND_XEN);
	assert_string_equal(c.vif_script, "vif-bridge");
	assert_int_equal(c.vif_plug, CONF_VIF_INLINE);
	assert_int_equal(c.builders, 0); /* xl_builders: per CPU */
	/* What jitsud.conf(5) promises, not the macros that give it. */
	assert_int_equal(c.shells, JITSUD_X86 ? 1 : 0); /* none on ARM */
	assert_int_equal(c.shell_mib, 1024);
	assert_int_equal(c.shell_vif, CONF_SHELL_VIF_AHEAD);
	assert_int_equal(c.shell_ram, CONF_SHELL_RAM_AHEAD);
	assert_int_equal(c.shell_store, CONF_SHELL_STORE_AHEAD);
	assert_int_equal(c.tcp_timeout_ms, 10000);
	assert_int_equal(c.has_metrics, 0); /* off unless asked for */
	assert_string_equal(c.statedir, "/var/lib/jitsud");
	assert_string_equal(c.imagedir, "/run/jitsud/images");
	/* Rate limiting on, as NSD ships it. */
	assert_int_equal(c.rrl.rate, 200);
	assert_int_equal(c.rrl.slip, 2);
	assert_int_equal(c.rrl.ipv4_prefix, 24);
	assert_int_equal(c.rrl.ipv6_prefix, 56);
	conf_finish(&c);
	assert_int_equal(c.nlisten, 2);
	assert_addr(&c.listen[0], AF_INET, "0.0.0.0", 53);
	assert_addr(&c.listen[1], AF_INET6, "::", 53);
	conf_clear(&c);
}

static void
test_zone_paths_are_relative_to_the_conf_folder(void **state)
{
	struct conf c;
	FILE	   *fp;

	(void)state;
	memset(&errs, 0, sizeof(errs));
	assert_int_equal(system("mkdir -p /tmp/jitsud-test-conf"), 0);
	fp = fopen("/tmp/jitsud-test-conf/j.conf", "w");
	assert_non_null(fp);
	fputs("zone example.zone\nzone /abs/other.zone\n", fp);
	fclose(fp);
	conf_init(&c);
	assert_int_equal(conf_parse(&c, "/tmp/jitsud-test-conf/j.conf", &errs),
	    0);
	assert_string_equal(c.zones[0], "/tmp/jitsud-test-conf/example.zone");
	assert_string_equal(c.zones[1], "/abs/other.zone");
	assert_int_equal(conf_add_zone(&c, "/abs/other.zone", &errs), -1);
	assert_string_equal(errs.msg[0],
	    "/abs/other.zone: zone file /abs/other.zone given twice");
	conf_clear(&c);
	unlink("/tmp/jitsud-test-conf/j.conf");
	rmdir("/tmp/jitsud-test-conf");
}

/* Compare the errors of `conf' with the lines of its golden file. */
static void
assert_golden(const char *conf, const char *golden)
{
	struct conf c;
	FILE	   *fp;
	char	    want[ERROR_LEN + 2];
	size_t	    i = 0, n;

	memset(&errs, 0, sizeof(errs));
	conf_init(&c);
	n = (size_t)conf_parse(&c, conf, &errs);
	assert_non_null(fp = fopen(golden, "r"));
	while (fgets(want, sizeof(want), fp) != NULL) {
		want[strcspn(want, "\n")] = '\0';
		if (i >= errs.count)
			fail_msg("missing error %zu: want '%s'", i, want);
		assert_string_equal(errs.msg[i], want);
		i++;
	}
	fclose(fp);
	if (i != errs.count)
		fail_msg("unexpected extra error: '%s'", errs.msg[i]);
	assert_int_equal(n, errs.count);
	conf_clear(&c);
}

static void
test_bad_conf_matches_golden_errors(void **state)
{
	(void)state;
	assert_golden("bad-keywords.conf", "bad-keywords.errors");
}

static void
test_missing_file_is_one_error(void **state)
{
	struct conf c;

	(void)state;
	memset(&errs, 0, sizeof(errs));
	conf_init(&c);
	assert_int_equal(conf_parse(&c, "no-such.conf", &errs), 1);
	assert_string_equal(errs.msg[0],
	    "no-such.conf: No such file or directory");
}

static void
test_error_count_is_bounded_but_counted(void **state)
{
	struct errors *e = calloc(1, sizeof(*e));
	FILE	      *fp = tmpfile();
	int	       i;

	(void)state;
	assert_non_null(e);
	for (i = 0; i < ERRORS_MAX + 5; i++)
		errors_add(e, "f", i + 1, "error %d", i);
	assert_int_equal(e->count, ERRORS_MAX + 5);
	assert_string_equal(e->msg[ERRORS_MAX - 1], "f:64: error 63");
	errors_print(e, fp);
	assert_int_equal(ftell(fp) > 0, 1);
	fclose(fp);
	free(e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_conf_sets_every_option),
		cmocka_unit_test(test_defaults_listen_everywhere_on_53),
		cmocka_unit_test(
		    test_zone_paths_are_relative_to_the_conf_folder),
		cmocka_unit_test(test_bad_conf_matches_golden_errors),
		cmocka_unit_test(test_missing_file_is_one_error),
		cmocka_unit_test(test_error_count_is_bounded_but_counted),
	};

	return cmocka_run_group_tests(tests, testutil_enter_conf_dir, NULL);
}
