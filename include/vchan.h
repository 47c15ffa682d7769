/* vchan.h -- byte streams to another domain over shared memory (libxenvchan) */
#ifndef VCHAN_H
#define VCHAN_H

#include <stddef.h>
#include <sys/types.h>

/*
 * One end of a vchan: two rings in pages one domain grants the other,
 * and an event channel, found through two XenStore nodes (ring-ref,
 * event-channel) under a path the server writes and the client reads.
 * This is Xen's libxenvchan wire format, so the other end may be any
 * program or guest that speaks it: our unikernels, or libxenvchan
 * itself.  vchan.c is the only file that knows libxenvchan.
 *
 * Everything here is non-blocking: wait for vchan_fd to be readable,
 * call vchan_ack, then read and write what vchan_readable and
 * vchan_writable say.  A vchan has no half-close: when one end closes,
 * the other still reads what was sent before.
 */

struct vchan;

enum vchan_state {
	VCHAN_CLOSED,  /* the other end closed, or went away */
	VCHAN_OPEN,    /* both ends are there */
	VCHAN_WAITING, /* a server whose client has not come yet */
};

/*
 * The server end for domain peer: grants the rings (at least rmin
 * bytes to read, wmin to write; 0 takes the smallest) and writes
 * path/ring-ref and path/event-channel, readable by peer alone.
 * path's parent must be writable by this domain.  NULL and why in err.
 */
struct vchan *vchan_server(int peer, const char *path, size_t rmin, size_t wmin,
    char *err, size_t errlen);

/* The client end: maps what server domain peer granted at path. */
struct vchan *vchan_client(int peer, const char *path, char *err,
    size_t errlen);

/* Readable when the other end moved (data, room, open or close). */
int vchan_fd(const struct vchan *);
/* After vchan_fd was readable: takes the event.  -1 on error. */
int vchan_ack(struct vchan *);

enum vchan_state vchan_state(struct vchan *);
size_t		 vchan_readable(struct vchan *);
size_t		 vchan_writable(struct vchan *);

/* As much as there is (read) or fits (write), 0 if none; -1 on error. */
ssize_t vchan_read(struct vchan *, void *buf, size_t len);
ssize_t vchan_write(struct vchan *, const void *buf, size_t len);

/* Closes the end; the server's XenStore nodes go with it. */
void vchan_close(struct vchan *);

/*
 * Joins the vchan to two file descriptors, as nc(1) does with a socket:
 * what comes from in goes to the other end, what comes from it goes to
 * out.  Ends when the other end closes (after out has all it sent), or
 * when in is at its end, everything from it has been taken by the other
 * end, and nothing more has come back for linger_ms.  Returns 0, or -1
 * with why in err.  in and out may be pipes, sockets or terminals; they
 * are left as they were.
 */
int vchan_splice(struct vchan *, int in, int out, int linger_ms, char *err,
    size_t errlen);

#endif /* VCHAN_H */
