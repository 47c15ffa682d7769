/* proc_adopt.c -- process backend: the guests a previous jitsud left */
/*
 * A guest outlives the jitsud that started it: <statedir>/<name>.pid
 * ("PID START VETH", written at its spawn) lets the next one check that
 * the pid is still that guest and take it over.  An adopted guest is
 * not our child: a pidfd tells of its exit.
 */
#include <sys/syscall.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "jitsud.h"
#include "log.h"
#include "proc.h"

/* <statedir>/<name>.pid: "PID START VETH", written whole or not at all. */
void
proc_adopt_record(struct proc *p)
{
	char		   tmp[PATH_MAX + 8], path[64], text[512];
	unsigned long long start;
	char		   state;
	FILE		  *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)p->pid);
	snprintf(tmp, sizeof(tmp), "%s.tmp", p->pidfile);
	if ((f = fopen(path, "re")) == NULL)
		goto err;
	if (fgets(text, sizeof(text), f) == NULL ||
	    proc_util_stat_parse(text, &state, &start) == -1) {
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

static int
proc_adopt_read(const char *path, char *buf, size_t len, size_t *got)
{
	ssize_t n;
	int	fd;

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
proc_adopt_check(const struct vm *v, int pid, unsigned long long start)
{
	char		   path[64], text[512];
	unsigned long long now;
	size_t		   n, arg1;
	char		   state;

	if (kill(pid, 0) == -1)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (proc_adopt_read(path, text, sizeof(text), NULL) == -1 ||
	    proc_util_stat_parse(text, &state, &now) == -1 || state == 'Z' ||
	    now != start)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	if (proc_adopt_read(path, text, sizeof(text), &n) == -1 || n == 0)
		return 0;
	/* argv[0], or argv[1] when the kernel is a #! script. */
	if (strcmp(text, binding_s(v->b.kernel)) == 0)
		return 1;
	arg1 = strlen(text) + 1;
	return arg1 < n && strcmp(text + arg1, binding_s(v->b.kernel)) == 0;
}

static void
proc_adopt_pidfd_cb(int fd, short ev, void *arg)
{
	struct proc *p = arg;

	(void)fd;
	(void)ev;
	proc_exited(p, -1);
}

static int
proc_adopt_watch(struct proc *p)
{
	struct nl_link l;

	p->pidfd = (int)syscall(SYS_pidfd_open, p->pid, 0);
	if (p->pidfd == -1)
		return -1;
	p->pidfd_ev = event_new(p->ctx->base, p->pidfd, EV_READ,
	    proc_adopt_pidfd_cb, p);
	if (p->pidfd_ev == NULL || event_add(p->pidfd_ev, NULL) == -1)
		return -1;
	if (nl_link_get(p->ctx->nl, 0, p->veth, &l) == 0)
		p->veth_index = l.index;
	/*
	 * A jitsud that died during a hand-over left the veth unplugged:
	 * plug it.  For a plugged one this changes nothing (same master,
	 * already up).
	 */
	if (p->veth_index > 0 &&
	    nl_link_get(p->ctx->nl, 0, p->vm->b.bridge, &l) == 0 &&
	    nl_link_plug(p->ctx->nl, p->veth_index, l.index) == -1)
		log_warn("%s: cannot plug %s into %s", p->vm->b.name, p->veth,
		    p->vm->b.bridge);
	return 0;
}

static void
proc_adopt_one(struct proc_ctx *ctx, struct vm *v)
{
	char		   text[128], veth[PROC_IFNAME_MAX];
	unsigned long long start;
	struct proc	  *p;
	int		   pid;

	if ((p = proc_new(ctx, v)) == NULL)
		return;
	if (proc_adopt_read(p->pidfile, text, sizeof(text), NULL) == -1) {
		proc_release(p); /* no pidfile: nothing ran */
		return;
	}
	if (proc_util_pidfile_parse(text, &pid, &start, veth) == -1 ||
	    strcmp(veth, p->veth) != 0 || !proc_adopt_check(v, pid, start)) {
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
		proc_release(p); /* left running, as found */
		return;
	}
	/* vm.c adopts as ready: a guest left paused runs again. */
	proc_signal(p, SIGCONT);
	vm_backend_adopted(ctx->vs, v->b.name, pid);
}

void
proc_adopt(struct vms *vs)
{
	struct proc_ctx *ctx = vs->bectx;
	struct vm	*v;

	TAILQ_FOREACH(v, &vs->all, entry)
		if (v->state == VM_STOPPED && v->priv == NULL)
			proc_adopt_one(ctx, v);
}
