/* vm.c -- unikernel lifecycle: registry and state machine per binding */
#include <arpa/inet.h>

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "jitsud.h"
#include "log.h"

/*
 * Every binding of the loaded zones has one struct vm here, whether its
 * domain runs or not.  The backend (libxl, a process, or a test fake)
 * does the work and reports back through the vm_backend_* calls below;
 * this file alone decides what state a VM is in, so DNS, Synjitsu and
 * jitsuctl see one consistent story.
 *
 *   STOPPED -> BUILDING -> BOOTING -> READY -> STOPPING -> STOPPED
 *                  ^                     \--> PAUSED    (stop=pause)
 *                  |                     \--> SUSPENDED (stop=suspend)
 *                  +--- restore <--- SUSPENDED
 *
 * Queries that arrive while a VM is on its way up wait on v->waiters;
 * they are all answered by the one transition that settles the matter
 * (READY, or a failure back to STOPPED), which is how concurrent queries
 * for one cold name join a single summon.
 */

#define IDLE_CHECK_MIN_MS 100

static const char *const vm_state_names[VM_NSTATES] = {
	[VM_STOPPED] = "stopped",
	[VM_BUILDING] = "building",
	[VM_BOOTING] = "booting",
	[VM_READY] = "ready",
	[VM_STOPPING] = "stopping",
	[VM_PAUSED] = "paused",
	[VM_SUSPENDED] = "suspended",
};

static void vm_set_state(struct vm *, enum vm_state);
static void vm_timer_cb(int, short, void *);
static void vm_idle_cb(int, short, void *);
static void vm_stop_now(struct vm *, const char *);
static void vm_ho_mark(struct handover *, enum tl_phase);
static void vm_ho_over(struct handover *);

const char *
vm_state_name(enum vm_state s)
{
	return s < VM_NSTATES ? vm_state_names[s] : "?";
}

uint64_t
vm_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void
vms_standin(struct vms *vs, const struct vm_standin *si, void *ctx)
{
	vs->ho.si = si;
	vs->ho.sictx = ctx;
}

struct vms *
vms_new(struct event_base *base, const struct vm_backend *be, void *bectx,
    struct metrics *m)
{
	struct vms *vs;

	if ((vs = calloc(1, sizeof(*vs))) == NULL)
		return NULL;
	vs->base = base;
	vs->be = be;
	vs->bectx = bectx;
	vs->metrics = m;
	vs->grace_ms = VM_GRACE_MS;
	handover_env_init(&vs->ho, base, m);
	vs->ho.mark = vm_ho_mark;
	vs->ho.over = vm_ho_over;
	vs->stop_timeout_ms = VM_STOP_TIMEOUT_MS;
	TAILQ_INIT(&vs->all);
	return vs;
}

struct vm *
vm_find(struct vms *vs, const char *name)
{
	struct vm *v;

	TAILQ_FOREACH(v, &vs->all, entry)
		if (strcasecmp(v->b.name, name) == 0)
			return v;
	return NULL;
}

static struct vm *
vm_new(struct vms *vs, const struct binding *b)
{
	struct vm *v;

	if ((v = calloc(1, sizeof(*v))) == NULL)
		return NULL;
	v->vs = vs;
	if (binding_copy(&v->b, b) == -1) {
		free(v);
		return NULL;
	}
	v->domid = -1;
	TAILQ_INIT(&v->waiters);
	/* Its timers are made when first armed (vm_timer_add): most of a
	 * large zone's names are never summoned. */
	if (handover_init(&v->ho, &vs->ho, v->b.name) == -1)
		fatalx("vm_new: evtimer_new");
	v->since_ms = vm_now_ms();
	TAILQ_INSERT_TAIL(&vs->all, v, entry);
	return v;
}

/* Forget a reload's binding waiting for the guest to stop. */
static void
vm_next_clear(struct vm *v)
{
	if (v->next_b == NULL)
		return;
	binding_clear(v->next_b);
	free(v->next_b);
	v->next_b = NULL;
}

static void
vm_free(struct vm *v)
{
	TAILQ_REMOVE(&v->vs->all, v, entry);
	vm_probe_stop(v);
	handover_free(&v->ho);
	binding_clear(&v->b);
	free(v->rec);
	vm_next_clear(v);
	if (v->timer != NULL)
		event_free(v->timer);
	if (v->idle != NULL)
		event_free(v->idle);
	free(v);
}

/* Arm *ev (made now if it was never armed) to run cb in ms. */
static void
vm_timer_add(struct vm *v, struct event **ev, void (*cb)(int, short, void *),
    uint64_t ms)
{
	struct timeval tv = ms_timeval(ms);

	if (*ev == NULL && (*ev = evtimer_new(v->vs->base, cb, v)) == NULL)
		fatalx("%s: evtimer_new", v->b.name);
	evtimer_add(*ev, &tv);
}

static void
vm_arm(struct vm *v, uint64_t ms)
{
	vm_timer_add(v, &v->timer, vm_timer_cb, ms);
}

/*
 * The summon's timeline.  It starts at the first query of a summon (not
 * at a warm build nobody asked for), each phase is counted in the
 * per-phase histograms when first seen, and one log line tells the
 * whole story once the summon is settled: ready with no hand-over still
 * to come, ready and the hand-over over, or failed.
 */
static void
vm_tl_start(struct vm *v, uint64_t now)
{
	timeline_start(&vm_rec(v)->tl, now);
	v->tl_logged = 0;
}

static void
vm_tl_mark(struct vm *v, enum tl_phase p, uint64_t now)
{
	uint64_t ms;

	if (timeline_mark(&vm_rec(v)->tl, p, now, &ms) == 0)
		metrics_phase(v->vs->metrics, p, ms);
}

static void
vm_tl_log(struct vm *v)
{
	char	 buf[256];
	uint64_t ms;

	if (vm_rec_peek(v)->tl.origin_ms == 0 || v->tl_logged)
		return;
	v->tl_logged = 1;
	timeline_format(&vm_rec(v)->tl, buf, sizeof(buf));
	/* Which of the Xen backend's builders ran it, when there are. */
	if (v->builder > 0)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf),
		    " builder=%d", v->builder);
	log_info("%s: summon timeline%s (ms after the query): %s", v->b.name,
	    timeline_get(&vm_rec(v)->tl, TL_READY, &ms) ? "" : ", never ready",
	    buf);
}

static struct vm *
vm_of_handover(struct handover *h)
{
	return (struct vm *)(void *)((char *)h - offsetof(struct vm, ho));
}

static void
vm_ho_mark(struct handover *h, enum tl_phase p)
{
	vm_tl_mark(vm_of_handover(h), p, vm_now_ms());
}

/* The hand-over is over: a ready (or fallen) summon is settled. */
static void
vm_ho_over(struct handover *h)
{
	struct vm *v = vm_of_handover(h);

	if (v->state != VM_BUILDING && v->state != VM_BOOTING)
		vm_tl_log(v);
}

static void
vm_set_state(struct vm *v, enum vm_state s)
{
	uint64_t now = vm_now_ms();

	log_info("%s: %s -> %s after %llu ms", v->b.name,
	    vm_state_name(v->state), vm_state_name(s),
	    (unsigned long long)(now - v->since_ms));
	/* Fell on its way up: the summon is settled, badly. */
	if ((v->state == VM_BUILDING || v->state == VM_BOOTING) &&
	    (s == VM_STOPPED || s == VM_STOPPING))
		vm_tl_log(v);
	v->state = s;
	v->since_ms = now;
	if (v->timer != NULL)
		evtimer_del(v->timer);
	if (s != VM_BOOTING)
		vm_probe_stop(v);
	if (s != VM_READY && v->idle != NULL)
		evtimer_del(v->idle);
	/* Down, or not booting afresh: nobody will ask for connections. */
	if (s != VM_BUILDING && s != VM_BOOTING && s != VM_READY)
		handover_end(&v->ho, "the guest went down first");
}

/*
 * ready=tcp: the guest's port answers from here.  One probe for every
 * backend, run from the main loop without blocking; it ends when the VM
 * leaves BOOTING, whichever way.
 */
static void
vm_probe_cb(void *arg)
{
	struct vm *v = arg;

	v->probe = NULL; /* the probe that called us is gone */
	vm_backend_ready(v);
}

int
vm_probe_start(struct vm *v)
{
	struct sockaddr_in sin;

	if (!v->b.has_ip) {
		snprintf(vm_rec(v)->error, sizeof(vm_rec(v)->error),
		    "ready=tcp needs an IPv4 address");
		return -1;
	}
	vm_probe_stop(v);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr = v->b.ip;
	sin.sin_port = htons(v->b.ready_port);
	v->probe = probe_start(v->vs->base, (struct sockaddr *)&sin,
	    sizeof(sin), vm_probe_cb, v);
	return v->probe != NULL ? 0 : -1;
}

void
vm_probe_stop(struct vm *v)
{
	probe_cancel(v->probe);
	v->probe = NULL;
}

/* Answer every waiter: the summon they joined is settled. */
static void
vm_wake(struct vm *v, int ok, const char *why)
{
	struct vm_waiter *w;

	while ((w = TAILQ_FIRST(&v->waiters)) != NULL) {
		TAILQ_REMOVE(&v->waiters, w, entry);
		w->vm = NULL;
		w->cb(w->arg, ok, why);
	}
}

static void
vm_fail(struct vm *v, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(vm_rec(v)->error, sizeof(vm_rec(v)->error), fmt, ap);
	va_end(ap);
	log_warnx("%s: %s", v->b.name, vm_rec(v)->error);
	v->vs->metrics->summon_failures++;
}

static void
vm_idle_arm(struct vm *v)
{
	uint64_t ms = v->b.idle_ms / 4;

	if (v->b.idle_ms == 0)
		return;
	/* Look a few times per idle period: stop at most 25 % late. */
	vm_timer_add(v, &v->idle, vm_idle_cb,
	    ms < IDLE_CHECK_MIN_MS ? IDLE_CHECK_MIN_MS : ms);
}

static void
vm_became_ready(struct vm *v)
{
	uint64_t now = vm_now_ms();

	vm_set_state(v, VM_READY);
	/* Before the held answers go: clients must find the guest's MAC. */
	if (v->vs->ho.si != NULL && v->vs->ho.si->announce != NULL)
		v->vs->ho.si->announce(v->vs->ho.sictx, &v->b);
	handover_ready(&v->ho);
	vm_tl_mark(v, TL_READY, now);
	if (!handover_talking(&v->ho))
		vm_tl_log(v);
	v->used_ms = now;
	v->traffic = v->vs->be->traffic ? v->vs->be->traffic(v) : 0;
	if (v->summon_ms != 0) {
		metrics_boot(v->vs->metrics, now - v->summon_ms);
		metrics_hist_add(&vm_rec(v)->boots, now - v->summon_ms);
		v->summon_ms = 0;
	}
	vm_rec(v)->error[0] = '\0';
	vm_idle_arm(v);
	vm_wake(v, 1, NULL);
}

/* Start the readiness check the binding asked for. */
static void
vm_wait_ready(struct vm *v)
{
	uint64_t left, spent = vm_now_ms() - v->summon_ms;

	vm_set_state(v, VM_BOOTING);
	handover_booting(&v->ho, &v->b);
	left = spent < v->b.max_boot_ms ? v->b.max_boot_ms - spent : 0;
	switch (v->b.ready) {
	case BINDING_READY_DELAY:
		vm_arm(v,
		    v->b.ready_delay_ms < left ? v->b.ready_delay_ms : left);
		return;
	case BINDING_READY_XENSTORE:
	case BINDING_READY_TCP:
		if (v->vs->be->watch_ready(v) == -1) {
			vm_fail(v, "cannot watch for readiness");
			vm_stop_now(v, vm_rec(v)->error);
			return;
		}
		vm_arm(v, left);
		return;
	}
}

/*
 * Begin a build (or a restore) of a stopped or suspended VM.  A warm
 * build stops at a paused domain, which the first query unpauses.
 */
static void
vm_build(struct vm *v, int warm)
{
	uint64_t spent;
	int	 r, claim;

	if (v->summon_ms == 0) {
		/* A new summon (not a retry of the same one). */
		v->summon_ms = vm_now_ms();
		v->attempts = 0;
		if (!warm) {
			v->vs->metrics->summons++;
			vm_tl_start(v, v->summon_ms);
		}
	}
	v->attempts++;
	v->restoring = v->state == VM_SUSPENDED;
	v->warming = warm;
	vm_set_state(v, VM_BUILDING);
	/*
	 * Only a fresh boot asks for connections: a restored or warm
	 * guest's stack is already up (or will be unpaused at once).  A
	 * backend whose create() does not look at the claim (it builds in
	 * another thread) gets the build asked for first: the claim opens
	 * the bridge's socket, milliseconds the builder need not wait, and
	 * no client hears from us before this function returns.
	 */
	claim = !v->restoring && !warm;
	if (claim && !v->vs->be->build_first)
		handover_claim(&v->ho, &v->b);
	r = v->restoring ? v->vs->be->restore(v) : v->vs->be->create(v, warm);
	if (r == 0 && claim && v->vs->be->build_first)
		handover_claim(&v->ho, &v->b);
	if (r == -1) {
		char why[sizeof(vm_rec(v)->error)];

		/* vm_rec(v)->error holds the backend's reason: copy, then format. */
		snprintf(why, sizeof(why), "%s",
		    vm_rec(v)->error[0] ? vm_rec(v)->error : "backend error");
		vm_fail(v, "%s failed: %s", v->restoring ? "restore" : "create",
		    why);
		vm_set_state(v, VM_STOPPED);
		vm_wake(v, 0, vm_rec(v)->error);
		return;
	}
	/* max-boot counts from the summon, across a retried build. */
	spent = vm_now_ms() - v->summon_ms;
	vm_arm(v, spent < v->b.max_boot_ms ? v->b.max_boot_ms - spent : 0);
}

enum vm_want
vm_want(struct vms *vs, const struct binding *b, struct vm_waiter *w)
{
	struct vm *v = vm_find(vs, b->name);

	if (v == NULL)
		return VM_WANT_FAIL;
	v->used_ms = vm_now_ms();
	switch (v->state) {
	case VM_READY:
		return VM_WANT_READY;
	case VM_PAUSED:
		/* A warm guest's summon is this query and its unpause. */
		vm_tl_start(v, v->used_ms);
		if (vs->be->unpause(v) == -1) {
			vm_fail(v, "unpause failed");
			vm_stop_now(v, vm_rec(v)->error);
			break;
		}
		vm_tl_mark(v, TL_UNPAUSED, vm_now_ms());
		vm_became_ready(v);
		return VM_WANT_READY;
	case VM_STOPPED:
	case VM_SUSPENDED:
		v->summon_ms = 0;
		vm_build(v, 0);
		if (v->state == VM_STOPPED)
			return VM_WANT_FAIL;
		if (handover_standing(&v->ho))
			return VM_WANT_STANDIN;
		break;
	case VM_BUILDING:
	case VM_BOOTING:
		if (handover_standing(&v->ho))
			return VM_WANT_STANDIN;
		break;
	case VM_STOPPING: /* re-summoned once it is down */
	case VM_NSTATES:
		break;
	}
	if (w == NULL)
		return VM_WANT_WAIT;
	w->vm = v;
	TAILQ_INSERT_TAIL(&v->waiters, w, entry);
	return VM_WANT_WAIT;
}

int
vm_join(struct vms *vs, const struct binding *b, struct vm_waiter *w)
{
	struct vm *v = vm_find(vs, b->name);

	if (v == NULL ||
	    (v->state != VM_BUILDING && v->state != VM_BOOTING &&
		v->state != VM_STOPPING))
		return -1;
	w->vm = v;
	TAILQ_INSERT_TAIL(&v->waiters, w, entry);
	return 0;
}

void
vm_waiter_cancel(struct vm_waiter *w)
{
	if (w->vm == NULL)
		return;
	TAILQ_REMOVE(&w->vm->waiters, w, entry);
	w->vm = NULL;
}

/*
 * Take the VM down the way its binding says.  `why' is logged; the
 * waiters (if any) are kept: a VM stopped while queries wait for it is
 * summoned again as soon as it is down.
 */
static void
vm_stop_now(struct vm *v, const char *why)
{
	const struct vm_backend *be = v->vs->be;
	int			 r = 0;

	log_info("%s: stopping (%s)", v->b.name, why);
	switch (v->state == VM_READY ? v->b.stop : BINDING_STOP_DESTROY) {
	case BINDING_STOP_PAUSE:
		if (be->pause(v) == 0) {
			vm_set_state(v, VM_PAUSED);
			return;
		}
		r = be->destroy(v);
		break;
	case BINDING_STOP_SUSPEND:
		r = be->suspend(v);
		break;
	case BINDING_STOP_SHUTDOWN:
		r = be->shutdown(v);
		break;
	case BINDING_STOP_DESTROY:
		r = be->destroy(v);
		break;
	}
	v->stopping_mode = v->state == VM_READY ? v->b.stop :
						  BINDING_STOP_DESTROY;
	/* A stop the backend refused (a process cannot be suspended)
	 * becomes a destroy, and must end as stopped, not suspended. */
	if (r == -1)
		v->stopping_mode = BINDING_STOP_DESTROY;
	vm_set_state(v, VM_STOPPING);
	if (r == -1 && be->destroy(v) == -1) {
		vm_fail(v, "cannot stop the domain");
		return;
	}
	/* A guest asked to shut down gets a grace period; a destroy or a
	 * suspend that never reports back is a backend in trouble. */
	vm_arm(v,
	    v->stopping_mode == BINDING_STOP_SHUTDOWN ? v->vs->grace_ms :
							v->vs->stop_timeout_ms);
}

int
vm_stop(struct vms *vs, const char *name, char *err, size_t errlen)
{
	struct vm *v = vm_find(vs, name);

	if (v == NULL) {
		snprintf(err, errlen, "no binding named %s", name);
		return -1;
	}
	if (v->state == VM_STOPPED || v->state == VM_STOPPING ||
	    v->state == VM_SUSPENDED || v->state == VM_PAUSED) {
		snprintf(err, errlen, "%s is already %s", name,
		    vm_state_name(v->state));
		return -1;
	}
	vm_wake(v, 0, "stopped by the operator");
	vm_stop_now(v, "operator request");
	return 0;
}

int
vm_start(struct vms *vs, const char *name, char *err, size_t errlen)
{
	struct vm *v = vm_find(vs, name);

	if (v == NULL) {
		snprintf(err, errlen, "no binding named %s", name);
		return -1;
	}
	if (vm_want(vs, &v->b, NULL) == VM_WANT_FAIL) {
		snprintf(err, errlen, "%s", vm_rec(v)->error);
		return -1;
	}
	return 0;
}

/* Timers: the build, boot or stop took too long, or a ready delay ran. */
static void
vm_timer_cb(int fd, short event, void *arg)
{
	struct vm *v = arg;

	(void)fd;
	(void)event;
	switch (v->state) {
	case VM_BUILDING:
	case VM_BOOTING:
		if (v->state == VM_BOOTING &&
		    v->b.ready == BINDING_READY_DELAY &&
		    vm_now_ms() - v->summon_ms < v->b.max_boot_ms) {
			vm_became_ready(v);
			return;
		}
		vm_fail(v, "not ready within max-boot %u ms", v->b.max_boot_ms);
		vm_wake(v, 0, vm_rec(v)->error);
		vm_stop_now(v, "boot timed out");
		break;
	case VM_STOPPING:
		/* shutdown's grace period is over, or a stop hangs. */
		log_warnx("%s: still not down; destroying", v->b.name);
		v->stopping_mode = BINDING_STOP_DESTROY;
		if (v->vs->be->destroy(v) == 0)
			vm_arm(v, v->vs->stop_timeout_ms);
		break;
	default:
		break;
	}
}

/*
 * Idle check: a VM is busy if its name was looked up or its vif moved
 * bytes since the last look.  Only when neither happened for idle_ms is
 * it stopped, so a long download keeps its VM alive.
 */
static void
vm_idle_cb(int fd, short event, void *arg)
{
	struct vm *v = arg;
	uint64_t   now = vm_now_ms(), traffic;

	(void)fd;
	(void)event;
	if (v->state != VM_READY)
		return;
	traffic = v->vs->be->traffic ? v->vs->be->traffic(v) : 0;
	if (traffic != v->traffic) {
		v->traffic = traffic;
		v->used_ms = now;
	}
	if (now - v->used_ms >= v->b.idle_ms && TAILQ_EMPTY(&v->waiters)) {
		v->vs->metrics->idle_stops++;
		vm_stop_now(v, "idle");
		return;
	}
	vm_idle_arm(v);
}

void
vm_touch(struct vms *vs, const char *name)
{
	struct vm *v = vm_find(vs, name);

	if (v != NULL)
		v->used_ms = vm_now_ms();
}

/* Backend reports. */

void
vm_backend_built(struct vm *v, int ok, const char *why)
{
	if (v->state != VM_BUILDING)
		return;
	/*
	 * One failed build is tried again (measured in the nested testbed:
	 * now and then a vif's backend never leaves Initialising and libxl
	 * gives up on the device), within the same max-boot; the second
	 * failure is the summon's.
	 */
	if (!ok && !v->restoring && v->attempts < VM_BUILD_ATTEMPTS) {
		log_warnx("%s: build failed (%s); trying once more", v->b.name,
		    why ? why : "unknown error");
		v->domid = -1;
		vm_build(v, v->warming);
		return;
	}
	if (!ok) {
		vm_fail(v, "%s failed: %s", v->restoring ? "restore" : "build",
		    why ? why : "unknown error");
		vm_set_state(v, VM_STOPPED);
		v->domid = -1;
		vm_wake(v, 0, vm_rec(v)->error);
		return;
	}
	if (v->restoring) {
		/* A restored domain resumes where it was: already ready. */
		vm_became_ready(v);
		return;
	}
	if (v->warming && TAILQ_EMPTY(&v->waiters)) {
		v->summon_ms = 0;
		vm_set_state(v, VM_PAUSED);
		return;
	}
	if (v->warming && v->vs->be->unpause(v) == -1) {
		vm_fail(v, "unpause after a warm build failed");
		vm_wake(v, 0, vm_rec(v)->error);
		vm_stop_now(v, vm_rec(v)->error);
		return;
	}
	vm_wait_ready(v);
}

void
vm_backend_ready(struct vm *v)
{
	if (v->state == VM_BOOTING)
		vm_became_ready(v);
}

void
vm_backend_gone(struct vm *v, const char *why)
{
	enum vm_state was = v->state;

	if (was == VM_STOPPED || was == VM_SUSPENDED)
		return;
	v->domid = -1;
	if (was == VM_STOPPING && v->stopping_mode == BINDING_STOP_SUSPEND &&
	    why == NULL) {
		vm_set_state(v, VM_SUSPENDED);
	} else {
		if (was != VM_STOPPING) {
			/* Kept for jitsuctl show: why did it go? */
			snprintf(vm_rec(v)->error, sizeof(vm_rec(v)->error),
			    "%s", why ? why : "went away, no reason given");
			log_warnx("%s: domain went away while %s: %s",
			    v->b.name, vm_state_name(was), vm_rec(v)->error);
		}
		vm_set_state(v, VM_STOPPED);
	}
	if (v->vs->be->forget != NULL)
		v->vs->be->forget(v);
	if (v->next_b != NULL && v->state == VM_STOPPED) {
		/* A reload changed the binding while it ran: use it now. */
		binding_clear(&v->b);
		v->b = *v->next_b; /* moved, strings and all */
		free(v->next_b);
		v->next_b = NULL;
		handover_rename(&v->ho, v->b.name);
	}
	if (v->removed) {
		vm_wake(v, 0, "binding removed");
		vm_free(v);
		return;
	}
	/* A guest that dies on its way up failed its summon: say so, do
	 * not boot it again and again for the queries that wait. */
	if (was == VM_BUILDING || was == VM_BOOTING) {
		v->vs->metrics->summon_failures++;
		vm_wake(v, 0, vm_rec(v)->error);
		return;
	}
	/* Queries came in while it went down: bring it straight back. */
	if (!TAILQ_EMPTY(&v->waiters)) {
		v->summon_ms = 0;
		vm_build(v, 0);
	}
}

void
vm_backend_adopted(struct vms *vs, const char *name, int domid)
{
	struct vm *v = vm_find(vs, name);

	if (v == NULL || v->state != VM_STOPPED)
		return;
	v->domid = domid;
	log_info("%s: adopting running domain %d", name, domid);
	vm_became_ready(v);
}

void
vm_backend_phase(struct vm *v, enum tl_phase p, uint64_t now_ms)
{
	/* Only the summon under way: a late report of a stopped one
	 * finds no timeline or a newer one (the first mark wins). */
	if (v->state == VM_BUILDING || v->state == VM_BOOTING ||
	    v->state == VM_READY)
		vm_tl_mark(v, p, now_ms);
	if (v->state != VM_BUILDING && v->state != VM_BOOTING)
		return;
	if (p == TL_CREATED)
		handover_created(&v->ho, &v->b);
	else if (p == TL_UNPAUSED)
		handover_unpaused(&v->ho, &v->b);
}

/* dst (a binding of a VM) becomes a copy of b, its old strings freed. */
static void
vm_rebind(struct binding *dst, const struct binding *b)
{
	struct binding t;

	if (binding_copy(&t, b) == -1)
		fatalx("vms_sync: out of memory");
	binding_clear(dst);
	*dst = t;
}

/*
 * Make the registry match a freshly loaded zone set: new bindings get a
 * stopped VM, unchanged ones keep theirs (running or not), changed ones
 * keep running under their old settings until they next stop, and
 * removed ones are stopped and forgotten.
 */
void
vms_sync(struct vms *vs, const struct zone_set *zs, struct vms_sync_report *r)
{
	struct vms_sync_report none;
	struct vm	      *v, *next;
	size_t		       i, j;

	if (r == NULL)
		r = &none;
	memset(r, 0, sizeof(*r));
	TAILQ_FOREACH(v, &vs->all, entry)
		v->seen = 0;
	for (i = 0; zs != NULL && i < zs->nzones; i++) {
		const struct zone *z = zs->zones[i];

		for (j = 0; j < z->nbindings; j++) {
			const struct binding *b = &z->bindings[j];

			if ((v = vm_find(vs, b->name)) == NULL) {
				if ((v = vm_new(vs, b)) == NULL)
					fatalx("vms_sync: out of memory");
				r->added++;
			} else if (v->state == VM_STOPPED ||
			    v->state == VM_SUSPENDED) {
				r->changed += !binding_same(&v->b, b);
				vm_rebind(&v->b, b);
				/* The old strings are gone. */
				handover_rename(&v->ho, v->b.name);
			} else if (binding_same(&v->b, b)) {
				/* Back as it runs: a change made meanwhile
				 * is no longer wanted. */
				vm_next_clear(v);
			} else {
				r->later++;
				if (v->next_b == NULL &&
				    (v->next_b = calloc(1,
					 sizeof(*v->next_b))) == NULL)
					fatalx("vms_sync: out of memory");
				vm_rebind(v->next_b, b);
			}
			v->seen = 1;
		}
	}
	for (v = TAILQ_FIRST(&vs->all); v != NULL; v = next) {
		next = TAILQ_NEXT(v, entry);
		if (v->seen)
			continue;
		v->removed = 1;
		r->removed++;
		if (v->state == VM_STOPPED || v->state == VM_SUSPENDED) {
			vm_wake(v, 0, "binding removed");
			vm_free(v);
		} else if (v->state != VM_STOPPING)
			vm_stop_now(v, "binding removed");
	}
}

void
vms_warm(struct vms *vs)
{
	struct vm *v;

	TAILQ_FOREACH(v, &vs->all, entry)
		if (v->b.warm && v->state == VM_STOPPED)
			vm_build(v, 1);
}

void
vms_free(struct vms *vs)
{
	struct vm *v;

	while ((v = TAILQ_FIRST(&vs->all)) != NULL) {
		vm_wake(v, 0, "shutting down");
		vm_free(v);
	}
	free(vs);
}
