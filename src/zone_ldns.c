/* zone_ldns.c -- the zone reader's names and standard records, via ldns */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "jitsud.h"
#include "zone_int.h"

/*
 * ldns parses every standard record, but it cannot know the UNIKERNEL
 * type and it reads one self-contained record, not a master file.  The
 * reader (zone_read.c) therefore assembles each record and this file
 * hands ldns a single "owner ttl IN type rdata" string, with the owner
 * and $ORIGIN kept here as ldns names.  The wire rdata ldns returns is
 * all the rest of the loader sees: this is the one file that includes
 * ldns.
 */

/* Relative rdata names with no $ORIGIN get this suffix, then an error. */
#define NO_ORIGIN "jitsud--no-origin--."

struct zone_ldns {
	ldns_rdf *origin;    /* $ORIGIN, or NULL */
	ldns_rdf *no_origin; /* NO_ORIGIN */
	ldns_rdf *prev;	     /* previous owner */
	ldns_rdf *owner;     /* the current record's owner */
};

struct zone_ldns *
zone_ldns_new(void)
{
	struct zone_ldns *l;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		return NULL;
	if ((l->no_origin = ldns_dname_new_frm_str(NO_ORIGIN)) == NULL) {
		free(l);
		return NULL;
	}
	return l;
}

void
zone_ldns_free(struct zone_ldns *l)
{
	if (l == NULL)
		return;
	ldns_rdf_deep_free(l->origin);
	ldns_rdf_deep_free(l->no_origin);
	ldns_rdf_deep_free(l->prev);
	ldns_rdf_deep_free(l->owner);
	free(l);
}

int
zone_ldns_save(struct zone_reader *r, struct zone_ldns **saved)
{
	struct zone_ldns *l = r->ldns, *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return -1;
	if ((l->origin != NULL &&
		(s->origin = ldns_rdf_clone(l->origin)) == NULL) ||
	    (l->prev != NULL && (s->prev = ldns_rdf_clone(l->prev)) == NULL)) {
		zone_ldns_free(s);
		return -1;
	}
	*saved = s;
	return 0;
}

void
zone_ldns_restore(struct zone_reader *r, struct zone_ldns *saved)
{
	struct zone_ldns *l = r->ldns;

	ldns_rdf_deep_free(l->origin);
	ldns_rdf_deep_free(l->prev);
	l->origin = saved->origin;
	l->prev = saved->prev;
	saved->origin = saved->prev = NULL;
	zone_ldns_free(saved);
}

/* --- names ---------------------------------------------------------- */

/*
 * A name field in presentation form made absolute: '@' is the origin,
 * a relative name gets the origin appended.
 */
static ldns_rdf *
zone_ldns_name(struct zone_reader *r, const char *tok, size_t n)
{
	const ldns_rdf *origin = r->ldns->origin;
	char		buf[ZONE_PNAME_MAX];
	ldns_rdf       *d;

	if (n >= sizeof(buf)) {
		zone_read_error(r, r->recline, "name '%.40s...' is too long",
		    tok);
		return NULL;
	}
	memcpy(buf, tok, n);
	buf[n] = '\0';
	if (strcmp(buf, "@") == 0 || !ldns_dname_str_absolute(buf)) {
		if (origin == NULL) {
			zone_read_error(r, r->recline,
			    "relative name '%s' and no $ORIGIN to complete it",
			    buf);
			return NULL;
		}
		if (strcmp(buf, "@") == 0)
			return ldns_rdf_clone(origin);
	}
	if ((d = ldns_dname_new_frm_str(buf)) == NULL) {
		zone_read_error(r, r->recline,
		    "'%s' is not a valid domain name", buf);
		return NULL;
	}
	if (!ldns_dname_str_absolute(buf) &&
	    ldns_dname_cat(d, origin) != LDNS_STATUS_OK) {
		zone_read_error(r, r->recline,
		    "name '%s' is too long with the origin appended", buf);
		ldns_rdf_deep_free(d);
		return NULL;
	}
	return d;
}

void
zone_ldns_origin(struct zone_reader *r, const char *tok, size_t n)
{
	ldns_rdf *d;

	if ((d = zone_ldns_name(r, tok, n)) == NULL)
		return;
	ldns_rdf_deep_free(r->ldns->origin);
	r->ldns->origin = d;
}

int
zone_ldns_abs(struct zone_reader *r, const char *tok, size_t n, uint8_t *wire,
    size_t *len, char **str)
{
	ldns_rdf *d;

	if ((d = zone_ldns_name(r, tok, n)) == NULL)
		return -1;
	ldns_dname2canonical(d);
	*len = ldns_rdf_size(d);
	memcpy(wire, ldns_rdf_data(d), *len);
	*str = ldns_rdf2str(d);
	ldns_rdf_deep_free(d);
	if (*str == NULL) {
		zone_read_error(r, r->recline, "out of memory");
		return -1;
	}
	return 0;
}

int
zone_ldns_owner(struct zone_reader *r, int blank, const char *tok, size_t n)
{
	struct zone_ldns *l = r->ldns;

	ldns_rdf_deep_free(l->owner);
	l->owner = NULL;
	if (blank) {
		if (l->prev == NULL) {
			zone_read_error(r, r->recline,
			    "no owner name and no "
			    "previous record to take it from");
			return -1;
		}
		l->owner = ldns_rdf_clone(l->prev);
	} else {
		if ((l->owner = zone_ldns_name(r, tok, n)) == NULL)
			return -1;
		ldns_rdf_deep_free(l->prev);
		l->prev = ldns_rdf_clone(l->owner);
	}
	return l->owner == NULL ? -1 : 0;
}

size_t
zone_ldns_owner_wire(const struct zone_reader *r, const uint8_t **wire)
{
	*wire = ldns_rdf_data(r->ldns->owner);
	return ldns_rdf_size(r->ldns->owner);
}

char *
zone_ldns_owner_str(struct zone_reader *r)
{
	ldns_dname2canonical(r->ldns->owner);
	return ldns_rdf2str(r->ldns->owner);
}

const char *
zone_ldns_type_name(uint16_t type, char *buf, size_t len)
{
	const ldns_rr_descriptor *d;

	d = ldns_rr_descript(type);
	if (d != NULL && d->_name != NULL)
		return d->_name;
	snprintf(buf, len, "TYPE%u", type);
	return buf;
}

/* --- standard records ----------------------------------------------- */

/* With no $ORIGIN, ldns completed relative rdata names with NO_ORIGIN. */
static int
zone_ldns_unresolved(const struct zone_reader *r, const ldns_rr *rr)
{
	const ldns_rdf *d, *no_origin = r->ldns->no_origin;
	size_t		i;

	if (r->ldns->origin != NULL)
		return 0;
	for (i = 0; i < ldns_rr_rd_count(rr); i++) {
		d = ldns_rr_rdf(rr, i);
		if (ldns_rdf_get_type(d) == LDNS_RDF_TYPE_DNAME &&
		    (ldns_dname_is_subdomain(d, no_origin) ||
			ldns_dname_compare(d, no_origin) == 0))
			return 1;
	}
	return 0;
}

/* Parse a standard record with ldns; NULL after reporting why not. */
static ldns_rr *
zone_ldns_rr(struct zone_reader *r, const struct zone_head *h)
{
	struct zone_ldns *l = r->ldns;
	char		 *owner, *text = NULL;
	ldns_rr		 *rr = NULL;
	ldns_status	  st;

	if ((owner = ldns_rdf2str(l->owner)) == NULL ||
	    asprintf(&text, "%s %u IN %s %s", owner, h->ttl, h->type,
		h->rdata) == -1) {
		free(owner);
		zone_read_error(r, r->recline, "out of memory");
		return NULL;
	}
	st = ldns_rr_new_frm_str(&rr, text, h->ttl,
	    l->origin ? l->origin : l->no_origin, NULL);
	free(owner);
	free(text);
	if (st != LDNS_STATUS_OK) {
		zone_read_error(r, r->recline, "bad %s record: %s", h->type,
		    ldns_get_errorstr_by_id(st));
		return NULL;
	}
	if (zone_ldns_unresolved(r, rr)) {
		zone_read_error(r, r->recline,
		    "relative name in the %s rdata "
		    "and no $ORIGIN to complete it",
		    h->type);
		ldns_rr_free(rr);
		return NULL;
	}
	return rr;
}

/* Copy the uncompressed wire rdata of rr into rec. */
static int
zone_ldns_rdata(struct zone_rec *rec, const ldns_rr *rr)
{
	ldns_buffer *buf;
	size_t	     n;

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

void
zone_ldns_record(struct zone_reader *r, const struct zone_head *h)
{
	struct zone_rec *rec;
	ldns_rr		*rr;
	ldns_rr_type	 type;

	if ((type = ldns_get_rr_type_by_name(h->type)) == 0) {
		zone_read_error(r, r->recline, "unknown record type '%s'",
		    h->type);
		return;
	}
	if ((rr = zone_ldns_rr(r, h)) == NULL)
		return;
	if ((rec = zone_read_rec(r, h, (uint16_t)type)) != NULL &&
	    zone_ldns_rdata(rec, rr) == -1) {
		zone_read_error(r, r->recline, "out of memory");
		zone_rec_clear(rec);
		r->nrecs--;
		rec = NULL;
	}
	ldns_rr_free(rr);
	if (rec != NULL)
		zone_check_rec(r, rec, h->type);
}
