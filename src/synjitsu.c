/* synjitsu.c -- Synjitsu's pure path: Ethernet frames in, one reply out */
#include <string.h>

#include "synjitsu.h"
#include "../unikernels/lib/wire/wire.h"

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
 * - The SYN-ACK carries exactly what the libOS understands (lib/wire's
 *   tcp_parse reads MSS and window scale, nothing else): MSS 1460
 *   always, window scale SYNJITSU_WSCALE (the libOS's NET_TCP_RCVSHIFT,
 *   which it adopts as its receive shift) only if the client offered
 *   one.  No SACK, no timestamps: the guest could not honour them after
 *   the hand-over.
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
 *
 * - Every TCP reply goes where the guest's stack will send the rest of
 *   the connection: to the MAC its ARP table holds for the next hop (the
 *   client if it is on the guest's network, else the guest's gateway;
 *   with no gateway the guest could never answer, and neither do we).
 *   Our table is learnt as the libOS learns its own, from ARP requests
 *   for the guest's address and answers to our requests (RFC 826's
 *   merge), never from the Ethernet source of a TCP segment.  A SYN from
 *   a hop we know nothing of is answered at once if the table the glue
 *   gives (synjitsu_neighbours: dom0's own, its entries confirmed within
 *   about 30 s or set by the operator) puts the hop at the SYN's source;
 *   otherwise it is held while we ask for it, and answered when the hop
 *   answers (synjitsu_output), not at the next retransmission.
 *   Segments whose Ethernet source is not the hop's MAC are dropped.
 *
 *   What that resists: a host on the bridge that forges another's IPv4
 *   source (on-link or off) but answers no ARP in its name.  Our SYN-ACK
 *   goes to the address's owner (whose stack resets it, which frees the
 *   slot), so the forger never learns our ISN and cannot complete the
 *   handshake, nor have bytes handed to the guest in the owner's name.
 *   What it does not resist: a host that also lies in ARP (asks for the
 *   guest's address in the victim's name, or answers our request for
 *   it).  That fools the guest's own stack after the hand-over just the
 *   same; only the bridge can stop it (ebtables, static neighbours).
 */

#define TCP_DEFAULT_MSS 536 /* RFC 1122 4.2.2.6: no MSS option */
#define TCP_MIN_MSS	64  /* as the libOS clamps it */

enum conn_state {
	CONN_FREE,
	CONN_SYN_HELD, /* the SYN taken, its next hop asked for */
	CONN_SYN_RCVD,
	CONN_ESTABLISHED,
	CONN_CLOSE_WAIT, /* established, the client's FIN taken */
};

enum neigh_state {
	NEIGH_FREE,
	NEIGH_ASKED, /* our who-has went out, no answer yet */
	NEIGH_KNOWN,
};

/* One received TCP frame and where its reply goes. */
struct pkt {
	const uint8_t *hwsrc; /* Ethernet source, the reply's dst */
	uint32_t       src;   /* the client's address */
	struct tcp_seg s;
	uint64_t       now;
	unsigned int   flags; /* SYNJITSU_F_* */
	uint8_t	      *out;
	size_t	      *outlen;
};

static const uint8_t mac_bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t mac_zero[6];

static int
sj_mac_eq(const uint8_t *a, const uint8_t *b)
{
	return memcmp(a, b, 6) == 0;
}

static enum synjitsu_verdict
sj_drop(uint64_t *counter)
{
	(*counter)++;
	return SYNJITSU_DROPPED;
}

/* --- the ISN ---------------------------------------------------------- */

uint32_t
synjitsu_iss(const struct synjitsu_vm *vm, uint32_t peer_ip, uint16_t peer_port,
    uint16_t local_port, uint32_t irs)
{
	uint8_t	 m[16];
	uint64_t h;

	put32(m, vm->ip);
	put32(m + 4, peer_ip);
	put16(m + 8, local_port);
	put16(m + 10, peer_port);
	put32(m + 12, irs);
	h = siphash(vm->secret, m, sizeof(m));
	return (uint32_t)(h ^ (h >> 32));
}

/* --- set-up ----------------------------------------------------------- */

int
synjitsu_init(struct synjitsu_vm *vm, uint32_t ip, const uint8_t mac[6],
    const uint16_t *ports, size_t nports,
    const uint8_t secret[SYNJITSU_SECRET_LEN])
{
	size_t i;

	if (ip == 0 || !eth_is_station(mac) || nports > SYNJITSU_PORTS_MAX)
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
	vm->mask = 0xffffffffu << (32 - SYNJITSU_PREFIX);
	return 0;
}

int
synjitsu_route(struct synjitsu_vm *vm, unsigned int prefix, uint32_t gw)
{
	uint32_t mask;

	if (prefix < 1 || prefix > 32)
		return -1;
	mask = prefix == 32 ? 0xffffffffu : ~(0xffffffffu >> prefix);
	if (gw != 0 &&
	    (gw == vm->ip || (gw & mask) != (vm->ip & mask) ||
		(gw | mask) == 0xffffffffu || (gw & ~mask) == 0))
		return -1;
	vm->mask = mask;
	vm->gw = gw;
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

/* --- ARP ------------------------------------------------------------- */

/* On the guest's network: a neighbour, not a host behind its gateway. */
static int
sj_on_link(const struct synjitsu_vm *vm, uint32_t a)
{
	return (a & vm->mask) == (vm->ip & vm->mask);
}

/*
 * Sources nobody can answer: ours, this network, loopback, multicast,
 * and the guest network's broadcast address.
 */
static int
sj_ip_martian(const struct synjitsu_vm *vm, uint32_t a)
{
	uint32_t top = a >> 24;

	return a == vm->ip || top == 0 || top == 127 || top >= 224 ||
	    (sj_on_link(vm, a) && (a | vm->mask) == 0xffffffffu);
}

static void
sj_arp_frame(uint8_t *f, const struct synjitsu_vm *vm, const uint8_t *dst,
    uint16_t op, const uint8_t *tha, uint32_t tpa)
{
	struct arp_pkt a;

	a.op = op;
	memcpy(a.sha, vm->mac, sizeof(a.sha));
	a.spa = vm->ip;
	memcpy(a.tha, tha, sizeof(a.tha));
	a.tpa = tpa;
	eth_build(f, dst, vm->mac, ETH_ARP);
	arp_build(f + ETH_HLEN, &a);
}

size_t
synjitsu_garp(const struct synjitsu_vm *vm, uint8_t *buf, size_t size)
{
	return synjitsu_garp_of(vm->ip, vm->mac, buf, size);
}

size_t
synjitsu_garp_of(uint32_t ip, const uint8_t mac[6], uint8_t *buf, size_t size)
{
	struct arp_pkt a;

	if (size < SYNJITSU_ARP_LEN)
		return 0;
	a.op = ARP_REQUEST;
	memcpy(a.sha, mac, sizeof(a.sha));
	a.spa = ip;
	memcpy(a.tha, mac_zero, sizeof(a.tha));
	a.tpa = ip;
	eth_build(buf, mac_bcast, mac, ETH_ARP);
	arp_build(buf + ETH_HLEN, &a);
	return SYNJITSU_ARP_LEN;
}

/* Where the guest would send to a: a itself, its gateway, or 0 (none). */
static uint32_t
sj_hop(const struct synjitsu_vm *vm, uint32_t a)
{
	return sj_on_link(vm, a) ? a : vm->gw;
}

static struct synjitsu_neigh *
sj_neigh_find(struct synjitsu_vm *vm, uint32_t ip)
{
	size_t i;

	for (i = 0; i < SYNJITSU_NEIGH_MAX; i++)
		if (vm->neigh[i].state != NEIGH_FREE && vm->neigh[i].ip == ip)
			return &vm->neigh[i];
	return NULL;
}

/*
 * A slot for ip: a free one, else the least recently used.  A flood of
 * ARP can only churn the table; a connection whose hop was pushed out is
 * asked for again at its next segment.
 */
static struct synjitsu_neigh *
sj_neigh_slot(struct synjitsu_vm *vm, uint32_t ip, uint64_t now)
{
	struct synjitsu_neigh *n, *lru = &vm->neigh[0];
	size_t		       i;

	for (i = 0; i < SYNJITSU_NEIGH_MAX; i++) {
		n = &vm->neigh[i];
		if (n->state == NEIGH_FREE) {
			lru = n;
			break;
		}
		if (n->used < lru->used)
			lru = n;
	}
	memset(lru, 0, sizeof(*lru));
	lru->state = NEIGH_ASKED;
	lru->ip = ip;
	lru->used = now;
	return lru;
}

static void
sj_neigh_learn(struct synjitsu_neigh *n, const uint8_t *mac, uint64_t now)
{
	memcpy(n->mac, mac, sizeof(n->mac));
	n->state = NEIGH_KNOWN;
	n->used = now;
}

void
synjitsu_neighbours(struct synjitsu_vm *vm,
    int (*lookup)(void *, uint32_t, uint8_t[6]), void *arg)
{
	vm->lookup = lookup;
	vm->lookup_arg = arg;
}

/*
 * hop, of whom we know nothing yet (no entry, no question out), taken
 * from the table synjitsu_neighbours gave when that puts it at the
 * frame's source (a station's MAC): 1, and the SYN is answered now
 * rather than after our who-has and its answer (a round trip to the
 * gateway for every off-link client's first SYN).  A sender the table
 * puts elsewhere, or a hop it does not have, is asked for as before
 * (0): the table may be stale, and the forger it would be is what
 * asking is for.  A question already out is left to its answer.
 */
static int
sj_neigh_borrow(struct synjitsu_vm *vm, uint32_t hop, const uint8_t *hwsrc,
    uint64_t now)
{
	uint8_t mac[6];

	if (vm->lookup == NULL || sj_neigh_find(vm, hop) != NULL ||
	    vm->lookup(vm->lookup_arg, hop, mac) != 0 || !eth_is_station(mac) ||
	    !sj_mac_eq(mac, hwsrc))
		return 0;
	sj_neigh_learn(sj_neigh_slot(vm, hop, now), mac, now);
	vm->stats.neigh_borrowed++;
	return 1;
}

/* Our who-has for hop, as the guest asks: broadcast, from its MAC. */
static enum synjitsu_verdict
sj_arp_ask(struct synjitsu_vm *vm, uint32_t hop, uint64_t now, uint8_t *out,
    size_t *outlen)
{
	if (sj_neigh_find(vm, hop) == NULL)
		(void)sj_neigh_slot(vm, hop, now);
	sj_arp_frame(out, vm, mac_bcast, ARP_REQUEST, mac_zero, hop);
	*outlen = SYNJITSU_ARP_LEN;
	vm->stats.arp_requests++;
	return SYNJITSU_REPLIED;
}

/*
 * ARP as the guest would see it (broadcast, or to its MAC).  RFC 826's
 * merge: a sender we know is refreshed from any ARP; one asking for our
 * address is learnt (it is about to talk to us); an answer is taken only
 * for a neighbour already in the table, as Linux takes none unasked.
 * Who-has our address is answered, from anyone (an RFC 5227 probe with
 * sender 0 included: the answer defends the address, the guest's).
 */
static enum synjitsu_verdict
sj_arp_input(struct synjitsu_vm *vm, const struct eth_hdr *eh, const uint8_t *p,
    size_t len, uint64_t now, uint8_t *out, size_t *outlen)
{
	struct synjitsu_neigh *n = NULL;
	struct arp_pkt	       a;
	int		       sender;

	if (!(sj_mac_eq(eh->dst, mac_bcast) || sj_mac_eq(eh->dst, vm->mac)) ||
	    arp_parse(p, len, &a) != 0)
		return SYNJITSU_IGNORED;
	sender = eth_is_station(a.sha) && a.spa != vm->ip &&
	    sj_on_link(vm, a.spa) && !sj_ip_martian(vm, a.spa);
	if (sender)
		n = sj_neigh_find(vm, a.spa);
	if (a.tpa != vm->ip) {
		/* Someone else's ARP: ours to note, theirs to answer. */
		if (n != NULL)
			sj_neigh_learn(n, a.sha, now);
		return SYNJITSU_IGNORED;
	}
	if (a.op == ARP_REPLY) {
		if (n == NULL)
			return SYNJITSU_IGNORED;
		sj_neigh_learn(n, a.sha, now);
		return SYNJITSU_TAKEN;
	}
	if (a.op != ARP_REQUEST)
		return SYNJITSU_IGNORED;
	if (!eth_is_station(a.sha))
		return sj_drop(&vm->stats.drop_bad);
	if (sender)
		sj_neigh_learn(n != NULL ? n : sj_neigh_slot(vm, a.spa, now),
		    a.sha, now);
	sj_arp_frame(out, vm, a.sha, ARP_REPLY, a.sha, a.spa);
	*outlen = SYNJITSU_ARP_LEN;
	vm->stats.arp_replies++;
	return SYNJITSU_REPLIED;
}

/* --- parsing IPv4 and TCP ------------------------------------------- */

/* --- building replies ------------------------------------------------ */

/*
 * The reply r in the layout the libOS sends (tcp_build: MSS, then NOP +
 * window scale), in an atomic datagram: no IP ID (RFC 6864).
 */
static enum synjitsu_verdict
sj_tcp_reply(const struct synjitsu_vm *vm, const struct pkt *p,
    const struct tcp_seg *r)
{
	uint8_t *ip = p->out + ETH_HLEN;
	size_t	 hlen = tcp_hdr_len(r);

	tcp_build(ip + IP_HLEN, r, vm->ip, p->src);
	ip_build(ip, 0, IP_TCP, vm->ip, p->src, hlen);
	eth_build(p->out, p->hwsrc, vm->mac, ETH_IPV4);
	*p->outlen = ETH_HLEN + IP_HLEN + hlen;
	return SYNJITSU_REPLIED;
}

/* Room left in c's buffer: the window we offer, in bytes. */
static size_t
sj_conn_room(const struct synjitsu_vm *vm, const struct synjitsu_conn *c)
{
	return c->datalen >= vm->maxdata ? 0 : vm->maxdata - c->datalen;
}

static void
sj_seg_answer(struct tcp_seg *r, const struct synjitsu_conn *c, uint32_t seq,
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
sj_reply_synack(struct synjitsu_vm *vm, const struct synjitsu_conn *c,
    const struct pkt *p)
{
	struct tcp_seg r;
	size_t	       room = sj_conn_room(vm, c);

	sj_seg_answer(&r, c, c->iss, TCP_SYN | TCP_ACK);
	r.wnd = (uint16_t)(room > 0xffff ? 0xffff : room); /* unscaled */
	r.mss = SYNJITSU_MSS;
	r.wscale = c->peer_wscale >= 0 ? SYNJITSU_WSCALE : -1;
	vm->stats.synacks++;
	return sj_tcp_reply(vm, p, &r);
}

static enum synjitsu_verdict
sj_reply_ack(struct synjitsu_vm *vm, const struct synjitsu_conn *c,
    const struct pkt *p)
{
	struct tcp_seg r;
	size_t	       wnd = sj_conn_room(vm, c);

	if (c->peer_wscale >= 0)
		wnd >>= SYNJITSU_WSCALE;
	sj_seg_answer(&r, c, c->iss + 1, TCP_ACK);
	r.wnd = (uint16_t)(wnd > 0xffff ? 0xffff : wnd);
	vm->stats.acks++;
	return sj_tcp_reply(vm, p, &r);
}

/* --- the connection table -------------------------------------------- */

static struct synjitsu_conn *
sj_conn_find(struct synjitsu_vm *vm, const struct pkt *p)
{
	struct synjitsu_conn *c;
	size_t		      i;

	for (i = 0; i < SYNJITSU_CONN_MAX; i++) {
		c = &vm->conn[i];
		if (c->state != CONN_FREE && c->rip == p->src &&
		    c->rport == p->s.sport && c->lport == p->s.dport)
			return c;
	}
	return NULL;
}

/* SYN taken, handshake not done: what expires and may be evicted. */
static int
sj_conn_half_open(const struct synjitsu_conn *c)
{
	return c->state == CONN_SYN_HELD || c->state == CONN_SYN_RCVD;
}

static void
sj_conn_free(struct synjitsu_conn *c)
{
	c->state = CONN_FREE;
	c->datalen = 0;
}

static int
sj_conn_older(const struct synjitsu_conn *c, uint64_t now, uint64_t ms)
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
sj_conn_alloc(struct synjitsu_vm *vm, uint64_t now)
{
	struct synjitsu_conn *c, *slot = NULL, *old = NULL;
	size_t		      i, used = 0;

	for (i = 0; i < SYNJITSU_CONN_MAX; i++) {
		c = &vm->conn[i];
		if (c->state == CONN_FREE) {
			if (slot == NULL)
				slot = c;
			continue;
		}
		used++;
		if (sj_conn_half_open(c) &&
		    (old == NULL || c->born < old->born))
			old = c;
	}
	if (used < vm->maxconn && slot != NULL)
		return slot;
	if (old == NULL || !sj_conn_older(old, now, SYNJITSU_SYN_EVICT_MS))
		return NULL;
	vm->stats.evicted++;
	sj_conn_free(old);
	return old;
}

/* The client's options, from its (latest) SYN. */
static void
sj_conn_syn_options(struct synjitsu_conn *c, const struct tcp_seg *s)
{
	if (s->mss == 0)
		c->mss = TCP_DEFAULT_MSS;
	else
		c->mss = s->mss < TCP_MIN_MSS ? TCP_MIN_MSS : s->mss;
	c->peer_wscale = s->wscale;
	c->snd_wnd = s->wnd; /* a SYN's window is never scaled */
	c->snd_wl1 = s->seq;
}

static void
sj_conn_open(const struct synjitsu_vm *vm, struct synjitsu_conn *c,
    const struct pkt *p, uint32_t hop)
{
	c->born = p->now;
	c->rip = p->src;
	c->hop = hop;
	c->rport = p->s.sport;
	c->lport = p->s.dport;
	c->irs = p->s.seq;
	c->rcv_nxt = p->s.seq + 1;
	c->iss = synjitsu_iss(vm, c->rip, c->rport, c->lport, c->irs);
	c->datalen = 0;
	sj_conn_syn_options(c, &p->s);
}

static size_t
sj_conn_count(const struct synjitsu_vm *vm,
    int (*is)(const struct synjitsu_conn *))
{
	size_t i, n = 0;

	for (i = 0; i < SYNJITSU_CONN_MAX; i++)
		if (is(&vm->conn[i]))
			n++;
	return n;
}

/* Established, maybe with the client's FIN taken: what is handed over. */
static int
sj_conn_exportable(const struct synjitsu_conn *c)
{
	return c->state == CONN_ESTABLISHED || c->state == CONN_CLOSE_WAIT;
}

/* --- the TCP state machine ------------------------------------------- */

static int
sj_seg_is_syn(const struct tcp_seg *s)
{
	return (s->flags & (TCP_SYN | TCP_ACK | TCP_RST | TCP_FIN)) == TCP_SYN;
}

static int
sj_port_listed(const struct synjitsu_vm *vm, uint16_t port)
{
	size_t i;

	for (i = 0; i < vm->nports; i++)
		if (vm->ports[i] == port)
			return 1;
	return 0;
}

/*
 * A SYN taken for c from p: answered with our SYN-ACK if its next hop is
 * known, else held while the hop is asked for (synjitsu_output sends the
 * SYN-ACK when the hop answers, to the MAC the SYN came from only).
 */
static enum synjitsu_verdict
sj_conn_syn(struct synjitsu_vm *vm, struct synjitsu_conn *c,
    const struct pkt *p, int known)
{
	memcpy(c->hw, p->hwsrc, sizeof(c->hw));
	if (!known) {
		c->state = CONN_SYN_HELD;
		return sj_arp_ask(vm, c->hop, p->now, p->out, p->outlen);
	}
	c->state = CONN_SYN_RCVD;
	return sj_reply_synack(vm, c, p);
}

/*
 * A SYN opens a connection, from next hop hop, known or not (sj_conn_syn);
 * anything else for no connection is not ours.
 */
static enum synjitsu_verdict
sj_tcp_no_conn(struct synjitsu_vm *vm, const struct pkt *p, uint32_t hop,
    int known)
{
	struct synjitsu_conn *c;

	if (!sj_seg_is_syn(&p->s))
		return sj_drop(&vm->stats.drop_unknown);
	vm->stats.syns++;
	if (!sj_port_listed(vm, p->s.dport))
		return sj_drop(&vm->stats.drop_port);
	if (vm->mode != SYNJITSU_ACTIVE)
		return sj_drop(&vm->stats.drop_drain);
	if ((c = sj_conn_alloc(vm, p->now)) == NULL)
		return sj_drop(&vm->stats.drop_full);
	if (!known)
		known = sj_neigh_borrow(vm, hop, p->hwsrc, p->now);
	sj_conn_open(vm, c, p, hop);
	return sj_conn_syn(vm, c, p, known);
}

/*
 * A SYN on a half-open connection.  With the same ISN the client missed
 * our SYN-ACK (or we still wait for its hop): the same SYN-ACK goes
 * again (or the same question).  With another, the client gave up on
 * that attempt (or the first SYN was an old duplicate) and the new one
 * wins.
 */
static enum synjitsu_verdict
sj_tcp_syn_again(struct synjitsu_vm *vm, struct synjitsu_conn *c,
    const struct pkt *p, uint32_t hop, int known)
{
	if (p->s.seq != c->irs) {
		sj_conn_free(c);
		return sj_tcp_no_conn(vm, p, hop, known);
	}
	vm->stats.syns++;
	sj_conn_syn_options(c, &p->s);
	return sj_conn_syn(vm, c, p, known);
}

/*
 * RFC 793's acceptance test, as overlap with the receive window
 * [rcv_nxt, rcv_nxt + room).  A segment at rcv_nxt always passes, so
 * that a FIN or a window probe is answered with no room left.
 */
static int
sj_seg_acceptable(const struct synjitsu_vm *vm, const struct synjitsu_conn *c,
    const struct tcp_seg *s)
{
	uint32_t wnd = (uint32_t)sj_conn_room(vm, c);
	uint32_t len = (uint32_t)s->dlen;

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
sj_tcp_challenge(struct synjitsu_vm *vm, const struct synjitsu_conn *c,
    const struct pkt *p)
{
	if (c->state == CONN_SYN_RCVD)
		return sj_drop(&vm->stats.drop_seg);
	return sj_reply_ack(vm, c, p);
}

/*
 * RFC 5961 3.2: only a RST at rcv_nxt resets; one merely in window is
 * challenged, so that a blind attacker must hit the exact number.
 */
static enum synjitsu_verdict
sj_tcp_rst(struct synjitsu_vm *vm, struct synjitsu_conn *c, const struct pkt *p)
{
	if (p->s.seq != c->rcv_nxt)
		return sj_tcp_challenge(vm, c, p);
	sj_conn_free(c);
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
sj_conn_window(struct synjitsu_conn *c, const struct tcp_seg *s)
{
	int shift = c->peer_wscale >= 0 ? c->peer_wscale : 0;

	if (SEQ_GEQ(s->seq, c->snd_wl1) && !SEQ_GT(s->seq, c->rcv_nxt)) {
		c->snd_wnd = (uint32_t)s->wnd << shift;
		c->snd_wl1 = s->seq;
	}
}

/* In-order bytes, as many as fit; see the top of the file for the rest. */
static void
sj_conn_data(struct synjitsu_vm *vm, struct synjitsu_conn *c,
    const struct tcp_seg *s)
{
	uint32_t skip = c->rcv_nxt - s->seq;
	size_t	 n, room = sj_conn_room(vm, c);

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
sj_tcp_data_fin(struct synjitsu_vm *vm, struct synjitsu_conn *c,
    const struct pkt *p)
{
	const struct tcp_seg *s = &p->s;

	if (s->dlen > 0)
		sj_conn_data(vm, c, s);
	if ((s->flags & TCP_FIN) && c->state == CONN_ESTABLISHED &&
	    s->seq + (uint32_t)s->dlen == c->rcv_nxt) {
		c->rcv_nxt++;
		c->state = CONN_CLOSE_WAIT;
		vm->stats.fins++;
	}
	if (s->dlen == 0 && !(s->flags & TCP_FIN))
		return SYNJITSU_TAKEN;
	return sj_reply_ack(vm, c, p);
}

/* A segment for a known connection, in RFC 793 3.9's order. */
static enum synjitsu_verdict
sj_tcp_sync(struct synjitsu_vm *vm, struct synjitsu_conn *c,
    const struct pkt *p)
{
	const struct tcp_seg *s = &p->s;

	if (!sj_seg_acceptable(vm, c, s)) {
		if (s->flags & TCP_RST)
			return sj_drop(&vm->stats.drop_seg);
		return sj_tcp_challenge(vm, c, p);
	}
	if (s->flags & TCP_RST)
		return sj_tcp_rst(vm, c, p);
	if (s->flags & TCP_SYN)
		return sj_tcp_challenge(vm, c, p);
	if (!(s->flags & TCP_ACK))
		return sj_drop(&vm->stats.drop_seg);
	/* We sent nothing but the SYN: only iss + 1 can be acked. */
	if (s->ack != c->iss + 1)
		return sj_tcp_challenge(vm, c, p);
	if (c->state == CONN_SYN_RCVD) {
		c->state = CONN_ESTABLISHED;
		vm->stats.established++;
	}
	sj_conn_window(c, s);
	return sj_tcp_data_fin(vm, c, p);
}

/*
 * A segment is taken only from its next hop's MAC (see the top of the
 * file).  With the hop not known yet, a SYN is held and the hop asked
 * for; any other segment (its hop pushed out of the table) is dropped
 * and the hop asked for again: the client resends it.
 */
static enum synjitsu_verdict
sj_tcp_input(struct synjitsu_vm *vm, const struct pkt *p)
{
	struct synjitsu_conn  *c = sj_conn_find(vm, p);
	struct synjitsu_neigh *n;
	uint32_t	       hop = sj_hop(vm, p->src);
	int		       known;

	if (hop == 0)
		return sj_drop(&vm->stats.drop_route);
	n = sj_neigh_find(vm, hop);
	if ((known = n != NULL && n->state == NEIGH_KNOWN)) {
		if (!sj_mac_eq(n->mac, p->hwsrc))
			return sj_drop(&vm->stats.drop_spoof);
		n->used = p->now;
	} else if (c != NULL && !sj_conn_half_open(c)) {
		vm->stats.drop_unresolved++;
		return sj_arp_ask(vm, hop, p->now, p->out, p->outlen);
	}
	if (c == NULL)
		return sj_tcp_no_conn(vm, p, hop, known);
	if (sj_conn_half_open(c) && sj_seg_is_syn(&p->s))
		return sj_tcp_syn_again(vm, c, p, hop, known);
	if (c->state == CONN_SYN_HELD)
		return sj_drop(&vm->stats.drop_seg); /* no SYN-ACK to ack */
	return sj_tcp_sync(vm, c, p);
}

/*
 * A frame from a local sender whose checksum was left for a NIC to finish
 * (SYNJITSU_F_CSUM_PARTIAL) holds only the pseudo-header's sum: the
 * kernel vouches for it, so only its header is parsed.
 */
static int
sj_tcp_parse(const struct synjitsu_vm *vm, const uint8_t *t, size_t len,
    struct pkt *p)
{
	if (p->flags & SYNJITSU_F_CSUM_PARTIAL)
		return tcp_parse_nosum(t, len, &p->s);
	return tcp_parse(t, len, p->src, vm->ip, &p->s);
}

/*
 * IPv4 to the vm's mac and address.  Before its destination is known to
 * be ours a frame is ignored; after, anything wrong with it is a drop.
 */
static enum synjitsu_verdict
sj_ip_input(struct synjitsu_vm *vm, const uint8_t *f, size_t len, struct pkt *p)
{
	const uint8_t *ip = f + ETH_HLEN;
	struct ip_hdr  h;

	if (!sj_mac_eq(f, vm->mac) || len < ETH_HLEN + IP_HLEN ||
	    get32(ip + 16) != vm->ip)
		return SYNJITSU_IGNORED;
	/* Fragments included: a stand-in does not reassemble. */
	if (ip_parse(ip, len - ETH_HLEN, &h) != 0 || sj_ip_martian(vm, h.src))
		return sj_drop(&vm->stats.drop_bad);
	if (h.proto != IP_TCP)
		return sj_drop(&vm->stats.drop_proto);
	p->src = h.src;
	if (sj_tcp_parse(vm, ip + h.hlen, h.total - h.hlen, p) != 0)
		return sj_drop(&vm->stats.drop_bad);
	return sj_tcp_input(vm, p);
}

/*
 * Frozen: a TCP frame for the guest is its own now, whatever it says;
 * the guest's stack judges it once it has its records.  Only what
 * could not be a frame to the guest at all is refused.
 */
static enum synjitsu_verdict
sj_ip_keep(struct synjitsu_vm *vm, const uint8_t *f, size_t len)
{
	const uint8_t *ip = f + ETH_HLEN;

	if (!sj_mac_eq(f, vm->mac) || len < ETH_HLEN + IP_HLEN ||
	    get32(ip + 16) != vm->ip)
		return SYNJITSU_IGNORED;
	if ((ip[0] >> 4) != 4 || ip[9] != IP_TCP)
		return sj_drop(&vm->stats.drop_proto);
	vm->stats.kept++;
	return SYNJITSU_KEPT;
}

int
synjitsu_csum_fill(uint8_t *frame, size_t len)
{
	uint8_t	     *t;
	struct ip_hdr h;

	if (len < ETH_HLEN + IP_HLEN || get16(frame + 12) != ETH_IPV4 ||
	    ip_parse(frame + ETH_HLEN, len - ETH_HLEN, &h) != 0 ||
	    h.proto != IP_TCP || h.total - h.hlen < 20)
		return -1;
	t = frame + ETH_HLEN + h.hlen;
	/* The field holds the pseudo-header's sum: the NIC's part is the
	 * sum over the segment, that field included. */
	put16(t + 16, ip_fold(ip_sum(t, h.total - h.hlen, 0)));
	return 0;
}

enum synjitsu_verdict
synjitsu_input(struct synjitsu_vm *vm, const uint8_t *frame, size_t len,
    uint64_t now_ms, uint8_t *out, size_t outsize, size_t *outlen)
{
	return synjitsu_input_flags(vm, frame, len, 0, now_ms, out, outsize,
	    outlen);
}

enum synjitsu_verdict
synjitsu_input_flags(struct synjitsu_vm *vm, const uint8_t *frame, size_t len,
    unsigned int flags, uint64_t now_ms, uint8_t *out, size_t outsize,
    size_t *outlen)
{
	struct eth_hdr eh;
	struct pkt     p;

	*outlen = 0;
	if (outsize < SYNJITSU_REPLY_MAX)
		return SYNJITSU_DROPPED;
	/* Our own frames (the guest's, or ours looped back) are not asks. */
	if (eth_parse(frame, len, &eh) != 0 || !eth_is_station(eh.src))
		return SYNJITSU_IGNORED;
	if (sj_mac_eq(eh.src, vm->mac)) {
		/* The guest itself, once it speaks: the wire is its own. */
		if (vm->mode == SYNJITSU_FROZEN &&
		    !(flags & SYNJITSU_F_OUTGOING))
			vm->heard = 1;
		return SYNJITSU_IGNORED;
	}
	if (vm->mode == SYNJITSU_FROZEN && vm->heard)
		return SYNJITSU_IGNORED;
	switch (eh.type) {
	case ETH_ARP:
		/* Frozen too: until the guest is on the wire, who-has for
		 * its address is ours to answer. */
		return sj_arp_input(vm, &eh, frame + ETH_HLEN, len - ETH_HLEN,
		    now_ms, out, outlen);
	case ETH_IPV4:
		if (vm->mode == SYNJITSU_FROZEN)
			return sj_ip_keep(vm, frame, len);
		memset(&p, 0, sizeof(p));
		p.hwsrc = eh.src;
		p.now = now_ms;
		p.flags = flags;
		p.out = out;
		p.outlen = outlen;
		return sj_ip_input(vm, frame, len, &p);
	default:
		return SYNJITSU_IGNORED;
	}
}

/* --- time and the hand-over ------------------------------------------ */

size_t
synjitsu_tick(struct synjitsu_vm *vm, uint64_t now_ms)
{
	struct synjitsu_conn *c;
	size_t		      i, n = 0;

	for (i = 0; i < SYNJITSU_CONN_MAX; i++) {
		c = &vm->conn[i];
		if (sj_conn_half_open(c) &&
		    sj_conn_older(c, now_ms, SYNJITSU_SYN_TTL_MS)) {
			sj_conn_free(c);
			vm->stats.expired++;
			n++;
		}
	}
	return n;
}

uint64_t
synjitsu_next(const struct synjitsu_vm *vm)
{
	uint64_t next = UINT64_MAX;
	size_t	 i;

	for (i = 0; i < SYNJITSU_CONN_MAX; i++)
		if (sj_conn_half_open(&vm->conn[i]) &&
		    vm->conn[i].born + SYNJITSU_SYN_TTL_MS < next)
			next = vm->conn[i].born + SYNJITSU_SYN_TTL_MS;
	return next;
}

/*
 * A held SYN whose hop is known now gets its SYN-ACK, if the hop's MAC
 * is the one the SYN came from; else the SYN was forged, and is dropped.
 */
size_t
synjitsu_output(struct synjitsu_vm *vm, uint8_t *out, size_t outsize)
{
	struct synjitsu_conn	    *c;
	const struct synjitsu_neigh *n;
	struct pkt		     p;
	size_t			     i, len = 0;

	if (outsize < SYNJITSU_REPLY_MAX || vm->mode == SYNJITSU_FROZEN)
		return 0;
	for (i = 0; i < SYNJITSU_CONN_MAX; i++) {
		c = &vm->conn[i];
		if (c->state != CONN_SYN_HELD ||
		    (n = sj_neigh_find(vm, c->hop)) == NULL ||
		    n->state != NEIGH_KNOWN)
			continue;
		if (!sj_mac_eq(n->mac, c->hw)) {
			sj_conn_free(c);
			vm->stats.drop_spoof++;
			continue;
		}
		memset(&p, 0, sizeof(p));
		p.hwsrc = n->mac;
		p.src = c->rip;
		p.out = out;
		p.outlen = &len;
		c->state = CONN_SYN_RCVD;
		(void)sj_reply_synack(vm, c, &p);
		return len;
	}
	return 0;
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
	size_t i;

	for (i = 0; i < SYNJITSU_CONN_MAX; i++)
		if (sj_conn_half_open(&vm->conn[i])) {
			sj_conn_free(&vm->conn[i]);
			vm->stats.expired++;
		}
	vm->mode = SYNJITSU_FROZEN;
	return synjitsu_nconn(vm);
}

size_t
synjitsu_nconn(const struct synjitsu_vm *vm)
{
	return sj_conn_count(vm, sj_conn_exportable);
}

size_t
synjitsu_nhalfopen(const struct synjitsu_vm *vm)
{
	return sj_conn_count(vm, sj_conn_half_open);
}

int
synjitsu_settled(const struct synjitsu_vm *vm)
{
	size_t i, n = 0;

	for (i = 0; i < SYNJITSU_CONN_MAX; i++) {
		const struct synjitsu_conn *c = &vm->conn[i];

		if (sj_conn_half_open(c))
			return 0;
		if (!sj_conn_exportable(c))
			continue;
		if (c->datalen == 0 && c->state != CONN_CLOSE_WAIT)
			return 0;
		n++;
	}
	return n > 0;
}

/*
 * The record as the guest must continue it: it has sent iss (the SYN)
 * and nothing else, and acked everything up to rcv_nxt, the bytes and
 * the FIN included.
 */
int
synjitsu_record(const struct synjitsu_vm *vm, size_t i, struct synrec *r)
{
	const struct synjitsu_conn *c;

	if (i >= SYNJITSU_CONN_MAX)
		return -1;
	c = &vm->conn[i];
	if (!sj_conn_exportable(c))
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
	/*
	 * The client asked us for the guest's address, as a rule before the
	 * guest was on the bridge to hear it, so the guest has not learnt
	 * its hop: it would ask before its first reply.  c->hw is the hop's
	 * MAC (a SYN from another is neither answered nor taken).
	 */
	r->hop_ip = c->hop;
	memcpy(r->hop_mac, c->hw, sizeof(r->hop_mac));
	r->datalen = c->datalen;
	memcpy(r->data, c->data, c->datalen);
	return 0;
}
