/* proc_sock.c -- process backend: Synjitsu's socket hand-over, veth plug */
/*
 * This file owns the process backend's side of the hand-over: the
 * parent's end of the guest's socketpair (fd PROC_SYNJITSU_FD in the
 * guest), the hand-over's state (p->syn), its one timer (p->plug_ev,
 * armed for PROC_ASK_MS in proc_sock_execd and proc_sock_readied, for
 * PROC_HANDOVER_MS in proc_sock_line) and the plug of the guest's host
 * veth into its bridge.  It receives "ready" and "adopted K" lines and
 * sends synrec lines and "count N" (proc_util.c parses and builds
 * them); it tells vm.c through vm_backend_synjitsu_ready (in
 * proc_sock_line), vm_backend_synjitsu_adopted (proc_sock_adopted,
 * proc_sock_broken) and vm_backend_synjitsu_none (proc_sock_broken).
 * proc.c calls in at the guest's steps (see proc.h); the veth itself
 * is created, down, by proc.c and plugged here (a veth that a jitsud
 * left unplugged when it died is plugged at adoption, proc_adopt.c).
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "jitsud.h"
#include "log.h"
#include "proc.h"
#include "synjitsu.h"

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
 *              <------------------------ proc_sock_handover: records, "count N"
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
proc_sock_arm(struct proc *p, uint64_t ms)
{
	struct timeval	 tv = ms_timeval(ms);

	evtimer_add(p->plug_ev, &tv);
}

void
proc_sock_close(struct proc *p)
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
	proc_util_hout_free(&p->syn_out);
	p->syn = PROC_SYN_NONE;
}

/* Enslave the host end to the bridge and bring it up (once). */
static void
proc_sock_plug(struct proc *p, const char *why)
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
proc_sock_done(struct proc *p, const char *why)
{
	proc_sock_plug(p, why);
	proc_sock_close(p);
}

/* Over before "adopted": vm.c hears that the guest did not take them. */
static void
proc_sock_broken(struct proc *p, const char *why)
{
	if (p->syn == PROC_SYN_ASKED || p->syn == PROC_SYN_HANDED)
		vm_backend_synjitsu_adopted(p->vm, -1);
	else if (p->syn == PROC_SYN_BOOTING)
		vm_backend_synjitsu_none(p->vm);
	if (!p->unplugged)
		log_warnx("%s: synjitsu: %s", p->vm->b.name, why);
	proc_sock_done(p, why);
}

static void
proc_sock_adopted(struct proc *p, unsigned int k)
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
	proc_sock_done(p, why);
}

static void
proc_sock_line(struct proc *p, enum proc_hmsg m, unsigned int k)
{
	const char	*what = "a malformed or unknown line";

	switch (m) {
	case PROC_HMSG_READY:
		if (p->syn != PROC_SYN_BOOTING) {
			what = "\"ready\" again";
			break;
		}
		p->syn = PROC_SYN_ASKED;
		proc_sock_arm(p, PROC_HANDOVER_MS);
		vm_backend_synjitsu_ready(p->vm);
		return;
	case PROC_HMSG_ADOPTED:
		proc_sock_adopted(p, k);
		return;
	case PROC_HMSG_BAD:
	case PROC_HMSG_NONE:
		break;
	}
	log_warnx("%s: synjitsu: %s from the guest, ignored", p->vm->b.name,
	    what);
	if (++p->syn_bad >= PROC_HBAD_MAX)
		proc_sock_broken(p, "too many bad lines from the guest");
}

static void
proc_sock_read_cb(int fd, short ev, void *arg)
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
		proc_sock_broken(p, n == 0 ? "the guest closed the hand-over "
		    "socket" : "the hand-over socket failed");
		return;
	}
	in->len += (size_t)n;
	/* A line may end the hand-over: then the socket is gone. */
	while (p->syn_fd != -1 && (m = proc_util_hin_next(in, &k)) !=
	    PROC_HMSG_NONE)
		proc_sock_line(p, m, k);
}

int
proc_sock_send(struct proc_hout *o, int fd)
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


static int
proc_sock_flush(struct proc *p)
{
	int	 r;

	if ((r = proc_sock_send(&p->syn_out, p->syn_fd)) == 0)
		return event_add(p->syn_wev, NULL);
	if (r == 1)
		event_del(p->syn_wev);
	return r == 1 ? 0 : -1;
}

static void
proc_sock_write_cb(int fd, short ev, void *arg)
{
	struct proc	*p = arg;

	(void)fd;
	(void)ev;
	if (proc_sock_flush(p) == -1)
		proc_sock_broken(p, "the hand-over could not be written");
}

static void
proc_sock_plug_cb(int fd, short ev, void *arg)
{
	struct proc	*p = arg;

	(void)fd;
	(void)ev;
	proc_sock_broken(p, p->syn == PROC_SYN_BOOTING ? "the guest never "
	    "asked for its connections" : "the hand-over took too long");
}

/* The parent's end of the socket, once the child runs. */
int
proc_sock_open(struct proc *p, int fd)
{
	struct event_base	*base = p->ctx->base;

	p->syn_fd = fd;
	p->syn = PROC_SYN_BOOTING;
	p->syn_ev = event_new(base, fd, EV_READ | EV_PERSIST,
	    proc_sock_read_cb, p);
	p->syn_wev = event_new(base, fd, EV_WRITE | EV_PERSIST,
	    proc_sock_write_cb, p);
	p->plug_ev = evtimer_new(base, proc_sock_plug_cb, p);
	if (p->syn_ev == NULL || p->syn_wev == NULL || p->plug_ev == NULL ||
	    fcntl(fd, F_SETFL, O_NONBLOCK) == -1 ||
	    event_add(p->syn_ev, NULL) == -1)
		return -1;
	return 0;
}

/* The exec is done: the deadline for a guest that will never ask. */
void
proc_sock_execd(struct proc *p)
{
	const struct vm	*v = p->vm;

	if (!p->unplugged || p->syn != PROC_SYN_BOOTING)
		return;
	if (v->b.ready == BINDING_READY_DELAY)
		proc_sock_arm(p, (uint64_t)v->b.ready_delay_ms + PROC_ASK_MS);
	else if (v->b.ready == BINDING_READY_TCP)
		proc_sock_arm(p, v->b.max_boot_ms / 2);
}

/* fd 3 spoke: "ready" on the socket follows at once, if ever. */
void
proc_sock_readied(struct proc *p)
{
	if (p->unplugged && p->syn == PROC_SYN_BOOTING)
		proc_sock_arm(p, PROC_ASK_MS);
}

/* vm.c's answer to "ready": the records, sent in one piece. */
int
proc_sock_handover(struct vm *v, const struct synrec *recs, size_t n)
{
	struct proc	*p = v->priv;

	if (p == NULL || p->syn != PROC_SYN_ASKED)
		return -1;
	if (proc_util_hout_build(&p->syn_out, recs, n) == -1) {
		log_warnx("%s: synjitsu: cannot build a hand-over of %zu "
		    "connection(s)", v->b.name, n);
		proc_sock_done(p, "the hand-over could not be built");
		return -1;
	}
	p->syn = PROC_SYN_HANDED;
	if (proc_sock_flush(p) == -1) {
		log_warn("%s: synjitsu: hand-over socket", v->b.name);
		proc_sock_done(p, "the hand-over could not be written");
		return -1;
	}
	return 0;
}
