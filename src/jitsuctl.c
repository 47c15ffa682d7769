/* jitsuctl.c -- control a running jitsud over its Unix socket */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "dial.h"
#include "version.h"

#define DEFAULT_SOCKET	   "/run/jitsud/jitsud.sock"
#define REPLY_TIMEOUT_MS   30000
/* connect: jitsud's own deadlines (max-boot, the offer's 10 s) answer. */
#define CONNECT_TIMEOUT_MS 300000
#define CONNECT_LINGER_MS  2000 /* stdin over: replies still come */

static void __attribute__((noreturn)) usage(void)
{
	fprintf(stderr,
	    "usage: jitsuctl [-V] [-s socket] command [argument]\n"
	    "commands: status, list, show NAME, start NAME, stop NAME,\n"
	    "          reload, metrics, log, connect NAME\n");
	exit(2);
}

static int
ctl_connect(const char *path)
{
	char err[256];
	int  fd;

	if ((fd = dial_socket(path, err, sizeof(err))) == -1) {
		fprintf(stderr, "jitsuctl: %s\n", err);
		exit(1);
	}
	return fd;
}

static void
write_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, buf, len)) == -1) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "jitsuctl: write: %s\n",
			    strerror(errno));
			exit(1);
		}
		buf += n;
		len -= (size_t)n;
	}
}

/*
 * Print the data lines, stop at the end line.  Returns the exit status:
 * 0 for "end ok", 1 for "end error" or a reply cut short.
 */
static int
read_reply(int fd)
{
	static char   buf[64 * 1024];
	size_t	      have = 0;
	char	     *nl, *line;
	const char   *text;
	struct pollfd pfd = { fd, POLLIN, 0 };
	ssize_t	      n;

	for (;;) {
		while ((nl = memchr(buf, '\n', have)) != NULL) {
			*nl = '\0';
			line = buf;
			switch (ctl_parse_reply(line, &text)) {
			case CTL_R_DATA:
				printf("%s\n", text);
				break;
			case CTL_R_OK:
				return 0;
			case CTL_R_ERROR:
				fprintf(stderr, "jitsuctl: %s\n", text);
				return 1;
			case CTL_R_BAD:
				fprintf(stderr, "jitsuctl: bad reply line\n");
				return 1;
			}
			have -= (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, have);
		}
		if (have == sizeof(buf)) {
			fprintf(stderr, "jitsuctl: reply line too long\n");
			return 1;
		}
		if (poll(&pfd, 1, REPLY_TIMEOUT_MS) == 0) {
			fprintf(stderr, "jitsuctl: no reply from jitsud\n");
			return 1;
		}
		if ((n = read(fd, buf + have, sizeof(buf) - have)) <= 0) {
			if (n == -1 && errno == EINTR)
				continue;
			fprintf(stderr,
			    "jitsuctl: connection closed before "
			    "the end of the reply\n");
			return 1;
		}
		have += (size_t)n;
	}
}

/*
 * connect NAME: jitsud brokers a vchan to the unikernel serving NAME
 * (conduit(7)), summoning it if need be (dial.c); then stdin goes to it
 * and what it sends to stdout, as nc(1) does.
 */
static int
conduit_connect(const char *path, const char *name)
{
	struct dial d;
	char	    err[512];
	int	    rc;

	if (dial(path, name, CONNECT_TIMEOUT_MS, &d, err, sizeof(err)) == -1) {
		fprintf(stderr, "jitsuctl: %s\n", err);
		return 1;
	}
	rc = vchan_splice(d.v, 0, 1, CONNECT_LINGER_MS, err, sizeof(err));
	if (rc == -1)
		fprintf(stderr, "jitsuctl: %s\n", err);
	dial_close(&d);
	return rc == 0 ? 0 : 1;
}

int
main(int argc, char *argv[])
{
	const char *path = DEFAULT_SOCKET;
	char	    req[CTL_LINE_MAX];
	int	    ch, fd, rc;

	while ((ch = getopt(argc, argv, "s:V")) != -1) {
		switch (ch) {
		case 's':
			path = optarg;
			break;
		case 'V':
			printf("jitsuctl %s\n", JITSUD_VERSION);
			return 0;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1 || argc > 2)
		usage();
	if (ctl_format_request(req, sizeof(req), argv[0],
		argc == 2 ? argv[1] : NULL) == -1) {
		fprintf(stderr, "jitsuctl: bad command or argument\n");
		usage();
	}
	if (strcmp(argv[0], "connect") == 0)
		return conduit_connect(path, argv[1]);
	fd = ctl_connect(path);
	write_all(fd, req, strlen(req));
	if ((rc = read_reply(fd)) == 0 && strcmp(argv[0], "reload") == 0)
		printf("configuration reloaded\n"); /* else: not a word */
	return rc;
}
