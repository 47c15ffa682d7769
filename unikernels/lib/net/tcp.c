/* tcp.c -- TCP connections: the pool, demultiplexing, the state machine */
#include "net.h"

#define TCP_DEFAULT_MSS 536

/*
 * Segment arrival (RFC 793 section 3.9, with RFC 5961's challenge ACKs).
 * The order of the checks is the RFC's and it matters: sequence
 * acceptability first, then RST, SYN, ACK (which may complete the
 * handshake or our close), then data, then FIN.  Every step may end the
 * connection, so each returns whether processing goes on.
 */

uint32_t
tcp_isn(const struct net *n, uint32_t rip, uint16_t rport, uint16_t lport,
    uint64_t now)
{
	uint32_t h = n->secret[0] ^ rip;

	/* RFC 6528: a keyed hash of the 4-tuple plus a 4 us clock. */
	h = (h ^ (h >> 16)) * 0x85ebca6bu;
	h ^= ((uint32_t)rport << 16 | lport) ^ n->secret[1];
	h = (h ^ (h >> 13)) * 0xc2b2ae35u;
	h ^= n->secret[2] ^ n->ip;
	h = (h ^ (h >> 16)) * 0x27d4eb2du;
	return (h ^ (h >> 15)) + n->secret[3] + (uint32_t)(now / 4000);
}

struct tcp_conn *
tcp_find(struct net *n, uint32_t rip, uint16_t rport, uint16_t lport)
{
	struct tcp_conn *c;
	int i;

	for (i = 0; i < NET_TCP_NCONN; i++) {
		c = &n->tcp[i];
		if (c->state != TCP_CLOSED && c->rip == rip &&
		    c->rport == rport && c->lport == lport)
			return c;
	}
	return NULL;
}

static void
tcp_reset_fields(struct tcp_conn *c, uint64_t now)
{
	/* Everything but the two buffers, which are written before read. */
	memset(c, 0, (size_t)((uint8_t *)c->sndbuf - (uint8_t *)c));
	c->rto = TCP_RTO_INIT;
	c->born = now;
	c->mss = TCP_DEFAULT_MSS;
	c->ssthresh = 0xffffffffu;
}

/* A free slot; with none, the oldest TIME_WAIT connection is recycled. */
struct tcp_conn *
tcp_alloc(struct net *n, uint64_t now)
{
	struct tcp_conn *c, *tw = NULL;
	int i;

	for (i = 0; i < NET_TCP_NCONN; i++) {
		c = &n->tcp[i];
		if (c->state == TCP_CLOSED && !c->app) {
			tcp_reset_fields(c, now);
			return c;
		}
		if (c->state == TCP_TIME_WAIT &&
		    (tw == NULL || c->expire_at < tw->expire_at))
			tw = c;
	}
	if (tw == NULL) {
		n->stats.tcp_nomem++;
		return NULL;
	}
	tcp_reset_fields(tw, now);
	return tw;
}

void
tcp_free(struct tcp_conn *c)
{
	if (c->listener != NULL) {
		c->listener->pending--;
		c->listener = NULL;
	}
	c->state = TCP_CLOSED;
	c->rto_at = 0;
	c->expire_at = 0;
}

void
tcp_drop(struct tcp_conn *c, int err)
{
	tcp_free(c);
	if (c->app) {
		c->error = err;
		c->events |= NET_EV_READ | NET_EV_WRITE;
	}
}

/* Half-open connections (of l, or of all listeners); the oldest. */
static int
tcp_halfopen(struct net *n, const struct tcp_listener *l,
    struct tcp_conn **oldest)
{
	struct tcp_conn *c;
	int i, count = 0;

	*oldest = NULL;
	for (i = 0; i < NET_TCP_NCONN; i++) {
		c = &n->tcp[i];
		if (c->state != TCP_SYN_RCVD || c->listener == NULL ||
		    (l != NULL && c->listener != l))
			continue;
		count++;
		if (*oldest == NULL || c->born < (*oldest)->born)
			*oldest = c;
	}
	return count;
}

/*
 * Room for one more half-open connection on l?  Two bounds: l's backlog
 * (which also counts connections waiting in accept) and NET_TCP_SYNMAX
 * over all listeners.  At a bound, the oldest half-open connection gives
 * way if it is older than TCP_SYN_EVICT: a SYN flood only recycles
 * SYN_RCVD slots and never touches established connections, while a
 * burst of real clients (whose handshakes finish in a round trip) sees
 * its extra SYNs dropped and retried rather than its handshakes reset.
 */
static int
tcp_syn_room(struct net *n, struct tcp_listener *l, uint64_t now)
{
	struct tcp_conn *oldest;

	if (l->pending < l->backlog &&
	    tcp_halfopen(n, NULL, &oldest) < NET_TCP_SYNMAX)
		return 1;
	n->stats.tcp_synflood++;
	if (l->pending >= l->backlog)
		(void)tcp_halfopen(n, l, &oldest);
	if (oldest == NULL || now - oldest->born < TCP_SYN_EVICT)
		return 0;
	tcp_free(oldest);
	return 1;
}

/* Peer's options from its SYN: MSS, and window scaling if both offer it. */
static void
tcp_syn_options(struct tcp_conn *c, const struct tcp_seg *s)
{
	if (s->mss != 0)
		c->mss = s->mss < NET_MSS ? s->mss : NET_MSS;
	if (c->mss < 64)
		c->mss = 64;
	c->ws_ok = s->wscale >= 0;
	c->snd_shift = c->ws_ok ? (uint8_t)s->wscale : 0;
	c->rcv_shift = c->ws_ok ? NET_TCP_RCVSHIFT : 0;
	c->cwnd = 10u * c->mss; /* RFC 6928 initial window */
}

static void
tcp_peer_isn(struct tcp_conn *c, uint32_t seq)
{
	c->irs = seq;
	c->rcv_nxt = seq + 1;
	c->rcv_rd = seq + 1;
	c->rcv_adv = seq + 1;
}

/* A SYN for a listening port: a new half-open connection. */
static void
tcp_passive(struct net *n, struct tcp_listener *l, const struct ip_hdr *ip,
    const struct tcp_seg *s, uint64_t now)
{
	struct tcp_conn *c;

	if (!tcp_syn_room(n, l, now) || (c = tcp_alloc(n, now)) == NULL)
		return;
	c->lip = ip->dst;
	c->rip = ip->src;
	c->lport = s->dport;
	c->rport = s->sport;
	tcp_peer_isn(c, s->seq);
	c->iss = tcp_isn(n, c->rip, c->rport, c->lport, now);
	c->snd_una = c->snd_nxt = c->snd_max = c->iss;
	c->snd_end = c->iss + 1;
	c->snd_wnd = s->wnd; /* never scaled in a SYN */
	c->snd_wl1 = s->seq;
	tcp_syn_options(c, s);
	c->state = TCP_SYN_RCVD;
	c->listener = l;
	l->pending++;
	tcp_output(n, c, now);
}

static struct tcp_listener *
tcp_listener(struct net *n, uint16_t port)
{
	int i;

	for (i = 0; i < NET_TCP_NLISTEN; i++)
		if (n->listen[i].used && n->listen[i].port == port)
			return &n->listen[i];
	return NULL;
}

static void
tcp_no_conn(struct net *n, const struct ip_hdr *ip, const struct tcp_seg *s,
    uint64_t now)
{
	struct tcp_listener *l;

	/* Quiet: the segment may be of a connection jitsud still holds. */
	if (n->quiet) {
		n->stats.quiet_drop++;
		return;
	}
	if ((s->flags & (TCP_SYN | TCP_ACK | TCP_RST)) == TCP_SYN &&
	    (l = tcp_listener(n, s->dport)) != NULL) {
		tcp_passive(n, l, ip, s, now);
		return;
	}
	if ((s->flags & TCP_RST) == 0)
		tcp_send_reset(n, ip, s, now);
}

static void
tcp_established(struct tcp_conn *c)
{
	c->state = TCP_ESTABLISHED;
	if (c->listener != NULL)
		c->listener->events |= NET_EV_ACCEPT;
	else
		c->events |= NET_EV_WRITE;
}

static void
tcp_in_synsent(struct net *n, struct tcp_conn *c, const struct ip_hdr *ip,
    const struct tcp_seg *s, uint64_t now)
{
	int ackok = (s->flags & TCP_ACK) && SEQ_GT(s->ack, c->iss) &&
	    SEQ_LEQ(s->ack, c->snd_max);

	if ((s->flags & TCP_ACK) && !ackok) {
		if (!(s->flags & TCP_RST))
			tcp_send_reset(n, ip, s, now);
		return;
	}
	if (s->flags & TCP_RST) {
		if (ackok)
			tcp_drop(c, -UK_ECONNREFUSED);
		return;
	}
	if (!(s->flags & TCP_SYN))
		return;
	tcp_peer_isn(c, s->seq);
	tcp_syn_options(c, s);
	c->snd_wnd = s->wnd;
	c->snd_wl1 = s->seq;
	c->snd_wl2 = s->ack;
	c->ack_now = 1;
	if (!ackok) {
		/* Simultaneous open: our SYN goes again, as a SYN-ACK. */
		c->state = TCP_SYN_RCVD;
		c->snd_nxt = c->iss;
	} else {
		tcp_acked(n, c, s->ack, now);
		tcp_established(c);
	}
	tcp_output(n, c, now);
}

/* RFC 793's acceptability test, against the window we advertise. */
static int
tcp_acceptable(const struct tcp_conn *c, const struct tcp_seg *s)
{
	uint32_t wnd = tcp_rcv_window(c), seglen = (uint32_t)s->dlen;

	if (s->flags & TCP_SYN)
		seglen++;
	if (s->flags & TCP_FIN)
		seglen++;
	if (seglen == 0 && wnd == 0)
		return s->seq == c->rcv_nxt;
	if (seglen == 0)
		return SEQ_GEQ(s->seq, c->rcv_nxt) &&
		    SEQ_LT(s->seq, c->rcv_nxt + wnd);
	if (wnd == 0)
		return 0;
	return (SEQ_GEQ(s->seq, c->rcv_nxt) &&
		   SEQ_LT(s->seq, c->rcv_nxt + wnd)) ||
	    (SEQ_GEQ(s->seq + seglen - 1, c->rcv_nxt) &&
		SEQ_LT(s->seq + seglen - 1, c->rcv_nxt + wnd));
}

/* Returns 0 when the segment was consumed by the RST/SYN checks. */
static int
tcp_check_rst_syn(struct net *n, struct tcp_conn *c, const struct tcp_seg *s,
    uint64_t now)
{
	if (s->flags & TCP_RST) {
		if (s->seq != c->rcv_nxt)
			tcp_send_ack(n, c, now); /* challenge ACK */
		else if (c->listener != NULL)
			tcp_free(c); /* never reached the application */
		else if (c->state == TCP_TIME_WAIT || !c->app)
			tcp_free(c);
		else
			tcp_drop(c, -UK_ECONNRESET);
		return 0;
	}
	if (s->flags & TCP_SYN) {
		tcp_send_ack(n, c, now); /* challenge ACK */
		return 0;
	}
	return (s->flags & TCP_ACK) != 0;
}

static int
tcp_fin_acked(const struct tcp_conn *c)
{
	return c->fin_queued && SEQ_GT(c->snd_una, c->snd_end);
}

static void
tcp_update_window(struct tcp_conn *c, const struct tcp_seg *s)
{
	if (SEQ_LT(c->snd_wl1, s->seq) ||
	    (c->snd_wl1 == s->seq && SEQ_LEQ(c->snd_wl2, s->ack))) {
		c->snd_wnd = (uint32_t)s->wnd << c->snd_shift;
		c->snd_wl1 = s->seq;
		c->snd_wl2 = s->ack;
	}
}

/* The ACK field.  Returns 0 when the connection went away. */
static int
tcp_check_ack(struct net *n, struct tcp_conn *c, const struct ip_hdr *ip,
    const struct tcp_seg *s, uint64_t now)
{
	uint32_t oldwnd = c->snd_wnd;

	if (c->state == TCP_SYN_RCVD) {
		if (SEQ_LEQ(s->ack, c->snd_una) || SEQ_GT(s->ack, c->snd_max)) {
			tcp_send_reset(n, ip, s, now);
			return 0;
		}
		tcp_established(c);
	}
	if (SEQ_GT(s->ack, c->snd_max)) {
		tcp_send_ack(n, c, now);
		return 0;
	}
	tcp_update_window(c, s);
	if (SEQ_GT(s->ack, c->snd_una))
		tcp_acked(n, c, s->ack, now);
	else if (s->ack == c->snd_una && s->dlen == 0 &&
	    !(s->flags & TCP_FIN) && c->snd_wnd == oldwnd &&
	    c->snd_max != c->snd_una)
		tcp_dupack(n, c, now);
	return 1;
}

/* Our FIN acknowledged: the closing states move on. */
static int
tcp_closing_states(struct tcp_conn *c, uint64_t now)
{
	if (!tcp_fin_acked(c))
		return 1;
	switch (c->state) {
	case TCP_FIN_WAIT_1:
		c->state = TCP_FIN_WAIT_2;
		c->expire_at = now + TCP_FW2_TIME;
		break;
	case TCP_CLOSING:
		c->state = TCP_TIME_WAIT;
		c->expire_at = now + TCP_TW_TIME;
		c->rto_at = 0;
		break;
	case TCP_LAST_ACK:
		tcp_free(c);
		return 0;
	default:
		break;
	}
	return 1;
}

static void
tcp_ooo_add(struct net *n, struct tcp_conn *c, uint32_t lo, uint32_t hi)
{
	int i;

	n->stats.tcp_ooo++;
	for (i = 0; i < c->nooo; i++)
		if (SEQ_LEQ(lo, c->ooo_hi[i]) && SEQ_GEQ(hi, c->ooo_lo[i])) {
			if (SEQ_LT(lo, c->ooo_lo[i]))
				c->ooo_lo[i] = lo;
			if (SEQ_GT(hi, c->ooo_hi[i]))
				c->ooo_hi[i] = hi;
			return;
		}
	/* Full: the bytes sit in the ring unrecorded; the peer resends. */
	if (c->nooo < NET_TCP_OOO) {
		c->ooo_lo[c->nooo] = lo;
		c->ooo_hi[c->nooo++] = hi;
	}
}

/* rcv_nxt advanced: swallow every recorded range it now reaches. */
static void
tcp_ooo_merge(struct tcp_conn *c)
{
	int i, again = 1;

	while (again) {
		again = 0;
		for (i = 0; i < c->nooo; i++) {
			if (SEQ_GT(c->ooo_lo[i], c->rcv_nxt))
				continue;
			if (SEQ_GT(c->ooo_hi[i], c->rcv_nxt))
				c->rcv_nxt = c->ooo_hi[i];
			c->ooo_lo[i] = c->ooo_lo[--c->nooo];
			c->ooo_hi[i] = c->ooo_hi[c->nooo];
			again = 1;
		}
	}
}

static void
tcp_ring_put(struct tcp_conn *c, uint32_t seq, const uint8_t *d, size_t len)
{
	size_t off = seq & (NET_TCP_RCVBUF - 1), first;

	first = NET_TCP_RCVBUF - off < len ? NET_TCP_RCVBUF - off : len;
	memcpy(c->rcvbuf + off, d, first);
	memcpy(c->rcvbuf, d + first, len - first);
}

/*
 * Data into the receive ring, which is indexed by sequence number: the
 * segment is trimmed to [rcv_nxt, rcv_rd + RCVBUF) and lands at its own
 * place even when it comes early.  Returns whether the segment's end is
 * now rcv_nxt (so a FIN on it is in order).
 */
static int
tcp_data(struct net *n, struct tcp_conn *c, const struct tcp_seg *s)
{
	uint32_t seq = s->seq, end = s->seq + (uint32_t)s->dlen;
	uint32_t edge = c->rcv_rd + NET_TCP_RCVBUF;
	const uint8_t *d = s->data;

	if (SEQ_LT(seq, c->rcv_nxt)) {
		d += c->rcv_nxt - seq;
		seq = c->rcv_nxt;
	}
	c->ack_now = 1;
	if (SEQ_GT(end, edge))
		end = edge;
	if (SEQ_LT(seq, end)) {
		tcp_ring_put(c, seq, d, end - seq);
		if (seq == c->rcv_nxt) {
			c->rcv_nxt = end;
			tcp_ooo_merge(c);
			c->events |= NET_EV_READ;
		} else
			tcp_ooo_add(n, c, seq, end);
	}
	return end == s->seq + (uint32_t)s->dlen && SEQ_GEQ(c->rcv_nxt, end);
}

static void
tcp_fin(struct tcp_conn *c, uint64_t now)
{
	c->rcv_nxt++;
	c->rcv_fin = 1;
	c->ack_now = 1;
	c->events |= NET_EV_READ;
	switch (c->state) {
	case TCP_SYN_RCVD:
	case TCP_ESTABLISHED:
		c->state = TCP_CLOSE_WAIT;
		break;
	case TCP_FIN_WAIT_1:
		c->state = TCP_CLOSING;
		break;
	case TCP_FIN_WAIT_2:
	case TCP_TIME_WAIT:
		c->state = TCP_TIME_WAIT;
		c->expire_at = now + TCP_TW_TIME;
		c->rto_at = 0;
		break;
	default:
		break;
	}
}

static int
tcp_receiving(const struct tcp_conn *c)
{
	return c->state == TCP_ESTABLISHED || c->state == TCP_FIN_WAIT_1 ||
	    c->state == TCP_FIN_WAIT_2;
}

static void
tcp_in_sync(struct net *n, struct tcp_conn *c, const struct ip_hdr *ip,
    const struct tcp_seg *s, uint64_t now)
{
	int inorder = 1;

	if (!tcp_acceptable(c, s)) {
		if (!(s->flags & TCP_RST))
			tcp_send_ack(n, c, now);
		return;
	}
	if (!tcp_check_rst_syn(n, c, s, now) ||
	    !tcp_check_ack(n, c, ip, s, now) || !tcp_closing_states(c, now))
		return;
	if (s->dlen > 0 && tcp_receiving(c))
		inorder = tcp_data(n, c, s);
	/* Nobody will read what arrives after close: consume it unread. */
	if (c->accepted && !c->app)
		c->rcv_rd = c->rcv_nxt;
	if ((s->flags & TCP_FIN) && inorder && !c->rcv_fin &&
	    s->seq + (uint32_t)s->dlen == c->rcv_nxt)
		tcp_fin(c, now);
	else if ((s->flags & TCP_FIN) && c->state == TCP_TIME_WAIT)
		c->ack_now = 1;
	tcp_output(n, c, now);
}

/* A peer reusing a 4-tuple in TIME_WAIT with a higher sequence (RFC 6191). */
static int
tcp_reuse_timewait(struct tcp_conn *c, const struct tcp_seg *s)
{
	return c->state == TCP_TIME_WAIT &&
	    (s->flags & (TCP_SYN | TCP_ACK | TCP_RST)) == TCP_SYN &&
	    SEQ_GT(s->seq, c->rcv_nxt);
}

void
tcp_input(struct net *n, const struct ip_hdr *ip, const uint8_t *p, size_t len,
    uint64_t now)
{
	struct tcp_seg s;
	struct tcp_conn *c;

	if (tcp_parse(p, len, ip->src, ip->dst, &s) != 0) {
		n->stats.rx_drop++;
		return;
	}
	c = tcp_find(n, ip->src, s.sport, s.dport);
	if (c != NULL && tcp_reuse_timewait(c, &s)) {
		tcp_free(c);
		c = NULL;
	}
	if (c == NULL)
		tcp_no_conn(n, ip, &s, now);
	else if (c->state == TCP_SYN_SENT)
		tcp_in_synsent(n, c, ip, &s, now);
	else if (c->state == TCP_SYN_RCVD && (s.flags & TCP_SYN) &&
	    !(s.flags & TCP_ACK) && s.seq == c->irs) {
		/* The peer lost our SYN-ACK and sent its SYN again. */
		c->snd_nxt = c->iss;
		tcp_output(n, c, now);
	} else
		tcp_in_sync(n, c, ip, &s, now);
}
