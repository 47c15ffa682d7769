/* test_vm.c -- vm.c's state machine driven through a recording fake backend */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <event2/event.h>

#include "jitsud.h"
#include "log.h"
#include "testutil.h"

/*
 * The fake records every call as "op(name)" in calls[], and completes
 * nothing by itself: each test plays the backend's part by calling the
 * vm_backend_* reports, so every interleaving is under its control.
 */
static char		  calls[4096];
static int		  fail_create, fail_pause, fail_suspend;
static uint64_t		  traffic_counter;
static struct event_base *base;
static struct metrics	  metrics;

static void
record(const char *op, const struct vm *v)
{
	size_t n = strlen(calls);

	snprintf(calls + n, sizeof(calls) - n, "%s%s(%s)", n ? " " : "", op,
	    v->b.name);
}

static const struct handover_transport fake_transport;

/* As a real backend: a fresh build of a Synjitsu binding gets a channel. */
static int
fake_create(struct vm *v, int paused)
{
	record(paused ? "create-paused" : "create", v);
	if (v->b.synjitsu && !paused)
		handover_attach(&v->ho, &fake_transport, v);
	if (fail_create) {
		snprintf(vm_rec(v)->error, sizeof(vm_rec(v)->error),
		    "no such kernel");
		return -1;
	}
	return 0;
}

#define FAKE_OP(op)                        \
	static int fake_##op(struct vm *v) \
	{                                  \
		record(#op, v);            \
		return 0;                  \
	}
FAKE_OP(restore)
FAKE_OP(watch_ready)
FAKE_OP(unpause)
FAKE_OP(shutdown)
FAKE_OP(destroy)

static int
fake_suspend(struct vm *v)
{
	record("suspend", v);
	return fail_suspend ? -1 : 0;
}

static int
fake_pause(struct vm *v)
{
	record("pause", v);
	return fail_pause ? -1 : 0;
}

static uint64_t
fake_traffic(struct vm *v)
{
	(void)v;
	return traffic_counter;
}

/* The fake's hand-over transport: records "handoverN" and "close". */
static int
fake_ho_send(void *ctx, const struct synrec *recs, size_t n)
{
	char op[32];

	(void)recs;
	snprintf(op, sizeof(op), "handover%zu", n);
	record(op, ctx);
	return 0;
}

static void
fake_ho_close(void *ctx, const char *why)
{
	(void)why;
	record("close", ctx);
}

static const struct handover_transport fake_transport = {
	.name = "fake",
	.holds = 0,
	.send = fake_ho_send,
	.close = fake_ho_close,
};

static const struct vm_backend fake = {
	.name = "fake",
	.create = fake_create,
	.restore = fake_restore,
	.watch_ready = fake_watch_ready,
	.unpause = fake_unpause,
	.pause = fake_pause,
	.shutdown = fake_shutdown,
	.suspend = fake_suspend,
	.destroy = fake_destroy,
	.traffic = fake_traffic,
};

/*
 * The fake stand-in: claims record "claim(name)" and hand over
 * fake_conns connections; fail_claim refuses.  Its handle is the vm's
 * binding, so release can say whose it was.
 */
static int    fail_claim;
static size_t fake_conns;

static void *
fake_claim(void *ctx, const struct binding *b, char *err, size_t errlen)
{
	size_t n = strlen(calls);

	(void)ctx;
	snprintf(calls + n, sizeof(calls) - n, "%sclaim(%s)", n ? " " : "",
	    b->name);
	if (fail_claim) {
		snprintf(err, errlen, "no such bridge");
		return NULL;
	}
	return (void *)(uintptr_t)b;
}

static size_t
fake_si_handover(void *ctx, void *claim, struct synrec **recs)
{
	(void)ctx;
	(void)claim;
	/* Only the count matters to vm.c: it passes them on untouched. */
	*recs = fake_conns ? calloc(fake_conns, 4096) : NULL;
	return fake_conns;
}

static void
fake_release(void *ctx, void *claim)
{
	const struct binding *b = claim;
	size_t		      n = strlen(calls);

	(void)ctx;
	snprintf(calls + n, sizeof(calls) - n, "%srelease(%s)", n ? " " : "",
	    b->name);
}

/* The stand-in's word on its clients (handover_unpaused). */
static int fake_is_settled;

static int
fake_settled(void *ctx, void *claim)
{
	(void)ctx;
	(void)claim;
	return fake_is_settled;
}

static const struct vm_standin fake_si = { fake_claim, fake_si_handover,
	fake_release, NULL, NULL, fake_settled };

/* metrics.c is a neighbour: count boots here instead. */
void
metrics_boot(struct metrics *m, uint64_t ms)
{
	(void)ms;
	m->boot.count++;
}

/* A binding's own histogram: counted. */
void
metrics_hist_add(struct metrics_hist *h, uint64_t ms)
{
	h->count++;
	h->sum_ms += ms;
}

/* The per-phase histograms: kept as the last ms seen per phase. */
static uint64_t phase_ms[TL_NPHASES];
static unsigned phase_n[TL_NPHASES];

void
metrics_phase(struct metrics *m, enum tl_phase p, uint64_t ms)
{
	(void)m;
	phase_ms[p] = ms;
	phase_n[p]++;
}

struct answer {
	struct vm_waiter w;
	int		 called, ok;
	char		 why[160];
};

static void
answered(void *arg, int ok, const char *why)
{
	struct answer *a = arg;

	a->called++;
	a->ok = ok;
	snprintf(a->why, sizeof(a->why), "%s", why ? why : "");
}

static void
waiter(struct answer *a)
{
	memset(a, 0, sizeof(*a));
	a->w.cb = answered;
	a->w.arg = a;
}

static struct binding
binding(const char *name, enum binding_stop stop, uint32_t idle_ms)
{
	struct binding b;

	memset(&b, 0, sizeof(b));
	b.name = testutil_str("%s", name);
	b.stop = stop;
	b.idle_ms = idle_ms;
	b.max_boot_ms = 2000;
	b.ready = BINDING_READY_XENSTORE;
	return b;
}

/* A registry over a one-zone set holding just the given bindings. */
static struct vms *
registry(struct binding *b, size_t n)
{
	static struct zone  z;
	static struct zone *zp = &z;
	struct zone_set	    zs = { &zp, 1 };
	struct vms	   *vs;

	memset(&z, 0, sizeof(z));
	z.bindings = b;
	z.nbindings = n;
	vs = vms_new(base, &fake, NULL, &metrics);
	assert_non_null(vs);
	vs->grace_ms = 300;
	vms_sync(vs, &zs, NULL);
	return vs;
}

static int
setup(void **state)
{
	(void)state;
	calls[0] = '\0';
	fail_create = fail_pause = fail_suspend = fail_claim = 0;
	fake_conns = 0;
	fake_is_settled = 0;
	traffic_counter = 0;
	memset(&metrics, 0, sizeof(metrics));
	base = event_base_new();
	log_init("test_vm", 1, 0);
	return base == NULL;
}

static int
teardown(void **state)
{
	(void)state;
	event_base_free(base);
	return 0;
}

static void
test_concurrent_queries_join_one_summon(void **state)
{
	struct binding b = binding("www.example.org.", BINDING_STOP_DESTROY, 0);
	struct vms    *vs = registry(&b, 1);
	struct answer  a[3];
	struct vm     *v = vm_find(vs, "WWW.example.org.");
	int	       i;

	(void)state;
	assert_non_null(v);
	for (i = 0; i < 3; i++) {
		waiter(&a[i]);
		assert_int_equal(vm_want(vs, &b, &a[i].w), VM_WANT_WAIT);
	}
	assert_string_equal(calls, "create(www.example.org.)");
	assert_int_equal(v->state, VM_BUILDING);
	vm_backend_built(v, 1, NULL);
	assert_int_equal(v->state, VM_BOOTING);
	assert_string_equal(calls,
	    "create(www.example.org.) watch_ready(www.example.org.)");
	assert_int_equal(a[0].called, 0);
	vm_backend_ready(v);
	assert_int_equal(v->state, VM_READY);
	for (i = 0; i < 3; i++) {
		assert_int_equal(a[i].called, 1);
		assert_int_equal(a[i].ok, 1);
	}
	assert_int_equal(metrics.summons, 1);
	assert_int_equal(metrics.boot.count, 1);
	assert_int_equal(vm_rec_peek(v)->boots.count,
	    1); /* the binding's own */
	assert_int_equal(vm_want(vs, &b, NULL), VM_WANT_READY);
	vms_free(vs);
}

static void
test_build_failure_answers_every_waiter_with_the_reason(void **state)
{
	struct binding b = binding("www.", BINDING_STOP_DESTROY, 0);
	struct vms    *vs = registry(&b, 1);
	struct vm     *v = vm_find(vs, "www.");
	struct answer  a, c;

	(void)state;
	waiter(&a);
	waiter(&c);
	assert_int_equal(vm_want(vs, &b, &a.w), VM_WANT_WAIT);
	assert_int_equal(vm_want(vs, &b, &c.w), VM_WANT_WAIT);
	vm_backend_built(v, 0, "vif timed out");
	/* The first failure is tried again, within the same summon. */
	assert_int_equal(v->state, VM_BUILDING);
	assert_int_equal(a.called, 0);
	assert_string_equal(calls, "create(www.) create(www.)");
	assert_int_equal(metrics.summons, 1);
	vm_backend_built(v, 0, "out of memory");
	assert_int_equal(v->state, VM_STOPPED);
	assert_int_equal(a.called, 1);
	assert_int_equal(a.ok, 0);
	assert_string_equal(a.why, "build failed: out of memory");
	assert_int_equal(c.called, 1);
	assert_int_equal(metrics.summon_failures, 1);
	/* The next query tries again. */
	assert_int_equal(vm_want(vs, &b, NULL), VM_WANT_WAIT);
	assert_string_equal(calls, "create(www.) create(www.) create(www.)");
	vms_free(vs);
}

static void
test_create_refused_at_once_fails_the_query(void **state)
{
	struct binding b = binding("www.", BINDING_STOP_DESTROY, 0);
	struct vms    *vs = registry(&b, 1);
	struct answer  a;

	(void)state;
	fail_create = 1;
	waiter(&a);
	assert_int_equal(vm_want(vs, &b, &a.w), VM_WANT_FAIL);
	assert_string_equal(vm_rec_peek(vm_find(vs, "www."))->error,
	    "create failed: no such kernel");
	vms_free(vs);
}

static void
test_boot_timeout_fails_waiters_and_destroys(void **state)
{
	struct binding b = binding("slow.", BINDING_STOP_SHUTDOWN, 0);
	struct vms    *vs;
	struct vm     *v;
	struct answer  a;

	(void)state;
	b.max_boot_ms = 100;
	vs = registry(&b, 1);
	v = vm_find(vs, "slow.");
	waiter(&a);
	vm_want(vs, &b, &a.w);
	vm_backend_built(v, 1, NULL);
	testutil_loop_for(base, 200);
	assert_int_equal(a.called, 1);
	assert_int_equal(a.ok, 0);
	assert_string_equal(a.why, "not ready within max-boot 100 ms");
	/* A VM that never became ready is destroyed, not shut down. */
	assert_string_equal(calls,
	    "create(slow.) watch_ready(slow.) "
	    "destroy(slow.)");
	assert_int_equal(v->state, VM_STOPPING);
	vm_backend_gone(v, NULL);
	assert_int_equal(v->state, VM_STOPPED);
	vms_free(vs);
}

/* Bring a VM to READY through the fake. */
static struct vm *
make_ready(struct vms *vs, struct binding *b)
{
	struct vm *v = vm_find(vs, b->name);

	assert_int_equal(vm_want(vs, b, NULL), VM_WANT_WAIT);
	vm_backend_built(v, 1, NULL);
	vm_backend_ready(v);
	assert_int_equal(v->state, VM_READY);
	calls[0] = '\0';
	return v;
}

static void
test_idle_destroy(void **state)
{
	struct binding b = binding("d.", BINDING_STOP_DESTROY, 100);
	struct vms    *vs = registry(&b, 1);
	struct vm     *v = make_ready(vs, &b);

	(void)state;
	testutil_loop_for(base, 250);
	assert_string_equal(calls, "destroy(d.)");
	assert_int_equal(v->state, VM_STOPPING);
	vm_backend_gone(v, NULL);
	assert_int_equal(v->state, VM_STOPPED);
	assert_int_equal(metrics.idle_stops, 1);
	vms_free(vs);
}

static void
test_idle_shutdown_destroys_after_the_grace_period(void **state)
{
	struct binding b = binding("s.", BINDING_STOP_SHUTDOWN, 100);
	struct vms    *vs = registry(&b, 1);
	struct vm     *v = make_ready(vs, &b);

	(void)state;
	testutil_loop_for(base, 250);
	assert_string_equal(calls, "shutdown(s.)");
	assert_int_equal(v->state, VM_STOPPING);
	testutil_loop_for(base,
	    450); /* the guest ignores it: grace is 300 ms here */
	assert_string_equal(calls, "shutdown(s.) destroy(s.)");
	vm_backend_gone(v, NULL);
	assert_int_equal(v->state, VM_STOPPED);
	vms_free(vs);
}

static void
test_idle_suspend_then_restore_on_demand(void **state)
{
	struct binding b = binding("z.", BINDING_STOP_SUSPEND, 100);
	struct vms    *vs = registry(&b, 1);
	struct vm     *v = make_ready(vs, &b);
	struct answer  a;

	(void)state;
	testutil_loop_for(base, 180);
	assert_string_equal(calls, "suspend(z.)");
	vm_backend_gone(v, NULL);
	assert_int_equal(v->state, VM_SUSPENDED);
	waiter(&a);
	assert_int_equal(vm_want(vs, &b, &a.w), VM_WANT_WAIT);
	assert_string_equal(calls, "suspend(z.) restore(z.)");
	vm_backend_built(v, 1, NULL);
	/* Restored means running as before: ready without a new check. */
	assert_int_equal(v->state, VM_READY);
	assert_int_equal(a.ok, 1);
	vms_free(vs);
}

static void
test_refused_suspend_becomes_a_destroy_and_ends_stopped(void **state)
{
	struct binding b = binding("z.", BINDING_STOP_SUSPEND, 100);
	struct vms    *vs = registry(&b, 1);
	struct vm     *v = make_ready(vs, &b);

	(void)state;
	fail_suspend = 1;
	testutil_loop_for(base, 180);
	assert_string_equal(calls, "suspend(z.) destroy(z.)");
	vm_backend_gone(v, NULL);
	assert_int_equal(v->state, VM_STOPPED);
	/* So the next query builds afresh instead of restoring. */
	assert_int_equal(vm_want(vs, &b, NULL), VM_WANT_WAIT);
	assert_string_equal(calls, "suspend(z.) destroy(z.) create(z.)");
	vms_free(vs);
}

static void
test_idle_pause_then_unpause_on_demand(void **state)
{
	struct binding b = binding("p.", BINDING_STOP_PAUSE, 100);
	struct vms    *vs = registry(&b, 1);
	struct vm     *v = make_ready(vs, &b);

	(void)state;
	testutil_loop_for(base, 180);
	assert_string_equal(calls, "pause(p.)");
	assert_int_equal(v->state, VM_PAUSED);
	assert_int_equal(vm_want(vs, &b, NULL), VM_WANT_READY);
	assert_string_equal(calls, "pause(p.) unpause(p.)");
	assert_int_equal(v->state, VM_READY);
	vms_free(vs);
}

static void
test_failed_pause_falls_back_to_destroy(void **state)
{
	struct binding b = binding("p.", BINDING_STOP_PAUSE, 100);
	struct vms    *vs = registry(&b, 1);
	struct vm     *v = make_ready(vs, &b);

	uint64_t end = testutil_now_ms() + 3000;

	(void)state;
	fail_pause = 1;
	/* Idle after 100 ms; a slow host (qemu-user) may take longer. */
	while (strstr(calls, "destroy(") == NULL && testutil_now_ms() < end)
		testutil_loop_for(base, 20);
	assert_string_equal(calls, "pause(p.) destroy(p.)");
	assert_int_equal(v->state, VM_STOPPING);
	vms_free(vs);
}

static void
test_traffic_or_queries_keep_a_vm_alive(void **state)
{
	struct binding b = binding("busy.", BINDING_STOP_DESTROY, 150);
	struct vms    *vs = registry(&b, 1);
	struct vm     *v = make_ready(vs, &b);
	int	       i;

	(void)state;
	for (i = 0; i < 6; i++) { /* 300 ms, twice the idle time */
		traffic_counter += 1000;
		testutil_loop_for(base, 50);
	}
	assert_int_equal(v->state, VM_READY);
	for (i = 0; i < 6; i++) {
		vm_touch(vs, "busy.");
		testutil_loop_for(base, 50);
	}
	assert_int_equal(v->state, VM_READY);
	assert_string_equal(calls, "");
	testutil_loop_for(base, 300);
	assert_string_equal(calls, "destroy(busy.)");
	vms_free(vs);
}

static void
test_crash_is_noticed_and_next_query_resummons(void **state)
{
	struct binding b = binding("c.", BINDING_STOP_DESTROY, 0);
	struct vms    *vs = registry(&b, 1);
	struct vm     *v = make_ready(vs, &b);

	(void)state;
	vm_backend_gone(v, "crashed");
	assert_int_equal(v->state, VM_STOPPED);
	assert_string_equal(vm_rec_peek(v)->error, "crashed");
	assert_int_equal(vm_want(vs, &b, NULL), VM_WANT_WAIT);
	assert_string_equal(calls, "create(c.)");
	vms_free(vs);
}

static void
test_guest_dying_while_booting_fails_its_waiters(void **state)
{
	struct binding b = binding("b.", BINDING_STOP_DESTROY, 0);
	struct vms    *vs = registry(&b, 1);
	struct vm     *v = vm_find(vs, "b.");
	struct answer  a;

	(void)state;
	waiter(&a);
	vm_want(vs, &b, &a.w);
	vm_backend_built(v, 1, NULL);
	vm_backend_gone(v, "domain 3 crashed");
	assert_int_equal(v->state, VM_STOPPED);
	assert_int_equal(a.called, 1);
	assert_int_equal(a.ok, 0);
	assert_string_equal(a.why, "domain 3 crashed");
	/* No second build behind the failed one. */
	assert_string_equal(calls, "create(b.) watch_ready(b.)");
	assert_int_equal(metrics.summon_failures, 1);
	vms_free(vs);
}

static void
test_query_while_stopping_resummons_once_down(void **state)
{
	struct binding b = binding("r.", BINDING_STOP_DESTROY, 0);
	struct vms    *vs = registry(&b, 1);
	struct vm     *v = make_ready(vs, &b);
	struct answer  a;
	char	       err[160];

	(void)state;
	assert_int_equal(vm_stop(vs, "r.", err, sizeof(err)), 0);
	assert_int_equal(vm_stop(vs, "r.", err, sizeof(err)), -1);
	assert_string_equal(err, "r. is already stopping");
	waiter(&a);
	assert_int_equal(vm_want(vs, &b, &a.w), VM_WANT_WAIT);
	vm_backend_gone(v, NULL);
	assert_string_equal(calls, "destroy(r.) create(r.)");
	assert_int_equal(v->state, VM_BUILDING);
	vm_backend_built(v, 1, NULL);
	vm_backend_ready(v);
	assert_int_equal(a.ok, 1);
	vms_free(vs);
}

static void
test_adoption_takes_over_without_a_build(void **state)
{
	struct binding b = binding("a.", BINDING_STOP_DESTROY, 0);
	struct vms    *vs = registry(&b, 1);
	struct vm     *v = vm_find(vs, "a.");

	(void)state;
	vm_backend_adopted(vs, "a.", 7);
	assert_int_equal(v->state, VM_READY);
	assert_int_equal(v->domid, 7);
	assert_int_equal(vm_want(vs, &b, NULL), VM_WANT_READY);
	assert_string_equal(calls, "");
	vm_backend_adopted(vs, "nobody.", 8); /* not ours: ignored */
	vms_free(vs);
}

static void
test_warm_builds_paused_and_first_query_unpauses(void **state)
{
	struct binding b = binding("w.", BINDING_STOP_DESTROY, 0);
	struct vms    *vs;
	struct vm     *v;

	(void)state;
	b.warm = 1;
	vs = registry(&b, 1);
	v = vm_find(vs, "w.");
	vms_warm(vs);
	assert_string_equal(calls, "create-paused(w.)");
	vm_backend_built(v, 1, NULL);
	assert_int_equal(v->state, VM_PAUSED);
	assert_int_equal(metrics.summons, 0);
	assert_int_equal(vm_want(vs, &b, NULL), VM_WANT_READY);
	assert_string_equal(calls, "create-paused(w.) unpause(w.)");
	vms_free(vs);
}

static void
test_ready_after_a_fixed_delay(void **state)
{
	struct binding b = binding("t.", BINDING_STOP_DESTROY, 0);
	struct vms    *vs;
	struct vm     *v;
	struct answer  a;

	(void)state;
	b.ready = BINDING_READY_DELAY;
	b.ready_delay_ms = 80;
	vs = registry(&b, 1);
	v = vm_find(vs, "t.");
	waiter(&a);
	vm_want(vs, &b, &a.w);
	vm_backend_built(v, 1, NULL);
	assert_string_equal(calls, "create(t.)"); /* no watch */
	testutil_loop_for(base, 30);
	assert_int_equal(a.called, 0);
	testutil_loop_for(base, 100);
	assert_int_equal(a.ok, 1);
	assert_int_equal(v->state, VM_READY);
	vms_free(vs);
}

static void
test_cancelled_waiter_is_not_called(void **state)
{
	struct binding b = binding("x.", BINDING_STOP_DESTROY, 0);
	struct vms    *vs = registry(&b, 1);
	struct answer  a, c;

	(void)state;
	waiter(&a);
	waiter(&c);
	vm_want(vs, &b, &a.w);
	vm_want(vs, &b, &c.w);
	vm_waiter_cancel(&a.w);
	vm_waiter_cancel(&a.w); /* twice is harmless */
	vm_backend_built(vm_find(vs, "x."), 1, NULL);
	vm_backend_ready(vm_find(vs, "x."));
	assert_int_equal(a.called, 0);
	assert_int_equal(c.called, 1);
	vms_free(vs);
}

static void
test_reload_keeps_unchanged_and_stops_removed(void **state)
{
	struct binding b[2] = {
		binding("keep.", BINDING_STOP_DESTROY, 0),
		binding("gone.", BINDING_STOP_DESTROY, 0),
	};
	struct vms	      *vs = registry(b, 2);
	struct vm	      *keep = make_ready(vs, &b[0]);
	struct vm	      *gone = make_ready(vs, &b[1]);
	struct zone	       z, *zp = &z;
	struct zone_set	       zs = { &zp, 1 };
	struct binding	       nb = b[0];
	struct vms_sync_report r;

	(void)state;
	memset(&z, 0, sizeof(z));
	z.bindings = &nb;
	z.nbindings = 1;
	vms_sync(vs, &zs, &r);
	assert_int_equal(r.removed, 1);
	assert_int_equal(r.added + r.changed + r.later, 0);
	assert_int_equal(keep->state, VM_READY);
	assert_int_equal(gone->state, VM_STOPPING);
	assert_string_equal(calls, "destroy(gone.)");
	vm_backend_gone(gone, NULL); /* frees it */
	assert_null(vm_find(vs, "gone."));
	/* A changed binding applies once its VM is down. */
	nb.memory_kb = 65536;
	vms_sync(vs, &zs, &r);
	assert_int_equal(r.later, 1);
	assert_int_equal(r.removed, 0);
	/* Changed back before it stopped: nothing is left to apply... */
	nb.memory_kb = 0;
	vms_sync(vs, &zs, &r);
	assert_int_equal(r.later, 0);
	assert_null(keep->next_b);
	/* ... and changed again, it is. */
	nb.memory_kb = 65536;
	vms_sync(vs, &zs, &r);
	assert_int_equal(r.later, 1);
	assert_int_equal(keep->b.memory_kb, 0);
	vm_backend_gone(keep, "crashed");
	assert_int_equal(keep->b.memory_kb, 65536);
	/* Its hand-over names it by the binding's string of the day (the
	 * old one is freed: ASan would see a late use). */
	assert_ptr_equal(keep->ho.name, keep->b.name);
	nb.memory_kb = 32768;
	vms_sync(vs, &zs, &r); /* stopped: rebound at once */
	assert_int_equal(r.changed, 1);
	assert_ptr_equal(keep->ho.name, keep->b.name);
	assert_string_equal(keep->ho.name, "keep.");
	vms_free(vs);
}

/* A Synjitsu binding's registry with the fake stand-in. */
static struct vms *
synjitsu_registry(struct binding *b)
{
	struct vms *vs;

	b->synjitsu = 1;
	vs = registry(b, 1);
	vms_standin(vs, &fake_si, NULL);
	vs->ho.grace_ms = 100;
	return vs;
}

/* The announcement: what it was given, and whether anyone had been
 * answered yet when it went out. */
static struct answer *announce_waiter;
static int	      announced, announced_before_answer;
static char	      announced_name[BINDING_NAME_MAX];

static void
fake_announce(void *ctx, const struct binding *b)
{
	(void)ctx;
	announced++;
	snprintf(announced_name, sizeof(announced_name), "%s", b->name);
	announced_before_answer = announce_waiter->called == 0;
}

static const struct vm_standin announce_si = { fake_claim, fake_si_handover,
	fake_release, fake_announce, NULL, NULL };

/* A guest that turns ready is announced (its MAC may be new to clients)
 * before the answers held for it go out; only then. */
static void
test_ready_guest_is_announced_before_its_answers(void **state)
{
	struct binding b = binding("www.", BINDING_STOP_DESTROY, 0);
	struct vms    *vs = registry(&b, 1);
	struct vm     *v = vm_find(vs, "www.");
	struct answer  a;

	(void)state;
	vms_standin(vs, &announce_si, NULL);
	announced = announced_before_answer = 0;
	announce_waiter = &a;
	waiter(&a);
	assert_int_equal(vm_want(vs, &b, &a.w), VM_WANT_WAIT);
	vm_backend_built(v, 1, NULL);
	assert_int_equal(announced, 0);
	vm_backend_ready(v);
	assert_int_equal(announced, 1);
	assert_string_equal(announced_name, "www.");
	assert_true(announced_before_answer);
	assert_int_equal(a.called, 1);
	assert_int_equal(a.ok, 1);
	/* Queries to a running guest announce nothing more. */
	assert_int_equal(vm_want(vs, &b, NULL), VM_WANT_READY);
	assert_int_equal(announced, 1);
	vms_free(vs);
}

static void
test_standin_answers_at_once_and_hands_over(void **state)
{
	struct binding b = binding("www.", BINDING_STOP_DESTROY, 0);
	struct vms    *vs = synjitsu_registry(&b);
	struct vm     *v = vm_find(vs, "www.");

	(void)state;
	fake_conns = 2;
	/* Claimed before the build starts: ARP is answered from the first. */
	assert_int_equal(vm_want(vs, &b, NULL), VM_WANT_STANDIN);
	assert_string_equal(calls, "claim(www.) create(www.)");
	assert_int_equal(vm_want(vs, &b, NULL), VM_WANT_STANDIN);
	vm_backend_built(v, 1, NULL);
	assert_int_equal(vm_want(vs, &b, NULL), VM_WANT_STANDIN);
	handover_asked(&v->ho); /* the guest asks, through its channel */
	assert_string_equal(calls,
	    "claim(www.) create(www.) watch_ready(www.) "
	    "handover2(www.)");
	/* Frozen, the claim still answers queries at once: what their
	 * clients send is kept for the guest. */
	assert_true(handover_standing(&v->ho));
	assert_int_equal(vm_want(vs, &b, NULL), VM_WANT_STANDIN);
	assert_int_equal(metrics.standins, 1);
	assert_int_equal(metrics.handovers, 1);
	assert_int_equal(metrics.handed_conns, 2);
	handover_adopted(&v->ho, 2);
	assert_int_equal(metrics.adopted_conns, 2);
	assert_string_equal(calls,
	    "claim(www.) create(www.) watch_ready(www.) "
	    "handover2(www.) release(www.) close(www.)");
	handover_adopted(&v->ho, -1); /* closed: nobody listens */
	assert_int_equal(metrics.adopted_conns, 2);
	/* Released: from now on it is an ordinary boot. */
	assert_int_equal(vm_want(vs, &b, NULL), VM_WANT_WAIT);
	vms_free(vs);
}

/* A summon of b whose domain is made, its stand-in's clients not
 * settled yet. */
static struct vm *
made_unsettled(struct binding *b, struct vms **vs)
{
	struct vm *v;

	calls[0] = '\0';
	fake_is_settled = 0;
	*vs = synjitsu_registry(b);
	v = vm_find(*vs, "www.");
	assert_int_equal(vm_want(*vs, b, NULL), VM_WANT_STANDIN);
	vm_backend_phase(v, TL_CREATED, vm_now_ms());
	return v;
}

/*
 * A kernel that takes records before it asks gets them as soon as its
 * domain is made when the stand-in's clients are settled then (the
 * builder writes them before the unpause), else at its unpause if they
 * are settled by then; any other waits for its ask.
 */
static void
test_standin_hands_over_as_the_domain_is_made_to_an_early_kernel(void **state)
{
	struct binding b = binding("www.", BINDING_STOP_DESTROY, 0);
	struct vms    *vs;
	struct vm     *v;
	int	       early;

	(void)state;
	fake_conns = 1;
	fake_is_settled = 1;
	for (early = 0; early <= 1; early++) {
		calls[0] = '\0';
		b.records_early = early;
		vs = synjitsu_registry(&b);
		v = vm_find(vs, "www.");
		assert_int_equal(vm_want(vs, &b, NULL), VM_WANT_STANDIN);
		vm_backend_phase(v, TL_BUILD, vm_now_ms());
		assert_int_equal(metrics.handovers, 0);
		vm_backend_phase(v, TL_CREATED, vm_now_ms());
		assert_int_equal(metrics.handovers, (uint64_t)early);
		/* Sent once: the unpause finds it done. */
		vm_backend_phase(v, TL_UNPAUSED, vm_now_ms());
		assert_int_equal(metrics.handovers, (uint64_t)early);
		assert_string_equal(calls,
		    early ? "claim(www.) create(www.) handover1(www.)" :
			    "claim(www.) create(www.)");
		vms_free(vs);
		memset(&metrics, 0, sizeof(metrics));
	}
	/* Settled only after the domain was made: at the unpause. */
	v = made_unsettled(&b, &vs);
	assert_int_equal(metrics.handovers, 0);
	fake_is_settled = 1;
	vm_backend_phase(v, TL_UNPAUSED, vm_now_ms());
	assert_int_equal(metrics.handovers, 1);
	assert_string_equal(calls, "claim(www.) create(www.) handover1(www.)");
	vms_free(vs);
	memset(&metrics, 0, sizeof(metrics));
	/* Unsettled: the early kernel asks like any other. */
	v = made_unsettled(&b, &vs);
	vm_backend_phase(v, TL_UNPAUSED, vm_now_ms());
	assert_int_equal(metrics.handovers, 0);
	vm_backend_built(v, 1, NULL);
	handover_asked(&v->ho);
	assert_int_equal(metrics.handovers, 1);
	vms_free(vs);
}

/* A backend that builds in another thread: the build is asked for
 * first, the stand-in still answers the first query. */
static void
test_standin_claims_after_a_build_first_backends_create(void **state)
{
	struct vm_backend first = fake;
	struct binding	  b = binding("www.", BINDING_STOP_DESTROY, 0);
	struct vms	 *vs = synjitsu_registry(&b);
	struct vm	 *v = vm_find(vs, "www.");

	(void)state;
	first.build_first = 1;
	vs->be = &first;
	assert_int_equal(vm_want(vs, &b, NULL), VM_WANT_STANDIN);
	assert_string_equal(calls, "create(www.) claim(www.)");
	assert_true(handover_standing(&v->ho));
	vms_free(vs);
	/* A create that fails claims nothing. */
	calls[0] = '\0';
	vs = synjitsu_registry(&b);
	vs->be = &first;
	fail_create = 1;
	(void)vm_want(vs, &b, NULL);
	assert_null(strstr(calls, "claim"));
	assert_false(handover_standing(&vm_find(vs, "www.")->ho));
	vms_free(vs);
}

static void
test_standin_is_dropped_when_the_guest_goes_down(void **state)
{
	struct binding b = binding("www.", BINDING_STOP_DESTROY, 0);
	struct vms    *vs = synjitsu_registry(&b);
	struct vm     *v = vm_find(vs, "www.");

	(void)state;
	assert_int_equal(vm_want(vs, &b, NULL), VM_WANT_STANDIN);
	vm_backend_built(v, 0, "vif timed out"); /* retried: kept */
	assert_true(handover_standing(&v->ho));
	vm_backend_built(v, 0, "vif timed out");
	assert_int_equal(v->state, VM_STOPPED);
	assert_false(handover_standing(&v->ho));
	assert_string_equal(calls,
	    "claim(www.) create(www.) create(www.) "
	    "release(www.) close(www.)");
	/* The channel is closed: a late report reaches nobody. */
	handover_asked(&v->ho);
	assert_string_equal(calls,
	    "claim(www.) create(www.) create(www.) "
	    "release(www.) close(www.)");
	vms_free(vs);
}

static void
test_standin_expires_when_the_guest_never_asks(void **state)
{
	struct binding b = binding("www.", BINDING_STOP_DESTROY, 0);
	struct vms    *vs = synjitsu_registry(&b);
	struct vm     *v = vm_find(vs, "www.");

	(void)state;
	assert_int_equal(vm_want(vs, &b, NULL), VM_WANT_STANDIN);
	vm_backend_built(v, 1, NULL);
	vm_backend_ready(v);
	assert_int_equal(v->state, VM_READY);
	/* Ready is not the end: the guest may ask right after. */
	assert_true(handover_standing(&v->ho));
	testutil_loop_for(base, 250);
	assert_false(handover_standing(&v->ho));
	assert_int_equal(metrics.standin_expired, 1);
	assert_string_equal(calls,
	    "claim(www.) create(www.) watch_ready(www.) "
	    "release(www.)");
	vms_free(vs);
}

static void
test_backend_ends_the_standin_for_a_guest_that_will_not_ask(void **state)
{
	struct binding b = binding("www.", BINDING_STOP_DESTROY, 0);
	struct vms    *vs = synjitsu_registry(&b);
	struct vm     *v = vm_find(vs, "www.");

	(void)state;
	assert_int_equal(vm_want(vs, &b, NULL), VM_WANT_STANDIN);
	vm_backend_built(v, 1, NULL);
	handover_broken(&v->ho, "the guest closed its channel");
	assert_false(handover_standing(&v->ho));
	assert_int_equal(metrics.standin_expired, 1);
	handover_broken(&v->ho, "again"); /* idempotent */
	assert_int_equal(metrics.standin_expired, 1);
	assert_string_equal(calls,
	    "claim(www.) create(www.) watch_ready(www.) "
	    "release(www.) close(www.)");
	vms_free(vs);
}

static void
test_failed_claim_falls_back_to_holding_the_answer(void **state)
{
	struct binding b = binding("www.", BINDING_STOP_DESTROY, 0);
	struct vms    *vs = synjitsu_registry(&b);
	struct answer  a;

	(void)state;
	fail_claim = 1;
	waiter(&a);
	assert_int_equal(vm_want(vs, &b, &a.w), VM_WANT_WAIT);
	assert_string_equal(calls, "claim(www.) create(www.)");
	assert_int_equal(metrics.standins, 0);
	vms_free(vs);
}

static void
test_restored_guests_are_not_stood_in_for(void **state)
{
	struct binding b = binding("www.", BINDING_STOP_SUSPEND, 0);
	struct vms    *vs = synjitsu_registry(&b);
	struct vm     *v = vm_find(vs, "www.");

	(void)state;
	v->state = VM_SUSPENDED;
	assert_int_equal(vm_want(vs, &b, NULL), VM_WANT_WAIT);
	assert_string_equal(calls, "restore(www.)");
	assert_false(handover_standing(&v->ho));
	vms_free(vs);
}

/* The log ring's lines that contain `what', and the last of them. */
struct ring_hit {
	const char *what;
	int	    n;
	char	    last[LOG_RING_LEN];
};

static void
ring_hit(const char *line, void *arg)
{
	struct ring_hit *h = arg;

	if (strstr(line, h->what) == NULL)
		return;
	h->n++;
	snprintf(h->last, sizeof(h->last), "%s", line);
}

static int
ring_count(const char *what, char *last, size_t len)
{
	struct ring_hit h = { .what = what };

	log_ring_foreach(ring_hit, &h);
	if (last != NULL)
		snprintf(last, len, "%s", h.last);
	return h.n;
}

static void
test_timeline_has_the_phases_seen_and_one_log_line(void **state)
{
	struct binding b = binding("tl1.", BINDING_STOP_DESTROY, 0);
	struct vms    *vs = registry(&b, 1);
	struct vm     *v = vm_find(vs, "tl1.");
	char	       line[LOG_RING_LEN];
	uint64_t       ms, t0;
	int	       before = ring_count("tl1.: summon timeline", NULL, 0);

	(void)state;
	memset(phase_n, 0, sizeof(phase_n));
	assert_int_equal(vm_want(vs, &b, NULL), VM_WANT_WAIT);
	t0 = vm_rec_peek(v)->tl.origin_ms;
	assert_int_equal(timeline_get(&vm_rec_peek(v)->tl, TL_QUERY, &ms), 1);
	assert_int_equal(ms, 0);
	vm_backend_phase(v, TL_BUILD, t0 + 1);
	vm_backend_phase(v, TL_CREATED, t0 + 40);
	vm_backend_phase(v, TL_UNPAUSED, t0 + 41);
	vm_backend_built(v, 1, NULL);
	assert_int_equal(ring_count("tl1.: summon timeline", NULL, 0), before);
	vm_backend_ready(v);
	assert_int_equal(timeline_get(&vm_rec_peek(v)->tl, TL_CREATED, &ms), 1);
	assert_int_equal(ms, 40);
	assert_int_equal(timeline_get(&vm_rec_peek(v)->tl, TL_UNPAUSED, &ms),
	    1);
	assert_int_equal(ms, 41);
	assert_int_equal(timeline_get(&vm_rec_peek(v)->tl, TL_READY, &ms), 1);
	/* Nobody reported it: unset, not guessed. */
	assert_int_equal(timeline_get(&vm_rec_peek(v)->tl, TL_DEVICES, &ms), 0);
	assert_int_equal(phase_n[TL_CREATED], 1);
	assert_int_equal(phase_n[TL_READY], 1);
	assert_int_equal(phase_n[TL_DEVICES], 0);
	assert_int_equal(ring_count("tl1.: summon timeline", line,
			     sizeof(line)),
	    before + 1);
	if (strstr(line, "query=0 build=1 created=40 unpaused=41 ready=") ==
		NULL ||
	    strstr(line, "devices") != NULL)
		fail_msg("expected the phases seen in the log, saw \"%s\"",
		    line);
	/* A late report for the ready VM's phase already set: ignored. */
	vm_backend_phase(v, TL_CREATED, t0 + 99);
	assert_int_equal(phase_n[TL_CREATED], 1);
	vms_free(vs);
}

static void
test_timeline_starts_afresh_with_each_summon(void **state)
{
	struct binding b = binding("tl2.", BINDING_STOP_DESTROY, 0);
	struct vms    *vs = registry(&b, 1);
	struct vm     *v = vm_find(vs, "tl2.");
	uint64_t       ms;

	(void)state;
	memset(phase_n, 0, sizeof(phase_n));
	assert_int_equal(vm_want(vs, &b, NULL), VM_WANT_WAIT);
	vm_backend_phase(v, TL_CREATED, vm_rec_peek(v)->tl.origin_ms + 5);
	vm_backend_built(v, 1, NULL);
	vm_backend_ready(v);
	assert_int_equal(vm_stop(vs, "tl2.", NULL, 0), 0);
	vm_backend_gone(v, NULL);
	/* A stale report between summons changes nothing. */
	vm_backend_phase(v, TL_DEVICES, vm_now_ms());
	assert_int_equal(timeline_get(&vm_rec_peek(v)->tl, TL_DEVICES, &ms), 0);
	assert_int_equal(vm_want(vs, &b, NULL), VM_WANT_WAIT);
	assert_int_equal(timeline_get(&vm_rec_peek(v)->tl, TL_CREATED, &ms), 0);
	assert_int_equal(timeline_get(&vm_rec_peek(v)->tl, TL_READY, &ms), 0);
	assert_int_equal(timeline_get(&vm_rec_peek(v)->tl, TL_QUERY, &ms), 1);
	vm_backend_built(v, 1, NULL);
	vm_backend_ready(v);
	assert_int_equal(phase_n[TL_READY], 2);
	assert_int_equal(phase_n[TL_CREATED], 1);
	assert_int_equal(phase_n[TL_DEVICES], 0);
	vms_free(vs);
}

static void
test_warm_unpause_is_a_summon_of_its_own(void **state)
{
	struct binding b = binding("tl3.", BINDING_STOP_DESTROY, 0);
	struct vms    *vs;
	struct vm     *v;
	uint64_t       ms;

	(void)state;
	b.warm = 1;
	vs = registry(&b, 1);
	v = vm_find(vs, "tl3.");
	vms_warm(vs);
	/* A warm build nobody asked for is not timed. */
	vm_backend_phase(v, TL_CREATED, vm_now_ms());
	assert_int_equal(timeline_get(&vm_rec_peek(v)->tl, TL_CREATED, &ms), 0);
	vm_backend_built(v, 1, NULL);
	assert_int_equal(v->state, VM_PAUSED);
	assert_int_equal(vm_want(vs, &b, NULL), VM_WANT_READY);
	assert_int_equal(timeline_get(&vm_rec_peek(v)->tl, TL_UNPAUSED, &ms),
	    1);
	assert_int_equal(timeline_get(&vm_rec_peek(v)->tl, TL_READY, &ms), 1);
	assert_int_equal(timeline_get(&vm_rec_peek(v)->tl, TL_BUILD, &ms), 0);
	vms_free(vs);
}

/* Synjitsu's phases come after ready: the line waits for them. */
static void
test_timeline_logs_once_the_handover_is_over(void **state)
{
	struct binding b = binding("tl4.", BINDING_STOP_DESTROY, 0);
	struct vms    *vs = synjitsu_registry(&b);
	struct vm     *v = vm_find(vs, "tl4.");
	char	       line[LOG_RING_LEN];
	uint64_t       ms;
	int	       before = ring_count("tl4.: summon timeline", NULL, 0);

	(void)state;
	fake_conns = 1;
	assert_int_equal(vm_want(vs, &b, NULL), VM_WANT_STANDIN);
	vm_backend_built(v, 1, NULL);
	vm_backend_ready(v);
	assert_int_equal(ring_count("tl4.: summon timeline", NULL, 0), before);
	handover_asked(&v->ho);
	assert_int_equal(timeline_get(&vm_rec_peek(v)->tl, TL_HANDOVER, &ms),
	    1);
	handover_adopted(&v->ho, 1);
	assert_int_equal(timeline_get(&vm_rec_peek(v)->tl, TL_ADOPTED, &ms), 1);
	assert_int_equal(ring_count("tl4.: summon timeline", line,
			     sizeof(line)),
	    before + 1);
	if (strstr(line, " handover=") == NULL ||
	    strstr(line, " adopted=") == NULL)
		fail_msg("expected handover and adopted, saw \"%s\"", line);
	vms_free(vs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_ready_guest_is_announced_before_its_answers),
		T(test_standin_answers_at_once_and_hands_over),
		T(test_standin_hands_over_as_the_domain_is_made_to_an_early_kernel),
		T(test_standin_claims_after_a_build_first_backends_create),
		T(test_standin_is_dropped_when_the_guest_goes_down),
		T(test_standin_expires_when_the_guest_never_asks),
		T(test_backend_ends_the_standin_for_a_guest_that_will_not_ask),
		T(test_failed_claim_falls_back_to_holding_the_answer),
		T(test_restored_guests_are_not_stood_in_for),
		T(test_concurrent_queries_join_one_summon),
		T(test_build_failure_answers_every_waiter_with_the_reason),
		T(test_create_refused_at_once_fails_the_query),
		T(test_boot_timeout_fails_waiters_and_destroys),
		T(test_idle_destroy),
		T(test_idle_shutdown_destroys_after_the_grace_period),
		T(test_idle_suspend_then_restore_on_demand),
		T(test_refused_suspend_becomes_a_destroy_and_ends_stopped),
		T(test_idle_pause_then_unpause_on_demand),
		T(test_failed_pause_falls_back_to_destroy),
		T(test_traffic_or_queries_keep_a_vm_alive),
		T(test_crash_is_noticed_and_next_query_resummons),
		T(test_guest_dying_while_booting_fails_its_waiters),
		T(test_query_while_stopping_resummons_once_down),
		T(test_adoption_takes_over_without_a_build),
		T(test_warm_builds_paused_and_first_query_unpauses),
		T(test_ready_after_a_fixed_delay),
		T(test_cancelled_waiter_is_not_called),
		T(test_reload_keeps_unchanged_and_stops_removed),
		T(test_timeline_has_the_phases_seen_and_one_log_line),
		T(test_timeline_starts_afresh_with_each_summon),
		T(test_warm_unpause_is_a_summon_of_its_own),
		T(test_timeline_logs_once_the_handover_is_over),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
