/* shellprobe.c -- the testbed's driver for domain shells (src/xls.c) */
#include <sys/stat.h>

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
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
 * Usage:
 *   shellprobe make MEM
 *	make a shell of MEM MiB (cpuid rdtscp=0), print
 *	"shell DOMID make_ms=N"; it stays, empty and paused
 *   shellprobe boot MEM NAME KERNEL CMDLINE IP MAC GOFILE
 *	make a shell, print its line, wait until GOFILE exists, then fill
 *	it as NAME, make its vif in br0 as jitsud does (xlv), unpause it,
 *	print "unpaused DOMID at_ms=T" (T on /proc/uptime's clock), wait
 *	until the vif is plugged and print "filled DOMID build_ms=
 *	store_ms= introduce_ms= vif_write_ms= unpause_ms= fill_ms=
 *	plugged_ms=" (fill_ms: GOFILE seen to unpaused)
 *   shellprobe destroy DOMID
 *	destroy a shell never filled
 *   shellprobe gone DOMID
 *	remove a dead domain's vif backend folder (jitsud's xlv_remove)
 * Exit status 0, or 1 with the reason on stderr.
 */

static uint64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static void
die(const char *why)
{
	fprintf(stderr, "shellprobe: %s\n", why);
	exit(1);
}

static uint32_t
number(const char *s)
{
	char	     *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || end == s || v > UINT32_MAX)
		die("not a number");
	return (uint32_t)v;
}

static void
make(struct xls *x, struct store *st, uint32_t mem, struct xls_shell *sh)
{
	char	 err[256];
	uint64_t t0 = now_us();

	if (xls_shell_make(x, st, mem, XLS_NO_RDTSCP, sh, err, sizeof(err)) ==
	    -1)
		die(err);
	printf("shell %u make_ms=%.1f\n", sh->domid,
	    (double)(now_us() - t0) / 1000);
	fflush(stdout);
}

struct plug {
	struct event_base *base;
	int		   done;
	char		   why[256];
};

static void
plugged(void *arg, const char *why)
{
	struct plug *p = arg;

	p->done = 1;
	if (why != NULL)
		snprintf(p->why, sizeof(p->why), "%s", why);
	event_base_loopbreak(p->base);
}

static void
nic_of(const char *ip, const char *mac, struct xlv_nic *nic)
{
	unsigned int m[6], i;

	memset(nic, 0, sizeof(*nic));
	if (sscanf(mac, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4],
		&m[5]) != 6)
		die("bad MAC");
	for (i = 0; i < 6; i++)
		nic->mac[i] = (uint8_t)m[i];
	snprintf(nic->bridge, sizeof(nic->bridge), "br0");
	snprintf(nic->ip, sizeof(nic->ip), "%s", ip);
}

static void
wait_for(const char *path)
{
	struct stat sb;

	while (stat(path, &sb) == -1)
		usleep(2000);
}

/* Now on /proc/uptime's clock, in ms: the test's tb_now. */
static uint64_t
uptime_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static double
ms(uint64_t us)
{
	return (double)us / 1000;
}

static void
boot(struct xls *x, struct store *st, struct event_base *base, char **av)
{
	struct xls_shell sh;
	struct xlv_nic	 nic;
	struct plug	 p = { 0 };
	struct xlv	*xv;
	char		 err[256];
	uint64_t	 t0, t1, t2, t3;

	p.base = base;
	nic_of(av[4], av[5], &nic);
	make(x, st, number(av[0]), &sh);
	wait_for(av[6]);
	t0 = now_us();
	if (xls_shell_fill(x, st, &sh, av[2], av[3], err, sizeof(err)) == -1) {
		/* The contract: a failed fill is the caller's to destroy. */
		xls_destroy(x, st, sh.domid);
		die(err);
	}
	t1 = now_us();
	/* As jitsud: the vif's folders before the guest runs, the plug
	 * (netback's InitWait, then rtnetlink) while it boots. */
	if ((xv = xlv_open(st, base, sh.domid, &nic, 0, plugged, &p)) == NULL)
		die("cannot make the vif");
	if (xls_name(st, &sh, av[1], err, sizeof(err)) == -1)
		die(err);
	t2 = now_us();
	if (xls_unpause(x, sh.domid, err, sizeof(err)) == -1)
		die(err);
	t3 = now_us();
	printf("unpaused %u at_ms=%" PRIu64 "\n", sh.domid, uptime_ms());
	fflush(stdout);
	/* As jitsud: its console folder while it boots. */
	if (xls_console_folder(st, &sh, av[1], err, sizeof(err)) == -1)
		die(err);
	while (!p.done)
		event_base_dispatch(base);
	if (p.why[0] != '\0')
		die(p.why);
	printf("filled %u build_ms=%.1f store_ms=%.1f introduce_ms=%.1f "
	       "vif_write_ms=%.1f unpause_ms=%.1f fill_ms=%.1f "
	       "plugged_ms=%.1f\n",
	    sh.domid, ms(sh.build_us), ms(sh.store_us), ms(sh.intro_us),
	    ms(t2 - t1), ms(t3 - t2), ms(t3 - t0), ms(now_us() - t0));
	xlv_close(xv);
}

/* A XenStore connection on its own loop (the vif's events run there). */
static struct store *
store(struct event_base **base)
{
	struct store *st;

	if ((*base = event_base_new()) == NULL ||
	    (st = store_open(*base)) == NULL)
		die("no XenStore");
	return st;
}

int
main(int argc, char **argv)
{
	struct event_base *base;
	struct xls	  *x;
	struct xls_shell   sh;
	struct store	  *st;

	log_init("shellprobe", 1, 0);
	if (argc < 3)
		die("usage: shellprobe make|boot|destroy|gone ...");
	st = store(&base);
	if (strcmp(argv[1], "gone") == 0) {
		xlv_remove(st, NULL, number(argv[2]));
		return 0;
	}
	if ((x = xls_open()) == NULL)
		die("not a Xen dom0");
	if (strcmp(argv[1], "make") == 0)
		make(x, st, number(argv[2]), &sh);
	else if (strcmp(argv[1], "boot") == 0 && argc == 9)
		boot(x, st, base, argv + 2);
	else if (strcmp(argv[1], "destroy") == 0) {
		if (xls_destroy(x, st, number(argv[2])) == -1)
			die("cannot destroy");
	} else
		die("usage: shellprobe make|boot|destroy|gone ...");
	xls_close(x);
	store_close(st);
	event_base_free(base);
	return 0;
}
