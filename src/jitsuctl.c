/* jitsuctl.c -- control a running jitsud over its Unix socket */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "vchan.h"
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
	struct sockaddr_un sun;
	int		   fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "jitsuctl: socket path too long\n");
		exit(2);
	}
	strcpy(sun.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		fprintf(stderr, "jitsuctl: %s: %s (is jitsud running?)\n", path,
		    strerror(errno));
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
 * 0 for "end ok", 1 for "end error" or a reply cut short.  With `first'
 * (connect), the first data line is not printed but copied there, and
 * ends the reply: 2 is then returned.
 */
static int
read_reply(int fd, char *first, size_t firstlen)
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
				if (first != NULL) {
					snprintf(first, firstlen, "%s", text);
					return 2;
				}
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
		if (poll(&pfd, 1,
			first != NULL ? CONNECT_TIMEOUT_MS :
					REPLY_TIMEOUT_MS) == 0) {
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
 * (conduit(7)), summoning it if need be, and answers "data S PATH";
 * then stdin goes to it and what it sends to stdout, as nc(1) does.
 * The control connection stays open as long as the channel: closing it
 * is how jitsud learns the channel is over.
 */
static int
conduit_connect(int fd)
{
	char	      line[CTL_LINE_MAX], path[CTL_LINE_MAX], err[256];
	struct vchan *v;
	unsigned long domid;
	char	     *end;
	int	      rc;

	if ((rc = read_reply(fd, line, sizeof(line))) != 2)
		return rc == 0 ? 1 : rc; /* "end ok" before any channel */
	domid = strtoul(line, &end, 10);
	if (end == line || *end != ' ' || domid == 0 || domid >= 0x7ff0 ||
	    sscanf(end + 1, "%1023s", path) != 1) {
		fprintf(stderr, "jitsuctl: bad channel from jitsud: %s\n",
		    line);
		return 1;
	}
	if ((v = vchan_client((int)domid, path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "jitsuctl: domain %lu's vchan at %s: %s\n",
		    domid, path, err);
		return 1;
	}
	rc = vchan_splice(v, 0, 1, CONNECT_LINGER_MS, err, sizeof(err));
	if (rc == -1)
		fprintf(stderr, "jitsuctl: %s\n", err);
	vchan_close(v);
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
	fd = ctl_connect(path);
	write_all(fd, req, strlen(req));
	if (strcmp(argv[0], "connect") == 0)
		return conduit_connect(fd);
	if ((rc = read_reply(fd, NULL, 0)) == 0 &&
	    strcmp(argv[0], "reload") == 0)
		printf("configuration reloaded\n"); /* else: not a word */
	return rc;
}
