/* zone_check.c -- the rules of a zone: apex and SOA, owners, CNAME, dups */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jitsud.h"
#include "zone_int.h"

/* --- one record as it is read --------------------------------------- */

/* Presentation form of a well-formed wire name, for messages. */
static void
zone_check_name_str(const uint8_t *w, char *buf, size_t len)
{
	size_t i, j, o = 0;
	int    c;

	for (i = 0; w[i] != 0 && o + 6 < len; i += (size_t)w[i] + 1) {
		for (j = i + 1; j <= i + w[i] && o + 6 < len; j++) {
			c = w[j];
			if (c == '.' || c == '\\')
				o += (size_t)snprintf(buf + o, len - o, "\\%c",
				    c);
			else if (c > ' ' && c < 127)
				buf[o++] = (char)c;
			else
				o += (size_t)snprintf(buf + o, len - o,
				    "\\%03d", c);
		}
		buf[o++] = '.';
	}
	if (o == 0)
		buf[o++] = '.';
	buf[o] = '\0';
}

/* SOA minimum is the last 32-bit field of its rdata (RFC 2308 4). */
static uint32_t
zone_check_neg_ttl(const struct zone_rec *soa)
{
	const uint8_t *m = soa->rdata + soa->rdlen - 4;
	uint32_t       min;

	min = (uint32_t)m[0] << 24 | (uint32_t)m[1] << 16 |
	    (uint32_t)m[2] << 8 | m[3];
	return soa->ttl < min ? soa->ttl : min;
}

/*
 * An SOA's rdata is two names and five 32-bit fields.  The generic form
 * ("\# 0") lets any length through ldns: the negative TTL is read from
 * the last four bytes, which must be there.  The names are uncompressed
 * in a zone's rdata.
 */
static int
zone_check_soa_rdata(const struct zone_rec *soa)
{
	size_t off, n;

	if ((off = zone_name_len(soa->rdata, soa->rdlen)) == 0 ||
	    (n = zone_name_len(soa->rdata + off, soa->rdlen - off)) == 0)
		return -1;
	return soa->rdlen - (off + n) == 20 ? 0 : -1;
}

/*
 * The zone is what the SOA says it is: the first record must be the
 * SOA, so every later owner can be checked against the apex as it is
 * read, and the error points at the line that is wrong.
 */
static int
zone_check_apex(struct zone_reader *r, const struct zone_rec *rec)
{
	if (rec->type == ZONE_TYPE_SOA && zone_check_soa_rdata(rec) == -1) {
		zone_read_error(r, rec->line,
		    "SOA rdata of %u bytes: want two names and five numbers",
		    (unsigned)rec->rdlen);
		return -1;
	}
	if (rec->type == ZONE_TYPE_SOA && r->soa_line == 0 &&
	    r->nrecords == 1) {
		memcpy(r->apex, rec->owner, rec->ownerlen);
		r->apexlen = rec->ownerlen;
		r->soa_line = rec->line;
		r->neg_ttl = zone_check_neg_ttl(rec);
		return 0;
	}
	if (rec->type == ZONE_TYPE_SOA && r->soa_line != 0) {
		zone_read_error(r, rec->line,
		    "second SOA record (the first is at line %d)", r->soa_line);
		return -1;
	}
	if (r->nrecords == 1) {
		zone_read_error(r, rec->line,
		    "the first record must be the zone's SOA");
		return -1;
	}
	return 0;
}

/* The rules that apply to one record alone, given the apex. */
void
zone_check_rec(struct zone_reader *r, const struct zone_rec *rec,
    const char *type)
{
	char owner[ZONE_PNAME_MAX], apex[ZONE_PNAME_MAX];

	if (zone_check_apex(r, rec) == -1 || r->soa_line == 0)
		return;
	if (!zone_name_under(rec->owner, rec->ownerlen, r->apex, r->apexlen)) {
		zone_check_name_str(rec->owner, owner, sizeof(owner));
		zone_check_name_str(r->apex, apex, sizeof(apex));
		zone_read_error(r, rec->line, "%s is outside the zone %s",
		    owner, apex);
	} else if (rec->owner[0] == 1 && rec->owner[1] == '*')
		zone_read_error(r, rec->line,
		    "wildcard owner names are not supported");
	else if (rec->type == ZONE_TYPE_NS && rec->ownerlen != r->apexlen)
		zone_read_error(r, rec->line,
		    "NS below the apex would "
		    "delegate the name; delegations are not supported");
	else if (rec->type == ZONE_TYPE_DNAME)
		zone_read_error(r, rec->line, "DNAME is not supported");
	else if (rec->type == ZONE_TYPE_OPT ||
	    (rec->type >= 128 && rec->type <= 255))
		zone_read_error(r, rec->line, "type %s cannot appear in a zone",
		    type);
}

/* --- the records of one owner --------------------------------------- */

/*
 * The rules among the records of one owner, recs[i..j): one binding,
 * and a binding owns its addresses; CNAME stands alone (RFC 1034 3.6.2).
 * Identical records are merged, as RFC 2181 5 asks.
 */
static void
zone_check_owner(struct zone_reader *r, struct zone_rec *g, size_t n)
{
	const struct zone_rec *binding = NULL, *cname = NULL;
	char		       tbuf[16];
	size_t		       i;

	for (i = 0; i < n; i++) {
		if (g[i].type == ZONE_TYPE_BINDING && binding == NULL)
			binding = &g[i];
		else if (g[i].type == ZONE_TYPE_BINDING)
			zone_read_error(r, g[i].line,
			    "second UNIKERNEL "
			    "binding for the name (the first is at line %d)",
			    binding->line);
		else if (g[i].type == ZONE_TYPE_CNAME && cname == NULL)
			cname = &g[i];
		else if (g[i].type == ZONE_TYPE_CNAME)
			zone_read_error(r, g[i].line,
			    "second CNAME for the "
			    "name (the first is at line %d)",
			    cname->line);
	}
	for (i = 0; i < n; i++) {
		if (i > 0 && g[i].type == g[i - 1].type)
			continue; /* one error per RRset */
		if (binding != NULL &&
		    (g[i].type == ZONE_TYPE_A || g[i].type == ZONE_TYPE_AAAA ||
			g[i].type == ZONE_TYPE_CNAME))
			zone_read_error(r, g[i].line,
			    "%s record for a name "
			    "with a UNIKERNEL binding (line %d), which "
			    "supplies its addresses",
			    zone_ldns_type_name(g[i].type, tbuf, sizeof(tbuf)),
			    binding->line);
		else if (cname != NULL && g[i].type != ZONE_TYPE_CNAME &&
		    g[i].type != ZONE_TYPE_BINDING)
			zone_read_error(r, g[i].line,
			    "%s record for a name "
			    "with a CNAME (line %d), which must stand alone",
			    zone_ldns_type_name(g[i].type, tbuf, sizeof(tbuf)),
			    cname->line);
	}
}

/* Mark each record whose rdata an earlier one of its RRset has. */
static void
zone_check_dups(struct zone_rec *g, size_t n)
{
	size_t i, j;

	for (i = 1; i < n; i++)
		for (j = 0; j < i && !g[i].dup; j++)
			if (g[j].type == g[i].type && !g[j].dup &&
			    g[j].type != ZONE_TYPE_BINDING &&
			    g[j].rdlen == g[i].rdlen &&
			    memcmp(g[j].rdata, g[i].rdata, g[i].rdlen) == 0)
				g[i].dup = 1;
}

/* The end of the run of records that share recs[i]'s owner. */
static size_t
zone_check_owner_end(const struct zone_rec *recs, size_t n, size_t i)
{
	size_t j;

	for (j = i + 1; j < n; j++)
		if (zone_name_cmp(recs[i].owner, recs[i].ownerlen,
			recs[j].owner, recs[j].ownerlen) != 0)
			break;
	return j;
}

void
zone_check(struct zone_reader *r)
{
	size_t i, j;

	if (r->nrecs == 0)
		return;
	qsort(r->recs, r->nrecs, sizeof(*r->recs), zone_rec_cmp);
	for (i = 0; i < r->nrecs; i = j) {
		j = zone_check_owner_end(r->recs, r->nrecs, i);
		zone_check_owner(r, &r->recs[i], j - i);
		zone_check_dups(&r->recs[i], j - i);
	}
}
