/* unixplat.h -- internals of the unix-TAP platform (a Linux process) */
#ifndef UNIXPLAT_H
#define UNIXPLAT_H

#include "../unix/common.h"

/*
 * The libOS as an ordinary Linux process (platform/unix: console =
 * stdout, time = CLOCK_MONOTONIC, XenStore in the process) whose NIC is a
 * TAP device and whose waiting is poll(2).  Built with tests/unit/host.h
 * force-included, so the libOS's libc subset keeps its own ukt_ names
 * and never replaces glibc's.  None of these files may include
 * <string.h> or <stdio.h>: their declarations would be renamed.
 */

/* unix.c */
/* Adds fd to what plat_wait() polls for input (at most 4 fds). */
void unix_watch_fd(int fd);

/* tapnet.c */
/* Non-zero if a received frame waits (uk_poll returns for it). */
int tapnet_pending(void);
/* The earliest time tapnet must run again (a held frame), or UK_FOREVER. */
uint64_t tapnet_next(void);
/* Sends a held frame whose time has come. */
void tapnet_flush(uint64_t now);

/* impair.c -- optional link impairment for tests (loss, reordering) */
struct impair {
	unsigned int loss;    /* percent of frames dropped */
	unsigned int reorder; /* percent held behind the next frame */
	uint64_t state;	      /* xorshift64 state, never 0 */
};
void impair_init(struct impair *im, unsigned int loss, unsigned int reorder,
    uint64_t seed);
/* Non-zero with probability pct percent. */
int impair_roll(struct impair *im, unsigned int pct);

#endif /* UNIXPLAT_H */
