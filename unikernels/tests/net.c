/* net.c -- test unikernel: netfront up, gratuitous ARP, ARP round trip */
#include "uk.h"

/*
 * Proves both directions of the NIC with the smallest real protocol:
 * announces ip= with a gratuitous ARP, then asks who has peer= and
 * waits for the reply.  Expects `ip=A.B.C.D peer=A.B.C.D` on the command
 * line.  The frames are built here: the libOS has no ARP module yet.
 */

#define ETH_ARP	    0x0806
#define ARP_REQUEST 1
#define ARP_REPLY   2
#define FRAME_LEN   42 /* 14 Ethernet + 28 ARP */

static uint8_t my_mac[6];

static int
parse_ip(const char *s, uint8_t ip[4])
{
	unsigned long v;
	char *end;
	int i;

	for (i = 0; i < 4; i++) {
		v = strtoul(s, &end, 10);
		if (end == s || v > 255 || *end != (i < 3 ? '.' : '\0'))
			return -1;
		ip[i] = (uint8_t)v;
		s = end + 1;
	}
	return 0;
}

static int
ip_arg(const char *key, uint8_t ip[4])
{
	char buf[20];

	return uk_cmdline_get(key, buf, sizeof(buf)) > 0 ? parse_ip(buf, ip) :
							   -1;
}

/* An ARP request from us for target (spa == tpa: gratuitous). */
static void
arp_request(uint8_t *f, const uint8_t spa[4], const uint8_t tpa[4])
{
	static const uint8_t hdr[8] = { 0, 1, 8, 0, 6, 4, 0, ARP_REQUEST };

	memset(f, 0xff, 6);
	memcpy(f + 6, my_mac, 6);
	f[12] = ETH_ARP >> 8;
	f[13] = ETH_ARP & 0xff;
	memcpy(f + 14, hdr, sizeof(hdr));
	memcpy(f + 22, my_mac, 6);
	memcpy(f + 28, spa, 4);
	memset(f + 32, 0, 6);
	memcpy(f + 38, tpa, 4);
}

/* Non-zero if f is an ARP reply from peer to us; copies peer's MAC. */
static int
is_reply_from(const uint8_t *f, int len, const uint8_t peer[4], uint8_t mac[6])
{
	if (len < FRAME_LEN || f[12] != (ETH_ARP >> 8) ||
	    f[13] != (ETH_ARP & 0xff) || f[21] != ARP_REPLY ||
	    memcmp(f + 28, peer, 4) != 0 || memcmp(f, my_mac, 6) != 0)
		return 0;
	memcpy(mac, f + 22, 6);
	return 1;
}

static int
wait_reply(const uint8_t peer[4], uint8_t mac[6], uint64_t deadline)
{
	uint8_t f[UK_NET_MTU_FRAME];
	int n, seen = 0;

	while (uk_now() < deadline) {
		uk_poll(deadline);
		while ((n = uk_net_recv(f, sizeof(f))) != -UK_EAGAIN) {
			seen++;
			if (n > 0 && is_reply_from(f, n, peer, mac)) {
				printf("net: %d frames received\n", seen);
				return 0;
			}
		}
	}
	printf("net: %d frames received, no ARP reply\n", seen);
	return -1;
}

int
uk_main(void)
{
	struct uk_netinfo ni;
	uint8_t f[FRAME_LEN], ip[4], peer[4], mac[6];
	uint64_t t0 = uk_now();
	int rc;

	if (ip_arg("ip", ip) != 0 || ip_arg("peer", peer) != 0) {
		printf(
		    "net: need ip= and peer= on the command line\nFAILURE\n");
		return 1;
	}
	if ((rc = uk_net_open(&ni)) != 0) {
		printf("net: uk_net_open: error %d\nFAILURE\n", rc);
		return 1;
	}
	memcpy(my_mac, ni.mac, 6);
	printf("net: vif up in %lu ms, mac %02x:%02x:%02x:%02x:%02x:%02x\n",
	    (unsigned long)((uk_now() - t0) / 1000000), ni.mac[0], ni.mac[1],
	    ni.mac[2], ni.mac[3], ni.mac[4], ni.mac[5]);
	arp_request(f, ip, ip);
	if ((rc = uk_net_send(f, sizeof(f))) != 0) {
		printf("net: gratuitous ARP: error %d\nFAILURE\n", rc);
		return 1;
	}
	printf("net: gratuitous ARP sent for %u.%u.%u.%u\n", ip[0], ip[1],
	    ip[2], ip[3]);
	arp_request(f, ip, peer);
	t0 = uk_now();
	if ((rc = uk_net_send(f, sizeof(f))) != 0 ||
	    wait_reply(peer, mac, t0 + UK_SEC(5)) != 0) {
		printf("net: ARP for the peer: error %d\nFAILURE\n", rc);
		return 1;
	}
	printf("net: %u.%u.%u.%u is at %02x:%02x:%02x:%02x:%02x:%02x "
	       "(%lu us)\n",
	    peer[0], peer[1], peer[2], peer[3], mac[0], mac[1], mac[2], mac[3],
	    mac[4], mac[5], (unsigned long)((uk_now() - t0) / 1000));
	printf("SUCCESS\n");
	return 0;
}
