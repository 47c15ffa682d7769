/* vchan.c -- libxenvchan's shared rings: layout, reads, writes, signals */
#include "libuk.h"
#include "vchan.h"

/*
 * The barriers.  Each side publishes its index with a release store after
 * touching the data, and reads the peer's with an acquire load before
 * touching it: a reader never sees bytes older than the producer index
 * that covers them, a writer never overwrites bytes the consumer index
 * has not yet freed.
 *
 * Signals need more.  A reader that finds too little data asks the writer
 * to signal (sets VCHAN_ON_WRITE in the writer's notify byte), then
 * looks at the producer index again; a writer publishes its index, then
 * takes the request from its notify byte and, if it was there, sends an
 * event.  Each side stores one location and then loads the other, so a
 * full fence must stand between the two on both sides; then at least one
 * of them sees the other's store: the reader finds the data, or the
 * writer finds the request.  Without it both may miss, and a reader
 * sleeping for the event sleeps forever.  The same holds for a writer
 * waiting for room (VCHAN_ON_READ).  libxenvchan puts its fences at the
 * same places, which is what makes mixing the two sides safe.
 */

static uint32_t
vchan_load(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static void
vchan_store(uint32_t *p, uint32_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

/* Asks the peer to signal bit; the caller looks at the index again. */
static void
vchan_request(struct vchan *v, uint8_t bit)
{
	uint8_t *b = v->server ? &v->page->cli_notify : &v->page->srv_notify;

	(void)__atomic_fetch_or(b, bit, __ATOMIC_SEQ_CST);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/* Takes the peer's request for bit, after our index was published. */
static int
vchan_owed(struct vchan *v, uint8_t bit)
{
	uint8_t *b = v->server ? &v->page->srv_notify : &v->page->cli_notify;

	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return (__atomic_fetch_and(b, (uint8_t)~bit, __ATOMIC_SEQ_CST) & bit) !=
	    0;
}

static int
vchan_broke(struct vchan *v)
{
	v->broken = 1;
	return -UK_EPROTO;
}

unsigned int
vchan_ring_pages(unsigned int order)
{
	return order < 12 ? 0 : 1u << (order - 12);
}

static unsigned int
vchan_min_order(size_t min)
{
	unsigned int order = 12;

	while (min > (size_t)1 << order)
		order++;
	return order;
}

int
vchan_orders(size_t left_min, size_t right_min, unsigned int *left,
    unsigned int *right)
{
	size_t small = 1u << VCHAN_ORDER_MIN, large = 1u << VCHAN_ORDER_MID;

	if (left_min > VCHAN_RING_MAX || right_min > VCHAN_RING_MAX)
		return -UK_EINVAL;
	*left = vchan_min_order(left_min);
	*right = vchan_min_order(right_min);
	/* Rings inside the shared page cost no extra page or grant. */
	if (left_min <= small && right_min <= large) {
		*left = VCHAN_ORDER_MIN;
		*right = VCHAN_ORDER_MID;
	} else if (left_min <= large && right_min <= small) {
		*left = VCHAN_ORDER_MID;
		*right = VCHAN_ORDER_MIN;
	} else if (left_min <= large) {
		*left = VCHAN_ORDER_MID;
	} else if (right_min <= large) {
		*right = VCHAN_ORDER_MID;
	}
	return 0;
}

/*
 * An in-page ring of order 10 or 11 sits at offset 2^order, so it is its
 * own limit for the header and grants[] before it.
 */
static size_t
vchan_page_limit(unsigned int order)
{
	return order < 12 ? (size_t)1 << order : VCHAN_PAGE;
}

static int
vchan_valid(unsigned int left, unsigned int right)
{
	size_t end, limit;

	if (left < VCHAN_ORDER_MIN || left > VCHAN_ORDER_MAX ||
	    right < VCHAN_ORDER_MIN || right > VCHAN_ORDER_MAX)
		return 0;
	if (left == right && left < 12)
		return 0;
	end = sizeof(struct vchan_page) +
	    sizeof(uint32_t) *
		(vchan_ring_pages(left) + vchan_ring_pages(right));
	limit = vchan_page_limit(left);
	if (vchan_page_limit(right) < limit)
		limit = vchan_page_limit(right);
	return end <= limit;
}

static void
vchan_ring_set(struct vchan_ring *r, struct vchan_idx *idx,
    struct vchan_page *page, unsigned int order, void *buf)
{
	r->idx = idx;
	r->size = 1u << order;
	r->buf = order < 12 ? (char *)page + r->size : buf;
}

/* Left is the client's writes, right the server's. */
static void
vchan_attach(struct vchan *v, struct vchan_page *page, int server,
    unsigned int left_order, unsigned int right_order, void *left_buf,
    void *right_buf)
{
	v->page = page;
	v->server = server;
	v->broken = 0;
	vchan_ring_set(server ? &v->rd : &v->wr, &page->left, page, left_order,
	    left_buf);
	vchan_ring_set(server ? &v->wr : &v->rd, &page->right, page,
	    right_order, right_buf);
	v->rd.mine = vchan_load(&v->rd.idx->cons);
	v->wr.mine = vchan_load(&v->wr.idx->prod);
}

int
vchan_server_init(struct vchan *v, struct vchan_page *page,
    unsigned int left_order, unsigned int right_order, void *left_buf,
    void *right_buf)
{
	if (!vchan_valid(left_order, right_order))
		return -UK_EINVAL;
	/* Not shared yet: no barrier needed until the caller grants it. */
	memset(page, 0, VCHAN_PAGE);
	page->left_order = (uint16_t)left_order;
	page->right_order = (uint16_t)right_order;
	page->cli_live = VCHAN_WAITING;
	page->srv_live = VCHAN_OPEN;
	page->cli_notify = VCHAN_ON_WRITE;
	vchan_attach(v, page, 1, left_order, right_order, left_buf, right_buf);
	return 0;
}

int
vchan_check(const struct vchan_page *page, unsigned int *left_order,
    unsigned int *right_order)
{
	/* One read each: what we check is what we use. */
	*left_order = __atomic_load_n(&page->left_order, __ATOMIC_RELAXED);
	*right_order = __atomic_load_n(&page->right_order, __ATOMIC_RELAXED);
	if (!vchan_valid(*left_order, *right_order))
		return -UK_EPROTO;
	return (int)(vchan_ring_pages(*left_order) +
	    vchan_ring_pages(*right_order));
}

void
vchan_client_init(struct vchan *v, struct vchan_page *page,
    unsigned int left_order, unsigned int right_order, void *left_buf,
    void *right_buf)
{
	vchan_attach(v, page, 0, left_order, right_order, left_buf, right_buf);
	__atomic_store_n(&page->srv_notify, VCHAN_ON_WRITE, __ATOMIC_RELAXED);
	__atomic_store_n(&page->cli_live, VCHAN_OPEN, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

long
vchan_read(struct vchan *v, void *dst, size_t len, int *kick)
{
	struct vchan_ring *r = &v->rd;
	uint32_t prod;
	int n;

	*kick = 0;
	if (v->broken)
		return -UK_EPROTO;
	prod = vchan_load(&r->idx->prod);
	if (prod - r->mine < len) {
		/* We will drain the ring: have the writer tell us of more. */
		vchan_request(v, VCHAN_ON_WRITE);
		prod = vchan_load(&r->idx->prod);
	}
	if ((n = ring_read(r->buf, r->size, prod, r->mine, dst, len)) < 0)
		return vchan_broke(v);
	if (n == 0)
		return 0;
	r->mine += (uint32_t)n;
	vchan_store(&r->idx->cons, r->mine);
	*kick = vchan_owed(v, VCHAN_ON_READ);
	return n;
}

long
vchan_write(struct vchan *v, const void *src, size_t len, int *kick)
{
	struct vchan_ring *r = &v->wr;
	uint32_t cons;
	int n;

	*kick = 0;
	if (v->broken)
		return -UK_EPROTO;
	cons = vchan_load(&r->idx->cons);
	if (r->size - (r->mine - cons) < len) {
		/* We will fill the ring: have the reader tell us of room. */
		vchan_request(v, VCHAN_ON_READ);
		cons = vchan_load(&r->idx->cons);
	}
	if ((n = ring_write(r->buf, r->size, r->mine, cons, src, len)) < 0)
		return vchan_broke(v);
	if (n == 0)
		return 0;
	r->mine += (uint32_t)n;
	vchan_store(&r->idx->prod, r->mine);
	*kick = vchan_owed(v, VCHAN_ON_WRITE);
	return n;
}

uint32_t
vchan_data_ready(struct vchan *v)
{
	uint32_t used;

	if (v->broken)
		return 0;
	vchan_request(v, VCHAN_ON_WRITE);
	used = vchan_load(&v->rd.idx->prod) - v->rd.mine;
	if (used > v->rd.size) {
		(void)vchan_broke(v);
		return 0;
	}
	return used;
}

uint32_t
vchan_space(struct vchan *v)
{
	uint32_t used;

	if (v->broken)
		return 0;
	vchan_request(v, VCHAN_ON_READ);
	used = v->wr.mine - vchan_load(&v->wr.idx->cons);
	if (used > v->wr.size) {
		(void)vchan_broke(v);
		return 0;
	}
	return v->wr.size - used;
}

int
vchan_peer_state(const struct vchan *v)
{
	const uint8_t *b = v->server ? &v->page->cli_live : &v->page->srv_live;

	return __atomic_load_n(b, __ATOMIC_ACQUIRE);
}

void
vchan_close(struct vchan *v)
{
	uint8_t *b = v->server ? &v->page->srv_live : &v->page->cli_live;

	/* After our last index, so the peer reads everything we wrote. */
	__atomic_store_n(b, VCHAN_CLOSED, __ATOMIC_RELEASE);
}
