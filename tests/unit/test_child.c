/* test_child.c -- child.c: a forked child lets go of sockets, only them */
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include "child.h"

static int
is_open(int fd)
{
	return fcntl(fd, F_GETFD) != -1 || errno != EBADF;
}

/*
 * The child reports in its exit status, one bit per descriptor that
 * is in the wrong state after child_close_sockets.
 */
static void
test_sockets_go_pipes_and_files_stay(void **state)
{
	int   udp, tcp, sp[2], p[2], file, bits, status;
	pid_t pid;

	(void)state;
	udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	tcp = socket(AF_INET6, SOCK_STREAM, 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	assert_int_equal(pipe(p), 0);
	file = open("/dev/null", O_RDONLY | O_CLOEXEC);
	assert_true(udp > 2 && tcp > 2 && file > 2);
	if ((pid = fork()) == 0) {
		bits = 0;
		if (child_close_sockets() < 0)
			bits |= 64;
		if (is_open(udp))
			bits |= 1;
		if (is_open(tcp))
			bits |= 2;
		if (is_open(sp[0]) || is_open(sp[1]))
			bits |= 4;
		if (!is_open(p[0]) || !is_open(p[1]))
			bits |= 8;
		if (!is_open(file))
			bits |= 16;
		if (!is_open(STDERR_FILENO))
			bits |= 32;
		_exit(bits);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	/* The parent's own are untouched. */
	assert_true(is_open(udp) && is_open(tcp) && is_open(sp[0]));
	close(udp);
	close(tcp);
	close(sp[0]);
	close(sp[1]);
	close(p[0]);
	close(p[1]);
	close(file);
}

/* Far past the first getdents64 buffer: every one is found. */
static void
test_many_sockets_all_go(void **state)
{
	int   fds[600], i, n = 0, status;
	pid_t pid;

	(void)state;
	for (i = 0; i < 600; i++)
		if ((fds[i] = socket(AF_INET, SOCK_DGRAM, 0)) != -1)
			n++;
	assert_true(n > 500);
	if ((pid = fork()) == 0) {
		(void)child_close_sockets();
		for (i = 0; i < 600; i++)
			if (fds[i] != -1 && is_open(fds[i]))
				_exit(1);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	for (i = 0; i < 600; i++)
		if (fds[i] != -1)
			close(fds[i]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sockets_go_pipes_and_files_stay),
		cmocka_unit_test(test_many_sockets_all_go),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
