/* synjitsu.c -- Synjitsu's pure path: Ethernet frames in, one reply out */
#include <string.h>

#include "synjitsu.h"

/*
 * We are a stand-in, not a host: whatever we say, the guest must be able
 * to carry on from once it boots, and whatever we are unsure of, the
 * client's own retransmissions will put right.  Hence the policy:
 *
 * - We never send a RST.  A SYN for a port that is not listed may still
 *   be one the guest listens on, and a segment for no connection we
 *   know may belong to one the guest already owns (the hand-over race)
 *   or to a half-open one we forgot: silence costs the client one
 *   retransmission, a RST would cost it the connection.  Once the guest
 *   is up, its stack answers those segments itself.
 *
 * - Our ISN is SipHash-2-4 of the 4-tuple and the client's ISN under a
 *   per-claim secret.  RFC 6528 asks that an off-path attacker cannot
 *   guess it (else it could complete handshakes from spoofed addresses
 *   and have bytes handed to the guest in someone else's name); a keyed
 *   PRF with a 128-bit key fresh for each claim does that.  RFC 6528's
 *   clock term keeps incarnations of one 4-tuple apart; hashing in the
 *   client's ISN does the same here, and keeps the whole thing a pure
 *   function of the SYN: a retransmitted SYN gets the same SYN-ACK even
 *   after its half-open slot was freed, so expiry and eviction of
 *   half-open connections are invisible to a client that retries.
 *
 * - The SYN-ACK carries exactly what the libOS understands (tcp_wire.c
 *   parses MSS and window scale, nothing else): MSS 1460 always, window
 *   scale SYNJITSU_WSCALE (the libOS's NET_TCP_RCVSHIFT, which it adopts
 *   as its receive shift) only if the client offered one.  No SACK, no
 *   timestamps: the guest could not honour them after the hand-over.
 *
 * - Our window is the room left in the connection's buffer.  Its right
 *   edge, irs + 1 + maxdata, never moves, so it never shrinks, and the
 *   guest's own window after adoption (8 KB) reaches beyond it.
 *
 * - Only established connections (maybe with the client's FIN taken) are
 *   handed over.  A half-open one cannot be: the guest's tcp_adopt makes
 *   an ESTABLISHED connection, and if the client never got our SYN-ACK
 *   its retransmitted SYN would meet challenge ACKs there forever.  Freed
 *   instead, the client's SYN retransmission reaches the guest and opens
 *   a fresh connection.  The one loss is a client whose ACK is in flight
 *   at the freeze: the guest answers it with a RST.  synjitsu_drain
 *   closes that window: new SYNs go unanswered while the half-open ones
 *   finish, and the glue freezes when none is left or a short wait ends.
 *
 * - Out-of-order bytes are not kept (no reassembly): they are acked at
 *   rcv_nxt and the client sends them again.  What does not fit is not
 *   acked.  The client's data are never lost: a byte we ack is in the
 *   record.
 */

#define ETH_HLEN	14
#define ETH_ARP		0x0806
#define ETH_IPV4	0x0800
#define ARP_LEN		28
#define ARP_REQUEST	1
#define ARP_REPLY	2
#define IP_HLEN		20
#define IP_TCP		6
#define IP_DF		0x4000
#define IP_MF		0x2000
#define IP_OFFMASK	0x1fff
#define IP_TTL		64
#define TCP_HLEN	20
#define TCP_FIN		0x01
#define TCP_SYN		0x02
#define TCP_RST		0x04
#define TCP_ACK		0x10
#define OPT_END		0
#define OPT_NOP		1
#define OPT_MSS		2
#define OPT_WSCALE	3
#define TCP_DEFAULT_MSS	536	/* RFC 1122 4.2.2.6: no MSS option */
#define TCP_MIN_MSS	64	/* as the libOS clamps it */
#define WSCALE_MAX	14	/* RFC 7323 2.3 */

#define SEQ_LT(a, b)	((int32_t)((a) - (b)) < 0)
#define SEQ_GT(a, b)	((int32_t)((a) - (b)) > 0)
#define SEQ_GEQ(a, b)	((int32_t)((a) - (b)) >= 0)

enum conn_state {
	CONN_FREE,
	CONN_SYN_RCVD,
	CONN_ESTABLISHED,
	CONN_CLOSE_WAIT,	/* established, the client's FIN taken */
};

/* A TCP segment: parsed from a frame, or to be built into one. */
struct seg {
	uint16_t	 sport, dport;
	uint32_t	 seq, ack;
	uint8_t		 flags;
	uint16_t	 wnd;		/* as on the wire */
	uint16_t	 mss;		/* 0: no MSS option */
	int		 wscale;	/* -1: no window scale option */
	const uint8_t	*data;
	size_t		 dlen;
};

/* One received TCP frame and where its reply goes. */
struct pkt {
	const uint8_t	*hwsrc;		/* Ethernet source, the reply's dst */
	uint32_t	 src;		/* the client's address */
	struct seg	 s;
	uint64_t	 now;
	unsigned int	 flags;		/* SYNJITSU_F_* */
	uint8_t		*out;
	size_t		*outlen;
};

static const uint8_t	 mac_bcast[6] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff
};
static const uint8_t	 mac_zero[6];

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static int
mac_eq(const uint8_t *a, const uint8_t *b)
{
	return memcmp(a, b, 6) == 0;
}

/* Neither a group address (broadcast included) nor all zeros. */
static int
mac_unicast(const uint8_t *m)
{
	return (m[0] & 1) == 0 && !mac_eq(m, mac_zero);
}

static enum synjitsu_verdict
drop(uint64_t *counter)
{
	(*counter)++;
	return SYNJITSU_DROPPED;
}

/* --- SipHash-2-4 and the ISN ---------------------------------------- */

static uint64_t
le64(const uint8_t *p)
{
	uint64_t	 v = 0;
	int		 i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static uint64_t
rotl(uint64_t x, int b)
{
	return x << b | x >> (64 - b);
}

static void
sip_round(uint64_t v[4])
{
	v[0] += v[1];
	v[1] = rotl(v[1], 13) ^ v[0];
	v[0] = rotl(v[0], 32);
	v[2] += v[3];
	v[3] = rotl(v[3], 16) ^ v[2];
	v[0] += v[3];
	v[3] = rotl(v[3], 21) ^ v[0];
	v[2] += v[1];
	v[1] = rotl(v[1], 17) ^ v[2];
	v[2] = rotl(v[2], 32);
}

/* One message word, two compression rounds. */
static void
sip_word(uint64_t v[4], uint64_t m)
{
	v[3] ^= m;
	sip_round(v);
	sip_round(v);
	v[0] ^= m;
}

uint64_t
synjitsu_siphash(const uint8_t key[SYNJITSU_SECRET_LEN], const uint8_t *msg,
    size_t len)
{
	uint64_t	 k0 = le64(key), k1 = le64(key + 8), v[4], last;
	size_t		 i, end = len & ~(size_t)7;

	v[0] = k0 ^ 0x736f6d6570736575ULL;
	v[1] = k1 ^ 0x646f72616e646f6dULL;
	v[2] = k0 ^ 0x6c7967656e657261ULL;
	v[3] = k1 ^ 0x7465646279746573ULL;
	for (i = 0; i < end; i += 8)
		sip_word(v, le64(msg + i));
	last = (uint64_t)(len & 0xff) << 56;
	for (i = end; i < len; i++)
		last |= (uint64_t)msg[i] << (8 * (i - end));
	sip_word(v, last);
	v[2] ^= 0xff;
	for (i = 0; i < 4; i++)
		sip_round(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

uint32_t
synjitsu_iss(const struct synjitsu_vm *vm, uint32_t peer_ip,
    uint16_t peer_port, uint16_t local_port, uint32_t irs)
{
	uint8_t		 m[16];
	uint64_t	 h;

	put32(m, vm->ip);
	put32(m + 4, peer_ip);
	put16(m + 8, local_port);
	put16(m + 10, peer_port);
	put32(m + 12, irs);
	h = synjitsu_siphash(vm->secret, m, sizeof(m));
	return (uint32_t)(h ^ (h >> 32));
}

/* --- set-up ----------------------------------------------------------- */

int
synjitsu_init(struct synjitsu_vm *vm, uint32_t ip, const uint8_t mac[6],
    const uint16_t *ports, size_t nports,
    const uint8_t secret[SYNJITSU_SECRET_LEN])
{
	size_t	 i;

	if (ip == 0 || !mac_unicast(mac) || nports > SYNJITSU_PORTS_MAX)
		return -1;
	for (i = 0; i < nports; i++)
		if (ports[i] == 0)
			return -1;
	memset(vm, 0, sizeof(*vm));
	vm->ip = ip;
	memcpy(vm->mac, mac, sizeof(vm->mac));
	for (i = 0; i < nports; i++)
		vm->ports[i] = ports[i];
	vm->nports = nports;
	memcpy(vm->secret, secret, sizeof(vm->secret));
	vm->mode = SYNJITSU_ACTIVE;
	vm->maxconn = SYNJITSU_CONN_MAX;
	vm->maxdata = SYNREC_DATA_MAX;
	return 0;
}

int
synjitsu_limits(struct synjitsu_vm *vm, size_t maxconn, size_t maxdata)
{
	if (maxconn < 1 || maxconn > SYNJITSU_CONN_MAX || maxdata < 1 ||
	    maxdata > SYNREC_DATA_MAX)
		return -1;
	vm->maxconn = maxconn;
	vm->maxdata = maxdata;
	return 0;
}

/* --- checksums ------------------------------------------------------- */

static uint32_t
sum_add(const uint8_t *p, size_t len, uint32_t sum)
{
	size_t	 i;

	for (i = 0; i + 1 < len; i += 2)
		sum += get16(p + i);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t
sum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* The TCP pseudo-header's share (RFC 793 3.1). */
static uint32_t
sum_pseudo(uint32_t src, uint32_t dst, size_t len)
{
	return (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) +
	    IP_TCP + (uint32_t)len;
}

/* --- ARP ------------------------------------------------------------- */

static void
arp_build(uint8_t *f, const struct synjitsu_vm *vm, const uint8_t *dst,
    uint16_t op, const uint8_t *tha, uint32_t tpa)
{
	uint8_t	*a = f + ETH_HLEN;

	memcpy(f, dst, 6);
	memcpy(f + 6, vm->mac, 6);
	put16(f + 12, ETH_ARP);
	put16(a, 1);			/* Ethernet */
	put16(a + 2, ETH_IPV4);
	a[4] = 6;
	a[5] = 4;
	put16(a + 6, op);
	memcpy(a + 8, vm->mac, 6);
	put32(a + 14, vm->ip);
	memcpy(a + 18, tha, 6);
	put32(a + 24, tpa);
}

size_t
synjitsu_garp(const struct synjitsu_vm *vm, uint8_t *buf, size_t size)
{
	if (size < SYNJITSU_ARP_LEN)
		return 0;
	arp_build(buf, vm, mac_bcast, ARP_REQUEST, mac_zero, vm->ip);
	return SYNJITSU_ARP_LEN;
}

/*
 * Who-has our address, from anyone (an RFC 5227 probe with sender 0
 * included: the answer defends the address, which is the guest's).
 */
static enum synjitsu_verdict
arp_input(struct synjitsu_vm *vm, const uint8_t *f, size_t len, uint8_t *out,
    size_t *outlen)
{
	const uint8_t	*a = f + ETH_HLEN;

	if (len < ETH_HLEN + ARP_LEN ||
	    !(mac_eq(f, mac_bcast) || mac_eq(f, vm->mac)))
		return SYNJITSU_IGNORED;
	if (get16(a) != 1 || get16(a + 2) != ETH_IPV4 || a[4] != 6 ||
	    a[5] != 4 || get16(a + 6) != ARP_REQUEST || get32(a + 24) != vm->ip)
		return SYNJITSU_IGNORED;
	if (!mac_unicast(a + 8))
		return drop(&vm->stats.drop_bad);
	arp_build(out, vm, a + 8, ARP_REPLY, a + 8, get32(a + 14));
	*outlen = SYNJITSU_ARP_LEN;
	vm->stats.arp_replies++;
	return SYNJITSU_REPLIED;
}

/* --- parsing IPv4 and TCP ------------------------------------------- */

/* Sources nobody can answer: ours, this network, loopback, multicast. */
static int
ip_martian(const struct synjitsu_vm *vm, uint32_t a)
{
	uint32_t	 top = a >> 24;

	return a == vm->ip || top == 0 || top == 127 || top >= 224;
}

/* MSS and window scale; others are skipped by their length. */
static int
tcp_options(const uint8_t *o, size_t len, struct seg *s)
{
	size_t	 i = 0, olen;

	while (i < len && o[i] != OPT_END) {
		if (o[i] == OPT_NOP) {
			i++;
			continue;
		}
		if (len - i < 2 || (olen = o[i + 1]) < 2 || olen > len - i)
			return -1;
		if (o[i] == OPT_MSS && olen == 4)
			s->mss = get16(o + i + 2);
		else if (o[i] == OPT_WSCALE && olen == 3)
			s->wscale = o[i + 2] > WSCALE_MAX ? WSCALE_MAX :
			    o[i + 2];
		i += olen;
	}
	return 0;
}

static int
tcp_parse(const uint8_t *t, size_t len, uint32_t src, uint32_t dst,
    unsigned int flags, struct seg *s)
{
	size_t	 off;

	if (len < TCP_HLEN)
		return -1;
	off = (size_t)(t[12] >> 4) * 4;
	if (off < TCP_HLEN || off > len || (!(flags & SYNJITSU_F_CSUM_PARTIAL)
	    && sum_fold(sum_add(t, len, sum_pseudo(src, dst, len))) != 0))
		return -1;
	s->sport = get16(t);
	s->dport = get16(t + 2);
	s->seq = get32(t + 4);
	s->ack = get32(t + 8);
	s->flags = t[13] & 0x3f;
	s->wnd = get16(t + 14);
	s->mss = 0;
	s->wscale = -1;
	s->data = t + off;
	s->dlen = len - off;
	if (s->sport == 0 || s->dport == 0)
		return -1;
	return tcp_options(t + TCP_HLEN, off - TCP_HLEN, s);
}

/* --- building replies ------------------------------------------------ */

/* The Ethernet and IPv4 headers of a reply carrying tcplen bytes. */
static void
ip_build(const struct synjitsu_vm *vm, const struct pkt *p, size_t tcplen)
{
	uint8_t	*f = p->out, *ip = f + ETH_HLEN;

	memcpy(f, p->hwsrc, 6);
	memcpy(f + 6, vm->mac, 6);
	put16(f + 12, ETH_IPV4);
	ip[0] = 0x45;
	ip[1] = 0;
	put16(ip + 2, (uint16_t)(IP_HLEN + tcplen));
	put16(ip + 4, 0);		/* atomic: no ID (RFC 6864) */
	put16(ip + 6, IP_DF);
	ip[8] = IP_TTL;
	ip[9] = IP_TCP;
	put16(ip + 10, 0);
	put32(ip + 12, vm->ip);
	put32(ip + 16, p->src);
	put16(ip + 10, sum_fold(sum_add(ip, IP_HLEN, 0)));
}

/* The options in the layout the libOS sends: MSS, then NOP + wscale. */
static size_t
tcp_build_options(uint8_t *o, const struct seg *r)
{
	size_t	 n = 0;

	if (r->mss != 0) {
		o[n++] = OPT_MSS;
		o[n++] = 4;
		put16(o + n, r->mss);
		n += 2;
	}
	if (r->wscale >= 0) {
		o[n++] = OPT_NOP;
		o[n++] = OPT_WSCALE;
		o[n++] = 3;
		o[n++] = (uint8_t)r->wscale;
	}
	return n;
}

static enum synjitsu_verdict
tcp_reply(const struct synjitsu_vm *vm, const struct pkt *p,
    const struct seg *r)
{
	uint8_t	*t = p->out + ETH_HLEN + IP_HLEN;
	size_t	 hlen = TCP_HLEN + tcp_build_options(t + TCP_HLEN, r);

	put16(t, r->sport);
	put16(t + 2, r->dport);
	put32(t + 4, r->seq);
	put32(t + 8, r->ack);
	t[12] = (uint8_t)((hlen / 4) << 4);
	t[13] = r->flags;
	put16(t + 14, r->wnd);
	put32(t + 16, 0);		/* checksum, urgent pointer */
	put16(t + 16, sum_fold(sum_add(t, hlen,
	    sum_pseudo(vm->ip, p->src, hlen))));
	ip_build(vm, p, hlen);
	*p->outlen = ETH_HLEN + IP_HLEN + hlen;
	return SYNJITSU_REPLIED;
}

/* Room left in c's buffer: the window we offer, in bytes. */
static size_t
conn_room(const struct synjitsu_vm *vm, const struct synjitsu_conn *c)
{
	return c->datalen >= vm->maxdata ? 0 : vm->maxdata - c->datalen;
}

static void
seg_answer(struct seg *r, const struct synjitsu_conn *c, uint32_t seq,
    uint8_t flags)
{
	memset(r, 0, sizeof(*r));
	r->sport = c->lport;
	r->dport = c->rport;
	r->seq = seq;
	r->ack = c->rcv_nxt;
	r->flags = flags;
	r->wscale = -1;
}

static enum synjitsu_verdict
reply_synack(struct synjitsu_vm *vm, const struct synjitsu_conn *c,
    const struct pkt *p)
{
	struct seg	 r;
	size_t		 room = conn_room(vm, c);

	seg_answer(&r, c, c->iss, TCP_SYN | TCP_ACK);
	r.wnd = (uint16_t)(room > 0xffff ? 0xffff : room);	/* unscaled */
	r.mss = SYNJITSU_MSS;
	r.wscale = c->peer_wscale >= 0 ? SYNJITSU_WSCALE : -1;
	vm->stats.synacks++;
	return tcp_reply(vm, p, &r);
}

static enum synjitsu_verdict
reply_ack(struct synjitsu_vm *vm, const struct synjitsu_conn *c,
    const struct pkt *p)
{
	struct seg	 r;
	size_t		 wnd = conn_room(vm, c);

	if (c->peer_wscale >= 0)
		wnd >>= SYNJITSU_WSCALE;
	seg_answer(&r, c, c->iss + 1, TCP_ACK);
	r.wnd = (uint16_t)(wnd > 0xffff ? 0xffff : wnd);
	vm->stats.acks++;
	return tcp_reply(vm, p, &r);
}

/* --- the connection table -------------------------------------------- */

static struct synjitsu_conn *
conn_find(struct synjitsu_vm *vm, const struct pkt *p)
{
	struct synjitsu_conn	*c;
	size_t			 i;

	for (i = 0; i < SYNJITSU_CONN_MAX; i++) {
		c = &vm->conn[i];
		if (c->state != CONN_FREE && c->rip == p->src &&
		    c->rport == p->s.sport && c->lport == p->s.dport)
			return c;
	}
	return NULL;
}

static void
conn_free(struct synjitsu_conn *c)
{
	c->state = CONN_FREE;
	c->datalen = 0;
}

static int
conn_older(const struct synjitsu_conn *c, uint64_t now, uint64_t ms)
{
	return now >= c->born && now - c->born >= ms;
}

/*
 * A free slot while fewer than maxconn are in use.  At the bound, the
 * oldest half-open connection gives way if it is SYNJITSU_SYN_EVICT_MS
 * old, so that a SYN flood only churns half-open slots and real clients
 * (whose handshakes finish in a round trip) still get in; established
 * connections are never touched.  NULL if nothing can be had.
 */
static struct synjitsu_conn *
conn_alloc(struct synjitsu_vm *vm, uint64_t now)
{
	struct synjitsu_conn	*c, *slot = NULL, *old = NULL;
	size_t			 i, used = 0;

	for (i = 0; i < SYNJITSU_CONN_MAX; i++) {
		c = &vm->conn[i];
		if (c->state == CONN_FREE) {
			if (slot == NULL)
				slot = c;
			continue;
		}
		used++;
		if (c->state == CONN_SYN_RCVD &&
		    (old == NULL || c->born < old->born))
			old = c;
	}
	if (used < vm->maxconn && slot != NULL)
		return slot;
	if (old == NULL || !conn_older(old, now, SYNJITSU_SYN_EVICT_MS))
		return NULL;
	vm->stats.evicted++;
	conn_free(old);
	return old;
}

/* The client's options, from its (latest) SYN. */
static void
conn_syn_options(struct synjitsu_conn *c, const struct seg *s)
{
	if (s->mss == 0)
		c->mss = TCP_DEFAULT_MSS;
	else
		c->mss = s->mss < TCP_MIN_MSS ? TCP_MIN_MSS : s->mss;
	c->peer_wscale = s->wscale;
	c->snd_wnd = s->wnd;		/* a SYN's window is never scaled */
	c->snd_wl1 = s->seq;
}

static void
conn_open(const struct synjitsu_vm *vm, struct synjitsu_conn *c,
    const struct pkt *p)
{
	c->state = CONN_SYN_RCVD;
	c->born = p->now;
	c->rip = p->src;
	c->rport = p->s.sport;
	c->lport = p->s.dport;
	c->irs = p->s.seq;
	c->rcv_nxt = p->s.seq + 1;
	c->iss = synjitsu_iss(vm, c->rip, c->rport, c->lport, c->irs);
	c->datalen = 0;
	conn_syn_options(c, &p->s);
}

static size_t
conn_count(const struct synjitsu_vm *vm, int state)
{
	size_t	 i, n = 0;

	for (i = 0; i < SYNJITSU_CONN_MAX; i++)
		if (vm->conn[i].state == state)
			n++;
	return n;
}

/* --- the TCP state machine ------------------------------------------- */

static int
seg_is_syn(const struct seg *s)
{
	return (s->flags & (TCP_SYN | TCP_ACK | TCP_RST | TCP_FIN)) == TCP_SYN;
}

static int
port_listed(const struct synjitsu_vm *vm, uint16_t port)
{
	size_t	 i;

	for (i = 0; i < vm->nports; i++)
		if (vm->ports[i] == port)
			return 1;
	return 0;
}

/* A SYN opens a connection; anything else for no connection is not ours. */
static enum synjitsu_verdict
tcp_no_conn(struct synjitsu_vm *vm, const struct pkt *p)
{
	struct synjitsu_conn	*c;

	if (!seg_is_syn(&p->s))
		return drop(&vm->stats.drop_unknown);
	vm->stats.syns++;
	if (!port_listed(vm, p->s.dport))
		return drop(&vm->stats.drop_port);
	if (vm->mode != SYNJITSU_ACTIVE)
		return drop(&vm->stats.drop_drain);
	if ((c = conn_alloc(vm, p->now)) == NULL)
		return drop(&vm->stats.drop_full);
	conn_open(vm, c, p);
	return reply_synack(vm, c, p);
}

/*
 * A SYN on a half-open connection.  With the same ISN the client missed
 * our SYN-ACK: the same one goes again.  With another, the client gave
 * up on that attempt (or the first SYN was an old duplicate) and the new
 * one wins.
 */
static enum synjitsu_verdict
tcp_syn_again(struct synjitsu_vm *vm, struct synjitsu_conn *c,
    const struct pkt *p)
{
	if (p->s.seq != c->irs) {
		conn_free(c);
		return tcp_no_conn(vm, p);
	}
	vm->stats.syns++;
	conn_syn_options(c, &p->s);
	return reply_synack(vm, c, p);
}

/*
 * RFC 793's acceptance test, as overlap with the receive window
 * [rcv_nxt, rcv_nxt + room).  A segment at rcv_nxt always passes, so
 * that a FIN or a window probe is answered with no room left.
 */
static int
seg_acceptable(const struct synjitsu_vm *vm, const struct synjitsu_conn *c,
    const struct seg *s)
{
	uint32_t	 wnd = (uint32_t)conn_room(vm, c);
	uint32_t	 len = (uint32_t)s->dlen;

	if (s->flags & TCP_SYN)
		len++;
	if (s->flags & TCP_FIN)
		len++;
	if (s->seq == c->rcv_nxt)
		return 1;
	if (len == 0)
		return SEQ_GT(s->seq, c->rcv_nxt) &&
		    SEQ_LT(s->seq, c->rcv_nxt + wnd);
	return SEQ_LT(s->seq, c->rcv_nxt + wnd) &&
	    SEQ_GT(s->seq + len, c->rcv_nxt);
}

/*
 * An ACK saying where we are, changing nothing: RFC 793's answer to an
 * unacceptable segment and RFC 5961's challenge ACK.  In SYN_RCVD the
 * client may not have our SYN-ACK and could make nothing of it: silence.
 */
static enum synjitsu_verdict
tcp_challenge(struct synjitsu_vm *vm, const struct synjitsu_conn *c,
    const struct pkt *p)
{
	if (c->state == CONN_SYN_RCVD)
		return drop(&vm->stats.drop_seg);
	return reply_ack(vm, c, p);
}

/*
 * RFC 5961 3.2: only a RST at rcv_nxt resets; one merely in window is
 * challenged, so that a blind attacker must hit the exact number.
 */
static enum synjitsu_verdict
tcp_rst(struct synjitsu_vm *vm, struct synjitsu_conn *c, const struct pkt *p)
{
	if (p->s.seq != c->rcv_nxt)
		return tcp_challenge(vm, c, p);
	conn_free(c);
	vm->stats.rsts++;
	return SYNJITSU_TAKEN;
}

/*
 * The client's window, from the newest segment that is not past a gap
 * (we send no data, so snd_una never moves and RFC 793's wl2 test has
 * nothing to add; and bytes past a gap are not kept, so the client will
 * send them again with an older sequence number).
 */
static void
conn_window(struct synjitsu_conn *c, const struct seg *s)
{
	int	 shift = c->peer_wscale >= 0 ? c->peer_wscale : 0;

	if (SEQ_GEQ(s->seq, c->snd_wl1) && !SEQ_GT(s->seq, c->rcv_nxt)) {
		c->snd_wnd = (uint32_t)s->wnd << shift;
		c->snd_wl1 = s->seq;
	}
}

/* In-order bytes, as many as fit; see the top of the file for the rest. */
static void
conn_data(struct synjitsu_vm *vm, struct synjitsu_conn *c,
    const struct seg *s)
{
	uint32_t	 skip = c->rcv_nxt - s->seq;
	size_t		 n, room = conn_room(vm, c);

	if (c->state != CONN_ESTABLISHED || SEQ_GT(s->seq, c->rcv_nxt) ||
	    skip >= s->dlen)
		return;
	n = s->dlen - skip;
	if (n > room) {
		vm->stats.bytes_refused += n - room;
		n = room;
	}
	memcpy(c->data + c->datalen, s->data + skip, n);
	c->datalen += n;
	c->rcv_nxt += (uint32_t)n;
	vm->stats.bytes += n;
}

/* Data and FIN of an acceptable segment; both are owed an ACK. */
static enum synjitsu_verdict
tcp_data_fin(struct synjitsu_vm *vm, struct synjitsu_conn *c,
    const struct pkt *p)
{
	const struct seg	*s = &p->s;

	if (s->dlen > 0)
		conn_data(vm, c, s);
	if ((s->flags & TCP_FIN) && c->state == CONN_ESTABLISHED &&
	    s->seq + (uint32_t)s->dlen == c->rcv_nxt) {
		c->rcv_nxt++;
		c->state = CONN_CLOSE_WAIT;
		vm->stats.fins++;
	}
	if (s->dlen == 0 && !(s->flags & TCP_FIN))
		return SYNJITSU_TAKEN;
	return reply_ack(vm, c, p);
}

/* A segment for a known connection, in RFC 793 3.9's order. */
static enum synjitsu_verdict
tcp_sync(struct synjitsu_vm *vm, struct synjitsu_conn *c, const struct pkt *p)
{
	const struct seg	*s = &p->s;

	if (!seg_acceptable(vm, c, s)) {
		if (s->flags & TCP_RST)
			return drop(&vm->stats.drop_seg);
		return tcp_challenge(vm, c, p);
	}
	if (s->flags & TCP_RST)
		return tcp_rst(vm, c, p);
	if (s->flags & TCP_SYN)
		return tcp_challenge(vm, c, p);
	if (!(s->flags & TCP_ACK))
		return drop(&vm->stats.drop_seg);
	/* We sent nothing but the SYN: only iss + 1 can be acked. */
	if (s->ack != c->iss + 1)
		return tcp_challenge(vm, c, p);
	if (c->state == CONN_SYN_RCVD) {
		c->state = CONN_ESTABLISHED;
		vm->stats.established++;
	}
	conn_window(c, s);
	return tcp_data_fin(vm, c, p);
}

static enum synjitsu_verdict
tcp_input(struct synjitsu_vm *vm, const struct pkt *p)
{
	struct synjitsu_conn	*c = conn_find(vm, p);

	if (c == NULL)
		return tcp_no_conn(vm, p);
	if (c->state == CONN_SYN_RCVD && seg_is_syn(&p->s))
		return tcp_syn_again(vm, c, p);
	return tcp_sync(vm, c, p);
}

/*
 * IPv4 to the vm's mac and address.  Before its destination is known to
 * be ours a frame is ignored; after, anything wrong with it is a drop.
 */
static enum synjitsu_verdict
ip_input(struct synjitsu_vm *vm, const uint8_t *f, size_t len, struct pkt *p)
{
	const uint8_t	*ip = f + ETH_HLEN;
	size_t		 hlen, total;

	if (!mac_eq(f, vm->mac) || len < ETH_HLEN + IP_HLEN ||
	    get32(ip + 16) != vm->ip)
		return SYNJITSU_IGNORED;
	hlen = (size_t)(ip[0] & 0x0f) * 4;
	total = get16(ip + 2);
	if ((ip[0] >> 4) != 4 || hlen < IP_HLEN || total < hlen ||
	    total > len - ETH_HLEN || sum_fold(sum_add(ip, hlen, 0)) != 0 ||
	    (get16(ip + 6) & (IP_MF | IP_OFFMASK)) != 0 ||
	    ip_martian(vm, get32(ip + 12)))
		return drop(&vm->stats.drop_bad);
	if (ip[9] != IP_TCP)
		return drop(&vm->stats.drop_proto);
	p->src = get32(ip + 12);
	if (tcp_parse(ip + hlen, total - hlen, p->src, vm->ip, p->flags,
	    &p->s) == -1)
		return drop(&vm->stats.drop_bad);
	return tcp_input(vm, p);
}

enum synjitsu_verdict
synjitsu_input(struct synjitsu_vm *vm, const uint8_t *frame, size_t len,
    uint64_t now_ms, uint8_t *out, size_t outsize, size_t *outlen)
{
	return synjitsu_input_flags(vm, frame, len, 0, now_ms, out, outsize,
	    outlen);
}

enum synjitsu_verdict
synjitsu_input_flags(struct synjitsu_vm *vm, const uint8_t *frame,
    size_t len, unsigned int flags, uint64_t now_ms, uint8_t *out,
    size_t outsize, size_t *outlen)
{
	struct pkt	 p;

	*outlen = 0;
	if (outsize < SYNJITSU_REPLY_MAX)
		return SYNJITSU_DROPPED;
	/* Our own frames (the guest's, or ours looped back) are not asks. */
	if (vm->mode == SYNJITSU_FROZEN || len < ETH_HLEN ||
	    !mac_unicast(frame + 6) || mac_eq(frame + 6, vm->mac))
		return SYNJITSU_IGNORED;
	switch (get16(frame + 12)) {
	case ETH_ARP:
		return arp_input(vm, frame, len, out, outlen);
	case ETH_IPV4:
		memset(&p, 0, sizeof(p));
		p.hwsrc = frame + 6;
		p.now = now_ms;
		p.flags = flags;
		p.out = out;
		p.outlen = outlen;
		return ip_input(vm, frame, len, &p);
	default:
		return SYNJITSU_IGNORED;
	}
}

/* --- time and the hand-over ------------------------------------------ */

size_t
synjitsu_tick(struct synjitsu_vm *vm, uint64_t now_ms)
{
	struct synjitsu_conn	*c;
	size_t			 i, n = 0;

	for (i = 0; i < SYNJITSU_CONN_MAX; i++) {
		c = &vm->conn[i];
		if (c->state == CONN_SYN_RCVD &&
		    conn_older(c, now_ms, SYNJITSU_SYN_TTL_MS)) {
			conn_free(c);
			vm->stats.expired++;
			n++;
		}
	}
	return n;
}

uint64_t
synjitsu_next(const struct synjitsu_vm *vm)
{
	uint64_t	 next = UINT64_MAX;
	size_t		 i;

	for (i = 0; i < SYNJITSU_CONN_MAX; i++)
		if (vm->conn[i].state == CONN_SYN_RCVD &&
		    vm->conn[i].born + SYNJITSU_SYN_TTL_MS < next)
			next = vm->conn[i].born + SYNJITSU_SYN_TTL_MS;
	return next;
}

size_t
synjitsu_drain(struct synjitsu_vm *vm)
{
	if (vm->mode == SYNJITSU_ACTIVE)
		vm->mode = SYNJITSU_DRAIN;
	return synjitsu_nhalfopen(vm);
}

size_t
synjitsu_freeze(struct synjitsu_vm *vm)
{
	size_t	 i;

	for (i = 0; i < SYNJITSU_CONN_MAX; i++)
		if (vm->conn[i].state == CONN_SYN_RCVD) {
			conn_free(&vm->conn[i]);
			vm->stats.expired++;
		}
	vm->mode = SYNJITSU_FROZEN;
	return synjitsu_nconn(vm);
}

size_t
synjitsu_nconn(const struct synjitsu_vm *vm)
{
	return conn_count(vm, CONN_ESTABLISHED) +
	    conn_count(vm, CONN_CLOSE_WAIT);
}

size_t
synjitsu_nhalfopen(const struct synjitsu_vm *vm)
{
	return conn_count(vm, CONN_SYN_RCVD);
}

/*
 * The record as the guest must continue it: it has sent iss (the SYN)
 * and nothing else, and acked everything up to rcv_nxt, the bytes and
 * the FIN included.
 */
int
synjitsu_record(const struct synjitsu_vm *vm, size_t i, struct synrec *r)
{
	const struct synjitsu_conn	*c;

	if (i >= SYNJITSU_CONN_MAX)
		return -1;
	c = &vm->conn[i];
	if (c->state != CONN_ESTABLISHED && c->state != CONN_CLOSE_WAIT)
		return -1;
	memset(r, 0, sizeof(*r));
	r->peer_ip = c->rip;
	r->peer_port = c->rport;
	r->local_ip = vm->ip;
	r->local_port = c->lport;
	r->irs = c->irs;
	r->iss = c->iss;
	r->rcv_nxt = c->rcv_nxt;
	r->snd_nxt = c->iss + 1;
	r->mss = c->mss;
	r->peer_wscale = c->peer_wscale;
	r->wscale = c->peer_wscale >= 0 ? SYNJITSU_WSCALE : 0;
	r->peer_wnd = c->snd_wnd;
	r->fin = c->state == CONN_CLOSE_WAIT;
	r->datalen = c->datalen;
	memcpy(r->data, c->data, c->datalen);
	return 0;
}
