/* conduit.h -- conduit(7)'s names and XenStore values, parsed (pure) */
#ifndef CONDUIT_H
#define CONDUIT_H

#include <stddef.h>
#include <stdint.h>

/*
 * Everything here takes a string read from XenStore (untrusted: jitsud
 * writes these values, but a bug or a hostile Dom0 program must cost us
 * one ignored offer or one failed request, never the domain) and either
 * accepts all of it or nothing: exactly one space between fields, no
 * leading zeros, nothing after the last field.
 */

#define CONDUIT_NAME_MAX  253 /* without the final dot */
#define CONDUIT_PATH_MAX  96  /* the vchan path's limit (vchan_xen.c) */
/* Our own domid ends at 0x7fef: DOMID_FIRST_RESERVED is 0x7ff0. */
#define CONDUIT_DOMID_MAX 0x7fef

/*
 * Checks name as conduit(7) says (labels of letters, digits and hyphens,
 * not starting or ending with one, 1..63 each, 253 in all without an
 * optional final dot) and writes its canonical form (lower case, no
 * final dot) into out, which holds CONDUIT_NAME_MAX + 1.  0 or
 * -UK_EINVAL.
 */
int conduit_name(const char *name, char out[CONDUIT_NAME_MAX + 1]);

/* The len bytes at s as a domain id (decimal, no leading zero, at most
 * CONDUIT_DOMID_MAX) into *dom; -UK_EINVAL if they are not one. */
int conduit_domid(const char *s, size_t len, unsigned int *dom);

/* An accept/ entry's name as a channel number (1..4294967295, decimal,
 * no leading zero); -UK_EINVAL if it is not one. */
int conduit_chan(const char *s, uint32_t *chan);

/* An offer, /jitsu/conduit/dom/S/accept/P: "C name path". */
struct conduit_offer {
	unsigned int client;
	char name[CONDUIT_NAME_MAX + 1]; /* canonical */
	char path[CONDUIT_PATH_MAX];
};
/* Parses an offer; the path must be an absolute XenStore path (letters,
 * digits, "-_@." and single '/' between components).  0 or -UK_EINVAL. */
int conduit_offer_parse(const char *value, struct conduit_offer *o);

/* A reply, /jitsu/conduit/dom/C/reply/ID. */
enum conduit_reply_kind { CONDUIT_OK, CONDUIT_ERROR, CONDUIT_CLOSED };
struct conduit_reply {
	enum conduit_reply_kind kind;
	unsigned int server;	     /* CONDUIT_OK */
	char path[CONDUIT_PATH_MAX]; /* CONDUIT_OK */
	int error;		     /* CONDUIT_ERROR: uk.h's -UK_E* */
};
/*
 * Parses "ok S path", "error REASON" or "closed".  A reason conduit(7)
 * does not list is still an error reply, with -UK_EPROTO.  0 or
 * -UK_EINVAL when the value is none of the three.
 */
int conduit_reply_parse(const char *value, struct conduit_reply *r);

/* conduit(7)'s refusal word as uk.h's negative error (the table at
 * uk_conduit_connect); -UK_EPROTO for a word it does not list. */
int conduit_reason(const char *word);

/* Whether s is a request id: 1 to 16 of [a-z0-9_-]. */
int conduit_id_ok(const char *s);

#endif /* CONDUIT_H */
