/* ether.c -- Ethernet II header parse and build */
#include "net.h"

int
eth_parse(const uint8_t *f, size_t len, struct eth_hdr *h)
{
	if (len < ETH_HLEN)
		return -1;
	memcpy(h->dst, f, 6);
	memcpy(h->src, f + 6, 6);
	h->type = get16(f + 12);
	return 0;
}

void
eth_build(uint8_t *f, const uint8_t dst[6], const uint8_t src[6],
    uint16_t type)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	put16(f + 12, type);
}
