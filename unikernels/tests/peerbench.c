/* peerbench.c -- test unikernel: conduit against TCP to the echo server */
#include "uk.h"

/*
 * The client half of issue 12's bench: it talks to apps/echo by name,
 * either over a conduit (`conduit=NAME') or over TCP through our own
 * netfront (`tcp=NAME dns=A.B.C.D jitsu.ip=A.B.C.D/N', or `tcp=A.B.C.D'
 * for a server already up), and measures on ONE channel, in order:
 *   ttfb  from the start of connect to the first echoed byte.  conduit:
 *         the request to jitsud, which summons a stopped server, and the
 *         vchan's set-up.  TCP: the DNS query (jitsud holds its answer
 *         until a summoned server is ready), ARP and the handshake to
 *         port 7.  connect_us: when the channel took its first byte.
 *   rtt   rtt=N round trips (default 1000) of 64 bytes, one at a time;
 *         p50, p99 and max in microseconds.
 *   xfer  mib=LIST ("1+64" by default): each size echoed whole, written
 *         while the echo is read back, the bytes back counted.
 * One channel, because one domain has two vchans in its life (uk.h).
 * Each result is a line "peerbench: result mode=M what=W key=value...",
 * times from uk_now(); then SUCCESS or FAILURE (with the phase and the
 * error).  limit=S bounds each phase (default 300 s).
 */

#define RTT_MAX	 10000
#define RTT_LEN	 64
#define BUF	 65536
#define ECHO_TCP 7
#define DNS_PORT 53
#define DNS_SELF 40053 /* our UDP port for DNS */
#define DNS_MAX	 512

static struct uk_conduit *cd;
static struct uk_tcp *tcp;
static const char *mode = "none";
static uint64_t deadline, limit = UK_SEC(300);
static uint32_t rtt_us[RTT_MAX];
static uint8_t wbuf[BUF], rbuf[BUF];

/* Readiness is polled: the callbacks only make uk_poll() return. */
static void
cd_event(struct uk_conduit *c, int events, void *arg)
{
	(void)c;
	(void)events;
	(void)arg;
}

static void
tcp_event(struct uk_tcp *c, int events, void *arg)
{
	(void)c;
	(void)events;
	(void)arg;
}

static long
pb_read(void *buf, size_t len)
{
	return cd != NULL ? uk_conduit_read(cd, buf, len) :
			    uk_tcp_read(tcp, buf, len);
}

static long
pb_write(const void *buf, size_t len)
{
	return cd != NULL ? uk_conduit_write(cd, buf, len) :
			    uk_tcp_write(tcp, buf, len);
}

/* One turn of the event loop; -UK_ETIMEDOUT past the phase's deadline. */
static int
pb_wait(void)
{
	if (uk_now() >= deadline)
		return -UK_ETIMEDOUT;
	(void)uk_poll(deadline);
	return 0;
}

static uint64_t
pb_us(uint64_t since)
{
	return (uk_now() - since) / UK_USEC(1);
}

/* Writes all len bytes; 0 or an error (-UK_EPIPE for a refused write). */
static int
pb_send(const uint8_t *buf, size_t len)
{
	long n;
	int rc;

	while (len > 0) {
		if ((n = pb_write(buf, len)) > 0) {
			buf += n;
			len -= (size_t)n;
		} else if (n != -UK_EAGAIN)
			return n < 0 ? (int)n : -UK_EPIPE;
		else if ((rc = pb_wait()) != 0)
			return rc;
	}
	return 0;
}

/* Reads exactly len bytes; -UK_EPIPE at an early end of stream. */
static int
pb_recv(uint8_t *buf, size_t len)
{
	long n;
	int rc;

	while (len > 0) {
		if ((n = pb_read(buf, len)) > 0) {
			buf += n;
			len -= (size_t)n;
		} else if (n != -UK_EAGAIN)
			return n < 0 ? (int)n : -UK_EPIPE;
		else if ((rc = pb_wait()) != 0)
			return rc;
	}
	return 0;
}

/* name as DNS labels at q; its length, or 0 if it does not fit. */
static size_t
dns_qname(uint8_t *q, size_t room, const char *name)
{
	size_t at = 0, len;
	const char *dot;

	while (*name != '\0') {
		dot = strchr(name, '.');
		len = dot != NULL ? (size_t)(dot - name) : strlen(name);
		if (len == 0 || len > 63 || at + len + 2 > room)
			return 0;
		q[at++] = (uint8_t)len;
		memcpy(q + at, name, len);
		at += len;
		name += len + (dot != NULL);
	}
	q[at++] = 0;
	return at;
}

/* A query for name's A record, id 0x5042; its length or 0. */
static size_t
dns_query(uint8_t *q, size_t room, const char *name)
{
	static const uint8_t hdr[12] = { 0x50, 0x42, 0x01, 0, 0, 1 };
	size_t n;

	if (room < sizeof(hdr) + 4 ||
	    (n = dns_qname(q + 12, room - 16, name)) == 0)
		return 0;
	memcpy(q, hdr, sizeof(hdr));
	memcpy(q + 12 + n, "\0\1\0\1", 4);
	return 12 + n + 4;
}

/* The offset past the (maybe compressed) name at off; 0 if malformed. */
static size_t
dns_skip(const uint8_t *m, size_t len, size_t off)
{
	while (off < len) {
		if ((m[off] & 0xc0) == 0xc0)
			return off + 2 <= len ? off + 2 : 0;
		if (m[off] > 63)
			return 0;
		if (m[off] == 0)
			return off + 1;
		off += 1 + (size_t)m[off];
	}
	return 0;
}

/* The first A record of our answer m; -UK_EBADMSG if there is none. */
static int
dns_answer(const uint8_t *m, size_t len, uint32_t *ip)
{
	size_t off, rdlen;
	unsigned int an;

	if (len < 12 || m[0] != 0x50 || m[1] != 0x42 || !(m[2] & 0x80) ||
	    (m[3] & 0x0f) != 0 || m[4] != 0 || m[5] != 1)
		return -UK_EBADMSG;
	an = (unsigned int)m[6] << 8 | m[7];
	if ((off = dns_skip(m, len, 12)) == 0 || (off += 4) > len)
		return -UK_EBADMSG;
	for (; an > 0; an--) {
		if ((off = dns_skip(m, len, off)) == 0 || off + 10 > len)
			return -UK_EBADMSG;
		rdlen = (size_t)m[off + 8] << 8 | m[off + 9];
		if (off + 10 + rdlen > len)
			return -UK_EBADMSG;
		if (m[off] == 0 && m[off + 1] == 1 && rdlen == 4) {
			*ip = (uint32_t)m[off + 10] << 24 |
			    (uint32_t)m[off + 11] << 16 |
			    (uint32_t)m[off + 12] << 8 | m[off + 13];
			return 0;
		}
		off += 10 + rdlen;
	}
	return -UK_EBADMSG;
}

static void
dns_event(struct uk_udp *u, void *arg)
{
	(void)u;
	(void)arg;
}

/*
 * Asks server for name's address, again every 3 s without an answer
 * (jitsud holds it while it summons, and coalesces the repeats).
 */
static int
pb_resolve(const char *name, uint32_t server, uint32_t *ip)
{
	uint8_t q[DNS_MAX], a[DNS_MAX];
	uint64_t again = 0;
	struct uk_udp *u;
	size_t qlen;
	int n, rc;

	if ((qlen = dns_query(q, sizeof(q), name)) == 0)
		return -UK_EINVAL;
	if ((rc = uk_udp_bind(DNS_SELF, dns_event, NULL, &u)) != 0)
		return rc;
	for (rc = -UK_EAGAIN; rc == -UK_EAGAIN;) {
		if (uk_now() >= again) {
			(void)uk_udp_sendto(u, q, qlen, server, DNS_PORT);
			again = uk_now() + UK_SEC(3);
		}
		if ((n = uk_udp_recvfrom(u, a, sizeof(a), NULL, NULL)) >= 0)
			rc = dns_answer(a, (size_t)n, ip) == 0 ? 0 : -UK_EAGAIN;
		else if (uk_now() >= deadline)
			rc = -UK_ETIMEDOUT;
		else
			(void)uk_poll(again < deadline ? again : deadline);
	}
	uk_udp_close(u);
	return rc;
}

/* The TCP connection to name (an address, or asked of dns=). */
static int
pb_tcp_open(const char *name, uint64_t *dns_us)
{
	char dns[20];
	uint32_t ip, server;
	uint64_t t0 = uk_now();
	int rc;

	if (uk_ip_parse(name, &ip) != 0) {
		if (uk_cmdline_get("dns", dns, sizeof(dns)) <= 0 ||
		    uk_ip_parse(dns, &server) != 0)
			return -UK_EINVAL;
		if ((rc = pb_resolve(name, server, &ip)) != 0)
			return rc;
	}
	*dns_us = pb_us(t0);
	return uk_tcp_connect(ip, ECHO_TCP, tcp_event, NULL, &tcp);
}

/* Connect to the first echoed byte. */
static int
pb_ttfb(const char *name)
{
	uint64_t t0, conn, dns_us = 0;
	int rc;

	t0 = uk_now();
	if (strcmp(mode, "conduit") == 0)
		rc = uk_conduit_connect(name, cd_event, NULL, &cd);
	else
		rc = pb_tcp_open(name, &dns_us);
	if (rc != 0)
		return rc;
	wbuf[0] = 'x';
	if ((rc = pb_send(wbuf, 1)) != 0)
		return rc;
	conn = pb_us(t0);
	if ((rc = pb_recv(rbuf, 1)) != 0)
		return rc;
	if (rbuf[0] != 'x')
		return -UK_EBADMSG;
	printf("peerbench: result mode=%s what=ttfb us=%lu connect_us=%lu "
	       "dns_us=%lu\n",
	    mode, (unsigned long)pb_us(t0), (unsigned long)conn,
	    (unsigned long)dns_us);
	return 0;
}

static void
pb_sort(uint32_t *v, int n)
{
	uint32_t t;
	int i, j;

	for (i = 1; i < n; i++)
		for (j = i, t = v[i]; j > 0 && v[j - 1] > t; j--) {
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
}

/* The p-th percentile of the sorted v, nearest rank. */
static uint32_t
pb_pct(const uint32_t *v, int n, int p)
{
	int k = (n * p + 99) / 100;

	return v[k < 1 ? 0 : k - 1];
}

/* n round trips of RTT_LEN bytes, each checked. */
static int
pb_rtt(int n)
{
	uint64_t t;
	int i, j, rc;

	for (i = 0; i < n; i++) {
		for (j = 0; j < RTT_LEN; j++)
			wbuf[j] = (uint8_t)(i + j);
		t = uk_now();
		if ((rc = pb_send(wbuf, RTT_LEN)) != 0 ||
		    (rc = pb_recv(rbuf, RTT_LEN)) != 0)
			return rc;
		rtt_us[i] = (uint32_t)pb_us(t);
		if (memcmp(wbuf, rbuf, RTT_LEN) != 0)
			return -UK_EBADMSG;
	}
	pb_sort(rtt_us, n);
	printf("peerbench: result mode=%s what=rtt n=%d bytes=%d p50_us=%u "
	       "p99_us=%u max_us=%u\n",
	    mode, n, RTT_LEN, pb_pct(rtt_us, n, 50), pb_pct(rtt_us, n, 99),
	    rtt_us[n - 1]);
	return 0;
}

/* size bytes written while the echo is read back, until all are back. */
static int
pb_xfer(unsigned long size)
{
	unsigned long sent = 0, got = 0;
	uint64_t t0 = uk_now(), us;
	size_t len;
	long n;
	int moved, rc;

	while (got < size) {
		/* Slow progress is no progress: the phase's limit holds. */
		if (uk_now() >= deadline)
			return -UK_ETIMEDOUT;
		moved = 0;
		len = size - sent < BUF ? size - sent : BUF;
		if (len > 0 && (n = pb_write(wbuf, len)) != -UK_EAGAIN) {
			if (n <= 0)
				return n < 0 ? (int)n : -UK_EPIPE;
			sent += (unsigned long)n;
			moved = 1;
		}
		if ((n = pb_read(rbuf, BUF)) != -UK_EAGAIN) {
			if (n <= 0)
				return n < 0 ? (int)n : -UK_EPIPE;
			got += (unsigned long)n;
			moved = 1;
		}
		if (!moved && (rc = pb_wait()) != 0)
			return rc;
	}
	if (got != size)
		return -UK_EBADMSG;
	us = pb_us(t0);
	printf("peerbench: result mode=%s what=xfer bytes=%lu us=%lu "
	       "kib_s=%lu\n",
	    mode, size, (unsigned long)us,
	    (unsigned long)((uint64_t)size / 1024 * 1000000 / (us ? us : 1)));
	return 0;
}

/* key=N from the command line, def without it; 0 if not a number. */
static unsigned long
pb_num(const char *key, unsigned long def)
{
	char buf[16], *end;
	unsigned long v;

	if (uk_cmdline_get(key, buf, sizeof(buf)) == -UK_ENOENT)
		return def;
	v = strtoul(buf, &end, 10);
	return end != buf && *end == '\0' ? v : 0;
}

/* Every transfer of mib= ("+"-separated MiB), in order. */
static int
pb_xfers(const char **phase)
{
	char list[64], *p, *end;
	unsigned long mib;
	int rc;

	if (uk_cmdline_get("mib", list, sizeof(list)) == -UK_ENOENT)
		strlcpy(list, "1+64", sizeof(list));
	for (p = list; *p != '\0'; p = *end == '+' ? end + 1 : end) {
		mib = strtoul(p, &end, 10);
		if (end == p || mib == 0 || mib > 1024 ||
		    (*end != '+' && *end != '\0'))
			return -UK_EINVAL;
		deadline = uk_now() + limit;
		*phase = "xfer";
		if ((rc = pb_xfer(mib * 1024 * 1024)) != 0)
			return rc;
	}
	return 0;
}

/* The mode and name from the command line; 0 or 1 (said). */
static int
pb_setup(char *name, size_t size)
{
	int rc;

	if (uk_cmdline_get("conduit", name, size) > 0)
		mode = "conduit";
	else if (uk_cmdline_get("tcp", name, size) > 0)
		mode = "tcp";
	else {
		printf("peerbench: need conduit=NAME or tcp=NAME dns=A.B.C.D "
		       "jitsu.ip=A.B.C.D/N, or tcp=A.B.C.D jitsu.ip=...\n");
		return 1;
	}
	/* The NIC's bring-up is the client's boot, not the server's. */
	if (strcmp(mode, "tcp") == 0 && (rc = uk_ip_up(NULL)) != 0) {
		printf("peerbench: network: error %d\n", rc);
		return 1;
	}
	return 0;
}

int
uk_main(void)
{
	const char *phase = "setup";
	char name[256];
	unsigned long n;
	int rc;

	if ((n = pb_num("limit", 300)) > 0)
		limit = UK_SEC(n);
	if ((n = pb_num("rtt", 1000)) == 0 || n > RTT_MAX)
		printf("peerbench: rtt= must be 1 to %d\n", RTT_MAX);
	if (n == 0 || n > RTT_MAX || pb_setup(name, sizeof(name)) != 0) {
		printf("peerbench: FAILURE\n");
		return 1;
	}
	deadline = uk_now() + limit;
	phase = "ttfb";
	if ((rc = pb_ttfb(name)) == 0) {
		deadline = uk_now() + limit;
		phase = "rtt";
		if ((rc = pb_rtt((int)n)) == 0)
			rc = pb_xfers(&phase);
	}
	if (cd != NULL)
		uk_conduit_close(cd);
	if (tcp != NULL)
		uk_tcp_close(tcp);
	if (rc != 0) {
		printf("peerbench: FAILURE in %s (%s to %s): error %d\n", phase,
		    mode, name, rc);
		return 1;
	}
	printf("peerbench: SUCCESS\n");
	/* A TCP close's FIN goes out from the loop: give it a moment. */
	uk_poll(uk_now() + UK_MSEC(200));
	return 0;
}
