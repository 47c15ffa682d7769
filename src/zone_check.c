/* zone_check.c -- the rules of a zone: apex and SOA, owners, CNAME, dups */
#include <stdarg.h>
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
 * The zone is what the SOA says it is, wherever in the file it stands
 * (NSD takes it anywhere too).  Until it is read, records wait to be
 * checked against the apex: zone_check_rec checks them when it comes.
 */
static int
zone_check_apex(struct zone_reader *r, const struct zone_rec *rec)
{
	if (rec->type != ZONE_TYPE_SOA)
		return 0;
	if (zone_check_soa_rdata(rec) == -1) {
		zone_rec_error(r, rec,
		    "SOA rdata of %u bytes: want two names and five numbers",
		    (unsigned)rec->rdlen);
		return -1;
	}
	if (r->soa_line != 0) {
		zone_rec_error(r, rec,
		    "second SOA record (the first is at line %d)", r->soa_line);
		return -1;
	}
	memcpy(r->apex, rec->owner, rec->ownerlen);
	r->apexlen = rec->ownerlen;
	r->soa_line = rec->line;
	r->neg_ttl = zone_check_neg_ttl(rec);
	return 0;
}

/* The types that only a DNSSEC-signed zone holds. */
static int
zone_check_signed_type(uint16_t type)
{
	return type == ZONE_TYPE_RRSIG || type == ZONE_TYPE_NSEC ||
	    type == ZONE_TYPE_NSEC3 || type == ZONE_TYPE_NSEC3PARAM;
}

/* The rules of one record given the apex; `type' names it, or NULL. */
static void
zone_check_placed(struct zone_reader *r, const struct zone_rec *rec,
    const char *type)
{
	char owner[ZONE_PNAME_MAX], apex[ZONE_PNAME_MAX], tbuf[16];

	if (type == NULL)
		type = rec->type == ZONE_TYPE_BINDING ?
		    "UNIKERNEL" :
		    zone_ldns_type_name(rec->type, tbuf, sizeof(tbuf));
	if (!zone_name_under(rec->owner, rec->ownerlen, r->apex, r->apexlen)) {
		zone_check_name_str(rec->owner, owner, sizeof(owner));
		zone_check_name_str(r->apex, apex, sizeof(apex));
		zone_rec_error(r, rec, "%s is outside the zone %s", owner,
		    apex);
	} else if (rec->type == ZONE_TYPE_OPT ||
	    (rec->type >= 128 && rec->type <= 255))
		zone_rec_error(r, rec, "type %s cannot appear in a zone", type);
	else if (zone_check_signed_type(rec->type) && r->signed_line == 0) {
		/*
		 * Served as plain data, signatures would go out without
		 * the denial proofs and the RRSIG-beside-RRset rules that
		 * make them verifiable: a validator would reject answers.
		 */
		r->signed_line = rec->line;
		zone_rec_error(r, rec,
		    "%s record: the zone is DNSSEC-signed, and jitsud "
		    "serves unsigned zones only (load the file as it was "
		    "before signing)",
		    type);
	}
}

void
zone_check_rec(struct zone_reader *r, const struct zone_rec *rec,
    const char *type)
{
	size_t i;

	if (zone_check_apex(r, rec) == -1 || r->soa_line == 0)
		return;
	if (rec->type == ZONE_TYPE_SOA && rec->line == r->soa_line) {
		/* The records read before the SOA, checked now. */
		for (i = 0; i + 1 < r->nrecs; i++)
			zone_check_placed(r, &r->recs[i], NULL);
	}
	zone_check_placed(r, rec, type);
}

/* --- the records of one owner --------------------------------------- */

/* What a name holds one of at most, named for an error; else NULL. */
static const char *
zone_check_single(uint16_t type)
{
	switch (type) {
	/* clang-format off */
	case ZONE_TYPE_BINDING:	return "UNIKERNEL binding";
	case ZONE_TYPE_CNAME:	return "CNAME";
	case ZONE_TYPE_DNAME:	return "DNAME";
	default:		return NULL;
		/* clang-format on */
	}
}

/*
 * The rules among the records of one owner, recs[i..j): one binding,
 * CNAME and DNAME each, and a binding owns its addresses; CNAME stands
 * alone (RFC 1034 3.6.2).
 * Identical records are merged, as RFC 2181 5 asks.
 */
static void
zone_check_owner(struct zone_reader *r, struct zone_rec *g, size_t n)
{
	const struct zone_rec *binding = NULL, *cname = NULL, *first = NULL;
	const char	      *one;
	char		       tbuf[16];
	size_t		       i;

	/* Sorted by type, then line: a type's first record leads its run. */
	for (i = 0; i < n; i++) {
		if (i == 0 || g[i].type != g[i - 1].type)
			first = &g[i];
		else if ((one = zone_check_single(g[i].type)) != NULL)
			zone_rec_error(r, &g[i],
			    "second %s for the name (the first is at line %d)",
			    one, first->line);
		if (g[i].type == ZONE_TYPE_BINDING)
			binding = first;
		else if (g[i].type == ZONE_TYPE_CNAME)
			cname = first;
	}
	for (i = 0; i < n; i++) {
		if (i > 0 && g[i].type == g[i - 1].type)
			continue; /* one error per RRset */
		if (binding != NULL &&
		    (g[i].type == ZONE_TYPE_A || g[i].type == ZONE_TYPE_AAAA ||
			g[i].type == ZONE_TYPE_CNAME))
			zone_rec_error(r, &g[i],
			    "%s record for a name "
			    "with a UNIKERNEL binding (line %d), which "
			    "supplies its addresses",
			    zone_ldns_type_name(g[i].type, tbuf, sizeof(tbuf)),
			    binding->line);
		else if (cname != NULL && g[i].type != ZONE_TYPE_CNAME &&
		    g[i].type != ZONE_TYPE_BINDING)
			zone_rec_error(r, &g[i],
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

/* --- the tree: delegations, DNAMEs, wildcards ----------------------- */

/*
 * The owners of one type below the apex (NS: the delegation points;
 * DNAME), in the records' own sorted order, for zone_check_find.
 */
struct zone_marks {
	const struct zone_rec **recs;
	size_t			n, cap;
};

static int
zone_check_marks(const struct zone_reader *r, uint16_t type,
    struct zone_marks *m)
{
	const struct zone_rec **t;
	size_t			i;

	memset(m, 0, sizeof(*m));
	for (i = 0; i < r->nrecs; i++) {
		if (r->recs[i].type != type ||
		    (type == ZONE_TYPE_NS &&
			r->recs[i].ownerlen == r->apexlen) ||
		    (m->n > 0 &&
			zone_name_cmp(m->recs[m->n - 1]->owner,
			    m->recs[m->n - 1]->ownerlen, r->recs[i].owner,
			    r->recs[i].ownerlen) == 0))
			continue;
		if ((t = zone_grow(m->recs, &m->cap, m->n + 1, sizeof(*t))) ==
		    NULL)
			return -1;
		m->recs = t;
		m->recs[m->n++] = &r->recs[i];
	}
	return 0;
}

/* The mark at exactly this name, or NULL. */
static const struct zone_rec *
zone_check_find(const struct zone_marks *m, const uint8_t *w, size_t len)
{
	size_t lo = 0, hi = m->n, mid;
	int    c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = zone_name_cmp(m->recs[mid]->owner, m->recs[mid]->ownerlen,
		    w, len);
		if (c == 0)
			return m->recs[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* A mark strictly above name w (and below the apex), or NULL. */
static const struct zone_rec *
zone_check_above(const struct zone_reader *r, const struct zone_marks *m,
    const uint8_t *w, size_t len)
{
	const struct zone_rec *mark;
	size_t		       off;

	if (m->n == 0)
		return NULL;
	for (off = (size_t)w[0] + 1; len - off > r->apexlen;
	     off += (size_t)w[off] + 1)
		if ((mark = zone_check_find(m, w + off, len - off)) != NULL)
			return mark;
	return NULL;
}

/* Data a delegation or a DNAME hides, and wildcards that cannot be. */
static void
zone_check_tree_rec(struct zone_reader *r, const struct zone_marks *cuts,
    const struct zone_marks *dnames, const struct zone_rec *rec)
{
	const struct zone_rec *m;
	char		       owner[ZONE_PNAME_MAX], mark[ZONE_PNAME_MAX];
	char		       tbuf[16];
	const char	      *type;
	uint16_t	       t = rec->type;
	int		       glue = t == ZONE_TYPE_A || t == ZONE_TYPE_AAAA;

	type = t == ZONE_TYPE_BINDING ?
	    "UNIKERNEL" :
	    zone_ldns_type_name(t, tbuf, sizeof(tbuf));
	zone_check_name_str(rec->owner, owner, sizeof(owner));
	if ((m = zone_check_above(r, dnames, rec->owner, rec->ownerlen)) !=
	    NULL) {
		zone_check_name_str(m->owner, mark, sizeof(mark));
		zone_rec_error(r, rec,
		    "%s %s is below the DNAME of %s "
		    "(line %d), which redirects every name under it",
		    owner, type, mark, m->line);
	} else if ((m = zone_check_above(r, cuts, rec->owner, rec->ownerlen)) !=
		NULL &&
	    !glue) {
		zone_check_name_str(m->owner, mark, sizeof(mark));
		zone_rec_error(r, rec,
		    "%s %s is below the delegation "
		    "of %s (line %d); only glue addresses belong there",
		    owner, type, mark, m->line);
	} else if (m == NULL && !glue && t != ZONE_TYPE_NS &&
	    t != ZONE_TYPE_DS &&
	    (m = zone_check_find(cuts, rec->owner, rec->ownerlen)) != NULL)
		zone_rec_error(r, rec,
		    "%s %s would never be served: "
		    "NS (line %d) delegates the name",
		    owner, type, m->line);
	else if (rec->owner[0] == 1 && rec->owner[1] == '*' &&
	    (t == ZONE_TYPE_BINDING || t == ZONE_TYPE_NS ||
		t == ZONE_TYPE_DNAME))
		zone_rec_error(r, rec, "%s",
		    t == ZONE_TYPE_BINDING ?
			"a UNIKERNEL binding cannot have a wildcard owner: "
			"a binding is one unikernel, summoned by one name" :
			t == ZONE_TYPE_NS ?
			"NS records cannot have a wildcard owner "
			"(RFC 4592 4.2)" :
			"DNAME records cannot have a wildcard owner "
			"(RFC 4592 4.4)");
}

/* --- conduit names ------------------------------------------------- */

static void zone_check_conduit_error(struct zone_reader *r,
    const struct zone_conduit *c, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
zone_check_conduit_error(struct zone_reader *r, const struct zone_conduit *c,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	errors_vadd(r->errs, c->file, c->line, fmt, ap);
	va_end(ap);
}

/*
 * A conduit name is the zone's own (conduit(7)): at or below the apex,
 * neither delegated away nor redirected by a DNAME, and not the name of
 * another binding, which DNS would summon instead.
 */
static void
zone_check_conduit(struct zone_reader *r, const struct zone_marks *cuts,
    const struct zone_marks *dnames, const struct zone_marks *bindings,
    const struct zone_conduit *c)
{
	const struct zone_rec *m;
	char		       name[ZONE_PNAME_MAX], mark[ZONE_PNAME_MAX];

	zone_check_name_str(c->name, name, sizeof(name));
	if (!zone_name_under(c->name, c->len, r->apex, r->apexlen)) {
		zone_check_name_str(r->apex, mark, sizeof(mark));
		zone_check_conduit_error(r, c,
		    "conduit name %s is outside the zone %s", name, mark);
		return;
	}
	if ((m = zone_check_above(r, dnames, c->name, c->len)) != NULL ||
	    (m = zone_check_above(r, cuts, c->name, c->len)) != NULL ||
	    (m = zone_check_find(cuts, c->name, c->len)) != NULL) {
		zone_check_name_str(m->owner, mark, sizeof(mark));
		zone_check_conduit_error(r, c,
		    "conduit name %s is not the zone's own: the %s of %s "
		    "(line %d) takes it elsewhere",
		    name, m->type == ZONE_TYPE_NS ? "delegation" : "DNAME",
		    mark, m->line);
	} else if ((m = zone_check_find(bindings, c->name, c->len)) != NULL &&
	    m->binding != c->binding)
		zone_check_conduit_error(r, c,
		    "conduit name %s is the name of the UNIKERNEL binding at "
		    "line %d",
		    name, m->line);
}

static int
zone_check_conduit_cmp(const void *a, const void *b)
{
	const struct zone_conduit *x = a, *y = b;
	int			   c;

	if ((c = zone_name_cmp(x->name, x->len, y->name, y->len)) != 0)
		return c;
	if ((c = strcmp(x->file, y->file)) != 0)
		return c;
	return (x->line > y->line) - (x->line < y->line);
}

/* A name served twice in the file: the second names the first. */
static void
zone_check_conduit_dups(struct zone_reader *r)
{
	const struct zone_conduit *c, *first;
	char			   name[ZONE_PNAME_MAX];
	size_t			   i;

	qsort(r->conduits, r->nconduits, sizeof(*r->conduits),
	    zone_check_conduit_cmp);
	for (i = 1; i < r->nconduits; i++) {
		c = &r->conduits[i];
		first = &r->conduits[i - 1];
		if (zone_name_cmp(first->name, first->len, c->name, c->len) !=
		    0)
			continue;
		zone_check_name_str(c->name, name, sizeof(name));
		if (first->binding == c->binding)
			zone_check_conduit_error(r, c,
			    "UNIKERNEL: conduit: %s is listed twice", name);
		else
			zone_check_conduit_error(r, c,
			    "conduit name %s is also served by the binding at "
			    "%s:%d",
			    name, first->file, first->line);
	}
}

static void
zone_check_conduits(struct zone_reader *r, const struct zone_marks *cuts,
    const struct zone_marks *dnames)
{
	struct zone_marks bindings;
	size_t		  i;

	if (r->nconduits == 0)
		return;
	if (zone_check_marks(r, ZONE_TYPE_BINDING, &bindings) == -1) {
		zone_read_error(r, 0, "out of memory");
		return;
	}
	for (i = 0; i < r->nconduits; i++)
		zone_check_conduit(r, cuts, dnames, &bindings, &r->conduits[i]);
	free(bindings.recs);
	zone_check_conduit_dups(r);
}

static void
zone_check_tree(struct zone_reader *r)
{
	struct zone_marks cuts, dnames;
	size_t		  i;

	if (zone_check_marks(r, ZONE_TYPE_NS, &cuts) == -1 ||
	    zone_check_marks(r, ZONE_TYPE_DNAME, &dnames) == -1) {
		zone_read_error(r, 0, "out of memory");
		free(cuts.recs);
		return;
	}
	zone_check_conduits(r, &cuts, &dnames);
	for (i = 0; i < r->nrecs; i++) {
		/* One error per RRset: records are sorted by owner, type. */
		if (i > 0 && r->recs[i].type == r->recs[i - 1].type &&
		    zone_name_cmp(r->recs[i].owner, r->recs[i].ownerlen,
			r->recs[i - 1].owner, r->recs[i - 1].ownerlen) == 0)
			continue;
		zone_check_tree_rec(r, &cuts, &dnames, &r->recs[i]);
	}
	free(cuts.recs);
	free(dnames.recs);
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
	if (r->soa_line != 0)
		zone_check_tree(r);
}
