/* quietlog.c -- log.c for unit tests: silent, counts warnings, fatal aborts */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "quietlog.h"

int quietlog_warnings;

void
log_init(const char *ident, int foreground, int verbose)
{
	(void)ident;
	(void)foreground;
	(void)verbose;
}

void
log_setverbose(int verbose)
{
	(void)verbose;
}

int
log_getverbose(void)
{
	return 0;
}

void
vlog(int pri, const char *fmt, va_list ap)
{
	(void)pri;
	(void)fmt;
	(void)ap;
}

void
log_warn(const char *fmt, ...)
{
	(void)fmt;
	quietlog_warnings++;
}

void
log_warnx(const char *fmt, ...)
{
	(void)fmt;
	quietlog_warnings++;
}

void
log_info(const char *fmt, ...)
{
	(void)fmt;
}

void
log_debug(const char *fmt, ...)
{
	(void)fmt;
}

/* A module gave up: say why (as log.c does), then abort: the test fails. */
static void
quietlog_fatal(const char *why, const char *fmt, va_list ap)
{
	fprintf(stderr, "fatal: ");
	vfprintf(stderr, fmt, ap);
	if (why != NULL)
		fprintf(stderr, ": %s", why);
	fprintf(stderr, "\n");
	abort();
}

void
fatal(const char *fmt, ...)
{
	const char *why = strerror(errno);
	va_list	    ap;

	va_start(ap, fmt);
	quietlog_fatal(why, fmt, ap);
	va_end(ap);
	abort();
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	quietlog_fatal(NULL, fmt, ap);
	va_end(ap);
	abort();
}
