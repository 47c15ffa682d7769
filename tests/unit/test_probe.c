/* test_probe.c -- the TCP readiness probe against listeners of its own */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>

#include "jitsud.h"
#include "testutil.h"

/* Only 127.0.0.1 and a port this test bound itself are ever probed. */
static struct event_base *base;
static int		  called, late_fd = -1;
static struct sockaddr_in lsin;

static void
probed(void *arg)
{
	(void)arg;
	called++;
}

/* Run the loop for ms, or until the probe calls back. */
static void
run_for(unsigned int ms)
{
	unsigned int i;

	for (i = 0; i < ms / 5 && !called; i++)
		testutil_loop_for(base, 5);
}

/* A listening socket on 127.0.0.1, on lsin's port (0: any); into lsin. */
static int
listener(void)
{
	socklen_t len = sizeof(lsin);
	int	  fd, on = 1;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	assert_int_equal(bind(fd, (struct sockaddr *)&lsin, sizeof(lsin)), 0);
	assert_int_equal(listen(fd, 4), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&lsin, &len), 0);
	return fd;
}

static void
listen_late(int fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	(void)arg;
	late_fd = listener();
}

static int
setup(void **state)
{
	(void)state;
	called = 0;
	late_fd = -1;
	memset(&lsin, 0, sizeof(lsin));
	lsin.sin_family = AF_INET;
	lsin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	base = event_base_new();
	return base == NULL;
}

static int
teardown(void **state)
{
	(void)state;
	if (late_fd != -1)
		close(late_fd);
	event_base_free(base);
	return 0;
}

static void
test_probe_calls_back_from_the_loop_not_from_start(void **state)
{
	struct probe *p;
	int	      fd = listener();

	(void)state;
	p = probe_start(base, (struct sockaddr *)&lsin, sizeof(lsin), probed,
	    NULL);
	assert_non_null(p);
	assert_int_equal(called, 0);
	run_for(1000);
	assert_int_equal(called, 1);
	close(fd);
}

static void
test_probe_retries_until_the_port_listens(void **state)
{
	struct probe *p;
	unsigned int  i;
	int	      fd = listener();

	(void)state;
	close(fd); /* a port nobody listens on, for now */
	p = probe_start(base, (struct sockaddr *)&lsin, sizeof(lsin), probed,
	    NULL);
	assert_non_null(p);
	/*
	 * Refused every PROBE_INTERVAL_MS: let three tries fail, then
	 * listen. Counted, not timed: a loop of 5 ms slices runs longer
	 * than its sum on a loaded host, and a listener put up by a timer
	 * could beat a wall-clock deadline.
	 */
	for (i = 0; i < 400 && probe_attempts(p) < 3; i++)
		testutil_loop_for(base, 5);
	assert_true(probe_attempts(p) >= 3);
	assert_int_equal(called, 0);
	late_fd = listener();
	run_for(2000);
	assert_int_equal(called, 1);
}

static void
test_cancelled_probe_never_calls_back(void **state)
{
	struct timeval later = { 0, 50000 };
	struct probe  *p;
	int	       fd = listener();

	(void)state;
	close(fd);
	p = probe_start(base, (struct sockaddr *)&lsin, sizeof(lsin), probed,
	    NULL);
	assert_non_null(p);
	run_for(60);
	probe_cancel(p);
	event_base_once(base, -1, EV_TIMEOUT, listen_late, NULL, &later);
	run_for(300);
	assert_int_equal(called, 0);
	probe_cancel(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_probe_calls_back_from_the_loop_not_from_start, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_probe_retries_until_the_port_listens, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_cancelled_probe_never_calls_back, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
