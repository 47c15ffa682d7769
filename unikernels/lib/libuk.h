/* libuk.h -- libOS internals: pure helpers and the platform seam */
#ifndef LIBUK_H
#define LIBUK_H

#include "uk.h"

/*
 * The platform seam.  A platform implements these, plus the uk.h
 * functions that touch hardware: uk_console_write, uk_now, uk_sleep,
 * uk_shutdown, uk_xs_*, uk_on_shutdown.  On Xen that is platform/xen's
 * drivers over a boot binding, xen-pvh or xen-pv; on Linux, unix-tap or
 * unix-sock.  Everything under lib/ is portable and only calls through
 * here.
 */

/* The kernel command line, "" if none.  Never NULL. */
const char *plat_cmdline(void);
/*
 * Runs every I/O handler that has work (XenStore watch events, shutdown
 * requests, ...) without blocking; returns the number of callbacks run.
 */
int plat_dispatch(void);
/*
 * Blocks until an event may have arrived for an I/O handler, or deadline
 * (uk_now() base) passes.  May return early; callers loop.
 */
void plat_wait(uint64_t deadline);

/* ring.c -- byte rings with free-running 32-bit indices */

/*
 * The rings Xen shares with backends (console, XenStore) are byte arrays
 * of a power-of-two size with producer and consumer indices that only
 * ever increase and wrap at 2^32.  These copy in and out of such a ring
 * given index values the caller has read (and will publish) with the
 * right barriers.  They return the number of bytes moved, or -1 when the
 * indices are impossible (more than size bytes in flight): the peer is
 * broken or hostile and the ring must not be touched again.
 */
int ring_write(char *ring, uint32_t size, uint32_t prod, uint32_t cons,
    const void *src, size_t len);
int ring_read(const char *ring, uint32_t size, uint32_t prod, uint32_t cons,
    void *dst, size_t len);

/* cmdline.c */

/* uk_cmdline_get() on an explicit command line (the pure part). */
int cmdline_find(const char *line, const char *key, char *buf, size_t size);
/* A MAC address as XenStore and the command line write it, into 6 bytes;
 * -UK_EINVAL if malformed. */
int mac_parse(const char *s, uint8_t mac[6]);
/*
 * A vif connected ahead as jitsud names it on the command line
 * (jitsu.vif=MAC,BACKEND,TXREF,RXREF,TXPORT,RXPORT: decimal numbers,
 * the MAC as mac_parse takes it); 0, or -UK_EINVAL if malformed.
 */
struct vif_arg {
	uint8_t mac[6];
	unsigned long backend, tx_ref, rx_ref, tx_port, rx_port;
};
int vif_arg_parse(const char *s, struct vif_arg *v);

/* timer.c */

/* Runs the callbacks of timers due at now; returns how many ran. */
int timer_run_due(uint64_t now);
/* The earliest armed deadline, UK_FOREVER if none. */
uint64_t timer_next(void);

/* poll.c */

/*
 * A hook that uk_poll() runs on every turn, after the platform's I/O
 * handlers and before the timers: the network stack (lib/net/stack.c)
 * drains the NIC and runs socket callbacks there.  It returns how many
 * application callbacks it ran.  One hook; NULL removes it.
 */
typedef int poll_hook_fn(void);
void poll_set_hook(poll_hook_fn *fn);
/*
 * What the libOS says of itself when an operator asks (on Xen, `xl
 * sysrq DOMAIN n'): the time, the next timer, then the dump function
 * the stack set (its counters and state).  One; NULL removes it.
 */
typedef void poll_dump_fn(void);
void poll_set_dump(poll_dump_fn *fn);
void poll_dump(void);

/* ready.c */

/*
 * A hook uk_ready() runs first: the Synjitsu hand-over starts there.
 * One that writes data/status itself (with its own request, in one
 * round trip) returns 1 and that write's result in *status_rc; else 0,
 * and uk_ready() writes it.  One hook; NULL removes it.
 */
typedef int ready_hook_fn(int *status_rc);
/* What uk_ready() writes, and where: jitsud watches it for exactly this. */
#define UK_READY_PATH  "data/status"
#define UK_READY_VALUE "ready"
void ready_set_hook(ready_hook_fn *fn);

/* synjitsu.c -- the guest side of the Synjitsu hand-over */

/*
 * Called by uk_ip_up() before it opens the NIC (its XenStore round trips
 * then overlap the backend's setup, which the NIC's handshake waits for
 * anyway), so before the stack sends its first frame: 1 if jitsud
 * prepared a hand-over (data/synjitsu exists), else 0.  On 1 it has
 * asked for the connections already, and the stack must stay quiet
 * until synjitsu.c calls stack_release(), which it does once the
 * connections are adopted (at uk_ready(), through ready_set_hook, or
 * when they come after it) or it gave up waiting for them.
 */
int synjitsu_expect(void);
/* The NIC is up (uk_ip_up): the records are asked for, not waited for. */
void synjitsu_nic_up(void);
/* Whether the hand-over synjitsu_expect() announced is still on. */
int synjitsu_holding(void);

/* lib/net/stack.c -- for synjitsu.c */

/* Ends the stack's quiet and sends the gratuitous ARP it held back. */
void stack_release(void);

#endif /* LIBUK_H */
