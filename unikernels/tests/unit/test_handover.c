/* test_handover.c -- the guest side of a Synjitsu hand-over, end to end */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "net.h"
#include "synrec.h"
#include "fake_xs.h"

/*
 * Everything the unikernel runs -- uk_ip_up, uk_tcp_listen, uk_ready,
 * uk_poll, the stack, synjitsu.c -- over a fake platform: the NIC is two
 * frame queues, XenStore is fake_xs.h (the test writes jitsud's part),
 * the clock only moves when uk_poll() waits.  (The unix-TAP platform's
 * xs.c cannot stand in here: it has no watches and nothing outside the
 * process can write to it.)  stack.c keeps one stack per process, so
 * this is one scenario, step by step.
 */

#define OUR_IP	0x0a580002u
#define PEER_IP 0x0a580001u
#define NFRAMES 16

static const uint8_t our_mac[6] = { 2, 0, 0, 0, 0, 2 };
static const uint8_t peer_mac[6] = { 2, 0, 0, 0, 0, 1 };
static const uint8_t bcast[6] = { 255, 255, 255, 255, 255, 255 };

static uint64_t now = UK_SEC(5);
static char log_buf[4096];
static size_t log_len;
static uint8_t rx[NFRAMES][NET_FRAME], tx[NFRAMES][NET_FRAME];
static size_t rxlen[NFRAMES], txlen[NFRAMES];
static int nrx, rxhead, ntx;

/* The application: accepts, and reads whatever comes. */
static struct uk_tcp *app_conn;
static char app_buf[256];
static size_t app_len;
static int app_eof;

/* ---------------------------------------------------------------------
 * The platform
 */

const char *
plat_cmdline(void)
{
	return "jitsu.ip=10.88.0.2/24 jitsu.name=handover";
}

int
plat_dispatch(void)
{
	return fxs_fire();
}

void
plat_wait(uint64_t deadline)
{
	now = deadline;
}

uint64_t
uk_now(void)
{
	return now;
}

void
uk_console_write(const char *buf, size_t len)
{
	size_t n = len < sizeof(log_buf) - 1 - log_len ?
	    len :
	    sizeof(log_buf) - 1 - log_len;

	memcpy(log_buf + log_len, buf, n);
	log_len += n;
	log_buf[log_len] = '\0';
}

int
uk_net_open(struct uk_netinfo *info)
{
	memcpy(info->mac, our_mac, 6);
	return 0;
}

int
uk_net_send(const void *frame, size_t len)
{
	assert_true(ntx < NFRAMES);
	memcpy(tx[ntx], frame, len);
	txlen[ntx++] = len;
	return 0;
}

int
uk_net_recv(void *buf, size_t size)
{
	size_t len;

	if (rxhead == nrx)
		return -UK_EAGAIN;
	len = rxlen[rxhead];
	assert_true(len <= size);
	memcpy(buf, rx[rxhead++], len);
	return (int)len;
}

static int
logged(const char *needle)
{
	size_t i, n = strlen(needle);

	for (i = 0; i + n <= log_len; i++)
		if (strncmp(log_buf + i, needle, n) == 0)
			return 1;
	return 0;
}

/* Turns the event loop until nothing is left to do now. */
static void
turn(void)
{
	int i;

	for (i = 0; i < 16 && uk_poll(now) > 0; i++)
		;
}

/* ---------------------------------------------------------------------
 * The client's frames, and what we make of ours
 */

static uint8_t *
rx_slot(size_t len)
{
	assert_true(nrx < NFRAMES);
	rxlen[nrx] = len;
	return rx[nrx++];
}

static void
client_arp_who_has_us(void)
{
	struct arp_pkt a = { .op = ARP_REQUEST, .spa = PEER_IP, .tpa = OUR_IP };
	uint8_t *f = rx_slot(ETH_HLEN + ARP_LEN);

	memcpy(a.sha, peer_mac, 6);
	eth_build(f, bcast, peer_mac, ETH_ARP);
	arp_build(f + ETH_HLEN, &a);
}

static void
client_tcp(uint16_t sport, uint8_t flags, uint32_t seq, uint32_t ack,
    const char *data)
{
	struct tcp_seg s = { .sport = sport,
		.dport = 80,
		.seq = seq,
		.ack = ack,
		.flags = flags,
		.wnd = 64000,
		.wscale = -1 };
	size_t hlen, len;
	uint8_t *f, *ip;

	s.dlen = data != NULL ? strlen(data) : 0;
	hlen = tcp_hdr_len(&s);
	len = IP_PAYLOAD + hlen + s.dlen;
	f = rx_slot(len);
	ip = f + ETH_HLEN;
	eth_build(f, our_mac, peer_mac, ETH_IPV4);
	memset(ip, 0, 20);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(len - ETH_HLEN));
	ip[8] = 64;
	ip[9] = IP_TCP;
	put32(ip + 12, PEER_IP);
	put32(ip + 16, OUR_IP);
	put16(ip + 10, ip_fold(ip_sum(ip, 20, 0)));
	memcpy(f + IP_PAYLOAD + hlen, data, s.dlen);
	tcp_build(f + IP_PAYLOAD, &s, PEER_IP, OUR_IP);
}

static void
sent_tcp(int i, struct tcp_seg *s)
{
	struct ip_hdr ip;

	assert_true(i < ntx);
	assert_int_equal(get16(tx[i] + 12), ETH_IPV4);
	assert_int_equal(ip_parse(tx[i] + ETH_HLEN, txlen[i] - ETH_HLEN, &ip),
	    0);
	assert_int_equal(tcp_parse(tx[i] + ETH_HLEN + ip.hlen,
			     ip.total - ip.hlen, ip.src, ip.dst, s),
	    0);
}

/* jitsud's record of client port sport, "GET / HTTP/1.1\r\n" so far. */
static void
jitsud_record(int i, uint16_t sport, uint16_t lport, struct synrec *r)
{
	static const char req[] = "GET / HTTP/1.1\r\n";
	static char line[SYNREC_LINE_MAX];
	char path[64];

	memset(r, 0, sizeof(*r));
	r->peer_ip = PEER_IP;
	r->peer_port = sport;
	r->local_ip = OUR_IP;
	r->local_port = lport;
	r->irs = 5000;
	r->iss = 90000;
	r->snd_nxt = 90001;
	r->datalen = sizeof(req) - 1;
	memcpy(r->data, req, r->datalen);
	r->rcv_nxt = r->irs + 1 + (uint32_t)r->datalen;
	r->mss = 1460;
	r->peer_wscale = -1;
	r->wscale = 0;
	r->peer_wnd = 64000;
	assert_true(synrec_encode(r, line, sizeof(line)) > 0);
	snprintf(path, sizeof(path), "data/synjitsu/conn/%d", i);
	fxs_set(path, line);
}

static void
app_read(struct uk_tcp *c, int events, void *arg)
{
	long n;

	(void)events;
	(void)arg;
	while ((n = uk_tcp_read(c, app_buf + app_len,
		    sizeof(app_buf) - 1 - app_len)) > 0)
		app_len += (size_t)n;
	app_buf[app_len] = '\0';
	app_eof |= n == 0;
}

static void
app_accept(struct uk_tcp_listener *l, void *arg)
{
	struct uk_tcp *c;

	(void)arg;
	while ((c = uk_tcp_accept(l, app_read, NULL)) != NULL) {
		assert_null(app_conn);
		app_conn = c;
		/* The client first, then jitsud's bookkeeping. */
		assert_null(fxs_get("data/synjitsu/adopted"));
		assert_null(fxs_get("data/status"));
	}
}

/* ---------------------------------------------------------------------
 * The scenario
 */

/* Boot with data/synjitsu there: not one frame leaves the guest. */
static void
boot_quiet(struct uk_tcp_listener **l)
{
	struct uk_ipinfo info;

	fxs_reset();
	fxs_set("data/synjitsu", "");
	assert_int_equal(uk_ip_up(&info), 0);
	assert_int_equal(info.ip, OUR_IP);
	/* Asked as it boots, before the NIC was opened. */
	assert_string_equal(fxs_get("data/synjitsu/ready"), "1");
	assert_int_equal(uk_tcp_listen(80, 16, app_accept, NULL, l), 0);
	assert_true(logged("synjitsu: jitsud holds connections"));
	/* Flooded to us by the bridge: jitsud's clients, and a new one. */
	client_arp_who_has_us();
	client_tcp(40000, TCP_ACK | TCP_PSH, 5017, 90001, "Host: a\r\n");
	client_tcp(40009, TCP_SYN, 777, 0, NULL);
	client_tcp(40008, TCP_ACK, 1, 1, NULL);
	turn();
	now += UK_SEC(1);
	turn();
	assert_int_equal(ntx, 0);
	assert_null(app_conn);
}

/* jitsud answers the ask while the guest still boots. */
static void
records_while_booting(void)
{
	struct synrec r0, r1;

	/* One good record, one for a closed port. */
	jitsud_record(0, 40000, 80, &r0);
	jitsud_record(1, 40001, 81, &r1);
	fxs_set("data/synjitsu/count", "2");
	turn();
	/* Not read, not adopted: the application has not said it is
	 * ready, and the NIC's handshake is not to be slowed. */
	assert_int_equal(ntx, 0);
	assert_null(app_conn);
	assert_null(fxs_get("data/synjitsu/adopted"));
	assert_null(fxs_get("data/status"));
}

static void
ready_and_adopt(void)
{
	struct arp_pkt a;
	struct tcp_seg s;
	int reads = fxs_nreads;

	assert_int_equal(uk_ready(), 0);
	/* count and the two records (count with conn/0), and no other
	 * round trip between uk_ready() and the clients. */
	assert_int_equal(fxs_nreads - reads, 3);
	assert_int_equal(fxs_nreadbatches, 1);
	assert_int_equal(fxs_nwatches(), 0);
	assert_null(fxs_get("data/status"));
	turn();
	assert_string_equal(fxs_get("data/status"), "ready");
	assert_string_equal(fxs_get("data/synjitsu/adopted"), "1");
	assert_true(logged("data/synjitsu/conn/1 not adopted"));
	/* The gratuitous ARP, now and only now, before anything else. */
	assert_true(ntx >= 1);
	assert_memory_equal(tx[0], bcast, 6);
	assert_int_equal(get16(tx[0] + 12), ETH_ARP);
	assert_int_equal(arp_parse(tx[0] + ETH_HLEN, ARP_LEN, &a), 0);
	assert_int_equal(a.spa, OUR_IP);
	assert_int_equal(a.tpa, OUR_IP);
	/* Accepted, and the bytes jitsud acknowledged are there. */
	assert_non_null(app_conn);
	assert_string_equal(app_buf, "GET / HTTP/1.1\r\n");
	/* Reading them opened our window: an update, at jitsud's ACK. */
	assert_int_equal(ntx, 2);
	sent_tcp(1, &s);
	assert_int_equal(s.flags, TCP_ACK);
	assert_int_equal(s.seq, 90001);
	assert_int_equal(s.ack, 5017);
	assert_int_equal(s.wnd, NET_TCP_RCVBUF);
}

static void
stream_goes_on(void)
{
	struct tcp_seg s;

	/* The client's next segment, where jitsud's ACK left it. */
	client_tcp(40000, TCP_ACK | TCP_PSH, 5017, 90001, "Host: a\r\n\r\n");
	turn();
	assert_string_equal(app_buf, "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
	assert_int_equal(ntx, 3);
	sent_tcp(2, &s);
	assert_int_equal(s.flags, TCP_ACK);
	assert_int_equal(s.seq, 90001);
	assert_int_equal(s.ack, 5017 + 11);
	assert_memory_equal(tx[2], peer_mac, 6); /* learned when quiet */
	assert_int_equal(uk_tcp_write(app_conn, "HTTP/1.1 200 OK\r\n", 17), 17);
	turn();
	sent_tcp(ntx - 1, &s);
	assert_int_equal(s.seq, 90001);
	assert_int_equal(s.dlen, 17);
	/* The quiet is over: a segment of no connection gets its RST. */
	client_tcp(40008, TCP_ACK, 1, 1, NULL);
	turn();
	sent_tcp(ntx - 1, &s);
	assert_int_equal(s.flags, TCP_RST);
	assert_false(app_eof);
}

static void
test_boot_quiet_adopt_announce_and_serve(void **state)
{
	struct uk_tcp_listener *l;

	(void)state;
	boot_quiet(&l);
	records_while_booting();
	ready_and_adopt();
	stream_goes_on();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_boot_quiet_adopt_announce_and_serve),
	};

	return cmocka_run_group_tests_name("handover", tests, NULL, NULL);
}
