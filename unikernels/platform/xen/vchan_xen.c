/* vchan_xen.c -- uk_vchan on Xen: grants, event channel, XenStore keys */
#include "xenplat.h"
#include "vchan.h"

/*
 * The rings themselves are lib/vchan.c's; this file does what
 * libxenvchan does around them with gntalloc or gntdev, evtchn and
 * libxenstore, and runs the application's callback from uk_poll().
 *
 * Pages are static: a slot holds the shared page and up to 64 KiB of
 * ring each way.  A server grants them, and on close ends the grants
 * and closes its event channel; the slot is free again once every
 * grant is ended, which Xen refuses while the client still has the page
 * mapped (a client domain unmaps when it closes or dies).  So a slot
 * whose client has not let go yet waits (VX_DRAINING), and every later
 * uk_vchan_server tries again to take it back: a server may offer any
 * number of vchans in its life, VX_SLOTS at once.  A client maps the
 * server's grants over a slot's pages, whose own memory is then lost
 * for good (xen_grant_map), so a slot a client used is never used again
 * (VX_SPENT).
 */

#define VX_SLOTS      4
#define VX_RING_PAGES 16 /* 64 KiB, order 16 */
#define VX_PATH_MAX   96
#define VX_GRANTS     (1 + 2 * VX_RING_PAGES)

enum vx_state { VX_FREE, VX_SERVER, VX_CLIENT, VX_DRAINING, VX_SPENT };

typedef char vx_page[4096] __attribute__((aligned(4096)));

struct uk_vchan {
	struct vchan v;
	enum vx_state slot;
	evtchn_port_t port;
	int bound; /* port is ours to close */
	int state; /* the peer's, when the callback last ran */
	int want;  /* UK_NET_* the application waits for */
	uk_vchan_fn *fn;
	void *arg;
	char path[VX_PATH_MAX];	     /* the server's keys, "" for a client */
	grant_ref_t refs[VX_GRANTS]; /* server: grants not yet ended */
	unsigned int nrefs;
};

static vx_page vx_shared[VX_SLOTS];
static vx_page vx_rings[VX_SLOTS][2][VX_RING_PAGES];
static struct uk_vchan vx[VX_SLOTS];

/* Ends the grants the peer let go of; 1 once none is left. */
static int
vx_revoke(struct uk_vchan *c)
{
	unsigned int i, j;

	for (i = j = 0; i < c->nrefs; i++)
		if (gnttab_end(c->refs[i]) == -UK_EBUSY)
			c->refs[j++] = c->refs[i];
	c->nrefs = j;
	return j == 0;
}

/* A server's slot after close or a failed set-up. */
static void
vx_release(struct uk_vchan *c)
{
	if (c->bound)
		evtchn_close(c->port);
	c->bound = 0;
	c->fn = NULL;
	c->slot = vx_revoke(c) ? VX_FREE : VX_DRAINING;
}

/* A free slot for role, taking back drained ones first; -1 if none. */
static int
vx_take(enum vx_state role)
{
	int i;

	for (i = 0; i < VX_SLOTS; i++)
		if (vx[i].slot == VX_DRAINING && vx_revoke(&vx[i]))
			vx[i].slot = VX_FREE;
	for (i = 0; i < VX_SLOTS; i++)
		if (vx[i].slot == VX_FREE) {
			vx[i].slot = role;
			vx[i].nrefs = 0;
			vx[i].bound = 0;
			return i;
		}
	return -1;
}

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

/*
 * Grants our rings' pages and the shared page; its reference in *ref.
 * Each grant is also kept in c->refs, for vx_revoke (the page's copy is
 * the client's to overwrite).
 */
static int
vx_grant(struct uk_vchan *c, unsigned int slot, domid_t peer,
    unsigned int npages[2], grant_ref_t *ref)
{
	unsigned int d, i, n = 0;
	int rc;

	for (d = 0; d < 2; d++)
		for (i = 0; i < npages[d]; i++) {
			if ((rc = gnttab_grant(peer, vx_rings[slot][d][i], 0,
				 &c->refs[c->nrefs])) != 0)
				return rc;
			c->v.page->grants[n++] = c->refs[c->nrefs++];
		}
	if ((rc = gnttab_grant(peer, vx_shared[slot], 0, ref)) != 0)
		return rc;
	c->refs[c->nrefs++] = *ref;
	return 0;
}

/*
 * Writes one key, owned by us, readable by peer and nobody else.  In a
 * folder another domain owns (conduit's, dom0's) oxenstored makes that
 * domain the key's owner and refuses us its permissions: the key keeps
 * the folder's, and the folder's owner grants the peer (conduit(7)).
 */
static int
vx_key(uint32_t tx, const char *path, const char *key, unsigned long value,
    const char *const perms[2])
{
	static int told;
	char p[VX_PATH_MAX + 16], v[16];
	int rc;

	snprintf(p, sizeof(p), "%s/%s", path, key);
	snprintf(v, sizeof(v), "%lu", value);
	if ((rc = uk_xs_tx_write(tx, p, v)) != 0)
		return rc;
	rc = xenstore_set_perms(tx, p, perms, 2);
	if (rc == -UK_EACCES) {
		if (!told)
			printf("vchan: %s keeps its folder's permissions "
			       "(xenstored refused ours)\n",
			    p);
		told = 1;
		rc = 0;
	}
	return rc;
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

/* Everything but the rings' layout; on failure the caller releases. */
static int
vx_offer(struct uk_vchan *c, unsigned int slot, uint16_t peer, const char *path,
    unsigned int npages[2])
{
	grant_ref_t ref;
	int rc;

	if ((rc = vx_grant(c, slot, peer, npages, &ref)) != 0 ||
	    (rc = evtchn_alloc_unbound(peer, &c->port)) != 0)
		return rc;
	c->bound = 1;
	return vx_publish(path, peer, ref, c->port);
}

int
uk_vchan_server(uint16_t peer, const char *path, size_t read_min,
    size_t write_min, uk_vchan_fn *fn, void *arg, struct uk_vchan **cp)
{
	unsigned int lo, ro, npages[2];
	struct uk_vchan *c;
	int rc, slot;

	if (strlen(path) >= VX_PATH_MAX ||
	    vchan_orders(read_min, write_min, &lo, &ro) != 0 ||
	    (npages[0] = vchan_ring_pages(lo)) > VX_RING_PAGES ||
	    (npages[1] = vchan_ring_pages(ro)) > VX_RING_PAGES)
		return -UK_EINVAL;
	if ((slot = vx_take(VX_SERVER)) < 0)
		return -UK_ENOSPC;
	c = &vx[slot];
	if ((rc = vchan_server_init(&c->v, (struct vchan_page *)vx_shared[slot],
		 lo, ro, vx_rings[slot][0], vx_rings[slot][1])) != 0 ||
	    (rc = vx_offer(c, (unsigned int)slot, peer, path, npages)) != 0) {
		vx_release(c);
		return rc;
	}
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

/* Maps the server's pages over the slot's; on failure the slot is spent. */
static int
vx_connect(struct uk_vchan *c, unsigned int slot, uint16_t peer,
    unsigned long ref, unsigned long port)
{
	struct vchan_page *page = (struct vchan_page *)vx_shared[slot];
	unsigned int lo, ro, npages[2];
	int rc;

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
	c->bound = 1;
	vchan_client_init(&c->v, page, lo, ro, vx_rings[slot][0],
	    vx_rings[slot][1]);
	return 0;
}

int
uk_vchan_client(uint16_t peer, const char *path, uk_vchan_fn *fn, void *arg,
    struct uk_vchan **cp)
{
	unsigned long ref, port;
	struct uk_vchan *c;
	int rc, slot;

	if (strlen(path) >= VX_PATH_MAX)
		return -UK_EINVAL;
	if ((slot = vx_take(VX_CLIENT)) < 0)
		return -UK_ENOSPC;
	c = &vx[slot];
	if ((rc = vx_read_key(path, "ring-ref", &ref)) != 0 ||
	    (rc = vx_read_key(path, "event-channel", &port)) != 0) {
		c->slot = VX_FREE; /* nothing mapped yet */
		return rc;
	}
	if ((rc = vx_connect(c, (unsigned int)slot, peer, ref, port)) != 0) {
		c->slot = VX_SPENT;
		return rc;
	}
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

/*
 * The peer learns of the close from the page and the event, sent before
 * the port goes.  A server then removes its keys and takes its grants
 * back (or leaves the slot draining); a client's slot stays spent.
 */
void
uk_vchan_close(struct uk_vchan *c)
{
	vchan_close(&c->v);
	evtchn_notify(c->port);
	if (c->slot == VX_CLIENT) {
		evtchn_close(c->port);
		c->bound = 0;
		c->fn = NULL;
		c->slot = VX_SPENT;
		return;
	}
	if (c->path[0] != '\0')
		(void)uk_xs_rm(c->path);
	c->path[0] = '\0';
	vx_release(c);
}
