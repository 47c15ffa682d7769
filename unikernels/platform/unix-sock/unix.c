/* unix.c -- unix-sock's process: entry, errno mapping, the signal source */
#include "sockplat.h"

#include <errno.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>

/*
 * Console, time, the command line and the signal self-pipe are
 * platform/unix/common.c's.  Here the self-pipe is one more source in
 * loop.c's epoll set, so SIGTERM from jitsud's process backend reaches
 * uk_poll() like any socket's news.
 */

static struct sock_src sigsrc;

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

int
unix_err(int err)
{
	switch (err) {
	case EAGAIN:
	case EINPROGRESS:
	case EALREADY:
	case ENOTCONN:
		return -UK_EAGAIN;
	case EPERM:
	case EACCES:
		return -UK_EPERM;
	case ENOMEM:
	case ENOBUFS:
	case EMFILE:
	case ENFILE:
		return -UK_ENOMEM;
	case EINVAL:
		return -UK_EINVAL;
	case EPIPE:
	case ESHUTDOWN:
		return -UK_EPIPE;
	case EMSGSIZE:
		return -UK_EMSGSIZE;
	case EADDRINUSE:
		return -UK_EADDRINUSE;
	case ECONNRESET:
	case ECONNABORTED:
		return -UK_ECONNRESET;
	case ETIMEDOUT:
		return -UK_ETIMEDOUT;
	case ECONNREFUSED:
		return -UK_ECONNREFUSED;
	case EHOSTUNREACH:
	case ENETUNREACH:
	case ENETDOWN:
	case EHOSTDOWN:
		return -UK_EHOSTUNREACH;
	default:
		return -UK_EIO;
	}
}

/*
 * A shutdown request: the application's handler, or uk_shutdown.  The
 * epoll set is edge-triggered (loop_add), so the pipe must be drained
 * here or it is never reported again: one request however many signals
 * (unix-tap's level-triggered poll(2) takes one byte, one request, a
 * call).
 */
static int
signal_run(struct sock_src *s, int events)
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
