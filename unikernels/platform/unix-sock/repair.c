/* repair.c -- a connection someone else opened, rebuilt with TCP_REPAIR */
#include "sockplat.h"

#include <errno.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

/*
 * Linux's repair mode (CAP_NET_ADMIN) lets a process build an established
 * socket without a handshake: while a socket is in repair, connect()
 * only moves it to ESTABLISHED, nothing goes on the wire, and close()
 * kills it silently.  The order below is the kernel's, not a choice:
 *
 *  1. TCP_REPAIR on, before anything else.  It also lets bind() take a
 *     port our own listener holds (the kernel forces the reuse).
 *     SO_REUSEADDR must not be set after it: that would replace the
 *     forced reuse with the ordinary kind, which a listener refuses.
 *  2. Both TCP_QUEUE_SEQs (adopt.c says which values and why): only
 *     allowed while the socket is still CLOSED.
 *  3. TCP_MAXSEG at the client's MSS: connect() sizes its segments from
 *     it; the TCPOPT_MSS of step 5 alone would leave them at 536 bytes.
 *  4. bind() to the local address and port, connect() to the client.
 *  5. TCP_REPAIR_OPTIONS: MSS and window scales; only allowed once
 *     ESTABLISHED and before anything was sent.
 *  6. The recorded bytes into the receive queue (repair-mode send with
 *     TCP_RECV_QUEUE selected, which needs ESTABLISHED too).
 *  7. TCP_REPAIR_WINDOW: the client's window as recorded, so that the
 *     application's first write goes out at once.  snd_wl1 = irs makes
 *     the client's next segment, whatever it is, update that window.
 *  8. TCP_REPAIR off, without the window probe the kernel would send
 *     otherwise (TCP_REPAIR_OFF_NO_WP): step 7 already knows the window,
 *     and uk.h promises that adopting sends nothing; the client hears
 *     from us when the application writes.
 *  9. SO_REUSEADDR, now that repair is off (which reset the socket's
 *     reuse to none): an accepted socket inherits it from its listener,
 *     and without it this one, lingering in FIN-WAIT after its close,
 *     would keep the next guest from listening on the port.
 */

static int
opt(int fd, int name, int val)
{
	return setsockopt(fd, IPPROTO_TCP, name, &val, sizeof(val));
}

static int
queue_seq(int fd, int queue, uint32_t seq)
{
	if (opt(fd, TCP_REPAIR_QUEUE, queue) != 0)
		return -1;
	return opt(fd, TCP_QUEUE_SEQ, (int)seq);
}

static int
repair_connect(int fd, const struct adopt_plan *p)
{
	struct sockaddr_in sin;

	unix_sin(&sin, p->lip, p->lport);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0)
		return -1;
	unix_sin(&sin, p->rip, p->rport);
	return connect(fd, (struct sockaddr *)&sin, sizeof(sin));
}

static int
repair_options(int fd, const struct adopt_plan *p)
{
	struct tcp_repair_opt o[2] = {
		{ .opt_code = TCPOPT_MAXSEG, .opt_val = p->mss },
		{ .opt_code = TCPOPT_WINDOW, .opt_val = p->wscale_opt },
	};

	return setsockopt(fd, IPPROTO_TCP, TCP_REPAIR_OPTIONS, o, sizeof(o));
}

static int
repair_data(int fd, const struct adopt_plan *p)
{
	size_t off = 0;
	ssize_t n;

	if (p->dlen == 0)
		return 0;
	if (opt(fd, TCP_REPAIR_QUEUE, TCP_RECV_QUEUE) != 0)
		return -1;
	while (off < p->dlen) {
		n = send(fd, p->data + off, p->dlen - off, 0);
		if (n <= 0) {
			if (n == 0)
				errno = ENOBUFS;
			return -1;
		}
		off += (size_t)n;
	}
	return 0;
}

/* The kernel's own receive side is kept; only the send side is ours. */
static int
repair_window(int fd, const struct adopt_plan *p)
{
	struct tcp_repair_window w;
	socklen_t len = sizeof(w);

	if (getsockopt(fd, IPPROTO_TCP, TCP_REPAIR_WINDOW, &w, &len) != 0 ||
	    len != sizeof(w))
		return -1;
	w.snd_wl1 = p->snd_wl1;
	w.snd_wnd = p->snd_wnd;
	if (w.max_window < p->snd_wnd)
		w.max_window = p->snd_wnd;
	return setsockopt(fd, IPPROTO_TCP, TCP_REPAIR_WINDOW, &w, sizeof(w));
}

/* Steps 2..7 on a socket in repair mode. */
static int
repair_build(int fd, const struct adopt_plan *p)
{
	if (queue_seq(fd, TCP_SEND_QUEUE, p->snd_seq) != 0 ||
	    queue_seq(fd, TCP_RECV_QUEUE, p->rcv_seq) != 0 ||
	    opt(fd, TCP_MAXSEG, (int)p->mss) != 0 ||
	    repair_connect(fd, p) != 0 || repair_options(fd, p) != 0 ||
	    repair_data(fd, p) != 0 || repair_window(fd, p) != 0)
		return -1;
	return opt(fd, TCP_REPAIR_QUEUE, TCP_NO_QUEUE);
}

int
repair_open(const struct adopt_plan *p)
{
	int fd, err, one = 1;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (opt(fd, TCP_REPAIR, TCP_REPAIR_ON) != 0 ||
	    repair_build(fd, p) != 0 || opt(fd, TCP_NODELAY, 1) != 0 ||
	    opt(fd, TCP_REPAIR, TCP_REPAIR_OFF_NO_WP) != 0) {
		/* Still in repair (or never in it): the close sends nothing. */
		err = errno;
		close(fd);
		return -err;
	}
	/* Failing now would reset the client; this can only fail later. */
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	return fd;
}
