/* sock_freezer.c -- stand in for Synjitsu: hold connections, record them */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/sockios.h>

#include "synrec.h"

/*
 * Usage: sock_freezer IP PORT N OUTFILE
 *
 * Listens on IP:PORT, accepts N connections and, for each, reads what
 * the client sends (up to the end of a request head, then whatever more
 * comes within QUIET_MS, a FIN included) without answering.  Then it
 * puts the socket in TCP_REPAIR, reads back the kernel's view of the
 * connection, makes sure the client was acknowledged all of it
 * (acked_all says why), writes it to OUTFILE as one synrec line, and
 * closes it still in repair, which sends nothing: the client believes
 * the server is thinking.  This is what jitsud's Synjitsu does with its
 * own stack, done with Linux's, so that the guest's adoption is tested
 * against a real client without jitsud.  The server's namespace must have
 * net.ipv4.tcp_timestamps=0: a record has no place for timestamps.
 * Exits 0 when all N were written.
 */

#define QUIET_MS  300
#define ACCEPT_MS 20000
#define ACK_TRIES 50 /* of 10 ms: the kernel delays an ack 200 ms at most */

static void
die(const char *what)
{
	fprintf(stderr, "sock_freezer: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void
diex(const char *what)
{
	fprintf(stderr, "sock_freezer: %s\n", what);
	exit(1);
}

static int
listen_on(const char *ip, int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	int fd, one = 1;

	sin.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, ip, &sin.sin_addr) != 1)
		diex("bad address");
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		die("socket");
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    listen(fd, 16) != 0)
		die("listen");
	return fd;
}

static int
wait_in(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, ms) > 0;
}

/*
 * The request bytes into r->data; r->fin if the client closed after.
 * Once the head is complete, QUIET_MS without more ends the reading.
 */
static void
read_request(int fd, struct synrec *r)
{
	ssize_t n;
	int ms;

	for (;;) {
		ms = memmem(r->data, r->datalen, "\r\n\r\n", 4) != NULL ?
		    QUIET_MS :
		    ACCEPT_MS;
		if (!wait_in(fd, ms))
			return;
		n = read(fd, r->data + r->datalen,
		    sizeof(r->data) - r->datalen);
		if (n < 0)
			die("read");
		if (n == 0) {
			r->fin = 1;
			return;
		}
		r->datalen += (size_t)n;
		if (r->datalen == sizeof(r->data))
			diex("the client sent more than a record holds");
	}
}

static uint32_t
getint(int fd, int name)
{
	int v;
	socklen_t len = sizeof(v);

	if (getsockopt(fd, IPPROTO_TCP, name, &v, &len) != 0)
		die("getsockopt");
	return (uint32_t)v;
}

static uint32_t
queue_seq(int fd, int queue)
{
	if (setsockopt(fd, IPPROTO_TCP, TCP_REPAIR_QUEUE, &queue,
		sizeof(queue)) != 0)
		die("TCP_REPAIR_QUEUE");
	return getint(fd, TCP_QUEUE_SEQ);
}

static void
endpoints(int fd, struct synrec *r)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);

	if (getsockname(fd, (struct sockaddr *)&a, &len) != 0)
		die("getsockname");
	r->local_ip = ntohl(a.sin_addr.s_addr);
	r->local_port = ntohs(a.sin_port);
	len = sizeof(a);
	if (getpeername(fd, (struct sockaddr *)&a, &len) != 0)
		die("getpeername");
	r->peer_ip = ntohl(a.sin_addr.s_addr);
	r->peer_port = ntohs(a.sin_port);
}

/* Window scales and the state; refuses what a record cannot say. */
static void
options(int fd, struct synrec *r, int *state)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);
	int pending;

	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0)
		die("TCP_INFO");
	if (ti.tcpi_options & TCPI_OPT_TIMESTAMPS)
		diex("timestamps were negotiated (set tcp_timestamps=0)");
	if (ti.tcpi_unacked != 0 || ioctl(fd, SIOCOUTQ, &pending) != 0 ||
	    pending != 0)
		diex("something of ours is unacknowledged");
	if (ti.tcpi_options & TCPI_OPT_WSCALE) {
		r->peer_wscale = ti.tcpi_snd_wscale;
		r->wscale = ti.tcpi_rcv_wscale;
	} else {
		r->peer_wscale = -1;
		r->wscale = 0;
	}
	*state = ti.tcpi_state;
}

/*
 * A record says that the client was told of everything in it: the guest
 * acknowledges nothing again.  The kernel delays the ack of a FIN (it
 * expects our answer to carry it), and a close in repair mode drops an
 * ack still pending: the client would then send its FIN again after its
 * timeout, into the gap before the guest adopts, where no socket holds
 * the connection and the kernel answers with a reset.  rcv_wup is the
 * rcv_nxt our last segment carried: equal, the client was told all.
 */
static int
acked_all(int fd, const struct synrec *r)
{
	struct tcp_repair_window w;
	socklen_t len = sizeof(w);

	if (getsockopt(fd, IPPROTO_TCP, TCP_REPAIR_WINDOW, &w, &len) != 0)
		die("TCP_REPAIR_WINDOW");
	return w.rcv_wup == r->rcv_nxt;
}

static void
setint(int fd, int name, int v)
{
	if (setsockopt(fd, IPPROTO_TCP, name, &v, sizeof(v)) != 0)
		die("setsockopt");
}

/* The kernel's view, in repair mode; the FIN as the state says. */
static void
freeze(int fd, struct synrec *r)
{
	struct tcp_repair_window w;
	socklen_t len = sizeof(w);
	int on = TCP_REPAIR_ON, state, state2, unread;

	if (setsockopt(fd, IPPROTO_TCP, TCP_REPAIR, &on, sizeof(on)) != 0)
		die("TCP_REPAIR (root, CAP_NET_ADMIN?)");
	options(fd, r, &state);
	r->snd_nxt = queue_seq(fd, TCP_SEND_QUEUE);
	r->rcv_nxt = queue_seq(fd, TCP_RECV_QUEUE);
	/* In repair mode TCP_MAXSEG is the client's MSS (mss_clamp). */
	r->mss = (uint16_t)getint(fd, TCP_MAXSEG);
	if (getsockopt(fd, IPPROTO_TCP, TCP_REPAIR_WINDOW, &w, &len) != 0)
		die("TCP_REPAIR_WINDOW");
	r->peer_wnd = w.snd_wnd;
	options(fd, r, &state2);
	if (ioctl(fd, SIOCINQ, &unread) != 0 || unread != 0 || state != state2)
		diex("the connection moved while it was being frozen");
	if (state == TCP_CLOSE_WAIT)
		r->fin = 1;
	r->iss = r->snd_nxt - 1;
	r->irs = r->rcv_nxt - 1 - (uint32_t)r->datalen - (uint32_t)r->fin;
	endpoints(fd, r);
}

static void
hold_one(int lfd, FILE *out)
{
	static struct synrec r;
	static char line[SYNREC_LINE_MAX];
	int fd, tries;

	if (!wait_in(lfd, ACCEPT_MS))
		diex("no client came");
	if ((fd = accept(lfd, NULL, NULL)) < 0)
		die("accept");
	memset(&r, 0, sizeof(r));
	read_request(fd, &r);
	for (tries = 0;; tries++) {
		/* Sends a pending ack now, rather than when its timer says. */
		setint(fd, TCP_QUICKACK, 1);
		freeze(fd, &r);
		if (acked_all(fd, &r))
			break;
		if (tries == ACK_TRIES)
			diex("the kernel did not acknowledge the client");
		/* Out of repair without a probe: only the ack may go out. */
		setint(fd, TCP_REPAIR, TCP_REPAIR_OFF_NO_WP);
		poll(NULL, 0, 10);
	}
	if (synrec_encode(&r, line, sizeof(line)) < 0)
		diex("synrec_encode refused the record");
	/* Closed in repair mode: no FIN, no RST. */
	close(fd);
	fprintf(out, "%s\n", line);
	fflush(out);
	fprintf(stderr, "sock_freezer: held %u.%u.%u.%u:%u, %zu bytes%s\n",
	    r.peer_ip >> 24, (r.peer_ip >> 16) & 0xff, (r.peer_ip >> 8) & 0xff,
	    r.peer_ip & 0xff, (unsigned int)r.peer_port, r.datalen,
	    r.fin ? " and a FIN" : "");
}

int
main(int argc, char **argv)
{
	FILE *out;
	int lfd, n, i;

	if (argc != 5 || (n = atoi(argv[3])) < 1) {
		fprintf(stderr, "usage: sock_freezer IP PORT N OUTFILE\n");
		return 2;
	}
	lfd = listen_on(argv[1], atoi(argv[2]));
	if ((out = fopen(argv[4], "w")) == NULL)
		die(argv[4]);
	for (i = 0; i < n; i++)
		hold_one(lfd, out);
	/* Nothing waits in its queue: closing it resets nobody. */
	close(lfd);
	return fclose(out) == 0 ? 0 : 1;
}
