/* xl.c -- the Xen backend: domains built and run through libxl, in our loop */
#include <sys/stat.h>
#include <sys/time.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <libxl.h>
#include <libxl_utils.h>
#include <xentoollog.h>

#include "jitsud.h"
#include "log.h"
#include "synjitsu.h"

/*
 * libxl is used only here, and only from one thread of its own, the
 * builder.  libxl's asynchronous operations still do much of their work
 * synchronously inside the caller's loop: loading and unpacking the
 * kernel, populating the guest's memory, the domain builder proper.
 * Measured in the nested testbed, building the Linux baseline guest held
 * a loop for seconds.  So the builder thread runs its own libevent loop
 * that drives libxl (through libxl's application event hooks: libxl asks
 * us to watch fds and timeouts, we tell it when they fire), and the main
 * thread, which answers DNS, never calls libxl at all.
 *
 *	main thread			builder thread
 *	vm.c -> xl_create ...  --cmd-->	 libxl_domain_create_new ...
 *	vm_backend_built ...   <--rep--	 xl_created, xl_event ...
 *
 * Each side owns its own state: the builder owns struct xl_vm (libxl
 * config, domid, death watch), keyed by the domain's name; the main
 * thread owns struct vm and the readiness watches.  They only exchange
 * messages (chan.c).  A report names its struct vm, which the main
 * thread checks is still registered before it touches it.
 *
 * Reentrancy inside the builder: libxl calls our register hooks from
 * inside its own calls, and our completion and event callbacks from
 * inside libxl_osevent_occurred_*; those callbacks call libxl again,
 * which is allowed (none of it is an occurred_ call).
 *
 * Children: libxl forks hotplug scripts and the save helper.  jitsud
 * owns SIGCHLD (libxl_sigchld_owner_mainloop); the main loop catches it
 * and the builder passes it to libxl, which reaps only its own children.
 *
 * libxl's domain creation leaves the new domain paused: it is unpaused
 * here unless a warm (paused) build was asked for.  libxl does not act
 * on a guest's shutdown by itself (xl's daemon does that for xl): we
 * get DOMAIN_SHUTDOWN events and destroy the domain ourselves.
 */

enum xl_op {
	XL_CREATE, XL_RESTORE, XL_DESTROY, XL_SHUTDOWN, XL_SUSPEND,
	XL_PAUSE, XL_UNPAUSE, XL_FORGET, XL_LIST, XL_ATTACH, XL_SIGCHLD,
	XL_WATCH, XL_UNWATCH, XL_HANDOVER, XL_QUIT
};

/* main -> builder */
struct xl_cmd {
	enum xl_op		 op;
	struct vm		*v;		/* opaque to the builder */
	int			 paused;
	int			 domid;		/* XL_ATTACH */
	struct binding		 b;		/* a copy: no sharing */
	char			*recs;		/* XL_HANDOVER: lines, ours */
	size_t			 nrecs;
};

enum xl_rep_kind {
	REP_BUILT, REP_GONE, REP_DOMAIN, REP_READY,
	REP_SYNREADY,		/* the guest asks for its connections */
	REP_ADOPTED		/* it took `domid' of them; -1: gave up */
};

/* builder -> main */
struct xl_rep {
	enum xl_rep_kind	 kind;
	struct vm		*v;
	int			 ok;
	int			 domid;
	int			 has_why;
	char			 why[160];
	char			 name[BINDING_NAME_MAX + 1];	/* REP_DOMAIN */
};

struct xl_vm {
	struct xl		*xl;
	struct vm		*v;		/* for reports only */
	TAILQ_ENTRY(xl_vm)	 entry;
	char			 name[BINDING_NAME_MAX];	/* no final dot */
	uint32_t		 domid;		/* NO_DOMID when none */
	libxl_domain_config	 cfg;		/* valid while creating */
	int			 has_cfg;
	int			 creating, paused_build, asked_stop;
	int			 destroying, suspending;
	int			 save_fd;
	char			 error[160];
	libxl_evgen_domain_death *death;
	struct store_watch	*ready;		/* data/status, in the builder */
	int			 synjitsu;	/* fresh build, Synjitsu on */
	struct store_watch	*synready;	/* data/synjitsu/ready */
	struct store_watch	*adopted;	/* data/synjitsu/adopted */
	struct event		*adopt_timer;	/* records not taken: remove */
};

/* A guest that asked but does not adopt within this loses its records. */
#define XL_ADOPT_MS	15000

/*
 * Main-thread state of a VM: its TCP readiness probe.  (The XenStore
 * readiness watch lives in the builder: a XenStore round trip can take
 * long while xenstored serves several domain builds, and the DNS thread
 * must not wait for one.)
 */
struct xl_ready {
	struct probe		*probe;
};

struct xl {
	struct event_base	*base;		/* the builder's loop */
	struct event_base	*main_base;
	struct vms		*vs;
	pthread_t		 thread;
	struct chan		*cmds;		/* handled by the builder */
	struct chan		*reps;		/* handled by main */
	libxl_ctx		*ctx;
	xentoollog_logger	 logger;
	struct store		*store;		/* builder thread */
	struct event		*sigchld;	/* main thread */
	char			 vif_script[CONF_PATH_MAX];
	char			 statedir[CONF_PATH_MAX];
	TAILQ_HEAD(, xl_vm)	 all;		/* builder thread */
};

#define NO_DOMID	((uint32_t)-1)

/* There is one libxl context per process. */
static struct xl	*xl_env;

/* libxl's log messages, through log.c. */
static void
xl_vmessage(xentoollog_logger *lg, xentoollog_level level, int errnoval,
    const char *context, const char *fmt, va_list ap)
{
	char	 msg[LOG_RING_LEN - 64];

	(void)lg;
	if (level < XTL_WARN && log_getverbose() < 2)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (level >= XTL_WARN)
		log_warnx("libxl%s%s: %s%s%s", context ? " " : "",
		    context ? context : "", msg, errnoval > 0 ? ": " : "",
		    errnoval > 0 ? strerror(errnoval) : "");
	else
		log_debug("libxl: %s", msg);
}

static void
xl_logger_destroy(xentoollog_logger *lg)
{
	(void)lg;
}

/* libxl's fds and timeouts, in libevent. */

struct xl_fd {
	struct event	*ev;
	void		*for_libxl;
	int		 fd;
	short		 events;
	int		 regular;	/* a plain file: epoll refuses it */
};

struct xl_timeout {
	struct event	*ev;
	void		*for_libxl;
};

static void
xl_fd_fired(int fd, short what, void *arg)
{
	struct xl_fd	*f = arg;
	short		 revents = 0;

	if (what & EV_READ)
		revents |= POLLIN;
	if (what & EV_WRITE)
		revents |= POLLOUT;
	libxl_osevent_occurred_fd(xl_env->ctx, f->for_libxl, fd, f->events,
	    revents);
}

/*
 * A regular file (the save file of a suspend) is always ready for poll(2),
 * which libxl expects, but epoll refuses it (EPERM).  Such an fd gets a
 * zero timer instead, re-armed before each report, so libxl sees it
 * ready every loop turn until it asks for no events or lets it go.
 */
static void
xl_fd_regular_fired(int unused, short what, void *arg)
{
	struct xl_fd	*f = arg;
	struct timeval	 now = { 0, 0 };

	(void)unused;
	(void)what;
	evtimer_add(f->ev, &now);
	libxl_osevent_occurred_fd(xl_env->ctx, f->for_libxl, f->fd,
	    f->events, f->events & (POLLIN | POLLOUT));
}

static int
xl_fd_arm(struct xl_fd *f, int fd, short events)
{
	struct timeval	 now = { 0, 0 };
	struct stat	 st;
	short		 what = EV_PERSIST;

	if (events & POLLIN)
		what |= EV_READ;
	if (events & POLLOUT)
		what |= EV_WRITE;
	f->fd = fd;
	f->events = events;
	f->regular = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
	if (f->ev != NULL)
		event_free(f->ev);
	f->ev = f->regular ? evtimer_new(xl_env->base, xl_fd_regular_fired, f) :
	    event_new(xl_env->base, fd, what, xl_fd_fired, f);
	if (f->ev == NULL)
		return ERROR_OSEVENT_REG_FAIL;
	if ((what & (EV_READ | EV_WRITE)) == 0)
		return 0;
	if ((f->regular ? evtimer_add(f->ev, &now) : event_add(f->ev, NULL)) ==
	    -1)
		return ERROR_OSEVENT_REG_FAIL;
	return 0;
}

static int
xl_fd_register(void *user, int fd, void **reg, short events, void *for_libxl)
{
	struct xl_fd	*f;

	(void)user;
	if ((f = calloc(1, sizeof(*f))) == NULL)
		return ERROR_OSEVENT_REG_FAIL;
	f->for_libxl = for_libxl;
	if (xl_fd_arm(f, fd, events) != 0) {
		if (f->ev != NULL)
			event_free(f->ev);
		free(f);
		return ERROR_OSEVENT_REG_FAIL;
	}
	*reg = f;
	return 0;
}

static int
xl_fd_modify(void *user, int fd, void **reg, short events)
{
	(void)user;
	return xl_fd_arm(*reg, fd, events);
}

static void
xl_fd_deregister(void *user, int fd, void *reg)
{
	struct xl_fd	*f = reg;

	(void)user;
	(void)fd;
	event_free(f->ev);
	free(f);
}

/*
 * On entry to libxl_osevent_occurred_timeout the timeout counts as
 * deregistered, so it is freed first; libxl registers a new one if it
 * wants another.
 */
static void
xl_timeout_fired(int fd, short what, void *arg)
{
	struct xl_timeout	*t = arg;
	void			*for_libxl = t->for_libxl;

	(void)fd;
	(void)what;
	event_free(t->ev);
	free(t);
	libxl_osevent_occurred_timeout(xl_env->ctx, for_libxl);
}

static void
xl_timeout_arm(struct xl_timeout *t, struct timeval abs)
{
	struct timeval	 now, rel = { 0, 0 };

	gettimeofday(&now, NULL);
	if (timercmp(&abs, &now, >))
		timersub(&abs, &now, &rel);
	evtimer_add(t->ev, &rel);
}

static int
xl_timeout_register(void *user, void **reg, struct timeval abs,
    void *for_libxl)
{
	struct xl_timeout	*t;

	(void)user;
	if ((t = calloc(1, sizeof(*t))) == NULL ||
	    (t->ev = evtimer_new(xl_env->base, xl_timeout_fired, t)) == NULL) {
		free(t);
		return ERROR_OSEVENT_REG_FAIL;
	}
	t->for_libxl = for_libxl;
	xl_timeout_arm(t, abs);
	*reg = t;
	return 0;
}

/* Only ever called with abs = {0,0}: "fire as soon as you can". */
static int
xl_timeout_modify(void *user, void **reg, struct timeval abs)
{
	struct xl_timeout	*t = *reg;

	(void)user;
	evtimer_del(t->ev);
	xl_timeout_arm(t, abs);
	return 0;
}

static const libxl_osevent_hooks xl_osevent_hooks = {
	.fd_register = xl_fd_register,
	.fd_modify = xl_fd_modify,
	.fd_deregister = xl_fd_deregister,
	.timeout_register = xl_timeout_register,
	.timeout_modify = xl_timeout_modify,
};

static const libxl_childproc_hooks xl_childproc_hooks = {
	.chldowner = libxl_sigchld_owner_mainloop,
};

/* Reports, from the builder to the main thread. */

static void
xl_report_full(struct xl_vm *xv, enum xl_rep_kind kind, int ok, int domid,
    const char *why)
{
	struct xl_rep	*r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		fatalx("xl: out of memory");
	r->kind = kind;
	r->v = xv->v;
	r->ok = ok;
	r->domid = domid;
	if (why != NULL) {
		r->has_why = 1;
		snprintf(r->why, sizeof(r->why), "%s", why);
	}
	if (chan_send(xv->xl->reps, r) == -1)
		fatalx("xl: cannot report to the main thread");
}

static void
xl_report(struct xl_vm *xv, enum xl_rep_kind kind, int ok, const char *why)
{
	xl_report_full(xv, kind, ok, xv->domid == NO_DOMID ? -1 :
	    (int)xv->domid, why);
}

/* A report carrying a number (in its domid field). */
static void
xl_report_n(struct xl_vm *xv, enum xl_rep_kind kind, int n)
{
	xl_report_full(xv, kind, 1, n, NULL);
}

/* Per-VM state, in the builder. */

static struct xl_vm *
xl_vm_find(struct xl *xl, const char *name)
{
	struct xl_vm	*xv;

	TAILQ_FOREACH(xv, &xl->all, entry)
		if (strcmp(xv->name, name) == 0)
			return xv;
	return NULL;
}

/* Domain names cannot end in a dot: "www.example.org." runs as
 * "www.example.org". */
static void
xl_domain_name(const char *fqdn, char *out, size_t len)
{
	snprintf(out, len, "%s", fqdn);
	if (out[0] != '\0' && out[strlen(out) - 1] == '.')
		out[strlen(out) - 1] = '\0';
}

static struct xl_vm *
xl_vm_get(struct xl *xl, const struct xl_cmd *c)
{
	struct xl_vm	*xv;
	char		 name[BINDING_NAME_MAX];

	xl_domain_name(c->b.name, name, sizeof(name));
	if ((xv = xl_vm_find(xl, name)) != NULL) {
		xv->v = c->v;
		return xv;
	}
	if ((xv = calloc(1, sizeof(*xv))) == NULL)
		fatalx("xl: out of memory");
	xv->xl = xl;
	xv->v = c->v;
	xv->domid = NO_DOMID;
	xv->save_fd = -1;
	memcpy(xv->name, name, sizeof(xv->name));
	TAILQ_INSERT_TAIL(&xl->all, xv, entry);
	return xv;
}

static void
xl_release(struct xl_vm *xv)
{
	store_unwatch(xv->ready);
	xv->ready = NULL;
	store_unwatch(xv->synready);
	xv->synready = NULL;
	store_unwatch(xv->adopted);
	xv->adopted = NULL;
	if (xv->adopt_timer != NULL) {
		event_free(xv->adopt_timer);
		xv->adopt_timer = NULL;
	}
	if (xv->death != NULL) {
		libxl_evdisable_domain_death(xv->xl->ctx, xv->death);
		xv->death = NULL;
	}
	if (xv->save_fd != -1) {
		close(xv->save_fd);
		xv->save_fd = -1;
	}
	if (xv->has_cfg) {
		libxl_domain_config_dispose(&xv->cfg);
		xv->has_cfg = 0;
	}
	xv->domid = NO_DOMID;
	xv->creating = xv->destroying = xv->suspending = 0;
	xv->asked_stop = 0;
	xv->error[0] = '\0';
}

static void
xl_vm_free(struct xl_vm *xv)
{
	xl_release(xv);
	TAILQ_REMOVE(&xv->xl->all, xv, entry);
	free(xv);
}

/*
 * The guest learns its network set-up from its command line, as the
 * baseline Linux guest and our unikernels read it: jitsu.ip, jitsu.ip6,
 * jitsu.name, after whatever the binding's cmdline says.
 */
static char *
xl_cmdline(const struct binding *b)
{
	char	 buf[BINDING_CMDLINE_MAX + 256], ip[INET6_ADDRSTRLEN];
	size_t	 n;

	n = (size_t)snprintf(buf, sizeof(buf), "%s%sjitsu.name=%s",
	    b->cmdline, b->cmdline[0] ? " " : "", b->name);
	if (b->has_ip && n < sizeof(buf)) {
		inet_ntop(AF_INET, &b->ip, ip, sizeof(ip));
		n += (size_t)snprintf(buf + n, sizeof(buf) - n,
		    " jitsu.ip=%s/24", ip);
	}
	if (b->has_ip6 && n < sizeof(buf)) {
		inet_ntop(AF_INET6, &b->ip6, ip, sizeof(ip));
		snprintf(buf + n, sizeof(buf) - n, " jitsu.ip6=%s/64", ip);
	}
	return strdup(buf);
}

static int
xl_nic(struct xl *xl, const struct binding *b, libxl_device_nic *nic)
{
	char	 ip[INET_ADDRSTRLEN];

	libxl_device_nic_init(nic);
	memcpy(nic->mac, b->mac, 6);
	nic->nictype = LIBXL_NIC_TYPE_VIF;
	nic->bridge = strdup(b->bridge);
	nic->script = strdup(xl->vif_script);
	if (b->has_ip) {
		inet_ntop(AF_INET, &b->ip, ip, sizeof(ip));
		nic->ip = strdup(ip);
	}
	return nic->bridge != NULL && nic->script != NULL ? 0 : -1;
}

/*
 * xl.cfg's cpuid="host,rdtscp=0": "host" (the host's policy, libxl's
 * starting point anyway) may lead; libxl parses the other items one at
 * a time, as xl does after splitting the string at its commas.
 */
static int
xl_cpuid(struct xl_vm *xv, libxl_domain_build_info *bi, const char *spec)
{
	char	 buf[BINDING_CPUID_MAX], *item, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", spec);
	for (item = strtok_r(buf, ",", &save); item != NULL;
	    item = strtok_r(NULL, ",", &save)) {
		if (item == buf && strcmp(item, "host") == 0)
			continue;
		if (libxl_cpuid_parse_config(&bi->cpuid, item) != 0) {
			snprintf(xv->error, sizeof(xv->error),
			    "cpuid: cannot parse '%.100s'", item);
			return -1;
		}
	}
	return 0;
}

/* The whole domain configuration, in memory, from the binding. */
static int
xl_build_config(struct xl_vm *xv, const struct binding *b)
{
	struct xl		*xl = xv->xl;
	libxl_domain_config	*c = &xv->cfg;
	libxl_domain_build_info	*bi = &c->b_info;
	libxl_domain_type	 type = b->type == BINDING_TYPE_PV ?
				    LIBXL_DOMAIN_TYPE_PV : LIBXL_DOMAIN_TYPE_PVH;
	unsigned int		 i;

	libxl_domain_config_init(c);
	xv->has_cfg = 1;
	c->c_info.type = type;
	c->c_info.name = strdup(xv->name);
	libxl_domain_build_info_init_type(bi, type);
	bi->max_vcpus = (int)b->vcpus;
	if (libxl_cpu_bitmap_alloc(xl->ctx, &bi->avail_vcpus, (int)b->vcpus))
		return -1;
	for (i = 0; i < b->vcpus; i++)
		libxl_bitmap_set(&bi->avail_vcpus, (int)i);
	bi->max_memkb = b->memory_kb;
	bi->target_memkb = b->memory_kb;
	/* Our copies (image.c) when kept: no read of the operator's disk. */
	bi->kernel = strdup(b->kernel_copy[0] != '\0' ? b->kernel_copy :
	    b->kernel);
	bi->cmdline = xl_cmdline(b);
	if (b->ramdisk[0] != '\0')
		bi->ramdisk = strdup(b->ramdisk_copy[0] != '\0' ?
		    b->ramdisk_copy : b->ramdisk);
	if (xl_cpuid(xv, bi, b->cpuid) == -1)
		return -1;
	c->on_poweroff = LIBXL_ACTION_ON_SHUTDOWN_DESTROY;
	c->on_reboot = LIBXL_ACTION_ON_SHUTDOWN_DESTROY;
	c->on_crash = LIBXL_ACTION_ON_SHUTDOWN_DESTROY;
	c->on_watchdog = LIBXL_ACTION_ON_SHUTDOWN_DESTROY;
	if ((c->nics = calloc(1, sizeof(*c->nics))) == NULL)
		return -1;
	c->num_nics = 1;
	if (xl_nic(xl, b, &c->nics[0]) == -1 || c->c_info.name == NULL ||
	    bi->kernel == NULL || bi->cmdline == NULL)
		return -1;
	return 0;
}

static void	xl_destroy_start(struct xl_vm *);

static void
xl_watch_death(struct xl_vm *xv)
{
	if (xv->death == NULL && libxl_evenable_domain_death(xv->xl->ctx,
	    xv->domid, (libxl_ev_user)(uintptr_t)xv, &xv->death) != 0)
		log_warnx("%s: cannot watch domain %u for its death",
		    xv->name, xv->domid);
}

/*
 * Synjitsu's channel, the guest's data/synjitsu folder (synjitsu(7)):
 * made before the domain runs, private to dom0 and the guest; the guest
 * writes ready=1 when it listens, we write conn/0..N-1 and count=N in
 * one transaction, it writes adopted=K.  A guest that gave up waiting
 * writes adopted first, and then nothing is written.
 */
static void
xl_synjitsu_path(const struct xl_vm *xv, const char *key, char *buf,
    size_t len)
{
	snprintf(buf, len, "/local/domain/%u/data/synjitsu%s%s", xv->domid,
	    key[0] != '\0' ? "/" : "", key);
}

static void
xl_synready_fired(void *arg)
{
	struct xl_vm	*xv = arg;

	xv->synready = NULL;
	xl_report(xv, REP_SYNREADY, 1, NULL);
}

static void
xl_synjitsu_prepare(struct xl_vm *xv)
{
	char	 path[STORE_PATH_MAX];

	if (xv->xl->store == NULL)
		return;
	xl_synjitsu_path(xv, "", path, sizeof(path));
	if (store_private_dir(xv->xl->store, path, (int)xv->domid) == -1)
		return;
	xl_synjitsu_path(xv, "ready", path, sizeof(path));
	store_unwatch(xv->synready);
	if ((xv->synready = store_watch(xv->xl->store, path, "1",
	    xl_synready_fired, xv)) == NULL)
		log_warnx("%s: cannot watch %s", xv->name, path);
}

static void
xl_adopted_fired(void *arg)
{
	struct xl_vm	*xv = arg;
	char		 path[STORE_PATH_MAX], val[16], *end;
	long		 k = -1;

	xv->adopted = NULL;
	if (xv->adopt_timer != NULL)
		evtimer_del(xv->adopt_timer);
	xl_synjitsu_path(xv, "adopted", path, sizeof(path));
	if (store_read(xv->xl->store, path, val, sizeof(val)) == 0) {
		k = strtol(val, &end, 10);
		if (*end != '\0' || k < 0 || k > SYNJITSU_CONN_MAX)
			k = -1;
	}
	/* Its records are read: nothing of the hand-over stays behind. */
	xl_synjitsu_path(xv, "", path, sizeof(path));
	(void)store_rm(xv->xl->store, path);
	xl_report_n(xv, REP_ADOPTED, (int)k);
}

/*
 * The guest asked, its records were written, and it never said it took
 * them: they must not stay in XenStore for the life of the domain.
 */
static void
xl_adopt_expired(int fd, short ev, void *arg)
{
	struct xl_vm	*xv = arg;
	char		 path[STORE_PATH_MAX];

	(void)fd;
	(void)ev;
	store_unwatch(xv->adopted);
	xv->adopted = NULL;
	xl_synjitsu_path(xv, "", path, sizeof(path));
	(void)store_rm(xv->xl->store, path);
	log_warnx("%s: synjitsu: records not adopted in %d s: removed",
	    xv->name, XL_ADOPT_MS / 1000);
	xl_report_n(xv, REP_ADOPTED, -1);
}

static void
xl_adopt_arm(struct xl_vm *xv)
{
	struct timeval	 tv = ms_timeval(XL_ADOPT_MS);

	if (xv->adopt_timer == NULL && (xv->adopt_timer = evtimer_new(
	    xv->xl->base, xl_adopt_expired, xv)) == NULL)
		return;
	evtimer_add(xv->adopt_timer, &tv);
}

static void
xl_do_handover(struct xl_vm *xv, const struct xl_cmd *c)
{
	const char	**keys = NULL, **vals = NULL;
	char		 dir[STORE_PATH_MAX], path[STORE_PATH_MAX];
	char		(*names)[32] = NULL, count[32], *line, *save;
	size_t		 i = 0;
	int		 rc = -1;

	if (xv->xl->store == NULL || xv->domid == NO_DOMID)
		goto out;
	keys = calloc(c->nrecs + 1, sizeof(*keys));
	vals = calloc(c->nrecs + 1, sizeof(*vals));
	names = calloc(c->nrecs + 1, sizeof(*names));
	if (keys == NULL || vals == NULL || names == NULL)
		goto out;
	for (line = strtok_r(c->recs, "\n", &save); line != NULL &&
	    i < c->nrecs; line = strtok_r(NULL, "\n", &save), i++) {
		snprintf(names[i], sizeof(names[i]), "conn/%zu", i);
		keys[i] = names[i];
		vals[i] = line;
	}
	/* count last: in one transaction the order is moot, but not to a
	 * reader of this code. */
	snprintf(count, sizeof(count), "%zu", i);
	keys[i] = "count";
	vals[i] = count;
	xl_synjitsu_path(xv, "", dir, sizeof(dir));
	rc = store_write_all(xv->xl->store, dir, keys, vals, i + 1,
	    "adopted");
	if (rc == 0) {
		xl_synjitsu_path(xv, "adopted", path, sizeof(path));
		store_unwatch(xv->adopted);
		if ((xv->adopted = store_watch(xv->xl->store, path, "",
		    xl_adopted_fired, xv)) == NULL)
			log_warnx("%s: cannot watch %s", xv->name, path);
		xl_adopt_arm(xv);
	}
out:
	if (rc != 0)
		xl_report_n(xv, REP_ADOPTED, -1);
	free(keys);
	free(vals);
	free(names);
}

/* libxl finished building (or restoring) a domain. */
static void
xl_created(libxl_ctx *ctx, int rc, void *arg)
{
	struct xl_vm	*xv = arg;
	char		 why[64];

	xv->creating = 0;
	libxl_domain_config_dispose(&xv->cfg);
	xv->has_cfg = 0;
	if (xv->save_fd != -1) {
		close(xv->save_fd);
		xv->save_fd = -1;
	}
	if (rc != 0) {
		snprintf(why, sizeof(why), "libxl error %d", rc);
		/* A half-built domain may remain: make sure it goes. */
		if (xv->domid != NO_DOMID && xv->domid != 0)
			libxl_domain_destroy(ctx, xv->domid, NULL);
		xv->domid = NO_DOMID;
		if (xv->asked_stop)
			xl_report(xv, REP_GONE, 1, NULL);
		else
			xl_report(xv, REP_BUILT, 0, why);
		return;
	}
	xl_watch_death(xv);
	if (xv->asked_stop) {
		/* Stopped (boot timeout) while it was being built. */
		xl_destroy_start(xv);
		return;
	}
	/* Before it runs: the guest looks for the folder as it starts. */
	if (xv->synjitsu)
		xl_synjitsu_prepare(xv);
	if (!xv->paused_build && libxl_domain_unpause(ctx, xv->domid, NULL)) {
		xl_report(xv, REP_BUILT, 0, "unpause failed");
		return;
	}
	xl_report(xv, REP_BUILT, 1, NULL);
}

static void
xl_do_create(struct xl_vm *xv, const struct xl_cmd *c)
{
	libxl_asyncop_how	 how = { .callback = xl_created };
	int			 rc;

	xl_release(xv);
	if (xl_build_config(xv, &c->b) == -1) {
		xl_report(xv, REP_BUILT, 0, xv->error[0] ? xv->error :
		    "cannot build the domain configuration");
		xl_release(xv);
		return;
	}
	how.u.for_callback = xv;
	xv->paused_build = c->paused;
	/* A warm build is unpaused later with its stack long up. */
	xv->synjitsu = c->b.synjitsu && !c->paused;
	xv->creating = 1;
	rc = libxl_domain_create_new(xv->xl->ctx, &xv->cfg, &xv->domid, &how,
	    NULL);
	if (rc != 0) {
		snprintf(xv->error, sizeof(xv->error),
		    "domain create: libxl error %d", rc);
		xl_report(xv, REP_BUILT, 0, xv->error);
		xl_release(xv);
	}
}

static void
xl_save_path(const struct xl_vm *xv, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s.save", xv->xl->statedir, xv->name);
}

static void
xl_do_restore(struct xl_vm *xv, const struct xl_cmd *c)
{
	libxl_asyncop_how		 how = { .callback = xl_created };
	libxl_domain_restore_params	 params;
	char				 path[CONF_PATH_MAX + BINDING_NAME_MAX +
					    8];
	int				 rc;

	xl_release(xv);
	xl_save_path(xv, path, sizeof(path));
	if ((xv->save_fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(xv->error, sizeof(xv->error), "%.100s: %s", path,
		    strerror(errno));
		xl_report(xv, REP_BUILT, 0, xv->error);
		return;
	}
	if (xl_build_config(xv, &c->b) == -1) {
		xl_report(xv, REP_BUILT, 0, "cannot build the configuration");
		xl_release(xv);
		return;
	}
	libxl_domain_restore_params_init(&params);
	/* Our saves are libxl's v2 streams; the default (1) would send the
	 * file through the legacy-stream converter. */
	params.stream_version = 2;
	how.u.for_callback = xv;
	xv->paused_build = 0;
	xv->creating = 1;
	rc = libxl_domain_create_restore(xv->xl->ctx, &xv->cfg, &xv->domid,
	    xv->save_fd, -1, &params, &how, NULL);
	libxl_domain_restore_params_dispose(&params);
	if (rc != 0) {
		snprintf(xv->error, sizeof(xv->error),
		    "domain restore: libxl error %d", rc);
		xl_report(xv, REP_BUILT, 0, xv->error);
		xl_release(xv);
	}
}

static void
xl_destroyed(libxl_ctx *ctx, int rc, void *arg)
{
	struct xl_vm	*xv = arg;
	char		 why[sizeof(xv->error)];
	int		 asked = xv->asked_stop;

	(void)ctx;
	xv->destroying = 0;
	if (rc != 0)
		log_warnx("%s: destroy of domain %u: libxl error %d",
		    xv->name, xv->domid, rc);
	snprintf(why, sizeof(why), "%s", xv->error[0] ? xv->error :
	    "domain went away");
	xl_release(xv);
	xl_report(xv, REP_GONE, 1, asked ? NULL : why);
}

static void
xl_destroy_start(struct xl_vm *xv)
{
	libxl_asyncop_how	 how = { .callback = xl_destroyed };

	if (xv->destroying || xv->domid == NO_DOMID)
		return;
	how.u.for_callback = xv;
	xv->destroying = 1;
	if (libxl_domain_destroy(xv->xl->ctx, xv->domid, &how) != 0) {
		xv->destroying = 0;
		log_warnx("%s: cannot start destroying domain %u", xv->name,
		    xv->domid);
	}
}

static void
xl_do_destroy(struct xl_vm *xv)
{
	xv->asked_stop = 1;
	if (xv->creating)
		return;		/* xl_created finishes the job */
	if (xv->domid == NO_DOMID) {
		xl_report(xv, REP_GONE, 1, NULL);
		return;
	}
	xl_destroy_start(xv);
}

static void
xl_do_shutdown(struct xl_vm *xv)
{
	if (xv->domid == NO_DOMID || xv->creating) {
		xl_do_destroy(xv);
		return;
	}
	xv->asked_stop = 1;
	/* The guest's DOMAIN_SHUTDOWN event completes it (xl_event); a
	 * guest that ignores it is destroyed by vm.c's grace timer. */
	if (libxl_domain_shutdown(xv->xl->ctx, xv->domid, NULL) != 0)
		xl_destroy_start(xv);
}

static void	xl_save_path(const struct xl_vm *, char *, size_t);

static void
xl_suspended(libxl_ctx *ctx, int rc, void *arg)
{
	struct xl_vm	*xv = arg;
	char		 path[CONF_PATH_MAX + BINDING_NAME_MAX + 8];

	(void)ctx;
	xv->suspending = 0;
	close(xv->save_fd);
	xv->save_fd = -1;
	/*
	 * A saved domain is left shut down (suspend): destroying it ends
	 * the stop, and vm.c calls it suspended, since it asked.  After a
	 * failed save the domain is destroyed all the same, but reported
	 * with the reason, so vm.c ends it as stopped and the next query
	 * boots afresh instead of restoring a partial save.
	 */
	if (rc != 0) {
		xl_save_path(xv, path, sizeof(path));
		unlink(path);
		snprintf(xv->error, sizeof(xv->error),
		    "suspend failed: libxl error %d", rc);
		log_warnx("%s: %s; destroying", xv->name, xv->error);
		xv->asked_stop = 0;
	}
	xl_destroy_start(xv);
}

static void
xl_do_suspend(struct xl_vm *xv)
{
	libxl_asyncop_how	 how = { .callback = xl_suspended };
	char			 path[CONF_PATH_MAX + BINDING_NAME_MAX + 8];

	if (xv->domid == NO_DOMID || xv->creating) {
		xl_do_destroy(xv);
		return;
	}
	xv->asked_stop = 1;
	xl_save_path(xv, path, sizeof(path));
	xv->save_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600);
	if (xv->save_fd == -1) {
		log_warn("%s: %s", xv->name, path);
		xl_destroy_start(xv);
		return;
	}
	how.u.for_callback = xv;
	xv->suspending = 1;
	if (libxl_domain_suspend(xv->xl->ctx, xv->domid, xv->save_fd, 0,
	    &how) != 0) {
		xv->suspending = 0;
		close(xv->save_fd);
		xv->save_fd = -1;
		xl_destroy_start(xv);
	}
}

/*
 * pause and unpause are answered at once on the main side (vm.c takes
 * them as immediate); a failure here is reported as the domain gone, so
 * vm.c never believes in a VM that is not there.
 */
static void
xl_do_pause(struct xl_vm *xv, int pause)
{
	int	 rc;

	if (xv->domid == NO_DOMID)
		return;
	rc = pause ? libxl_domain_pause(xv->xl->ctx, xv->domid, NULL) :
	    libxl_domain_unpause(xv->xl->ctx, xv->domid, NULL);
	if (rc != 0) {
		snprintf(xv->error, sizeof(xv->error), "%s failed: libxl "
		    "error %d", pause ? "pause" : "unpause", rc);
		xv->asked_stop = 0;
		xl_destroy_start(xv);
	}
}

static const char *
xl_shutdown_reason(int reason)
{
	switch (reason) {
	case LIBXL_SHUTDOWN_REASON_POWEROFF:
		return "powered off";
	case LIBXL_SHUTDOWN_REASON_REBOOT:
		return "rebooted";
	case LIBXL_SHUTDOWN_REASON_CRASH:
		return "crashed";
	case LIBXL_SHUTDOWN_REASON_WATCHDOG:
		return "watchdog fired";
	default:
		return "shut down";
	}
}

/* Domain events: a guest shut down or crashed, or its domain died. */
static void
xl_event(void *user, libxl_event *ev)
{
	struct xl_vm	*xv = (struct xl_vm *)(uintptr_t)ev->for_user;
	int		 reason, asked;

	(void)user;
	if (xv == NULL || xv->domid != ev->domid)
		goto out;
	switch (ev->type) {
	case LIBXL_EVENT_TYPE_DOMAIN_SHUTDOWN:
		reason = ev->u.domain_shutdown.shutdown_reason;
		if (reason == LIBXL_SHUTDOWN_REASON_SUSPEND && xv->suspending)
			break;	/* our own save at work */
		if (!xv->asked_stop)
			snprintf(xv->error, sizeof(xv->error), "domain %u %s",
			    xv->domid, xl_shutdown_reason(reason));
		xl_destroy_start(xv);
		break;
	case LIBXL_EVENT_TYPE_DOMAIN_DEATH:
		if (xv->destroying || xv->creating || xv->suspending)
			break;	/* a callback reports it */
		if (!xv->asked_stop)
			snprintf(xv->error, sizeof(xv->error),
			    "domain %u destroyed outside jitsud", xv->domid);
		asked = xv->asked_stop;
		xl_report(xv, REP_GONE, 1, asked ? NULL : xv->error);
		xl_release(xv);
		break;
	default:
		break;
	}
out:
	libxl_event_free(xl_env->ctx, ev);
}

static void
xl_disaster(void *user, libxl_event_type type, const char *msg, int errnoval)
{
	(void)user;
	/* libxl can no longer tell us about domains: better to restart. */
	fatalx("libxl disaster (event type %d): %s: %s", (int)type, msg,
	    strerror(errnoval));
}

static const libxl_event_hooks xl_event_hooks = {
	.event_occurs_mask = LIBXL_EVENTMASK_ALL,
	.event_occurs = xl_event,
	.disaster = xl_disaster,
};

/* Every running domain, reported so the main thread can adopt its own. */
static void
xl_do_list(struct xl *xl)
{
	libxl_dominfo	*list;
	struct xl_rep	*r;
	char		*name;
	int		 i, n;

	if ((list = libxl_list_domain(xl->ctx, &n)) == NULL)
		return;
	for (i = 0; i < n; i++) {
		if (list[i].domid == 0 || list[i].shutdown || list[i].dying)
			continue;
		if ((name = libxl_domid_to_name(xl->ctx, list[i].domid)) ==
		    NULL)
			continue;
		if ((r = calloc(1, sizeof(*r))) == NULL)
			fatalx("xl: out of memory");
		r->kind = REP_DOMAIN;
		r->domid = (int)list[i].domid;
		snprintf(r->name, sizeof(r->name), "%s.", name);
		free(name);
		chan_send(xl->reps, r);
	}
	libxl_dominfo_list_free(list, n);
}

/* The main thread adopts a running domain: watch it from now on. */
static void
xl_do_attach(struct xl_vm *xv, int domid)
{
	xl_release(xv);
	xv->domid = (uint32_t)domid;
	xl_watch_death(xv);
}

static void
xl_ready_fired(void *arg)
{
	struct xl_vm	*xv = arg;

	xv->ready = NULL;
	xl_report(xv, REP_READY, 1, NULL);
}

/* The guest says it is ready by writing data/status = "ready". */
static void
xl_do_watch(struct xl_vm *xv)
{
	char	 path[STORE_PATH_MAX];

	store_unwatch(xv->ready);
	xv->ready = NULL;
	if (xv->xl->store == NULL || xv->domid == NO_DOMID)
		return;
	snprintf(path, sizeof(path), "/local/domain/%u/data/status",
	    xv->domid);
	if ((xv->ready = store_watch(xv->xl->store, path, "ready",
	    xl_ready_fired, xv)) == NULL)
		log_warnx("%s: cannot watch %s", xv->name, path);
}

/* A command from the main thread, run in the builder. */
static void
xl_command(void *msg, void *arg)
{
	struct xl_cmd	*c = msg;
	struct xl	*xl = arg;
	struct xl_vm	*xv = NULL;

	if (c->v != NULL)
		xv = xl_vm_get(xl, c);
	switch (c->op) {
	case XL_CREATE:
		xl_do_create(xv, c);
		break;
	case XL_RESTORE:
		xl_do_restore(xv, c);
		break;
	case XL_DESTROY:
		xl_do_destroy(xv);
		break;
	case XL_SHUTDOWN:
		xl_do_shutdown(xv);
		break;
	case XL_SUSPEND:
		xl_do_suspend(xv);
		break;
	case XL_PAUSE:
	case XL_UNPAUSE:
		xl_do_pause(xv, c->op == XL_PAUSE);
		break;
	case XL_FORGET:
		/* Only a VM at rest is forgotten; a late callback keeps it. */
		if (!xv->creating && !xv->destroying && !xv->suspending)
			xl_vm_free(xv);
		break;
	case XL_LIST:
		xl_do_list(xl);
		break;
	case XL_ATTACH:
		xl_do_attach(xv, c->domid);
		break;
	case XL_SIGCHLD:
		libxl_childproc_sigchld_occurred(xl->ctx);
		break;
	case XL_WATCH:
		xl_do_watch(xv);
		break;
	case XL_UNWATCH:
		store_unwatch(xv->ready);
		xv->ready = NULL;
		break;
	case XL_HANDOVER:
		xl_do_handover(xv, c);
		break;
	case XL_QUIT:
		event_base_loopbreak(xl->base);
		break;
	}
	free(c->recs);
	free(c);
}

static void *
xl_thread(void *arg)
{
	struct xl	*xl = arg;
	sigset_t	 all;

	/* Signals are the main loop's business. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	event_base_loop(xl->base, EVLOOP_NO_EXIT_ON_EMPTY);
	return NULL;
}

/* The main thread's side: vm.c's backend calls become commands. */

static int
xl_send(struct vm *v, enum xl_op op, int paused)
{
	struct xl_cmd	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return -1;
	c->op = op;
	c->v = v;
	c->paused = paused;
	if (v != NULL)
		c->b = v->b;
	return chan_send(xl_env->cmds, c);
}

/* Main thread: the records as lines, for the builder to write. */
static int
xl_handover(struct vm *v, const struct synrec *recs, size_t n)
{
	struct xl_cmd	*c;
	size_t		 i, off = 0;
	int		 len;

	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->recs = malloc(n * SYNREC_LINE_MAX + 1)) == NULL) {
		free(c);
		return -1;
	}
	c->op = XL_HANDOVER;
	c->v = v;
	c->b = v->b;
	for (i = 0; i < n; i++) {
		if ((len = synrec_encode(&recs[i], c->recs + off,
		    SYNREC_LINE_MAX)) < 0) {
			log_warnx("%s: synjitsu: record %zu refused by the "
			    "encoder", v->b.name, i);
			continue;
		}
		off += (size_t)len;
		c->recs[off++] = '\n';
		c->nrecs++;
	}
	c->recs[off] = '\0';
	return chan_send(xl_env->cmds, c);
}

static int
xl_create(struct vm *v, int paused)
{
	return xl_send(v, XL_CREATE, paused);
}

static int
xl_restore(struct vm *v)
{
	return xl_send(v, XL_RESTORE, 0);
}

static int
xl_destroy(struct vm *v)
{
	return xl_send(v, XL_DESTROY, 0);
}

static int
xl_shutdown(struct vm *v)
{
	return xl_send(v, XL_SHUTDOWN, 0);
}

static int
xl_suspend(struct vm *v)
{
	return xl_send(v, XL_SUSPEND, 0);
}

static int
xl_pause(struct vm *v)
{
	return xl_send(v, XL_PAUSE, 0);
}

static int
xl_unpause(struct vm *v)
{
	return xl_send(v, XL_UNPAUSE, 0);
}

static void
xl_ready_stop(struct vm *v)
{
	struct xl_ready	*r = v->priv;

	if (r == NULL)
		return;
	probe_cancel(r->probe);
	free(r);
	v->priv = NULL;
}

static void
xl_probe_cb(void *arg)
{
	struct vm	*v = arg;
	struct xl_ready	*r = v->priv;

	r->probe = NULL;	/* the probe that called us is gone */
	vm_backend_ready(v);
}

/*
 * Readiness: the guest writes data/status = "ready" in its own XenStore
 * area (watched by the builder thread, never polled), or its TCP port
 * answers from dom0 (probed from here, without blocking).
 */
static int
xl_watch_ready(struct vm *v)
{
	struct xl_ready		*r;
	struct sockaddr_in	 sin;

	xl_ready_stop(v);
	if (v->domid < 0)
		return -1;
	if (v->b.ready != BINDING_READY_TCP)
		return xl_send(v, XL_WATCH, 0);
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return -1;
	v->priv = r;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr = v->b.ip;
	sin.sin_port = htons(v->b.ready_port);
	r->probe = probe_start(xl_env->main_base, (struct sockaddr *)&sin,
	    sizeof(sin), xl_probe_cb, v);
	return r->probe != NULL ? 0 : -1;
}

static void
xl_forget(struct vm *v)
{
	xl_ready_stop(v);
	xl_send(v, XL_FORGET, 0);
}

/*
 * Bytes the guest sent through its vif (the backend's rx): the idle
 * check's second witness.  Only that way: what the bridge floods to every
 * port (ARP for other hosts, IPv6 multicast) would otherwise keep every
 * guest awake, while a guest busy on a connection, whichever way the
 * data flows, always sends something (data or ACKs).
 */
static uint64_t
xl_traffic(struct vm *v)
{
	char			 path[128];
	unsigned long long	 n, sum = 0;
	FILE			*fp;

	if (v->domid < 0)
		return 0;
	snprintf(path, sizeof(path), "/sys/class/net/vif%d.0/statistics/"
	    "rx_bytes", v->domid);
	if ((fp = fopen(path, "r")) != NULL) {
		if (fscanf(fp, "%llu", &n) == 1)
			sum = n;
		fclose(fp);
	}
	return sum;
}

const struct vm_backend xl_backend = {
	.name = "xen",
	.create = xl_create,
	.restore = xl_restore,
	.watch_ready = xl_watch_ready,
	.unpause = xl_unpause,
	.pause = xl_pause,
	.shutdown = xl_shutdown,
	.suspend = xl_suspend,
	.destroy = xl_destroy,
	.forget = xl_forget,
	.traffic = xl_traffic,
	.handover = xl_handover,
};

static int
xl_vm_live(struct vms *vs, const struct vm *v)
{
	const struct vm	*w;

	TAILQ_FOREACH(w, &vs->all, entry)
		if (w == v)
			return 1;
	return 0;
}

/* A report from the builder, in the main thread. */
static void
xl_reported(void *msg, void *arg)
{
	struct xl_rep	*r = msg;
	struct xl	*xl = arg;
	struct vm	*v;

	if (r->kind == REP_DOMAIN) {
		/* After a restart: adopt the domains named like a binding. */
		if ((v = vm_find(xl->vs, r->name)) != NULL &&
		    v->state == VM_STOPPED) {
			xl_send(v, XL_ATTACH, 0);
			vm_backend_adopted(xl->vs, r->name, r->domid);
		}
		free(r);
		return;
	}
	if (!xl_vm_live(xl->vs, r->v)) {
		free(r);	/* its binding went away meanwhile */
		return;
	}
	v = r->v;
	if (r->kind == REP_READY) {
		vm_backend_ready(v);	/* ignored unless it is booting */
		free(r);
		return;
	}
	if (r->kind == REP_SYNREADY || r->kind == REP_ADOPTED) {
		if (r->kind == REP_SYNREADY)
			vm_backend_synjitsu_ready(v);
		else
			vm_backend_synjitsu_adopted(v, r->domid);
		free(r);
		return;
	}
	if (r->kind == REP_BUILT) {
		if (r->ok)
			v->domid = r->domid;
		vm_backend_built(v, r->ok, r->has_why ? r->why : NULL);
	} else {
		xl_ready_stop(v);
		v->domid = -1;
		vm_backend_gone(v, r->has_why ? r->why : NULL);
	}
	free(r);
}

static void
xl_sigchld(int sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	(void)arg;
	xl_send(NULL, XL_SIGCHLD, 0);
}

void
xl_adopt(struct vms *vs)
{
	(void)vs;
	xl_send(NULL, XL_LIST, 0);
}

int
xl_init(struct event_base *base, struct vms *vs, const struct conf *c)
{
	struct xl	*xl;

	if ((xl = calloc(1, sizeof(*xl))) == NULL)
		return -1;
	xl->main_base = base;
	xl->vs = vs;
	TAILQ_INIT(&xl->all);
	snprintf(xl->vif_script, sizeof(xl->vif_script), "%s", c->vif_script);
	snprintf(xl->statedir, sizeof(xl->statedir), "%s", c->statedir);
	if (mkdir(xl->statedir, 0700) == -1 && errno != EEXIST)
		log_warn("state-dir %s", xl->statedir);
	xl->logger.vmessage = xl_vmessage;
	xl->logger.destroy = xl_logger_destroy;
	if ((xl->base = event_base_new()) == NULL)
		fatalx("xl: event_base_new");
	xl_env = xl;
	if (libxl_ctx_alloc(&xl->ctx, LIBXL_VERSION, 0, &xl->logger) != 0) {
		log_warnx("libxl_ctx_alloc failed: is this a Xen dom0?");
		event_base_free(xl->base);
		xl_env = NULL;
		free(xl);
		return -1;
	}
	/* Set up before the builder thread runs: nothing races yet. */
	libxl_childproc_setmode(xl->ctx, &xl_childproc_hooks, NULL);
	libxl_osevent_register_hooks(xl->ctx, &xl_osevent_hooks, xl);
	libxl_event_register_callbacks(xl->ctx, &xl_event_hooks, xl);
	if ((xl->cmds = chan_new(xl->base, xl_command, xl)) == NULL ||
	    (xl->reps = chan_new(base, xl_reported, xl)) == NULL)
		fatalx("xl: channels");
	if ((xl->sigchld = evsignal_new(base, SIGCHLD, xl_sigchld, xl)) ==
	    NULL || event_add(xl->sigchld, NULL) == -1)
		fatalx("xl: SIGCHLD event");
	if ((xl->store = store_open(xl->base)) == NULL)
		log_warnx("no XenStore connection: ready=xenstore cannot work");
	if (pthread_create(&xl->thread, NULL, xl_thread, xl) != 0)
		fatalx("xl: cannot start the builder thread");
	return 0;
}

void
xl_fini(void)
{
	struct xl	*xl = xl_env;
	struct xl_vm	*xv;

	if (xl == NULL)
		return;
	xl_send(NULL, XL_QUIT, 0);
	pthread_join(xl->thread, NULL);
	/* The domains keep running: a restarted jitsud adopts them. */
	while ((xv = TAILQ_FIRST(&xl->all)) != NULL)
		xl_vm_free(xv);
	store_close(xl->store);
	event_free(xl->sigchld);
	chan_free(xl->cmds, free);
	chan_free(xl->reps, free);
	libxl_ctx_free(xl->ctx);
	event_base_free(xl->base);
	free(xl);
	xl_env = NULL;
}
