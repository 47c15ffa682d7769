/* xlv.c -- a guest's vif made and plugged by jitsud (vif-plug inline) */
#include <arpa/inet.h>
#include <linux/if.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
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
 * A domain shell (xls.c) has its vif made with it, by the pool
 * (xlp.c, xlv_premake): both folders but the binding's MAC, bridge and
 * address, which a summon writes in a row (xlv_open, premade).  netback
 * has made vifD.0 by then, so the plug always comes before the guest
 * runs, and the summon spends a few writes instead of a transaction of
 * two folders (100-200 ms in the nested testbed).  With shell-vif
 * connected, the pool writes the frontend's half too (xlv_ahead_keys,
 * xls.c says why) and hotplug-status with it: netback is Connected long
 * before the summon, whose plug then writes nothing.
 *
 * The price: libxl does not remove what it did not make.  When the
 * domain is gone jitsud removes the backend folder (xlv_remove), and
 * netback then deletes vifD.0, which leaves the bridge with it; the
 * frontend folder goes with the domain's own.  A domain destroyed while
 * jitsud is not running leaves its backend folder (and vifD.0, down)
 * until a later jitsud adopts it or someone removes the folder.
 */

/*
 * Why "connected" may wait for the kernel's link watcher.
 *
 * netback turns vifD.0's carrier on as soon as the guest's netfront has
 * connected its rings, whether or not the device is up.  A carrier
 * change on a device that is down is not urgent to the kernel's link
 * watcher (net/core/link_watch.c): it is handled in the next batch,
 * which comes at most once a second.  Bringing the device up does not
 * hurry it, and the bridge enables a port only once the link watcher
 * has set the device's operational state up.  So when the guest wins
 * the race against our plug (a busy builder, parallel summons), the
 * port stays disabled for up to a second after the plug: the guest's
 * announcements and the client's ARP never cross it, and a guest that
 * says it is ready is not reachable (measured: one guest in 2 to 5 of
 * 8 runs of four summons at once, for 0.5-1 s).  Nothing a program can ask of
 * this kernel (6.1) runs the batch sooner: an ethtool link query does
 * not, and the bridge refuses a port state set by hand while the
 * device is not operationally up.  So in that state (up, carrier, not
 * running) we write hotplug-status only once the link watcher has run:
 * netback stays short of Connected, and the guest's network is not
 * ready before it can be reached.  A vif plugged before its carrier
 * comes (the usual case, and always when it is plugged before the
 * unpause, xlv_plug_now) never waits: that carrier change is urgent.
 * A vif connected ahead had its carrier while down, at the pool's
 * make: noted by the next batch, long before the summon takes the
 * shell (the pool hands out its oldest); the plug then enables the
 * port at once.  Were it taken within that second, nothing is left to
 * hold back (netback is Connected), and the wait is only logged.
 */
#define XLV_DEVID	  0
#define XLV_INITWAIT_S	  20 /* libxl waits 10 s for InitWait */
#define XLV_RETRY_MS	  10 /* vifD.0 not made yet: look again */
#define XLV_RETRIES	  100
#define XLV_SETTLE_MS	  10   /* link watcher not run yet: look again */
#define XLV_SETTLE_MAX_MS 1500 /* its batches are 1 s apart at most */
#define XLV_INITWAIT	  2    /* XenbusStateInitWait */
#define XLV_CONNECTED	  4    /* XenbusStateConnected */
#define XLV_CLOSING	  5    /* XenbusStateClosing, then Closed (6) */
#define XLV_CLOSED	  6
#define XLV_GONE(s)	  ((s) == XLV_CLOSING || (s) == XLV_CLOSED)

struct xlv {
	struct store	   *st;
	uint32_t	    domid;
	char		    ifname[BINDING_BRIDGE_MAX];
	char		    bridge[BINDING_BRIDGE_MAX];
	char		    backend[STORE_PATH_MAX];
	struct store_watch *initwait;
	int		    watch_owed; /* premade: set by xlv_plug_now */
	int		    ahead;	/* connected ahead: nothing to write */
	int		    connected;	/* ahead, Connected at the plug */
	struct event	   *retry, *deadline, *settle;
	int		    tries;
	uint64_t	    pending_ms; /* when first seen pending, or 0 */
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
 *
 * With nic NULL, a shell's vif (xlv_premake): everything but what names
 * the binding, its MAC (netfront reads it as it starts, netback as it
 * connects), bridge and address; xlv_binding_dirs has those.
 */
/* The backend's folder for domid's vifs: backend/vif/D. */
static void
xlv_backend_dir(uint32_t domid, char *buf, size_t len)
{
	snprintf(buf, len, "/local/domain/0/backend/vif/%u", domid);
}

/* d emptied, its two folders named. */
static void
xlv_paths(uint32_t domid, struct xlv_dirs *d)
{
	memset(d, 0, sizeof(*d));
	snprintf(d->front, sizeof(d->front), "/local/domain/%u/device/vif/%d",
	    domid, XLV_DEVID);
	snprintf(d->back, sizeof(d->back), "/local/domain/0/backend/vif/%u/%d",
	    domid, XLV_DEVID);
}

void
xlv_dirs(uint32_t domid, const struct xlv_nic *nic, struct xlv_dirs *d)
{
	char id[12], front[STORE_PATH_MAX], back[STORE_PATH_MAX];

	xlv_paths(domid, d);
	/* Copies: a key's value must not alias d. */
	memcpy(front, d->front, sizeof(front));
	memcpy(back, d->back, sizeof(back));
	snprintf(id, sizeof(id), "%u", domid);
	xlv_put(d, 0, "backend", back);
	xlv_put(d, 0, "backend-id", "0");
	xlv_put(d, 0, "state", "1");
	xlv_put(d, 0, "handle", "0");
	xlv_put(d, 1, "frontend", front);
	xlv_put(d, 1, "frontend-id", id);
	xlv_put(d, 1, "online", "1");
	xlv_put(d, 1, "state", "1");
	xlv_put(d, 1, "script", "");
	xlv_put(d, 1, "handle", "0");
	xlv_put(d, 1, "type", "vif");
	xlv_put(d, 1, "hotplug-status", "");
	if (nic != NULL)
		xlv_binding_keys(nic, d);
}

/* key's value in d, replaced where xlv_dirs put it, else added. */
static void
xlv_set(struct xlv_dirs *d, int back, const char *key, const char *value)
{
	const char **keys = back ? d->bkeys : d->fkeys;
	char(*val)[STORE_PATH_MAX] = back ? d->bval : d->fval;
	size_t n = back ? d->nback : d->nfront, i;

	for (i = 0; i < n; i++)
		if (strcmp(keys[i], key) == 0) {
			snprintf(val[i], sizeof(val[i]), "%s", value);
			return;
		}
	xlv_put(d, back, key, value);
}

static void
xlv_set_u(struct xlv_dirs *d, int back, const char *key, unsigned long v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%lu", v);
	xlv_set(d, back, key, buf);
}

/*
 * The frontend's half, as our libOS's netfront writes it (netfront.c:
 * split event channels, copying receive, no offloads, one slot a frame),
 * Connected; the backend's MAC, which netback reads as it connects (and
 * only stores), a placeholder until the summon writes the binding's;
 * hotplug-status connected, since nothing is to run.  netback, probing
 * the folder, connects at once; a guest that reads state 4 in its own
 * folder adopts the rings (xls.c says why).
 */
void
xlv_ahead_keys(const struct xls_vif *v, struct xlv_dirs *d)
{
	xlv_set_u(d, 0, "tx-ring-ref", v->tx_ref);
	xlv_set_u(d, 0, "rx-ring-ref", v->rx_ref);
	xlv_set_u(d, 0, "event-channel-tx", v->tx_port);
	xlv_set_u(d, 0, "event-channel-rx", v->rx_port);
	xlv_set(d, 0, "request-rx-copy", "1");
	xlv_set(d, 0, "feature-rx-notify", "1");
	xlv_set(d, 0, "feature-no-csum-offload", "1");
	xlv_set(d, 0, "feature-sg", "0");
	xlv_set(d, 0, "state", "4");
	xlv_set(d, 1, "mac", "00:00:00:00:00:00");
	xlv_set(d, 1, "hotplug-status", "connected");
}

/* What names the binding, added to d (its folders' paths set). */
void
xlv_binding_keys(const struct xlv_nic *nic, struct xlv_dirs *d)
{
	char mac[18];

	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", nic->mac[0],
	    nic->mac[1], nic->mac[2], nic->mac[3], nic->mac[4], nic->mac[5]);
	xlv_put(d, 0, "mac", mac);
	xlv_put(d, 1, "mac", mac);
	xlv_put(d, 1, "bridge", nic->bridge);
	if (nic->ip[0] != '\0')
		xlv_put(d, 1, "ip", nic->ip);
}

/* A shell's vif, keys of its binding only: its folders, nothing in. */
void
xlv_binding_dirs(uint32_t domid, const struct xlv_nic *nic, struct xlv_dirs *d)
{
	xlv_paths(domid, d);
	xlv_binding_keys(nic, d);
}

static void
xlv_stop(struct xlv *x)
{
	store_unwatch(x->initwait);
	x->initwait = NULL;
	evtimer_del(x->retry);
	evtimer_del(x->deadline);
	evtimer_del(x->settle);
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

/* Its own clock: the shell probe links xlv.c without vm.c. */
static uint64_t
xlv_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
xlv_why(struct xlv *x, const char *what, const char *name, char *why,
    size_t len)
{
	snprintf(why, len, "%s: %s %.80s: %s", x->ifname, what, name,
	    strerror(errno));
}

int
xlv_link_pending(unsigned int flags)
{
	return (flags & (IFF_UP | IFF_LOWER_UP | IFF_RUNNING)) ==
	    (IFF_UP | IFF_LOWER_UP);
}

/*
 * Plug vifD.0 into the bridge and bring it up: 1 done, 0 when netback
 * has not made it yet, -1 with why.
 */
static int
xlv_plug_link(struct xlv *x, char *why, size_t len)
{
	struct nl_link br, vif;

	if ((xlv_nl == -1 && (xlv_nl = nl_open()) == -1) ||
	    nl_link_get(xlv_nl, 0, x->bridge, &br) == -1) {
		xlv_why(x, "cannot plug into bridge", x->bridge, why, len);
		return -1;
	}
	if (nl_link_get(xlv_nl, 0, x->ifname, &vif) == -1) {
		if (errno == ENODEV)
			return 0;
		xlv_why(x, "cannot find", x->ifname, why, len);
		return -1;
	}
	/* A bridge port needs no IPv6 of its own (netlink.c says why). */
	if (nl_no_ipv6(x->ifname) == -1)
		log_debug("%s: cannot turn IPv6 off: %s", x->ifname,
		    strerror(errno));
	if (nl_link_plug(xlv_nl, vif.index, br.index) == -1) {
		xlv_why(x, "cannot plug into bridge", x->bridge, why, len);
		return -1;
	}
	return 1;
}

/* The backend's state as a number, or -1 when it cannot be read. */
static long
xlv_state(struct xlv *x)
{
	char path[STORE_PATH_MAX + 16], v[8], *end;
	long s;

	snprintf(path, sizeof(path), "%s/state", x->backend);
	if (store_read(x->st, path, v, sizeof(v)) == -1)
		return -1;
	s = strtol(v, &end, 10);
	return end == v || *end != '\0' ? -1 : s;
}

/*
 * hotplug-status=connected, unless the link watcher still owes the
 * plugged vif its state (see the top): 1 written, 0 to look again
 * later, -1 with why.
 */
static int
xlv_connect(struct xlv *x, char *why, size_t len)
{
	struct nl_link vif;
	char	       path[STORE_PATH_MAX + 16];

	if (nl_link_get(xlv_nl, 0, x->ifname, &vif) == -1) {
		xlv_why(x, "cannot find", x->ifname, why, len);
		return -1;
	}
	if (xlv_link_pending(vif.flags)) {
		if (x->pending_ms == 0)
			x->pending_ms = xlv_now_ms();
		if (xlv_now_ms() - x->pending_ms < XLV_SETTLE_MAX_MS)
			return 0;
		log_warnx("%s: the kernel has not set it running %llu ms "
			  "after the plug; connected anyway",
		    x->ifname,
		    (unsigned long long)(xlv_now_ms() - x->pending_ms));
	} else if (x->pending_ms != 0)
		log_info("%s: its carrier came before the plug; the kernel set "
			 "it running %llu ms after",
		    x->ifname,
		    (unsigned long long)(xlv_now_ms() - x->pending_ms));
	if (x->ahead) {
		long s = xlv_state(x);

		/* Still connecting (a shell just made) is the guest's to
		 * wait for; given up, it is no vif to summon a guest on. */
		if (XLV_GONE(s)) {
			snprintf(why, len,
			    "%s: netback closed the vif "
			    "connected ahead",
			    x->ifname);
			return -1;
		}
		x->connected = s == XLV_CONNECTED;
		log_debug("%s: in bridge %s, up, connected ahead", x->ifname,
		    x->bridge);
		return 1;
	}
	snprintf(path, sizeof(path), "%s/hotplug-status", x->backend);
	if (store_write(x->st, path, "connected") == -1) {
		xlv_why(x, "cannot write", path, why, len);
		return -1;
	}
	log_debug("%s: in bridge %s, up, connected", x->ifname, x->bridge);
	return 1;
}

/*
 * Connected now (done called), or looked at again in a moment: 0; -1
 * with why, the caller's to report.
 */
static int
xlv_settle_step(struct xlv *x, char *why, size_t len)
{
	struct timeval tv = { 0, XLV_SETTLE_MS * 1000 };

	switch (xlv_connect(x, why, len)) {
	case 1:
		xlv_finish(x, NULL);
		return 0;
	case 0:
		evtimer_add(x->settle, &tv);
		return 0;
	default:
		return -1;
	}
}

static void
xlv_settle(struct xlv *x)
{
	char why[160];

	if (xlv_settle_step(x, why, sizeof(why)) == -1)
		xlv_finish(x, why);
}

static void
xlv_settle_fired(int fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	xlv_settle(arg);
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
	char	       why[160];

	switch (xlv_plug_link(x, why, sizeof(why))) {
	case 1:
		xlv_settle(x);
		break;
	case 0:
		if (++x->tries < XLV_RETRIES)
			evtimer_add(x->retry, &tv);
		else {
			errno = ENODEV;
			xlv_why(x, "no such interface for bridge", x->bridge,
			    why, sizeof(why));
			xlv_finish(x, why);
		}
		break;
	default:
		xlv_finish(x, why);
	}
}

/*
 * Its backend's state, followed: on at InitWait or past it, given up at
 * Closing or Closed (netback could not connect it).  Past InitWait is
 * a vif connected ahead: netback, finding the frontend Connected and
 * hotplug-status written, goes on to Connected at once, and the node,
 * read when the watch's event is handled, may never be seen at "2".
 * A vif made now stops at InitWait for our hotplug-status; one whose
 * backend closed fails now rather than at the deadline.
 */
static void
xlv_state_fired(const char *path, void *arg)
{
	struct xlv *x = arg;
	char	    why[160];
	long	    s;

	(void)path;
	if ((s = xlv_state(x)) < XLV_INITWAIT)
		return;
	store_unwatch(x->initwait);
	x->initwait = NULL;
	if (XLV_GONE(s)) {
		snprintf(why, sizeof(why),
		    "%s: netback closed the vif%s (state %ld)", x->ifname,
		    x->ahead ? " connected ahead" : "", s);
		xlv_finish(x, why);
		return;
	}
	xlv_plug(x);
}

static int
xlv_watch_initwait(struct xlv *x)
{
	char path[STORE_PATH_MAX + 16];

	snprintf(path, sizeof(path), "%s/state", x->backend);
	x->initwait = store_follow(x->st, path, xlv_state_fired, x);
	return x->initwait == NULL ? -1 : 0;
}

/*
 * A shell's vif (premade) has no InitWait watch unless vifD.0 is not
 * there yet: netback makes the device after it switched to InitWait,
 * and a pool's shell has had it long since, so the watch would only be
 * set and removed again (two XenStore requests a summon).
 */
int
xlv_plug_now(struct xlv *x, char *err, size_t errlen)
{
	int rc, owed = x->watch_owed;

	if (!owed && x->initwait == NULL)
		return 0; /* the watch's way has begun */
	x->watch_owed = 0;
	rc = xlv_plug_link(x, err, errlen);
	if (owed && rc == 0 && xlv_watch_initwait(x) == -1) {
		snprintf(err, errlen, "%s: cannot watch its backend",
		    x->ifname);
		return -1;
	}
	if (rc != 1)
		return rc;
	store_unwatch(x->initwait); /* none for a premade vif */
	x->initwait = NULL;
	/* Before the unpause no carrier can have come: no wait either. */
	return xlv_settle_step(x, err, errlen) == -1 ? -1 : 1;
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

/*
 * Both folders, made afresh in one transaction (nic NULL: a shell's).
 *
 * The backend's domain folder (backend/vif/D) is made first, alone: made
 * in the transaction, it changed the child list of backend/vif, which
 * every other vif made or removed meanwhile changes too, and C xenstored
 * failed the transaction (EAGAIN; 18 whole batches sent again in a
 * figure-2 piece of the bench, two builders refilling their pools).
 * netback takes no notice of a folder above a device's (its watch
 * handler wants backend/vif/D/N).
 */
static int
xlv_make(struct store *st, uint32_t domid, const struct xlv_nic *nic,
    const struct xls_vif *ahead, char *backend, size_t len)
{
	struct xlv_dirs *d;
	struct store_dir dirs[2];
	char		 parent[STORE_PATH_MAX];
	int		 rc;

	if ((d = malloc(sizeof(*d))) == NULL)
		return -1;
	xlv_dirs(domid, nic, d);
	if (ahead != NULL)
		xlv_ahead_keys(ahead, d);
	if (backend != NULL)
		snprintf(backend, len, "%s", d->back);
	xlv_backend_dir(domid, parent, sizeof(parent));
	if (store_write(st, parent, "") == -1) {
		free(d);
		return -1;
	}
	/* The frontend first: netback's probe reads it at once. */
	dirs[0] = (struct store_dir){ d->front, domid, 0, d->fkeys, d->fvalues,
		d->nfront };
	dirs[1] = (struct store_dir){ d->back, 0, domid, d->bkeys, d->bvalues,
		d->nback };
	rc = store_make_dirs(st, dirs, 2);
	free(d);
	return rc;
}

/*
 * A shell's vif made: the binding's keys written into it.  No
 * transaction: the guest has not run, and netback reads the MAC only as
 * it connects (for a vif connected ahead it has read the placeholder,
 * which it only stores); a handful of writes in a row, sent together.
 */
static int
xlv_name(struct xlv *x, const struct xlv_nic *nic)
{
	struct xlv_dirs *d;
	struct store_dir dirs[2];
	int		 rc;

	if ((d = malloc(sizeof(*d))) == NULL)
		return -1;
	xlv_binding_dirs(x->domid, nic, d);
	snprintf(x->backend, sizeof(x->backend), "%s", d->back);
	dirs[0] = (struct store_dir){ d->front, 0, 0, d->fkeys, d->fvalues,
		d->nfront };
	dirs[1] = (struct store_dir){ d->back, 0, 0, d->bkeys, d->bvalues,
		d->nback };
	rc = store_write_dirs(x->st, dirs, 2);
	free(d);
	return rc;
}

int
xlv_premake(struct store *st, uint32_t domid, const struct xls_vif *ahead)
{
	return st == NULL ? -1 : xlv_make(st, domid, NULL, ahead, NULL, 0);
}

struct xlv *
xlv_open(struct store *st, struct event_base *base, uint32_t domid,
    const struct xlv_nic *nic, int premade, void (*done)(void *, const char *),
    void *arg)
{
	struct timeval tv = { XLV_INITWAIT_S, 0 };
	struct xlv    *x;

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
	    (x->settle = evtimer_new(base, xlv_settle_fired, x)) == NULL ||
	    (premade ? xlv_name(x, nic) :
		       xlv_make(st, domid, nic, NULL, x->backend,
			   sizeof(x->backend))) == -1)
		goto err;
	x->ahead = premade == XLV_AHEAD;
	if (premade)
		x->watch_owed = 1; /* xlv_plug_now */
	else if (xlv_watch_initwait(x) == -1)
		goto err;
	evtimer_add(x->deadline, &tv);
	return x;
err:
	xlv_close(x);
	return NULL;
}

int
xlv_connected(const struct xlv *x)
{
	return x != NULL && x->connected;
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
	if (x->settle != NULL)
		event_free(x->settle);
	free(x);
}

static void
xlv_remove_once(struct store *st, uint32_t domid)
{
	char path[STORE_PATH_MAX];

	xlv_backend_dir(domid, path, sizeof(path));
	store_rm(st, path);
}

/*
 * Why a second removal.  netback probes a backend as soon as its folder
 * appears, and its probe writes the folder's feature-* keys in a
 * transaction of its own.  A vif removed while that probe runs (a
 * summon that failed at once, the bridge missing, right after a shell
 * was made on the spot) has its folder made again by the probe's
 * commit, and it stays for good: seen in jitsud-vif.  libxl avoids it
 * by walking the backend through Closing and Closed; for a domain that
 * is gone already, removing the folder once more after the probe's
 * time is as good and simpler.  Unless a domain has that domid again
 * by then.  The builder thread's store: one per thread, set here.
 */
#define XLV_AGAIN_MS 2000

static _Thread_local struct store *xlv_again_st;

static void
xlv_again_fired(int fd, short ev, void *arg)
{
	uint32_t domid = (uint32_t)(uintptr_t)arg;
	char	 path[STORE_PATH_MAX], v[16];

	(void)fd;
	(void)ev;
	snprintf(path, sizeof(path), "/local/domain/%u", domid);
	if (store_read(xlv_again_st, path, v, sizeof(v)) == 0)
		return; /* a domain has the domid now: its vif is its own */
	xlv_remove_once(xlv_again_st, domid);
}

void
xlv_remove(struct store *st, struct event_base *base, uint32_t domid)
{
	struct timeval tv = { XLV_AGAIN_MS / 1000,
		(XLV_AGAIN_MS % 1000) * 1000 };

	if (st == NULL)
		return;
	xlv_remove_once(st, domid);
	if (base == NULL)
		return;
	xlv_again_st = st;
	if (event_base_once(base, -1, EV_TIMEOUT, xlv_again_fired,
		(void *)(uintptr_t)domid, &tv) == -1)
		log_warnx("vif%u.0: cannot arm its second removal", domid);
}
