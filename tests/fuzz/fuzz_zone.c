/* fuzz_zone.c -- the zone file parser, then answers from what it loaded */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "jitsud.h"

/*
 * The input is a zone file.  zone_load reads it through ldns and the
 * zone checks; whatever it says, it must not fault, leak, or return a
 * zone together with errors.  A zone it accepts must hold what the
 * query path assumes (sorted well-formed names, all at or under the
 * apex), and is then asked, as UDP and as TCP, for every type each of
 * its first names holds and for ANY: each reply must be one whole DNS
 * message.  Odd records the parser lets through thus meet dns.c's
 * writer, name compression and truncation.
 */

#define FUZZ_ZONE_NODES 16 /* names asked, per zone */

static void
fuzz_zone_check(const struct zone *z)
{
	const struct zone_node *n;
	size_t			i;

	FUZZ_CHECK(z->apex != NULL && z->nnodes > 0);
	for (i = 0; i < z->nnodes; i++) {
		n = &z->nodes[i];
		FUZZ_CHECK(zone_name_len(n->name, n->namelen) == n->namelen);
		FUZZ_CHECK(zone_name_under(n->name, n->namelen, z->apex->name,
		    z->apex->namelen));
		if (i > 0)
			FUZZ_CHECK(memcmp(z->nodes[i - 1].name, n->name,
				       n->namelen < z->nodes[i - 1].namelen ?
					   n->namelen + 1u :
					   z->nodes[i - 1].namelen + 1u) != 0);
	}
}

static void
fuzz_zone_ask(const struct zone_set *zs, const struct zone_node *n,
    uint16_t type)
{
	static uint8_t	   q[DNS_HEADER_LEN + ZONE_NAME_MAX + 4 + 11];
	static uint8_t	   reply[DNS_TCP_MAX];
	struct dns_verdict v;
	size_t		   len;
	int		   tcp;

	memset(q, 0, DNS_HEADER_LEN);
	q[0] = 0x12;
	q[5] = 1;  /* one question */
	q[11] = 1; /* one OPT: EDNS, 1232 */
	memcpy(q + DNS_HEADER_LEN, n->name, n->namelen);
	len = DNS_HEADER_LEN + n->namelen;
	q[len++] = (uint8_t)(type >> 8);
	q[len++] = (uint8_t)type;
	q[len++] = 0;
	q[len++] = 1; /* IN */
	memcpy(q + len, "\0\0\x29\x04\xd0\0\0\x80\0\0\0", 11);
	len += 11;
	for (tcp = 0; tcp <= 1; tcp++) {
		if (dns_answer(zs, q, len, tcp, reply, sizeof(reply), &v) ==
		    DNS_V_DROP)
			continue;
		FUZZ_CHECK(v.replylen <=
		    (tcp ? DNS_TCP_MAX : DNS_EDNS_PAYLOAD));
		fuzz_dns_message(reply, v.replylen);
	}
}

static void
fuzz_zone_answer(struct zone *z)
{
	struct zone_set		zs = { &z, 1 };
	const struct zone_node *n;
	size_t			i, j;

	for (i = 0; i < z->nnodes && i < FUZZ_ZONE_NODES; i++) {
		n = &z->nodes[i];
		fuzz_zone_ask(&zs, n, 255); /* ANY */
		for (j = 0; j < n->nsets; j++)
			fuzz_zone_ask(&zs, n, n->sets[j].type);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct errors errs;
	const char	    *path;
	struct zone	    *z;

	if (size > 65536 || (path = fuzz_path(data, size)) == NULL)
		return 0;
	errs.count = 0;
	z = zone_load(path, &errs);
	FUZZ_CHECK((z == NULL) == (errs.count > 0));
	if (z == NULL)
		return 0;
	fuzz_zone_check(z);
	fuzz_zone_answer(z);
	zone_free(z);
	return 0;
}
