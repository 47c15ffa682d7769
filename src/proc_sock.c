/* proc_sock.c -- process backend: Synjitsu's socket transport, veth plug */
/*
 * This file is the process backend's transport for handover.c: the
 * parent's end of the guest's socketpair (fd PROC_SYNJITSU_FD in the
 * guest) and the plug of the guest's host veth into its bridge.  It
 * reads "ready" and "adopted K" lines and writes synrec lines and
 * "count N" (proc_util.c parses and builds them).  The protocol's
 * states and deadlines are handover.c's: this file reports what the
 * guest said (handover_asked, handover_adopted, handover_broken) and
 * does what handover.c asks (proc_sock_transport's send and close).
 * proc.c opens the socket at the spawn and closes it when it stops
 * listening to the guest; the veth itself is created, down, by proc.c
 * and plugged here (a veth that a jitsud left unplugged when it died
 * is plugged at adoption, proc_adopt.c).
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
 * however that ends: that is the transport's close, and this transport
 * "holds" the guest in handover.c's sense.
 *
 *   guest                              jitsud
 *   listens; fd 3 ---------------------> vm_backend_ready (ready=xenstore)
 *   "ready\n" -------------------------> handover_asked: the stand-in is
 *                                        frozen, its records taken
 *              <------------------------ proc_sock_tr_send: records,
 *                                        "count N"
 *   TCP_REPAIR, one per record
 *   "adopted K\n" ---------------------> handover_adopted, which closes:
 *                                        plug, then close the socket
 *
 * The socket closing or breaking also ends it (handover_broken), and so
 * do handover.c's deadlines: HANDOVER_ADOPT_MS once the records are
 * sent, and, for a guest that never says "ready", HANDOVER_ASK_MS from
 * its readiness (ready=xenstore, ready=delay) or half its max-boot
 * (ready=tcp).  The libOS writes fd 3 and "ready" back to back (uk_ready
 * and its hook), so a second is plenty; waiting for the stand-in's
 * grace (10 s) instead would cut every guest without Synjitsu support
 * (under the default synjitsu=on) off its network for ten seconds after
 * it is ready.  Its held connections are lost either way.
 *
 * Readiness must not wait for the plug, nor the plug for readiness.
 * ready=xenstore (the fd 3 pipe) does not touch the network.  ready=tcp
 * can only succeed once plugged (the probe's SYNs go nowhere before),
 * so its probe starts at the plug (p->probe_later), and a guest that
 * never says "ready" is plugged at half its max-boot, leaving the probe
 * the other half.
 *
 * The veth is kept unplugged only while a stand-in holds the address
 * (handover_standing at the spawn): without one (no ports=, no
 * CAP_NET_RAW) there is nothing to protect, and the guest, plugged from
 * the start, still gets the socket and then "count 0".
 *
 * The guest waits for our close before it answers its clients (its
 * first answer would otherwise go out into an unplugged veth and leave
 * again only a second later), so the socket is closed after the plug.
 *
 * The transport's context is the VM, not the proc: a guest that dies
 * is detached (proc_quiet closes its socket, v->priv goes NULL) before
 * vm.c ends the hand-over, and close must then find nothing to do.
 */

void
proc_sock_close(struct proc *p)
{
	if (p->syn_wev != NULL) {
		event_free(p->syn_wev);
		p->syn_wev = NULL;
	}
	proc_close_ev(&p->syn_ev, &p->syn_fd);
	proc_util_hout_free(&p->syn_out);
}

/* Enslave the host end to the bridge and bring it up (once). */
static void
proc_sock_plug(struct proc *p, const char *why)
{
	struct vm *v = p->vm;

	if (!p->unplugged)
		return;
	p->unplugged = 0;
	if (nl_link_plug(p->ctx->nl, p->veth_index, p->bridge) == -1)
		log_warn("%s: synjitsu: cannot plug %s into %s", v->b.name,
		    p->veth, v->b.bridge);
	else {
		vm_backend_phase(v, TL_DEVICES, vm_now_ms());
		log_info("%s: synjitsu: %s plugged into %s: %s", v->b.name,
		    p->veth, v->b.bridge, why);
	}
	/* ready=tcp's probe, deferred to now; not for a guest going down
	 * (vm.c ends the hand-over as it leaves BOOTING). */
	if (p->probe_later && v->state == VM_BOOTING && vm_probe_start(v) == -1)
		log_warnx("%s: cannot start the readiness probe", v->b.name);
	p->probe_later = 0;
}

int
proc_sock_send(struct proc_hout *o, int fd)
{
	ssize_t n;

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
	int r;

	if ((r = proc_sock_send(&p->syn_out, p->syn_fd)) == 0)
		return event_add(p->syn_wev, NULL);
	if (r == 1)
		event_del(p->syn_wev);
	return r == 1 ? 0 : -1;
}

/*
 * handover.c's send: the records as lines and "count N", in one piece.
 * On failure nothing is plugged here: handover.c closes right after.
 */
static int
proc_sock_tr_send(void *ctx, const struct synrec *recs, size_t n)
{
	struct vm   *v = ctx;
	struct proc *p = v->priv;

	if (p == NULL || p->syn_fd == -1)
		return -1;
	if (proc_util_hout_build(&p->syn_out, recs, n) == -1) {
		log_warnx("%s: synjitsu: cannot build a hand-over of %zu "
			  "connection(s)",
		    v->b.name, n);
		return -1;
	}
	if (proc_sock_flush(p) == -1) {
		log_warn("%s: synjitsu: hand-over socket", v->b.name);
		return -1;
	}
	return 0;
}

/*
 * handover.c's close: the hand-over is over, one way or another: the
 * guest gets its network, then the socket goes.  It may run inside
 * proc_sock_read_cb (a line ended it), which then reads no further.
 */
static void
proc_sock_tr_close(void *ctx, const char *why)
{
	struct vm   *v = ctx;
	struct proc *p = v->priv;

	if (p == NULL)
		return; /* detached: its socket went with it */
	proc_sock_plug(p, why);
	proc_sock_close(p);
}

static const struct handover_transport proc_sock_transport = {
	.name = "socket",
	.holds = 1, /* the guest's kernel would reset held connections */
	.send = proc_sock_tr_send,
	.close = proc_sock_tr_close,
};

/* The socket failed or the guest misbehaves: handover.c closes it. */
static void
proc_sock_broken(struct proc *p, const char *why)
{
	if (!p->unplugged) /* else the plug says why */
		log_warnx("%s: synjitsu: %s", p->vm->b.name, why);
	handover_broken(&p->vm->ho, why);
}

static void
proc_sock_write_cb(int fd, short ev, void *arg)
{
	struct proc *p = arg;

	(void)fd;
	(void)ev;
	if (proc_sock_flush(p) == -1)
		proc_sock_broken(p, "the hand-over could not be written");
}

static void
proc_sock_line(struct proc *p, enum proc_hmsg m, unsigned int k)
{
	const char *what = "a malformed or unknown line";

	switch (m) {
	case PROC_HMSG_READY:
		if (p->syn_asked) {
			what = "\"ready\" again";
			break;
		}
		p->syn_asked = 1;
		handover_asked(&p->vm->ho);
		return;
	case PROC_HMSG_ADOPTED:
		/* At most 5 digits (proc_util_hin_next): fits an int. */
		handover_adopted(&p->vm->ho, (int)k);
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
	struct proc_hin *in = &p->syn_in;
	enum proc_hmsg	 m;
	unsigned int	 k = 0;
	ssize_t		 n;

	(void)ev;
	n = read(fd, in->buf + in->len, sizeof(in->buf) - in->len);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		proc_sock_broken(p,
		    n == 0 ? "the guest closed the hand-over socket" :
			     "the hand-over socket failed");
		return;
	}
	in->len += (size_t)n;
	/* A line may end the hand-over: then the socket is gone. */
	while (p->syn_fd != -1 &&
	    (m = proc_util_hin_next(in, &k)) != PROC_HMSG_NONE)
		proc_sock_line(p, m, k);
}

/*
 * The parent's end of the socket, once the child runs: from now on the
 * guest talks to handover.c through it.
 */
int
proc_sock_open(struct proc *p, int fd)
{
	struct event_base *base = p->ctx->base;

	p->syn_fd = fd;
	p->syn_asked = 0;
	p->syn_bad = 0;
	p->syn_ev = event_new(base, fd, EV_READ | EV_PERSIST, proc_sock_read_cb,
	    p);
	p->syn_wev = event_new(base, fd, EV_WRITE | EV_PERSIST,
	    proc_sock_write_cb, p);
	if (p->syn_ev == NULL || p->syn_wev == NULL ||
	    fcntl(fd, F_SETFL, O_NONBLOCK) == -1 ||
	    event_add(p->syn_ev, NULL) == -1)
		return -1;
	handover_attach(&p->vm->ho, &proc_sock_transport, p->vm);
	return 0;
}
