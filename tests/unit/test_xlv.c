/* test_xlv.c -- xlv.c, the vif jitsud plugs itself, over a fake XenStore
 * and a fake rtnetlink */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <event2/event.h>
#include <linux/if.h>

#include "jitsud.h"
#include "testutil.h"
#include "xl.h"

/*
 * xlv.c is linked alone.  store.c and netlink.c are fakes: the store
 * keeps the last folders made, the one watch set and every write; the
 * rtnetlink side knows the links in links[] and records each plug (and
 * each link whose IPv6 was turned off, with the plugs made by then).  A
 * test plays netback by setting its state and firing the watch
 * (netback_at) and, for a late vifD.0, by adding the link meanwhile.
 */
struct fake_link {
	const char  *name;
	int	     index;
	unsigned int flags; /* as the kernel reports them after the plug */
};

static struct fake_link	  links[4];
static char		  writes[1024];
static char		  made[2048];
static int		  plugged_if, plugged_master, fail_make, nl_opens;
static char		  no_ipv6[64]; /* "NAME@PLUGS;" each */
static int		  watches, done_calls;
static char		  done_why[256];
static struct event_base *base;

struct store_watch {
	int unused;
};
static struct store_watch the_watch;
static struct store	 *fake_st = (struct store *)&the_watch;

int
store_make_dirs(struct store *st, const struct store_dir *d, size_t n)
{
	size_t i, k;

	(void)st;
	if (fail_make)
		return -1;
	made[0] = '\0';
	for (i = 0; i < n; i++) {
		snprintf(made + strlen(made), sizeof(made) - strlen(made),
		    "[%s %u %u]", d[i].path, d[i].owner, d[i].reader);
		for (k = 0; k < d[i].n; k++)
			snprintf(made + strlen(made),
			    sizeof(made) - strlen(made), " %s=%s", d[i].keys[k],
			    d[i].values[k]);
	}
	return 0;
}

/* Each folder's writes noted as "seq DIR: k=v ...;", in order. */
int
store_write_dirs(struct store *st, const struct store_dir *d, size_t n)
{
	size_t i, k;

	(void)st;
	if (fail_make)
		return -1;
	for (k = 0; k < n; k++) {
		snprintf(writes + strlen(writes),
		    sizeof(writes) - strlen(writes), "seq %s:", d[k].path);
		for (i = 0; i < d[k].n; i++)
			snprintf(writes + strlen(writes),
			    sizeof(writes) - strlen(writes), " %s=%s",
			    d[k].keys[i], d[k].values[i]);
		snprintf(writes + strlen(writes),
		    sizeof(writes) - strlen(writes), ";");
	}
	return 0;
}

void
store_unwatch(struct store_watch *w)
{
	if (w != NULL)
		watches--;
}

int
store_write(struct store *st, const char *path, const char *value)
{
	(void)st;
	snprintf(writes + strlen(writes), sizeof(writes) - strlen(writes),
	    "%s=%s;", path, value);
	return 0;
}

/* Which domain "exists" (its /local/domain/D), for the second rm. */
static uint32_t live_domid;
/* The backend's state, as netback would have it ("": none). */
static char	backend_state[8];

/* The one watch, on the backend's state, followed: its callback. */
static void (*follow_cb)(const char *, void *);
static void *follow_arg;
static char  follow_path[STORE_PATH_MAX];

struct store_watch *
store_follow(struct store *st, const char  *path,
    void (*cb)(const char *, void *), void *arg)
{
	(void)st;
	snprintf(follow_path, sizeof(follow_path), "%s", path);
	follow_cb = cb;
	follow_arg = arg;
	watches++;
	return &the_watch;
}

/* netback's backend state becomes state: the followed watch fires. */
static void
netback_at(const char *state)
{
	snprintf(backend_state, sizeof(backend_state), "%s", state);
	assert_non_null(follow_cb);
	follow_cb(follow_path, follow_arg);
}

int
store_read(struct store *st, const char *path, char *buf, size_t size)
{
	char   want[48];
	size_t n = strlen(path);

	(void)st;
	if (n > 6 && strcmp(path + n - 6, "/state") == 0) {
		if (backend_state[0] == '\0')
			return -1;
		snprintf(buf, size, "%s", backend_state);
		return 0;
	}
	snprintf(want, sizeof(want), "/local/domain/%u", live_domid);
	if (live_domid == 0 || strcmp(path, want) != 0)
		return -1;
	snprintf(buf, size, "%s", "");
	return 0;
}

int
store_rm(struct store *st, const char *path)
{
	(void)st;
	snprintf(writes + strlen(writes), sizeof(writes) - strlen(writes),
	    "rm %s;", path);
	return 0;
}

int
nl_open(void)
{
	nl_opens++;
	return 42;
}

int
nl_link_get(int fd, int ifindex, const char *name, struct nl_link *l)
{
	size_t i;

	assert_int_equal(fd, 42);
	assert_int_equal(ifindex, 0);
	memset(l, 0, sizeof(*l));
	for (i = 0; i < 4; i++)
		if (links[i].name != NULL && strcmp(links[i].name, name) == 0) {
			l->index = links[i].index;
			l->flags = links[i].flags;
			return 0;
		}
	errno = ENODEV;
	return -1;
}

int
nl_link_plug(int fd, int ifindex, int master)
{
	assert_int_equal(fd, 42);
	plugged_if = ifindex;
	plugged_master = master;
	return 0;
}

int
nl_no_ipv6(const char *ifname)
{
	snprintf(no_ipv6 + strlen(no_ipv6), sizeof(no_ipv6) - strlen(no_ipv6),
	    "%s@%d;", ifname, plugged_if != 0);
	return 0;
}

static void
on_done(void *arg, const char *why)
{
	(void)arg;
	done_calls++;
	snprintf(done_why, sizeof(done_why), "%s", why ? why : "ok");
}

static const struct xlv_nic nic = {
	.mac = { 0x00, 0x16, 0x3e, 0x0a, 0x0b, 0x0c },
	.bridge = "br0",
	.ip = "10.0.0.10",
};

static int
setup(void **state)
{
	(void)state;
	memset(links, 0, sizeof(links));
	writes[0] = made[0] = done_why[0] = no_ipv6[0] = '\0';
	backend_state[0] = follow_path[0] = '\0';
	follow_cb = NULL;
	plugged_if = plugged_master = fail_make = 0;
	watches = done_calls = 0;
	base = event_base_new();
	return base == NULL;
}

static int
teardown(void **state)
{
	(void)state;
	event_base_free(base);
	return 0;
}

/* What libxl writes for a vif, minus anything that would run a script. */
static void
test_dirs_are_libxls_front_and_back_with_an_empty_script(void **state)
{
	struct xlv_dirs *d = malloc(sizeof(*d));
	char		 all[2048] = "";
	size_t		 i;

	(void)state;
	assert_non_null(d);
	xlv_dirs(7, &nic, d);
	assert_string_equal(d->front, "/local/domain/7/device/vif/0");
	assert_string_equal(d->back, "/local/domain/0/backend/vif/7/0");
	for (i = 0; i < d->nfront; i++)
		snprintf(all + strlen(all), sizeof(all) - strlen(all), "%s=%s ",
		    d->fkeys[i], d->fvalues[i]);
	assert_string_equal(all,
	    "backend=/local/domain/0/backend/vif/7/0 backend-id=0 state=1 "
	    "handle=0 mac=00:16:3e:0a:0b:0c ");
	all[0] = '\0';
	for (i = 0; i < d->nback; i++)
		snprintf(all + strlen(all), sizeof(all) - strlen(all), "%s=%s ",
		    d->bkeys[i], d->bvalues[i]);
	assert_string_equal(all,
	    "frontend=/local/domain/7/device/vif/0 frontend-id=7 online=1 "
	    "state=1 script= handle=0 type=vif hotplug-status= "
	    "mac=00:16:3e:0a:0b:0c bridge=br0 ip=10.0.0.10 ");
	free(d);
}

/* A shell's vif: all of it but the binding's MAC, bridge and address. */
static void
test_a_shells_dirs_leave_the_binding_out(void **state)
{
	struct xlv_dirs *d = malloc(sizeof(*d)), *b = malloc(sizeof(*b));
	char		 all[2048] = "";
	size_t		 i;

	(void)state;
	assert_non_null(d);
	assert_non_null(b);
	xlv_dirs(7, NULL, d);
	for (i = 0; i < d->nfront; i++)
		snprintf(all + strlen(all), sizeof(all) - strlen(all), "%s=%s ",
		    d->fkeys[i], d->fvalues[i]);
	for (i = 0; i < d->nback; i++)
		snprintf(all + strlen(all), sizeof(all) - strlen(all), "%s=%s ",
		    d->bkeys[i], d->bvalues[i]);
	assert_null(strstr(all, "mac="));
	assert_null(strstr(all, "bridge="));
	assert_null(strstr(all, "ip="));
	assert_non_null(strstr(all, "hotplug-status= "));
	/* ... which a summon writes, into the same folders. */
	xlv_binding_dirs(7, &nic, b);
	assert_string_equal(b->front, d->front);
	assert_string_equal(b->back, d->back);
	assert_int_equal(b->nfront, 1);
	assert_string_equal(b->fkeys[0], "mac");
	assert_int_equal(b->nback, 3);
	free(d);
	free(b);
}

/* The pool makes a shell's vif as it makes the shell. */
static void
test_premake_makes_a_shells_folders(void **state)
{
	(void)state;
	assert_int_equal(xlv_premake(fake_st, 7, NULL), 0);
	/*
	 * The backend's domain folder first and alone: made in the
	 * transaction, it conflicted with every other vif made meanwhile.
	 */
	assert_string_equal(writes, "/local/domain/0/backend/vif/7=;");
	assert_non_null(strstr(made, "[/local/domain/7/device/vif/0 7 0]"));
	assert_non_null(strstr(made, "[/local/domain/0/backend/vif/7/0 0 7]"));
	assert_null(strstr(made, "mac="));
	assert_int_equal(watches, 0);
	fail_make = 1;
	assert_int_equal(xlv_premake(fake_st, 8, NULL), -1);
	assert_int_equal(xlv_premake(NULL, 8, NULL), -1);
}

/*
 * A shell's vif connected ahead: the frontend's half of the handshake
 * as our netfront writes it, Connected, in the same folders; the
 * backend's MAC a placeholder (netback reads one as it connects) and
 * hotplug-status connected (nothing is to run).
 */
static void
test_premake_ahead_writes_the_frontends_half(void **state)
{
	const struct xls_vif v = { 2, 3, 73, 74 };
	const char	    *back;

	(void)state;
	assert_int_equal(xlv_premake(fake_st, 7, &v), 0);
	assert_non_null(back = strstr(made,
			    "[/local/domain/0/backend/vif/7/0"));
	assert_non_null(strstr(made,
	    " tx-ring-ref=2 rx-ring-ref=3 "
	    "event-channel-tx=73 event-channel-rx=74 "
	    "request-rx-copy=1 feature-rx-notify=1 "
	    "feature-no-csum-offload=1 feature-sg=0"));
	/* The frontend's state replaced, not added: Connected. */
	assert_non_null(strstr(made, "backend-id=0 state=4 handle=0"));
	assert_true(strstr(made, "state=4") < back);
	assert_non_null(strstr(back, " state=1 "));
	assert_non_null(strstr(back, " hotplug-status=connected"));
	assert_null(strstr(back, "hotplug-status= "));
	assert_non_null(strstr(back, " mac=00:00:00:00:00:00"));
}

/*
 * A summon into a shell with its vif connected ahead: the binding's
 * keys, the plug, and nothing more (hotplug-status was written with
 * the shell).
 */
static void
test_open_ahead_writes_no_hotplug_status(void **state)
{
	struct xlv *x;
	char	    err[160];

	(void)state;
	links[0] = (struct fake_link){ "br0", 3, 0 };
	links[1] = (struct fake_link){ "vif7.0", 9, IFF_UP };
	x = xlv_open(fake_st, base, 7, &nic, XLV_AHEAD, on_done, NULL);
	assert_non_null(x);
	assert_int_equal(xlv_plug_now(x, err, sizeof(err)), 1);
	assert_int_equal(plugged_if, 9);
	assert_null(strstr(writes, "hotplug-status"));
	assert_int_equal(done_calls, 1);
	xlv_close(x);
}

/*
 * A vif connected ahead whose vifD.0 netback has not made yet (a shell
 * just made): netback does not stop at InitWait, so the state is
 * followed, and the plug comes at InitWait or anything past it, never
 * before.
 */
static void
test_ahead_plugs_at_any_state_past_initwait(void **state)
{
	struct xlv *x;
	char	    err[160];

	(void)state;
	links[0] = (struct fake_link){ "br0", 3, 0 };
	x = xlv_open(fake_st, base, 7, &nic, XLV_AHEAD, on_done, NULL);
	assert_non_null(x);
	assert_int_equal(xlv_plug_now(x, err, sizeof(err)), 0);
	assert_string_equal(follow_path,
	    "/local/domain/0/backend/vif/7/0/state");
	assert_non_null(follow_cb);
	netback_at("1");
	assert_int_equal(plugged_if, 0);
	assert_int_equal(watches, 1);
	/* InitWait was never seen: Connected already. */
	links[1] = (struct fake_link){ "vif7.0", 9, IFF_UP };
	netback_at("4");
	assert_int_equal(watches, 0);
	assert_int_equal(plugged_if, 9);
	assert_int_equal(done_calls, 1);
	assert_string_equal(done_why, "ok");
	assert_null(strstr(writes, "hotplug-status"));
	xlv_close(x);
}

/* One netback gave up on (Closing, Closed) is no vif to summon on,
 * whether it is seen at the plug or while followed. */
static void
test_ahead_closed_by_netback_fails(void **state)
{
	struct xlv *x;
	char	    err[160];

	(void)state;
	links[0] = (struct fake_link){ "br0", 3, 0 };
	links[1] = (struct fake_link){ "vif7.0", 9, IFF_UP };
	snprintf(backend_state, sizeof(backend_state), "6");
	x = xlv_open(fake_st, base, 7, &nic, XLV_AHEAD, on_done, NULL);
	assert_non_null(x);
	assert_int_equal(xlv_plug_now(x, err, sizeof(err)), -1);
	assert_string_equal(err,
	    "vif7.0: netback closed the vif connected ahead");
	xlv_close(x);
	links[1].name = NULL;
	x = xlv_open(fake_st, base, 8, &nic, XLV_AHEAD, on_done, NULL);
	assert_non_null(x);
	assert_int_equal(xlv_plug_now(x, err, sizeof(err)), 0);
	netback_at("5");
	assert_int_equal(done_calls, 1);
	assert_string_equal(done_why,
	    "vif8.0: netback closed the vif connected ahead (state 5)");
	xlv_close(x);
}

/* A vif made now fails as soon as netback gives up on it, not at the
 * InitWait deadline; before InitWait nothing happens. */
static void
test_plain_vif_closed_by_netback_fails_at_once(void **state)
{
	struct xlv *x;

	(void)state;
	links[0] = (struct fake_link){ "br0", 3, 0 };
	x = xlv_open(fake_st, base, 7, &nic, 0, on_done, NULL);
	assert_non_null(x);
	netback_at("1");
	assert_int_equal(done_calls, 0);
	assert_int_equal(watches, 1);
	netback_at("6");
	assert_int_equal(watches, 0);
	assert_int_equal(plugged_if, 0);
	assert_int_equal(done_calls, 1);
	assert_string_equal(done_why,
	    "vif7.0: netback closed the vif (state 6)");
	/* As a failed hotplug script leaves it. */
	assert_non_null(strstr(writes, "hotplug-status=error;"));
	assert_null(strstr(writes, "hotplug-status=connected"));
	xlv_close(x);
}

/*
 * A summon into a shell with its vif: the binding's keys only, written
 * in a row (no folders, no transaction), then as ever: vifD.0, made by
 * netback when the shell was, is plugged at once.
 */
static void
test_open_premade_writes_only_the_bindings_keys(void **state)
{
	struct xlv *x;
	char	    err[160];

	(void)state;
	links[0] = (struct fake_link){ "br0", 3, 0 };
	links[1] = (struct fake_link){ "vif7.0", 9, IFF_UP };
	x = xlv_open(fake_st, base, 7, &nic, 1, on_done, NULL);
	assert_non_null(x);
	assert_string_equal(made, "");
	assert_string_equal(writes,
	    "seq /local/domain/7/device/vif/0: mac=00:16:3e:0a:0b:0c;"
	    "seq /local/domain/0/backend/vif/7/0: mac=00:16:3e:0a:0b:0c "
	    "bridge=br0 ip=10.0.0.10;");
	assert_int_equal(xlv_plug_now(x, err, sizeof(err)), 1);
	assert_int_equal(plugged_if, 9);
	assert_int_equal(plugged_master, 3);
	assert_non_null(strstr(writes,
	    "/local/domain/0/backend/vif/7/0/hotplug-status=connected;"));
	assert_int_equal(done_calls, 1);
	xlv_close(x);
}

static void
test_ifname_is_netbacks(void **state)
{
	char buf[16];

	(void)state;
	assert_int_equal(xlv_ifname(12, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "vif12.0");
	assert_int_equal(xlv_ifname(4000000000u, buf, 8), -1);
}

/* Folders first, frontend then backend, owned as libxl owns them. */
static void
test_open_makes_both_folders_and_waits_for_initwait(void **state)
{
	struct xlv *x;

	(void)state;
	x = xlv_open(fake_st, base, 7, &nic, 0, on_done, NULL);
	assert_non_null(x);
	assert_non_null(strstr(made, "[/local/domain/7/device/vif/0 7 0]"));
	assert_true(strstr(made, "[/local/domain/7/device/vif/0") <
	    strstr(made, "[/local/domain/0/backend/vif/7/0 0 7]"));
	assert_string_equal(follow_path,
	    "/local/domain/0/backend/vif/7/0/state");
	assert_int_equal(plugged_if, 0); /* nothing before InitWait */
	assert_int_equal(done_calls, 0);
	xlv_close(x);
	assert_int_equal(watches, 0);
}

/* The optimisation itself: IPv6 off, plug, up, connected, in that order. */
static void
test_initwait_plugs_into_the_bridge_then_says_connected(void **state)
{
	struct xlv *x;

	(void)state;
	links[0] = (struct fake_link){ "br0", 3, IFF_UP | IFF_RUNNING };
	links[1] = (struct fake_link){ "vif7.0", 9, IFF_UP };
	x = xlv_open(fake_st, base, 7, &nic, 0, on_done, NULL);
	assert_non_null(x);
	netback_at("2");
	assert_int_equal(plugged_if, 9);
	assert_int_equal(plugged_master, 3);
	/* IPv6 off before the link is up: never any link-local chatter. */
	assert_string_equal(no_ipv6, "vif7.0@0;");
	assert_string_equal(writes,
	    "/local/domain/0/backend/vif/7=;"
	    "/local/domain/0/backend/vif/7/0/hotplug-status=connected;");
	assert_int_equal(done_calls, 1);
	assert_string_equal(done_why, "ok");
	xlv_close(x);
}

/* No bridge: the reason names both, and netback is told it failed. */
static void
test_missing_bridge_fails_naming_vif_and_bridge(void **state)
{
	struct xlv *x;

	(void)state;
	links[1] = (struct fake_link){ "vif7.0", 9, IFF_UP };
	x = xlv_open(fake_st, base, 7, &nic, 0, on_done, NULL);
	netback_at("2");
	assert_int_equal(plugged_if, 0);
	assert_int_equal(done_calls, 1);
	assert_non_null(strstr(done_why, "vif7.0"));
	assert_non_null(strstr(done_why, "br0"));
	assert_non_null(strstr(writes, "/hotplug-error=vif7.0: "));
	assert_non_null(strstr(writes,
	    "/local/domain/0/backend/vif/7/0/hotplug-status=error;"));
	assert_null(strstr(writes, "connected"));
	xlv_close(x);
}

static void
add_vif(int fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	(void)arg;
	links[1] = (struct fake_link){ "vif7.0", 9, IFF_UP };
}

/* InitWait a moment before vifD.0 exists: it is waited for. */
static void
test_late_vif_is_waited_for(void **state)
{
	struct timeval tv = { 0, 30 * 1000 };
	struct xlv    *x;

	(void)state;
	links[0] = (struct fake_link){ "br0", 3, IFF_UP | IFF_RUNNING };
	x = xlv_open(fake_st, base, 7, &nic, 0, on_done, NULL);
	event_base_once(base, -1, EV_TIMEOUT, add_vif, NULL, &tv);
	netback_at("2");
	assert_int_equal(done_calls, 0);
	testutil_loop_until(base, &done_calls, 1, 2000);
	assert_int_equal(done_calls, 1);
	assert_string_equal(done_why, "ok");
	assert_int_equal(plugged_if, 9);
	xlv_close(x);
}

/* A vif that never comes: an error, not a wait forever. */
static void
test_vif_that_never_comes_fails(void **state)
{
	struct xlv *x;

	(void)state;
	links[0] = (struct fake_link){ "br0", 3, IFF_UP | IFF_RUNNING };
	x = xlv_open(fake_st, base, 7, &nic, 0, on_done, NULL);
	netback_at("2");
	testutil_loop_until(base, &done_calls, 1, 3000);
	assert_int_equal(done_calls, 1);
	assert_non_null(strstr(done_why, "vif7.0: no such interface"));
	assert_non_null(strstr(writes, "hotplug-status=error"));
	xlv_close(x);
}

static void
test_pending_is_up_and_carrier_but_not_running(void **state)
{
	(void)state;
	assert_true(xlv_link_pending(IFF_UP | IFF_LOWER_UP));
	assert_true(xlv_link_pending(IFF_UP | IFF_LOWER_UP | IFF_BROADCAST));
	assert_false(xlv_link_pending(IFF_UP | IFF_LOWER_UP | IFF_RUNNING));
	assert_false(xlv_link_pending(IFF_UP)); /* carrier later: urgent */
	assert_false(xlv_link_pending(IFF_LOWER_UP));
	assert_false(xlv_link_pending(0));
}

static void
link_watcher_runs(int fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	(void)arg;
	links[1].flags |= IFF_RUNNING;
}

/*
 * The guest connected before the plug: the port forwards only once the
 * kernel's link watcher has run, and netback hears "connected" no
 * sooner.
 */
static void
test_carrier_before_plug_waits_for_the_link_watcher(void **state)
{
	struct timeval tv = { 0, 80 * 1000 };
	struct xlv    *x;

	(void)state;
	links[0] = (struct fake_link){ "br0", 3, IFF_UP | IFF_RUNNING };
	links[1] = (struct fake_link){ "vif7.0", 9, IFF_UP | IFF_LOWER_UP };
	x = xlv_open(fake_st, base, 7, &nic, 0, on_done, NULL);
	assert_non_null(x);
	event_base_once(base, -1, EV_TIMEOUT, link_watcher_runs, NULL, &tv);
	netback_at("2");
	assert_int_equal(plugged_if, 9);
	assert_string_equal(writes, "/local/domain/0/backend/vif/7=;");
	assert_int_equal(done_calls, 0);
	testutil_loop_until(base, &done_calls, 1, 2000);
	assert_int_equal(done_calls, 1);
	assert_string_equal(done_why, "ok");
	assert_true(links[1].flags & IFF_RUNNING);
	assert_string_equal(writes,
	    "/local/domain/0/backend/vif/7=;"
	    "/local/domain/0/backend/vif/7/0/hotplug-status=connected;");
	xlv_close(x);
}

/* A link watcher that never comes is not waited for forever. */
static void
test_link_watcher_that_never_runs_is_waited_for_a_bounded_time(void **state)
{
	struct xlv *x;

	(void)state;
	links[0] = (struct fake_link){ "br0", 3, IFF_UP | IFF_RUNNING };
	links[1] = (struct fake_link){ "vif7.0", 9, IFF_UP | IFF_LOWER_UP };
	x = xlv_open(fake_st, base, 7, &nic, 0, on_done, NULL);
	netback_at("2");
	assert_int_equal(done_calls, 0);
	testutil_loop_until(base, &done_calls, 1, 4000);
	assert_int_equal(done_calls, 1);
	assert_string_equal(done_why, "ok");
	assert_string_equal(writes,
	    "/local/domain/0/backend/vif/7=;"
	    "/local/domain/0/backend/vif/7/0/hotplug-status=connected;");
	xlv_close(x);
}

/* netback has made vifD.0 before the unpause: plugged there and then. */
static void
test_plug_now_plugs_without_the_watch(void **state)
{
	struct xlv *x;
	char	    err[160] = "";

	(void)state;
	links[0] = (struct fake_link){ "br0", 3, IFF_UP | IFF_RUNNING };
	links[1] = (struct fake_link){ "vif7.0", 9, IFF_UP };
	x = xlv_open(fake_st, base, 7, &nic, 0, on_done, NULL);
	assert_int_equal(watches, 1);
	assert_int_equal(xlv_plug_now(x, err, sizeof(err)), 1);
	assert_int_equal(plugged_if, 9);
	assert_int_equal(plugged_master, 3);
	assert_int_equal(watches, 0); /* InitWait no longer matters */
	assert_int_equal(done_calls, 1);
	assert_string_equal(done_why, "ok");
	assert_string_equal(writes,
	    "/local/domain/0/backend/vif/7=;"
	    "/local/domain/0/backend/vif/7/0/hotplug-status=connected;");
	/* Once is enough. */
	assert_int_equal(xlv_plug_now(x, err, sizeof(err)), 0);
	assert_int_equal(done_calls, 1);
	xlv_close(x);
}

/* Not made yet: nothing happens, and the watch still does the plug. */
static void
test_plug_now_before_netback_leaves_it_to_the_watch(void **state)
{
	struct xlv *x;
	char	    err[160] = "";

	(void)state;
	links[0] = (struct fake_link){ "br0", 3, IFF_UP | IFF_RUNNING };
	x = xlv_open(fake_st, base, 7, &nic, 0, on_done, NULL);
	assert_int_equal(xlv_plug_now(x, err, sizeof(err)), 0);
	assert_int_equal(plugged_if, 0);
	assert_int_equal(watches, 1);
	assert_int_equal(done_calls, 0);
	assert_string_equal(writes, "/local/domain/0/backend/vif/7=;");
	links[1] = (struct fake_link){ "vif7.0", 9, IFF_UP };
	netback_at("2");
	assert_int_equal(plugged_if, 9);
	assert_int_equal(done_calls, 1);
	assert_string_equal(done_why, "ok");
	xlv_close(x);
}

/* A failure is the caller's to report: done does not come. */
static void
test_plug_now_without_the_bridge_fails_to_the_caller(void **state)
{
	struct xlv *x;
	char	    err[160] = "";

	(void)state;
	links[1] = (struct fake_link){ "vif7.0", 9, IFF_UP };
	x = xlv_open(fake_st, base, 7, &nic, 0, on_done, NULL);
	assert_int_equal(xlv_plug_now(x, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "vif7.0"));
	assert_non_null(strstr(err, "br0"));
	assert_int_equal(plugged_if, 0);
	assert_int_equal(done_calls, 0);
	xlv_close(x);
	assert_int_equal(watches, 0);
}

static void
test_unwritable_folders_give_no_vif(void **state)
{
	(void)state;
	fail_make = 1;
	assert_null(xlv_open(fake_st, base, 7, &nic, 0, on_done, NULL));
	assert_null(xlv_open(NULL, base, 7, &nic, 0, on_done, NULL));
	assert_int_equal(watches, 0);
}

static void
test_remove_takes_the_domains_vif_backends(void **state)
{
	(void)state;
	xlv_remove(fake_st, NULL, 7);
	assert_string_equal(writes, "rm /local/domain/0/backend/vif/7;");
}

/*
 * netback's probe can write its folder again after a removal: removed
 * once more two seconds later, unless a domain has that domid by then.
 */
static void
test_remove_removes_again_what_a_probe_wrote_back(void **state)
{
	struct timeval tv = { 2, 300000 };

	(void)state;
	live_domid = 0;
	xlv_remove(fake_st, base, 7);
	xlv_remove(fake_st, base, 8);
	assert_string_equal(writes,
	    "rm /local/domain/0/backend/vif/7;"
	    "rm /local/domain/0/backend/vif/8;");
	live_domid = 8; /* a new domain 8 meanwhile: its vif is its own */
	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
	assert_string_equal(writes,
	    "rm /local/domain/0/backend/vif/7;"
	    "rm /local/domain/0/backend/vif/8;"
	    "rm /local/domain/0/backend/vif/7;");
	live_domid = 0;
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_dirs_are_libxls_front_and_back_with_an_empty_script),
		T(test_a_shells_dirs_leave_the_binding_out),
		T(test_premake_makes_a_shells_folders),
		T(test_open_premade_writes_only_the_bindings_keys),
		T(test_premake_ahead_writes_the_frontends_half),
		T(test_open_ahead_writes_no_hotplug_status),
		T(test_ahead_plugs_at_any_state_past_initwait),
		T(test_ahead_closed_by_netback_fails),
		T(test_plain_vif_closed_by_netback_fails_at_once),
		T(test_ifname_is_netbacks),
		T(test_open_makes_both_folders_and_waits_for_initwait),
		T(test_initwait_plugs_into_the_bridge_then_says_connected),
		T(test_missing_bridge_fails_naming_vif_and_bridge),
		T(test_late_vif_is_waited_for),
		T(test_vif_that_never_comes_fails),
		T(test_pending_is_up_and_carrier_but_not_running),
		T(test_carrier_before_plug_waits_for_the_link_watcher),
		T(test_link_watcher_that_never_runs_is_waited_for_a_bounded_time),
		T(test_plug_now_plugs_without_the_watch),
		T(test_plug_now_before_netback_leaves_it_to_the_watch),
		T(test_plug_now_without_the_bridge_fails_to_the_caller),
		T(test_unwritable_folders_give_no_vif),
		T(test_remove_takes_the_domains_vif_backends),
		T(test_remove_removes_again_what_a_probe_wrote_back),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
