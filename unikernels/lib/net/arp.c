/* arp.c -- ARP for IPv4 over Ethernet: cache, replies, pending frames */
#include "net.h"

/*
 * The cache is a small fixed table.  A neighbour we want to send to but
 * do not know yet is INCOMPLETE: up to NET_ARP_QLEN frames wait in its
 * entry while requests go out once a second, ARP_TRIES times, after which
 * the frames are dropped (TCP retransmits; ICMP and UDP accept loss).  A
 * REACHABLE entry is forgotten after ARP_TTL and resolved again on use.
 * When the table is full the entry closest to expiry makes room.
 */

#define ARP_TTL	  UK_SEC(60)
#define ARP_RETRY UK_SEC(1)
#define ARP_TRIES 3

/*
 * The gratuitous ARP goes out ARP_ANNOUNCE times, 1 s then 2 s apart.
 * Our first frames can die on the way: in a Linux dom0 the bridge port
 * of a new vif starts forwarding only once the link watcher has seen
 * netback's carrier, which it batches up to a second.  A client that
 * knew our address under another MAC (an earlier guest at the same
 * address) keeps sending there, for up to half a minute of nothing,
 * until one announcement reaches it (RFC 5227 also sends two).
 */
#define ARP_ANNOUNCE	 3
#define ARP_ANNOUNCE_GAP UK_SEC(1)

static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static struct arp_entry *
arp_get(struct net *n, uint32_t ip)
{
	int i;

	for (i = 0; i < NET_ARP_NENT; i++)
		if (n->arp[i].state != ARP_FREE && n->arp[i].ip == ip)
			return &n->arp[i];
	return NULL;
}

const uint8_t *
arp_lookup(const struct net *n, uint32_t ip)
{
	int i;

	for (i = 0; i < NET_ARP_NENT; i++)
		if (n->arp[i].state == ARP_REACHABLE && n->arp[i].ip == ip)
			return n->arp[i].mac;
	return NULL;
}

static void
arp_release(struct net *n, struct arp_entry *e)
{
	n->stats.arp_drop += (unsigned long)e->nq;
	e->nq = 0;
	e->state = ARP_FREE;
}

/* A free entry, or the one closest to expiry made free. */
static struct arp_entry *
arp_slot(struct net *n)
{
	struct arp_entry *e, *victim = &n->arp[0];
	int i;

	for (i = 0; i < NET_ARP_NENT; i++) {
		e = &n->arp[i];
		if (e->state == ARP_FREE)
			return e;
		if (e->expire < victim->expire)
			victim = e;
	}
	arp_release(n, victim);
	return victim;
}

static void
arp_request(struct net *n, uint32_t tpa, const uint8_t tha[6], uint16_t op,
    const uint8_t *dst)
{
	struct arp_pkt a;
	uint8_t f[ETH_HLEN + ARP_LEN];

	a.op = op;
	memcpy(a.sha, n->mac, 6);
	a.spa = n->ip;
	/* A request's target hardware address is unknown: zeros. */
	if (op == ARP_REQUEST)
		memset(a.tha, 0, 6);
	else
		memcpy(a.tha, tha, 6);
	a.tpa = tpa;
	eth_build(f, dst, n->mac, ETH_ARP);
	arp_build(f + ETH_HLEN, &a);
	(void)net_send(n, f, sizeof(f));
}

static void
arp_announce_one(struct net *n, uint64_t now)
{
	arp_request(n, n->ip, bcast, ARP_REQUEST, bcast);
	n->announced++;
	/* 1 s, then 2 s: each gap twice the one before. */
	n->announce_at = now + ARP_ANNOUNCE_GAP * (1u << (n->announced - 1));
}

void
arp_announce(struct net *n, uint64_t now)
{
	n->announced = 0;
	arp_announce_one(n, now);
}

/* The neighbour is known now: record it and flush what waited for it. */
static void
arp_learn(struct net *n, struct arp_entry *e, const uint8_t mac[6],
    uint64_t now)
{
	int i;

	memcpy(e->mac, mac, 6);
	e->state = ARP_REACHABLE;
	e->expire = now + ARP_TTL;
	for (i = 0; i < e->nq; i++) {
		memcpy(e->q[i], mac, 6);
		(void)net_send(n, e->q[i], e->qlen[i]);
	}
	e->nq = 0;
}

void
arp_seed(struct net *n, uint32_t ip, const uint8_t mac[6], uint64_t now)
{
	struct arp_entry *e;

	if ((e = arp_get(n, ip)) == NULL) {
		e = arp_slot(n);
		e->ip = ip;
		e->nq = 0;
	}
	arp_learn(n, e, mac, now);
}

void
arp_input(struct net *n, const uint8_t *p, size_t len, uint64_t now)
{
	struct arp_pkt a;

	if (arp_parse(p, len, &a) != 0 || a.spa == 0 || a.spa == n->ip) {
		n->stats.rx_drop++;
		return;
	}
	/* RFC 826: refresh a sender we know; learn it if we are the target. */
	if (arp_get(n, a.spa) != NULL || a.tpa == n->ip)
		arp_seed(n, a.spa, a.sha, now);
	if (a.op != ARP_REQUEST || a.tpa != n->ip)
		return;
	/* Quiet: jitsud answers for our address until the hand-over. */
	if (n->quiet)
		n->stats.quiet_drop++;
	else
		arp_request(n, a.spa, a.sha, ARP_REPLY, a.sha);
}

static int
arp_is_bcast(const struct net *n, uint32_t ip)
{
	return ip == 0xffffffffu ||
	    (n->mask != 0xffffffffu && (ip & ~n->mask) == ~n->mask &&
		(ip & n->mask) == (n->ip & n->mask));
}

static void
arp_enqueue(struct net *n, struct arp_entry *e, const uint8_t *f, size_t len)
{
	if (e->nq == NET_ARP_QLEN) {
		n->stats.arp_drop++;
		return;
	}
	memcpy(e->q[e->nq], f, len);
	e->qlen[e->nq++] = (uint16_t)len;
}

int
arp_send(struct net *n, uint32_t nexthop, uint8_t *f, size_t len, uint64_t now)
{
	struct arp_entry *e;

	memcpy(f + 6, n->mac, 6);
	if (arp_is_bcast(n, nexthop)) {
		memcpy(f, bcast, 6);
		return net_send(n, f, len);
	}
	if ((e = arp_get(n, nexthop)) != NULL && e->state == ARP_REACHABLE) {
		memcpy(f, e->mac, 6);
		return net_send(n, f, len);
	}
	if (e == NULL) {
		e = arp_slot(n);
		e->state = ARP_INCOMPLETE;
		e->ip = nexthop;
		e->tries = 1;
		e->nq = 0;
		e->expire = now + ARP_RETRY;
		arp_request(n, nexthop, bcast, ARP_REQUEST, bcast);
	}
	arp_enqueue(n, e, f, len);
	return 0;
}

void
arp_tick(struct net *n, uint64_t now)
{
	struct arp_entry *e;
	int i;

	if (n->announced > 0 && n->announced < ARP_ANNOUNCE &&
	    n->announce_at <= now)
		arp_announce_one(n, now);
	for (i = 0; i < NET_ARP_NENT; i++) {
		e = &n->arp[i];
		if (e->state == ARP_FREE || e->expire > now)
			continue;
		if (e->state == ARP_INCOMPLETE && e->tries < ARP_TRIES) {
			e->tries++;
			e->expire = now + ARP_RETRY;
			arp_request(n, e->ip, bcast, ARP_REQUEST, bcast);
		} else
			arp_release(n, e);
	}
}

uint64_t
arp_next(const struct net *n)
{
	uint64_t t = UK_FOREVER;
	int i;

	if (n->announced > 0 && n->announced < ARP_ANNOUNCE)
		t = n->announce_at;
	for (i = 0; i < NET_ARP_NENT; i++)
		if (n->arp[i].state != ARP_FREE && n->arp[i].expire < t)
			t = n->arp[i].expire;
	return t;
}
