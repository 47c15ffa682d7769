/* unix.c -- the libOS as a Linux process: entry, console, time, waiting */
#include "unixplat.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

/*
 * The command line is argv[1..] joined by blanks (or $UK_CMDLINE when
 * there are no arguments), so `httpd.tap jitsu.ip=10.0.0.2/24 uk.tap=t0`
 * reads like xl's extra=.  SIGTERM and SIGINT are the toolstack's
 * shutdown request (poweroff); they reach uk_poll() through a self-pipe
 * so that a signal between the check and poll(2) is never lost.
 * Exit status: 0 poweroff, 2 reboot, 1 crash.
 */

#define CMDLINE_MAX	1024
#define MAX_FDS		4

static char cmdline[CMDLINE_MAX];
static int sigpipe[2] = { -1, -1 };
static int fds[MAX_FDS];
static int nfds;
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

void
unix_watch_fd(int fd)
{
	if (nfds == MAX_FDS)
		uk_panic("unix: more than %d fds", MAX_FDS);
	fds[nfds++] = fd;
}

static void
on_signal(int sig)
{
	int saved = errno;

	(void)sig;
	(void)write(sigpipe[1], "s", 1);
	errno = saved;
}

/* A shutdown request, if a signal came: the handler or uk_shutdown. */
static int
signal_dispatch(void)
{
	char c;

	if (read(sigpipe[0], &c, 1) != 1)
		return 0;
	printf("uk: shutdown requested: poweroff\n");
	if (shutdown_fn != NULL)
		shutdown_fn(UK_POWEROFF, shutdown_arg);
	else
		uk_shutdown(UK_POWEROFF);
	return 1;
}

int
plat_dispatch(void)
{
	tapnet_flush(uk_now());
	return signal_dispatch() + tapnet_pending();
}

void
plat_wait(uint64_t deadline)
{
	struct pollfd p[MAX_FDS + 1];
	uint64_t now = uk_now(), until = tapnet_next(), ms;
	int i;

	if (until > deadline)
		until = deadline;
	ms = until <= now ? 0 : (until - now + 999999) / 1000000;
	p[0].fd = sigpipe[0];
	p[0].events = POLLIN;
	for (i = 0; i < nfds; i++) {
		p[i + 1].fd = fds[i];
		p[i + 1].events = POLLIN;
	}
	(void)poll(p, (nfds_t)nfds + 1, ms > INT_MAX ? -1 : (int)ms);
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
signals_init(void)
{
	struct sigaction sa;

	if (pipe2(sigpipe, O_NONBLOCK | O_CLOEXEC) != 0)
		uk_panic("unix: pipe2: errno %d", errno);
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

int
main(int argc, char **argv)
{
	cmdline_init(argc, argv);
	signals_init();
	uk_exit(uk_main());
}
