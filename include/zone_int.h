/* zone_int.h -- internal to the zone loader (zone*.c), not the daemon's */
#ifndef ZONE_INT_H
#define ZONE_INT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "jitsud.h"

/*
 * The loader is four files around one struct zone_reader: zone_read.c
 * reads the master file a logical record at a time, zone_ldns.c turns
 * names and standard records into wire form (the only file that sees
 * ldns), zone_check.c applies the rules of a zone, and zone_build.c
 * makes the query-time struct zone.  zone.c drives them (zone_load)
 * and holds the lookups the query path uses.
 */

#define ZONE_TYPE_BINDING    0 /* internal: a UNIKERNEL record */
#define ZONE_TYPE_A	     1
#define ZONE_TYPE_NS	     2
#define ZONE_TYPE_CNAME	     5
#define ZONE_TYPE_SOA	     6
#define ZONE_TYPE_PTR	     12
#define ZONE_TYPE_MX	     15
#define ZONE_TYPE_AAAA	     28
#define ZONE_TYPE_DNAME	     39
#define ZONE_TYPE_OPT	     41
#define ZONE_TYPE_DS	     43
#define ZONE_TYPE_RRSIG	     46
#define ZONE_TYPE_NSEC	     47
#define ZONE_TYPE_DNSKEY     48
#define ZONE_TYPE_NSEC3	     50
#define ZONE_TYPE_NSEC3PARAM 51

#define ZONE_PNAME_MAX	 1100 /* a name in presentation form */
#define ZONE_INCLUDE_MAX 8    /* $INCLUDEs open at once */

/* A record as read, before the zone is built. */
struct zone_rec {
	uint8_t	   *owner; /* lower-cased wire, malloc'd: a reader holds
			 * tens of thousands, 255 bytes each inline */
	uint8_t	    ownerlen;
	uint16_t    type; /* ZONE_TYPE_BINDING for UNIKERNEL */
	uint32_t    ttl;
	uint16_t    rdlen;
	const char *file; /* the reader's: the zone's or an $INCLUDE's */
	int	    line;
	size_t	    seq;     /* its place in the file, $INCLUDEs and all */
	int	    dup;     /* same rdata as an earlier record */
	uint8_t	   *rdata;   /* malloc'd */
	size_t	    binding; /* index, for ZONE_TYPE_BINDING */
};

/* One name of a binding's conduit= list, absolute, for zone_check. */
struct zone_conduit {
	uint8_t	    name[ZONE_NAME_MAX]; /* lower-cased wire */
	size_t	    len;
	size_t	    binding; /* index into the reader's bindings */
	const char *file;    /* the reader's */
	int	    line;
};

/* The master file's names, held by zone_ldns.c in ldns's own form. */
struct zone_ldns;

struct zone_reader {
	const char	 *path; /* the file being read */
	struct errors	 *errs;
	size_t		  first;   /* errs->count at the start */
	int		  line;	   /* physical line read last */
	int		  recline; /* where the record starts */
	/* the logical record being assembled */
	char		 *text;
	size_t		  len, cap;
	int		  depth, quote, esc, bad;
	/* master file state: $ORIGIN and owners sit in ldns */
	struct zone_ldns *ldns;
	uint32_t	  ttl;
	int		  has_ttl;
	int		  includes; /* $INCLUDEs open */
	struct {
		dev_t dev;
		ino_t ino;
	} open[ZONE_INCLUDE_MAX + 1]; /* the files being read */
	char		   **paths;   /* of the $INCLUDEd files */
	size_t		     npaths, cappaths;
	/* results */
	struct zone_rec	    *recs;
	size_t		     nrecs, caprecs;
	struct binding	    *bindings;
	size_t		     nbindings, capbindings;
	struct zone_conduit *conduits;
	size_t		     nconduits, capconduits;
	uint8_t		     apex[ZONE_NAME_MAX];
	size_t		     apexlen;
	int		     soa_line;
	int		     signed_line; /* the first RRSIG, NSEC... */
	uint32_t	     neg_ttl;
};

/* What follows the owner: the TTL, the type and where the rdata starts. */
struct zone_head {
	uint32_t    ttl;
	char	    type[32];
	const char *rdata;
};

/* zone.c */

/* zone_grow: grow array p of `*cap' elements until `want' fit. */
void *zone_grow(void *p, size_t *cap, size_t want, size_t size);
/* zone_name_cmp: memcmp order of two wire names, shorter first. */
int zone_name_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);
/* zone_rec_cmp: qsort order of records: owner, type, then line. */
int zone_rec_cmp(const void *a, const void *b);

/* zone_read.c */

/* zone_read_error: an error at `line' of the file being read. */
void zone_read_error(struct zone_reader *, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* zone_rec_error: an error at rec's file and line. */
void   zone_rec_error(struct zone_reader *, const struct zone_rec *rec,
      const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* zone_read_nerrs: the errors this file has had so far. */
size_t zone_read_nerrs(const struct zone_reader *);
/*
 * zone_read: read the whole master file into r's records and bindings;
 * each record is checked on its own as it is read (zone_check_rec).
 */
void   zone_read(struct zone_reader *, FILE *);
/*
 * zone_read_rec: a new record for the current owner (zone_ldns_owner)
 * with h's TTL, or NULL after reporting that memory ran out.
 */
struct zone_rec *zone_read_rec(struct zone_reader *, const struct zone_head *h,
    uint16_t type);
/* zone_rec_clear: free a record's owner and rdata. */
void		 zone_rec_clear(struct zone_rec *);
/* zone_read_free: free what r holds; a zone built from r has copies. */
void		 zone_read_free(struct zone_reader *);

/* zone_ldns.c */

/* zone_ldns_new: empty name state, or NULL when out of memory. */
struct zone_ldns *zone_ldns_new(void);
void		  zone_ldns_free(struct zone_ldns *);
/*
 * zone_ldns_save, zone_ldns_restore: the origin and previous owner
 * around an $INCLUDE, which must not change them (RFC 1035 5.1).
 * Restoring frees the saved state; -1 from save when out of memory.
 */
int  zone_ldns_save(struct zone_reader *, struct zone_ldns **saved);
void zone_ldns_restore(struct zone_reader *, struct zone_ldns *saved);
/* zone_ldns_origin: $ORIGIN tok, reported if it is not a name. */
void zone_ldns_origin(struct zone_reader *, const char *tok, size_t n);
/*
 * zone_ldns_owner: make tok the current owner (and the one a blank
 * owner repeats), or with `blank' repeat the previous owner.  -1 after
 * reporting why there is none.
 */
int zone_ldns_owner(struct zone_reader *, int blank, const char *tok, size_t n);
/*
 * zone_ldns_abs: the name tok (n bytes) made absolute as an owner is
 * ('@' the origin, a relative name completed by it), lower-cased: its
 * wire form into wire[ZONE_NAME_MAX] and *len, its presentation form,
 * with the final dot, into *str (malloc'd).  -1 after reporting why not.
 */
int zone_ldns_abs(struct zone_reader *, const char *tok, size_t n,
    uint8_t *wire, size_t *len, char **str);
/* zone_ldns_owner_wire: the current owner's wire form and its length. */
size_t zone_ldns_owner_wire(const struct zone_reader *, const uint8_t **wire);
/*
 * zone_ldns_owner_str: the current owner lower-cased, in presentation
 * form (malloc'd), or NULL when out of memory.
 */
char  *zone_ldns_owner_str(struct zone_reader *);
/*
 * zone_ldns_record: parse the standard record h of the current owner
 * with ldns and add it to r, or report why it is bad.
 */
void   zone_ldns_record(struct zone_reader *, const struct zone_head *h);
/* zone_ldns_type_name: "MX", or "TYPE65000" written to buf. */
const char *zone_ldns_type_name(uint16_t type, char *buf, size_t len);

/* zone_check.c */

/*
 * zone_check_rec: the rules that apply to one record alone, as it is
 * read; the first record, the SOA, sets the apex.  `type' names it.
 */
void zone_check_rec(struct zone_reader *, const struct zone_rec *,
    const char *type);
/*
 * zone_check: the rules among the records of each owner (sorts
 * r->recs); identical records are marked dup.
 */
void zone_check(struct zone_reader *);

/* zone_build.c */

/*
 * zone_build: the query-time zone from r's checked records (adds the
 * A/AAAA records of bindings to r), or NULL when out of memory.
 */
struct zone *zone_build(struct zone_reader *);

#endif /* ZONE_INT_H */
