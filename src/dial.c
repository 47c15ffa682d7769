/* dial.c -- conduit for Dom0 programs: a name to a vchan, through jitsud */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "dial.h"

int
dial_socket(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	int		   fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "socket path too long (%zu bytes)",
		    strlen(path));
		return -1;
	}
	strcpy(sun.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		goto fail;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		close(fd);
		goto fail;
	}
	return fd;
fail:
	snprintf(err, errlen, "%s: %s (is jitsud running?)", path,
	    strerror(errno));
	return -1;
}

/*
 * jitsud's first line for a connect: its data line, or its end.  One
 * byte at a time: what follows the line is not ours to read.  0 with
 * the data in buf, -1 with why in err.
 */
static int
dial_line(int fd, int timeout_ms, char *buf, size_t size, char *err,
    size_t errlen)
{
	struct pollfd pfd = { fd, POLLIN, 0 };
	const char   *text;
	size_t	      n = 0;
	ssize_t	      r;

	for (;;) {
		if (n + 1 >= size) {
			snprintf(err, errlen, "reply line too long");
			return -1;
		}
		if (poll(&pfd, 1, timeout_ms > 0 ? timeout_ms : -1) == 0) {
			snprintf(err, errlen, "no channel from jitsud in %d ms",
			    timeout_ms);
			return -1;
		}
		if ((r = read(fd, buf + n, 1)) == -1 && errno == EINTR)
			continue;
		if (r <= 0) {
			snprintf(err, errlen, "jitsud closed the connection");
			return -1;
		}
		if (buf[n] == '\n')
			break;
		n++;
	}
	buf[n] = '\0';
	switch (ctl_parse_reply(buf, &text)) {
	case CTL_R_DATA:
		memmove(buf, text, strlen(text) + 1);
		return 0;
	case CTL_R_ERROR:
		snprintf(err, errlen, "%s", text);
		return -1;
	case CTL_R_OK:
		snprintf(err, errlen, "the channel ended before it was up");
		return -1;
	case CTL_R_BAD:
		break;
	}
	snprintf(err, errlen, "bad reply line from jitsud");
	return -1;
}

int
dial(const char *sock, const char *name, int timeout_ms, struct dial *d,
    char *err, size_t errlen)
{
	char	      req[CTL_LINE_MAX], line[CTL_LINE_MAX], verr[256];
	char	     *end;
	unsigned long domid;
	size_t	      off, len;
	ssize_t	      n;

	memset(d, 0, sizeof(*d));
	d->ctl = -1;
	if (ctl_format_request(req, sizeof(req), "connect", name) == -1) {
		snprintf(err, errlen, "'%s' cannot be asked for", name);
		return -1;
	}
	if ((d->ctl = dial_socket(sock, err, errlen)) == -1)
		return -1;
	for (off = 0, len = strlen(req); off < len; off += (size_t)n)
		if ((n = write(d->ctl, req + off, len - off)) == -1) {
			if (errno == EINTR) {
				n = 0;
				continue;
			}
			snprintf(err, errlen, "write: %s", strerror(errno));
			goto fail;
		}
	if (dial_line(d->ctl, timeout_ms, line, sizeof(line), err, errlen) ==
	    -1)
		goto fail;
	/* "S PATH": a domU's id and where its ring is. */
	domid = strtoul(line, &end, 10);
	if (end == line || *end != ' ' || domid == 0 || domid >= 0x7ff0 ||
	    strlen(end + 1) == 0 || strlen(end + 1) >= sizeof(d->path) ||
	    strchr(end + 1, ' ') != NULL) {
		snprintf(err, errlen, "bad channel from jitsud: %.64s", line);
		goto fail;
	}
	d->domid = (unsigned)domid;
	memcpy(d->path, end + 1, strlen(end + 1) + 1);
	if ((d->v = vchan_client((int)domid, d->path, verr, sizeof(verr))) ==
	    NULL) {
		snprintf(err, errlen, "domain %u's vchan at %s: %s", d->domid,
		    d->path, verr);
		goto fail;
	}
	return 0;
fail:
	close(d->ctl);
	d->ctl = -1;
	return -1;
}

void
dial_close(struct dial *d)
{
	if (d->v != NULL)
		vchan_close(d->v);
	if (d->ctl != -1)
		close(d->ctl);
	d->v = NULL;
	d->ctl = -1;
}
