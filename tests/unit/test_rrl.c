/* test_rrl.c -- rrl.c: buckets, refill, slip, prefixes, classes, bounds */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rrl.h"

/*
 * Allocation, counted while `counting': rrl_check must never allocate
 * (the table is made once), whatever the sources.
 */
void	  *__real_malloc(size_t);
void	  *__real_calloc(size_t, size_t);
void	  *__real_realloc(void *, size_t);
void	  *__wrap_malloc(size_t);
void	  *__wrap_calloc(size_t, size_t);
void	  *__wrap_realloc(void *, size_t);
static int counting, allocations;

void *
__wrap_malloc(size_t n)
{
	allocations += counting;
	return __real_malloc(n);
}

void *
__wrap_calloc(size_t n, size_t size)
{
	allocations += counting;
	return __real_calloc(n, size);
}

void *
__wrap_realloc(void *p, size_t n)
{
	allocations += counting;
	return __real_realloc(p, n);
}

static const uint8_t key[SIPHASH_KEY_LEN] = "0123456789abcdef";
static const uint8_t zone[] = "\7example\3org"; /* with its root byte */
static const struct rrl_names names = { zone, sizeof(zone), NULL, 0 };

/*
 * A reply from a zone: header (rcode, AA, counts), the question for
 * `name' (dotted, no final dot) and type, then `extra' bytes standing
 * for the records.  *qend is where the question ends.
 */
static size_t
reply(uint8_t *r, const char *name, uint16_t qtype, int rcode, int an, int aa,
    int ns, size_t extra, size_t *qend)
{
	size_t	    n = 12, len;
	const char *dot;

	memset(r, 0, 12);
	r[0] = 0x12;
	r[2] = 0x80 | (aa ? 0x04 : 0);
	r[3] = (uint8_t)rcode;
	r[5] = 1;
	r[7] = (uint8_t)an;
	r[9] = (uint8_t)ns;
	while (*name != '\0') {
		dot = strchr(name, '.');
		len = dot ? (size_t)(dot - name) : strlen(name);
		r[n++] = (uint8_t)len;
		memcpy(r + n, name, len);
		n += len;
		name += len + (dot != NULL);
	}
	r[n++] = 0;
	r[n++] = (uint8_t)(qtype >> 8);
	r[n++] = (uint8_t)qtype;
	r[n++] = 0;
	r[n++] = 1;
	*qend = n;
	memset(r + n, 0xaa, extra);
	return n + extra;
}

static struct sockaddr_storage
v4(const char *a)
{
	struct sockaddr_storage ss;
	struct sockaddr_in     *sin = (struct sockaddr_in *)&ss;

	memset(&ss, 0, sizeof(ss));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(5353);
	assert_int_equal(inet_pton(AF_INET, a, &sin->sin_addr), 1);
	return ss;
}

static struct sockaddr_storage
v6(const char *a)
{
	struct sockaddr_storage ss;
	struct sockaddr_in6    *sin6 = (struct sockaddr_in6 *)&ss;

	memset(&ss, 0, sizeof(ss));
	sin6->sin6_family = AF_INET6;
	assert_int_equal(inet_pton(AF_INET6, a, &sin6->sin6_addr), 1);
	return ss;
}

/* How many of answers for n names made up under one wildcard go out. */
static int
wild_sent(struct rrl *r, int n, const struct rrl_names *nm)
{
	struct sockaddr_storage to = v4("192.0.2.7");
	uint8_t			buf[512];
	char			name[64];
	size_t			qend, len;
	int			i, k = 0;

	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "r%d.w.example.org", i);
		len = reply(buf, name, 1, 0, 1, 1, 0, 40, &qend);
		k += rrl_check(r, (const struct sockaddr *)&to, buf, len, qend,
			 nm, 0) == RRL_SEND;
	}
	return k;
}

static struct rrl *
limiter(uint32_t rate, uint32_t slip, size_t buckets)
{
	struct rrl_conf c = { rate, slip, RRL_IPV4_PREFIX_DEFAULT,
		RRL_IPV6_PREFIX_DEFAULT };
	struct rrl     *r = rrl_new(buckets, key);

	assert_non_null(r);
	rrl_configure(r, &c);
	return r;
}

/* One answer for www.example.org A to `to' at `now'. */
static enum rrl_action
answer(struct rrl *r, const struct sockaddr_storage *to, uint64_t now)
{
	uint8_t buf[512];
	size_t	qend,
	    len = reply(buf, "www.example.org", 1, 0, 1, 1, 0, 200, &qend);

	return rrl_check(r, (const struct sockaddr *)to, buf, len, qend, &names,
	    now);
}

/* How many of n answers to `to' at `now' may be sent. */
static int
sent(struct rrl *r, const struct sockaddr_storage *to, uint64_t now, int n)
{
	int i, k = 0;

	for (i = 0; i < n; i++)
		k += answer(r, to, now) == RRL_SEND;
	return k;
}

static void
test_limit_is_reached_after_rate_responses(void **state)
{
	struct sockaddr_storage a = v4("192.0.2.1");
	struct rrl	       *r = limiter(10, 0, 1024);

	(void)state;
	assert_int_equal(sent(r, &a, 5000, 10), 10);
	assert_int_equal(answer(r, &a, 5000), RRL_DROP);
	assert_int_equal(sent(r, &a, 5000, 100), 0);
	rrl_free(r);
}

static void
test_credit_comes_back_over_the_second_and_no_more(void **state)
{
	struct sockaddr_storage a = v4("192.0.2.1");
	struct rrl	       *r = limiter(10, 0, 1024);

	(void)state;
	assert_int_equal(sent(r, &a, 1000, 50), 10);
	/* Half a second earns half the rate. */
	assert_int_equal(sent(r, &a, 1500, 50), 5);
	/* A whole second, the whole rate. */
	assert_int_equal(sent(r, &a, 2500, 50), 10);
	/* Idle for a minute: still one second's worth, not sixty. */
	assert_int_equal(sent(r, &a, 62500, 1000), 10);
	/* A millisecond at 10/s is a hundredth of a response... */
	assert_int_equal(sent(r, &a, 62501, 5), 0);
	/* ... and 100 of them make one. */
	assert_int_equal(sent(r, &a, 62600, 5), 1);
	rrl_free(r);
}

/* The actions for the n responses past the limit, as a string. */
static void
pattern(uint32_t slip, const char *want)
{
	struct sockaddr_storage a = v4("198.51.100.7");
	struct rrl	       *r = limiter(3, slip, 1024);
	char			got[32];
	size_t			i, n = strlen(want);

	assert_int_equal(sent(r, &a, 0, 3), 3);
	for (i = 0; i < n; i++)
		got[i] = "+DS"[answer(r, &a, 0)];
	got[n] = '\0';
	if (strcmp(got, want) != 0)
		fail_msg("slip %u: want %s, got %s", slip, want, got);
	rrl_free(r);
}

static void
test_slip_truncates_every_nth_limited_response(void **state)
{
	(void)state;
	pattern(2, "DSDSDSDS");
	pattern(1, "SSSSSSSS");
	pattern(0, "DDDDDDDD");
	pattern(3, "DDSDDSDD");
}

static void
test_slip_is_header_and_question_with_tc(void **state)
{
	uint8_t buf[1500], out[1500];
	size_t	qend,
	    len = reply(buf, "big.example.org", 16, 0, 7, 1, 1, 900, &qend);

	(void)state;
	buf[11] = 1; /* an OPT */
	assert_int_equal(rrl_slip(out, buf, len, qend), qend);
	assert_memory_equal(out, buf, 2);		     /* ID */
	assert_int_equal(out[2], buf[2] | 0x02);	     /* TC */
	assert_int_equal(out[3], buf[3]);		     /* rcode */
	assert_memory_equal(out + 4, "\0\1\0\0\0\0\0\0", 8); /* QD 1 */
	assert_memory_equal(out + 12, buf + 12, qend - 12);
	/* In place, as the server does it. */
	assert_int_equal(rrl_slip(buf, buf, len, qend), qend);
	assert_memory_equal(buf, out, qend);
	/* No header: nothing to send. */
	assert_int_equal(rrl_slip(out, buf, 11, 11), 0);
}

static void
test_addresses_in_one_ipv4_24_share_a_bucket(void **state)
{
	struct sockaddr_storage a = v4("192.0.2.1"), b = v4("192.0.2.254"),
				c = v4("192.0.3.1");
	struct rrl *r = limiter(10, 0, 1024);

	(void)state;
	assert_int_equal(sent(r, &a, 0, 6), 6);
	assert_int_equal(sent(r, &b, 0, 10), 4);
	assert_int_equal(sent(r, &c, 0, 10), 10);
	rrl_free(r);
}

static void
test_addresses_in_one_ipv6_56_share_a_bucket(void **state)
{
	struct sockaddr_storage a = v6("2001:db8:0:1200::1"),
				b = v6("2001:db8:0:12ff:ffff::9"),
				c = v6("2001:db8:0:1300::1"),
				d = v6("2001:db9:0:1200::1");
	struct rrl *r = limiter(10, 0, 1024);

	(void)state;
	assert_int_equal(sent(r, &a, 0, 6), 6);
	assert_int_equal(sent(r, &b, 0, 10), 4);
	assert_int_equal(sent(r, &c, 0, 10), 10);
	assert_int_equal(sent(r, &d, 0, 10), 10);
	rrl_free(r);
}

static void
test_prefix_lengths_are_configurable(void **state)
{
	struct sockaddr_storage a = v4("192.0.2.1"), b = v4("192.0.2.2"),
				c = v4("192.0.9.9"), x = v6("2001:db8::1"),
				y = v6("2001:db8::2");
	struct rrl_conf conf = { 10, 0, 32, 128 };
	struct rrl     *r = limiter(10, 0, 1024);

	(void)state;
	rrl_configure(r, &conf);
	assert_int_equal(sent(r, &a, 0, 10), 10);
	assert_int_equal(sent(r, &b, 0, 10), 10);
	assert_int_equal(sent(r, &x, 0, 10), 10);
	assert_int_equal(sent(r, &y, 0, 10), 10);
	conf.ipv4_prefix = 16;
	rrl_configure(r, &conf);
	assert_int_equal(sent(r, &a, 0, 6), 6);
	assert_int_equal(sent(r, &c, 0, 10), 4);
	rrl_free(r);
}

/* n responses of one kind to `to': how many may be sent. */
static int
kind(struct rrl *r, const struct sockaddr_storage *to, const char *name,
    uint16_t qtype, int rcode, int an, int aa, int ns, int n)
{
	uint8_t buf[512];
	size_t	qend, len;
	int	i, k = 0;

	len = reply(buf, name, qtype, rcode, an, aa, ns, 40, &qend);
	for (i = 0; i < n; i++)
		k += rrl_check(r, (const struct sockaddr *)to, buf, len, qend,
			 &names, 0) == RRL_SEND;
	return k;
}

static void
test_classes_names_and_types_have_buckets_of_their_own(void **state)
{
	struct sockaddr_storage a = v4("203.0.113.5");
	struct rrl	       *r = limiter(4, 0, 1024);

	(void)state;
	assert_int_equal(kind(r, &a, "www.example.org", 1, 0, 1, 1, 0, 9), 4);
	/* Another type, another name: answers of their own. */
	assert_int_equal(kind(r, &a, "www.example.org", 16, 0, 1, 1, 0, 9), 4);
	assert_int_equal(kind(r, &a, "ftp.example.org", 1, 0, 1, 1, 0, 9), 4);
	/* The same name in other letters is the same bucket. */
	assert_int_equal(kind(r, &a, "WwW.Example.ORG", 1, 0, 1, 1, 0, 9), 0);
	/* NXDOMAIN, NODATA, referral, error: each its own class. */
	assert_int_equal(kind(r, &a, "no1.example.org", 1, 3, 0, 1, 1, 9), 4);
	assert_int_equal(kind(r, &a, "www.example.org", 99, 0, 0, 1, 1, 9), 4);
	assert_int_equal(kind(r, &a, "a.sub.example.org", 1, 0, 0, 0, 1, 9), 4);
	assert_int_equal(kind(r, &a, "www.example.org", 1, 5, 0, 0, 0, 9), 4);
	/* NXDOMAIN counts by zone: fresh names do not earn fresh credit. */
	assert_int_equal(kind(r, &a, "no2.example.org", 1, 3, 0, 1, 1, 9), 0);
	/* Nor NODATA, nor errors (by network only). */
	assert_int_equal(kind(r, &a, "ftp.example.org", 99, 0, 0, 1, 1, 9), 0);
	assert_int_equal(kind(r, &a, "x.example.com", 1, 5, 0, 0, 0, 9), 0);
	assert_int_equal(kind(r, &a, "x.example.com", 1, 1, 0, 0, 0, 9), 0);
	rrl_free(r);
}

static void
test_classify_reads_rcode_counts_and_flags(void **state)
{
	uint8_t buf[512];
	size_t	qend;

	(void)state;
	reply(buf, "a.example.org", 1, 0, 2, 1, 1, 0, &qend);
	assert_int_equal(rrl_classify(buf, qend), RRL_ANSWER);
	reply(buf, "a.example.org", 16, 0, 0, 1, 0, 0, &qend);
	buf[2] |= 0x02; /* cut with TC, no records left */
	assert_int_equal(rrl_classify(buf, qend), RRL_ANSWER);
	reply(buf, "a.example.org", 1, 0, 0, 1, 1, 0, &qend);
	assert_int_equal(rrl_classify(buf, qend), RRL_NODATA);
	reply(buf, "a.example.org", 1, 3, 0, 1, 1, 0, &qend);
	assert_int_equal(rrl_classify(buf, qend), RRL_NXDOMAIN);
	reply(buf, "a.b.example.org", 1, 0, 0, 0, 2, 0, &qend);
	assert_int_equal(rrl_classify(buf, qend), RRL_REFERRAL);
	reply(buf, "a.example.org", 1, 2, 0, 0, 0, 0, &qend);
	assert_int_equal(rrl_classify(buf, qend), RRL_ERROR);
	reply(buf, "a.example.org", 1, 0, 0, 0, 0, 0, &qend);
	assert_int_equal(rrl_classify(buf, qend), RRL_ERROR);
	assert_int_equal(rrl_classify(buf, 11), RRL_ERROR);
}

/*
 * A spoofer churning the table with many sources must not reset the
 * limit of the network being flooded: its bucket, used all the time,
 * is never the least recently used of its set.  And the table does not
 * grow: no allocation past rrl_new.
 */
static void
test_table_is_bounded_and_keeps_a_busy_bucket(void **state)
{
	struct sockaddr_storage victim = v4("192.0.2.1"), other;
	struct rrl	       *r = limiter(5, 0, 16);
	char			addr[32];
	int			i, leaks = 0, others = 0;

	(void)state;
	assert_int_equal(sent(r, &victim, 0, 5), 5);
	counting = 1;
	allocations = 0;
	for (i = 0; i < 20000; i++) {
		snprintf(addr, sizeof(addr), "10.%d.%d.1", i >> 8 & 0xff,
		    i & 0xff);
		other = v4(addr);
		others += answer(r, &other, 0) == RRL_SEND;
		leaks += answer(r, &victim, 0) == RRL_SEND;
	}
	counting = 0;
	assert_int_equal(allocations, 0);
	assert_int_equal(leaks, 0);
	/* 256 * 256 /24s were each asked at most once: all within rate. */
	assert_int_equal(others, 20000);
	rrl_free(r);
}

static void
test_off_sends_everything(void **state)
{
	struct sockaddr_storage a = v4("192.0.2.1");
	struct rrl	       *r = limiter(0, 2, 1024);
	struct rrl_conf		on = { 1, 2, 24, 56 };
	char			buf[64];

	(void)state;
	assert_int_equal(sent(r, &a, 0, 10000), 10000);
	assert_string_equal(rrl_conf_str(&on, buf, sizeof(buf)),
	    "1/s, slip 2, /24 and /56");
	on.rate = 0;
	assert_string_equal(rrl_conf_str(&on, buf, sizeof(buf)), "off");
	rrl_free(r);
}

/* A reload that lowers the rate caps credit already earned. */
static void
test_lower_rate_caps_the_credit_held(void **state)
{
	struct sockaddr_storage a = v4("192.0.2.1");
	struct rrl_conf		low = { 2, 0, 24, 56 };
	struct rrl	       *r = limiter(100, 0, 1024);

	(void)state;
	assert_int_equal(sent(r, &a, 0, 1), 1);
	rrl_configure(r, &low);
	assert_int_equal(sent(r, &a, 0, 100), 2);
	rrl_free(r);
}

/*
 * Names made up under a wildcard would each get a bucket of their own,
 * and a flood of them pass whole; counted under the wildcard's owner
 * (what dns_answer's verdict names), they share one, as in NSD.
 */
static void
test_answers_from_one_wildcard_share_a_bucket(void **state)
{
	static const uint8_t wild[] = "\1*\1w\7example\3org";
	struct rrl_names     w = { zone, sizeof(zone), wild, sizeof(wild) };
	struct rrl	    *r = limiter(10, 0, 64);

	(void)state;
	assert_int_equal(wild_sent(r, 100, &names), 100);
	rrl_free(r);
	r = limiter(10, 0, 64);
	assert_int_equal(wild_sent(r, 100, &w), 10);
	rrl_free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_limit_is_reached_after_rate_responses),
		cmocka_unit_test(
		    test_credit_comes_back_over_the_second_and_no_more),
		cmocka_unit_test(
		    test_slip_truncates_every_nth_limited_response),
		cmocka_unit_test(test_slip_is_header_and_question_with_tc),
		cmocka_unit_test(test_addresses_in_one_ipv4_24_share_a_bucket),
		cmocka_unit_test(test_addresses_in_one_ipv6_56_share_a_bucket),
		cmocka_unit_test(test_prefix_lengths_are_configurable),
		cmocka_unit_test(
		    test_classes_names_and_types_have_buckets_of_their_own),
		cmocka_unit_test(test_classify_reads_rcode_counts_and_flags),
		cmocka_unit_test(test_table_is_bounded_and_keeps_a_busy_bucket),
		cmocka_unit_test(test_off_sends_everything),
		cmocka_unit_test(test_answers_from_one_wildcard_share_a_bucket),
		cmocka_unit_test(test_lower_rate_caps_the_credit_held),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
