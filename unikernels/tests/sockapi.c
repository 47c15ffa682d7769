/* sockapi.c -- test unikernel: uk.h's TCP and UDP calls on unix-sock */
#include "uk.h"

/*
 * Proves the socket calls the apps do not use, against itself on its own
 * address (unix-sock only: the libOS stack does not loop back): UDP
 * datagrams between two ports with the sender's port and truncation
 * right; an active open that is called back established, a ping-pong
 * with the accepted side, end of stream after the peer's close; a
 * connect to a closed port reported as -UK_ECONNREFUSED to the
 * callback; the limits and errors uk.h promises.  Expects jitsu.ip=.
 * Prints SUCCESS or FAILURE.
 */

#define UDP_A	   5000
#define UDP_B	   5001
#define TCP_PORT   7000
#define TCP_CLOSED 7001
#define NDGRAM	   3

static int failures;
static uint32_t me;

#define CHECK(cond, ...)                                         \
	do {                                                     \
		if (!(cond)) {                                   \
			printf("sockapi: FAILED: " __VA_ARGS__); \
			printf("\n");                            \
			failures++;                              \
		}                                                \
	} while (0)

/* UDP: B receives what A sent. */
static int dgrams;

static void
udp_b_ready(struct uk_udp *u, void *arg)
{
	char buf[16];
	uint32_t ip;
	uint16_t port;
	int n;

	(void)arg;
	while ((n = uk_udp_recvfrom(u, buf, sizeof(buf), &ip, &port)) >= 0) {
		CHECK(n == 2 && buf[0] == 'd' && buf[1] == '0' + dgrams,
		    "datagram %d: %d bytes", dgrams, n);
		CHECK(ip == me && port == UDP_A, "datagram from port %u",
		    (unsigned int)port);
		dgrams++;
	}
	CHECK(n == -UK_EAGAIN, "recvfrom ended with %d", n);
}

static void
check_udp(struct uk_udp **a, struct uk_udp **b)
{
	static const char big[1473];
	char d[2] = { 'd', '0' };
	struct uk_udp *x;
	int i;

	CHECK(uk_udp_bind(UDP_A, NULL, NULL, a) == 0, "bind A");
	CHECK(uk_udp_bind(UDP_B, udp_b_ready, NULL, b) == 0, "bind B");
	CHECK(uk_udp_bind(UDP_A, NULL, NULL, &x) == -UK_EADDRINUSE,
	    "a second bind of A");
	CHECK(uk_udp_sendto(*a, big, sizeof(big), me, UDP_B) == -UK_EMSGSIZE,
	    "1473 bytes in one datagram");
	for (i = 0; i < NDGRAM; i++) {
		d[1] = (char)('0' + i);
		CHECK(uk_udp_sendto(*a, d, 2, me, UDP_B) == 0, "sendto %d", i);
	}
}

/* TCP: the client pings, the accepted side pongs and closes. */
static struct uk_tcp *client, *server, *refused;
static int pongs, eofs, refusals, established;

static void
server_event(struct uk_tcp *c, int events, void *arg)
{
	char buf[8];
	long n;

	(void)events;
	(void)arg;
	if (server == NULL)
		return;
	n = uk_tcp_read(c, buf, sizeof(buf));
	if (n == -UK_EAGAIN)
		return;
	CHECK(n == 4 && memcmp(buf, "ping", 4) == 0, "server read %ld", n);
	CHECK(uk_tcp_write(c, "pong", 4) == 4, "server write");
	uk_tcp_close(c);
	server = NULL;
}

static void
server_accept(struct uk_tcp_listener *l, void *arg)
{
	struct uk_tcp *c;
	uint32_t ip;
	uint16_t port;

	(void)arg;
	while ((c = uk_tcp_accept(l, server_event, NULL)) != NULL) {
		uk_tcp_peer(c, &ip, &port);
		CHECK(ip == me && port != 0, "accepted peer");
		server = c;
	}
}

static void
client_event(struct uk_tcp *c, int events, void *arg)
{
	char buf[8];
	long n;

	(void)arg;
	if (!established && (events & UK_NET_WRITE)) {
		established = 1;
		CHECK(uk_tcp_write(c, "ping", 4) == 4, "client write");
	}
	while ((n = uk_tcp_read(c, buf, sizeof(buf))) > 0) {
		CHECK(n == 4 && memcmp(buf, "pong", 4) == 0, "client read");
		pongs++;
	}
	if (n == 0 && !eofs) {
		eofs++;
		CHECK(uk_tcp_write(c, "x", 1) >= 0,
		    "write after the peer's "
		    "FIN (half-close allows it)");
	}
}

static void
refused_event(struct uk_tcp *c, int events, void *arg)
{
	long n = uk_tcp_read(c, NULL, 0);

	(void)arg;
	if (refusals > 0)
		return; /* the error stays; once is enough */
	CHECK(events & UK_NET_READ, "refusal reported without UK_NET_READ");
	CHECK(n == -UK_ECONNREFUSED, "read after refusal: %ld", n);
	refusals++;
}

static void
check_limits(void)
{
	struct uk_tcp_listener *l[4];
	struct uk_netinfo ni;
	int i;

	CHECK(uk_net_open(&ni) == -UK_ENOSYS, "uk_net_open");
	CHECK(uk_tcp_listen(TCP_PORT, 8, server_accept, NULL, &l[0]) ==
		-UK_EADDRINUSE,
	    "a second listen on the port");
	for (i = 1; i < 4; i++)
		CHECK(uk_tcp_listen((uint16_t)(8000 + i), 8, NULL, NULL,
			  &l[i]) == 0,
		    "listener %d", i);
	CHECK(uk_tcp_listen(8004, 8, NULL, NULL, &l[0]) == -UK_ENOSPC,
	    "a fifth listener");
	for (i = 1; i < 4; i++)
		uk_tcp_unlisten(l[i]);
}

static int
done(void)
{
	return dgrams == NDGRAM && pongs == 1 && eofs == 1 && refusals == 1;
}

int
uk_main(void)
{
	struct uk_tcp_listener *l;
	struct uk_udp *a, *b;
	struct uk_ipinfo ip;
	uint64_t deadline = uk_now() + UK_SEC(10);

	if (uk_ip_up(&ip) != 0) {
		printf("sockapi: FAILED: uk_ip_up\nFAILURE\n");
		return 1;
	}
	me = ip.ip;
	CHECK(uk_tcp_listen(TCP_PORT, 8, server_accept, NULL, &l) == 0,
	    "listen");
	check_limits();
	check_udp(&a, &b);
	CHECK(uk_tcp_connect(me, TCP_PORT, client_event, NULL, &client) == 0,
	    "connect");
	CHECK(uk_tcp_connect(me, TCP_CLOSED, refused_event, NULL, &refused) ==
		0,
	    "connect to a closed port");
	while (!done() && uk_now() < deadline)
		uk_poll(deadline);
	CHECK(done(),
	    "after 10 s: %d datagrams, %d pongs, %d EOFs, "
	    "%d refusals",
	    dgrams, pongs, eofs, refusals);
	uk_tcp_close(client);
	uk_tcp_close(refused);
	uk_udp_close(a);
	uk_udp_close(b);
	uk_tcp_unlisten(l);
	printf(failures == 0 ? "SUCCESS\n" : "FAILURE\n");
	return failures != 0;
}
