/* log.c -- logging to stderr (foreground, journald) or syslog */
#include <sys/stat.h>

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static void log_line(int, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static int log_foreground = 1;
static int log_verbose;
static int log_journal; /* stderr is systemd's journal: "<N>" prefixes */

/*
 * The last LOG_RING_LINES messages, for `jitsuctl log': an operator can
 * see why a summon failed without access to the journal.
 */
static char   log_ring[LOG_RING_LINES][LOG_RING_LEN];
static size_t log_ring_next, log_ring_count;

/* The Xen backend logs from its builder thread too. */
static pthread_mutex_t log_mtx = PTHREAD_MUTEX_INITIALIZER;

/* Each kept line starts with its local time: "2026-12-04 21:09:43". */
static void
log_ring_add(const char *msg)
{
	char	  when[32];
	time_t	  now = time(NULL);
	struct tm tm;

	if (localtime_r(&now, &tm) == NULL ||
	    strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(when, sizeof(when), "?");
	/* A message near LOG_RING_LEN loses its end to the time. */
	snprintf(log_ring[log_ring_next], LOG_RING_LEN, "%s %.*s", when,
	    (int)(LOG_RING_LEN - strlen(when) - 2), msg);
	log_ring_next = (log_ring_next + 1) % LOG_RING_LINES;
	if (log_ring_count < LOG_RING_LINES)
		log_ring_count++;
}

void
log_ring_foreach(void (*fn)(const char *, void *), void *arg)
{
	size_t i, start;

	/* fn must not log: the lock is held. */
	pthread_mutex_lock(&log_mtx);
	start = (log_ring_next + LOG_RING_LINES - log_ring_count) %
	    LOG_RING_LINES;
	for (i = 0; i < log_ring_count; i++)
		fn(log_ring[(start + i) % LOG_RING_LINES], arg);
	pthread_mutex_unlock(&log_mtx);
}

/*
 * libxl forks helpers from a builder thread (a domain's destroy, the
 * save helper), and a child may log through us.  Had another thread
 * held log_mtx at the fork, the child's copy would stay locked for
 * good: the fork waits for the lock instead, so both sides start free.
 */
static void
log_prefork(void)
{
	pthread_mutex_lock(&log_mtx);
}

static void
log_postfork(void)
{
	pthread_mutex_unlock(&log_mtx);
}

/*
 * Under systemd, -d's stderr is the journal (systemd sets JOURNAL_STREAM
 * to that stream's device:inode, see systemd.exec(5)).  A line then
 * starting with "<N>" carries its syslog priority N (sd-daemon(3));
 * without it the journal files every line, fatal ones too, as info.
 */
static int
log_on_journal(void)
{
	struct stat	   st;
	const char	  *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;

	if (js == NULL || sscanf(js, "%llu:%llu", &dev, &ino) != 2 ||
	    fstat(STDERR_FILENO, &st) == -1)
		return 0;
	return (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino;
}

void
log_init(const char *ident, int foreground, int verbose)
{
	static int atfork;

	if (!atfork &&
	    pthread_atfork(log_prefork, log_postfork, log_postfork) == 0)
		atfork = 1;
	log_foreground = foreground;
	log_verbose = verbose;
	log_journal = foreground && log_on_journal();
	if (!foreground)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	tzset();
}

void
log_setverbose(int verbose)
{
	log_verbose = verbose;
}

int
log_getverbose(void)
{
	return log_verbose;
}

void
vlog(int pri, const char *fmt, va_list ap)
{
	char line[LOG_RING_LEN];

	if (pri == LOG_DEBUG && log_verbose < 1)
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	pthread_mutex_lock(&log_mtx);
	if (pri != LOG_DEBUG)
		log_ring_add(line);
	if (!log_foreground)
		syslog(pri, "%s", line);
	else {
		if (log_journal)
			fprintf(stderr, "<%d>%s\n", pri, line);
		else
			fprintf(stderr, "%s\n", line);
		fflush(stderr);
	}
	pthread_mutex_unlock(&log_mtx);
}

/* Format and log one line (vlog's varargs form). */
static void
log_line(int pri, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(pri, fmt, ap);
	va_end(ap);
}

/*
 * Append ": strerror(errno)" to the message.  errno is saved first: the
 * formatting below may clobber it.
 */
static void
logit_errno(int pri, const char *fmt, va_list ap)
{
	int  saved = errno;
	char msg[LOG_RING_LEN - 128];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	errno = saved;
	log_line(pri, "%s: %s", msg, strerror(saved));
	errno = saved;
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	logit_errno(LOG_ERR, fmt, ap);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_ERR, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_DEBUG, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	logit_errno(LOG_CRIT, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap);
	va_end(ap);
	exit(1);
}
