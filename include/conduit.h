/* conduit.h -- the conduit rendezvous (conduit(7)): names, requests, state */
#ifndef JITSUD_CONDUIT_H
#define JITSUD_CONDUIT_H

#include <stddef.h>
#include <stdint.h>

/*
 * conduit.c is the pure part of jitsud's side of conduit(7): it turns
 * what the glue read from XenStore (a watch's path, a request's value,
 * whether a channel's ring is there) into the XenStore writes and
 * removals, summons and timers that answer it, handed to an emit
 * callback.  It calls nothing else: no XenStore, no clock, no globals.
 * The glue runs the operations one call emits as one transaction.
 */

#define CONDUIT_NAME_MAX    253 /* presentation, without the final dot */
#define CONDUIT_LABEL_MAX   63
#define CONDUIT_ID_MAX	    16	/* a request id */
#define CONDUIT_REQUEST_MAX 262 /* "connect " and a name with its dot */
#define CONDUIT_PENDING_MAX 8	/* per client: summoning or offered */
#define CONDUIT_LIVE_MAX    64	/* per client: pending or up */
#define CONDUIT_TOTAL_MAX   4096
#define CONDUIT_ACCEPT_MS   10000 /* offer to ring published */
#define CONDUIT_DOMID_MAX   32751 /* DOMID_FIRST_RESERVED - 1 */
#define CONDUIT_PATH_MAX    96	  /* the longest path conduit.c makes */
#define CONDUIT_VALUE_MAX   (CONDUIT_NAME_MAX + CONDUIT_PATH_MAX + 16)

#define CONDUIT_ROOT "/jitsu/conduit"

/*
 * conduit_name: check the n bytes at s as a conduit name (conduit(7):
 * letter-digit-hyphen labels of 1 to 63 characters, not starting or
 * ending with a hyphen, at most 253 characters without an optional
 * final dot) and write it in canonical form, lower case without the
 * final dot, to out[CONDUIT_NAME_MAX + 1].  Returns 0, or -1 (out then
 * holds nothing of use).  s need not be NUL-terminated.
 */
int conduit_name(const char *s, size_t n, char *out);

/*
 * conduit_parse_request: a request's value (len bytes, not necessarily
 * NUL-terminated, any bytes): "connect NAME", exactly.  0 with the
 * canonical name in out[CONDUIT_NAME_MAX + 1], or -1 (malformed).
 */
int conduit_parse_request(const char *value, size_t len, char *out);

/* conduit_id_valid: is s (n bytes) a request id: [a-z0-9_-]{1,16}? */
int conduit_id_valid(const char *s, size_t n);

enum conduit_path_kind {
	CONDUIT_PATH_OTHER,   /* not ours to act on */
	CONDUIT_PATH_REQDIR,  /* /local/domain/D/data/conduit */
	CONDUIT_PATH_REQUEST, /* /local/domain/D/data/conduit/ID */
	CONDUIT_PATH_BADID,   /* ... /conduit/X, X not an id: ignored */
	CONDUIT_PATH_CHAN,    /* /jitsu/conduit/chan/P[/...] */
};

struct conduit_path {
	unsigned domid;			 /* REQDIR, REQUEST, BADID */
	char	 id[CONDUIT_ID_MAX + 1]; /* REQUEST */
	uint32_t chan;			 /* CHAN */
};

/*
 * conduit_parse_path: what a watch event's path (len bytes, untrusted)
 * is to conduit(7).  D is a domU's id, 1 to CONDUIT_DOMID_MAX, decimal
 * without leading zeros; P 1 to 2^32-1, likewise.  Paths below a
 * request (…/conduit/ID/x) are OTHER: requests are one node.
 */
enum conduit_path_kind conduit_parse_path(const char *path, size_t len,
    struct conduit_path *out);

/* --- the rendezvous ------------------------------------------------- */

enum conduit_refusal {
	CONDUIT_MALFORMED,
	CONDUIT_UNKNOWN,
	CONDUIT_SELF,
	CONDUIT_LIMIT,
	CONDUIT_UNAVAILABLE,
	CONDUIT_TIMEOUT,
	CONDUIT_REFUSED,
};

/* conduit_refusal_name: the reason word of conduit(7): "malformed"... */
const char *conduit_refusal_name(enum conduit_refusal);

/* One entry of a XenStore permission list: 'n', 'r', 'w' or 'b'. */
struct conduit_perm {
	unsigned domid;
	char	 perm;
};

enum conduit_op_kind {
	CONDUIT_OP_WRITE,  /* path = value, then perms set on it */
	CONDUIT_OP_PERMS,  /* perms set on path, its value kept */
	CONDUIT_OP_RM,	   /* path and everything below it */
	CONDUIT_OP_REPLY,  /* to Dom0 client `id' (its connection) */
	CONDUIT_OP_SUMMON, /* start the binding that serves `value' */
	CONDUIT_OP_TIMER,  /* call conduit_timeout(chan) in ms */
	CONDUIT_OP_CANCEL, /* forget chan's timer */
};

struct conduit_op {
	enum conduit_op_kind	   kind;
	const char		  *path;  /* WRITE, PERMS, RM */
	const char		  *value; /* WRITE, REPLY; SUMMON: name */
	const char		  *id;	  /* REPLY */
	const struct conduit_perm *perms; /* WRITE, PERMS: the first is the
					   * owner */
	size_t			   nperms;
	uint32_t		   chan; /* TIMER, CANCEL */
	unsigned		   ms;	 /* TIMER */
};

enum conduit_target {
	CONDUIT_TARGET_UNKNOWN, /* no binding serves the name */
	CONDUIT_TARGET_READY,	/* its domain is up and ready: *domid */
	CONDUIT_TARGET_SUMMON,	/* it must be summoned first */
};

struct conduit_env {
	/* Which binding serves `name' (canonical) and in which state. */
	enum conduit_target (*resolve)(void *arg, const char *name,
	    unsigned *domid);
	/* Carry out one operation; the strings live for the call only. */
	void (*emit)(void *arg, const struct conduit_op *op);
	void *arg;
};

enum conduit_state {
	CONDUIT_SUMMONING, /* waiting for the server to be ready */
	CONDUIT_OFFERED,   /* accept written, waiting for its ring */
	CONDUIT_OPEN,	   /* the client has its "ok" */
};

/*
 * A request jitsud holds: pending or up.  Refused and closed ones are
 * not held: their reply is all that is left, removed with the request.
 */
struct conduit_req {
	unsigned	   client;
	char		   id[CONDUIT_ID_MAX + 1];
	char		   value[CONDUIT_REQUEST_MAX + 1]; /* as read */
	char		   name[CONDUIT_NAME_MAX + 1];
	enum conduit_state state;
	unsigned	   server; /* OFFERED, OPEN */
	uint32_t	   chan;   /* OFFERED, OPEN */
};

struct conduit {
	struct conduit_env  env;
	struct conduit_req *reqs;
	size_t		    nreqs, cap;
	uint32_t	    next_chan;
	uint8_t		    known[(CONDUIT_DOMID_MAX + 8) / 8]; /* mailboxes */
};

/* conduit_init: an empty rendezvous that acts through env. */
void conduit_init(struct conduit *, const struct conduit_env *env);
/* conduit_free: forget every request (no operation is emitted). */
void conduit_free(struct conduit *);

/*
 * conduit_start: jitsud's folder made anew: /jitsu/conduit removed,
 * then it, chan and dom written (n0).  Call once, before anything else.
 */
void conduit_start(struct conduit *);

/*
 * conduit_stale: a request found at start-up, before any watch: it is
 * answered "closed" and not held (its client asked a jitsud that is
 * gone).  Ids that are not valid are ignored.
 */
void conduit_stale(struct conduit *, unsigned client, const char *id);

/*
 * conduit_request: request `id' of `client' is now `value' (len bytes),
 * or gone (value NULL).  A new value is parsed and answered; the same
 * value again is nothing; a changed one ends the old request first.
 * Client 0 is a Dom0 program on the control socket: its answers are
 * REPLY operations ("ok S PATH", "error REASON", "closed") and its
 * request goes with its connection.  Returns 0 when held, 1 when
 * answered and not held (refused, or removed), -1 for an id that is
 * not one (ignored).
 */
int conduit_request(struct conduit *, unsigned client, const char *id,
    const char *value, size_t len);

/*
 * conduit_request_dir: the ids now in client's data/conduit (`ids',
 * n of them) and the replies now in its mailbox (`replies', m): every
 * held request whose node is gone is ended, every reply without a
 * request removed.  For a watch event on the folder itself.
 */
void conduit_request_dir(struct conduit *, unsigned client,
    const char *const *ids, size_t n, const char *const *replies, size_t m);

/*
 * conduit_server_up: the binding serving `name' is ready as domain
 * `domid': the requests summoning it are offered the channel (refused
 * "unavailable" if domid is not a domU's: only a domU serves, and so
 * for a resolver that says READY with such a domid).
 * conduit_server_failed: its summon failed; they are refused.
 */
void conduit_server_up(struct conduit *, const char *name, unsigned domid);
void conduit_server_failed(struct conduit *, const char *name);

/*
 * conduit_chan: what /jitsu/conduit/chan/P now holds: whether it
 * exists, and whether ring-ref and event-channel do.  Both there: the
 * client gets its "ok"; gone: the channel ends.
 */
void conduit_chan(struct conduit *, uint32_t chan, int exists, int ring_ref,
    int event_channel);

/* conduit_timeout: chan's timer fired (ignored unless still offered). */
void conduit_timeout(struct conduit *, uint32_t chan);

/*
 * conduit_domain_gone: domain `domid' is gone: every channel it is an
 * end of ends and its mailbox is removed.
 */
void conduit_domain_gone(struct conduit *, unsigned domid);

/* conduit_count: requests held for client (all: -1), and how many pend. */
size_t conduit_count(const struct conduit *, long client, size_t *pending);

#endif /* JITSUD_CONDUIT_H */
