/* tcp_out.c -- TCP output: segments, retransmission, RTO, timers */
#include "net.h"

/*
 * Retransmission follows RFC 6298: one segment at a time is timed (never
 * a retransmitted one: Karn), RTO = SRTT + 4 RTTVAR, doubled on each
 * expiry up to TCP_RTO_MAX.  The lower bound is 200 ms rather than the
 * RFC's 1 s, as Linux does: on the links a unikernel sits on, 1 s would
 * make every loss a long stall.  On expiry everything outstanding is
 * sent again (go-back-N: we keep no SACK scoreboard).  Three duplicate
 * ACKs retransmit the first unacknowledged segment at once and enter
 * NewReno recovery (RFC 6582), where each partial ACK retransmits the
 * next hole.  Congestion control is RFC 5681's slow start and additive
 * increase.
 *
 * TIME_WAIT lasts TCP_TW_TIME (2 s) instead of 2 MSL: a unikernel that
 * serves short connections would otherwise hold its small pool in
 * TIME_WAIT; with no free slot the oldest TIME_WAIT one is recycled.
 */

uint32_t
tcp_rcv_window(const struct tcp_conn *c)
{
	uint32_t used = c->rcv_nxt - (uint32_t)c->rcv_fin - c->rcv_rd;

	return used >= NET_TCP_RCVBUF ? 0 : NET_TCP_RCVBUF - used;
}

static void
tcp_ring_get(const struct tcp_conn *c, uint32_t seq, uint8_t *d, size_t len)
{
	size_t off = seq & (NET_TCP_SNDBUF - 1), first;

	first = NET_TCP_SNDBUF - off < len ? NET_TCP_SNDBUF - off : len;
	memcpy(d, c->sndbuf + off, first);
	memcpy(d + first, c->sndbuf, len - first);
}

static void
tcp_seg_init(const struct tcp_conn *c, struct tcp_seg *s, uint8_t flags,
    uint32_t seq, size_t len)
{
	uint32_t wnd = tcp_rcv_window(c);

	s->sport = c->lport;
	s->dport = c->rport;
	s->seq = seq;
	s->ack = (flags & TCP_ACK) ? c->rcv_nxt : 0;
	s->flags = flags;
	s->mss = 0;
	s->wscale = -1;
	s->dlen = len;
	if (flags & TCP_SYN) {
		s->mss = NET_MSS;
		/* In a SYN-ACK only if the peer's SYN offered it. */
		if (c->state == TCP_SYN_SENT || c->ws_ok)
			s->wscale = NET_TCP_RCVSHIFT;
	} else
		wnd >>= c->rcv_shift;
	s->wnd = wnd > 0xffff ? 0xffff : (uint16_t)wnd;
}

int
tcp_send_seg(struct net *n, struct tcp_conn *c, uint8_t flags, uint32_t seq,
    size_t len, uint64_t now)
{
	struct tcp_seg s;
	uint8_t *p = n->tx + IP_PAYLOAD;
	size_t hlen;

	tcp_seg_init(c, &s, flags, seq, len);
	hlen = tcp_hdr_len(&s);
	if (len > 0)
		tcp_ring_get(c, seq, p + hlen, len);
	tcp_build(p, &s, c->lip, c->rip);
	if (flags & TCP_ACK) {
		c->ack_now = 0;
		c->rcv_adv = c->rcv_nxt + tcp_rcv_window(c);
	}
	return ip_send(n, c->rip, IP_TCP, hlen + len, now);
}

void
tcp_send_ack(struct net *n, struct tcp_conn *c, uint64_t now)
{
	(void)tcp_send_seg(n, c, TCP_ACK, c->snd_nxt, 0, now);
}

void
tcp_send_reset(struct net *n, const struct ip_hdr *ip, const struct tcp_seg *s,
    uint64_t now)
{
	struct tcp_seg r;

	memset(&r, 0, sizeof(r));
	r.sport = s->dport;
	r.dport = s->sport;
	r.wscale = -1;
	if (s->flags & TCP_ACK) {
		r.seq = s->ack;
		r.flags = TCP_RST;
	} else {
		r.ack = s->seq + (uint32_t)s->dlen +
		    ((s->flags & TCP_SYN) ? 1 : 0) +
		    ((s->flags & TCP_FIN) ? 1 : 0);
		r.flags = TCP_RST | TCP_ACK;
	}
	tcp_build(n->tx + IP_PAYLOAD, &r, ip->dst, ip->src);
	n->stats.tcp_rst_sent++;
	(void)ip_send(n, ip->src, IP_TCP, 20, now);
}

void
tcp_rtt_sample(struct tcp_conn *c, uint64_t rtt)
{
	uint64_t var;

	if (rtt == 0)
		rtt = 1;
	if (c->srtt == 0) {
		c->srtt = rtt;
		c->rttvar = rtt / 2;
	} else {
		var = c->srtt > rtt ? c->srtt - rtt : rtt - c->srtt;
		c->rttvar = (3 * c->rttvar + var) / 4;
		c->srtt = (7 * c->srtt + rtt) / 8;
	}
	var = 4 * c->rttvar > UK_MSEC(1) ? 4 * c->rttvar : UK_MSEC(1);
	c->rto = c->srtt + var;
	if (c->rto < TCP_RTO_MIN)
		c->rto = TCP_RTO_MIN;
	if (c->rto > TCP_RTO_MAX)
		c->rto = TCP_RTO_MAX;
}

static void
tcp_arm(struct tcp_conn *c, uint64_t now)
{
	c->rto_at = now + c->rto;
}

/* Sends the segment at snd_una again: data, or the FIN, or the SYN. */
static void
tcp_rexmit_one(struct net *n, struct tcp_conn *c, uint32_t cap, uint64_t now)
{
	uint32_t len = 0;
	uint8_t flags = TCP_ACK;

	if (SEQ_LT(c->snd_una, c->snd_end) && SEQ_GT(c->snd_una, c->iss)) {
		len = c->snd_end - c->snd_una;
		if (len > cap)
			len = cap;
	} else if (c->fin_queued && c->snd_una == c->snd_end)
		flags |= TCP_FIN;
	(void)tcp_send_seg(n, c, flags, c->snd_una, len, now);
	if (SEQ_GT(c->snd_una + len, c->snd_nxt))
		c->snd_nxt = c->snd_una + len;
	if (SEQ_GT(c->snd_nxt, c->snd_max))
		c->snd_max = c->snd_nxt;
}

static void
tcp_cwnd_grow(struct tcp_conn *c, uint32_t acked)
{
	uint32_t inc;

	if (c->cwnd < c->ssthresh)
		inc = acked < c->mss ? acked : c->mss;
	else
		inc = (uint32_t)c->mss * c->mss / c->cwnd;
	c->cwnd += inc > 0 ? inc : 1;
	if (c->cwnd > 4u * NET_TCP_SNDBUF)
		c->cwnd = 4u * NET_TCP_SNDBUF;
}

void
tcp_acked(struct net *n, struct tcp_conn *c, uint32_t ack, uint64_t now)
{
	uint32_t acked = ack - c->snd_una;

	if (c->rtt_start != 0 && SEQ_GEQ(ack, c->rtt_seq)) {
		tcp_rtt_sample(c, now - c->rtt_start);
		c->rtt_start = 0;
	}
	c->snd_una = ack;
	if (SEQ_LT(c->snd_nxt, ack))
		c->snd_nxt = ack;
	c->retries = 0;
	c->dupacks = 0;
	if (c->in_recovery && SEQ_LT(ack, c->recover))
		tcp_rexmit_one(n, c, c->mss, now); /* partial ACK */
	else if (c->in_recovery) {
		c->in_recovery = 0;
		c->cwnd = c->ssthresh;
	} else
		tcp_cwnd_grow(c, acked);
	c->rto_at = 0;
	if (c->snd_una != c->snd_max)
		tcp_arm(c, now);
	c->events |= NET_EV_WRITE;
}

static uint32_t
tcp_flight(const struct tcp_conn *c)
{
	return c->snd_max - c->snd_una;
}

static void
tcp_loss(struct tcp_conn *c)
{
	uint32_t half = tcp_flight(c) / 2;

	c->ssthresh = half > 2u * c->mss ? half : 2u * c->mss;
}

void
tcp_dupack(struct net *n, struct tcp_conn *c, uint64_t now)
{
	if (++c->dupacks == 3 && !c->in_recovery) {
		n->stats.tcp_fastrexmit++;
		tcp_loss(c);
		c->recover = c->snd_max;
		c->in_recovery = 1;
		c->cwnd = c->ssthresh + 3u * c->mss;
		c->rtt_start = 0;
		tcp_rexmit_one(n, c, c->mss, now);
	} else if (c->dupacks > 3 && c->in_recovery)
		c->cwnd += c->mss;
}

static int
tcp_sending(const struct tcp_conn *c)
{
	return c->state == TCP_ESTABLISHED || c->state == TCP_CLOSE_WAIT ||
	    c->state == TCP_FIN_WAIT_1 || c->state == TCP_CLOSING ||
	    c->state == TCP_LAST_ACK;
}

/* One data segment, if window and silly-window avoidance allow. */
static int
tcp_output_data(struct net *n, struct tcp_conn *c, uint64_t now)
{
	uint32_t win = c->snd_wnd < c->cwnd ? c->snd_wnd : c->cwnd;
	uint32_t inflight = c->snd_nxt - c->snd_una;
	uint32_t avail = c->snd_end - c->snd_nxt, len;

	len = win > inflight ? win - inflight : 0;
	if (len > avail)
		len = avail;
	if (len > c->mss)
		len = c->mss;
	/* A runt only when it is all we have or nothing is in flight. */
	if (len == 0 || (len < c->mss && len < avail && inflight > 0))
		return 0;
	if (tcp_send_seg(n, c, TCP_ACK | (len == avail ? TCP_PSH : 0),
		c->snd_nxt, len, now) != 0)
		return 0;
	if (c->rtt_start == 0 && c->snd_nxt == c->snd_max) {
		c->rtt_seq = c->snd_nxt + len;
		c->rtt_start = now;
	}
	c->snd_nxt += len;
	if (SEQ_GT(c->snd_nxt, c->snd_max))
		c->snd_max = c->snd_nxt;
	if (c->rto_at == 0)
		tcp_arm(c, now);
	return 1;
}

static void
tcp_output_syn(struct net *n, struct tcp_conn *c, uint64_t now)
{
	uint8_t flags = c->state == TCP_SYN_RCVD ? TCP_SYN | TCP_ACK : TCP_SYN;

	(void)tcp_send_seg(n, c, flags, c->iss, 0, now);
	c->snd_nxt = c->iss + 1;
	c->snd_max = c->iss + 1;
	if (c->rto_at == 0)
		tcp_arm(c, now);
}

void
tcp_output(struct net *n, struct tcp_conn *c, uint64_t now)
{
	if ((c->state == TCP_SYN_SENT || c->state == TCP_SYN_RCVD) &&
	    c->snd_nxt == c->iss) {
		tcp_output_syn(n, c, now);
		return;
	}
	if (tcp_sending(c)) {
		while (SEQ_LT(c->snd_nxt, c->snd_end) &&
		    tcp_output_data(n, c, now))
			;
		if (c->fin_queued && c->snd_nxt == c->snd_end) {
			(void)tcp_send_seg(n, c, TCP_FIN | TCP_ACK, c->snd_end,
			    0, now);
			c->snd_nxt = c->snd_max = c->snd_end + 1;
			if (c->rto_at == 0)
				tcp_arm(c, now);
		}
		/* Zero window with data waiting: the timer probes it. */
		if (SEQ_LT(c->snd_nxt, c->snd_end) && c->rto_at == 0)
			tcp_arm(c, now);
	}
	if (c->ack_now && c->state != TCP_CLOSED)
		tcp_send_ack(n, c, now);
}

static int
tcp_give_up(struct net *n, struct tcp_conn *c)
{
	int limit = c->state == TCP_SYN_SENT || c->state == TCP_SYN_RCVD ?
	    TCP_SYN_RETRIES :
	    TCP_RETRIES;

	(void)n;
	if (++c->retries <= limit)
		return 0;
	if (c->listener != NULL || !c->app)
		tcp_free(c);
	else
		tcp_drop(c, -UK_ETIMEDOUT);
	return 1;
}

static void
tcp_timeout(struct net *n, struct tcp_conn *c, uint64_t now)
{
	c->rto_at = 0;
	if (tcp_give_up(n, c))
		return;
	c->rto = 2 * c->rto < TCP_RTO_MAX ? 2 * c->rto : TCP_RTO_MAX;
	if (tcp_flight(c) > 0) {
		n->stats.tcp_rexmit++;
		tcp_loss(c);
		c->cwnd = c->mss;
		c->in_recovery = 0;
		c->dupacks = 0;
		c->rtt_start = 0;
		c->snd_nxt = c->snd_una;
	}
	tcp_arm(c, now);
	/* A closed window gets a one-byte probe that it cannot refuse. */
	if (c->snd_wnd == 0 && tcp_sending(c) &&
	    SEQ_LT(c->snd_una, c->snd_end) && SEQ_GT(c->snd_una, c->iss))
		tcp_rexmit_one(n, c, 1, now);
	else
		tcp_output(n, c, now);
}

void
tcp_tick(struct net *n, uint64_t now)
{
	struct tcp_conn *c;
	int i;

	for (i = 0; i < NET_TCP_NCONN; i++) {
		c = &n->tcp[i];
		if (c->state == TCP_CLOSED)
			continue;
		if (c->expire_at != 0 && now >= c->expire_at)
			tcp_free(c);
		else if (c->rto_at != 0 && now >= c->rto_at)
			tcp_timeout(n, c, now);
	}
}

uint64_t
tcp_next(const struct net *n)
{
	const struct tcp_conn *c;
	uint64_t t = UK_FOREVER;
	int i;

	for (i = 0; i < NET_TCP_NCONN; i++) {
		c = &n->tcp[i];
		if (c->state == TCP_CLOSED)
			continue;
		if (c->expire_at != 0 && c->expire_at < t)
			t = c->expire_at;
		if (c->rto_at != 0 && c->rto_at < t)
			t = c->rto_at;
	}
	return t;
}
