/* unix.c -- unix-TAP's process: entry, waiting on the TAP, signals, sockets */
#include "unixplat.h"

#include <limits.h>
#include <poll.h>
#include <unistd.h>

/*
 * Console, time, the command line and the signal self-pipe are
 * platform/unix/common.c's, conduits platform/unix/conduit.c's.  Here
 * uk_poll() waits with poll(2) on the self-pipe, on the fds tapnet.c
 * watches and on platform/unix/loop.c's epoll set (the conduits'
 * sockets), until the earlier of the caller's deadline and a frame
 * tapnet holds back (impairment).  The set's fd is readable only while
 * it holds news nobody fetched, so poll(2)'s level-triggered wait keeps
 * the sockets' edge-triggered reports: loop_dispatch() fetches them.
 */

#define MAX_FDS 4

static int fds[MAX_FDS];
static int nfds;

void
unix_watch_fd(int fd)
{
	if (nfds == MAX_FDS)
		uk_panic("unix: more than %d fds", MAX_FDS);
	fds[nfds++] = fd;
}

/*
 * A shutdown request, if a signal came.  One byte a call: poll(2) is
 * level-triggered, so a second signal's byte wakes the next uk_poll()
 * and is a request of its own (unix-sock's edge-triggered epoll must
 * drain the pipe instead).
 */
static int
signal_dispatch(void)
{
	char c;

	if (read(common_sigfd(), &c, 1) != 1)
		return 0;
	common_shutdown_request();
	return 1;
}

int
plat_dispatch(void)
{
	tapnet_flush(uk_now());
	return signal_dispatch() + loop_dispatch() + tapnet_pending();
}

void
plat_wait(uint64_t deadline)
{
	struct pollfd p[MAX_FDS + 2];
	uint64_t now = uk_now(), until = tapnet_next(), ms;
	int i;

	if (until > deadline)
		until = deadline;
	ms = until <= now || loop_busy() ? 0 : (until - now + 999999) / 1000000;
	p[0].fd = common_sigfd();
	p[1].fd = loop_fd();
	for (i = 0; i < nfds; i++)
		p[i + 2].fd = fds[i];
	for (i = 0; i < nfds + 2; i++)
		p[i].events = POLLIN;
	(void)poll(p, (nfds_t)nfds + 2, ms > INT_MAX ? -1 : (int)ms);
}

int
main(int argc, char **argv)
{
	common_init("unix", argc, argv);
	loop_init();
	uk_exit(uk_main());
}
