/* zone.c -- load RFC 1035 zone files with UNIKERNEL bindings; lookups */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jitsud.h"
#include "zone_int.h"

/*
 * zone_load reads a master file in three steps, each its own file:
 * zone_read.c reads it one logical record at a time (zone_ldns.c turns
 * the names and standard records into wire form through ldns, and
 * zone_check.c checks each record against the apex as it comes), then
 * zone_check finds the rules broken among the records of one owner,
 * and zone_build converts the lot to struct zone, which the query path
 * reads without ldns through the lookups below.
 */

/* --- names and records, for every file of the loader ---------------- */

/* Growing arrays: double `cap' until `want' fits. */
void *
zone_grow(void *p, size_t *cap, size_t want, size_t size)
{
	size_t n = *cap ? *cap : 16;
	void  *q;

	while (n < want)
		n *= 2;
	if (n == *cap)
		return p;
	if ((q = reallocarray(p, n, size)) == NULL)
		return NULL;
	*cap = n;
	return q;
}

size_t
zone_name_len(const uint8_t *w, size_t max)
{
	size_t n = 0;

	while (n < max && w[n] != 0) {
		if (w[n] > 63)
			return 0;
		n += (size_t)w[n] + 1;
	}
	if (n >= max || n + 1 > ZONE_NAME_MAX)
		return 0;
	return n + 1;
}

int
zone_name_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	if (c != 0)
		return c;
	return alen < blen ? -1 : alen > blen;
}

static int
zone_label_eq(const uint8_t *a, const uint8_t *b)
{
	uint8_t i;

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
	size_t i = 0, j;

	while (i < len && len - i > apexlen)
		i += (size_t)name[i] + 1;
	if (len - i != apexlen)
		return 0;
	for (j = 0; j < apexlen; j += (size_t)apex[j] + 1)
		if (!zone_label_eq(name + i + j, apex + j))
			return 0;
	return 1;
}

int
zone_rec_cmp(const void *a, const void *b)
{
	const struct zone_rec *x = a, *y = b;
	int		       c;

	c = zone_name_cmp(x->owner, x->ownerlen, y->owner, y->ownerlen);
	if (c != 0)
		return c;
	if (x->type != y->type)
		return x->type < y->type ? -1 : 1;
	/* Then their order in the file, $INCLUDEs and all. */
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* --- loading -------------------------------------------------------- */

struct zone *
zone_load(const char *path, struct errors *errs)
{
	struct zone_reader r;
	struct zone	  *z = NULL;
	size_t		   first = errs->count;
	FILE		  *fp;

	memset(&r, 0, sizeof(r));
	r.path = path;
	r.errs = errs;
	r.first = errs->count;
	if ((fp = fopen(path, "r")) == NULL) {
		zone_read_error(&r, 0, "%s", strerror(errno));
		return NULL;
	}
	if ((r.ldns = zone_ldns_new()) == NULL)
		zone_read_error(&r, 0, "out of memory");
	else {
		zone_read(&r, fp);
		zone_check(&r);
	}
	fclose(fp);
	if (zone_read_nerrs(&r) == 0 && (z = zone_build(&r)) == NULL)
		zone_read_error(&r, 0, "out of memory");
	zone_read_free(&r);
	if (first < ERRORS_MAX)
		errors_sort(errs, first);
	return z;
}

void
zone_free(struct zone *z)
{
	size_t i;

	if (z == NULL)
		return;
	free(z->path);
	free(z->nodes);
	free(z->sets);
	free(z->rrs);
	free(z->data);
	for (i = 0; i < z->nbindings; i++)
		binding_clear(&z->bindings[i]);
	free(z->bindings);
	free(z);
}

/* --- lookups: the query path ---------------------------------------- */

const struct zone_node *
zone_lookup(const struct zone *z, const uint8_t *name, size_t len)
{
	size_t lo = 0, hi = z->nnodes, mid;
	int    c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = zone_name_cmp(z->nodes[mid].name, z->nodes[mid].namelen,
		    name, len);
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
	uint16_t i;

	for (i = 0; i < node->nsets; i++)
		if (node->sets[i].type == type)
			return &node->sets[i];
	return NULL;
}

/* --- zone sets ------------------------------------------------------ */

/* Where z stands in the set: the order its files were given in. */
static size_t
zone_set_index(const struct zone_set *s, const struct zone *z)
{
	size_t i;

	for (i = 0; i < s->nzones && s->zones[i] != z; i++)
		;
	return i;
}

static int
zone_set_add(struct zone_set *s, struct zone *z, struct errors *errs)
{
	struct zone **zones;
	size_t	      i;

	for (i = 0; i < s->nzones; i++) {
		if (s->zones[i]->apex->namelen == z->apex->namelen &&
		    memcmp(s->zones[i]->apex->name, z->apex->name,
			z->apex->namelen) == 0) {
			errors_add(errs, z->path, z->soa_line,
			    "this zone is already loaded from %s",
			    s->zones[i]->path);
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

const char *
zone_binding_file(const struct zone *z, const struct binding *b)
{
	return b->file != NULL ? b->file : z->path;
}

/* One conduit name of a binding of a zone of a set. */
struct zone_set_conduit {
	const char	     *name; /* in b->conduit, up to a comma */
	size_t		      len;
	const struct zone    *z;
	const struct binding *b;
};

static int
zone_set_conduit_cmp(const void *a, const void *b)
{
	const struct zone_set_conduit *x = a, *y = b;
	size_t			       n = x->len < y->len ? x->len : y->len;
	int			       c;

	if ((c = memcmp(x->name, y->name, n)) != 0)
		return c;
	return (x->len > y->len) - (x->len < y->len);
}

/* Append the conduit names of b (of z) to *v; -1 out of memory. */
static int
zone_set_conduits_of(struct zone_set_conduit **v, size_t *n, size_t *cap,
    const struct zone *z, const struct binding *b)
{
	struct zone_set_conduit *t;
	const char		*p = binding_s(b->conduit);
	size_t			 len;

	for (; *p != '\0'; p += len + (p[len] == ',')) {
		len = strcspn(p, ",");
		if ((t = zone_grow(*v, cap, *n + 1, sizeof(*t))) == NULL)
			return -1;
		*v = t;
		t[*n].name = p;
		t[*n].len = len;
		t[*n].z = z;
		t[*n].b = b;
		(*n)++;
	}
	return 0;
}

/* Every conduit name of the set's bindings, or NULL out of memory. */
static struct zone_set_conduit *
zone_set_conduits(const struct zone_set *s, size_t *n)
{
	struct zone_set_conduit *v = NULL;
	size_t			 i, j, cap = 0;

	*n = 0;
	for (i = 0; i < s->nzones; i++)
		for (j = 0; j < s->zones[i]->nbindings; j++)
			if (zone_set_conduits_of(&v, n, &cap, s->zones[i],
				&s->zones[i]->bindings[j]) == -1) {
				free(v);
				return NULL;
			}
	return v != NULL ? v : calloc(1, sizeof(*v));
}

/*
 * A conduit name is served by one binding of all zones (conduit(7));
 * zone_check has found those a file serves twice.  The later in the
 * order of the files is the one in error.  -1 when any is.
 */
static int
zone_set_check_conduits(const struct zone_set *s, struct errors *errs)
{
	struct zone_set_conduit *v, *a, *b;
	size_t			 i, n;
	int			 r = 0;

	if ((v = zone_set_conduits(s, &n)) == NULL) {
		errors_add(errs, "zones", 0, "out of memory");
		return -1;
	}
	qsort(v, n, sizeof(*v), zone_set_conduit_cmp);
	for (i = 1; i < n; i++) {
		a = &v[i - 1];
		b = &v[i];
		if (zone_set_conduit_cmp(a, b) != 0)
			continue;
		if (zone_set_index(s, a->z) > zone_set_index(s, b->z)) {
			a = &v[i];
			b = &v[i - 1];
		}
		errors_add(errs, zone_binding_file(b->z, b->b), b->b->line,
		    "conduit name %.*s is also served by the binding at %s:%d",
		    (int)b->len, b->name, zone_binding_file(a->z, a->b),
		    a->b->line);
		r = -1;
	}
	free(v);
	return r;
}

struct zone_set *
zone_set_load(const char *const *paths, size_t npaths, struct errors *errs)
{
	struct zone_set *s;
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
	if (s->nzones == npaths)
		(void)zone_set_check_conduits(s, errs);
	if (errs->count != first || s->nzones != npaths) {
		zone_set_free(s);
		return NULL;
	}
	return s;
}

void
zone_set_free(struct zone_set *s)
{
	size_t i;

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
	const struct zone_node *apex;
	size_t			off, i;

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
