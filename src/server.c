/* server.c -- DNS over UDP and TCP: sockets and libevent glue around dns.c */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "jitsud.h"
#include "log.h"

#define UDP_BATCH	  64 /* datagrams read per wake-up */
#define TCP_CLIENTS_MAX	  256
#define ACCEPT_PAUSE_MSEC 1000
#define UDP_RCVBUF	  (8 << 20)

/*
 * What one TCP client may cost us (server_tcp_flow).  Replies queued
 * past TCP_OUT_MAX, or TCP_PENDING_MAX queries held or forwarded at
 * once, and we stop reading its queries until it has taken its replies
 * (down to TCP_OUT_RESUME) or they are sent: a client that pipelines
 * and never reads holds at most about TCP_OUT_MAX plus one query.
 */
#define TCP_OUT_MAX	(64 * 1024)
#define TCP_OUT_RESUME	(16 * 1024)
#define TCP_PENDING_MAX 16

struct tcp_client;

/*
 * A UDP client: its address, and the address and interface its query
 * came to.  A socket bound to 0.0.0.0 or :: must answer from the
 * address it was asked at, not from whichever the route to the client
 * prefers, or the client drops the answer as from a stranger.
 */
struct udp_peer {
	struct sockaddr_storage from;
	socklen_t		fromlen;
	int			dst_family; /* 0: not known */
	union {
		struct in_addr	v4;
		struct in6_addr v6;
	} dst;
	unsigned int dst_ifindex;
};

/*
 * A reply that cannot be sent yet: held while its unikernel is summoned,
 * or waiting for the upstream resolver.  A held reply is sent when the
 * VM is ready, as SERVFAIL if the summon fails, or as it is after the
 * binding's max-wait: a client that gets an address late is better off
 * than one that retries.  A forwarded query gets the upstream's answer
 * or SERVFAIL.  Only these cold paths allocate.
 */
struct pending {
	struct vm_waiter     w;	 /* summon */
	struct fwd_query    *fq; /* forward */
	struct server	    *srv;
	struct tcp_client   *client; /* TCP, else NULL */
	TAILQ_ENTRY(pending) entry;  /* in srv->pending */
	TAILQ_ENTRY(pending) centry; /* in client->pending */
	struct udp_peer	     peer;   /* UDP */
	struct dns_verdict   v;
	struct event	    *timer; /* max-wait */
	size_t		     len;
	uint8_t		     buf[]; /* our own reply */
};

/*
 * A TCP client.  Its deadline (server_tcp_deadline) comes every
 * conf.tcp_timeout_ms: by then it must have taken every reply byte that
 * was queued at the one before and, unless it is waiting for a held or
 * forwarded answer, sent a whole query.  libevent's own timeouts would
 * not do: they restart at every byte, so a client trickling a byte at a
 * time would hold its slot and its replies for ever.
 */
struct tcp_client {
	struct server	       *srv;
	struct bufferevent     *bev;
	struct event	       *deadline;
	TAILQ_ENTRY(tcp_client) entry;
	TAILQ_HEAD(, pending) pending;
	size_t	 npending;
	uint64_t queued; /* reply bytes queued since accept */
	uint64_t due;	 /* ... of which sent by the deadline */
	int	 asked;	 /* a whole query since the last deadline */
	int	 reading;
	int	 dropping;
};

/*
 * A listening socket.  UDP queries are answered from the two buffers
 * below, which are reused for every datagram: nothing is allocated per
 * query on the UDP path.
 */
struct server {
	struct jitsud	*env;
	struct conf_addr addr;
	int		 fd;
	int		 tcp;
	struct event	*ev;
	struct event	*pause; /* accept back-off (TCP) */
	TAILQ_HEAD(, tcp_client) clients;
	size_t nclients;
	TAILQ_HEAD(, pending) pending;
	LIST_ENTRY(server) entry;
};

LIST_HEAD(server_list, server);

static void server_udp_read(int, short, void *);
static void server_tcp_accept(int, short, void *);
static void server_tcp_flow(struct tcp_client *);

const char *
server_addr_str(const struct conf_addr *a, char *buf, size_t len)
{
	char	     host[INET6_ADDRSTRLEN];
	const void  *ip;
	unsigned int port;

	if (a->ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const void *)&a->ss;

		ip = &sin6->sin6_addr;
		port = ntohs(sin6->sin6_port);
	} else {
		const struct sockaddr_in *sin = (const void *)&a->ss;

		ip = &sin->sin_addr;
		port = ntohs(sin->sin_port);
	}
	inet_ntop(a->ss.ss_family, ip, host, sizeof(host));
	snprintf(buf, len, a->ss.ss_family == AF_INET6 ? "[%s]:%u" : "%s:%u",
	    host, port);
	return buf;
}

/* A datagram and who sent it where (IP_PKTINFO, IPV6_PKTINFO). */
static ssize_t
udp_recv(int fd, uint8_t *buf, size_t len, struct udp_peer *peer)
{
	union {
		struct cmsghdr hdr;
		uint8_t	       buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	} ctl;
	struct iovec	iov = { buf, len };
	struct msghdr	msg;
	struct cmsghdr *cm;
	ssize_t		n;

	memset(&msg, 0, sizeof(msg));
	msg.msg_name = &peer->from;
	msg.msg_namelen = sizeof(peer->from);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = ctl.buf;
	msg.msg_controllen = sizeof(ctl.buf);
	if ((n = recvmsg(fd, &msg, 0)) == -1)
		return -1;
	peer->fromlen = msg.msg_namelen;
	peer->dst_family = 0;
	for (cm = CMSG_FIRSTHDR(&msg); cm != NULL; cm = CMSG_NXTHDR(&msg, cm)) {
		if (cm->cmsg_level == IPPROTO_IP &&
		    cm->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			peer->dst_family = AF_INET;
			peer->dst.v4 = pi.ipi_addr;
			peer->dst_ifindex = 0; /* the route's choice */
		} else if (cm->cmsg_level == IPPROTO_IPV6 &&
		    cm->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			peer->dst_family = AF_INET6;
			peer->dst.v6 = pi.ipi6_addr;
			/* A link-local address means nothing without it. */
			peer->dst_ifindex = pi.ipi6_ifindex;
		}
	}
	return n;
}

/* msg's one control message: level/type and its data, in buf. */
static void
udp_cmsg(struct msghdr *msg, uint8_t *buf, int level, int type,
    const void *data, size_t len)
{
	struct cmsghdr *cm;

	msg->msg_control = buf;
	msg->msg_controllen = CMSG_SPACE(len);
	cm = CMSG_FIRSTHDR(msg);
	cm->cmsg_level = level;
	cm->cmsg_type = type;
	cm->cmsg_len = CMSG_LEN(len);
	memcpy(CMSG_DATA(cm), data, len);
}

/*
 * The reply, from the address the query came to.  Should the kernel
 * refuse that source (a query sent to a broadcast or multicast address
 * has none of its own to answer from), the socket's choice will do.
 */
static ssize_t
udp_send(int fd, const uint8_t *buf, size_t len, const struct udp_peer *peer)
{
	union {
		struct cmsghdr hdr;
		uint8_t	       buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	} ctl;
	struct iovec  iov = { (void *)(uintptr_t)buf, len };
	struct msghdr msg;
	ssize_t	      n;

	memset(&msg, 0, sizeof(msg));
	memset(&ctl, 0, sizeof(ctl));
	msg.msg_name = (void *)(uintptr_t)&peer->from;
	msg.msg_namelen = peer->fromlen;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (peer->dst_family == AF_INET) {
		struct in_pktinfo pi;

		memset(&pi, 0, sizeof(pi));
		pi.ipi_spec_dst = peer->dst.v4;
		udp_cmsg(&msg, ctl.buf, IPPROTO_IP, IP_PKTINFO, &pi,
		    sizeof(pi));
	} else if (peer->dst_family == AF_INET6) {
		struct in6_pktinfo pi;

		memset(&pi, 0, sizeof(pi));
		pi.ipi6_addr = peer->dst.v6;
		pi.ipi6_ifindex = peer->dst_ifindex;
		udp_cmsg(&msg, ctl.buf, IPPROTO_IPV6, IPV6_PKTINFO, &pi,
		    sizeof(pi));
	}
	n = sendmsg(fd, &msg, 0);
	if (n == -1 && msg.msg_control != NULL && errno == EINVAL) {
		msg.msg_control = NULL;
		msg.msg_controllen = 0;
		n = sendmsg(fd, &msg, 0);
	}
	return n;
}

/*
 * SO_REUSEPORT lets a reload bind the new sockets before it closes the
 * old ones, so no query meets a closed port while the swap happens.
 */
static int
server_socket(const struct conf_addr *a, int tcp)
{
	int fd, on = 1, rcvbuf = UDP_RCVBUF;

	fd = socket(a->ss.ss_family,
	    (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) == -1)
		goto err;
	/* "::" must not also claim 0.0.0.0: both are listed separately. */
	if (a->ss.ss_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) == -1)
		goto err;
	/*
	 * A burst of queries (a thousand clients asking for a cold name at
	 * once) must wait in the socket, not be dropped: the default buffer
	 * holds a few hundred datagrams.  Root may go past rmem_max.
	 */
	if (!tcp &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
		sizeof(rcvbuf)) == -1)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	/* Where each query came to: udp_peer. */
	if (!tcp &&
	    (a->ss.ss_family == AF_INET6 ?
		    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on,
			sizeof(on)) :
		    setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on))) ==
		-1)
		goto err;
	if (bind(fd, (const struct sockaddr *)&a->ss, a->len) == -1)
		goto err;
	if (tcp && listen(fd, 128) == -1)
		goto err;
	return fd;
err:
	close(fd);
	return -1;
}

struct server *
server_open(struct jitsud *env, const struct conf_addr *a, int tcp)
{
	struct server *s;
	char	       name[64];

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->env = env;
	s->addr = *a;
	s->tcp = tcp;
	TAILQ_INIT(&s->clients);
	TAILQ_INIT(&s->pending);
	if ((s->fd = server_socket(a, tcp)) == -1) {
		log_warn("listen on %s/%s",
		    server_addr_str(a, name, sizeof(name)),
		    tcp ? "tcp" : "udp");
		free(s);
		return NULL;
	}
	s->ev = event_new(env->base, s->fd, EV_READ | EV_PERSIST,
	    tcp ? server_tcp_accept : server_udp_read, s);
	if (s->ev == NULL || event_add(s->ev, NULL) == -1)
		fatalx("event_new");
	log_debug("listening on %s/%s", server_addr_str(a, name, sizeof(name)),
	    tcp ? "tcp" : "udp");
	return s;
}

static void
pending_free(struct pending *p)
{
	vm_waiter_cancel(&p->w);
	if (p->fq != NULL)
		forward_cancel(p->fq);
	TAILQ_REMOVE(&p->srv->pending, p, entry);
	if (p->client != NULL) {
		TAILQ_REMOVE(&p->client->pending, p, centry);
		p->client->npending--;
		server_tcp_flow(p->client);
	}
	if (p->timer != NULL)
		event_free(p->timer);
	free(p);
}

static void
tcp_send(struct tcp_client *c, const uint8_t *reply, size_t len)
{
	uint8_t lenbuf[2] = { (uint8_t)(len >> 8), (uint8_t)len };

	bufferevent_write(c->bev, lenbuf, 2);
	bufferevent_write(c->bev, reply, len);
	c->queued += 2 + len;
	server_tcp_flow(c);
}

/*
 * Response rate limiting (rrl.c) of a UDP reply, described by v, to
 * peer: the bytes to send (`reply', or its slip made in `slip', which
 * may be reply itself) and their length in *len, or NULL to send
 * nothing.  TCP is never limited: its client cannot be spoofed.
 */
static const uint8_t *
server_rrl(struct server *s, const struct udp_peer *peer, const uint8_t *reply,
    size_t *len, const struct dns_verdict *v, uint8_t *slip)
{
	struct jitsud	  *env = s->env;
	const struct zone *z = v->zone;
	struct rrl_names   n = { NULL, 0, NULL, 0 };

	if (env->rrl == NULL)
		return reply;
	if (z != NULL) {
		n.zone = z->apex->name;
		n.zlen = z->apex->namelen;
	}
	if (v->wild != NULL) {
		n.wild = v->wild->name;
		n.wlen = v->wild->namelen;
	}
	switch (rrl_check(env->rrl, (const struct sockaddr *)&peer->from, reply,
	    *len, v->qend, &n, vm_now_ms())) {
	case RRL_SEND:
		return reply;
	case RRL_SLIP:
		env->metrics.rrl_slipped++;
		if ((*len = rrl_slip(slip, reply, *len, v->qend)) == 0)
			return NULL;
		return slip;
	case RRL_DROP:
		break;
	}
	env->metrics.rrl_dropped++;
	return NULL;
}

/* Send `reply' to the client of p, count it, and forget p. */
static void
pending_send(struct pending *p, const uint8_t *reply, size_t len)
{
	struct metrics *m = &p->srv->env->metrics;

	if (p->client == NULL &&
	    (reply = server_rrl(p->srv, &p->peer, reply, &len, &p->v,
		 p->buf)) == NULL) {
		pending_free(p);
		return;
	}
	metrics_reply(m, p->v.rcode);
	if (p->client != NULL)
		tcp_send(p->client, reply, len);
	else if (udp_send(p->srv->fd, reply, len, &p->peer) == -1)
		m->send_errors++;
	pending_free(p);
}

static void
pending_servfail(struct pending *p)
{
	p->len = dns_servfail(p->buf, &p->v);
	p->v.rcode = DNS_RCODE_SERVFAIL;
	pending_send(p, p->buf, p->len);
}

/* The summon settled: ready (send), or failed (SERVFAIL). */
static void
pending_settled(void *arg, int ok, const char *why)
{
	struct pending *p = arg;

	if (ok) {
		pending_send(p, p->buf, p->len);
		return;
	}
	log_debug("query answered SERVFAIL: %s", why);
	pending_servfail(p);
}

static void
pending_timeout(int fd, short event, void *arg)
{
	struct pending *p = arg;

	(void)fd;
	(void)event;
	p->srv->env->metrics.maxwait_replies++;
	pending_send(p, p->buf, p->len);
}

/* The upstream answered (reply) or did not (NULL). */
static void
pending_forwarded(void *arg, const uint8_t *reply, size_t len)
{
	struct pending *p = arg;

	p->fq = NULL; /* forward.c frees it after this call */
	if (reply == NULL) {
		p->srv->env->metrics.forward_failures++;
		pending_servfail(p);
		return;
	}
	p->v.rcode = reply[3] & 0x0f;
	if (p->client == NULL &&
	    len > (p->v.limit != 0 ? p->v.limit : DNS_UDP_MIN)) {
		/*
		 * More than the client takes over UDP (the query went up
		 * with the client's own EDNS size, and upstreams answer up
		 * to theirs): cut as dns_answer cuts its own, to header,
		 * question and our OPT, with TC set.  That is the reply we
		 * made for the query (REFUSED), with the upstream's flags
		 * and rcode.  Relayed whole, a 34-byte query could fetch
		 * 3 KB at a spoofed victim.
		 */
		p->buf[2] = reply[2] | 0x02;
		p->buf[3] = reply[3];
		p->srv->env->metrics.truncated++;
		pending_send(p, p->buf, p->len);
		return;
	}
	pending_send(p, reply, len);
}

/*
 * A pending reply for the query answered in env->reply.  NULL when out
 * of memory (the caller answers at once).
 */
static struct pending *
pending_new(struct server *s, struct tcp_client *c, const struct udp_peer *peer,
    const struct dns_verdict *v)
{
	struct pending *p;

	if ((p = calloc(1, sizeof(*p) + v->replylen)) == NULL)
		return NULL;
	p->srv = s;
	p->client = c;
	if (peer != NULL)
		p->peer = *peer;
	p->v = *v;
	p->v.zone = NULL; /* a reload may free them while we wait */
	p->v.binding = NULL;
	p->len = v->replylen;
	memcpy(p->buf, s->env->reply, v->replylen);
	TAILQ_INSERT_TAIL(&s->pending, p, entry);
	if (c != NULL) {
		TAILQ_INSERT_TAIL(&c->pending, p, centry);
		c->npending++;
	}
	return p;
}

/*
 * Hold the reply in env->reply until b's VM settles.  Returns 0 when
 * held, -1 when it could not be (the caller answers at once).
 */
static int
pending_hold(struct server *s, struct tcp_client *c,
    const struct udp_peer *peer, const struct dns_verdict *v,
    const struct binding *b)
{
	struct pending *p;
	struct timeval	tv;

	if ((p = pending_new(s, c, peer, v)) == NULL)
		return -1;
	p->w.cb = pending_settled;
	p->w.arg = p;
	if ((p->timer = evtimer_new(s->env->base, pending_timeout, p)) ==
		NULL ||
	    vm_join(s->env->vms, b, &p->w) == -1) {
		pending_free(p);
		return -1;
	}
	tv = ms_timeval(b->max_wait_ms);
	evtimer_add(p->timer, &tv);
	return 0;
}

/*
 * Send an out-of-zone query to the forwarder.  Returns 0 when sent,
 * -1 when it could not be (the caller sends the REFUSED it has).
 */
static int
pending_forward(struct server *s, struct tcp_client *c,
    const struct udp_peer *peer, const struct dns_verdict *v, size_t qlen)
{
	struct pending *p;

	if ((p = pending_new(s, c, peer, v)) == NULL)
		return -1;
	p->fq = forward_query(s->env->fwd, s->env->query, qlen, v->qend,
	    c != NULL, pending_forwarded, p);
	if (p->fq == NULL) {
		pending_free(p);
		return -1;
	}
	s->env->metrics.forwarded++;
	return 0;
}

static void
server_tcp_drop(struct tcp_client *c)
{
	struct server *s = c->srv;

	c->dropping = 1; /* no flow control on the way out */
	while (!TAILQ_EMPTY(&c->pending))
		pending_free(TAILQ_FIRST(&c->pending));

	TAILQ_REMOVE(&s->clients, c, entry);
	s->nclients--;
	bufferevent_free(c->bev);
	event_free(c->deadline);
	free(c);
	/* A slot is free again: accept if we had stopped for the limit. */
	if (s->nclients == TCP_CLIENTS_MAX - 1 &&
	    (s->pause == NULL || !evtimer_pending(s->pause, NULL)))
		event_add(s->ev, NULL);
}

void
server_close(struct server *s)
{
	while (!TAILQ_EMPTY(&s->pending))
		pending_free(TAILQ_FIRST(&s->pending));
	while (!TAILQ_EMPTY(&s->clients))
		server_tcp_drop(TAILQ_FIRST(&s->clients));
	if (s->pause != NULL)
		event_free(s->pause);
	event_free(s->ev);
	close(s->fd);
	free(s);
}

/*
 * A reply that gives a bound name's address: is its VM there?  READY
 * (or covered by Synjitsu, which answers the handshake while the VM
 * boots): send now.  Being summoned: hold the reply.  Cannot be had:
 * SERVFAIL.  Returns the bytes to send now (0: held or nothing).
 */
static size_t
server_summon(struct server *s, struct tcp_client *c,
    const struct udp_peer *peer, struct dns_verdict *v)
{
	struct jitsud	     *env = s->env;
	const struct binding *b = v->binding;

	switch (vm_want(env->vms, b, NULL)) {
	case VM_WANT_READY:
	case VM_WANT_STANDIN: /* Synjitsu answers for it meanwhile */
		return v->replylen;
	case VM_WANT_WAIT:
		if (b->max_wait_ms == 0 || pending_hold(s, c, peer, v, b) == -1)
			return v->replylen;
		return 0;
	case VM_WANT_FAIL:
		break;
	}
	v->rcode = DNS_RCODE_SERVFAIL;
	return dns_servfail(env->reply, v);
}

/*
 * Answer one query and account for it.  Returns the number of reply
 * bytes in env->reply to send now, or 0 to send nothing (yet).
 */
static size_t
server_answer(struct server *s, struct tcp_client *c,
    const struct udp_peer *peer, size_t qlen)
{
	struct jitsud	  *env = s->env;
	struct dns_verdict v;
	enum dns_action	   act;
	size_t		   len;

	act = dns_answer(env->zones, env->query, qlen, c != NULL, env->reply,
	    sizeof(env->reply), &v);
	metrics_query(&env->metrics, &v, c != NULL);
	if (act == DNS_V_DROP)
		return 0;
	len = v.replylen;
	if (act == DNS_V_OUTOFZONE && env->fwd != NULL &&
	    pending_forward(s, c, peer, &v, qlen) == 0)
		return 0;
	if (v.binding != NULL && env->vms != NULL)
		len = server_summon(s, c, peer, &v);
	if (len != 0 && c == NULL &&
	    server_rrl(s, peer, env->reply, &len, &v, env->reply) == NULL)
		len = 0;
	if (len != 0)
		metrics_reply(&env->metrics, v.rcode);
	return len;
}

static void
server_udp_read(int fd, short event, void *arg)
{
	struct server  *s = arg;
	struct jitsud  *env = s->env;
	struct udp_peer peer;
	ssize_t		n;
	size_t		len;
	int		i;

	(void)event;
	for (i = 0; i < UDP_BATCH; i++) {
		n = udp_recv(fd, env->query, sizeof(env->query), &peer);
		if (n == -1) {
			if (errno != EAGAIN && errno != EINTR)
				log_warn("udp recvmsg");
			return;
		}
		len = server_answer(s, NULL, &peer, (size_t)n);
		if (len == 0)
			continue;
		if (udp_send(fd, env->reply, len, &peer) == -1)
			env->metrics.send_errors++;
	}
}

/*
 * TCP: each message is preceded by its two-byte length (RFC 1035 4.2.2).
 * Answer every complete message in the input; keep the rest for later.
 */
static void
server_tcp_read(struct bufferevent *bev, void *arg)
{
	struct tcp_client *c = arg;
	struct jitsud	  *env = c->srv->env;
	struct evbuffer	  *in = bufferevent_get_input(bev);
	uint8_t		   lenbuf[2];
	size_t		   qlen, rlen;

	while (c->reading && evbuffer_get_length(in) >= 2) {
		evbuffer_copyout(in, lenbuf, 2);
		qlen = (size_t)lenbuf[0] << 8 | lenbuf[1];
		if (evbuffer_get_length(in) < 2 + qlen)
			return;
		evbuffer_drain(in, 2);
		evbuffer_remove(in, env->query, qlen);
		c->asked = 1;
		rlen = server_answer(c->srv, c, NULL, qlen);
		if (rlen == 0 && TAILQ_EMPTY(&c->pending)) {
			/* Nothing worth answering: RFC 7766 lets us close. */
			server_tcp_drop(c);
			return;
		}
		if (rlen != 0)
			tcp_send(c, env->reply, rlen);
		else
			server_tcp_flow(c); /* held or forwarded */
	}
}

/*
 * Read the client's queries only while what it owes us is bounded: its
 * queued replies and its queries in flight.  Stopped, the kernel's
 * buffers fill and TCP tells the client to wait.  Resumed, the queries
 * already read are answered on the loop's next turn (a deferred read
 * callback), not from inside whoever freed the room: that may be a
 * summon waking its waiters.
 */
static void
server_tcp_flow(struct tcp_client *c)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	int		 room;

	if (c->dropping)
		return;
	room = evbuffer_get_length(out) < TCP_OUT_MAX &&
	    c->npending < TCP_PENDING_MAX;
	if (!room && c->reading) {
		c->reading = 0;
		bufferevent_disable(c->bev, EV_READ);
	} else if (room && !c->reading &&
	    evbuffer_get_length(out) <= TCP_OUT_RESUME) {
		c->reading = 1;
		bufferevent_enable(c->bev, EV_READ);
		bufferevent_trigger(c->bev, EV_READ,
		    BEV_TRIG_IGNORE_WATERMARKS | BEV_TRIG_DEFER_CALLBACKS);
	}
}

/* The output drained to TCP_OUT_RESUME (the write low watermark). */
static void
server_tcp_written(struct bufferevent *bev, void *arg)
{
	(void)bev;
	server_tcp_flow(arg);
}

static void
server_tcp_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	(void)what;
	/* EOF or error: the client is done. */
	server_tcp_drop(arg);
}

static struct timeval
server_tcp_timeout(const struct server *s)
{
	return ms_timeval(s->env->conf.tcp_timeout_ms != 0 ?
		s->env->conf.tcp_timeout_ms :
		CONF_TCP_TIMEOUT_MS);
}

/*
 * The client's deadline (see struct tcp_client): too slow a reader or
 * too slow a writer is closed, as is one that has gone quiet.
 */
static void
server_tcp_deadline(int fd, short event, void *arg)
{
	struct tcp_client *c = arg;
	struct evbuffer	  *out = bufferevent_get_output(c->bev);
	uint64_t	   sent = c->queued - evbuffer_get_length(out);
	struct timeval	   tv = server_tcp_timeout(c->srv);

	(void)fd;
	(void)event;
	if (sent < c->due ||
	    (!c->asked && TAILQ_EMPTY(&c->pending) &&
		evbuffer_get_length(out) == 0)) {
		if (sent < c->due)
			c->srv->env->metrics.tcp_slow++;
		server_tcp_drop(c);
		return;
	}
	c->due = c->queued;
	c->asked = 0;
	evtimer_add(c->deadline, &tv);
}

static void
server_accept_resume(int fd, short event, void *arg)
{
	struct server *s = arg;

	(void)fd;
	(void)event;
	if (s->nclients < TCP_CLIENTS_MAX)
		event_add(s->ev, NULL);
}

/*
 * Out of descriptors (or at the client limit): stop accepting for a
 * while rather than spin on a listening socket that stays readable.
 */
static void
server_accept_pause(struct server *s)
{
	struct timeval tv = { 0, ACCEPT_PAUSE_MSEC * 1000 };

	event_del(s->ev);
	if (s->pause == NULL)
		s->pause = evtimer_new(s->env->base, server_accept_resume, s);
	if (s->pause != NULL)
		evtimer_add(s->pause, &tv);
}

static void
server_tcp_accept(int fd, short event, void *arg)
{
	struct server	  *s = arg;
	struct tcp_client *c;
	struct timeval	   tv = server_tcp_timeout(s);
	int		   cfd;

	(void)event;
	if ((cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) ==
	    -1) {
		if (errno == EMFILE || errno == ENFILE) {
			log_warnx("tcp accept: out of descriptors; pausing");
			server_accept_pause(s);
		} else if (errno != EAGAIN && errno != EINTR &&
		    errno != ECONNABORTED)
			log_warn("tcp accept");
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->deadline = evtimer_new(s->env->base, server_tcp_deadline, c)) ==
		NULL ||
	    (c->bev = bufferevent_socket_new(s->env->base, cfd,
		 BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		log_warnx("tcp accept: out of memory");
		if (c != NULL && c->deadline != NULL)
			event_free(c->deadline);
		free(c);
		close(cfd);
		return;
	}
	c->srv = s;
	TAILQ_INIT(&c->pending);
	TAILQ_INSERT_TAIL(&s->clients, c, entry);
	if (++s->nclients == TCP_CLIENTS_MAX)
		event_del(s->ev);
	s->env->metrics.tcp_clients++;
	bufferevent_setcb(c->bev, server_tcp_read, server_tcp_written,
	    server_tcp_event, c);
	/* At most one whole query waits in the input, besides the kernel. */
	bufferevent_setwatermark(c->bev, EV_READ, 0, 2 + DNS_TCP_MAX);
	bufferevent_setwatermark(c->bev, EV_WRITE, TCP_OUT_RESUME, 0);
	c->reading = 1;
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	evtimer_add(c->deadline, &tv);
}

size_t
server_tcp_backlog(const struct server *s)
{
	const struct tcp_client *c;
	size_t			 n = 0;

	TAILQ_FOREACH(c, &s->clients, entry)
		n += evbuffer_get_length(bufferevent_get_output(c->bev));
	return n;
}

/*
 * Is a's port held by some other process?  SO_REUSEPORT (see
 * server_socket) would let us bind beside it without a word, and the
 * kernel would then hand each of us a share of the queries: a second
 * jitsud started by mistake, or a hung helper of an earlier one that
 * kept its sockets, would silently take part of ours.  A socket without
 * SO_REUSEPORT cannot bind there while another holds it.  TCP keeps
 * SO_REUSEADDR, so that an earlier jitsud's connections in TIME_WAIT
 * do not count, while a listener does.  At start only: on a reload our
 * own sockets hold the port.
 */
static int
server_taken(const struct conf_addr *a, int tcp)
{
	int fd, on = 1, taken;

	fd = socket(a->ss.ss_family,
	    (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return 0; /* server_socket will say why */
	if (tcp)
		(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (a->ss.ss_family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on,
		    sizeof(on));
	taken = bind(fd, (const struct sockaddr *)&a->ss, a->len) == -1 &&
	    errno == EADDRINUSE;
	close(fd);
	return taken;
}

struct server_list *
servers_open(struct jitsud *env, const struct conf *conf, int fresh)
{
	struct server_list *list;
	struct server	   *s;
	size_t		    i;
	int		    tcp;
	char		    name[64];

	if ((list = calloc(1, sizeof(*list))) == NULL)
		return NULL;
	LIST_INIT(list);
	for (i = 0; i < conf->nlisten; i++) {
		for (tcp = 0; tcp <= 1; tcp++) {
			if (fresh && server_taken(&conf->listen[i], tcp)) {
				log_warnx("listen on %s/%s: the address is in "
					  "use by another process",
				    server_addr_str(&conf->listen[i], name,
					sizeof(name)),
				    tcp ? "tcp" : "udp");
				servers_close(list);
				return NULL;
			}
			if ((s = server_open(env, &conf->listen[i], tcp)) ==
			    NULL) {
				servers_close(list);
				return NULL;
			}
			LIST_INSERT_HEAD(list, s, entry);
		}
	}
	return list;
}

void
servers_close(struct server_list *list)
{
	struct server *s;

	if (list == NULL)
		return;
	while ((s = LIST_FIRST(list)) != NULL) {
		LIST_REMOVE(s, entry);
		server_close(s);
	}
	free(list);
}
