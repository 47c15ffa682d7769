/* synio.c -- Synjitsu's wire: AF_PACKET on the guests' bridges */
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/neighbour.h>
#include <net/if.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "jitsud.h"
#include "log.h"
#include "synjitsu.h"

/*
 * The only file with a packet socket.  synjitsu.c decides; this file
 * carries frames between it and the bridge a claimed guest will sit on.
 *
 * One socket per bridge, shared by every claim on it.  Opening and
 * closing one is not cheap: the kernel waits out an RCU grace period
 * (synchronize_net) whenever a packet socket's hook leaves a device,
 * 8-24 ms on a bare 2-core host and more in an emulated dom0, and the
 * main thread would spend it between a query and its answer.  So the
 * socket is made with no protocol (no hook yet) and bound once, which
 * hooks it to the bridge without a wait, and it outlives its last
 * claim by SYNIO_LINGER_MS, so that summons in a burst share it; it
 * closes when idle.  Lingering, it is not read (its event is off) and
 * its receive buffer is cut to the least the kernel allows, so a busy
 * bridge costs the kernel the filter and a dropped frame, and wakes
 * nobody.  Not by a filter that takes nothing: swapping the filter
 * makes the kernel translate and JIT-compile it each time and free the
 * old one, 0.7-2 ms of the emulated dom0's CPU per claim, between a
 * query and its answer, and 0.5-0.9 ms per release (nested bench,
 * scratch probes); a buffer size is one store.
 *
 * It joins the bridge in promiscuous mode: until the
 * guest sends a frame of its own the bridge has not learnt where the
 * guest's MAC lives, so it floods frames for it to every port, and the
 * bridge device hands them up to us only when promiscuous.  A classic
 * BPF filter keeps everything but ARP and IPv4 TCP in the kernel.
 *
 * Frames we send leave through the bridge device with the guest's MAC
 * as source; the bridge does not learn from its own transmissions, so
 * the guest's later frames move nothing back: its first gratuitous ARP
 * after adoption is what teaches the bridge.
 */

#define SYNIO_FRAME_MAX 2048  /* an Ethernet frame, no jumbo */
#define SYNIO_TICK_MS	500   /* expiry of half-open connections */
#define SYNIO_LINGER_MS 60000 /* an unclaimed bridge's socket stays open */
/*
 * Frames kept for a guest between its hand-over and its adoption: a
 * few new clients' SYNs and late segments; what does not fit is sent
 * again by its client, to the guest by then.
 */
#define SYNIO_KEEP_MAX	64

struct synio_port {
	struct synio	      *io;
	char		       bridge[IFNAMSIZ];
	int		       ifindex;
	int		       fd;
	struct event	      *ev;
	struct event	      *linger; /* armed while refs == 0 */
	unsigned int	       refs;
	int		       rcvbuf; /* SO_RCVBUF to ask for when claimed */
	LIST_ENTRY(synio_port) entry;
};

struct synio_claim {
	struct synio_port      *port;
	char			name[BINDING_NAME_MAX]; /* for the log */
	uint64_t		since;			/* ms, the claim */
	struct synjitsu_vm	vm; /* large: claims are on the heap */
	LIST_ENTRY(synio_claim) entry;
	size_t			nkept;
	struct synio_frame     *kept[SYNIO_KEEP_MAX];
};

/* A frame kept for a guest (SYNJITSU_KEPT), its checksum whole. */
struct synio_frame {
	size_t	len;
	uint8_t data[];
};

/*
 * A send-only socket for synio_announce, one per bridge, kept open: a
 * packet socket's close waits for an RCU grace period (packet_release),
 * and opened and closed for each announcement it held the main loop
 * 12-56 ms a guest made ready while eight booted (nested bench marks),
 * DNS answers queued behind it.
 */
#define SYNIO_TX_MAX 8

struct synio_tx {
	char bridge[IFNAMSIZ];
	int  fd; /* -1: none */
};

struct synio {
	struct event_base *base;
	int		   bridge_gw; /* process guests: see synio_bridge_gw */
	struct event	  *tick;
	LIST_HEAD(, synio_port)	 ports;
	LIST_HEAD(, synio_claim) claims;
	struct synjitsu_stats gone; /* of released claims */
	struct synio_tx	      tx[SYNIO_TX_MAX];
	int		      nl_fd; /* synio_neigh's; -1: not yet */
};

static uint8_t synio_rbuf[SYNIO_FRAME_MAX];

static void synio_port_close(struct synio_port *);
static void synio_port_idle(int, short, void *);

/* ARP, or IPv4 carrying TCP; nothing else is copied to us. */
static struct sock_filter synio_bpf[] = {
	BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 12), /* type */
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_ARP, 3, 0),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_IP, 0, 3),
	BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 23), /* proto */
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_TCP, 0, 1),
	BPF_STMT(BPF_RET | BPF_K, SYNIO_FRAME_MAX),
	BPF_STMT(BPF_RET | BPF_K, 0),
};

struct synio *
synio_new(struct event_base *base, int bridge_gw)
{
	struct synio *io;
	size_t	      i;

	if ((io = calloc(1, sizeof(*io))) == NULL)
		return NULL;
	io->base = base;
	io->bridge_gw = bridge_gw;
	LIST_INIT(&io->ports);
	LIST_INIT(&io->claims);
	for (i = 0; i < SYNIO_TX_MAX; i++)
		io->tx[i].fd = -1;
	io->nl_fd = -1;
	return io;
}

static void
synio_send(struct synio_port *p, const uint8_t *frame, size_t len)
{
	if (send(p->fd, frame, len, MSG_DONTWAIT) == -1 && errno != EAGAIN)
		log_warn("synjitsu: send on %s", p->bridge);
}

/*
 * synio_rbuf's frame, for c's guest after its hand-over: kept until it
 * has adopted (synio_pass).  The guest checks what a sender's NIC was
 * to finish, so that is finished here.
 */
static void
synio_keep(struct synio_claim *c, size_t len, unsigned int flags)
{
	struct synio_frame *f;

	if (c->nkept == SYNIO_KEEP_MAX ||
	    (f = malloc(sizeof(*f) + len)) == NULL) {
		c->vm.stats.kept_lost++;
		return;
	}
	f->len = len;
	memcpy(f->data, synio_rbuf, len);
	if (flags & SYNJITSU_F_CSUM_PARTIAL)
		(void)synjitsu_csum_fill(f->data, f->len);
	c->kept[c->nkept++] = f;
}

static void
synio_kept_free(struct synio_claim *c)
{
	size_t i;

	for (i = 0; i < c->nkept; i++)
		free(c->kept[i]);
	c->nkept = 0;
}

/* A frame went by on p's bridge: the first claim that takes it answers. */
static void
synio_frame(struct synio *io, struct synio_port *p, size_t len,
    unsigned int flags)
{
	struct synio_claim   *c;
	enum synjitsu_verdict v;
	uint8_t		      out[SYNJITSU_REPLY_MAX];
	size_t		      outlen, n;
	uint64_t	      now = vm_now_ms(), syns, est;

	LIST_FOREACH(c, &io->claims, entry) {
		if (c->port != p)
			continue;
		syns = c->vm.stats.syns;
		est = c->vm.stats.established;
		v = synjitsu_input_flags(&c->vm, synio_rbuf, len, flags, now,
		    out, sizeof(out), &outlen);
		/* The timeline: the first SYN and handshake of a summon. */
		if (syns == 0 && c->vm.stats.syns == 1)
			log_info("%s: synjitsu: first SYN %llu ms after the "
				 "claim",
			    c->name, (unsigned long long)(now - c->since));
		if (est == 0 && c->vm.stats.established == 1)
			log_info("%s: synjitsu: first handshake completed %llu "
				 "ms after the claim",
			    c->name, (unsigned long long)(now - c->since));
		if (v == SYNJITSU_REPLIED)
			synio_send(p, out, outlen);
		else if (v == SYNJITSU_KEPT)
			synio_keep(c, len, flags);
		/* SYNs held for a hop this frame made known. */
		while ((n = synjitsu_output(&c->vm, out, sizeof(out))) > 0)
			synio_send(p, out, n);
		if (v != SYNJITSU_IGNORED)
			return;
	}
}

/*
 * One frame into synio_rbuf; its length (the whole frame's, even when
 * cut), or -1.  A client in a network namespace of this kernel sends
 * through a veth whose "hardware" would finish the TCP checksum: the
 * auxiliary data says so (TP_STATUS_CSUMNOTREADY) and *flags tells
 * synjitsu.c not to verify it.
 */
static ssize_t
synio_recv(int fd, unsigned int *flags)
{
	struct iovec iov = { synio_rbuf, sizeof(synio_rbuf) };
	union {
		struct cmsghdr h;
		char	       b[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
	} ctl;
	struct msghdr	       msg;
	struct cmsghdr	      *cm;
	struct tpacket_auxdata aux;
	struct sockaddr_ll     from;
	ssize_t		       n;

	memset(&msg, 0, sizeof(msg));
	memset(&from, 0, sizeof(from));
	msg.msg_name = &from;
	msg.msg_namelen = sizeof(from);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = &ctl;
	msg.msg_controllen = sizeof(ctl);
	*flags = 0;
	if ((n = recvmsg(fd, &msg, MSG_TRUNC)) == -1)
		return -1;
	/* What this host sent (our replies among it) is no one asking. */
	if (from.sll_pkttype == PACKET_OUTGOING)
		*flags |= SYNJITSU_F_OUTGOING;
	for (cm = CMSG_FIRSTHDR(&msg); cm != NULL; cm = CMSG_NXTHDR(&msg, cm))
		if (cm->cmsg_level == SOL_PACKET &&
		    cm->cmsg_type == PACKET_AUXDATA &&
		    cm->cmsg_len >= CMSG_LEN(sizeof(aux))) {
			memcpy(&aux, CMSG_DATA(cm), sizeof(aux));
			if (aux.tp_status & TP_STATUS_CSUMNOTREADY)
				*flags |= SYNJITSU_F_CSUM_PARTIAL;
		}
	return n;
}

static void
synio_read(int fd, short ev, void *arg)
{
	struct synio_port *p = arg;
	unsigned int	   flags;
	ssize_t		   n;
	int		   i;

	(void)ev;
	/* A bounded batch per wake-up: the loop has DNS to serve too. */
	for (i = 0; i < 64; i++) {
		if ((n = synio_recv(fd, &flags)) == -1) {
			if (errno != EAGAIN && errno != EINTR)
				log_warn("synjitsu: recv on %s", p->bridge);
			return;
		}
		if ((size_t)n > sizeof(synio_rbuf))
			continue; /* truncated: not ours to answer */
		synio_frame(p->io, p, (size_t)n, flags);
	}
}

/*
 * Listening for claims, or lingering (see the top of the file): read
 * with the buffer the kernel gave the socket, or not read, with the
 * least buffer (asked for 0, the kernel raises it to its minimum).
 */
static int
synio_listen(struct synio_port *p, int on)
{
	int size = on ? p->rcvbuf : 0;

	if (setsockopt(p->fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size)) == -1)
		return -1;
	return on ? event_add(p->ev, NULL) : event_del(p->ev);
}

static int
synio_socket(struct synio_port *p, char *err, size_t errlen)
{
	struct sockaddr_ll sll;
	struct packet_mreq mr;
	struct sock_fprog  prog;
	socklen_t	   len = sizeof(p->rcvbuf);
	int		   on = 1;

	if ((p->ifindex = (int)if_nametoindex(p->bridge)) == 0) {
		snprintf(err, errlen, "bridge %s: %s", p->bridge,
		    strerror(errno));
		return -1;
	}
	/* Protocol 0: hooked by bind() alone (see the top of the file). */
	if ((p->fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
		 0)) == -1) {
		snprintf(err, errlen, "packet socket: %s", strerror(errno));
		return -1;
	}
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = p->ifindex;
	memset(&mr, 0, sizeof(mr));
	mr.mr_ifindex = p->ifindex;
	mr.mr_type = PACKET_MR_PROMISC;
	prog.len = sizeof(synio_bpf) / sizeof(synio_bpf[0]);
	prog.filter = synio_bpf;
	/* IGNORE_OUTGOING: our own frames would come back to us. */
	if (setsockopt(p->fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog,
		sizeof(prog)) == -1 ||
	    getsockopt(p->fd, SOL_SOCKET, SO_RCVBUF, &p->rcvbuf, &len) == -1 ||
	    setsockopt(p->fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &on,
		sizeof(on)) == -1 ||
	    setsockopt(p->fd, SOL_PACKET, PACKET_AUXDATA, &on, sizeof(on)) ==
		-1 ||
	    bind(p->fd, (struct sockaddr *)&sll, sizeof(sll)) == -1 ||
	    setsockopt(p->fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr,
		sizeof(mr)) == -1) {
		snprintf(err, errlen, "packet socket on %s: %s", p->bridge,
		    strerror(errno));
		close(p->fd);
		return -1;
	}
	/* Given back by synio_listen: the kernel sets twice what it is
	 * asked for (its own bookkeeping), and reports what it set. */
	p->rcvbuf /= 2;
	return 0;
}

static struct synio_port *
synio_port_find(struct synio *io, const char *bridge)
{
	struct synio_port *p;

	LIST_FOREACH(p, &io->ports, entry)
		if (strcmp(p->bridge, bridge) == 0)
			return p;
	return NULL;
}

static struct synio_port *
synio_port_get(struct synio *io, const char *bridge, char *err, size_t errlen)
{
	struct synio_port *p;

	/* A bridge made again while its socket lingered has a new index. */
	if ((p = synio_port_find(io, bridge)) != NULL && p->refs == 0 &&
	    (int)if_nametoindex(bridge) != p->ifindex) {
		synio_port_close(p);
		p = NULL;
	}
	if (p != NULL) {
		if (p->refs++ == 0) {
			/* Woken from its linger: what it kept then is old. */
			evtimer_del(p->linger);
			while (recv(p->fd, synio_rbuf, sizeof(synio_rbuf),
				   MSG_DONTWAIT) >= 0)
				;
			if (synio_listen(p, 1) == -1) {
				snprintf(err, errlen, "packet socket on %s: %s",
				    bridge, strerror(errno));
				p->refs--;
				synio_port_close(p);
				return NULL;
			}
		}
		return p;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	p->io = io;
	snprintf(p->bridge, sizeof(p->bridge), "%s", bridge);
	if (synio_socket(p, err, errlen) == -1) {
		free(p);
		return NULL;
	}
	if ((p->ev = event_new(io->base, p->fd, EV_READ | EV_PERSIST,
		 synio_read, p)) == NULL ||
	    event_add(p->ev, NULL) == -1 ||
	    (p->linger = evtimer_new(io->base, synio_port_idle, p)) == NULL) {
		snprintf(err, errlen, "event_new");
		if (p->ev != NULL)
			event_free(p->ev);
		close(p->fd);
		free(p);
		return NULL;
	}
	p->refs = 1;
	LIST_INSERT_HEAD(&io->ports, p, entry);
	return p;
}

static void
synio_port_close(struct synio_port *p)
{
	LIST_REMOVE(p, entry);
	event_free(p->ev);
	event_free(p->linger);
	close(p->fd);
	free(p);
}

/* Nobody claimed on this bridge for SYNIO_LINGER_MS. */
static void
synio_port_idle(int fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	synio_port_close(arg);
}

static void
synio_port_put(struct synio_port *p)
{
	struct timeval tv = ms_timeval(SYNIO_LINGER_MS);

	if (--p->refs > 0)
		return;
	/* Not read, or it would wake us for every frame on a busy bridge. */
	if (synio_listen(p, 0) == -1 || evtimer_add(p->linger, &tv) == -1) {
		log_warn("synjitsu: packet socket on %s", p->bridge);
		synio_port_close(p);
	}
}

static void
synio_tick(int fd, short ev, void *arg)
{
	struct synio	   *io = arg;
	struct synio_claim *c;
	uint64_t	    now = vm_now_ms();

	(void)fd;
	(void)ev;
	LIST_FOREACH(c, &io->claims, entry)
		(void)synjitsu_tick(&c->vm, now);
}

static int
synio_tick_start(struct synio *io)
{
	struct timeval tv = ms_timeval(SYNIO_TICK_MS);

	if (io->tick == NULL &&
	    (io->tick = event_new(io->base, -1, EV_PERSIST, synio_tick, io)) ==
		NULL)
		return -1;
	return event_add(io->tick, &tv);
}

/*
 * Why jitsud announces a guest that speaks for itself: a client that
 * knew the address under another MAC (an earlier guest there, or a
 * guest of another toolstack) sends to that MAC until it hears better,
 * and the guest's own announcements can all be lost while its bridge
 * port is not forwarding yet (the port follows netback's carrier, late)
 * or never come at all (a Linux guest sends none).  Sent from the
 * bridge device, which is always forwarding and learns nothing from
 * what it sends: the clients learn the MAC, the bridge still waits for
 * the guest's own first frame to learn its port.
 */
/*
 * A send-only socket on interface ifname: protocol 0, so it receives
 * nothing.  Bound, then send(): an unbound sendto() naming the
 * interface was seen to put nothing on the ports of a bridge.
 */
static int
synio_tx_open(const char *ifname)
{
	struct sockaddr_ll sll;
	int		   fd, saved;

	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	if ((sll.sll_ifindex = (int)if_nametoindex(ifname)) == 0 ||
	    (fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) == -1) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

/* Frame f onto bridge through its kept socket, opened on first use. */
static int
synio_tx_send(struct synio *io, const char *bridge, const uint8_t *f,
    size_t len)
{
	struct synio_tx *t = NULL;
	size_t		 i;
	int		 tries;

	for (i = 0; i < SYNIO_TX_MAX && t == NULL; i++)
		if (io->tx[i].fd != -1 && strcmp(io->tx[i].bridge, bridge) == 0)
			t = &io->tx[i];
	for (i = 0; i < SYNIO_TX_MAX && t == NULL; i++)
		if (io->tx[i].fd == -1)
			t = &io->tx[i];
	if (t == NULL) { /* more bridges than kept sockets: reuse one */
		t = &io->tx[0];
		close(t->fd);
		t->fd = -1;
	}
	/* A bridge made again since has a new index: ENXIO, open anew. */
	for (tries = 0; tries < 2; tries++) {
		if (t->fd == -1) {
			if ((t->fd = synio_tx_open(bridge)) == -1)
				return -1;
			snprintf(t->bridge, sizeof(t->bridge), "%s", bridge);
		}
		if (send(t->fd, f, len, MSG_DONTWAIT) != -1)
			return 0;
		if (errno != ENXIO && errno != ENODEV && errno != ENETDOWN)
			return -1;
		close(t->fd);
		t->fd = -1;
	}
	return -1;
}

/*
 * Why jitsud announces a guest that speaks for itself: a client that
 * knew the address under another MAC (an earlier guest there, or a
 * guest of another toolstack) sends to that MAC until it hears better,
 * and the guest's own announcements can all be lost while its bridge
 * port is not forwarding yet (the port follows netback's carrier, late)
 * or never come at all (a Linux guest sends none).  Sent from the
 * bridge device, which is always forwarding and learns nothing from
 * what it sends: the clients learn the MAC, the bridge still waits for
 * the guest's own first frame to learn its port.
 */
int
synio_announce(struct synio *io, const struct binding *b)
{
	struct synio_port *p;
	uint8_t		   f[64];
	size_t		   len;

	if (!b->has_ip)
		return 0;
	len = synjitsu_garp_of(ntohl(b->ip.s_addr), b->mac, f, sizeof(f));
	/* A claim's socket on that bridge serves; else the kept one. */
	if ((p = synio_port_find(io, b->bridge)) != NULL)
		return send(p->fd, f, len, MSG_DONTWAIT) == -1 ? -1 : 0;
	return synio_tx_send(io, b->bridge, f, len);
}

/* The last jitsu.gw= word of a command line, as the libOS reads it. */
static uint32_t
synio_cmdline_gw(const char *w)
{
	static const char key[] = "jitsu.gw=";
	const size_t	  klen = sizeof(key) - 1;
	struct in_addr	  a;
	char		  v[INET_ADDRSTRLEN];
	size_t		  len, k;
	uint32_t	  gw = 0;

	while (*w != '\0') {
		len = strcspn(w, " \t\n");
		if (len > klen && strncmp(w, key, klen) == 0) {
			for (k = 0; k < len - klen && k + 1 < sizeof(v); k++)
				v[k] = w[klen + k];
			v[k] = '\0';
			gw = inet_pton(AF_INET, v + (v[0] == '"'), &a) == 1 ?
			    ntohl(a.s_addr) :
			    0;
		}
		w += len;
		w += strspn(w, " \t\n");
	}
	return gw;
}

/*
 * A process guest's route: its bridge's address on the guest's /24, the
 * one proc.c (proc_bridge) makes its kernel's default route whatever the
 * command line says.  0 if the bridge has none.
 */
static uint32_t
synio_bridge_gw(const struct binding *b)
{
	struct nl_link l;
	struct in_addr a;
	int	       fd, r = -1;

	if ((fd = nl_open()) == -1)
		return 0;
	if (nl_link_get(fd, 0, b->bridge, &l) == 0)
		r = nl_addr4_find(fd, l.index, b->ip, SYNJITSU_PREFIX, &a);
	close(fd);
	return r == 1 && a.s_addr != b->ip.s_addr ? ntohl(a.s_addr) : 0;
}

/* The guest's gateway, as it will route; 0 for none. */
static uint32_t
synio_gateway(const struct synio *io, const struct binding *b)
{
	if (!b->has_ip)
		return 0;
	return io->bridge_gw ? synio_bridge_gw(b) :
			       synio_cmdline_gw(binding_s(b->cmdline));
}

/*
 * synjitsu_neighbours' table for a claim: dom0's own neighbour on its
 * bridge, one rtnetlink get.  dom0 answered the client's query, or
 * routes through the same gateway, so its kernel often knows the MAC
 * our who-has would ask for.  Only an entry confirmed lately (REACHABLE:
 * the kernel had an answer or a reply from it within about 30 s) or an
 * operator's (PERMANENT): a STALE one may name a host that held the
 * address before, which could then complete a handshake in its name.
 */
static int
synio_neigh(void *arg, uint32_t ip, uint8_t mac[6])
{
	struct synio_claim *c = arg;
	struct synio	   *io = c->port->io;
	struct nl_neigh	    n;
	struct in_addr	    a = { htonl(ip) };

	if (io->nl_fd == -1 && (io->nl_fd = nl_open()) == -1)
		return -1;
	if (nl_neigh_get(io->nl_fd, c->port->ifindex, a, &n) != 1 ||
	    !(n.state & (NUD_REACHABLE | NUD_PERMANENT)))
		return -1;
	memcpy(mac, n.mac, 6);
	return 0;
}

struct synio_claim *
synio_claim(struct synio *io, const struct binding *b, char *err, size_t errlen)
{
	struct synio_claim *c;
	uint8_t		    secret[SYNJITSU_SECRET_LEN], garp[64];
	size_t		    len;

	if (!b->has_ip || b->nports == 0) {
		snprintf(err, errlen, "synjitsu needs ip= and ports=");
		return NULL;
	}
	if (getrandom(secret, sizeof(secret), 0) != sizeof(secret)) {
		snprintf(err, errlen, "getrandom: %s", strerror(errno));
		return NULL;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (synjitsu_init(&c->vm, ntohl(b->ip.s_addr), b->mac, b->ports,
		b->nports, secret) == -1) {
		snprintf(err, errlen, "synjitsu: bad address, MAC or ports");
		free(c);
		return NULL;
	}
	/* A gateway the guest could not use would not route for it either:
	 * off-link clients then go unanswered, as they would by the guest. */
	if (synjitsu_route(&c->vm, SYNJITSU_PREFIX, synio_gateway(io, b)) == -1)
		log_warnx("%s: synjitsu: jitsu.gw is not on the guest's /%d; "
			  "off-link clients go unanswered",
		    b->name, SYNJITSU_PREFIX);
	if ((c->port = synio_port_get(io, b->bridge, err, errlen)) == NULL ||
	    synio_tick_start(io) == -1) {
		if (c->port != NULL)
			synio_port_put(c->port);
		free(c);
		return NULL;
	}
	synjitsu_neighbours(&c->vm, synio_neigh, c);
	snprintf(c->name, sizeof(c->name), "%s", b->name);
	c->since = vm_now_ms();
	LIST_INSERT_HEAD(&io->claims, c, entry);
	/* Clients with a stale ARP entry learn the guest's MAC now. */
	if ((len = synjitsu_garp(&c->vm, garp, sizeof(garp))) > 0)
		synio_send(c->port, garp, len);
	return c;
}

size_t
synio_handover(struct synio_claim *c, struct synrec **recs)
{
	size_t i, n = 0, max;

	/* Frozen first: nothing is acked after its record is taken. */
	max = synjitsu_freeze(&c->vm);
	*recs = NULL;
	if (max == 0 || (*recs = calloc(max, sizeof(**recs))) == NULL)
		return 0;
	for (i = 0; i < SYNJITSU_CONN_MAX && n < max; i++)
		if (synjitsu_record(&c->vm, i, &(*recs)[n]) == 0)
			n++;
	return n;
}

int
synio_settled(const struct synio_claim *c)
{
	return synjitsu_settled(&c->vm);
}

static void
stats_add(struct synjitsu_stats *to, const struct synjitsu_stats *s)
{
	const uint64_t *from = (const uint64_t *)(const void *)s;
	uint64_t       *sum = (uint64_t *)(void *)to;
	size_t		i;

	/* The struct is uint64_t counters only (synjitsu.h). */
	for (i = 0; i < sizeof(*s) / sizeof(uint64_t); i++)
		sum[i] += from[i];
}

/*
 * The guest has adopted its records and is on the wire at ifname: what
 * was kept for it goes there, in the order it came.  Straight to the
 * guest's port, not through the bridge: the bridge would flood a frame
 * for a MAC it has not learnt yet, and learn nothing wrong either way.
 * A socket of its own, protocol 0, as synio_announce's: it hooks
 * nothing; its close still waits for an RCU grace period, but this runs
 * once a hand-over, after the guest has answered.
 */
void
synio_pass(struct synio_claim *c, const char *ifname)
{
	size_t i, sent = 0;
	int    fd;

	if (c == NULL || c->nkept == 0)
		return;
	if (ifname == NULL || (fd = synio_tx_open(ifname)) == -1)
		log_warn("%s: synjitsu: %zu frame(s) kept for the guest cannot "
			 "reach %s",
		    c->name, c->nkept, ifname != NULL ? ifname : "it");
	else {
		for (i = 0; i < c->nkept; i++)
			if (send(fd, c->kept[i]->data, c->kept[i]->len,
				MSG_DONTWAIT) != -1)
				sent++;
		close(fd);
	}
	c->vm.stats.kept_passed += sent;
	c->vm.stats.kept_lost += c->nkept - sent;
	log_info("%s: synjitsu: %zu of %zu frame(s) kept since the hand-over "
		 "passed to %s",
	    c->name, sent, c->nkept, ifname != NULL ? ifname : "-");
	synio_kept_free(c);
}

void
synio_release(struct synio *io, struct synio_claim *c)
{
	if (c == NULL)
		return;
	if (c->nkept > 0) {
		log_info("%s: synjitsu: %zu frame(s) kept for the guest "
			 "dropped; their clients send them again",
		    c->name, c->nkept);
		c->vm.stats.kept_lost += c->nkept;
		synio_kept_free(c);
	}
	stats_add(&io->gone, &c->vm.stats);
	LIST_REMOVE(c, entry);
	synio_port_put(c->port);
	free(c);
	if (LIST_EMPTY(&io->claims) && io->tick != NULL)
		event_del(io->tick);
}

void
synio_stats(const struct synio *io, struct synjitsu_stats *sum)
{
	const struct synio_claim *c;

	*sum = io->gone;
	LIST_FOREACH(c, &io->claims, entry)
		stats_add(sum, &c->vm.stats);
}

void
synio_free(struct synio *io)
{
	struct synio_claim *c;
	struct synio_port  *p;
	size_t		    i;

	if (io == NULL)
		return;
	while ((c = LIST_FIRST(&io->claims)) != NULL)
		synio_release(io, c);
	while ((p = LIST_FIRST(&io->ports)) != NULL)
		synio_port_close(p); /* lingering, all of them now */
	for (i = 0; i < SYNIO_TX_MAX; i++)
		if (io->tx[i].fd != -1)
			close(io->tx[i].fd);
	if (io->nl_fd != -1)
		close(io->nl_fd);
	if (io->tick != NULL)
		event_free(io->tick);
	free(io);
}
