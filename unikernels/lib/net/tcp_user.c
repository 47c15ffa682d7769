/* tcp_user.c -- TCP calls of the application: listen, connect, I/O, adopt */
#include "net.h"

struct tcp_listener *
tcp_listen(struct net *n, uint16_t port, int backlog)
{
	struct tcp_listener *l = NULL;
	int i;

	for (i = 0; i < NET_TCP_NLISTEN; i++) {
		if (n->listen[i].used && n->listen[i].port == port)
			return NULL;
		if (!n->listen[i].used && l == NULL)
			l = &n->listen[i];
	}
	if (l == NULL || port == 0)
		return NULL;
	memset(l, 0, sizeof(*l));
	l->used = 1;
	l->port = port;
	l->backlog = backlog < 1    ? 1 :
	    backlog > NET_TCP_NCONN ? NET_TCP_NCONN :
				      backlog;
	return l;
}

void
tcp_unlisten(struct net *n, struct tcp_listener *l)
{
	struct tcp_conn *c;
	int i;

	for (i = 0; i < NET_TCP_NCONN; i++) {
		c = &n->tcp[i];
		if (c->state != TCP_CLOSED && c->listener == l) {
			(void)tcp_send_seg(n, c, TCP_RST | TCP_ACK, c->snd_nxt,
			    0, 0);
			tcp_free(c);
		}
	}
	l->used = 0;
}

/* The oldest established connection waiting on l. */
struct tcp_conn *
tcp_accept(struct net *n, struct tcp_listener *l)
{
	struct tcp_conn *c, *best = NULL;
	int i;

	for (i = 0; i < NET_TCP_NCONN; i++) {
		c = &n->tcp[i];
		if (c->listener == l && c->state != TCP_CLOSED &&
		    c->state != TCP_SYN_RCVD &&
		    (best == NULL || c->born < best->born))
			best = c;
	}
	if (best == NULL)
		return NULL;
	l->pending--;
	best->listener = NULL;
	best->app = best->accepted = 1;
	best->events = tcp_ready(best);
	return best;
}

static int
tcp_port_used(const struct net *n, uint16_t port)
{
	int i;

	for (i = 0; i < NET_TCP_NCONN; i++)
		if (n->tcp[i].state != TCP_CLOSED && n->tcp[i].lport == port)
			return 1;
	for (i = 0; i < NET_TCP_NLISTEN; i++)
		if (n->listen[i].used && n->listen[i].port == port)
			return 1;
	return 0;
}

static uint16_t
tcp_ephemeral(struct net *n)
{
	int tries;

	for (tries = 0; tries < 16384; tries++) {
		if (n->next_port < 49152)
			n->next_port = 49152;
		if (!tcp_port_used(n, n->next_port))
			return n->next_port++;
		n->next_port++;
	}
	return 0;
}

struct tcp_conn *
tcp_connect(struct net *n, uint32_t ip, uint16_t port, uint64_t now)
{
	struct tcp_conn *c;
	uint16_t lport;

	if (port == 0 || (lport = tcp_ephemeral(n)) == 0 ||
	    (c = tcp_alloc(n, now)) == NULL)
		return NULL;
	c->lip = n->ip;
	c->rip = ip;
	c->lport = lport;
	c->rport = port;
	c->iss = tcp_isn(n, ip, port, lport, now);
	c->snd_una = c->snd_nxt = c->snd_max = c->iss;
	c->snd_end = c->iss + 1;
	c->cwnd = 10u * c->mss;
	c->state = TCP_SYN_SENT;
	c->app = c->accepted = 1;
	tcp_output(n, c, now);
	return c;
}

int
tcp_ready(const struct tcp_conn *c)
{
	uint32_t unread = c->rcv_nxt - (uint32_t)c->rcv_fin - c->rcv_rd;
	int ev = 0;

	if (unread > 0 || c->rcv_fin || c->error)
		ev |= NET_EV_READ;
	if (c->error ||
	    ((c->state == TCP_ESTABLISHED || c->state == TCP_CLOSE_WAIT) &&
		c->snd_end - c->snd_una < NET_TCP_SNDBUF))
		ev |= NET_EV_WRITE;
	return ev;
}

long
tcp_read(struct net *n, struct tcp_conn *c, void *buf, size_t len, uint64_t now)
{
	uint32_t unread = c->rcv_nxt - (uint32_t)c->rcv_fin - c->rcv_rd;
	size_t off, first;
	uint8_t *d = buf;

	if (c->error)
		return c->error;
	if (unread == 0)
		return c->rcv_fin ? 0 : -UK_EAGAIN;
	if (len > unread)
		len = unread;
	off = c->rcv_rd & (NET_TCP_RCVBUF - 1);
	first = NET_TCP_RCVBUF - off < len ? NET_TCP_RCVBUF - off : len;
	memcpy(d, c->rcvbuf + off, first);
	memcpy(d + first, c->rcvbuf, len - first);
	c->rcv_rd += (uint32_t)len;
	/* Window update once it grew by a segment or half the buffer. */
	if (!c->rcv_fin &&
	    c->rcv_rd + NET_TCP_RCVBUF - c->rcv_adv >=
		(c->mss < NET_TCP_RCVBUF / 2 ? c->mss : NET_TCP_RCVBUF / 2))
		tcp_send_ack(n, c, now);
	return (long)len;
}

long
tcp_write(struct net *n, struct tcp_conn *c, const void *buf, size_t len,
    uint64_t now)
{
	uint32_t room, off, first;
	const uint8_t *s = buf;

	if (c->error)
		return c->error;
	if (c->state == TCP_SYN_SENT || c->state == TCP_SYN_RCVD)
		return -UK_EAGAIN;
	if (c->state != TCP_ESTABLISHED && c->state != TCP_CLOSE_WAIT)
		return -UK_EPIPE;
	room = NET_TCP_SNDBUF - (c->snd_end - c->snd_una);
	if (room == 0)
		return -UK_EAGAIN;
	if (len > room)
		len = room;
	off = c->snd_end & (NET_TCP_SNDBUF - 1);
	first = NET_TCP_SNDBUF - off < len ? NET_TCP_SNDBUF - off :
					     (uint32_t)len;
	memcpy(c->sndbuf + off, s, first);
	memcpy(c->sndbuf, s + first, len - first);
	c->snd_end += (uint32_t)len;
	tcp_output(n, c, now);
	return (long)len;
}

void
tcp_close(struct net *n, struct tcp_conn *c, uint64_t now)
{
	uint32_t unread = c->rcv_nxt - (uint32_t)c->rcv_fin - c->rcv_rd;

	c->app = 0;
	c->events = 0;
	switch (c->state) {
	case TCP_SYN_SENT:
		tcp_free(c);
		break;
	case TCP_ESTABLISHED:
	case TCP_CLOSE_WAIT:
		/* Unread data: the peer must learn it was not consumed. */
		if (unread > 0) {
			(void)tcp_send_seg(n, c, TCP_RST | TCP_ACK, c->snd_nxt,
			    0, now);
			n->stats.tcp_rst_sent++;
			tcp_free(c);
			break;
		}
		c->state = c->state == TCP_ESTABLISHED ? TCP_FIN_WAIT_1 :
							 TCP_LAST_ACK;
		c->fin_queued = 1;
		tcp_output(n, c, now);
		break;
	default:
		break;
	}
}

static struct tcp_listener *
tcp_listener_of(struct net *n, uint16_t port)
{
	int i;

	for (i = 0; i < NET_TCP_NLISTEN; i++)
		if (n->listen[i].used && n->listen[i].port == port)
			return &n->listen[i];
	return NULL;
}

int
tcp_adopt_check(struct net *n, const struct uk_tcp_adopt *r)
{
	if (r->lip != n->ip || r->snd_nxt != r->iss + 1 ||
	    (r->fin != 0 && r->fin != 1) ||
	    r->rcv_nxt != r->irs + 1 + (uint32_t)r->dlen + (uint32_t)r->fin ||
	    r->dlen > NET_TCP_RCVBUF || r->snd_shift > 14 || r->rcv_shift < 0 ||
	    r->rcv_shift > 14 || r->rport == 0 ||
	    (r->dlen > 0 && r->data == NULL))
		return -UK_EINVAL;
	if (tcp_listener_of(n, r->lport) == NULL)
		return -UK_ENOENT;
	if (tcp_find(n, r->rip, r->rport, r->lport) != NULL)
		return -UK_EEXIST;
	return 0;
}

/* The recorded bytes, at their sequence numbers' place in the ring. */
static void
tcp_adopt_data(struct tcp_conn *c, const struct uk_tcp_adopt *r)
{
	size_t off = (r->irs + 1) & (NET_TCP_RCVBUF - 1), first;

	first = NET_TCP_RCVBUF - off < r->dlen ? NET_TCP_RCVBUF - off : r->dlen;
	memcpy(c->rcvbuf + off, r->data, first);
	memcpy(c->rcvbuf, r->data + first, r->dlen - first);
	if (r->dlen > 0)
		c->events |= NET_EV_READ;
}

/*
 * The recorder's next hop toward the client, into the ARP cache.  The
 * client resolved our address from the recorder, which answered for us,
 * as a rule before we were on the wire to hear it, so we have not learnt
 * the client's (or the gateway's) MAC: without this the first reply
 * would wait for an ARP round trip.  Only a hop
 * our own route picks is taken (the recorder may route otherwise, say
 * without our gateway, and an entry we would not use could only push out
 * one we do), and only with a station's MAC.
 */
static void
tcp_adopt_hop(struct net *n, const struct uk_tcp_adopt *r, uint64_t now)
{
	if (r->hop == 0 || ip_nexthop(n, r->rip) != r->hop ||
	    !eth_is_station(r->hop_mac))
		return;
	arp_seed(n, r->hop, r->hop_mac, now);
}

/*
 * The connection continues exactly where the recorder (Synjitsu) left it:
 * the client has seen our SYN-ACK (iss) and had rcv_nxt acknowledged, so
 * we start from snd_una = snd_nxt = iss + 1 and the recorded bytes sit
 * in the receive ring as if they had just arrived; a FIN the recorder
 * acknowledged puts us in CLOSE_WAIT.  No segment is sent: the client
 * expects nothing until the application answers.
 */
struct tcp_conn *
tcp_adopt(struct net *n, const struct uk_tcp_adopt *r, uint64_t now)
{
	struct tcp_listener *l = tcp_listener_of(n, r->lport);
	struct tcp_conn *c;

	if (tcp_adopt_check(n, r) != 0 || (c = tcp_alloc(n, now)) == NULL)
		return NULL;
	c->lip = r->lip;
	c->rip = r->rip;
	c->lport = r->lport;
	c->rport = r->rport;
	c->iss = r->iss;
	c->snd_una = c->snd_nxt = c->snd_max = c->snd_end = r->snd_nxt;
	c->irs = r->irs;
	c->rcv_rd = r->irs + 1;
	c->rcv_nxt = r->rcv_nxt;
	c->rcv_adv = r->rcv_nxt;
	tcp_adopt_data(c, r);
	c->mss = r->mss == 0 ? 536 : r->mss < NET_MSS ? r->mss : NET_MSS;
	c->ws_ok = r->snd_shift >= 0;
	c->snd_shift = c->ws_ok ? (uint8_t)r->snd_shift : 0;
	c->rcv_shift = c->ws_ok ? (uint8_t)r->rcv_shift : 0;
	c->snd_wnd = r->snd_wnd << c->snd_shift;
	c->snd_wl1 = r->rcv_nxt;
	c->snd_wl2 = r->snd_nxt;
	c->cwnd = 10u * c->mss;
	/* The client's FIN is inside rcv_nxt: it has closed its half. */
	c->rcv_fin = r->fin;
	c->state = r->fin ? TCP_CLOSE_WAIT : TCP_ESTABLISHED;
	c->listener = l;
	c->adopted = 1;
	l->pending++;
	l->events |= NET_EV_ACCEPT;
	tcp_adopt_hop(n, r, now);
	return c;
}
