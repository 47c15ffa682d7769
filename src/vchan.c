/* vchan.c -- byte streams to another domain over shared memory (libxenvchan) */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libxenvchan.h>

#include "vchan.h"

/*
 * The only file that knows libxenvchan.  Its rings, notify bits and
 * XenStore nodes are the wire format our unikernels speak too
 * (conduit(7)); here we only make its calls non-blocking and give them
 * names that say what they do.
 *
 * Two facts about libxenvchan that the code below leans on:
 * - its struct is malloc'd and `blocking' is never set by the init
 *   calls: we set it, to 0, at once;
 * - libxenvchan_data_ready and libxenvchan_buffer_space ask the other
 *   end for an event when the number they return next changes (its
 *   notify bits), and so does a read that finds nothing: a loop that
 *   reads until 0 and then polls vchan_fd never sleeps through data.
 */

struct vchan {
	struct libxenvchan *x;
	size_t		    cap; /* the write ring's size, bytes */
};

static struct vchan *
vchan_wrap(struct libxenvchan *x, const char *what, char *err, size_t errlen)
{
	struct vchan *v;
	int	      space;

	if (x == NULL) {
		snprintf(err, errlen, "%s: %s", what,
		    errno != 0 ? strerror(errno) : "failed");
		return NULL;
	}
	if ((v = calloc(1, sizeof(*v))) == NULL) {
		libxenvchan_close(x);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	x->blocking = 0;
	v->x = x;
	/* Nothing is written yet: the space is the whole ring. */
	space = libxenvchan_buffer_space(x);
	v->cap = space > 0 ? (size_t)space : 0;
	return v;
}

struct vchan *
vchan_server(int peer, const char *path, size_t rmin, size_t wmin, char *err,
    size_t errlen)
{
	errno = 0;
	return vchan_wrap(libxenvchan_server_init(NULL, peer, path, rmin, wmin),
	    "vchan server", err, errlen);
}

struct vchan *
vchan_client(int peer, const char *path, char *err, size_t errlen)
{
	errno = 0;
	return vchan_wrap(libxenvchan_client_init(NULL, peer, path),
	    "vchan client", err, errlen);
}

int
vchan_fd(const struct vchan *v)
{
	return libxenvchan_fd_for_select(v->x);
}

int
vchan_ack(struct vchan *v)
{
	return libxenvchan_wait(v->x);
}

enum vchan_state
vchan_state(struct vchan *v)
{
	switch (libxenvchan_is_open(v->x)) {
	case 0:
		return VCHAN_CLOSED;
	case 2:
		return VCHAN_WAITING;
	default:
		return VCHAN_OPEN;
	}
}

size_t
vchan_readable(struct vchan *v)
{
	int n = libxenvchan_data_ready(v->x);

	return n > 0 ? (size_t)n : 0;
}

size_t
vchan_writable(struct vchan *v)
{
	int n;

	if (vchan_state(v) == VCHAN_CLOSED)
		return 0;
	n = libxenvchan_buffer_space(v->x);
	return n > 0 ? (size_t)n : 0;
}

/* A closed end with nothing left to read is at its end: 0, not -1. */
ssize_t
vchan_read(struct vchan *v, void *buf, size_t len)
{
	int n;

	if (len == 0)
		return 0;
	if ((n = libxenvchan_read(v->x, buf, len)) == -1 &&
	    vchan_state(v) == VCHAN_CLOSED)
		return 0;
	return n;
}

ssize_t
vchan_write(struct vchan *v, const void *buf, size_t len)
{
	if (len == 0)
		return 0;
	return libxenvchan_write(v->x, buf, len);
}

void
vchan_close(struct vchan *v)
{
	if (v == NULL)
		return;
	libxenvchan_close(v->x);
	free(v);
}

/* --- joining a vchan to file descriptors ------------------------------- */

#define SPLICE_BUF 65536

static long
vchan_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
vchan_write_all(int fd, const char *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Everything the other end sent so far, to out.  -1 on error. */
static int
vchan_drain(struct vchan *v, int out, char *buf, long *last, char *err,
    size_t errlen)
{
	ssize_t n;

	while ((n = vchan_read(v, buf, SPLICE_BUF)) > 0) {
		*last = vchan_ms();
		if (vchan_write_all(out, buf, (size_t)n) == -1) {
			snprintf(err, errlen, "write: %s", strerror(errno));
			return -1;
		}
	}
	if (n == -1) {
		snprintf(err, errlen, "vchan read failed");
		return -1;
	}
	return 0;
}

int
vchan_splice(struct vchan *v, int in, int out, int linger_ms, char *err,
    size_t errlen)
{
	struct pollfd pfd[2];
	char	     *buf;
	size_t	      room;
	ssize_t	      n;
	long	      last = vchan_ms(), wait;
	int	      in_eof = 0, rc = -1, npfd;

	if ((buf = malloc(SPLICE_BUF)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (;;) {
		if (vchan_drain(v, out, buf, &last, err, errlen) == -1)
			break;
		if (vchan_state(v) == VCHAN_CLOSED) {
			rc = 0; /* and everything it sent is out */
			break;
		}
		room = in_eof ? 0 : vchan_writable(v);
		wait = -1;
		/* All of in is across and taken: linger for the replies. */
		if (in_eof && vchan_writable(v) >= v->cap) {
			if ((wait = last + linger_ms - vchan_ms()) <= 0) {
				rc = 0;
				break;
			}
		}
		pfd[0].fd = vchan_fd(v);
		pfd[0].events = POLLIN;
		pfd[1].fd = in;
		pfd[1].events = POLLIN;
		npfd = room > 0 ? 2 : 1;
		if (poll(pfd, (nfds_t)npfd, (int)wait) == -1) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "poll: %s", strerror(errno));
			break;
		}
		if ((pfd[0].revents & POLLIN) && vchan_ack(v) == -1) {
			snprintf(err, errlen, "vchan event: %s",
			    strerror(errno));
			break;
		}
		if (npfd < 2 || !(pfd[1].revents & (POLLIN | POLLHUP)))
			continue;
		/* No more than fits: what is read is written at once. */
		if ((n = read(in, buf,
			 room < SPLICE_BUF ? room : SPLICE_BUF)) == -1) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			snprintf(err, errlen, "read: %s", strerror(errno));
			break;
		}
		if (n == 0) {
			in_eof = 1;
			last = vchan_ms();
			continue;
		}
		if (vchan_write(v, buf, (size_t)n) != n) {
			snprintf(err, errlen, "vchan write failed");
			break;
		}
	}
	free(buf);
	return rc;
}
