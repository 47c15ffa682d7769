/* eth.c -- Ethernet II header parse and build */
#include "wire.h"

int
eth_parse(const uint8_t *f, size_t len, struct eth_hdr *h)
{
	if (len < ETH_HLEN)
		return -1;
	wire_copy(h->dst, f, 6);
	wire_copy(h->src, f + 6, 6);
	h->type = get16(f + 12);
	return 0;
}

void
eth_build(uint8_t *f, const uint8_t dst[6], const uint8_t src[6], uint16_t type)
{
	wire_copy(f, dst, 6);
	wire_copy(f + 6, src, 6);
	put16(f + 12, type);
}

int
eth_is_station(const uint8_t mac[6])
{
	int i;

	if (mac[0] & 1)
		return 0;
	for (i = 0; i < 6; i++)
		if (mac[i] != 0)
			return 1;
	return 0;
}
