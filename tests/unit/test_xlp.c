/* test_xlp.c -- xlp.c, a builder's pool of domain shells, over a fake
 * xls.c (shells are numbers) and a fake list of domains */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>

#include "jitsud.h"
#include "testutil.h"
#include "xl.h"

/*
 * xlp.c is linked alone.  The fake xls.c hands out rising domids and
 * records each shell made and destroyed; the fake libxl list holds the
 * domains in doms[].  A test runs the builder's loop (the pool makes
 * its shells one per turn) until nothing is left to do.
 */
struct fake_xls {
	int unused;
};
static struct fake_xls	  the_xls;
static uint32_t		  next_domid = 10;
static char		  made[512], destroyed[512], vifs[512];
static int		  fail_make, fail_vif, fail_ahead;
static struct event_base *base;
static struct store	 *fake_st = (struct store *)&the_xls;

static struct {
	uint32_t    domid;
	const char *name;
} doms[4];

struct xls *
xls_open(void)
{
	return (struct xls *)&the_xls;
}

void
xls_close(struct xls *x)
{
	(void)x;
}

int
xls_shell_make(struct xls *x, struct store *st, uint32_t mem_mib, int flags,
    struct xls_shell *sh, char *err, size_t errlen)
{
	(void)x;
	(void)st;
	if (fail_make) {
		snprintf(err, errlen, "no memory");
		return -1;
	}
	memset(sh, 0, sizeof(*sh));
	sh->domid = next_domid++;
	sh->mem_mib = mem_mib;
	sh->ram_ahead = (flags & XLS_RAM_AHEAD) != 0;
	sh->store_ahead = (flags & XLS_STORE_AHEAD) != 0;
	snprintf(made + strlen(made), sizeof(made) - strlen(made),
	    "%u:%u%s%s%s ", sh->domid, mem_mib,
	    flags & XLS_NO_RDTSCP ? "r" : "", sh->ram_ahead ? "+ram" : "",
	    sh->store_ahead ? "+store" : "");
	return 0;
}

int
xls_destroy(struct xls *x, struct store *st, uint32_t domid)
{
	(void)x;
	(void)st;
	snprintf(destroyed + strlen(destroyed),
	    sizeof(destroyed) - strlen(destroyed), "%u ", domid);
	return 0;
}

/* The rings and ports of a vif connected ahead: numbers of the shell. */
int
xls_vif_ahead(struct xls *x, struct xls_shell *sh, char *err, size_t errlen)
{
	(void)x;
	if (fail_ahead) {
		snprintf(err, errlen, "no rings");
		return -1;
	}
	sh->ahead.tx_ref = 2;
	sh->ahead.rx_ref = 3;
	sh->ahead.tx_port = sh->domid * 10 + 3;
	sh->ahead.rx_port = sh->domid * 10 + 4;
	return 0;
}

/* xlv.c's: a shell's vif made ("+D", "+D*" connected ahead with the
 * rings xls_vif_ahead made) and removed ("-D"). */
int
xlv_premake(struct store *st, uint32_t domid, const struct xls_vif *ahead)
{
	(void)st;
	if (fail_vif)
		return -1;
	if (ahead != NULL)
		assert_int_equal(ahead->rx_port, domid * 10 + 4);
	snprintf(vifs + strlen(vifs), sizeof(vifs) - strlen(vifs), "+%u%s ",
	    domid, ahead != NULL ? "*" : "");
	return 0;
}

void
xlv_remove(struct store *st, struct event_base *b, uint32_t domid)
{
	(void)st, (void)b;
	snprintf(vifs + strlen(vifs), sizeof(vifs) - strlen(vifs), "-%u ",
	    domid);
}

int
xls_shell_stale(const char *name, uint32_t self)
{
	/* The real one is tested in test_xls; here "stale" names it. */
	(void)self;
	return strncmp(name, "stale", 5) == 0;
}

void
xld_each_domain(void (*cb)(uint32_t, const char *, int, void *), void *arg)
{
	size_t i;

	for (i = 0; i < sizeof(doms) / sizeof(doms[0]); i++)
		if (doms[i].name != NULL)
			cb(doms[i].domid, doms[i].name, 0, arg);
}

static int
setup(void **state)
{
	(void)state;
	base = event_base_new();
	next_domid = 10;
	made[0] = destroyed[0] = vifs[0] = '\0';
	fail_make = fail_vif = fail_ahead = 0;
	memset(doms, 0, sizeof(doms));
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	event_base_free(base);
	return 0;
}

/* Turns of the loop until only timers in the future are left (the
 * retry after a failed make is 10 s away). */
static void
settle(void)
{
	int i;

	for (i = 0; i < 50; i++)
		event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
}

/* Strings that outlive every binding here (xlp.c only reads them). */
static char no_rdtscp[] = "host,rdtscp=0", no_aes[] = "host,aes=0";
static char initrd[] = "/boot/initrd";

static struct binding
pvh(uint32_t mib)
{
	struct binding b;

	memset(&b, 0, sizeof(b));
	b.type = BINDING_TYPE_PVH;
	b.vcpus = 1;
	b.memory_kb = (uint64_t)mib * 1024;
	b.cpuid = no_rdtscp;
	return b;
}

/* Only a guest a shell can hold has a shape. */
static void
test_shape_of_what_a_shell_can_build(void **state)
{
	struct xlp_shape s;
	struct binding	 b;

	(void)state;
	b = pvh(4);
	assert_int_equal(xlp_shape_of(&b, &s), 0);
	assert_int_equal(s.mem_mib, 4);
	assert_int_equal(s.flags, XLS_NO_RDTSCP);
	b.cpuid = NULL;
	assert_int_equal(xlp_shape_of(&b, &s), 0);
	assert_int_equal(s.flags, 0);
	b = pvh(4);
	b.type = BINDING_TYPE_PV;
	assert_int_equal(xlp_shape_of(&b, &s), -1);
	b = pvh(4);
	b.ramdisk = initrd;
	assert_int_equal(xlp_shape_of(&b, &s), -1);
	b = pvh(4);
	b.vcpus = 2;
	assert_int_equal(xlp_shape_of(&b, &s), -1);
	b = pvh(4);
	b.stop = BINDING_STOP_SUSPEND;
	assert_int_equal(xlp_shape_of(&b, &s), -1);
	b = pvh(4);
	b.warm = 1;
	assert_int_equal(xlp_shape_of(&b, &s), -1);
	b = pvh(4);
	b.cpuid = no_aes;
	assert_int_equal(xlp_shape_of(&b, &s), -1);
	b = pvh(4);
	b.memory_kb = 4 * 1024 + 512;
	assert_int_equal(xlp_shape_of(&b, &s), -1);
}

/* zs: one zone *z (*zp points at it) of the n bindings bs. */
static void
zone_of(struct binding *bs, size_t n, struct zone *z, struct zone **zp,
    struct zone_set *zs)
{
	memset(z, 0, sizeof(*z));
	z->bindings = bs;
	z->nbindings = n;
	*zp = z;
	memset(zs, 0, sizeof(*zs));
	zs->zones = zp;
	zs->nzones = 1;
}

/* Distinct shapes, smallest first, while they fit in the budget. */
static void
test_shapes_smallest_first_within_the_budget(void **state)
{
	struct binding	 bs[5];
	struct zone	 z;
	struct zone	*zp;
	struct zone_set	 zs;
	struct xlp_shape out[XLP_SHAPES_MAX];

	(void)state;
	bs[0] = pvh(64);
	bs[1] = pvh(4);
	bs[2] = pvh(16);
	bs[3] = pvh(4); /* the same shape again */
	bs[4] = pvh(4);
	bs[4].type = BINDING_TYPE_PV; /* no shape */
	zone_of(bs, 5, &z, &zp, &zs);
	assert_int_equal(xlp_shapes(&zs, 1, 64, 1, out), 2);
	assert_int_equal(out[0].mem_mib, 4);
	assert_int_equal(out[1].mem_mib, 16);
	assert_int_equal(xlp_shapes(&zs, 1, 84, 1, out), 3);
	assert_int_equal(out[2].mem_mib, 64);
	/* Two of each: 8 + 32 fit in 40, 128 more do not. */
	assert_int_equal(xlp_shapes(&zs, 2, 40, 1, out), 2);
	assert_int_equal(xlp_shapes(&zs, 0, 1000, 1, out), 0);
	assert_int_equal(xlp_shapes(&zs, 1, 3, 1, out), 0);
}

/* Turns of the loop for ms milliseconds of the clock: long enough for
 * the pool's quiet after a summon to pass. */
static void
run_for(int ms)
{
	struct timeval tv = { .tv_sec = ms / 1000,
		.tv_usec = (ms % 1000) * 1000 };

	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
}

/* Shells are made ahead, taken, and made again once the builder has
 * been quiet for a second after the last summon. */
static void
test_pool_fills_and_refills(void **state)
{
	struct xlp	*p;
	struct xlp_shape s = { .mem_mib = 4, .flags = XLS_NO_RDTSCP };
	struct xlp_shape other = { .mem_mib = 8, .flags = 0 };
	struct xls_shell sh;

	(void)state;
	assert_non_null(p = xlp_open(base, fake_st, 1, 2, 1, 0, 0));
	assert_int_equal(xlp_take(p, &s, &sh), -1); /* nothing wanted yet */
	xlp_want(p, &s, 1);
	run_for(1100); /* that take was a summon: quiet first */
	assert_string_equal(made, "10:4r 11:4r ");
	assert_int_equal(xlp_take(p, &other, &sh), -1);
	/* The oldest first (xlp_take says why). */
	assert_int_equal(xlp_take(p, &s, &sh), 0);
	assert_int_equal(sh.domid, 10);
	assert_int_equal(xlp_take(p, &s, &sh), 0);
	assert_int_equal(sh.domid, 11);
	assert_int_equal(xlp_take(p, &s, &sh), -1); /* empty: libxl builds */
	settle();
	assert_string_equal(made, "10:4r 11:4r "); /* not during the burst */
	run_for(600);
	xlp_busy(p); /* another summon: the quiet starts again */
	run_for(600);
	assert_string_equal(made, "10:4r 11:4r ");
	run_for(600);
	assert_string_equal(made, "10:4r 11:4r 12:4r 13:4r ");
	assert_string_equal(destroyed, "");
	xlp_close(p); /* the two not taken go */
	assert_string_equal(destroyed, "13 12 ");
}

/*
 * Each shell comes with its vif (its folders; netback makes vifD.0), so
 * that a summon only names it; a shell that goes takes its vif along,
 * and one whose vif cannot be made is not kept.
 */
static void
test_shells_come_and_go_with_their_vifs(void **state)
{
	struct xlp	*p;
	struct xlp_shape s = { .mem_mib = 4, .flags = 0 };
	struct xls_shell sh;
	char		 err[160];

	(void)state;
	assert_non_null(p = xlp_open(base, fake_st, 1, 2, 1, 0, 0));
	xlp_want(p, &s, 1);
	settle();
	assert_string_equal(made, "10:4 11:4 ");
	assert_string_equal(vifs, "+10 +11 ");
	assert_int_equal(xlp_take(p, &s, &sh), 0);
	assert_int_equal(sh.vif, XLV_PREMADE);
	assert_int_equal(xlp_make_now(p, &s, &sh, err, sizeof(err)), 0);
	assert_int_equal(sh.domid, 12);
	assert_int_equal(sh.vif, XLV_PREMADE);
	assert_string_equal(vifs, "+10 +11 +12 ");
	fail_vif = 1;
	assert_int_equal(xlp_make_now(p, &s, &sh, err, sizeof(err)), -1);
	assert_string_equal(err, "shell 13: cannot make its vif's folders");
	assert_string_equal(destroyed, "13 ");
	assert_string_equal(vifs, "+10 +11 +12 -13 ");
	fail_vif = 0;
	xlp_close(p); /* shell 11, never taken, and its vif */
	assert_string_equal(destroyed, "13 11 ");
	assert_string_equal(vifs, "+10 +11 +12 -13 -11 ");
}

/*
 * shell-ram populated: the pool's shells are made with their RAM, so
 * that a fill only loads the kernel; one made on a summon's path is
 * not (its populate would be on the path all the same); without it,
 * none is.
 */
static void
test_pool_shells_get_their_ram_ahead(void **state)
{
	struct xlp	*p;
	struct xlp_shape s = { .mem_mib = 4, .flags = XLS_NO_RDTSCP };
	struct xls_shell sh;
	char		 err[160];

	(void)state;
	assert_non_null(p = xlp_open(base, fake_st, 1, 1, 1, 1, 0));
	xlp_want(p, &s, 1);
	settle();
	assert_string_equal(made, "10:4r+ram ");
	assert_int_equal(xlp_take(p, &s, &sh), 0);
	assert_true(sh.ram_ahead);
	assert_int_equal(xlp_make_now(p, &s, &sh, err, sizeof(err)), 0);
	assert_false(sh.ram_ahead);
	assert_string_equal(made, "10:4r+ram 11:4r ");
	xlp_close(p);
	made[0] = '\0';
	assert_non_null(p = xlp_open(base, fake_st, 1, 1, 1, 0, 0));
	xlp_want(p, &s, 1);
	settle();
	assert_string_equal(made, "12:4r ");
	xlp_close(p);
}

/*
 * shell-store introduced: the pool's shells are introduced to
 * xenstored as they are made, so that a fill's introduction, and what
 * every watcher of @introduceDomain does then, leave the summon's path;
 * one made on a summon's path is introduced by its fill as before.
 */
static void
test_pool_shells_are_introduced_ahead(void **state)
{
	struct xlp	*p;
	struct xlp_shape s = { .mem_mib = 4, .flags = 0 };
	struct xls_shell sh;
	char		 err[160];

	(void)state;
	assert_non_null(p = xlp_open(base, fake_st, 1, 1, 1, 1, 1));
	xlp_want(p, &s, 1);
	settle();
	assert_string_equal(made, "10:4+ram+store ");
	assert_int_equal(xlp_take(p, &s, &sh), 0);
	assert_true(sh.store_ahead);
	assert_int_equal(xlp_make_now(p, &s, &sh, err, sizeof(err)), 0);
	assert_false(sh.store_ahead);
	assert_string_equal(made, "10:4+ram+store 11:4 ");
	xlp_close(p);
}

/* A shape no longer wanted loses its shells; one still wanted keeps
 * them. */
static void
test_want_drops_only_what_is_no_longer_wanted(void **state)
{
	struct xlp	*p;
	struct xlp_shape two[2] = { { 4, 0, 0 }, { 16, 0, 0 } };
	struct xls_shell sh;

	(void)state;
	assert_non_null(p = xlp_open(base, fake_st, 1, 1, 1, 0, 0));
	xlp_want(p, two, 2);
	settle();
	assert_string_equal(made, "10:4 11:16 ");
	xlp_want(p, &two[1], 1);
	settle();
	assert_string_equal(destroyed, "10 ");
	assert_string_equal(made, "10:4 11:16 ");
	assert_int_equal(xlp_take(p, &two[1], &sh), 0);
	assert_int_equal(sh.domid, 11);
	assert_int_equal(xlp_take(p, &two[0], &sh), -1);
	xlp_close(p);
}

/* Shells another jitsud left are destroyed once; guests never are. */
static void
test_stale_shells_are_reaped_once(void **state)
{
	struct xlp	*p;
	struct xlp_shape s = { 4, 0, 0 };

	(void)state;
	doms[0].domid = 3;
	doms[0].name = "stale-3";
	doms[1].domid = 4;
	doms[1].name = "www.example.org";
	assert_non_null(p = xlp_open(base, fake_st, 1, 1, 1, 0, 0));
	xlp_want(p, &s, 1);
	assert_string_equal(destroyed, "3 ");
	xlp_want(p, &s, 1);
	assert_string_equal(destroyed, "3 ");
	settle();
	xlp_close(p);
}

/* Builder 1 alone reaps: two would race on the same shells. */
static void
test_only_builder_one_reaps(void **state)
{
	struct xlp	*p;
	struct xlp_shape s = { 4, 0, 0 };

	(void)state;
	doms[0].domid = 3;
	doms[0].name = "stale-3";
	assert_non_null(p = xlp_open(base, fake_st, 2, 1, 1, 0, 0));
	xlp_want(p, &s, 1);
	settle();
	assert_string_equal(destroyed, "");
	xlp_close(p);
}

/* A shell that cannot be made is tried again later, not in a loop. */
static void
test_failed_make_waits(void **state)
{
	struct xlp	*p;
	struct xlp_shape s = { 4, 0, 0 };
	struct xls_shell sh;

	(void)state;
	fail_make = 1;
	assert_non_null(p = xlp_open(base, fake_st, 1, 1, 1, 0, 0));
	xlp_want(p, &s, 1);
	settle();
	assert_string_equal(made, "");
	assert_int_equal(xlp_take(p, &s, &sh), -1);
	xlp_close(p);
}

/* No shells asked for, or no XenStore: no pool. */
static void
test_no_pool_without_shells_or_store(void **state)
{
	struct xlp_shape s = { 4, 0, 0 };
	struct xls_shell sh;

	(void)state;
	assert_null(xlp_open(base, fake_st, 1, 0, 1, 0, 0));
	assert_null(xlp_open(base, NULL, 1, 1, 1, 0, 0));
	assert_int_equal(xlp_take(NULL, &s, &sh), -1);
	xlp_close(NULL);
}

/* A burst beyond the pool: a shell of a kept shape is made on the spot;
 * one of a shape not kept is libxl's. */
static void
test_make_now_only_for_a_kept_shape(void **state)
{
	struct xlp	*p;
	struct xlp_shape s = { .mem_mib = 4, .flags = XLS_NO_RDTSCP };
	struct xlp_shape other = { .mem_mib = 8, .flags = 0 };
	struct xls_shell sh;
	char		 err[160];

	(void)state;
	assert_int_equal(xlp_make_now(NULL, &s, &sh, err, sizeof(err)), -1);
	assert_non_null(p = xlp_open(base, fake_st, 1, 1, 1, 0, 0));
	assert_int_equal(xlp_make_now(p, &s, &sh, err, sizeof(err)), -1);
	xlp_want(p, &s, 1);
	settle();
	assert_string_equal(made, "10:4r ");
	assert_int_equal(xlp_take(p, &s, &sh), 0);
	assert_int_equal(xlp_make_now(p, &s, &sh, err, sizeof(err)), 0);
	assert_int_equal(sh.domid, 11);
	assert_int_equal(xlp_make_now(p, &other, &sh, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "8 MiB"));
	assert_string_equal(made, "10:4r 11:4r ");
	xlp_close(p);
	assert_string_equal(destroyed, ""); /* 11 is the caller's */
}

/*
 * A kernel that adopts one (vif_ahead in its shape) gets a shell whose
 * vif is connected as it is made, its rings and ports in its frontend
 * folder; one made on a summon's path is not (the connect would be on
 * the path all the same); a shell whose rings cannot be made is not
 * kept.
 */
static void
test_vif_connected_ahead_for_a_kernel_that_adopts(void **state)
{
	struct xlp	*p;
	struct xlp_shape s = { .mem_mib = 4, .flags = 0, .vif_ahead = 1 };
	struct xls_shell sh;
	char		 err[160];

	(void)state;
	assert_non_null(p = xlp_open(base, fake_st, 1, 1, 1, 0, 0));
	xlp_want(p, &s, 1);
	settle();
	assert_string_equal(vifs, "+10* ");
	assert_int_equal(xlp_take(p, &s, &sh), 0);
	assert_int_equal(sh.vif, XLV_AHEAD);
	assert_int_equal(sh.ahead.tx_port, 103);
	assert_int_equal(xlp_make_now(p, &s, &sh, err, sizeof(err)), 0);
	assert_int_equal(sh.vif, XLV_PREMADE);
	assert_string_equal(vifs, "+10* +11 ");
	fail_ahead = 1;
	run_for(1100);
	assert_string_equal(vifs, "+10* +11 "); /* 12 had no rings */
	assert_string_equal(destroyed, "12 ");
	fail_ahead = 0;
	xlp_close(p);
}

/* shell-vif plain: the same shape, its vif left to the guest; two
 * shapes that differ only in that are one slot, kept across wants. */
static void
test_vif_plain_when_the_conf_says_so(void **state)
{
	struct xlp	*p;
	struct xlp_shape s[2] = { { .mem_mib = 4, .flags = 0, .vif_ahead = 1 },
		{ .mem_mib = 4, .flags = 0, .vif_ahead = 0 } };
	struct xls_shell sh;

	(void)state;
	assert_non_null(p = xlp_open(base, fake_st, 1, 1, 0, 0, 0));
	xlp_want(p, s, 2);
	settle();
	assert_string_equal(vifs, "+10 ");
	xlp_want(p, s, 2);
	settle();
	assert_string_equal(destroyed, ""); /* still wanted: kept */
	assert_string_equal(vifs, "+10 ");
	assert_int_equal(xlp_take(p, &s[0], &sh), 0);
	assert_int_equal(sh.vif, XLV_PREMADE);
	xlp_close(p);
}

/* A kernel that adopts and one that does not: two shapes, unless the
 * conf wants no vif connected ahead. */
static void
test_shapes_apart_by_adoption(void **state)
{
	struct binding	 bs[2];
	struct zone	 z;
	struct zone	*zp;
	struct zone_set	 zs;
	struct xlp_shape out[XLP_SHAPES_MAX];

	(void)state;
	bs[0] = pvh(4);
	bs[1] = pvh(4);
	bs[1].vif_adopt = 1;
	zone_of(bs, 2, &z, &zp, &zs);
	assert_int_equal(xlp_shapes(&zs, 1, 64, 1, out), 2);
	assert_int_equal(out[0].vif_ahead, 0);
	assert_int_equal(out[1].vif_ahead, 1);
	assert_int_equal(xlp_shapes(&zs, 1, 64, 0, out), 1);
	assert_int_equal(out[0].vif_ahead, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shape_of_what_a_shell_can_build),
		cmocka_unit_test(test_shapes_smallest_first_within_the_budget),
		cmocka_unit_test(test_shapes_apart_by_adoption),
		cmocka_unit_test_setup_teardown(
		    test_vif_connected_ahead_for_a_kernel_that_adopts, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_vif_plain_when_the_conf_says_so, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pool_fills_and_refills,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_shells_come_and_go_with_their_vifs, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_want_drops_only_what_is_no_longer_wanted, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_stale_shells_are_reaped_once, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_pool_shells_get_their_ram_ahead, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_pool_shells_are_introduced_ahead, setup, teardown),
		cmocka_unit_test_setup_teardown(test_only_builder_one_reaps,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_make_waits, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_no_pool_without_shells_or_store, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_make_now_only_for_a_kept_shape, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
