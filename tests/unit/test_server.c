/* test_server.c -- server.c's UDP and TCP glue, served on loopback */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
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

/*
 * Neighbours.  dns_answer is a fake whose verdict the query's first
 * label chooses: "drop" is dropped, "out" is out of zone (REFUSED),
 * "bound" names a binding, anything else is answered.  Its answer is
 * the query with QR set, so each reply is easy to tell apart by its ID.
 * The lifecycle and the forwarder record what they are asked and let
 * the test complete it.
 */
static struct binding	 bound;
static enum vm_want	 vm_answer = VM_WANT_READY;
static struct vm_waiter *joined;
static int		 cancels;
static int		 waiting, most_waiting; /* held replies joined */
static struct fwd_query *fwd_q;			/* the one in flight */
static void (*fwd_cb)(void *, const uint8_t *, size_t);
static void    *fwd_arg;
static int	fwd_cancels;
static uint64_t replies_counted;
static int	last_rcode = -1; /* as counted */

/* The clock rrl.c is given: still, unless a test moves it. */
static uint64_t fake_now_ms = 1000;

uint64_t
vm_now_ms(void)
{
	return fake_now_ms;
}

static int
first_label_is(const uint8_t *q, size_t len, const char *label)
{
	size_t n = strlen(label);

	return len > DNS_HEADER_LEN + n && q[DNS_HEADER_LEN] == n &&
	    memcmp(q + DNS_HEADER_LEN + 1, label, n) == 0;
}

enum dns_action
dns_answer(const struct zone_set *zs, const uint8_t *q, size_t qlen, int tcp,
    uint8_t *reply, size_t replymax, struct dns_verdict *v)
{
	(void)zs;
	memset(v, 0, sizeof(*v));
	if (qlen < DNS_HEADER_LEN || first_label_is(q, qlen, "drop"))
		return v->action = DNS_V_DROP;
	assert_true(qlen <= replymax);
	memcpy(reply, q, qlen);
	reply[2] |= 0x80;
	v->replylen = v->qend = qlen;
	v->action = DNS_V_REPLY;
	v->limit = tcp ? DNS_TCP_MAX : DNS_UDP_MIN;
	if (first_label_is(q, qlen, "out")) {
		v->action = DNS_V_OUTOFZONE;
		v->rcode = DNS_RCODE_REFUSED;
		reply[3] = (reply[3] & 0xf0) | DNS_RCODE_REFUSED;
	}
	if (first_label_is(q, qlen, "bound"))
		v->binding = &bound;
	return v->action;
}

size_t
dns_servfail(uint8_t *reply, const struct dns_verdict *v)
{
	reply[3] = (reply[3] & 0xf0) | DNS_RCODE_SERVFAIL;
	return v->qend;
}

void
metrics_query(struct metrics *m, const struct dns_verdict *v, int tcp)
{
	(void)tcp;
	if (v->action == DNS_V_DROP)
		m->dropped++;
}

void
metrics_reply(struct metrics *m, uint16_t rcode)
{
	(void)m;
	replies_counted++;
	last_rcode = rcode;
}

enum vm_want
vm_want(struct vms *vs, const struct binding *b, struct vm_waiter *w)
{
	(void)vs;
	assert_ptr_equal(b, &bound);
	assert_null(w);
	return vm_answer;
}

int
vm_join(struct vms *vs, const struct binding *b, struct vm_waiter *w)
{
	(void)vs;
	(void)b;
	joined = w;
	if (++waiting > most_waiting)
		most_waiting = waiting;
	return 0;
}

void
vm_waiter_cancel(struct vm_waiter *w)
{
	if (w->cb != NULL) /* a held reply, not a forwarded one */
		waiting--;
	if (w == joined) {
		joined = NULL;
		cancels++;
	}
}

struct fwd_query *
forward_query(struct forwarder *f, const uint8_t *q, size_t len, size_t qend,
    int tcp, void (*cb)(void *, const uint8_t *, size_t), void *arg)
{
	(void)f;
	(void)q;
	(void)len;
	(void)qend;
	(void)tcp;
	assert_null(fwd_q);
	fwd_q = malloc(1); /* a handle, never looked into */
	fwd_cb = cb;
	fwd_arg = arg;
	return fwd_q;
}

void
forward_cancel(struct fwd_query *fq)
{
	assert_ptr_equal(fq, fwd_q);
	free(fwd_q);
	fwd_q = NULL;
	fwd_cancels++;
}

/* The forwarder's callback; afterwards forward.c frees the query. */
static void
fwd_complete(const uint8_t *reply, size_t len)
{
	assert_non_null(fwd_q);
	fwd_cb(fwd_arg, reply, len);
	free(fwd_q);
	fwd_q = NULL;
}

/*
 * accept4 is wrapped (-Wl,--wrap=accept4): calls are counted, and while
 * accept_emfile is set they fail as a process out of descriptors does.
 */
int	   __real_accept4(int, struct sockaddr *, socklen_t *, int);
int	   __wrap_accept4(int, struct sockaddr *, socklen_t *, int);
static int accept_calls, accept_emfile, accept_small;

/*
 * With accept_small, the connection's kernel buffers are made small, so
 * that a client's replies back up into the server after a few KiB
 * rather than after the megabytes loopback's autotuning allows.
 */
int
__wrap_accept4(int fd, struct sockaddr *sa, socklen_t *len, int flags)
{
	int cfd, sz = 4096;

	accept_calls++;
	if (accept_emfile) {
		errno = EMFILE;
		return -1;
	}
	cfd = __real_accept4(fd, sa, len, flags);
	if (cfd != -1 && accept_small) {
		assert_int_equal(setsockopt(cfd, SOL_SOCKET, SO_SNDBUF, &sz,
				     sizeof(sz)),
		    0);
		assert_int_equal(setsockopt(cfd, SOL_SOCKET, SO_RCVBUF, &sz,
				     sizeof(sz)),
		    0);
	}
	return cfd;
}

static struct jitsud   *env;
static struct vms      *dummy_vms; /* only compared with NULL */
static struct server   *udp_srv, *tcp_srv;
static struct conf_addr udp_addr, tcp_addr;

/* A loopback address of family af and a port nobody has bound just now. */
static int
free_port_af(struct conf_addr *a, int af, int type)
{
	struct sockaddr_in  *sin = (struct sockaddr_in *)&a->ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&a->ss;
	socklen_t	     len;
	int		     fd, rc;

	memset(a, 0, sizeof(*a));
	if (af == AF_INET6) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = in6addr_loopback;
		a->len = sizeof(*sin6);
	} else {
		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		a->len = sizeof(*sin);
	}
	len = a->len;
	if ((fd = socket(af, type, 0)) == -1)
		return -1;
	rc = bind(fd, (struct sockaddr *)&a->ss, len) == -1 ||
		getsockname(fd, (struct sockaddr *)&a->ss, &len) == -1 ?
	    -1 :
	    0;
	close(fd);
	return rc;
}

static void
free_port(struct conf_addr *a, int type)
{
	assert_int_equal(free_port_af(a, AF_INET, type), 0);
}

/*
 * A listen address as the conf has them: its port free for both UDP and
 * TCP, which servers_open binds.  A port found free for one may be held
 * for the other by some other process (make check runs the unit tests
 * and their ASan build side by side): seen once, so several tries.
 */
static void
free_port_both(struct conf_addr *a)
{
	int tries, fd, ok;

	for (tries = 0; tries < 20; tries++) {
		free_port(a, SOCK_DGRAM);
		fd = socket(AF_INET, SOCK_STREAM, 0);
		assert_int_not_equal(fd, -1);
		ok = bind(fd, (struct sockaddr *)&a->ss, a->len) == 0;
		close(fd);
		if (ok)
			return;
	}
	fail_msg("no port free for both UDP and TCP in %d tries", tries);
}

static int
setup(void **state)
{
	(void)state;
	memset(&bound, 0, sizeof(bound));
	bound.name = testutil_str("bound.example.org.");
	vm_answer = VM_WANT_READY;
	joined = NULL;
	cancels = fwd_cancels = 0;
	waiting = most_waiting = 0;
	fwd_q = NULL;
	replies_counted = 0;
	last_rcode = -1;
	accept_calls = accept_emfile = accept_small = 0;
	if ((env = calloc(1, sizeof(*env))) == NULL ||
	    (dummy_vms = calloc(1, sizeof(*dummy_vms))) == NULL ||
	    (env->base = event_base_new()) == NULL)
		return -1;
	env->vms = dummy_vms;
	free_port(&udp_addr, SOCK_DGRAM);
	free_port(&tcp_addr, SOCK_STREAM);
	udp_srv = server_open(env, &udp_addr, 0);
	tcp_srv = server_open(env, &tcp_addr, 1);
	return udp_srv == NULL || tcp_srv == NULL;
}

static int
teardown(void **state)
{
	(void)state;
	if (udp_srv != NULL)
		server_close(udp_srv);
	if (tcp_srv != NULL)
		server_close(tcp_srv);
	assert_null(fwd_q); /* every forward was completed or cancelled */
	event_base_free(env->base);
	rrl_free(env->rrl);
	free(dummy_vms);
	free(env);
	return 0;
}

/* A query: ID, RD, one question whose first label is `label'. */
static size_t
query(uint8_t *q, uint16_t id, const char *label)
{
	size_t n = strlen(label);

	memset(q, 0, DNS_HEADER_LEN);
	q[0] = (uint8_t)(id >> 8);
	q[1] = (uint8_t)id;
	q[2] = 0x01;
	q[5] = 1;
	q[DNS_HEADER_LEN] = (uint8_t)n;
	memcpy(q + DNS_HEADER_LEN + 1, label, n);
	memcpy(q + DNS_HEADER_LEN + 1 + n,
	    "\x07"
	    "example\x03org\x00"
	    "\x00\x01\x00\x01",
	    17);
	return DNS_HEADER_LEN + 1 + n + 17;
}

static int
udp_client(void)
{
	int fd = socket(udp_addr.ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK, 0);

	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&udp_addr.ss,
			     udp_addr.len),
	    0);
	return fd;
}

/* Run the loop until a datagram arrives on fd (or ms); its length. */
static ssize_t
udp_hear(int fd, uint8_t *buf, size_t size, unsigned int ms)
{
	uint64_t end = testutil_now_ms() + ms;
	ssize_t	 n;

	do {
		testutil_loop_for(env->base, 5);
		if ((n = recv(fd, buf, size, 0)) >= 0)
			return n;
		assert_int_equal(errno, EAGAIN);
	} while (testutil_now_ms() < end);
	return -1;
}

/* The reply to q is q with QR set and rcode `rcode'. */
static void
assert_reply_to(const uint8_t *r, ssize_t rlen, const uint8_t *q, size_t qlen,
    int rcode)
{
	if (rlen < 0)
		fail_msg("query ID %u: expected a reply, saw none",
		    q[0] << 8 | q[1]);
	if ((size_t)rlen != qlen || r[0] != q[0] || r[1] != q[1])
		fail_msg("expected a %zu-byte reply with ID %u, saw %zd bytes "
			 "with ID %u",
		    qlen, q[0] << 8 | q[1], rlen,
		    rlen >= 2 ? r[0] << 8 | r[1] : 0);
	assert_true(r[2] & 0x80);
	if ((r[3] & 0x0f) != rcode)
		fail_msg("query ID %u: expected rcode %d, saw %d",
		    q[0] << 8 | q[1], rcode, r[3] & 0x0f);
	assert_memory_equal(r + 4, q + 4, qlen - 4);
}

static void
test_udp_query_is_answered_to_its_sender(void **state)
{
	uint8_t q[512], r[512];
	size_t	qlen = query(q, 0x1111, "www");
	int	fd = udp_client();

	(void)state;
	assert_int_equal(send(fd, q, qlen, 0), (ssize_t)qlen);
	assert_reply_to(r, udp_hear(fd, r, sizeof(r), 1000), q, qlen, 0);
	assert_int_equal(replies_counted, 1);
	close(fd);
}

/* More datagrams than one wake-up reads: every one is answered. */
static void
test_udp_burst_is_answered_in_full(void **state)
{
	uint8_t q[512], r[512];
	int	seen[200] = { 0 }, fd = udp_client(), i, n = 0;
	size_t	qlen;
	ssize_t rlen;

	(void)state;
	for (i = 0; i < 200; i++) {
		qlen = query(q, (uint16_t)i, "www");
		assert_int_equal(send(fd, q, qlen, 0), (ssize_t)qlen);
	}
	while (n < 200 && (rlen = udp_hear(fd, r, sizeof(r), 1000)) > 0) {
		if (r[0] != 0 || r[1] >= 200 || seen[r[1]]++)
			fail_msg("reply with ID %u: not asked, or twice",
			    r[0] << 8 | r[1]);
		n++;
	}
	if (n != 200)
		fail_msg("200 queries in a burst: %d replies", n);
	close(fd);
}

static void
test_udp_query_dropped_by_dns_gets_nothing(void **state)
{
	uint8_t q[512], r[512];
	size_t	qlen = query(q, 0x2222, "drop");
	int	fd = udp_client();

	(void)state;
	assert_int_equal(send(fd, q, qlen, 0), (ssize_t)qlen);
	assert_int_equal(send(fd, q, 5, 0), 5);
	assert_int_equal(udp_hear(fd, r, sizeof(r), 100), -1);
	assert_int_equal(env->metrics.dropped, 2);
	assert_int_equal(replies_counted, 0);
	close(fd);
}

static int
tcp_client(void)
{
	int fd = socket(tcp_addr.ss.ss_family, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&tcp_addr.ss,
			     tcp_addr.len),
	    0);
	return fd;
}

/*
 * Run the loop until one length-framed message arrived on fd (or ms):
 * its length, -1 if none came, 0 if the server closed.
 */
static ssize_t
tcp_hear(int fd, uint8_t *buf, size_t size, unsigned int ms)
{
	uint64_t end = testutil_now_ms() + ms;
	uint8_t	 tmp[2 + 512];
	size_t	 want;
	ssize_t	 n;

	assert_true(size <= 512);
	do {
		testutil_loop_for(env->base, 5);
		n = recv(fd, tmp, sizeof(tmp), MSG_PEEK | MSG_DONTWAIT);
		if (n == 0)
			return 0;
		if (n < 2)
			continue;
		want = (size_t)tmp[0] << 8 | tmp[1];
		assert_true(want <= size);
		if ((size_t)n < 2 + want)
			continue;
		assert_int_equal(recv(fd, tmp, 2 + want, 0), 2 + want);
		memcpy(buf, tmp + 2, want);
		return (ssize_t)want;
	} while (testutil_now_ms() < end);
	return -1;
}

static void
tcp_say(int fd, const void *buf, size_t len)
{
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
}

static void
tcp_say_query(int fd, const uint8_t *q, size_t qlen)
{
	uint8_t lenbuf[2] = { (uint8_t)(qlen >> 8), (uint8_t)qlen };

	tcp_say(fd, lenbuf, 2);
	tcp_say(fd, q, qlen);
}

static void
test_tcp_query_is_answered_with_its_length(void **state)
{
	uint8_t q[512], r[512];
	size_t	qlen = query(q, 0x3333, "www");
	int	fd = tcp_client();

	(void)state;
	tcp_say_query(fd, q, qlen);
	assert_reply_to(r, tcp_hear(fd, r, sizeof(r), 1000), q, qlen, 0);
	assert_int_equal(env->metrics.tcp_clients, 1);
	/* The connection stays open for the next query. */
	qlen = query(q, 0x3334, "www");
	tcp_say_query(fd, q, qlen);
	assert_reply_to(r, tcp_hear(fd, r, sizeof(r), 1000), q, qlen, 0);
	close(fd);
}

/* The framing owes nothing to how the bytes arrive. */
static void
test_tcp_framing_split_across_reads(void **state)
{
	uint8_t q[512], r[512], msg[2 + 512];
	size_t	qlen = query(q, 0x4444, "www"), i;
	int	fd = tcp_client();

	(void)state;
	msg[0] = (uint8_t)(qlen >> 8);
	msg[1] = (uint8_t)qlen;
	memcpy(msg + 2, q, qlen);
	/* One byte a read: the length's two bytes apart, the rest too. */
	for (i = 0; i < qlen + 2; i++) {
		tcp_say(fd, msg + i, 1);
		if (i + 1 < qlen + 2 && tcp_hear(fd, r, sizeof(r), 5) != -1)
			fail_msg("a reply after %zu of %zu bytes", i + 1,
			    qlen + 2);
	}
	assert_reply_to(r, tcp_hear(fd, r, sizeof(r), 1000), q, qlen, 0);
	close(fd);
}

/* Pipelined: two queries and half a third in one write, in order. */
static void
test_tcp_pipelined_queries_are_answered_in_order(void **state)
{
	uint8_t q[3][512], r[512], msg[3 * 514];
	size_t	qlen[3], n = 0, i;
	int	fd = tcp_client();

	(void)state;
	for (i = 0; i < 3; i++) {
		qlen[i] = query(q[i], (uint16_t)(0x5550 + i), "www");
		msg[n++] = (uint8_t)(qlen[i] >> 8);
		msg[n++] = (uint8_t)qlen[i];
		memcpy(msg + n, q[i], qlen[i]);
		n += qlen[i];
	}
	tcp_say(fd, msg, n - 7);
	assert_reply_to(r, tcp_hear(fd, r, sizeof(r), 1000), q[0], qlen[0], 0);
	assert_reply_to(r, tcp_hear(fd, r, sizeof(r), 1000), q[1], qlen[1], 0);
	assert_int_equal(tcp_hear(fd, r, sizeof(r), 50), -1);
	tcp_say(fd, msg + n - 7, 7);
	assert_reply_to(r, tcp_hear(fd, r, sizeof(r), 1000), q[2], qlen[2], 0);
	close(fd);
}

static void
test_tcp_query_not_worth_answering_closes_the_connection(void **state)
{
	uint8_t q[512], r[512];
	size_t	qlen = query(q, 0x6666, "drop");
	int	fd = tcp_client();

	(void)state;
	tcp_say_query(fd, q, qlen);
	assert_int_equal(tcp_hear(fd, r, sizeof(r), 1000), 0);
	close(fd);
}

/* Rate limiting on: `rate' replies a second, every second slipped. */
static void
limit_rate(uint32_t rate)
{
	static const uint8_t key[SIPHASH_KEY_LEN] = "server-rrl-key!!";
	struct rrl_conf	     c = { rate, 2, 24, 56 };

	assert_non_null(env->rrl = rrl_new(64, key));
	rrl_configure(env->rrl, &c);
}

/*
 * A UDP flood from one client past the rate: the first `rate' replies
 * whole, then every second one slipped (TC, question only), the others
 * not sent; each counted.  Over TCP every query is answered.
 */
static void
test_udp_flood_is_rate_limited_but_tcp_is_not(void **state)
{
	uint8_t q[512], r[512];
	size_t	qlen;
	ssize_t rlen;
	int	fd = udp_client(), i, whole = 0, slipped = 0;

	(void)state;
	limit_rate(5);
	for (i = 0; i < 25; i++) {
		qlen = query(q, (uint16_t)i, "www");
		assert_int_equal(send(fd, q, qlen, 0), (ssize_t)qlen);
	}
	while ((rlen = udp_hear(fd, r, sizeof(r), 300)) > 0) {
		if (r[2] & 0x02) {
			assert_int_equal(rlen, qlen);
			assert_memory_equal(r + 6, "\0\0\0\0\0\0", 6);
			slipped++;
		} else
			whole++;
	}
	assert_int_equal(whole, 5);
	assert_int_equal(slipped, 10);
	assert_int_equal(env->metrics.rrl_slipped, 10);
	assert_int_equal(env->metrics.rrl_dropped, 10);
	/* The dropped ones were not counted as replies. */
	assert_int_equal(replies_counted, 15);
	close(fd);

	fd = tcp_client();
	for (i = 0; i < 25; i++) {
		qlen = query(q, (uint16_t)(0x100 + i), "www");
		tcp_say_query(fd, q, qlen);
		assert_reply_to(r, tcp_hear(fd, r, sizeof(r), 1000), q, qlen,
		    0);
	}
	close(fd);
	/* A second later, the UDP client has its credit back. */
	fake_now_ms += 1000;
	fd = udp_client();
	qlen = query(q, 0x4242, "www");
	assert_int_equal(send(fd, q, qlen, 0), (ssize_t)qlen);
	assert_reply_to(r, udp_hear(fd, r, sizeof(r), 1000), q, qlen, 0);
	close(fd);
}

/* Held replies go out through the same limit when the VM is ready. */
static void
test_held_udp_replies_are_rate_limited(void **state)
{
	uint8_t q[512], r[512];
	size_t	qlen = 0;
	int	fd = udp_client(), i, got = 0;

	(void)state;
	limit_rate(3);
	vm_answer = VM_WANT_WAIT;
	bound.max_wait_ms = 500;
	for (i = 0; i < 6; i++) {
		qlen = query(q, (uint16_t)i, "bound");
		assert_int_equal(send(fd, q, qlen, 0), (ssize_t)qlen);
	}
	/* Sent at max-wait, each through the limiter. */
	while (udp_hear(fd, r, sizeof(r), 1000) > 0)
		got += !(r[2] & 0x02);
	assert_int_equal(got, 3);
	assert_int_equal(env->metrics.rrl_slipped + env->metrics.rrl_dropped,
	    3);
	close(fd);
}

/* A summon under way: the reply waits for the VM, then is sent. */
static void
test_held_udp_reply_is_sent_when_the_vm_is_ready(void **state)
{
	uint8_t q[512], r[512];
	size_t	qlen = query(q, 0x7777, "bound");
	int	fd = udp_client();

	(void)state;
	vm_answer = VM_WANT_WAIT;
	bound.max_wait_ms = 10000;
	assert_int_equal(send(fd, q, qlen, 0), (ssize_t)qlen);
	assert_int_equal(udp_hear(fd, r, sizeof(r), 100), -1);
	assert_non_null(joined);
	joined->cb(joined->arg, 1, NULL);
	assert_reply_to(r, udp_hear(fd, r, sizeof(r), 1000), q, qlen, 0);
	assert_int_equal(replies_counted, 1);
	close(fd);
}

static void
test_held_tcp_reply_is_servfail_when_the_summon_fails(void **state)
{
	uint8_t q[512], r[512];
	size_t	qlen = query(q, 0x7778, "bound");
	int	fd = tcp_client();

	(void)state;
	vm_answer = VM_WANT_WAIT;
	bound.max_wait_ms = 10000;
	tcp_say_query(fd, q, qlen);
	assert_int_equal(tcp_hear(fd, r, sizeof(r), 100), -1);
	assert_non_null(joined);
	joined->cb(joined->arg, 0, "no such kernel");
	assert_reply_to(r, tcp_hear(fd, r, sizeof(r), 1000), q, qlen,
	    DNS_RCODE_SERVFAIL);
	assert_int_equal(last_rcode, DNS_RCODE_SERVFAIL);
	close(fd);
}

static void
test_held_reply_is_sent_as_it_is_at_max_wait(void **state)
{
	uint8_t q[512], r[512];
	size_t	qlen = query(q, 0x7779, "bound");
	int	fd = udp_client();

	(void)state;
	vm_answer = VM_WANT_WAIT;
	bound.max_wait_ms = 50;
	assert_int_equal(send(fd, q, qlen, 0), (ssize_t)qlen);
	assert_reply_to(r, udp_hear(fd, r, sizeof(r), 1000), q, qlen, 0);
	assert_int_equal(env->metrics.maxwait_replies, 1);
	/* The waiter went with the reply: a late settle finds nobody. */
	assert_null(joined);
	assert_int_equal(cancels, 1);
	close(fd);
}

static void
test_vm_that_cannot_be_had_is_servfail_at_once(void **state)
{
	uint8_t q[512], r[512];
	size_t	qlen = query(q, 0x7780, "bound");
	int	fd = udp_client();

	(void)state;
	vm_answer = VM_WANT_FAIL;
	assert_int_equal(send(fd, q, qlen, 0), (ssize_t)qlen);
	assert_reply_to(r, udp_hear(fd, r, sizeof(r), 1000), q, qlen,
	    DNS_RCODE_SERVFAIL);
	vm_answer = VM_WANT_STANDIN;
	assert_int_equal(send(fd, q, qlen, 0), (ssize_t)qlen);
	assert_reply_to(r, udp_hear(fd, r, sizeof(r), 1000), q, qlen, 0);
	assert_null(joined);
	close(fd);
}

/* A TCP client that leaves while its reply is held: nothing dangles. */
static void
test_tcp_client_leaving_cancels_its_held_replies(void **state)
{
	uint8_t q[512], r[512];
	size_t	qlen = query(q, 0x7781, "bound");
	int	fd = tcp_client();

	(void)state;
	vm_answer = VM_WANT_WAIT;
	bound.max_wait_ms = 10000;
	tcp_say_query(fd, q, qlen);
	assert_int_equal(tcp_hear(fd, r, sizeof(r), 100), -1);
	assert_non_null(joined);
	close(fd);
	testutil_loop_for(env->base, 50);
	assert_null(joined);
	assert_int_equal(cancels, 1);
}

static void
test_out_of_zone_query_without_forwarder_is_refused(void **state)
{
	uint8_t q[512], r[512];
	size_t	qlen = query(q, 0x8888, "out");
	int	fd = udp_client();

	(void)state;
	assert_int_equal(send(fd, q, qlen, 0), (ssize_t)qlen);
	assert_reply_to(r, udp_hear(fd, r, sizeof(r), 1000), q, qlen,
	    DNS_RCODE_REFUSED);
	assert_null(fwd_q);
	close(fd);
}

static void
test_forwarded_answer_goes_to_the_client(void **state)
{
	uint8_t q[512], r[512], a[512];
	size_t	qlen = query(q, 0x9999, "out");
	int	fd = udp_client();

	(void)state;
	env->fwd = (struct forwarder *)1; /* only compared with NULL */
	assert_int_equal(send(fd, q, qlen, 0), (ssize_t)qlen);
	assert_int_equal(udp_hear(fd, r, sizeof(r), 100), -1);
	assert_non_null(fwd_q);
	assert_int_equal(env->metrics.forwarded, 1);
	memcpy(a, q, qlen);
	a[2] |= 0x80;
	a[3] = DNS_RCODE_NXDOMAIN;
	fwd_complete(a, qlen);
	assert_reply_to(r, udp_hear(fd, r, sizeof(r), 1000), q, qlen,
	    DNS_RCODE_NXDOMAIN);
	/* Counted by the rcode the client got, not the REFUSED we had. */
	assert_int_equal(last_rcode, DNS_RCODE_NXDOMAIN);
	close(fd);
}

/*
 * An upstream answer bigger than the UDP client takes is cut to header
 * and question with TC set (the client asks again over TCP), keeping
 * the upstream's rcode.
 */
static void
test_forwarded_answer_too_big_for_udp_is_truncated(void **state)
{
	uint8_t q[512], r[512], big[1500];
	size_t	qlen = query(q, 0x5150, "out");
	int	fd = udp_client();
	ssize_t n;

	(void)state;
	env->fwd = (struct forwarder *)1; /* only compared with NULL */
	assert_int_equal(send(fd, q, qlen, 0), (ssize_t)qlen);
	testutil_loop_for(env->base, 20);
	memset(big, 0xab, sizeof(big));
	memcpy(big, q, qlen);
	big[2] = 0x81; /* QR, RD */
	big[3] = 0x83; /* RA, NXDOMAIN */
	big[7] = 9;    /* ANCOUNT */
	fwd_complete(big, sizeof(big));
	n = udp_hear(fd, r, sizeof(r), 1000);
	if (n != (ssize_t)qlen)
		fail_msg("a 1500-byte upstream answer to a UDP client without "
			 "EDNS: expected %zu bytes with TC, saw %zd",
		    qlen, n);
	assert_int_equal(r[2] & 0x02, 0x02); /* TC */
	assert_int_equal(r[3], 0x83);
	assert_int_equal(r[7], 0); /* no answers */
	assert_memory_equal(r + DNS_HEADER_LEN, q + DNS_HEADER_LEN,
	    qlen - DNS_HEADER_LEN);
	assert_int_equal(last_rcode, DNS_RCODE_NXDOMAIN);
	close(fd);
}

static void
test_forwarder_silence_is_servfail(void **state)
{
	uint8_t q[512], r[512];
	size_t	qlen = query(q, 0x999a, "out");
	int	fd = tcp_client();

	(void)state;
	env->fwd = (struct forwarder *)1;
	tcp_say_query(fd, q, qlen);
	assert_int_equal(tcp_hear(fd, r, sizeof(r), 100), -1);
	fwd_complete(NULL, 0);
	assert_reply_to(r, tcp_hear(fd, r, sizeof(r), 1000), q, qlen,
	    DNS_RCODE_SERVFAIL);
	assert_int_equal(last_rcode, DNS_RCODE_SERVFAIL);
	assert_int_equal(env->metrics.forward_failures, 1);
	close(fd);
}

static void
test_tcp_client_leaving_cancels_its_forwarded_query(void **state)
{
	uint8_t q[512], r[512];
	size_t	qlen = query(q, 0x999b, "out");
	int	fd = tcp_client();

	(void)state;
	env->fwd = (struct forwarder *)1;
	tcp_say_query(fd, q, qlen);
	assert_int_equal(tcp_hear(fd, r, sizeof(r), 100), -1);
	assert_non_null(fwd_q);
	close(fd);
	testutil_loop_for(env->base, 50);
	assert_null(fwd_q);
	assert_int_equal(fwd_cancels, 1);
}

/*
 * Out of descriptors, the waiting connection keeps the listener
 * readable: accepting pauses (rather than spins) and resumes by itself.
 */
static void
test_out_of_descriptors_pauses_accepting_then_resumes(void **state)
{
	uint8_t q[512], r[512];
	size_t	qlen = query(q, 0xaaaa, "www");
	int	fd;

	(void)state;
	accept_emfile = 1;
	fd = tcp_client();
	tcp_say_query(fd, q, qlen);
	assert_int_equal(tcp_hear(fd, r, sizeof(r), 300), -1);
	if (accept_calls > 3)
		fail_msg("out of descriptors: expected accepting to pause, "
			 "saw %d accept calls in 300 ms",
		    accept_calls);
	assert_true(accept_calls >= 1);
	accept_emfile = 0;
	assert_reply_to(r, tcp_hear(fd, r, sizeof(r), 2000), q, qlen, 0);
	close(fd);
}

static void
wait_accepted(uint64_t n)
{
	uint64_t end = testutil_now_ms() + 2000;

	while (env->metrics.tcp_clients < n && testutil_now_ms() < end)
		testutil_loop_for(env->base, 2);
}

/* At the client limit new connections wait; one leaving lets one in. */
static void
test_tcp_clients_past_the_limit_wait_for_a_free_slot(void **state)
{
	enum { LIMIT = 256 }; /* server.c's TCP_CLIENTS_MAX */
	static int fds[LIMIT];
	uint8_t	   q[512], r[512];
	size_t	   qlen = query(q, 0xbbbb, "www");
	int	   fd, i;

	(void)state;
	/* A few at a time: the listen backlog holds only so many. */
	for (i = 0; i < LIMIT; i++) {
		fds[i] = tcp_client();
		if (i % 16 == 15)
			wait_accepted((uint64_t)i + 1);
	}
	assert_int_equal(env->metrics.tcp_clients, LIMIT);
	fd = tcp_client();
	tcp_say_query(fd, q, qlen);
	assert_int_equal(tcp_hear(fd, r, sizeof(r), 200), -1);
	assert_int_equal(env->metrics.tcp_clients, LIMIT);
	close(fds[0]);
	assert_reply_to(r, tcp_hear(fd, r, sizeof(r), 2000), q, qlen, 0);
	assert_int_equal(env->metrics.tcp_clients, LIMIT + 1);
	close(fd);
	for (i = 1; i < LIMIT; i++)
		close(fds[i]);
}

/* A TCP client with small buffers at both ends: replies back up fast. */
static int
tcp_client_small(void)
{
	int fd = socket(tcp_addr.ss.ss_family, SOCK_STREAM, 0), sz = 4096;

	assert_true(fd >= 0);
	accept_small = 1;
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz)),
	    0);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz)),
	    0);
	assert_int_equal(connect(fd, (struct sockaddr *)&tcp_addr.ss,
			     tcp_addr.len),
	    0);
	assert_int_equal(fcntl(fd, F_SETFL, O_NONBLOCK), 0);
	return fd;
}

/*
 * Pipeline queries with IDs from *id on, never reading, until `bytes'
 * are written or the server has stopped taking them for 300 ms; checks
 * that what the server queues for its clients stays below `most'.
 * Ends early if the server closes the connection.
 * Returns the number of queries written.
 */
static unsigned int
tcp_flood(int fd, uint16_t *id, size_t bytes, size_t most)
{
	uint8_t	     msg[2 + 512];
	size_t	     qlen, written = 0, off = 0, len = 0;
	uint64_t     stalled = 0;
	unsigned int n = 0;
	ssize_t	     w;

	while (written < bytes) {
		if (off == len) {
			qlen = query(msg + 2, (*id)++, "www");
			msg[0] = 0;
			msg[1] = (uint8_t)qlen;
			len = 2 + qlen;
			off = 0;
		}
		if ((w = send(fd, msg + off, len - off, MSG_NOSIGNAL)) > 0) {
			off += (size_t)w;
			written += (size_t)w;
			stalled = 0;
			n += off == len; /* whole queries only */
			continue;
		}
		if (errno == ECONNRESET || errno == EPIPE)
			break; /* closed on us (see the trickling test) */
		assert_int_equal(errno, EAGAIN);
		testutil_loop_for(env->base, 2);
		if (server_tcp_backlog(tcp_srv) > most)
			fail_msg("a client that does not read: %zu reply bytes "
				 "queued, more than %zu",
			    server_tcp_backlog(tcp_srv), most);
		if (stalled == 0)
			stalled = testutil_now_ms();
		else if (testutil_now_ms() - stalled > 300)
			break;
	}
	return n;
}

/*
 * A client that pipelines and never reads: reading stops once its
 * replies back up, so what it costs stays bounded, other clients are
 * answered meanwhile, and once it reads every reply comes, in order.
 */
static void
test_tcp_client_that_never_reads_costs_a_bounded_backlog(void **state)
{
	enum { OUT_MAX = 64 * 1024 }; /* server.c's TCP_OUT_MAX */
	uint8_t	     q[512], r[512], buf[4096];
	size_t	     qlen, have = 0, want;
	uint16_t     id = 0, next = 0;
	unsigned int n, got = 0;
	uint64_t     end;
	ssize_t	     k;
	int	     fd = tcp_client_small(), other;

	(void)state;
	n = tcp_flood(fd, &id, 1 << 20, OUT_MAX + 2 + 512);
	if (n * (2 + query(q, 0, "www")) >= 1u << 20)
		fail_msg("1 MiB of queries taken from a client that reads "
			 "nothing");
	assert_true(server_tcp_backlog(tcp_srv) > 0);
	other = tcp_client();
	qlen = query(q, 0xeeee, "www");
	tcp_say_query(other, q, qlen);
	assert_reply_to(r, tcp_hear(other, r, sizeof(r), 1000), q, qlen, 0);
	close(other);
	/* Now it reads: all n replies, in order, none lost. */
	end = testutil_now_ms() + 10000;
	while (got < n && testutil_now_ms() < end) {
		testutil_loop_for(env->base, 1);
		k = read(fd, buf + have, sizeof(buf) - have);
		if (k == 0)
			fail_msg("closed after %u of %u replies", got, n);
		if (k < 0) {
			assert_int_equal(errno, EAGAIN);
			continue;
		}
		have += (size_t)k;
		while (have >= 2 &&
		    have >= 2 + (want = (size_t)buf[0] << 8 | buf[1])) {
			if ((buf[2] << 8 | buf[3]) != next)
				fail_msg("reply %u has ID %u", got,
				    buf[2] << 8 | buf[3]);
			next++;
			got++;
			memmove(buf, buf + 2 + want, have - 2 - want);
			have -= 2 + want;
		}
	}
	if (got != n)
		fail_msg("%u queries pipelined, %u replies", n, got);
	close(fd);
}

/*
 * A client that takes its replies a byte at a time is closed at its
 * deadline: libevent's write timeout would restart at every byte.
 */
static void
test_tcp_client_trickling_its_replies_is_closed(void **state)
{
	uint8_t	 b;
	uint16_t id = 0;
	uint64_t t0, end;
	ssize_t	 k = -1;
	int	 fd = tcp_client_small();

	(void)state;
	env->conf.tcp_timeout_ms = 200;
	(void)tcp_flood(fd, &id, 1 << 20, 64 * 1024 + 2 + 512);
	/* Closed: its socket keeps what it had queued, so no EOF yet. */
	t0 = testutil_now_ms();
	end = t0 + 3000;
	while (env->metrics.tcp_slow == 0 && testutil_now_ms() < end) {
		testutil_loop_for(env->base, 20);
		k = read(fd, &b, 1);
		assert_true(k == 1 ||
		    (k < 0 && (errno == EAGAIN || errno == ECONNRESET)));
	}
	if (env->metrics.tcp_slow == 0)
		fail_msg("a client reading a byte every 20 ms is still "
			 "served after 3 s with a 200 ms deadline");
	assert_int_equal(env->metrics.tcp_slow, 1);
	assert_int_equal(server_tcp_backlog(tcp_srv), 0);
	close(fd);
}

/* A query sent a byte at a time does not hold its slot past the deadline. */
static void
test_tcp_client_trickling_a_query_is_closed(void **state)
{
	uint8_t	 q[512], r[512], msg[2 + 512];
	size_t	 qlen = query(q, 0x1212, "www"), i;
	uint64_t t0;
	ssize_t	 k = -1;
	int	 fd = tcp_client();

	(void)state;
	env->conf.tcp_timeout_ms = 200;
	msg[0] = 0;
	msg[1] = (uint8_t)qlen;
	memcpy(msg + 2, q, qlen);
	t0 = testutil_now_ms();
	for (i = 0; i < qlen + 2; i++) {
		if (send(fd, msg + i, 1, MSG_NOSIGNAL) != 1)
			break;
		if ((k = tcp_hear(fd, r, sizeof(r), 50)) == 0)
			break;
	}
	if (k != 0)
		fail_msg("a query trickled a byte every 50 ms for %llu ms "
			 "was not cut off by a 200 ms deadline",
		    (unsigned long long)(testutil_now_ms() - t0));
	assert_true(testutil_now_ms() - t0 < 1000);
	assert_int_equal(env->metrics.tcp_slow, 0); /* quiet, not slow */
	close(fd);
}

/*
 * Held replies count against the client: past TCP_PENDING_MAX its
 * queries wait in the socket until some are answered, then all are.
 */
static void
test_tcp_queries_in_flight_are_capped(void **state)
{
	enum { PENDING_MAX = 16, N = 40 };
	uint8_t	 q[512], r[512];
	size_t	 qlen;
	uint16_t i;
	int	 fd = tcp_client(), seen[N] = { 0 }, got = 0;
	ssize_t	 k;

	(void)state;
	vm_answer = VM_WANT_WAIT;
	bound.max_wait_ms = 100;
	for (i = 0; i < N; i++) {
		qlen = query(q, i, "bound");
		tcp_say_query(fd, q, qlen);
	}
	while (got < N && (k = tcp_hear(fd, r, sizeof(r), 2000)) > 0) {
		if (r[0] != 0 || r[1] >= N || seen[r[1]]++)
			fail_msg("reply with ID %u: not asked, or twice",
			    r[0] << 8 | r[1]);
		got++;
	}
	if (got != N)
		fail_msg("%d held queries, %d replies", N, got);
	if (most_waiting != PENDING_MAX)
		fail_msg("expected at most %d queries of one client held at "
			 "once, saw %d",
		    PENDING_MAX, most_waiting);
	close(fd);
}

static void
test_ipv6_listeners_answer_over_udp_and_tcp(void **state)
{
	uint8_t q[512], r[512];
	size_t	qlen = query(q, 0xcccc, "www");
	int	fd;

	(void)state;
	server_close(udp_srv);
	server_close(tcp_srv);
	udp_srv = tcp_srv = NULL;
	if (free_port_af(&udp_addr, AF_INET6, SOCK_DGRAM) == -1 ||
	    free_port_af(&tcp_addr, AF_INET6, SOCK_STREAM) == -1)
		skip(); /* no ::1 here */
	udp_srv = server_open(env, &udp_addr, 0);
	tcp_srv = server_open(env, &tcp_addr, 1);
	assert_non_null(udp_srv);
	assert_non_null(tcp_srv);
	fd = udp_client();
	assert_int_equal(send(fd, q, qlen, 0), (ssize_t)qlen);
	assert_reply_to(r, udp_hear(fd, r, sizeof(r), 1000), q, qlen, 0);
	close(fd);
	fd = tcp_client();
	tcp_say_query(fd, q, qlen);
	assert_reply_to(r, tcp_hear(fd, r, sizeof(r), 1000), q, qlen, 0);
	close(fd);
}

/*
 * A UDP listener on the wildcard address, asked at `at' (a loopback
 * address other than the one the route to the client prefers), from a
 * client connected to `at': it hears only what comes from there.
 */
static int
udp_client_at_wildcard(int af, const char *at)
{
	struct sockaddr_storage ss;
	struct sockaddr_in     *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6    *sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t		len;
	uint16_t		port;
	int			fd;

	server_close(udp_srv);
	udp_srv = NULL;
	if (free_port_af(&udp_addr, af, SOCK_DGRAM) == -1)
		return -1;
	port = af == AF_INET6 ?
	    ((struct sockaddr_in6 *)&udp_addr.ss)->sin6_port :
	    ((struct sockaddr_in *)&udp_addr.ss)->sin_port;
	memset(&ss, 0, sizeof(ss));
	if (af == AF_INET6) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = port;
		sin6->sin6_addr = in6addr_any;
		len = sizeof(*sin6);
	} else {
		sin->sin_family = AF_INET;
		sin->sin_port = port;
		sin->sin_addr.s_addr = htonl(INADDR_ANY);
		len = sizeof(*sin);
	}
	memcpy(&udp_addr.ss, &ss, len);
	udp_addr.len = len;
	assert_non_null(udp_srv = server_open(env, &udp_addr, 0));
	if (af == AF_INET6)
		assert_int_equal(inet_pton(AF_INET6, at, &sin6->sin6_addr), 1);
	else
		assert_int_equal(inet_pton(AF_INET, at, &sin->sin_addr), 1);
	assert_true((fd = socket(af, SOCK_DGRAM | SOCK_NONBLOCK, 0)) >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&ss, len), 0);
	return fd;
}

/* Bound to 0.0.0.0 and asked at 127.0.0.2: answered from 127.0.0.2. */
static void
test_wildcard_listener_answers_from_the_address_asked(void **state)
{
	uint8_t q[512], r[512];
	size_t	qlen = query(q, 0x0a0a, "www");
	int	fd = udp_client_at_wildcard(AF_INET, "127.0.0.2");

	(void)state;
	assert_int_equal(send(fd, q, qlen, 0), (ssize_t)qlen);
	assert_reply_to(r, udp_hear(fd, r, sizeof(r), 1000), q, qlen, 0);
	/* A held reply too, sent long after the query was read. */
	qlen = query(q, 0x0a0b, "bound");
	vm_answer = VM_WANT_WAIT;
	bound.max_wait_ms = 10000;
	assert_int_equal(send(fd, q, qlen, 0), (ssize_t)qlen);
	assert_int_equal(udp_hear(fd, r, sizeof(r), 50), -1);
	assert_non_null(joined);
	joined->cb(joined->arg, 1, NULL);
	assert_reply_to(r, udp_hear(fd, r, sizeof(r), 1000), q, qlen, 0);
	close(fd);
}

static void
test_wildcard_ipv6_listener_answers(void **state)
{
	uint8_t q[512], r[512];
	size_t	qlen = query(q, 0x0a0c, "www");
	int	fd = udp_client_at_wildcard(AF_INET6, "::1");

	(void)state;
	if (fd == -1)
		skip(); /* no IPv6 here */
	assert_int_equal(send(fd, q, qlen, 0), (ssize_t)qlen);
	assert_reply_to(r, udp_hear(fd, r, sizeof(r), 1000), q, qlen, 0);
	close(fd);
}

static void
test_addresses_print_with_their_port(void **state)
{
	struct conf_addr     a;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&a.ss;
	char		     buf[64];

	(void)state;
	free_port(&a, SOCK_DGRAM);
	((struct sockaddr_in *)&a.ss)->sin_port = htons(53);
	assert_string_equal(server_addr_str(&a, buf, sizeof(buf)),
	    "127.0.0.1:53");
	memset(&a, 0, sizeof(a));
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(5353);
	inet_pton(AF_INET6, "2001:db8::1", &sin6->sin6_addr);
	assert_string_equal(server_addr_str(&a, buf, sizeof(buf)),
	    "[2001:db8::1]:5353");
}

/* servers_open: one address that cannot be bound, nothing stays open. */
static void
test_servers_open_is_all_or_nothing(void **state)
{
	struct conf	    c;
	struct server_list *list;
	int		    blocker, fd;

	(void)state;
	memset(&c, 0, sizeof(c));
	free_port_both(&c.listen[0]);
	free_port_both(&c.listen[1]);
	c.nlisten = 2;
	/* The second address is held without SO_REUSEPORT: bind fails. */
	blocker = socket(AF_INET, SOCK_DGRAM, 0);
	assert_int_equal(bind(blocker, (struct sockaddr *)&c.listen[1].ss,
			     c.listen[1].len),
	    0);
	assert_null(servers_open(env, &c, 0));
	/* The first address was let go again: we can take it ourselves. */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&c.listen[0].ss,
			     c.listen[0].len),
	    0);
	close(fd);
	close(blocker);
	list = servers_open(env, &c, 0);
	assert_non_null(list);
	servers_close(list);
}

/*
 * At start, a port another process holds with SO_REUSEPORT (a second
 * jitsud, a hung helper of an earlier one) is refused: binding beside
 * it would share the queries with it.  A reload (fresh 0) binds beside
 * its own sockets, as it must.
 */
static void
test_servers_open_refuses_a_shared_port_at_start(void **state)
{
	struct conf	    c;
	struct server_list *list, *again;
	int		    other, on = 1;

	(void)state;
	memset(&c, 0, sizeof(c));
	free_port_both(&c.listen[0]);
	c.nlisten = 1;
	other = socket(AF_INET, SOCK_DGRAM, 0);
	assert_int_equal(setsockopt(other, SOL_SOCKET, SO_REUSEPORT, &on,
			     sizeof(on)),
	    0);
	assert_int_equal(setsockopt(other, SOL_SOCKET, SO_REUSEADDR, &on,
			     sizeof(on)),
	    0);
	assert_int_equal(bind(other, (struct sockaddr *)&c.listen[0].ss,
			     c.listen[0].len),
	    0);
	assert_null(servers_open(env, &c, 1));
	close(other);
	assert_non_null(list = servers_open(env, &c, 1));
	/* A reload's new sockets beside the running ones. */
	assert_non_null(again = servers_open(env, &c, 0));
	servers_close(again);
	servers_close(list);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_udp_query_is_answered_to_its_sender),
		T(test_udp_burst_is_answered_in_full),
		T(test_udp_query_dropped_by_dns_gets_nothing),
		T(test_udp_flood_is_rate_limited_but_tcp_is_not),
		T(test_held_udp_replies_are_rate_limited),
		T(test_tcp_query_is_answered_with_its_length),
		T(test_tcp_framing_split_across_reads),
		T(test_tcp_pipelined_queries_are_answered_in_order),
		T(test_tcp_query_not_worth_answering_closes_the_connection),
		T(test_held_udp_reply_is_sent_when_the_vm_is_ready),
		T(test_held_tcp_reply_is_servfail_when_the_summon_fails),
		T(test_held_reply_is_sent_as_it_is_at_max_wait),
		T(test_vm_that_cannot_be_had_is_servfail_at_once),
		T(test_tcp_client_leaving_cancels_its_held_replies),
		T(test_out_of_zone_query_without_forwarder_is_refused),
		T(test_forwarded_answer_goes_to_the_client),
		T(test_forwarded_answer_too_big_for_udp_is_truncated),
		T(test_forwarder_silence_is_servfail),
		T(test_tcp_client_leaving_cancels_its_forwarded_query),
		T(test_out_of_descriptors_pauses_accepting_then_resumes),
		T(test_tcp_clients_past_the_limit_wait_for_a_free_slot),
		T(test_tcp_client_that_never_reads_costs_a_bounded_backlog),
		T(test_tcp_client_trickling_its_replies_is_closed),
		T(test_tcp_client_trickling_a_query_is_closed),
		T(test_tcp_queries_in_flight_are_capped),
		T(test_ipv6_listeners_answer_over_udp_and_tcp),
		T(test_wildcard_listener_answers_from_the_address_asked),
		T(test_wildcard_ipv6_listener_answers),
		T(test_addresses_print_with_their_port),
		T(test_servers_open_is_all_or_nothing),
		T(test_servers_open_refuses_a_shared_port_at_start),
	};
#undef T

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
