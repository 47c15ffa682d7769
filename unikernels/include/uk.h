/* uk.h -- the whole application API of the jitsud unikernel libOS */
#ifndef UK_H
#define UK_H

/*
 * A unikernel is one application linked with the libOS into a single
 * image.  The application defines uk_main(); everything it may call is
 * declared here and nowhere else.  The libOS runs one thread on one CPU
 * with interrupts off: nothing ever runs "behind the application's back".
 * Callbacks (timers, XenStore watches, shutdown requests) run only from
 * inside uk_poll(), on the application's own stack.
 *
 * An application builds for any of the platforms: a Xen guest, PVH
 * (NAME.pvh) or PV (NAME.pv), whose exceptions are all fatal (a register
 * dump on the console, then UK_CRASH), or a Linux process on a TAP device
 * (NAME.tap) or on the kernel's own sockets (NAME.unix).  Where a
 * contract differs, it says so ("on Xen", "on the unix platforms").
 *
 * Errors are returned as negative UK_E* numbers (the Linux errno values,
 * so XenStore's error names map one to one); there is no errno variable.
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define UK_EPERM     1
#define UK_ENOENT    2
#define UK_EIO	     5
#define UK_E2BIG     7
#define UK_EAGAIN    11
#define UK_ENOMEM    12
#define UK_EACCES    13
#define UK_EBUSY     16
#define UK_EEXIST    17
#define UK_EINVAL    22
#define UK_ENOSPC    28
#define UK_EROFS     30
#define UK_ENOSYS    38
#define UK_ENOTEMPTY 39
#define UK_EPROTO    71
#define UK_EBADMSG   74
#define UK_EISCONN   106
#define UK_ETIMEDOUT 110
#define UK_EDQUOT    122

#define UK_PRINTF(f, a) __attribute__((format(__printf__, f, a)))
#define UK_NORETURN	__attribute__((__noreturn__))

/*
 * The application's entry point, called once the console, the clock and
 * XenStore are up.  Returning is the same as calling uk_exit() with the
 * value returned.
 */
int uk_main(void);

/* ---------------------------------------------------------------------
 * Console
 */

/*
 * Writes len bytes to the console; "\n" goes out as "\r\n".  Blocks until
 * the bytes are in the console ring (the backend, xenconsoled, drains it);
 * output is never dropped unless the backend corrupted the ring.
 */
void uk_console_write(const char *buf, size_t len);

/* printf(3) to the console, formatted as by vsnprintf() below. */
int printf(const char *fmt, ...) UK_PRINTF(1, 2);
int vprintf(const char *fmt, va_list ap) UK_PRINTF(1, 0);

/*
 * C99 snprintf: writes at most size bytes including the terminating NUL
 * (always terminated when size > 0) and returns the length the whole
 * output would have had.  Conversions: %d %i %u %x %X %o %c %s %p %%, with
 * the flags - 0 + space #, a field width and a precision (both may be *),
 * and the length modifiers hh h l ll z t j.  %s of NULL prints "(null)".
 * There is no floating point.  Any other conversion is copied verbatim.
 */
int snprintf(char *buf, size_t size, const char *fmt, ...) UK_PRINTF(3, 4);
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
    UK_PRINTF(3, 0);

/* ---------------------------------------------------------------------
 * Freestanding C library subset: the ISO C contracts, nothing more.
 */
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
void *memchr(const void *s, int c, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);
/* BSD strlcpy: copies at most size - 1 bytes, returns strlen(src). */
size_t strlcpy(char *dst, const char *src, size_t size);
/*
 * strtoul(3): leading white space, an optional sign, base 0 (0x/0
 * prefixes), 2..36.  On overflow returns ULONG_MAX; there is no errno, so
 * callers that care compare *end with the string and range-check.
 */
unsigned long strtoul(const char *s, char **end, int base);

/* ---------------------------------------------------------------------
 * Time, timers and the event loop
 */

#define UK_USEC(n) ((uint64_t)(n)*1000ULL)
#define UK_MSEC(n) ((uint64_t)(n)*1000000ULL)
#define UK_SEC(n)  ((uint64_t)(n)*1000000000ULL)
#define UK_FOREVER UINT64_MAX

/*
 * Nanoseconds on a monotonic clock with an arbitrary origin (on Xen, the
 * hypervisor's system time).  Never goes backwards.
 */
uint64_t uk_now(void);

/*
 * Blocks for at least ns nanoseconds without running any callback; events
 * arriving meanwhile stay pending for the next uk_poll().
 */
void uk_sleep(uint64_t ns);

struct uk_timer;
typedef void uk_timer_fn(struct uk_timer *t, void *arg);

/* A one-shot timer.  The application owns the storage; fields are private. */
struct uk_timer {
	uint64_t deadline;
	uk_timer_fn *fn;
	void *arg;
	struct uk_timer *next;
	int state;
};

/* Prepares t; must be called once before the other uk_timer_ calls. */
void uk_timer_init(struct uk_timer *t, uk_timer_fn *fn, void *arg);
/*
 * (Re-)arms t to fire once at the absolute time deadline (uk_now() base).
 * Timers with equal deadlines fire in the order they were armed.  Safe to
 * call from any callback, including t's own.
 */
void uk_timer_arm(struct uk_timer *t, uint64_t deadline);
/* Disarms t; after this its callback does not run.  Safe on idle timers. */
void uk_timer_cancel(struct uk_timer *t);
/* Non-zero while t is armed and its callback has not started. */
int uk_timer_armed(const struct uk_timer *t);

/*
 * The event loop, one turn: waits until there is something to do or the
 * absolute time deadline passes, whichever is first, then runs every
 * callback that is ready (due timers, XenStore watch events, a shutdown
 * request).  Returns the number of callbacks run; 0 means the deadline
 * passed with nothing to do.  Callbacks may call anything in this header
 * except uk_poll() itself.
 */
int uk_poll(uint64_t deadline);

/* ---------------------------------------------------------------------
 * XenStore
 *
 * Paths without a leading '/' are relative to the domain's own home,
 * /local/domain/<domid>.  Each call is one synchronous request; it fails
 * with -UK_ETIMEDOUT if xenstored does not answer within 30 s, after which
 * XenStore stays unusable (-UK_EIO).  Other failures are XenStore's own
 * errors (-UK_ENOENT, -UK_EACCES, -UK_EINVAL, ...).
 *
 * A transaction groups reads and writes: they see, and change, a private
 * copy of the store, which uk_xs_transaction_end() commits atomically or
 * throws away.  The uk_xs_tx_* calls take the transaction's id; the plain
 * ones are the same with UK_XS_NOTX (outside any transaction).
 */

/* The transaction id of "no transaction". */
#define UK_XS_NOTX 0

/*
 * Reads path into buf as a NUL-terminated string and returns its length.
 * -UK_E2BIG if value and NUL do not fit in size (buf is left unspecified).
 */
int uk_xs_read(const char *path, char *buf, size_t size);
/* Creates or replaces path with the string value. */
int uk_xs_write(const char *path, const char *value);
/*
 * Writes paths[i] = values[i] for i < n, in that order, in one round
 * trip where the platform can (each request sent before the first reply
 * is read); not a transaction.  Returns the first error, or 0.
 */
int uk_xs_write_all(const char *const *paths, const char *const *values,
    size_t n);
/*
 * Reads paths[i] into bufs[i] (sizes[i] bytes) for i < n, in one round
 * trip where the platform can, and puts in rcs[i] what uk_xs_read would
 * have returned for it (a length, -UK_ENOENT, ...).  Returns 0, or
 * -UK_EIO when the connection failed (rcs then unspecified).
 */
int uk_xs_read_all(const char *const *paths, char *const *bufs,
    const size_t *sizes, int *rcs, size_t n);
/*
 * uk_xs_write, posted: sent, and not waited for.  What the synchronous
 * call would have returned lands in p->rc, with p->done set, once the
 * reply comes (taken by a later XenStore call or by uk_poll()); p may
 * be NULL, a failure is then only logged.  For what a boot tells
 * XenStore but need not wait on: a round trip saved.  Returns 0 once
 * sent (*p then pending, or already done where the platform answers at
 * once), or the error that kept it from being sent.
 */
struct uk_xs_post {
	int done;
	int rc;
};
int uk_xs_post_write(const char *path, const char *value, struct uk_xs_post *p);
/*
 * uk_xs_read, posted: the value lands in buf (size bytes, which must
 * stay valid until p->done) and p->rc is what uk_xs_read would have
 * returned.  For a read whose answer is wanted a little later: the
 * guest works on while xenstored gets round to it.
 */
int uk_xs_post_read(const char *path, char *buf, size_t size,
    struct uk_xs_post *p);
/*
 * Waits for a posted request's reply (at once if it came) and returns
 * p->rc; -UK_EIO if the connection failed first.
 */
int uk_xs_post_wait(struct uk_xs_post *p);
/* Removes path and everything below it. */
int uk_xs_rm(const char *path);
/*
 * Lists the children of path into buf as consecutive NUL-terminated names
 * and returns how many there are (0 for none).  Walk them with
 * `name += strlen(name) + 1`.  -UK_E2BIG if they do not fit in size.
 */
int uk_xs_directory(const char *path, char *buf, size_t size);

/*
 * Starts a transaction and puts its id (never UK_XS_NOTX) in *tx.  Every
 * transaction started must be ended: xenstored allows a domain only a
 * few open at once.  -UK_ENOSYS where the platform has no transactions
 * (unix).
 */
int uk_xs_transaction_start(uint32_t *tx);
/*
 * Ends transaction tx: commit non-zero applies all its writes at once,
 * 0 discards them.  The id is dead afterwards either way.  -UK_EAGAIN
 * if another write touched what the transaction read or wrote since it
 * started: nothing was applied, and the caller starts a new transaction
 * and does it all again (reads included).  -UK_EINVAL for UK_XS_NOTX,
 * -UK_ENOENT for an id xenstored does not know.
 */
int uk_xs_transaction_end(uint32_t tx, int commit);
/* uk_xs_read, _write, _rm and _directory inside transaction tx. */
int uk_xs_tx_read(uint32_t tx, const char *path, char *buf, size_t size);
int uk_xs_tx_write(uint32_t tx, const char *path, const char *value);
int uk_xs_tx_rm(uint32_t tx, const char *path);
int uk_xs_tx_directory(uint32_t tx, const char *path, char *buf, size_t size);

#define UK_XS_WATCH_PATH_MAX 256

struct uk_xs_watch;
/*
 * path is the node that changed: the watched node or one below it.  When
 * events had to be coalesced (more than the libOS queues, or a path longer
 * than UK_XS_WATCH_PATH_MAX) it is the watched path itself, so a callback
 * must re-read what it cares about rather than trust the path alone.
 */
typedef void uk_xs_watch_fn(struct uk_xs_watch *w, const char *path, void *arg);

/* A XenStore watch.  The application owns the storage; fields private. */
struct uk_xs_watch {
	char path[UK_XS_WATCH_PATH_MAX];
	uk_xs_watch_fn *fn;
	void *arg;
	struct uk_xs_watch *next;
	int lost;
};

/*
 * Starts watching path (and everything below it).  As with every XenStore
 * client, the callback fires once soon after registration, then on each
 * change.  w must stay valid until uk_xs_unwatch().
 */
int uk_xs_watch(struct uk_xs_watch *w, const char *path, uk_xs_watch_fn *fn,
    void *arg);
/* Stops the watch; its callback never runs again, even for queued events. */
int uk_xs_unwatch(struct uk_xs_watch *w);

/* ---------------------------------------------------------------------
 * Kernel command line (xl's extra=)
 */

/* The whole command line; "" when there is none.  Never NULL. */
const char *uk_cmdline(void);

/*
 * Looks up `key=value` (or a bare `key`, whose value is "") among the
 * blank-separated words of the command line.  Double quotes group blanks
 * into a word and are removed from the value.  The last occurrence wins.
 * Copies the value NUL-terminated into buf and returns its length;
 * -UK_ENOENT if key is absent, -UK_E2BIG if value and NUL exceed size.
 */
int uk_cmdline_get(const char *key, char *buf, size_t size);

/* ---------------------------------------------------------------------
 * Exit and shutdown
 */

enum uk_shutdown_reason {
	UK_POWEROFF, /* a normal end: the toolstack's on_poweroff applies */
	UK_REBOOT,   /* ask the toolstack to restart the domain */
	UK_CRASH,    /* an abnormal end: on_crash applies */
};

/*
 * Ends the unikernel: waits (at most 1 s) for the console backend to take
 * everything written, then asks the hypervisor to shut the domain down
 * for reason.  Never returns.
 */
void uk_shutdown(enum uk_shutdown_reason reason) UK_NORETURN;
/* uk_shutdown(UK_POWEROFF) for status 0, else prints it and UK_CRASH. */
void uk_exit(int status) UK_NORETURN;
/* Prints "uk: panic: " and the message, then uk_shutdown(UK_CRASH). */
void uk_panic(const char *fmt, ...) UK_PRINTF(1, 2) UK_NORETURN;

typedef void uk_shutdown_fn(enum uk_shutdown_reason reason, void *arg);
/*
 * When the toolstack asks the domain to stop (`xl shutdown`, `xl reboot`:
 * XenStore control/shutdown), the libOS acknowledges the request and, from
 * uk_poll(), calls fn, which should finish up and call uk_shutdown().
 * Without a handler (fn NULL, the default) the libOS itself calls
 * uk_shutdown() with the reason asked for.
 */
void uk_on_shutdown(uk_shutdown_fn *fn, void *arg);

/* ---------------------------------------------------------------------
 * Network interface (raw Ethernet frames)
 *
 * The first virtual NIC (on Xen: vif 0, netfront).  Frames carry no FCS;
 * checksums inside them must be complete (no offload is negotiated).  The
 * libOS's TCP/IP stack (next section) sits on top of these; an
 * application uses one or the other, never both.  unix-sock: the kernel
 * owns the NIC; uk_net_open, uk_net_send and uk_net_recv return
 * -UK_ENOSYS.
 */

#define UK_NET_MTU_FRAME 1514 /* largest frame, Ethernet header included */

struct uk_netinfo {
	uint8_t mac[6]; /* the address the toolstack gave the NIC */
};

/*
 * Connects the NIC to its backend and fills info.  Blocks until the
 * backend is connected, at most 60 s (-UK_ETIMEDOUT); -UK_ENOENT if the
 * domain has no NIC.  Call once, before the other uk_net_ calls, and not
 * from a callback: it waits inside uk_poll(), so timers and XenStore
 * watches set up before it may run meanwhile.
 */
int uk_net_open(struct uk_netinfo *info);
/*
 * Queues one frame of 14..UK_NET_MTU_FRAME bytes; the bytes are copied, so
 * frame may be reused at once.  -UK_EAGAIN when every transmit buffer is
 * in flight (uk_poll() and retry), -UK_EINVAL for a bad length.
 */
int uk_net_send(const void *frame, size_t len);
/*
 * Takes one received frame into buf and returns its length; -UK_EAGAIN if
 * none is waiting.  A frame longer than size is dropped (-UK_E2BIG).
 * uk_poll() returns (counting it as a callback) while frames are waiting,
 * so an event loop calls uk_net_recv() until -UK_EAGAIN after each turn.
 */
int uk_net_recv(void *buf, size_t size);

/* ---------------------------------------------------------------------
 * TCP/IP: the libOS's own stack on the NIC above
 *
 * IPv4 addresses and ports are host byte order (UK_IPV4(10,0,0,1)).
 * Everything is non-blocking: calls return -UK_EAGAIN where a socket
 * call would block, and the stack tells the application when to try
 * again through a callback, which like every callback runs only from
 * inside uk_poll().  A callback gets the readiness the handle has *now*
 * (UK_NET_* bits) and may be called when nothing new happened; it should
 * read and write until -UK_EAGAIN.  Memory is a fixed pool: a bounded
 * number of connections (64), each with a 16 KiB send and an 8 KiB
 * receive buffer; a SYN flood recycles half-open slots only.
 *
 * unix-sock: these calls are the kernel's TCP/IP on non-blocking sockets
 * (one epoll set, inside uk_poll()).  The kernel's buffers and its
 * connection count apply instead of the pool; the limits of 4 listeners
 * and 4 UDP sockets hold, and listeners bind to jitsu.ip only.
 */

#define UK_EPIPE	32
#define UK_EMSGSIZE	90
#define UK_EADDRINUSE	98
#define UK_ECONNRESET	104
#define UK_ECONNREFUSED 111
#define UK_EHOSTUNREACH 113

#define UK_IPV4(a, b, c, d)                                               \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | \
	    (uint32_t)(d))

#define UK_NET_READ   0x01 /* data, EOF or an error to read */
#define UK_NET_WRITE  0x02 /* room in the send buffer, or an error */
#define UK_NET_ACCEPT 0x04 /* a connection waits in uk_tcp_accept */

struct uk_ipinfo {
	uint8_t mac[6];
	uint32_t ip;
	uint32_t mask;
	uint32_t gw;   /* 0: none */
	char name[64]; /* jitsu.name, "" if none */
};

/*
 * Opens the NIC (uk_net_open), configures the interface from the command
 * line keys jitsud passes -- jitsu.ip=A.B.C.D/N (required; /N defaults to
 * 24), jitsu.gw=A.B.C.D and jitsu.name=NAME (both optional) -- announces
 * the address with a gratuitous ARP and from then on runs the stack from
 * uk_poll().  Fills info if not NULL.  -UK_EINVAL for a missing or
 * malformed jitsu.ip or jitsu.gw; otherwise uk_net_open's errors.  After
 * it, the application must not call uk_net_send/uk_net_recv itself.
 *
 * If jitsud has connections to hand over (see uk_ready), the stack is
 * quiet until they are adopted: it sends nothing the application's own
 * sockets do not -- no gratuitous ARP, no ARP or echo reply, no SYN-ACK,
 * no RST to a segment it does not know -- so that the bridge keeps
 * sending our clients to jitsud.  All the application may notice is
 * that its listeners take no new client (a SYN goes unanswered, the
 * client retries) until the hand-over is over.
 *
 * unix-sock: configures nothing (jitsud's process backend set eth0 up
 * before exec) and has no quiet.  It reads and checks the same keys,
 * taking those absent from the command line from $JITSU_IP (a /24),
 * $JITSU_GW and $JITSU_NAME, which is how the process backend passes
 * them; info's MAC is that of the interface holding the address, and
 * -UK_ENOENT if no interface holds it.
 */
int uk_ip_up(struct uk_ipinfo *info);
/* Parses dotted-quad "A.B.C.D" (all of s) into *ip; -UK_EINVAL if not. */
int uk_ip_parse(const char *s, uint32_t *ip);

struct uk_tcp;		/* a connection */
struct uk_tcp_listener; /* a listening port */
typedef void uk_tcp_fn(struct uk_tcp *c, int events, void *arg);
typedef void uk_tcp_accept_fn(struct uk_tcp_listener *l, void *arg);

/*
 * Listens on port.  backlog bounds the connections that are half-open or
 * established but not yet accepted (1..64); SYNs beyond it are dropped
 * (the client retries).  fn runs when connections wait to be accepted.
 * -UK_EADDRINUSE if port already listens, -UK_ENOSPC if 4 ports do.
 */
int uk_tcp_listen(uint16_t port, int backlog, uk_tcp_accept_fn *fn, void *arg,
    struct uk_tcp_listener **lp);
/* Stops listening; connections not yet accepted are reset. */
void uk_tcp_unlisten(struct uk_tcp_listener *l);
/*
 * Takes the oldest established connection waiting on l, which from now
 * on reports to fn; NULL if none waits.  fn is called soon with the
 * connection's readiness (the client may already have sent data).
 */
struct uk_tcp *uk_tcp_accept(struct uk_tcp_listener *l, uk_tcp_fn *fn,
    void *arg);
/*
 * Starts an active open to ip:port from an ephemeral port; fn is called
 * with UK_NET_WRITE once established, or with an error to read
 * (-UK_ECONNREFUSED, -UK_ETIMEDOUT after about 30 s).  -UK_ENOSPC if the
 * pool is full.
 */
int uk_tcp_connect(uint32_t ip, uint16_t port, uk_tcp_fn *fn, void *arg,
    struct uk_tcp **cp);
/*
 * Reads up to len bytes: the number read, 0 at end of stream (the peer
 * closed), -UK_EAGAIN if nothing is there yet, or the connection's error
 * (-UK_ECONNRESET, -UK_ETIMEDOUT, -UK_ECONNREFUSED).
 */
long uk_tcp_read(struct uk_tcp *c, void *buf, size_t len);
/*
 * Queues up to len bytes for sending and returns how many it took (maybe
 * fewer than len: wait for UK_NET_WRITE), -UK_EAGAIN if the send buffer
 * is full or the connection not yet established, -UK_EPIPE after the
 * peer's close, or the connection's error.
 */
long uk_tcp_write(struct uk_tcp *c, const void *buf, size_t len);
/*
 * Closes c: queued data is still delivered, then a FIN; if received data
 * was left unread the connection is reset instead.  c is invalid after.
 */
void uk_tcp_close(struct uk_tcp *c);
/* The peer's address and port. */
void uk_tcp_peer(const struct uk_tcp *c, uint32_t *ip, uint16_t *port);

/*
 * A connection whose handshake someone else completed (Synjitsu, in
 * jitsud) while this unikernel was booting, recorded as the client saw
 * it.  Addresses and ports as seen from this unikernel (local = ours).
 */
struct uk_tcp_adopt {
	uint32_t rip, lip; /* remote (client), local address */
	uint16_t rport, lport;
	uint32_t iss;	     /* our ISN as sent in the SYN-ACK */
	uint32_t irs;	     /* the client's ISN */
	uint32_t snd_nxt;    /* next seq we send: iss + 1 */
	uint32_t rcv_nxt;    /* next seq expected: irs + 1 + dlen */
	uint16_t mss;	     /* the client's MSS option, 0 = none */
	int snd_shift;	     /* client's window scale, -1 = none */
	int rcv_shift;	     /* ours as offered in the SYN-ACK */
	uint32_t snd_wnd;    /* client's last window, unscaled */
	const uint8_t *data; /* bytes the client sent, acked */
	size_t dlen;	     /* at most 8192 */
	int fin;	     /* 1: the client's FIN followed them
					   (acked; rcv_nxt counts it) */
	uint32_t hop;	     /* next hop toward rip as the recorder
					   saw it, 0 = not known */
	uint8_t hop_mac[6];  /* hop's MAC (unicast) if hop != 0 */
};

/*
 * Installs rec as an ESTABLISHED connection waiting on the listener of
 * rec->lport (whose accept callback runs), with rec's bytes ready to
 * read, then end of stream if rec->fin.  Nothing is sent: the client
 * hears from us when the application writes.  -UK_EINVAL if the record
 * is inconsistent (wrong local address, snd_nxt != iss + 1, rcv_nxt !=
 * irs + 1 + dlen + fin, too much data), -UK_ENOENT if nothing listens on
 * lport, -UK_EEXIST if the 4-tuple is in use, -UK_ENOSPC if the pool is
 * full.  uk_ready() adopts jitsud's connections itself (see there).
 * A hop that is this stack's own next hop toward rip goes into its ARP
 * cache, so that the first reply needs no ARP round trip (the client
 * asked the recorder, not us); any other hop is ignored.
 * unix-sock: the kernel rebuilds the connection with TCP_REPAIR, which
 * needs CAP_NET_ADMIN (-UK_EPERM without it); the host's neighbour
 * table is the kernel's, and the hop is ignored.
 */
int uk_tcp_adopt(const struct uk_tcp_adopt *rec);

struct uk_udp;
typedef void uk_udp_fn(struct uk_udp *u, void *arg);

/*
 * Binds UDP port; fn runs when datagrams wait (4 are queued at most,
 * more are dropped).  -UK_EADDRINUSE, -UK_ENOSPC (4 sockets).
 */
int uk_udp_bind(uint16_t port, uk_udp_fn *fn, void *arg, struct uk_udp **up);
/*
 * Sends one datagram of at most 1472 bytes (-UK_EMSGSIZE); 0 once handed
 * to the NIC or queued for ARP, -UK_EHOSTUNREACH without a route,
 * -UK_EAGAIN when the NIC's transmit ring is full (UDP has no "ready to
 * write" event: drop it or retry from a timer).  As on any network, 0 is
 * no promise of delivery: while the next hop's address is being resolved
 * only the first two datagrams to it are held; later ones are dropped
 * (and counted).
 */
int uk_udp_sendto(struct uk_udp *u, const void *buf, size_t len, uint32_t ip,
    uint16_t port);
/*
 * Takes the oldest datagram: its length (cut to len), the sender into
 * ip/port if not NULL; -UK_EAGAIN if none.
 */
int uk_udp_recvfrom(struct uk_udp *u, void *buf, size_t len, uint32_t *ip,
    uint16_t *port);
void uk_udp_close(struct uk_udp *u);

/* ---------------------------------------------------------------------
 * vchan: shared-memory byte streams to another domain (Xen only)
 *
 * Wire-compatible with Xen's libxenvchan: a Dom0 program calling
 * libxenvchan_client_init(logger, <our domid>, <path>) reaches a vchan
 * offered here, and the reverse roles are the same protocol.  A vchan is
 * two rings in pages granted to the peer domain, one event channel, and
 * two XenStore keys under a path: ring-ref and event-channel.  How the
 * two domains agree on the path is the caller's business.
 *
 * Non-blocking, in the event loop, as TCP above: calls return -UK_EAGAIN
 * where they would block, and fn runs from uk_poll() with UK_NET_READ
 * (data, end of stream or an error to read) and UK_NET_WRITE (room; also
 * once when the client connects) after such a call.  At most 4 vchans
 * at once, rings of at most 64 KiB.  A server's vchan gives its slot
 * back once closed and unmapped by its client (which libxenvchan does
 * on close, and Xen when the client domain dies); until then the slot
 * waits, and later calls take it back.  So a server may offer any
 * number of vchans in its life.  A client's slot is never given back
 * (the server's pages were mapped over its memory): at most 4 client
 * vchans in the life of the domain.  The unix platforms do not have it.
 */

struct uk_vchan;
typedef void uk_vchan_fn(struct uk_vchan *c, int events, void *arg);

/*
 * Offers a vchan to domain peer, as libxenvchan_server_init does: rings
 * of at least read_min bytes (peer to us) and write_min (us to peer),
 * granted to peer, an event channel peer may bind, and path/ring-ref and
 * path/event-channel written in one transaction, owned by us, readable
 * by peer and no other domain.  path may be relative to the domain's
 * home (data/... is ours to write).  We may write before the client is
 * there.  -UK_EINVAL for rings over 64 KiB or a path over 96 bytes,
 * -UK_ENOSPC when no slot is free (above), else the grant's, the event
 * channel's or XenStore's error.
 */
int uk_vchan_server(uint16_t peer, const char *path, size_t read_min,
    size_t write_min, uk_vchan_fn *fn, void *arg, struct uk_vchan **cp);
/*
 * Connects to the vchan domain peer offers at path, as
 * libxenvchan_client_init does: maps its pages, binds its event channel
 * and tells it we are there.  -UK_ENOENT while path/ring-ref or
 * path/event-channel does not exist (watch path and try again),
 * -UK_EPROTO for a page no libxenvchan server would lay out, -UK_E2BIG
 * for rings over 64 KiB, -UK_EACCES if Xen refuses a grant, -UK_ENOSPC
 * when no slot is free, else XenStore's or Xen's error.
 */
int uk_vchan_client(uint16_t peer, const char *path, uk_vchan_fn *fn, void *arg,
    struct uk_vchan **cp);
/*
 * Reads up to len bytes: the number read, 0 at end of stream (the peer
 * closed and everything it wrote was read), -UK_EAGAIN if nothing is
 * there yet, -UK_EPROTO once the peer corrupted the shared page.
 */
long uk_vchan_read(struct uk_vchan *c, void *buf, size_t len);
/*
 * Copies up to len bytes into the ring and returns how many (maybe fewer
 * than len: wait for UK_NET_WRITE), -UK_EAGAIN if the ring is full,
 * -UK_EPIPE once the peer closed, -UK_EPROTO as for uk_vchan_read.
 */
long uk_vchan_write(struct uk_vchan *c, const void *buf, size_t len);
/*
 * Closes our side (the peer still reads what we wrote), signals the
 * peer and closes the event channel; a server also removes path and
 * ends its grants (above).  c is invalid after; fn never runs again.
 */
void uk_vchan_close(struct uk_vchan *c);

/* ---------------------------------------------------------------------
 * conduit: vchans to other domains by name, brokered by jitsud (Xen;
 * the unix targets have a local stand-in, below)
 *
 * The domain side of conduit(7).  A name is a domain name of a zone
 * jitsud serves (letters, digits, hyphens and dots, at most 253
 * characters, a final dot and case ignored).  A server listens on names
 * and accepts the channels jitsud offers it; a client connects to a name
 * and jitsud summons its server if need be.  The channel is a vchan
 * (above): the server's end counts against the vchans above; so does
 * the client's.  Everything runs in the event loop: fn is called from
 * uk_poll() as for a vchan (UK_NET_READ: data, end of stream or an error
 * to read; UK_NET_WRITE: room, or an error), and calls never block.
 * Every value read from XenStore is checked; a bad one is logged and
 * ignored (server) or ends the request with -UK_EPROTO (client).
 *
 * At most 8 conduits at once (both roles, open or pending) and 4 names
 * listened on.
 *
 * unix-sock and unix-tap: the same calls over unix stream sockets, so
 * that an app runs unchanged as a process: a server of NAME listens on
 * $JITSU_CONDUIT_DIR/NAME (NAME canonical; a socket file nobody accepts
 * on is replaced), a client connects there; no broker, and the client's
 * domain is 0.  Without $JITSU_CONDUIT_DIR, listen and connect return
 * -UK_ENOSYS; a missing socket is -UK_ENOENT and one nobody listens on
 * -UK_ECONNREFUSED, reported to fn as on Xen.  A process of one target
 * reaches a server of the other: the transport is the same.
 */

/* conduit(7)'s refusals, as the errors a client's read returns. */
#define UK_ELOOP	40  /* "self": the name is our own */
#define UK_ENOBUFS	105 /* our own table of conduits is full */
#define UK_ECONNABORTED 103 /* "ok", but its vchan could not be connected */

struct uk_conduit;
typedef void uk_conduit_fn(struct uk_conduit *c, int events, void *arg);
/*
 * A new channel on a name we listen on: client is the client's domain
 * (0 for a Dom0 program), name the name it asked for (lower case).  c
 * reports to the listener's fn with the listener's arg until
 * uk_conduit_set_arg(); the client may already have written.
 */
typedef void uk_conduit_accept_fn(struct uk_conduit *c, unsigned int client,
    const char *name, void *arg);

/*
 * Serves name: from the first call on, jitsud's offers for our names
 * (XenStore /jitsu/conduit/dom/<domid>/accept) are taken as vchan
 * servers with rings of 64 KiB each way, and accept_fn runs for each;
 * offers for a name we do not serve, or that we cannot take (no vchan
 * left), are declined (their path removed, which jitsud answers with
 * "refused" to the client).  When jitsud removes an offer (the client
 * ended the channel or went away), the conduit sees end of stream once
 * its data is read, and writes fail with -UK_EPIPE; the application then
 * closes it.  -UK_EINVAL for a malformed name, -UK_EADDRINUSE if we
 * listen on it already, -UK_ENOSPC beyond 4 names, else XenStore's
 * error for the watch.
 */
int uk_conduit_listen(const char *name, uk_conduit_accept_fn *accept_fn,
    uk_conduit_fn *fn, void *arg);

/*
 * Asks jitsud for a channel to name's server (request data/conduit/ID
 * with a fresh ID, watching our reply).  fn then runs with UK_NET_WRITE
 * once the vchan is connected, or with an error to read, which
 * uk_conduit_read and uk_conduit_write return from then on:
 *   jitsud's "error malformed"   -UK_EINVAL
 *             "error unknown"     -UK_ENOENT (no zone serves name)
 *             "error self"        -UK_ELOOP
 *             "error limit"       -UK_EDQUOT
 *             "error unavailable" -UK_EHOSTUNREACH
 *             "error timeout"     -UK_ETIMEDOUT
 *             "error refused"     -UK_ECONNREFUSED
 *   a reply that is none of conduit(7)'s      -UK_EPROTO
 *   "ok" but its vchan cannot be connected    -UK_ECONNABORTED
 * jitsud's "closed" is the end of the stream (reads drain what is left,
 * then 0; writes -UK_EPIPE).  Returns -UK_EINVAL for a malformed name,
 * -UK_ENOBUFS when 8 conduits are in use, else XenStore's error (no
 * conduit is made then).
 */
int uk_conduit_connect(const char *name, uk_conduit_fn *fn, void *arg,
    struct uk_conduit **cp);

/* As uk_vchan_read/uk_vchan_write, plus the errors above; -UK_EAGAIN
 * while a client's request is pending. */
long uk_conduit_read(struct uk_conduit *c, void *buf, size_t len);
long uk_conduit_write(struct uk_conduit *c, const void *buf, size_t len);
/* What fn gets as arg from now on. */
void uk_conduit_set_arg(struct uk_conduit *c, void *arg);
/*
 * Ends the channel: closes our vchan (the peer still reads what we
 * wrote); a client removes its request, a server the channel's path,
 * which is how each tells jitsud.  c is invalid after; fn never runs
 * again.
 */
void uk_conduit_close(struct uk_conduit *c);

/* ---------------------------------------------------------------------
 * Readiness
 */

/*
 * Tells the toolstack the application is serving: writes "ready" to the
 * domain's XenStore data/status, which jitsud watches.  (On the unix
 * platforms that write reaches jitsud through JITSU_READY_FD.)  Call it
 * once the listeners are up.
 *
 * Synjitsu: if jitsud answered TCP handshakes for this unikernel while it
 * booted (it then created data/synjitsu before the domain ran), uk_ready
 * also starts the hand-over of those connections.  Later, from uk_poll(),
 * each is adopted as by uk_tcp_adopt -- the listener's accept callback
 * runs and the client's first bytes are there to read -- and then the
 * stack ends its quiet (uk_ip_up) and announces the address.  A record
 * the stack refuses is logged and skipped.  If the hand-over does not
 * come (no uk_ready within 30 s of uk_ip_up, or no connections from
 * jitsud 10 s after it), the unikernel logs it and announces itself
 * without them.  The return value is data/status's write.
 *
 * unix-sock: the hand-over comes on the unix stream socket named by
 * $JITSU_SYNJITSU_FD, and uk_ready finishes it before it returns: after
 * data/status it writes "ready\n" there, adopts each record line jitsud
 * sends (lib/synrec.h) until "count N\n", answers "adopted K\n" (K of
 * the N were adopted) and waits for jitsud to close its end (it plugs
 * the guest's network in first).  It waits at most 2 s for any one step
 * and 10 s in all, then logs and goes on without the rest.
 */
int uk_ready(void);

#endif /* UK_H */
