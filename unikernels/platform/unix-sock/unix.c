/* unix.c -- unix-sock's process: entry, its waiting, the signal source */
#include "sockplat.h"

#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>

/*
 * Console, time, the command line and the signal self-pipe are
 * platform/unix/common.c's.  Every fd here is in platform/unix/loop.c's
 * epoll set, which is all uk_poll() runs and waits on; the self-pipe is
 * one more source in it, so SIGTERM from jitsud's process backend
 * reaches uk_poll() like any socket's news.
 */

static struct loop_src sigsrc;

/* The NIC belongs to the kernel here; uk.h documents these as absent. */
int
uk_net_open(struct uk_netinfo *info)
{
	(void)info;
	return -UK_ENOSYS;
}

int
uk_net_send(const void *frame, size_t len)
{
	(void)frame;
	(void)len;
	return -UK_ENOSYS;
}

int
uk_net_recv(void *buf, size_t size)
{
	(void)buf;
	(void)size;
	return -UK_ENOSYS;
}

void
unix_sin(struct sockaddr_in *sin, uint32_t ip, uint16_t port)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(ip);
	sin->sin_port = htons(port);
}

/*
 * A shutdown request: the application's handler, or uk_shutdown.  The
 * epoll set is edge-triggered (loop_add), so the pipe must be drained
 * here or it is never reported again: one request however many signals
 * (unix-tap's level-triggered poll(2) takes one byte, one request, a
 * call).
 */
static int
signal_run(struct loop_src *s, int events)
{
	char buf[16];
	int got = 0;

	(void)events;
	while (read(s->fd, buf, sizeof(buf)) > 0)
		got = 1;
	if (!got)
		return 0;
	common_shutdown_request();
	return 1;
}

int
plat_dispatch(void)
{
	return loop_dispatch();
}

void
plat_wait(uint64_t deadline)
{
	loop_wait(deadline);
}

static void
signal_watch(void)
{
	sigsrc.fd = common_sigfd();
	sigsrc.run = signal_run;
	if (loop_add(&sigsrc, EPOLLIN) != 0)
		uk_panic("unix-sock: cannot watch the signal pipe");
}

int
main(int argc, char **argv)
{
	common_init("unix-sock", argc, argv);
	loop_init();
	signal_watch();
	ready_set_hook(synjitsu_handover);
	uk_exit(uk_main());
}
