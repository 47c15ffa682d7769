/* test_dial.c -- dial.c: jitsud's answer to a connect, read and acted on */
#include <sys/socket.h>
#include <sys/un.h>

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "dial.h"

/*
 * A jitsud of the test's: one connection on a Unix socket, the request
 * line recorded, a canned answer sent, then the time until the client
 * closes.  The vchan is the test's too (there is no Xen here): the
 * client end records what it was asked for.
 */
static char	   sockpath[108], dir[64];
static int	   lfd;
static const char *answer;
static char	   request[256];
static int	   closed_by_client;
static pthread_t   server;

static int  vchan_fail;
static int  asked_domid, vchan_closed;
static char asked_path[256];
static char fake_vchan;

struct vchan *
vchan_client(int peer, const char *path, char *err, size_t errlen)
{
	asked_domid = peer;
	snprintf(asked_path, sizeof(asked_path), "%s", path);
	if (vchan_fail) {
		snprintf(err, errlen, "no such ring");
		return NULL;
	}
	return (struct vchan *)&fake_vchan;
}

void
vchan_close(struct vchan *v)
{
	assert_ptr_equal(v, &fake_vchan);
	vchan_closed++;
}

static void *
serve(void *arg)
{
	char   c;
	size_t n = 0;
	int    fd;

	(void)arg;
	if ((fd = accept(lfd, NULL, NULL)) == -1)
		return NULL;
	while (n + 1 < sizeof(request) && read(fd, &c, 1) == 1) {
		request[n++] = c;
		if (c == '\n')
			break;
	}
	request[n] = '\0';
	if (write(fd, answer, strlen(answer)) < 0)
		return NULL;
	if (answer[0] == '\0')
		shutdown(fd, SHUT_WR); /* a jitsud gone before answering */
	/* The channel lasts as long as the connection. */
	while (read(fd, &c, 1) > 0)
		;
	closed_by_client = 1;
	close(fd);
	return NULL;
}

static int
setup(void **state)
{
	struct sockaddr_un sun;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_dial.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(sockpath, sizeof(sockpath), "%s/sock", dir);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", sockpath);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (lfd == -1 || bind(lfd, (struct sockaddr *)&sun, sizeof(sun)) ||
	    listen(lfd, 1))
		return -1;
	request[0] = '\0';
	closed_by_client = vchan_fail = vchan_closed = 0;
	asked_domid = -1;
	asked_path[0] = '\0';
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	close(lfd);
	unlink(sockpath);
	rmdir(dir);
	return 0;
}

static void
start(const char *a)
{
	answer = a;
	assert_int_equal(pthread_create(&server, NULL, serve, NULL), 0);
}

static void
test_data_line_gives_the_vchan_and_close_ends_the_channel(void **state)
{
	struct dial d;
	char	    err[256];

	(void)state;
	start("data 7 /jitsu/conduit/chan/3\n");
	assert_int_equal(dial(sockpath, "Echo.test", 2000, &d, err,
			     sizeof(err)),
	    0);
	assert_string_equal(request, "jitsu/1 connect Echo.test\n");
	assert_int_equal(d.domid, 7);
	assert_string_equal(d.path, "/jitsu/conduit/chan/3");
	assert_int_equal(asked_domid, 7);
	assert_string_equal(asked_path, "/jitsu/conduit/chan/3");
	assert_ptr_equal(d.v, &fake_vchan);
	assert_int_equal(closed_by_client, 0); /* still the channel's */
	dial_close(&d);
	pthread_join(server, NULL);
	assert_int_equal(closed_by_client, 1);
	assert_int_equal(vchan_closed, 1);
}

/* Each refusal or bad answer: -1, why, and the connection closed. */
static void
assert_refused(const char *a, const char *why)
{
	struct dial d;
	char	    err[256];

	start(a);
	assert_int_equal(dial(sockpath, "echo.test", 2000, &d, err,
			     sizeof(err)),
	    -1);
	pthread_join(server, NULL);
	assert_int_equal(closed_by_client, 1);
	if (strstr(err, why) == NULL)
		fail_msg("answer \"%s\": error \"%s\", wanted \"%s\"", a, err,
		    why);
	assert_int_equal(d.ctl, -1);
	assert_null(d.v);
}

static void
test_refusals_and_bad_answers_are_errors(void **state)
{
	(void)state;
	assert_refused("end error unknown\n", "unknown");
	assert_refused("end ok\n", "ended before it was up");
	assert_refused("data 0 /jitsu/conduit/chan/1\n", "bad channel");
	assert_refused("data 7\n", "bad channel");
	assert_refused("data 7 /a /b\n", "bad channel");
	assert_refused("data x7 /a\n", "bad channel");
	assert_refused("data 99999 /a\n", "bad channel");
	assert_refused("hello\n", "bad reply");
	assert_refused("", "closed the connection");
	assert_int_equal(asked_domid, -1); /* no vchan was tried */
	vchan_fail = 1;
	assert_refused("data 7 /jitsu/conduit/chan/3\n",
	    "domain 7's vchan at /jitsu/conduit/chan/3: no such ring");
}

static void
test_silence_times_out_and_no_socket_is_said(void **state)
{
	struct dial d;
	char	    err[256];

	(void)state;
	start("data 7 /p"); /* no end of line: never a whole answer */
	assert_int_equal(dial(sockpath, "echo.test", 200, &d, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "no channel from jitsud in 200 ms"));
	pthread_join(server, NULL);
	assert_int_equal(dial("/nonexistent/sock", "echo.test", 200, &d, err,
			     sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "is jitsud running?"));
	assert_int_equal(dial(sockpath, "two words", 200, &d, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "cannot be asked for"));
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_data_line_gives_the_vchan_and_close_ends_the_channel),
		T(test_refusals_and_bad_answers_are_errors),
		T(test_silence_times_out_and_no_socket_is_said),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
