/* test_xls.c -- xls.c's XenStore folders of a domain shell, as libxl
 * writes them for a PVH guest */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jitsud.h"
#include "xl.h"

/*
 * xls.c is linked alone, with libxenctrl and libxenguest (never called
 * here: the hypervisor side is the nested suite tests/xen/xls.sh's).
 * store.c is a fake nothing should reach.  The tests read the pure node
 * lists: each node as "path=value perm" with perm one of i (inherit),
 * 0 (dom0 only), r (the guest reads), w (the guest owns), s (shared),
 * f (the guest owns, dom0 reads: a frontend's key), and a * when
 * the node is made afresh.
 */
int
store_make_nodes(struct store *st, uint32_t domid, const struct store_node *nd,
    size_t n)
{
	(void)st;
	(void)domid;
	(void)nd;
	(void)n;
	fail_msg("store_make_nodes called");
	return -1;
}

int
store_put_nodes(struct store *st, uint32_t domid, const struct store_node *nd,
    size_t n)
{
	(void)st;
	(void)domid;
	(void)nd;
	(void)n;
	fail_msg("store_put_nodes called");
	return -1;
}

int
store_introduce(struct store *st, uint32_t domid, unsigned long mfn,
    unsigned int port)
{
	(void)st;
	(void)domid;
	(void)mfn;
	(void)port;
	fail_msg("store_introduce called");
	return -1;
}

int
store_read(struct store *st, const char *path, char *buf, size_t size)
{
	(void)st;
	(void)path;
	(void)buf;
	(void)size;
	return -1;
}

int
store_rm(struct store *st, const char *path)
{
	(void)st;
	(void)path;
	return 0;
}

static struct xls_guest guest = {
	.domid = 7,
	.owner = 321,
	.name = "www.example.org",
	.uuid = { 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0x4c, 0xde, 0x8f, 0x01,
	    0x02, 0x03, 0x04, 0x05, 0x06, 0x07 },
	.mem_mib = 4,
	.store_port = 1,
	.console_port = 2,
	.store_pfn = 0xfeffc,
	.console_pfn = 0xfefff,
};

/* The list made by `list' for the guest above, one node a line. */
/* What a fill writes in all: the names, then console/. */
static size_t
fill_nodes(const struct xls_guest *g, struct store_node *out)
{
	size_t n = xls_name_nodes(g, out);

	return n + xls_console_nodes(g, out + n);
}

static char *
dump(size_t (*list)(const struct xls_guest *, struct store_node *),
    size_t *count)
{
	static const char  perm[] = "i0rwsf";
	struct store_node *nd = calloc(XLS_NODES_MAX, sizeof(*nd));
	char		  *out = calloc(1, 8192);
	size_t		   i, n;

	assert_non_null(nd);
	assert_non_null(out);
	n = list(&guest, nd);
	assert_true(n <= XLS_NODES_MAX);
	for (i = 0; i < n; i++)
		snprintf(out + strlen(out), 8192 - strlen(out), "%s=%s %c%s\n",
		    nd[i].path, nd[i].value, perm[nd[i].perm],
		    nd[i].fresh ? "*" : "");
	free(nd);
	*count = n;
	return out;
}

/* The three roots come first and are made afresh, as libxl__domain_make
 * does; the domain is named for what it is until a fill names it. */
static void
test_shell_roots_afresh_first_with_libxls_owners(void **state)
{
	size_t n;
	char  *all = dump(xls_nodes, &n);

	(void)state;
	assert_non_null(strstr(all,
	    "/local/domain/7= r*\n"
	    "/vm/01234567-89ab-4cde-8f01-020304050607= r*\n"
	    "/libxl/7= 0*\n"
	    "/libxl/7/device= i\n"
	    "/local/domain/7/vm=/vm/01234567-89ab-4cde-8f01-020304050607 i\n"
	    "/local/domain/7/name=jitsud-shell-321-7 i\n"));
	assert_ptr_equal(strstr(all, "/local/domain/7= r*"), all);
	free(all);
}

/* What the guest may write (control/shutdown for `xl shutdown', data/
 * for readiness and Synjitsu) is its own; control/ itself only read. */
static void
test_shell_guest_owns_control_keys_and_data(void **state)
{
	size_t n;
	char  *all = dump(xls_nodes, &n);

	(void)state;
	assert_non_null(strstr(all, "/local/domain/7/control= i\n"));
	assert_non_null(strstr(all, "/local/domain/7/control/shutdown= w\n"));
	assert_non_null(strstr(all, "/local/domain/7/data= w\n"));
	/* Synjitsu's folder: dom0's, the guest may read and write it. */
	assert_non_null(strstr(all, "/local/domain/7/data/synjitsu= s\n"));
	assert_non_null(strstr(all,
	    "/local/domain/7/device/suspend/event-channel= w\n"));
	assert_non_null(strstr(all, "/local/domain/7/device= i\n"));
	assert_non_null(strstr(all, "/local/domain/7/memory= i\n"));
	free(all);
}

/* libxl__build_post's keys and the type libxl__domain_type reads. */
static void
test_shell_memory_store_and_pvh_type(void **state)
{
	size_t n;
	char  *all = dump(xls_nodes, &n);

	(void)state;
	assert_non_null(strstr(all, "/libxl/7/type=pvh i\n"));
	assert_non_null(strstr(all,
	    "/local/domain/7/memory/static-max=4096 i\n"
	    "/local/domain/7/memory/target=4096 i\n"
	    "/local/domain/7/memory/videoram=0 i\n"
	    "/local/domain/7/domid=7 i\n"
	    "/local/domain/7/store/port=1 i\n"
	    "/local/domain/7/store/ring-ref=1044476 i\n"
	    "/local/domain/7/cpu/0/availability=online i\n"));
	assert_non_null(strstr(all,
	    "/vm/01234567-89ab-4cde-8f01-020304050607/uuid="
	    "01234567-89ab-4cde-8f01-020304050607 i\n"));
	free(all);
}

/* Nothing a shell writes names the guest, and its console folder has
 * no port: xenconsoled, which needs ring-ref and port, would try a ring
 * that is not built yet.  The rest of the folder comes last, the ring
 * where libxenguest puts it; the guest reads it, but for backend-id. */
static void
test_shell_has_no_name_nor_console_port(void **state)
{
	size_t n;
	char  *all = dump(xls_nodes, &n);

	(void)state;
	assert_null(strstr(all, "www.example.org"));
	assert_null(strstr(all, "console/port"));
	assert_non_null(strstr(all,
	    "/local/domain/7/console= r\n"
	    "/local/domain/7/console/backend-id=0 f\n"
	    "/local/domain/7/console/limit=1048576 i\n"
	    "/local/domain/7/console/type=xenconsoled i\n"
	    "/local/domain/7/console/output=pty i\n"
	    "/local/domain/7/console/tty= i\n"
	    "/local/domain/7/console/ring-ref=1044479 i\n"));
	assert_true(n <= XLS_NODES_MAX);
	free(all);
}

/* The fill: the name in both places, then the console's port, the
 * one node xenconsoled waits for (one watch event, not one a node). */
static void
test_fill_names_then_console_port(void **state)
{
	size_t n;
	char  *all = dump(fill_nodes, &n);

	(void)state;
	assert_string_equal(all,
	    "/local/domain/7/name=www.example.org i\n"
	    "/vm/01234567-89ab-4cde-8f01-020304050607/name=www.example.org i\n"
	    "/local/domain/7/console/port=2 i\n");
	assert_int_equal(n, 3);
	free(all);
}

/* console=off: the name only; xenconsoled, finding no console/, never
 * looks at the domain. */
static void
test_fill_without_a_console_names_only(void **state)
{
	size_t n;
	char  *all;

	(void)state;
	guest.no_console = 1;
	all = dump(fill_nodes, &n);
	guest.no_console = 0;
	assert_string_equal(all,
	    "/local/domain/7/name=www.example.org i\n"
	    "/vm/01234567-89ab-4cde-8f01-020304050607/name=www.example.org i\n");
	assert_int_equal(n, 2);
	free(all);
}

/*
 * The fill's two halves: the names, written before the guest runs, and
 * console/, written while it boots (xls.c says why).
 */
static void
test_fill_splits_into_names_and_console(void **state)
{
	size_t n, m;
	char  *names = dump(xls_name_nodes, &n);
	char  *cons = dump(xls_console_nodes, &m);
	char  *all = dump(fill_nodes, &n);
	char   both[2048];

	(void)state;
	assert_int_equal(strncmp(names, "/local/domain/7/name=", 21), 0);
	assert_string_equal(cons, "/local/domain/7/console/port=2 i\n");
	snprintf(both, sizeof(both), "%s%s", names, cons);
	assert_string_equal(both, all);
	guest.no_console = 1;
	free(cons);
	cons = dump(xls_console_nodes, &m);
	guest.no_console = 0;
	assert_int_equal(m, 0);
	free(names);
	free(cons);
	free(all);
}

/* A shell left by another jitsud is stale; ours, and any other name,
 * are not (a guest could be called anything but this form). */
static void
test_stale_shells_are_other_jitsuds(void **state)
{
	char name[48];

	(void)state;
	xls_shell_name(321, 7, name, sizeof(name));
	assert_string_equal(name, "jitsud-shell-321-7");
	assert_int_equal(xls_shell_stale(name, 321), 0);
	assert_int_equal(xls_shell_stale(name, 322), 1);
	assert_int_equal(xls_shell_stale("jitsud-shell-1-2", 5), 1);
	assert_int_equal(xls_shell_stale("jitsud-shell-1-", 5), 0);
	assert_int_equal(xls_shell_stale("jitsud-shell-1-2x", 5), 0);
	assert_int_equal(xls_shell_stale("jitsud-shell-7", 5), 0);
	assert_int_equal(xls_shell_stale("jitsud-shell--1-2", 5), 0);
	assert_int_equal(xls_shell_stale("www.example.org", 5), 0);
	assert_int_equal(xls_shell_stale("", 5), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_shell_roots_afresh_first_with_libxls_owners),
		cmocka_unit_test(test_shell_guest_owns_control_keys_and_data),
		cmocka_unit_test(test_shell_memory_store_and_pvh_type),
		cmocka_unit_test(test_shell_has_no_name_nor_console_port),
		cmocka_unit_test(test_fill_names_then_console_port),
		cmocka_unit_test(test_fill_without_a_console_names_only),
		cmocka_unit_test(test_fill_splits_into_names_and_console),
		cmocka_unit_test(test_stale_shells_are_other_jitsuds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
