/* fuzz_conduit.c -- conduit(7): request values, watch paths, the rendezvous */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conduit.h"
#include "fuzz.h"

/*
 * A domain writes any bytes it likes as a request's value and names its
 * request node as it likes; jitsud parses both (conduit_parse_request,
 * conduit_parse_path) and drives the rendezvous with what it read.  The
 * whole input is tried as a value and as a path, then run as a script
 * of events, one a line:
 *
 *	r CLIENT ID VALUE	request ID of CLIENT is now VALUE
 *	x CLIENT ID		... is gone
 *	u NAME DOMID		the server of NAME is up as DOMID
 *	f NAME			its summon failed
 *	c CHAN BITS		chan/CHAN: bit 0 exists, 1 ring-ref, 2 evtchn
 *	t CHAN			CHAN's timer fired
 *	g DOMID			the domain went
 *	d CLIENT IDS REPLIES	the request folder's event (comma lists)
 *	s CLIENT ID		a request found at start-up
 *
 * Contracts: a parsed name is canonical; a classified path is exactly
 * the one conduit(7) names; every operation is well-formed (paths under
 * /jitsu/conduit and at most CONDUIT_PATH_MAX, values one line, owner
 * Dom0 with nothing for others, a channel path for two distinct
 * domains); the limits hold after every event.
 */
static enum conduit_target
fuzz_resolve(void *arg, const char *name, unsigned *domid)
{
	(void)arg;
	if (strcmp(name, "a.test") == 0) {
		*domid = 3;
		return CONDUIT_TARGET_READY;
	}
	if (strcmp(name, "b.test") == 0)
		return CONDUIT_TARGET_SUMMON;
	if (strcmp(name, "c.test") == 0) {
		*domid = 0;
		return CONDUIT_TARGET_READY; /* a broken resolver: not Dom0 */
	}
	return CONDUIT_TARGET_UNKNOWN;
}

static void
fuzz_check_write(const struct conduit_op *op)
{
	size_t i, j;

	FUZZ_CHECK(op->nperms >= 1 && op->nperms <= 3);
	FUZZ_CHECK(op->perms[0].domid == 0 && op->perms[0].perm == 'n');
	FUZZ_CHECK(strlen(op->value) < CONDUIT_VALUE_MAX);
	FUZZ_CHECK(strchr(op->value, '\n') == NULL);
	for (i = 1; i < op->nperms; i++) {
		FUZZ_CHECK(op->perms[i].domid != 0);
		FUZZ_CHECK(op->perms[i].domid <= CONDUIT_DOMID_MAX);
		for (j = 0; j < i; j++)
			FUZZ_CHECK(op->perms[i].domid != op->perms[j].domid);
	}
	if (strncmp(op->path, CONDUIT_ROOT "/chan/", 20) == 0)
		/* the server may create nodes, the client only read */
		FUZZ_CHECK(op->nperms >= 2 && op->perms[1].perm == 'b' &&
		    (op->nperms == 2 || op->perms[2].perm == 'r'));
	else
		for (i = 1; i < op->nperms; i++)
			FUZZ_CHECK(op->perms[i].perm == 'r');
}

static void
fuzz_emit(void *arg, const struct conduit_op *op)
{
	(void)arg;
	switch (op->kind) {
	case CONDUIT_OP_WRITE:
		fuzz_check_write(op);
		/* FALLTHROUGH */
	case CONDUIT_OP_PERMS:
		/* a channel's ring keys: the server's, the client reads */
		FUZZ_CHECK(op->kind != CONDUIT_OP_PERMS ||
		    (op->nperms == 2 && op->perms[0].perm == 'n' &&
			op->perms[0].domid != 0 && op->perms[1].perm == 'r' &&
			strncmp(op->path, "/jitsu/conduit/chan/", 20) == 0));
		/* FALLTHROUGH */
	case CONDUIT_OP_RM:
		FUZZ_CHECK(strlen(op->path) < CONDUIT_PATH_MAX);
		FUZZ_CHECK(strncmp(op->path, "/jitsu", 6) == 0);
		break;
	case CONDUIT_OP_REPLY:
		FUZZ_CHECK(conduit_id_valid(op->id, strlen(op->id)));
		FUZZ_CHECK(strchr(op->value, '\n') == NULL);
		break;
	case CONDUIT_OP_SUMMON:
		FUZZ_CHECK(strcmp(op->value, "b.test") == 0);
		break;
	case CONDUIT_OP_TIMER:
		FUZZ_CHECK(op->chan != 0 && op->ms == CONDUIT_ACCEPT_MS);
		break;
	case CONDUIT_OP_CANCEL:
		FUZZ_CHECK(op->chan != 0);
		break;
	}
}

/* A name that parses is canonical: parsing it again gives itself. */
static void
fuzz_value(const char *p, size_t n)
{
	char   name[CONDUIT_NAME_MAX + 1], again[CONDUIT_NAME_MAX + 1];
	size_t i, len;

	if (conduit_parse_request(p, n, name) == -1)
		return;
	len = strlen(name);
	FUZZ_CHECK(len >= 1 && len <= CONDUIT_NAME_MAX);
	for (i = 0; i < len; i++)
		FUZZ_CHECK((name[i] >= 'a' && name[i] <= 'z') ||
		    (name[i] >= '0' && name[i] <= '9') || name[i] == '-' ||
		    name[i] == '.');
	FUZZ_CHECK(conduit_name(name, len, again) == 0);
	FUZZ_CHECK(strcmp(name, again) == 0);
}

/* A path classified is the very path conduit(7) writes for it. */
static void
fuzz_watch_path(const char *p, size_t n)
{
	struct conduit_path cp;
	char		    want[128];

	switch (conduit_parse_path(p, n, &cp)) {
	case CONDUIT_PATH_REQDIR:
	case CONDUIT_PATH_BADID:
		FUZZ_CHECK(cp.domid >= 1 && cp.domid <= CONDUIT_DOMID_MAX);
		snprintf(want, sizeof(want), "/local/domain/%u/data/conduit",
		    cp.domid);
		FUZZ_CHECK(n >= strlen(want) &&
		    memcmp(p, want, strlen(want)) == 0);
		break;
	case CONDUIT_PATH_REQUEST:
		FUZZ_CHECK(cp.domid >= 1 && cp.domid <= CONDUIT_DOMID_MAX);
		snprintf(want, sizeof(want), "/local/domain/%u/data/conduit/%s",
		    cp.domid, cp.id);
		FUZZ_CHECK(n == strlen(want) && memcmp(p, want, n) == 0);
		break;
	case CONDUIT_PATH_CHAN:
		FUZZ_CHECK(cp.chan != 0);
		snprintf(want, sizeof(want), CONDUIT_ROOT "/chan/%u", cp.chan);
		FUZZ_CHECK(n >= strlen(want) &&
		    memcmp(p, want, strlen(want)) == 0 &&
		    (n == strlen(want) || p[strlen(want)] == '/'));
		break;
	case CONDUIT_PATH_OTHER:
		break;
	}
}

/* Split a comma list (modified in place) into at most 16 strings. */
static size_t
fuzz_list(char *s, const char **v)
{
	size_t n = 0;
	char  *comma;

	while (s != NULL && *s != '\0' && n < 16) {
		v[n++] = s;
		if ((comma = strchr(s, ',')) != NULL)
			*comma++ = '\0';
		s = comma;
	}
	return n;
}

/* The event of one script line, split in up to four fields. */
static void
fuzz_event(struct conduit *c, char *f[4], size_t len3)
{
	const char *ids[16], *replies[16];
	unsigned    a = (unsigned)strtoul(f[1], NULL, 10);
	size_t	    n;

	switch (f[0][0]) {
	case 'r':
		conduit_request(c, a, f[2], f[3], len3);
		break;
	case 'x':
		conduit_request(c, a, f[2], NULL, 0);
		break;
	case 'u':
		conduit_server_up(c, f[1], (unsigned)strtoul(f[2], NULL, 10));
		break;
	case 'f':
		conduit_server_failed(c, f[1]);
		break;
	case 'c':
		n = strtoul(f[2], NULL, 10);
		conduit_chan(c, a, n & 1, n & 2, n & 4);
		break;
	case 't':
		conduit_timeout(c, a);
		break;
	case 'g':
		conduit_domain_gone(c, a);
		break;
	case 'd':
		n = fuzz_list(f[2], ids);
		conduit_request_dir(c, a, ids, n, replies,
		    fuzz_list(f[3], replies));
		break;
	case 's':
		conduit_stale(c, a, f[2]);
		break;
	}
}

static void
fuzz_limits(const struct conduit *c)
{
	size_t	 pending, all = conduit_count(c, -1, &pending);
	unsigned d;

	FUZZ_CHECK(all <= CONDUIT_TOTAL_MAX);
	for (d = 0; d < 8; d++) {
		FUZZ_CHECK(conduit_count(c, d, &pending) <= CONDUIT_LIVE_MAX);
		FUZZ_CHECK(pending <= CONDUIT_PENDING_MAX);
	}
}

/* One line (NUL-terminated copy, `len' bytes): fields, then the event. */
static void
fuzz_line(struct conduit *c, char *line, size_t len)
{
	static char none[1];
	char	   *f[4] = { line, none, none, none };
	size_t	    i, k = 1;

	for (i = 0; i < len && k < 4; i++)
		if (line[i] == ' ') {
			line[i] = '\0';
			f[k++] = line + i + 1;
		}
	fuzz_event(c, f, k == 4 ? len - (size_t)(f[3] - line) : 0);
	fuzz_limits(c);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conduit_env env = { fuzz_resolve, fuzz_emit, NULL };
	struct conduit	  *c;
	const char	  *p = (const char *)data, *end = p + size, *nl;
	char		  *line;

	fuzz_value(p, size);
	fuzz_watch_path(p, size);
	if ((c = malloc(sizeof(*c))) == NULL)
		return 0;
	conduit_init(c, &env);
	conduit_start(c);
	for (; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if ((line = malloc((size_t)(nl - p) + 1)) == NULL)
			break;
		memcpy(line, p, (size_t)(nl - p));
		line[nl - p] = '\0';
		fuzz_line(c, line, (size_t)(nl - p));
		free(line);
	}
	conduit_free(c);
	free(c);
	return 0;
}
