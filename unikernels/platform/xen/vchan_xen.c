/* vchan_xen.c -- uk_vchan on Xen: grants, event channel, XenStore keys */
#include "xenplat.h"
#include "vchan.h"

/*
 * The rings themselves are lib/vchan.c's; this file does what
 * libxenvchan does around them with gntalloc or gntdev, evtchn and
 * libxenstore, and runs the application's callback from uk_poll().
 *
 * Pages are static: a slot holds the shared page and up to 64 KiB of
 * ring each way.  A server grants them; a client maps the server's
 * grants over them (their own memory is then lost).  Grants are
 * permanent (gnttab.c), mappings too (xen_grant_map), and event-channel
 * handlers cannot be removed (events.c), so a slot serves one vchan for
 * the life of the domain.
 */

#define VX_SLOTS      2
#define VX_RING_PAGES 16 /* 64 KiB, order 16 */
#define VX_PATH_MAX   96

typedef char vx_page[4096] __attribute__((aligned(4096)));

struct uk_vchan {
	struct vchan v;
	evtchn_port_t port;
	int state; /* the peer's, when the callback last ran */
	int want;  /* UK_NET_* the application waits for */
	uk_vchan_fn *fn;
	void *arg;
	char path[VX_PATH_MAX]; /* the server's keys, "" for a client */
};

static vx_page vx_shared[VX_SLOTS];
static vx_page vx_rings[VX_SLOTS][2][VX_RING_PAGES];
static struct uk_vchan vx[VX_SLOTS];
static unsigned int vx_used;

/*
 * Every turn of uk_poll(): the callback runs for what the application
 * waits for and now has, and once when the peer's state changes (the
 * client connects: room to write; it closes: end of stream to read).
 * vchan_data_ready and vchan_space also ask the peer to signal changes,
 * so the event that ends our sleep in plat_wait comes.
 */
static int
vx_handler(void *arg)
{
	struct uk_vchan *c = arg;
	int ev = 0, state;

	if (c->fn == NULL)
		return 0;
	if ((state = vchan_peer_state(&c->v)) != c->state) {
		c->state = state;
		ev |= state == VCHAN_OPEN ? UK_NET_WRITE : UK_NET_READ;
	}
	if ((c->want & UK_NET_READ) && vchan_data_ready(&c->v) > 0)
		ev |= UK_NET_READ;
	if ((c->want & UK_NET_WRITE) && vchan_space(&c->v) > 0)
		ev |= UK_NET_WRITE;
	if (c->v.broken)
		ev |= c->want;
	if (ev == 0)
		return 0;
	c->want &= ~ev;
	c->fn(c, ev, c->arg);
	return 1;
}

/* Grants our rings' pages and the shared page; its reference in *ref. */
static int
vx_grant(struct uk_vchan *c, unsigned int slot, domid_t peer,
    unsigned int npages[2], grant_ref_t *ref)
{
	unsigned int d, i, n = 0;
	int rc;

	for (d = 0; d < 2; d++)
		for (i = 0; i < npages[d]; i++)
			if ((rc = gnttab_grant(peer, vx_rings[slot][d][i], 0,
				 &c->v.page->grants[n++])) != 0)
				return rc;
	return gnttab_grant(peer, vx_shared[slot], 0, ref);
}

/* Writes one key, owned by us, readable by peer and nobody else. */
static int
vx_key(uint32_t tx, const char *path, const char *key, unsigned long value,
    const char *const perms[2])
{
	char p[VX_PATH_MAX + 16], v[16];
	int rc;

	snprintf(p, sizeof(p), "%s/%s", path, key);
	snprintf(v, sizeof(v), "%lu", value);
	if ((rc = uk_xs_tx_write(tx, p, v)) != 0)
		return rc;
	return xenstore_set_perms(tx, p, perms, 2);
}

/* Both keys at once, as libxenvchan does: a client sees both or none. */
static int
vx_publish(const char *path, domid_t peer, grant_ref_t ref, evtchn_port_t port)
{
	char self[16], mine[20], theirs[20];
	const char *perms[2] = { mine, theirs };
	uint32_t tx;
	int rc;

	if ((rc = uk_xs_read("domid", self, sizeof(self))) < 0)
		return rc;
	snprintf(mine, sizeof(mine), "n%s", self);
	snprintf(theirs, sizeof(theirs), "r%u", (unsigned int)peer);
	do {
		if ((rc = uk_xs_transaction_start(&tx)) != 0)
			return rc;
		if ((rc = vx_key(tx, path, "ring-ref", ref, perms)) != 0 ||
		    (rc = vx_key(tx, path, "event-channel", port, perms)) !=
			0) {
			(void)uk_xs_transaction_end(tx, 0);
			return rc;
		}
	} while ((rc = uk_xs_transaction_end(tx, 1)) == -UK_EAGAIN);
	return rc;
}

int
uk_vchan_server(uint16_t peer, const char *path, size_t read_min,
    size_t write_min, uk_vchan_fn *fn, void *arg, struct uk_vchan **cp)
{
	unsigned int lo, ro, npages[2], slot = vx_used;
	struct uk_vchan *c = &vx[slot];
	grant_ref_t ref;
	int rc;

	if (strlen(path) >= VX_PATH_MAX ||
	    vchan_orders(read_min, write_min, &lo, &ro) != 0 ||
	    (npages[0] = vchan_ring_pages(lo)) > VX_RING_PAGES ||
	    (npages[1] = vchan_ring_pages(ro)) > VX_RING_PAGES)
		return -UK_EINVAL;
	if (slot == VX_SLOTS)
		return -UK_ENOSPC;
	/* The slot is spent from here: its grants cannot be taken back. */
	vx_used++;
	if ((rc = vchan_server_init(&c->v, (struct vchan_page *)vx_shared[slot],
		 lo, ro, vx_rings[slot][0], vx_rings[slot][1])) != 0 ||
	    (rc = vx_grant(c, slot, peer, npages, &ref)) != 0 ||
	    (rc = evtchn_alloc_unbound(peer, &c->port)) != 0 ||
	    (rc = vx_publish(path, peer, ref, c->port)) != 0)
		return rc;
	strlcpy(c->path, path, sizeof(c->path));
	c->state = VCHAN_WAITING;
	c->want = 0;
	c->fn = fn;
	c->arg = arg;
	evtchn_handler(c->port, vx_handler, c);
	*cp = c;
	return 0;
}

static int
vx_read_key(const char *path, const char *key, unsigned long *v)
{
	char p[VX_PATH_MAX + 16], buf[16], *end;
	int n;

	snprintf(p, sizeof(p), "%s/%s", path, key);
	if ((n = uk_xs_read(p, buf, sizeof(buf))) < 0)
		return n;
	*v = strtoul(buf, &end, 10);
	return n > 0 && *end == '\0' && *v <= UINT32_MAX ? 0 : -UK_EPROTO;
}

/*
 * Maps the rings' pages the server listed, left's then right's: we
 * write left, so only it is writable.  The list is the server's to
 * change at any time: each reference is read once and Xen checks it.
 */
static int
vx_map_rings(struct vchan_page *page, unsigned int slot, domid_t peer,
    unsigned int npages[2])
{
	unsigned int d, i, n = 0;
	grant_ref_t ref;
	int rc;

	for (d = 0; d < 2; d++)
		for (i = 0; i < npages[d]; i++) {
			ref = __atomic_load_n(&page->grants[n++],
			    __ATOMIC_RELAXED);
			if ((rc = xen_grant_map(peer, ref, vx_rings[slot][d][i],
				 d == 1)) != 0)
				return rc;
		}
	return 0;
}

int
uk_vchan_client(uint16_t peer, const char *path, uk_vchan_fn *fn, void *arg,
    struct uk_vchan **cp)
{
	unsigned int lo, ro, npages[2], slot = vx_used;
	struct uk_vchan *c = &vx[slot];
	struct vchan_page *page = (struct vchan_page *)vx_shared[slot];
	unsigned long ref, port;
	int rc;

	if (strlen(path) >= VX_PATH_MAX)
		return -UK_EINVAL;
	if (slot == VX_SLOTS)
		return -UK_ENOSPC;
	if ((rc = vx_read_key(path, "ring-ref", &ref)) != 0 ||
	    (rc = vx_read_key(path, "event-channel", &port)) != 0)
		return rc;
	/* The slot is spent from here: its memory is about to go. */
	vx_used++;
	if ((rc = xen_grant_map(peer, (grant_ref_t)ref, page, 0)) != 0)
		return rc;
	if ((rc = vchan_check(page, &lo, &ro)) < 0)
		return rc;
	npages[0] = vchan_ring_pages(lo);
	npages[1] = vchan_ring_pages(ro);
	if (npages[0] > VX_RING_PAGES || npages[1] > VX_RING_PAGES)
		return -UK_E2BIG;
	if ((rc = vx_map_rings(page, slot, peer, npages)) != 0 ||
	    (rc = evtchn_bind_interdomain(peer, (evtchn_port_t)port,
		 &c->port)) != 0)
		return rc;
	vchan_client_init(&c->v, page, lo, ro, vx_rings[slot][0],
	    vx_rings[slot][1]);
	c->path[0] = '\0';
	c->state = VCHAN_OPEN;
	c->want = 0;
	c->fn = fn;
	c->arg = arg;
	evtchn_handler(c->port, vx_handler, c);
	/* As libxenvchan's client: the server learns we are there. */
	evtchn_notify(c->port);
	*cp = c;
	return 0;
}

long
uk_vchan_read(struct uk_vchan *c, void *buf, size_t len)
{
	/* The state first: a peer closes after its last write. */
	int state = vchan_peer_state(&c->v), kick;
	long n = vchan_read(&c->v, buf, len, &kick);

	if (kick)
		evtchn_notify(c->port);
	if (n != 0 || state == VCHAN_CLOSED)
		return n;
	c->want |= UK_NET_READ;
	return -UK_EAGAIN;
}

long
uk_vchan_write(struct uk_vchan *c, const void *buf, size_t len)
{
	long n;
	int kick;

	if (vchan_peer_state(&c->v) == VCHAN_CLOSED)
		return -UK_EPIPE;
	n = vchan_write(&c->v, buf, len, &kick);
	if (kick)
		evtchn_notify(c->port);
	if (n >= 0 && (size_t)n < len)
		c->want |= UK_NET_WRITE;
	return n == 0 && len > 0 ? -UK_EAGAIN : n;
}

void
uk_vchan_close(struct uk_vchan *c)
{
	vchan_close(&c->v);
	evtchn_notify(c->port);
	c->fn = NULL;
	if (c->path[0] != '\0')
		(void)uk_xs_rm(c->path);
}
