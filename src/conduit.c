/* conduit.c -- the conduit rendezvous (conduit(7)): pure parts, no XenStore */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conduit.h"

/*
 * Everything here turns a fact the glue read into operations for it to
 * carry out (conduit.h).  The layout it writes, from conduit(7):
 *
 *	/jitsu/conduit				n0
 *	/jitsu/conduit/dom/D{,/reply,/accept}	n0 rD	D's mailbox
 *	/jitsu/conduit/dom/C/reply/ID		n0 rC	"ok S PATH" ...
 *	/jitsu/conduit/dom/S/accept/P		n0 rS	"C NAME PATH"
 *	/jitsu/conduit/chan/P			n0 bS rC
 *
 * Only held requests cost memory: a refusal is written and forgotten,
 * and its reply removed when the request goes, whether held or not.
 */

#define REQUEST_VERB "connect "

/* --- names, ids, values, paths --------------------------------------- */

static int
conduit_ldh(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

static char
conduit_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

int
conduit_name(const char *s, size_t n, char *out)
{
	size_t i, label = 0;
	char   c;

	if (n > 0 && s[n - 1] == '.')
		n--;
	if (n == 0 || n > CONDUIT_NAME_MAX)
		return -1;
	for (i = 0; i < n; i++) {
		c = conduit_lower(s[i]);
		if (c == '.') {
			if (label == 0 || out[i - 1] == '-')
				return -1;
			label = 0;
		} else if (!conduit_ldh(c) || (label == 0 && c == '-') ||
		    ++label > CONDUIT_LABEL_MAX)
			return -1;
		out[i] = c;
	}
	if (label == 0 || out[n - 1] == '-')
		return -1;
	out[n] = '\0';
	return 0;
}

int
conduit_parse_request(const char *value, size_t len, char *out)
{
	size_t verb = sizeof(REQUEST_VERB) - 1;

	if (len > CONDUIT_REQUEST_MAX || len <= verb ||
	    memcmp(value, REQUEST_VERB, verb) != 0)
		return -1;
	return conduit_name(value + verb, len - verb, out);
}

int
conduit_id_valid(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > CONDUIT_ID_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!conduit_ldh(s[i]) && s[i] != '_')
			return 0;
	return 1;
}

/*
 * A decimal number at *p (without leading zeros) up to max, ending at
 * '/' or the end; *p moves past it.  -1 if there is none.
 */
static int
conduit_number(const char **p, const char *end, uint32_t max, uint32_t *out)
{
	const char *s = *p;
	uint64_t    n = 0;

	if (s == end || *s < '1' || *s > '9')
		return -1;
	for (; s < end && *s >= '0' && *s <= '9'; s++)
		if ((n = n * 10 + (uint64_t)(*s - '0')) > max)
			return -1;
	if (s < end && *s != '/')
		return -1;
	*p = s;
	*out = (uint32_t)n;
	return 0;
}

/* Does [*p, end) start with `prefix'?  If so *p moves past it. */
static int
conduit_skip(const char **p, const char *end, const char *prefix)
{
	size_t n = strlen(prefix);

	if ((size_t)(end - *p) < n || memcmp(*p, prefix, n) != 0)
		return 0;
	*p += n;
	return 1;
}

/* After /local/domain/D: "/data/conduit" and maybe "/ID". */
static enum conduit_path_kind
conduit_parse_reqpath(const char *p, const char *end, struct conduit_path *out)
{
	const char *slash;

	if (!conduit_skip(&p, end, "/data/conduit"))
		return CONDUIT_PATH_OTHER;
	if (p == end)
		return CONDUIT_PATH_REQDIR;
	if (*p++ != '/')
		return CONDUIT_PATH_OTHER;
	if ((slash = memchr(p, '/', (size_t)(end - p))) != NULL)
		return CONDUIT_PATH_OTHER;
	if (!conduit_id_valid(p, (size_t)(end - p)))
		return CONDUIT_PATH_BADID;
	memcpy(out->id, p, (size_t)(end - p));
	out->id[end - p] = '\0';
	return CONDUIT_PATH_REQUEST;
}

enum conduit_path_kind
conduit_parse_path(const char *path, size_t len, struct conduit_path *out)
{
	const char *p = path, *end = path + len;
	uint32_t    n;

	memset(out, 0, sizeof(*out));
	if (conduit_skip(&p, end, CONDUIT_ROOT "/chan/")) {
		if (conduit_number(&p, end, UINT32_MAX, &n) == -1)
			return CONDUIT_PATH_OTHER;
		out->chan = n;
		return CONDUIT_PATH_CHAN;
	}
	if (!conduit_skip(&p, end, "/local/domain/") ||
	    conduit_number(&p, end, CONDUIT_DOMID_MAX, &n) == -1)
		return CONDUIT_PATH_OTHER;
	out->domid = n;
	return conduit_parse_reqpath(p, end, out);
}

const char *
conduit_refusal_name(enum conduit_refusal r)
{
	static const char *const names[] = {
		[CONDUIT_MALFORMED] = "malformed",
		[CONDUIT_UNKNOWN] = "unknown",
		[CONDUIT_SELF] = "self",
		[CONDUIT_LIMIT] = "limit",
		[CONDUIT_UNAVAILABLE] = "unavailable",
		[CONDUIT_TIMEOUT] = "timeout",
		[CONDUIT_REFUSED] = "refused",
	};

	return (size_t)r < sizeof(names) / sizeof(names[0]) ? names[r] : "?";
}

/* --- operations ------------------------------------------------------ */

static void
conduit_emit(struct conduit *c, const struct conduit_op *op)
{
	c->env.emit(c->env.arg, op);
}

/* Write path = value, owned by Dom0, readable by `reader' (0: nobody). */
static void
conduit_write(struct conduit *c, const char *path, const char *value,
    unsigned reader)
{
	struct conduit_perm perms[2] = { { 0, 'n' }, { reader, 'r' } };
	struct conduit_op   op = { .kind = CONDUIT_OP_WRITE };

	op.path = path;
	op.value = value;
	op.perms = perms;
	op.nperms = reader != 0 ? 2 : 1;
	conduit_emit(c, &op);
}

static void
conduit_rm(struct conduit *c, const char *path)
{
	struct conduit_op op = { .kind = CONDUIT_OP_RM };

	op.path = path;
	conduit_emit(c, &op);
}

static void
conduit_timer(struct conduit *c, enum conduit_op_kind kind, uint32_t chan)
{
	struct conduit_op op = { .kind = kind };

	op.chan = chan;
	op.ms = kind == CONDUIT_OP_TIMER ? CONDUIT_ACCEPT_MS : 0;
	conduit_emit(c, &op);
}

static void
conduit_summon(struct conduit *c, const char *name)
{
	struct conduit_op op = { .kind = CONDUIT_OP_SUMMON };

	op.value = name;
	conduit_emit(c, &op);
}

static void
conduit_chan_path(char *buf, uint32_t chan)
{
	snprintf(buf, CONDUIT_PATH_MAX, CONDUIT_ROOT "/chan/%u", chan);
}

static void
conduit_accept_path(char *buf, unsigned server, uint32_t chan)
{
	snprintf(buf, CONDUIT_PATH_MAX, CONDUIT_ROOT "/dom/%u/accept/%u",
	    server, chan);
}

/* Only a domU serves: Dom0 and the reserved ids cannot. */
static int
conduit_domu(unsigned domid)
{
	return domid >= 1 && domid <= CONDUIT_DOMID_MAX;
}

static int
conduit_known(const struct conduit *c, unsigned domid)
{
	return domid <= CONDUIT_DOMID_MAX &&
	    (c->known[domid / 8] & (1U << (domid % 8))) != 0;
}

/* Domain D's mailbox, made the first time something is put in it. */
static void
conduit_mailbox(struct conduit *c, unsigned domid)
{
	static const char *const subs[] = { "", "/reply", "/accept" };
	char			 path[CONDUIT_PATH_MAX];
	size_t			 i;

	if (!conduit_domu(domid) || conduit_known(c, domid))
		return;
	for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		snprintf(path, sizeof(path), CONDUIT_ROOT "/dom/%u%s", domid,
		    subs[i]);
		conduit_write(c, path, "", domid);
	}
	c->known[domid / 8] |= (uint8_t)(1U << (domid % 8));
}

/* The client's answer: its reply node, or its control connection. */
static void
conduit_answer(struct conduit *c, unsigned client, const char *id,
    const char *value)
{
	struct conduit_op op = { .kind = CONDUIT_OP_REPLY };
	char		  path[CONDUIT_PATH_MAX];

	if (client == 0) {
		op.id = id;
		op.value = value;
		conduit_emit(c, &op);
		return;
	}
	conduit_mailbox(c, client);
	snprintf(path, sizeof(path), CONDUIT_ROOT "/dom/%u/reply/%s", client,
	    id);
	conduit_write(c, path, value, client);
}

static void
conduit_refuse(struct conduit *c, unsigned client, const char *id,
    enum conduit_refusal why)
{
	char value[32];

	snprintf(value, sizeof(value), "error %s", conduit_refusal_name(why));
	conduit_answer(c, client, id, value);
}

static void
conduit_rm_reply(struct conduit *c, unsigned client, const char *id)
{
	char path[CONDUIT_PATH_MAX];

	if (client == 0)
		return; /* its connection is gone with it */
	snprintf(path, sizeof(path), CONDUIT_ROOT "/dom/%u/reply/%s", client,
	    id);
	conduit_rm(c, path);
}

/* --- the requests held ----------------------------------------------- */

static struct conduit_req *
conduit_find(struct conduit *c, unsigned client, const char *id)
{
	size_t i;

	for (i = 0; i < c->nreqs; i++)
		if (c->reqs[i].client == client &&
		    strcmp(c->reqs[i].id, id) == 0)
			return &c->reqs[i];
	return NULL;
}

static struct conduit_req *
conduit_find_chan(struct conduit *c, uint32_t chan)
{
	size_t i;

	for (i = 0; i < c->nreqs; i++)
		if (c->reqs[i].state != CONDUIT_SUMMONING &&
		    c->reqs[i].chan == chan)
			return &c->reqs[i];
	return NULL;
}

/* Forget r (the last one takes its place: order does not matter). */
static void
conduit_drop(struct conduit *c, struct conduit_req *r)
{
	*r = c->reqs[--c->nreqs];
}

/* A new held request, or NULL (the limits, or out of memory). */
static struct conduit_req *
conduit_hold(struct conduit *c, unsigned client)
{
	struct conduit_req *t;
	size_t		    pending, cap;

	if (c->nreqs >= CONDUIT_TOTAL_MAX ||
	    conduit_count(c, client, &pending) >= CONDUIT_LIVE_MAX ||
	    pending >= CONDUIT_PENDING_MAX)
		return NULL;
	if (c->nreqs == c->cap) {
		cap = c->cap ? c->cap * 2 : 16;
		if ((t = reallocarray(c->reqs, cap, sizeof(*t))) == NULL)
			return NULL;
		c->reqs = t;
		c->cap = cap;
	}
	t = &c->reqs[c->nreqs++];
	memset(t, 0, sizeof(*t));
	t->client = client;
	return t;
}

size_t
conduit_count(const struct conduit *c, long client, size_t *pending)
{
	size_t i, n = 0;

	*pending = 0;
	for (i = 0; i < c->nreqs; i++) {
		if (client >= 0 && c->reqs[i].client != (unsigned long)client)
			continue;
		n++;
		*pending += c->reqs[i].state != CONDUIT_OPEN;
	}
	return n;
}

/* The next channel number no held request has; never 0. */
static uint32_t
conduit_next_chan(struct conduit *c)
{
	do {
		if (++c->next_chan == 0)
			c->next_chan = 1;
	} while (conduit_find_chan(c, c->next_chan) != NULL);
	return c->next_chan;
}

/*
 * Offer r's channel to `server'.  The path is made with its permissions
 * before the offer names it, in the same transaction: the server never
 * sees an offer whose path is missing.
 */
static void
conduit_offer(struct conduit *c, struct conduit_req *r, unsigned server)
{
	struct conduit_perm perms[3] = { { 0, 'n' }, { server, 'b' },
		{ r->client, 'r' } };
	struct conduit_op   op = { .kind = CONDUIT_OP_WRITE };
	char		    path[CONDUIT_PATH_MAX], accept[CONDUIT_PATH_MAX];
	char		    value[CONDUIT_VALUE_MAX];

	r->state = CONDUIT_OFFERED;
	r->server = server;
	r->chan = conduit_next_chan(c);
	conduit_chan_path(path, r->chan);
	op.path = path;
	op.value = "";
	op.perms = perms;
	op.nperms = r->client != 0 ? 3 : 2;
	conduit_emit(c, &op);
	conduit_mailbox(c, server);
	conduit_accept_path(accept, server, r->chan);
	snprintf(value, sizeof(value), "%u %s %s", r->client, r->name, path);
	conduit_write(c, accept, value, server);
	conduit_timer(c, CONDUIT_OP_TIMER, r->chan);
}

/* Remove r's channel and offer, if it has them (not the reply). */
static void
conduit_unchan(struct conduit *c, const struct conduit_req *r)
{
	char path[CONDUIT_PATH_MAX];

	if (r->state == CONDUIT_SUMMONING)
		return;
	if (r->state == CONDUIT_OFFERED)
		conduit_timer(c, CONDUIT_OP_CANCEL, r->chan);
	conduit_chan_path(path, r->chan);
	conduit_rm(c, path);
	conduit_accept_path(path, r->server, r->chan);
	conduit_rm(c, path);
}

/* r refused after it was held: its channel goes, it is forgotten. */
static void
conduit_fail(struct conduit *c, struct conduit_req *r, enum conduit_refusal why)
{
	conduit_unchan(c, r);
	conduit_refuse(c, r->client, r->id, why);
	conduit_drop(c, r);
}

/* Is any other request summoning `name' (so a summon is under way)? */
static int
conduit_summoning(const struct conduit *c, const char *name,
    const struct conduit_req *except)
{
	size_t i;

	for (i = 0; i < c->nreqs; i++)
		if (&c->reqs[i] != except &&
		    c->reqs[i].state == CONDUIT_SUMMONING &&
		    strcmp(c->reqs[i].name, name) == 0)
			return 1;
	return 0;
}

/* --- events ---------------------------------------------------------- */

void
conduit_init(struct conduit *c, const struct conduit_env *env)
{
	memset(c, 0, sizeof(*c));
	c->env = *env;
}

void
conduit_free(struct conduit *c)
{
	free(c->reqs);
	c->reqs = NULL;
	c->nreqs = c->cap = 0;
}

void
conduit_start(struct conduit *c)
{
	conduit_rm(c, CONDUIT_ROOT);
	memset(c->known, 0, sizeof(c->known));
	conduit_write(c, "/jitsu", "", 0);
	conduit_write(c, CONDUIT_ROOT, "", 0);
	conduit_write(c, CONDUIT_ROOT "/chan", "", 0);
	conduit_write(c, CONDUIT_ROOT "/dom", "", 0);
}

void
conduit_stale(struct conduit *c, unsigned client, const char *id)
{
	if (client == 0 || client > CONDUIT_DOMID_MAX ||
	    !conduit_id_valid(id, strlen(id)))
		return;
	conduit_answer(c, client, id, "closed");
}

/* A request seen for the first time: refused, held, or offered. */
static int
conduit_new(struct conduit *c, unsigned client, const char *id,
    const char *value, size_t len)
{
	char		    name[CONDUIT_NAME_MAX + 1];
	struct conduit_req *r;
	enum conduit_target t;
	unsigned	    server = 0;

	if (conduit_parse_request(value, len, name) == -1) {
		conduit_refuse(c, client, id, CONDUIT_MALFORMED);
		return 1;
	}
	if ((t = c->env.resolve(c->env.arg, name, &server)) ==
	    CONDUIT_TARGET_UNKNOWN) {
		conduit_refuse(c, client, id, CONDUIT_UNKNOWN);
		return 1;
	}
	if (t == CONDUIT_TARGET_READY && !conduit_domu(server)) {
		conduit_refuse(c, client, id, CONDUIT_UNAVAILABLE);
		return 1;
	}
	if (t == CONDUIT_TARGET_READY && server == client) {
		conduit_refuse(c, client, id, CONDUIT_SELF);
		return 1;
	}
	if ((r = conduit_hold(c, client)) == NULL) {
		conduit_refuse(c, client, id, CONDUIT_LIMIT);
		return 1;
	}
	memcpy(r->id, id, strlen(id) + 1);
	memcpy(r->value, value, len);
	r->value[len] = '\0';
	memcpy(r->name, name, sizeof(name));
	r->state = CONDUIT_SUMMONING;
	if (t == CONDUIT_TARGET_READY)
		conduit_offer(c, r, server);
	else if (!conduit_summoning(c, name, r))
		conduit_summon(c, name);
	return 0;
}

/* r's request went or changed: its channel and offer go, r is forgotten. */
static void
conduit_end(struct conduit *c, struct conduit_req *r)
{
	conduit_unchan(c, r);
	conduit_drop(c, r);
}

int
conduit_request(struct conduit *c, unsigned client, const char *id,
    const char *value, size_t len)
{
	struct conduit_req *r;

	if (client > CONDUIT_DOMID_MAX || !conduit_id_valid(id, strlen(id)))
		return -1;
	r = conduit_find(c, client, id);
	if (value == NULL) {
		if (r != NULL)
			conduit_end(c, r);
		conduit_rm_reply(c, client, id);
		return 1;
	}
	if (r != NULL) {
		if (strlen(r->value) == len &&
		    memcmp(r->value, value, len) == 0)
			return 0;
		/* The old answer must not stand while the new one pends. */
		conduit_end(c, r);
		conduit_rm_reply(c, client, id);
	}
	return conduit_new(c, client, id, value, len);
}

static int
conduit_listed(const char *const *ids, size_t n, const char *id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(ids[i], id) == 0)
			return 1;
	return 0;
}

void
conduit_request_dir(struct conduit *c, unsigned client, const char *const *ids,
    size_t n, const char *const *replies, size_t m)
{
	size_t i = 0;

	while (i < c->nreqs) {
		if (c->reqs[i].client == client &&
		    !conduit_listed(ids, n, c->reqs[i].id))
			conduit_end(c, &c->reqs[i]); /* i now holds another */
		else
			i++;
	}
	for (i = 0; i < m; i++)
		if (!conduit_listed(ids, n, replies[i]) &&
		    conduit_id_valid(replies[i], strlen(replies[i])))
			conduit_rm_reply(c, client, replies[i]);
}

void
conduit_server_up(struct conduit *c, const char *name, unsigned domid)
{
	size_t i = 0;

	if (!conduit_domu(domid)) {
		conduit_server_failed(c, name);
		return;
	}
	while (i < c->nreqs) {
		struct conduit_req *r = &c->reqs[i];

		if (r->state != CONDUIT_SUMMONING || strcmp(r->name, name) != 0)
			i++;
		else if (r->client == domid)
			conduit_fail(c, r, CONDUIT_SELF);
		else {
			conduit_offer(c, r, domid);
			i++;
		}
	}
}

void
conduit_server_failed(struct conduit *c, const char *name)
{
	size_t i = 0;

	while (i < c->nreqs) {
		if (c->reqs[i].state == CONDUIT_SUMMONING &&
		    strcmp(c->reqs[i].name, name) == 0)
			conduit_fail(c, &c->reqs[i], CONDUIT_UNAVAILABLE);
		else
			i++;
	}
}

/*
 * The ring's keys the server wrote under r's path: its own, the client
 * reads them (what a vchan server sets, libxenvchan's and our libOS's).
 * oxenstored, Debian's default xenstored, gives a node a domain makes
 * the owner of its folder, dom0 here, and then refuses the server its
 * own permissions (EACCES); C xenstored makes the server the owner.  So
 * jitsud, the folder's owner, sets them, the same either way, before
 * the client hears of the channel.  A Dom0 client reads anything.
 */
static void
conduit_grant(struct conduit *c, const struct conduit_req *r)
{
	static const char *const keys[] = { "ring-ref", "event-channel" };
	struct conduit_perm	 perms[2] = { { r->server, 'n' },
		     { r->client, 'r' } };
	struct conduit_op	 op = { .kind = CONDUIT_OP_PERMS };
	char			 path[CONDUIT_PATH_MAX];
	size_t			 i;

	if (r->client == 0)
		return;
	op.path = path;
	op.perms = perms;
	op.nperms = 2;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		snprintf(path, sizeof(path), CONDUIT_ROOT "/chan/%u/%s",
		    r->chan, keys[i]);
		conduit_emit(c, &op);
	}
}

/* r's channel is up: the client gets the server and the path. */
static void
conduit_open(struct conduit *c, struct conduit_req *r)
{
	char path[CONDUIT_PATH_MAX], value[CONDUIT_VALUE_MAX];

	r->state = CONDUIT_OPEN;
	conduit_timer(c, CONDUIT_OP_CANCEL, r->chan);
	conduit_grant(c, r);
	conduit_chan_path(path, r->chan);
	snprintf(value, sizeof(value), "ok %u %s", r->server, path);
	conduit_answer(c, r->client, r->id, value);
}

/* The server removed r's path: refused before its ring, closed after. */
static void
conduit_closed(struct conduit *c, struct conduit_req *r)
{
	char path[CONDUIT_PATH_MAX];

	if (r->state == CONDUIT_OFFERED) {
		conduit_fail(c, r, CONDUIT_REFUSED);
		return;
	}
	conduit_accept_path(path, r->server, r->chan);
	conduit_rm(c, path);
	conduit_answer(c, r->client, r->id, "closed");
	conduit_drop(c, r);
}

void
conduit_chan(struct conduit *c, uint32_t chan, int exists, int ring_ref,
    int event_channel)
{
	struct conduit_req *r;

	if ((r = conduit_find_chan(c, chan)) == NULL)
		return;
	if (!exists)
		conduit_closed(c, r);
	else if (r->state == CONDUIT_OFFERED && ring_ref && event_channel)
		conduit_open(c, r);
}

void
conduit_timeout(struct conduit *c, uint32_t chan)
{
	struct conduit_req *r;

	if ((r = conduit_find_chan(c, chan)) != NULL &&
	    r->state == CONDUIT_OFFERED)
		conduit_fail(c, r, CONDUIT_TIMEOUT);
}

/* The end of one request of which domain `domid' is an end. */
static void
conduit_gone_end(struct conduit *c, struct conduit_req *r, unsigned domid)
{
	char path[CONDUIT_PATH_MAX];

	if (r->client == domid) {
		conduit_end(c, r); /* its mailbox goes with it */
		return;
	}
	if (r->state == CONDUIT_OFFERED)
		conduit_timer(c, CONDUIT_OP_CANCEL, r->chan);
	conduit_chan_path(path, r->chan);
	conduit_rm(c, path);
	conduit_answer(c, r->client, r->id,
	    r->state == CONDUIT_OPEN ? "closed" : "error unavailable");
	conduit_drop(c, r);
}

void
conduit_domain_gone(struct conduit *c, unsigned domid)
{
	char   path[CONDUIT_PATH_MAX];
	size_t i = 0;

	if (!conduit_domu(domid))
		return;
	while (i < c->nreqs) {
		struct conduit_req *r = &c->reqs[i];

		if (r->client == domid ||
		    (r->state != CONDUIT_SUMMONING && r->server == domid))
			conduit_gone_end(c, r, domid);
		else
			i++;
	}
	snprintf(path, sizeof(path), CONDUIT_ROOT "/dom/%u", domid);
	conduit_rm(c, path);
	c->known[domid / 8] &= (uint8_t) ~(1U << (domid % 8));
}
