/* net.c -- the stack instance: set-up, frame demultiplexing, timers */
#include "net.h"

static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

void
net_init(struct net *n, const uint8_t mac[6], uint32_t ip, uint32_t mask,
    uint32_t gw, net_output_fn *out, uint32_t seed)
{
	memset(n, 0, sizeof(*n));
	memcpy(n->mac, mac, 6);
	n->ip = ip;
	n->mask = mask;
	n->gw = gw;
	n->output = out;
	/* Cheap whitening of the seed; the ISN hash does the real mixing. */
	n->secret[0] = seed ^ 0x9e3779b9u;
	n->secret[1] = seed * 0x85ebca6bu + 1;
	n->secret[2] = (seed << 13 | seed >> 19) ^ 0xc2b2ae35u;
	n->secret[3] = ~seed;
	n->next_port = (uint16_t)(49152 + seed % 16384);
}

int
net_send(struct net *n, const uint8_t *f, size_t len)
{
	int rc = n->output(n, f, len);

	if (rc == 0)
		n->stats.tx++;
	else {
		n->stats.tx_drop++;
		if (rc == -UK_EAGAIN)
			n->tx_blocked = 1;
	}
	return rc;
}

/* Frames for us: our MAC or broadcast (ARP requests). */
static int
for_us(const struct net *n, const struct eth_hdr *h)
{
	return memcmp(h->dst, n->mac, 6) == 0 || memcmp(h->dst, bcast, 6) == 0;
}

void
net_input(struct net *n, const uint8_t *f, size_t len, uint64_t now)
{
	struct eth_hdr h;

	n->stats.rx++;
	if (eth_parse(f, len, &h) != 0 || !for_us(n, &h)) {
		n->stats.rx_drop++;
		return;
	}
	if (h.type == ETH_ARP)
		arp_input(n, f + ETH_HLEN, len - ETH_HLEN, now);
	else if (h.type == ETH_IPV4)
		ip_input(n, f + ETH_HLEN, len - ETH_HLEN, now);
	else
		n->stats.rx_drop++;
}

void
net_tick(struct net *n, uint64_t now)
{
	arp_tick(n, now);
	tcp_tick(n, now);
}

uint64_t
net_next(const struct net *n)
{
	uint64_t a = arp_next(n), t = tcp_next(n);

	return a < t ? a : t;
}
