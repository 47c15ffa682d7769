/* proc.c -- process backend: a unikernel's unix build in its own netns */
/*
 * The parent's side: create, reap, readiness, stop modes, set-up.  The
 * child's side is proc_child.c, the Synjitsu hand-over proc_sock.c,
 * adoption proc_adopt.c, the pure helpers proc_util.c (see proc.h).
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "jitsud.h"
#include "log.h"
#include "proc.h"

/*
 * A guest here is a process tree: the kernel= program, started by a
 * clone() into a fresh network namespace, made a session (and process
 * group) leader, so that pause, shutdown and destroy signal the whole
 * group, wrappers and their children alike.
 *
 * Starting one never waits on the child:
 *
 *   parent                              child (new netns)
 *   clone(CLONE_NEWNET) --------------> read(sync)  ... blocks
 *   RTM_NEWLINK veth, peer "eth0"
 *     created in the child's netns
 *   write pidfile
 *   write(sync) ----------------------> setsid, lo up, eth0 address,
 *   return 0 to vm.c                    up, default route, console,
 *                                       fds, execve(kernel)
 *   report pipe: EOF --------------------- (O_CLOEXEC: closed by exec)
 *     -> vm_backend_built(ok)
 *   report pipe: {stage, errno} <-------- (a step failed, _exit)
 *     -> vm_backend_built(failed, why)
 *
 * The veth must exist before the child configures it, hence the sync
 * pipe; the parent creates it right after clone() returns, because the
 * namespace exists from the child's birth.  Exits of our children come
 * by SIGCHLD; an adopted guest (left by a previous jitsud) is not our
 * child, and is watched through a pidfd instead.
 *
 * The summon's timeline, as this backend sees it: "build" as create
 * starts, "created" when clone() returns (the process exists),
 * "devices" when the veth is in the bridge (at once, or at Synjitsu's
 * plug), "unpaused" when exec closed the report pipe (the kernel=
 * program runs).  A process is never built paused on the way to a
 * query: a warm one is stopped after exec and its unpause is vm.c's.
 */

/* The host end's MAC, as Xen's vifs: never the bridge's lowest. */
static const uint8_t proc_host_mac[6] = { 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff };

static const char *const proc_stage_names[PROC_NSTAGES] = {
	[PROC_STAGE_SESSION] = "setsid",
	[PROC_STAGE_LO] = "bringing lo up",
	[PROC_STAGE_ETH0] = "finding eth0",
	[PROC_STAGE_ADDR] = "adding the IPv4 address",
	[PROC_STAGE_ADDR6] = "adding the IPv6 address",
	[PROC_STAGE_UP] = "bringing eth0 up",
	[PROC_STAGE_ROUTE] = "adding the default route",
	[PROC_STAGE_PRIV] = "dropping capabilities",
	[PROC_STAGE_CONSOLE] = "opening the console log",
	[PROC_STAGE_EXEC] = "exec",
};

/* The guest process's life. */

static struct proc_ctx *
proc_ctx(const struct vm *v)
{
	return v->vs->bectx;
}

struct proc *
proc_new(struct proc_ctx *ctx, struct vm *v)
{
	struct proc *p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->ctx = ctx;
	p->vm = v;
	p->pid = -1;
	p->report_fd = p->ready_fd = p->pidfd = p->syn_fd = -1;
	proc_util_veth_name(v->b.name, p->veth);
	if (proc_util_path(ctx->conf.statedir, v->b.name, ".pid", p->pidfile,
		sizeof(p->pidfile)) == -1) {
		free(p);
		return NULL;
	}
	TAILQ_INSERT_TAIL(&ctx->procs, p, entry);
	return p;
}

void
proc_close_ev(struct event **ev, int *fd)
{
	if (*ev != NULL) {
		event_free(*ev);
		*ev = NULL;
	}
	if (*fd != -1) {
		close(*fd);
		*fd = -1;
	}
}
/* Stop listening to the guest: no report reaches vm.c after this. */
static void
proc_quiet(struct proc *p)
{
	proc_sock_close(p);
	proc_close_ev(&p->report_ev, &p->report_fd);
	proc_close_ev(&p->ready_ev, &p->ready_fd);
	if (p->vm != NULL)
		vm_probe_stop(p->vm);
}

/* Free the memory only: the guest and its veth are left as they are. */
void
proc_release(struct proc *p)
{
	proc_quiet(p);
	proc_close_ev(&p->pidfd_ev, &p->pidfd);
	if (p->vm != NULL)
		p->vm->priv = NULL;
	TAILQ_REMOVE(&p->ctx->procs, p, entry);
	free(p);
}

/*
 * Signal the guest's process group.  Before the child's setsid() there
 * is no such group: then the child alone.  After the leader was reaped
 * the group id cannot be reused while members are left, so the kill
 * reaches only stragglers of this guest.
 */
int
proc_signal(struct proc *p, int sig)
{
	if (p->pid <= 0)
		return -1;
	if (kill(-p->pid, sig) == 0)
		return 0;
	if (errno != ESRCH || p->dead)
		return -1;
	return kill(p->pid, sig);
}

/*
 * The VM is done with this guest: remove what it leaves on the host
 * (stragglers, veth, pidfile) at once, so that a new guest of the same
 * name can start now.  A child not yet reaped stays listed until it is.
 */
void
proc_detach(struct proc *p)
{
	struct proc_ctx *ctx = p->ctx;

	proc_quiet(p);
	if (p->vm != NULL)
		p->vm->priv = NULL;
	p->vm = NULL;
	proc_signal(p, SIGKILL);
	if (p->veth_index > 0 && nl_link_del(ctx->nl, p->veth_index) == -1 &&
	    errno != ENODEV)
		log_warn("%s: deleting", p->veth);
	p->veth_index = 0;
	if (p->pidfile[0] != '\0' && unlink(p->pidfile) == -1 &&
	    errno != ENOENT)
		log_warn("%s", p->pidfile);
	p->pidfile[0] = '\0';
	if (p->dead || !p->child)
		proc_release(p);
}

static void
proc_build_failed(struct proc *p, const char *why)
{
	struct vm *v = p->vm;

	proc_detach(p);
	vm_backend_built(v, 0, why);
}

static void
proc_report_why(const struct proc_report *r, char *why, size_t len)
{
	if (r->stage < 0 || r->stage >= PROC_NSTAGES)
		snprintf(why, len, "the guest's start-up failed");
	else
		snprintf(why, len, "%s: %s", proc_stage_names[r->stage],
		    strerror(r->err));
}

/*
 * The exec pipe spoke.  EOF: exec closed it, the kernel runs.  A warm
 * guest is stopped now, having run for the few microseconds this takes
 * (a process cannot be created stopped without ptrace).
 */
static void
proc_report_cb(int fd, short ev, void *arg)
{
	struct proc	  *p = arg;
	struct proc_report r;
	char		   why[128];
	ssize_t		   n;

	(void)ev;
	if ((n = read(fd, &r, sizeof(r))) == -1 &&
	    (errno == EAGAIN || errno == EINTR))
		return;
	proc_close_ev(&p->report_ev, &p->report_fd);
	if (n == 0) {
		p->execd = 1;
		if (p->paused)
			proc_signal(p, SIGSTOP);
		else
			vm_backend_phase(p->vm, TL_UNPAUSED, vm_now_ms());
		vm_backend_built(p->vm, 1, NULL);
		return;
	}
	if (n == (ssize_t)sizeof(r))
		proc_report_why(&r, why, sizeof(why));
	else
		snprintf(why, sizeof(why), "bad report from the guest");
	proc_build_failed(p, why);
}

static void
proc_reap(struct proc_ctx *ctx)
{
	struct proc *p;
	pid_t	     r;
	int	     status;

again:
	TAILQ_FOREACH(p, &ctx->procs, entry) {
		if (!p->child || p->dead)
			continue;
		/* Only our own pids: a libxl or other child is not ours. */
		r = waitpid(p->pid, &status, WNOHANG);
		if (r == p->pid || (r == -1 && errno == ECHILD)) {
			proc_exited(p, r == p->pid ? status : -1);
			goto again; /* the list may have changed */
		}
	}
}

static void
proc_sigchld_cb(int sig, short ev, void *arg)
{
	(void)sig;
	(void)ev;
	proc_reap(arg);
}

/* Before it ran: the child's own report says best what went wrong. */
static void
proc_exited_early(struct proc *p, int status)
{
	struct proc_report r;
	char		   why[128];

	if (p->report_fd != -1 &&
	    read(p->report_fd, &r, sizeof(r)) == (ssize_t)sizeof(r))
		proc_report_why(&r, why, sizeof(why));
	else
		proc_util_status_str(status, why, sizeof(why));
	proc_build_failed(p, why);
}

/*
 * The guest process is gone.  Everything of it is detached before vm.c
 * hears, because vm.c may free the VM or start the next guest of the
 * same name from inside vm_backend_gone.
 */
void
proc_exited(struct proc *p, int status)
{
	struct vm  *v = p->vm;
	char	    why[128];
	const char *whyp = why;

	p->dead = 1;
	if (v == NULL) {
		proc_detach(p);
		return;
	}
	if (!p->execd && !p->stopping) {
		proc_exited_early(p, status);
		return;
	}
	proc_util_status_str(status, why, sizeof(why));
	log_info("%s: guest process %d %s", v->b.name, (int)p->pid, why);
	if (p->refused_suspend)
		whyp = "destroyed: a process cannot be suspended";
	else if (p->stopping)
		whyp = NULL;
	proc_detach(p);
	vm_backend_gone(v, whyp);
}

/* The parent's side of create. */

static int
proc_pipes(struct proc_spawn *s)
{
	s->sync[0] = s->sync[1] = s->report[0] = s->report[1] = -1;
	s->ready[0] = s->ready[1] = s->syn[0] = s->syn[1] = -1;
	/* All O_CLOEXEC: no other guest may inherit this one's pipes. */
	if (pipe2(s->sync, O_CLOEXEC) == -1 ||
	    pipe2(s->report, O_CLOEXEC) == -1 ||
	    pipe2(s->ready, O_CLOEXEC) == -1)
		return -1;
	if (s->synjitsu &&
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, s->syn) == -1)
		return -1;
	if (fcntl(s->report[0], F_SETFL, O_NONBLOCK) == -1 ||
	    fcntl(s->ready[0], F_SETFL, O_NONBLOCK) == -1)
		return -1;
	return 0;
}

static void
proc_pipes_close(struct proc_spawn *s)
{
	int   *fds[] = { &s->sync[0], &s->sync[1], &s->report[0], &s->report[1],
		  &s->ready[0], &s->ready[1], &s->syn[0], &s->syn[1] };
	size_t i;

	for (i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (*fds[i] != -1) {
			close(*fds[i]);
			*fds[i] = -1;
		}
}

/* The bridge's ifindex, and its IPv4 address in the guest's /24. */
static int
proc_bridge(struct proc_ctx *ctx, const struct binding *b, struct proc_spawn *s,
    char *err, size_t errlen)
{
	struct nl_link l;
	int	       r;

	if (nl_link_get(ctx->nl, 0, b->bridge, &l) == -1) {
		snprintf(err, errlen, "bridge %s: %s", b->bridge,
		    strerror(errno));
		return -1;
	}
	s->has_gw = 0;
	if (b->has_ip) {
		r = nl_addr4_find(ctx->nl, l.index, b->ip, PROC_PREFIX4,
		    &s->gw);
		s->has_gw = r == 1 && s->gw.s_addr != b->ip.s_addr;
	}
	return l.index;
}

/*
 * The host end is made down and off the bridge, then plugged: at once,
 * or after the hand-over (Synjitsu).  In between it loses IPv6: a bridge
 * port needs no address of its own, and its link-local chatter (DAD,
 * router solicitations, MLD, for seconds after it comes up) would go to
 * the guest and count as the guest's traffic in the idle check.
 */
static int
proc_veth(struct proc *p, char *err, size_t errlen)
{
	struct nl_veth ve = {
		.name = p->veth,
		.mac = proc_host_mac,
		.down = 1,
		.peer = "eth0",
		.peer_mac = p->vm->b.mac,
		.peer_pid = p->pid,
	};
	struct nl_link l;

	if (nl_veth_add(p->ctx->nl, &ve) == -1 ||
	    nl_link_get(p->ctx->nl, 0, p->veth, &l) == -1) {
		snprintf(err, errlen, "veth %s: %s", p->veth, strerror(errno));
		return -1;
	}
	p->veth_index = l.index;
	if (nl_no_ipv6(p->veth) == -1)
		log_debug("%s: cannot turn IPv6 off: %s", p->veth,
		    strerror(errno));
	if (p->unplugged)
		return 0; /* "devices" comes with the plug (proc_sock.c) */
	if (nl_link_plug(p->ctx->nl, p->veth_index, p->bridge) == -1) {
		snprintf(err, errlen, "veth %s on %s: %s", p->veth,
		    p->vm->b.bridge, strerror(errno));
		return -1;
	}
	vm_backend_phase(p->vm, TL_DEVICES, vm_now_ms());
	return 0;
}

/*
 * clone() as a fork into a new network namespace.  The raw system call
 * returns in the child on a copy of our stack, like fork(); jitsud is
 * single-threaded, so the child may use anything until it execs.
 */
static pid_t
proc_clone(void)
{
	return (pid_t)syscall(SYS_clone, CLONE_NEWNET | SIGCHLD, NULL, NULL,
	    NULL, 0UL);
}

/* After the clone: plumb the veth, then let the child go on. */
static int
proc_started(struct proc *p, struct proc_spawn *s)
{
	struct vm *v = p->vm;

	if (proc_veth(p, vm_rec(v)->error, sizeof(vm_rec(v)->error)) == -1)
		return -1;
	proc_adopt_record(p);
	if (write(s->sync[1], "g", 1) != 1) {
		snprintf(vm_rec(v)->error, sizeof(vm_rec(v)->error),
		    "sync pipe: %s", strerror(errno));
		return -1;
	}
	p->report_fd = s->report[0];
	p->ready_fd = s->ready[0];
	s->report[0] = s->ready[0] = -1;
	if (s->syn[0] != -1 && proc_sock_open(p, s->syn[0]) == -1) {
		s->syn[0] = -1; /* p has it: proc_detach closes */
		snprintf(vm_rec(v)->error, sizeof(vm_rec(v)->error),
		    "cannot watch the hand-over socket");
		return -1;
	}
	s->syn[0] = -1;
	p->report_ev = event_new(p->ctx->base, p->report_fd,
	    EV_READ | EV_PERSIST, proc_report_cb, p);
	if (p->report_ev == NULL || event_add(p->report_ev, NULL) == -1) {
		snprintf(vm_rec(v)->error, sizeof(vm_rec(v)->error),
		    "cannot watch the guest");
		return -1;
	}
	return 0;
}

static int
proc_spawn_prepare(struct proc_ctx *ctx, struct vm *v, struct proc_spawn *s,
    struct proc_args *args)
{
	if (proc_util_args_build(args, &v->b, s->has_gw ? &s->gw : NULL,
		s->synjitsu) == -1) {
		snprintf(vm_rec(v)->error, sizeof(vm_rec(v)->error),
		    "kernel and cmdline do not fit an argument vector");
		return -1;
	}
	if (proc_util_path(ctx->conf.logdir, v->b.name, ".log", s->log,
		sizeof(s->log)) == -1) {
		snprintf(vm_rec(v)->error, sizeof(vm_rec(v)->error),
		    "no log file name");
		return -1;
	}
	if (proc_pipes(s) == -1) {
		snprintf(vm_rec(v)->error, sizeof(vm_rec(v)->error), "pipe: %s",
		    strerror(errno));
		return -1;
	}
	return 0;
}

static int
proc_create(struct vm *v, int paused)
{
	struct proc_ctx	 *ctx = proc_ctx(v);
	/* Every pipe unset (-1), not 0: a failure before they are opened
	 * closes them all, and close(0) would take the daemon's fd 0. */
	struct proc_spawn s = { .b = &v->b,
		.sync = { -1, -1 },
		.report = { -1, -1 },
		.ready = { -1, -1 },
		.syn = { -1, -1 } };
	struct proc_args *args;
	struct proc	 *p = NULL;
	int		  bridge;

	vm_rec(v)->error[0] = '\0';
	vm_backend_phase(v, TL_BUILD, vm_now_ms());
	/* A warm guest is built paused, with no stand-in (vm.c). */
	s.synjitsu = v->b.synjitsu && !paused;
	if ((args = malloc(sizeof(*args))) == NULL) {
		snprintf(vm_rec(v)->error, sizeof(vm_rec(v)->error),
		    "out of memory");
		return -1;
	}
	s.args = args;
	if ((bridge = proc_bridge(ctx, &v->b, &s, vm_rec(v)->error,
		 sizeof(vm_rec(v)->error))) == -1 ||
	    proc_spawn_prepare(ctx, v, &s, args) == -1)
		goto err;
	if ((p = proc_new(ctx, v)) == NULL) {
		snprintf(vm_rec(v)->error, sizeof(vm_rec(v)->error),
		    "out of memory");
		goto err;
	}
	if ((p->pid = proc_clone()) == -1) {
		snprintf(vm_rec(v)->error, sizeof(vm_rec(v)->error),
		    "clone: %s", strerror(errno));
		goto err;
	}
	if (p->pid == 0)
		proc_child(&s);
	vm_backend_phase(v, TL_CREATED, vm_now_ms());
	p->child = 1;
	p->paused = paused;
	p->bridge = bridge;
	/* vm.c claimed before create: hold the guest only if it did. */
	p->unplugged = s.synjitsu && handover_standing(&v->ho);
	v->priv = p;
	if (proc_started(p, &s) == -1)
		goto err;
	v->domid = p->pid;
	proc_pipes_close(&s);
	free(args);
	log_info("%s: guest process %d on %s%s", v->b.name, (int)p->pid,
	    p->veth, p->unplugged ? ", unplugged until the hand-over" : "");
	return 0;
err:
	/* The child, if any, reads EOF on the sync pipe and leaves. */
	proc_pipes_close(&s);
	if (p != NULL)
		proc_detach(p);
	free(args);
	return -1;
}

/* Readiness. */

static void
proc_ready_cb(int fd, short ev, void *arg)
{
	struct proc *p = arg;
	char	     buf[64];
	ssize_t	     n;

	(void)ev;
	if ((n = read(fd, buf, sizeof(buf))) == -1 &&
	    (errno == EAGAIN || errno == EINTR))
		return;
	proc_close_ev(&p->ready_ev, &p->ready_fd);
	if (n > 0) {
		vm_backend_ready(p->vm);
		return;
	}
	/* The boot deadline in vm.c takes it from here. */
	log_warnx("%s: the guest closed fd %d without saying it is ready",
	    p->vm->b.name, PROC_READY_FD);
}

/* vm.c's probe, at once or, when unplugged, from the plug (proc_sock.c). */
static int
proc_watch_tcp(struct proc *p)
{
	/* Unplugged means standing in, which needs an IPv4 address. */
	if (p->unplugged && p->vm->b.has_ip) {
		p->probe_later = 1; /* nothing answers before the plug */
		return 0;
	}
	return vm_probe_start(p->vm);
}

static int
proc_watch_ready(struct vm *v)
{
	struct proc *p = v->priv;

	if (p == NULL)
		return -1;
	if (v->b.ready == BINDING_READY_TCP)
		return proc_watch_tcp(p);
	if (v->b.ready != BINDING_READY_XENSTORE || p->ready_fd == -1)
		return -1;
	if (p->ready_ev == NULL)
		p->ready_ev = event_new(p->ctx->base, p->ready_fd,
		    EV_READ | EV_PERSIST, proc_ready_cb, p);
	if (p->ready_ev == NULL || event_add(p->ready_ev, NULL) == -1)
		return -1;
	return 0;
}

/* Stop modes. */

static int
proc_send(struct vm *v, int sig, int stopping)
{
	struct proc *p = v->priv;

	if (p == NULL)
		return -1;
	if (stopping)
		p->stopping = 1;
	if (proc_signal(p, sig) == -1) {
		snprintf(vm_rec(v)->error, sizeof(vm_rec(v)->error),
		    "kill %d: %s", (int)p->pid, strerror(errno));
		return -1;
	}
	return 0;
}

static int
proc_pause(struct vm *v)
{
	return proc_send(v, SIGSTOP, 0);
}

static int
proc_unpause(struct vm *v)
{
	return proc_send(v, SIGCONT, 0);
}

static int
proc_shutdown(struct vm *v)
{
	if (proc_send(v, SIGTERM, 1) == -1)
		return -1;
	/* A stopped guest would keep the SIGTERM pending for ever. */
	return proc_send(v, SIGCONT, 1);
}

static int
proc_destroy(struct vm *v)
{
	return proc_send(v, SIGKILL, 1);
}

/*
 * A process's memory cannot be saved; vm.c destroys it instead, and the
 * gone report then says so (not NULL), so that vm.c records a stop and
 * not a suspended guest it could restore.
 */
static int
proc_suspend(struct vm *v)
{
	struct proc *p = v->priv;

	if (p != NULL)
		p->refused_suspend = 1;
	snprintf(vm_rec(v)->error, sizeof(vm_rec(v)->error),
	    "a process cannot be suspended");
	return -1;
}

static int
proc_restore(struct vm *v)
{
	snprintf(vm_rec(v)->error, sizeof(vm_rec(v)->error),
	    "a process cannot be restored");
	return -1;
}

static void
proc_forget(struct vm *v)
{
	if (v->priv != NULL)
		proc_detach(v->priv);
}

static uint64_t
proc_traffic(struct vm *v)
{
	struct proc   *p = v->priv;
	struct nl_link l;

	if (p == NULL || p->veth_index <= 0 ||
	    nl_link_get(p->ctx->nl, p->veth_index, NULL, &l) == -1)
		return 0;
	/* What the guest sent (the host end's rx), as xl_traffic says. */
	return l.rx_bytes;
}

const struct vm_backend proc_backend = {
	.name = "process",
	.create = proc_create,
	.restore = proc_restore,
	.watch_ready = proc_watch_ready,
	.unpause = proc_unpause,
	.pause = proc_pause,
	.shutdown = proc_shutdown,
	.suspend = proc_suspend,
	.destroy = proc_destroy,
	.forget = proc_forget,
	.traffic = proc_traffic,
};

/* Set-up and tear-down. */

static int
proc_mkdir(const char *dir)
{
	if (mkdir(dir, 0750) == -1 && errno != EEXIST) {
		log_warn("mkdir %s", dir);
		return -1;
	}
	return 0;
}

int
proc_init(struct event_base *base, struct vms *vs, const struct proc_conf *conf)
{
	struct proc_ctx *ctx;

	if ((ctx = calloc(1, sizeof(*ctx))) == NULL) {
		log_warn("proc_init");
		return -1;
	}
	ctx->base = base;
	ctx->vs = vs;
	ctx->conf = *conf;
	ctx->nl = -1;
	TAILQ_INIT(&ctx->procs);
	if (proc_mkdir(conf->logdir) == -1 || proc_mkdir(conf->statedir) == -1)
		goto err;
	if ((ctx->nl = nl_open()) == -1) {
		log_warn("rtnetlink socket");
		goto err;
	}
	ctx->sigchld = evsignal_new(base, SIGCHLD, proc_sigchld_cb, ctx);
	if (ctx->sigchld == NULL || event_add(ctx->sigchld, NULL) == -1) {
		log_warnx("cannot catch SIGCHLD");
		goto err;
	}
	vs->bectx = ctx;
	return 0;
err:
	if (ctx->sigchld != NULL)
		event_free(ctx->sigchld);
	if (ctx->nl != -1)
		close(ctx->nl);
	free(ctx);
	return -1;
}

void
proc_end(struct vms *vs)
{
	struct proc_ctx *ctx = vs->bectx;
	struct proc	*p;

	if (ctx == NULL)
		return;
	while ((p = TAILQ_FIRST(&ctx->procs)) != NULL)
		proc_release(p);
	event_free(ctx->sigchld);
	close(ctx->nl);
	free(ctx);
	vs->bectx = NULL;
}
