/* fuzz_dns.c -- the DNS query path: dns_answer against the test zones */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "jitsud.h"

/*
 * The zones are tests/dns's, the ones the golden tests answer from
 * (records of the common types, CNAME chains, bindings), loaded once.
 * Each input is one query, answered as UDP and as TCP into buffers of
 * the daemon's sizes; the reply must stay within what dns_answer's
 * contract says and turn into SERVFAIL in place as a failed summon does.
 */

static struct zone_set *zones;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static struct errors errs;
	const char	    *paths[] = { FUZZ_TOP "/tests/dns/example.org.zone",
			 FUZZ_TOP "/tests/dns/example.net.zone" };

	(void)argc;
	(void)argv;
	if ((zones = zone_set_load(paths, 2, &errs)) == NULL) {
		errors_print(&errs, stderr);
		abort();
	}
	return 0;
}

/*
 * The end of the name at r[off], or 0 if it is not a well-formed one:
 * labels of at most 63 bytes, at most 255 in all, compression pointers
 * that point back into the message.
 */
static size_t
fuzz_dns_name(const uint8_t *r, size_t len, size_t off)
{
	size_t end = 0, total = 0, at = off;
	int    jumps = 0;

	for (;;) {
		if (at >= len)
			return 0;
		if ((r[at] & 0xc0) == 0xc0) {
			if (at + 1 >= len || ++jumps > 64)
				return 0;
			if (end == 0)
				end = at + 2;
			if ((size_t)((r[at] & 0x3f) << 8 | r[at + 1]) >= at)
				return 0;
			at = (size_t)((r[at] & 0x3f) << 8 | r[at + 1]);
			continue;
		}
		if (r[at] > 63 || (total += r[at] + 1u) > 255)
			return 0;
		if (r[at] == 0)
			return end ? end : at + 1;
		at += r[at] + 1u;
	}
}

/* The reply is one whole DNS message: its counts, names and lengths. */
static void
fuzz_dns_message(const uint8_t *r, size_t len)
{
	size_t off = DNS_HEADER_LEN, n;
	int    sect, i;

	for (sect = 0; sect < 4; sect++)
		for (i = 0; i < (r[4 + 2 * sect] << 8 | r[5 + 2 * sect]); i++) {
			FUZZ_CHECK((off = fuzz_dns_name(r, len, off)) != 0);
			if (sect == 0) {
				off += 4;
				continue;
			}
			FUZZ_CHECK(off + 10 <= len);
			n = (size_t)(r[off + 8] << 8 | r[off + 9]);
			off += 10 + n;
			FUZZ_CHECK(off <= len);
		}
	FUZZ_CHECK(off == len);
}

static void
fuzz_dns_check(const uint8_t *q, size_t qlen, int tcp, const uint8_t *r,
    enum dns_action a, const struct dns_verdict *v)
{
	FUZZ_CHECK(a == v->action);
	if (a == DNS_V_DROP)
		return;
	FUZZ_CHECK(qlen >= DNS_HEADER_LEN);
	FUZZ_CHECK(v->replylen >= DNS_HEADER_LEN);
	FUZZ_CHECK(v->replylen <= v->limit);
	FUZZ_CHECK(tcp || v->replylen <= DNS_EDNS_PAYLOAD);
	FUZZ_CHECK(memcmp(r, q, 2) == 0); /* the query's ID */
	FUZZ_CHECK(r[2] & 0x80);	  /* QR */
	FUZZ_CHECK(v->qend <= v->replylen);
	fuzz_dns_message(r, v->replylen);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t	   reply[DNS_TCP_MAX];
	struct dns_verdict v;
	enum dns_action	   a;
	uint8_t		  *q;
	size_t		   n;
	int		   tcp;

	/* An exact-size copy: ASan then sees a read past the query. */
	if ((q = malloc(size ? size : 1)) == NULL)
		return 0;
	memcpy(q, data, size);
	for (tcp = 0; tcp <= 1; tcp++) {
		memset(&v, 0, sizeof(v));
		a = dns_answer(zones, q, size, tcp, reply, sizeof(reply), &v);
		fuzz_dns_check(q, size, tcp, reply, a, &v);
		if (a != DNS_V_REPLY)
			continue;
		n = dns_servfail(reply, &v);
		FUZZ_CHECK(n >= DNS_HEADER_LEN && n <= v.replylen);
		FUZZ_CHECK((reply[3] & 0x0f) == DNS_RCODE_SERVFAIL);
		fuzz_dns_message(reply, n);
	}
	free(q);
	return 0;
}
