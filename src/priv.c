/* priv.c -- the capabilities jitsud keeps once it has started */
/*
 * The kernel's capability interface (capget, capset, prctl) lives here
 * only.  priv_keep and priv_guest say what jitsud (per backend) and a
 * process guest still need once started, and why; priv_drop takes the
 * rest away, for the caller and for everything it will start.
 *
 * Three traps, each of which would make the drop a pretence:
 *
 * - Capabilities belong to a thread, not to the process: capset() and
 *   PR_CAPBSET_DROP change the calling thread only.  priv_drop() must run
 *   while jitsud has one thread, before the backend starts its builders,
 *   which then inherit the reduced sets (libxl runs in them).
 * - A root process that execs a program gets its bounding set back as
 *   its permitted set (root counts as having every file capability).
 *   no_new_privs stops that: the program then gets no more than its
 *   parent had.  So libxl's hotplug scripts and helpers and the process
 *   backend's guests run with what jitsud kept, whether or not the
 *   bounding set could be lowered too.
 * - Lowering the bounding set needs CAP_SETPCAP, which the unit does not
 *   grant (jitsud.service's CapabilityBoundingSet= already is the
 *   bound); run by hand as root, jitsud has it and lowers the bound too.
 */
#include <sys/prctl.h>
#include <sys/syscall.h>

#include <errno.h>
#include <stdint.h>
#include <unistd.h>

#include <linux/capability.h>

#include "jitsud.h"
#include "log.h"

/* The highest capability number a kernel might know. */
#define PRIV_CAP_MAX 63

/* A capability set of the two 32-bit halves capget() fills, as one word. */
#define PRIV_SET(d, f) ((uint64_t)(d)[1].f << 32 | (d)[0].f)

static int
priv_get(struct __user_cap_data_struct d[2])
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };

	return (int)syscall(SYS_capget, &h, d);
}

/* Effective and permitted become cur & keep, inheritable empty. */
static int
priv_set(struct __user_cap_data_struct d[2], uint64_t keep)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	uint64_t			e = PRIV_SET(d, effective) & keep;
	uint64_t			p = PRIV_SET(d, permitted) & keep;

	d[0].effective = (uint32_t)e;
	d[1].effective = (uint32_t)(e >> 32);
	d[0].permitted = (uint32_t)p;
	d[1].permitted = (uint32_t)(p >> 32);
	d[0].inheritable = d[1].inheritable = 0;
	return (int)syscall(SYS_capset, &h, d);
}

/*
 * Lower the bounding set to keep, where CAP_SETPCAP allows.  Returns
 * the capabilities taken out of it.
 */
static uint64_t
priv_bound(uint64_t keep, uint64_t eff)
{
	uint64_t dropped = 0;
	int	 c, in;

	for (c = 0; c <= PRIV_CAP_MAX; c++) {
		if ((in = prctl(PR_CAPBSET_READ, c, 0, 0, 0)) == -1)
			break; /* past the kernel's last capability */
		if (in == 0 || (keep & (1ULL << c)))
			continue;
		if (!(eff & (1ULL << CAP_SETPCAP)))
			break;
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) == 0)
			dropped |= 1ULL << c;
	}
	return dropped;
}

int
priv_drop(uint64_t keep)
{
	struct __user_cap_data_struct d[2];
	uint64_t		      had, bound;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1 || priv_get(d) == -1)
		return -1;
	had = PRIV_SET(d, permitted);
	bound = priv_bound(keep, PRIV_SET(d, effective));
	/* Ambient capabilities would survive exec: jitsud sets none, and
	 * clears any it was given.  An old kernel without them says EINVAL. */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) == -1 &&
	    errno != EINVAL)
		return -1;
	if (priv_set(d, keep) == -1)
		return -1;
	log_debug("capabilities: kept %#llx, dropped %#llx from the permitted "
		  "set and %#llx from the bounding set; no_new_privs on",
	    (unsigned long long)(had & keep), (unsigned long long)(had & ~keep),
	    (unsigned long long)bound);
	return 0;
}

uint64_t
priv_keep(const struct conf *c)
{
	/*
	 * Both backends, at every summon or reload, long after start:
	 * - NET_BIND_SERVICE: a reload that changes `listen' binds port 53
	 *   anew; a process guest binds its ports (80) in its namespace.
	 * - NET_RAW: Synjitsu opens its AF_PACKET socket on a bridge when a
	 *   summon claims it (synio.c), and one per gratuitous ARP.
	 * - NET_ADMIN: rtnetlink puts each vif or veth into its bridge and
	 *   sets it up (netlink.c); libxl's hotplug scripts run ip (and
	 *   vif-bridge iptables) with what jitsud kept; a process guest
	 *   rebuilds handed-over connections with TCP_REPAIR.
	 */
	uint64_t keep = PRIV_CAP(CAP_NET_BIND_SERVICE) | PRIV_CAP(CAP_NET_RAW) |
	    PRIV_CAP(CAP_NET_ADMIN);

	/*
	 * The process backend clones each guest into a new network
	 * namespace, which takes SYS_ADMIN.  libxl needs nothing more:
	 * Xen's device files are root's, and Xen itself, not a
	 * capability, decides what dom0 may do (measured in the testbed,
	 * tests/xen/jitsud-caps.sh).
	 */
	if (c->backend == CONF_BACKEND_PROCESS)
		keep |= PRIV_CAP(CAP_SYS_ADMIN);
	return keep;
}

uint64_t
priv_guest(void)
{
	/*
	 * A process guest, once its namespace's network is set up: it binds
	 * its ports (80) and rebuilds handed-over connections with
	 * TCP_REPAIR (the unix-sock libOS) or opens its tap (unix-tap).  Not
	 * SYS_ADMIN, which only jitsud's clone needed, nor NET_RAW.
	 */
	return PRIV_CAP(CAP_NET_BIND_SERVICE) | PRIV_CAP(CAP_NET_ADMIN);
}
