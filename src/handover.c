/* handover.c -- the Synjitsu hand-over: its states, deadlines and steps */
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>

#include <event2/event.h>

#include "jitsud.h"
#include "log.h"

/*
 * One hand-over per VM, on the main thread, whatever the backend.  The
 * claim (the stand-in answering for the guest's address) and the
 * conversation with the guest (the transport) are two things:
 *
 *  - the claim is made when a fresh build begins.  When the guest asks
 *    its connections are taken from the stand-in, which freezes: it
 *    answers ARP for the guest still (a guest that asks as it boots is
 *    not on the wire yet) and keeps what TCP comes for it.  The claim
 *    ends when the guest adopted (the kept frames are passed to it
 *    first), when the conversation ends otherwise, when the guest goes
 *    down, or when it does not ask in time (the clients it held then
 *    retry against the guest itself);
 *  - the conversation is attached by the backend before the guest runs
 *    and ends, through the transport's close, when the guest adopted or
 *    gave up, when it failed, when the guest goes down, or, for a
 *    transport that holds the guest off the network, when the guest
 *    does not ask in time.  A non-holding transport stays open after
 *    that deadline: a guest that asks late gets 0 records at once
 *    rather than waiting for its own timeout.
 *
 * One timer serves every deadline, since only one runs at a time: the
 * ask deadline while STANDING (holding, ready=tcp) or WAITING, the
 * adopt deadline while SENT.
 */

static const char *const handover_state_names[HANDOVER_NSTATES] = {
	[HANDOVER_IDLE] = "idle",
	[HANDOVER_STANDING] = "standing",
	[HANDOVER_WAITING] = "waiting",
	[HANDOVER_SENT] = "sent",
};

static void handover_timer_cb(int, short, void *);

const char *
handover_state_name(enum handover_state s)
{
	return s < HANDOVER_NSTATES ? handover_state_names[s] : "?";
}

void
handover_env_init(struct handover_env *env, struct event_base *base,
    struct metrics *m)
{
	env->base = base;
	env->si = NULL;
	env->sictx = NULL;
	env->metrics = m;
	env->grace_ms = HANDOVER_GRACE_MS;
	env->ask_ms = HANDOVER_ASK_MS;
	env->adopt_ms = HANDOVER_ADOPT_MS;
	env->mark = NULL;
	env->over = NULL;
}

static void
handover_mark(struct handover *h, enum tl_phase p)
{
	if (h->env->mark != NULL)
		h->env->mark(h, p);
}

static void
handover_over(struct handover *h)
{
	if (h->env->over != NULL)
		h->env->over(h);
}

int
handover_init(struct handover *h, struct handover_env *env, const char *name)
{
	h->env = env;
	h->name = name;
	h->state = HANDOVER_IDLE;
	h->claim = NULL;
	h->claim_ms = 0;
	h->sent = 0;
	h->tr = NULL;
	h->trctx = NULL;
	h->holding = 0;
	h->early = NULL;
	/* The timer is made when first armed: most bindings of a large
	 * zone are never summoned with Synjitsu. */
	h->timer = NULL;
	return 0;
}

void
handover_rename(struct handover *h, const char *name)
{
	h->name = name;
}

static void
handover_arm(struct handover *h, uint64_t ms)
{
	struct timeval tv = ms_timeval(ms);

	if (h->timer == NULL &&
	    (h->timer = evtimer_new(h->env->base, handover_timer_cb, h)) ==
		NULL)
		fatalx("%s: synjitsu: evtimer_new", h->name);
	evtimer_add(h->timer, &tv);
}

static void
handover_disarm(struct handover *h)
{
	if (h->timer != NULL)
		evtimer_del(h->timer);
}

/* The stand-in stops answering for the guest; why: its clients lose. */
static void
handover_drop(struct handover *h, const char *why)
{
	if (h->claim == NULL)
		return;
	if (why != NULL)
		log_warnx("%s: synjitsu: held connections dropped: %s", h->name,
		    why);
	h->env->si->release(h->env->sictx, h->claim);
	h->claim = NULL;
}

/*
 * The guest adopted and speaks for itself: what the frozen stand-in
 * kept for it goes to its port, then the claim goes.
 */
static void
handover_pass(struct handover *h)
{
	const struct vm_standin *si = h->env->si;
	char			 ifname[32];
	int			 have = 0;

	if (h->claim == NULL)
		return;
	if (h->tr != NULL && h->tr->ifname != NULL)
		have = h->tr->ifname(h->trctx, ifname, sizeof(ifname)) == 0;
	if (si->pass != NULL)
		si->pass(h->env->sictx, h->claim, have ? ifname : NULL);
	handover_drop(h, NULL);
}

/* The conversation is over: the transport cleans up (and plugs). */
static void
handover_close(struct handover *h, const char *why)
{
	const struct handover_transport *tr = h->tr;

	/* A claim outlives no conversation: frozen, it keeps the guest's
	 * frames, and only the conversation says when they can go. */
	handover_drop(h, NULL);
	handover_disarm(h);
	h->state = HANDOVER_IDLE;
	h->holding = 0;
	h->early = NULL;
	h->sent = 0;
	if (tr != NULL) {
		h->tr = NULL; /* before close: it may report again */
		tr->close(h->trctx, why);
	}
	handover_over(h);
}

void
handover_free(struct handover *h)
{
	handover_drop(h, NULL);
	h->tr = NULL;
	h->state = HANDOVER_IDLE;
	if (h->timer != NULL)
		event_free(h->timer);
	h->timer = NULL;
}

int
handover_claim(struct handover *h, const struct binding *b)
{
	struct handover_env *env = h->env;
	char		     err[160];

	if (h->claim != NULL)
		return 1;
	if (!b->synjitsu || env->si == NULL)
		return 0;
	if ((h->claim = env->si->claim(env->sictx, b, err, sizeof(err))) ==
	    NULL) {
		log_warnx("%s: synjitsu: cannot stand in: %s", h->name, err);
		return 0;
	}
	env->metrics->standins++;
	h->claim_ms = vm_now_ms();
	h->state = HANDOVER_STANDING;
	log_info("%s: synjitsu: standing in for %s while it boots", h->name,
	    inet_ntoa(b->ip));
	return 1;
}

int
handover_standing(const struct handover *h)
{
	return h->claim != NULL;
}

int
handover_talking(const struct handover *h)
{
	return h->tr != NULL && h->state != HANDOVER_IDLE;
}

void
handover_attach(struct handover *h, const struct handover_transport *tr,
    void *ctx)
{
	h->tr = tr;
	h->trctx = ctx;
	h->holding = tr->holds && h->claim != NULL;
}

/*
 * ready=tcp cannot succeed while the guest is off the network (the
 * probe's SYNs go nowhere), so a holding transport's guest that never
 * asks is let on at half its max-boot, leaving the probe the other half.
 */
void
handover_booting(struct handover *h, const struct binding *b)
{
	if (h->state == HANDOVER_STANDING && h->holding &&
	    b->ready == BINDING_READY_TCP)
		handover_arm(h, b->max_boot_ms / 2);
}

void
handover_ready(struct handover *h)
{
	/* Asked early (the libOS asks as it boots): adopting is what is
	 * left, and it comes right after readiness. */
	if (h->state == HANDOVER_SENT) {
		handover_arm(h, h->env->adopt_ms);
		return;
	}
	if (h->state != HANDOVER_STANDING)
		return;
	log_info("%s: synjitsu: the guest is ready %llu ms after the claim",
	    h->name, (unsigned long long)(vm_now_ms() - h->claim_ms));
	h->state = HANDOVER_WAITING;
	/* A guest kept off the network asks at once or never (the libOS
	 * says ready and asks back to back); waiting the whole grace
	 * would cut a guest without Synjitsu off for that long. */
	handover_arm(h, h->holding ? h->env->ask_ms : h->env->grace_ms);
}

/* The guest did not ask in time. */
static void
handover_unasked(struct handover *h)
{
	h->env->metrics->standin_expired++;
	handover_drop(h, "the guest never asked for them");
	if (h->holding)
		handover_close(h, "the guest never asked for its connections");
	else {
		h->state = HANDOVER_IDLE;
		handover_over(h);
	}
}

static void
handover_timer_cb(int fd, short ev, void *arg)
{
	struct handover *h = arg;

	(void)fd;
	(void)ev;
	switch (h->state) {
	case HANDOVER_STANDING:
	case HANDOVER_WAITING:
		handover_unasked(h);
		break;
	case HANDOVER_SENT:
		log_warnx("%s: synjitsu: records not adopted in %u s", h->name,
		    h->env->adopt_ms / 1000);
		handover_close(h, "the hand-over took too long");
		break;
	case HANDOVER_IDLE:
	case HANDOVER_NSTATES:
		break;
	}
}

void
handover_end(struct handover *h, const char *why)
{
	handover_drop(h, why);
	handover_close(h, why);
}

/*
 * The guest asks.  The stand-in is frozen first (it answers nothing
 * more), so no segment is acknowledged that is not in the records.
 */
void
handover_asked(struct handover *h)
{
	struct handover_env *env = h->env;
	struct synrec	    *recs = NULL;
	size_t		     n = 0;

	if (h->state == HANDOVER_SENT) {
		if (h->early != NULL)
			log_debug("%s: synjitsu: the guest asked; its records "
				  "went %s",
			    h->name, h->early);
		else
			log_warnx("%s: synjitsu: the guest asked again; "
				  "ignored",
			    h->name);
		return;
	}
	if (h->tr == NULL)
		return; /* over: nobody listens to the guest */
	handover_disarm(h);
	if (h->claim != NULL)
		n = env->si->handover(env->sictx, h->claim, &recs);
	if (h->tr->send(h->trctx, recs, n) == -1) {
		log_warnx("%s: synjitsu: hand-over of %zu connection(s) "
			  "could not be written",
		    h->name, n);
		free(recs);
		handover_drop(h, NULL);
		handover_close(h, "the hand-over could not be written");
		return;
	}
	env->metrics->handovers++;
	env->metrics->handed_conns += n;
	handover_mark(h, TL_HANDOVER);
	log_info("%s: synjitsu: %zu connection(s) handed over %llu ms after "
		 "the claim%s%s",
	    h->name, n, (unsigned long long)(vm_now_ms() - h->claim_ms),
	    h->early != NULL ? ", " : "", h->early != NULL ? h->early : "");
	free(recs);
	/* The claim stays, frozen: the guest may not be on the wire yet,
	 * and until it is, its ARP is ours and its frames are kept. */
	h->sent = n;
	h->state = HANDOVER_SENT;
	if (h->early == NULL)
		handover_arm(h, env->adopt_ms);
}

/*
 * Waiting for the guest's ask costs it, on a dom0 whose CPU it shares:
 * its write and xenstored's watch event come between its boot and its
 * records, while the request they carry is here already.  A kernel that
 * reads its records at uk_ready() whether or not it asked (its note,
 * records_early) gets them as it starts instead, when every client has
 * sent at least the first bytes of its request: frozen before that, the
 * stand-in would keep what comes next and pass it only after the
 * adoption, later than the guest answers a record.  Otherwise the
 * guest's ask decides, as for any other kernel.  The adopt deadline
 * waits for readiness (handover_ready): a boot may take longer than
 * adopting does.
 *
 * Why as early as the domain is made, not at its unpause.  Sent at the
 * unpause, the records reached XenStore behind the builder's own steps
 * after it (its watches of the guest's folder), while the guest's NIC
 * came up: in a traced nested run the guest looked for them as its NIC
 * came up and again at uk_ready(), found none both times, and waited on
 * a watch.  Sent when the domain is made, the builder writes them
 * before it unpauses the guest (xlb.c takes them from its queue there),
 * and the guest finds them the first time it looks.  The unpause is the
 * second chance, for clients whose requests came in after.
 */
static void
handover_early(struct handover *h, const struct binding *b, const char *when)
{
	struct handover_env *env = h->env;

	if (!b->records_early || h->state != HANDOVER_STANDING ||
	    h->tr == NULL || h->claim == NULL || env->si->settled == NULL ||
	    !env->si->settled(env->sictx, h->claim))
		return;
	h->early = when;
	handover_asked(h);
}

void
handover_created(struct handover *h, const struct binding *b)
{
	handover_early(h, b, "as its domain was made");
}

void
handover_unpaused(struct handover *h, const struct binding *b)
{
	handover_early(h, b, "at its unpause");
}

void
handover_adopted(struct handover *h, int k)
{
	char why[64];

	if (h->tr == NULL)
		return; /* late: over already */
	if (h->state != HANDOVER_SENT && h->claim != NULL) {
		/* It took nothing and will not ask: its stack answers. */
		h->env->metrics->standin_expired++;
		handover_drop(h, "the guest does not ask for them");
	}
	if (k < 0)
		log_warnx("%s: synjitsu: the guest gave up waiting for its "
			  "connections",
		    h->name);
	else if ((size_t)k > h->sent)
		log_warnx("%s: synjitsu: the guest says it adopted %d of %zu "
			  "connection(s); not counted",
		    h->name, k, h->sent);
	else {
		h->env->metrics->adopted_conns += (uint64_t)k;
		handover_mark(h, TL_ADOPTED);
		log_info("%s: synjitsu: the guest adopted %d connection(s) "
			 "%llu ms after the claim",
		    h->name, k,
		    (unsigned long long)(vm_now_ms() - h->claim_ms));
	}
	if (k >= 0)
		handover_pass(h);
	if (k < 0)
		snprintf(why, sizeof(why), "the guest gave up");
	else
		snprintf(why, sizeof(why), "the guest adopted %d connection(s)",
		    k);
	handover_close(h, why);
}

void
handover_broken(struct handover *h, const char *why)
{
	if (h->state == HANDOVER_SENT)
		log_warnx("%s: synjitsu: the guest gave up waiting for its "
			  "connections: %s",
		    h->name, why);
	else if (h->claim != NULL) {
		h->env->metrics->standin_expired++;
		handover_drop(h, "the guest does not ask for them");
	}
	handover_close(h, why);
}
