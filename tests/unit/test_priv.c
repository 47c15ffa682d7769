/* test_priv.c -- priv.c: what is kept is all that is left, here and in
 * what jitsud execs afterwards (libxl's hotplug scripts, guests) */
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <linux/capability.h>

#include "jitsud.h"

/* A field of /proc/PID/status ("CapEff", "NoNewPrivs"), as a number. */
static uint64_t
status_field(const char *pid, const char *name)
{
	char	 path[64], line[256];
	FILE	*f;
	uint64_t v = UINT64_MAX;
	size_t	 n = strlen(name);

	snprintf(path, sizeof(path), "/proc/%s/status", pid);
	if ((f = fopen(path, "r")) == NULL)
		return v;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, name, n) == 0 && line[n] == ':')
			v = strtoull(line + n + 1, NULL, 16);
	fclose(f);
	return v;
}

/*
 * In a child (the test runner keeps its capabilities): drop to keep,
 * then a grandchild that execs sleep, as libxl execs a hotplug script;
 * the child reads both processes' sets.  Exit codes name what was wrong.
 */
static int
dropped_in_child(uint64_t keep, uint64_t had)
{
	char  pid[32];
	pid_t p;
	int   rc = 0;

	if (priv_drop(keep) == -1)
		return 10;
	if (status_field("self", "CapEff") != (had & keep) ||
	    status_field("self", "CapPrm") != (had & keep))
		return 11;
	if (status_field("self", "CapInh") != 0 ||
	    status_field("self", "NoNewPrivs") != 0x1)
		return 12;
	if ((p = fork()) == 0) {
		execl("/bin/sleep", "sleep", "5", (char *)NULL);
		_exit(127);
	}
	usleep(200 * 1000); /* until it runs sleep */
	snprintf(pid, sizeof(pid), "%d", (int)p);
	/* Root's exec would have given it the whole bounding set back. */
	if (status_field(pid, "CapEff") != (had & keep) ||
	    status_field(pid, "CapPrm") != (had & keep))
		rc = 13;
	kill(p, SIGKILL);
	waitpid(p, NULL, 0);
	return rc;
}

/*
 * As under jitsud.service, whose bounding set has no CAP_SETPCAP: take
 * it out of the effective set, so that only no_new_privs keeps a
 * program jitsud execs from getting the bounding set back.
 */
static int
lose_setpcap(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct	d[2];

	if (syscall(SYS_capget, &h, d) == -1)
		return -1;
	d[0].effective &= ~(1U << CAP_SETPCAP);
	return (int)syscall(SYS_capset, &h, d);
}

static int
run_child(uint64_t keep, int unit)
{
	uint64_t had = status_field("self", "CapPrm");
	pid_t	 p;
	int	 st;

	if ((p = fork()) == 0) {
		if (unit && lose_setpcap() == -1)
			_exit(20);
		_exit(dropped_in_child(keep, had));
	}
	assert_true(p > 0);
	assert_int_equal(waitpid(p, &st, 0), p);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static void
test_xen_set_is_all_that_is_left(void **state)
{
	struct conf c;

	(void)state;
	memset(&c, 0, sizeof(c));
	c.backend = CONF_BACKEND_XEN;
	assert_int_equal(priv_keep(&c),
	    PRIV_CAP(CAP_NET_BIND_SERVICE) | PRIV_CAP(CAP_NET_RAW) |
		PRIV_CAP(CAP_NET_ADMIN));
	assert_int_equal(run_child(priv_keep(&c), 0), 0);
}

static void
test_process_backend_keeps_sys_admin(void **state)
{
	struct conf c;

	(void)state;
	memset(&c, 0, sizeof(c));
	c.backend = CONF_BACKEND_PROCESS;
	assert_true(priv_keep(&c) & PRIV_CAP(CAP_SYS_ADMIN));
	assert_int_equal(run_child(priv_keep(&c), 0), 0);
}

static void
test_keep_nothing(void **state)
{
	(void)state;
	assert_int_equal(run_child(0, 0), 0);
}

/* No CAP_SETPCAP: the bounding set stays, and still nothing comes back. */
static void
test_without_setpcap_exec_gets_only_kept(void **state)
{
	struct conf c;

	(void)state;
	memset(&c, 0, sizeof(c));
	c.backend = CONF_BACKEND_XEN;
	assert_int_equal(run_child(priv_keep(&c), 1), 0);
}

/* As root, jitsud lowers the bounding set too (it has CAP_SETPCAP). */
static void
test_bounding_set_lowered_when_root(void **state)
{
	uint64_t keep = PRIV_CAP(CAP_NET_RAW);
	pid_t	 p;
	int	 st;

	(void)state;
	if (!(status_field("self", "CapEff") & PRIV_CAP(CAP_SETPCAP)))
		skip();
	if ((p = fork()) == 0) {
		if (priv_drop(keep) == -1)
			_exit(1);
		_exit(status_field("self", "CapBnd") == keep ? 0 : 2);
	}
	assert_int_equal(waitpid(p, &st, 0), p);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xen_set_is_all_that_is_left),
		cmocka_unit_test(test_process_backend_keeps_sys_admin),
		cmocka_unit_test(test_keep_nothing),
		cmocka_unit_test(test_without_setpcap_exec_gets_only_kept),
		cmocka_unit_test(test_bounding_set_lowered_when_root),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
