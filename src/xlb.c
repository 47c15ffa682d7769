/* xlb.c -- the Xen backend's builder threads: loop, commands, reports */
#include <sys/resource.h>

#include <arpa/inet.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "jitsud.h"
#include "log.h"
#include "xl.h"

#define XLB_NICE       5 /* builders yield to the main thread: see xlb_thread */
#define XLB_PRIORITIES 3 /* event priorities in a builder: see xlb_start */

/*
 * A builder thread runs its own libevent loop, which drives libxl
 * (xld.c) and XenStore (store.c, through xlh.c and the readiness
 * watch), so that the main thread, which answers DNS, never waits for
 * either.  It takes commands from the main thread and sends reports
 * back (xl.h); this file keeps its per-domain registry, keyed by the
 * domain's name, and turns commands into xld.c's operations.
 *
 * Why several builders, each with a libxl context of its own, and not
 * several threads on one context (read in Xen 4.17's tools/libs/light):
 * every entry into a context (an operation's initiation, and each
 * libxl_osevent_occurred_* that moves one on) holds that context's one
 * lock (CTX_LOCK in libxl_event.c and AO_CREATE in libxl_internal.h),
 * and the costly part of a build runs inside such an entry: for a
 * PV/PVH guest without a bootloader, libxl_domain_create_new itself
 * makes the domain (libxl__domain_make: the domctl and the XenStore
 * skeleton) and builds it (libxl__domain_build: the kernel loaded and
 * the memory populated) before it returns.  So threads sharing one
 * context take turns, and so do the operations of one loop.  Contexts
 * do not share that lock; what libxl keeps process-wide (the list of
 * fds to close in a forked child, the SIGCHLD self-pipes) has its own
 * locks, and libxl.h declares LIBXL_HAVE_SIGCHLD_SHARING: several
 * contexts may each be told of SIGCHLD.  Each context reaps only its
 * own children (libxl_childproc_sigchld_occurred waits for each of its
 * own pids, libxl_fork.c), so the main loop passes every SIGCHLD to
 * every builder.  A domain's death watch is kept by the context that
 * enabled it (its death_list), so each domain's death and shutdown
 * events reach exactly one builder: the one that owns it.
 *
 * Everything here and in xld.c runs in one builder thread at a time;
 * the thread's own state is found through thread-local pointers set as
 * the thread starts (xlb_env here, xld.c's context).
 */

struct xlb {
	int		   id;	 /* 1..N, in reports and logs */
	struct event_base *base; /* the builder's loop */
	pthread_t	   thread;
	struct chan	  *cmds; /* handled here */
	struct chan	  *reps; /* handled by main */
	struct store	  *store;
	struct xld	  *xld;	 /* its libxl context */
	struct xlp	  *pool; /* its domain shells, or NULL */
	int		   shells;
	int		   shell_vif;	/* conf's: CONF_SHELL_VIF_* */
	int		   shell_ram;	/* conf's: CONF_SHELL_RAM_* */
	int		   shell_store; /* conf's: CONF_SHELL_STORE_* */
	struct xls	  *xls;		/* libxenctrl, for xlb_domain_kill */
	TAILQ_HEAD(, xlb_vm) all;
	TAILQ_HEAD(, xlb_vm) orphans; /* left to hung libxl destroys */
};

/* The calling builder thread's own. */
static _Thread_local struct xlb *xlb_env;

/* Every builder started, for xlb_stop (main thread only). */
static struct xlb *xlb_all[CONF_BUILDERS_MAX];
static int	   xlb_n;

/*
 * A filled shell's console folder is written once no guest boots, not
 * while its own guest does.  The folder makes xenconsoled attach (it
 * reads the folder, maps the ring, binds the event channel, opens the
 * log) and then drain the ring as the guest writes: measured in the
 * nested bench, a guest with its console written 20 ms after the
 * unpause had its NIC up 55-60 ms later than one with none, and its
 * first HTTP byte as much later, on one emulated CPU shared by dom0 and
 * every guest.  So the folder waits: for its guest to say it is ready
 * (data/status), then XLB_CONSOLE_AFTER_READY_MS for its first client;
 * for no other guest to be booting with its console owed (xlb_booting,
 * across builders: a burst's consoles come after the burst), looked at
 * every XLB_CONSOLE_BUSY_MS (a burst of 32 guests over 9 s owes some
 * ten folders at a time, and each look wakes a builder); and for the
 * builder to have no command waiting, polled every XLB_CONSOLE_POLL_MS.
 * XLB_CONSOLE_MAX_MS after the unpause it is written in any case.  What
 * the guest prints meanwhile waits in its ring (2 KiB: a guest that
 * fills it waits for the folder, at most that long); a guest that dies
 * before its folder is written loses it, as one dying within 20 ms of
 * its unpause did when the folder came then.  A binding with
 * console=off has no folder at all.
 */
#define XLB_CONSOLE_AFTER_READY_MS 50
#define XLB_CONSOLE_POLL_MS	   20
#define XLB_CONSOLE_BUSY_MS	   200
#define XLB_CONSOLE_MAX_MS	   3000

/*
 * Guests filled from shells that boot with their console folder owed,
 * across all builders.  Each counts from its fill until it says it is
 * ready, its folder is written, or it goes.
 */
static atomic_int xlb_booting;

static void
xlb_boot_begin(struct xlb_vm *xv)
{
	if (!xv->booting) {
		xv->booting = 1;
		atomic_fetch_add(&xlb_booting, 1);
	}
}

static void
xlb_boot_end(struct xlb_vm *xv)
{
	if (xv->booting) {
		xv->booting = 0;
		atomic_fetch_sub(&xlb_booting, 1);
	}
}

/* Reports, from the builder to the main thread. */

static void
xlb_send(struct xl_rep *r)
{
	if (chan_send(xlb_env->reps, r) == -1)
		fatalx("xl: cannot report to the main thread");
}

static struct xl_rep *
xlb_rep_new(enum xl_rep_kind kind)
{
	struct xl_rep *r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		fatalx("xl: out of memory");
	r->kind = kind;
	r->builder = xlb_env->id;
	return r;
}

/* A report carrying a number (in its domid field). */
static void
xlb_report_n(struct xlb_vm *xv, enum xl_rep_kind kind, int n)
{
	struct xl_rep *r = xlb_rep_new(kind);

	r->v = xv->v;
	r->ok = 1;
	r->domid = n;
	xlb_send(r);
}

void
xlb_report(struct xlb_vm *xv, enum xl_rep_kind kind, int ok, const char *why)
{
	struct xl_rep *r = xlb_rep_new(kind);

	r->v = xv->v;
	r->ok = ok;
	r->domid = xv->domid == XL_NO_DOMID ? -1 : (int)xv->domid;
	/* The first BUILT or GONE after a create or restore ends it: the
	 * main thread counts this builder's builds in flight by it. */
	if (xv->in_flight && (kind == XL_REP_BUILT || kind == XL_REP_GONE)) {
		xv->in_flight = 0;
		r->build_over = 1;
	}
	if (why != NULL) {
		r->has_why = 1;
		snprintf(r->why, sizeof(r->why), "%s", why);
	}
	xlb_send(r);
}

static uint64_t
xlb_cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * One line per domain built, once it is created and the create call has
 * returned (either may come first): when this builder was inside
 * libxl's create call (which makes and builds the domain, see above),
 * how much CPU this thread spent there, and when libxl said created.
 * Monotonic ms (vm_now_ms), comparable between builders: two builds
 * whose calls overlap ran at the same time (tests/xen/jitsud-uk.sh).
 */
static void
xlb_log_build(struct xlb_vm *xv)
{
	if (xv->call_ms[0] == 0 || xv->call_ms[1] == 0 || xv->call_ms[2] == 0)
		return;
	log_info("%s: builder %d built domain %u: libxl create call "
		 "%llu-%llu ms (cpu %llu ms), created %llu ms (monotonic)",
	    xv->name, xlb_env->id, xv->domid,
	    (unsigned long long)xv->call_ms[0],
	    (unsigned long long)xv->call_ms[1],
	    (unsigned long long)xv->call_cpu_ms,
	    (unsigned long long)xv->call_ms[2]);
	xv->call_ms[0] = 0;
}

/* xld.c's create or restore call has returned. */
static void
xlb_build_returned(struct xlb_vm *xv)
{
	if (xv->call_ms[0] == 0)
		return; /* it failed before it called libxl */
	xv->call_ms[1] = vm_now_ms();
	xv->call_cpu_ms = xlb_cpu_ms() - xv->call_cpu_ms;
	xlb_log_build(xv);
}

/* Stamped here, not when the main thread reads it: a busy main loop
 * must not make the build look slower than it was. */
void
xlb_report_phase(struct xlb_vm *xv, enum tl_phase p)
{
	struct xl_rep *r = xlb_rep_new(XL_REP_PHASE);
	uint64_t       now = vm_now_ms();

	r->v = xv->v;
	r->ok = 1;
	r->phase = p;
	r->ms = now;
	xlb_send(r); /* r is the main thread's now */
	/* A summon under way: the pool makes no shell meanwhile. */
	xlp_busy(xlb_env->pool);
	if (p == TL_BUILD) { /* xld.c calls libxl next */
		xv->call_ms[0] = now;
		xv->call_ms[1] = xv->call_ms[2] = 0;
		xv->call_cpu_ms = xlb_cpu_ms();
	} else if (p == TL_CREATED && xv->call_ms[0] != 0) {
		xv->call_ms[2] = now;
		xlb_log_build(xv);
	}
}

void
xlb_report_domain(const char *name, int domid)
{
	struct xl_rep *r = xlb_rep_new(XL_REP_DOMAIN);

	r->domid = domid;
	snprintf(r->name, sizeof(r->name), "%s.", name);
	xlb_send(r);
}

/*
 * The guest learns its network set-up from its command line, as the
 * baseline Linux guest and our unikernels read it: jitsu.ip, jitsu.ip6,
 * jitsu.name, after whatever the binding's cmdline says; and whether
 * jitsud holds connections for it (jitsu.synjitsu=1 or 0): told there,
 * the guest never looks for the hand-over's folder, which jitsud can
 * then make while the guest boots instead of before it may run, or with
 * every shell of the pool, used or not.  A conduit server learns the
 * names it serves (jitsu.conduit=a,b, without the final dots): jitsud
 * offers it those only.
 */
char *
xlb_cmdline(const struct binding *b, int synjitsu)
{
	char	    buf[BINDING_CMDLINE_MAX + 512], ip[INET6_ADDRSTRLEN];
	const char *p;
	size_t	    n, len;

	n = (size_t)snprintf(buf, sizeof(buf),
	    "%s%sjitsu.name=%s jitsu.synjitsu=%d", binding_s(b->cmdline),
	    b->cmdline != NULL ? " " : "", b->name, synjitsu ? 1 : 0);
	if (b->has_ip && n < sizeof(buf)) {
		inet_ntop(AF_INET, &b->ip, ip, sizeof(ip));
		n += (size_t)snprintf(buf + n, sizeof(buf) - n,
		    " jitsu.ip=%s/24", ip);
	}
	if (b->has_ip6 && n < sizeof(buf)) {
		inet_ntop(AF_INET6, &b->ip6, ip, sizeof(ip));
		n += (size_t)snprintf(buf + n, sizeof(buf) - n,
		    " jitsu.ip6=%s/64", ip);
	}
	for (p = binding_s(b->conduit); *p != '\0' && n < sizeof(buf);
	     p += len + (p[len] == ',')) {
		len = strcspn(p, ",");
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%.*s",
		    p == b->conduit ? " jitsu.conduit=" : ",",
		    (int)(len > 0 && p[len - 1] == '.' ? len - 1 : len), p);
	}
	if (n >= sizeof(buf)) {
		log_warnx("%s: the command line is longer than %zu bytes; "
			  "cut",
		    b->name, sizeof(buf) - 1);
	}
	return strdup(buf);
}

/*
 * cmdline (malloc'd, freed here) with the vif connected ahead named:
 * "jitsu.vif=MAC,BACKEND,TXREF,RXREF,TXPORT,RXPORT" (the backend is
 * dom0), what our libOS's netfront otherwise reads from its folder and
 * waits for (netfront.c).  Only for a vif netback had Connected before
 * the guest was loaded, so the guest need not wait for it.  A line
 * that would not fit the guest's (BINDING_CMDLINE_MAX, where a guest
 * cuts it) goes without: cut, the last number could still parse.  NULL
 * out of memory.
 */
static char *
xlb_vif_arg(char *cmdline, const struct xlv_nic *nic, const struct xls_vif *v)
{
	char *s;

	if (asprintf(&s,
		"%s jitsu.vif=%02x:%02x:%02x:%02x:%02x:%02x,%u,%u,%u,%u,%u",
		cmdline, nic->mac[0], nic->mac[1], nic->mac[2], nic->mac[3],
		nic->mac[4], nic->mac[5], 0u, v->tx_ref, v->rx_ref, v->tx_port,
		v->rx_port) == -1)
		s = NULL;
	else if (strlen(s) >= BINDING_CMDLINE_MAX) {
		log_debug("command line of %zu bytes: no room for jitsu.vif; "
			  "the guest reads its vif from XenStore",
		    strlen(cmdline));
		free(s);
		return cmdline;
	}
	free(cmdline);
	return s;
}

/* Per-VM state, in the builder. */

static struct xlb_vm *
xlb_vm_find(const char *name)
{
	struct xlb_vm *xv;

	TAILQ_FOREACH(xv, &xlb_env->all, entry)
		if (strcmp(xv->name, name) == 0)
			return xv;
	return NULL;
}

/* Domain names cannot end in a dot: "www.example.org." runs as
 * "www.example.org". */
static void
xlb_domain_name(const char *fqdn, char *out, size_t len)
{
	snprintf(out, len, "%s", fqdn);
	if (out[0] != '\0' && out[strlen(out) - 1] == '.')
		out[strlen(out) - 1] = '\0';
}

static struct xlb_vm *
xlb_vm_get(const struct xl_cmd *c)
{
	struct xlb_vm *xv;
	char	       name[BINDING_NAME_MAX];

	xlb_domain_name(c->b.name, name, sizeof(name));
	if ((xv = xlb_vm_find(name)) != NULL) {
		xv->v = c->v;
		return xv;
	}
	if ((xv = calloc(1, sizeof(*xv))) == NULL || xld_vm_init(xv) == -1)
		fatalx("xl: out of memory");
	xv->v = c->v;
	xv->domid = XL_NO_DOMID;
	xv->save_fd = -1;
	memcpy(xv->name, name, sizeof(xv->name));
	TAILQ_INSERT_TAIL(&xlb_env->all, xv, entry);
	return xv;
}

void
xlb_release(struct xlb_vm *xv)
{
	store_unwatch(xv->ready);
	xv->ready = NULL;
	xv->watching_status = 0;
	store_unwatch(xv->vif);
	xv->vif = NULL;
	xlh_close(xv->xlh);
	xv->xlh = NULL;
	xlv_close(xv->xlv);
	xv->xlv = NULL;
	free(xv->console_owed);
	xv->console_owed = NULL;
	if (xv->console_ev != NULL)
		evtimer_del(xv->console_ev);
	xlb_boot_end(xv);
	xld_vm_release(xv);
	if (xv->save_fd != -1) {
		close(xv->save_fd);
		xv->save_fd = -1;
	}
	xv->domid = XL_NO_DOMID;
	xv->creating = xv->destroying = xv->suspending = 0;
	xv->asked_stop = 0;
	xv->error[0] = '\0';
}

static void
xlb_vm_free(struct xlb_vm *xv)
{
	xlb_release(xv);
	xld_vm_free(xv);
	TAILQ_REMOVE(&xlb_env->all, xv, entry);
	if (xv->console_ev != NULL)
		event_free(xv->console_ev);
	free(xv);
}

static void
xlb_ready_fired(void *arg)
{
	struct xlb_vm *xv = arg;

	xv->ready = NULL;
	xlb_report(xv, XL_REP_READY, 1, NULL);
	xlh_ready(xv->xlh);
	xlp_busy(xlb_env->pool);
	xlb_boot_end(xv);
	/* Its first client is served meanwhile (held, it connects now). */
	if (xv->console_owed != NULL) {
		struct timeval tv = { 0, XLB_CONSOLE_AFTER_READY_MS * 1000 };

		evtimer_add(xv->console_ev, &tv);
	}
}

/* The guest says it is ready by writing data/status = "ready". */
static void
xlb_watch(struct xlb_vm *xv)
{
	char path[STORE_PATH_MAX];

	xv->watching_status = 1;
	store_unwatch(xv->ready);
	xv->ready = NULL;
	if (xlb_env->store == NULL || xv->domid == XL_NO_DOMID)
		return;
	snprintf(path, sizeof(path), "/local/domain/%u/data/status", xv->domid);
	if ((xv->ready = store_watch(xlb_env->store, path, "ready",
		 xlb_ready_fired, xv)) == NULL) {
		log_warnx("%s: cannot watch %s", xv->name, path);
		return;
	}
	log_debug("%s: data/status of domain %u watched", xv->name, xv->domid);
	xlh_status(xv->xlh); /* xlb_ready_fired tells it */
}

/*
 * The main thread asks for the watch (XL_WATCH) once it has the build's
 * report, and that command waits behind every build queued on this
 * builder: in a burst of 32 the first guests served within a second
 * while jitsud heard of it after the last fill, 4-5 s on, and so did
 * their held DNS answers and console folders.  A fresh build with
 * ready=xenstore is watched by the builder itself as it unpauses the
 * guest, after its hand-over is open (xlh_status needs it); a warm
 * build, a restore or ready=tcp still wait for XL_WATCH.
 */
void
xlb_watch_booting(struct xlb_vm *xv)
{
	if (xv->watch_at_unpause && !xv->watching_status)
		xlb_watch(xv);
}

static void
xlb_vif_fired(void *arg)
{
	struct xlb_vm *xv = arg;

	xv->vif = NULL;
	xlb_report_phase(xv, TL_DEVICES);
}

/*
 * "devices": the vif's backend (in dom0) says XenbusStateConnected (4).
 * libxl's create waits only until the backend is InitWait and the
 * hotplug script has run (vif-plug inline: xlv.c plugs it at InitWait
 * while the guest starts); Connected comes once hotplug-status says
 * connected and the guest's netfront has set up its rings: the first
 * moment a frame can pass.  A shell's vif connected ahead is Connected
 * before the summon: "devices" is then when it is plugged, before the
 * unpause, with no watch (xlb_shell_create), unless its state read
 * otherwise then (a shell made on the spot, still connecting).  Devid
 * 0: every domain has exactly one vif.
 */
void
xlb_watch_vif(struct xlb_vm *xv)
{
	char path[STORE_PATH_MAX];

	store_unwatch(xv->vif);
	xv->vif = NULL;
	if (xlb_env->store == NULL || xv->domid == XL_NO_DOMID)
		return;
	snprintf(path, sizeof(path), "/local/domain/0/backend/vif/%u/0/state",
	    xv->domid);
	if ((xv->vif = store_watch(xlb_env->store, path, "4", xlb_vif_fired,
		 xv)) == NULL)
		log_warnx("%s: cannot watch %s", xv->name, path);
}

/* Synjitsu: the XenStore transport's reports become messages. */

static void
xlb_asked(void *arg)
{
	xlb_report(arg, XL_REP_SYNREADY, 1, NULL);
}

static void
xlb_adopted(void *arg, int k)
{
	xlb_report_n(arg, XL_REP_ADOPTED, k);
}

/* Its hand-over's transport, opened anew for this build. */
static void
xlb_synjitsu_open(struct xlb_vm *xv)
{
	xlh_close(xv->xlh);
	/* A filled shell has its folder from the pool (xls_nodes). */
	xv->xlh = xlh_open(xlb_env->store, xv->domid, xv->from_shell, xv->name,
	    xlb_asked, xlb_adopted, xv);
}

void
xlb_synjitsu_prepare(struct xlb_vm *xv)
{
	/* Written before the unpause: nothing left to ask for. */
	if (xv->handed_early)
		return;
	xlb_synjitsu_open(xv);
	xlh_listen(xv->xlh);
}

static void xlb_handover(struct xlb_vm *, struct xl_cmd *);

static int
xlb_is_handover_of(const void *msg, const void *arg)
{
	const struct xl_cmd *c = msg;

	return c->op == XL_HANDOVER && c->v == arg;
}

/*
 * Just before the unpause: records the main thread sent as the domain
 * was made (handover_created) are taken out of the queue, where they
 * would wait until this build is done, and written now, with data/status
 * watched first (xlh_status: then adopted is read, not watched).  The
 * guest finds them as its NIC comes up; nobody watches for its ask.
 */
void
xlb_synjitsu_early(struct xlb_vm *xv)
{
	struct xl_cmd *c;

	if (!xv->synjitsu || xv->v == NULL ||
	    (c = chan_take(xlb_env->cmds, xlb_is_handover_of, xv->v)) == NULL)
		return;
	xlb_synjitsu_open(xv);
	xlb_watch_booting(xv);
	xlb_handover(xv, c);
	xl_cmd_free(c);
	xv->handed_early = 1;
	log_debug("%s: synjitsu: records written before the unpause", xv->name);
}

/* Its console folder (xls_console_folder); -1 with xv->error set. */
static int
xlb_console(struct xlb_vm *xv, struct xls_shell *sh)
{
	if (xls_console_folder(xlb_env->store, sh, xv->name, xv->error,
		sizeof(xv->error)) == -1)
		return -1;
	log_debug("%s: shell %u's console folder %s: XenStore %llu ms",
	    xv->name, sh->domid, sh->no_console ? "removed" : "written",
	    (unsigned long long)(sh->store_us / 1000));
	return 0;
}

/* A deferred console folder, written now; a guest without goes. */
static void
xlb_console_now(struct xlb_vm *xv)
{
	struct xls_shell *sh = xv->console_owed;

	if (sh == NULL)
		return;
	xv->console_owed = NULL;
	evtimer_del(xv->console_ev);
	xlb_boot_end(xv);
	if (xlb_console(xv, sh) == -1) {
		log_warnx("%s: %s", xv->name, xv->error);
		xld_fail(xv, xv->error);
	}
	free(sh);
}

/* The owed folder's turn (its guest is ready, or the deadline came). */
static void
xlb_console_fired(int fd, short ev, void *arg)
{
	struct xlb_vm *xv = arg;
	struct timeval tv = { 0, 0 };

	(void)fd;
	(void)ev;
	if (vm_now_ms() < xv->console_due) {
		if (atomic_load(&xlb_booting) > 0)
			tv.tv_usec = XLB_CONSOLE_BUSY_MS * 1000;
		else if (chan_pending(xlb_env->cmds))
			tv.tv_usec = XLB_CONSOLE_POLL_MS * 1000;
		if (tv.tv_usec != 0) {
			evtimer_add(xv->console_ev, &tv);
			return;
		}
	}
	xlb_console_now(xv);
}

/*
 * The console folder owed, written when the guest is ready or at
 * XLB_CONSOLE_MAX_MS (see above).  0 deferred, -1 to write it now.
 */
static int
xlb_console_later(struct xlb_vm *xv, const struct xls_shell *sh)
{
	struct timeval tv = { XLB_CONSOLE_MAX_MS / 1000,
		(XLB_CONSOLE_MAX_MS % 1000) * 1000 };

	if (sh->no_console)
		return -1; /* nothing to write: at once */
	if (xv->console_ev == NULL &&
	    (xv->console_ev = evtimer_new(xlb_env->base, xlb_console_fired,
		 xv)) == NULL)
		return -1;
	free(xv->console_owed);
	if ((xv->console_owed = malloc(sizeof(*sh))) == NULL)
		return -1;
	*xv->console_owed = *sh;
	xv->console_due = vm_now_ms() + XLB_CONSOLE_MAX_MS;
	evtimer_add(xv->console_ev, &tv);
	xlb_boot_begin(xv);
	return 0;
}

/* The vif is plugged, or cannot be: then the domain has to go. */
static void
xlb_vif_done(void *arg, const char *why)
{
	struct xlb_vm *xv = arg;

	if (why == NULL)
		return;
	log_warnx("%s: %s", xv->name, why);
	xld_fail(xv, why);
}

int
xlb_vif_plug(struct xlb_vm *xv, const struct xlv_nic *nic)
{
	xlv_close(xv->xlv);
	xv->xlv = xlv_open(xlb_env->store, xlb_env->base, xv->domid, nic, 0,
	    xlb_vif_done, xv);
	if (xv->xlv == NULL) {
		snprintf(xv->error, sizeof(xv->error),
		    "cannot make the vif of domain %u in XenStore%s", xv->domid,
		    xlb_env->store == NULL ? " (no XenStore connection)" : "");
		return -1;
	}
	return 0;
}

int
xlb_domain_kill(uint32_t domid, char *err, size_t errlen)
{
	struct xls *x;

	if (xlb_env->pool != NULL)
		x = xlp_xls(xlb_env->pool);
	else {
		if (xlb_env->xls == NULL)
			xlb_env->xls = xls_open();
		x = xlb_env->xls;
	}
	if (x == NULL) {
		snprintf(err, errlen, "domain %u: no libxenctrl handle", domid);
		return -1;
	}
	if (xls_destroy(x, xlb_env->store, domid) == -1) {
		snprintf(err, errlen, "domain %u: cannot destroy it", domid);
		return -1;
	}
	return 0;
}

void
xlb_orphan(struct xlb_vm *xv)
{
	TAILQ_REMOVE(&xlb_env->all, xv, entry);
	xv->orphan = 1;
	xv->v = NULL;
	TAILQ_INSERT_TAIL(&xlb_env->orphans, xv, entry);
}

void
xlb_orphan_free(struct xlb_vm *xv)
{
	TAILQ_REMOVE(&xlb_env->orphans, xv, entry);
	xld_vm_free(xv);
	free(xv->console_owed);
	if (xv->console_ev != NULL)
		event_free(xv->console_ev);
	free(xv);
}

void
xlb_vif_gone(struct xlb_vm *xv)
{
	if (xv->domid != XL_NO_DOMID && xv->domid != 0)
		xlv_remove(xlb_env->store, xlb_env->base, xv->domid);
}

static void
xlb_handover(struct xlb_vm *xv, struct xl_cmd *c)
{
	if (xv->xlh == NULL || xv->domid == XL_NO_DOMID ||
	    xlh_write(xv->xlh, c->recs, c->nrecs) == -1)
		xlb_report_n(xv, XL_REP_ADOPTED, -1);
}

/* Over: the VM may be forgotten already, so it is never made anew. */
static void
xlb_handover_end(const struct xl_cmd *c)
{
	struct xlb_vm *xv;
	char	       name[BINDING_NAME_MAX];

	xlb_domain_name(c->b.name, name, sizeof(name));
	if ((xv = xlb_vm_find(name)) != NULL && xv->xlh != NULL)
		xlh_end(xv->xlh);
}

/*
 * Build in a shell, when the pool keeps the guest's shape: one of the
 * pool's, or one made now if none is ready (a burst beyond the pool);
 * fill it, give it its vif, unpause it (what xld_created does after
 * libxl's build).  0 when done (or failed and reported), -1 when libxl
 * must build it: no shape kept, or a shell that could not be made or
 * filled.
 */
static int
xlb_shell_create(struct xlb_vm *xv, const struct xl_cmd *c)
{
	struct xlp_shape shape;
	struct xls_shell sh;
	struct xlv_nic	 nic;
	struct xlv	*vif;
	struct xls	*x;
	char		 err[160], *cmdline;
	const char	*kernel = c->b.kernel_copy != NULL ? c->b.kernel_copy :
							     binding_s(c->b.kernel);
	int		 rc, plug_rc = 0;

	if (c->paused || xlb_env->pool == NULL ||
	    xlp_shape_of(&c->b, &shape) == -1)
		return -1;
	x = xlp_xls(xlb_env->pool);
	xlb_release(xv);
	xlb_report_phase(xv, TL_BUILD);
	if (xlp_take(xlb_env->pool, &shape, &sh) == -1) {
		/* None ready: one made now is still faster than libxl. */
		if (xlp_make_now(xlb_env->pool, &shape, &sh, err,
			sizeof(err)) == -1) {
			log_debug("%s: no shell: %s", xv->name, err);
			return -1;
		}
		log_info("%s: builder %d had no shell ready; made shell %u",
		    xv->name, xlb_env->id, sh.domid);
	}
	xv->call_ms[0] = 0; /* no libxl create call to log */
	sh.no_console = !c->b.console;
	/*
	 * The vif before the kernel.  A pool's shell has its vif made
	 * already (xlp.c): only the binding's keys are written, and
	 * vifD.0, long made, is plugged before the unpause (before the
	 * fill when it was connected ahead: see below).  A shell made
	 * on the spot gets its folders now, and netback makes vifD.0 while
	 * the kernel is loaded.  Plugged after the unpause, it could lose a
	 * race with the guest's netfront that costs up to a second (xlv.c
	 * says why).
	 */
	xlv_nic_of(&c->b, &nic);
	if ((vif = xlv_open(xlb_env->store, xlb_env->base, sh.domid, &nic,
		 sh.vif, xlb_vif_done, xv)) == NULL) {
		log_warnx("%s: shell %u: cannot make its vif in XenStore; "
			  "libxl builds it instead",
		    xv->name, sh.domid);
		xls_destroy(x, xlb_env->store, sh.domid);
		xlv_remove(xlb_env->store, xlb_env->base, sh.domid);
		return -1;
	}
	/*
	 * A vif connected ahead is plugged before the fill, so that when it
	 * reads Connected then, the guest's command line can name it
	 * (xlb_vif_arg) and the guest asks XenStore nothing about it.
	 */
	if (sh.vif == XLV_AHEAD) {
		if ((plug_rc = xlv_plug_now(vif, err, sizeof(err))) == -1) {
			log_warnx("%s: shell %u: %s; libxl builds it instead",
			    xv->name, sh.domid, err);
			xlv_close(vif);
			xlv_remove(xlb_env->store, xlb_env->base, sh.domid);
			xls_destroy(x, xlb_env->store, sh.domid);
			return -1;
		}
	}
	if ((cmdline = xlb_cmdline(&c->b, xv->synjitsu)) != NULL &&
	    xlv_connected(vif))
		cmdline = xlb_vif_arg(cmdline, &nic, &sh.ahead);
	if (cmdline == NULL)
		rc = -1, snprintf(err, sizeof(err), "out of memory");
	else
		rc = xls_shell_fill(x, xlb_env->store, &sh, kernel, cmdline,
		    err, sizeof(err));
	free(cmdline);
	if (rc == -1) {
		log_warnx("%s: shell %u: %s; libxl builds it instead", xv->name,
		    sh.domid, err);
		xlv_close(vif);
		xlv_remove(xlb_env->store, xlb_env->base, sh.domid);
		xls_destroy(x, xlb_env->store, sh.domid);
		return -1;
	}
	xld_attach(xv, (int)sh.domid);
	xv->xlv = vif;
	xv->from_shell = 1;
	log_info("%s: builder %d filled shell %u (%u MiB%s): kernel %llu ms, "
		 "introduced %llu ms",
	    xv->name, xlb_env->id, sh.domid, sh.mem_mib,
	    sh.ram_ahead ? ", RAM made ahead" : "",
	    (unsigned long long)(sh.build_us / 1000),
	    (unsigned long long)(sh.intro_us / 1000));
	xlb_report_phase(xv, TL_CREATED);
	if (sh.vif != XLV_AHEAD) /* else plugged above */
		plug_rc = xlv_plug_now(vif, xv->error, sizeof(xv->error));
	switch (plug_rc) {
	case -1:
		xld_build_failed(xv);
		return 0;
	case 0:
		log_debug("%s: vif%u.0 not made yet: plugged at InitWait",
		    xv->name, sh.domid);
		break;
	default:
		log_debug("%s: vif%u.0 plugged before the unpause", xv->name,
		    sh.domid);
	}
	/*
	 * A vif connected ahead that read Connected as it was plugged has
	 * reached "devices" now: a watch on its state would cost xenstored
	 * three requests (the watch, the read of its first event, its
	 * removal) to learn what that read said, in every summon.
	 */
	if (xlv_connected(vif))
		xlb_report_phase(xv, TL_DEVICES);
	else
		xlb_watch_vif(xv);
	/* Named before it runs: whoever sees it running sees its name. */
	if (xls_name(xlb_env->store, &sh, xv->name, xv->error,
		sizeof(xv->error)) == -1) {
		xld_build_failed(xv);
		return 0;
	}
	xlb_synjitsu_early(xv);
	if (xls_unpause(x, sh.domid, xv->error, sizeof(xv->error)) == -1) {
		xld_build_failed(xv);
		return 0;
	}
	xlb_report_phase(xv, TL_UNPAUSED);
	/* Told by its command line, the guest does not wait for it. */
	if (xv->synjitsu)
		xlb_synjitsu_prepare(xv);
	xlb_watch_booting(xv);
	/* Its console folder once it is ready (above). */
	if (xlb_console_later(xv, &sh) == 0) {
		xlb_report(xv, XL_REP_BUILT, 1, NULL);
		return 0;
	}
	if (xlb_console(xv, &sh) == -1) {
		xld_build_failed(xv);
		return 0;
	}
	xlb_report(xv, XL_REP_BUILT, 1, NULL);
	return 0;
}

static void
xlb_run(struct xlb_vm *xv, struct xl_cmd *c)
{
	switch (c->op) {
	case XL_CREATE:
		/* A warm build is unpaused later with its stack long up. */
		xv->synjitsu = c->b.synjitsu && !c->paused;
		xv->handed_early = 0;
		xv->watch_at_unpause = c->b.ready == BINDING_READY_XENSTORE &&
		    !c->paused;
		xv->in_flight = 1;
		xv->call_ms[0] = 0;
		xv->from_shell = 0;
		if (xlb_shell_create(xv, c) == 0)
			break;
		xld_create(xv, c);
		xlb_build_returned(xv);
		break;
	case XL_RESTORE:
		/* Its stack was up when it was saved: nobody would ask. */
		xv->synjitsu = 0;
		xv->handed_early = 0;
		xv->watch_at_unpause = 0;
		xv->in_flight = 1;
		xv->call_ms[0] = 0;
		xv->from_shell = 0; /* libxl restores it: its devices too */
		xld_restore(xv, c);
		xlb_build_returned(xv);
		break;
	case XL_DESTROY:
		xld_destroy(xv);
		break;
	case XL_SHUTDOWN:
		xld_shutdown(xv);
		break;
	case XL_SUSPEND:
		xld_suspend(xv);
		break;
	case XL_PAUSE:
	case XL_UNPAUSE:
		xld_pause(xv, c->op == XL_PAUSE);
		break;
	case XL_FORGET:
		/* Only a VM at rest is forgotten; a late callback keeps it. */
		if (!xv->creating && !xv->destroying && !xv->suspending)
			xlb_vm_free(xv);
		break;
	case XL_ATTACH:
		xld_attach(xv, c->domid);
		break;
	case XL_WATCH:
		/* Watched since its unpause, perhaps fired: not again. */
		if (!xv->watching_status)
			xlb_watch(xv);
		break;
	case XL_HANDOVER:
		xlb_handover(xv, c);
		break;
	default:
		break;
	}
}

/* XL_QUIT: this thread lets go of what it owns; the domains run on. */
static void
xlb_quit(struct xlb *xl)
{
	struct xlb_vm *xv;

	/* Helpers that ended report to their VMs, which exist still. */
	xld_sigchld();
	while ((xv = TAILQ_FIRST(&xl->all)) != NULL)
		xlb_vm_free(xv);
	xlp_close(xl->pool);
	xl->pool = NULL;
	store_close(xl->store);
	xl->store = NULL;
	xld_close();
	/* Nothing drives libxl from here on: no callback will come. */
	while ((xv = TAILQ_FIRST(&xl->orphans)) != NULL)
		xlb_orphan_free(xv);
	xls_close(xl->xls);
	xl->xls = NULL;
	event_base_loopbreak(xl->base);
}

/* A command from the main thread, run in the builder. */
static void
xlb_command(void *msg, void *arg)
{
	struct xl_cmd *c = msg;
	struct xlb    *xl = arg;

	switch (c->op) {
	case XL_LIST:
		xld_list();
		break;
	case XL_SIGCHLD:
		xld_sigchld();
		break;
	case XL_HANDOVER_END:
		xlb_handover_end(c);
		break;
	case XL_POOL:
		/* Opened here: the reaping it starts with needs this
		 * thread's libxl context. */
		if (xl->pool == NULL && c->nshapes > 0)
			xl->pool = xlp_open(xl->base, xl->store, xl->id,
			    xl->shells, xl->shell_vif == CONF_SHELL_VIF_AHEAD,
			    xl->shell_ram == CONF_SHELL_RAM_AHEAD,
			    xl->shell_store == CONF_SHELL_STORE_AHEAD);
		if (xl->pool != NULL)
			xlp_want(xl->pool, c->shapes, c->nshapes);
		break;
	case XL_QUIT:
		xlb_quit(xl);
		break;
	default:
		if (c->v != NULL)
			xlb_run(xlb_vm_get(c), c);
		break;
	}
	xl_cmd_free(c);
}

static void *
xlb_thread(void *arg)
{
	struct xlb *xl = arg;
	sigset_t    all;
	char	    name[16]; /* the kernel's limit, with the NUL */

	/* Signals are the main loop's business. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	/*
	 * Below the main thread: a build is seconds of CPU, a DNS answer
	 * microseconds, and on a dom0 with fewer CPUs than builders the
	 * answers would otherwise queue behind the builds.  Linux gives
	 * each thread its own nice value (setpriority on the thread id).
	 */
	if (setpriority(PRIO_PROCESS, (id_t)gettid(), XLB_NICE) == -1)
		log_warn("builder %d: setpriority", xl->id);
	/* For top -H and ps -L: which thread spends the CPU.  Threads it
	 * starts (libxenstore's reader) are named after it. */
	snprintf(name, sizeof(name), "jitsud-b%d", xl->id);
	if ((errno = pthread_setname_np(pthread_self(), name)) != 0)
		log_warn("builder %d: pthread_setname_np", xl->id);
	xlb_env = xl;
	xld_use(xl->xld);
	event_base_loop(xl->base, EVLOOP_NO_EXIT_ON_EMPTY);
	return NULL;
}

static void
xlb_free(struct xlb *xl)
{
	chan_free(xl->cmds, xl_cmd_free);
	event_base_free(xl->base);
	free(xl);
}

struct chan *
xlb_start(int id, struct chan *reps, const struct conf *conf)
{
	struct xlb *xl;

	if (xlb_n == CONF_BUILDERS_MAX || (xl = calloc(1, sizeof(*xl))) == NULL)
		return NULL;
	TAILQ_INIT(&xl->all);
	TAILQ_INIT(&xl->orphans);
	xl->id = id;
	/* Shells have no vif for libxl to plug: only with vif-plug inline. */
	xl->shells = conf->vif_plug == CONF_VIF_INLINE ? conf->shells : 0;
	xl->shell_vif = conf->shell_vif;
	xl->shell_ram = conf->shell_ram;
	xl->shell_store = conf->shell_store;
	xl->reps = reps;
	/*
	 * Three priorities: libxl's, XenStore's and netlink's events at the
	 * default (1), before the main thread's commands and the pool's
	 * refills (2): the guests already started get their vifs plugged
	 * between two builds of a burst (chan.c).
	 */
	if ((xl->base = event_base_new()) == NULL ||
	    event_base_priority_init(xl->base, XLB_PRIORITIES) == -1)
		fatalx("xl: event_base_new");
	if ((xl->xld = xld_open(xl->base, conf)) == NULL) {
		event_base_free(xl->base);
		free(xl);
		return NULL;
	}
	if ((xl->cmds = chan_new(xl->base, xlb_command, xl)) == NULL)
		fatalx("xl: channels");
	if ((xl->store = store_open(xl->base)) == NULL)
		log_warnx("no XenStore connection: ready=xenstore cannot work");
	if (pthread_create(&xl->thread, NULL, xlb_thread, xl) != 0)
		fatalx("xl: cannot start builder %d", id);
	xlb_all[xlb_n++] = xl;
	return xl->cmds;
}

void
xlb_stop(void)
{
	struct xl_cmd *c;
	int	       i;

	for (i = 0; i < xlb_n; i++) {
		if ((c = calloc(1, sizeof(*c))) == NULL)
			fatalx("xl: out of memory");
		c->op = XL_QUIT;
		if (chan_send(xlb_all[i]->cmds, c) == -1)
			fatalx("xl: cannot stop builder %d", xlb_all[i]->id);
	}
	/* All told first: they let go of libxl side by side. */
	for (i = 0; i < xlb_n; i++) {
		pthread_join(xlb_all[i]->thread, NULL);
		xlb_free(xlb_all[i]);
		xlb_all[i] = NULL;
	}
	xlb_n = 0;
}
