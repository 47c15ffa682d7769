/* test_synjitsu.c -- synjitsu.c: frames in, frames out, hand-over records */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "synjitsu.h"

/*
 * Frames are built here from nothing, checksums included, by helpers
 * that share no code with synjitsu.c.  Every reply is parsed strictly
 * (each header field, both checksums), so a malformed reply fails the
 * test that provoked it, the fuzz loop included.  Every frame is fed
 * from an exact-size heap copy, so ASan sees any read past its end.
 */

#define VM_IP	  0x0a00000aU /* 10.0.0.10 */
#define CL_IP	  0x0a000002U /* 10.0.0.2 */
#define GW_IP	  0x0a000001U /* 10.0.0.1, the guest's gateway */
#define FAR_IP	  0xc0000207U /* 192.0.2.7, behind the gateway */
#define CL_PORT	  40000
#define IRS	  0xfffffc00U /* wraps once 1 KB is in */
#define FRAME_MAX 1600

#define F_FIN 0x01
#define F_SYN 0x02
#define F_RST 0x04
#define F_PSH 0x08
#define F_ACK 0x10

static const uint8_t  vm_mac[6] = { 0x00, 0x16, 0x3e, 0x00, 0x00, 0x0a };
static const uint8_t  cl_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };
static const uint8_t  gw_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
/* Another host on the bridge, forging other hosts' addresses. */
static const uint8_t  evil_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x66 };
static const uint8_t  bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint16_t ports[] = { 80, 443 };
static const uint8_t  secret[SYNJITSU_SECRET_LEN] = {
	 0x5e,
	 0xc7,
	 0x3e,
	 0x70,
	 0x01,
	 0x02,
	 0x03,
	 0x04,
	 0x05,
	 0x06,
	 0x07,
	 0x08,
	 0x09,
	 0x0a,
	 0x0b,
	 0x0c,
};
static const char req[] = "GET / HTTP/1.1\r\nHost: a.example\r\n\r\n";

static struct synjitsu_vm vm;
static uint8_t		  out[SYNJITSU_REPLY_MAX];
static size_t		  outlen;

/* --- bytes and checksums ---------------------------------------------- */

static void
w16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
w32(uint8_t *p, uint32_t v)
{
	w16(p, v >> 16);
	w16(p + 2, v);
}

static uint32_t
r16(const uint8_t *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

static uint32_t
r32(const uint8_t *p)
{
	return r16(p) << 16 | r16(p + 2);
}

/* RFC 1071, a byte at a time: 0 over a block whose checksum is right. */
static uint16_t
cksum(const uint8_t *p, size_t len, uint32_t sum)
{
	size_t i;

	for (i = 0; i < len; i++)
		sum += (i & 1) ? p[i] : (uint32_t)p[i] << 8;
	while (sum > 0xffff)
		sum = (sum >> 16) + (sum & 0xffff);
	return (uint16_t)~sum;
}

static uint32_t
pseudo(uint32_t src, uint32_t dst, size_t len)
{
	return (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + 6 +
	    (uint32_t)len;
}

/* --- building frames -------------------------------------------------- */

struct tseg {
	uint32_t       src;
	const uint8_t *hw; /* Ethernet source, cl_mac if NULL */
	uint16_t       sport, dport;
	uint32_t       seq, ack;
	uint8_t	       flags;
	uint16_t       wnd;
	int	       mss, wscale; /* -1: no such option */
	int	       sackok, ts;  /* options we must not echo */
	const void    *data;
	size_t	       dlen;
};

static struct tseg
seg(uint8_t flags, uint32_t seq, uint32_t ack)
{
	struct tseg s = { .src = CL_IP,
		.sport = CL_PORT,
		.dport = 80,
		.seq = seq,
		.ack = ack,
		.flags = flags,
		.wnd = 29200,
		.mss = -1,
		.wscale = -1 };

	return s;
}

static struct tseg
syn(uint16_t sport, uint32_t irs)
{
	struct tseg s = seg(F_SYN, irs, 0);

	s.sport = sport;
	s.mss = 1400;
	s.wscale = 7;
	return s;
}

static size_t
tcp_options(uint8_t *o, const struct tseg *s)
{
	size_t n = 0;

	if (s->mss >= 0) {
		o[n] = 2;
		o[n + 1] = 4;
		w16(o + n + 2, (uint32_t)s->mss);
		n += 4;
	}
	if (s->sackok) {
		o[n++] = 4;
		o[n++] = 2;
	}
	if (s->ts) {
		o[n] = 8;
		o[n + 1] = 10;
		w32(o + n + 2, 0x01020304);
		w32(o + n + 6, 0);
		n += 10;
	}
	if (s->wscale >= 0) {
		o[n++] = 1;
		o[n++] = 3;
		o[n++] = 3;
		o[n++] = (uint8_t)s->wscale;
	}
	while (n % 4 != 0)
		o[n++] = 0;
	return n;
}

static void
ip_header(uint8_t *ip, uint32_t src, uint8_t proto, size_t payload)
{
	ip[0] = 0x45;
	ip[1] = 0;
	w16(ip + 2, (uint32_t)(20 + payload));
	w16(ip + 4, 0x1234);
	w16(ip + 6, 0x4000);
	ip[8] = 64;
	ip[9] = proto;
	w16(ip + 10, 0);
	w32(ip + 12, src);
	w32(ip + 16, VM_IP);
	w16(ip + 10, cksum(ip, 20, 0));
}

/* A client's segment to the vm, as an Ethernet frame. */
static size_t
build_tcp(uint8_t *f, const struct tseg *s)
{
	uint8_t *t = f + 34;
	size_t	 hlen = 20 + tcp_options(t + 20, s);
	size_t	 tlen = hlen + s->dlen;

	memcpy(f, vm_mac, 6);
	memcpy(f + 6, s->hw != NULL ? s->hw : cl_mac, 6);
	w16(f + 12, 0x0800);
	w16(t, s->sport);
	w16(t + 2, s->dport);
	w32(t + 4, s->seq);
	w32(t + 8, s->ack);
	t[12] = (uint8_t)(hlen / 4 << 4);
	t[13] = s->flags;
	w16(t + 14, s->wnd);
	w32(t + 16, 0);
	if (s->dlen > 0)
		memcpy(t + hlen, s->data, s->dlen);
	w16(t + 16, cksum(t, tlen, pseudo(s->src, VM_IP, tlen)));
	ip_header(f + 14, s->src, 6, tlen);
	return 34 + tlen;
}

/* An ARP frame from the host at mac, saying it has spa. */
static size_t
build_arp_from(uint8_t *f, const uint8_t *mac, const uint8_t *edst, uint16_t op,
    uint32_t spa, uint32_t tpa)
{
	uint8_t *a = f + 14;

	memcpy(f, edst, 6);
	memcpy(f + 6, mac, 6);
	w16(f + 12, 0x0806);
	w16(a, 1);
	w16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	w16(a + 6, op);
	memcpy(a + 8, mac, 6);
	w32(a + 14, spa);
	memset(a + 18, 0, 6);
	w32(a + 24, tpa);
	return 42;
}

static size_t
build_arp(uint8_t *f, const uint8_t *edst, uint16_t op, uint32_t spa,
    uint32_t tpa)
{
	return build_arp_from(f, cl_mac, edst, op, spa, tpa);
}

/* Recomputes both checksums of a (mutated) IPv4/TCP frame, if it can. */
static void
refix(uint8_t *f, size_t len)
{
	uint8_t *ip = f + 14, *t;
	size_t	 ihl, total;

	if (len < 34)
		return;
	ihl = (size_t)(ip[0] & 0x0f) * 4;
	total = r16(ip + 2);
	if (ihl < 20 || 14 + ihl > len)
		return;
	w16(ip + 10, 0);
	w16(ip + 10, cksum(ip, ihl, 0));
	if (total < ihl + 20 || 14 + total > len)
		return;
	t = ip + ihl;
	w16(t + 16, 0);
	w16(t + 16,
	    cksum(t, total - ihl,
		pseudo(r32(ip + 12), r32(ip + 16), total - ihl)));
}

/* --- feeding and reading back ---------------------------------------- */

static enum synjitsu_verdict
feed(const uint8_t *f, size_t len, uint64_t now)
{
	enum synjitsu_verdict v;
	uint8_t		     *copy = malloc(len ? len : 1);

	assert_non_null(copy);
	memcpy(copy, f, len);
	memset(out, 0xa5, sizeof(out));
	v = synjitsu_input(&vm, copy, len, now, out, sizeof(out), &outlen);
	free(copy);
	if (v != SYNJITSU_REPLIED)
		assert_int_equal(outlen, 0);
	return v;
}

static enum synjitsu_verdict
send_seg(const struct tseg *s, uint64_t now)
{
	uint8_t f[FRAME_MAX];

	return feed(f, build_tcp(f, s), now);
}

struct reply {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t	 flags;
	uint16_t wnd;
	size_t	 optlen;
	uint8_t	 opt[40];
};

/* Checks every field of a TCP reply to dmac/dip and returns the rest. */
static void
parse_reply_to(const uint8_t *f, size_t len, const uint8_t *dmac, uint32_t dip,
    struct reply *r)
{
	const uint8_t *ip = f + 14, *t = f + 34;
	size_t	       tlen, off;

	assert_true(len >= 54 && len <= SYNJITSU_REPLY_MAX);
	assert_memory_equal(f, dmac, 6);
	assert_memory_equal(f + 6, vm_mac, 6);
	assert_int_equal(r16(f + 12), 0x0800);
	assert_int_equal(ip[0], 0x45);
	assert_int_equal(r16(ip + 2), len - 14);
	assert_int_equal(r16(ip + 6), 0x4000); /* DF, whole */
	assert_int_equal(ip[8], 64);
	assert_int_equal(ip[9], 6);
	assert_int_equal(cksum(ip, 20, 0), 0);
	assert_int_equal(r32(ip + 12), VM_IP);
	assert_int_equal(r32(ip + 16), dip);
	tlen = len - 34;
	assert_int_equal(cksum(t, tlen, pseudo(VM_IP, dip, tlen)), 0);
	off = (size_t)(t[12] >> 4) * 4;
	assert_int_equal(off, tlen); /* no data, ever */
	assert_int_equal(t[12] & 0x0f, 0);
	assert_int_equal(r16(t + 18), 0); /* urgent pointer */
	r->sport = (uint16_t)r16(t);
	r->dport = (uint16_t)r16(t + 2);
	r->seq = r32(t + 4);
	r->ack = r32(t + 8);
	r->flags = t[13];
	r->wnd = (uint16_t)r16(t + 14);
	r->optlen = off - 20;
	memcpy(r->opt, t + 20, r->optlen);
}

static void
parse_reply(struct reply *r)
{
	parse_reply_to(out, outlen, cl_mac, CL_IP, r);
}

/* The reply must be a bare ACK: seq, ack and window as given. */
static void
expect_ack(uint32_t seq, uint32_t ack, uint16_t wnd)
{
	struct reply r;

	parse_reply(&r);
	assert_int_equal(r.flags, F_ACK);
	assert_int_equal(r.seq, seq);
	assert_int_equal(r.ack, ack);
	assert_int_equal(r.wnd, wnd);
	assert_int_equal(r.optlen, 0);
}

/* A claim that knows no neighbour yet. */
static void
vm_setup_bare(void)
{
	assert_int_equal(synjitsu_init(&vm, VM_IP, vm_mac, ports, 2, secret),
	    0);
}

/* The host at mac says it has ip, asking for the vm's address. */
static void
teach(const uint8_t *mac, uint32_t ip)
{
	uint8_t f[64];

	assert_int_equal(feed(f, build_arp_from(f, mac, bcast, 1, ip, VM_IP),
			     0),
	    SYNJITSU_REPLIED);
}

/*
 * A claim whose client has asked for the vm's address, as a client does
 * before its first SYN, so its MAC is known; the counters start at 0.
 */
static void
vm_setup(void)
{
	vm_setup_bare();
	teach(cl_mac, CL_IP);
	memset(&vm.stats, 0, sizeof(vm.stats));
}

/* The next owed frame (synjitsu_output) into out; its length. */
static size_t
output(void)
{
	memset(out, 0xa5, sizeof(out));
	return outlen = synjitsu_output(&vm, out, sizeof(out));
}

/* The reply must be an ARP frame op from the vm, to edst, about tpa. */
static void
check_arp_from_vm(const uint8_t *edst, uint16_t op, uint32_t tpa)
{
	const uint8_t *a = out + 14;

	assert_int_equal(outlen, 42);
	assert_memory_equal(out, edst, 6);
	assert_memory_equal(out + 6, vm_mac, 6);
	assert_int_equal(r16(out + 12), 0x0806);
	assert_int_equal(r16(a), 1);
	assert_int_equal(r16(a + 2), 0x0800);
	assert_int_equal(a[4], 6);
	assert_int_equal(a[5], 4);
	assert_int_equal(r16(a + 6), op);
	assert_memory_equal(a + 8, vm_mac, 6);
	assert_int_equal(r32(a + 14), VM_IP);
	assert_int_equal(r32(a + 24), tpa);
}

/* The reply must be our who-has for tpa: broadcast, from the vm. */
static void
expect_who_has(uint32_t tpa)
{
	check_arp_from_vm(bcast, 1, tpa);
}

/* SYN, SYN-ACK, ACK from client port sport; returns our ISS. */
static uint32_t
open_conn(uint16_t sport, uint32_t irs, int wscale, uint64_t now)
{
	struct tseg  s = syn(sport, irs);
	struct reply r;

	s.wscale = wscale;
	assert_int_equal(send_seg(&s, now), SYNJITSU_REPLIED);
	parse_reply(&r);
	assert_int_equal(r.flags, F_SYN | F_ACK);
	assert_int_equal(r.ack, irs + 1);
	s = seg(F_ACK, irs + 1, r.seq + 1);
	s.sport = sport;
	assert_int_equal(send_seg(&s, now), SYNJITSU_TAKEN);
	return r.seq;
}

static struct tseg
data_seg(uint16_t sport, uint32_t seq, uint32_t iss, const void *d, size_t len)
{
	struct tseg s = seg(F_ACK | F_PSH, seq, iss + 1);

	s.sport = sport;
	s.data = d;
	s.dlen = len;
	return s;
}

/* The exported record of client port sport; fails if there is none. */
static void
record_of(uint16_t sport, struct synrec *r)
{
	size_t i;

	for (i = 0; i < SYNJITSU_CONN_MAX; i++)
		if (synjitsu_record(&vm, i, r) == 0 && r->peer_port == sport)
			return;
	fail_msg("no record for client port %u", sport);
}

static int
has_record(uint16_t sport)
{
	struct synrec r;
	size_t	      i;

	for (i = 0; i < SYNJITSU_CONN_MAX; i++)
		if (synjitsu_record(&vm, i, &r) == 0 && r.peer_port == sport)
			return 1;
	return 0;
}

/*
 * What the libOS's tcp_adopt_check (unikernels/lib/net/tcp_user.c) asks
 * of the uk_tcp_adopt the guest makes from r, on top of synrec_check.
 */
static void
assert_adoptable(const struct synrec *r)
{
	const char *why = synrec_check(r);

	if (why != NULL)
		fail_msg("synrec_check: %s", why);
	assert_int_equal(r->local_ip, VM_IP);
	assert_int_equal(r->snd_nxt, r->iss + 1);
	assert_true(r->fin == 0 || r->fin == 1);
	assert_int_equal(r->rcv_nxt,
	    r->irs + 1 + (uint32_t)r->datalen + (uint32_t)r->fin);
	assert_true(r->datalen <= 8192); /* NET_TCP_RCVBUF */
	assert_true(r->peer_wscale >= -1 && r->peer_wscale <= 14);
	assert_int_equal(r->wscale, 0); /* NET_TCP_RCVSHIFT */
	assert_int_not_equal(r->peer_port, 0);
	assert_true(r->mss >= 64);
}

/* --- ARP ------------------------------------------------------------- */

static void
test_garp_announces_the_vm_address_at_its_mac(void **state)
{
	uint8_t f[64];

	(void)state;
	vm_setup();
	assert_int_equal(synjitsu_garp(&vm, f, SYNJITSU_ARP_LEN - 1), 0);
	assert_int_equal(synjitsu_garp(&vm, f, sizeof(f)), 42);
	assert_memory_equal(f, bcast, 6);
	assert_memory_equal(f + 6, vm_mac, 6);
	assert_int_equal(r16(f + 12), 0x0806);
	assert_int_equal(r16(f + 14), 1);
	assert_int_equal(r16(f + 16), 0x0800);
	assert_int_equal(f[18], 6);
	assert_int_equal(f[19], 4);
	assert_int_equal(r16(f + 20), 1); /* a request */
	assert_memory_equal(f + 22, vm_mac, 6);
	assert_int_equal(r32(f + 28), VM_IP);
	assert_int_equal(r32(f + 38), VM_IP);
}

/* Any address at any MAC, no claim: the same frame, byte for byte. */
static void
test_garp_of_needs_no_claim(void **state)
{
	uint8_t a[64], b[64];

	(void)state;
	vm_setup();
	assert_int_equal(synjitsu_garp_of(VM_IP, vm_mac, a, 41), 0);
	assert_int_equal(synjitsu_garp_of(VM_IP, vm_mac, a, sizeof(a)), 42);
	assert_int_equal(synjitsu_garp(&vm, b, sizeof(b)), 42);
	assert_memory_equal(a, b, 42);
	assert_memory_equal(a + 6, vm_mac, 6);
	assert_memory_equal(a + 22, vm_mac, 6);
	assert_int_equal(r32(a + 28), VM_IP);
	assert_int_equal(r32(a + 38), VM_IP);
}

static void
check_arp_reply(uint32_t tpa)
{
	check_arp_from_vm(cl_mac, 2, tpa); /* a reply */
	assert_memory_equal(out + 14 + 18, cl_mac, 6);
}

static void
test_arp_who_has_vm_ip_is_answered_with_vm_mac(void **state)
{
	uint8_t f[64];
	size_t	n;

	(void)state;
	vm_setup();
	n = build_arp(f, bcast, 1, CL_IP, VM_IP);
	assert_int_equal(feed(f, n, 0), SYNJITSU_REPLIED);
	check_arp_reply(CL_IP);
	/* Unicast (a cache refresh), and padded to 60 bytes. */
	n = build_arp(f, vm_mac, 1, CL_IP, VM_IP);
	memset(f + n, 0, 60 - n);
	assert_int_equal(feed(f, 60, 0), SYNJITSU_REPLIED);
	check_arp_reply(CL_IP);
	/* An RFC 5227 probe (sender 0.0.0.0) is answered: we defend. */
	n = build_arp(f, bcast, 1, 0, VM_IP);
	assert_int_equal(feed(f, n, 0), SYNJITSU_REPLIED);
	check_arp_reply(0);
	assert_int_equal(vm.stats.arp_replies, 3);
}

static void
test_arp_not_asking_for_vm_ip_is_ignored(void **state)
{
	uint8_t f[64];
	size_t	n;

	(void)state;
	vm_setup_bare(); /* an answer from a known host would be taken */
	n = build_arp(f, bcast, 1, CL_IP, VM_IP + 1);
	assert_int_equal(feed(f, n, 0), SYNJITSU_IGNORED);
	n = build_arp(f, bcast, 2, CL_IP, VM_IP); /* a reply */
	assert_int_equal(feed(f, n, 0), SYNJITSU_IGNORED);
	n = build_arp(f, cl_mac, 1, CL_IP, VM_IP); /* to someone else */
	assert_int_equal(feed(f, n, 0), SYNJITSU_IGNORED);
	n = build_arp(f, bcast, 1, CL_IP, VM_IP);
	f[14 + 1] = 6; /* not Ethernet */
	assert_int_equal(feed(f, n, 0), SYNJITSU_IGNORED);
	n = build_arp(f, bcast, 1, CL_IP, VM_IP);
	f[14 + 5] = 16; /* not IPv4 */
	assert_int_equal(feed(f, n, 0), SYNJITSU_IGNORED);
	n = build_arp(f, bcast, 1, CL_IP, VM_IP);
	memcpy(f + 6, vm_mac, 6); /* our own */
	assert_int_equal(feed(f, n, 0), SYNJITSU_IGNORED);
	n = build_arp(f, bcast, 1, CL_IP, VM_IP);
	f[14 + 8] |= 1; /* group sender */
	assert_int_equal(feed(f, n, 0), SYNJITSU_DROPPED);
	assert_int_equal(vm.stats.drop_bad, 1);
	assert_int_equal(vm.stats.arp_replies, 0);
}

/* --- whom we answer: the next hop's MAC, learnt from ARP --------------- */

/* A SYN from a host not yet known: held, its hop asked for, answered. */
static void
test_syn_from_an_unknown_hop_is_held_and_answered_on_its_arp_reply(void **state)
{
	struct tseg  s = syn(CL_PORT, IRS);
	struct reply r;
	uint8_t	     f[64];

	(void)state;
	vm_setup_bare();
	assert_int_equal(send_seg(&s, 0), SYNJITSU_REPLIED);
	expect_who_has(CL_IP);
	assert_int_equal(output(), 0);
	assert_int_equal(synjitsu_nhalfopen(&vm), 1);
	/* Its SYN again before the answer: asked again, no SYN-ACK. */
	assert_int_equal(send_seg(&s, 100), SYNJITSU_REPLIED);
	expect_who_has(CL_IP);
	assert_int_equal(vm.stats.arp_requests, 2);
	assert_int_equal(vm.stats.synacks, 0);
	/* The answer, to the vm's MAC: the SYN-ACK follows at once. */
	assert_int_equal(feed(f, build_arp(f, vm_mac, 2, CL_IP, VM_IP), 150),
	    SYNJITSU_TAKEN);
	assert_int_equal(output(), 54 + 8);
	parse_reply(&r);
	assert_int_equal(r.flags, F_SYN | F_ACK);
	assert_int_equal(r.seq, synjitsu_iss(&vm, CL_IP, CL_PORT, 80, IRS));
	assert_int_equal(r.ack, IRS + 1);
	assert_int_equal(output(), 0);
	/* And the handshake completes as any other. */
	s = seg(F_ACK, IRS + 1, r.seq + 1);
	assert_int_equal(send_seg(&s, 200), SYNJITSU_TAKEN);
	assert_int_equal(synjitsu_nconn(&vm), 1);
	assert_int_equal(vm.stats.drop_spoof, 0);
}

/* dom0's ARP table, as synjitsu_neighbours sees it: one entry or none. */
static uint32_t table_ip;
static uint8_t	table_mac[6];
static int	table_asked;

static int
table_lookup(void *arg, uint32_t ip, uint8_t mac[6])
{
	assert_ptr_equal(arg, &vm);
	table_asked++;
	if (ip != table_ip)
		return -1;
	memcpy(mac, table_mac, 6);
	return 0;
}

/*
 * A hop dom0 already knows at the SYN's own MAC: the SYN-ACK goes at
 * once, with no who-has.  Known elsewhere, or not at all: asked for as
 * before (the table may be stale; the sender may be a forger).
 */
static void
test_syn_from_a_hop_dom0_knows_is_answered_at_once(void **state)
{
	struct tseg  s = syn(CL_PORT, IRS);
	struct reply r;

	(void)state;
	vm_setup_bare();
	table_ip = CL_IP;
	memcpy(table_mac, cl_mac, 6);
	table_asked = 0;
	synjitsu_neighbours(&vm, table_lookup, &vm);
	assert_int_equal(send_seg(&s, 0), SYNJITSU_REPLIED);
	parse_reply(&r);
	assert_int_equal(r.flags, F_SYN | F_ACK);
	assert_int_equal(r.ack, IRS + 1);
	assert_int_equal(vm.stats.arp_requests, 0);
	assert_int_equal(vm.stats.neigh_borrowed, 1);
	/* Known now: the handshake's ACK asks the table nothing more. */
	s = seg(F_ACK, IRS + 1, r.seq + 1);
	assert_int_equal(send_seg(&s, 1), SYNJITSU_TAKEN);
	assert_int_equal(synjitsu_nconn(&vm), 1);
	assert_int_equal(table_asked, 1);

	/* The table puts the address at another MAC: we ask. */
	vm_setup_bare();
	memcpy(table_mac, evil_mac, 6);
	synjitsu_neighbours(&vm, table_lookup, &vm);
	s = syn(CL_PORT, IRS);
	assert_int_equal(send_seg(&s, 0), SYNJITSU_REPLIED);
	expect_who_has(CL_IP);
	assert_int_equal(vm.stats.neigh_borrowed, 0);
	assert_int_equal(vm.stats.synacks, 0);

	/* The table has nothing for it: we ask. */
	vm_setup_bare();
	table_ip = FAR_IP;
	synjitsu_neighbours(&vm, table_lookup, &vm);
	assert_int_equal(send_seg(&s, 0), SYNJITSU_REPLIED);
	expect_who_has(CL_IP);
	assert_int_equal(vm.stats.arp_requests, 1);
	assert_int_equal(vm.stats.neigh_borrowed, 0);

	/* A question out is left to its answer, even once the table
	 * would say: the SYN held waits for the hop, as does the next. */
	table_ip = CL_IP;
	memcpy(table_mac, cl_mac, 6);
	table_asked = 0;
	s = syn(CL_PORT + 1, IRS);
	assert_int_equal(send_seg(&s, 1), SYNJITSU_REPLIED);
	expect_who_has(CL_IP);
	assert_int_equal(vm.stats.neigh_borrowed, 0);
	assert_int_equal(table_asked, 0);
	/* Nor is the table asked for a SYN we would not take. */
	vm_setup_bare();
	synjitsu_neighbours(&vm, table_lookup, &vm);
	s = syn(CL_PORT, IRS);
	s.dport = 8080;
	assert_int_equal(send_seg(&s, 0), SYNJITSU_DROPPED);
	assert_int_equal(table_asked, 0);

	/* The case it is for: an off-link client's gateway, known. */
	vm_setup_bare();
	assert_int_equal(synjitsu_route(&vm, 24, GW_IP), 0);
	table_ip = GW_IP;
	memcpy(table_mac, gw_mac, 6);
	synjitsu_neighbours(&vm, table_lookup, &vm);
	s = syn(CL_PORT, IRS);
	s.src = FAR_IP;
	s.hw = gw_mac;
	assert_int_equal(send_seg(&s, 0), SYNJITSU_REPLIED);
	parse_reply_to(out, outlen, gw_mac, FAR_IP, &r);
	assert_int_equal(r.flags, F_SYN | F_ACK);
	assert_int_equal(vm.stats.arp_requests, 0);
	assert_int_equal(vm.stats.neigh_borrowed, 1);
}

/* Several SYNs held for one hop all get their SYN-ACK from one answer. */
static void
test_every_syn_held_for_a_hop_is_answered(void **state)
{
	struct tseg  s;
	struct reply r;
	uint8_t	     f[64];
	int	     i, seen = 0;

	(void)state;
	vm_setup_bare();
	for (i = 0; i < 3; i++) {
		s = syn((uint16_t)(CL_PORT + i), IRS);
		assert_int_equal(send_seg(&s, 0), SYNJITSU_REPLIED);
		expect_who_has(CL_IP);
	}
	assert_int_equal(feed(f, build_arp(f, bcast, 2, CL_IP, VM_IP), 5),
	    SYNJITSU_TAKEN);
	while (output() > 0) {
		parse_reply(&r);
		assert_int_equal(r.flags, F_SYN | F_ACK);
		seen |= 1 << (r.dport - CL_PORT);
	}
	assert_int_equal(seen, 7);
	assert_int_equal(vm.stats.synacks, 3);
}

/*
 * The attack: a host on the bridge sends a SYN in the client's
 * name from its own MAC.  With the client known, it is dropped; with it
 * unknown, the SYN-ACK is owed to the owner's MAC, which is not the
 * SYN's, so nobody gets one.  Either way no ISN leaks and a blind ACK
 * completes nothing.
 */
static void
test_syn_forged_from_another_mac_is_never_answered(void **state)
{
	struct tseg s = syn(CL_PORT, IRS);
	uint8_t	    f[64];

	(void)state;
	vm_setup();
	s.hw = evil_mac;
	assert_int_equal(send_seg(&s, 0), SYNJITSU_DROPPED);
	assert_int_equal(vm.stats.drop_spoof, 1);
	assert_int_equal(output(), 0);
	assert_int_equal(synjitsu_nhalfopen(&vm), 0);

	vm_setup_bare();
	assert_int_equal(send_seg(&s, 0), SYNJITSU_REPLIED);
	expect_who_has(CL_IP); /* broadcast: the owner answers */
	assert_int_equal(feed(f, build_arp(f, vm_mac, 2, CL_IP, VM_IP), 1),
	    SYNJITSU_TAKEN);
	assert_int_equal(output(), 0);
	assert_int_equal(vm.stats.drop_spoof, 1);
	assert_int_equal(vm.stats.synacks, 0);
	assert_int_equal(synjitsu_nhalfopen(&vm), 0);
	/* The forger's blind ACK, even with the right ISN, finds nothing. */
	s = seg(F_ACK, IRS + 1, synjitsu_iss(&vm, CL_IP, CL_PORT, 80, IRS) + 1);
	s.hw = evil_mac;
	assert_int_equal(send_seg(&s, 2), SYNJITSU_DROPPED);
	assert_int_equal(synjitsu_nconn(&vm), 0);
}

/* Bytes of an established connection count only from its hop's MAC. */
static void
test_segments_of_a_connection_from_another_mac_are_dropped(void **state)
{
	struct tseg s;
	uint32_t    iss;

	(void)state;
	vm_setup();
	iss = open_conn(CL_PORT, IRS, 7, 0);
	s = data_seg(CL_PORT, IRS + 1, iss, req, sizeof(req) - 1);
	s.hw = evil_mac;
	assert_int_equal(send_seg(&s, 1), SYNJITSU_DROPPED);
	assert_int_equal(vm.stats.drop_spoof, 1);
	assert_int_equal(vm.stats.bytes, 0);
	s.hw = NULL;
	assert_int_equal(send_seg(&s, 2), SYNJITSU_REPLIED);
	assert_int_equal(vm.stats.bytes, sizeof(req) - 1);
}

/* ARP is learnt as the guest learns it, and an answer only if asked. */
static void
test_neighbours_are_learnt_as_the_guest_learns_them(void **state)
{
	struct tseg s = syn(CL_PORT, IRS);
	uint8_t	    f[64];

	(void)state;
	vm_setup_bare();
	/* An answer nobody asked for teaches nothing (Linux takes none). */
	assert_int_equal(feed(f, build_arp(f, vm_mac, 2, CL_IP, VM_IP), 0),
	    SYNJITSU_IGNORED);
	assert_int_equal(send_seg(&s, 0), SYNJITSU_REPLIED);
	expect_who_has(CL_IP);
	/* A who-has for another address teaches nothing new either... */
	vm_setup_bare();
	assert_int_equal(feed(f, build_arp(f, bcast, 1, CL_IP, VM_IP + 1), 0),
	    SYNJITSU_IGNORED);
	assert_int_equal(send_seg(&s, 0), SYNJITSU_REPLIED);
	expect_who_has(CL_IP);
	/* ...but refreshes a known host: its new MAC is the one used. */
	vm_setup();
	assert_int_equal(feed(f,
			     build_arp_from(f, evil_mac, bcast, 1, CL_IP,
				 VM_IP + 1),
			     0),
	    SYNJITSU_IGNORED);
	assert_int_equal(send_seg(&s, 0), SYNJITSU_DROPPED);
	assert_int_equal(vm.stats.drop_spoof, 1);
	s.hw = evil_mac;
	assert_int_equal(send_seg(&s, 0), SYNJITSU_REPLIED);
	parse_reply_to(out, outlen, evil_mac, CL_IP, &(struct reply){ 0 });
	/* Off-link senders and martians are not neighbours. */
	vm_setup_bare();
	teach(cl_mac, FAR_IP);
	teach(cl_mac, 0x0a0000ffU); /* 10.0.0.255 */
	for (size_t i = 0; i < SYNJITSU_NEIGH_MAX; i++)
		assert_int_not_equal(vm.neigh[i].state, 2 /* NEIGH_KNOWN */);
}

/* Off-link clients are answered through the gateway, and only so. */
static void
test_offlink_clients_go_through_the_gateway(void **state)
{
	struct tseg  s = syn(CL_PORT, IRS);
	struct reply r;

	(void)state;
	vm_setup();
	s.src = FAR_IP;
	s.hw = gw_mac;
	/* No gateway: the guest could not answer it, nor do we. */
	assert_int_equal(send_seg(&s, 0), SYNJITSU_DROPPED);
	assert_int_equal(vm.stats.drop_route, 1);
	assert_int_equal(synjitsu_route(&vm, 24, GW_IP), 0);
	/* The gateway not known yet: held, and the gateway asked for. */
	assert_int_equal(send_seg(&s, 0), SYNJITSU_REPLIED);
	expect_who_has(GW_IP);
	teach(gw_mac, GW_IP);
	assert_true(output() > 0);
	parse_reply_to(out, outlen, gw_mac, FAR_IP, &r);
	assert_int_equal(r.flags, F_SYN | F_ACK);
	/* The same address from another MAC than the gateway's: dropped. */
	s = syn(CL_PORT + 1, IRS);
	s.src = FAR_IP;
	assert_int_equal(send_seg(&s, 0), SYNJITSU_DROPPED);
	assert_int_equal(vm.stats.drop_spoof, 1);
}

static void
test_route_refuses_what_the_guest_could_not_use(void **state)
{
	(void)state;
	vm_setup();
	assert_int_equal(synjitsu_route(&vm, 0, 0), -1);
	assert_int_equal(synjitsu_route(&vm, 33, 0), -1);
	assert_int_equal(synjitsu_route(&vm, 24, FAR_IP), -1); /* off */
	assert_int_equal(synjitsu_route(&vm, 24, VM_IP), -1);  /* its own */
	assert_int_equal(synjitsu_route(&vm, 24, 0x0a000000U), -1); /* net */
	assert_int_equal(synjitsu_route(&vm, 24, 0x0a0000ffU), -1); /* bcast */
	assert_int_equal(vm.gw, 0);
	assert_int_equal(synjitsu_route(&vm, 16, 0x0a00ff01U), 0);
	assert_int_equal(synjitsu_route(&vm, 32, 0), 0);
	assert_int_equal(vm.mask, 0xffffffffU);
}

/*
 * A flood of who-has from other hosts pushes the client out of the
 * table; its next segment is not taken but asked about, and the client
 * resends it once it has answered.
 */
static void
test_a_hop_pushed_out_of_the_table_is_asked_for_again(void **state)
{
	struct tseg s;
	uint8_t	    f[64];
	uint32_t    iss, i;

	(void)state;
	vm_setup();
	iss = open_conn(CL_PORT, IRS, 7, 0);
	for (i = 0; i < SYNJITSU_NEIGH_MAX; i++)
		teach(evil_mac, 0x0a000064U + i);
	s = data_seg(CL_PORT, IRS + 1, iss, req, 4);
	assert_int_equal(send_seg(&s, 10), SYNJITSU_REPLIED);
	expect_who_has(CL_IP);
	assert_int_equal(vm.stats.drop_unresolved, 1);
	assert_int_equal(vm.stats.bytes, 0);
	assert_int_equal(feed(f, build_arp(f, vm_mac, 2, CL_IP, VM_IP), 11),
	    SYNJITSU_TAKEN);
	assert_int_equal(output(), 0); /* nothing was held */
	assert_int_equal(send_seg(&s, 12), SYNJITSU_REPLIED);
	expect_ack(iss + 1, IRS + 5, SYNREC_DATA_MAX - 4);
}

/* A held SYN is half-open: it expires, and a freeze frees it. */
static void
test_held_syns_expire_and_are_never_handed_over(void **state)
{
	struct tseg s = syn(CL_PORT, IRS);
	uint8_t	    f[64];

	(void)state;
	vm_setup_bare();
	assert_int_equal(send_seg(&s, 0), SYNJITSU_REPLIED);
	assert_int_equal(synjitsu_next(&vm), SYNJITSU_SYN_TTL_MS);
	assert_int_equal(synjitsu_tick(&vm, SYNJITSU_SYN_TTL_MS), 1);
	assert_int_equal(synjitsu_nhalfopen(&vm), 0);
	assert_int_equal(send_seg(&s, 4000), SYNJITSU_REPLIED);
	assert_int_equal(synjitsu_drain(&vm), 1);
	assert_int_equal(synjitsu_freeze(&vm), 0);
	/* Frozen: the answer comes too late, no SYN-ACK is sent. */
	assert_int_not_equal(feed(f, build_arp(f, vm_mac, 2, CL_IP, VM_IP),
				 4001),
	    SYNJITSU_REPLIED);
	assert_int_equal(output(), 0);
}

/* --- malformed input -------------------------------------------------- */

static uint64_t
actions(void)
{
	return vm.stats.arp_replies + vm.stats.syns + vm.stats.synacks +
	    vm.stats.established + vm.stats.acks + vm.stats.bytes +
	    vm.stats.fins + vm.stats.rsts;
}

static void
prefixes_are_refused(const uint8_t *f, size_t n, uint64_t now)
{
	enum synjitsu_verdict v;
	struct synrec	      before, after;
	uint64_t	      acts = actions();
	size_t		      i, nconn = synjitsu_nconn(&vm);
	size_t		      half = synjitsu_nhalfopen(&vm);

	record_of(CL_PORT, &before);
	for (i = 0; i < n; i++) {
		v = feed(f, i, now);
		assert_true(v == SYNJITSU_IGNORED || v == SYNJITSU_DROPPED);
		assert_int_equal(actions(), acts);
		assert_int_equal(synjitsu_nconn(&vm), nconn);
		assert_int_equal(synjitsu_nhalfopen(&vm), half);
	}
	record_of(CL_PORT, &after);
	assert_memory_equal(&before, &after, sizeof(before));
	assert_int_equal(feed(f, n, now), SYNJITSU_REPLIED);
}

static void
test_every_prefix_of_a_valid_frame_is_refused(void **state)
{
	uint8_t	    f[FRAME_MAX];
	struct tseg s;
	uint32_t    iss;

	(void)state;
	vm_setup();
	iss = open_conn(CL_PORT, IRS, 7, 0);
	prefixes_are_refused(f, build_arp(f, bcast, 1, CL_IP, VM_IP), 1);
	s = syn(CL_PORT + 1, 77);
	s.sackok = s.ts = 1;
	prefixes_are_refused(f, build_tcp(f, &s), 1);
	s = data_seg(CL_PORT, IRS + 1, iss, req, sizeof(req) - 1);
	s.flags |= F_FIN;
	prefixes_are_refused(f, build_tcp(f, &s), 1);
}

struct mutation {
	const char	     *what;
	size_t		      off; /* into the frame */
	uint8_t		      val;
	int		      flip; /* xor val in, else store it */
	int		      fix;  /* recompute checksums after */
	enum synjitsu_verdict verdict;
};

/* A SYN to the vm with one byte changed: what becomes of it. */
static void
test_malformed_ipv4_and_tcp_are_refused(void **state)
{
	static const struct mutation m[] = {
		{ "IP checksum", 24, 0x5a, 1, 0, SYNJITSU_DROPPED },
		{ "TCP checksum", 50, 0x5a, 1, 0, SYNJITSU_DROPPED },
		{ "TCP byte", 40, 0x5a, 1, 0, SYNJITSU_DROPPED },
		{ "version 6", 14, 0x65, 0, 1, SYNJITSU_DROPPED },
		{ "IHL 4", 14, 0x44, 0, 1, SYNJITSU_DROPPED },
		{ "IHL 15", 14, 0x4f, 0, 1, SYNJITSU_DROPPED },
		{ "total > frame", 16, 0x10, 0, 1, SYNJITSU_DROPPED },
		{ "total < IHL", 17, 0x10, 0, 1, SYNJITSU_DROPPED },
		{ "more fragments", 20, 0x20, 0, 1, SYNJITSU_DROPPED },
		{ "fragment offset", 21, 0x01, 0, 1, SYNJITSU_DROPPED },
		{ "src 127/8", 26, 127, 0, 1, SYNJITSU_DROPPED },
		{ "src 0/8", 26, 0, 0, 1, SYNJITSU_DROPPED },
		{ "src multicast", 26, 224, 0, 1, SYNJITSU_DROPPED },
		{ "src class E", 26, 250, 0, 1, SYNJITSU_DROPPED },
		{ "TCP offset 4", 46, 0x40, 0, 1, SYNJITSU_DROPPED },
		{ "TCP offset 15", 46, 0xf0, 0, 1, SYNJITSU_DROPPED },
		{ "dst port 0", 37, 0, 0, 1, SYNJITSU_DROPPED },
		{ "MSS option length 0", 55, 0, 0, 1, SYNJITSU_DROPPED },
		{ "option past header", 55, 20, 0, 1, SYNJITSU_DROPPED },
		{ "UDP", 23, 17, 0, 1, SYNJITSU_DROPPED },
		{ "other dst IP", 33, 11, 0, 1, SYNJITSU_IGNORED },
		{ "other dst MAC", 5, 0x0b, 0, 1, SYNJITSU_IGNORED },
		{ "group dst MAC", 0, 0x01, 1, 1, SYNJITSU_IGNORED },
		{ "IPv6 ethertype", 12, 0x86, 0, 1, SYNJITSU_IGNORED },
		{ "group src MAC", 6, 0x01, 1, 1, SYNJITSU_IGNORED },
		{ "zero src MAC", 11, 0x02, 1, 1, SYNJITSU_IGNORED },
	};
	uint8_t		      f[FRAME_MAX];
	struct tseg	      s = syn(CL_PORT, IRS);
	enum synjitsu_verdict v;
	size_t		      n, i;

	(void)state;
	vm_setup();
	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		n = build_tcp(f, &s);
		if (m[i].off == 11) /* all of it */
			memset(f + 6, 0, 6);
		else if (m[i].flip)
			f[m[i].off] ^= m[i].val;
		else
			f[m[i].off] = m[i].val;
		if (m[i].fix)
			refix(f, n);
		if ((v = feed(f, n, 0)) != m[i].verdict)
			fail_msg("%s: verdict %d, expected %d", m[i].what,
			    (int)v, (int)m[i].verdict);
	}
	assert_int_equal(vm.stats.syns, 0);
	assert_int_equal(vm.stats.drop_proto, 1);
	assert_int_equal(vm.stats.drop_bad, 19);
	/* Broadcast to our address is not for us either. */
	n = build_tcp(f, &s);
	memcpy(f, bcast, 6);
	assert_int_equal(feed(f, n, 0), SYNJITSU_IGNORED);
	/* The SYN itself, with a trailing byte past its IP length, is fine. */
	n = build_tcp(f, &s);
	f[n] = 0;
	assert_int_equal(feed(f, n + 1, 0), SYNJITSU_REPLIED);
}

static void
test_frames_from_the_vm_itself_are_ignored(void **state)
{
	uint8_t	    f[FRAME_MAX];
	struct tseg s = syn(CL_PORT, IRS);
	size_t	    n;

	(void)state;
	vm_setup();
	n = build_tcp(f, &s);
	memcpy(f + 6, vm_mac, 6);
	assert_int_equal(feed(f, n, 0), SYNJITSU_IGNORED);
	/* Land: a SYN from the vm's own address (another MAC). */
	s.src = VM_IP;
	n = build_tcp(f, &s);
	assert_int_equal(feed(f, n, 0), SYNJITSU_DROPPED);
	assert_int_equal(synjitsu_nhalfopen(&vm), 0);
}

static void
test_short_reply_buffer_is_refused(void **state)
{
	uint8_t	    f[FRAME_MAX], small[SYNJITSU_REPLY_MAX - 1];
	struct tseg s = syn(CL_PORT, IRS);
	size_t	    n, len = 99;

	(void)state;
	vm_setup();
	n = build_tcp(f, &s);
	assert_int_equal(synjitsu_input(&vm, f, n, 0, small, sizeof(small),
			     &len),
	    SYNJITSU_DROPPED);
	assert_int_equal(len, 0);
	assert_int_equal(vm.stats.syns, 0);
}

/* --- the handshake ---------------------------------------------------- */

static void
test_syn_gets_synack_with_iss_mss_wscale_and_window(void **state)
{
	static const uint8_t opts_ws[] = { 2, 4, 5, 0xb4, 1, 3, 3, 0 };
	static const uint8_t opts[] = { 2, 4, 5, 0xb4 };
	struct tseg	     s = syn(CL_PORT, IRS);
	struct reply	     r;

	(void)state;
	vm_setup();
	s.sackok = s.ts = 1; /* the libOS does neither */
	assert_int_equal(send_seg(&s, 0), SYNJITSU_REPLIED);
	parse_reply(&r);
	assert_int_equal(r.sport, 80);
	assert_int_equal(r.dport, CL_PORT);
	assert_int_equal(r.flags, F_SYN | F_ACK);
	assert_int_equal(r.seq, synjitsu_iss(&vm, CL_IP, CL_PORT, 80, IRS));
	assert_int_equal(r.ack, IRS + 1);
	assert_int_equal(r.wnd, SYNREC_DATA_MAX);
	assert_int_equal(r.optlen, sizeof(opts_ws));
	assert_memory_equal(r.opt, opts_ws, sizeof(opts_ws));
	/* No window scale offered: none in the answer either. */
	s = syn(CL_PORT + 1, IRS);
	s.wscale = -1;
	s.mss = -1;
	assert_int_equal(send_seg(&s, 0), SYNJITSU_REPLIED);
	parse_reply(&r);
	assert_int_equal(r.optlen, sizeof(opts));
	assert_memory_equal(r.opt, opts, sizeof(opts));
	assert_int_equal(vm.stats.syns, 2);
	assert_int_equal(vm.stats.synacks, 2);
	assert_int_equal(synjitsu_nhalfopen(&vm), 2);
	assert_int_equal(synjitsu_nconn(&vm), 0);
}

static void
test_retransmitted_syn_gets_the_identical_synack(void **state)
{
	uint8_t	    first[SYNJITSU_REPLY_MAX];
	size_t	    firstlen;
	struct tseg s = syn(CL_PORT, IRS);

	(void)state;
	vm_setup();
	assert_int_equal(send_seg(&s, 0), SYNJITSU_REPLIED);
	memcpy(first, out, outlen);
	firstlen = outlen;
	assert_int_equal(send_seg(&s, 1000), SYNJITSU_REPLIED);
	assert_int_equal(outlen, firstlen);
	assert_memory_equal(out, first, firstlen);
	assert_int_equal(synjitsu_nhalfopen(&vm), 1);
	/* Even once its slot expired, the SYN-ACK is the same. */
	assert_int_equal(synjitsu_tick(&vm, SYNJITSU_SYN_TTL_MS), 1);
	assert_int_equal(synjitsu_nhalfopen(&vm), 0);
	assert_int_equal(send_seg(&s, 4000), SYNJITSU_REPLIED);
	assert_memory_equal(out, first, firstlen);
}

static void
test_syn_with_new_isn_replaces_the_half_open_one(void **state)
{
	struct tseg  s = syn(CL_PORT, IRS);
	struct reply r;
	uint32_t     iss1;

	(void)state;
	vm_setup();
	assert_int_equal(send_seg(&s, 0), SYNJITSU_REPLIED);
	parse_reply(&r);
	iss1 = r.seq;
	s.seq = IRS + 5000;
	assert_int_equal(send_seg(&s, 10), SYNJITSU_REPLIED);
	parse_reply(&r);
	assert_int_equal(r.ack, IRS + 5001);
	assert_int_not_equal(r.seq, iss1);
	assert_int_equal(synjitsu_nhalfopen(&vm), 1);
	/* An ACK of the old SYN-ACK is refused, silently. */
	s = seg(F_ACK, IRS + 1, iss1 + 1);
	assert_int_equal(send_seg(&s, 20), SYNJITSU_DROPPED);
	assert_int_equal(synjitsu_nconn(&vm), 0);
	s = seg(F_ACK, IRS + 5001, r.seq + 1);
	assert_int_equal(send_seg(&s, 20), SYNJITSU_TAKEN);
	assert_int_equal(synjitsu_nconn(&vm), 1);
}

static void
test_ack_of_synack_establishes(void **state)
{
	uint8_t	      f[FRAME_MAX];
	struct tseg   s = syn(CL_PORT, IRS);
	struct reply  r;
	struct synrec rec;
	size_t	      n;

	(void)state;
	vm_setup();
	assert_int_equal(send_seg(&s, 0), SYNJITSU_REPLIED);
	parse_reply(&r);
	assert_false(has_record(CL_PORT)); /* half-open: not exported */
	/* Wrong ACK numbers leave it half-open, and get no answer. */
	s = seg(F_ACK, IRS + 1, r.seq);
	assert_int_equal(send_seg(&s, 1), SYNJITSU_DROPPED);
	s = seg(F_ACK, IRS + 1, r.seq + 2);
	assert_int_equal(send_seg(&s, 1), SYNJITSU_DROPPED);
	s = seg(0, IRS + 1, 0); /* no ACK bit */
	assert_int_equal(send_seg(&s, 1), SYNJITSU_DROPPED);
	assert_int_equal(synjitsu_nconn(&vm), 0);
	/* The right one, padded as a 60-byte Ethernet frame. */
	s = seg(F_ACK, IRS + 1, r.seq + 1);
	s.wnd = 500;
	n = build_tcp(f, &s);
	memset(f + n, 0, 60 - n);
	assert_int_equal(feed(f, 60, 2), SYNJITSU_TAKEN);
	assert_int_equal(vm.stats.established, 1);
	assert_int_equal(synjitsu_nconn(&vm), 1);
	assert_int_equal(synjitsu_nhalfopen(&vm), 0);
	record_of(CL_PORT, &rec);
	assert_int_equal(rec.iss, r.seq);
	assert_int_equal(rec.irs, IRS);
	assert_int_equal(rec.rcv_nxt, IRS + 1);
	assert_int_equal(rec.snd_nxt, r.seq + 1);
	assert_int_equal(rec.mss, 1400);
	assert_int_equal(rec.peer_wscale, 7);
	assert_int_equal(rec.wscale, SYNJITSU_WSCALE);
	assert_int_equal(rec.peer_wnd, 500u << 7);
	assert_int_equal(rec.datalen, 0);
	assert_int_equal(rec.fin, 0);
	assert_adoptable(&rec);
	/* A late retransmitted SYN meets a challenge ACK, no new SYN-ACK. */
	s = syn(CL_PORT, IRS);
	assert_int_equal(send_seg(&s, 3), SYNJITSU_REPLIED);
	expect_ack(r.seq + 1, IRS + 1, SYNREC_DATA_MAX);
	assert_int_equal(vm.stats.synacks, 1);
}

/* --- data, FIN, RST --------------------------------------------------- */

static void
test_data_is_acked_and_buffered(void **state)
{
	struct tseg   s;
	struct synrec rec;
	uint32_t      iss, len = sizeof(req) - 1;

	(void)state;
	vm_setup();
	iss = open_conn(CL_PORT, IRS, 7, 0);
	s = data_seg(CL_PORT, IRS + 1, iss, req, 10);
	assert_int_equal(send_seg(&s, 1), SYNJITSU_REPLIED);
	expect_ack(iss + 1, IRS + 11, SYNREC_DATA_MAX - 10);
	s = data_seg(CL_PORT, IRS + 11, iss, req + 10, len - 10);
	assert_int_equal(send_seg(&s, 2), SYNJITSU_REPLIED);
	expect_ack(iss + 1, IRS + 1 + len, SYNREC_DATA_MAX - len);
	record_of(CL_PORT, &rec);
	assert_int_equal(rec.datalen, len);
	assert_memory_equal(rec.data, req, len);
	assert_int_equal(rec.rcv_nxt, IRS + 1 + len);
	assert_int_equal(vm.stats.bytes, len);
	assert_adoptable(&rec);
}

static void
test_duplicate_and_overlapping_data_is_reacked_not_kept(void **state)
{
	struct tseg   s;
	struct synrec rec;
	uint32_t      iss;

	(void)state;
	vm_setup();
	iss = open_conn(CL_PORT, IRS, 7, 0);
	s = data_seg(CL_PORT, IRS + 1, iss, req, 10);
	assert_int_equal(send_seg(&s, 1), SYNJITSU_REPLIED);
	assert_int_equal(send_seg(&s, 2), SYNJITSU_REPLIED);
	expect_ack(iss + 1, IRS + 11, SYNREC_DATA_MAX - 10);
	/* Bytes 5..19: only 10..19 are new. */
	s = data_seg(CL_PORT, IRS + 6, iss, req + 5, 15);
	assert_int_equal(send_seg(&s, 3), SYNJITSU_REPLIED);
	expect_ack(iss + 1, IRS + 21, SYNREC_DATA_MAX - 20);
	record_of(CL_PORT, &rec);
	assert_int_equal(rec.datalen, 20);
	assert_memory_equal(rec.data, req, 20);
	assert_int_equal(vm.stats.bytes, 20);
}

static void
test_data_beyond_the_bound_is_acked_only_as_far_as_it_fits(void **state)
{
	static uint8_t big[1460];
	struct tseg    s;
	struct synrec  rec;
	uint32_t       iss, seq = IRS + 1;
	size_t	       i;

	(void)state;
	vm_setup();
	for (i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7 + 3);
	iss = open_conn(CL_PORT, IRS, 7, 0);
	s = data_seg(CL_PORT, seq, iss, big, sizeof(big));
	assert_int_equal(send_seg(&s, 1), SYNJITSU_REPLIED);
	expect_ack(iss + 1, seq + 1460, SYNREC_DATA_MAX - 1460);
	s = data_seg(CL_PORT, seq + 1460, iss, big, sizeof(big));
	assert_int_equal(send_seg(&s, 2), SYNJITSU_REPLIED);
	expect_ack(iss + 1, seq + SYNREC_DATA_MAX, 0);
	assert_int_equal(vm.stats.bytes_refused, 2 * 1460 - SYNREC_DATA_MAX);
	/* The rest again, and a window probe: the same zero-window ACK. */
	s = data_seg(CL_PORT, seq + SYNREC_DATA_MAX, iss,
	    big + SYNREC_DATA_MAX - 1460, 2 * 1460 - SYNREC_DATA_MAX);
	assert_int_equal(send_seg(&s, 3), SYNJITSU_REPLIED);
	expect_ack(iss + 1, seq + SYNREC_DATA_MAX, 0);
	s = data_seg(CL_PORT, seq + SYNREC_DATA_MAX, iss, big, 1);
	assert_int_equal(send_seg(&s, 4), SYNJITSU_REPLIED);
	expect_ack(iss + 1, seq + SYNREC_DATA_MAX, 0);
	record_of(CL_PORT, &rec);
	assert_int_equal(rec.datalen, SYNREC_DATA_MAX);
	assert_memory_equal(rec.data, big, 1460);
	assert_memory_equal(rec.data + 1460, big, SYNREC_DATA_MAX - 1460);
	assert_int_equal(rec.rcv_nxt, IRS + 1 + SYNREC_DATA_MAX);
	assert_adoptable(&rec);
	/* With no room, a FIN right at rcv_nxt is still taken. */
	s = seg(F_ACK | F_FIN, seq + SYNREC_DATA_MAX, iss + 1);
	assert_int_equal(send_seg(&s, 5), SYNJITSU_REPLIED);
	expect_ack(iss + 1, seq + SYNREC_DATA_MAX + 1, 0);
}

static void
test_lower_limit_bounds_buffer_and_window(void **state)
{
	struct tseg  s;
	uint32_t     iss;
	struct reply r;

	(void)state;
	vm_setup();
	assert_int_equal(synjitsu_limits(&vm, 0, 100), -1);
	assert_int_equal(synjitsu_limits(&vm, SYNJITSU_CONN_MAX + 1, 100), -1);
	assert_int_equal(synjitsu_limits(&vm, 4, 0), -1);
	assert_int_equal(synjitsu_limits(&vm, 4, SYNREC_DATA_MAX + 1), -1);
	assert_int_equal(synjitsu_limits(&vm, 4, 16), 0);
	s = syn(CL_PORT, IRS);
	assert_int_equal(send_seg(&s, 0), SYNJITSU_REPLIED);
	parse_reply(&r);
	assert_int_equal(r.wnd, 16);
	iss = r.seq;
	s = seg(F_ACK, IRS + 1, iss + 1);
	assert_int_equal(send_seg(&s, 0), SYNJITSU_TAKEN);
	s = data_seg(CL_PORT, IRS + 1, iss, req, 20);
	assert_int_equal(send_seg(&s, 1), SYNJITSU_REPLIED);
	expect_ack(iss + 1, IRS + 17, 0);
}

static void
test_out_of_window_segments_are_acked_without_change(void **state)
{
	struct tseg   s;
	struct synrec before, after;
	uint32_t      iss, nxt = IRS + 11;

	(void)state;
	vm_setup();
	iss = open_conn(CL_PORT, IRS, 7, 0);
	s = data_seg(CL_PORT, IRS + 1, iss, req, 10);
	assert_int_equal(send_seg(&s, 1), SYNJITSU_REPLIED);
	record_of(CL_PORT, &before);
	/* Far ahead; in window but after a gap (not kept); far behind. */
	s = data_seg(CL_PORT, nxt + 100000, iss, req, 5);
	assert_int_equal(send_seg(&s, 2), SYNJITSU_REPLIED);
	expect_ack(iss + 1, nxt, SYNREC_DATA_MAX - 10);
	s = data_seg(CL_PORT, nxt + 10, iss, req, 5);
	assert_int_equal(send_seg(&s, 2), SYNJITSU_REPLIED);
	expect_ack(iss + 1, nxt, SYNREC_DATA_MAX - 10);
	s = data_seg(CL_PORT, nxt - 100000, iss, req, 5);
	assert_int_equal(send_seg(&s, 2), SYNJITSU_REPLIED);
	expect_ack(iss + 1, nxt, SYNREC_DATA_MAX - 10);
	/* A bare ACK beyond the window. */
	s = seg(F_ACK, nxt + SYNREC_DATA_MAX, iss + 1);
	assert_int_equal(send_seg(&s, 2), SYNJITSU_REPLIED);
	expect_ack(iss + 1, nxt, SYNREC_DATA_MAX - 10);
	/* Acking what we never sent: challenged, the data not taken. */
	s = data_seg(CL_PORT, nxt, iss + 100, req, 5);
	assert_int_equal(send_seg(&s, 2), SYNJITSU_REPLIED);
	expect_ack(iss + 1, nxt, SYNREC_DATA_MAX - 10);
	/* No ACK bit: dropped. */
	s = data_seg(CL_PORT, nxt, iss, req, 5);
	s.flags = F_PSH;
	assert_int_equal(send_seg(&s, 2), SYNJITSU_DROPPED);
	record_of(CL_PORT, &after);
	assert_memory_equal(&before, &after, sizeof(before));
	/* A pure ACK in window is taken quietly. */
	s = seg(F_ACK, nxt, iss + 1);
	assert_int_equal(send_seg(&s, 3), SYNJITSU_TAKEN);
}

/*
 * The record's peer_wnd is the newest window, scaled; never one sent
 * past a gap (its bytes come again) nor an older segment's.
 */
static void
test_peer_window_follows_the_newest_segment(void **state)
{
	struct tseg   s;
	struct synrec rec;
	uint32_t      iss;

	(void)state;
	vm_setup();
	iss = open_conn(CL_PORT, IRS, 7, 0);
	s = data_seg(CL_PORT, IRS + 1, iss, req, 10);
	s.wnd = 100;
	assert_int_equal(send_seg(&s, 1), SYNJITSU_REPLIED);
	record_of(CL_PORT, &rec);
	assert_int_equal(rec.peer_wnd, 100u << 7);
	s = data_seg(CL_PORT, IRS + 50, iss, req, 10); /* past a gap */
	s.wnd = 5;
	assert_int_equal(send_seg(&s, 2), SYNJITSU_REPLIED);
	s = seg(F_ACK, IRS + 11, iss + 1);
	s.wnd = 200;
	assert_int_equal(send_seg(&s, 3), SYNJITSU_TAKEN);
	s = data_seg(CL_PORT, IRS + 6, iss, req + 5, 10); /* older seq */
	s.wnd = 3;
	assert_int_equal(send_seg(&s, 4), SYNJITSU_REPLIED);
	expect_ack(iss + 1, IRS + 16, SYNREC_DATA_MAX - 15);
	record_of(CL_PORT, &rec);
	assert_int_equal(rec.peer_wnd, 200u << 7);
	s = seg(F_ACK, IRS + 16, iss + 1);
	s.wnd = 0; /* the client is full */
	assert_int_equal(send_seg(&s, 5), SYNJITSU_TAKEN);
	record_of(CL_PORT, &rec);
	assert_int_equal(rec.peer_wnd, 0);
}

static void
test_fin_is_acked_and_recorded(void **state)
{
	struct tseg   s;
	struct synrec rec;
	uint32_t      iss, len = sizeof(req) - 1;

	(void)state;
	vm_setup();
	iss = open_conn(CL_PORT, IRS, -1, 0);
	s = data_seg(CL_PORT, IRS + 1, iss, req, len);
	s.flags |= F_FIN;
	assert_int_equal(send_seg(&s, 1), SYNJITSU_REPLIED);
	expect_ack(iss + 1, IRS + 2 + len, SYNREC_DATA_MAX - len);
	assert_int_equal(vm.stats.fins, 1);
	/* The FIN again: acked again, counted once. */
	s = seg(F_ACK | F_FIN, IRS + 1 + len, iss + 1);
	assert_int_equal(send_seg(&s, 2), SYNJITSU_REPLIED);
	expect_ack(iss + 1, IRS + 2 + len, SYNREC_DATA_MAX - len);
	assert_int_equal(vm.stats.fins, 1);
	/* Bytes after the FIN are not the client's to send. */
	s = data_seg(CL_PORT, IRS + 2 + len, iss, req, 4);
	assert_int_equal(send_seg(&s, 3), SYNJITSU_REPLIED);
	expect_ack(iss + 1, IRS + 2 + len, SYNREC_DATA_MAX - len);
	record_of(CL_PORT, &rec);
	assert_int_equal(rec.fin, 1);
	assert_int_equal(rec.datalen, len);
	assert_int_equal(rec.rcv_nxt, IRS + 2 + len);
	assert_int_equal(rec.peer_wscale, -1);
	assert_int_equal(rec.wscale, 0);
	assert_int_equal(rec.peer_wnd, 29200);
	assert_adoptable(&rec);
	assert_int_equal(synjitsu_nconn(&vm), 1);
}

static void
test_fin_after_a_gap_is_not_taken(void **state)
{
	struct tseg s;
	uint32_t    iss;

	(void)state;
	vm_setup();
	iss = open_conn(CL_PORT, IRS, 7, 0);
	s = seg(F_ACK | F_FIN, IRS + 11, iss + 1);
	assert_int_equal(send_seg(&s, 1), SYNJITSU_REPLIED);
	expect_ack(iss + 1, IRS + 1, SYNREC_DATA_MAX);
	assert_int_equal(vm.stats.fins, 0);
}

static void
test_rst_at_rcv_nxt_frees_and_other_rsts_do_not(void **state)
{
	struct tseg s;
	uint32_t    iss;

	(void)state;
	vm_setup();
	iss = open_conn(CL_PORT, IRS, 7, 0);
	/* In window but not exact: a challenge ACK (RFC 5961). */
	s = seg(F_RST, IRS + 100, 0);
	assert_int_equal(send_seg(&s, 1), SYNJITSU_REPLIED);
	expect_ack(iss + 1, IRS + 1, SYNREC_DATA_MAX);
	/* Out of window: silence. */
	s = seg(F_RST, IRS + 100000, 0);
	assert_int_equal(send_seg(&s, 1), SYNJITSU_DROPPED);
	assert_int_equal(synjitsu_nconn(&vm), 1);
	s = seg(F_RST | F_ACK, IRS + 1, iss + 1);
	assert_int_equal(send_seg(&s, 1), SYNJITSU_TAKEN);
	assert_int_equal(synjitsu_nconn(&vm), 0);
	assert_int_equal(vm.stats.rsts, 1);
	/* A half-open one goes the same way, without any challenge. */
	s = syn(CL_PORT, IRS);
	assert_int_equal(send_seg(&s, 2), SYNJITSU_REPLIED);
	s = seg(F_RST, IRS + 100, 0);
	assert_int_equal(send_seg(&s, 2), SYNJITSU_DROPPED);
	s = seg(F_RST, IRS + 1, 0);
	assert_int_equal(send_seg(&s, 2), SYNJITSU_TAKEN);
	assert_int_equal(synjitsu_nhalfopen(&vm), 0);
	assert_int_equal(vm.stats.rsts, 2);
}

/* --- what we keep quiet about ----------------------------------------- */

/*
 * A frame from a sender in the same kernel (a veth peer) carries only
 * the pseudo-header's sum; AF_PACKET flags it, and then the checksum is
 * not held against it.  The IPv4 header's own checksum still counts.
 */
static void
test_partial_tcp_checksum_is_trusted_only_when_flagged(void **state)
{
	struct tseg s = syn(CL_PORT, IRS);
	uint8_t	    f[FRAME_MAX];
	size_t	    len;

	(void)state;
	vm_setup();
	len = build_tcp(f, &s);
	f[50] ^= 0x5a; /* the TCP checksum, as a NIC left it */
	assert_int_equal(synjitsu_input(&vm, f, len, 0, out, sizeof(out),
			     &outlen),
	    SYNJITSU_DROPPED);
	assert_int_equal(vm.stats.drop_bad, 1);
	assert_int_equal(synjitsu_input_flags(&vm, f, len,
			     SYNJITSU_F_CSUM_PARTIAL, 0, out, sizeof(out),
			     &outlen),
	    SYNJITSU_REPLIED);
	assert_int_equal(vm.stats.synacks, 1);
	f[24] ^= 0x5a; /* the IPv4 header checksum */
	assert_int_equal(synjitsu_input_flags(&vm, f, len,
			     SYNJITSU_F_CSUM_PARTIAL, 0, out, sizeof(out),
			     &outlen),
	    SYNJITSU_DROPPED);
	assert_int_equal(vm.stats.drop_bad, 2);
}

static void
test_syn_to_unlisted_port_is_not_answered(void **state)
{
	struct tseg s = syn(CL_PORT, IRS);

	(void)state;
	vm_setup();
	s.dport = 8080;
	assert_int_equal(send_seg(&s, 0), SYNJITSU_DROPPED);
	assert_int_equal(vm.stats.drop_port, 1);
	assert_int_equal(vm.stats.synacks, 0);
	s.dport = 443;
	assert_int_equal(send_seg(&s, 0), SYNJITSU_REPLIED);
}

static void
test_segments_for_no_connection_are_not_answered(void **state)
{
	struct tseg s;

	(void)state;
	vm_setup();
	s = seg(F_ACK, IRS + 1, 12345);
	assert_int_equal(send_seg(&s, 0), SYNJITSU_DROPPED);
	s = data_seg(CL_PORT, IRS + 1, 12345, req, 5);
	assert_int_equal(send_seg(&s, 0), SYNJITSU_DROPPED);
	s = seg(F_RST, IRS + 1, 0);
	assert_int_equal(send_seg(&s, 0), SYNJITSU_DROPPED);
	s = seg(F_SYN | F_ACK, IRS, 12345);
	assert_int_equal(send_seg(&s, 0), SYNJITSU_DROPPED);
	s = seg(F_SYN | F_FIN, IRS, 0);
	assert_int_equal(send_seg(&s, 0), SYNJITSU_DROPPED);
	assert_int_equal(vm.stats.drop_unknown, 5);
	assert_int_equal(synjitsu_nhalfopen(&vm), 0);
}

/* --- limits, floods, expiry ------------------------------------------- */

static void
test_full_table_drops_syns_and_spares_established(void **state)
{
	struct tseg s;
	uint32_t    iss[4];
	int	    i;

	(void)state;
	vm_setup();
	assert_int_equal(synjitsu_limits(&vm, 4, SYNREC_DATA_MAX), 0);
	for (i = 0; i < 4; i++)
		iss[i] = open_conn((uint16_t)(CL_PORT + i), IRS, 7, 0);
	s = syn(CL_PORT + 10, IRS);
	assert_int_equal(send_seg(&s, 0), SYNJITSU_DROPPED);
	/* Established connections are never evicted, however old. */
	assert_int_equal(send_seg(&s, 100000), SYNJITSU_DROPPED);
	assert_int_equal(vm.stats.drop_full, 2);
	assert_int_equal(synjitsu_nconn(&vm), 4);
	for (i = 0; i < 4; i++) {
		s = data_seg((uint16_t)(CL_PORT + i), IRS + 1, iss[i], req, 3);
		assert_int_equal(send_seg(&s, 100001), SYNJITSU_REPLIED);
		expect_ack(iss[i] + 1, IRS + 4, SYNREC_DATA_MAX - 3);
	}
}

static void
test_full_table_of_old_half_open_gives_way(void **state)
{
	struct tseg s;
	uint16_t    p;

	(void)state;
	vm_setup();
	assert_int_equal(synjitsu_limits(&vm, 4, SYNREC_DATA_MAX), 0);
	for (p = 0; p < 4; p++) {
		s = syn((uint16_t)(CL_PORT + p), IRS);
		assert_int_equal(send_seg(&s, p), SYNJITSU_REPLIED);
	}
	s = syn(CL_PORT + 10, IRS);
	assert_int_equal(send_seg(&s, SYNJITSU_SYN_EVICT_MS - 1),
	    SYNJITSU_DROPPED);
	assert_int_equal(send_seg(&s, SYNJITSU_SYN_EVICT_MS), SYNJITSU_REPLIED);
	assert_int_equal(vm.stats.evicted, 1);
	assert_int_equal(synjitsu_nhalfopen(&vm), 4);
	/* The oldest (client port CL_PORT) went: its ACK is not ours. */
	s = seg(F_ACK, IRS + 1, synjitsu_iss(&vm, CL_IP, CL_PORT, 80, IRS) + 1);
	assert_int_equal(send_seg(&s, SYNJITSU_SYN_EVICT_MS), SYNJITSU_DROPPED);
	assert_int_equal(vm.stats.drop_unknown, 1);
}

static void
test_syn_flood_is_bounded_and_expires(void **state)
{
	struct tseg s;
	uint32_t    iss, i, n = 5000, replied = 0;
	uint64_t    now = 0;

	(void)state;
	vm_setup();
	assert_int_equal(synjitsu_route(&vm, 24, GW_IP), 0);
	teach(gw_mac, GW_IP);
	iss = open_conn(CL_PORT, IRS, 7, 0);
	for (i = 0; i < n; i++) {
		s = syn((uint16_t)(1024 + i % 60000), i * 2654435761u);
		s.src = 0x0b000000u + i; /* 11.0.0.0/8: distinct peers */
		s.hw = gw_mac;		 /* through the gateway */
		now = i / 4;		 /* 4000 SYNs a second */
		if (send_seg(&s, now) == SYNJITSU_REPLIED)
			replied++;
		assert_true(synjitsu_nhalfopen(&vm) + synjitsu_nconn(&vm) <=
		    SYNJITSU_CONN_MAX);
		if (i % 100 == 0)
			(void)synjitsu_tick(&vm, now);
	}
	assert_int_equal(vm.stats.syns, n + 1);
	assert_int_equal(replied + vm.stats.drop_full, n);
	assert_true(vm.stats.evicted > 0);
	assert_int_equal(synjitsu_nhalfopen(&vm), SYNJITSU_CONN_MAX - 1);
	/* The client established before the flood keeps its place. */
	assert_int_equal(synjitsu_nconn(&vm), 1);
	s = data_seg(CL_PORT, IRS + 1, iss, req, 3);
	assert_int_equal(send_seg(&s, now), SYNJITSU_REPLIED);
	expect_ack(iss + 1, IRS + 4, SYNREC_DATA_MAX - 3);
	/* Expiry frees every half-open slot, and only those. */
	assert_true(synjitsu_next(&vm) <= now + SYNJITSU_SYN_TTL_MS);
	assert_int_equal(synjitsu_tick(&vm, synjitsu_next(&vm) - 1), 0);
	(void)synjitsu_tick(&vm, now + SYNJITSU_SYN_TTL_MS);
	assert_int_equal(synjitsu_nhalfopen(&vm), 0);
	assert_int_equal(synjitsu_next(&vm), UINT64_MAX);
	assert_int_equal(synjitsu_nconn(&vm), 1);
	assert_true(vm.stats.expired > 0);
}

static void
test_half_open_expires_after_ttl_and_established_stays(void **state)
{
	struct tseg s = syn(CL_PORT + 1, IRS);

	(void)state;
	vm_setup();
	(void)open_conn(CL_PORT, IRS, 7, 0);
	assert_int_equal(synjitsu_next(&vm), UINT64_MAX);
	assert_int_equal(send_seg(&s, 100), SYNJITSU_REPLIED);
	assert_int_equal(synjitsu_next(&vm), 100 + SYNJITSU_SYN_TTL_MS);
	assert_int_equal(synjitsu_tick(&vm, 99 + SYNJITSU_SYN_TTL_MS), 0);
	assert_int_equal(synjitsu_tick(&vm, 100 + SYNJITSU_SYN_TTL_MS), 1);
	assert_int_equal(synjitsu_nhalfopen(&vm), 0);
	assert_int_equal(synjitsu_tick(&vm, 1000000), 0);
	assert_int_equal(synjitsu_nconn(&vm), 1);
	assert_int_equal(vm.stats.expired, 1);
}

/* --- the hand-over ---------------------------------------------------- */

static void
test_drain_refuses_new_syns_and_lets_half_open_finish(void **state)
{
	struct tseg  s = syn(CL_PORT, IRS);
	struct reply r;
	uint8_t	     f[64];

	(void)state;
	vm_setup();
	assert_int_equal(send_seg(&s, 0), SYNJITSU_REPLIED);
	parse_reply(&r);
	assert_int_equal(synjitsu_drain(&vm), 1);
	/* Its SYN again is still answered; a new client's is not. */
	assert_int_equal(send_seg(&s, 1), SYNJITSU_REPLIED);
	s = syn(CL_PORT + 1, IRS);
	assert_int_equal(send_seg(&s, 1), SYNJITSU_DROPPED);
	assert_int_equal(vm.stats.drop_drain, 1);
	s = seg(F_ACK, IRS + 1, r.seq + 1);
	assert_int_equal(send_seg(&s, 2), SYNJITSU_TAKEN);
	assert_int_equal(synjitsu_drain(&vm), 0);
	assert_int_equal(feed(f, build_arp(f, bcast, 1, CL_IP, VM_IP), 2),
	    SYNJITSU_REPLIED);
	assert_int_equal(synjitsu_freeze(&vm), 1);
}

/*
 * Settled only with a connection, none half-open, and every one's first
 * bytes (or FIN) in: what an early hand-over (handover_unpaused) waits
 * for.
 */
static void
test_settled_when_every_client_has_sent(void **state)
{
	struct tseg  s;
	struct reply r;
	uint32_t     iss2;

	(void)state;
	vm_setup();
	assert_int_equal(synjitsu_settled(&vm), 0); /* nobody yet */
	s = syn(CL_PORT, IRS);
	assert_int_equal(send_seg(&s, 0), SYNJITSU_REPLIED);
	parse_reply(&r);
	assert_int_equal(synjitsu_settled(&vm), 0); /* half-open */
	s = seg(F_ACK, IRS + 1, r.seq + 1);
	assert_int_equal(send_seg(&s, 0), SYNJITSU_TAKEN);
	assert_int_equal(synjitsu_settled(&vm), 0); /* nothing sent */
	s = data_seg(CL_PORT, IRS + 1, r.seq, req, 10);
	assert_int_equal(send_seg(&s, 1), SYNJITSU_REPLIED);
	assert_int_equal(synjitsu_settled(&vm), 1);
	/* A second client, silent: unsettled until it sends its FIN. */
	iss2 = open_conn(CL_PORT + 1, IRS, 7, 1);
	assert_int_equal(synjitsu_settled(&vm), 0);
	s = seg(F_ACK | F_FIN, IRS + 1, iss2 + 1);
	s.sport = CL_PORT + 1;
	assert_int_equal(send_seg(&s, 2), SYNJITSU_REPLIED);
	assert_int_equal(synjitsu_settled(&vm), 1);
	/* A third, half-open: unsettled again. */
	s = syn(CL_PORT + 2, IRS);
	assert_int_equal(send_seg(&s, 2), SYNJITSU_REPLIED);
	assert_int_equal(synjitsu_settled(&vm), 0);
}

/*
 * Frozen, no connection is taken or answered any more; what TCP comes
 * for the guest is kept for it, and its address is still ours in ARP
 * until it is on the wire itself.
 */
static void
test_freeze_keeps_tcp_for_the_guest_and_frees_half_open(void **state)
{
	struct tseg   s;
	struct synrec rec;
	uint32_t      iss;
	uint8_t	      f[64];

	(void)state;
	vm_setup();
	iss = open_conn(CL_PORT, IRS, 7, 0);
	s = syn(CL_PORT + 1, IRS);
	assert_int_equal(send_seg(&s, 0), SYNJITSU_REPLIED);
	assert_int_equal(synjitsu_freeze(&vm), 1);
	assert_int_equal(synjitsu_nhalfopen(&vm), 0);
	assert_int_equal(synjitsu_drain(&vm), 0); /* stays frozen */
	assert_int_equal(vm.mode, SYNJITSU_FROZEN);
	s = data_seg(CL_PORT, IRS + 1, iss, req, 5);
	assert_int_equal(send_seg(&s, 1), SYNJITSU_KEPT);
	s = syn(CL_PORT + 2, IRS);
	assert_int_equal(send_seg(&s, 1), SYNJITSU_KEPT);
	assert_int_equal(output(), 0);
	assert_int_equal(vm.stats.kept, 2);
	assert_int_equal(vm.stats.synacks, 2); /* both before the freeze */
	/* Its address is still ours to answer for. */
	assert_int_equal(feed(f, build_arp(f, bcast, 1, CL_IP, VM_IP), 1),
	    SYNJITSU_REPLIED);
	assert_int_equal(vm.stats.kept, 2);
	record_of(CL_PORT, &rec);
	assert_int_equal(rec.datalen, 0); /* nothing taken after */
	assert_false(has_record(CL_PORT + 1));
	assert_false(has_record(CL_PORT + 2));
}

/*
 * Frozen, the vm keeps until the guest speaks for itself: its own
 * gratuitous ARP (incoming from its port) ends the keeping and the ARP
 * answers; our own frames with its MAC (outgoing) do not.
 */
static void
test_freeze_keeps_until_the_guest_is_heard(void **state)
{
	struct tseg s;
	uint8_t	    f[64];
	size_t	    len;

	(void)state;
	vm_setup();
	(void)open_conn(CL_PORT, IRS, 7, 0);
	(void)synjitsu_freeze(&vm);
	s = syn(CL_PORT + 1, IRS);
	assert_int_equal(send_seg(&s, 1), SYNJITSU_KEPT);
	/* Our own announcement, seen going out: not the guest. */
	len = build_arp_from(f, vm_mac, bcast, 1, VM_IP, VM_IP);
	assert_int_equal(synjitsu_input_flags(&vm, f, len, SYNJITSU_F_OUTGOING,
			     2, out, sizeof(out), &outlen),
	    SYNJITSU_IGNORED);
	assert_int_equal(send_seg(&s, 3), SYNJITSU_KEPT);
	/* The guest's own, from its port: it is on the wire. */
	assert_int_equal(synjitsu_input_flags(&vm, f, len, 0, 4, out,
			     sizeof(out), &outlen),
	    SYNJITSU_IGNORED);
	assert_int_equal(send_seg(&s, 5), SYNJITSU_IGNORED);
	assert_int_equal(feed(f, build_arp(f, bcast, 1, CL_IP, VM_IP), 6),
	    SYNJITSU_IGNORED);
	assert_int_equal(vm.stats.kept, 2);
}

/* What a frozen vm keeps must reach the guest with a whole checksum. */
static void
test_a_partial_checksum_is_finished_for_the_guest(void **state)
{
	struct tseg s = syn(CL_PORT, IRS);
	uint8_t	    f[FRAME_MAX], want[2];
	uint8_t	   *t = f + 34;
	size_t	    len, tlen;

	(void)state;
	len = build_tcp(f, &s);
	tlen = len - 34;
	memcpy(want, t + 16, 2);
	/* As a veth peer leaves it: the pseudo-header's sum only. */
	w16(t + 16, (uint16_t)~cksum(NULL, 0, pseudo(CL_IP, VM_IP, tlen)));
	assert_memory_not_equal(t + 16, want, 2);
	assert_int_equal(synjitsu_csum_fill(f, len), 0);
	assert_memory_equal(t + 16, want, 2);
	/* Not IPv4 TCP: left alone. */
	assert_int_equal(synjitsu_csum_fill(f,
			     build_arp(f, bcast, 1, CL_IP, VM_IP)),
	    -1);
	assert_int_equal(synjitsu_csum_fill(f, 20), -1);
}

static void
test_records_are_consistent_and_survive_encoding(void **state)
{
	static char   line[SYNREC_LINE_MAX];
	struct synrec rec, back;
	struct tseg   s;
	const char   *why;
	uint32_t      iss[3];
	size_t	      i, n = 0;

	(void)state;
	vm_setup();
	iss[0] = open_conn(CL_PORT, IRS, 14, 0);
	iss[1] = open_conn(CL_PORT + 1, 7, -1, 0);
	iss[2] = open_conn(CL_PORT + 2, 0xffffffffu, 3, 0);
	s = syn(CL_PORT + 3, 99); /* stays half-open */
	s.mss = -1;
	assert_int_equal(send_seg(&s, 0), SYNJITSU_REPLIED);
	s = data_seg(CL_PORT, IRS + 1, iss[0], req, sizeof(req) - 1);
	s.wnd = 1000;
	assert_int_equal(send_seg(&s, 1), SYNJITSU_REPLIED);
	s = seg(F_ACK | F_FIN, 8, iss[1] + 1);
	s.sport = CL_PORT + 1;
	assert_int_equal(send_seg(&s, 1), SYNJITSU_REPLIED);
	s = data_seg(CL_PORT + 2, 0, iss[2], req, 4); /* seq wraps */
	assert_int_equal(send_seg(&s, 1), SYNJITSU_REPLIED);
	assert_int_equal(synjitsu_record(&vm, SYNJITSU_CONN_MAX, &rec), -1);
	for (i = 0; i < SYNJITSU_CONN_MAX; i++) {
		if (synjitsu_record(&vm, i, &rec) != 0)
			continue;
		n++;
		assert_adoptable(&rec);
		assert_int_equal(rec.peer_ip, CL_IP);
		assert_int_equal(rec.local_port, 80);
		assert_int_not_equal(rec.peer_port, CL_PORT + 3);
		assert_int_equal(rec.iss,
		    synjitsu_iss(&vm, CL_IP, rec.peer_port, 80, rec.irs));
		assert_true(synrec_encode(&rec, line, sizeof(line)) > 0);
		if (synrec_decode(line, &back, &why) != 0)
			fail_msg("synrec_decode: %s: %s", why, line);
		assert_int_equal(back.datalen, rec.datalen);
		assert_memory_equal(back.data, rec.data, rec.datalen);
		assert_int_equal(back.rcv_nxt, rec.rcv_nxt);
		assert_int_equal(back.peer_wnd, rec.peer_wnd);
		assert_int_equal(back.hop_ip, rec.hop_ip);
		assert_memory_equal(back.hop_mac, rec.hop_mac, 6);
	}
	assert_int_equal(n, 3);
	assert_int_equal(n, synjitsu_nconn(&vm));
	record_of(CL_PORT, &rec);
	assert_int_equal(rec.peer_wscale, 14);
	assert_int_equal(rec.peer_wnd, 1000u << 14);
	record_of(CL_PORT + 1, &rec);
	assert_int_equal(rec.fin, 1);
	assert_int_equal(rec.peer_wscale, -1);
	record_of(CL_PORT + 2, &rec);
	assert_int_equal(rec.rcv_nxt, 4);
	assert_memory_equal(rec.data, req, 4);
}

/*
 * Each record names the guest's next hop toward its client and the MAC
 * the SYN came from (checked to be the hop's): the client asked us for
 * the guest's address, so the guest has not learnt the hop's itself.
 */
static void
test_records_carry_the_next_hop_and_its_mac(void **state)
{
	static char   line[SYNREC_LINE_MAX];
	struct synrec rec;
	struct tseg   s;
	struct reply  r;

	(void)state;
	vm_setup();
	(void)open_conn(CL_PORT, IRS, 7, 0);
	record_of(CL_PORT, &rec);
	assert_int_equal(rec.hop_ip, CL_IP);
	assert_memory_equal(rec.hop_mac, cl_mac, 6);
	/* Off-link: the gateway, at the gateway's MAC. */
	assert_int_equal(synjitsu_route(&vm, 24, GW_IP), 0);
	teach(gw_mac, GW_IP);
	s = syn(CL_PORT + 1, IRS);
	s.src = FAR_IP;
	s.hw = gw_mac;
	assert_int_equal(send_seg(&s, 0), SYNJITSU_REPLIED);
	parse_reply_to(out, outlen, gw_mac, FAR_IP, &r);
	s = seg(F_ACK, IRS + 1, r.seq + 1);
	s.sport = CL_PORT + 1;
	s.src = FAR_IP;
	s.hw = gw_mac;
	assert_int_equal(send_seg(&s, 0), SYNJITSU_TAKEN);
	record_of(CL_PORT + 1, &rec);
	assert_int_equal(rec.peer_ip, FAR_IP);
	assert_int_equal(rec.hop_ip, GW_IP);
	assert_memory_equal(rec.hop_mac, gw_mac, 6);
	assert_true(synrec_encode(&rec, line, sizeof(line)) > 0);
	assert_non_null(strstr(line, " hop=10.0.0.1/02:00:00:00:00:01 "));
}

static void
test_client_mss_is_recorded_with_defaults_and_floor(void **state)
{
	struct tseg   s;
	struct reply  r;
	struct synrec rec;
	const int     mss[] = { -1, 0, 1, 536, 9000 };
	const int     want[] = { 536, 536, 64, 536, 9000 };
	size_t	      i;

	(void)state;
	vm_setup();
	for (i = 0; i < sizeof(mss) / sizeof(mss[0]); i++) {
		s = syn((uint16_t)(CL_PORT + i), IRS);
		s.mss = mss[i];
		assert_int_equal(send_seg(&s, 0), SYNJITSU_REPLIED);
		parse_reply(&r);
		s = seg(F_ACK, IRS + 1, r.seq + 1);
		s.sport = (uint16_t)(CL_PORT + i);
		assert_int_equal(send_seg(&s, 0), SYNJITSU_TAKEN);
		record_of((uint16_t)(CL_PORT + i), &rec);
		assert_int_equal(rec.mss, want[i]);
	}
}

/* --- the ISN ---------------------------------------------------------- */

static void
test_siphash_matches_the_reference_vectors(void **state)
{
	uint8_t key[16], msg[15];
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)i;
	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)i;
	/* The paper's appendix A, and the first of its 64 vectors. */
	assert_true(siphash(key, msg, 15) == 0xa129ca6149be45e5ULL);
	assert_true(siphash(key, msg, 0) == 0x726fdb47dd0e0e31ULL);
}

static void
test_iss_depends_on_tuple_isn_and_secret(void **state)
{
	struct synjitsu_vm *other;
	uint8_t		    s2[SYNJITSU_SECRET_LEN];
	uint32_t	    iss;

	(void)state;
	vm_setup();
	iss = synjitsu_iss(&vm, CL_IP, CL_PORT, 80, IRS);
	assert_int_equal(synjitsu_iss(&vm, CL_IP, CL_PORT, 80, IRS), iss);
	assert_int_not_equal(synjitsu_iss(&vm, CL_IP + 1, CL_PORT, 80, IRS),
	    iss);
	assert_int_not_equal(synjitsu_iss(&vm, CL_IP, CL_PORT + 1, 80, IRS),
	    iss);
	assert_int_not_equal(synjitsu_iss(&vm, CL_IP, CL_PORT, 443, IRS), iss);
	assert_int_not_equal(synjitsu_iss(&vm, CL_IP, CL_PORT, 80, IRS + 1),
	    iss);
	other = calloc(1, sizeof(*other));
	assert_non_null(other);
	memcpy(s2, secret, sizeof(s2));
	s2[15] ^= 1;
	assert_int_equal(synjitsu_init(other, VM_IP, vm_mac, ports, 2, s2), 0);
	assert_int_not_equal(synjitsu_iss(other, CL_IP, CL_PORT, 80, IRS), iss);
	free(other);
}

static void
test_init_refuses_bad_arguments(void **state)
{
	static const uint16_t many[SYNJITSU_PORTS_MAX + 1] = { 1 };
	static const uint16_t zero[] = { 80, 0 };
	static const uint8_t  group[6] = { 0x01, 0, 0x5e, 0, 0, 1 };
	static const uint8_t  none[6];

	(void)state;
	assert_int_equal(synjitsu_init(&vm, 0, vm_mac, ports, 2, secret), -1);
	assert_int_equal(synjitsu_init(&vm, VM_IP, group, ports, 2, secret),
	    -1);
	assert_int_equal(synjitsu_init(&vm, VM_IP, none, ports, 2, secret), -1);
	assert_int_equal(synjitsu_init(&vm, VM_IP, vm_mac, many,
			     SYNJITSU_PORTS_MAX + 1, secret),
	    -1);
	assert_int_equal(synjitsu_init(&vm, VM_IP, vm_mac, zero, 2, secret),
	    -1);
	assert_int_equal(synjitsu_init(&vm, VM_IP, vm_mac, NULL, 0, secret), 0);
}

/* --- fuzz ------------------------------------------------------------- */

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint32_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 32);
}

/* A reply to a fuzzed frame: well-formed, to whoever sent the frame. */
static void
check_fuzz_reply(const uint8_t *f, size_t len)
{
	struct reply r;

	assert_true(len >= 14);
	if (r16(out + 12) == 0x0806) {
		/* Our answer to a who-has, or our who-has for a hop. */
		assert_int_equal(outlen, 42);
		assert_memory_equal(out + 6, vm_mac, 6);
		assert_int_equal(r32(out + 14 + 14), VM_IP);
		return;
	}
	assert_true(len >= 34);
	parse_reply_to(out, outlen, f + 6, r32(f + 14 + 12), &r);
}

static void
check_invariants(void)
{
	struct synrec rec;
	size_t	      i, n = 0;

	for (i = 0; i < SYNJITSU_CONN_MAX; i++)
		if (synjitsu_record(&vm, i, &rec) == 0) {
			assert_adoptable(&rec);
			n++;
		}
	assert_int_equal(n, synjitsu_nconn(&vm));
	assert_true(n + synjitsu_nhalfopen(&vm) <= vm.maxconn);
}

/* Where the client on port p stands: at rcv_nxt, or near it. */
static uint32_t
fuzz_seq(uint16_t p)
{
	struct synrec r;
	size_t	      i;

	if (rnd() & 1)
		for (i = 0; i < SYNJITSU_CONN_MAX; i++)
			if (synjitsu_record(&vm, i, &r) == 0 &&
			    r.peer_port == p && r.peer_ip == CL_IP)
				return r.rcv_nxt;
	return IRS + 1 + rnd() % 64;
}

/* A valid frame for the vm: ARP, or TCP for one of eight clients. */
static size_t
fuzz_base(uint8_t *f)
{
	struct tseg s;
	uint16_t    p = (uint16_t)(CL_PORT + rnd() % 8);
	uint32_t    irs = IRS + rnd() % 2;
	uint32_t    iss = synjitsu_iss(&vm, CL_IP, p, 80, IRS);

	switch (rnd() % 6) {
	case 0:
		return build_arp(f, bcast, 1, CL_IP, VM_IP);
	case 1:
		s = syn(p, irs);
		s.sackok = s.ts = (int)(rnd() & 1);
		break;
	case 2:
		s = seg(F_ACK, irs + 1,
		    synjitsu_iss(&vm, CL_IP, p, 80, irs) + 1);
		s.sport = p;
		break;
	case 3:
		s = data_seg(p, fuzz_seq(p), iss, req, rnd() % sizeof(req));
		break;
	case 4:
		s = seg(F_ACK | F_FIN, fuzz_seq(p), iss + 1);
		s.sport = p;
		break;
	default:
		s = seg(F_RST, fuzz_seq(p) + rnd() % 4 * (rnd() % 2048), 0);
		s.sport = p;
		break;
	}
	return build_tcp(f, &s);
}

static size_t
fuzz_mutate(uint8_t *f, size_t n)
{
	int	 k = (int)(rnd() % 4); /* a quarter go in unharmed */
	uint32_t pad;

	while (k-- > 0) {
		switch (rnd() % 4) {
		case 0:
			f[rnd() % n] ^= (uint8_t)(1u << (rnd() % 8));
			break;
		case 1:
			f[rnd() % n] = (uint8_t)rnd();
			break;
		case 2: /* cut or pad */
			if (rnd() & 1) {
				n = 1 + rnd() % n;
				break;
			}
			for (pad = rnd() % 32; pad > 0; pad--)
				f[n++] = (uint8_t)rnd();
			break;
		default: /* the headers, mostly */
			if (n > 14)
				f[14 + rnd() % (n - 14 < 60 ? n - 14 : 60)] =
				    (uint8_t)rnd();
			break;
		}
	}
	if (rnd() & 1)
		refix(f, n); /* so the state machine sees it */
	return n;
}

static void
test_mutated_frames_never_crash_and_replies_are_sound(void **state)
{
	uint8_t		      f[FRAME_MAX];
	enum synjitsu_verdict v;
	uint64_t	      now = 0;
	size_t		      n;
	int		      i, round;

	(void)state;
	for (round = 0; round < 4; round++) {
		vm_setup();
		for (i = 0; i < 3; i++)
			(void)open_conn((uint16_t)(CL_PORT + i), IRS, 7, 0);
		for (i = 0; i < 5000; i++) {
			n = fuzz_mutate(f, fuzz_base(f));
			now += rnd() % 8;
			v = feed(f, n, now);
			if (v == SYNJITSU_REPLIED)
				check_fuzz_reply(f, n);
			/* Owed SYN-ACKs go to the client we know. */
			while (output() > 0) {
				struct reply r;

				parse_reply_to(out, outlen, out,
				    r32(out + 14 + 16), &r);
				assert_int_equal(r.flags, F_SYN | F_ACK);
			}
			if (i % 64 == 0)
				(void)synjitsu_tick(&vm, now);
			check_invariants();
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_garp_announces_the_vm_address_at_its_mac),
		cmocka_unit_test(test_garp_of_needs_no_claim),
		cmocka_unit_test(
		    test_arp_who_has_vm_ip_is_answered_with_vm_mac),
		cmocka_unit_test(test_arp_not_asking_for_vm_ip_is_ignored),
		cmocka_unit_test(
		    test_syn_from_an_unknown_hop_is_held_and_answered_on_its_arp_reply),
		cmocka_unit_test(test_every_syn_held_for_a_hop_is_answered),
		cmocka_unit_test(
		    test_syn_forged_from_another_mac_is_never_answered),
		cmocka_unit_test(
		    test_segments_of_a_connection_from_another_mac_are_dropped),
		cmocka_unit_test(
		    test_neighbours_are_learnt_as_the_guest_learns_them),
		cmocka_unit_test(test_offlink_clients_go_through_the_gateway),
		cmocka_unit_test(
		    test_route_refuses_what_the_guest_could_not_use),
		cmocka_unit_test(
		    test_a_hop_pushed_out_of_the_table_is_asked_for_again),
		cmocka_unit_test(
		    test_held_syns_expire_and_are_never_handed_over),
		cmocka_unit_test(test_every_prefix_of_a_valid_frame_is_refused),
		cmocka_unit_test(test_malformed_ipv4_and_tcp_are_refused),
		cmocka_unit_test(
		    test_partial_tcp_checksum_is_trusted_only_when_flagged),
		cmocka_unit_test(test_frames_from_the_vm_itself_are_ignored),
		cmocka_unit_test(test_short_reply_buffer_is_refused),
		cmocka_unit_test(
		    test_syn_gets_synack_with_iss_mss_wscale_and_window),
		cmocka_unit_test(
		    test_retransmitted_syn_gets_the_identical_synack),
		cmocka_unit_test(
		    test_syn_with_new_isn_replaces_the_half_open_one),
		cmocka_unit_test(test_ack_of_synack_establishes),
		cmocka_unit_test(test_data_is_acked_and_buffered),
		cmocka_unit_test(
		    test_duplicate_and_overlapping_data_is_reacked_not_kept),
		cmocka_unit_test(
		    test_data_beyond_the_bound_is_acked_only_as_far_as_it_fits),
		cmocka_unit_test(test_lower_limit_bounds_buffer_and_window),
		cmocka_unit_test(
		    test_out_of_window_segments_are_acked_without_change),
		cmocka_unit_test(test_peer_window_follows_the_newest_segment),
		cmocka_unit_test(test_fin_is_acked_and_recorded),
		cmocka_unit_test(test_fin_after_a_gap_is_not_taken),
		cmocka_unit_test(
		    test_rst_at_rcv_nxt_frees_and_other_rsts_do_not),
		cmocka_unit_test(test_syn_to_unlisted_port_is_not_answered),
		cmocka_unit_test(
		    test_segments_for_no_connection_are_not_answered),
		cmocka_unit_test(
		    test_full_table_drops_syns_and_spares_established),
		cmocka_unit_test(test_full_table_of_old_half_open_gives_way),
		cmocka_unit_test(test_syn_flood_is_bounded_and_expires),
		cmocka_unit_test(
		    test_half_open_expires_after_ttl_and_established_stays),
		cmocka_unit_test(
		    test_drain_refuses_new_syns_and_lets_half_open_finish),
		cmocka_unit_test(
		    test_freeze_keeps_tcp_for_the_guest_and_frees_half_open),
		cmocka_unit_test(test_settled_when_every_client_has_sent),
		cmocka_unit_test(
		    test_syn_from_a_hop_dom0_knows_is_answered_at_once),
		cmocka_unit_test(
		    test_a_partial_checksum_is_finished_for_the_guest),
		cmocka_unit_test(test_freeze_keeps_until_the_guest_is_heard),
		cmocka_unit_test(
		    test_records_are_consistent_and_survive_encoding),
		cmocka_unit_test(
		    test_client_mss_is_recorded_with_defaults_and_floor),
		cmocka_unit_test(test_records_carry_the_next_hop_and_its_mac),
		cmocka_unit_test(test_siphash_matches_the_reference_vectors),
		cmocka_unit_test(test_iss_depends_on_tuple_isn_and_secret),
		cmocka_unit_test(test_init_refuses_bad_arguments),
		cmocka_unit_test(
		    test_mutated_frames_never_crash_and_replies_are_sound),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
