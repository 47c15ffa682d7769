/* zone_read.c -- the master-file reader: logical records, directives, fields */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jitsud.h"
#include "zone_int.h"

/*
 * A master file is not a list of independent lines: $ORIGIN, $TTL, the
 * blank owner and parentheses carry state from line to line.  So this
 * file reads it one logical record at a time, resolves the owner, TTL
 * and class, and hands the rest on: UNIKERNEL records to binding_parse,
 * every other type to zone_ldns_record.
 */

#define TEXT_MAX    (256 * 1024) /* one logical record */
#define TTL_MAX	    0x7fffffffU	 /* RFC 2181 8 */
/* A record's TTL with none given and no $TTL before it, as NSD has. */
#define TTL_DEFAULT 3600

void
zone_read_error(struct zone_reader *r, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	errors_vadd(r->errs, r->path, line, fmt, ap);
	va_end(ap);
}

void
zone_rec_error(struct zone_reader *r, const struct zone_rec *rec,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	errors_vadd(r->errs, rec->file, rec->line, fmt, ap);
	va_end(ap);
}

size_t
zone_read_nerrs(const struct zone_reader *r)
{
	return r->errs->count - r->first;
}

/* Lower-case the labels of a wire name of `len' bytes. */
static void
zone_read_lower(uint8_t *w, size_t len)
{
	size_t i, j;

	for (i = 0; i < len && w[i] != 0; i += (size_t)w[i] + 1)
		for (j = i + 1; j <= i + w[i] && j < len; j++)
			w[j] = (uint8_t)tolower(w[j]);
}

/* --- the line reader ------------------------------------------------ */

static int
zone_read_put(struct zone_reader *r, char c)
{
	char *t;

	if (r->len + 2 > r->cap) {
		if (r->cap >= TEXT_MAX)
			return -1;
		if ((t = zone_grow(r->text, &r->cap, r->len + 2, 1)) == NULL)
			return -1;
		r->text = t;
	}
	r->text[r->len++] = c;
	r->text[r->len] = '\0';
	return 0;
}

/* One character of a physical line, outside a comment. */
static int
zone_read_char(struct zone_reader *r, char c)
{
	if (r->esc || r->quote) {
		if (r->esc)
			r->esc = 0;
		else if (c == '\\')
			r->esc = 1;
		else if (c == '"')
			r->quote = 0;
		return zone_read_put(r, c);
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
			zone_read_error(r, r->line, "')' without '('");
			r->bad = 1;
		} else
			r->depth--;
		c = ' ';
	} else if (c == '\r' || c == '\t')
		c = ' ';
	return zone_read_put(r, c);
}

/*
 * Append one physical line to the logical record: drop the comment,
 * turn parentheses into blanks and track quotes and escapes so that a
 * ';' or '(' inside "..." is text.
 */
static void
zone_read_line(struct zone_reader *r, const char *line)
{
	const char *p;

	for (p = line; *p != '\0' && *p != '\n'; p++) {
		if (*p == ';' && !r->quote && !r->esc)
			break;
		if (zone_read_char(r, *p) == -1) {
			zone_read_error(r, r->recline, "record is too long");
			r->bad = 1;
			r->depth = 0;
			return;
		}
	}
	if (r->quote) {
		zone_read_error(r, r->line, "unterminated quoted string");
		r->quote = 0;
		r->bad = 1;
	}
	r->esc = 0;
	if (zone_read_put(r, ' ') == -1)
		r->bad = 1;
}

/* The next blank-separated field of the record; quotes keep blanks. */
static int
zone_read_field(const char **p, const char **start, size_t *len)
{
	const char *s = *p;
	int	    quote = 0;

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

/* --- TTLs ----------------------------------------------------------- */

/* A TTL: seconds, or BIND-style units (1h30m); RFC 2181 caps it. */
static int
zone_read_ttl(const char *tok, size_t n, uint32_t *ttl)
{
	uint64_t total = 0, v;
	size_t	 i = 0, start;

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
			/* clang-format off */
			case 's': break;
			case 'm': v *= 60; break;
			case 'h': v *= 3600; break;
			case 'd': v *= 86400; break;
			case 'w': v *= 604800; break;
			default: return -1;
				/* clang-format on */
			}
		} else if (start > 0)
			return -1; /* "1h30": a unit is missing */
		if ((total += v) > TTL_MAX)
			return -1;
	}
	*ttl = (uint32_t)total;
	return 0;
}

/* --- directives ----------------------------------------------------- */

static void
zone_read_origin(struct zone_reader *r, const char *p)
{
	const char *tok, *extra;
	size_t	    n, m;

	if (!zone_read_field(&p, &tok, &n)) {
		zone_read_error(r, r->recline, "$ORIGIN needs a name");
		return;
	}
	if (zone_read_field(&p, &extra, &m)) {
		zone_read_error(r, r->recline, "$ORIGIN takes one name");
		return;
	}
	zone_ldns_origin(r, tok, n);
}

static void
zone_read_default_ttl(struct zone_reader *r, const char *p)
{
	const char *tok, *extra;
	size_t	    n, m;

	if (!zone_read_field(&p, &tok, &n)) {
		zone_read_error(r, r->recline, "$TTL needs a value");
		return;
	}
	if (zone_read_field(&p, &extra, &m)) {
		zone_read_error(r, r->recline, "$TTL takes one value");
		return;
	}
	if (zone_read_ttl(tok, n, &r->ttl) == -1) {
		zone_read_error(r, r->recline,
		    "$TTL '%.*s' is not a TTL "
		    "(seconds, or units like 1h30m, at most 2147483647)",
		    (int)n, tok);
		return;
	}
	r->has_ttl = 1;
}

static void zone_read_file(struct zone_reader *, FILE *);

/*
 * The path an $INCLUDE names, relative to the including file's folder
 * (so a zone and its parts move together), kept for the records' and
 * errors' file names until the reader is freed.
 */
static char *
zone_read_include_path(struct zone_reader *r, const char *tok, size_t n)
{
	const char *slash = strrchr(r->path, '/');
	char	   *path, **t;
	int	    dir;

	if (n >= 2 && tok[0] == '"' && tok[n - 1] == '"') {
		tok++;
		n -= 2;
	}
	dir = tok[0] != '/' && slash != NULL ? (int)(slash - r->path) + 1 : 0;
	if (asprintf(&path, "%.*s%.*s", dir, r->path, (int)n, tok) == -1)
		return NULL;
	if ((t = zone_grow(r->paths, &r->cappaths, r->npaths + 1,
		 sizeof(*t))) == NULL) {
		free(path);
		return NULL;
	}
	r->paths = t;
	r->paths[r->npaths++] = path;
	return path;
}

/*
 * Note fp as open: -1 if it is a file already being read (compared by
 * device and inode, whatever path led to it), -2 if it is no regular
 * file (a device or a FIFO could feed the reader for ever).
 */
static int
zone_read_open(struct zone_reader *r, FILE *fp)
{
	struct stat st;
	int	    i;

	if (fstat(fileno(fp), &st) == -1)
		return 0;
	if (!S_ISREG(st.st_mode))
		return -2;
	for (i = 0; i <= r->includes; i++)
		if (r->open[i].dev == st.st_dev && r->open[i].ino == st.st_ino)
			return -1;
	r->open[r->includes + 1].dev = st.st_dev;
	r->open[r->includes + 1].ino = st.st_ino;
	return 0;
}

/*
 * $INCLUDE file [origin] (RFC 1035 5.1): the file is read as if it
 * stood here, with its own origin if one is given; afterwards the
 * origin and the owner a blank repeats are what they were before.
 */
static void
zone_read_include(struct zone_reader *r, const char *p)
{
	struct zone_ldns *saved;
	const char	 *tok, *origin = NULL, *extra, *outer = r->path;
	size_t		  n, on = 0, m;
	char		 *path;
	FILE		 *fp;
	int		  line = r->line, recline = r->recline;

	if (!zone_read_field(&p, &tok, &n)) {
		zone_read_error(r, recline, "$INCLUDE needs a file name");
		return;
	}
	if (zone_read_field(&p, &origin, &on) &&
	    zone_read_field(&p, &extra, &m)) {
		zone_read_error(r, recline,
		    "$INCLUDE takes a file name and an optional origin");
		return;
	}
	if (r->includes >= ZONE_INCLUDE_MAX) {
		zone_read_error(r, recline, "$INCLUDE nested more than %d deep",
		    ZONE_INCLUDE_MAX);
		return;
	}
	if ((path = zone_read_include_path(r, tok, n)) == NULL) {
		zone_read_error(r, recline, "out of memory");
		return;
	}
	if ((fp = fopen(path, "r")) == NULL) {
		zone_read_error(r, recline, "$INCLUDE %s: %s", path,
		    strerror(errno));
		return;
	}
	switch (zone_read_open(r, fp)) {
	case -1:
		zone_read_error(r, recline,
		    "$INCLUDE %s: the file is being read already "
		    "(it includes itself)",
		    path);
		fclose(fp);
		return;
	case -2:
		zone_read_error(r, recline, "$INCLUDE %s: not a regular file",
		    path);
		fclose(fp);
		return;
	}
	if (zone_ldns_save(r, &saved) == -1) {
		zone_read_error(r, recline, "out of memory");
		fclose(fp);
		return;
	}
	if (origin != NULL)
		zone_ldns_origin(r, origin, on);
	r->includes++;
	r->path = path;
	r->line = 0;
	zone_read_file(r, fp);
	fclose(fp);
	r->includes--;
	r->path = outer;
	r->line = line;
	r->recline = recline;
	zone_ldns_restore(r, saved);
}

static void
zone_read_directive(struct zone_reader *r, const char *tok, size_t n,
    const char *rest)
{
	if (n == 7 && strncasecmp(tok, "$ORIGIN", n) == 0)
		zone_read_origin(r, rest);
	else if (n == 4 && strncasecmp(tok, "$TTL", n) == 0)
		zone_read_default_ttl(r, rest);
	else if (n == 8 && strncasecmp(tok, "$INCLUDE", n) == 0)
		zone_read_include(r, rest);
	else
		zone_read_error(r, r->recline, "unknown directive '%.*s'",
		    (int)n, tok);
}

/* --- records -------------------------------------------------------- */

struct zone_rec *
zone_read_rec(struct zone_reader *r, const struct zone_head *h, uint16_t type)
{
	struct zone_rec *recs, *rec;
	const uint8_t	*owner;
	size_t		 ownerlen;

	recs = zone_grow(r->recs, &r->caprecs, r->nrecs + 1, sizeof(*recs));
	if (recs == NULL) {
		zone_read_error(r, r->recline, "out of memory");
		return NULL;
	}
	r->recs = recs;
	ownerlen = zone_ldns_owner_wire(r, &owner);
	rec = &recs[r->nrecs];
	memset(rec, 0, sizeof(*rec));
	if ((rec->owner = malloc(ownerlen)) == NULL) {
		zone_read_error(r, r->recline, "out of memory");
		return NULL;
	}
	rec->seq = r->nrecs++;
	rec->ownerlen = (uint8_t)ownerlen;
	memcpy(rec->owner, owner, rec->ownerlen);
	zone_read_lower(rec->owner, rec->ownerlen);
	rec->type = type;
	rec->ttl = h->ttl;
	rec->file = r->path;
	rec->line = r->recline;
	return rec;
}

void
zone_rec_clear(struct zone_rec *rec)
{
	free(rec->owner);
	free(rec->rdata);
	rec->owner = rec->rdata = NULL;
}

/*
 * A class: a mnemonic, or RFC 3597's CLASS and its number; 1 for IN,
 * 0 for another, -1 for what is not a class.
 */
static int
zone_read_class(const char *tok, size_t n)
{
	static const char *const classes[] = { "IN", "CH", "CS", "HS" };
	unsigned long		 v = 0;
	size_t			 i;

	for (i = 0; i < 4; i++)
		if (n == 2 && strncasecmp(tok, classes[i], 2) == 0)
			return i == 0;
	if (n <= 5 || n > 10 || strncasecmp(tok, "CLASS", 5) != 0)
		return -1;
	for (i = 5; i < n; i++) {
		if (!isdigit((unsigned char)tok[i]))
			return -1;
		v = v * 10 + (unsigned long)(tok[i] - '0');
	}
	return v == 1;
}

/*
 * After the owner, up to one TTL and one class in either order, then
 * the type; the rest of the text is the rdata.
 */
static int
zone_read_head(struct zone_reader *r, const char *p, struct zone_head *h)
{
	const char *tok;
	size_t	    n;
	int	    has_ttl = 0, has_class = 0, in;

	for (;;) {
		if (!zone_read_field(&p, &tok, &n)) {
			zone_read_error(r, r->recline, "record has no type");
			return -1;
		}
		if (!has_ttl && isdigit((unsigned char)tok[0])) {
			if (zone_read_ttl(tok, n, &h->ttl) == -1) {
				zone_read_error(r, r->recline,
				    "'%.*s' is not a TTL", (int)n, tok);
				return -1;
			}
			has_ttl = 1;
		} else if (!has_class && (in = zone_read_class(tok, n)) != -1) {
			if (!in) {
				zone_read_error(r, r->recline,
				    "class %.*s is not supported, only IN",
				    (int)n, tok);
				return -1;
			}
			has_class = 1;
		} else
			break;
	}
	if (!has_ttl)
		h->ttl = r->has_ttl ? r->ttl : TTL_DEFAULT;
	if (n >= sizeof(h->type)) {
		zone_read_error(r, r->recline, "unknown record type '%.*s'",
		    (int)n, tok);
		return -1;
	}
	memcpy(h->type, tok, n);
	h->type[n] = '\0';
	while (*p == ' ')
		p++;
	h->rdata = p;
	return 0;
}

/*
 * The names of b's conduit= made absolute, each noted for zone_check,
 * and b->conduit rewritten with them.  -1 after reporting a problem.
 */
static int
zone_read_conduits(struct zone_reader *r, struct binding *b, size_t index)
{
	struct zone_conduit *c;
	const char	    *p = b->conduit;
	char		     list[BINDING_CONDUIT_MAX * ZONE_PNAME_MAX], *abs;
	size_t		     n, len = 0;

	for (list[0] = '\0'; p != NULL && *p != '\0'; p += n + (p[n] == ',')) {
		n = strcspn(p, ",");
		c = zone_grow(r->conduits, &r->capconduits, r->nconduits + 1,
		    sizeof(*c));
		if (c == NULL) {
			zone_read_error(r, r->recline, "out of memory");
			return -1;
		}
		r->conduits = c;
		c = &r->conduits[r->nconduits];
		if (zone_ldns_abs(r, p, n, c->name, &c->len, &abs) == -1)
			return -1;
		len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s",
		    len > 0 ? "," : "", abs);
		free(abs);
		c->binding = index;
		c->file = r->path;
		c->line = r->recline;
		r->nconduits++;
	}
	if (b->conduit != NULL && binding_set(&b->conduit, list) == -1) {
		zone_read_error(r, r->recline, "out of memory");
		return -1;
	}
	return 0;
}

/* An $INCLUDEd file's binding says so, for errors found after reading. */
static int
zone_read_binding_file(struct zone_reader *r, struct binding *b)
{
	if (r->includes > 0 && binding_set(&b->file, r->path) == -1) {
		zone_read_error(r, r->recline, "out of memory");
		return -1;
	}
	return 0;
}

static void
zone_read_binding(struct zone_reader *r, const struct zone_head *h)
{
	struct binding	*b;
	struct zone_rec *rec = NULL;
	char		*owner, err[BINDING_ERR_MAX];
	size_t		 nconduits = r->nconduits;

	b = zone_grow(r->bindings, &r->capbindings, r->nbindings + 1,
	    sizeof(*b));
	if (b == NULL) {
		zone_read_error(r, r->recline, "out of memory");
		return;
	}
	r->bindings = b;
	b = &r->bindings[r->nbindings];
	if ((owner = zone_ldns_owner_str(r)) == NULL) {
		zone_read_error(r, r->recline, "out of memory");
		return;
	}
	if (binding_parse(b, owner, h->rdata, err, sizeof(err)) == -1)
		zone_read_error(r, r->recline, "UNIKERNEL: %s", err);
	else if (zone_read_conduits(r, b, r->nbindings) == -1 ||
	    zone_read_binding_file(r, b) == -1)
		binding_clear(b);
	else if ((rec = zone_read_rec(r, h, ZONE_TYPE_BINDING)) != NULL) {
		b->ttl = h->ttl;
		b->line = r->recline;
		rec->binding = r->nbindings++;
		zone_check_rec(r, rec, "UNIKERNEL");
	} else
		binding_clear(b);
	if (rec == NULL)
		r->nconduits = nconduits; /* the binding is not kept */
	free(owner);
}

/* One logical record: a directive, a standard record or a binding. */
static void
zone_read_record(struct zone_reader *r, int owner_blank)
{
	struct zone_head h;
	const char	*p = r->text, *tok;
	size_t		 n;

	/*
	 * Every line ended with a blank (zone_read_line joins lines so);
	 * ldns refuses one after a final quoted field (CAA, HINFO, URI),
	 * NSD does not.  An escaped blank ("\ ") is data and stays.
	 */
	while (r->len > 0 && r->text[r->len - 1] == ' ' &&
	    (r->len < 2 || r->text[r->len - 2] != '\\'))
		r->text[--r->len] = '\0';
	if (!zone_read_field(&p, &tok, &n))
		return;
	if (!owner_blank && tok[0] == '$') {
		zone_read_directive(r, tok, n, p);
		return;
	}
	memset(&h, 0, sizeof(h));
	if (zone_ldns_owner(r, owner_blank, tok, n) == -1)
		return;
	if (owner_blank)
		p = r->text;
	if (zone_read_head(r, p, &h) == 0) {
		if (strcasecmp(h.type, "UNIKERNEL") == 0)
			zone_read_binding(r, &h);
		else
			zone_ldns_record(r, &h);
	}
}

static void
zone_read_file(struct zone_reader *r, FILE *fp)
{
	char  *line = NULL;
	size_t cap = 0;
	int    owner_blank = 0;

	while (getline(&line, &cap, fp) != -1) {
		r->line++;
		if (r->depth == 0) {
			r->len = 0;
			r->bad = 0;
			r->recline = r->line;
			owner_blank = line[0] == ' ' || line[0] == '\t';
		}
		zone_read_line(r, line);
		if (r->depth == 0 && !r->bad && r->text != NULL)
			zone_read_record(r, owner_blank);
	}
	free(line);
	if (r->depth > 0)
		zone_read_error(r, r->recline, "'(' is never closed");
	r->depth = 0;
}

void
zone_read(struct zone_reader *r, FILE *fp)
{
	struct stat st;

	if (fstat(fileno(fp), &st) == 0) {
		r->open[0].dev = st.st_dev;
		r->open[0].ino = st.st_ino;
	}
	zone_read_file(r, fp);
	if (r->soa_line == 0 && zone_read_nerrs(r) == 0)
		zone_read_error(r, 0, "no SOA record");
}

void
zone_read_free(struct zone_reader *r)
{
	size_t i;

	for (i = 0; i < r->nrecs; i++)
		zone_rec_clear(&r->recs[i]);
	free(r->recs);
	for (i = 0; i < r->nbindings; i++)
		binding_clear(&r->bindings[i]);
	free(r->bindings);
	free(r->conduits);
	free(r->text);
	zone_ldns_free(r->ldns);
	for (i = 0; i < r->npaths; i++)
		free(r->paths[i]);
	free(r->paths);
}
