/* rrl.h -- response rate limiting for UDP answers (rrl.c) */
#ifndef RRL_H
#define RRL_H

#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

#include "siphash.h"

/* jitsud.conf(5)'s defaults: NSD's. */
#define RRL_RATE_DEFAULT	200
#define RRL_SLIP_DEFAULT	2
#define RRL_IPV4_PREFIX_DEFAULT 24
#define RRL_IPV6_PREFIX_DEFAULT 56
#define RRL_RATE_MAX		1000000
#define RRL_SLIP_MAX		100
/* The daemon's table: 32 bytes a bucket, 1 MiB, touched as used. */
#define RRL_BUCKETS		32768

/* jitsud.conf(5) rate-limit. */
struct rrl_conf {
	uint32_t rate;	      /* responses a second a bucket; 0: off */
	uint32_t slip;	      /* every slip-th limited one truncated; 0: none */
	uint32_t ipv4_prefix; /* the bits of a client address that count */
	uint32_t ipv6_prefix;
};

/* What a response says, for the bucket it counts against. */
enum rrl_class {
	RRL_ANSWER,   /* records for the name (or TC): by name and type */
	RRL_NODATA,   /* the name has no such records: by zone */
	RRL_NXDOMAIN, /* no such name: by zone */
	RRL_REFERRAL, /* a delegation: by zone */
	RRL_ERROR,    /* FORMERR, REFUSED, SERVFAIL...: by network only */
};

enum rrl_action {
	RRL_SEND, /* within the rate */
	RRL_DROP, /* over it: send nothing */
	RRL_SLIP  /* over it: send rrl_slip's truncated reply */
};

struct rrl;

/*
 * rrl_new: a limiter of `nbuckets' buckets (rounded down to a power of
 * two, at least 4), allocated here once: rrl_check never allocates, so
 * no number of sources grows it.  `key' keys the buckets' hash
 * (SipHash), so that a client who does not know it cannot aim its
 * queries at another's bucket.  Off until rrl_configure.  NULL when out
 * of memory.
 */
struct rrl *rrl_new(size_t nbuckets, const uint8_t key[SIPHASH_KEY_LEN]);
void	    rrl_free(struct rrl *);

/*
 * rrl_configure: the rate, slip and prefixes from now on (a reload);
 * the buckets keep their credit.
 */
void rrl_configure(struct rrl *, const struct rrl_conf *);

/* rrl_conf_str: "200/s, slip 2, /24 and /56" or "off", into buf. */
const char *rrl_conf_str(const struct rrl_conf *, char *buf, size_t len);

/* rrl_classify: the class of a reply's header (len bytes). */
enum rrl_class rrl_classify(const uint8_t *reply, size_t len);

/* The names a reply counts under, besides its question (rrl_check). */
struct rrl_names {
	const uint8_t *zone; /* the enclosing zone's apex, wire; NULL: none */
	size_t	       zlen;
	const uint8_t *wild; /* an answer made from this wildcard; or NULL */
	size_t	       wlen;
};

/*
 * rrl_check: may the UDP reply `reply' (len bytes; its header and
 * question are the first qend) go to `to' at now_ms?  It counts against
 * one bucket: its class (rrl_classify), the client's network (the first
 * ipv4_prefix or ipv6_prefix bits of its address) and, for an answer,
 * the question's name (case folded) and type, or the wildcard's owner
 * and the type when the answer was made from one (so names made up
 * under a wildcard share one bucket, as NSD's do); for NODATA, NXDOMAIN
 * and a referral, the zone's apex (none if n->zone is NULL); for an
 * error, nothing more.  A bucket holds at most one second's worth of
 * credit, `rate' responses, and earns it back continuously.  RRL_SEND
 * while it has credit; past that every slip-th limited response is
 * RRL_SLIP and the others RRL_DROP.  Always RRL_SEND when off.  Pure:
 * no clock, no allocation.
 */
enum rrl_action rrl_check(struct rrl *, const struct sockaddr *to,
    const uint8_t *reply, size_t len, size_t qend, const struct rrl_names *n,
    uint64_t now_ms);

/*
 * rrl_slip: the truncated reply sent instead of a limited one: its
 * header with TC set and no records, and its question (the first qend
 * of len bytes), written to out (which may be reply; at least qend
 * bytes).  A real client behind the address retries over TCP, which is
 * never limited; a spoofed victim gets a reply no larger than the
 * query.  Returns its length, 0 if reply has no header.
 */
size_t rrl_slip(uint8_t *out, const uint8_t *reply, size_t len, size_t qend);

#endif /* RRL_H */
