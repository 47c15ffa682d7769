/* zone_build.c -- the query-time struct zone from the checked records */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jitsud.h"
#include "zone_int.h"

/*
 * Everything the query path reads sits in a few flat arrays sized
 * first and filled once: nodes sorted by wire name, their RRsets, the
 * records, and one block for the names and rdata they point into.
 */

/* A binding answers A/AAAA from its addresses: add those records. */
static int
zone_build_synthesise(struct zone_reader *r)
{
	struct zone_rec *rec, *recs;
	struct binding	*b;
	size_t		 i, n = r->nrecs;

	for (i = 0; i < n; i++) {
		if (r->recs[i].type != ZONE_TYPE_BINDING)
			continue;
		b = &r->bindings[r->recs[i].binding];
		recs = zone_grow(r->recs, &r->caprecs, r->nrecs + 2,
		    sizeof(*recs));
		if (recs == NULL)
			return -1;
		r->recs = recs;
		if (b->has_ip) {
			rec = &r->recs[r->nrecs];
			*rec = r->recs[i];
			rec->type = ZONE_TYPE_A;
			rec->rdlen = 4;
			rec->rdata = malloc(4);
			if (rec->rdata == NULL ||
			    (rec->owner = malloc(rec->ownerlen)) == NULL) {
				free(rec->rdata);
				return -1;
			}
			memcpy(rec->owner, r->recs[i].owner, rec->ownerlen);
			memcpy(rec->rdata, &b->ip, 4);
			r->nrecs++;
		}
		if (b->has_ip6) {
			rec = &r->recs[r->nrecs];
			*rec = r->recs[i];
			rec->type = ZONE_TYPE_AAAA;
			rec->rdlen = 16;
			rec->rdata = malloc(16);
			if (rec->rdata == NULL ||
			    (rec->owner = malloc(rec->ownerlen)) == NULL) {
				free(rec->rdata);
				return -1;
			}
			memcpy(rec->owner, r->recs[i].owner, rec->ownerlen);
			memcpy(rec->rdata, &b->ip6, 16);
			r->nrecs++;
		}
	}
	qsort(r->recs, r->nrecs, sizeof(*r->recs), zone_rec_cmp);
	return 0;
}

/* A name of the zone, pointing into an owner of r->recs. */
struct zname {
	const uint8_t *w;
	size_t	       len;
};

static int
zone_build_name_cmp(const void *a, const void *b)
{
	const struct zname *x = a, *y = b;

	return zone_name_cmp(x->w, x->len, y->w, y->len);
}

/*
 * Every owner and every name between it and the apex (the empty
 * non-terminals), sorted and unique.  The names point into r->recs.
 */
static struct zname *
zone_build_names(struct zone_reader *r, size_t *count)
{
	struct zname *names = NULL, *t;
	size_t	      n = 0, cap = 0, i, off;

	for (i = 0; i < r->nrecs; i++) {
		for (off = 0; r->recs[i].ownerlen - off >= r->apexlen;
		     off += (size_t)r->recs[i].owner[off] + 1) {
			if ((t = zone_grow(names, &cap, n + 1, sizeof(*t))) ==
			    NULL) {
				free(names);
				return NULL;
			}
			names = t;
			names[n].w = r->recs[i].owner + off;
			names[n++].len = r->recs[i].ownerlen - off;
			if (r->recs[i].ownerlen - off == r->apexlen)
				break;
		}
	}
	qsort(names, n, sizeof(*names), zone_build_name_cmp);
	for (i = 0, off = 0; i < n; i++)
		if (off == 0 ||
		    zone_build_name_cmp(&names[off - 1], &names[i]) != 0)
			names[off++] = names[i];
	*count = off;
	return names;
}

/* What the zone's arrays must hold, duplicates and bindings left out. */
static void
zone_build_sizes(const struct zone_reader *r, size_t *nsets, size_t *nrrs,
    size_t *bytes)
{
	const struct zone_rec *c, *last = NULL;
	size_t		       i;

	*nsets = *nrrs = *bytes = 0;
	for (i = 0; i < r->nrecs; i++) {
		c = &r->recs[i];
		if (c->dup || c->type == ZONE_TYPE_BINDING)
			continue;
		if (last == NULL || last->type != c->type ||
		    zone_name_cmp(last->owner, last->ownerlen, c->owner,
			c->ownerlen) != 0)
			(*nsets)++;
		(*nrrs)++;
		*bytes += c->rdlen;
		last = c;
	}
}

static int
zone_build_alloc(struct zone *z, const struct zone_reader *r, size_t nnames,
    const struct zname *names)
{
	size_t nsets, nrrs, bytes, i;

	zone_build_sizes(r, &nsets, &nrrs, &bytes);
	for (i = 0; i < nnames; i++)
		bytes += names[i].len;
	z->nodes = calloc(nnames ? nnames : 1, sizeof(*z->nodes));
	z->sets = calloc(nsets ? nsets : 1, sizeof(*z->sets));
	z->rrs = calloc(nrrs ? nrrs : 1, sizeof(*z->rrs));
	z->data = malloc(bytes ? bytes : 1);
	z->bindings = calloc(r->nbindings ? r->nbindings : 1,
	    sizeof(*z->bindings));
	if (z->nodes == NULL || z->sets == NULL || z->rrs == NULL ||
	    z->data == NULL || z->bindings == NULL)
		return -1;
	return 0;
}

/* The node of a name zone_build_names put in (so never NULL). */
static struct zone_node *
zone_build_node(struct zone *z, const uint8_t *w, size_t len)
{
	return (struct zone_node *)(uintptr_t)zone_lookup(z, w, len);
}

/*
 * Append rec to the zone: records arrive sorted by owner and type, so
 * it starts a new RRset unless it continues the last one of its node.
 */
static void
zone_build_add(struct zone *z, size_t *nsets, size_t *nrrs, uint8_t **data,
    size_t *first, const struct zone_rec *rec)
{
	struct zone_node  *node;
	struct zone_rrset *set = *nsets ? &z->sets[*nsets - 1] : NULL;
	struct zone_rr	  *rr;

	node = zone_build_node(z, rec->owner, rec->ownerlen);
	if (rec->type == ZONE_TYPE_BINDING) {
		node->binding = &z->bindings[rec->binding];
		return;
	}
	rr = &z->rrs[(*nrrs)++];
	if (set == NULL || set->type != rec->type || node->nsets == 0 ||
	    node->sets + node->nsets - 1 != set) {
		set = &z->sets[(*nsets)++];
		set->type = rec->type;
		set->ttl = rec->ttl;
		set->rrs = rr;
		/* Its records come in file order (zone_rec_cmp): this is
		 * the first. */
		first[*nsets - 1] = rec->seq;
		if (node->nsets++ == 0)
			node->sets = set;
	}
	set->count++;
	if (rec->ttl < set->ttl)
		set->ttl = rec->ttl;
	memcpy(*data, rec->rdata, rec->rdlen);
	rr->rdata = *data;
	rr->rdlen = rec->rdlen;
	*data += rec->rdlen;
}

/* The rank NSD gives a type when it picks ANY's one RRset. */
static int
zone_build_any_rank(uint16_t type)
{
	switch (type) {
	case ZONE_TYPE_A:
	case ZONE_TYPE_AAAA:
	case ZONE_TYPE_SOA:
	case ZONE_TYPE_MX:
	case ZONE_TYPE_PTR:
		return 2;
	case ZONE_TYPE_DNSKEY:
	case ZONE_TYPE_RRSIG:
	case ZONE_TYPE_NSEC:
		return 0;
	default:
		return 1;
	}
}

/*
 * The one RRset ANY gets (RFC 8482), chosen as NSD 4 chooses it, so
 * the same zone answers the same: the first in the file of A, AAAA,
 * SOA, MX and PTR; else the last in the file of the other types, the
 * DNSSEC ones (DNSKEY) last of all.  `first' holds each RRset's
 * place in the file.
 */
static void
zone_build_any(struct zone *z, const size_t *first)
{
	const struct zone_rrset *s, *best;
	struct zone_node	*n;
	size_t			 i, j, k;
	int			 rank, brank;

	for (i = 0; i < z->nnodes; i++) {
		n = &z->nodes[i];
		best = NULL;
		brank = -1;
		for (j = 0; j < n->nsets; j++) {
			s = &n->sets[j];
			k = (size_t)(s - z->sets);
			rank = zone_build_any_rank(s->type);
			if (rank > brank ||
			    (rank == brank &&
				(rank == 2 ?
					first[k] < first[best - z->sets] :
					first[k] > first[best - z->sets]))) {
				best = s;
				brank = rank;
			}
		}
		n->any = best;
	}
}

struct zone *
zone_build(struct zone_reader *r)
{
	struct zone  *z;
	struct zname *names;
	size_t	      nnames, i, nsets = 0, nrrs = 0, *first;
	uint8_t	     *data;

	if (zone_build_synthesise(r) == -1 ||
	    (names = zone_build_names(r, &nnames)) == NULL)
		return NULL;
	if ((z = calloc(1, sizeof(*z))) == NULL ||
	    (z->path = strdup(r->path)) == NULL ||
	    zone_build_alloc(z, r, nnames, names) == -1) {
		free(names);
		zone_free(z);
		return NULL;
	}
	data = z->data;
	for (i = 0; i < nnames; i++) {
		memcpy(data, names[i].w, names[i].len);
		z->nodes[i].name = data;
		z->nodes[i].namelen = (uint8_t)names[i].len;
		data += names[i].len;
	}
	z->nnodes = nnames;
	free(names);
	/* Moved, strings and all: the reader's copies now own nothing. */
	if (r->nbindings > 0) {
		memcpy(z->bindings, r->bindings,
		    r->nbindings * sizeof(*z->bindings));
		memset(r->bindings, 0, r->nbindings * sizeof(*r->bindings));
	}
	z->nbindings = r->nbindings;
	/* Each RRset's place in the file, for zone_build_any. */
	if ((first = calloc(r->nrecs ? r->nrecs : 1, sizeof(*first))) == NULL) {
		zone_free(z);
		return NULL;
	}
	for (i = 0; i < r->nrecs; i++)
		if (!r->recs[i].dup)
			zone_build_add(z, &nsets, &nrrs, &data, first,
			    &r->recs[i]);
	zone_build_any(z, first);
	free(first);
	z->apex = zone_lookup(z, r->apex, r->apexlen);
	z->neg_ttl = r->neg_ttl;
	z->soa_line = r->soa_line;
	return z;
}
