/* common.h -- what the two unix bindings (unix-tap, unix-sock) share */
#ifndef UNIX_COMMON_H
#define UNIX_COMMON_H

#include "libuk.h"

/*
 * The libOS as an ordinary Linux process, whichever network it has:
 * console = stdout, time = CLOCK_MONOTONIC, the command line from argv,
 * the toolstack's shutdown request = SIGTERM or SIGINT, XenStore = a map
 * in the process, conduits = unix stream sockets in $JITSU_CONDUIT_DIR.
 * common.c, xs.c and conduit.c implement those uk.h and libuk.h calls
 * for both bindings, and loop.c is the epoll set their sockets wait in;
 * each binding adds its network, its waiting (plat_dispatch, plat_wait,
 * which run and wait on loop.c's set among whatever else it has) and
 * main(), which calls loop_init().  Built with tests/unit/host.h
 * force-included: none of these files may include <string.h> or
 * <stdio.h>, whose declarations would be renamed.
 */

/* common.c */
/*
 * At start-up, from main(): takes the command line (argv[1..] joined by
 * blanks, or $UK_CMDLINE when there are no arguments), ignores SIGPIPE
 * and makes SIGTERM and SIGINT write a byte to a non-blocking self-pipe
 * (common_sigfd).  plat names the binding in the panic if the pipe
 * cannot be made.
 */
void common_init(const char *plat, int argc, char **argv);
/*
 * The self-pipe's read end (non-blocking).  The binding waits on it for
 * input and reads it; each request it reads is passed on with
 * common_shutdown_request().
 */
int common_sigfd(void);
/*
 * A shutdown request came: says so on the console and runs the
 * application's uk_on_shutdown() handler, or powers off without one.
 */
void common_shutdown_request(void);
/* Linux errno to a negative UK_E* (unknown ones are -UK_EIO). */
int unix_err(int err);

/* loop.c -- the epoll set and the list of handles that have news */
/*
 * What an epoll registration points at; the first member of every
 * handle.  run() delivers the UK_NET_* bits gathered since the last call
 * and returns the number of application callbacks it ran.
 */
struct loop_src {
	int fd;
	int events; /* UK_NET_* bits not yet delivered */
	int queued; /* on the pending list */
	int (*run)(struct loop_src *s, int events);
	struct loop_src *prev, *next; /* the pending list */
};

/* Creates the epoll set; at start-up only (panics on failure). */
void loop_init(void);
/*
 * Watches s->fd (set by the caller) with EPOLLET and `want` (EPOLLIN,
 * EPOLLOUT...).  Edge-triggered on purpose: uk.h's callbacks report
 * changes, and an application that leaves data unread until it has room
 * to answer must not be called again and again for it.
 */
int loop_add(struct loop_src *s, uint32_t want);
/* Stops watching s and forgets its pending news; s may be freed after. */
void loop_del(struct loop_src *s);
/* Queues events for s: its run() is called from the next dispatch. */
void loop_kick(struct loop_src *s, int events);
/*
 * The binding's plat_dispatch() part: epoll's news (kept by loop_wait or
 * fetched now, without waiting) and the kicks, run; the number of
 * application callbacks that ran.
 */
int loop_dispatch(void);
/* Non-zero if loop_dispatch() has work without waiting. */
int loop_busy(void);
/*
 * Waits in the epoll set until deadline (uk_now() time, or UK_FOREVER)
 * unless loop_busy(); what comes is kept for loop_dispatch().  For a
 * binding whose only fds are in the set (unix-sock).
 */
void loop_wait(uint64_t deadline);
/*
 * The epoll set's own fd: readable while it holds news, so a binding
 * that waits with poll(2) (unix-tap) waits on it beside its other fds,
 * and then calls loop_dispatch().
 */
int loop_fd(void);

/* xs.c */
/* Called with the new value when data/status is written. */
void xs_status_hook(const char *value);

#endif /* UNIX_COMMON_H */
