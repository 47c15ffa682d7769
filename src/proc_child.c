/* proc_child.c -- process backend: the child, from clone() to execve() */
/*
 * Runs in the clone()d child, in the guest's new network namespace, on
 * a copy of the parent's memory: it waits for the parent's go on the
 * sync pipe, sets up its session, network and fds, and execs the
 * kernel; a step that fails is reported on the report pipe, then
 * _exit.  It never returns into the daemon's code.
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jitsud.h"
#include "proc.h"

#define PROC_EXIT_FAIL 127
#define PROC_FD_HIGH   10 /* the child's fds are moved above this */

static void
proc_child_signals(void)
{
	sigset_t none;
	int	 sig;

	/* Handled signals reset at exec, ignored ones would not. */
	for (sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

static void __attribute__((noreturn))
proc_child_fail(const struct proc_spawn *s, enum proc_stage stage)
{
	struct proc_report r = { stage, errno };
	ssize_t		   n;

	n = write(s->report[1], &r, sizeof(r));
	(void)n;
	_exit(PROC_EXIT_FAIL);
}

/* Returns -1 and the failed stage in *stage. */
static int
proc_child_net(const struct proc_spawn *s, enum proc_stage *stage)
{
	const struct binding *b = s->b;
	struct nl_link	      l;
	int		      nl, eth;

	*stage = PROC_STAGE_LO;
	if ((nl = nl_open()) == -1 || nl_link_get(nl, 0, "lo", &l) == -1 ||
	    nl_link_up(nl, l.index) == -1)
		return -1;
	*stage = PROC_STAGE_ETH0;
	if (nl_link_get(nl, 0, "eth0", &l) == -1)
		return -1;
	eth = l.index;
	*stage = PROC_STAGE_ADDR;
	if (b->has_ip &&
	    nl_addr_add(nl, eth, AF_INET, &b->ip, PROC_PREFIX4) == -1)
		return -1;
	*stage = PROC_STAGE_ADDR6;
	if (b->has_ip6 &&
	    nl_addr_add(nl, eth, AF_INET6, &b->ip6, PROC_PREFIX6) == -1)
		return -1;
	/*
	 * A binding without ip6 gets no IPv6 at all: no address it did not
	 * ask for, and no link-local chatter (DAD, router solicitations for
	 * seconds after link up), which the idle check would take for the
	 * guest's traffic.  We are inside the guest's namespace, so this is
	 * its eth0.  A kernel without IPv6 has no such file: nothing to do.
	 */
	if (!b->has_ip6)
		(void)nl_no_ipv6("eth0");
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
proc_child_fd_high(int fd)
{
	int nfd;

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
	int null, logfd, ready, syn = -1, last = PROC_READY_FD;

	if ((s->report[1] = proc_child_fd_high(s->report[1])) == -1)
		_exit(PROC_EXIT_FAIL); /* nobody to tell */
	ready = proc_child_fd_high(s->ready[1]);
	if (s->syn[1] != -1 && (syn = proc_child_fd_high(s->syn[1])) == -1)
		return -1;
	logfd = proc_child_fd_high(open(s->log,
	    O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640));
	null = proc_child_fd_high(open("/dev/null", O_RDONLY | O_CLOEXEC));
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

void
proc_child(struct proc_spawn *s)
{
	enum proc_stage stage;
	ssize_t		n;
	char		c;

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
	/* Its network made, the guest needs less than jitsud: no clone. */
	if (priv_drop(priv_guest()) == -1)
		proc_child_fail(s, PROC_STAGE_PRIV);
	if (proc_child_fds(s) == -1)
		proc_child_fail(s, PROC_STAGE_CONSOLE);
	execve(s->args->argv[0], s->args->argv, s->args->envp);
	proc_child_fail(s, PROC_STAGE_EXEC);
}
