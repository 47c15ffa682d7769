/* fakexsd.h -- a scripted xenstored on a unix socket, for the store tests */
#ifndef JITSUD_FAKEXSD_H
#define JITSUD_FAKEXSD_H

#include <sys/socket.h>
#include <sys/un.h>

#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xen/io/xs_wire.h>

/* A message as the protocol has it: the header, then the payload. */
static inline size_t
fxd_msg(char *out, uint32_t type, uint32_t id, uint32_t tx, const void *pl,
    size_t len)
{
	struct xsd_sockmsg h = { type, id, tx, (uint32_t)len };

	memcpy(out, &h, sizeof(h));
	memcpy(out + sizeof(h), pl, len);
	return sizeof(h) + len;
}

/*
 * A fake xenstored on a socket in a temporary folder, in a thread: in
 * each phase it reads `nread' requests (each within a second, else it
 * notes TIMEOUT and stops: a client that waited for a reply would never
 * send the next), then answers them in order as `reply' says: "" is OK,
 * "=V" a payload V, "!E" an error E, "?" a reply with another request's
 * id, "X" closing the connection.  It notes every request it read as
 * "type/id/tx:payload;", NULs shown as '|'.
 */
#define FXD_PHASES 6
#define FXD_MAX	   8

struct fxd_phase {
	int	    nread;
	const char *reply[FXD_MAX];
};

static struct {
	struct fxd_phase ph[FXD_PHASES];
	char		 log[4096];
	char		 path[108];
	char		 dir[64];
	int		 lfd;
	pthread_t	 thread;
} fxd;

static inline void
fxd_note(const struct xsd_sockmsg *h, const char *pl)
{
	size_t n = strlen(fxd.log), i;

	n += (size_t)snprintf(fxd.log + n, sizeof(fxd.log) - n,
	    "%u/%u/%u:", h->type, h->req_id, h->tx_id);
	for (i = 0; i < h->len && n + 2 < sizeof(fxd.log); i++)
		fxd.log[n++] = pl[i] == '\0' ? '|' : pl[i];
	fxd.log[n++] = ';';
	fxd.log[n] = '\0';
}

static inline int
fxd_read(int fd, void *buf, size_t len)
{
	struct pollfd pfd = { fd, POLLIN, 0 };
	char	     *p = buf;
	ssize_t	      k;

	while (len > 0) {
		if (poll(&pfd, 1, 1000) != 1 || (k = read(fd, p, len)) <= 0)
			return -1;
		p += k;
		len -= (size_t)k;
	}
	return 0;
}

static inline void *
fxd_main(void *arg)
{
	struct xsd_sockmsg req[FXD_MAX], h;
	char		   pl[XENSTORE_PAYLOAD_MAX + 1], out[256];
	const char	  *r;
	int		   fd, i, p;
	size_t		   n;

	(void)arg;
	if ((fd = accept(fxd.lfd, NULL, NULL)) == -1)
		return NULL;
	for (p = 0; p < FXD_PHASES && fxd.ph[p].nread > 0; p++) {
		for (i = 0; i < fxd.ph[p].nread; i++) {
			if (fxd_read(fd, &req[i], sizeof(req[i])) == -1 ||
			    req[i].len > XENSTORE_PAYLOAD_MAX ||
			    fxd_read(fd, pl, req[i].len) == -1) {
				strcat(fxd.log, "TIMEOUT;");
				goto out;
			}
			fxd_note(&req[i], pl);
		}
		for (i = 0; i < fxd.ph[p].nread; i++) {
			r = fxd.ph[p].reply[i] ? fxd.ph[p].reply[i] : "";
			h = req[i];
			if (r[0] == 'X')
				goto out;
			if (r[0] == '?')
				h.req_id += 100;
			if (r[0] == '!')
				h.type = XS_ERROR;
			if (r[0] == '=' || r[0] == '!')
				n = fxd_msg(out, h.type, h.req_id, h.tx_id,
				    r + 1, strlen(r));
			else
				n = fxd_msg(out, h.type, h.req_id, h.tx_id,
				    "OK", 3);
			if (write(fd, out, n) != (ssize_t)n)
				goto out;
		}
	}
out:
	close(fd);
	return NULL;
}

/* Listening, its thread started: the socket's path. */
static inline const char *
fxd_start(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };

	strcpy(fxd.dir, "/tmp/jitsud-fakexsd.XXXXXX");
	if (mkdtemp(fxd.dir) == NULL)
		return NULL;
	snprintf(fxd.path, sizeof(fxd.path), "%s/socket", fxd.dir);
	strcpy(sun.sun_path, fxd.path);
	if ((fxd.lfd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
	    bind(fxd.lfd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    listen(fxd.lfd, 1) == -1 ||
	    pthread_create(&fxd.thread, NULL, fxd_main, NULL) != 0)
		return NULL;
	return fxd.path;
}

/* Once its client has closed: the thread joined, the socket gone. */
static inline void
fxd_stop(void)
{
	pthread_join(fxd.thread, NULL);
	close(fxd.lfd);
	unlink(fxd.path);
	rmdir(fxd.dir);
}

#endif /* JITSUD_FAKEXSD_H */
