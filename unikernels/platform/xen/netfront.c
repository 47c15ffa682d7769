/* netfront.c -- Xen network frontend (vif 0): rings, xenbus handshake, I/O */
#include "xenplat.h"

#include <xen/io/netif.h>
#include <xen/io/xenbus.h>

/*
 * Netback copies received frames into pages we post (request-rx-copy=1)
 * and reads frames to send from pages we grant.  Each buffer is one page
 * with a permanent grant, used by at most one request at a time: rx
 * buffer i always travels as rx request id i, tx buffer i as tx id i.
 * No scatter-gather, GSO or checksum offload is offered, so each frame is
 * exactly one slot in each direction and always carries real checksums.
 *
 * A vif may also be connected before we run (jitsud's domain shells):
 * our folder then says Connected and names rings and ports made in our
 * name, and we adopt them (adopt) instead of making our own; the image
 * says we can (boot.h's JITSUD_NOTE_VIF_ADOPT).  When jitsud saw netback
 * Connected before it loaded us, the command line names the vif too
 * (jitsu.vif, cmdline.c's vif_arg_parse): neither the folder is read nor
 * netback's state waited for.
 */

#define NET_NRX	    16
#define NET_NTX	    16
#define NET_VIF	    "device/vif/0"
#define NET_TIMEOUT UK_SEC(60) /* many domains may boot at once */
/* The 2-level event channel ABI's ports: a bit each in shared info. */
#define NET_NPORTS  (sizeof(xen_ulong_t) * 8 * sizeof(xen_ulong_t) * 8)

typedef char net_page[4096] __attribute__((aligned(4096)));

static net_page tx_ring_page, rx_ring_page;
static net_page rx_bufs[NET_NRX], tx_bufs[NET_NTX];
static grant_ref_t rx_refs[NET_NRX], tx_refs[NET_NTX];
static netif_tx_front_ring_t tx;
static netif_rx_front_ring_t rx;
static evtchn_port_t tx_port, rx_port; /* the same port unless split */
static domid_t backend_id;
static char backend[128];
static uint16_t tx_free[NET_NTX]; /* stack of idle tx buffer ids */
static unsigned int ntx_free;
static int net_up;

/* A decimal node's value, as read. */
static int
parse_int(const char *buf, unsigned long *v)
{
	char *end;

	*v = strtoul(buf, &end, 10);
	return buf[0] != '\0' && *end == '\0' ? 0 : -UK_EINVAL;
}

static int
read_int(const char *path, unsigned long *v)
{
	char buf[16];
	int n;

	if ((n = uk_xs_read(path, buf, sizeof(buf))) < 0)
		return n;
	return parse_int(buf, v);
}

/* The handshake's watch of the backend's state. */
struct bwatch {
	struct uk_xs_watch w;
	struct uk_xs_post set; /* the posted watch's reply */
	int changed;
	int skip_first; /* the state was read with the watch's setting */
	int linked;	/* posted: its unwatch is owed */
};

static void
backend_changed(struct uk_xs_watch *w, const char *path, void *arg)
{
	struct bwatch *bw = arg;

	(void)w;
	(void)path;
	/* The first firing comes as the watch is set: it only says "read
	 * it now", and the state was read then already. */
	if (bw->skip_first) {
		bw->skip_first = 0;
		return;
	}
	bw->changed = 1;
}

/*
 * Waits until the backend's state, watched (its watch sets *changed),
 * is at least want; returns the state.  A watch, not a polling loop:
 * with many domains booting at once, each polling xenstored every few
 * milliseconds slows down the very dom0 work (hotplug, netback) they are
 * all waiting for.  The watch's first firing says "read it now".
 */
static int
wait_backend(const char *path, struct bwatch *bw, unsigned long want,
    unsigned long *state, uint64_t deadline)
{
	for (;;) {
		if (bw->set.done && bw->set.rc != 0)
			return bw->set.rc; /* the watch was refused */
		if (bw->changed) {
			bw->changed = 0;
			if (read_int(path, state) == 0 && *state >= want)
				return 0;
		}
		if (uk_now() >= deadline)
			return -UK_ETIMEDOUT;
		(void)uk_poll(deadline);
	}
}

/*
 * Follows the backend's state: posts bw's watch on path, reads the state
 * and the key at also (NULL: none) in one round trip, and waits for the
 * state to reach want if it has not.  1: reached at once (*also_rc and
 * also_buf hold the key's read); 0: reached after a wait (the key is
 * left to read again); else an error.  *state is the state seen.  The
 * caller posts the unwatch if bw->linked (also after an error: the
 * watch must not outlive bw, the caller's).
 */
static int
follow_backend(struct bwatch *bw, const char *path, unsigned long want,
    unsigned long *state, uint64_t deadline, const char *also, char *also_buf,
    size_t also_size, int *also_rc)
{
	char sbuf[16];
	const char *paths[] = { path, also };
	char *const bufs[] = { sbuf, also_buf };
	const size_t sizes[] = { sizeof(sbuf), also_size };
	size_t n = also != NULL ? 2 : 1;
	int rc, rcs[2];

	memset(bw, 0, sizeof(*bw));
	if ((rc = xenstore_post_watch(&bw->w, path, backend_changed, bw,
		 &bw->set)) != 0)
		return rc;
	bw->linked = 1;
	if ((rc = uk_xs_read_all(paths, bufs, sizes, rcs, n)) != 0)
		return rc;
	if (rcs[0] >= 0 && parse_int(sbuf, state) == 0 && *state >= want) {
		/* Its first firing came before these replies. */
		bw->skip_first = 1;
		if (also_rc != NULL)
			*also_rc = rcs[1];
		return 1;
	}
	return wait_backend(path, bw, want, state, deadline);
}

/* The buffers' grants (the rings' are made with the rings). */
static int
grant_bufs(void)
{
	int i, rc = 0;

	for (i = 0; i < NET_NRX; i++)
		rc |= gnttab_grant(backend_id, rx_bufs[i], 0, &rx_refs[i]);
	for (i = 0; i < NET_NTX; i++)
		rc |= gnttab_grant(backend_id, tx_bufs[i], 1, &tx_refs[i]);
	return rc != 0 ? -UK_ENOSPC : 0;
}

static void
rx_post(uint16_t id)
{
	netif_rx_request_t *req = RING_GET_REQUEST(&rx, rx.req_prod_pvt);
	int notify;

	req->id = id;
	req->gref = rx_refs[id];
	rx.req_prod_pvt++;
	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&rx, notify);
	if (notify)
		evtchn_notify(rx_port);
}

/* Takes back the tx buffers the backend is done with. */
static void
tx_reap(void)
{
	netif_tx_response_t *rsp;
	RING_IDX prod, cons;
	int more;

	do {
		prod = tx.sring->rsp_prod;
		xen_rmb();
		for (cons = tx.rsp_cons; cons != prod; cons++) {
			rsp = RING_GET_RESPONSE(&tx, cons);
			if (rsp->status == NETIF_RSP_NULL)
				continue;
			if (rsp->id < NET_NTX && ntx_free < NET_NTX)
				tx_free[ntx_free++] = rsp->id;
		}
		tx.rsp_cons = cons;
		RING_FINAL_CHECK_FOR_RESPONSES(&tx, more);
	} while (more);
}

static int
net_handler(void *arg)
{
	int more;

	(void)arg;
	tx_reap();
	RING_FINAL_CHECK_FOR_RESPONSES(&rx, more);
	return more ? 1 : 0;
}

/*
 * One event channel per ring when netback offers it, as Linux's netfront
 * does.  With a single channel, Linux's netback serves both rings from
 * one interrupt whose late EOI two parties (the transmit NAPI poll and
 * the receive thread) may each send; in the testbed about one guest in
 * two hundred had that interrupt left masked in dom0 with its first
 * transmit request pending, and never transmitted.  Split channels are
 * the path every Linux guest takes.
 */
static int
ports_alloc(unsigned long split)
{
	if (evtchn_alloc_unbound(backend_id, &tx_port) != 0)
		return -UK_EIO;
	rx_port = tx_port;
	if (split && evtchn_alloc_unbound(backend_id, &rx_port) != 0)
		return -UK_EIO;
	return 0;
}

/*
 * Our half of the handshake, in one XenStore round trip (each costs a
 * boot several milliseconds): the rings, the event channels, what we
 * ask for, and state = Connected last, which xenstored's ordering keeps
 * last.
 */
#define NET_NKEYS 9

struct net_keys {
	char paths[NET_NKEYS][48], vals[NET_NKEYS][16];
	const char *pp[NET_NKEYS], *vp[NET_NKEYS];
	size_t n;
};

static void
key_add(struct net_keys *k, const char *name, unsigned long v)
{
	snprintf(k->paths[k->n], sizeof(k->paths[0]), NET_VIF "/%s", name);
	snprintf(k->vals[k->n], sizeof(k->vals[0]), "%lu", v);
	k->pp[k->n] = k->paths[k->n];
	k->vp[k->n] = k->vals[k->n];
	k->n++;
}

static int
write_keys(grant_ref_t txr, grant_ref_t rxr)
{
	struct net_keys k;

	k.n = 0;
	key_add(&k, "tx-ring-ref", txr);
	key_add(&k, "rx-ring-ref", rxr);
	if (rx_port == tx_port)
		key_add(&k, "event-channel", tx_port);
	else {
		key_add(&k, "event-channel-tx", tx_port);
		key_add(&k, "event-channel-rx", rx_port);
	}
	key_add(&k, "request-rx-copy", 1);
	key_add(&k, "feature-rx-notify", 1);
	key_add(&k, "feature-no-csum-offload", 1);
	key_add(&k, "feature-sg", 0);
	key_add(&k, "state", XenbusStateConnected);
	return xenstore_write_all(k.pp, k.vp, k.n);
}

/*
 * The handshake, under one watch of the backend's state.  The watch is
 * posted and the state read with the split-channel feature in the same
 * round trip: the backend is usually at InitWait before we run (a domain
 * shell's vif is made with the shell, libxl's before the unpause), and
 * waiting for the watch's first firing to read it, then reading the
 * feature, cost two round trips more.
 */
static int
handshake(void)
{
	struct bwatch bw;
	grant_ref_t txr, rxr;
	uint64_t deadline = uk_now() + NET_TIMEOUT;
	unsigned long state = 0, split = 0;
	char path[160], fpath[160], fbuf[16];
	int rc, frc = -UK_ENOENT;

	snprintf(path, sizeof(path), "%s/state", backend);
	snprintf(fpath, sizeof(fpath), "%s/feature-split-event-channels",
	    backend);
	rc = follow_backend(&bw, path, XenbusStateInitWait, &state, deadline,
	    fpath, fbuf, sizeof(fbuf), &frc);
	if (rc == 1) {
		rc = 0;
		if (frc < 0 || parse_int(fbuf, &split) != 0)
			split = 0;
	} else if (rc == 0 && read_int(fpath, &split) != 0)
		split = 0;
	/* The backend reads our keys when it leaves InitWait. */
	if (rc == 0 &&
	    (gnttab_grant(backend_id, tx_ring_page, 0, &txr) != 0 ||
		gnttab_grant(backend_id, rx_ring_page, 0, &rxr) != 0))
		rc = -UK_ENOSPC;
	if (rc == 0 && (ports_alloc(split) != 0 || write_keys(txr, rxr) != 0))
		rc = -UK_EIO;
	if (rc == 0 &&
	    (rc = wait_backend(path, &bw, XenbusStateConnected, &state,
		 deadline)) == 0 &&
	    state != XenbusStateConnected)
		rc = -UK_EIO;
	/* Posted: data/status, the next thing a server writes, need not
	 * wait for it (w is unlinked at once, its storage free). */
	if (bw.linked)
		(void)xenstore_post_unwatch(&bw.w);
	return rc;
}

/*
 * A vif connected before we ran (jitsud's domain shells: its xls.c says
 * how and why).  Our folder says Connected already and names two rings
 * and two ports the toolstack made in our name: the rings granted in
 * entries it seeded (gnttab_seeded), at frames outside our image.
 * netback has mapped and bound them, or is about to: we wait for its
 * Connected (one watch, read at once, as handshake does) and write
 * nothing.  The shared rings are taken as they are (netback may have
 * written its event indexes); only our private indexes start at 0, as
 * nothing was ever posted on them.  told: the command line named them,
 * netback was Connected before we ran; nothing to read or wait for.
 */
static int
adopt(const unsigned long v[4], int told)
{
	struct bwatch bw;
	uint64_t deadline = uk_now() + NET_TIMEOUT, txg, rxg;
	unsigned long state = 0;
	void *txp, *rxp;
	char path[160];
	int rc;

	if (v[2] == 0 || v[2] >= NET_NPORTS || v[3] == 0 ||
	    v[3] >= NET_NPORTS ||
	    gnttab_seeded((grant_ref_t)v[0], backend_id, &txg) != 0 ||
	    gnttab_seeded((grant_ref_t)v[1], backend_id, &rxg) != 0 ||
	    (txp = xen_frame_at(txg)) == NULL ||
	    (rxp = xen_frame_at(rxg)) == NULL) {
		printf("netfront: the vif connected ahead names rings or "
		       "ports we cannot take\n");
		return -UK_EINVAL;
	}
	FRONT_RING_INIT(&tx, (netif_tx_sring_t *)txp, 4096);
	FRONT_RING_INIT(&rx, (netif_rx_sring_t *)rxp, 4096);
	tx_port = (evtchn_port_t)v[2];
	rx_port = (evtchn_port_t)v[3];
	if (told)
		return 0;
	snprintf(path, sizeof(path), "%s/state", backend);
	rc = follow_backend(&bw, path, XenbusStateConnected, &state, deadline,
	    NULL, NULL, 0, NULL);
	if (rc == 1)
		rc = 0;
	if (rc == 0 && state != XenbusStateConnected)
		rc = -UK_EIO;
	if (bw.linked)
		(void)xenstore_post_unwatch(&bw.w);
	return rc;
}

static int
net_connect(const unsigned long *ahead, int told)
{
	int rc, i;

	if (ahead != NULL)
		rc = adopt(ahead, told);
	else {
		SHARED_RING_INIT((netif_tx_sring_t *)tx_ring_page);
		FRONT_RING_INIT(&tx, (netif_tx_sring_t *)tx_ring_page, 4096);
		SHARED_RING_INIT((netif_rx_sring_t *)rx_ring_page);
		FRONT_RING_INIT(&rx, (netif_rx_sring_t *)rx_ring_page, 4096);
		rc = handshake();
	}
	if (rc == 0 && grant_bufs() != 0)
		rc = -UK_ENOSPC;
	if (rc != 0)
		return rc;
	for (i = 0; i < NET_NTX; i++)
		tx_free[ntx_free++] = (uint16_t)i;
	for (i = 0; i < NET_NRX; i++)
		rx_post((uint16_t)i);
	evtchn_handler(tx_port, net_handler, NULL);
	if (rx_port != tx_port)
		evtchn_handler(rx_port, net_handler, NULL);
	return 0;
}

/*
 * Up: say so, how (ahead: adopted, with how it was named), and what the
 * handshake cost since t0, req0 and wait0 (xenstore_stats then).
 */
static void
net_opened(const unsigned long *ahead, const char *how, uint64_t t0,
    unsigned int req0, uint64_t wait0)
{
	unsigned int req1, waits;
	uint64_t wait1;

	net_up = 1;
	if (ahead != NULL)
		printf("netfront: adopted the vif connected ahead%s "
		       "(tx port %lu, rx port %lu)\n",
		    how, ahead[2], ahead[3]);
	/* Where a boot's time goes: most of it is this handshake. */
	xenstore_stats(&req1, &wait1, &waits);
	/* The round trips since boot: what a change to the boot path
	 * costs or saves (the nested uk-httpd test bounds them). */
	printf("netfront: connected in %lu ms; %u XenStore requests "
	       "waited %lu ms of it; %u round trips waited since boot\n",
	    (unsigned long)((uk_now() - t0) / 1000000), req1 - req0,
	    (unsigned long)((wait1 - wait0) / 1000000), waits);
}

/*
 * A vif connected ahead that the command line names (jitsu.vif): the
 * rings adopted as adopt does, with no XenStore request at all (the
 * folder's eight reads and the wait for netback's Connected were 11
 * requests and two round trips of every boot from jitsud's pool).
 */
static int
net_open_told(const struct vif_arg *v, struct uk_netinfo *info)
{
	const unsigned long ahead[4] = { v->tx_ref, v->rx_ref, v->tx_port,
		v->rx_port };
	unsigned int req0, waits;
	uint64_t t0, wait0;
	int rc;

	memcpy(info->mac, v->mac, sizeof(v->mac));
	backend_id = (domid_t)v->backend;
	xenstore_stats(&req0, &wait0, &waits);
	t0 = uk_now();
	if ((rc = net_connect(ahead, 1)) != 0)
		return rc;
	net_opened(ahead, ", named on the command line", t0, req0, wait0);
	return 0;
}

/*
 * Our folder, in one round trip: what every vif has, then our own
 * state and what a vif connected ahead has (adopt): absent, or state
 * below Connected, for one we connect ourselves.
 */
#define NET_NOPEN 8

int
uk_net_open(struct uk_netinfo *info)
{
	static const char *const paths[NET_NOPEN] = { NET_VIF "/mac",
		NET_VIF "/backend-id", NET_VIF "/backend", NET_VIF "/state",
		NET_VIF "/tx-ring-ref", NET_VIF "/rx-ring-ref",
		NET_VIF "/event-channel-tx", NET_VIF "/event-channel-rx" };
	char mac[32], idbuf[16], ahead_buf[5][16];
	char *const bufs[NET_NOPEN] = { mac, idbuf, backend, ahead_buf[0],
		ahead_buf[1], ahead_buf[2], ahead_buf[3], ahead_buf[4] };
	const size_t sizes[NET_NOPEN] = { sizeof(mac), sizeof(idbuf),
		sizeof(backend), 16, 16, 16, 16, 16 };
	unsigned long id, state, ahead[4];
	uint64_t t0, wait0;
	unsigned int req0, waits;
	int rc, rcs[NET_NOPEN], i, adopting;
	struct vif_arg told;
	char arg[96];

	if (net_up)
		return -UK_EBUSY;
	/* Named on the command line: nothing to ask XenStore. */
	rc = uk_cmdline_get("jitsu.vif", arg, sizeof(arg));
	if (rc > 0 && vif_arg_parse(arg, &told) == 0)
		return net_open_told(&told, info);
	if (rc != -UK_ENOENT)
		printf("netfront: jitsu.vif=%s: not MAC,BACKEND,TXREF,RXREF,"
		       "TXPORT,RXPORT; reading XenStore\n",
		    rc >= 0 ? arg : "(too long)");
	if ((rc = uk_xs_read_all(paths, bufs, sizes, rcs, NET_NOPEN)) != 0)
		return rc;
	for (i = 0; i < 3; i++)
		if (rcs[i] < 0)
			return rcs[i];
	adopting = rcs[3] >= 0 && parse_int(ahead_buf[0], &state) == 0 &&
	    state == XenbusStateConnected;
	for (i = 0; adopting && i < 4; i++)
		if (rcs[4 + i] < 0 ||
		    parse_int(ahead_buf[1 + i], &ahead[i]) != 0)
			return -UK_EINVAL; /* Connected, but not by us */
	if ((rc = mac_parse(mac, info->mac)) != 0)
		return rc;
	if ((rc = parse_int(idbuf, &id)) != 0)
		return rc;
	backend_id = (domid_t)id;
	xenstore_stats(&req0, &wait0, &waits);
	t0 = uk_now();
	if ((rc = net_connect(adopting ? ahead : NULL, 0)) != 0)
		return rc;
	net_opened(adopting ? ahead : NULL, "", t0, req0, wait0);
	return 0;
}

static void
port_dump(const char *which, evtchn_port_t p)
{
	const xen_ulong_t *pend = xenplat.shared_info->evtchn_pending;
	const xen_ulong_t *mask = xenplat.shared_info->evtchn_mask;
	unsigned int bits = sizeof(xen_ulong_t) * 8;

	printf("netfront: %s port %u pending %d masked %d\n", which, p,
	    (int)((pend[p / bits] >> (p % bits)) & 1),
	    (int)((mask[p / bits] >> (p % bits)) & 1));
}

/*
 * The rings as we see them, for `xl sysrq DOMAIN n' (shutdown.c): with
 * netback's own view (its debugfs io_ring_q0) it says which side of
 * which ring stopped.
 */
void
netfront_dump(void)
{
	if (!net_up) {
		printf("netfront: not connected\n");
		return;
	}
	printf("netfront: tx req_prod %u (pvt %u) rsp_prod %u cons %u "
	       "req_event %u rsp_event %u free %u\n",
	    tx.sring->req_prod, tx.req_prod_pvt, tx.sring->rsp_prod,
	    tx.rsp_cons, tx.sring->req_event, tx.sring->rsp_event, ntx_free);
	printf("netfront: rx req_prod %u (pvt %u) rsp_prod %u cons %u "
	       "req_event %u rsp_event %u\n",
	    rx.sring->req_prod, rx.req_prod_pvt, rx.sring->rsp_prod,
	    rx.rsp_cons, rx.sring->req_event, rx.sring->rsp_event);
	port_dump("tx", tx_port);
	if (rx_port != tx_port)
		port_dump("rx", rx_port);
}

int
uk_net_send(const void *frame, size_t len)
{
	netif_tx_request_t *req;
	uint16_t id;
	int notify;

	if (!net_up)
		return -UK_EIO;
	if (len < 14 || len > UK_NET_MTU_FRAME)
		return -UK_EINVAL;
	tx_reap();
	if (ntx_free == 0)
		return -UK_EAGAIN;
	id = tx_free[--ntx_free];
	memcpy(tx_bufs[id], frame, len);
	req = RING_GET_REQUEST(&tx, tx.req_prod_pvt);
	req->gref = tx_refs[id];
	req->offset = 0;
	req->flags = 0;
	req->id = id;
	req->size = (uint16_t)len;
	tx.req_prod_pvt++;
	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&tx, notify);
	if (notify)
		evtchn_notify(tx_port);
	return 0;
}

int
uk_net_recv(void *buf, size_t size)
{
	netif_rx_response_t rsp;
	int rc;

	if (!net_up)
		return -UK_EIO;
	for (;;) {
		if (!RING_HAS_UNCONSUMED_RESPONSES(&rx))
			return -UK_EAGAIN;
		xen_rmb();
		/* One copy of the shared slot: the backend may rewrite it. */
		memcpy(&rsp, RING_GET_RESPONSE(&rx, rx.rsp_cons), sizeof(rsp));
		rx.rsp_cons++;
		if (rsp.id >= NET_NRX)
			uk_panic("netfront: rx response id %u", rsp.id);
		/* Errors and multi-slot frames (never negotiated): drop. */
		if (rsp.status <= 0 ||
		    (rsp.flags & (NETRXF_more_data | NETRXF_extra_info)) != 0 ||
		    (size_t)rsp.offset + (size_t)rsp.status > 4096) {
			rx_post(rsp.id);
			continue;
		}
		rc = (size_t)rsp.status > size ? -UK_E2BIG : rsp.status;
		if (rc > 0)
			memcpy(buf, rx_bufs[rsp.id] + rsp.offset, (size_t)rc);
		rx_post(rsp.id);
		return rc;
	}
}
