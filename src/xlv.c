/* xlv.c -- a guest's vif made and plugged by jitsud (vif-plug inline) */
#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "jitsud.h"
#include "log.h"
#include "xl.h"

/*
 * Why jitsud makes the vif itself instead of handing libxl a nic.
 *
 * The goal is no fork and no exec on the summon path.  libxl 4.17 has
 * no way left to be told not to run a vif's hotplug script from dom0:
 *
 * - libxl__wait_device_connection (libxl_device.c) waits for the
 *   backend's InitWait, then device_hotplug asks
 *   libxl__get_hotplug_script_info (libxl_linux.c); for a vif that is
 *   libxl__hotplug_nic, which reads the backend's `script' node and
 *   runs it (fork, exec) on the first execution, whatever the nic type.
 *   No `script' node is an error that fails the device, hence the build.
 * - The udev mode (xl.conf's run_hotplug_scripts=0, which made libxl
 *   write libxl/disable_udev and wait for udev's script instead) was
 *   taken out of libxl in 2015, with the udev rules; the create-info
 *   field run_hotplug_scripts still exists but nothing reads it.
 * - device_hotplug skips scripts only when the backend lives in another
 *   domain than the toolstack (a driver domain), or for a stub domain's
 *   second vif: neither is our dom0 netback.
 * - The child hooks' fork_replacement must behave like fork(2): a fake
 *   child would break that contract (and the save helper uses it too).
 *
 * So in inline mode libxl builds the domain without a nic, and before
 * the domain first runs we write the two XenStore folders libxl would
 * have written (libxl_nic.c, libxl__device_generic_add): the frontend
 * under the guest's device/vif/0 and the backend under dom0's
 * backend/vif/D/0, in one transaction, with the same owners.  netback
 * probes the backend, makes vifD.0 and reaches InitWait; we put vifD.0
 * into the bridge and bring it up through rtnetlink (netlink.c), then
 * write hotplug-status=connected, which netback waits for before it
 * goes Connected.  The guest's netfront meanwhile sets up its rings:
 * the device comes up in parallel with the guest's boot instead of
 * before its unpause.  Nobody else is affected: `xl' and other libxl
 * users on this dom0 still run their scripts; only jitsud's domains
 * have a vif libxl does not know of (`xl network-list' shows none).
 *
 * The price: libxl does not remove what it did not make.  When the
 * domain is gone jitsud removes the backend folder (xlv_remove), and
 * netback then deletes vifD.0, which leaves the bridge with it; the
 * frontend folder goes with the domain's own.  A domain destroyed while
 * jitsud is not running leaves its backend folder (and vifD.0, down)
 * until a later jitsud adopts it or someone removes the folder.
 */

#define XLV_DEVID	   0
#define XLV_INITWAIT_S	   20 /* libxl waits 10 s for InitWait */
#define XLV_RETRY_MS	   10 /* vifD.0 not made yet: look again */
#define XLV_RETRIES	   100
#define XLV_STATE_INITWAIT "2"

struct xlv {
	struct store	   *st;
	uint32_t	    domid;
	char		    ifname[BINDING_BRIDGE_MAX];
	char		    bridge[BINDING_BRIDGE_MAX];
	char		    backend[STORE_PATH_MAX];
	struct store_watch *initwait;
	struct event	   *retry, *deadline;
	int		    tries;
	void (*done)(void *, const char *);
	void *arg;
};

/* One rtnetlink socket per builder thread, opened at first use. */
static _Thread_local int xlv_nl = -1;

/* vif-plug inline: libxl gets no nic; xlv.c makes it from this. */
void
xlv_nic_of(const struct binding *b, struct xlv_nic *nic)
{
	memset(nic, 0, sizeof(*nic));
	memcpy(nic->mac, b->mac, sizeof(nic->mac));
	snprintf(nic->bridge, sizeof(nic->bridge), "%s", b->bridge);
	if (b->has_ip)
		inet_ntop(AF_INET, &b->ip, nic->ip, sizeof(nic->ip));
}

int
xlv_ifname(uint32_t domid, char *buf, size_t len)
{
	int n = snprintf(buf, len, "vif%u.%d", domid, XLV_DEVID);

	return n < 0 || (size_t)n >= len ? -1 : 0;
}

static void
xlv_put(struct xlv_dirs *d, int back, const char *key, const char *value)
{
	size_t *n = back ? &d->nback : &d->nfront;

	if (*n >= XLV_KEYS_MAX)
		return;
	if (back) {
		d->bkeys[*n] = key;
		snprintf(d->bval[*n], sizeof(d->bval[*n]), "%s", value);
		d->bvalues[*n] = d->bval[*n];
	} else {
		d->fkeys[*n] = key;
		snprintf(d->fval[*n], sizeof(d->fval[*n]), "%s", value);
		d->fvalues[*n] = d->fval[*n];
	}
	(*n)++;
}

/*
 * The keys netfront and netback read, as libxl writes them for a nic of
 * type vif.  `script' stays empty: netback wants the node, and nobody
 * is to run anything.  hotplug-status starts empty so that netback
 * waits for our "connected" before it goes Connected.
 */
void
xlv_dirs(uint32_t domid, const struct xlv_nic *nic, struct xlv_dirs *d)
{
	char mac[18], id[12], front[STORE_PATH_MAX], back[STORE_PATH_MAX];

	memset(d, 0, sizeof(*d));
	snprintf(front, sizeof(front), "/local/domain/%u/device/vif/%d", domid,
	    XLV_DEVID);
	snprintf(back, sizeof(back), "/local/domain/0/backend/vif/%u/%d", domid,
	    XLV_DEVID);
	memcpy(d->front, front, sizeof(front));
	memcpy(d->back, back, sizeof(back));
	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", nic->mac[0],
	    nic->mac[1], nic->mac[2], nic->mac[3], nic->mac[4], nic->mac[5]);
	snprintf(id, sizeof(id), "%u", domid);
	xlv_put(d, 0, "backend", back);
	xlv_put(d, 0, "backend-id", "0");
	xlv_put(d, 0, "state", "1");
	xlv_put(d, 0, "handle", "0");
	xlv_put(d, 0, "mac", mac);
	xlv_put(d, 1, "frontend", front);
	xlv_put(d, 1, "frontend-id", id);
	xlv_put(d, 1, "online", "1");
	xlv_put(d, 1, "state", "1");
	xlv_put(d, 1, "script", "");
	xlv_put(d, 1, "mac", mac);
	xlv_put(d, 1, "bridge", nic->bridge);
	xlv_put(d, 1, "handle", "0");
	xlv_put(d, 1, "type", "vif");
	xlv_put(d, 1, "hotplug-status", "");
	if (nic->ip[0] != '\0')
		xlv_put(d, 1, "ip", nic->ip);
}

static void
xlv_stop(struct xlv *x)
{
	store_unwatch(x->initwait);
	x->initwait = NULL;
	evtimer_del(x->retry);
	evtimer_del(x->deadline);
}

/* Ends it: the watch and timers gone, the caller told (last thing). */
static void
xlv_finish(struct xlv *x, const char *why)
{
	char path[STORE_PATH_MAX + 16];

	xlv_stop(x);
	if (why != NULL) {
		/* As a failed hotplug script leaves it, for whoever looks. */
		snprintf(path, sizeof(path), "%s/hotplug-error", x->backend);
		store_write(x->st, path, why);
		snprintf(path, sizeof(path), "%s/hotplug-status", x->backend);
		store_write(x->st, path, "error");
	}
	x->done(x->arg, why);
}

static void
xlv_fail(struct xlv *x, const char *what, const char *name)
{
	char why[160];

	snprintf(why, sizeof(why), "%s: %s %.80s: %s", x->ifname, what, name,
	    strerror(errno));
	xlv_finish(x, why);
}

static void xlv_plug(struct xlv *);

static void
xlv_retry_fired(int fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	xlv_plug(arg);
}

/*
 * netback switches to InitWait from its probe, which makes vifD.0 too:
 * the link is normally there when the watch fires, but a short wait for
 * it is cheap insurance.
 */
static void
xlv_plug(struct xlv *x)
{
	struct timeval tv = { 0, XLV_RETRY_MS * 1000 };
	struct nl_link br, vif;
	char	       path[STORE_PATH_MAX + 16];

	if ((xlv_nl == -1 && (xlv_nl = nl_open()) == -1) ||
	    nl_link_get(xlv_nl, 0, x->bridge, &br) == -1) {
		xlv_fail(x, "cannot plug into bridge", x->bridge);
		return;
	}
	if (nl_link_get(xlv_nl, 0, x->ifname, &vif) == -1) {
		if (errno == ENODEV && ++x->tries < XLV_RETRIES)
			evtimer_add(x->retry, &tv);
		else
			xlv_fail(x, "no such interface for bridge", x->bridge);
		return;
	}
	if (nl_link_plug(xlv_nl, vif.index, br.index) == -1) {
		xlv_fail(x, "cannot plug into bridge", x->bridge);
		return;
	}
	snprintf(path, sizeof(path), "%s/hotplug-status", x->backend);
	if (store_write(x->st, path, "connected") == -1) {
		xlv_fail(x, "cannot write", path);
		return;
	}
	log_debug("%s: in bridge %s, up, connected", x->ifname, x->bridge);
	xlv_finish(x, NULL);
}

static void
xlv_initwait(void *arg)
{
	struct xlv *x = arg;

	x->initwait = NULL;
	xlv_plug(x);
}

static void
xlv_deadline_fired(int fd, short ev, void *arg)
{
	struct xlv *x = arg;
	char	    why[160];

	(void)fd;
	(void)ev;
	snprintf(why, sizeof(why),
	    "%s: its backend did not reach InitWait in %d s (bridge %s)",
	    x->ifname, XLV_INITWAIT_S, x->bridge);
	xlv_finish(x, why);
}

static int
xlv_write(struct xlv *x, const struct xlv_nic *nic)
{
	struct xlv_dirs *d;
	struct store_dir dirs[2];
	int		 rc;

	if ((d = malloc(sizeof(*d))) == NULL)
		return -1;
	xlv_dirs(x->domid, nic, d);
	snprintf(x->backend, sizeof(x->backend), "%s", d->back);
	/* The frontend first: netback's probe reads it at once. */
	dirs[0] = (struct store_dir){ d->front, x->domid, 0, d->fkeys,
		d->fvalues, d->nfront };
	dirs[1] = (struct store_dir){ d->back, 0, x->domid, d->bkeys,
		d->bvalues, d->nback };
	rc = store_make_dirs(x->st, dirs, 2);
	free(d);
	return rc;
}

struct xlv *
xlv_open(struct store *st, struct event_base *base, uint32_t domid,
    const struct xlv_nic *nic, void (*done)(void *, const char *), void *arg)
{
	struct timeval tv = { XLV_INITWAIT_S, 0 };
	struct xlv    *x;
	char	       path[STORE_PATH_MAX + 16];

	if (st == NULL || (x = calloc(1, sizeof(*x))) == NULL)
		return NULL;
	x->st = st;
	x->domid = domid;
	x->done = done;
	x->arg = arg;
	xlv_ifname(domid, x->ifname, sizeof(x->ifname));
	snprintf(x->bridge, sizeof(x->bridge), "%s", nic->bridge);
	if ((x->retry = evtimer_new(base, xlv_retry_fired, x)) == NULL ||
	    (x->deadline = evtimer_new(base, xlv_deadline_fired, x)) == NULL ||
	    xlv_write(x, nic) == -1)
		goto err;
	snprintf(path, sizeof(path), "%s/state", x->backend);
	if ((x->initwait = store_watch(st, path, XLV_STATE_INITWAIT,
		 xlv_initwait, x)) == NULL)
		goto err;
	evtimer_add(x->deadline, &tv);
	return x;
err:
	xlv_close(x);
	return NULL;
}

void
xlv_close(struct xlv *x)
{
	if (x == NULL)
		return;
	store_unwatch(x->initwait);
	if (x->retry != NULL)
		event_free(x->retry);
	if (x->deadline != NULL)
		event_free(x->deadline);
	free(x);
}

void
xlv_remove(struct store *st, uint32_t domid)
{
	char path[STORE_PATH_MAX];

	if (st == NULL)
		return;
	snprintf(path, sizeof(path), "/local/domain/0/backend/vif/%u", domid);
	store_rm(st, path);
}
