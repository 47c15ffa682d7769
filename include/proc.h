/* proc.h -- the process backend's internals: src/proc*.c and its tests */
#ifndef PROC_H
#define PROC_H

/*
 * Include after jitsud.h.  The rest of the daemon sees only proc_backend,
 * proc_init, proc_adopt, proc_end and struct proc_conf (jitsud.h); what
 * is here is shared by the backend's files and by tests/unit/test_proc.c
 * and tests/system/proc_driver.c.
 *
 *   proc.c        the parent side: create, reap, readiness, stop modes
 *   proc_child.c  the child side, from clone() to execve()
 *   proc_sock.c   Synjitsu's socket hand-over and the veth plug
 *   proc_adopt.c  taking over the guests a previous jitsud left
 *   proc_util.c   pure helpers: argv/env, names, /proc and pidfile
 *                 parsing, the hand-over's line parser and builder
 */

#include <limits.h>

struct synrec;

#define PROC_IFNAME_MAX	 16 /* IFNAMSIZ */
#define PROC_PREFIX4	 24 /* the guest's IPv4 netmask */
#define PROC_PREFIX6	 64
#define PROC_READY_FD	 3 /* the guest's readiness pipe */
#define PROC_SYNJITSU_FD 4 /* its end of the hand-over socket */
#define PROC_ARGV_MAX	 (BINDING_CMDLINE_MAX / 2 + 2)
#define PROC_ENV_MAX	 9
#define PROC_ENV_LEN	 (BINDING_NAME_MAX + 32)
#define PROC_HLINE_MAX	 32 /* a guest's line, with "\n" */
#define PROC_HBAD_MAX	 8  /* bad lines, then we hang up */

/* The guest's argv and environment, made before it is started. */
struct proc_args {
	char *argv[PROC_ARGV_MAX];
	char *envp[PROC_ENV_MAX];
	char  words[BINDING_KERNEL_MAX + BINDING_CMDLINE_MAX];
	char  env[PROC_ENV_MAX][PROC_ENV_LEN];
};

/* What the guest said on the hand-over socket. */
enum proc_hmsg {
	PROC_HMSG_NONE,	   /* no whole line yet */
	PROC_HMSG_READY,   /* "ready" */
	PROC_HMSG_ADOPTED, /* "adopted K", K in *k */
	PROC_HMSG_BAD,	   /* anything else, or a line too long */
};

/* The guest's bytes, read in at buf + len, at most PROC_HLINE_MAX. */
struct proc_hin {
	char   buf[PROC_HLINE_MAX];
	size_t len;
	int    skip; /* in a line too long: drop to its end */
};

/* Our side: records as lines, then "count N\n", sent as room allows. */
struct proc_hout {
	char  *buf;
	size_t len, off; /* bytes in buf, bytes sent */
	size_t count;	 /* records in it */
};

struct proc;

struct proc_ctx {
	struct event_base *base;
	struct vms	  *vs;
	struct proc_conf   conf;
	int		   nl; /* rtnetlink socket */
	struct event	  *sigchld;
	TAILQ_HEAD(, proc) procs;
};

/*
 * One guest process.  It stays on ctx->procs until it is known dead,
 * even after its VM forgot it (then vm is NULL), so it is reaped.
 */
struct proc {
	TAILQ_ENTRY(proc) entry;
	struct proc_ctx	 *ctx;
	struct vm	 *vm;
	pid_t		  pid;
	int		  child; /* ours: else a pidfd watches */
	int		  dead;
	int		  execd;
	int		  paused;   /* a warm build */
	int		  stopping; /* jitsud asked it to go */
	int		  refused_suspend;
	int		  report_fd, ready_fd, pidfd;
	struct event	 *report_ev, *ready_ev, *pidfd_ev;
	int		  veth_index;
	char		  veth[PROC_IFNAME_MAX];
	char		  pidfile[PATH_MAX];
	/* Synjitsu (proc_sock.c): the hand-over socket, unplugged veth. */
	int		  syn_fd;
	int		  syn_asked; /* "ready" came: once only */
	struct event	 *syn_ev, *syn_wev;
	struct proc_hin	  syn_in;
	struct proc_hout  syn_out;
	unsigned int	  syn_bad;     /* lines ignored so far */
	int		  bridge;      /* ifindex of bridge= */
	int		  unplugged;   /* veth down, off bridge */
	int		  probe_later; /* ready=tcp: after the plug */
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
	PROC_STAGE_PRIV,
	PROC_STAGE_CONSOLE,
	PROC_STAGE_EXEC,
	PROC_NSTAGES
};

struct proc_report {
	int stage;
	int err;
};

/* What the child needs; made by the parent before the clone. */
struct proc_spawn {
	const struct binding   *b;
	const struct proc_args *args;
	struct in_addr		gw;
	int			has_gw;
	int			synjitsu; /* pass a hand-over socket */
	int			sync[2], report[2], ready[2], syn[2];
	char			log[PATH_MAX];
};

/* proc.c */

/* proc_new: a guest of v listed on ctx (pid -1, no fds); NULL on error. */
struct proc *proc_new(struct proc_ctx *, struct vm *);
/* proc_close_ev: free *ev and close *fd, each if set, and unset them. */
void	     proc_close_ev(struct event **ev, int *fd);
/* proc_release: free p only; the guest and its veth are left. */
void	     proc_release(struct proc *);
/* proc_detach: kill what is left of p, drop its veth and pidfile. */
void	     proc_detach(struct proc *);
/* proc_signal: sig to the guest's process group (or its child). */
int	     proc_signal(struct proc *, int sig);
/* proc_exited: the guest is gone (status -1: not our child). */
void	     proc_exited(struct proc *, int status);

/* proc_child.c */

/* proc_child: in the clone()d child: set up, then execve; never returns. */
void proc_child(struct proc_spawn *) __attribute__((noreturn));

/*
 * proc_sock.c -- the Synjitsu hand-over's socket transport (handover.c
 * drives it).  proc.c opens it at the spawn and closes it when it stops
 * listening to the guest.
 */

/*
 * proc_sock_open: watch the parent's end fd (p owns it from now) and
 * attach it to p->vm's hand-over (call after the claim: p->unplugged).
 */
int  proc_sock_open(struct proc *, int fd);
/* proc_sock_close: the socket gone, nothing plugged, nobody told. */
void proc_sock_close(struct proc *);
/*
 * proc_sock_send: send what is left on the non-blocking socket fd:
 * 1 all sent, 0 the socket is full (wait for it to drain), -1 error.
 */
int  proc_sock_send(struct proc_hout *, int fd);

/* proc_adopt.c (proc_adopt is in jitsud.h) */

/* proc_adopt_record: write p's pidfile, whole or not at all (logged). */
void proc_adopt_record(struct proc *);

/* proc_util.c: pure helpers. */

/*
 * proc_util_args_build: gw NULL: no gateway; synjitsu: add
 * JITSU_SYNJITSU_FD.  0, or -1 if it does not fit.
 */
int  proc_util_args_build(struct proc_args *, const struct binding *,
     const struct in_addr *gw, int synjitsu);
/* proc_util_veth_name: "jv" and 8 hex digits hashed from the name. */
void proc_util_veth_name(const char *name, char out[PROC_IFNAME_MAX]);
/* proc_util_file_name: the name made safe as a file name; 0 or -1. */
int  proc_util_file_name(const char *name, char *out, size_t len);
/* proc_util_path: <dir>/<file name of name><suffix>; 0 or -1. */
int  proc_util_path(const char *dir, const char *name, const char *suffix,
     char *out, size_t len);
/* proc_util_status_str: a waitpid status as "exited with status N" etc. */
void proc_util_status_str(int status, char *buf, size_t len);
/* proc_util_stat_parse: state letter and start time of /proc/PID/stat. */
int  proc_util_stat_parse(const char *text, char *state,
     unsigned long long *start);
/* proc_util_pidfile_parse: "PID START VETH\n"; 0 or -1. */
int  proc_util_pidfile_parse(const char *text, int *pid,
     unsigned long long *start, char veth[PROC_IFNAME_MAX]);
/*
 * proc_util_hin_next: take the next whole line out of in.  The guest is
 * not trusted: a line is exactly "ready" or "adopted K" (K decimal, at
 * most 5 digits), else BAD; a line that does not fit is BAD once and
 * then dropped up to its newline.  NONE when more bytes are needed.
 */
enum proc_hmsg proc_util_hin_next(struct proc_hin *in, unsigned int *k);
/*
 * proc_util_hout_build: n records (each synrec_encode'd, "\n"-ended; one
 * the encoder refuses is left out and not counted) and the count line.
 * 0, or -1 when out of memory or n > SYNJITSU_CONN_MAX.
 * proc_util_hout_free releases it.
 */
int  proc_util_hout_build(struct proc_hout *, const struct synrec *recs,
     size_t n);
void proc_util_hout_free(struct proc_hout *);

#endif /* PROC_H */
