/* zone.c -- load RFC 1035 zone files with UNIKERNEL bindings (ldns) */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "jitsud.h"

/*
 * ldns parses every standard record, but it cannot know the UNIKERNEL
 * type, and a master file is not a list of independent lines: $ORIGIN,
 * $TTL, the blank owner and parentheses carry state from line to line.
 * So this file reads the master file itself, one logical record at a
 * time, resolves the owner, TTL and class, and hands ldns a single
 * self-contained "owner ttl IN type rdata" string.  UNIKERNEL records go
 * to binding_parse instead.  Everything is then checked as a whole and
 * converted to struct zone, which the query path reads without ldns.
 */

#define TYPE_BINDING	0	/* internal: a UNIKERNEL record */
#define TYPE_A		1
#define TYPE_NS		2
#define TYPE_CNAME	5
#define TYPE_SOA	6
#define TYPE_AAAA	28
#define TYPE_OPT	41
#define TYPE_DNAME	39

#define TEXT_MAX	(256 * 1024)	/* one logical record */
#define PNAME_MAX	1100		/* a name in presentation form */
#define TTL_MAX		0x7fffffffU	/* RFC 2181 8 */

/* Relative rdata names with no $ORIGIN get this suffix, then an error. */
#define NO_ORIGIN	"jitsud--no-origin--."

/* A record as read, before the zone is built. */
struct zone_rec {
	uint8_t		 owner[ZONE_NAME_MAX];	/* lower-cased wire */
	uint8_t		 ownerlen;
	uint16_t	 type;		/* TYPE_BINDING for UNIKERNEL */
	uint32_t	 ttl;
	uint16_t	 rdlen;
	int		 line;
	int		 dup;		/* same rdata as an earlier record */
	uint8_t		*rdata;		/* malloc'd */
	size_t		 binding;	/* index, for TYPE_BINDING */
};

struct zone_reader {
	const char		*path;
	struct errors	*errs;
	size_t			 first;		/* errs->count at the start */
	int			 line;		/* physical line read last */
	int			 recline;	/* where the record starts */
	/* the logical record being assembled */
	char			*text;
	size_t			 len, cap;
	int			 depth, quote, esc, bad;
	/* master file state */
	ldns_rdf		*origin;
	ldns_rdf		*no_origin;
	ldns_rdf		*prev;		/* previous owner */
	uint32_t		 ttl;
	int			 has_ttl;
	int			 nrecords;
	/* results */
	struct zone_rec		*recs;
	size_t			 nrecs, caprecs;
	struct binding		*bindings;
	size_t			 nbindings, capbindings;
	uint8_t			 apex[ZONE_NAME_MAX];
	size_t			 apexlen;
	int			 soa_line;
	uint32_t		 neg_ttl;
};

static void	zone_error(struct zone_reader *, int, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

/* An error in the file being read. */
static void
zone_error(struct zone_reader *r, int line, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	errors_vadd(r->errs, r->path, line, fmt, ap);
	va_end(ap);
}

static size_t
zone_nerrs(const struct zone_reader *r)
{
	return r->errs->count - r->first;
}

static void
name_lower(uint8_t *w, size_t len)
{
	size_t	 i, j;

	for (i = 0; i < len && w[i] != 0; i += (size_t)w[i] + 1)
		for (j = i + 1; j <= i + w[i] && j < len; j++)
			w[j] = (uint8_t)tolower(w[j]);
}

/* Presentation form of a well-formed wire name, for messages. */
static void
name_str(const uint8_t *w, char *buf, size_t len)
{
	size_t	 i, j, o = 0;
	int	 c;

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

static int
name_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	int	 c = memcmp(a, b, alen < blen ? alen : blen);

	if (c != 0)
		return c;
	return alen < blen ? -1 : alen > blen;
}

static int
label_eq(const uint8_t *a, const uint8_t *b)
{
	uint8_t	 i;

	if (a[0] != b[0])
		return 0;
	for (i = 1; i <= a[0]; i++)
		if (tolower(a[i]) != tolower(b[i]))
			return 0;
	return 1;
}

int
zone_name_under(const uint8_t *name, size_t len, const uint8_t *apex,
    size_t apexlen)
{
	size_t	 i = 0, j;

	while (i < len && len - i > apexlen)
		i += (size_t)name[i] + 1;
	if (len - i != apexlen)
		return 0;
	for (j = 0; j < apexlen; j += (size_t)apex[j] + 1)
		if (!label_eq(name + i + j, apex + j))
			return 0;
	return 1;
}

/* Growing arrays: double `cap' until `want' fits. */
static void *
grow(void *p, size_t *cap, size_t want, size_t size)
{
	size_t	 n = *cap ? *cap : 16;
	void	*q;

	while (n < want)
		n *= 2;
	if (n == *cap)
		return p;
	if ((q = reallocarray(p, n, size)) == NULL)
		return NULL;
	*cap = n;
	return q;
}

/* --- the line reader ------------------------------------------------ */

static int
text_put(struct zone_reader *r, char c)
{
	char	*t;

	if (r->len + 2 > r->cap) {
		if (r->cap >= TEXT_MAX)
			return -1;
		if ((t = grow(r->text, &r->cap, r->len + 2, 1)) == NULL)
			return -1;
		r->text = t;
	}
	r->text[r->len++] = c;
	r->text[r->len] = '\0';
	return 0;
}

/* One character of a physical line, outside a comment. */
static int
text_char(struct zone_reader *r, char c)
{
	if (r->esc || r->quote) {
		if (r->esc)
			r->esc = 0;
		else if (c == '\\')
			r->esc = 1;
		else if (c == '"')
			r->quote = 0;
		return text_put(r, c);
	}
	if (c == '\\')
		r->esc = 1;
	else if (c == '"')
		r->quote = 1;
	else if (c == '(') {
		r->depth++;
		c = ' ';
	} else if (c == ')') {
		if (r->depth == 0) {
			zone_error(r, r->line, "')' without '('");
			r->bad = 1;
		} else
			r->depth--;
		c = ' ';
	} else if (c == '\r' || c == '\t')
		c = ' ';
	return text_put(r, c);
}

/*
 * Append one physical line to the logical record: drop the comment,
 * turn parentheses into blanks and track quotes and escapes so that a
 * ';' or '(' inside "..." is text.
 */
static void
text_line(struct zone_reader *r, const char *line)
{
	const char	*p;

	for (p = line; *p != '\0' && *p != '\n'; p++) {
		if (*p == ';' && !r->quote && !r->esc)
			break;
		if (text_char(r, *p) == -1) {
			zone_error(r, r->recline, "record is too long");
			r->bad = 1;
			r->depth = 0;
			return;
		}
	}
	if (r->quote) {
		zone_error(r, r->line, "unterminated quoted string");
		r->quote = 0;
		r->bad = 1;
	}
	r->esc = 0;
	if (text_put(r, ' ') == -1)
		r->bad = 1;
}

/* The next blank-separated field of the record; quotes keep blanks. */
static int
next_field(const char **p, const char **start, size_t *len)
{
	const char	*s = *p;
	int		 quote = 0;

	while (*s == ' ')
		s++;
	if (*s == '\0')
		return 0;
	*start = s;
	for (; *s != '\0' && (quote || *s != ' '); s++) {
		if (*s == '\\' && s[1] != '\0')
			s++;
		else if (*s == '"')
			quote = !quote;
	}
	*len = (size_t)(s - *start);
	*p = s;
	return 1;
}

/* --- names and TTLs ------------------------------------------------- */

/*
 * A name field in presentation form made absolute: '@' is the origin,
 * a relative name gets the origin appended.
 */
static ldns_rdf *
zone_name(struct zone_reader *r, const char *tok, size_t n)
{
	char		 buf[PNAME_MAX];
	ldns_rdf	*d;

	if (n >= sizeof(buf)) {
		zone_error(r, r->recline, "name '%.40s...' is too long", tok);
		return NULL;
	}
	memcpy(buf, tok, n);
	buf[n] = '\0';
	if (strcmp(buf, "@") == 0 || !ldns_dname_str_absolute(buf)) {
		if (r->origin == NULL) {
			zone_error(r, r->recline, "relative name '%s' and no "
			    "$ORIGIN to complete it", buf);
			return NULL;
		}
		if (strcmp(buf, "@") == 0)
			return ldns_rdf_clone(r->origin);
	}
	if ((d = ldns_dname_new_frm_str(buf)) == NULL) {
		zone_error(r, r->recline, "'%s' is not a valid domain name",
		    buf);
		return NULL;
	}
	if (!ldns_dname_str_absolute(buf) &&
	    ldns_dname_cat(d, r->origin) != LDNS_STATUS_OK) {
		zone_error(r, r->recline, "name '%s' is too long with the "
		    "origin appended", buf);
		ldns_rdf_deep_free(d);
		return NULL;
	}
	return d;
}

/* A TTL: seconds, or BIND-style units (1h30m); RFC 2181 caps it. */
static int
zone_ttl(const char *tok, size_t n, uint32_t *ttl)
{
	uint64_t	 total = 0, v;
	size_t		 i = 0, start;

	while (i < n) {
		for (start = i, v = 0; i < n && isdigit((unsigned char)tok[i]);
		    i++) {
			v = v * 10 + (uint64_t)(tok[i] - '0');
			if (v > TTL_MAX)
				return -1;
		}
		if (i == start)
			return -1;
		if (i < n) {
			switch (tolower((unsigned char)tok[i++])) {
			case 's': break;
			case 'm': v *= 60; break;
			case 'h': v *= 3600; break;
			case 'd': v *= 86400; break;
			case 'w': v *= 604800; break;
			default: return -1;
			}
		} else if (start > 0)
			return -1;	/* "1h30": a unit is missing */
		if ((total += v) > TTL_MAX)
			return -1;
	}
	*ttl = (uint32_t)total;
	return 0;
}

/* --- directives ----------------------------------------------------- */

static void
zone_origin(struct zone_reader *r, const char *p)
{
	const char	*tok, *extra;
	size_t		 n, m;
	ldns_rdf	*d;

	if (!next_field(&p, &tok, &n)) {
		zone_error(r, r->recline, "$ORIGIN needs a name");
		return;
	}
	if (next_field(&p, &extra, &m)) {
		zone_error(r, r->recline, "$ORIGIN takes one name");
		return;
	}
	if ((d = zone_name(r, tok, n)) == NULL)
		return;
	ldns_rdf_deep_free(r->origin);
	r->origin = d;
}

static void
zone_default_ttl(struct zone_reader *r, const char *p)
{
	const char	*tok, *extra;
	size_t		 n, m;

	if (!next_field(&p, &tok, &n)) {
		zone_error(r, r->recline, "$TTL needs a value");
		return;
	}
	if (next_field(&p, &extra, &m)) {
		zone_error(r, r->recline, "$TTL takes one value");
		return;
	}
	if (zone_ttl(tok, n, &r->ttl) == -1) {
		zone_error(r, r->recline, "$TTL '%.*s' is not a TTL (seconds, "
		    "or units like 1h30m, at most 2147483647)", (int)n, tok);
		return;
	}
	r->has_ttl = 1;
}

static void
zone_directive(struct zone_reader *r, const char *tok, size_t n,
    const char *rest)
{
	if (n == 7 && strncasecmp(tok, "$ORIGIN", n) == 0)
		zone_origin(r, rest);
	else if (n == 4 && strncasecmp(tok, "$TTL", n) == 0)
		zone_default_ttl(r, rest);
	else if (n == 8 && strncasecmp(tok, "$INCLUDE", n) == 0)
		zone_error(r, r->recline, "$INCLUDE is not supported; list "
		    "each zone file on its own");
	else
		zone_error(r, r->recline, "unknown directive '%.*s'", (int)n,
		    tok);
}

/* --- records -------------------------------------------------------- */

/* What precedes the type: owner (resolved), TTL and class fields. */
struct zone_head {
	ldns_rdf	*owner;
	uint32_t	 ttl;
	char		 type[32];
	const char	*rdata;
};

static struct zone_rec *
rec_new(struct zone_reader *r, const struct zone_head *h, uint16_t type)
{
	struct zone_rec	*recs, *rec;

	recs = grow(r->recs, &r->caprecs, r->nrecs + 1, sizeof(*recs));
	if (recs == NULL) {
		zone_error(r, r->recline, "out of memory");
		return NULL;
	}
	r->recs = recs;
	rec = &recs[r->nrecs++];
	memset(rec, 0, sizeof(*rec));
	rec->ownerlen = (uint8_t)ldns_rdf_size(h->owner);
	memcpy(rec->owner, ldns_rdf_data(h->owner), rec->ownerlen);
	name_lower(rec->owner, rec->ownerlen);
	rec->type = type;
	rec->ttl = h->ttl;
	rec->line = r->recline;
	return rec;
}

static int
is_class(const char *tok, size_t n)
{
	static const char *const	 classes[] = { "IN", "CH", "CS", "HS" };
	size_t				 i;

	for (i = 0; i < 4; i++)
		if (n == 2 && strncasecmp(tok, classes[i], 2) == 0)
			return 1;
	return 0;
}

/*
 * After the owner, up to one TTL and one class in either order, then
 * the type; the rest of the text is the rdata.
 */
static int
zone_head_fields(struct zone_reader *r, const char *p, struct zone_head *h)
{
	const char	*tok;
	size_t		 n;
	int		 has_ttl = 0, has_class = 0;

	for (;;) {
		if (!next_field(&p, &tok, &n)) {
			zone_error(r, r->recline, "record has no type");
			return -1;
		}
		if (!has_ttl && isdigit((unsigned char)tok[0])) {
			if (zone_ttl(tok, n, &h->ttl) == -1) {
				zone_error(r, r->recline, "'%.*s' is not a TTL",
				    (int)n, tok);
				return -1;
			}
			has_ttl = 1;
		} else if (!has_class && is_class(tok, n)) {
			if (strncasecmp(tok, "IN", 2) != 0) {
				zone_error(r, r->recline, "class %.*s is not "
				    "supported, only IN", (int)n, tok);
				return -1;
			}
			has_class = 1;
		} else
			break;
	}
	if (!has_ttl && !r->has_ttl) {
		zone_error(r, r->recline, "record has no TTL and no $TTL "
		    "precedes it");
		return -1;
	}
	if (!has_ttl)
		h->ttl = r->ttl;
	if (n >= sizeof(h->type)) {
		zone_error(r, r->recline, "unknown record type '%.*s'", (int)n,
		    tok);
		return -1;
	}
	memcpy(h->type, tok, n);
	h->type[n] = '\0';
	while (*p == ' ')
		p++;
	h->rdata = p;
	return 0;
}

/* SOA minimum is the last 32-bit field of its rdata (RFC 2308 4). */
static uint32_t
soa_neg_ttl(const struct zone_rec *soa)
{
	const uint8_t	*m = soa->rdata + soa->rdlen - 4;
	uint32_t	 min;

	min = (uint32_t)m[0] << 24 | (uint32_t)m[1] << 16 |
	    (uint32_t)m[2] << 8 | m[3];
	return soa->ttl < min ? soa->ttl : min;
}

/*
 * The zone is what the SOA says it is: the first record must be the
 * SOA, so every later owner can be checked against the apex as it is
 * read, and the error points at the line that is wrong.
 */
static int
zone_check_apex(struct zone_reader *r, const struct zone_rec *rec)
{
	if (rec->type == TYPE_SOA && r->soa_line == 0 && r->nrecords == 1) {
		memcpy(r->apex, rec->owner, rec->ownerlen);
		r->apexlen = rec->ownerlen;
		r->soa_line = rec->line;
		r->neg_ttl = soa_neg_ttl(rec);
		return 0;
	}
	if (rec->type == TYPE_SOA && r->soa_line != 0) {
		zone_error(r, rec->line, "second SOA record (the first is at "
		    "line %d)", r->soa_line);
		return -1;
	}
	if (r->nrecords == 1) {
		zone_error(r, rec->line, "the first record must be the zone's "
		    "SOA");
		return -1;
	}
	return 0;
}

/* The rules that apply to one record alone, given the apex. */
static void
zone_check_rec(struct zone_reader *r, const struct zone_rec *rec,
    const char *type)
{
	char	 owner[PNAME_MAX], apex[PNAME_MAX];

	if (zone_check_apex(r, rec) == -1 || r->soa_line == 0)
		return;
	if (!zone_name_under(rec->owner, rec->ownerlen, r->apex,
	    r->apexlen)) {
		name_str(rec->owner, owner, sizeof(owner));
		name_str(r->apex, apex, sizeof(apex));
		zone_error(r, rec->line, "%s is outside the zone %s", owner,
		    apex);
	}
	else if (rec->owner[0] == 1 && rec->owner[1] == '*')
		zone_error(r, rec->line, "wildcard owner names are not "
		    "supported");
	else if (rec->type == TYPE_NS && rec->ownerlen != r->apexlen)
		zone_error(r, rec->line, "NS below the apex would delegate the "
		    "name; delegations are not supported");
	else if (rec->type == TYPE_DNAME)
		zone_error(r, rec->line, "DNAME is not supported");
	else if (rec->type == TYPE_OPT || (rec->type >= 128 &&
	    rec->type <= 255))
		zone_error(r, rec->line, "type %s cannot appear in a zone",
		    type);
}

static void
zone_binding(struct zone_reader *r, const struct zone_head *h)
{
	struct binding	*b;
	struct zone_rec	*rec;
	char		*owner, err[BINDING_ERR_MAX];

	b = grow(r->bindings, &r->capbindings, r->nbindings + 1, sizeof(*b));
	if (b == NULL) {
		zone_error(r, r->recline, "out of memory");
		return;
	}
	r->bindings = b;
	b = &r->bindings[r->nbindings];
	ldns_dname2canonical(h->owner);
	if ((owner = ldns_rdf2str(h->owner)) == NULL) {
		zone_error(r, r->recline, "out of memory");
		return;
	}
	if (binding_parse(b, owner, h->rdata, err, sizeof(err)) == -1)
		zone_error(r, r->recline, "UNIKERNEL: %s", err);
	else if ((rec = rec_new(r, h, TYPE_BINDING)) != NULL) {
		b->ttl = h->ttl;
		b->line = r->recline;
		rec->binding = r->nbindings++;
		zone_check_rec(r, rec, "UNIKERNEL");
	}
	free(owner);
}

/* With no $ORIGIN, ldns completed relative rdata names with NO_ORIGIN. */
static int
rr_has_unresolved_name(const struct zone_reader *r, const ldns_rr *rr)
{
	const ldns_rdf	*d;
	size_t		 i;

	if (r->origin != NULL)
		return 0;
	for (i = 0; i < ldns_rr_rd_count(rr); i++) {
		d = ldns_rr_rdf(rr, i);
		if (ldns_rdf_get_type(d) == LDNS_RDF_TYPE_DNAME &&
		    (ldns_dname_is_subdomain(d, r->no_origin) ||
		    ldns_dname_compare(d, r->no_origin) == 0))
			return 1;
	}
	return 0;
}

/* Parse a standard record with ldns; NULL after reporting why not. */
static ldns_rr *
zone_ldns_rr(struct zone_reader *r, const struct zone_head *h)
{
	char		*owner, *text = NULL;
	ldns_rr		*rr = NULL;
	ldns_status	 st;

	if ((owner = ldns_rdf2str(h->owner)) == NULL ||
	    asprintf(&text, "%s %u IN %s %s", owner, h->ttl, h->type,
	    h->rdata) == -1) {
		free(owner);
		zone_error(r, r->recline, "out of memory");
		return NULL;
	}
	st = ldns_rr_new_frm_str(&rr, text, h->ttl,
	    r->origin ? r->origin : r->no_origin, NULL);
	free(owner);
	free(text);
	if (st != LDNS_STATUS_OK) {
		zone_error(r, r->recline, "bad %s record: %s", h->type,
		    ldns_get_errorstr_by_id(st));
		return NULL;
	}
	if (rr_has_unresolved_name(r, rr)) {
		zone_error(r, r->recline, "relative name in the %s rdata and "
		    "no $ORIGIN to complete it", h->type);
		ldns_rr_free(rr);
		return NULL;
	}
	return rr;
}

/* Copy the uncompressed wire rdata of rr into rec. */
static int
rec_rdata(struct zone_rec *rec, const ldns_rr *rr)
{
	ldns_buffer	*buf;
	size_t		 n;

	if ((buf = ldns_buffer_new(512)) == NULL)
		return -1;
	if (ldns_rr_rdata2buffer_wire(buf, rr) != LDNS_STATUS_OK ||
	    (n = ldns_buffer_position(buf)) > UINT16_MAX ||
	    (rec->rdata = malloc(n ? n : 1)) == NULL) {
		ldns_buffer_free(buf);
		return -1;
	}
	memcpy(rec->rdata, ldns_buffer_begin(buf), n);
	rec->rdlen = (uint16_t)n;
	ldns_buffer_free(buf);
	return 0;
}

static void
zone_standard(struct zone_reader *r, const struct zone_head *h)
{
	struct zone_rec	*rec;
	ldns_rr		*rr;
	ldns_rr_type	 type;

	if ((type = ldns_get_rr_type_by_name(h->type)) == 0) {
		zone_error(r, r->recline, "unknown record type '%s'", h->type);
		return;
	}
	if ((rr = zone_ldns_rr(r, h)) == NULL)
		return;
	if ((rec = rec_new(r, h, (uint16_t)type)) != NULL &&
	    rec_rdata(rec, rr) == -1) {
		zone_error(r, r->recline, "out of memory");
		r->nrecs--;
		rec = NULL;
	}
	ldns_rr_free(rr);
	if (rec != NULL)
		zone_check_rec(r, rec, h->type);
}

/* One logical record: a directive, a standard record or a binding. */
static void
zone_record(struct zone_reader *r, int owner_blank)
{
	struct zone_head	 h;
	const char		*p = r->text, *tok;
	size_t			 n;

	if (!next_field(&p, &tok, &n))
		return;
	if (!owner_blank && tok[0] == '$') {
		zone_directive(r, tok, n, p);
		return;
	}
	memset(&h, 0, sizeof(h));
	if (owner_blank) {
		if (r->prev == NULL) {
			zone_error(r, r->recline, "no owner name and no "
			    "previous record to take it from");
			return;
		}
		p = r->text;
		h.owner = ldns_rdf_clone(r->prev);
	} else {
		if ((h.owner = zone_name(r, tok, n)) == NULL)
			return;
		ldns_rdf_deep_free(r->prev);
		r->prev = ldns_rdf_clone(h.owner);
	}
	if (h.owner != NULL && zone_head_fields(r, p, &h) == 0) {
		r->nrecords++;
		if (strcasecmp(h.type, "UNIKERNEL") == 0)
			zone_binding(r, &h);
		else
			zone_standard(r, &h);
	}
	ldns_rdf_deep_free(h.owner);
}

static void
zone_read(struct zone_reader *r, FILE *fp)
{
	char	*line = NULL;
	size_t	 cap = 0;
	int	 owner_blank = 0;

	while (getline(&line, &cap, fp) != -1) {
		r->line++;
		if (r->depth == 0) {
			r->len = 0;
			r->bad = 0;
			r->recline = r->line;
			owner_blank = line[0] == ' ' || line[0] == '\t';
		}
		text_line(r, line);
		if (r->depth == 0 && !r->bad && r->text != NULL)
			zone_record(r, owner_blank);
	}
	free(line);
	if (r->depth > 0)
		zone_error(r, r->recline, "'(' is never closed");
	if (r->soa_line == 0 && zone_nerrs(r) == 0)
		zone_error(r, 0, "no SOA record");
}

/* --- whole-zone checks ---------------------------------------------- */

static int
rec_cmp(const void *a, const void *b)
{
	const struct zone_rec	*x = a, *y = b;
	int			 c;

	if ((c = name_cmp(x->owner, x->ownerlen, y->owner, y->ownerlen)) != 0)
		return c;
	if (x->type != y->type)
		return x->type < y->type ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

static const char *
type_name(uint16_t type, char *buf, size_t len)
{
	const ldns_rr_descriptor	*d;

	d = ldns_rr_descript(type);
	if (d != NULL && d->_name != NULL)
		return d->_name;
	snprintf(buf, len, "TYPE%u", type);
	return buf;
}

/*
 * The rules among the records of one owner, recs[i..j): one binding,
 * and a binding owns its addresses; CNAME stands alone (RFC 1034 3.6.2).
 * Identical records are merged, as RFC 2181 5 asks.
 */
static void
zone_check_owner(struct zone_reader *r, struct zone_rec *g, size_t n)
{
	const struct zone_rec	*binding = NULL, *cname = NULL;
	char			 tbuf[16];
	size_t			 i;

	for (i = 0; i < n; i++) {
		if (g[i].type == TYPE_BINDING && binding == NULL)
			binding = &g[i];
		else if (g[i].type == TYPE_BINDING)
			zone_error(r, g[i].line, "second UNIKERNEL binding for "
			    "the name (the first is at line %d)",
			    binding->line);
		else if (g[i].type == TYPE_CNAME && cname == NULL)
			cname = &g[i];
		else if (g[i].type == TYPE_CNAME)
			zone_error(r, g[i].line, "second CNAME for the name "
			    "(the first is at line %d)", cname->line);
	}
	for (i = 0; i < n; i++) {
		if (i > 0 && g[i].type == g[i - 1].type)
			continue;	/* one error per RRset */
		if (binding != NULL && (g[i].type == TYPE_A ||
		    g[i].type == TYPE_AAAA || g[i].type == TYPE_CNAME))
			zone_error(r, g[i].line, "%s record for a name with a "
			    "UNIKERNEL binding (line %d), which supplies its "
			    "addresses", type_name(g[i].type, tbuf,
			    sizeof(tbuf)), binding->line);
		else if (cname != NULL && g[i].type != TYPE_CNAME &&
		    g[i].type != TYPE_BINDING)
			zone_error(r, g[i].line, "%s record for a name with a "
			    "CNAME (line %d), which must stand alone",
			    type_name(g[i].type, tbuf, sizeof(tbuf)),
			    cname->line);
	}
}

static void
zone_mark_dups(struct zone_rec *g, size_t n)
{
	size_t	 i, j;

	for (i = 1; i < n; i++)
		for (j = 0; j < i && !g[i].dup; j++)
			if (g[j].type == g[i].type && !g[j].dup &&
			    g[j].type != TYPE_BINDING &&
			    g[j].rdlen == g[i].rdlen &&
			    memcmp(g[j].rdata, g[i].rdata, g[i].rdlen) == 0)
				g[i].dup = 1;
}

static size_t
owner_end(const struct zone_rec *recs, size_t n, size_t i)
{
	size_t	 j;

	for (j = i + 1; j < n; j++)
		if (name_cmp(recs[i].owner, recs[i].ownerlen, recs[j].owner,
		    recs[j].ownerlen) != 0)
			break;
	return j;
}

static void
zone_check(struct zone_reader *r)
{
	size_t	 i, j;

	if (r->nrecs == 0)
		return;
	qsort(r->recs, r->nrecs, sizeof(*r->recs), rec_cmp);
	for (i = 0; i < r->nrecs; i = j) {
		j = owner_end(r->recs, r->nrecs, i);
		zone_check_owner(r, &r->recs[i], j - i);
		zone_mark_dups(&r->recs[i], j - i);
	}
}

/* --- building the in-memory zone ------------------------------------ */

/* A binding answers A/AAAA from its addresses: add those records. */
static int
zone_synthesise(struct zone_reader *r)
{
	struct zone_rec	*rec, *recs;
	struct binding	*b;
	size_t		 i, n = r->nrecs;

	for (i = 0; i < n; i++) {
		if (r->recs[i].type != TYPE_BINDING)
			continue;
		b = &r->bindings[r->recs[i].binding];
		recs = grow(r->recs, &r->caprecs, r->nrecs + 2, sizeof(*recs));
		if (recs == NULL)
			return -1;
		r->recs = recs;
		if (b->has_ip) {
			rec = &r->recs[r->nrecs];
			*rec = r->recs[i];
			rec->type = TYPE_A;
			rec->rdlen = 4;
			if ((rec->rdata = malloc(4)) == NULL)
				return -1;
			memcpy(rec->rdata, &b->ip, 4);
			r->nrecs++;
		}
		if (b->has_ip6) {
			rec = &r->recs[r->nrecs];
			*rec = r->recs[i];
			rec->type = TYPE_AAAA;
			rec->rdlen = 16;
			if ((rec->rdata = malloc(16)) == NULL)
				return -1;
			memcpy(rec->rdata, &b->ip6, 16);
			r->nrecs++;
		}
	}
	qsort(r->recs, r->nrecs, sizeof(*r->recs), rec_cmp);
	return 0;
}

struct zname {
	const uint8_t	*w;
	size_t		 len;
};

static int
zname_cmp(const void *a, const void *b)
{
	const struct zname	*x = a, *y = b;

	return name_cmp(x->w, x->len, y->w, y->len);
}

/*
 * Every owner and every name between it and the apex (the empty
 * non-terminals), sorted and unique.  The names point into r->recs.
 */
static struct zname *
zone_names(struct zone_reader *r, size_t *count)
{
	struct zname	*names = NULL, *t;
	size_t		 n = 0, cap = 0, i, off;

	for (i = 0; i < r->nrecs; i++) {
		for (off = 0; r->recs[i].ownerlen - off >= r->apexlen;
		    off += (size_t)r->recs[i].owner[off] + 1) {
			if ((t = grow(names, &cap, n + 1, sizeof(*t))) ==
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
	qsort(names, n, sizeof(*names), zname_cmp);
	for (i = 0, off = 0; i < n; i++)
		if (off == 0 || zname_cmp(&names[off - 1], &names[i]) != 0)
			names[off++] = names[i];
	*count = off;
	return names;
}

static void
zone_sizes(const struct zone_reader *r, size_t *nsets, size_t *nrrs,
    size_t *bytes)
{
	const struct zone_rec	*c, *last = NULL;
	size_t			 i;

	*nsets = *nrrs = *bytes = 0;
	for (i = 0; i < r->nrecs; i++) {
		c = &r->recs[i];
		if (c->dup || c->type == TYPE_BINDING)
			continue;
		if (last == NULL || last->type != c->type ||
		    name_cmp(last->owner, last->ownerlen, c->owner,
		    c->ownerlen) != 0)
			(*nsets)++;
		(*nrrs)++;
		*bytes += c->rdlen;
		last = c;
	}
}

static int
zone_alloc(struct zone *z, const struct zone_reader *r, size_t nnames,
    const struct zname *names)
{
	size_t	 nsets, nrrs, bytes, i;

	zone_sizes(r, &nsets, &nrrs, &bytes);
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

static struct zone_node *
node_find(struct zone *z, const uint8_t *w, size_t len)
{
	return (struct zone_node *)(uintptr_t)zone_lookup(z, w, len);
}

/*
 * Append rec to the zone: records arrive sorted by owner and type, so
 * it starts a new RRset unless it continues the last one of its node.
 */
static void
zone_add_rec(struct zone *z, size_t *nsets, size_t *nrrs, uint8_t **data,
    const struct zone_rec *rec)
{
	struct zone_node	*node;
	struct zone_rrset	*set = *nsets ? &z->sets[*nsets - 1] : NULL;
	struct zone_rr		*rr;

	node = node_find(z, rec->owner, rec->ownerlen);
	if (rec->type == TYPE_BINDING) {
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

static struct zone *
zone_build(struct zone_reader *r)
{
	struct zone	*z;
	struct zname	*names;
	size_t		 nnames, i, nsets = 0, nrrs = 0;
	uint8_t		*data;

	if (zone_synthesise(r) == -1 ||
	    (names = zone_names(r, &nnames)) == NULL)
		return NULL;
	if ((z = calloc(1, sizeof(*z))) == NULL ||
	    (z->path = strdup(r->path)) == NULL ||
	    zone_alloc(z, r, nnames, names) == -1) {
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
	if (r->nbindings > 0)
		memcpy(z->bindings, r->bindings,
		    r->nbindings * sizeof(*z->bindings));
	z->nbindings = r->nbindings;
	for (i = 0; i < r->nrecs; i++)
		if (!r->recs[i].dup)
			zone_add_rec(z, &nsets, &nrrs, &data, &r->recs[i]);
	z->apex = zone_lookup(z, r->apex, r->apexlen);
	z->neg_ttl = r->neg_ttl;
	z->soa_line = r->soa_line;
	return z;
}

static void
reader_free(struct zone_reader *r)
{
	size_t	 i;

	for (i = 0; i < r->nrecs; i++)
		free(r->recs[i].rdata);
	free(r->recs);
	free(r->bindings);
	free(r->text);
	ldns_rdf_deep_free(r->origin);
	ldns_rdf_deep_free(r->no_origin);
	ldns_rdf_deep_free(r->prev);
}

struct zone *
zone_load(const char *path, struct errors *errs)
{
	struct zone_reader	 r;
	struct zone		*z = NULL;
	size_t			 first = errs->count;
	FILE			*fp;

	memset(&r, 0, sizeof(r));
	r.path = path;
	r.errs = errs;
	r.first = errs->count;
	if ((fp = fopen(path, "r")) == NULL) {
		zone_error(&r, 0, "%s", strerror(errno));
		return NULL;
	}
	if ((r.no_origin = ldns_dname_new_frm_str(NO_ORIGIN)) == NULL)
		zone_error(&r, 0, "out of memory");
	else {
		zone_read(&r, fp);
		zone_check(&r);
	}
	fclose(fp);
	if (zone_nerrs(&r) == 0 && (z = zone_build(&r)) == NULL)
		zone_error(&r, 0, "out of memory");
	reader_free(&r);
	if (first < ERRORS_MAX)
		errors_sort(errs, first);
	return z;
}

void
zone_free(struct zone *z)
{
	if (z == NULL)
		return;
	free(z->path);
	free(z->nodes);
	free(z->sets);
	free(z->rrs);
	free(z->data);
	free(z->bindings);
	free(z);
}

/* --- lookups: the query path, no ldns below this line --------------- */

const struct zone_node *
zone_lookup(const struct zone *z, const uint8_t *name, size_t len)
{
	size_t	 lo = 0, hi = z->nnodes, mid;
	int	 c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = name_cmp(z->nodes[mid].name, z->nodes[mid].namelen, name,
		    len);
		if (c == 0)
			return &z->nodes[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const struct zone_rrset *
zone_node_rrset(const struct zone_node *node, uint16_t type)
{
	uint16_t	 i;

	for (i = 0; i < node->nsets; i++)
		if (node->sets[i].type == type)
			return &node->sets[i];
	return NULL;
}

/* --- zone sets ------------------------------------------------------ */

static int
zone_set_add(struct zone_set *s, struct zone *z, struct errors *errs)
{
	struct zone	**zones;
	size_t		  i;

	for (i = 0; i < s->nzones; i++) {
		if (s->zones[i]->apex->namelen == z->apex->namelen &&
		    memcmp(s->zones[i]->apex->name, z->apex->name,
		    z->apex->namelen) == 0) {
			errors_add(errs, z->path, z->soa_line, "this zone is "
			    "already loaded from %s", s->zones[i]->path);
			return -1;
		}
	}
	zones = reallocarray(s->zones, s->nzones + 1, sizeof(*zones));
	if (zones == NULL)
		return -1;
	s->zones = zones;
	s->zones[s->nzones++] = z;
	return 0;
}

struct zone_set *
zone_set_load(const char *const *paths, size_t npaths,
    struct errors *errs)
{
	struct zone_set	*s;
	struct zone	*z;
	size_t		 i, first = errs->count;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	for (i = 0; i < npaths; i++) {
		if ((z = zone_load(paths[i], errs)) == NULL)
			continue;
		if (zone_set_add(s, z, errs) == -1)
			zone_free(z);
	}
	if (errs->count != first || s->nzones != npaths) {
		zone_set_free(s);
		return NULL;
	}
	return s;
}

void
zone_set_free(struct zone_set *s)
{
	size_t	 i;

	if (s == NULL)
		return;
	for (i = 0; i < s->nzones; i++)
		zone_free(s->zones[i]);
	free(s->zones);
	free(s);
}

/* Longest apex first: try the name, then each parent, in turn. */
const struct zone *
zone_set_find(const struct zone_set *s, const uint8_t *name, size_t len)
{
	const struct zone_node	*apex;
	size_t			 off, i;

	for (off = 0; off < len; off += (size_t)name[off] + 1) {
		for (i = 0; i < s->nzones; i++) {
			apex = s->zones[i]->apex;
			if (apex->namelen == len - off &&
			    memcmp(apex->name, name + off, len - off) == 0)
				return s->zones[i];
		}
		if (name[off] == 0)
			break;
	}
	return NULL;
}
