/* dns.c -- the DNS packet path: query bytes in, verdict and reply out */
#include <ctype.h>
#include <stdint.h>
#include <string.h>

#include "jitsud.h"

/*
 * Everything here works on caller-supplied buffers and the immutable
 * zone set: no allocation, no clock, no global state, so the same code
 * serves UDP, TCP and the tests, and a query can be answered again
 * later (after a summon) without side effects.  Every offset into the
 * query is checked against its length before it is read.
 */

#define T_A	1
#define T_NS	2
#define T_CNAME 5
#define T_SOA	6
#define T_PTR	12
#define T_MX	15
#define T_TXT	16
#define T_AAAA	28
#define T_SRV	33
#define T_DNAME 39
#define T_DS	43
#define T_OPT	41
#define T_IXFR	251
#define T_AXFR	252
#define T_ANY	255
#define C_IN	1

#define F_QR	 0x8000
#define F_OPCODE 0x7800
#define F_AA	 0x0400
#define F_TC	 0x0200
#define F_RD	 0x0100
#define F_CD	 0x0010
#define F_RCODE	 0x000f
#define EDNS_DO	 0x8000
#define OPT_LEN	 11 /* root, type, class, ttl, rdlength */

#define COMP_MAX    64	   /* names remembered for compression */
#define PTR_MAX	    0x3fff /* the furthest a pointer reaches */
#define HOPS_MAX    32	   /* pointers followed when comparing */
#define DNS_ADD_MAX 32	   /* names given addresses in additional */

enum { SEC_AN, SEC_NS, SEC_AR };

/* The query, once its header, question and OPT have been checked. */
struct dns_query {
	const uint8_t *pkt;
	size_t	       len;
	size_t	       cur; /* parse position */
	uint16_t       id;
	uint16_t       flags;
	uint8_t	       qname[ZONE_NAME_MAX]; /* lower-cased */
	size_t	       qnamelen;
	uint16_t       qtype;
	uint16_t       qclass;
	size_t	       qend; /* end of the question, 0 if bad */
	int	       edns;
	int	       edns_do;
	uint8_t	       edns_version;
	uint16_t       udpsize;
};

/* The reply being written; `max' already leaves room for the OPT. */
struct dns_out {
	uint8_t *buf;
	size_t	 len;
	size_t	 max;
	int	 full; /* something did not fit */
	uint16_t count[3];
	size_t	 ncomp;
	uint16_t comp[COMP_MAX]; /* label offsets for pointers */
};

/* A name whose addresses go in additional. */
struct dns_add {
	const struct zone_node *node;  /* its own, or the wildcard's */
	const uint8_t	       *owner; /* the name (in the zone's rdata) */
	size_t			ownerlen;
	int			glue; /* a referral needs it: TC if cut */
};

struct dns_ctx {
	const struct zone_set  *zs;
	const struct zone      *zone; /* of the name being answered */
	const struct dns_query *q;
	struct dns_out	       *out;
	struct dns_verdict     *v;
	uint16_t		rcode;
	int			noaa; /* a referral */
	struct dns_add		add[DNS_ADD_MAX];
	size_t			nadd;
};

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
name_lower(uint8_t *dst, const uint8_t *src, size_t len)
{
	size_t i;

	/* Label length bytes are below 64, so tolower leaves them be. */
	for (i = 0; i < len; i++)
		dst[i] = (uint8_t)tolower(src[i]);
}

/* --- parsing the query ---------------------------------------------- */

/*
 * The question name must be plain labels: a compression pointer has
 * nothing before it to point at, and refusing it means no pointer is
 * ever followed on input.
 */
static int
dns_parse_question(struct dns_query *q)
{
	size_t off = DNS_HEADER_LEN, l;

	for (;;) {
		if (off >= q->len)
			return -1;
		l = q->pkt[off];
		if (l > 63 || off - DNS_HEADER_LEN + l + 1 > ZONE_NAME_MAX ||
		    off + 1 + l > q->len)
			return -1;
		off += l + 1;
		if (l == 0)
			break;
	}
	q->qnamelen = off - DNS_HEADER_LEN;
	name_lower(q->qname, q->pkt + DNS_HEADER_LEN, q->qnamelen);
	if (q->len - off < 4)
		return -1;
	q->qtype = get16(q->pkt + off);
	q->qclass = get16(q->pkt + off + 2);
	q->qend = q->cur = off + 4;
	return 0;
}

/* EDNS0 options are ignored, but their framing must add up. */
static int
dns_parse_options(const uint8_t *p, size_t len)
{
	size_t off = 0, n;

	while (off < len) {
		if (len - off < 4)
			return -1;
		n = get16(p + off + 2);
		if (len - off - 4 < n)
			return -1;
		off += 4 + n;
	}
	return 0;
}

/* The one additional record a query may carry: an OPT (RFC 6891). */
static int
dns_parse_opt(struct dns_query *q)
{
	const uint8_t *p = q->pkt + q->cur;
	size_t	       rdlen;

	if (q->len - q->cur < OPT_LEN || p[0] != 0 || get16(p + 1) != T_OPT)
		return -1;
	rdlen = get16(p + 9);
	if (q->len - q->cur - OPT_LEN < rdlen ||
	    dns_parse_options(p + OPT_LEN, rdlen) == -1)
		return -1;
	q->edns = 1;
	q->udpsize = get16(p + 3);
	q->edns_version = p[6];
	q->edns_do = (get16(p + 7) & EDNS_DO) != 0;
	q->cur += OPT_LEN + rdlen;
	return 0;
}

/* What the question asks for, once the packet is known to be sound. */
static uint16_t
dns_check_qtype(const struct dns_query *q)
{
	if (q->qclass != C_IN)
		return DNS_RCODE_REFUSED;
	if (q->qtype == T_OPT || q->qtype == 0)
		return DNS_RCODE_FORMERR;
	if (q->qtype == T_AXFR || q->qtype == T_IXFR)
		return DNS_RCODE_REFUSED; /* no zone transfers */
	if (q->qtype >= 128 && q->qtype != T_ANY && q->qtype < 256)
		return DNS_RCODE_NOTIMP; /* MAILA, TSIG, ... */
	return DNS_RCODE_NOERROR;
}

/*
 * Check the whole query: header counts, question, OPT, nothing after.
 * Returns the rcode to answer with; q->qend stays 0 unless the question
 * is sound enough to echo.
 */
static uint16_t
dns_parse(struct dns_query *q)
{
	const uint8_t *h = q->pkt;

	if ((q->flags & F_OPCODE) != 0)
		return DNS_RCODE_NOTIMP;
	if (get16(h + 4) != 1 || get16(h + 6) != 0 || get16(h + 8) != 0 ||
	    get16(h + 10) > 1)
		return DNS_RCODE_FORMERR;
	if (dns_parse_question(q) == -1) {
		q->qend = 0;
		return DNS_RCODE_FORMERR;
	}
	if (get16(h + 10) == 1 && dns_parse_opt(q) == -1) {
		q->edns = 0;
		return DNS_RCODE_FORMERR;
	}
	if (q->cur != q->len)
		return DNS_RCODE_FORMERR; /* trailing garbage */
	if (q->edns && q->edns_version != 0)
		return DNS_RCODE_BADVERS;
	return dns_check_qtype(q);
}

/* --- writing the reply ---------------------------------------------- */

static int
out_bytes(struct dns_out *o, const void *p, size_t n)
{
	if (o->max - o->len < n) {
		o->full = 1;
		return -1;
	}
	memcpy(o->buf + o->len, p, n);
	o->len += n;
	return 0;
}

static int
out_u16(struct dns_out *o, uint16_t v)
{
	uint8_t b[2];

	put16(b, v);
	return out_bytes(o, b, 2);
}

static int
out_u32(struct dns_out *o, uint32_t v)
{
	uint8_t b[4];

	put16(b, (uint16_t)(v >> 16));
	put16(b + 2, (uint16_t)v);
	return out_bytes(o, b, 4);
}

/* Remember the labels of a name just written at `off' for pointers. */
static void
comp_add(struct dns_out *o, size_t off, const uint8_t *name, size_t n)
{
	size_t i;

	for (i = 0; i < n && name[i] != 0; i += (size_t)name[i] + 1)
		if (off + i <= PTR_MAX && o->ncomp < COMP_MAX)
			o->comp[o->ncomp++] = (uint16_t)(off + i);
}

/*
 * Does the name written at `off' in the reply (labels, maybe ending in
 * a pointer) equal `name', ignoring case?  The reply is ours, but the
 * walk is bounded all the same.
 */
static int
comp_match(const struct dns_out *o, size_t off, const uint8_t *name)
{
	int	hops = 0;
	uint8_t c;
	size_t	i;

	for (;;) {
		if (off >= o->len)
			return 0;
		c = o->buf[off];
		if ((c & 0xc0) == 0xc0) {
			if (off + 1 >= o->len || ++hops > HOPS_MAX)
				return 0;
			off = (size_t)(c & 0x3f) << 8 | o->buf[off + 1];
			continue;
		}
		if (c != name[0] || off + 1 + c > o->len)
			return 0;
		if (c == 0)
			return 1;
		for (i = 1; i <= c; i++)
			if (tolower(o->buf[off + i]) != tolower(name[i]))
				return 0;
		off += (size_t)c + 1;
		name += c + 1;
	}
}

static int
comp_find(const struct dns_out *o, const uint8_t *name)
{
	size_t i;

	for (i = 0; i < o->ncomp; i++)
		if (comp_match(o, o->comp[i], name))
			return o->comp[i];
	return -1;
}

/*
 * Write a well-formed name: its labels up to the longest suffix already
 * in the reply, then a pointer to that suffix (RFC 1035 4.1.4).
 */
static int
out_name(struct dns_out *o, const uint8_t *name, size_t len)
{
	size_t i, start = o->len;
	int    ptr = -1;

	for (i = 0; name[i] != 0; i += (size_t)name[i] + 1)
		if ((ptr = comp_find(o, name + i)) >= 0)
			break;
	if (ptr < 0)
		i = len; /* no suffix known: write it all */
	if (out_bytes(o, name, i) == -1 ||
	    (ptr >= 0 && out_u16(o, (uint16_t)(0xc000 | ptr)) == -1))
		return -1;
	comp_add(o, start, name, ptr >= 0 ? i : len);
	return 0;
}

/*
 * Rdata of the RFC 1035 types may have its names compressed; every
 * other type (SRV included, RFC 2782) goes out byte for byte.
 */
static int
out_rdata(struct dns_out *o, uint16_t type, const struct zone_rr *rr)
{
	size_t pre = 0, names = 1, off, n = 0, i;

	if (type == T_MX)
		pre = 2;
	else if (type == T_SOA)
		names = 2;
	else if (type != T_NS && type != T_CNAME && type != T_PTR)
		return out_bytes(o, rr->rdata, rr->rdlen);
	for (off = pre, i = 0; i < names; i++, off += n)
		if (off >= rr->rdlen ||
		    (n = zone_name_len(rr->rdata + off, rr->rdlen - off)) == 0)
			return out_bytes(o, rr->rdata, rr->rdlen);
	if (out_bytes(o, rr->rdata, pre) == -1)
		return -1;
	for (off = pre, i = 0; i < names; i++, off += n) {
		n = zone_name_len(rr->rdata + off, rr->rdlen - off);
		if (out_name(o, rr->rdata + off, n) == -1)
			return -1;
	}
	return out_bytes(o, rr->rdata + off, rr->rdlen - off);
}

/* One RR; on overflow the reply is left as it was before it. */
static int
out_rr(struct dns_out *o, const uint8_t *owner, size_t ownerlen, uint16_t type,
    uint32_t ttl, const struct zone_rr *rr)
{
	size_t start = o->len, ncomp = o->ncomp, rdstart;

	if (out_name(o, owner, ownerlen) == -1 || out_u16(o, type) == -1 ||
	    out_u16(o, C_IN) == -1 || out_u32(o, ttl) == -1 ||
	    out_u16(o, 0) == -1)
		goto full;
	rdstart = o->len;
	if (out_rdata(o, type, rr) == -1)
		goto full;
	put16(o->buf + rdstart - 2, (uint16_t)(o->len - rdstart));
	return 0;
full:
	o->len = start;
	o->ncomp = ncomp;
	o->full = 1;
	return -1;
}

/*
 * A whole RRset under `owner' (a node's name, or the name a wildcard
 * answers for), or nothing: on overflow the reply is left as it was.
 */
static int
out_rrset(struct dns_out *o, int sec, const uint8_t *owner, size_t ownerlen,
    const struct zone_rrset *set, uint32_t ttl)
{
	size_t	 len = o->len, ncomp = o->ncomp;
	uint16_t i;

	for (i = 0; i < set->count; i++) {
		if (out_rr(o, owner, ownerlen, set->type, ttl, &set->rrs[i]) ==
		    -1) {
			o->len = len;
			o->ncomp = ncomp;
			o->count[sec] -= i;
			return -1;
		}
		o->count[sec]++;
	}
	return 0;
}

/* --- answering ------------------------------------------------------ */

/*
 * Where a name leads, found walking down from the apex as RFC 1034
 * 4.3.2 does: a delegation or a DNAME on the way ends the walk;
 * otherwise the name's own node, or the wildcard of its closest
 * encloser (RFC 4592), or neither.
 */
struct dns_find {
	const struct zone_node *node;  /* the name's own node */
	const struct zone_node *cut;   /* a delegation at or above it */
	const struct zone_node *dname; /* a DNAME strictly above it */
	const struct zone_node *wild;  /* the wildcard that matches it */
};

static void
dns_find(const struct zone *z, const uint8_t *name, size_t len, uint16_t qtype,
    struct dns_find *f)
{
	const struct zone_node *apex = z->apex, *ce = apex, *node;
	size_t			off[ZONE_NAME_MAX / 2 + 1], n = 0, i;
	uint8_t			wild[ZONE_NAME_MAX];

	memset(f, 0, sizeof(*f));
	if (len == apex->namelen) {
		f->node = apex;
		return;
	}
	if (zone_node_rrset(apex, T_DNAME) != NULL) {
		f->dname = apex;
		return;
	}
	for (i = 0; len - i > apex->namelen; i += (size_t)name[i] + 1)
		off[n++] = i;
	while (n > 0) {
		i = off[--n];
		if ((node = zone_lookup(z, name + i, len - i)) == NULL)
			break;
		ce = node;
		/* The parent side answers DS at a cut (RFC 4035 3.1.4.1). */
		if (zone_node_rrset(node, T_NS) != NULL &&
		    (i > 0 || qtype != T_DS)) {
			f->cut = node;
			return;
		}
		if (i > 0 && zone_node_rrset(node, T_DNAME) != NULL) {
			f->dname = node;
			return;
		}
		if (i == 0) {
			f->node = node;
			return;
		}
	}
	/* No such name: *.<closest encloser> answers for it, if there. */
	if ((size_t)ce->namelen + 2 > sizeof(wild))
		return;
	wild[0] = 1;
	wild[1] = '*';
	memcpy(wild + 2, ce->name, ce->namelen);
	f->wild = zone_lookup(z, wild, (size_t)ce->namelen + 2);
}

/*
 * The zone that answers `name': the one with the longest apex at or
 * above it, but for DS at a zone's apex.  That DS is the parent's data
 * (RFC 4035 3.1.4.1), answered from the parent zone when we serve it
 * too, as NSD does; the child's apex has no DS to give.  A parent that
 * does not hold the name (no delegation to the child) would answer
 * NXDOMAIN for a zone we serve: the child's NODATA is nearer the truth.
 */
static const struct zone *
dns_zone(const struct zone_set *zs, const uint8_t *name, size_t len,
    uint16_t qtype)
{
	const struct zone *z, *parent;
	size_t		   skip;

	z = zone_set_find(zs, name, len);
	if (z == NULL || qtype != T_DS || len != z->apex->namelen ||
	    name[0] == 0)
		return z;
	skip = (size_t)name[0] + 1;
	parent = zone_set_find(zs, name + skip, len - skip);
	if (parent == NULL || zone_lookup(parent, name, len) == NULL)
		return z;
	return parent;
}

/* NXDOMAIN and NODATA: the SOA, with its negative TTL (RFC 2308 3). */
static void
dns_negative(struct dns_ctx *c, uint16_t rcode)
{
	const struct zone_node	*apex = c->zone->apex;
	const struct zone_rrset *soa;

	c->rcode = rcode;
	if ((soa = zone_node_rrset(apex, T_SOA)) != NULL)
		out_rrset(c->out, SEC_NS, apex->name, apex->namelen, soa,
		    c->zone->neg_ttl);
}

/* Two well-formed wire names of `len' bytes, compared ignoring case. */
static int
dns_name_eq(const uint8_t *a, const uint8_t *b, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (tolower(a[i]) != tolower(b[i]))
			return 0;
	return 1;
}

/*
 * The node whose addresses an NS, MX or SRV record's in-zone target
 * gets in additional, or NULL.  Only NS records may point at glue (a
 * name at or below a cut, or occluded by a DNAME): that is not the
 * zone's data, and an MX or SRV target there gets nothing, as in NSD.
 * A name a wildcard makes has addresses too, as in NSD.
 */
static const struct zone_node *
dns_target(const struct zone *z, const uint8_t *name, size_t len, uint16_t type)
{
	const struct zone_node *n;
	struct dns_find		f;

	if (type == T_NS && (n = zone_lookup(z, name, len)) != NULL)
		return n;
	dns_find(z, name, len, T_A, &f);
	if (f.cut != NULL || f.dname != NULL)
		return NULL;
	return f.node != NULL ? f.node : f.wild;
}

/*
 * Remember the in-zone names an NS, MX or SRV RRset points at: their
 * addresses go in the additional section once answer and authority
 * are written.  A name at or below `cut' is glue the referral needs
 * (RFC 9471); the others are a courtesy, left out when they do not
 * fit.  A binding's addresses are never given here: a client must ask
 * for the name itself, and that query is what summons the unikernel.
 */
static void
dns_want_additional(struct dns_ctx *c, const struct zone_rrset *set,
    const struct zone_node *cut)
{
	const struct zone_node *apex = c->zone->apex, *n;
	const struct zone_rr   *rr;
	const uint8_t	       *owner;
	uint8_t			target[ZONE_NAME_MAX];
	size_t			len, pre, i;
	uint16_t		j;

	if (set->type == T_NS)
		pre = 0;
	else if (set->type == T_MX)
		pre = 2;
	else if (set->type == T_SRV)
		pre = 6;
	else
		return;
	for (j = 0; j < set->count && c->nadd < DNS_ADD_MAX; j++) {
		rr = &set->rrs[j];
		owner = rr->rdata + pre;
		if (rr->rdlen <= pre ||
		    (len = zone_name_len(owner, rr->rdlen - pre)) == 0 ||
		    !zone_name_under(owner, len, apex->name, apex->namelen))
			continue;
		name_lower(target, owner, len);
		if ((n = dns_target(c->zone, target, len, set->type)) == NULL ||
		    n->binding != NULL)
			continue;
		if (n->namelen == len && memcmp(n->name, target, len) == 0)
			owner = n->name;
		for (i = 0; i < c->nadd; i++)
			if (c->add[i].node == n && c->add[i].ownerlen == len &&
			    dns_name_eq(c->add[i].owner, owner, len))
				break;
		if (i < c->nadd)
			continue;
		c->add[c->nadd].node = n;
		c->add[c->nadd].owner = owner;
		c->add[c->nadd].ownerlen = len;
		c->add[c->nadd++].glue = cut != NULL &&
		    zone_name_under(target, len, cut->name, cut->namelen);
	}
}

/* The addresses dns_want_additional asked for: every A, then AAAA. */
static void
dns_additional(struct dns_ctx *c)
{
	static const uint16_t	 types[] = { T_A, T_AAAA };
	const struct zone_rrset *set;
	size_t			 t, i;
	int			 full;

	for (t = 0; t < 2; t++) {
		for (i = 0; i < c->nadd; i++) {
			if ((set = zone_node_rrset(c->add[i].node, types[t])) ==
			    NULL)
				continue;
			full = c->out->full;
			if (out_rrset(c->out, SEC_AR, c->add[i].owner,
				c->add[i].ownerlen, set, set->ttl) == -1 &&
			    !c->add[i].glue)
				c->out->full = full; /* not worth a TC */
		}
	}
}

/* A referral to the servers of `cut' (RFC 1034 4.3.2 step 3b). */
static void
dns_referral(struct dns_ctx *c, const struct zone_node *cut)
{
	const struct zone_rrset *ns = zone_node_rrset(cut, T_NS);

	/* Not authoritative, unless a CNAME of ours came first. */
	if (c->out->count[SEC_AN] == 0)
		c->noaa = 1;
	out_rrset(c->out, SEC_NS, cut->name, cut->namelen, ns, ns->ttl);
	dns_want_additional(c, ns, cut);
}

/*
 * The records of `node' that answer the question for `owner'.  ANY
 * gets one RRset, as RFC 8482 allows, the one NSD would give (chosen
 * when the zone is built, zone_build_any): the whole node is what made
 * ANY the favourite query of reflection attacks.
 */
static void
dns_node_answer(struct dns_ctx *c, const struct zone_node *node,
    const uint8_t *owner, size_t ownerlen)
{
	const struct zone_rrset *set;
	uint16_t		 qtype = c->q->qtype;

	if (node->binding != NULL &&
	    (qtype == T_A || qtype == T_AAAA || qtype == T_ANY))
		c->v->binding = node->binding;
	if (qtype != T_ANY)
		set = zone_node_rrset(node, qtype);
	else
		set = node->any;
	if (set == NULL) {
		dns_negative(c, DNS_RCODE_NOERROR);
		return;
	}
	out_rrset(c->out, SEC_AN, owner, ownerlen, set, set->ttl);
	dns_want_additional(c, set, NULL);
}

/*
 * The CNAME a DNAME makes for `name' (RFC 6672 2.2): the name with the
 * DNAME's owner replaced by its target, written to next.  -1 when the
 * result would be too long: the answer is then YXDOMAIN.
 */
static int
dns_dname_cname(const struct zone_node *dn, const uint8_t *name, size_t len,
    uint8_t *next, size_t *nextlen)
{
	const struct zone_rr *rr = &zone_node_rrset(dn, T_DNAME)->rrs[0];
	size_t		      tlen, prefix = len - dn->namelen;

	tlen = zone_name_len(rr->rdata, rr->rdlen);
	if (tlen == 0 || prefix + tlen > ZONE_NAME_MAX)
		return -1;
	memcpy(next, name, prefix);
	name_lower(next + prefix, rr->rdata, tlen);
	*nextlen = prefix + tlen;
	return 0;
}

static int
dns_seen(const struct zone_node *const *seen, size_t n,
    const struct zone_node *node)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (seen[i] == node)
			return 1;
	return 0;
}

/*
 * The answer for one name in the chain, where dns_find found it (f): the
 * node's records, a referral, a negative answer, or a CNAME (a zone's
 * own, a wildcard's, or one a DNAME makes), whose target is written to
 * next for the caller to follow.  Returns the node that made the CNAME,
 * else NULL.
 */
static const struct zone_node *
dns_step(struct dns_ctx *c, const uint8_t *name, size_t len,
    const struct dns_find *f, uint8_t *next, size_t *nextlen)
{
	const struct zone_node	*node;
	const struct zone_rrset *set;
	struct zone_rr		 rr;
	uint16_t		 qtype = c->q->qtype;

	if (f->cut != NULL) {
		dns_referral(c, f->cut);
		return NULL;
	}
	if (f->dname != NULL) {
		set = zone_node_rrset(f->dname, T_DNAME);
		out_rrset(c->out, SEC_AN, f->dname->name, f->dname->namelen,
		    set, set->ttl);
		if (dns_dname_cname(f->dname, name, len, next, nextlen) == -1) {
			c->rcode = DNS_RCODE_YXDOMAIN;
			return NULL;
		}
		rr.rdata = next;
		rr.rdlen = (uint16_t)*nextlen;
		if (out_rr(c->out, name, len, T_CNAME, set->ttl, &rr) == 0)
			c->out->count[SEC_AN]++;
		return f->dname;
	}
	if ((node = f->node != NULL ? f->node : f->wild) == NULL) {
		dns_negative(c, DNS_RCODE_NXDOMAIN);
		return NULL;
	}
	if (node == f->wild)
		c->v->wild = node;
	set = zone_node_rrset(node, T_CNAME);
	if (set == NULL || qtype == T_CNAME || qtype == T_ANY) {
		dns_node_answer(c, node, name, len);
		return NULL;
	}
	out_rrset(c->out, SEC_AN, name, len, set, set->ttl);
	if ((*nextlen = zone_name_len(set->rrs[0].rdata, set->rrs[0].rdlen)) ==
	    0)
		return NULL;
	name_lower(next, set->rrs[0].rdata, *nextlen);
	return node;
}

/*
 * Follow CNAMEs (RFC 1034 4.3.2), at most DNS_CNAME_MAX of them, into
 * any zone we serve, as NSD does: each name is answered from the zone
 * that holds it, whose data is as much ours as the first's.  A loop
 * ends the answer at the CNAME that closes it, and a chain that leaves
 * our zones ends with its last CNAME, for the resolver to carry on
 * elsewhere.  The rcode is that of the last name (RFC 6604).
 */
static void
dns_resolve(struct dns_ctx *c)
{
	const struct zone_node *seen[DNS_CNAME_MAX], *from;
	const struct zone      *z;
	struct dns_find		f;
	uint8_t			name[ZONE_NAME_MAX], next[ZONE_NAME_MAX];
	size_t			len = c->q->qnamelen, nextlen, n = 0;

	memcpy(name, c->q->qname, len);
	dns_find(c->zone, name, len, c->q->qtype, &f);
	while ((from = dns_step(c, name, len, &f, next, &nextlen)) != NULL) {
		seen[n++] = from;
		if (n >= DNS_CNAME_MAX ||
		    (z = dns_zone(c->zs, next, nextlen, c->q->qtype)) == NULL)
			break;
		/* Back to a node that answered already: a loop, closed. */
		dns_find(z, next, nextlen, c->q->qtype, &f);
		if (dns_seen(seen, n, f.node) || dns_seen(seen, n, f.wild) ||
		    dns_seen(seen, n, f.dname))
			break;
		c->zone = z;
		memcpy(name, next, nextlen);
		len = nextlen;
	}
	dns_additional(c);
}

/* --- the reply around the answer ------------------------------------ */

static size_t
dns_limit(const struct dns_query *q, int tcp, size_t replymax)
{
	size_t lim;

	if (tcp)
		lim = DNS_TCP_MAX;
	else if (!q->edns || q->udpsize < DNS_UDP_MIN)
		lim = DNS_UDP_MIN;
	else if (q->udpsize > DNS_EDNS_PAYLOAD)
		lim = DNS_EDNS_PAYLOAD;
	else
		lim = q->udpsize;
	return lim < replymax ? lim : replymax;
}

static void
out_opt(uint8_t *p, uint16_t rcode, int dnssec_ok)
{
	p[0] = 0;
	put16(p + 1, T_OPT);
	put16(p + 3, DNS_EDNS_PAYLOAD);
	p[5] = (uint8_t)(rcode >> 4); /* extended rcode */
	p[6] = 0;		      /* version */
	put16(p + 7, dnssec_ok ? EDNS_DO : 0);
	put16(p + 9, 0);
}

/* Header (and OPT) around what the sections hold; sets the verdict. */
static void
dns_finish(struct dns_out *o, const struct dns_query *q, struct dns_verdict *v,
    uint16_t rcode, int aa)
{
	uint16_t flags;

	if (o->full) {
		o->len = v->qend;
		memset(o->count, 0, sizeof(o->count));
		v->truncated = 1;
	}
	flags = F_QR | (q->flags & (F_OPCODE | F_RD | F_CD)) |
	    (rcode & F_RCODE);
	flags |= (aa ? F_AA : 0) | (v->truncated ? F_TC : 0);
	put16(o->buf, q->id);
	put16(o->buf + 2, flags);
	put16(o->buf + 4, v->qend > DNS_HEADER_LEN);
	put16(o->buf + 6, o->count[SEC_AN]);
	put16(o->buf + 8, o->count[SEC_NS]);
	put16(o->buf + 10, (uint16_t)(o->count[SEC_AR] + (v->edns != 0)));
	if (v->edns) {
		out_opt(o->buf + o->len, rcode, v->edns_do);
		o->len += OPT_LEN;
	}
	v->rcode = rcode;
	v->replylen = o->len;
}

static enum dns_qtype_metric
dns_qtype_metric(uint16_t qtype)
{
	switch (qtype) {
	/* clang-format off */
	case 0:		return DNS_QT_NONE;
	case T_A:	return DNS_QT_A;
	case T_AAAA:	return DNS_QT_AAAA;
	case T_ANY:	return DNS_QT_ANY;
	case T_CNAME:	return DNS_QT_CNAME;
	case T_MX:	return DNS_QT_MX;
	case T_NS:	return DNS_QT_NS;
	case T_PTR:	return DNS_QT_PTR;
	case T_SOA:	return DNS_QT_SOA;
	case T_SRV:	return DNS_QT_SRV;
	case T_TXT:	return DNS_QT_TXT;
	default:	return DNS_QT_OTHER;
		/* clang-format on */
	}
}

/*
 * Start the reply: room for the header, the size limit minus the OPT
 * we will add, and the question copied as the client wrote it (its
 * case is preserved; pointers to it carry that case into the answer).
 */
static void
dns_start(struct dns_out *o, const struct dns_query *q, int tcp, uint8_t *reply,
    size_t replymax, struct dns_verdict *v)
{
	size_t lim = dns_limit(q, tcp, replymax);

	memset(o, 0, sizeof(*o));
	o->buf = reply;
	v->limit = lim;
	v->edns = q->edns && lim >= DNS_HEADER_LEN + OPT_LEN;
	v->edns_do = v->edns && q->edns_do;
	o->max = lim - (v->edns ? OPT_LEN : 0);
	o->len = DNS_HEADER_LEN;
	v->qend = DNS_HEADER_LEN;
	if (q->qend == 0)
		return;
	if (out_bytes(o, q->pkt + DNS_HEADER_LEN, q->qend - DNS_HEADER_LEN) ==
	    0) {
		comp_add(o, DNS_HEADER_LEN, q->pkt + DNS_HEADER_LEN,
		    q->qnamelen);
		v->qend = o->len;
	}
}

enum dns_action
dns_answer(const struct zone_set *zs, const uint8_t *query, size_t qlen,
    int tcp, uint8_t *reply, size_t replymax, struct dns_verdict *v)
{
	struct dns_query q;
	struct dns_out	 o;
	struct dns_ctx	 c;
	uint16_t	 rcode;

	memset(v, 0, sizeof(*v));
	v->action = DNS_V_DROP;
	/* Never answer a response: two servers could ping-pong forever. */
	if (qlen < DNS_HEADER_LEN || replymax < DNS_HEADER_LEN ||
	    (get16(query + 2) & F_QR))
		return v->action;
	memset(&q, 0, sizeof(q));
	q.pkt = query;
	q.len = qlen;
	q.id = v->id = get16(query);
	q.flags = get16(query + 2);
	rcode = dns_parse(&q);
	v->qtype = q.qend ? q.qtype : 0;
	v->qtype_metric = dns_qtype_metric(v->qtype);
	dns_start(&o, &q, tcp, reply, replymax, v);
	v->action = DNS_V_REPLY;
	if (rcode != DNS_RCODE_NOERROR || o.full) {
		dns_finish(&o, &q, v, rcode, 0);
		return v->action;
	}
	if ((v->zone = dns_zone(zs, q.qname, q.qnamelen, q.qtype)) == NULL) {
		v->action = DNS_V_OUTOFZONE;
		dns_finish(&o, &q, v, DNS_RCODE_REFUSED, 0);
		return v->action;
	}
	memset(&c, 0, sizeof(c));
	c.zs = zs;
	c.zone = v->zone;
	c.q = &q;
	c.out = &o;
	c.v = v;
	dns_resolve(&c);
	dns_finish(&o, &q, v, c.rcode, !c.noaa);
	return v->action;
}

size_t
dns_servfail(uint8_t *reply, const struct dns_verdict *v)
{
	uint16_t flags = get16(reply + 2);
	size_t	 len = v->qend;

	flags &= (uint16_t) ~(F_AA | F_TC | F_RCODE);
	put16(reply + 2, flags | DNS_RCODE_SERVFAIL);
	put16(reply + 6, 0);
	put16(reply + 8, 0);
	put16(reply + 10, v->edns != 0);
	if (v->edns) {
		out_opt(reply + len, DNS_RCODE_SERVFAIL, v->edns_do);
		len += OPT_LEN;
	}
	return len;
}

const char *
dns_qtype_metric_name(enum dns_qtype_metric m)
{
	static const char *const names[DNS_QT_COUNT] = {
		[DNS_QT_NONE] = "none",
		[DNS_QT_A] = "A",
		[DNS_QT_AAAA] = "AAAA",
		[DNS_QT_ANY] = "ANY",
		[DNS_QT_CNAME] = "CNAME",
		[DNS_QT_MX] = "MX",
		[DNS_QT_NS] = "NS",
		[DNS_QT_PTR] = "PTR",
		[DNS_QT_SOA] = "SOA",
		[DNS_QT_SRV] = "SRV",
		[DNS_QT_TXT] = "TXT",
		[DNS_QT_OTHER] = "other",
	};

	return (unsigned int)m < DNS_QT_COUNT ? names[m] : "other";
}

const char *
dns_rcode_name(uint16_t rcode)
{
	static const char *const names[] = {
		"NOERROR",
		"FORMERR",
		"SERVFAIL",
		"NXDOMAIN",
		"NOTIMP",
		"REFUSED",
		"YXDOMAIN",
	};

	if (rcode < sizeof(names) / sizeof(names[0]))
		return names[rcode];
	return rcode == DNS_RCODE_BADVERS ? "BADVERS" : "other";
}
