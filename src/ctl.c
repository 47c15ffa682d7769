/* ctl.c -- the control protocol's lines, shared by jitsud and jitsuctl */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ctl.h"

static const struct {
	const char *name;
	int	    needs_arg; /* 1: required, 0: none */
} ctl_cmds[CTL_NCMDS] = {
	[CTL_LIST] = { "list", 0 },
	[CTL_SHOW] = { "show", 1 },
	[CTL_START] = { "start", 1 },
	[CTL_STOP] = { "stop", 1 },
	[CTL_RELOAD] = { "reload", 0 },
	[CTL_METRICS] = { "metrics", 0 },
	[CTL_LOG] = { "log", 0 },
	[CTL_STATUS] = { "status", 0 },
	[CTL_CONNECT] = { "connect", 1 },
};

static int ctl_fail(char *, size_t, const char *, ...)
    __attribute__((format(printf, 3, 4)));

/* Say why in err and return -1, so a parser can `return ctl_fail()'. */
static int
ctl_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

const char *
ctl_cmd_name(enum ctl_cmd c)
{
	return c < CTL_NCMDS ? ctl_cmds[c].name : "?";
}

static int
ctl_lookup(const char *name, size_t len)
{
	int i;

	for (i = 0; i < CTL_NCMDS; i++)
		if (strlen(ctl_cmds[i].name) == len &&
		    memcmp(ctl_cmds[i].name, name, len) == 0)
			return i;
	return -1;
}

/* A printable word: no blanks, no control bytes, no DEL. */
static int
ctl_word_ok(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] == 0x7f)
			return 0;
	return len > 0;
}

int
ctl_parse_request(const char *line, size_t len, struct ctl_request *r,
    char *err, size_t errlen)
{
	const char *p = line, *end = line + len, *w;
	size_t	    mlen = strlen(CTL_MAGIC), n;
	int	    c;

	memset(r, 0, sizeof(*r));
	if (len < 6 || memcmp(line, "jitsu/", 6) != 0)
		return ctl_fail(err, errlen, "not a jitsu control request");
	if (len < mlen || memcmp(line, CTL_MAGIC, mlen) != 0 ||
	    (len > mlen && line[mlen] != ' '))
		return ctl_fail(err, errlen, "unsupported protocol version");
	p += mlen;
	while (p < end && *p == ' ')
		p++;
	for (w = p; p < end && *p != ' '; p++)
		;
	if ((c = ctl_lookup(w, (size_t)(p - w))) == -1)
		return ctl_fail(err, errlen, "unknown command '%.*s'",
		    (int)(p - w > 32 ? 32 : p - w), w);
	r->cmd = (enum ctl_cmd)c;
	while (p < end && *p == ' ')
		p++;
	if (p == end) {
		if (ctl_cmds[c].needs_arg == 1)
			return ctl_fail(err, errlen, "%s needs an argument",
			    ctl_cmds[c].name);
		return 0;
	}
	if (ctl_cmds[c].needs_arg == 0)
		return ctl_fail(err, errlen, "%s takes no argument",
		    ctl_cmds[c].name);
	/*
	 * Every argument is a name: "www.example.org" is taken as the
	 * absolute "www.example.org.", as an operator means it (hence the
	 * room for one more byte when the dot is missing).
	 */
	n = (size_t)(end - p);
	if (n + (end[-1] != '.') >= sizeof(r->arg) || !ctl_word_ok(p, n))
		return ctl_fail(err, errlen, "bad argument");
	memcpy(r->arg, p, n);
	if (r->arg[n - 1] != '.')
		r->arg[n] = '.';
	return 0;
}

int
ctl_format_request(char *buf, size_t len, const char *cmd, const char *arg)
{
	int c = ctl_lookup(cmd, strlen(cmd)), n;

	if (c == -1)
		return -1;
	if ((arg == NULL) != (ctl_cmds[c].needs_arg == 0))
		return -1;
	if (arg != NULL &&
	    (strlen(arg) >= CTL_ARG_MAX || !ctl_word_ok(arg, strlen(arg))))
		return -1;
	n = snprintf(buf, len, "%s %s%s%s\n", CTL_MAGIC, cmd, arg ? " " : "",
	    arg ? arg : "");
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

enum ctl_reply
ctl_parse_reply(const char *line, const char **text)
{
	*text = "";
	if (strncmp(line, "data ", 5) == 0) {
		*text = line + 5;
		return CTL_R_DATA;
	}
	if (strcmp(line, "data") == 0)
		return CTL_R_DATA;
	if (strcmp(line, "end ok") == 0)
		return CTL_R_OK;
	if (strncmp(line, "end error ", 10) == 0) {
		*text = line + 10;
		return CTL_R_ERROR;
	}
	return CTL_R_BAD;
}
