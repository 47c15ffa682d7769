/* proc.c -- process backend: a unikernel's unix build in its own netns */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <arpa/inet.h>
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
#include "synjitsu.h"

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
 */

#define PROC_EXIT_FAIL	127
#define PROC_FD_HIGH	10	/* the child's fds are moved above this */
#define PROC_PATH	"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:" \
			"/usr/bin:/sbin:/bin"

/* The host end's MAC, as Xen's vifs: never the bridge's lowest. */
static const uint8_t	proc_host_mac[6] = {
	0xfe, 0xff, 0xff, 0xff, 0xff, 0xff
};

struct proc;

/* How far a guest's Synjitsu hand-over got. */
enum proc_syn {
	PROC_SYN_NONE,		/* no socket: off, over, or given up */
	PROC_SYN_BOOTING,	/* waiting for the guest's "ready" */
	PROC_SYN_ASKED,		/* it asked; vm.c is to give us records */
	PROC_SYN_HANDED,	/* records written (or being written) */
};

struct proc_ctx {
	struct event_base	*base;
	struct vms		*vs;
	struct proc_conf	 conf;
	int			 nl;		/* rtnetlink socket */
	struct event		*sigchld;
	TAILQ_HEAD(, proc)	 procs;
};

/*
 * One guest process.  It stays on ctx->procs until it is known dead,
 * even after its VM forgot it (then vm is NULL), so it is reaped.
 */
struct proc {
	TAILQ_ENTRY(proc)	 entry;
	struct proc_ctx		*ctx;
	struct vm		*vm;
	pid_t			 pid;
	int			 child;		/* ours: else a pidfd watches */
	int			 dead;
	int			 execd;
	int			 paused;	/* a warm build */
	int			 stopping;	/* jitsud asked it to go */
	int			 refused_suspend;
	int			 report_fd, ready_fd, pidfd;
	struct event		*report_ev, *ready_ev, *pidfd_ev;
	struct probe		*probe;
	int			 veth_index;
	char			 veth[PROC_IFNAME_MAX];
	char			 pidfile[PATH_MAX];
	/* Synjitsu: the hand-over socket and the unplugged veth. */
	enum proc_syn		 syn;
	int			 syn_fd;
	struct event		*syn_ev, *syn_wev, *plug_ev;
	struct proc_hin		 syn_in;
	struct proc_hout	 syn_out;
	unsigned int		 syn_bad;	/* lines ignored so far */
	int			 bridge;	/* ifindex of bridge= */
	int			 unplugged;	/* veth down, off bridge */
	int			 probe_later;	/* ready=tcp: after the plug */
};

/* Where the child got stuck, reported on the exec pipe. */
enum proc_stage {
	PROC_STAGE_SESSION,
	PROC_STAGE_LO,
	PROC_STAGE_ETH0,
	PROC_STAGE_ADDR,
	PROC_STAGE_ADDR6,
	PROC_STAGE_UP,
	PROC_STAGE_ROUTE,
	PROC_STAGE_CONSOLE,
	PROC_STAGE_EXEC,
	PROC_NSTAGES
};

static const char *const proc_stage_names[PROC_NSTAGES] = {
	[PROC_STAGE_SESSION] = "setsid",
	[PROC_STAGE_LO] = "bringing lo up",
	[PROC_STAGE_ETH0] = "finding eth0",
	[PROC_STAGE_ADDR] = "adding the IPv4 address",
	[PROC_STAGE_ADDR6] = "adding the IPv6 address",
	[PROC_STAGE_UP] = "bringing eth0 up",
	[PROC_STAGE_ROUTE] = "adding the default route",
	[PROC_STAGE_CONSOLE] = "opening the console log",
	[PROC_STAGE_EXEC] = "exec",
};

struct proc_report {
	int	 stage;
	int	 err;
};

/* What the child needs; made by the parent before the clone. */
struct proc_spawn {
	const struct binding	*b;
	const struct proc_args	*args;
	struct in_addr		 gw;
	int			 has_gw;
	int			 synjitsu;	/* pass a hand-over socket */
	int			 sync[2], report[2], ready[2], syn[2];
	char			 log[PATH_MAX];
};

static void	proc_exited(struct proc *, int status);
static int	proc_watch_tcp(struct proc *);

/* Pure helpers. */

void
proc_veth_name(const char *name, char out[PROC_IFNAME_MAX])
{
	uint32_t	 h = 2166136261u;	/* FNV-1a */
	size_t		 n = strlen(name), i;

	if (n > 0 && name[n - 1] == '.')
		n--;
	for (i = 0; i < n; i++) {
		unsigned char	 c = (unsigned char)name[i];

		h ^= (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
		h *= 16777619u;
	}
	snprintf(out, PROC_IFNAME_MAX, "jv%08x", h);
}

int
proc_file_name(const char *name, char *out, size_t len)
{
	size_t	 n = strlen(name), i;

	if (n > 0 && name[n - 1] == '.')
		n--;
	if (n == 0 || n >= len)
		return -1;
	for (i = 0; i < n; i++) {
		char	 c = name[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || (c == '.' && i > 0)))
			c = '_';
		out[i] = c;
	}
	out[n] = '\0';
	return 0;
}

void
proc_status_str(int status, char *buf, size_t len)
{
	const char	*abbrev;

	if (status == -1)
		snprintf(buf, len, "exited (not our child: status unknown)");
	else if (WIFEXITED(status))
		snprintf(buf, len, "exited with status %d",
		    WEXITSTATUS(status));
	else if (WIFSIGNALED(status)) {
		abbrev = sigabbrev_np(WTERMSIG(status));
		snprintf(buf, len, "killed by signal %d (SIG%s)",
		    WTERMSIG(status), abbrev ? abbrev : "?");
	} else
		snprintf(buf, len, "ended with wait status %#x", status);
}

int
proc_stat_parse(const char *text, char *state, unsigned long long *start)
{
	const char	*p = strrchr(text, ')');
	char		*end;
	int		 field;

	/* "PID (COMM) S ..." where COMM may hold anything: from the last
	 * ')' on, field 3 is the state and field 22 the start time. */
	if (p == NULL || p[1] != ' ' || p[2] == '\0')
		return -1;
	p += 2;
	*state = *p;
	for (field = 3; field < 22; field++) {
		if ((p = strchr(p, ' ')) == NULL)
			return -1;
		p++;
	}
	errno = 0;
	*start = strtoull(p, &end, 10);
	if (end == p || errno != 0 || (*end != ' ' && *end != '\0' &&
	    *end != '\n'))
		return -1;
	return 0;
}

int
proc_pidfile_parse(const char *text, int *pid, unsigned long long *start,
    char veth[PROC_IFNAME_MAX])
{
	int	 n = 0;

	if (sscanf(text, "%d %llu %15s%n", pid, start, veth, &n) != 3 ||
	    *pid <= 1)
		return -1;
	if (text[n] != '\0' && strcmp(text + n, "\n") != 0)
		return -1;
	return 0;
}

static int
proc_env(struct proc_args *a, size_t i, const char *key, const char *val)
{
	int	 n;

	n = snprintf(a->env[i], sizeof(a->env[i]), "%s=%s", key, val);
	if (n < 0 || (size_t)n >= sizeof(a->env[i]))
		return -1;
	a->envp[i] = a->env[i];
	return 0;
}

static int
proc_args_env(struct proc_args *a, const struct binding *b,
    const struct in_addr *gw, int synjitsu)
{
	char		 ip[INET_ADDRSTRLEN] = "", ip6[INET6_ADDRSTRLEN] = "";
	char		 gws[INET_ADDRSTRLEN] = "", mac[18], fd[8];
	const uint8_t	*m = b->mac;

	if (b->has_ip)
		inet_ntop(AF_INET, &b->ip, ip, sizeof(ip));
	if (b->has_ip6)
		inet_ntop(AF_INET6, &b->ip6, ip6, sizeof(ip6));
	if (gw != NULL)
		inet_ntop(AF_INET, gw, gws, sizeof(gws));
	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", m[0],
	    m[1], m[2], m[3], m[4], m[5]);
	snprintf(fd, sizeof(fd), "%d", PROC_READY_FD);
	if (proc_env(a, 0, "JITSU_NAME", b->name) == -1 ||
	    proc_env(a, 1, "JITSU_IP", ip) == -1 ||
	    proc_env(a, 2, "JITSU_IP6", ip6) == -1 ||
	    proc_env(a, 3, "JITSU_GW", gws) == -1 ||
	    proc_env(a, 4, "JITSU_MAC", mac) == -1 ||
	    proc_env(a, 5, "JITSU_READY_FD", fd) == -1)
		return -1;
	a->envp[6] = strcpy(a->env[6], PROC_PATH);
	a->envp[7] = NULL;
	if (synjitsu) {
		snprintf(fd, sizeof(fd), "%d", PROC_SYNJITSU_FD);
		if (proc_env(a, 7, "JITSU_SYNJITSU_FD", fd) == -1)
			return -1;
		a->envp[8] = NULL;
	}
	return 0;
}

int
proc_args_build(struct proc_args *a, const struct binding *b,
    const struct in_addr *gw, int synjitsu)
{
	size_t	 klen = strlen(b->kernel), clen = strlen(b->cmdline), n = 0;
	char	*w, *save = NULL;

	memset(a->argv, 0, sizeof(a->argv));
	if (klen == 0 || klen + 1 + clen + 1 > sizeof(a->words))
		return -1;
	memcpy(a->words, b->kernel, klen + 1);
	a->argv[n++] = a->words;
	memcpy(a->words + klen + 1, b->cmdline, clen + 1);
	for (w = strtok_r(a->words + klen + 1, " \t", &save); w != NULL;
	    w = strtok_r(NULL, " \t", &save)) {
		if (n + 1 >= PROC_ARGV_MAX)
			return -1;
		a->argv[n++] = w;
	}
	a->argv[n] = NULL;
	return proc_args_env(a, b, gw, synjitsu);
}

/* One whole line of the guest's, without its newline: what it says. */
static enum proc_hmsg
proc_hline_parse(const char *s, size_t n, unsigned int *k)
{
	static const char	 adopted[] = "adopted ";
	size_t			 i, pre = sizeof(adopted) - 1;
	unsigned int		 v = 0;

	if (n == 5 && memcmp(s, "ready", 5) == 0)
		return PROC_HMSG_READY;
	if (n <= pre || n > pre + 5 || memcmp(s, adopted, pre) != 0)
		return PROC_HMSG_BAD;
	for (i = pre; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return PROC_HMSG_BAD;
		v = v * 10 + (unsigned int)(s[i] - '0');
	}
	*k = v;
	return PROC_HMSG_ADOPTED;
}

enum proc_hmsg
proc_hin_next(struct proc_hin *in, unsigned int *k)
{
	enum proc_hmsg	 m = PROC_HMSG_NONE;
	char		*nl;
	size_t		 n;
	int		 tail;

	while (m == PROC_HMSG_NONE) {
		if ((nl = memchr(in->buf, '\n', in->len)) == NULL) {
			if (in->len < sizeof(in->buf))
				return PROC_HMSG_NONE;
			/* Too long to be ours: said once, then dropped. */
			in->len = 0;
			if (in->skip)
				return PROC_HMSG_NONE;
			in->skip = 1;
			return PROC_HMSG_BAD;
		}
		n = (size_t)(nl - in->buf);
		tail = in->skip;	/* the end of a line too long */
		in->skip = 0;
		if (!tail)
			m = proc_hline_parse(in->buf, n, k);
		in->len -= n + 1;
		memmove(in->buf, nl + 1, in->len);
	}
	return m;
}

int
proc_hout_build(struct proc_hout *o, const struct synrec *recs, size_t n)
{
	size_t	 i, size = n * SYNREC_LINE_MAX + 32;
	int	 len;

	memset(o, 0, sizeof(*o));
	if (n > SYNJITSU_CONN_MAX || (o->buf = malloc(size)) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		/* SYNREC_LINE_MAX counts the NUL: room for the newline. */
		if ((len = synrec_encode(&recs[i], o->buf + o->len,
		    SYNREC_LINE_MAX)) < 0)
			continue;
		o->len += (size_t)len;
		o->buf[o->len++] = '\n';
		o->count++;
	}
	len = snprintf(o->buf + o->len, size - o->len, "count %zu\n",
	    o->count);
	o->len += (size_t)len;
	return 0;
}

void
proc_hout_free(struct proc_hout *o)
{
	free(o->buf);
	memset(o, 0, sizeof(*o));
}

int
proc_hout_flush(struct proc_hout *o, int fd)
{
	ssize_t	 n;

	while (o->off < o->len) {
		n = send(fd, o->buf + o->off, o->len - o->off,
		    MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n <= 0)
			return -1;
		o->off += (size_t)n;
	}
	return 1;
}

/* <dir>/<name><suffix> into out. */
static int
proc_path(const char *dir, const char *name, const char *suffix, char *out,
    size_t len)
{
	char	 file[BINDING_NAME_MAX];
	int	 n;

	if (proc_file_name(name, file, sizeof(file)) == -1)
		return -1;
	n = snprintf(out, len, "%s/%s%s", dir, file, suffix);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* The guest process's life. */

static struct proc_ctx *
proc_ctx(const struct vm *v)
{
	return v->vs->bectx;
}

static struct proc *
proc_new(struct proc_ctx *ctx, struct vm *v)
{
	struct proc	*p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->ctx = ctx;
	p->vm = v;
	p->pid = -1;
	p->report_fd = p->ready_fd = p->pidfd = p->syn_fd = -1;
	proc_veth_name(v->b.name, p->veth);
	if (proc_path(ctx->conf.statedir, v->b.name, ".pid", p->pidfile,
	    sizeof(p->pidfile)) == -1) {
		free(p);
		return NULL;
	}
	TAILQ_INSERT_TAIL(&ctx->procs, p, entry);
	return p;
}

static void
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

/*
 * Synjitsu on the process backend.
 *
 * While vm.c's stand-in (synio.c) holds connections for the guest's
 * address, the guest's own kernel must not see a segment of them: it
 * has no socket for them and would answer with a reset.  A unikernel
 * has no stack until it boots; a process guest has the kernel's from
 * its first instruction (proc_child_net set eth0 up before exec).  So
 * the host end of its veth is created down and off the bridge: eth0 is
 * up, addressed and routed, but has no carrier.  One rtnetlink request
 * plugs it (enslaves it and brings it up) once the hand-over is over,
 * however that ends:
 *
 *   guest                              jitsud
 *   listens; fd 3 ---------------------> vm_backend_ready (ready=xenstore)
 *   "ready\n" -------------------------> vm_backend_synjitsu_ready: vm.c
 *                                        freezes the stand-in and calls
 *              <------------------------ proc_handover: records, "count N"
 *   TCP_REPAIR, one per record
 *   "adopted K\n" ---------------------> vm_backend_synjitsu_adopted;
 *                                        plug, then close the socket
 *
 * The socket closing or breaking also plugs, and so does a timer: the
 * conversation may last PROC_HANDOVER_MS from "ready", and a guest that
 * does not say "ready" within PROC_ASK_MS of its readiness never will.
 * The libOS writes fd 3 and "ready" back to back (uk_ready and its
 * hook), so a second is plenty; waiting for vm.c's stand-in grace
 * (10 s) instead would cut every guest without Synjitsu support (under
 * the default synjitsu=on) off its network for ten seconds after it is
 * ready.  Its held connections are lost either way.
 *
 * Readiness must not wait for the plug, nor the plug for readiness.
 * ready=xenstore (the fd 3 pipe) does not touch the network: it only
 * starts PROC_ASK_MS.  ready=delay is vm.c's own timer, so PROC_ASK_MS
 * runs from the exec plus the delay.  ready=tcp can only succeed once
 * plugged (the probe's SYNs go nowhere before), so its probe starts at
 * the plug, and a guest that never says "ready" is plugged at half its
 * max-boot, leaving the probe the other half.
 *
 * The veth is kept unplugged only while a stand-in holds the address
 * (v->claim): without one (no ports=, no CAP_NET_RAW) there is nothing
 * to protect, and the guest, plugged from the start, still gets the
 * socket and then "count 0".
 *
 * The guest waits for our close before it answers its clients (its
 * first answer would otherwise go out into an unplugged veth and leave
 * again only a second later), so the socket is closed after the plug.
 */

static void
proc_plug_arm(struct proc *p, uint64_t ms)
{
	struct timeval	 tv = ms_timeval(ms);

	evtimer_add(p->plug_ev, &tv);
}

static void
proc_syn_close(struct proc *p)
{
	if (p->syn_wev != NULL) {
		event_free(p->syn_wev);
		p->syn_wev = NULL;
	}
	if (p->plug_ev != NULL) {
		event_free(p->plug_ev);
		p->plug_ev = NULL;
	}
	proc_close_ev(&p->syn_ev, &p->syn_fd);
	proc_hout_free(&p->syn_out);
	p->syn = PROC_SYN_NONE;
}

/* Enslave the host end to the bridge and bring it up (once). */
static void
proc_plug(struct proc *p, const char *why)
{
	struct vm	*v = p->vm;

	if (!p->unplugged)
		return;
	p->unplugged = 0;
	if (nl_link_plug(p->ctx->nl, p->veth_index, p->bridge) == -1)
		log_warn("%s: synjitsu: cannot plug %s into %s", v->b.name,
		    p->veth, v->b.bridge);
	else
		log_info("%s: synjitsu: %s plugged into %s: %s", v->b.name,
		    p->veth, v->b.bridge, why);
	if (p->probe_later) {
		p->probe_later = 0;
		if (proc_watch_tcp(p) == -1)
			log_warnx("%s: cannot start the readiness probe",
			    v->b.name);
	}
}

/* The hand-over is over, one way or another: the guest gets its net. */
static void
proc_syn_done(struct proc *p, const char *why)
{
	proc_plug(p, why);
	proc_syn_close(p);
}

/* Over before "adopted": vm.c hears that the guest did not take them. */
static void
proc_syn_broken(struct proc *p, const char *why)
{
	if (p->syn == PROC_SYN_ASKED || p->syn == PROC_SYN_HANDED)
		vm_backend_synjitsu_adopted(p->vm, -1);
	else if (p->syn == PROC_SYN_BOOTING)
		vm_backend_synjitsu_none(p->vm);
	if (!p->unplugged)
		log_warnx("%s: synjitsu: %s", p->vm->b.name, why);
	proc_syn_done(p, why);
}

static void
proc_syn_adopted(struct proc *p, unsigned int k)
{
	size_t	 sent = p->syn == PROC_SYN_HANDED ? p->syn_out.count : 0;
	char	 why[64];

	/* The guest's word, checked against what it could have had. */
	if (k > sent)
		log_warnx("%s: synjitsu: the guest says it adopted %u of %zu "
		    "connection(s); not counted", p->vm->b.name, k, sent);
	else
		vm_backend_synjitsu_adopted(p->vm, (int)k);
	snprintf(why, sizeof(why), "the guest adopted %u connection(s)", k);
	proc_syn_done(p, why);
}

static void
proc_syn_line(struct proc *p, enum proc_hmsg m, unsigned int k)
{
	const char	*what = "a malformed or unknown line";

	switch (m) {
	case PROC_HMSG_READY:
		if (p->syn != PROC_SYN_BOOTING) {
			what = "\"ready\" again";
			break;
		}
		p->syn = PROC_SYN_ASKED;
		proc_plug_arm(p, PROC_HANDOVER_MS);
		vm_backend_synjitsu_ready(p->vm);
		return;
	case PROC_HMSG_ADOPTED:
		proc_syn_adopted(p, k);
		return;
	case PROC_HMSG_BAD:
	case PROC_HMSG_NONE:
		break;
	}
	log_warnx("%s: synjitsu: %s from the guest, ignored", p->vm->b.name,
	    what);
	if (++p->syn_bad >= PROC_HBAD_MAX)
		proc_syn_broken(p, "too many bad lines from the guest");
}

static void
proc_syn_read_cb(int fd, short ev, void *arg)
{
	struct proc	*p = arg;
	struct proc_hin	*in = &p->syn_in;
	enum proc_hmsg	 m;
	unsigned int	 k = 0;
	ssize_t		 n;

	(void)ev;
	n = read(fd, in->buf + in->len, sizeof(in->buf) - in->len);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		proc_syn_broken(p, n == 0 ? "the guest closed the hand-over "
		    "socket" : "the hand-over socket failed");
		return;
	}
	in->len += (size_t)n;
	/* A line may end the hand-over: then the socket is gone. */
	while (p->syn_fd != -1 && (m = proc_hin_next(in, &k)) !=
	    PROC_HMSG_NONE)
		proc_syn_line(p, m, k);
}

static int
proc_syn_flush(struct proc *p)
{
	int	 r;

	if ((r = proc_hout_flush(&p->syn_out, p->syn_fd)) == 0)
		return event_add(p->syn_wev, NULL);
	if (r == 1)
		event_del(p->syn_wev);
	return r == 1 ? 0 : -1;
}

static void
proc_syn_write_cb(int fd, short ev, void *arg)
{
	struct proc	*p = arg;

	(void)fd;
	(void)ev;
	if (proc_syn_flush(p) == -1)
		proc_syn_broken(p, "the hand-over could not be written");
}

static void
proc_plug_cb(int fd, short ev, void *arg)
{
	struct proc	*p = arg;

	(void)fd;
	(void)ev;
	proc_syn_broken(p, p->syn == PROC_SYN_BOOTING ? "the guest never "
	    "asked for its connections" : "the hand-over took too long");
}

/* The parent's end of the socket, once the child runs. */
static int
proc_syn_open(struct proc *p, int fd)
{
	struct event_base	*base = p->ctx->base;

	p->syn_fd = fd;
	p->syn = PROC_SYN_BOOTING;
	p->syn_ev = event_new(base, fd, EV_READ | EV_PERSIST,
	    proc_syn_read_cb, p);
	p->syn_wev = event_new(base, fd, EV_WRITE | EV_PERSIST,
	    proc_syn_write_cb, p);
	p->plug_ev = evtimer_new(base, proc_plug_cb, p);
	if (p->syn_ev == NULL || p->syn_wev == NULL || p->plug_ev == NULL ||
	    fcntl(fd, F_SETFL, O_NONBLOCK) == -1 ||
	    event_add(p->syn_ev, NULL) == -1)
		return -1;
	return 0;
}

/* The exec is done: the deadline for a guest that will never ask. */
static void
proc_syn_execd(struct proc *p)
{
	const struct vm	*v = p->vm;

	if (!p->unplugged || p->syn != PROC_SYN_BOOTING)
		return;
	if (v->b.ready == BINDING_READY_DELAY)
		proc_plug_arm(p, (uint64_t)v->b.ready_delay_ms + PROC_ASK_MS);
	else if (v->b.ready == BINDING_READY_TCP)
		proc_plug_arm(p, v->b.max_boot_ms / 2);
}

/* vm.c's answer to "ready": the records, sent in one piece. */
static int
proc_handover(struct vm *v, const struct synrec *recs, size_t n)
{
	struct proc	*p = v->priv;

	if (p == NULL || p->syn != PROC_SYN_ASKED)
		return -1;
	if (proc_hout_build(&p->syn_out, recs, n) == -1) {
		log_warnx("%s: synjitsu: cannot build a hand-over of %zu "
		    "connection(s)", v->b.name, n);
		proc_syn_done(p, "the hand-over could not be built");
		return -1;
	}
	p->syn = PROC_SYN_HANDED;
	if (proc_syn_flush(p) == -1) {
		log_warn("%s: synjitsu: hand-over socket", v->b.name);
		proc_syn_done(p, "the hand-over could not be written");
		return -1;
	}
	return 0;
}

/* Stop listening to the guest: no report reaches vm.c after this. */
static void
proc_quiet(struct proc *p)
{
	proc_syn_close(p);
	proc_close_ev(&p->report_ev, &p->report_fd);
	proc_close_ev(&p->ready_ev, &p->ready_fd);
	probe_cancel(p->probe);
	p->probe = NULL;
}

/* Free the memory only: the guest and its veth are left as they are. */
static void
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
static int
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
static void
proc_detach(struct proc *p)
{
	struct proc_ctx	*ctx = p->ctx;

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
	struct vm	*v = p->vm;

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
	struct proc		*p = arg;
	struct proc_report	 r;
	char			 why[128];
	ssize_t			 n;

	(void)ev;
	if ((n = read(fd, &r, sizeof(r))) == -1 &&
	    (errno == EAGAIN || errno == EINTR))
		return;
	proc_close_ev(&p->report_ev, &p->report_fd);
	if (n == 0) {
		p->execd = 1;
		if (p->paused)
			proc_signal(p, SIGSTOP);
		proc_syn_execd(p);
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
	struct proc	*p;
	pid_t		 r;
	int		 status;

again:
	TAILQ_FOREACH(p, &ctx->procs, entry) {
		if (!p->child || p->dead)
			continue;
		/* Only our own pids: a libxl or other child is not ours. */
		r = waitpid(p->pid, &status, WNOHANG);
		if (r == p->pid || (r == -1 && errno == ECHILD)) {
			proc_exited(p, r == p->pid ? status : -1);
			goto again;	/* the list may have changed */
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

static void
proc_pidfd_cb(int fd, short ev, void *arg)
{
	struct proc	*p = arg;

	(void)fd;
	(void)ev;
	proc_exited(p, -1);
}

/* Before it ran: the child's own report says best what went wrong. */
static void
proc_exited_early(struct proc *p, int status)
{
	struct proc_report	 r;
	char			 why[128];

	if (p->report_fd != -1 && read(p->report_fd, &r, sizeof(r)) ==
	    (ssize_t)sizeof(r))
		proc_report_why(&r, why, sizeof(why));
	else
		proc_status_str(status, why, sizeof(why));
	proc_build_failed(p, why);
}

/*
 * The guest process is gone.  Everything of it is detached before vm.c
 * hears, because vm.c may free the VM or start the next guest of the
 * same name from inside vm_backend_gone.
 */
static void
proc_exited(struct proc *p, int status)
{
	struct vm	*v = p->vm;
	char		 why[128];
	const char	*whyp = why;

	p->dead = 1;
	if (v == NULL) {
		proc_detach(p);
		return;
	}
	if (!p->execd && !p->stopping) {
		proc_exited_early(p, status);
		return;
	}
	proc_status_str(status, why, sizeof(why));
	log_info("%s: guest process %d %s", v->b.name, (int)p->pid, why);
	if (p->refused_suspend)
		whyp = "destroyed: a process cannot be suspended";
	else if (p->stopping)
		whyp = NULL;
	proc_detach(p);
	vm_backend_gone(v, whyp);
}

/* The child's side: from clone() to execve(). */

static void
proc_child_signals(void)
{
	sigset_t	 none;
	int		 sig;

	/* Handled signals reset at exec, ignored ones would not. */
	for (sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

static void __attribute__((noreturn))
proc_child_fail(const struct proc_spawn *s, enum proc_stage stage)
{
	struct proc_report	 r = { stage, errno };
	ssize_t			 n;

	n = write(s->report[1], &r, sizeof(r));
	(void)n;
	_exit(PROC_EXIT_FAIL);
}

static void
proc_no_ipv6(const char *ifname)
{
	char	 path[96];
	int	 fd;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6",
	    ifname);
	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) == -1)
		return;
	(void)write(fd, "1", 1);
	close(fd);
}

/* Returns -1 and the failed stage in *stage. */
static int
proc_child_net(const struct proc_spawn *s, enum proc_stage *stage)
{
	const struct binding	*b = s->b;
	struct nl_link		 l;
	int			 nl, eth;

	*stage = PROC_STAGE_LO;
	if ((nl = nl_open()) == -1 || nl_link_get(nl, 0, "lo", &l) == -1 ||
	    nl_link_up(nl, l.index) == -1)
		return -1;
	*stage = PROC_STAGE_ETH0;
	if (nl_link_get(nl, 0, "eth0", &l) == -1)
		return -1;
	eth = l.index;
	*stage = PROC_STAGE_ADDR;
	if (b->has_ip && nl_addr_add(nl, eth, AF_INET, &b->ip,
	    PROC_PREFIX4) == -1)
		return -1;
	*stage = PROC_STAGE_ADDR6;
	if (b->has_ip6 && nl_addr_add(nl, eth, AF_INET6, &b->ip6,
	    PROC_PREFIX6) == -1)
		return -1;
	/*
	 * A binding without ip6 gets no IPv6 at all: no address it did not
	 * ask for, and no link-local chatter (DAD, router solicitations for
	 * seconds after link up), which the idle check would take for the
	 * guest's traffic.  We are inside the guest's namespace, so this is
	 * its eth0.  A kernel without IPv6 has no such file: nothing to do.
	 */
	if (!b->has_ip6)
		proc_no_ipv6("eth0");
	*stage = PROC_STAGE_UP;
	if (nl_link_up(nl, eth) == -1)
		return -1;
	*stage = PROC_STAGE_ROUTE;
	if (s->has_gw && nl_route4_add(nl, eth, s->gw) == -1)
		return -1;
	close(nl);
	return 0;
}

/* Move fd above the range about to be filled (it keeps O_CLOEXEC). */
static int
proc_fd_high(int fd)
{
	int	 nfd;

	if (fd == -1 || (nfd = fcntl(fd, F_DUPFD_CLOEXEC, PROC_FD_HIGH)) == -1)
		return -1;
	close(fd);
	return nfd;
}

/*
 * 0 /dev/null, 1 and 2 the console log, 3 the readiness pipe, 4 the
 * hand-over socket (synjitsu); all else closes at exec, the report pipe
 * last of all (that is its EOF).  dup2 clears O_CLOEXEC on its copy.
 */
static int
proc_child_fds(struct proc_spawn *s)
{
	int	 null, logfd, ready, syn = -1, last = PROC_READY_FD;

	if ((s->report[1] = proc_fd_high(s->report[1])) == -1)
		_exit(PROC_EXIT_FAIL);	/* nobody to tell */
	ready = proc_fd_high(s->ready[1]);
	if (s->syn[1] != -1 && (syn = proc_fd_high(s->syn[1])) == -1)
		return -1;
	logfd = proc_fd_high(open(s->log, O_WRONLY | O_CREAT | O_APPEND |
	    O_CLOEXEC, 0640));
	null = proc_fd_high(open("/dev/null", O_RDONLY | O_CLOEXEC));
	if (ready == -1 || logfd == -1 || null == -1)
		return -1;
	if (dup2(null, 0) == -1 || dup2(logfd, 1) == -1 ||
	    dup2(logfd, 2) == -1 || dup2(ready, PROC_READY_FD) == -1)
		return -1;
	if (syn != -1) {
		if (dup2(syn, PROC_SYNJITSU_FD) == -1)
			return -1;
		last = PROC_SYNJITSU_FD;
	}
	return close_range((unsigned int)last + 1, ~0U, CLOSE_RANGE_CLOEXEC);
}

static void __attribute__((noreturn))
proc_child(struct proc_spawn *s)
{
	enum proc_stage	 stage;
	ssize_t		 n;
	char		 c;

	proc_child_signals();
	close(s->sync[1]);
	close(s->report[0]);
	close(s->ready[0]);
	if (s->syn[0] != -1)
		close(s->syn[0]);
	/* EOF instead of a byte: the parent gave up on this guest. */
	do
		n = read(s->sync[0], &c, 1);
	while (n == -1 && errno == EINTR);
	if (n != 1)
		_exit(PROC_EXIT_FAIL);
	close(s->sync[0]);
	if (setsid() == -1)
		proc_child_fail(s, PROC_STAGE_SESSION);
	if (proc_child_net(s, &stage) == -1)
		proc_child_fail(s, stage);
	if (proc_child_fds(s) == -1)
		proc_child_fail(s, PROC_STAGE_CONSOLE);
	execve(s->args->argv[0], s->args->argv, s->args->envp);
	proc_child_fail(s, PROC_STAGE_EXEC);
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
	if (s->synjitsu && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
	    s->syn) == -1)
		return -1;
	if (fcntl(s->report[0], F_SETFL, O_NONBLOCK) == -1 ||
	    fcntl(s->ready[0], F_SETFL, O_NONBLOCK) == -1)
		return -1;
	return 0;
}

static void
proc_pipes_close(struct proc_spawn *s)
{
	int	*fds[] = { &s->sync[0], &s->sync[1], &s->report[0],
		    &s->report[1], &s->ready[0], &s->ready[1], &s->syn[0],
		    &s->syn[1] };
	size_t	 i;

	for (i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (*fds[i] != -1) {
			close(*fds[i]);
			*fds[i] = -1;
		}
}

/* The bridge's ifindex, and its IPv4 address in the guest's /24. */
static int
proc_bridge(struct proc_ctx *ctx, const struct binding *b,
    struct proc_spawn *s, char *err, size_t errlen)
{
	struct nl_link	 l;
	int		 r;

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
	struct nl_veth	 ve = {
		.name = p->veth, .mac = proc_host_mac, .down = 1,
		.peer = "eth0", .peer_mac = p->vm->b.mac, .peer_pid = p->pid,
	};
	struct nl_link	 l;

	if (nl_veth_add(p->ctx->nl, &ve) == -1 ||
	    nl_link_get(p->ctx->nl, 0, p->veth, &l) == -1) {
		snprintf(err, errlen, "veth %s: %s", p->veth,
		    strerror(errno));
		return -1;
	}
	p->veth_index = l.index;
	proc_no_ipv6(p->veth);
	if (!p->unplugged && nl_link_plug(p->ctx->nl, p->veth_index,
	    p->bridge) == -1) {
		snprintf(err, errlen, "veth %s on %s: %s", p->veth,
		    p->vm->b.bridge, strerror(errno));
		return -1;
	}
	return 0;
}

/* <statedir>/<name>.pid: "PID START VETH", written whole or not at all. */
static void
proc_pidfile_write(struct proc *p)
{
	char			 tmp[PATH_MAX + 8], path[64], text[512];
	unsigned long long	 start;
	char			 state;
	FILE			*f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)p->pid);
	snprintf(tmp, sizeof(tmp), "%s.tmp", p->pidfile);
	if ((f = fopen(path, "re")) == NULL)
		goto err;
	if (fgets(text, sizeof(text), f) == NULL ||
	    proc_stat_parse(text, &state, &start) == -1) {
		fclose(f);
		errno = EINVAL;
		goto err;
	}
	fclose(f);
	if ((f = fopen(tmp, "we")) == NULL)
		goto err;
	fprintf(f, "%d %llu %s\n", (int)p->pid, start, p->veth);
	if (fclose(f) == EOF || rename(tmp, p->pidfile) == -1)
		goto err;
	return;
err:
	log_warn("%s: cannot write %s; it cannot be adopted", p->vm->b.name,
	    p->pidfile);
	unlink(tmp);
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
	struct vm	*v = p->vm;

	if (proc_veth(p, v->error, sizeof(v->error)) == -1)
		return -1;
	proc_pidfile_write(p);
	if (write(s->sync[1], "g", 1) != 1) {
		snprintf(v->error, sizeof(v->error), "sync pipe: %s",
		    strerror(errno));
		return -1;
	}
	p->report_fd = s->report[0];
	p->ready_fd = s->ready[0];
	s->report[0] = s->ready[0] = -1;
	if (s->syn[0] != -1 && proc_syn_open(p, s->syn[0]) == -1) {
		s->syn[0] = -1;		/* p has it: proc_detach closes */
		snprintf(v->error, sizeof(v->error), "cannot watch the "
		    "hand-over socket");
		return -1;
	}
	s->syn[0] = -1;
	p->report_ev = event_new(p->ctx->base, p->report_fd,
	    EV_READ | EV_PERSIST, proc_report_cb, p);
	if (p->report_ev == NULL || event_add(p->report_ev, NULL) == -1) {
		snprintf(v->error, sizeof(v->error), "cannot watch the guest");
		return -1;
	}
	return 0;
}

static int
proc_spawn_prepare(struct proc_ctx *ctx, struct vm *v, struct proc_spawn *s,
    struct proc_args *args)
{
	if (proc_args_build(args, &v->b, s->has_gw ? &s->gw : NULL,
	    s->synjitsu) == -1) {
		snprintf(v->error, sizeof(v->error), "kernel and cmdline do "
		    "not fit an argument vector");
		return -1;
	}
	if (proc_path(ctx->conf.logdir, v->b.name, ".log", s->log,
	    sizeof(s->log)) == -1) {
		snprintf(v->error, sizeof(v->error), "no log file name");
		return -1;
	}
	if (proc_pipes(s) == -1) {
		snprintf(v->error, sizeof(v->error), "pipe: %s",
		    strerror(errno));
		return -1;
	}
	return 0;
}

static int
proc_create(struct vm *v, int paused)
{
	struct proc_ctx		*ctx = proc_ctx(v);
	struct proc_spawn	 s = { .b = &v->b };
	struct proc_args	*args;
	struct proc		*p = NULL;
	int			 bridge;

	v->error[0] = '\0';
	/* A warm guest is built paused, with no stand-in (vm.c). */
	s.synjitsu = v->b.synjitsu && !paused;
	if ((args = malloc(sizeof(*args))) == NULL) {
		snprintf(v->error, sizeof(v->error), "out of memory");
		return -1;
	}
	s.args = args;
	if ((bridge = proc_bridge(ctx, &v->b, &s, v->error,
	    sizeof(v->error))) == -1 ||
	    proc_spawn_prepare(ctx, v, &s, args) == -1)
		goto err;
	if ((p = proc_new(ctx, v)) == NULL) {
		snprintf(v->error, sizeof(v->error), "out of memory");
		goto err;
	}
	if ((p->pid = proc_clone()) == -1) {
		snprintf(v->error, sizeof(v->error), "clone: %s",
		    strerror(errno));
		goto err;
	}
	if (p->pid == 0)
		proc_child(&s);
	p->child = 1;
	p->paused = paused;
	p->bridge = bridge;
	p->unplugged = s.synjitsu && v->claim != NULL;
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
	struct proc	*p = arg;
	char		 buf[64];
	ssize_t		 n;

	(void)ev;
	if ((n = read(fd, buf, sizeof(buf))) == -1 &&
	    (errno == EAGAIN || errno == EINTR))
		return;
	proc_close_ev(&p->ready_ev, &p->ready_fd);
	if (n > 0) {
		/* "ready" on the socket follows at once, if ever. */
		if (p->unplugged && p->syn == PROC_SYN_BOOTING)
			proc_plug_arm(p, PROC_ASK_MS);
		vm_backend_ready(p->vm);
		return;
	}
	/* The boot deadline in vm.c takes it from here. */
	log_warnx("%s: the guest closed fd %d without saying it is ready",
	    p->vm->b.name, PROC_READY_FD);
}

static void
proc_probe_cb(void *arg)
{
	struct proc	*p = arg;

	p->probe = NULL;
	vm_backend_ready(p->vm);
}

static int
proc_watch_tcp(struct proc *p)
{
	struct vm		*v = p->vm;
	struct sockaddr_in	 sin = { .sin_family = AF_INET };

	if (!v->b.has_ip) {
		snprintf(v->error, sizeof(v->error), "ready=tcp needs an "
		    "IPv4 address");
		return -1;
	}
	if (p->unplugged) {	/* nothing can answer before the plug */
		p->probe_later = 1;
		return 0;
	}
	sin.sin_addr = v->b.ip;
	sin.sin_port = htons(v->b.ready_port);
	probe_cancel(p->probe);
	p->probe = probe_start(p->ctx->base, (struct sockaddr *)&sin,
	    sizeof(sin), proc_probe_cb, p);
	return p->probe == NULL ? -1 : 0;
}

static int
proc_watch_ready(struct vm *v)
{
	struct proc	*p = v->priv;

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
	struct proc	*p = v->priv;

	if (p == NULL)
		return -1;
	if (stopping)
		p->stopping = 1;
	if (proc_signal(p, sig) == -1) {
		snprintf(v->error, sizeof(v->error), "kill %d: %s",
		    (int)p->pid, strerror(errno));
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
	struct proc	*p = v->priv;

	if (p != NULL)
		p->refused_suspend = 1;
	snprintf(v->error, sizeof(v->error), "a process cannot be suspended");
	return -1;
}

static int
proc_restore(struct vm *v)
{
	snprintf(v->error, sizeof(v->error), "a process cannot be restored");
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
	struct proc	*p = v->priv;
	struct nl_link	 l;

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
	.handover = proc_handover,
};

/* Adoption. */

static int
proc_read_small(const char *path, char *buf, size_t len, size_t *got)
{
	ssize_t	 n;
	int	 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	if (got != NULL)
		*got = (size_t)n;
	return 0;
}

/*
 * Is pid still the guest this pidfile was written for?  Alive, not a
 * zombie, started at the recorded time (pids are reused), and running
 * the binding's kernel.
 */
static int
proc_adoptable(const struct vm *v, int pid, unsigned long long start)
{
	char			 path[64], text[512];
	unsigned long long	 now;
	size_t			 n, arg1;
	char			 state;

	if (kill(pid, 0) == -1)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (proc_read_small(path, text, sizeof(text), NULL) == -1 ||
	    proc_stat_parse(text, &state, &now) == -1 || state == 'Z' ||
	    now != start)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	if (proc_read_small(path, text, sizeof(text), &n) == -1 || n == 0)
		return 0;
	/* argv[0], or argv[1] when the kernel is a #! script. */
	if (strcmp(text, v->b.kernel) == 0)
		return 1;
	arg1 = strlen(text) + 1;
	return arg1 < n && strcmp(text + arg1, v->b.kernel) == 0;
}

static int
proc_adopt_watch(struct proc *p)
{
	struct nl_link	 l;

	p->pidfd = (int)syscall(SYS_pidfd_open, p->pid, 0);
	if (p->pidfd == -1)
		return -1;
	p->pidfd_ev = event_new(p->ctx->base, p->pidfd, EV_READ,
	    proc_pidfd_cb, p);
	if (p->pidfd_ev == NULL || event_add(p->pidfd_ev, NULL) == -1)
		return -1;
	if (nl_link_get(p->ctx->nl, 0, p->veth, &l) == 0)
		p->veth_index = l.index;
	/*
	 * A jitsud that died during a hand-over left the veth unplugged:
	 * plug it.  For a plugged one this changes nothing (same master,
	 * already up).
	 */
	if (p->veth_index > 0 && nl_link_get(p->ctx->nl, 0, p->vm->b.bridge,
	    &l) == 0 && nl_link_plug(p->ctx->nl, p->veth_index,
	    l.index) == -1)
		log_warn("%s: cannot plug %s into %s", p->vm->b.name, p->veth,
		    p->vm->b.bridge);
	return 0;
}

static void
proc_adopt_one(struct proc_ctx *ctx, struct vm *v)
{
	char			 text[128], veth[PROC_IFNAME_MAX];
	unsigned long long	 start;
	struct proc		*p;
	int			 pid;

	if ((p = proc_new(ctx, v)) == NULL)
		return;
	if (proc_read_small(p->pidfile, text, sizeof(text), NULL) == -1) {
		proc_release(p);	/* no pidfile: nothing ran */
		return;
	}
	if (proc_pidfile_parse(text, &pid, &start, veth) == -1 ||
	    strcmp(veth, p->veth) != 0 || !proc_adoptable(v, pid, start)) {
		log_info("%s: %s is stale; removed", v->b.name, p->pidfile);
		proc_detach(p);
		return;
	}
	p->pid = pid;
	p->execd = 1;
	v->priv = p;
	if (proc_adopt_watch(p) == -1) {
		log_warn("%s: cannot watch process %d", v->b.name, pid);
		p->vm = NULL;
		v->priv = NULL;
		proc_release(p);	/* left running, as found */
		return;
	}
	/* vm.c adopts as ready: a guest left paused runs again. */
	proc_signal(p, SIGCONT);
	vm_backend_adopted(ctx->vs, v->b.name, pid);
}

void
proc_adopt(struct vms *vs)
{
	struct proc_ctx	*ctx = vs->bectx;
	struct vm	*v;

	TAILQ_FOREACH(v, &vs->all, entry)
		if (v->state == VM_STOPPED && v->priv == NULL)
			proc_adopt_one(ctx, v);
}

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
proc_init(struct event_base *base, struct vms *vs,
    const struct proc_conf *conf)
{
	struct proc_ctx	*ctx;

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
	struct proc_ctx	*ctx = vs->bectx;
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
