/* test_sdnotify.c -- sdnotify.c against a real datagram socket */
#include <sys/socket.h>
#include <sys/un.h>

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

/* Bind a datagram socket at `name' (abstract when it starts with '@'). */
static int
listener(const char *name)
{
	struct sockaddr_un sun;
	size_t		   n = strlen(name);
	int		   fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, name, n);
	if (name[0] == '@')
		sun.sun_path[0] = '\0';
	else
		unlink(name);
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun,
			     (socklen_t)(offsetof(struct sockaddr_un,
					     sun_path) +
				 n)),
	    0);
	return fd;
}

static void
assert_received(int fd, const char *want)
{
	char	buf[256];
	ssize_t n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);

	assert_true(n >= 0);
	buf[n] = '\0';
	assert_string_equal(buf, want);
}

static void
test_path_socket_gets_the_state(void **state)
{
	const char *path = "/tmp/jitsud-test-notify.sock";
	int	    fd = listener(path);

	(void)state;
	setenv("NOTIFY_SOCKET", path, 1);
	assert_int_equal(sdnotify("READY=1"), 1);
	assert_received(fd, "READY=1");
	close(fd);
	unlink(path);
}

static void
test_abstract_socket_gets_the_state(void **state)
{
	char name[64];
	int  fd;

	(void)state;
	snprintf(name, sizeof(name), "@jitsud-test-%d", (int)getpid());
	fd = listener(name);
	setenv("NOTIFY_SOCKET", name, 1);
	assert_int_equal(sdnotify("STOPPING=1"), 1);
	assert_received(fd, "STOPPING=1");
	close(fd);
}

static void
test_unset_or_bad_socket(void **state)
{
	(void)state;
	unsetenv("NOTIFY_SOCKET");
	assert_int_equal(sdnotify("READY=1"), 0);
	setenv("NOTIFY_SOCKET", "relative/path", 1);
	assert_int_equal(sdnotify("READY=1"), -1);
	setenv("NOTIFY_SOCKET", "/tmp/jitsud-test-nobody-listens", 1);
	assert_int_equal(sdnotify("READY=1"), -1);
}

static void
test_watchdog_interval_only_for_us(void **state)
{
	char pid[32];

	(void)state;
	unsetenv("WATCHDOG_PID");
	unsetenv("WATCHDOG_USEC");
	assert_int_equal(sdnotify_watchdog_usec(), 0);
	setenv("WATCHDOG_USEC", "30000000", 1);
	assert_int_equal(sdnotify_watchdog_usec(), 30000000);
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	setenv("WATCHDOG_PID", pid, 1);
	assert_int_equal(sdnotify_watchdog_usec(), 30000000);
	setenv("WATCHDOG_PID", "1", 1);
	assert_int_equal(sdnotify_watchdog_usec(), 0);
	unsetenv("WATCHDOG_PID");
	setenv("WATCHDOG_USEC", "30s", 1);
	assert_int_equal(sdnotify_watchdog_usec(), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_socket_gets_the_state),
		cmocka_unit_test(test_abstract_socket_gets_the_state),
		cmocka_unit_test(test_unset_or_bad_socket),
		cmocka_unit_test(test_watchdog_interval_only_for_us),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
