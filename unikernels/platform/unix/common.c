/* common.c -- the libOS as a Linux process: console, time, cmdline, signals */
#include "common.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

/*
 * The command line is argv[1..] joined by blanks (or $UK_CMDLINE when
 * there are no arguments), so `httpd.tap jitsu.ip=10.0.0.2/24 uk.tap=t0`
 * or `httpd.unix jitsu.ip=10.0.0.2/24` reads like xl's extra=.  SIGTERM
 * and SIGINT are the toolstack's shutdown request (poweroff): jitsud's
 * process backend sends SIGTERM.  They reach uk_poll() through a
 * self-pipe that the binding waits on beside its other fds, so a signal
 * between the check and the wait is never lost.
 * Exit status: 0 poweroff, 2 reboot, 1 crash.
 */

#define CMDLINE_MAX 1024

static char cmdline[CMDLINE_MAX];
static int sigpipe[2] = { -1, -1 };
static uk_shutdown_fn *shutdown_fn;
static void *shutdown_arg;

const char *
plat_cmdline(void)
{
	return cmdline;
}

void
uk_console_write(const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(1, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		buf += n;
		len -= (size_t)n;
	}
}

uint64_t
uk_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

void
uk_sleep(uint64_t ns)
{
	struct timespec ts = { .tv_sec = (time_t)(ns / 1000000000ULL),
		.tv_nsec = (long)(ns % 1000000000ULL) };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

void
uk_shutdown(enum uk_shutdown_reason reason)
{
	exit(reason == UK_POWEROFF ? 0 : reason == UK_REBOOT ? 2 : 1);
}

void
uk_on_shutdown(uk_shutdown_fn *fn, void *arg)
{
	shutdown_fn = fn;
	shutdown_arg = arg;
}

int
common_sigfd(void)
{
	return sigpipe[0];
}

void
common_shutdown_request(void)
{
	printf("uk: shutdown requested: poweroff\n");
	if (shutdown_fn != NULL)
		shutdown_fn(UK_POWEROFF, shutdown_arg);
	else
		uk_shutdown(UK_POWEROFF);
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

static void
on_signal(int sig)
{
	int saved = errno;

	(void)sig;
	(void)write(sigpipe[1], "s", 1);
	errno = saved;
}

/* Joins argv[1..] with blanks, cut at CMDLINE_MAX - 1 bytes. */
static void
cmdline_init(int argc, char **argv)
{
	const char *env = getenv("UK_CMDLINE");
	size_t n = 0;
	int i;

	if (argc <= 1 && env != NULL)
		(void)strlcpy(cmdline, env, sizeof(cmdline));
	for (i = 1; i < argc && n + 1 < sizeof(cmdline); i++) {
		if (i > 1)
			cmdline[n++] = ' ';
		n += strlcpy(cmdline + n, argv[i], sizeof(cmdline) - n);
	}
	if (n >= sizeof(cmdline))
		cmdline[sizeof(cmdline) - 1] = '\0';
}

static void
signals_init(const char *plat)
{
	struct sigaction sa;

	if (pipe2(sigpipe, O_NONBLOCK | O_CLOEXEC) != 0)
		uk_panic("%s: pipe2: errno %d", plat, errno);
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

void
common_init(const char *plat, int argc, char **argv)
{
	cmdline_init(argc, argv);
	signals_init(plat);
}
