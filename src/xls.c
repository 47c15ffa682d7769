/* xls.c -- domain shells: PVH domains made ahead, filled on a summon */
#include <sys/random.h>
#include <sys/time.h>

#include <errno.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/mman.h>

#include <xenctrl.h>
#include <xenforeignmemory.h>
#include <xenguest.h>
#include <xen/grant_table.h>
#include <xen/hvm/params.h>
#include <xen/io/netif.h>

#include "jitsud.h"
#include "log.h"
#include "xl.h"

/*
 * Why this file talks to libxenctrl and libxenguest instead of libxl.
 *
 * LightVM's split toolstack makes empty domains ("shells") ahead of
 * time, off the critical path, so that booting a guest only loads its
 * kernel and unpauses it.  libxl cannot split a build that way:
 * libxl_domain_create_new runs libxl__domain_make (the domctl create and
 * the XenStore folders, named already) and libxl__domain_build (vcpus,
 * memory limit, event channels, HVM params, paging pool, CPUID, then
 * the image and the memory) as one asynchronous operation; there is no
 * call that builds into a domain that already exists.  So a shell is
 * made here with the same hypervisor calls, in the same order, with the
 * same values as libxl 4.17 uses for an xl.cfg of type "pvh", one vcpu
 * and `memory' MiB (libxl_create.c, libxl_dom.c, libxl_x86.c), and
 * filled with libxenguest's xc_dom_* builder exactly as libxl__build_hvm
 * drives it.  The XenStore side stays in store.c; the vif is xlv.c's.
 *
 * Where the XenStore work goes.  libxl__domain_make writes the domain's
 * folders right after the domctl, before the build; a shell does the
 * same, so that a fill writes only what names the guest and what
 * xenconsoled must see appear: the name (a shell is "jitsud-shell-P-D",
 * P the pid of the jitsud that made it, until then) and /vm/UUID/name,
 * then the introduction to xenstored (unless the shell was introduced
 * as it was made: XLS_STORE_AHEAD, below), and the console's port.  The
 * console folder comes with the shell but for its port: xenconsoled
 * looks at every domain it finds (at any domain's introduction or
 * release) and, given both ring-ref and port, would try to map a ring
 * that is not there yet, then wait for a change under console/ that
 * would never come; without the port it waits for the port.  The
 * store ring's frame is known
 * ahead (the special pages sit at fixed frames, see XLS_STORE_PFN), so
 * store/ring-ref is written with the shell; the fill checks that
 * libxenguest agrees.
 *
 * What libxl does and a shell skips, on purpose:
 * - ACPI tables (libxl__dom_load_acpi for PVH): our libOS never reads
 *   ACPI; its hvm_start_info then says rsdp_paddr = 0.
 * - NUMA placement and vcpu affinity: none configured; one node here.
 * - libxl_domain_sched_params_set with every parameter at its default,
 *   which leaves the scheduler's defaults as they are.
 * - the recently-used domid check: Xen hands out rising domids anyway.
 * - the console's backend folder and libxl's own device records
 *   (/libxl/D/device/console): xenconsoled reads only the frontend
 *   folder, and without the records libxl_domain_destroy has no device
 *   to wait for; it still removes /local/domain/D, /vm/UUID, /libxl/D.
 * - /vm/UUID/start_time: nobody on this dom0 reads it.
 */

/* libxl's LIBXL_MAXMEM_CONSTANT: max memory beyond the guest's RAM. */
#define XLS_MAXMEM_SLACK_KIB 1024
#define XLS_EVTCHN_MAX	     1023 /* libxl's default event_channels */
#define XLS_CONSOLE_LIMIT    "1048576"
/* Below 4 GiB the PVH MMIO hole must hold the LAPIC, where libxl puts
 * ACPI and the special pages (libxl__build_hvm without device model). */
#define XLS_LAPIC_BASE	     0xfee00000ULL
#define XLS_ACPI_INFO_BASE   0xfc000000ULL
#define XLS_4G		     (1ULL << 32)

/* Every domain's store and console live in dom0 (no stub domains). */
#define XLS_BACKEND_DOMID 0

struct xls {
	xc_interface		*xch;
	xenforeignmemory_handle *fmem; /* a shell's rings and grants */
	unsigned int		 gnttab_version;
};

struct xls *
xls_open(void)
{
	struct xls   *x;
	xc_physinfo_t pi;

	if ((x = calloc(1, sizeof(*x))) == NULL)
		return NULL;
	if ((x->xch = xc_interface_open(NULL, NULL, 0)) == NULL) {
		log_warn("xc_interface_open");
		free(x);
		return NULL;
	}
	if ((x->fmem = xenforeignmemory_open(NULL, 0)) == NULL) {
		log_warn("xenforeignmemory_open");
		xc_interface_close(x->xch);
		free(x);
		return NULL;
	}
	/* libxl's default max_grant_version: the highest Xen offers. */
	memset(&pi, 0, sizeof(pi));
	if (xc_physinfo(x->xch, &pi) == 0) {
		if (pi.capabilities & XEN_SYSCTL_PHYSCAP_gnttab_v2)
			x->gnttab_version = 2;
		else if (pi.capabilities & XEN_SYSCTL_PHYSCAP_gnttab_v1)
			x->gnttab_version = 1;
	}
	return x;
}

void
xls_close(struct xls *x)
{
	if (x == NULL)
		return;
	xenforeignmemory_close(x->fmem);
	xc_interface_close(x->xch);
	free(x);
}

static void
xls_err(char *err, size_t errlen, const char *what, uint32_t domid)
{
	snprintf(err, errlen, "domain %u: %s: %s", domid, what,
	    strerror(errno));
}

/* Remove the three roots of domid (a shell that never ran). */
static void
xls_unstore(struct store *st, uint32_t domid)
{
	char path[STORE_PATH_MAX], vm[STORE_PATH_MAX];

	snprintf(path, sizeof(path), "/local/domain/%u/vm", domid);
	if (store_read(st, path, vm, sizeof(vm)) == 0 &&
	    strncmp(vm, "/vm/", 4) == 0)
		store_rm(st, vm);
	snprintf(path, sizeof(path), "/local/domain/%u", domid);
	store_rm(st, path);
	snprintf(path, sizeof(path), "/libxl/%u", domid);
	store_rm(st, path);
}

/*
 * The shells made and not filled yet, for the conduit thread
 * (brokers.c), which watches every domain's requests from the scan an
 * introduction starts.  A shell is no guest yet, and at the first
 * introduction after a pool was made (a jitsud that starts, a burst's
 * refills) a watch, its event and two listings a shell went to
 * xenstored while the summoned guest's fill waited behind them: 97 of
 * a first summon's 246 XenStore requests beside 32 shells, nested,
 * where its domain took 221 ms from made to unpaused against 53 later.
 * One bit a domid, any thread's to read: set as the domain is made,
 * before its folders are (a scan lists /local/domain), cleared just
 * before the fill introduces it or says it is filled (xls_filled: the
 * scan or the word finds a guest), or as it is destroyed.
 */
#define XLS_DOMIDS 32768 /* above DOMID_FIRST_RESERVED */
static _Atomic uint32_t xls_unfilled_bits[XLS_DOMIDS / 32];

static void
xls_mark(uint32_t domid, int unfilled)
{
	uint32_t bit = (uint32_t)1 << (domid % 32);

	if (domid >= XLS_DOMIDS)
		return;
	if (unfilled)
		atomic_fetch_or(&xls_unfilled_bits[domid / 32], bit);
	else
		atomic_fetch_and(&xls_unfilled_bits[domid / 32], ~bit);
}

int
xls_unfilled(uint32_t domid)
{
	if (domid >= XLS_DOMIDS)
		return 0;
	return (atomic_load(&xls_unfilled_bits[domid / 32]) >> (domid % 32)) &
	    1;
}

/*
 * Who is told of each fill (xls_on_fill): jitsud's conduit thread,
 * which watches every guest's requests, and for a shell introduced
 * ahead hears no @introduceDomain at its fill.  Set by the main thread
 * while builders run: the argument is stored before the function, and
 * read after it.
 */
static _Atomic(xls_fill_fn) xls_fill_fn_now;
static void *_Atomic	    xls_fill_arg;

void
xls_on_fill(xls_fill_fn fn, void *arg)
{
	atomic_store(&xls_fill_arg, arg);
	atomic_store(&xls_fill_fn_now, fn);
}

#if JITSUD_X86
static void
xls_filled(uint32_t domid)
{
	xls_fill_fn fn = atomic_load(&xls_fill_fn_now);

	if (fn != NULL)
		fn(atomic_load(&xls_fill_arg), domid);
}

/*
 * From here to xls_name, x86 only: a shell is an x86 PVH domain
 * (the local APIC emulated, an e820 memory map, CPUID policies, x86's
 * special pages).  ARM builds none (jitsud.conf's shells must be 0
 * there, conf.c): its xls_shell_make, _fill and _name below refuse.
 */

/*
 * xg_dom_x86.c puts the HVM special pages (its SPECIALPAGE_*: paging,
 * access, sharing, bufioreq, xenstore, ioreq, ident_pt, console) in
 * that order just below X86_HVM_END_SPECIAL_REGION; xls_shell_fill
 * checks the frames it reports against these.
 */
#define XLS_SPECIAL_BASE \
	((uint64_t)X86_HVM_END_SPECIAL_REGION - X86_HVM_NR_SPECIAL_PAGES)
#define XLS_SPECIAL_PFN(i) (XLS_SPECIAL_BASE + (i))
#define XLS_STORE_PFN	   XLS_SPECIAL_PFN(4)
#define XLS_CONSOLE_PFN	   XLS_SPECIAL_PFN(7)

/*
 * A vif connected ahead (xls_vif_ahead).  Its two ring pages sit just
 * below the frames xg_dom_x86.c gives a device model's ioreq servers
 * (8 below the special pages; a shell has no device model, but the
 * frames stay out of anybody's way): in the MMIO hole, never RAM, so
 * the fill's populate and the guest's allocator leave them alone; the
 * memory map says they are reserved.  Their grants take two of the
 * entries every guest keeps for the toolstack (below
 * GNTTAB_NR_RESERVED_ENTRIES: 0 is the console's, 1 the store's).
 */
#define XLS_IOREQ_PAGES 8
#define XLS_RINGS	2 /* tx, rx */
#define XLS_RING_PFN(i) \
	(XLS_SPECIAL_BASE - XLS_IOREQ_PAGES - XLS_RINGS + (uint64_t)(i))
#define XLS_GREF_TX 2
#define XLS_GREF_RX 3

/*
 * A shell introduced to xenstored as it is made (XLS_STORE_AHEAD).
 *
 * A fill's introduction announces the domain (@introduceDomain), and
 * whoever watches that looks at every domain then, on the summon's
 * path: xenconsoled asks Xen about each domain and reads the console
 * folder of each one it has not met yet (the shells the pool made since
 * the last introduction, 6 requests each), jitsud's conduit thread
 * lists /local/domain, and so would any xl process running.  A shell
 * introduced as it is made meets them all in the pool; its fill
 * announces nothing, and the builder tells the conduit thread itself
 * (xls_on_fill).
 *
 * xenstored maps the store ring as it is introduced, through the grant
 * entry every guest keeps for it (GNTTAB_RESERVED_XENSTORE), so the
 * ring must exist then.  libxenguest makes its store page only at the
 * fill, among the special pages it populates and clears there, and
 * populating that frame again would put a new page under the one
 * xenstored had mapped.  So such a shell's store ring is a page of its
 * own just below the vif's rings (in the MMIO hole, reserved in the
 * memory map), zeroed and granted in entry 1 as the shell is made; the
 * fill names it to the guest (HVM_PARAM_STORE_PFN) and to libxenguest's
 * grant seeding instead of the page libxenguest made, which stays
 * unused (4 KiB).
 */
#define XLS_STORE_AHEAD_PFN (XLS_RING_PFN(0) - 1)

/* xls_populate: 2 MiB extents, at most this many frames a call. */
#define XLS_SUPERPAGE_ORDER 9
#define XLS_POPULATE_BATCH  512

static int xls_populate(struct xls *, struct xls_shell *, char *, size_t);
static int xls_store_ahead(struct xls *, struct xls_shell *, char *, size_t);
static int xls_introduce(struct store *, struct xls_shell *, char *, size_t);

static uint64_t
xls_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* A random (version 4) UUID, the handle xl would give the domain. */
static void
xls_uuid(uint8_t u[16])
{
	size_t	i;
	ssize_t n = getrandom(u, 16, 0);

	if (n != 16)
		for (i = 0; i < 16; i++)
			u[i] = (uint8_t)(rand() ^ (int)xls_us());
	u[6] = (u[6] & 0x0f) | 0x40;
	u[8] = (u[8] & 0x3f) | 0x80;
}

/*
 * libxl__domain_make's domctl for a PVH guest: an HVM container with
 * hardware-assisted paging and only the local APIC emulated
 * (libxl__arch_domain_prepare_config), libxl's default limits (1023
 * event channels, the hypervisor's grant and maptrack frames), one
 * vcpu, pool 0.  Xen picks the domid (we ask for 0).
 */
static int
xls_create(struct xls *x, struct xls_shell *sh)
{
	struct xen_domctl_createdomain c;

	memset(&c, 0, sizeof(c));
	c.flags = XEN_DOMCTL_CDF_hvm | XEN_DOMCTL_CDF_hap;
	c.max_vcpus = 1;
	c.max_evtchn_port = XLS_EVTCHN_MAX;
	c.max_grant_frames = -1;
	c.max_maptrack_frames = -1;
	c.grant_opts = XEN_DOMCTL_GRANT_version(x->gnttab_version);
	c.arch.emulation_flags = XEN_X86_EMU_LAPIC;
	memcpy(c.handle, sh->uuid, sizeof(c.handle));
	sh->domid = 0;
	return xc_domain_create(x->xch, &sh->domid, &c);
}

/*
 * libxl's cpuid="host,rdtscp=0": the default policy for the domain type
 * (libxl__cpuid_legacy: PAE on, no invariant TSC, no nested virt), then
 * leaf 0x80000001 EDX bit 27 forced to 0.  A policy string is 32
 * characters, bit 31 first; 'x' keeps the default.
 */
static int
xls_cpuid(struct xls *x, uint32_t domid, int flags)
{
	char		     edx[33];
	struct xc_xend_cpuid xend[2];

	memset(xend, 0, sizeof(xend));
	memset(edx, 'x', 32);
	edx[32] = '\0';
	edx[31 - 27] = '0';
	xend[0].leaf = 0x80000001;
	xend[0].subleaf = XEN_CPUID_INPUT_UNUSED;
	xend[0].policy[3] = edx;
	xend[1].leaf = XEN_CPUID_INPUT_UNUSED;
	return xc_cpuid_apply_policy(x->xch, domid, false, NULL, 0, true, false,
	    false, (flags & XLS_NO_RDTSCP) ? xend : NULL, NULL);
}

/*
 * libxl__build_pre and libxl__arch_domain_create, in their order, for
 * a fresh PVH domain: none of it depends on the kernel or the name.
 * The paging pool is libxl's default for HAP: 1 MiB per vcpu and a
 * page per MiB of RAM (libxl__get_required_paging_memory).
 */
static int
xls_setup(struct xls *x, struct xls_shell *sh, int flags, char *err,
    size_t errlen)
{
	xc_interface *xch = x->xch;
	uint32_t      d = sh->domid;
	uint64_t      kib = (uint64_t)sh->mem_mib * 1024;
	uint64_t      pool_kib = 4 * (256 + (uint64_t)sh->mem_mib);
	int	      port;

	if (xc_domain_max_vcpus(xch, d, 1) != 0)
		return xls_err(err, errlen, "max vcpus", d), -1;
	if (xc_domain_setmaxmem(xch, d, kib + XLS_MAXMEM_SLACK_KIB) != 0)
		return xls_err(err, errlen, "max memory", d), -1;
	if ((port = xc_evtchn_alloc_unbound(xch, d, XLS_BACKEND_DOMID)) < 0)
		return xls_err(err, errlen, "store event channel", d), -1;
	sh->store_port = (uint32_t)port;
	if ((port = xc_evtchn_alloc_unbound(xch, d, XLS_BACKEND_DOMID)) < 0)
		return xls_err(err, errlen, "console event channel", d), -1;
	sh->console_port = (uint32_t)port;
	if (xc_hvm_param_set(xch, d, HVM_PARAM_TIMER_MODE,
		HVMPTM_no_delay_for_missed_ticks) != 0 ||
	    xc_hvm_param_set(xch, d, HVM_PARAM_ALTP2M, 0) != 0)
		return xls_err(err, errlen, "HVM params", d), -1;
	if (xc_domain_set_tsc_info(xch, d, 0, 0, 0, 0) != 0)
		return xls_err(err, errlen, "TSC mode", d), -1;
	if (xc_set_paging_mempool_size(xch, d, pool_kib * 1024) != 0)
		return xls_err(err, errlen, "paging pool", d), -1;
	if (xls_cpuid(x, d, flags) != 0)
		return xls_err(err, errlen, "CPUID policy", d), -1;
	return 0;
}

/* g for the pure node lists, from the shell (and the name, or NULL). */
static void
xls_guest_of(const struct xls_shell *sh, const char *name, struct xls_guest *g)
{
	memset(g, 0, sizeof(*g));
	g->domid = sh->domid;
	g->owner = sh->owner;
	g->name = name;
	memcpy(g->uuid, sh->uuid, sizeof(g->uuid));
	g->mem_mib = sh->mem_mib;
	g->store_port = sh->store_port;
	g->console_port = sh->console_port;
	g->store_pfn = sh->store_ahead ? XLS_STORE_AHEAD_PFN : XLS_STORE_PFN;
	g->console_pfn = XLS_CONSOLE_PFN;
	g->no_console = sh->no_console;
}

/*
 * Write list(g), in one transaction if transact; 0, or -1.
 *
 * A shell's folders go without one (plain writes in a row, sent
 * together), where libxl uses a transaction.  Its domain is paused and
 * not introduced, and nothing of jitsud's reads its folders before it
 * is filled; an `xl list' in those milliseconds may show it without its
 * name.  A transaction made /local/domain/D, /vm/UUID and /libxl/D, and
 * C xenstored failed it (EAGAIN) whenever another shell was made or a
 * domain created or destroyed meanwhile: the whole batch went again,
 * 70 times in a figure-2 piece of the bench, while two builders
 * refilled their pools.  A failure part way leaves folders that
 * xls_destroy removes.
 */
static int
xls_write(struct store *st, const struct xls_guest *g, int transact,
    size_t (*list)(const struct xls_guest *, struct store_node *))
{
	struct store_node *nodes;
	size_t		   n;
	int		   rc;

	if ((nodes = calloc(XLS_NODES_MAX, sizeof(*nodes))) == NULL)
		return -1;
	n = list(g, nodes);
	rc = transact ? store_make_nodes(st, g->domid, nodes, n) :
			store_put_nodes(st, g->domid, nodes, n);
	free(nodes);
	return rc;
}

int
xls_shell_make(struct xls *x, struct store *st, uint32_t mem_mib, int flags,
    struct xls_shell *sh, char *err, size_t errlen)
{
	struct xls_guest g;

	memset(sh, 0, sizeof(*sh));
	sh->mem_mib = mem_mib;
	sh->owner = (uint32_t)getpid();
	xls_uuid(sh->uuid);
	if (mem_mib == 0 || mem_mib > 3 * 1024) {
		snprintf(err, errlen, "shell of %u MiB: out of range", mem_mib);
		return -1;
	}
	if (xls_create(x, sh) != 0) {
		xls_err(err, errlen, "create", 0);
		return -1;
	}
	xls_mark(sh->domid, 1);
	/* A new domain is paused already: nothing runs until unpaused. */
	if (xls_setup(x, sh, flags, err, errlen) == -1)
		goto err;
	if ((flags & XLS_RAM_AHEAD) && xls_populate(x, sh, err, errlen) == -1)
		goto err;
	if ((flags & XLS_STORE_AHEAD) &&
	    xls_store_ahead(x, sh, err, errlen) == -1)
		goto err;
	xls_guest_of(sh, NULL, &g);
	if (xls_write(st, &g, 0, xls_nodes) == -1) {
		xls_err(err, errlen, "XenStore folders", sh->domid);
		goto err;
	}
	/* Its folders first: xenconsoled reads them as it meets it. */
	if (sh->store_ahead && xls_introduce(st, sh, err, errlen) == -1)
		goto err;
	return 0;
err:
	xls_destroy(x, st, sh->domid);
	return -1;
}

/*
 * n pages of domain d from frame first, made now (none was there),
 * zeroed and mapped for us: the caller unmaps them (n at most
 * XLS_RINGS + 1).  NULL with errno set.
 */
static char *
xls_new_pages(struct xls *x, uint32_t d, xen_pfn_t first, int n)
{
	xen_pfn_t pfn[XLS_RINGS + 1];
	int	  errs[XLS_RINGS + 1], i;
	char	 *p;

	for (i = 0; i < n; i++)
		pfn[i] = first + (xen_pfn_t)i;
	if (xc_domain_populate_physmap_exact(x->xch, d, (unsigned long)n, 0, 0,
		pfn) != 0)
		return NULL;
	if ((p = xenforeignmemory_map(x->fmem, d, PROT_READ | PROT_WRITE,
		 (size_t)n, pfn, errs)) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		if (errs[i] != 0) {
			xenforeignmemory_unmap(x->fmem, p, (size_t)n);
			errno = -errs[i];
			return NULL;
		}
	memset(p, 0, (size_t)n * XC_PAGE_SIZE);
	return p;
}

/*
 * Why a shell's vif can be connected before its guest exists.
 *
 * A netfront's half of the handshake is three things netback reads
 * from its folder when it connects: two rings (a page each, granted to
 * the backend), an event channel or two, and what the frontend asks
 * for.  None of it depends on the kernel: the rings can be any pages of
 * the domain, the grants any entries of its table, the ports any of
 * its unbound ones.  So the pool makes them with the shell, dom0
 * playing the guest's part the way libxenguest seeds the console's and
 * the store's grants (xc_dom_gnttab_seed: the grant table's first frame
 * acquired from Xen, entries written), xlv_premake writes the frontend
 * folder Connected, and netback maps the rings, binds the ports and
 * goes Connected while the shell waits in the pool: its ~30 XenStore
 * round trips, the frontend's own, and the frontend's wait for them
 * leave the summon's path.  A guest that knows (our libOS: netfront.c,
 * and the kernel says so in an ELF note, image.c) adopts the rings
 * instead of making its own.  The rings are left as SHARED_RING_INIT
 * leaves them: nothing is on them until the guest posts.
 */
static int
xls_rings(struct xls *x, uint32_t d)
{
	char *p;

	if ((p = xls_new_pages(x, d, XLS_RING_PFN(0), XLS_RINGS)) == NULL)
		return -1;
	SHARED_RING_INIT((netif_tx_sring_t *)p);
	SHARED_RING_INIT((netif_rx_sring_t *)(p + XC_PAGE_SIZE));
	return xenforeignmemory_unmap(x->fmem, p, XLS_RINGS);
}

/*
 * Grant entries ref[i] of domain d to dom0, for its frames pfn[i]: v1
 * entries, as the guest starts with.
 */
static int
xls_grant(struct xls *x, uint32_t d, const uint32_t *ref, const xen_pfn_t *pfn,
    int n)
{
	xenforeignmemory_resource_handle *r;
	grant_entry_v1_t		 *g = NULL;
	int				  i;

	if ((r = xenforeignmemory_map_resource(x->fmem, d,
		 XENMEM_resource_grant_table,
		 XENMEM_resource_grant_table_id_shared, 0, 1, (void **)&g,
		 PROT_READ | PROT_WRITE, 0)) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		g[ref[i]].domid = XLS_BACKEND_DOMID;
		g[ref[i]].frame = (uint32_t)pfn[i];
		/* Usable as soon as flags say so. */
		__atomic_thread_fence(__ATOMIC_RELEASE);
		g[ref[i]].flags = GTF_permit_access;
	}
	return xenforeignmemory_unmap_resource(x->fmem, r);
}

/* The two rings' grants. */
static int
xls_grants(struct xls *x, uint32_t d)
{
	const uint32_t	ref[XLS_RINGS] = { XLS_GREF_TX, XLS_GREF_RX };
	const xen_pfn_t pfn[XLS_RINGS] = { XLS_RING_PFN(0), XLS_RING_PFN(1) };

	return xls_grant(x, d, ref, pfn, XLS_RINGS);
}

/* The store ring of a shell introduced ahead (see above). */
static int
xls_store_ahead(struct xls *x, struct xls_shell *sh, char *err, size_t errlen)
{
	const uint32_t	ref = GNTTAB_RESERVED_XENSTORE;
	const xen_pfn_t pfn = XLS_STORE_AHEAD_PFN;
	char	       *p;

	if ((p = xls_new_pages(x, sh->domid, pfn, 1)) == NULL ||
	    xenforeignmemory_unmap(x->fmem, p, 1) != 0)
		return xls_err(err, errlen, "store ring page", sh->domid), -1;
	if (xls_grant(x, sh->domid, &ref, &pfn, 1) != 0)
		return xls_err(err, errlen, "store ring grant", sh->domid), -1;
	sh->store_ahead = 1;
	return 0;
}

int
xls_vif_ahead(struct xls *x, struct xls_shell *sh, char *err, size_t errlen)
{
	int port;

	if (xls_rings(x, sh->domid) != 0)
		return xls_err(err, errlen, "vif rings", sh->domid), -1;
	if (xls_grants(x, sh->domid) != 0)
		return xls_err(err, errlen, "vif grants", sh->domid), -1;
	sh->ahead.tx_ref = XLS_GREF_TX;
	sh->ahead.rx_ref = XLS_GREF_RX;
	/* A channel a ring, as netback offers (netfront.c says why). */
	if ((port = xc_evtchn_alloc_unbound(x->xch, sh->domid,
		 XLS_BACKEND_DOMID)) < 0)
		return xls_err(err, errlen, "vif tx event channel", sh->domid),
		       -1;
	sh->ahead.tx_port = (uint32_t)port;
	if ((port = xc_evtchn_alloc_unbound(x->xch, sh->domid,
		 XLS_BACKEND_DOMID)) < 0)
		return xls_err(err, errlen, "vif rx event channel", sh->domid),
		       -1;
	sh->ahead.rx_port = (uint32_t)port;
	return 0;
}

/*
 * libxl__build_hvm's layout without a device model: RAM from 0, the
 * MMIO hole below 4 GiB starting low enough for the LAPIC, the ACPI
 * area and the special pages; RAM beyond the hole goes above 4 GiB.
 * xls_ram gives the RAM's ends (*high 0: none above 4 GiB).
 */
static uint64_t
xls_mmio_start(void)
{
	uint64_t start = XLS_SPECIAL_BASE << XC_PAGE_SHIFT;

	if (start > XLS_LAPIC_BASE)
		start = XLS_LAPIC_BASE;
	if (start > XLS_ACPI_INFO_BASE)
		start = XLS_ACPI_INFO_BASE;
	return start;
}

static void
xls_ram(uint64_t mem, uint64_t *low, uint64_t *high)
{
	uint64_t mmio_start = xls_mmio_start();

	*low = mem;
	*high = 0;
	if (mem > mmio_start) {
		*high = XLS_4G + (mem - mmio_start);
		*low = mmio_start;
	}
}

static void
xls_layout(struct xc_dom_image *dom, uint64_t mem)
{
	uint64_t low, high;

	xls_ram(mem, &low, &high);
	dom->mmio_start = xls_mmio_start();
	dom->mmio_size = XLS_4G - dom->mmio_start;
	dom->lowmem_end = low;
	dom->highmem_end = high;
	dom->vga_hole_size = 0;
	dom->device_model = false;
	dom->target_pages = mem >> XC_PAGE_SHIFT;
	dom->max_vcpus = 1;
}

/*
 * Populate frames [from, to) of domain d: 2 MiB extents where the
 * frames are aligned (a superpage each in the guest's p2m, as
 * libxenguest's meminit_hvm asks; it tries 1 GiB ones first, which a
 * shell of at most 3 GiB, 1 GiB of it below the hole at most, gains
 * little from), 4 KiB pages for the rest and where Xen has no 2 MiB
 * extent free.
 */
static int
xls_populate_range(xc_interface *xch, uint32_t d, xen_pfn_t from, xen_pfn_t to)
{
	const xen_pfn_t sp = (xen_pfn_t)1 << XLS_SUPERPAGE_ORDER;
	xen_pfn_t	ext[XLS_POPULATE_BATCH];
	unsigned long	n, i;
	long		done;

	while (from < to) {
		if ((from & (sp - 1)) == 0 && to - from >= sp) {
			for (n = 0; n < XLS_POPULATE_BATCH &&
			     to - from >= (n + 1) * sp;
			     n++)
				ext[n] = from + n * sp;
			done = xc_domain_populate_physmap(xch, d, n,
			    XLS_SUPERPAGE_ORDER, 0, ext);
			if (done > 0) {
				from += (xen_pfn_t)done * sp;
				continue;
			}
			/* No 2 MiB extent: this one a page at a time. */
			n = (unsigned long)sp;
		} else {
			/* Up to the next 2 MiB boundary, or the end. */
			n = (unsigned long)(sp - (from & (sp - 1)));
			if (n > to - from)
				n = (unsigned long)(to - from);
		}
		if (n > XLS_POPULATE_BATCH)
			n = XLS_POPULATE_BATCH;
		for (i = 0; i < n; i++)
			ext[i] = from + i;
		if (xc_domain_populate_physmap_exact(xch, d, n, 0, 0, ext) != 0)
			return -1;
		from += n;
	}
	return 0;
}

/*
 * A shell's RAM, made with the shell (XLS_RAM_AHEAD): the frames and
 * extents libxenguest's meminit_hvm would populate at the fill, for
 * RAM of mem_mib MiB laid out as xls_layout says, so that a fill only
 * loads the kernel (xls_build leaves meminit out).  Xen zeroes the
 * pages it hands out: the fill of 256 MiB took 20 ms more than that of
 * 4 in the nested bench (stop 38's run, where xl create's grew by 12).
 * A waiting shell then holds its RAM, which shell-memory bounds.
 */
static int
xls_populate(struct xls *x, struct xls_shell *sh, char *err, size_t errlen)
{
	uint64_t low, high;

	xls_ram((uint64_t)sh->mem_mib << 20, &low, &high);
	if (xls_populate_range(x->xch, sh->domid, 0, low >> XC_PAGE_SHIFT) !=
		0 ||
	    (high != 0 &&
		xls_populate_range(x->xch, sh->domid, XLS_4G >> XC_PAGE_SHIFT,
		    high >> XC_PAGE_SHIFT) != 0))
		return xls_err(err, errlen, "RAM", sh->domid), -1;
	sh->ram_ahead = 1;
	return 0;
}

/*
 * The guest's memory map (libxl's domain_construct_memmap for PVH, no
 * ACPI modules): low RAM, the special pages reserved, high RAM if any;
 * the pages sh made ahead below them (its store ring, its vif's rings)
 * reserved too, up to the rings' end.  xc_dom reads it too: it sizes
 * hvm_start_info and copies it there.
 */
static int
xls_memmap(struct xls *x, struct xc_dom_image *dom, const struct xls_shell *sh,
    struct e820entry e[4])
{
	uint64_t     ours = 0;
	unsigned int n = 0;

	if (sh->store_ahead)
		ours = XLS_STORE_AHEAD_PFN;
	else if (sh->vif == XLV_AHEAD)
		ours = XLS_RING_PFN(0);
	e[n++] = (struct e820entry){ 0, dom->lowmem_end, E820_RAM };
	if (ours != 0)
		e[n++] = (struct e820entry){ ours << XC_PAGE_SHIFT,
			(XLS_RING_PFN(XLS_RINGS) - ours) << XC_PAGE_SHIFT,
			E820_RESERVED };
	e[n++] = (struct e820entry){ XLS_SPECIAL_BASE << XC_PAGE_SHIFT,
		(uint64_t)X86_HVM_NR_SPECIAL_PAGES << XC_PAGE_SHIFT,
		E820_RESERVED };
	if (dom->highmem_end != 0)
		e[n++] = (struct e820entry){ XLS_4G, dom->highmem_end - XLS_4G,
			E820_RAM };
	if (xc_domain_set_memory_map(x->xch, dom->guest_domid, e, n) != 0)
		return -1;
	dom->e820 = e;
	dom->e820_entries = n;
	return 0;
}

/*
 * libxl__build_dom's sequence for an HVM container.  xc_dom_build_image
 * allocates the special pages and sets the HVM params that name them
 * (STORE_PFN, CONSOLE_PFN...), xc_dom_boot_image writes hvm_start_info
 * (command line, memory map) and the vcpu's entry state, then sets
 * STORE_EVTCHN and CONSOLE_EVTCHN; xc_dom_gnttab_init seeds the grant
 * table's reserved entries for xenstored and xenconsoled.
 */
static int
xls_build(struct xls *x, struct xc_dom_image *dom, struct xls_shell *sh,
    const char **what)
{
	struct e820entry e[4];
	int		 rc = -1;

	*what = "boot init";
	if (xc_dom_boot_xen_init(dom, x->xch, sh->domid) != 0)
		goto out;
	*what = "parse image";
	if (xc_dom_parse_image(dom) != 0)
		goto out;
	*what = "memory init";
	if (xc_dom_mem_init(dom, sh->mem_mib) != 0)
		goto out;
	/*
	 * A shell whose RAM is there (xls_populate) skips meminit, whose
	 * one lasting effect is the p2m's size: the highest RAM frame + 1.
	 */
	*what = "populate memory";
	if (sh->ram_ahead)
		dom->p2m_size = (dom->highmem_end != 0 ? dom->highmem_end :
							 dom->lowmem_end) >>
		    XC_PAGE_SHIFT;
	else if (xc_dom_boot_mem_init(dom) != 0)
		goto out;
	*what = "memory map";
	if (xls_memmap(x, dom, sh, e) != 0)
		goto out;
	*what = "build image";
	if (xc_dom_build_image(dom) != 0)
		goto out;
	/* Where libxenguest put its special pages (xls_shell_fill checks). */
	sh->store_pfn = dom->xenstore_pfn;
	sh->console_pfn = dom->console_pfn;
	*what = "boot image";
	if (xc_dom_boot_image(dom) != 0)
		goto out;
	/*
	 * Introduced ahead: the guest's store ring is the shell's, and its
	 * grant entry, seeded as the shell was made, is left alone: xenstored
	 * has it mapped, and Xen marked it in use, which libxenguest's
	 * seeding would clear (it skips an entry whose frame is -1).
	 */
	*what = "HVM_PARAM_STORE_PFN";
	if (sh->store_ahead) {
		if (xc_hvm_param_set(x->xch, sh->domid, HVM_PARAM_STORE_PFN,
			XLS_STORE_AHEAD_PFN) != 0)
			goto out;
		dom->xenstore_pfn = (xen_pfn_t)-1;
	}
	*what = "grant table";
	if (xc_dom_gnttab_init(dom) != 0)
		goto out;
	rc = 0;
out:
	/* e[] lives on this stack: xc_dom must not keep it. */
	dom->e820 = NULL;
	dom->e820_entries = 0;
	return rc;
}

static int
xls_load(struct xls *x, struct xls_shell *sh, const char *kernel,
    const char *cmdline, char *err, size_t errlen)
{
	struct xc_dom_image *dom;
	const char	    *what = "allocate";
	int		     rc = -1;

	if ((dom = xc_dom_allocate(x->xch, cmdline, NULL)) == NULL) {
		xls_err(err, errlen, what, sh->domid);
		return -1;
	}
	dom->container_type = XC_DOM_HVM_CONTAINER;
	dom->console_evtchn = sh->console_port;
	dom->console_domid = XLS_BACKEND_DOMID;
	dom->xenstore_evtchn = sh->store_port;
	dom->xenstore_domid = XLS_BACKEND_DOMID;
	xls_layout(dom, (uint64_t)sh->mem_mib << 20);
	if (xc_dom_kernel_file(dom, kernel) != 0) {
		snprintf(err, errlen, "domain %u: cannot load %.100s: %s",
		    sh->domid, kernel, strerror(errno));
		goto out;
	}
	if (xls_build(x, dom, sh, &what) != 0) {
		xls_err(err, errlen, what, sh->domid);
		goto out;
	}
	rc = 0;
out:
	xc_dom_release(dom);
	return rc;
}

/*
 * The name: before the guest runs, so that whoever sees it running
 * (xl, a tool that waits for its data/status by name) sees its name;
 * two plain writes, sent together.
 */
int
xls_name(struct store *st, struct xls_shell *sh, const char *name, char *err,
    size_t errlen)
{
	struct xls_guest  g;
	struct store_node nd[XLS_NODES_MAX];
	size_t		  n;

	if (!sh->filled) {
		snprintf(err, errlen, "domain %u: not filled", sh->domid);
		return -1;
	}
	xls_guest_of(sh, name, &g);
	n = xls_name_nodes(&g, nd);
	if (store_put_nodes(st, sh->domid, nd, n) == -1) {
		xls_err(err, errlen, "its name", sh->domid);
		return -1;
	}
	return 0;
}

/*
 * The console folder completed (libxl__device_console_add, which libxl
 * too runs after the introduction): its port, the one key the shell
 * left out (xls_console_stub), makes xenconsoled, which has watched the
 * folder since it first saw the domain, attach.  The guest does not
 * need it: its console ring is named in its HVM params, and output
 * waits in the ring meanwhile.  So it comes after the unpause, off the
 * summon's path, and once the guest is ready (xlb.c), since
 * xenconsoled's attaching and draining slowed the guest's boot.  With
 * sh->no_console the shell's folder goes instead: xenconsoled, which
 * never had the port, never looked at the guest's ring.
 */
int
xls_console_folder(struct store *st, struct xls_shell *sh, const char *name,
    char *err, size_t errlen)
{
	struct xls_guest g;
	uint64_t	 t0 = xls_us();
	char		 path[64];
	int		 rc;

	if (sh->no_console) {
		snprintf(path, sizeof(path), "/local/domain/%u/console",
		    sh->domid);
		rc = store_rm(st, path);
	} else {
		xls_guest_of(sh, name, &g);
		rc = xls_write(st, &g, 0, xls_console_nodes);
	}
	if (rc == -1) {
		xls_err(err, errlen, "console folder", sh->domid);
		return -1;
	}
	sh->store_us = xls_us() - t0;
	return 0;
}

/*
 * The introduction: xenstored maps the store ring and announces the
 * domain (@introduceDomain), as libxl__build_post does.  Before the
 * unpause: the guest's first XenStore request must find xenstored
 * listening on the ring.
 */
static int
xls_introduce(struct store *st, struct xls_shell *sh, char *err, size_t errlen)
{
	uint64_t t0 = xls_us();

	/* C xenstored maps grant entry 1; oxenstored maps this frame. */
	if (store_introduce(st, sh->domid,
		sh->store_ahead ? XLS_STORE_AHEAD_PFN : XLS_STORE_PFN,
		sh->store_port) == -1) {
		xls_err(err, errlen, "introduce to xenstored", sh->domid);
		return -1;
	}
	sh->intro_us = xls_us() - t0;
	return 0;
}

int
xls_shell_fill(struct xls *x, struct store *st, struct xls_shell *sh,
    const char *kernel, const char *cmdline, char *err, size_t errlen)
{
	uint64_t t0 = xls_us();

	if (sh->filled) {
		snprintf(err, errlen, "domain %u: filled already", sh->domid);
		return -1;
	}
	if (xls_load(x, sh, kernel, cmdline, err, errlen) == -1)
		return -1;
	if (sh->store_pfn != XLS_STORE_PFN ||
	    sh->console_pfn != XLS_CONSOLE_PFN) {
		snprintf(err, errlen,
		    "domain %u: libxenguest put the store ring at %#" PRIx64
		    " and the console's at %#" PRIx64 ", not where the "
		    "shell's folders and memory map expect them",
		    sh->domid, sh->store_pfn, sh->console_pfn);
		return -1;
	}
	/*
	 * No primary console: libxenguest made its page and named it in
	 * the HVM params all the same; the guest reads those params, so
	 * they say "none", and without a console/ folder xenconsoled never
	 * looks at the domain.  The shell's console event channel stays
	 * unbound until the domain goes.
	 */
	if (sh->no_console &&
	    (xc_hvm_param_set(x->xch, sh->domid, HVM_PARAM_CONSOLE_PFN, 0) !=
		    0 ||
		xc_hvm_param_set(x->xch, sh->domid, HVM_PARAM_CONSOLE_EVTCHN,
		    0) != 0)) {
		xls_err(err, errlen, "console HVM params", sh->domid);
		return -1;
	}
	sh->build_us = xls_us() - t0;
	xls_mark(sh->domid, 0);
	if (!sh->store_ahead && xls_introduce(st, sh, err, errlen) == -1)
		return -1;
	sh->filled = 1;
	xls_filled(sh->domid);
	return 0;
}

#else  /* !JITSUD_X86 */
int
xls_vif_ahead(struct xls *x, struct xls_shell *sh, char *err, size_t errlen)
{
	(void)x;
	snprintf(err, errlen, "domain %u: domain shells are x86 only",
	    sh->domid);
	return -1;
}

int
xls_shell_make(struct xls *x, struct store *st, uint32_t mem_mib, int flags,
    struct xls_shell *sh, char *err, size_t errlen)
{
	(void)x, (void)st, (void)flags;
	memset(sh, 0, sizeof(*sh));
	snprintf(err, errlen, "shell of %u MiB: domain shells are x86 only",
	    mem_mib);
	return -1;
}

int
xls_shell_fill(struct xls *x, struct store *st, struct xls_shell *sh,
    const char *kernel, const char *cmdline, char *err, size_t errlen)
{
	(void)x, (void)st, (void)kernel, (void)cmdline;
	snprintf(err, errlen, "domain %u: domain shells are x86 only",
	    sh->domid);
	return -1;
}

int
xls_name(struct store *st, struct xls_shell *sh, const char *name, char *err,
    size_t errlen)
{
	(void)st, (void)name;
	snprintf(err, errlen, "domain %u: domain shells are x86 only",
	    sh->domid);
	return -1;
}

int
xls_console_folder(struct store *st, struct xls_shell *sh, const char *name,
    char *err, size_t errlen)
{
	(void)st, (void)name;
	snprintf(err, errlen, "domain %u: domain shells are x86 only",
	    sh->domid);
	return -1;
}
#endif /* JITSUD_X86 */

int
xls_unpause(struct xls *x, uint32_t domid, char *err, size_t errlen)
{
	if (xc_domain_unpause(x->xch, domid) != 0) {
		xls_err(err, errlen, "unpause", domid);
		return -1;
	}
	return 0;
}

int
xls_destroy(struct xls *x, struct store *st, uint32_t domid)
{
	int rc = 0;

	xls_mark(domid, 0);
	/*
	 * The folders first, as libxl removes them before its destroy:
	 * whoever the release of the domain wakes (conduit's watches,
	 * brokers.c) then finds them gone.
	 */
	xls_unstore(st, domid);
	if (xc_domain_destroy(x->xch, domid) != 0) {
		log_warn("xc_domain_destroy %u", domid);
		rc = -1;
	}
	return rc;
}

static void xls_put(struct store_node *out, size_t *n, enum store_perm perm,
    int fresh, const char *value, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static void
xls_put(struct store_node *out, size_t *n, enum store_perm perm, int fresh,
    const char *value, const char *fmt, ...)
{
	struct store_node *nd;
	va_list		   ap;

	if (*n >= XLS_NODES_MAX)
		return;
	nd = &out[(*n)++];
	va_start(ap, fmt);
	vsnprintf(nd->path, sizeof(nd->path), fmt, ap);
	va_end(ap);
	snprintf(nd->value, sizeof(nd->value), "%s", value);
	nd->perm = perm;
	nd->fresh = fresh;
}

/* The three roots, made afresh (libxl__domain_make). */
static void
xls_roots(const struct xls_guest *g, const char *dom, const char *vm,
    struct store_node *out, size_t *n)
{
	char name[48];

	xls_shell_name(g->owner, g->domid, name, sizeof(name));
	xls_put(out, n, STORE_GUEST_RO, 1, "", "%s", dom);
	xls_put(out, n, STORE_GUEST_RO, 1, "", "%s", vm);
	xls_put(out, n, STORE_DOM0, 1, "", "/libxl/%u", g->domid);
	xls_put(out, n, STORE_INHERIT, 0, "", "/libxl/%u/device", g->domid);
	xls_put(out, n, STORE_INHERIT, 0, vm, "%s/vm", dom);
	xls_put(out, n, STORE_INHERIT, 0, name, "%s/name", dom);
	xls_put(out, n, STORE_INHERIT, 0, vm + 4, "%s/uuid", vm);
}

/* The folders the guest may read, and those it owns (libxl's). */
static void
xls_folders(const char *dom, struct store_node *out, size_t *n)
{
	static const char *const ro[] = { "cpu", "memory", "device" };
	static const char *const rw[] = { "device/suspend/event-channel",
		"control/shutdown", "control/feature-poweroff",
		"control/feature-reboot", "control/feature-suspend",
		"control/sysrq", "data", "drivers", "feature", "attr",
		"error" };
	size_t			 i;

	/* Read-only as the domain's folder they inherit from. */
	for (i = 0; i < sizeof(ro) / sizeof(ro[0]); i++)
		xls_put(out, n, STORE_INHERIT, 0, "", "%s/%s", dom, ro[i]);
	xls_put(out, n, STORE_INHERIT, 0, "", "%s/control", dom);
	for (i = 0; i < sizeof(rw) / sizeof(rw[0]); i++)
		xls_put(out, n, STORE_GUEST_RW, 0, "", "%s/%s", dom, rw[i]);
	xls_put(out, n, STORE_INHERIT, 0, "1",
	    "%s/control/platform-feature-multiprocessor-suspend", dom);
	xls_put(out, n, STORE_INHERIT, 0, "1",
	    "%s/control/platform-feature-xs_reset_watches", dom);
	/*
	 * Synjitsu's folder (synjitsu(7)), made with the shell so that a
	 * summon that hands connections over only has to watch it.  A guest
	 * is told by its command line (jitsu.synjitsu=0|1) whether a
	 * hand-over comes, so a folder nobody uses misleads no one.
	 */
	xls_put(out, n, STORE_SHARED, 0, "", "%s/data/synjitsu", dom);
}

/* What libxl__build_post writes; none of it depends on the kernel. */
static void
xls_built(const struct xls_guest *g, const char *dom, struct store_node *out,
    size_t *n)
{
	char v[32];

	snprintf(v, sizeof(v), "%" PRIu64, (uint64_t)g->mem_mib * 1024);
	xls_put(out, n, STORE_INHERIT, 0, v, "%s/memory/static-max", dom);
	xls_put(out, n, STORE_INHERIT, 0, v, "%s/memory/target", dom);
	xls_put(out, n, STORE_INHERIT, 0, "0", "%s/memory/videoram", dom);
	snprintf(v, sizeof(v), "%u", g->domid);
	xls_put(out, n, STORE_INHERIT, 0, v, "%s/domid", dom);
	snprintf(v, sizeof(v), "%u", g->store_port);
	xls_put(out, n, STORE_INHERIT, 0, v, "%s/store/port", dom);
	snprintf(v, sizeof(v), "%" PRIu64, g->store_pfn);
	xls_put(out, n, STORE_INHERIT, 0, v, "%s/store/ring-ref", dom);
	xls_put(out, n, STORE_INHERIT, 0, "online", "%s/cpu/0/availability",
	    dom);
}

/*
 * Console 0 for xenconsoled (libxl__device_console_add): its folder is
 * dom0's and the guest only reads it, but for backend-id (the guest's,
 * as a frontend's keys are); xenconsoled writes tty.  The keys the
 * guest only reads take the folder's permissions (xenstored gives a
 * node dom0 makes its parent's).
 *
 * All of it but the port comes with the shell.  xenconsoled watches the
 * folder of every domain it knows and, at each event under it, reads
 * ring-ref and port and goes no further while one is missing; once
 * both are there it attaches, and then it reads ring-ref, port and
 * type again at every later event.  The folder written whole at the
 * fill was a dozen events (a node each, in one transaction), some 35
 * reads by xenconsoled a guest in the nested testbed's trace; the
 * port written alone is one event, and the attach.
 */
static void
xls_console_stub(const struct xls_guest *g, const char *dom,
    struct store_node *out, size_t *n)
{
	char v[32];

	xls_put(out, n, STORE_GUEST_RO, 0, "", "%s/console", dom);
	xls_put(out, n, STORE_FRONTEND, 0, "0", "%s/console/backend-id", dom);
	xls_put(out, n, STORE_INHERIT, 0, XLS_CONSOLE_LIMIT, "%s/console/limit",
	    dom);
	xls_put(out, n, STORE_INHERIT, 0, "xenconsoled", "%s/console/type",
	    dom);
	xls_put(out, n, STORE_INHERIT, 0, "pty", "%s/console/output", dom);
	xls_put(out, n, STORE_INHERIT, 0, "", "%s/console/tty", dom);
	snprintf(v, sizeof(v), "%" PRIu64, g->console_pfn);
	xls_put(out, n, STORE_INHERIT, 0, v, "%s/console/ring-ref", dom);
}

static void
xls_paths(const struct xls_guest *g, char dom[64], char vm[64])
{
	const uint8_t *u = g->uuid;

	snprintf(dom, 64, "/local/domain/%u", g->domid);
	snprintf(vm, 64,
	    "/vm/%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x",
	    u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10],
	    u[11], u[12], u[13], u[14], u[15]);
}

size_t
xls_nodes(const struct xls_guest *g, struct store_node *out)
{
	char   dom[64], vm[64];
	size_t n = 0;

	xls_paths(g, dom, vm);
	xls_roots(g, dom, vm, out, &n);
	xls_folders(dom, out, &n);
	/* libxl__domain_type reads it: without it `xl shutdown' takes the
	 * domain for HVM and looks for PV drivers. */
	xls_put(out, &n, STORE_INHERIT, 0, "pvh", "/libxl/%u/type", g->domid);
	xls_built(g, dom, out, &n);
	xls_console_stub(g, dom, out, &n);
	return n;
}

#define XLS_SHELL_PREFIX "jitsud-shell-"

void
xls_shell_name(uint32_t owner, uint32_t domid, char *buf, size_t len)
{
	snprintf(buf, len, XLS_SHELL_PREFIX "%u-%u", owner, domid);
}

int
xls_shell_stale(const char *name, uint32_t self)
{
	const char   *p;
	char	     *end;
	unsigned long owner;

	if (strncmp(name, XLS_SHELL_PREFIX, strlen(XLS_SHELL_PREFIX)) != 0)
		return 0;
	p = name + strlen(XLS_SHELL_PREFIX);
	if (*p < '0' || *p > '9')
		return 0;
	owner = strtoul(p, &end, 10);
	if (*end != '-' || end[1] < '0' || end[1] > '9')
		return 0;
	strtoul(end + 1, &end, 10);
	if (*end != '\0')
		return 0;
	return owner != self;
}

size_t
xls_name_nodes(const struct xls_guest *g, struct store_node *out)
{
	char   dom[64], vm[64];
	size_t n = 0;

	xls_paths(g, dom, vm);
	xls_put(out, &n, STORE_INHERIT, 0, g->name, "%s/name", dom);
	xls_put(out, &n, STORE_INHERIT, 0, g->name, "%s/name", vm);
	return n;
}

size_t
xls_console_nodes(const struct xls_guest *g, struct store_node *out)
{
	char   dom[64], vm[64], v[32];
	size_t n = 0;

	xls_paths(g, dom, vm);
	if (!g->no_console) {
		snprintf(v, sizeof(v), "%u", g->console_port);
		xls_put(out, &n, STORE_INHERIT, 0, v, "%s/console/port", dom);
	}
	return n;
}
