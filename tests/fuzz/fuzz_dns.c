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
