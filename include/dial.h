/* dial.h -- conduit for Dom0 programs: a name to a vchan, through jitsud */
#ifndef DIAL_H
#define DIAL_H

#include <stddef.h>

#include "vchan.h"

/*
 * A Dom0 program reaches a unikernel by name (conduit(7)): jitsud, on
 * its control socket, summons the unikernel serving the name if need be
 * and brokers the channel; the program then has a vchan (vchan.h) to
 * read and write.  The control connection stands for the channel: it
 * stays open while the channel is used, and closing it (dial_close)
 * tells jitsud the channel is over.
 *
 *	struct dial d;
 *	if (dial(DIAL_SOCKET, "echo.example.org", 0, &d, err, sizeof(err)))
 *		errx(1, "%s", err);
 *	... vchan_write(d.v, ...), poll vchan_fd(d.v), vchan_read ...
 *	dial_close(&d);
 *
 * Needs root (the unikernel's pages are mapped) and the Xen backend.
 */

#define DIAL_SOCKET "/run/jitsud/jitsud.sock"

struct dial {
	int	      ctl; /* jitsud's control connection */
	struct vchan *v;
	unsigned      domid; /* the unikernel's */
	char	      path[256];
};

/*
 * dial_socket: a connection to jitsud's control socket at path, or -1
 * with why in err.
 */
int  dial_socket(const char *path, char *err, size_t errlen);
/*
 * dial: a channel to the unikernel serving `name', through the jitsud
 * listening at `sock', waiting at most timeout_ms for it (0: as long as
 * jitsud takes; it has deadlines of its own).  0 with *d filled, or -1
 * with why in err: jitsud's reason (conduit(7)'s refusals: "unknown",
 * "unavailable", "timeout"...) or the local failure.
 */
int  dial(const char *sock, const char *name, int timeout_ms, struct dial *d,
     char *err, size_t errlen);
/* dial_close: the vchan closed and jitsud told the channel is over. */
void dial_close(struct dial *d);

#endif /* DIAL_H */
