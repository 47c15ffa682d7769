/* xld.c -- libxl: the Xen backend's domains, built in the builder thread */
#include <sys/stat.h>
#include <sys/time.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <libxl.h>
#include <libxl_utils.h>
#include <xentoollog.h>

#include "child.h"
#include "jitsud.h"
#include "log.h"
#include "xl.h"

/*
 * libxl is used only here, and only from the builder threads (xlb.c),
 * each with a libxl context of its own (xlb.c says why).
 * libxl's asynchronous operations still do much of their work
 * synchronously inside the caller's loop: loading and unpacking the
 * kernel, populating the guest's memory, the domain builder proper.
 * Measured in the nested testbed, building the Linux baseline guest held
 * a loop for seconds.  So the builder's own libevent loop drives libxl
 * (through libxl's application event hooks: libxl asks us to watch fds
 * and timeouts, we tell it when they fire), and the main thread, which
 * answers DNS, never calls libxl at all.
 *
 * Reentrancy inside the builder: libxl calls our register hooks from
 * inside its own calls, and our completion and event callbacks from
 * inside libxl_osevent_occurred_*; those callbacks call libxl again,
 * which is allowed (none of it is an occurred_ call).
 *
 * Children: libxl forks the save helper and, with vif-plug script, the
 * vif's hotplug script (with vif-plug inline libxl gets no nic: xlv.c
 * says why and makes the vif itself, before the unpause).  jitsud
 * owns SIGCHLD (libxl_sigchld_owner_mainloop); the main loop catches it
 * and every builder passes it to its context, which reaps only its own
 * children (by their pids), so no context takes another's.
 *
 * libxl's domain creation leaves the new domain paused: it is unpaused
 * here unless a warm (paused) build was asked for.
 *
 * The summon's timeline (XL_REP_PHASE): "build" when libxl is asked,
 * "created" when its create completes, "unpaused" after our unpause,
 * "devices" when XenStore says the vif's backend is Connected
 * (xlb_watch_vif).  libxl itself does not tell when a device is up: its
 * create completes once each backend waits (InitWait) and the hotplug
 * script has written hotplug-status, before the guest ever ran; with
 * vif-plug inline, xlv.c plugs the vif while the guest already boots.  libxl does not act
 * on a guest's shutdown by itself (xl's daemon does that for xl): we
 * get DOMAIN_SHUTDOWN events and destroy the domain ourselves.
 */

/* libxl's side of one domain: its configuration and death watch. */
struct xld_dom {
	libxl_domain_config	  cfg; /* valid while creating */
	int			  has_cfg;
	libxl_evgen_domain_death *death;
	struct xlv_nic		  nic; /* vif-plug inline: made by xlv.c */
};

/* One libxl context per builder thread. */
struct xld {
	struct event_base *base; /* the builder's loop */
	libxl_ctx	  *ctx;
	xentoollog_logger  logger;
	int		   vif_inline; /* vif-plug inline: see xlv.c */
	char		   vif_script[CONF_PATH_MAX];
	char		   statedir[CONF_PATH_MAX];
	pid_t		   kids[XLD_KIDS]; /* libxl's helpers, 0: free */
};

/*
 * The calling builder thread's context (xld_use).  libxl calls our hooks
 * and callbacks only from inside the libxl calls made on that context,
 * and only its builder thread makes them.
 */
static _Thread_local struct xld *xld_env;

/* libxl's log messages, through log.c. */
static void
xld_vmessage(xentoollog_logger *lg, xentoollog_level level, int errnoval,
    const char *context, const char *fmt, va_list ap)
{
	char msg[LOG_RING_LEN - 64];

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
xld_logger_destroy(xentoollog_logger *lg)
{
	(void)lg;
}

/* libxl's fds and timeouts, in libevent. */

struct xld_fd {
	struct event *ev;
	void	     *for_libxl;
	int	      fd;
	short	      events;
	int	      regular; /* a plain file: epoll refuses it */
};

struct xld_timeout {
	struct event *ev;
	void	     *for_libxl;
};

static void
xld_fd_fired(int fd, short what, void *arg)
{
	struct xld_fd *f = arg;
	short	       revents = 0;

	if (what & EV_READ)
		revents |= POLLIN;
	if (what & EV_WRITE)
		revents |= POLLOUT;
	libxl_osevent_occurred_fd(xld_env->ctx, f->for_libxl, fd, f->events,
	    revents);
}

/*
 * A regular file (the save file of a suspend) is always ready for poll(2),
 * which libxl expects, but epoll refuses it (EPERM).  Such an fd gets a
 * zero timer instead, re-armed before each report, so libxl sees it
 * ready every loop turn until it asks for no events or lets it go.
 */
static void
xld_fd_regular_fired(int unused, short what, void *arg)
{
	struct xld_fd *f = arg;
	struct timeval now = { 0, 0 };

	(void)unused;
	(void)what;
	evtimer_add(f->ev, &now);
	libxl_osevent_occurred_fd(xld_env->ctx, f->for_libxl, f->fd, f->events,
	    f->events & (POLLIN | POLLOUT));
}

static int
xld_fd_arm(struct xld_fd *f, int fd, short events)
{
	struct timeval now = { 0, 0 };
	struct stat    st;
	short	       what = EV_PERSIST;

	if (events & POLLIN)
		what |= EV_READ;
	if (events & POLLOUT)
		what |= EV_WRITE;
	f->fd = fd;
	f->events = events;
	f->regular = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
	if (f->ev != NULL)
		event_free(f->ev);
	f->ev = f->regular ?
	    evtimer_new(xld_env->base, xld_fd_regular_fired, f) :
	    event_new(xld_env->base, fd, what, xld_fd_fired, f);
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
xld_fd_register(void *user, int fd, void **reg, short events, void *for_libxl)
{
	struct xld_fd *f;

	(void)user;
	if ((f = calloc(1, sizeof(*f))) == NULL)
		return ERROR_OSEVENT_REG_FAIL;
	f->for_libxl = for_libxl;
	if (xld_fd_arm(f, fd, events) != 0) {
		if (f->ev != NULL)
			event_free(f->ev);
		free(f);
		return ERROR_OSEVENT_REG_FAIL;
	}
	*reg = f;
	return 0;
}

static int
xld_fd_modify(void *user, int fd, void **reg, short events)
{
	(void)user;
	return xld_fd_arm(*reg, fd, events);
}

static void
xld_fd_deregister(void *user, int fd, void *reg)
{
	struct xld_fd *f = reg;

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
xld_timeout_fired(int fd, short what, void *arg)
{
	struct xld_timeout *t = arg;
	void		   *for_libxl = t->for_libxl;

	(void)fd;
	(void)what;
	event_free(t->ev);
	free(t);
	libxl_osevent_occurred_timeout(xld_env->ctx, for_libxl);
}

static void
xld_timeout_arm(struct xld_timeout *t, struct timeval abs)
{
	struct timeval now, rel = { 0, 0 };

	gettimeofday(&now, NULL);
	if (timercmp(&abs, &now, >))
		timersub(&abs, &now, &rel);
	evtimer_add(t->ev, &rel);
}

static int
xld_timeout_register(void *user, void **reg, struct timeval abs,
    void *for_libxl)
{
	struct xld_timeout *t;

	(void)user;
	if ((t = calloc(1, sizeof(*t))) == NULL ||
	    (t->ev = evtimer_new(xld_env->base, xld_timeout_fired, t)) ==
		NULL) {
		free(t);
		return ERROR_OSEVENT_REG_FAIL;
	}
	t->for_libxl = for_libxl;
	xld_timeout_arm(t, abs);
	*reg = t;
	return 0;
}

/* Only ever called with abs = {0,0}: "fire as soon as you can". */
static int
xld_timeout_modify(void *user, void **reg, struct timeval abs)
{
	struct xld_timeout *t = *reg;

	(void)user;
	evtimer_del(t->ev);
	xld_timeout_arm(t, abs);
	return 0;
}

static const libxl_osevent_hooks xld_osevent_hooks = {
	.fd_register = xld_fd_register,
	.fd_modify = xld_fd_modify,
	.fd_deregister = xld_fd_deregister,
	.timeout_register = xld_timeout_register,
	.timeout_modify = xld_timeout_modify,
};

/*
 * libxl's fork: the child keeps none of jitsud's sockets (child.c), and
 * the parent remembers the pid, so that xld_close can tell a helper
 * that still runs (libxl must not be freed under it).  A slot is free
 * again once its process is gone (reaped by libxl).
 */
static pid_t
xld_fork(void *user)
{
	struct xld *xl = user;
	pid_t	    pid;
	size_t	    i;

	if ((pid = fork()) == 0) {
		(void)child_close_sockets();
		return 0;
	}
	if (pid == -1)
		return -1;
	for (i = 0; i < XLD_KIDS; i++)
		if (xl->kids[i] == 0 ||
		    (kill(xl->kids[i], 0) == -1 && errno == ESRCH)) {
			xl->kids[i] = pid;
			break;
		}
	return pid;
}

/* How many of libxl's helpers still run (or wait to be reaped). */
static int
xld_kids_alive(struct xld *xl)
{
	size_t i;
	int    n = 0;

	for (i = 0; i < XLD_KIDS; i++) {
		if (xl->kids[i] == 0)
			continue;
		if (kill(xl->kids[i], 0) == -1 && errno == ESRCH)
			xl->kids[i] = 0;
		else
			n++;
	}
	return n;
}

static const libxl_childproc_hooks xld_childproc_hooks = {
	.chldowner = libxl_sigchld_owner_mainloop,
	.fork_replacement = xld_fork,
};

static int
xld_nic(const struct xld *xl, const struct binding *b, libxl_device_nic *nic)
{
	char ip[INET_ADDRSTRLEN];

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
xld_cpuid(struct xlb_vm *xv, libxl_domain_build_info *bi, const char *spec)
{
	char buf[BINDING_CPUID_MAX], *item, *save = NULL;

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
xld_build_config(struct xlb_vm *xv, const struct binding *b)
{
	struct xld		*xl = xld_env;
	libxl_domain_config	*c = &xv->dom->cfg;
	libxl_domain_build_info *bi = &c->b_info;
	libxl_domain_type	 type = b->type == BINDING_TYPE_PV ?
		   LIBXL_DOMAIN_TYPE_PV :
		   LIBXL_DOMAIN_TYPE_PVH;
	unsigned int		 i;

	libxl_domain_config_init(c);
	xv->dom->has_cfg = 1;
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
	bi->kernel = strdup(b->kernel_copy != NULL ? b->kernel_copy :
						     binding_s(b->kernel));
	bi->cmdline = xlb_cmdline(b, xv->synjitsu);
	if (b->ramdisk != NULL)
		bi->ramdisk = strdup(b->ramdisk_copy != NULL ? b->ramdisk_copy :
							       b->ramdisk);
	if (xld_cpuid(xv, bi, binding_s(b->cpuid)) == -1)
		return -1;
	c->on_poweroff = LIBXL_ACTION_ON_SHUTDOWN_DESTROY;
	c->on_reboot = LIBXL_ACTION_ON_SHUTDOWN_DESTROY;
	c->on_crash = LIBXL_ACTION_ON_SHUTDOWN_DESTROY;
	c->on_watchdog = LIBXL_ACTION_ON_SHUTDOWN_DESTROY;
	if (xl->vif_inline) {
		xlv_nic_of(b, &xv->dom->nic);
		return c->c_info.name == NULL || bi->kernel == NULL ||
			bi->cmdline == NULL ?
		    -1 :
		    0;
	}
	if ((c->nics = calloc(1, sizeof(*c->nics))) == NULL)
		return -1;
	c->num_nics = 1;
	if (xld_nic(xl, b, &c->nics[0]) == -1 || c->c_info.name == NULL ||
	    bi->kernel == NULL || bi->cmdline == NULL)
		return -1;
	return 0;
}

static void xld_destroy_start(struct xlb_vm *);

static void
xld_watch_death(struct xlb_vm *xv)
{
	if (xv->dom->death == NULL &&
	    libxl_evenable_domain_death(xld_env->ctx, xv->domid,
		(libxl_ev_user)(uintptr_t)xv, &xv->dom->death) != 0)
		log_warnx("%s: cannot watch domain %u for its death", xv->name,
		    xv->domid);
}

/*
 * A domain filled into a shell goes through libxenctrl (xls.c), here
 * and at once, not through libxl's destroy.  libxl made none of its
 * devices and keeps no record of it, so its destroy would do nothing
 * more, but it ends in a helper it forks, and a helper forked from one
 * builder thread while another thread holds a lock of the Xen
 * libraries waits on that lock for ever: libxl's domid-history file
 * lock (jitsud-modes), or a mutex such as xentoolcore's list of open
 * handles, which the helper takes to drop libxl's XenStore handle and
 * to open its own.  Seen in the bench: the helper asleep in futex_wait,
 * the name stuck in "stopping" until xld_destroy_hung.  0 when it is
 * gone, -1 (logged) when libxl must try.
 */
static int
xld_kill_shell(struct xlb_vm *xv)
{
	char err[160];

	if (!xv->from_shell)
		return -1;
	if (xlb_domain_kill(xv->domid, err, sizeof(err)) == -1) {
		log_warnx("%s: %s; libxl destroys it instead", xv->name, err);
		return -1;
	}
	return 0;
}

/* Built, but it cannot run as asked: it goes, and the build failed. */
void
xld_build_failed(struct xlb_vm *xv)
{
	char why[sizeof(xv->error)];

	snprintf(why, sizeof(why), "%s", xv->error);
	if (xld_kill_shell(xv) == -1)
		libxl_domain_destroy(xld_env->ctx, xv->domid, NULL);
	xlb_vif_gone(xv);
	xlb_release(xv);
	xlb_report(xv, XL_REP_BUILT, 0, why);
}

/* libxl finished building (or restoring) a domain. */
static void
xld_created(libxl_ctx *ctx, int rc, void *arg)
{
	struct xlb_vm *xv = arg;
	char	       why[64];

	xv->creating = 0;
	libxl_domain_config_dispose(&xv->dom->cfg);
	xv->dom->has_cfg = 0;
	if (xv->save_fd != -1) {
		close(xv->save_fd);
		xv->save_fd = -1;
	}
	if (rc != 0) {
		snprintf(why, sizeof(why), "libxl error %d", rc);
		/* A half-built domain may remain: make sure it goes. */
		if (xv->domid != XL_NO_DOMID && xv->domid != 0)
			libxl_domain_destroy(ctx, xv->domid, NULL);
		xv->domid = XL_NO_DOMID;
		if (xv->asked_stop)
			xlb_report(xv, XL_REP_GONE, 1, NULL);
		else
			xlb_report(xv, XL_REP_BUILT, 0, why);
		return;
	}
	xld_watch_death(xv);
	if (xv->asked_stop) {
		/* Stopped (boot timeout) while it was being built. */
		xld_destroy_start(xv);
		return;
	}
	xlb_report_phase(xv, TL_CREATED);
	/* The guest's netfront looks for its vif as it starts. */
	if (xld_env->vif_inline && xlb_vif_plug(xv, &xv->dom->nic) == -1) {
		xld_build_failed(xv);
		return;
	}
	xlb_watch_vif(xv);
	if (!xv->paused_build)
		xlb_synjitsu_early(xv);
	if (!xv->paused_build && libxl_domain_unpause(ctx, xv->domid, NULL)) {
		xlb_report(xv, XL_REP_BUILT, 0, "unpause failed");
		return;
	}
	if (!xv->paused_build)
		xlb_report_phase(xv, TL_UNPAUSED);
	/* Told by its command line, the guest does not wait for it. */
	if (xv->synjitsu)
		xlb_synjitsu_prepare(xv);
	if (!xv->paused_build)
		xlb_watch_booting(xv);
	xlb_report(xv, XL_REP_BUILT, 1, NULL);
}

void
xld_create(struct xlb_vm *xv, const struct xl_cmd *c)
{
	libxl_asyncop_how how = { .callback = xld_created };
	int		  rc;

	xlb_release(xv);
	if (xld_build_config(xv, &c->b) == -1) {
		xlb_report(xv, XL_REP_BUILT, 0,
		    xv->error[0] ? xv->error :
				   "cannot build the domain configuration");
		xlb_release(xv);
		return;
	}
	how.u.for_callback = xv;
	xv->paused_build = c->paused;
	xv->creating = 1;
	xlb_report_phase(xv, TL_BUILD);
	rc = libxl_domain_create_new(xld_env->ctx, &xv->dom->cfg, &xv->domid,
	    &how, NULL);
	if (rc != 0) {
		snprintf(xv->error, sizeof(xv->error),
		    "domain create: libxl error %d", rc);
		xlb_report(xv, XL_REP_BUILT, 0, xv->error);
		xlb_release(xv);
	}
}

static void
xld_save_path(const struct xlb_vm *xv, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s.save", xld_env->statedir, xv->name);
}

void
xld_restore(struct xlb_vm *xv, const struct xl_cmd *c)
{
	libxl_asyncop_how	    how = { .callback = xld_created };
	libxl_domain_restore_params params;
	char			    path[CONF_PATH_MAX + BINDING_NAME_MAX + 8];
	int			    rc;

	xlb_release(xv);
	xld_save_path(xv, path, sizeof(path));
	if ((xv->save_fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(xv->error, sizeof(xv->error), "%.100s: %s", path,
		    strerror(errno));
		xlb_report(xv, XL_REP_BUILT, 0, xv->error);
		return;
	}
	if (xld_build_config(xv, &c->b) == -1) {
		xlb_report(xv, XL_REP_BUILT, 0,
		    "cannot build the configuration");
		xlb_release(xv);
		return;
	}
	libxl_domain_restore_params_init(&params);
	/* Our saves are libxl's v2 streams; the default (1) would send the
	 * file through the legacy-stream converter. */
	params.stream_version = 2;
	how.u.for_callback = xv;
	xv->paused_build = 0;
	xv->creating = 1;
	xlb_report_phase(xv, TL_BUILD);
	rc = libxl_domain_create_restore(xld_env->ctx, &xv->dom->cfg,
	    &xv->domid, xv->save_fd, -1, &params, &how, NULL);
	libxl_domain_restore_params_dispose(&params);
	if (rc != 0) {
		snprintf(xv->error, sizeof(xv->error),
		    "domain restore: libxl error %d", rc);
		xlb_report(xv, XL_REP_BUILT, 0, xv->error);
		xlb_release(xv);
	}
}

static void
xld_destroyed(libxl_ctx *ctx, int rc, void *arg)
{
	struct xlb_vm *xv = arg;
	char	       why[sizeof(xv->error)];
	int	       asked = xv->asked_stop;

	(void)ctx;
	if (xv->orphan) {
		log_info("%s: libxl's hung destroy ended at last (%d)",
		    xv->name, rc);
		xlb_orphan_free(xv);
		return;
	}
	xv->destroying = 0;
	if (rc != 0)
		log_warnx("%s: destroy of domain %u: libxl error %d", xv->name,
		    xv->domid, rc);
	snprintf(why, sizeof(why), "%s",
	    xv->error[0] ? xv->error : "domain went away");
	if (xld_env->vif_inline)
		xlb_vif_gone(xv);
	xlb_release(xv);
	xlb_report(xv, XL_REP_GONE, 1, asked ? NULL : why);
}

static void
xld_destroy_start(struct xlb_vm *xv)
{
	libxl_asyncop_how how = { .callback = xld_destroyed };

	if (xv->destroying || xv->domid == XL_NO_DOMID)
		return;
	if (xld_kill_shell(xv) == 0) {
		xld_destroyed(xld_env->ctx, 0, xv);
		return;
	}
	how.u.for_callback = xv;
	xv->destroying = 1;
	xv->destroy_ms = vm_now_ms();
	if (libxl_domain_destroy(xld_env->ctx, xv->domid, &how) != 0) {
		xv->destroying = 0;
		log_warnx("%s: cannot start destroying domain %u", xv->name,
		    xv->domid);
	}
}

/*
 * libxl's destroy ends in a forked helper that runs xc_domain_destroy.
 * Measured in the bench: now and then that helper never returns, and
 * the domain stays paused with its XenStore folders gone, the name
 * stuck in "stopping" for good.  When vm.c asks again after so long,
 * the domain goes through libxenctrl instead and the VM is reported
 * gone; its registry entry stays with the libxl operation that still
 * points at it (xlb_orphan), and the name is free to be built again.
 */
static void
xld_destroy_hung(struct xlb_vm *xv)
{
	char	 err[160];
	uint32_t domid = xv->domid;

	log_warnx("%s: libxl's destroy of domain %u has not ended in %llu "
		  "s; destroying it directly",
	    xv->name, domid,
	    (unsigned long long)(vm_now_ms() - xv->destroy_ms) / 1000);
	if (xlb_domain_kill(domid, err, sizeof(err)) == -1) {
		log_warnx("%s: %s", xv->name, err);
		return;
	}
	if (xld_env->vif_inline)
		xlb_vif_gone(xv);
	xlb_release(xv);
	xlb_report(xv, XL_REP_GONE, 1, NULL);
	xlb_orphan(xv);
}

void
xld_destroy(struct xlb_vm *xv)
{
	xv->asked_stop = 1;
	if (xv->creating)
		return; /* xld_created finishes the job */
	if (xv->domid == XL_NO_DOMID) {
		xlb_report(xv, XL_REP_GONE, 1, NULL);
		return;
	}
	if (xv->destroying &&
	    vm_now_ms() - xv->destroy_ms >= XLD_DESTROY_HUNG_MS) {
		xld_destroy_hung(xv);
		return;
	}
	xld_destroy_start(xv);
}

void
xld_shutdown(struct xlb_vm *xv)
{
	if (xv->domid == XL_NO_DOMID || xv->creating) {
		xld_destroy(xv);
		return;
	}
	xv->asked_stop = 1;
	/* The guest's DOMAIN_SHUTDOWN event completes it (xld_event); a
	 * guest that ignores it is destroyed by vm.c's grace timer. */
	if (libxl_domain_shutdown(xld_env->ctx, xv->domid, NULL) != 0)
		xld_destroy_start(xv);
}

static void
xld_suspended(libxl_ctx *ctx, int rc, void *arg)
{
	struct xlb_vm *xv = arg;
	char	       path[CONF_PATH_MAX + BINDING_NAME_MAX + 8];

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
		xld_save_path(xv, path, sizeof(path));
		unlink(path);
		snprintf(xv->error, sizeof(xv->error),
		    "suspend failed: libxl error %d", rc);
		log_warnx("%s: %s; destroying", xv->name, xv->error);
		xv->asked_stop = 0;
	}
	xld_destroy_start(xv);
}

void
xld_suspend(struct xlb_vm *xv)
{
	libxl_asyncop_how how = { .callback = xld_suspended };
	char		  path[CONF_PATH_MAX + BINDING_NAME_MAX + 8];

	if (xv->domid == XL_NO_DOMID || xv->creating) {
		xld_destroy(xv);
		return;
	}
	xv->asked_stop = 1;
	xld_save_path(xv, path, sizeof(path));
	xv->save_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600);
	if (xv->save_fd == -1) {
		log_warn("%s: %s", xv->name, path);
		xld_destroy_start(xv);
		return;
	}
	how.u.for_callback = xv;
	xv->suspending = 1;
	if (libxl_domain_suspend(xld_env->ctx, xv->domid, xv->save_fd, 0,
		&how) != 0) {
		xv->suspending = 0;
		close(xv->save_fd);
		xv->save_fd = -1;
		xld_destroy_start(xv);
	}
}

/*
 * pause and unpause are answered at once on the main side (vm.c takes
 * them as immediate); a failure here is reported as the domain gone, so
 * vm.c never believes in a VM that is not there.
 */
void
xld_pause(struct xlb_vm *xv, int pause)
{
	int rc;

	if (xv->domid == XL_NO_DOMID)
		return;
	rc = pause ? libxl_domain_pause(xld_env->ctx, xv->domid, NULL) :
		     libxl_domain_unpause(xld_env->ctx, xv->domid, NULL);
	if (rc != 0) {
		snprintf(xv->error, sizeof(xv->error),
		    "%s failed: libxl error %d", pause ? "pause" : "unpause",
		    rc);
		xv->asked_stop = 0;
		xld_destroy_start(xv);
	}
}

void
xld_fail(struct xlb_vm *xv, const char *why)
{
	if (xv->asked_stop || xv->destroying)
		return; /* going anyway, as asked */
	snprintf(xv->error, sizeof(xv->error), "%s", why);
	xv->asked_stop = 0;
	xld_destroy_start(xv);
}

static const char *
xld_shutdown_reason(int reason)
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
xld_event(void *user, libxl_event *ev)
{
	struct xlb_vm *xv = (struct xlb_vm *)(uintptr_t)ev->for_user;
	int	       reason, asked;

	(void)user;
	if (xv == NULL || xv->domid != ev->domid)
		goto out;
	switch (ev->type) {
	case LIBXL_EVENT_TYPE_DOMAIN_SHUTDOWN:
		reason = ev->u.domain_shutdown.shutdown_reason;
		if (reason == LIBXL_SHUTDOWN_REASON_SUSPEND && xv->suspending)
			break; /* our own save at work */
		if (!xv->asked_stop)
			snprintf(xv->error, sizeof(xv->error), "domain %u %s",
			    xv->domid, xld_shutdown_reason(reason));
		xld_destroy_start(xv);
		break;
	case LIBXL_EVENT_TYPE_DOMAIN_DEATH:
		if (xv->destroying || xv->creating || xv->suspending)
			break; /* a callback reports it */
		if (!xv->asked_stop)
			snprintf(xv->error, sizeof(xv->error),
			    "domain %u destroyed outside jitsud", xv->domid);
		asked = xv->asked_stop;
		xlb_report(xv, XL_REP_GONE, 1, asked ? NULL : xv->error);
		if (xld_env->vif_inline)
			xlb_vif_gone(xv);
		xlb_release(xv);
		break;
	default:
		break;
	}
out:
	libxl_event_free(xld_env->ctx, ev);
}

static void
xld_disaster(void *user, libxl_event_type type, const char *msg, int errnoval)
{
	(void)user;
	/* libxl can no longer tell us about domains: better to restart. */
	fatalx("libxl disaster (event type %d): %s: %s", (int)type, msg,
	    strerror(errnoval));
}

static const libxl_event_hooks xld_event_hooks = {
	.event_occurs_mask = LIBXL_EVENTMASK_ALL,
	.event_occurs = xld_event,
	.disaster = xld_disaster,
};

/* cb(domid, name, shut down, arg) for every domain but dom0 and the
 * dying. */
void
xld_each_domain(void (*cb)(uint32_t, const char *, int, void *), void *arg)
{
	libxl_dominfo *list;
	char	      *name;
	int	       i, n;

	if ((list = libxl_list_domain(xld_env->ctx, &n)) == NULL)
		return;
	for (i = 0; i < n; i++) {
		if (list[i].domid == 0 || list[i].dying)
			continue;
		if ((name = libxl_domid_to_name(xld_env->ctx, list[i].domid)) ==
		    NULL)
			continue;
		cb(list[i].domid, name, list[i].shutdown, arg);
		free(name);
	}
	libxl_dominfo_list_free(list, n);
}

/* A shut-down domain is on its way out: nothing to adopt. */
static void
xld_report_one(uint32_t domid, const char *name, int shutdown, void *arg)
{
	(void)arg;
	if (!shutdown)
		xlb_report_domain(name, (int)domid);
}

/* Every running domain, reported so the main thread can adopt its own. */
void
xld_list(void)
{
	xld_each_domain(xld_report_one, NULL);
}

/* The main thread adopts a running domain: watch it from now on. */
void
xld_attach(struct xlb_vm *xv, int domid)
{
	xlb_release(xv);
	xv->domid = (uint32_t)domid;
	xld_watch_death(xv);
}

void
xld_sigchld(void)
{
	libxl_childproc_sigchld_occurred(xld_env->ctx);
}

int
xld_vm_init(struct xlb_vm *xv)
{
	xv->dom = calloc(1, sizeof(*xv->dom));
	return xv->dom != NULL ? 0 : -1;
}

/* libxl's part of xlb_release: no death watch, no configuration. */
void
xld_vm_release(struct xlb_vm *xv)
{
	if (xv->dom->death != NULL) {
		libxl_evdisable_domain_death(xld_env->ctx, xv->dom->death);
		xv->dom->death = NULL;
	}
	if (xv->dom->has_cfg) {
		libxl_domain_config_dispose(&xv->dom->cfg);
		xv->dom->has_cfg = 0;
	}
}

void
xld_vm_free(struct xlb_vm *xv)
{
	free(xv->dom);
	xv->dom = NULL;
}

struct xld *
xld_open(struct event_base *base, const struct conf *c)
{
	struct xld *xl;

	if ((xl = calloc(1, sizeof(*xl))) == NULL)
		return NULL;
	xl->base = base;
	xl->vif_inline = c->vif_plug == CONF_VIF_INLINE;
	snprintf(xl->vif_script, sizeof(xl->vif_script), "%s", c->vif_script);
	snprintf(xl->statedir, sizeof(xl->statedir), "%s", c->statedir);
	if (mkdir(xl->statedir, 0700) == -1 && errno != EEXIST)
		log_warn("state-dir %s", xl->statedir);
	xl->logger.vmessage = xld_vmessage;
	xl->logger.destroy = xld_logger_destroy;
	if (libxl_ctx_alloc(&xl->ctx, LIBXL_VERSION, 0, &xl->logger) != 0) {
		log_warnx("libxl_ctx_alloc failed: is this a Xen dom0?");
		free(xl);
		return NULL;
	}
	/* Set up before its builder thread runs: nothing races yet, and
	 * nothing registers an fd or a timeout before the hooks are in. */
	libxl_childproc_setmode(xl->ctx, &xld_childproc_hooks, xl);
	libxl_osevent_register_hooks(xl->ctx, &xld_osevent_hooks, xl);
	libxl_event_register_callbacks(xl->ctx, &xld_event_hooks, xl);
	return xl;
}

void
xld_use(struct xld *xl)
{
	xld_env = xl;
}

/*
 * libxl frees a context only when none of its helpers is left (it
 * asserts so); the caller let libxl reap those that ended (xld_sigchld)
 * while their VMs still existed.  One that still runs (a destroy that
 * hangs) keeps the context: jitsud is exiting, and leaking it is the
 * only safe thing.
 */
void
xld_close(void)
{
	int n;

	if (xld_env == NULL)
		return;
	if ((n = xld_kids_alive(xld_env)) > 0)
		log_warnx("libxl: %d helper process(es) still running; "
			  "leaving its context as it is",
		    n);
	else
		libxl_ctx_free(xld_env->ctx);
	free(xld_env);
	xld_env = NULL;
}
