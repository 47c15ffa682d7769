/* arp.c -- ARP packet parse and build, Ethernet and IPv4 only */
#include "wire.h"

/* Hardware Ethernet (1), protocol IPv4, address lengths 6 and 4. */
static const uint8_t arp_hdr[6] = { 0, 1, 8, 0, 6, 4 };

static int
arp_is_ether_ipv4(const uint8_t *p)
{
	size_t i;

	for (i = 0; i < sizeof(arp_hdr); i++)
		if (p[i] != arp_hdr[i])
			return 0;
	return 1;
}

int
arp_parse(const uint8_t *p, size_t len, struct arp_pkt *a)
{
	if (len < ARP_LEN || !arp_is_ether_ipv4(p))
		return -1;
	a->op = get16(p + 6);
	if (a->op != ARP_REQUEST && a->op != ARP_REPLY)
		return -1;
	wire_copy(a->sha, p + 8, 6);
	a->spa = get32(p + 14);
	wire_copy(a->tha, p + 18, 6);
	a->tpa = get32(p + 24);
	return 0;
}

void
arp_build(uint8_t *p, const struct arp_pkt *a)
{
	wire_copy(p, arp_hdr, sizeof(arp_hdr));
	put16(p + 6, a->op);
	wire_copy(p + 8, a->sha, 6);
	put32(p + 14, a->spa);
	wire_copy(p + 18, a->tha, 6);
	put32(p + 24, a->tpa);
}
