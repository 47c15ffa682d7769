/* domcpu.c -- Xen's own count of the CPU its domains and its idle took */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <xenctrl.h>

/*
 * Usage: domcpu
 * Prints, in us, as "key value" lines (the bench's cpu_snap format):
 *   guests  the CPU every domain but dom0 has taken so far, Xen's
 *           accounting (a domain's vCPUs' run time, with the hypervisor
 *           work done on their behalf);
 *   xenidle the physical CPUs' idle time (Xen's idle vCPUs ran).
 * A guest that ends between two snapshots takes its time with it, so
 * the bench compares snapshots across which no guest went; a dying one
 * is left out.
 *
 * Why: dom0's steal says only that something else ran.  Whether the
 * guests' own boots grow with how many boot at once, or whether Xen's
 * switching between them does, needs the guests' time as Xen counts it
 * (a test tool, not the daemon: it talks to libxenctrl itself).
 */

#define MAXDOMS 1024
#define MAXCPUS 64

int
main(int argc, char *argv[])
{
	static xc_domaininfo_t info[MAXDOMS];
	xc_cpuinfo_t	       cpu[MAXCPUS];
	xc_interface	      *xch = NULL;
	uint64_t	       guests = 0, idle = 0;
	int		       n, i, ncpu = 0;

	(void)argv;
	if (argc > 1 || (xch = xc_interface_open(NULL, NULL, 0)) == NULL) {
		if (argc == 1)
			fprintf(stderr, "domcpu: xc_interface_open: %s\n",
			    strerror(errno));
		fprintf(stderr,
		    "usage: domcpu (no arguments, in a Xen "
		    "dom0)\n");
		return 2;
	}
	if ((n = xc_domain_getinfolist(xch, 0, MAXDOMS, info)) < 0) {
		fprintf(stderr, "domcpu: xc_domain_getinfolist: %s\n",
		    strerror(errno));
		return 1;
	}
	/* A dying guest (the last run's, torn down) is gone by the next. */
	for (i = 0; i < n; i++)
		if (info[i].domain != 0 && !(info[i].flags & XEN_DOMINF_dying))
			guests += info[i].cpu_time;
	if (xc_getcpuinfo(xch, MAXCPUS, cpu, &ncpu) != 0) {
		fprintf(stderr, "domcpu: xc_getcpuinfo: %s\n", strerror(errno));
		return 1;
	}
	for (i = 0; i < ncpu; i++)
		idle += cpu[i].idletime;
	xc_interface_close(xch);
	printf("guests %" PRIu64 "\n", guests / 1000);
	printf("xenidle %" PRIu64 "\n", idle / 1000);
	return 0;
}
