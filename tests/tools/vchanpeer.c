/* vchanpeer.c -- one end of a vchan, for the interoperability tests */
#include <sys/types.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vchan.h"

/*
 * vchanpeer server PEER PATH [RMIN WMIN]
 *	Offers a vchan to domain PEER at XenStore PATH and echoes every
 *	byte back until the client closes.  Prints "served bytes=N".
 * vchanpeer client PEER PATH BYTES
 *	Connects to domain PEER's vchan at PATH, sends BYTES bytes of a
 *	counting pattern and checks that the same bytes come back.  Prints
 *	"ok bytes=N ms=T"; exits 1 if a byte differs or the server went
 *	away first.
 * vchanpeer splice server|client PEER PATH [LINGER-MS]
 *	Joins stdin and stdout to the vchan (vchan_splice).
 *
 * Built on src/vchan.c, which is libxenvchan: the other end may be this
 * tool, jitsuctl, or a unikernel's vchan.  Exit 2 on usage or set-up
 * errors.
 */

#define PEER_BUF 65536

static long
ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static unsigned char
pattern(unsigned long i)
{
	return (unsigned char)(i * 7 + (i >> 8));
}

/* Waits for the other end to move. */
static int
peer_wait(struct vchan *v)
{
	struct pollfd p = { vchan_fd(v), POLLIN, 0 };

	if (poll(&p, 1, -1) == -1 && errno != EINTR)
		return -1;
	return (p.revents & POLLIN) ? vchan_ack(v) : 0;
}

static int
peer_server(struct vchan *v)
{
	static char   buf[PEER_BUF];
	size_t	      len = 0, off = 0;
	unsigned long total = 0;
	ssize_t	      n = 0;

	for (;;) {
		if (len == 0) {
			if ((n = vchan_read(v, buf, sizeof(buf))) == -1)
				return 2;
			len = (size_t)n;
			off = 0;
			total += (unsigned long)n;
		}
		if (len > 0 && (n = vchan_write(v, buf + off, len)) > 0) {
			off += (size_t)n;
			len -= (size_t)n;
			continue;
		}
		if (len == 0 && vchan_state(v) == VCHAN_CLOSED)
			break;
		if (n == -1 && vchan_state(v) == VCHAN_CLOSED)
			break;
		if (peer_wait(v) == -1)
			return 2;
	}
	printf("served bytes=%lu\n", total);
	return 0;
}

static int
peer_client(struct vchan *v, unsigned long bytes)
{
	static unsigned char buf[PEER_BUF];
	unsigned long	     sent = 0, got = 0, i;
	long		     t0 = ms_now();
	size_t		     k;
	ssize_t		     n;

	while (got < bytes) {
		k = vchan_writable(v);
		if (k > sizeof(buf))
			k = sizeof(buf);
		if (k > bytes - sent)
			k = bytes - sent;
		for (i = 0; i < k; i++)
			buf[i] = pattern(sent + i);
		if (k > 0 && (n = vchan_write(v, buf, k)) > 0)
			sent += (unsigned long)n;
		while ((n = vchan_read(v, buf, sizeof(buf))) > 0) {
			for (i = 0; i < (unsigned long)n; i++)
				if (buf[i] != pattern(got + i)) {
					printf("differs at byte %lu\n",
					    got + i);
					return 1;
				}
			got += (unsigned long)n;
		}
		if (n == -1 ||
		    (got < bytes && vchan_state(v) == VCHAN_CLOSED)) {
			printf("the server went away after %lu of %lu bytes\n",
			    got, bytes);
			return 1;
		}
		if (got < bytes && (sent == bytes || vchan_writable(v) == 0) &&
		    vchan_readable(v) == 0 && peer_wait(v) == -1)
			return 2;
	}
	printf("ok bytes=%lu ms=%ld\n", got, ms_now() - t0);
	return 0;
}

static int
usage(void)
{
	fprintf(stderr,
	    "usage: vchanpeer server PEER PATH [RMIN WMIN]\n"
	    "       vchanpeer client PEER PATH BYTES\n"
	    "       vchanpeer splice server|client PEER PATH "
	    "[LINGER-MS]\n");
	return 2;
}

int
main(int argc, char *argv[])
{
	struct vchan *v;
	char	      err[256];
	int	      rc, server;

	if (argc >= 4 && strcmp(argv[1], "server") == 0) {
		v = vchan_server(atoi(argv[2]), argv[3],
		    argc > 5 ? strtoul(argv[4], NULL, 0) : 0,
		    argc > 5 ? strtoul(argv[5], NULL, 0) : 0, err, sizeof(err));
		if (v == NULL) {
			fprintf(stderr, "vchanpeer: %s\n", err);
			return 2;
		}
		rc = peer_server(v);
	} else if (argc == 5 && strcmp(argv[1], "client") == 0) {
		if ((v = vchan_client(atoi(argv[2]), argv[3], err,
			 sizeof(err))) == NULL) {
			fprintf(stderr, "vchanpeer: %s\n", err);
			return 2;
		}
		rc = peer_client(v, strtoul(argv[4], NULL, 0));
	} else if (argc >= 5 && strcmp(argv[1], "splice") == 0) {
		server = strcmp(argv[2], "server") == 0;
		v = server ?
		    vchan_server(atoi(argv[3]), argv[4], 0, 0, err,
			sizeof(err)) :
		    vchan_client(atoi(argv[3]), argv[4], err, sizeof(err));
		if (v == NULL) {
			fprintf(stderr, "vchanpeer: %s\n", err);
			return 2;
		}
		rc = vchan_splice(v, 0, 1, argc > 5 ? atoi(argv[5]) : 1000, err,
			 sizeof(err)) == 0 ?
		    0 :
		    2;
		if (rc != 0)
			fprintf(stderr, "vchanpeer: %s\n", err);
	} else
		return usage();
	vchan_close(v);
	return rc;
}
