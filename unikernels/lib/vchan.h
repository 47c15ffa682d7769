/* vchan.h -- libxenvchan's shared page and byte rings, wire-compatible */
#ifndef VCHAN_H
#define VCHAN_H

#include <stddef.h>
#include <stdint.h>

/*
 * A vchan is two byte streams between a server and a client domain, each
 * a ring of 2^order bytes, described by one shared page the server grants
 * to the client.  This is the layout Xen's libxenvchan uses (the public
 * header xen/io/libxenvchan.h, which the freestanding build cannot
 * include: it pulls in <sys/types.h>); tests/unit/test_vchan_xen.c checks
 * every offset against that header and runs stock libxenvchan against
 * this code.  The page, in order:
 *
 *   left  {cons, prod}   the client writes, the server reads
 *   right {cons, prod}   the server writes, the client reads
 *   left_order, right_order
 *   cli_live, srv_live   VCHAN_CLOSED, VCHAN_OPEN, VCHAN_WAITING
 *   cli_notify           what the client must signal (VCHAN_ON_*)
 *   srv_notify           what the server must signal
 *   grants[]             the rings' own pages, if any: left's, then right's
 *
 * A ring of order 10 lives in the shared page at offset 1024, order 11 at
 * 2048; orders 12..20 have pages of their own, granted separately and
 * listed in grants[].  Indices run freely and wrap at 2^32.  Each side
 * writes only its own index of each ring and the other side's notify
 * byte (to ask for a signal) and its own (to take the request).
 *
 * This file and vchan.c are pure: no grants, event channels or XenStore.
 * The platform glue grants or maps the pages and sends the event a
 * read or write says the peer asked for.
 */

#define VCHAN_ON_WRITE 0x1 /* signal the peer when data was written */
#define VCHAN_ON_READ  0x2 /* signal the peer when data was consumed */

#define VCHAN_CLOSED  0 /* that side has gone */
#define VCHAN_OPEN    1 /* that side is connected */
#define VCHAN_WAITING 2 /* the client has not connected yet */

#define VCHAN_PAGE	4096
#define VCHAN_ORDER_MIN 10 /* in the shared page at 1024 */
#define VCHAN_ORDER_MID 11 /* in the shared page at 2048 */
#define VCHAN_ORDER_MAX 20 /* 256 pages of grants, 1 MiB */
#define VCHAN_RING_MAX	(1u << VCHAN_ORDER_MAX)

struct vchan_idx {
	uint32_t cons, prod;
};

struct vchan_page {
	struct vchan_idx left, right;
	uint16_t left_order, right_order;
	uint8_t cli_live, srv_live;
	uint8_t cli_notify, srv_notify;
	uint32_t grants[];
};

/* One direction as one side sees it.  Fields private to vchan.c. */
struct vchan_ring {
	struct vchan_idx *idx; /* in the shared page */
	char *buf;
	uint32_t size;
	uint32_t mine; /* our own index (rd: cons, wr: prod), kept here */
};

/* One end of a vchan.  Fields private to vchan.c. */
struct vchan {
	struct vchan_page *page;
	struct vchan_ring rd, wr;
	int server;
	int broken; /* the peer wrote impossible indices (callers may read) */
};

/*
 * The orders libxenvchan's server picks for rings of at least left_min
 * and right_min bytes: the in-page rings (10 and 11) whenever the sizes
 * allow, else the smallest number of pages.  -UK_EINVAL over 1 MiB.
 */
int vchan_orders(size_t left_min, size_t right_min, unsigned int *left,
    unsigned int *right);
/* Pages a ring of order needs besides the shared page (0: inside it). */
unsigned int vchan_ring_pages(unsigned int order);

/*
 * Server side: lays the shared page out for rings of left_order and
 * right_order (as vchan_orders gives them, or any pair vchan_check
 * accepts): zeroed, the client not yet connected, and asked to signal
 * its first write.  left_buf and right_buf are the rings' own pages for
 * orders of 12 and over (contiguous here), ignored otherwise.  The
 * caller then fills page->grants with their grant references, left's
 * pages first, and grants the page.  -UK_EINVAL for a bad pair of orders.
 */
int vchan_server_init(struct vchan *v, struct vchan_page *page,
    unsigned int left_order, unsigned int right_order, void *left_buf,
    void *right_buf);

/*
 * Client side, step one: reads the orders the server wrote in page
 * (once: the server may change them later) into *left_order and
 * *right_order and checks them: 10..20 each, the in-page rings apart,
 * and grants[] clear of them.  Returns the number of grants to map from
 * page->grants (left's first), or -UK_EPROTO for a page no libxenvchan
 * server would write.
 */
int vchan_check(const struct vchan_page *page, unsigned int *left_order,
    unsigned int *right_order);
/*
 * Client side, step two: with the orders vchan_check returned and the
 * mapped ring pages (as for vchan_server_init), starts from the indices
 * the server left (it may have written already) and declares the client
 * connected, asking the server to signal its writes.  The caller then
 * signals the server once, as libxenvchan's client does.
 */
void vchan_client_init(struct vchan *v, struct vchan_page *page,
    unsigned int left_order, unsigned int right_order, void *left_buf,
    void *right_buf);

/*
 * Copies up to len bytes out of the incoming ring and returns how many:
 * fewer than len when fewer were there, 0 when the ring is empty (then
 * the peer has been asked to signal its next write).  -UK_EPROTO once
 * the peer wrote impossible indices: the vchan is unusable from then on.
 * *kick is set non-zero when the peer asked to be signalled: the caller
 * sends it an event.
 */
long vchan_read(struct vchan *v, void *dst, size_t len, int *kick);
/*
 * Copies up to len bytes into the outgoing ring and returns how many: a
 * partial write when the ring has less room (then the peer has been
 * asked to signal when it reads), 0 when it is full.  -UK_EPROTO and
 * *kick as for vchan_read.
 */
long vchan_write(struct vchan *v, const void *src, size_t len, int *kick);

/*
 * Bytes waiting to be read, and room to write; either asks the peer to
 * signal when it changes (as libxenvchan's data_ready and buffer_space
 * do).  0 once broken.
 */
uint32_t vchan_data_ready(struct vchan *v);
uint32_t vchan_space(struct vchan *v);

/*
 * The peer's VCHAN_CLOSED, VCHAN_OPEN or VCHAN_WAITING.  A peer closes
 * after its last write, so the end of the stream is: VCHAN_CLOSED here,
 * and *then* a vchan_read that finds nothing.
 */
int vchan_peer_state(const struct vchan *v);
/*
 * Declares our side closed; the caller then signals the peer.  Unread
 * data stays readable by the peer.
 */
void vchan_close(struct vchan *v);

#endif /* VCHAN_H */
