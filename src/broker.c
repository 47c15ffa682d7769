/* broker.c -- conduit's broker: the rendezvous driven in the main thread */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "broker.h"
#include "log.h"

/*
 * conduit.c decides; this file carries its decisions out and feeds it
 * what happened.  XenStore is the thread's (brokers.c): every call into
 * conduit.c here collects the XenStore operations it emits into one
 * command, one transaction.  The rest is done here: summons through
 * vm.c, exactly as a DNS query's (vm_want: the same coalescing, deadline
 * and timeline), the offer timers, and the answers to Dom0 clients on
 * the control socket.
 */

struct broker_timer {
	TAILQ_ENTRY(broker_timer) entry;
	struct broker		 *b;
	uint32_t		  chan;
	struct event		 *ev;
};

/* A summon for a conduit name: waits as a DNS query waits. */
struct broker_summon {
	TAILQ_ENTRY(broker_summon) entry;
	struct broker		  *b;
	char			   name[CONDUIT_NAME_MAX + 1]; /* conduit's */
	char			   vm[BINDING_NAME_MAX + 1];   /* its binding */
	struct vm_waiter	   w;
	struct event		  *done; /* the outcome, a turn later */
	int			   ok;
};

struct broker_client {
	TAILQ_ENTRY(broker_client) entry;
	char			   id[CONDUIT_ID_MAX + 1];
	void (*reply)(void *arg, const char *value);
	void *arg;
};

struct broker {
	struct event_base *base;
	struct vms	  *vs;
	struct metrics	  *metrics;
	struct conduit	   cd;
	struct brokers	  *bs;
	struct chan	  *reps; /* handled here */
	struct broker_cmd *batch;
	size_t		   cap;
	unsigned long	   next_client;
	TAILQ_HEAD(, broker_timer)  timers;
	TAILQ_HEAD(, broker_summon) summons;
	TAILQ_HEAD(, broker_client) clients;
};

void
broker_rep_free(void *msg)
{
	struct broker_rep *r = msg;

	free(r->ids);
	free(r->replies);
	free(r);
}

/* --- the operations of one call ------------------------------------ */

static void
broker_begin(struct broker *b)
{
	b->batch = NULL;
	b->cap = 0;
}

static void
broker_flush(struct broker *b)
{
	if (b->batch != NULL && brokers_send(b->bs, b->batch) == -1)
		log_warnx("conduit: the XenStore thread refused a command");
	b->batch = NULL;
}

static struct broker_op *
broker_op_add(struct broker *b)
{
	struct broker_cmd *c;
	size_t		   cap;

	if (b->batch == NULL || b->batch->n == b->cap) {
		cap = b->cap ? b->cap * 2 : 8;
		c = realloc(b->batch, sizeof(*c) + cap * sizeof(c->ops[0]));
		if (c == NULL)
			fatalx("conduit: out of memory");
		if (b->batch == NULL) {
			c->kind = BROKER_C_OPS;
			c->n = 0;
		}
		b->batch = c;
		b->cap = cap;
	}
	c = b->batch;
	memset(&c->ops[c->n], 0, sizeof(c->ops[0]));
	return &c->ops[c->n++];
}

static void
broker_cmd(struct broker *b, enum broker_cmd_kind kind)
{
	struct broker_cmd *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		fatalx("conduit: out of memory");
	c->kind = kind;
	if (brokers_send(b->bs, c) == -1)
		log_warnx("conduit: the XenStore thread refused a command");
}

/*
 * A domain shell filled (xl_on_fill), in its builder's thread: nothing
 * here but the XenStore thread's channel, which any thread may use.
 * The thread watches the guest's requests at once; a shell introduced
 * as it was made (xls.c) starts no scan at its fill.
 */
void
broker_filled(void *arg, uint32_t domid)
{
	struct broker	  *b = arg;
	struct broker_cmd *c;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		log_warnx("conduit: out of memory; domain %u not watched",
		    domid);
		return;
	}
	c->kind = BROKER_C_DOMAIN;
	c->domid = domid;
	if (brokers_send(b->bs, c) == -1)
		log_warnx("conduit: the XenStore thread refused domain %u; "
			  "its requests are not watched",
		    domid);
}

/* --- timers ------------------------------------------------------------ */

static void
broker_timer_free(struct broker_timer *t)
{
	TAILQ_REMOVE(&t->b->timers, t, entry);
	event_free(t->ev);
	free(t);
}

static void
broker_timer_fired(int fd, short what, void *arg)
{
	struct broker_timer *t = arg;
	struct broker	    *b = t->b;
	uint32_t	     chan = t->chan;

	(void)fd;
	(void)what;
	broker_timer_free(t);
	broker_begin(b);
	conduit_timeout(&b->cd, chan);
	broker_flush(b);
}

static void
broker_timer_set(struct broker *b, uint32_t chan, unsigned ms)
{
	struct broker_timer *t;
	struct timeval	     tv = { ms / 1000, (ms % 1000) * 1000 };

	if ((t = calloc(1, sizeof(*t))) == NULL ||
	    (t->ev = evtimer_new(b->base, broker_timer_fired, t)) == NULL ||
	    evtimer_add(t->ev, &tv) == -1)
		fatalx("conduit: timer");
	t->b = b;
	t->chan = chan;
	TAILQ_INSERT_TAIL(&b->timers, t, entry);
}

static void
broker_timer_cancel(struct broker *b, uint32_t chan)
{
	struct broker_timer *t;

	TAILQ_FOREACH(t, &b->timers, entry)
		if (t->chan == chan) {
			broker_timer_free(t);
			return;
		}
}

/* --- names and summons -------------------------------------------------- */

/* Does b's conduit= list (absolute names) hold `name' (canonical)? */
static int
broker_serves(const struct binding *bd, const char *name)
{
	const char *p = bd->conduit;
	size_t	    len, n = strlen(name);

	if (p == NULL)
		return 0;
	for (; *p != '\0'; p += len + (p[len] == ',')) {
		len = strcspn(p, ",");
		if (len == n + 1 && memcmp(p, name, n) == 0 && p[n] == '.')
			return 1;
	}
	return 0;
}

static struct vm *
broker_vm(struct broker *b, const char *name)
{
	struct vm *v;

	TAILQ_FOREACH(v, &b->vs->all, entry)
		if (!v->removed && broker_serves(&v->b, name))
			return v;
	return NULL;
}

static enum conduit_target
broker_resolve(void *arg, const char *name, unsigned *domid)
{
	struct broker *b = arg;
	struct vm     *v;

	if ((v = broker_vm(b, name)) == NULL)
		return CONDUIT_TARGET_UNKNOWN;
	vm_touch(b->vs, v->b.name);
	if (v->state != VM_READY)
		return CONDUIT_TARGET_SUMMON;
	/* A process guest has no domid: conduit.c refuses it. */
	*domid = v->domid > 0 ? (unsigned)v->domid : 0;
	return CONDUIT_TARGET_READY;
}

static void
broker_summon_free(struct broker_summon *s)
{
	vm_waiter_cancel(&s->w);
	TAILQ_REMOVE(&s->b->summons, s, entry);
	event_free(s->done);
	free(s);
}

/* The summon settled, a turn after vm.c said so. */
static void
broker_summon_done(int fd, short what, void *arg)
{
	struct broker_summon *s = arg;
	struct broker	     *b = s->b;
	struct vm	     *v;

	(void)fd;
	(void)what;
	broker_begin(b);
	v = s->ok ? vm_find(b->vs, s->vm) : NULL;
	if (v != NULL && v->state == VM_READY && v->domid > 0)
		conduit_server_up(&b->cd, s->name, (unsigned)v->domid);
	else
		conduit_server_failed(&b->cd, s->name);
	broker_flush(b);
	broker_summon_free(s);
}

static void
broker_summon_settled(void *arg, int ok, const char *why)
{
	struct broker_summon *s = arg;

	if (!ok)
		log_info("conduit: %s: %s could not be summoned: %s", s->name,
		    s->vm, why != NULL ? why : "failed");
	s->ok = ok;
	event_active(s->done, EV_TIMEOUT, 0);
}

static void
broker_summon(struct broker *b, const char *name)
{
	struct broker_summon *s;
	struct vm	     *v;

	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->done = event_new(b->base, -1, 0, broker_summon_done, s)) ==
		NULL)
		fatalx("conduit: out of memory");
	s->b = b;
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->w.cb = broker_summon_settled;
	s->w.arg = s;
	TAILQ_INSERT_TAIL(&b->summons, s, entry);
	if ((v = broker_vm(b, name)) == NULL) {
		broker_summon_settled(s, 0, "no binding serves it any more");
		return;
	}
	snprintf(s->vm, sizeof(s->vm), "%s", v->b.name);
	log_info("conduit: %s summons %s", name, v->b.name);
	switch (vm_want(b->vs, &v->b, &s->w)) {
	case VM_WANT_READY:
		broker_summon_settled(s, 1, NULL);
		break;
	case VM_WANT_FAIL:
		broker_summon_settled(s, 0, vm_rec_peek(v)->error);
		break;
	case VM_WANT_STANDIN:
		/* Synjitsu answers for it; conduit needs the guest itself. */
		if (vm_join(b->vs, &v->b, &s->w) == -1)
			broker_summon_settled(s, 0, "not booting");
		break;
	case VM_WANT_WAIT:
		break;
	}
}

/* --- conduit.c's operations --------------------------------------------- */

/* One of conduit(7)'s answers went out: counted by kind. */
static void
broker_answered(struct broker *b, const char *value)
{
	int k;

	if ((k = metrics_conduit_kind(value)) >= 0)
		b->metrics->conduit_answers[k]++;
}

static void
broker_reply(struct broker *b, const char *id, const char *value)
{
	struct broker_client *c;

	broker_answered(b, value);
	TAILQ_FOREACH(c, &b->clients, entry)
		if (strcmp(c->id, id) == 0) {
			c->reply(c->arg, value);
			return;
		}
}

static void
broker_emit(void *arg, const struct conduit_op *op)
{
	struct broker	 *b = arg;
	struct broker_op *o;
	size_t		  i;

	switch (op->kind) {
	case CONDUIT_OP_WRITE:
	case CONDUIT_OP_PERMS:
	case CONDUIT_OP_RM:
		o = broker_op_add(b);
		o->rm = op->kind == CONDUIT_OP_RM;
		o->perms_only = op->kind == CONDUIT_OP_PERMS;
		snprintf(o->path, sizeof(o->path), "%s", op->path);
		if (op->kind == CONDUIT_OP_WRITE)
			snprintf(o->value, sizeof(o->value), "%s", op->value);
		for (i = 0; !o->rm && i < op->nperms && i < STORE_OP_PERMS; i++)
			o->perms[o->nperms++] = op->perms[i];
		/* A domain's answer is a write in its mailbox's reply/. */
		if (!o->rm && strstr(op->path, "/reply/") != NULL)
			broker_answered(b, op->value);
		break;
	case CONDUIT_OP_REPLY:
		broker_reply(b, op->id, op->value);
		break;
	case CONDUIT_OP_SUMMON:
		broker_summon(b, op->value);
		break;
	case CONDUIT_OP_TIMER:
		broker_timer_set(b, op->chan, op->ms);
		break;
	case CONDUIT_OP_CANCEL:
		broker_timer_cancel(b, op->chan);
		break;
	}
}

/* --- what the XenStore thread saw ----------------------------------------- */

static void
broker_dir(struct broker *b, const struct broker_rep *r)
{
	const char **ids, **replies;
	size_t	     i;

	if ((ids = calloc(r->nids + 1, sizeof(*ids))) == NULL ||
	    (replies = calloc(r->nreplies + 1, sizeof(*replies))) == NULL)
		fatalx("conduit: out of memory");
	for (i = 0; i < r->nids; i++) {
		ids[i] = r->ids[i].id;
		/* Read because it had no reply: maybe new to us. */
		if (r->ids[i].present)
			conduit_request(&b->cd, r->domid, r->ids[i].id,
			    r->ids[i].value, r->ids[i].len);
	}
	for (i = 0; i < r->nreplies; i++)
		replies[i] = r->replies[i];
	conduit_request_dir(&b->cd, r->domid, ids, r->nids, replies,
	    r->nreplies);
	free(ids);
	free(replies);
}

static void
broker_report(void *msg, void *arg)
{
	struct broker_rep *r = msg;
	struct broker	  *b = arg;
	size_t		   i;

	broker_begin(b);
	switch (r->kind) {
	case BROKER_R_STALE:
		for (i = 0; i < r->nids; i++)
			conduit_stale(&b->cd, r->domid, r->ids[i].id);
		break;
	case BROKER_R_SWEPT:
		/* After the stale replies: a listing then sees them. */
		broker_cmd(b, BROKER_C_WATCH);
		break;
	case BROKER_R_REQUEST:
		conduit_request(&b->cd, r->domid, r->req.id,
		    r->req.present ? r->req.value : NULL, r->req.len);
		break;
	case BROKER_R_DIR:
		broker_dir(b, r);
		break;
	case BROKER_R_CHAN:
		conduit_chan(&b->cd, r->chan, r->exists, r->ring_ref,
		    r->evtchn);
		break;
	case BROKER_R_GONE:
		conduit_domain_gone(&b->cd, r->domid);
		break;
	}
	broker_flush(b);
	broker_rep_free(r);
}

/* --- the interface --------------------------------------------------------- */

static size_t
broker_conduits(const void *arg, size_t *pending)
{
	return broker_count(arg, pending);
}

struct broker *
broker_open(struct event_base *base, struct vms *vs, struct metrics *m)
{
	struct conduit_env env = { broker_resolve, broker_emit, NULL };
	struct broker	  *b;

	if ((b = calloc(1, sizeof(*b))) == NULL)
		fatalx("conduit: out of memory");
	b->base = base;
	b->vs = vs;
	b->metrics = m;
	TAILQ_INIT(&b->timers);
	TAILQ_INIT(&b->summons);
	TAILQ_INIT(&b->clients);
	if ((b->reps = chan_new(base, broker_report, b)) == NULL)
		fatalx("conduit: channels");
	if ((b->bs = brokers_start(b->reps)) == NULL) {
		log_warnx("conduit: no XenStore connection; conduit is off");
		chan_free(b->reps, broker_rep_free);
		free(b);
		return NULL;
	}
	env.arg = b;
	conduit_init(&b->cd, &env);
	m->conduits = broker_conduits;
	m->conduits_arg = b;
	broker_begin(b);
	conduit_start(&b->cd);
	broker_flush(b);
	broker_cmd(b, BROKER_C_SWEEP);
	return b;
}

int
broker_connect(struct broker *b, const char	      *name,
    void (*reply)(void *arg, const char *value), void *arg, char *id)
{
	struct broker_client *c;
	char		      value[CONDUIT_REQUEST_MAX + 1];
	int		      n;

	n = snprintf(value, sizeof(value), "connect %s", name);
	if (n < 0 || (size_t)n >= sizeof(value))
		n = CONDUIT_REQUEST_MAX + 1; /* malformed: too long */
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return -1;
	/* Ids of Dom0 clients are jitsud's own: a counter, never reused. */
	snprintf(c->id, sizeof(c->id), "c%lu", ++b->next_client);
	c->reply = reply;
	c->arg = arg;
	TAILQ_INSERT_TAIL(&b->clients, c, entry);
	memcpy(id, c->id, sizeof(c->id));
	broker_begin(b);
	conduit_request(&b->cd, 0, c->id, value,
	    (size_t)n > CONDUIT_REQUEST_MAX ? CONDUIT_REQUEST_MAX + 1 :
					      (size_t)n);
	broker_flush(b);
	return 0;
}

void
broker_disconnect(struct broker *b, const char *id)
{
	struct broker_client *c;

	TAILQ_FOREACH(c, &b->clients, entry)
		if (strcmp(c->id, id) == 0)
			break;
	if (c == NULL)
		return;
	TAILQ_REMOVE(&b->clients, c, entry);
	free(c);
	broker_begin(b);
	conduit_request(&b->cd, 0, id, NULL, 0);
	broker_flush(b);
}

size_t
broker_count(const struct broker *b, size_t *pending)
{
	*pending = 0;
	return b == NULL ? 0 : conduit_count(&b->cd, -1, pending);
}
