/* test_forward.c -- forward.c against a fake upstream on loopback */
#include <sys/queue.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>

#include "jitsud.h"
#include "log.h"
#include "testutil.h"

#define TIMEOUT_MS   2000 /* forward.c's FWD_TIMEOUT_MS */
#define INFLIGHT_MAX 256  /* forward.c's FWD_INFLIGHT_MAX */

/*
 * The upstream resolver is this test: a UDP socket and a TCP listener
 * on one port of 127.0.0.1, read and answered by hand, so every answer
 * (late, wrong, cut, split) is the test's choice.
 */
static struct event_base *base;
static struct forwarder	 *fwd;
static struct conf_addr	  up_addr;
static int		  up_udp = -1, up_tcp = -1;

/* What the forwarder's callback saw. */
static int     calls;
static int     got_null, nulls;
static uint8_t got[512];
static size_t  got_len;

static void
answered(void *arg, const uint8_t *reply, size_t len)
{
	(void)arg;
	calls++;
	got_null = reply == NULL;
	nulls += got_null;
	got_len = len;
	if (reply != NULL && len <= sizeof(got))
		memcpy(got, reply, len);
}

/* The fake upstream on the loopback address of family af. */
static int
open_upstream(int af)
{
	struct sockaddr_in  *sin = (struct sockaddr_in *)&up_addr.ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&up_addr.ss;
	struct sockaddr	    *sa = (struct sockaddr *)&up_addr.ss;
	socklen_t	     len;
	int		     tries;

	for (tries = 0; tries < 20; tries++) {
		memset(&up_addr, 0, sizeof(up_addr));
		if (af == AF_INET6) {
			sin6->sin6_family = AF_INET6;
			sin6->sin6_addr = in6addr_loopback;
			up_addr.len = sizeof(*sin6);
		} else {
			sin->sin_family = AF_INET;
			sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
			up_addr.len = sizeof(*sin);
		}
		len = up_addr.len;
		up_tcp = socket(af, SOCK_STREAM, 0);
		up_udp = socket(af, SOCK_DGRAM, 0);
		if (up_tcp == -1 || up_udp == -1 ||
		    bind(up_tcp, sa, len) == -1 || listen(up_tcp, 8) == -1 ||
		    getsockname(up_tcp, sa, &len) == -1)
			return -1;
		if (bind(up_udp, sa, len) == 0)
			return 0;
		close(up_tcp); /* the UDP port is taken: another one */
		close(up_udp);
	}
	return -1;
}

static void
close_upstream(void)
{
	if (up_udp != -1)
		close(up_udp);
	if (up_tcp != -1)
		close(up_tcp);
	up_udp = up_tcp = -1;
}

static int
setup(void **state)
{
	(void)state;
	calls = got_null = nulls = 0;
	got_len = 0;
	if ((base = event_base_new()) == NULL || open_upstream(AF_INET) == -1)
		return -1;
	fwd = forward_new(base, &up_addr);
	return fwd == NULL;
}

static int
teardown(void **state)
{
	(void)state;
	forward_free(fwd);
	close_upstream();
	event_base_free(base);
	return 0;
}

/*
 * A query for example.com/A with ID `id' and an EDNS0 OPT after the
 * question (so the question ends, at *qend, before the query does).
 */
static size_t
make_query(uint8_t *q, uint16_t id, size_t *qend)
{
	static const uint8_t hdr[] = { 0, 0, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0,
		1 };
	static const uint8_t question[] = { 7, 'e', 'x', 'a', 'm', 'p', 'l',
		'e', 3, 'c', 'o', 'm', 0, 0, 1, 0, 1 };
	static const uint8_t opt[] = { 0, 0, 41, 0x10, 0, 0, 0, 0, 0, 0, 0 };
	size_t		     n = 0;

	memcpy(q, hdr, sizeof(hdr));
	q[0] = (uint8_t)(id >> 8);
	q[1] = (uint8_t)id;
	n = sizeof(hdr);
	memcpy(q + n, question, sizeof(question));
	n += sizeof(question);
	*qend = n;
	memcpy(q + n, opt, sizeof(opt));
	return n + sizeof(opt);
}

/*
 * The upstream's answer to query q (as it arrived, qend bytes of header
 * and question): its ID, QR and RA set, the question echoed, one A
 * record 192.0.2.1.
 */
static size_t
make_answer(uint8_t *a, const uint8_t *q, size_t qend)
{
	static const uint8_t rr[] = { 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4,
		192, 0, 2, 1 };

	memcpy(a, q, qend);
	a[2] |= 0x80;
	a[3] = 0x80;
	a[6] = 0;
	a[7] = 1;	   /* ANCOUNT */
	a[10] = a[11] = 0; /* no OPT echoed */
	memcpy(a + qend, rr, sizeof(rr));
	return qend + sizeof(rr);
}

/* Run the loop until the callback ran n times (or ms of real time). */
static void
wait_calls(int n, unsigned int ms)
{
	testutil_loop_until(base, &calls, n, ms);
}

/* What the upstream's UDP socket got: run the loop until it arrives. */
static size_t
up_recv(uint8_t *buf, size_t size, struct sockaddr_storage *from,
    socklen_t *fromlen)
{
	ssize_t	     n;
	unsigned int t;

	for (t = 0; t < 1000; t += 5) {
		*fromlen = sizeof(*from);
		n = recvfrom(up_udp, buf, size, MSG_DONTWAIT,
		    (struct sockaddr *)from, fromlen);
		if (n >= 0)
			return (size_t)n;
		assert_int_equal(errno, EAGAIN);
		testutil_loop_for(base, 5);
	}
	fail_msg("the upstream got no UDP query within 1 s");
	return 0;
}

static void
up_send(const uint8_t *buf, size_t len, const struct sockaddr_storage *to,
    socklen_t tolen)
{
	assert_int_equal(sendto(up_udp, buf, len, 0,
			     (const struct sockaddr *)to, tolen),
	    (ssize_t)len);
}

/* Send a query with client ID `id' over UDP; what the upstream got. */
static struct fwd_query *
udp_query(uint16_t id, uint8_t *upq, size_t *uplen, size_t *qend,
    struct sockaddr_storage *from, socklen_t *fromlen)
{
	struct fwd_query *fq;
	uint8_t		  q[512];
	size_t		  len = make_query(q, id, qend);

	fq = forward_query(fwd, q, len, *qend, 0, answered, NULL);
	assert_non_null(fq);
	*uplen = up_recv(upq, 512, from, fromlen);
	if (*uplen != len || memcmp(upq + 2, q + 2, len - 2) != 0)
		fail_msg("upstream got a %zu-byte query, expected the client's "
			 "%zu bytes (all but the ID)",
		    *uplen, len);
	return fq;
}

static void
test_udp_answer_is_relayed_under_the_clients_id(void **state)
{
	struct sockaddr_storage from;
	socklen_t		fromlen;
	uint8_t			upq[512], a[512];
	size_t			uplen, qend, alen;

	(void)state;
	udp_query(0x1234, upq, &uplen, &qend, &from, &fromlen);
	alen = make_answer(a, upq, qend);
	up_send(a, alen, &from, fromlen);
	wait_calls(1, 1000);
	assert_int_equal(calls, 1);
	assert_false(got_null);
	assert_int_equal(got_len, alen);
	if (got[0] != 0x12 || got[1] != 0x34)
		fail_msg("relayed answer: expected ID 0x1234, saw 0x%02x%02x",
		    got[0], got[1]);
	assert_memory_equal(got + 2, a + 2, alen - 2);
	/* Taken once: the same answer again is nobody's. */
	up_send(a, alen, &from, fromlen);
	testutil_loop_for(base, 50);
	assert_int_equal(calls, 1);
}

/*
 * Each query goes up under a fresh random ID, not the client's, and from
 * a port of its own (RFC 5452): a spoofer has 32 bits to guess, not 16.
 */
static void
test_upstream_ids_and_ports_are_fresh(void **state)
{
	struct sockaddr_storage from;
	socklen_t		fromlen;
	struct fwd_query       *fq[8];
	uint8_t			upq[512];
	uint16_t		ids[8], ports[8];
	size_t			uplen, qend, i, j, same_as_client = 0;
	size_t			same_id = 0;

	(void)state;
	for (i = 0; i < 8; i++) {
		fq[i] = udp_query(0x0101, upq, &uplen, &qend, &from, &fromlen);
		ids[i] = (uint16_t)(upq[0] << 8 | upq[1]);
		ports[i] = ((struct sockaddr_in *)&from)->sin_port;
		same_as_client += ids[i] == 0x0101;
		for (j = 0; j < i; j++) {
			same_id += ids[j] == ids[i];
			if (ports[j] == ports[i])
				fail_msg("queries %zu and %zu both went up "
					 "from port %u",
				    j, i, ntohs(ports[i]));
		}
	}
	if (same_as_client == 8)
		fail_msg("all 8 queries went up under the client's own ID");
	/* Random: two of 8 may share one by chance (1 in 2300). */
	if (same_id > 1)
		fail_msg("%zu pairs of 8 queries went up under one ID",
		    same_id);
	for (i = 0; i < 8; i++)
		forward_cancel(fq[i]);
}

/*
 * Answers that are not the answer: another ID, no QR bit, another
 * question (even by case only), shorter than the question, shorter than
 * a header.  Each is dropped; the real one still gets through after.
 */
static void
test_udp_answers_that_do_not_match_are_dropped(void **state)
{
	struct sockaddr_storage from;
	socklen_t		fromlen;
	uint8_t			upq[512], a[512], bad[512];
	size_t			uplen, qend, alen;

	(void)state;
	udp_query(0x4242, upq, &uplen, &qend, &from, &fromlen);
	alen = make_answer(a, upq, qend);

	memcpy(bad, a, alen);
	bad[1] ^= 0x01; /* another ID */
	up_send(bad, alen, &from, fromlen);
	memcpy(bad, a, alen);
	bad[2] &= 0x7f; /* a query, not an answer */
	up_send(bad, alen, &from, fromlen);
	memcpy(bad, a, alen);
	bad[13] = 'E'; /* Example.com */
	up_send(bad, alen, &from, fromlen);
	memcpy(bad, a, alen);
	bad[5] = 2; /* QDCOUNT 2 */
	up_send(bad, alen, &from, fromlen);
	up_send(a, qend - 1, &from, fromlen); /* question cut */
	up_send(a, DNS_HEADER_LEN - 1, &from, fromlen);
	up_send(a, 0, &from, fromlen);
	testutil_loop_for(base, 100);
	if (calls != 0)
		fail_msg("a mismatched answer was taken (%d calls, null %d)",
		    calls, got_null);

	up_send(a, alen, &from, fromlen);
	wait_calls(1, 1000);
	assert_int_equal(calls, 1);
	assert_false(got_null);
	assert_int_equal(got_len, alen);
}

static void
test_cancelled_query_never_calls_back(void **state)
{
	struct sockaddr_storage from;
	socklen_t		fromlen;
	struct fwd_query       *fq;
	uint8_t			upq[512], a[512];
	size_t			uplen, qend, alen;

	(void)state;
	fq = udp_query(0x0002, upq, &uplen, &qend, &from, &fromlen);
	forward_cancel(fq);
	alen = make_answer(a, upq, qend);
	up_send(a, alen, &from, fromlen);
	wait_calls(1, 300);
	assert_int_equal(calls, 0);
}

static void
test_queries_it_cannot_send_are_refused(void **state)
{
	uint8_t q[512];
	size_t	qend, len = make_query(q, 7, &qend);

	(void)state;
	assert_null(forward_query(fwd, q, DNS_HEADER_LEN - 1,
	    DNS_HEADER_LEN - 1, 0, answered, NULL));
	assert_null(forward_query(fwd, q, len, len + 1, 0, answered, NULL));
	assert_null(forward_query(fwd, q, len, DNS_HEADER_LEN - 1, 0, answered,
	    NULL));
	assert_int_equal(calls, 0);
}

/*
 * Queries in flight are bounded (each holds a socket); a slot freed is
 * usable again.
 */
static void
test_udp_queries_in_flight_are_bounded(void **state)
{
	static struct fwd_query *fq[INFLIGHT_MAX];
	uint8_t			 q[512];
	size_t			 qend, len = make_query(q, 7, &qend), i;

	(void)state;
	for (i = 0; i < INFLIGHT_MAX; i++) {
		fq[i] = forward_query(fwd, q, len, qend, 0, answered, NULL);
		if (fq[i] == NULL)
			fail_msg("query %zu of %d refused", i, INFLIGHT_MAX);
	}
	assert_null(forward_query(fwd, q, len, qend, 0, answered, NULL));
	assert_null(forward_query(fwd, q, len, qend, 1, answered, NULL));
	forward_cancel(fq[0]);
	fq[0] = forward_query(fwd, q, len, qend, 0, answered, NULL);
	assert_non_null(fq[0]);
	for (i = 0; i < INFLIGHT_MAX; i++)
		forward_cancel(fq[i]);
	assert_int_equal(calls, 0);
}

/* forward_free with queries left in flight: no callback, nothing kept. */
static void
test_freeing_the_forwarder_drops_leftover_queries(void **state)
{
	uint8_t q[512];
	size_t	qend, len = make_query(q, 7, &qend);

	(void)state;
	assert_non_null(forward_query(fwd, q, len, qend, 0, answered, NULL));
	assert_non_null(forward_query(fwd, q, len, qend, 0, answered, NULL));
	forward_free(fwd);
	fwd = NULL;
	testutil_loop_for(base, 50);
	assert_int_equal(calls, 0);
}

/* TCP: read one framed query from the forwarder's connection fd. */
static void
tcp_read_query(int fd, uint8_t *q, size_t *len)
{
	uint8_t	     lenbuf[2];
	size_t	     n = 0;
	ssize_t	     r;
	unsigned int t;

	for (t = 0; t < 1000 && n < 2; t += 5) {
		testutil_loop_for(base, 5);
		if ((r = recv(fd, lenbuf + n, 2 - n, 0)) > 0)
			n += (size_t)r;
	}
	assert_int_equal(n, 2);
	*len = (size_t)lenbuf[0] << 8 | lenbuf[1];
	assert_true(*len <= 512);
	for (n = 0; t < 2000 && n < *len; t += 5) {
		testutil_loop_for(base, 5);
		if ((r = recv(fd, q + n, *len - n, 0)) > 0)
			n += (size_t)r;
	}
	assert_int_equal(n, *len);
}

/* TCP: the forwarder's next connection (within `ms'), or -1. */
static int
tcp_accept(unsigned int ms)
{
	unsigned int t;
	int	     fd = -1;

	for (t = 0; t < ms && fd == -1; t += 5) {
		struct pollfd p = { .fd = up_tcp, .events = POLLIN };

		testutil_loop_for(base, 5);
		/* The listener blocks: accept only what is there. */
		if (poll(&p, 1, 0) == 1)
			fd = accept4(up_tcp, NULL, NULL, SOCK_NONBLOCK);
	}
	return fd;
}

/* TCP: accept the forwarder's connection and read one framed query. */
static int
tcp_accept_query(uint8_t *q, size_t *len)
{
	int fd = tcp_accept(1000);

	if (fd == -1)
		fail_msg("the upstream got no TCP connection within 1 s");
	tcp_read_query(fd, q, len);
	return fd;
}

static int
tcp_query(uint16_t id, uint8_t *upq, size_t *qend)
{
	uint8_t q[512];
	size_t	len = make_query(q, id, qend), uplen;
	int	fd;

	assert_non_null(forward_query(fwd, q, len, *qend, 1, answered, NULL));
	fd = tcp_accept_query(upq, &uplen);
	if (uplen != len || memcmp(upq + 2, q + 2, len - 2) != 0)
		fail_msg("upstream got a %zu-byte TCP query, expected the "
			 "client's %zu bytes (all but the ID)",
		    uplen, len);
	return fd;
}

/* The answer comes back in pieces: the length split, then the rest. */
static void
test_tcp_answer_in_pieces_is_relayed_under_the_clients_id(void **state)
{
	uint8_t upq[512], a[514];
	size_t	qend, alen;
	int	fd;

	(void)state;
	fd = tcp_query(0xbeef, upq, &qend);
	alen = make_answer(a + 2, upq, qend);
	a[0] = (uint8_t)(alen >> 8);
	a[1] = (uint8_t)alen;
	assert_int_equal(write(fd, a, 1), 1);
	testutil_loop_for(base, 20);
	assert_int_equal(write(fd, a + 1, 5), 5);
	testutil_loop_for(base, 20);
	assert_int_equal(calls, 0);
	assert_int_equal(write(fd, a + 6, alen - 4), (ssize_t)alen - 4);
	wait_calls(1, 1000);
	assert_int_equal(calls, 1);
	assert_false(got_null);
	assert_int_equal(got_len, alen);
	if (got[0] != 0xbe || got[1] != 0xef)
		fail_msg("relayed answer: expected ID 0xbeef, saw 0x%02x%02x",
		    got[0], got[1]);
	assert_memory_equal(got + 2, a + 4, alen - 2);
	close(fd);
}

/*
 * On a connection queries share, an answer that matches none of them
 * (another ID here) is dropped; the query's own answer still comes.
 */
static void
test_tcp_answer_that_does_not_match_is_dropped(void **state)
{
	uint8_t upq[512], a[514];
	size_t	qend, alen;
	int	fd;

	(void)state;
	fd = tcp_query(0x0303, upq, &qend);
	alen = make_answer(a + 2, upq, qend);
	a[0] = (uint8_t)(alen >> 8);
	a[1] = (uint8_t)alen;
	a[2 + 1] ^= 0x01; /* another ID */
	assert_int_equal(write(fd, a, alen + 2), (ssize_t)alen + 2);
	testutil_loop_for(base, 100);
	assert_int_equal(calls, 0);
	a[2 + 1] ^= 0x01;
	assert_int_equal(write(fd, a, alen + 2), (ssize_t)alen + 2);
	wait_calls(1, 1000);
	assert_int_equal(calls, 1);
	assert_false(got_null);
	assert_int_equal(got[0] << 8 | got[1], 0x0303);
	close(fd);
}

/*
 * TCP queries are pipelined on one upstream connection, under distinct
 * IDs, and their answers taken in any order (RFC 7766).
 */
static void
test_tcp_queries_share_one_connection(void **state)
{
	uint8_t q[512], upq[2][512], a[514];
	size_t	qend, len, uplen[2], alen;
	int	fd, i;

	(void)state;
	len = make_query(q, 0x1111, &qend);
	assert_non_null(forward_query(fwd, q, len, qend, 1, answered, NULL));
	fd = tcp_accept(1000);
	assert_true(fd >= 0);
	tcp_read_query(fd, upq[0], &uplen[0]);
	q[0] = 0x22;
	q[1] = 0x22;
	assert_non_null(forward_query(fwd, q, len, qend, 1, answered, NULL));
	tcp_read_query(fd, upq[1], &uplen[1]);
	if (tcp_accept(100) != -1)
		fail_msg("a second TCP query opened a second connection");
	assert_true(upq[0][0] != upq[1][0] || upq[0][1] != upq[1][1]);
	/* The second's answer first. */
	for (i = 1; i >= 0; i--) {
		alen = make_answer(a + 2, upq[i], qend);
		a[0] = (uint8_t)(alen >> 8);
		a[1] = (uint8_t)alen;
		assert_int_equal(write(fd, a, alen + 2), (ssize_t)alen + 2);
		wait_calls(2 - i, 1000);
		assert_int_equal(calls, 2 - i);
		assert_false(got_null);
		assert_int_equal(got[0] << 8 | got[1], i ? 0x2222 : 0x1111);
	}
	close(fd);
}

static void
test_tcp_upstream_hanging_up_is_a_null_answer(void **state)
{
	uint8_t upq[512];
	size_t	qend;
	int	fd;

	(void)state;
	fd = tcp_query(0x0404, upq, &qend);
	assert_int_equal(write(fd, "\x00", 1), 1); /* half a length */
	close(fd);
	wait_calls(1, 1000);
	assert_int_equal(calls, 1);
	assert_true(got_null);
}

static void
test_tcp_connection_refused_is_a_null_answer(void **state)
{
	uint8_t q[512];
	size_t	qend, len = make_query(q, 5, &qend);

	(void)state;
	close(up_tcp);
	up_tcp = -1;
	/* Either refused at once (NULL) or reported through the callback. */
	if (forward_query(fwd, q, len, qend, 1, answered, NULL) == NULL)
		return;
	wait_calls(1, 1000);
	assert_int_equal(calls, 1);
	assert_true(got_null);
}

/* Silence over UDP and over TCP: a NULL answer at the timeout, not before. */
static void
test_silence_is_a_null_answer_after_the_timeout(void **state)
{
	struct sockaddr_storage from;
	socklen_t		fromlen;
	uint8_t			upq[512], a[512], tq[512];
	size_t			uplen, qend, tqend, alen;
	int			fd;

	(void)state;
	udp_query(0x0001, upq, &uplen, &qend, &from, &fromlen);
	fd = tcp_query(0x0505, tq, &tqend);
	wait_calls(1, TIMEOUT_MS - 300);
	if (calls != 0)
		fail_msg("called back %d times before the timeout", calls);
	wait_calls(2, 1000);
	assert_int_equal(calls, 2);
	assert_int_equal(nulls, 2);
	/* The answer that comes too late is dropped, not used after free. */
	alen = make_answer(a, upq, qend);
	up_send(a, alen, &from, fromlen);
	testutil_loop_for(base, 50);
	assert_int_equal(calls, 2);
	close(fd);
}

static void
test_ipv6_upstream_relays_over_udp_and_tcp(void **state)
{
	struct sockaddr_storage from;
	socklen_t		fromlen;
	uint8_t			upq[512], a[514];
	size_t			uplen, qend, alen;
	int			fd;

	(void)state;
	forward_free(fwd);
	fwd = NULL;
	close_upstream();
	if (open_upstream(AF_INET6) == -1)
		skip(); /* no ::1 here */
	fwd = forward_new(base, &up_addr);
	assert_non_null(fwd);
	udp_query(0x6666, upq, &uplen, &qend, &from, &fromlen);
	assert_int_equal(from.ss_family, AF_INET6);
	alen = make_answer(a, upq, qend);
	up_send(a, alen, &from, fromlen);
	wait_calls(1, 1000);
	assert_int_equal(calls, 1);
	assert_false(got_null);
	assert_int_equal(got[0] << 8 | got[1], 0x6666);

	fd = tcp_query(0x6667, upq, &qend);
	alen = make_answer(a + 2, upq, qend);
	a[0] = (uint8_t)(alen >> 8);
	a[1] = (uint8_t)alen;
	assert_int_equal(write(fd, a, alen + 2), (ssize_t)alen + 2);
	wait_calls(2, 1000);
	assert_int_equal(calls, 2);
	assert_false(got_null);
	assert_int_equal(got[0] << 8 | got[1], 0x6667);
	close(fd);
}

/*
 * A retired forwarder (a reload changed the upstream) still relays the
 * answers of its queries in flight, and is gone once they timed out.
 */
static void
test_retired_forwarder_finishes_its_queries_then_goes(void **state)
{
	struct forwarder_list	retired;
	struct sockaddr_storage from;
	socklen_t		fromlen;
	uint8_t			upq[512], a[512];
	size_t			uplen, qend, alen;

	(void)state;
	LIST_INIT(&retired);
	udp_query(0x0606, upq, &uplen, &qend, &from, &fromlen);
	forward_retire(&retired, fwd);
	fwd = NULL;
	assert_false(LIST_EMPTY(&retired));
	alen = make_answer(a, upq, qend);
	up_send(a, alen, &from, fromlen);
	wait_calls(1, 1000);
	assert_int_equal(calls, 1);
	assert_false(got_null);
	testutil_loop_for(base, TIMEOUT_MS + 1000);
	assert_true(LIST_EMPTY(&retired));
	forward_free_retired(&retired);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_udp_answer_is_relayed_under_the_clients_id),
		T(test_upstream_ids_and_ports_are_fresh),
		T(test_udp_answers_that_do_not_match_are_dropped),
		T(test_silence_is_a_null_answer_after_the_timeout),
		T(test_cancelled_query_never_calls_back),
		T(test_queries_it_cannot_send_are_refused),
		T(test_udp_queries_in_flight_are_bounded),
		T(test_freeing_the_forwarder_drops_leftover_queries),
		T(test_tcp_answer_in_pieces_is_relayed_under_the_clients_id),
		T(test_tcp_answer_that_does_not_match_is_dropped),
		T(test_tcp_queries_share_one_connection),
		T(test_tcp_upstream_hanging_up_is_a_null_answer),
		T(test_tcp_connection_refused_is_a_null_answer),
		T(test_ipv6_upstream_relays_over_udp_and_tcp),
		T(test_retired_forwarder_finishes_its_queries_then_goes),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
