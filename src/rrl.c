/* rrl.c -- response rate limiting: a bounded table of keyed token buckets */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rrl.h"

#define RRL_WAYS     4	  /* buckets a key may live in */
#define RRL_MILLI    1000 /* credit units a response costs */
#define RRL_NAME_MAX 255
#define DNS_HDR	     12
#define F_TC	     0x02 /* in the third header byte */
#define F_AA	     0x04

/*
 * A bucket: the credit of one (class, network, name) key.  Credit is
 * kept in thousandths of a response so that it is earned back every
 * millisecond, not in a lump each second that a flood would spend at
 * once.
 */
struct rrl_bucket {
	uint64_t hash;	  /* the key's; 0: free */
	uint64_t last_ms; /* credit counted up to here */
	uint32_t credit;  /* thousandths of a response */
	uint32_t limited; /* responses refused, for slip */
	uint64_t used;	  /* rrl->tick at the last use */
};

/*
 * The table is set-associative: a key's hash picks a set of RRL_WAYS
 * buckets, and a new key takes the set's least recently used one.  A
 * flood keeps its bucket warm, so other sources, even very many of
 * them, evict idle buckets before it: a spoofer cannot reset a
 * victim's limit by churning the table.
 */
struct rrl {
	struct rrl_conf	  conf;
	uint8_t		  key[SIPHASH_KEY_LEN];
	uint64_t	  tick;
	size_t		  nsets; /* a power of two */
	struct rrl_bucket b[];
};

struct rrl *
rrl_new(size_t nbuckets, const uint8_t key[SIPHASH_KEY_LEN])
{
	struct rrl *r;
	size_t	    nsets = 1;

	while (nsets * 2 * RRL_WAYS <= nbuckets)
		nsets *= 2;
	/* calloc: pages of a large table cost nothing until touched. */
	r = calloc(1, sizeof(*r) + nsets * RRL_WAYS * sizeof(r->b[0]));
	if (r == NULL)
		return NULL;
	memcpy(r->key, key, sizeof(r->key));
	r->nsets = nsets;
	return r;
}

void
rrl_free(struct rrl *r)
{
	free(r);
}

void
rrl_configure(struct rrl *r, const struct rrl_conf *c)
{
	r->conf = *c;
	if (r->conf.rate > RRL_RATE_MAX)
		r->conf.rate = RRL_RATE_MAX;
	if (r->conf.ipv4_prefix > 32)
		r->conf.ipv4_prefix = 32;
	if (r->conf.ipv6_prefix > 128)
		r->conf.ipv6_prefix = 128;
}

const char *
rrl_conf_str(const struct rrl_conf *c, char *buf, size_t len)
{
	if (c->rate == 0)
		snprintf(buf, len, "off");
	else
		snprintf(buf, len, "%u/s, slip %u, /%u and /%u", c->rate,
		    c->slip, c->ipv4_prefix, c->ipv6_prefix);
	return buf;
}

static unsigned int
rrl_get16(const uint8_t *p)
{
	return (unsigned int)p[0] << 8 | p[1];
}

enum rrl_class
rrl_classify(const uint8_t *reply, size_t len)
{
	unsigned int rcode;

	if (len < DNS_HDR)
		return RRL_ERROR;
	rcode = reply[3] & 0x0f;
	if (rcode == 3)
		return RRL_NXDOMAIN;
	if (rcode != 0)
		return RRL_ERROR;
	/* Cut to fit with TC: an answer too big, the amplifier's favourite. */
	if ((reply[2] & F_TC) || rrl_get16(reply + 6) > 0)
		return RRL_ANSWER;
	if (reply[2] & F_AA)
		return RRL_NODATA;
	if (rrl_get16(reply + 8) > 0)
		return RRL_REFERRAL;
	return RRL_ERROR; /* NOERROR and empty, unauthoritative: BADVERS */
}

/* Keep the first `bits' of the `len' bytes at a. */
static void
rrl_mask(uint8_t *a, size_t len, unsigned int bits)
{
	size_t i;

	for (i = bits / 8; i < len; i++) {
		a[i] &= (uint8_t)(0xff00u >> (bits % 8));
		bits = 0;
	}
}

/* The client's network into k: a family byte, then its prefix. */
static size_t
rrl_network(const struct rrl *r, const struct sockaddr *to, uint8_t *k)
{
	if (to->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)to;

		k[0] = 4;
		memcpy(k + 1, &sin->sin_addr, 4);
		rrl_mask(k + 1, 4, r->conf.ipv4_prefix);
		return 5;
	}
	if (to->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const void *)to;

		k[0] = 6;
		memcpy(k + 1, &sin6->sin6_addr, 16);
		rrl_mask(k + 1, 16, r->conf.ipv6_prefix);
		return 17;
	}
	k[0] = 0;
	return 1;
}

/*
 * A name into k, ASCII letters folded: a client must not get a fresh
 * bucket by asking wWw.  Wire-form length bytes are below 64, so no
 * letter.
 */
static size_t
rrl_name(const uint8_t *name, size_t len, uint8_t *k)
{
	size_t i;

	if (len > RRL_NAME_MAX)
		len = RRL_NAME_MAX;
	for (i = 0; i < len; i++) {
		k[i] = name[i];
		if (k[i] >= 'A' && k[i] <= 'Z')
			k[i] += 'a' - 'A';
	}
	return len;
}

/* The response's key, hashed; never 0, which marks a free bucket. */
static uint64_t
rrl_hash(const struct rrl *r, const struct sockaddr *to, const uint8_t *reply,
    size_t len, size_t qend, const struct rrl_names *names)
{
	uint8_t	       k[1 + 17 + 2 + RRL_NAME_MAX];
	enum rrl_class cls = rrl_classify(reply, len);
	size_t	       n = 0;
	uint64_t       h;

	k[n++] = (uint8_t)cls;
	n += rrl_network(r, to, k + n);
	if (cls == RRL_ANSWER && qend <= len && qend >= DNS_HDR + 5) {
		/* The question's name (or the wildcard's), then its type. */
		if (names->wild != NULL)
			n += rrl_name(names->wild, names->wlen, k + n);
		else
			n += rrl_name(reply + DNS_HDR, qend - 4 - DNS_HDR,
			    k + n);
		memcpy(k + n, reply + qend - 4, 2);
		n += 2;
	} else if (cls != RRL_ANSWER && cls != RRL_ERROR && names->zone != NULL)
		n += rrl_name(names->zone, names->zlen, k + n);
	h = siphash(r->key, k, n);
	return h != 0 ? h : 1;
}

/* The key's bucket, or the least recently used of its set made its. */
static struct rrl_bucket *
rrl_bucket(struct rrl *r, uint64_t h, uint64_t now_ms)
{
	struct rrl_bucket *set = &r->b[(h & (r->nsets - 1)) * RRL_WAYS];
	struct rrl_bucket *b = &set[0];
	int		   i;

	for (i = 0; i < RRL_WAYS; i++) {
		if (set[i].hash == h)
			return &set[i];
		if (set[i].used < b->used)
			b = &set[i];
	}
	b->hash = h;
	b->last_ms = now_ms;
	b->credit = r->conf.rate * RRL_MILLI;
	b->limited = 0;
	return b;
}

/* Credit earned since the bucket was last counted, up to a second's. */
static void
rrl_earn(const struct rrl *r, struct rrl_bucket *b, uint64_t now_ms)
{
	uint64_t full = (uint64_t)r->conf.rate * RRL_MILLI;
	uint64_t dt = now_ms > b->last_ms ? now_ms - b->last_ms : 0;
	uint64_t credit = b->credit;

	/* Past a second the bucket is full anyway: no overflow. */
	credit += (dt < 1000 ? dt : 1000) * r->conf.rate;
	b->credit = (uint32_t)(credit < full ? credit : full);
	if (dt > 0)
		b->last_ms = now_ms;
}

enum rrl_action
rrl_check(struct rrl *r, const struct sockaddr *to, const uint8_t *reply,
    size_t len, size_t qend, const struct rrl_names *names, uint64_t now_ms)
{
	struct rrl_bucket *b;

	if (r->conf.rate == 0)
		return RRL_SEND;
	b = rrl_bucket(r, rrl_hash(r, to, reply, len, qend, names), now_ms);
	b->used = ++r->tick;
	rrl_earn(r, b, now_ms);
	if (b->credit >= RRL_MILLI) {
		b->credit -= RRL_MILLI;
		return RRL_SEND;
	}
	b->limited++;
	if (r->conf.slip != 0 && b->limited % r->conf.slip == 0)
		return RRL_SLIP;
	return RRL_DROP;
}

size_t
rrl_slip(uint8_t *out, const uint8_t *reply, size_t len, size_t qend)
{
	if (len < DNS_HDR)
		return 0;
	if (qend > len || qend < DNS_HDR)
		qend = DNS_HDR;
	memmove(out, reply, qend);
	out[2] |= F_TC;
	if (qend == DNS_HDR) /* no question to give back */
		memset(out + 4, 0, 2);
	memset(out + 6, 0, 6);
	return qend;
}
