/* test_vchan_xen.c -- lib/vchan.c against Debian's stock libxenvchan */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include <libxenvchan.h>
#include <xenstore.h>

#include "libuk.h"
#include "vchan.h"

/*
 * One side of each vchan here is libxenvchan itself, linked from Debian's
 * libxenvchan.a: its real set-up code (libxenvchan_server_init and
 * _client_init lay out or check the shared page) and its real reads,
 * writes and notification logic.  The other side is lib/vchan.c.  Xen
 * cannot run in a unit test, so the calls libxenvchan makes into Xen's
 * libraries go (by -Wl,--wrap) to a small hypervisor of our own in this
 * process: a grant is a page of this process, an event channel a pipe,
 * XenStore a table.  Both sides then share memory exactly as two domains
 * do after the handshake.  The layout is also checked against the
 * header at compile time.
 */

#define SAME(f)                                                   \
	_Static_assert(offsetof(struct vchan_page, f) ==          \
		offsetof(struct vchan_interface, f),              \
	    "vchan_page." #f " is not where libxenvchan has it"); \
	_Static_assert(sizeof(((struct vchan_page *)0)->f) ==     \
		sizeof(((struct vchan_interface *)0)->f),         \
	    "vchan_page." #f " is not the size libxenvchan has")
SAME(left.cons);
SAME(left.prod);
SAME(right.cons);
SAME(right.prod);
SAME(left_order);
SAME(right_order);
SAME(cli_live);
SAME(srv_live);
SAME(cli_notify);
SAME(srv_notify);
SAME(grants[0]);
_Static_assert(sizeof(struct vchan_page) == sizeof(struct vchan_interface),
    "vchan_page's header is not libxenvchan's");
_Static_assert(VCHAN_ON_WRITE == VCHAN_NOTIFY_WRITE, "VCHAN_ON_WRITE");
_Static_assert(VCHAN_ON_READ == VCHAN_NOTIFY_READ, "VCHAN_ON_READ");

/* The stock side runs in Dom0, ours in domain 5 (a unikernel). */
#define STOCK_DOM 0
#define OUR_DOM	  5
#define PATH	  "/local/domain/0/data/vchan/5/test"

/* ---------------------------------------------------------------------
 * The hypervisor: grants, event channels, XenStore
 */

#define NGNT  1100
#define NPORT 16
#define NXS   8
#define NMEM  16

struct gnt {
	uint32_t granter, grantee;
	char *page;
	int writable;
};

/* An event channel end: the handle libxenvchan gets, one port each. */
struct evtchn {
	int fd[2]; /* notifications to this end arrive in the pipe */
	evtchn_port_t port;
	uint32_t remote_dom;
	struct evtchn *peer;
	int sent; /* notifications sent from this end */
};

struct xsnode {
	char path[128];
	char value[32];
	struct xs_permissions perms[2];
	unsigned int nperms;
};

static struct gnt gnt[NGNT];
static uint32_t gnt_next;
static struct evtchn *ports[NPORT];
static evtchn_port_t port_next;
static struct xsnode xs[NXS];
static unsigned int nxs;
static void *mem[NMEM];
static unsigned int nmem;
static uint32_t srv_notify_off, cli_notify_off;
static int xs_handle, gntshr_handle, gnttab_handle;

static char *
mem_alloc(size_t npages)
{
	char *p = aligned_alloc(4096, npages * 4096);

	assert_non_null(p);
	assert_true(nmem < NMEM);
	mem[nmem++] = p;
	return p;
}

static uint32_t
gnt_add(uint32_t granter, uint32_t grantee, char *page, int writable)
{
	assert_true(gnt_next < NGNT);
	gnt[gnt_next] = (struct gnt){ granter, grantee, page, writable };
	return gnt_next++;
}

/* What mapping ref of domain granter gives domain grantee, or NULL. */
static char *
gnt_map(uint32_t granter, uint32_t grantee, uint32_t ref, int writable)
{
	if (ref >= gnt_next || gnt[ref].granter != granter ||
	    gnt[ref].grantee != grantee || (writable && !gnt[ref].writable))
		return NULL;
	return gnt[ref].page;
}

static struct evtchn *
evtchn_new(void)
{
	struct evtchn *e = calloc(1, sizeof(*e));

	assert_non_null(e);
	assert_int_equal(pipe(e->fd), 0);
	/* A full pipe is an event already pending: Xen coalesces too. */
	assert_int_equal(fcntl(e->fd[1], F_SETFL, O_NONBLOCK), 0);
	return e;
}

static evtchn_port_t
evtchn_bind(struct evtchn *e)
{
	assert_true(port_next < NPORT);
	e->port = port_next;
	ports[port_next] = e;
	return port_next++;
}

static void
evtchn_send(struct evtchn *e)
{
	char c = 0;

	e->sent++;
	if (e->peer != NULL)
		(void)!write(e->peer->fd[1], &c, 1);
}

static void
evtchn_take(struct evtchn *e)
{
	char c;

	while (read(e->fd[0], &c, 1) != 1)
		assert_int_equal(errno, EINTR);
}

/* Whether an event is pending at e, taking it. */
static int
evtchn_poll(struct evtchn *e)
{
	char c;
	int n;

	(void)fcntl(e->fd[0], F_SETFL, O_NONBLOCK);
	n = (int)read(e->fd[0], &c, 1);
	(void)fcntl(e->fd[0], F_SETFL, 0);
	return n == 1;
}

static void
evtchn_free(struct evtchn *e)
{
	close(e->fd[0]);
	close(e->fd[1]);
	free(e);
}

static struct xsnode *
xs_find(const char *path)
{
	unsigned int i;

	for (i = 0; i < nxs; i++)
		if (strcmp(xs[i].path, path) == 0)
			return &xs[i];
	return NULL;
}

static void
xs_put(const char *path, const char *value)
{
	struct xsnode *n = xs_find(path);

	if (n == NULL) {
		assert_true(nxs < NXS);
		n = &xs[nxs++];
		strlcpy(n->path, path, sizeof(n->path));
		n->nperms = 0;
	}
	strlcpy(n->value, value, sizeof(n->value));
}

/* Writes n in decimal, as our server's XenStore writes will. */
static void
xs_put_number(const char *path, unsigned int n)
{
	char num[16], *p = num + sizeof(num);

	*--p = '\0';
	do
		*--p = (char)('0' + n % 10);
	while ((n /= 10) != 0);
	xs_put(path, p);
}

static void
hv_reset(void)
{
	unsigned int i;

	for (i = 0; i < NPORT; i++)
		if (ports[i] != NULL)
			evtchn_free(ports[i]);
	for (i = 0; i < nmem; i++)
		free(mem[i]);
	memset(ports, 0, sizeof(ports));
	/* Xen reserves the first grant references and port 0. */
	gnt_next = 8;
	port_next = 1;
	nxs = nmem = 0;
	srv_notify_off = cli_notify_off = UINT32_MAX;
}

/* libxenevtchn */

xenevtchn_handle *
__wrap_xenevtchn_open(struct xentoollog_logger *l, unsigned int flags)
{
	(void)l;
	(void)flags;
	return (xenevtchn_handle *)evtchn_new();
}

int
__wrap_xenevtchn_close(xenevtchn_handle *h)
{
	struct evtchn *e = (struct evtchn *)h;

	/* Unbinding: the peer's notifications go nowhere from now on. */
	if (e->peer != NULL)
		e->peer->peer = NULL;
	ports[e->port] = NULL;
	evtchn_free(e);
	return 0;
}

xenevtchn_port_or_error_t
__wrap_xenevtchn_bind_unbound_port(xenevtchn_handle *h, uint32_t domid)
{
	struct evtchn *e = (struct evtchn *)h;

	e->remote_dom = domid;
	return (xenevtchn_port_or_error_t)evtchn_bind(e);
}

xenevtchn_port_or_error_t
__wrap_xenevtchn_bind_interdomain(xenevtchn_handle *h, uint32_t domid,
    evtchn_port_t remote)
{
	struct evtchn *e = (struct evtchn *)h;

	/* The stock client is Dom0; the unbound port must be offered it. */
	if (domid != OUR_DOM || remote >= NPORT || ports[remote] == NULL ||
	    ports[remote]->remote_dom != STOCK_DOM)
		return -1;
	e->peer = ports[remote];
	ports[remote]->peer = e;
	return (xenevtchn_port_or_error_t)evtchn_bind(e);
}

int
__wrap_xenevtchn_notify(xenevtchn_handle *h, evtchn_port_t port)
{
	struct evtchn *e = (struct evtchn *)h;

	if (port != e->port)
		return -1;
	evtchn_send(e);
	return 0;
}

xenevtchn_port_or_error_t
__wrap_xenevtchn_pending(xenevtchn_handle *h)
{
	struct evtchn *e = (struct evtchn *)h;

	evtchn_take(e);
	return (xenevtchn_port_or_error_t)e->port;
}

int
__wrap_xenevtchn_unmask(xenevtchn_handle *h, evtchn_port_t port)
{
	(void)h;
	(void)port;
	return 0;
}

/* libxengnttab: the stock server shares, the stock client maps. */

xengntshr_handle *
__wrap_xengntshr_open(struct xentoollog_logger *l, unsigned int flags)
{
	(void)l;
	(void)flags;
	return (xengntshr_handle *)&gntshr_handle;
}

int
__wrap_xengntshr_close(xengntshr_handle *h)
{
	(void)h;
	return 0;
}

void *
__wrap_xengntshr_share_pages(xengntshr_handle *h, uint32_t domid, int count,
    uint32_t *refs, int writable)
{
	char *p = mem_alloc((size_t)count);
	int i;

	(void)h;
	for (i = 0; i < count; i++)
		refs[i] = gnt_add(STOCK_DOM, domid, p + i * 4096, writable);
	return p;
}

void *
__wrap_xengntshr_share_page_notify(xengntshr_handle *h, uint32_t domid,
    uint32_t *ref, int writable, uint32_t off, evtchn_port_t port)
{
	(void)port;
	srv_notify_off = off;
	return __wrap_xengntshr_share_pages(h, domid, 1, ref, writable);
}

int
__wrap_xengntshr_unshare(xengntshr_handle *h, void *start, uint32_t count)
{
	(void)h;
	(void)start;
	(void)count;
	return 0;
}

xengnttab_handle *
__wrap_xengnttab_open(struct xentoollog_logger *l, unsigned int flags)
{
	(void)l;
	(void)flags;
	return (xengnttab_handle *)&gnttab_handle;
}

int
__wrap_xengnttab_close(xengnttab_handle *h)
{
	(void)h;
	return 0;
}

/* Maps refs at consecutive addresses: here, if their pages are so. */
void *
__wrap_xengnttab_map_domain_grant_refs(xengnttab_handle *h, uint32_t count,
    uint32_t domid, uint32_t *refs, int prot)
{
	char *first = NULL, *p;
	uint32_t i;

	(void)h;
	for (i = 0; i < count; i++) {
		p = gnt_map(domid, STOCK_DOM, refs[i], prot & PROT_WRITE);
		if (p == NULL || (i > 0 && p != first + i * 4096)) {
			errno = EINVAL;
			return NULL;
		}
		if (i == 0)
			first = p;
	}
	return first;
}

void *
__wrap_xengnttab_map_grant_ref_notify(xengnttab_handle *h, uint32_t domid,
    uint32_t ref, int prot, uint32_t off, evtchn_port_t port)
{
	(void)port;
	cli_notify_off = off;
	return __wrap_xengnttab_map_domain_grant_refs(h, 1, domid, &ref, prot);
}

int
__wrap_xengnttab_unmap(xengnttab_handle *h, void *start, uint32_t count)
{
	(void)h;
	(void)start;
	(void)count;
	return 0;
}

/* libc: the stock client unmaps its ring pages, ours are plain memory. */

int __real_munmap(void *addr, size_t len);

int
__wrap_munmap(void *addr, size_t len)
{
	unsigned int i;

	for (i = 0; i < nmem; i++)
		if (mem[i] == addr)
			return 0;
	return __real_munmap(addr, len);
}

/* libxenstore: one flat table, transactions always commit. */

struct xs_handle *
__wrap_xs_open(unsigned long flags)
{
	(void)flags;
	return (struct xs_handle *)&xs_handle;
}

void
__wrap_xs_close(struct xs_handle *h)
{
	(void)h;
}

/* A value as libxenstore returns it: malloc'd, for the caller to free. */
static char *
xs_dup(const char *s)
{
	size_t len = strlen(s) + 1;
	char *v = malloc(len);

	assert_non_null(v);
	memcpy(v, s, len);
	return v;
}

void *
__wrap_xs_read(struct xs_handle *h, xs_transaction_t t, const char *path,
    unsigned int *len)
{
	struct xsnode *n;
	char *v;

	(void)h;
	(void)t;
	/* The stock server asks for its own domid. */
	if (strcmp(path, "domid") == 0)
		return xs_dup("0");
	if ((n = xs_find(path)) == NULL) {
		errno = ENOENT;
		return NULL;
	}
	v = xs_dup(n->value);
	if (len != NULL)
		*len = (unsigned int)strlen(v);
	return v;
}

bool
__wrap_xs_write(struct xs_handle *h, xs_transaction_t t, const char *path,
    const void *data, unsigned int len)
{
	char v[32];

	(void)h;
	(void)t;
	if (len >= sizeof(v))
		return false;
	memcpy(v, data, len);
	v[len] = '\0';
	xs_put(path, v);
	return true;
}

bool
__wrap_xs_set_permissions(struct xs_handle *h, xs_transaction_t t,
    const char *path, struct xs_permissions *perms, unsigned int n)
{
	struct xsnode *x = xs_find(path);

	(void)h;
	(void)t;
	if (x == NULL || n > 2)
		return false;
	memcpy(x->perms, perms, n * sizeof(*perms));
	x->nperms = n;
	return true;
}

bool
__wrap_xs_rm(struct xs_handle *h, xs_transaction_t t, const char *path)
{
	size_t len = strlen(path);
	unsigned int i, kept = 0;

	(void)h;
	(void)t;
	for (i = 0; i < nxs; i++)
		if (strncmp(xs[i].path, path, len) != 0 ||
		    (xs[i].path[len] != '\0' && xs[i].path[len] != '/'))
			xs[kept++] = xs[i];
	nxs = kept;
	return true;
}

xs_transaction_t
__wrap_xs_transaction_start(struct xs_handle *h)
{
	(void)h;
	return 1;
}

bool
__wrap_xs_transaction_end(struct xs_handle *h, xs_transaction_t t, bool abort)
{
	(void)h;
	(void)t;
	(void)abort;
	return true;
}

/* ---------------------------------------------------------------------
 * Our side: lib/vchan.c, with what the Xen glue does around it done here
 * by hand on the same hypervisor.
 */

struct our {
	struct vchan v;
	struct evtchn *ev;
};

static unsigned long
xs_number(const char *path)
{
	struct xsnode *n = xs_find(path);

	assert_non_null(n);
	return strtoul(n->value, NULL, 10);
}

/* A server in OUR_DOM for a client in STOCK_DOM, as libxenvchan's. */
static void
our_server(struct our *o, unsigned int lo, unsigned int ro)
{
	struct vchan_page *page = (struct vchan_page *)mem_alloc(1);
	unsigned int i, nl = vchan_ring_pages(lo), nr = vchan_ring_pages(ro);
	char *lbuf = nl ? mem_alloc(nl) : NULL;
	char *rbuf = nr ? mem_alloc(nr) : NULL;

	assert_int_equal(vchan_server_init(&o->v, page, lo, ro, lbuf, rbuf), 0);
	for (i = 0; i < nl; i++)
		page->grants[i] = gnt_add(OUR_DOM, STOCK_DOM, lbuf + i * 4096,
		    1);
	for (i = 0; i < nr; i++)
		page->grants[nl + i] = gnt_add(OUR_DOM, STOCK_DOM,
		    rbuf + i * 4096, 1);
	o->ev = evtchn_new();
	o->ev->remote_dom = STOCK_DOM;
	xs_put_number(PATH "/ring-ref",
	    gnt_add(OUR_DOM, STOCK_DOM, (char *)page, 1));
	xs_put_number(PATH "/event-channel", evtchn_bind(o->ev));
}

/* A client in OUR_DOM of the stock server in STOCK_DOM. */
static void
our_client(struct our *o)
{
	struct vchan_page *page;
	char *lbuf = NULL, *rbuf = NULL;
	unsigned int lo, ro, i, nl;
	int n;

	page = (struct vchan_page *)gnt_map(STOCK_DOM, OUR_DOM,
	    (uint32_t)xs_number(PATH "/ring-ref"), 1);
	assert_non_null(page);
	assert_true((n = vchan_check(page, &lo, &ro)) >= 0);
	nl = vchan_ring_pages(lo);
	for (i = 0; i < (unsigned int)n; i++) {
		char *p = gnt_map(STOCK_DOM, OUR_DOM, page->grants[i], 1);

		assert_non_null(p);
		if (i == 0)
			lbuf = p;
		if (i == nl)
			rbuf = p;
		/* Our own "mapping" is the pages where they are. */
		assert_ptr_equal(p,
		    (i < nl ? lbuf : rbuf) + (i < nl ? i : i - nl) * 4096);
	}
	vchan_client_init(&o->v, page, lo, ro, lbuf, rbuf);
	o->ev = evtchn_new();
	o->ev->peer = ports[xs_number(PATH "/event-channel")];
	assert_non_null(o->ev->peer);
	assert_int_equal(o->ev->peer->remote_dom, OUR_DOM);
	o->ev->peer->peer = o->ev;
	(void)evtchn_bind(o->ev);
	evtchn_send(o->ev);
}

static void
our_kick(struct our *o, int kick)
{
	if (kick)
		evtchn_send(o->ev);
}

static struct libxenvchan *
stock_server(size_t left_min, size_t right_min)
{
	struct libxenvchan *c;

	c = libxenvchan_server_init(NULL, OUR_DOM, PATH, left_min, right_min);
	assert_non_null(c);
	c->blocking = 0;
	return c;
}

static struct libxenvchan *
stock_client(void)
{
	struct libxenvchan *c = libxenvchan_client_init(NULL, OUR_DOM, PATH);

	assert_non_null(c);
	c->blocking = 0;
	return c;
}

static void
fill(char *buf, size_t len, size_t off)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = (char)((off + i) * 131 + (off + i) / 251);
}

/*
 * Moves total bytes each way, in chunks of changing sizes, both sides
 * non-blocking in turn; every byte is checked where it arrives.
 */
static void
pump(struct libxenvchan *c, struct our *o, size_t total)
{
	static char out[5000], in[5000], want[5000];
	size_t sent = 0, got = 0, osent = 0, ogot = 0, step = 0;
	long n;
	int kick;

	while (got < total || ogot < total) {
		size_t len = 1 + (step++ * 997) % sizeof(out);

		if (sent < total) {
			len = len < total - sent ? len : total - sent;
			fill(out, len, sent);
			n = libxenvchan_write(c, out, len);
			assert_true(n >= 0);
			sent += (size_t)n;
		}
		n = vchan_read(&o->v, in, sizeof(in), &kick);
		assert_true(n >= 0);
		our_kick(o, kick);
		fill(want, (size_t)n, got);
		assert_memory_equal(in, want, (size_t)n);
		got += (size_t)n;
		if (osent < total) {
			len = 1 + (step * 389) % sizeof(out);
			len = len < total - osent ? len : total - osent;
			fill(out, len, osent + 7);
			n = vchan_write(&o->v, out, len, &kick);
			assert_true(n >= 0);
			our_kick(o, kick);
			osent += (size_t)n;
		}
		n = libxenvchan_read(c, in, sizeof(in));
		assert_true(n >= 0);
		fill(want, (size_t)n, ogot + 7);
		assert_memory_equal(in, want, (size_t)n);
		ogot += (size_t)n;
	}
}

static int
setup(void **state)
{
	(void)state;
	hv_reset();
	return 0;
}

/* ---------------------------------------------------------------------
 * Stock server, our client
 */

static void
test_stock_server_publishes_what_our_client_reads(void **state)
{
	struct libxenvchan *c = stock_server(1024, 2048);
	struct xsnode *n;

	(void)state;
	/* What our server must write too: two keys, the peer may read. */
	assert_non_null(n = xs_find(PATH "/ring-ref"));
	assert_int_equal(n->nperms, 2);
	assert_int_equal(n->perms[0].id, STOCK_DOM);
	assert_int_equal(n->perms[0].perms, XS_PERM_NONE);
	assert_int_equal(n->perms[1].id, OUR_DOM);
	assert_int_equal(n->perms[1].perms, XS_PERM_READ);
	assert_non_null(n = xs_find(PATH "/event-channel"));
	assert_int_equal(n->nperms, 2);
	assert_int_equal(n->perms[1].id, OUR_DOM);
	/* Its unmap notification clears srv_live should the server die. */
	assert_int_equal(srv_notify_off, offsetof(struct vchan_page, srv_live));
	libxenvchan_close(c);
	/* It removes its keys on close. */
	assert_null(xs_find(PATH "/ring-ref"));
	assert_null(xs_find(PATH "/event-channel"));
}

static void
test_our_client_connects_to_stock_server(void **state)
{
	struct libxenvchan *c = stock_server(1000, 2000);
	struct our o;
	char buf[16];
	int kick;

	(void)state;
	/* libxenvchan's server counts a client yet to come as open. */
	assert_int_equal(libxenvchan_is_open(c), VCHAN_WAITING);
	our_client(&o);
	assert_true(libxenvchan_is_open(c));
	assert_true(evtchn_poll((struct evtchn *)c->event));
	assert_int_equal(vchan_peer_state(&o.v), VCHAN_OPEN);
	/* The server asked for our first write; we kick it. */
	assert_int_equal(vchan_write(&o.v, "ping", 4, &kick), 4);
	assert_int_equal(kick, 1);
	our_kick(&o, kick);
	assert_int_equal(libxenvchan_data_ready(c), 4);
	assert_int_equal(libxenvchan_read(c, buf, sizeof(buf)), 4);
	assert_memory_equal(buf, "ping", 4);
	assert_int_equal(libxenvchan_write(c, "pong!", 5), 5);
	/* We asked for the server's writes when we connected. */
	assert_true(evtchn_poll(o.ev));
	assert_false(evtchn_poll(o.ev));
	assert_int_equal(vchan_read(&o.v, buf, sizeof(buf), &kick), 5);
	assert_memory_equal(buf, "pong!", 5);
	libxenvchan_close(c);
	assert_int_equal(vchan_peer_state(&o.v), VCHAN_CLOSED);
	assert_true(evtchn_poll(o.ev));
}

static void
test_in_page_rings_with_stock_server(void **state)
{
	struct libxenvchan *c = stock_server(1024, 2048);
	struct our o;

	(void)state;
	our_client(&o);
	assert_int_equal(c->read.order, 10);
	pump(c, &o, 200000);
	libxenvchan_close(c);
}

static void
test_granted_rings_with_stock_server(void **state)
{
	struct libxenvchan *c = stock_server(8192, 65536);
	struct our o;

	(void)state;
	our_client(&o);
	assert_int_equal(c->read.order, 13);
	assert_int_equal(c->write.order, 16);
	assert_int_equal(o.v.rd.size, 65536);
	pump(c, &o, 300000);
	libxenvchan_close(c);
}

/* ---------------------------------------------------------------------
 * Our server, stock client
 */

static void
test_stock_client_connects_to_our_server(void **state)
{
	struct libxenvchan *c;
	struct our o;
	char buf[16];
	int kick;

	(void)state;
	our_server(&o, 10, 11);
	/* Our server may write before the client is there. */
	assert_int_equal(vchan_write(&o.v, "early", 5, &kick), 5);
	assert_int_equal(vchan_peer_state(&o.v), VCHAN_WAITING);
	c = stock_client();
	assert_int_equal(cli_notify_off, offsetof(struct vchan_page, cli_live));
	assert_int_equal(vchan_peer_state(&o.v), VCHAN_OPEN);
	assert_true(evtchn_poll(o.ev));
	assert_int_equal(libxenvchan_read(c, buf, sizeof(buf)), 5);
	assert_memory_equal(buf, "early", 5);
	/* Our server asked for the client's first write. */
	assert_int_equal(libxenvchan_write(c, "hi", 2), 2);
	assert_true(evtchn_poll(o.ev));
	assert_int_equal(vchan_read(&o.v, buf, sizeof(buf), &kick), 2);
	assert_memory_equal(buf, "hi", 2);
	libxenvchan_close(c);
	assert_int_equal(vchan_peer_state(&o.v), VCHAN_CLOSED);
	vchan_close(&o.v);
}

static void
test_in_page_rings_with_stock_client(void **state)
{
	struct libxenvchan *c;
	struct our o;

	(void)state;
	our_server(&o, 11, 10);
	c = stock_client();
	pump(c, &o, 200000);
	libxenvchan_close(c);
}

static void
test_granted_rings_with_stock_client(void **state)
{
	struct libxenvchan *c;
	struct our o;

	(void)state;
	our_server(&o, 14, 12);
	c = stock_client();
	assert_int_equal(c->write.order, 14);
	assert_int_equal(c->read.order, 12);
	pump(c, &o, 300000);
	vchan_close(&o.v);
	our_kick(&o, 1);
	assert_false(libxenvchan_is_open(c));
	libxenvchan_close(c);
}

/* ---------------------------------------------------------------------
 * Both sides in threads of their own, sleeping for events: a lost
 * notification hangs the transfer, and the alarm fails the test.
 */

#define MIB (1u << 20)

struct run {
	struct libxenvchan *c;
	struct our *o;
	size_t bad; /* bytes that arrived wrong */
	int err;
};

static void *
stock_thread(void *arg)
{
	struct run *r = arg;
	static char buf[6000], want[6000];
	size_t done = 0;
	int n;

	r->c->blocking = 1;
	for (done = 0; done < MIB; done += (size_t)n) {
		size_t len = MIB - done < 6000 ? MIB - done : 6000;

		fill(buf, len, done);
		/* Blocking: waits for room as often as it needs. */
		if ((n = libxenvchan_write(r->c, buf, len)) != (int)len) {
			r->err = 1;
			return NULL;
		}
	}
	for (done = 0; done < MIB; done += (size_t)n) {
		if ((n = libxenvchan_read(r->c, buf, sizeof(buf))) <= 0) {
			r->err = 2;
			return NULL;
		}
		fill(want, (size_t)n, done + 3);
		r->bad += memcmp(buf, want, (size_t)n) != 0;
	}
	return NULL;
}

static void *
our_thread(void *arg)
{
	struct run *r = arg;
	static char buf[5000], want[5000];
	size_t done;
	long n;
	int kick;

	for (done = 0; done < MIB;) {
		if ((n = vchan_read(&r->o->v, buf, sizeof(buf), &kick)) < 0)
			break;
		our_kick(r->o, kick);
		if (n == 0) {
			/* Asked for a signal and looked again: safe to sleep. */
			evtchn_take(r->o->ev);
			continue;
		}
		fill(want, (size_t)n, done);
		r->bad += memcmp(buf, want, (size_t)n) != 0;
		done += (size_t)n;
	}
	for (done = 0; done < MIB;) {
		size_t len = MIB - done < sizeof(buf) ? MIB - done :
							sizeof(buf);

		fill(buf, len, done + 3);
		if ((n = vchan_write(&r->o->v, buf, len, &kick)) < 0)
			break;
		our_kick(r->o, kick);
		if (n == 0)
			evtchn_take(r->o->ev);
		done += (size_t)n;
	}
	if (done != MIB)
		r->err = 3;
	return NULL;
}

static void
on_alarm(int sig)
{
	static const char msg[] = "test_vchan_xen: a side slept forever: "
				  "a notification was lost\n";

	(void)sig;
	(void)!write(2, msg, sizeof(msg) - 1);
	_exit(1);
}

static void
run_threads(struct libxenvchan *c, struct our *o)
{
	struct run s = { c, o, 0, 0 }, t = { c, o, 0, 0 };
	pthread_t a, b;

	signal(SIGALRM, on_alarm);
	alarm(60);
	assert_int_equal(pthread_create(&a, NULL, stock_thread, &s), 0);
	assert_int_equal(pthread_create(&b, NULL, our_thread, &t), 0);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	alarm(0);
	assert_int_equal(s.err, 0);
	assert_int_equal(t.err, 0);
	assert_int_equal(s.bad, 0);
	assert_int_equal(t.bad, 0);
	/* Small rings, 1 MiB: both sides must have slept and been woken. */
	assert_true(o->ev->sent > 10);
}

static void
test_mib_each_way_stock_server_sleeping(void **state)
{
	struct libxenvchan *c = stock_server(1024, 2048);
	struct our o;

	(void)state;
	our_client(&o);
	run_threads(c, &o);
	libxenvchan_close(c);
}

static void
test_mib_each_way_stock_client_sleeping(void **state)
{
	struct libxenvchan *c;
	struct our o;

	(void)state;
	our_server(&o, 10, 12);
	c = stock_client();
	run_threads(c, &o);
	libxenvchan_close(c);
}

static int
teardown(void **state)
{
	(void)state;
	hv_reset();
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_stock_server_publishes_what_our_client_reads, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_our_client_connects_to_stock_server, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_in_page_rings_with_stock_server, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_granted_rings_with_stock_server, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_stock_client_connects_to_our_server, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_in_page_rings_with_stock_client, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_granted_rings_with_stock_client, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_mib_each_way_stock_server_sleeping, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_mib_each_way_stock_client_sleeping, setup, teardown),
	};

	return cmocka_run_group_tests_name("vchan_xen", tests, NULL, NULL);
}
