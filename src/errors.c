/* errors.c -- collect "file:line: what is wrong" messages for the operator */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "jitsud.h"

void
errors_vadd(struct errors *e, const char *path, int line, const char *fmt,
    va_list ap)
{
	char *msg;
	int   n;

	/* Keep counting past the bound: "and N more" is worth saying. */
	if (e->count++ >= ERRORS_MAX)
		return;
	e->line[e->count - 1] = line;
	msg = e->msg[e->count - 1];
	if (line > 0)
		n = snprintf(msg, ERROR_LEN, "%s:%d: ", path, line);
	else
		n = snprintf(msg, ERROR_LEN, "%s: ", path);
	if (n >= 0 && n < ERROR_LEN)
		vsnprintf(msg + n, ERROR_LEN - (size_t)n, fmt, ap);
}

void
errors_add(struct errors *e, const char *path, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	errors_vadd(e, path, line, fmt, ap);
	va_end(ap);
}

/*
 * Checks that run after parsing report in their own order; put the
 * messages back in line order, stably so ties keep discovery order.
 */
void
errors_sort(struct errors *e, size_t first)
{
	char   msg[ERROR_LEN];
	size_t i, j, end;
	int    line;

	end = e->count < ERRORS_MAX ? e->count : ERRORS_MAX;
	for (i = first + 1; i < end; i++) {
		line = e->line[i];
		memcpy(msg, e->msg[i], sizeof(msg));
		for (j = i; j > first && e->line[j - 1] > line; j--) {
			e->line[j] = e->line[j - 1];
			memcpy(e->msg[j], e->msg[j - 1], sizeof(msg));
		}
		e->line[j] = line;
		memcpy(e->msg[j], msg, sizeof(msg));
	}
}

void
errors_each(const struct errors *e, void (*fn)(const char *, void *), void *arg)
{
	char   more[64];
	size_t i;

	for (i = 0; i < e->count && i < ERRORS_MAX; i++)
		fn(e->msg[i], arg);
	if (e->count > ERRORS_MAX) {
		snprintf(more, sizeof(more), "... and %zu more errors",
		    e->count - ERRORS_MAX);
		fn(more, arg);
	}
}

static void
errors_line(const char *line, void *fp)
{
	fprintf(fp, "%s\n", line);
}

void
errors_print(const struct errors *e, FILE *fp)
{
	errors_each(e, errors_line, fp);
}
