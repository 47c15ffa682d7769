/* ctl.h -- the control protocol between jitsud and jitsuctl (version 1) */
#ifndef JITSUD_CTL_H
#define JITSUD_CTL_H

#include <stddef.h>

/*
 * Over a Unix stream socket the client sends one request line:
 *
 *	jitsu/1 COMMAND [ARGUMENT]\n
 *
 * and the daemon answers with any number of data lines and exactly one
 * end line, then closes:
 *
 *	data TEXT\n		(repeated)
 *	end ok\n  |  end error TEXT\n
 *
 * The explicit end tells a complete reply from a daemon that died half
 * way.  One command keeps the connection: "connect NAME" (conduit(7))
 * answers "data S PATH" once the channel to domain S is up, and the
 * connection then stands for the channel: closing it ends the channel,
 * and "end ok" comes when the other side ended it.  A request of another version gets "end error unsupported
 * protocol version"; new commands may be added within a version.
 */
#define CTL_VERSION  1
#define CTL_MAGIC    "jitsu/1"
#define CTL_LINE_MAX 1024 /* request and reply lines, with \n */
#define CTL_ARG_MAX  256

enum ctl_cmd {
	CTL_LIST,
	CTL_SHOW,
	CTL_START,
	CTL_STOP,
	CTL_RELOAD,
	CTL_METRICS,
	CTL_LOG,
	CTL_STATUS,
	CTL_CONNECT,
	CTL_NCMDS
};

struct ctl_request {
	enum ctl_cmd cmd;
	char	     arg[CTL_ARG_MAX]; /* "" when none */
};

enum ctl_reply {
	CTL_R_DATA,  /* *text is the payload */
	CTL_R_OK,    /* the end: success */
	CTL_R_ERROR, /* the end: *text says why */
	CTL_R_BAD,   /* not a line of this protocol */
};

/*
 * ctl_parse_request: parse one request line (without its newline, len
 * bytes, not NUL-terminated) into *r.  Returns 0, or -1 with the reason
 * in err[errlen] (which the daemon sends back as "end error ...").
 */
int ctl_parse_request(const char *line, size_t len, struct ctl_request *r,
    char *err, size_t errlen);

/*
 * ctl_format_request: "jitsu/1 COMMAND [ARG]\n" for a command named by
 * the user into buf[len]; -1 for an unknown command, a missing or extra
 * argument, or an argument with blanks or control characters.
 */
int ctl_format_request(char *buf, size_t len, const char *cmd, const char *arg);

/* ctl_parse_reply: classify a reply line (without newline, NUL-ended). */
enum ctl_reply ctl_parse_reply(const char *line, const char **text);

/* ctl_cmd_name: "list", "show", ... */
const char *ctl_cmd_name(enum ctl_cmd);

#endif /* JITSUD_CTL_H */
