/* sockplat.h -- internals of the unix-sock platform (the kernel's TCP/IP) */
#ifndef SOCKPLAT_H
#define SOCKPLAT_H

#include "../unix/common.h"
#include "synrec.h"

/*
 * The libOS as an ordinary Linux process whose network is the kernel's
 * own: uk.h's TCP and UDP calls are non-blocking sockets, readiness comes
 * from one epoll set inside uk_poll() (platform/unix/loop.c, whose
 * handles every socket here starts with); console, time, the command
 * line, signals, XenStore and conduits are platform/unix's, as on
 * unix-tap.  jitsud's
 * process backend has configured eth0 before exec; nothing here touches
 * an interface.  Built, like unix-tap, with tests/unit/host.h
 * force-included, so the libOS's libc subset keeps its ukt_ names: none
 * of these files may include <string.h> or <stdio.h>.
 *
 * Connections handed over by jitsud (Synjitsu) are rebuilt in the kernel
 * with TCP_REPAIR and then look like accepted ones.  adopt.c and
 * handover.c are the pure parts of that (unit-tested), repair.c and
 * synjitsu.c the system calls.
 */

/* ---------------------------------------------------------------------
 * unix.c -- the process: entry, the loop as uk_poll()'s, the signals
 */

struct sockaddr_in;
/* An AF_INET address from host-order ip and port. */
void unix_sin(struct sockaddr_in *sin, uint32_t ip, uint16_t port);

/* ---------------------------------------------------------------------
 * ip.c -- the address jitsud gave eth0
 */

/* Our address from uk_ip_up(), 0 before it (then listeners take any). */
uint32_t ip_local(void);

/* ---------------------------------------------------------------------
 * tcp.c -- uk_tcp_* on kernel sockets
 */

struct adopt_plan;
/*
 * Rebuilds p's connection (repair.c) and queues it on the listener of
 * p->lport, whose accept callback runs from the next uk_poll().  0, or
 * -UK_ENOENT (nothing listens there), -UK_EINVAL (not our address),
 * -UK_EEXIST (the 4-tuple is in use), -UK_EPERM (no CAP_NET_ADMIN),
 * -UK_ENOMEM, or another repair failure.
 */
int tcp_adopt_plan(const struct adopt_plan *p);

/* ---------------------------------------------------------------------
 * adopt.c -- a hand-over record as the TCP_REPAIR steps need it (pure)
 */

/*
 * Everything repair.c sets on the new socket.  Addresses and ports in
 * host byte order.
 */
struct adopt_plan {
	uint32_t lip, rip;
	uint16_t lport, rport;
	uint32_t snd_seq;    /* TCP_QUEUE_SEQ, send queue */
	uint32_t rcv_seq;    /* TCP_QUEUE_SEQ, receive queue */
	uint32_t mss;	     /* TCPOPT_MSS: the client's MSS */
	uint32_t wscale_opt; /* TCPOPT_WINDOW value */
	uint32_t snd_wnd;    /* the client's window, bytes */
	uint32_t snd_wl1;    /* seq that last updated it */
	int peer_fin;	     /* EOF after data (the FIN was acked) */
	const uint8_t *data; /* acked, unread client bytes */
	size_t dlen;
};

/* Largest data a uk_tcp_adopt record may carry (uk.h: 8192). */
#define ADOPT_DATA_MAX 8192

/*
 * TCP_REPAIR_OPTIONS' TCPOPT_WINDOW value: the kernel reads the scale it
 * applies to the peer's windows (snd_wscale) from the low 16 bits and the
 * one it applies to its own (rcv_wscale) from the high 16.  Without a
 * peer scale both are 0, which must still be said: connect() in repair
 * mode leaves rcv_wscale at whatever the kernel would have offered.
 */
uint32_t adopt_wscale_opt(int peer_wscale, int wscale);
/* Fills p from a Synjitsu record; NULL, or what is wrong with r. */
const char *adopt_from_synrec(const struct synrec *r, struct adopt_plan *p);
/* The same for uk_tcp_adopt()'s record. */
const char *adopt_from_rec(const struct uk_tcp_adopt *r, struct adopt_plan *p);

/* ---------------------------------------------------------------------
 * repair.c -- TCP_REPAIR
 */

/*
 * A connected, non-blocking socket in ESTABLISHED for p, its receive
 * queue holding p's data; nothing was sent but one window probe.
 * Returns the fd or a negative Linux errno.  On failure nothing reached
 * the wire (a socket closed in repair mode dies silently).
 */
int repair_open(const struct adopt_plan *p);

/* ---------------------------------------------------------------------
 * handover.c -- the hand-over line protocol with jitsud (pure)
 */

/*
 * On the process backend jitsud hands over on a unix stream socket:
 *   guest: "ready\n"
 *   jitsud: zero or more synrec lines, each ending in "\n",
 *           then "count N\n"
 *   guest: "adopted K\n" (K of the N records were adopted), closes.
 */
#define HANDOVER_LINE_MAX  SYNREC_LINE_MAX /* "\n" and NUL included */
#define HANDOVER_COUNT_MAX 100000

enum handover_kind {
	HANDOVER_RECORD, /* *r holds it */
	HANDOVER_COUNT,	 /* *count holds N */
	HANDOVER_BAD,	 /* *why says what is wrong */
};

struct handover_buf {
	char buf[HANDOVER_LINE_MAX];
	size_t len;
};

/*
 * Takes the first complete line out of b into line (NUL-terminated, the
 * "\n" removed).  1 if one was there, 0 if more bytes are needed, -1 if
 * b is full without a newline (a line too long: the stream cannot be
 * resynchronised).
 */
int handover_take(struct handover_buf *b, char *line, size_t size);
/* Classifies one line; *why is a static string for HANDOVER_BAD. */
enum handover_kind handover_parse(const char *line, struct synrec *r,
    unsigned long *count, const char **why);

/* ---------------------------------------------------------------------
 * synjitsu.c -- the hand-over conversation, from uk_ready()
 */

/*
 * uk_ready()'s hook.  If $JITSU_SYNJITSU_FD names a socket: says "ready",
 * adopts what jitsud sends, answers "adopted K", closes it.  Never waits
 * longer than a few seconds in all; a silent or broken peer is logged and
 * left.  Runs once; returns 0: uk_ready() writes the status after it.
 */
int synjitsu_handover(int *status_rc);

#endif /* SOCKPLAT_H */
