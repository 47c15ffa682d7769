/* fuzz_net.c -- the libOS stack's input: Ethernet, ARP, IPv4, ICMP, UDP, TCP */
#include <stdlib.h>

#include "fuzz.h"
#include "fuzz_frame.h"
#include "net.h"

/*
 * One stack (10.88.0.2/24, gateway 10.88.0.1, whose MAC it knows) with
 * a TCP listener on port 80 and a UDP socket on 53, as an app sets it
 * up, driven by a script from the input:
 *
 *	op & 7 < 4	a frame: len:2, then len % 1600 bytes; op & 7
 *			of 2 or 3: its TCP sequence and ack numbers
 *			follow the stack's last segment; op & 8: its
 *			checksums fixed (fuzz_frame.h)
 *	op & 7 == 4	net_tick
 *	op & 7 == 5	the app: accept, read all, write back, on each
 *	op & 7 == 6	the app: close the oldest connection; echo UDP
 *	op & 7 == 7	the app: connect to the peer's port op >> 4
 *
 * and op >> 4 advances the clock by that many 100 ms.  Every frame the
 * stack sends must be a whole Ethernet frame from its own MAC.  The
 * stack has no heap: an overflow of any table shows as an ASan report
 * inside struct net.
 */

#define OUR_IP	0x0a580002u
#define PEER_IP 0x0a580001u
#define NAPP	8

static const uint8_t	    our_mac[6] = { 2, 0, 0, 0, 0, 2 };
static const uint8_t	    peer_mac[6] = { 2, 0, 0, 0, 0, 1 };
static struct fuzz_tcp_next next; /* after the stack's last segment */

struct fuzz_app {
	struct tcp_listener *l;
	struct udp_sock	    *u;
	struct tcp_conn	    *c[NAPP];
	int		     nc;
};

static int
fuzz_net_out(struct net *n, const uint8_t *f, size_t len)
{
	(void)n;
	FUZZ_CHECK(len >= ETH_HLEN && len <= NET_FRAME);
	FUZZ_CHECK(memcmp(f + 6, our_mac, 6) == 0);
	fuzz_frame_seen(&next, f, len);
	return 0;
}

static void
fuzz_net_learn(struct net *n)
{
	struct arp_pkt a = { .op = ARP_REPLY, .spa = PEER_IP, .tpa = OUR_IP };
	uint8_t	       p[ARP_LEN];

	memcpy(a.sha, peer_mac, 6);
	memcpy(a.tha, our_mac, 6);
	arp_build(p, &a);
	arp_input(n, p, ARP_LEN, 0);
}

static void
fuzz_net_serve(struct net *n, struct fuzz_app *app, uint64_t now)
{
	static uint8_t	 buf[4096];
	struct tcp_conn *c;
	long		 r;
	int		 i;

	while (app->nc < NAPP && (c = tcp_accept(n, app->l)) != NULL)
		app->c[app->nc++] = c;
	for (i = 0; i < app->nc; i++) {
		c = app->c[i];
		while ((r = tcp_read(n, c, buf, sizeof(buf), now)) > 0)
			FUZZ_CHECK(tcp_write(n, c, buf, (size_t)r, now) <= r);
	}
}

static void
fuzz_net_close(struct net *n, struct fuzz_app *app, uint64_t now)
{
	static uint8_t buf[NET_MTU];
	uint32_t       ip;
	uint16_t       port;
	int	       r, i;

	if (app->nc > 0) {
		tcp_close(n, app->c[0], now);
		for (i = 1; i < app->nc; i++)
			app->c[i - 1] = app->c[i];
		app->nc--;
	}
	while ((r = udp_recvfrom(app->u, buf, sizeof(buf), &ip, &port)) >= 0)
		udp_sendto(n, app->u, buf, (size_t)r, ip, port, now);
}

static void
fuzz_net_frame(struct net *n, struct fuzz_in *in, uint8_t op, uint64_t now)
{
	const uint8_t *p;
	uint8_t	      *f;
	size_t	       len;

	len = fuzz_take(in, &p, fuzz_u16(in) % FUZZ_FRAME_MAX);
	/* An exact-size copy: ASan sees any read past its end. */
	if ((f = malloc(len ? len : 1)) == NULL)
		return;
	memcpy(f, p, len);
	if ((op & 7) >= 2)
		fuzz_frame_follow(&next, f, len);
	if (op & 8)
		fuzz_frame_fix(f, len);
	net_input(n, f, len, now);
	free(f);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct net n;
	struct fuzz_app	  app = { 0 };
	struct fuzz_in	  in = { data, size };
	uint64_t	  now = UK_SEC(1);
	struct tcp_conn	 *c;
	uint8_t		  op;

	memset(&next, 0, sizeof(next));
	net_init(&n, our_mac, OUR_IP, 0xffffff00u, PEER_IP, fuzz_net_out, 7);
	fuzz_net_learn(&n);
	app.l = tcp_listen(&n, 80, 8);
	app.u = udp_bind(&n, 53);
	FUZZ_CHECK(app.l != NULL && app.u != NULL);
	while (in.left > 0) {
		op = fuzz_byte(&in);
		now += (uint64_t)(op >> 4) * UK_MSEC(100);
		switch (op & 7) {
		case 4:
			net_tick(&n, now);
			break;
		case 5:
			fuzz_net_serve(&n, &app, now);
			break;
		case 6:
			fuzz_net_close(&n, &app, now);
			break;
		case 7:
			c = tcp_connect(&n, PEER_IP, (uint16_t)(op >> 4) + 1,
			    now);
			if (c != NULL && app.nc < NAPP)
				app.c[app.nc++] = c;
			break;
		default:
			fuzz_net_frame(&n, &in, op, now);
		}
	}
	return 0;
}
