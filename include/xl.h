/* xl.h -- the Xen backend's inside: its two threads' messages and parts */
#ifndef XL_H
#define XL_H

#include "jitsud.h"

/*
 * The Xen backend is four files, the main thread and N builder threads
 * (`builders' in jitsud.conf(5)), each builder with its own loop, its
 * own libxl context and its own XenStore connection:
 *
 *	main thread			builder thread 1..N
 *	vm.c, handover.c		xlb.c: loop, registry, commands
 *	xl.c: vm_backend  --cmd-->	xld.c: libxl (domains)
 *	      proxy, router <--rep--	xlh.c: XenStore hand-over
 *					xlv.c: the vif (vif-plug inline)
 *
 * They share no memory but these messages, carried by chan.c (one
 * command channel per builder, one report channel for all); each
 * message belongs to its receiver.  A builder never dereferences `v':
 * it only hands it back in reports, and the main thread checks that it
 * is still registered before it touches it.  xl.c sends a build to the
 * least busy builder, which then owns that domain: every later command
 * for it goes there (xl.c says why).
 */

/* clang-format off */
enum xl_op {
	XL_CREATE, XL_RESTORE, XL_DESTROY, XL_SHUTDOWN, XL_SUSPEND,
	XL_PAUSE, XL_UNPAUSE, XL_FORGET, XL_LIST, XL_ATTACH, XL_SIGCHLD,
	XL_WATCH, XL_HANDOVER, XL_HANDOVER_END, XL_POOL,
	XL_QUIT
};
/* clang-format on */

/* What a domain shell fixes when it is made (xlp.c). */
struct xlp_shape {
	uint32_t mem_mib;
	int	 flags;	    /* XLS_NO_RDTSCP */
	int	 vif_ahead; /* its vif connected with it (xls_vif_ahead) */
};

#define XLP_SHAPES_MAX 8

/* main -> builder */
struct xl_cmd {
	enum xl_op	 op;
	struct vm	*v;	 /* opaque to the builder */
	int		 paused; /* XL_CREATE */
	int		 domid;	 /* XL_ATTACH */
	struct binding	 b;	 /* a copy: no sharing */
	char		*recs;	 /* XL_HANDOVER: lines, ours */
	size_t		 nrecs;
	struct xlp_shape shapes[XLP_SHAPES_MAX]; /* XL_POOL */
	size_t		 nshapes;
};

enum xl_rep_kind {
	XL_REP_BUILT,	 /* ok, domid or why */
	XL_REP_GONE,	 /* why NULL: as asked */
	XL_REP_DOMAIN,	 /* XL_LIST: a running domain, name, domid */
	XL_REP_READY,	 /* data/status = ready */
	XL_REP_SYNREADY, /* the guest asks for its connections */
	XL_REP_ADOPTED,	 /* it took `domid' of them; -1: gave up */
	XL_REP_PHASE	 /* `phase' of the summon seen at `ms' */
};

/* xl_cmd_free: a command and what it owns (its binding's strings). */
void xl_cmd_free(void *);

/* builder -> main */
struct xl_rep {
	enum xl_rep_kind kind;
	struct vm	*v;
	int		 ok;
	int		 domid;
	int		 has_why;
	char		 why[160];
	char		 name[BINDING_NAME_MAX + 1]; /* XL_REP_DOMAIN */
	enum tl_phase	 phase;			     /* XL_REP_PHASE */
	uint64_t	 ms;			     /* its vm_now_ms() */
	int		 builder;		     /* 1..N: who sent it */
	int		 build_over; /* ends a create or restore */
};

/* xlb.c -- the builder thread: its loop, registry, commands, reports */

/*
 * xlb_start: builder `id' (1..CONF_BUILDERS_MAX): a libxl context and a
 * thread running its own loop; it takes struct xl_cmd on the returned
 * channel and sends struct xl_rep, marked with its id, on `reps'.
 * vif_script and statedir as in the configuration.  NULL (with a
 * warning) when this is not a Xen dom0.
 */
struct chan *xlb_start(int id, struct chan *reps, const struct conf *);
/*
 * xlb_stop: end every builder started (XL_QUIT: each frees its libxl
 * context and XenStore connection in its own thread); the domains run on.
 */
void	     xlb_stop(void);

#define XL_NO_DOMID ((uint32_t)-1)

struct xld;
/* libxl helpers a builder remembers at once (xld.c, xld_close). */
#define XLD_KIDS	    64
/* A libxl destroy this old (ms) is taken for hung (xld.c). */
#define XLD_DESTROY_HUNG_MS 20000
struct xld_dom;
struct xlh;
struct xlv;
struct xlv_nic;
struct xls_vif;

/* One domain, in the builder thread (xlb.c's registry, xld.c's work). */
struct xlb_vm {
	TAILQ_ENTRY(xlb_vm) entry;
	struct vm	   *v;			    /* for reports only */
	char		    name[BINDING_NAME_MAX]; /* no final dot */
	uint32_t	    domid;		    /* XL_NO_DOMID when none */
	int		    creating, paused_build, asked_stop;
	int		    in_flight; /* a create or restore not yet over */
	/* The libxl create call: entered, returned, domain created (ms,
	 * vm_now_ms()), and this thread's CPU time in it (xlb.c logs it). */
	uint64_t	    call_ms[3];
	uint64_t	    call_cpu_ms;
	int		    destroying, suspending;
	uint64_t	    destroy_ms; /* when libxl's destroy began */
	int		    orphan;	/* left to a hung destroy (xld.c) */
	int		    save_fd;
	char		    error[160];
	struct store_watch *ready; /* data/status */
	/* ready=xenstore, a fresh build: the builder watches data/status
	 * from the unpause (xlb_watch_booting); watching_status: it does
	 * (until xlb_release), and XL_WATCH adds nothing. */
	int		    watch_at_unpause, watching_status;
	struct store_watch *vif;	  /* its vif's backend state */
	int		    synjitsu;	  /* fresh build, Synjitsu on */
	int		    handed_early; /* records written before unpause */
	int		    from_shell;	  /* the last build filled a shell */
	struct xlh	   *xlh;	  /* its hand-over's transport */
	struct xlv	   *xlv;	  /* its vif, vif-plug inline */
	/* A filled shell whose console folder is still owed (xlb.c: once
	 * no guest boots), the event that writes it and the time it is
	 * written by in any case; booting: counted in xlb.c's guests that
	 * boot with their console owed. */
	struct xls_shell   *console_owed;
	struct event	   *console_ev;
	uint64_t	    console_due; /* ms, monotonic */
	int		    booting;
	struct xld_dom	   *dom; /* libxl's state (xld.c) */
};

/*
 * xlb_cmdline: the guest's kernel command line (malloc'd), or NULL;
 * synjitsu: this build gets a hand-over (jitsu.synjitsu=1, synjitsu(7)).
 */
char *xlb_cmdline(const struct binding *, int synjitsu);

/* What xld.c calls back (builder thread only). */
void xlb_report(struct xlb_vm *, enum xl_rep_kind, int ok, const char *why);
void xlb_report_domain(const char *name, int domid);
/* xlb_report_phase: phase p of the build happened now (XL_REP_PHASE). */
void xlb_report_phase(struct xlb_vm *, enum tl_phase p);
/* xlb_release: no domain any more: every watch and libxl state goes. */
void xlb_release(struct xlb_vm *);
/*
 * xlb_watch_vif: report "devices" (XL_REP_PHASE) once the domain's vif
 * backend is Connected in XenStore.  Gone with xlb_release.
 */
void xlb_watch_vif(struct xlb_vm *);
/* xlb_watch_booting: a fresh guest just unpaused: its data/status
 * watched now, not when the main thread asks (xlb.c says why). */
void xlb_watch_booting(struct xlb_vm *);
/* xlb_synjitsu_prepare: as the guest runs, open its hand-over (unless
 * xlb_synjitsu_early wrote its records) and listen for its ask. */
void xlb_synjitsu_prepare(struct xlb_vm *);
/* xlb_synjitsu_early: before the unpause, write the records the main
 * thread has sent already (handover_created). */
void xlb_synjitsu_early(struct xlb_vm *);
/*
 * xlb_vif_plug: before the guest runs, make its vif (xlv_open); a later
 * failure ends the domain (xld_fail) with the reason.  0, or -1 with
 * xv->error set.
 */
int  xlb_vif_plug(struct xlb_vm *, const struct xlv_nic *);
/* xlb_vif_gone: the domain is dead: remove its vif backends (inline). */
void xlb_vif_gone(struct xlb_vm *);
/*
 * xlb_domain_kill: destroy domid through libxenctrl (xls.c), and its
 * XenStore folders: for a domain libxl's destroy cannot finish.
 */
int  xlb_domain_kill(uint32_t domid, char *err, size_t errlen);
/*
 * xlb_orphan: xv leaves the registry (its name may be built again at
 * once) but stays allocated for the libxl operation that still points
 * at it; xlb_orphan_free when that ends.
 */
void xlb_orphan(struct xlb_vm *);
void xlb_orphan_free(struct xlb_vm *);

/* xld.c -- libxl (the only file that includes libxl.h), builder thread */

/*
 * xld_open: a libxl context whose events run in `base'; NULL if no
 * dom0.  xld_use: from now on this thread's context: the thread that
 * runs `base' calls it first, and is the only one to use it.  xld_close
 * frees the calling thread's context.
 */
struct xld *xld_open(struct event_base *base, const struct conf *);
void	    xld_use(struct xld *);
void	    xld_close(void);
/* Per-domain libxl state: made, released (xlb_release), freed. */
int	    xld_vm_init(struct xlb_vm *);
void	    xld_vm_release(struct xlb_vm *);
void	    xld_vm_free(struct xlb_vm *);
/*
 * The operations.  Each reports when done, through xlb_report: create
 * and restore XL_REP_BUILT; destroy, shutdown, suspend XL_REP_GONE (or a
 * crash's, at any time); pause and unpause only a failure, as GONE.
 */
void	    xld_create(struct xlb_vm *, const struct xl_cmd *);
void	    xld_restore(struct xlb_vm *, const struct xl_cmd *);
void	    xld_destroy(struct xlb_vm *);
void	    xld_shutdown(struct xlb_vm *);
void	    xld_suspend(struct xlb_vm *);
void	    xld_pause(struct xlb_vm *, int pause);
/* xld_attach: watch running domain domid, adopted by the main thread. */
void	    xld_attach(struct xlb_vm *, int domid);
/* xld_list: report every running domain (XL_REP_DOMAIN). */
void	    xld_list(void);
/*
 * xld_each_domain: cb(domid, name, shut down, arg) for every domain but
 * dom0 and the dying.
 */
void	    xld_each_domain(void (*cb)(uint32_t, const char *, int, void *),
	   void *arg);
/*
 * xld_build_failed: a domain built (by libxl or from a shell) cannot run
 * as asked (xv->error says why): it goes, and the build is reported
 * failed.
 */
void	    xld_build_failed(struct xlb_vm *);
/* xld_sigchld: a SIGCHLD came: libxl reaps its children. */
void	    xld_sigchld(void);
/* xld_fail: destroy the domain; it is reported GONE with `why'. */
void	    xld_fail(struct xlb_vm *, const char *why);

/* xlh.c -- Synjitsu's XenStore transport, in the builder thread */

/*
 * xlh_open: make domain domid's data/synjitsu folder (synjitsu(7)),
 * private to dom0 and the guest, unless it was made with the domain
 * (made: a shell's); after xlh_write, adopted(arg, K) when the guest
 * writes adopted = K (-1 if K is not a number in range).  NULL (logged)
 * when it cannot be made.
 */
struct xlh *xlh_open(struct store *, uint32_t domid, int made, const char *name,
    void (*asked)(void *), void (*adopted)(void *, int), void *arg);
/*
 * xlh_listen: watch the folder's ready key: asked(arg) once the guest
 * writes ready = 1.  Not for records written before the guest runs:
 * its ask then has nothing to start.  NULL is ok.
 */
void	    xlh_listen(struct xlh *);
/*
 * xlh_write: n record lines (`lines', "\n"-separated, modified) as
 * conn/0..n-1, then count = n (which the guest watches); adopted is then
 * read once the guest is ready (xlh_ready), or watched if it was ready
 * before (a guest that gave up wrote it already: the watch fires at once
 * and the folder goes).  0, or -1.
 */
int	    xlh_write(struct xlh *, char *lines, size_t n);
/*
 * xlh_status: the caller watches the guest's data/status now and will
 * call xlh_ready; until then, or without, adopted is watched from the
 * records on.  NULL is ok.
 */
void	    xlh_status(struct xlh *);
/*
 * xlh_ready: the guest wrote data/status = "ready": with the records
 * written, adopted is read (our libOS writes it just before), or watched
 * if it is not there yet.  NULL is ok.
 */
void	    xlh_ready(struct xlh *);
/* xlh_end: the conversation is over: records not taken are removed. */
void	    xlh_end(struct xlh *);
/* xlh_close: forget it (the domain is gone or forgotten); NULL is ok. */
void	    xlh_close(struct xlh *);

/* xlv.c -- the vif jitsud makes and plugs itself (vif-plug inline) */

/* What a vif needs of its binding, kept from the build's command. */
struct xlv_nic {
	uint8_t mac[6];
	char	bridge[BINDING_BRIDGE_MAX];
	char	ip[16]; /* dotted quad, or "" */
};

#define XLV_KEYS_MAX 16

/* xls_shell.vif and xlv_open's premade: what a shell's vif has. */
#define XLV_PREMADE 1 /* its folders (xlv_premake) */
#define XLV_AHEAD   2 /* and connected ahead: hotplug-status written */

/* The two XenStore folders of a vif and their keys (xlv_dirs). */
struct xlv_dirs {
	char	    front[STORE_PATH_MAX], back[STORE_PATH_MAX];
	const char *fkeys[XLV_KEYS_MAX], *fvalues[XLV_KEYS_MAX];
	const char *bkeys[XLV_KEYS_MAX], *bvalues[XLV_KEYS_MAX];
	char	    fval[XLV_KEYS_MAX][STORE_PATH_MAX];
	char	    bval[XLV_KEYS_MAX][STORE_PATH_MAX];
	size_t	    nfront, nback;
};

/* xlv_dirs: domain domid's vif 0 as libxl would write it (nic NULL: a
 * shell's, without the binding's MAC, bridge and address); pure. */
void xlv_dirs(uint32_t domid, const struct xlv_nic *, struct xlv_dirs *);
/* xlv_ahead_keys: a shell's vif connected ahead, d (xlv_dirs, nic NULL)
 * turned into it: the frontend's keys, Connected; pure. */
void xlv_ahead_keys(const struct xls_vif *, struct xlv_dirs *d);
/* xlv_binding_keys: the binding's keys, added to d; pure. */
void xlv_binding_keys(const struct xlv_nic *, struct xlv_dirs *d);
/* xlv_binding_dirs: a shell's vif's folders, the binding's keys only;
 * pure. */
void xlv_binding_dirs(uint32_t domid, const struct xlv_nic *,
    struct xlv_dirs *);
/*
 * xlv_premake: a shell's vif, made with the shell (xlp.c): its folders
 * without the binding's keys, so that netback makes vifD.0 long before a
 * summon.  With ahead (not NULL), the frontend's half of the handshake
 * too, Connected, and hotplug-status=connected: netback connects it
 * then and there (xlv.c).  0, or -1 logged.  Blocks.
 */
int  xlv_premake(struct store *, uint32_t domid, const struct xls_vif *ahead);
/* xlv_nic_of: what b's vif needs; pure. */
void xlv_nic_of(const struct binding *, struct xlv_nic *);
/* xlv_ifname: "vifD.0", the name netback gives it; 0, or -1 too long. */
int  xlv_ifname(uint32_t domid, char *buf, size_t len);
/*
 * xlv_open: write the vif's folders (before the domain first runs;
 * premade: only the binding's keys, into a shell's vif, xlv_premake;
 * XLV_AHEAD: connected already, so no hotplug-status to write),
 * then, once netback's backend is in InitWait, put vifD.0 into the
 * bridge, bring it up (rtnetlink) and write hotplug-status=connected;
 * done(arg, NULL) then, or done(arg, why) on any failure, why naming
 * the vif and the bridge (hotplug-status=error and hotplug-error are
 * written too).  done is the last thing xlv does.  NULL (logged) when
 * the folders cannot be written.  Builder thread only.
 */
struct xlv *xlv_open(struct store *, struct event_base *, uint32_t domid,
    const struct xlv_nic *, int premade, void (*done)(void *, const char *),
    void *arg);
/*
 * xlv_plug_now: plug now, without waiting for the InitWait watch, if
 * netback has made vifD.0 already (before the unpause, so that no
 * carrier can come first: see xlv.c).  1 plugged (done follows as with
 * the watch, maybe at once), 0 not made yet or plugged already (the
 * watch goes on), -1 with err: then done never comes; close it.  A
 * premade vif's watch is set here, and only if vifD.0 is not made yet:
 * call it before the unpause (xlb.c: before the fill for a vif
 * connected ahead, after it for the others).
 */
int	    xlv_plug_now(struct xlv *, char *err, size_t errlen);
/*
 * xlv_connected: 1 once a vif connected ahead (XLV_AHEAD) is plugged and
 * its backend read Connected as it was: nothing left to wait for.
 */
int	    xlv_connected(const struct xlv *);
/* xlv_link_pending: up and carrier but not running (link watcher). */
int	    xlv_link_pending(unsigned int ifi_flags);
/* xlv_close: stop waiting and forget it; the device stays.  NULL ok. */
void	    xlv_close(struct xlv *);
/*
 * xlv_remove: a dead domain's vif backends go (netback drops vifD.0),
 * now and, with a base, once more a little later (xlv.c says why); one
 * store per calling thread.
 */
void	    xlv_remove(struct store *, struct event_base *, uint32_t domid);

/* xls.c -- domain shells: PVH domains made ahead, filled on a summon */

struct xls;
struct store_node;

/* xls_shell_make's flags. */
#define XLS_NO_RDTSCP	0x1 /* cpuid "host,rdtscp=0" */
#define XLS_RAM_AHEAD	0x2 /* its RAM populated as it is made */
#define XLS_STORE_AHEAD 0x4 /* introduced to xenstored as it is made */

/*
 * A shell's vif connected ahead (xls_vif_ahead): its two rings in the
 * shell's memory, granted to dom0, and its two event channels, which
 * the frontend folder names (xlv_premake) so that netback connects
 * before any guest runs; the guest adopts them (netfront.c).
 */
struct xls_vif {
	uint32_t tx_ref, rx_ref;   /* grant references of the rings */
	uint32_t tx_port, rx_port; /* the guest's ports, unbound for dom0 */
};

/* One shell: what making it chose, what filling it needs. */
struct xls_shell {
	uint32_t domid;
	uint32_t
	    owner; /* the jitsud (pid) that made it: its placeholder name */
	uint32_t       mem_mib;
	uint32_t       store_port, console_port; /* unbound, for dom0 */
	uint8_t	       uuid[16];
	/* set by the caller of xls_shell_fill: no primary console (the
	 * binding's console=off): no console/ folder, no ring for it */
	int	       no_console;
	/* set by xls_shell_fill (store_us by xls_name) */
	uint64_t       store_pfn, console_pfn;
	uint64_t       build_us, store_us, intro_us; /* its parts, how long */
	int	       filled;
	/* set by xls_shell_make with XLS_RAM_AHEAD: its RAM is there, the
	 * fill only loads the kernel */
	int	       ram_ahead;
	/* set by xls_shell_make with XLS_STORE_AHEAD: xenstored knows it
	 * already, its store ring at a frame of its own */
	int	       store_ahead;
	/* set by the pool (xlp.c): its vif's folders are made
	 * (xlv_premake), netback has made vifD.0 meanwhile: XLV_PREMADE;
	 * and connected ahead (xls_vif_ahead): XLV_AHEAD, with ahead */
	int	       vif;
	struct xls_vif ahead;
};

/* What xls_nodes writes for a filled shell. */
struct xls_guest {
	uint32_t    domid;
	uint32_t    owner;
	const char *name;
	uint8_t	    uuid[16];
	uint32_t    mem_mib;
	uint32_t    store_port, console_port;
	uint64_t    store_pfn, console_pfn;
	int	    no_console; /* xls_console_nodes writes no console/ */
};

#define XLS_NODES_MAX 48

/*
 * xls_open: this thread's handle on the hypervisor (libxenctrl); NULL,
 * logged, when this is not a Xen dom0.  One per thread; xls_close frees
 * it (NULL is ok).
 */
struct xls *xls_open(void);
void	    xls_close(struct xls *);
/*
 * xls_shell_make: an empty PVH domain of mem_mib MiB and one vcpu,
 * paused, with everything that depends neither on the kernel nor on
 * the guest's name done (xls.c lists what and why), its XenStore
 * folders included (named "jitsud-shell-D" meanwhile); with
 * XLS_RAM_AHEAD in flags its RAM too (xls.c says why).  0, or -1 with
 * err set (and nothing left behind).  Blocks.
 */
int xls_shell_make(struct xls *, struct store *, uint32_t mem_mib, int flags,
    struct xls_shell *, char *err, size_t errlen);
/*
 * xls_vif_ahead: a made shell's vif, ready to be connected before any
 * guest runs: its two rings in the shell's memory, granted to dom0, and
 * two event channels (xls.c says where and why), into sh->ahead, for
 * xlv_premake.  0, or -1 with err set (the caller destroys the shell).
 * Blocks.
 */
int xls_vif_ahead(struct xls *, struct xls_shell *, char *err, size_t errlen);
/*
 * xls_shell_fill: load `kernel' (an ELF with the PVH entry note) into
 * the shell with `cmdline' (with sh->no_console the guest is told of no
 * console ring) and introduce it to xenstored, unless it was as it was
 * made (XLS_STORE_AHEAD); it stays paused, for the caller to make its
 * vif (xlv_open), name it (xls_name), xls_unpause it and then write its
 * console folder (xls_console_folder).  From then on it is an ordinary
 * domain to libxl (destroy, shutdown, death events) and `xl'.  0, or -1
 * with err set: the caller destroys it.  Blocks.
 */
int xls_shell_fill(struct xls *, struct store *, struct xls_shell *,
    const char *kernel, const char *cmdline, char *err, size_t errlen);
/* xls_unfilled: is domid a shell made and not filled yet (no guest)?
 * Any thread may ask. */
int xls_unfilled(uint32_t domid);
/*
 * xls_name: a filled shell's name `name', before the unpause (until
 * then `xl list' shows the shell's).  xls_console_folder: its console
 * folder (none with sh->no_console), after the unpause will do (xls.c
 * says why).  0, or -1 with err set: the caller destroys it.  Block.
 */
int xls_name(struct store *, struct xls_shell *, const char *name, char *err,
    size_t errlen);
int xls_console_folder(struct store *, struct xls_shell *, const char *name,
    char *err, size_t errlen);
/* xls_unpause: let it run.  0, or -1 with err set. */
int xls_unpause(struct xls *, uint32_t domid, char *err, size_t errlen);
/*
 * xls_destroy: end a shell never filled, its XenStore folders too (a
 * filled one is libxl's to destroy: libxl_domain_destroy removes them).
 * 0, or -1 logged.
 */
int xls_destroy(struct xls *, struct store *, uint32_t domid);
/*
 * xls_on_fill: fn(arg, domid) from now on after every fill, in the
 * filling builder's thread (fn must be safe there); NULL: nobody.
 */
typedef void (*xls_fill_fn)(void *arg, uint32_t domid);
void   xls_on_fill(xls_fill_fn fn, void *arg);
/*
 * The XenStore nodes libxl writes for a PVH guest with a xenconsoled
 * console, in order, split as a shell writes them; pure.  xls_nodes:
 * the shell's (all but the name and the console's port); what a fill
 * adds is xls_name_nodes (the name, /vm/UUID/name: before the unpause)
 * and xls_console_nodes (console/port: after it).  Each returns how
 * many (at most XLS_NODES_MAX) it put in out[].
 */
size_t xls_nodes(const struct xls_guest *, struct store_node *out);
/*
 * xls_shell_name: a shell's name until it is filled, "jitsud-shell-P-D"
 * (P: the jitsud that made it).  xls_shell_stale: 1 when `name' is the
 * name of a shell some other jitsud made (one that died and left it
 * behind: it is ours to destroy), else 0.  Pure.
 */
void   xls_shell_name(uint32_t owner, uint32_t domid, char *buf, size_t len);
int    xls_shell_stale(const char *name, uint32_t self);
size_t xls_name_nodes(const struct xls_guest *, struct store_node *out);
size_t xls_console_nodes(const struct xls_guest *, struct store_node *out);

/* xlp.c -- a builder's pool of domain shells, made ahead */

struct xlp;

/*
 * xlp_shape_of: the shape of a shell b's guest can be built in; 0, or
 * -1 when a shell cannot build it (libxl does).  Pure.
 */
int	    xlp_shape_of(const struct binding *, struct xlp_shape *);
/*
 * xlp_shapes: the distinct shapes of the zones' bindings, smallest
 * first, as many as fit per_shape times in max_mib (at most
 * XLP_SHAPES_MAX), into out; how many.  Pure.
 */
size_t	    xlp_shapes(const struct zone_set *, int per_shape, uint32_t max_mib,
	 int vif_ahead, struct xlp_shape *out);
/*
 * xlp_open: a pool that keeps per_shape shells of each shape it is told
 * to want, in builder `builder''s loop; NULL when per_shape is 0 or
 * there is no hypervisor or XenStore to make them with.  vif_ahead:
 * shapes that say so get their vif connected as they are made
 * (conf's shell-vif connected); ram_ahead: every shell gets its RAM as
 * it is made (conf's shell-ram populated); store_ahead: xenstored is
 * told of every shell as it is made (conf's shell-store introduced).
 */
struct xlp *xlp_open(struct event_base *, struct store *, int builder,
    int per_shape, int vif_ahead, int ram_ahead, int store_ahead);
/* xlp_want: these shapes from now on (a shape no longer wanted loses its
 * shells); the first call also destroys shells left by a dead jitsud. */
void	    xlp_want(struct xlp *, const struct xlp_shape *, size_t n);
/* xlp_take: a ready shell of shape s into *out (now the caller's); 0, or
 * -1 when none is ready (or p is NULL).  Another is made once the
 * builder is quiet (xlp_busy). */
int  xlp_take(struct xlp *, const struct xlp_shape *, struct xls_shell *);
/* xlp_make_now: a shell of shape s made now into *out (the caller's),
 * when the pool keeps that shape and has none ready: a burst beyond the
 * pool is built the same way, not by libxl (which takes longer and asks
 * XenStore more).  0, or -1 with err (not a shape kept; no make). */
int  xlp_make_now(struct xlp *, const struct xlp_shape *, struct xls_shell *,
     char *err, size_t errlen);
/* xlp_busy: a summon is going through the builder: no shell is made
 * until it has had none for a while (a second), so that a burst of
 * summons does not share the CPUs with the pool's refills.  NULL is ok. */
void xlp_busy(struct xlp *);
/* xlp_xls: the pool's handle on the hypervisor, for xls_* on a shell. */
struct xls *xlp_xls(struct xlp *);
/* xlp_close: the shells not taken are destroyed.  NULL is ok. */
void	    xlp_close(struct xlp *);

#endif
