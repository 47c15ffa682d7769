/* test_xl.c -- xl.c, the Xen backend's main-thread proxy, over a fake
 * channel and a fake builder */
#include <setjmp.h>
#include <signal.h>
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
#include "synjitsu.h"
#include "testutil.h"
#include "xl.h"

/*
 * xl.c is linked alone.  Its neighbours are fakes that write what they
 * were asked into calls[]: the builders (xlb_start hands back builder
 * N's command channel, cmds[N - 1]), the channel (a command sent is
 * recorded as "OP(name)" and freed, with ">N" after it when there are
 * several builders: which one it went to; the report channel's handler
 * is kept, so a test plays a builder by handing it reports), vm.c's
 * reports and handover.c's calls.
 */
static char				calls[2048];
static struct event_base	       *base;
static struct vms			vs;
static struct vm			vm1, vm2, vm3;
static struct conf			conf;
static int				fail_start; /* from this builder on */
static size_t				last_nrecs;
static char				last_recs[2 * SYNREC_LINE_MAX];
static const struct handover_transport *tr;
static void			       *trctx;

struct chan {
	void (*handler)(void *, void *);
	void *arg;
};
static struct chan cmds[CONF_BUILDERS_MAX], reps;
static int	   started; /* builders started */

/* clang-format off */
static const char *const op_names[] = {
	[XL_CREATE] = "create", [XL_RESTORE] = "restore",
	[XL_DESTROY] = "destroy", [XL_SHUTDOWN] = "shutdown",
	[XL_SUSPEND] = "suspend", [XL_PAUSE] = "pause",
	[XL_UNPAUSE] = "unpause", [XL_FORGET] = "forget", [XL_LIST] = "list",
	[XL_ATTACH] = "attach", [XL_SIGCHLD] = "sigchld",
	[XL_WATCH] = "watch",
	[XL_HANDOVER] = "handover", [XL_HANDOVER_END] = "handover-end",
	[XL_POOL] = "pool", [XL_QUIT] = "quit",
};
/* clang-format on */

#define record(...) testutil_record(calls, sizeof(calls), __VA_ARGS__)

struct chan *
chan_new(struct event_base *b, void (*handler)(void *, void *), void *arg)
{
	assert_ptr_equal(b, base);
	reps.handler = handler;
	reps.arg = arg;
	return &reps;
}

/* ">N" glued to the command just recorded. */
static void
record_builder(const struct chan *ch)
{
	size_t n = strlen(calls);

	if (started > 1)
		snprintf(calls + n, sizeof(calls) - n, ">%d",
		    (int)(ch - cmds) + 1);
}

int
chan_send(struct chan *ch, void *msg)
{
	struct xl_cmd *c = msg;

	assert_true(ch >= cmds && ch < cmds + started);
	if (c->op == XL_CREATE)
		record("%s%s(%s)", op_names[c->op], c->paused ? "-paused" : "",
		    c->b.name);
	else if (c->op == XL_ATTACH)
		record("attach(%s,%d)", c->b.name, c->domid);
	else if (c->op == XL_POOL)
		record("pool(%zu:%u)", c->nshapes,
		    c->nshapes > 0 ? c->shapes[0].mem_mib : 0);
	else if (c->v != NULL)
		record("%s(%s)", op_names[c->op], c->b.name);
	else
		record("%s", op_names[c->op]);
	record_builder(ch);
	if (c->op == XL_HANDOVER) {
		last_nrecs = c->nrecs;
		snprintf(last_recs, sizeof(last_recs), "%s", c->recs);
	}
	xl_cmd_free(c);
	return 0;
}

void
chan_free(struct chan *ch, void (*drop)(void *))
{
	(void)drop;
	assert_ptr_equal(ch, &reps);
}

struct chan *
xlb_start(int id, struct chan *r, const struct conf *c)
{
	assert_ptr_equal(r, &reps);
	assert_ptr_equal(c, &conf);
	assert_int_equal(id, started + 1); /* 1, 2, ... in order */
	if (fail_start != 0 && id >= fail_start)
		return NULL;
	return &cmds[started++];
}

void
xlb_stop(void)
{
	record("stop");
}

/* xlp.c's: one shape of per_shape MiB, to see what was passed. */
size_t
xlp_shapes(const struct zone_set *zs, int per_shape, uint32_t max_mib,
    int vif_ahead, struct xlp_shape *out)
{
	(void)zs;
	(void)vif_ahead;
	out[0].mem_mib = (uint32_t)per_shape + max_mib;
	out[0].flags = 0;
	return 1;
}

/* xls.c's: no fills here. */
void
xls_on_fill(xls_fill_fn fn, void *arg)
{
	(void)fn;
	(void)arg;
}

/* vm.c and handover.c, as xl.c sees them. */

struct vm *
vm_find(struct vms *s, const char *name)
{
	struct vm *v;

	TAILQ_FOREACH(v, &s->all, entry)
		if (strcasecmp(v->b.name, name) == 0)
			return v;
	return NULL;
}

void
vm_backend_built(struct vm *v, int ok, const char *why)
{
	record("built(%s,%d,%s,%d)", v->b.name, ok, why ? why : "-", v->domid);
}

void
vm_backend_ready(struct vm *v)
{
	record("ready(%s)", v->b.name);
}

void
vm_backend_gone(struct vm *v, const char *why)
{
	record("gone(%s,%s,%d)", v->b.name, why ? why : "-", v->domid);
}

void
vm_backend_phase(struct vm *v, enum tl_phase p, uint64_t now_ms)
{
	record("phase(%s,%d,%llu)", v->b.name, (int)p,
	    (unsigned long long)now_ms);
}

void
vm_backend_adopted(struct vms *s, const char *name, int domid)
{
	assert_ptr_equal(s, &vs);
	record("adopted(%s,%d)", name, domid);
}

int
vm_probe_start(struct vm *v)
{
	record("probe(%s)", v->b.name);
	return 0;
}

/* xlv.c's, which this test does not link: netback's name for vif 0. */
int
xlv_ifname(uint32_t domid, char *buf, size_t len)
{
	int n = snprintf(buf, len, "vif%u.0", domid);

	return n < 0 || (size_t)n >= len ? -1 : 0;
}

void
handover_attach(struct handover *h, const struct handover_transport *t,
    void *ctx)
{
	(void)h;
	tr = t;
	trctx = ctx;
	record("attach-transport(%s)", ((struct vm *)ctx)->b.name);
}

void
handover_asked(struct handover *h)
{
	record("asked(%s)", h == &vm1.ho ? vm1.b.name : vm2.b.name);
}

void
handover_adopted(struct handover *h, int k)
{
	record("handover-adopted(%s,%d)",
	    h == &vm1.ho ? vm1.b.name : vm2.b.name, k);
}

/* Play the builder: a report reaches the main thread. */
static void
report(enum xl_rep_kind kind, struct vm *v, int ok, int domid, const char *why)
{
	struct xl_rep *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	r->kind = kind;
	r->v = v;
	r->ok = ok;
	r->domid = domid;
	if (why != NULL) {
		r->has_why = 1;
		snprintf(r->why, sizeof(r->why), "%s", why);
	}
	reps.handler(r, reps.arg);
}

/* Play builder `builder': a BUILT or GONE that ends a build (over). */
static void
report_over(enum xl_rep_kind kind, struct vm *v, int ok, int builder)
{
	struct xl_rep *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	r->kind = kind;
	r->v = v;
	r->ok = ok;
	r->domid = ok ? 10 + builder : -1;
	r->builder = builder;
	r->build_over = 1;
	reps.handler(r, reps.arg);
}

static void
report_domain(const char *name, int domid)
{
	struct xl_rep *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	r->kind = XL_REP_DOMAIN;
	r->domid = domid;
	snprintf(r->name, sizeof(r->name), "%s", name);
	reps.handler(r, reps.arg);
}

static void
vm_setup(struct vm *v, const char *name)
{
	memset(v, 0, sizeof(*v));
	v->vs = &vs;
	v->domid = -1;
	v->b.name = testutil_str("%s", name);
	v->b.ready = BINDING_READY_XENSTORE;
	TAILQ_INSERT_TAIL(&vs.all, v, entry);
}

static int
setup(void **state)
{
	(void)state;
	calls[0] = '\0';
	fail_start = 0;
	started = 0;
	conf.builders = 1;
	tr = NULL;
	log_init("test_xl", 1, 0);
	if ((base = event_base_new()) == NULL)
		return -1;
	memset(&vs, 0, sizeof(vs));
	TAILQ_INIT(&vs.all);
	vs.base = base;
	vm_setup(&vm1, "www.");
	vm_setup(&vm2, "mail.");
	vm_setup(&vm3, "db.");
	return xl_init(base, &vs, &conf);
}

/* The same with two or three builder threads. */
static int
setup_builders(int n)
{
	int rc;

	calls[0] = '\0';
	fail_start = 0;
	started = 0;
	tr = NULL;
	log_init("test_xl", 1, 0);
	if ((base = event_base_new()) == NULL)
		return -1;
	memset(&vs, 0, sizeof(vs));
	TAILQ_INIT(&vs.all);
	vs.base = base;
	vm_setup(&vm1, "www.");
	vm_setup(&vm2, "mail.");
	vm_setup(&vm3, "db.");
	conf.builders = n;
	rc = xl_init(base, &vs, &conf);
	calls[0] = '\0';
	return rc;
}

static int
setup2(void **state)
{
	(void)state;
	return setup_builders(2);
}

static int
setup3(void **state)
{
	(void)state;
	return setup_builders(3);
}

static int
teardown(void **state)
{
	(void)state;
	xl_fini();
	event_base_free(base);
	return 0;
}

static void
test_each_backend_op_sends_its_command(void **state)
{
	(void)state;
	assert_int_equal(xl_backend.create(&vm1, 0), 0);
	assert_int_equal(xl_backend.create(&vm1, 1), 0);
	assert_int_equal(xl_backend.restore(&vm1), 0);
	assert_int_equal(xl_backend.destroy(&vm1), 0);
	assert_int_equal(xl_backend.shutdown(&vm1), 0);
	assert_int_equal(xl_backend.suspend(&vm1), 0);
	assert_int_equal(xl_backend.pause(&vm2), 0);
	assert_int_equal(xl_backend.unpause(&vm2), 0);
	xl_backend.forget(&vm2);
	xl_adopt(&vs);
	assert_string_equal(calls,
	    "create(www.) create-paused(www.) "
	    "restore(www.) destroy(www.) shutdown(www.) suspend(www.) "
	    "pause(mail.) unpause(mail.) forget(mail.) list");
}

static void
test_readiness_is_watched_in_xenstore_or_probed(void **state)
{
	(void)state;
	assert_int_equal(xl_backend.watch_ready(&vm1), -1); /* no domain */
	vm1.domid = 7;
	assert_int_equal(xl_backend.watch_ready(&vm1), 0);
	vm1.b.ready = BINDING_READY_TCP;
	assert_int_equal(xl_backend.watch_ready(&vm1), 0);
	assert_string_equal(calls, "watch(www.) probe(www.)");
}

static void
test_fresh_synjitsu_build_attaches_the_xenstore_transport(void **state)
{
	(void)state;
	vm1.b.synjitsu = 1;
	assert_int_equal(xl_backend.create(&vm1, 1), 0); /* warm: no */
	assert_null(tr);
	assert_int_equal(xl_backend.create(&vm1, 0), 0);
	assert_string_equal(calls,
	    "create-paused(www.) "
	    "attach-transport(www.) create(www.)");
	assert_non_null(tr);
	assert_ptr_equal(trctx, &vm1);
	assert_int_equal(tr->holds, 0);
}

/* Frames kept after the hand-over go to the guest's vif: its name. */
static void
test_transport_names_the_guest_s_vif(void **state)
{
	char ifname[32];

	(void)state;
	vm1.b.synjitsu = 1;
	assert_int_equal(xl_backend.create(&vm1, 0), 0);
	assert_non_null(tr->ifname);
	vm1.domid = -1; /* no domain (yet): no port either */
	assert_int_equal(tr->ifname(trctx, ifname, sizeof(ifname)), -1);
	vm1.domid = 17;
	assert_int_equal(tr->ifname(trctx, ifname, sizeof(ifname)), 0);
	assert_string_equal(ifname, "vif17.0");
}

static void
test_transport_sends_record_lines_and_ends(void **state)
{
	struct synrec recs[2];
	char	      line[SYNREC_LINE_MAX];

	(void)state;
	memset(recs, 0, sizeof(recs));
	recs[0].peer_port = 40000;
	recs[0].local_port = 80;
	recs[0].iss = 10;
	recs[0].snd_nxt = 11;
	recs[0].irs = 20;
	recs[0].rcv_nxt = 21;
	recs[0].mss = 1460;
	recs[0].peer_wscale = -1;
	/* recs[1] has port 0: the encoder refuses it, it is left out. */
	vm1.b.synjitsu = 1;
	assert_int_equal(xl_backend.create(&vm1, 0), 0);
	calls[0] = '\0';
	assert_int_equal(tr->send(trctx, recs, 2), 0);
	assert_int_equal(last_nrecs, 1);
	assert_true(synrec_encode(&recs[0], line, sizeof(line)) > 0);
	assert_int_equal(strncmp(last_recs, line, strlen(line)), 0);
	assert_string_equal(last_recs + strlen(line), "\n");
	assert_int_equal(tr->send(trctx, NULL, 0), 0);
	assert_int_equal(last_nrecs, 0);
	assert_string_equal(last_recs, "");
	tr->close(trctx, "the guest adopted 1 connection(s)");
	assert_string_equal(calls,
	    "handover(www.) handover(www.) "
	    "handover-end(www.)");
}

static void
test_built_and_gone_reports_drive_vm(void **state)
{
	(void)state;
	report(XL_REP_BUILT, &vm1, 1, 12, NULL);
	assert_int_equal(vm1.domid, 12);
	report(XL_REP_BUILT, &vm2, 0, -1, "libxl error -3");
	assert_int_equal(vm2.domid, -1);
	report(XL_REP_GONE, &vm1, 1, 12, NULL);
	assert_int_equal(vm1.domid, -1);
	report(XL_REP_GONE, &vm1, 1, -1, "domain 12 crashed");
	assert_string_equal(calls,
	    "built(www.,1,-,12) "
	    "built(mail.,0,libxl error -3,-1) gone(www.,-,-1) "
	    "gone(www.,domain 12 crashed,-1)");
}

static void
test_ready_and_synjitsu_reports_drive_vm_and_the_handover(void **state)
{
	(void)state;
	report(XL_REP_READY, &vm1, 1, 3, NULL);
	report(XL_REP_SYNREADY, &vm1, 1, 3, NULL);
	report(XL_REP_ADOPTED, &vm1, 1, 2, NULL);
	report(XL_REP_ADOPTED, &vm2, 1, -1, NULL);
	assert_string_equal(calls,
	    "ready(www.) asked(www.) "
	    "handover-adopted(www.,2) handover-adopted(mail.,-1)");
}

/* Play the builder's phase report: stamped where it was seen. */
static void
report_phase(struct vm *v, enum tl_phase p, uint64_t ms)
{
	struct xl_rep *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	r->kind = XL_REP_PHASE;
	r->v = v;
	r->ok = 1;
	r->phase = p;
	r->ms = ms;
	reps.handler(r, reps.arg);
}

static void
test_phase_reports_reach_vm_with_the_builders_time(void **state)
{
	(void)state;
	report_phase(&vm1, TL_BUILD, 1000);
	report_phase(&vm1, TL_CREATED, 1540);
	report_phase(&vm1, TL_UNPAUSED, 1541);
	report(XL_REP_BUILT, &vm1, 1, 7, NULL);
	assert_string_equal(calls,
	    "phase(www.,1,1000) phase(www.,2,1540) phase(www.,4,1541) "
	    "built(www.,1,-,7)");
}

static void
test_phase_report_for_a_vm_no_longer_registered_is_dropped(void **state)
{
	(void)state;
	TAILQ_REMOVE(&vs.all, &vm2, entry);
	report_phase(&vm2, TL_CREATED, 1540);
	assert_string_equal(calls, "");
}

static void
test_report_for_a_vm_no_longer_registered_is_dropped(void **state)
{
	(void)state;
	TAILQ_REMOVE(&vs.all, &vm2, entry); /* its binding went away */
	report(XL_REP_BUILT, &vm2, 1, 4, NULL);
	report(XL_REP_READY, &vm2, 1, 4, NULL);
	report(XL_REP_SYNREADY, &vm2, 1, 4, NULL);
	report(XL_REP_ADOPTED, &vm2, 1, 1, NULL);
	report(XL_REP_GONE, &vm2, 1, 4, NULL);
	assert_string_equal(calls, "");
	assert_int_equal(vm2.domid, -1); /* untouched */
}

static void
test_running_domains_named_like_a_stopped_binding_are_adopted(void **state)
{
	(void)state;
	vm2.state = VM_READY;
	report_domain("www.", 5);
	report_domain("mail.", 6);  /* not stopped: ours already */
	report_domain("other.", 8); /* no such binding */
	assert_string_equal(calls, "attach(www.,5) adopted(www.,5)");
}

static void
test_sigchld_is_passed_to_the_builder(void **state)
{
	int i;

	(void)state;
	raise(SIGCHLD);
	for (i = 0; i < 100 && calls[0] == '\0'; i++)
		event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
	assert_string_equal(calls, "sigchld");
}

static void
test_no_dom0_no_backend(void **state)
{
	(void)state;
	xl_fini();
	assert_string_equal(calls, "stop");
	fail_start = 1;
	started = 0;
	assert_int_equal(xl_init(base, &vs, &conf), -1);
	xl_fini(); /* nothing to stop */
	assert_string_equal(calls, "stop");
}

static void
test_builders_default_to_the_cpus_at_most_four(void **state)
{
	struct conf c;

	(void)state;
	memset(&c, 0, sizeof(c));
	c.builders = 7;
	assert_int_equal(xl_builders(&c), 7);
	c.builders = 0;
	assert_in_range(xl_builders(&c), 1, 4);
	assert_int_equal(vs.builders, 1); /* setup's conf: builders 1 */
}

static void
test_each_builder_is_started_with_its_number(void **state)
{
	(void)state;
	assert_int_equal(started, 2);
	assert_int_equal(vs.builders, 2);
	xl_fini();
	assert_string_equal(calls, "stop");
	assert_int_equal(vs.builders, 0);
	/* Builder 2 cannot start: one is enough to run. */
	calls[0] = '\0';
	started = 0;
	fail_start = 2;
	assert_int_equal(xl_init(base, &vs, &conf), 0);
	assert_int_equal(vs.builders, 1);
	assert_int_equal(xl_backend.create(&vm1, 0), 0);
	assert_string_equal(calls, "create(www.)");
}

static void
test_summons_go_to_the_least_busy_builder(void **state)
{
	(void)state;
	assert_int_equal(xl_backend.create(&vm1, 0), 0);
	assert_int_equal(xl_backend.create(&vm2, 0), 0);
	assert_int_equal(vm1.builder, 1);
	assert_int_equal(vm2.builder, 2);
	/* www. built: builder 1 is free again, builder 2 still busy. */
	report_over(XL_REP_BUILT, &vm1, 1, 1);
	assert_int_equal(xl_backend.restore(&vm3), 0);
	assert_string_equal(calls,
	    "create(www.)>1 create(mail.)>2 built(www.,1,-,11) "
	    "restore(db.)>1");
	assert_int_equal(vm3.builder, 1);
}

static void
test_idle_builders_take_turns(void **state)
{
	(void)state;
	assert_int_equal(xl_backend.create(&vm1, 0), 0);
	report_over(XL_REP_BUILT, &vm1, 1, 1);
	assert_int_equal(xl_backend.create(&vm2, 1), 0);
	report_over(XL_REP_BUILT, &vm2, 1, 2);
	assert_int_equal(xl_backend.create(&vm3, 0), 0);
	assert_string_equal(calls,
	    "create(www.)>1 built(www.,1,-,11) "
	    "create-paused(mail.)>2 built(mail.,1,-,12) create(db.)>3");
}

static void
test_every_later_command_goes_to_the_owner(void **state)
{
	(void)state;
	assert_int_equal(xl_backend.create(&vm1, 0), 0);
	vm2.b.synjitsu = 1;
	assert_int_equal(xl_backend.create(&vm2, 0), 0);
	report_over(XL_REP_BUILT, &vm1, 1, 1);
	report_over(XL_REP_BUILT, &vm2, 1, 2);
	calls[0] = '\0';
	/* Builder 1 is as idle as 2 now: only ownership sends vm2 to 2. */
	assert_int_equal(xl_backend.watch_ready(&vm2), 0);
	assert_int_equal(tr->send(trctx, NULL, 0), 0);
	tr->close(trctx, "over");
	assert_int_equal(xl_backend.pause(&vm2), 0);
	assert_int_equal(xl_backend.unpause(&vm2), 0);
	assert_int_equal(xl_backend.shutdown(&vm2), 0);
	assert_int_equal(xl_backend.suspend(&vm2), 0);
	assert_int_equal(xl_backend.destroy(&vm2), 0);
	xl_backend.forget(&vm2);
	assert_int_equal(xl_backend.destroy(&vm1), 0);
	assert_string_equal(calls,
	    "watch(mail.)>2 handover(mail.)>2 handover-end(mail.)>2 "
	    "pause(mail.)>2 unpause(mail.)>2 shutdown(mail.)>2 "
	    "suspend(mail.)>2 destroy(mail.)>2 forget(mail.)>2 "
	    "destroy(www.)>1");
	/* jitsuctl show's "builder N": the one that ran its last build. */
	assert_int_equal(vm2.builder, 2);
}

static void
test_a_rebuild_may_move_and_the_old_owner_forgets(void **state)
{
	(void)state;
	assert_int_equal(xl_backend.create(&vm1, 0), 0);
	assert_int_equal(xl_backend.create(&vm2, 0), 0);
	report_over(XL_REP_BUILT, &vm1, 0, 1); /* failed: vm.c retries */
	assert_int_equal(xl_backend.create(&vm3, 0), 0);
	report_over(XL_REP_BUILT, &vm2, 1, 2);
	calls[0] = '\0';
	assert_int_equal(xl_backend.create(&vm1, 0), 0);
	assert_string_equal(calls, "forget(www.)>1 create(www.)>2");
	assert_int_equal(vm1.builder, 2);
}

static void
test_a_build_ends_even_when_its_vm_is_gone(void **state)
{
	(void)state;
	assert_int_equal(xl_backend.create(&vm1, 0), 0);
	assert_int_equal(xl_backend.create(&vm2, 0), 0);
	report_over(XL_REP_BUILT, &vm1, 1, 1);
	assert_int_equal(xl_backend.create(&vm3, 0), 0);
	TAILQ_REMOVE(&vs.all, &vm3, entry); /* its binding went away */
	report_over(XL_REP_GONE, &vm3, 1, 1);
	calls[0] = '\0';
	/* Builder 1 has nothing in flight any more, builder 2 has mail. */
	assert_int_equal(xl_backend.create(&vm1, 0), 0);
	assert_string_equal(calls, "create(www.)>1");
}

static void
test_adopted_domains_spread_over_the_builders(void **state)
{
	(void)state;
	xl_adopt(&vs);
	report_domain("www.", 5);
	report_domain("mail.", 6);
	assert_string_equal(calls,
	    "list>1 attach(www.,5)>1 adopted(www.,5) "
	    "attach(mail.,6)>2 adopted(mail.,6)");
	assert_int_equal(xl_backend.destroy(&vm2), 0);
	assert_string_equal(calls + strlen(calls) - strlen("destroy(mail.)>2"),
	    "destroy(mail.)>2");
}

/* Every builder is told which shells to keep; none without shells. */
static void
test_every_builder_is_told_its_shells(void **state)
{
	struct zone_set zs = { NULL, 0 };

	(void)state;
	xl_pool(&zs); /* shells 0: nothing to tell */
	assert_string_equal(calls, "");
	xl_fini();
	conf.shells = 2;
	conf.shell_mib = 40;
	started = 0;
	assert_int_equal(xl_init(base, &vs, &conf), 0);
	calls[0] = '\0';
	xl_pool(&zs);
	assert_string_equal(calls, "pool(1:42)>1 pool(1:42)>2");
	/* With vif-plug script a shell has no vif: no shells. */
	xl_fini();
	conf.vif_plug = CONF_VIF_SCRIPT;
	started = 0;
	assert_int_equal(xl_init(base, &vs, &conf), 0);
	calls[0] = '\0';
	xl_pool(&zs);
	assert_string_equal(calls, "");
	conf.vif_plug = CONF_VIF_INLINE;
	conf.shells = 0;
}

static void
test_sigchld_is_passed_to_every_builder(void **state)
{
	int i;

	(void)state;
	raise(SIGCHLD);
	for (i = 0; i < 100 && strlen(calls) < strlen("sigchld>1 sigchld>2");
	     i++)
		event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
	assert_string_equal(calls, "sigchld>1 sigchld>2");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_each_backend_op_sends_its_command),
		T(test_readiness_is_watched_in_xenstore_or_probed),
		T(test_fresh_synjitsu_build_attaches_the_xenstore_transport),
		T(test_transport_names_the_guest_s_vif),
		T(test_transport_sends_record_lines_and_ends),
		T(test_built_and_gone_reports_drive_vm),
		T(test_ready_and_synjitsu_reports_drive_vm_and_the_handover),
		T(test_report_for_a_vm_no_longer_registered_is_dropped),
		T(test_phase_reports_reach_vm_with_the_builders_time),
		T(test_phase_report_for_a_vm_no_longer_registered_is_dropped),
		T(test_running_domains_named_like_a_stopped_binding_are_adopted),
		T(test_sigchld_is_passed_to_the_builder),
		T(test_no_dom0_no_backend),
		T(test_builders_default_to_the_cpus_at_most_four),
#undef T
#define T2(f) cmocka_unit_test_setup_teardown(f, setup2, teardown)
		T2(test_each_builder_is_started_with_its_number),
		T2(test_summons_go_to_the_least_busy_builder),
		T2(test_every_later_command_goes_to_the_owner),
		T2(test_a_rebuild_may_move_and_the_old_owner_forgets),
		T2(test_a_build_ends_even_when_its_vm_is_gone),
		T2(test_adopted_domains_spread_over_the_builders),
		T2(test_sigchld_is_passed_to_every_builder),
		T2(test_every_builder_is_told_its_shells),
#undef T2
		cmocka_unit_test_setup_teardown(test_idle_builders_take_turns,
		    setup3, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
