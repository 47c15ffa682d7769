/* test_vchan_slots.c -- vchan_xen.c gives a server's slot back on close */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "xenplat.h"
#include "fake_xs.h"

/*
 * platform/xen/vchan_xen.c with Xen replaced: a grant table that knows
 * which grants the peer has mapped (as Xen's GTF_reading/GTF_writing
 * say), event channels that only count, and fake_xs.h with one-shot
 * transactions.  What is proved: a server takes any number of vchans
 * over its life as long as each client lets go of its pages; a slot
 * whose client still maps them is not reused until it does; a client's
 * slot is never reused.  The rings themselves are test_vchan's and
 * test_vchan_xen's; tests/xen/uk-conduit.sh runs this on Xen.
 */

#define NGNT   600
#define PEER   7
#define NSLOTS 4 /* VX_SLOTS */

static struct {
	int live, mapped;
	domid_t dom;
	const void *page;
} gnt[NGNT];
static int ports_open, handlers_live, map_error;
static evtchn_handler_fn *handler_fn[16];

int
gnttab_grant(domid_t domid, const void *page, int readonly, grant_ref_t *ref)
{
	grant_ref_t i;

	(void)readonly;
	for (i = 8; i < NGNT && gnt[i].live; i++)
		;
	if (i == NGNT)
		return -UK_ENOSPC;
	gnt[i].live = 1;
	gnt[i].mapped = 0;
	gnt[i].dom = domid;
	gnt[i].page = page;
	*ref = i;
	return 0;
}

int
gnttab_end(grant_ref_t ref)
{
	assert_true(ref < NGNT && gnt[ref].live);
	if (gnt[ref].mapped)
		return -UK_EBUSY;
	gnt[ref].live = 0;
	return 0;
}

static int
grants_live(void)
{
	int i, n = 0;

	for (i = 0; i < NGNT; i++)
		n += gnt[i].live;
	return n;
}

/* The client domain maps (1) or unmaps (0) every grant it was given. */
static void
peer_maps(const void *lo, const void *hi, int mapped)
{
	int i;

	for (i = 0; i < NGNT; i++)
		if (gnt[i].live &&
		    (const char *)gnt[i].page >= (const char *)lo &&
		    (const char *)gnt[i].page < (const char *)hi)
			gnt[i].mapped = mapped;
}

int
evtchn_alloc_unbound(domid_t remote, evtchn_port_t *port)
{
	assert_int_equal(remote, PEER);
	*port = (evtchn_port_t)(10 + ports_open++);
	return 0;
}

int
evtchn_bind_interdomain(domid_t remote, evtchn_port_t remote_port,
    evtchn_port_t *port)
{
	(void)remote;
	(void)remote_port;
	*port = (evtchn_port_t)(10 + ports_open++);
	return 0;
}

void
evtchn_notify(evtchn_port_t port)
{
	(void)port;
}

void
evtchn_handler(evtchn_port_t port, evtchn_handler_fn *fn, void *arg)
{
	(void)arg;
	assert_true(port < 10 + 16);
	handler_fn[port - 10] = fn;
	handlers_live++;
}

void
evtchn_close(evtchn_port_t port)
{
	ports_open--;
	if (handler_fn[port - 10] != NULL) {
		handler_fn[port - 10] = NULL;
		handlers_live--;
	}
}

int
xenstore_set_perms(uint32_t tx, const char *path, const char *const *perms,
    size_t n)
{
	(void)tx;
	(void)path;
	(void)perms;
	(void)n;
	return 0;
}

int
xen_grant_map(domid_t dom, grant_ref_t ref, void *page, int readonly)
{
	(void)dom;
	(void)ref;
	(void)page;
	(void)readonly;
	return map_error;
}

int
uk_xs_transaction_start(uint32_t *tx)
{
	*tx = 1;
	return 0;
}

int
uk_xs_transaction_end(uint32_t tx, int commit)
{
	(void)tx;
	(void)commit;
	return 0;
}

int
uk_xs_tx_write(uint32_t tx, const char *path, const char *value)
{
	(void)tx;
	return uk_xs_write(path, value);
}

/* lib/printf.c's console: nothing here prints. */
void
uk_console_write(const char *buf, size_t len)
{
	(void)buf;
	(void)len;
	fail();
}

static void
on_event(struct uk_vchan *c, int events, void *arg)
{
	(void)c;
	(void)events;
	(void)arg;
}

/* A server vchan at path, with 64 KiB rings (33 grants). */
static struct uk_vchan *
serve(const char *path)
{
	struct uk_vchan *c = NULL;
	char key[32];

	assert_int_equal(uk_vchan_server(PEER, path, 65536, 65536, on_event,
			     NULL, &c),
	    0);
	assert_non_null(c);
	snprintf(key, sizeof(key), "%s/ring-ref", path);
	assert_non_null(fxs_get(key));
	return c;
}

static void
setup_xs(void)
{
	fxs_reset();
	fxs_set("domid", "5");
}

/* The whole image's slot memory, to find a slot's grants by address. */
static const char *lo = (const char *)0, *hi = (const char *)UINTPTR_MAX;

static void
test_server_reuses_slot_many_times(void **state)
{
	struct uk_vchan *c, *first = NULL;
	int i;

	(void)state;
	setup_xs();
	for (i = 0; i < 10; i++) {
		c = serve("/p");
		if (first == NULL)
			first = c;
		/* Each vchan takes the slot the last one gave back. */
		assert_ptr_equal(c, first);
		assert_int_equal(grants_live(), 33);
		assert_int_equal(handlers_live, 1);
		peer_maps(lo, hi, 1);
		peer_maps(lo, hi, 0);
		uk_vchan_close(c);
		assert_null(fxs_get("/p/ring-ref"));
		assert_int_equal(grants_live(), 0);
		assert_int_equal(handlers_live, 0);
		assert_int_equal(ports_open, 0);
	}
}

static void
test_mapped_slot_waits_for_peer(void **state)
{
	struct uk_vchan *c[NSLOTS], *extra;
	int i;

	(void)state;
	setup_xs();
	c[0] = serve("/p");
	peer_maps(lo, hi, 1);
	uk_vchan_close(c[0]);
	/* The client still maps it: the grants stay, the slot waits. */
	assert_int_equal(grants_live(), 33);
	assert_int_equal(handlers_live, 0);
	for (i = 1; i < NSLOTS; i++) {
		c[i] = serve("/p");
		assert_ptr_not_equal(c[i], c[0]);
	}
	assert_int_equal(uk_vchan_server(PEER, "/p", 65536, 65536, on_event,
			     NULL, &extra),
	    -UK_ENOSPC);
	/* The client lets go (it closed, or died): the slot comes back. */
	peer_maps(lo, hi, 0);
	extra = serve("/q");
	assert_ptr_equal(extra, c[0]);
	uk_vchan_close(extra);
	for (i = 1; i < NSLOTS; i++)
		uk_vchan_close(c[i]);
	assert_int_equal(grants_live(), 0);
	assert_int_equal(handlers_live, 0);
}

static void
test_client_slot_never_reused(void **state)
{
	struct uk_vchan *c[NSLOTS], *extra;
	int i;

	(void)state;
	setup_xs();
	/* No keys yet: nothing mapped, the slot stays free. */
	assert_int_equal(uk_vchan_client(PEER, "/s", on_event, NULL, &extra),
	    -UK_ENOENT);
	fxs_set("/s/ring-ref", "8");
	fxs_set("/s/event-channel", "3");
	/* A failed map may have replaced the slot's page: spent. */
	map_error = -UK_EACCES;
	assert_int_equal(uk_vchan_client(PEER, "/s", on_event, NULL, &extra),
	    -UK_EACCES);
	map_error = 0;
	for (i = 0; i < NSLOTS - 1; i++)
		c[i] = serve("/p");
	assert_int_equal(uk_vchan_server(PEER, "/p", 65536, 65536, on_event,
			     NULL, &extra),
	    -UK_ENOSPC);
	for (i = 0; i < NSLOTS - 1; i++)
		uk_vchan_close(c[i]);
	assert_int_equal(grants_live(), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_server_reuses_slot_many_times),
		cmocka_unit_test(test_mapped_slot_waits_for_peer),
		cmocka_unit_test(test_client_slot_never_reused),
	};

	return cmocka_run_group_tests_name("vchan_slots", tests, NULL, NULL);
}
