/* log.h -- logging for jitsud and its tools: stderr or syslog */
#ifndef JITSUD_LOG_H
#define JITSUD_LOG_H

#include <stdarg.h>

/*
 * log_init: log to stderr when `foreground' is set, else to syslog under
 * `ident'.  `verbose' > 0 enables log_debug.  May be called again (after
 * daemonising, or when -v changes) and is cheap.
 */
void log_init(const char *ident, int foreground, int verbose);
void log_setverbose(int verbose);
int  log_getverbose(void);

/* log_warn appends ": strerror(errno)"; the x variants do not. */
void log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void vlog(int pri, const char *, va_list) __attribute__((format(printf, 2, 0)));

/*
 * log_ring_foreach: call fn on each of the last LOG_RING_LINES messages
 * (all but debug), oldest first.
 */
#define LOG_RING_LINES 200
#define LOG_RING_LEN   512
void log_ring_foreach(void (*fn)(const char *line, void *arg), void *arg);

/* fatal/fatalx log at LOG_CRIT and exit(1): start-up errors and broken
 * invariants only, never per-packet or per-client failures. */
void fatal(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif /* JITSUD_LOG_H */
