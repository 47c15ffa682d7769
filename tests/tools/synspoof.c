/* synspoof.c -- an on-link host forging a SYN in another host's name */
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/*
 * synspoof IFNAME DST-MAC SRC-IP DST-IP PORT MS
 *
 * Sends, from IFNAME's own MAC, one TCP SYN to DST-IP:PORT at DST-MAC
 * whose IPv4 source is SRC-IP (someone else's address), then watches
 * IFNAME for MS milliseconds for a SYN-ACK sent to its own MAC: what an
 * attacker needs to learn the server's initial sequence number and
 * complete the handshake in SRC-IP's name.  Synjitsu must never send
 * it one (synjitsu(7), "Whom jitsud answers").
 *
 * Prints one line, "synack seq=N" or "no synack in MS ms", and exits 1
 * if a SYN-ACK came, 0 if none did, 2 on a usage or system error.  The
 * frame is built here by hand: only a packet socket can forge a source.
 */

#define SPOOF_SPORT 40666
#define SPOOF_ISN   0x5f00f00dU

static int
parse_mac(const char *s, uint8_t m[6])
{
	unsigned int b[6];
	int	     i;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4],
		&b[5]) != 6)
		return -1;
	for (i = 0; i < 6; i++) {
		if (b[i] > 0xff)
			return -1;
		m[i] = (uint8_t)b[i];
	}
	return 0;
}

static uint32_t
sum16(const uint8_t *p, size_t len, uint32_t sum)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)(p[len - 1] << 8);
	return sum;
}

static uint16_t
fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
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
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* Ethernet, IPv4, TCP SYN with an MSS option: 14 + 20 + 24 bytes. */
static size_t
build_syn(uint8_t *f, const uint8_t *dmac, const uint8_t *smac,
    struct in_addr src, struct in_addr dst, uint16_t dport)
{
	uint8_t *ip = f + 14, *t = f + 34, pseudo[12];

	memset(f, 0, 58);
	memcpy(f, dmac, 6);
	memcpy(f + 6, smac, 6);
	put16(f + 12, ETH_P_IP);
	ip[0] = 0x45;
	put16(ip + 2, 20 + 24);
	put16(ip + 6, 0x4000);
	ip[8] = 64;
	ip[9] = IPPROTO_TCP;
	memcpy(ip + 12, &src, 4);
	memcpy(ip + 16, &dst, 4);
	put16(ip + 10, fold(sum16(ip, 20, 0)));
	put16(t, SPOOF_SPORT);
	put16(t + 2, dport);
	put32(t + 4, SPOOF_ISN);
	t[12] = 6 << 4; /* 24 bytes */
	t[13] = 0x02;	/* SYN */
	put16(t + 14, 64240);
	t[20] = 2; /* MSS 1460 */
	t[21] = 4;
	put16(t + 22, 1460);
	memcpy(pseudo, &src, 4);
	memcpy(pseudo + 4, &dst, 4);
	pseudo[8] = 0;
	pseudo[9] = IPPROTO_TCP;
	put16(pseudo + 10, 24);
	put16(t + 16, fold(sum16(t, 24, sum16(pseudo, 12, 0))));
	return 58;
}

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A SYN-ACK to our MAC for the forged connection: its seq, or -1. */
static long
synack_seq(const uint8_t *f, ssize_t n, const uint8_t *mac, struct in_addr src,
    uint16_t dport)
{
	const uint8_t *ip = f + 14, *t;
	size_t	       ihl;

	if (n < 14 + 20 + 20 || memcmp(f, mac, 6) != 0 ||
	    (f[12] << 8 | f[13]) != ETH_P_IP || ip[9] != IPPROTO_TCP ||
	    memcmp(ip + 16, &src, 4) != 0)
		return -1;
	ihl = (size_t)(ip[0] & 0x0f) * 4;
	if (ihl < 20 || (size_t)n < 14 + ihl + 20)
		return -1;
	t = ip + ihl;
	if ((t[0] << 8 | t[1]) != dport || (t[2] << 8 | t[3]) != SPOOF_SPORT ||
	    (t[13] & 0x12) != 0x12)
		return -1;
	return (long)get32(t + 4);
}

int
main(int argc, char *argv[])
{
	struct sockaddr_ll sll;
	struct ifreq	   ifr;
	struct in_addr	   src, dst;
	struct pollfd	   pfd;
	uint8_t		   dmac[6], mac[6], f[2048];
	long		   deadline, left, seq;
	ssize_t		   n;
	size_t		   len;
	int		   fd, port, ms;

	if (argc != 7 || parse_mac(argv[2], dmac) == -1 ||
	    inet_pton(AF_INET, argv[3], &src) != 1 ||
	    inet_pton(AF_INET, argv[4], &dst) != 1 ||
	    (port = atoi(argv[5])) <= 0 || port > 65535 ||
	    (ms = atoi(argv[6])) <= 0) {
		fprintf(stderr,
		    "usage: synspoof IFNAME DST-MAC SRC-IP DST-IP "
		    "PORT MS\n");
		return 2;
	}
	if ((fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL))) == -1) {
		perror("synspoof: packet socket");
		return 2;
	}
	/* The hardware address and the index share ifr's union. */
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", argv[1]);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) == -1) {
		perror("synspoof: interface");
		return 2;
	}
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	if (ioctl(fd, SIOCGIFINDEX, &ifr) == -1) {
		perror("synspoof: interface");
		return 2;
	}
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = ifr.ifr_ifindex;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) == -1) {
		perror("synspoof: bind");
		return 2;
	}
	len = build_syn(f, dmac, mac, src, dst, (uint16_t)port);
	if (send(fd, f, len, 0) != (ssize_t)len) {
		perror("synspoof: send");
		return 2;
	}
	pfd.fd = fd;
	pfd.events = POLLIN;
	deadline = now_ms() + ms;
	while ((left = deadline - now_ms()) > 0) {
		if (poll(&pfd, 1, (int)left) <= 0)
			continue;
		if ((n = recv(fd, f, sizeof(f), 0)) <= 0)
			continue;
		if ((seq = synack_seq(f, n, mac, src, (uint16_t)port)) >= 0) {
			printf("synack seq=%lu\n", (unsigned long)seq);
			return 1;
		}
	}
	printf("no synack in %d ms\n", ms);
	return 0;
}
